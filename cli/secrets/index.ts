// `sophia secrets ...`: import/export a stack's config as dotenv (./dotenv, names in ./envNames), push
// secrets to GitHub Actions (./github), the credentials' ages (./audit, ./vendorCredentials) and rotation
// (./rotate, verified by ./rotationChecks). This module is the folder's API for tests and scripts; cli/main.ts
// loads each concern's module itself, so a command loads only what it runs. Values never reach the output:
// only names, counts and statuses.

export { type AuditRow, audit, auditCommand } from "./audit";
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
} from "./github";
export {
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
