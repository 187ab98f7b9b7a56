// `sophia secrets ...`: import/export a stack's config as dotenv (./dotenv), push secrets to GitHub Actions
// (./githubSecrets), audit and rotation (./rotate); re-exported here for cli/main.ts. Values never reach the
// output: only names, counts and statuses.

export {
  analyzeImport,
  type ConfigChange,
  type EnvLine,
  type ExportLine,
  exportEnv,
  exportLines,
  exportText,
  type ImportAnalysis,
  importEnv,
  type LineProblem,
  parseEnvText,
  planImport,
  readStack,
  renderPlan,
  type StackValues,
} from "./dotenv";
export {
  type GithubTarget,
  PROGRAM_ORG_SECRETS,
  type PushPlan,
  programOwnedSecrets,
  pushPlan,
  type SyncPlanItem,
  seal,
  secretsToPush,
  syncCommand,
  syncGithub,
} from "./githubSecrets";
export {
  type AuditRow,
  audit,
  auditCommand,
  NotApplied,
  type RotateOptions,
  type RotateReport,
  type RotationDriver,
  type RotationEntry,
  type RotationOutcome,
  type RotationResult,
  rotateCommand,
  rotateService,
  rotateServices,
} from "./rotate";
