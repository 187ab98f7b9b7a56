import { quartzCronError } from "../../providers/airbyte/cron";

describe("Quartz cron validation", () => {
  it.each([
    "0 0 */6 * * ?",
    "0 0 12 ? * MON-FRI",
    "0 15 10 L * ?",
    "0 0 0 ? * 6#3",
    "0 0/5 14,18 * * ? 2030",
    "0 0 9 15W * ?",
  ])("accepts %s", (expr) => {
    expect(quartzCronError(expr)).toBeUndefined();
  });

  it.each([
    ["0 */6 * * *", /expected 6 or 7 fields/],
    ["0 0 */6 * * *", /exactly one of day-of-month and day-of-week must be "\?"/],
    ["0 0 24 * * ?", /hours field: "24" is not a hours value \(0-23\)/],
    ["0 61 * * * ?", /minutes field/],
    ["0 0 0 ? JUNE MON", /month field/],
    ["0 0 0 * * ? 1800", /year field/],
    ["? 0 0 * * MON", /seconds field: "\?" is only allowed/],
    ["0 0/0 * * * ?", /step "0" must be a positive number/],
  ])("rejects %s", (expr, why) => {
    expect(quartzCronError(expr)).toMatch(why);
  });
});
