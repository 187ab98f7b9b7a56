// The credentials this program mints, and where each one is carried. No imports: the CLI reads this at
// start-up (`sophia secrets rotate --help`), where loading the Pulumi SDK would cost a second.

/** The services whose credentials this program mints and rotates. */
export const ROTATED_SERVICES = ["snowflake", "estuary", "gong"] as const;
export type RotatedService = (typeof ROTATED_SERVICES)[number];

/** The GitHub Actions secrets and Vercel variables that carry each rotated service's current credential. */
export const CARRIERS: Record<RotatedService, string[]> = {
  snowflake: ["SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD"],
  gong: ["GONG_WEBHOOK_SECRET"],
  estuary: ["ESTUARY_WEBHOOK_TOKEN"],
};
