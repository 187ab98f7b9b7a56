// The platform's .env as the design documents write it (values made up; the Slack URL has a webhook's
// shape), shared by the import-env contract and end-to-end tests, which assert on its line numbers.
export const REFRESH_TOKEN = Buffer.from(
  JSON.stringify({ id: "0a1b2c3d", secret: "flow-refresh-s3cret" }),
).toString("base64");
export const SLACK = "https://hooks.slack.com/services/T0000SOPH/B0000SOPH/abcdefghijklmnopqrstuvwx";
// The platform's .env, in the design documents' names (values made up).
export const DESIGN_ENV = `# Sophia AI platform
SNOWFLAKE_ACCOUNT=payready-analytics
SNOWFLAKE_USER=sophia_service
SNOWFLAKE_PASSWORD=your-secure-password
SNOWFLAKE_WAREHOUSE=SOPHIA_WH
SNOWFLAKE_DATABASE=SOPHIA_DB
SNOWFLAKE_SCHEMA=PUBLIC
SNOWFLAKE_ROLE=SOPHIA_ROLE
GONG_API_KEY=your-gong-api-key
GONG_API_SECRET=your-gong-api-secret
GONG_ACCESS_KEY=your-gong-api-key
VERCEL_ACCESS_TOKEN=your-vercel-access-token
VERCEL_PROJECT_ID=prj_123456789
VERCEL_ORG_ID=team_123456789
VERCEL_TEAM_ID=team_123456789
ESTUARY_API_KEY=${REFRESH_TOKEN}
ESTUARY_API_URL=https://api.estuary.dev
AIRBYTE_CLIENT_ID=sophia-airbyte-app
AIRBYTE_CLIENT_SECRET=your-airbyte-client-secret
AIRBYTE_ACCESS_TOKEN=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb3BoaWEifQ.c2lnbmF0dXJl
ESTUARY_GONG_TOKEN=estuary-gong-token-1
SLACK_WEBHOOK_URL=${SLACK}
SLACK_WEBHOOK_TYPE=INCOMING_WEBHOOK
POSTGRES_PASS=pg-pass-1
EMPTY=
FOO_BAR=baz
`;
