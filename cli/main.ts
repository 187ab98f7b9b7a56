// `sophia`: the operations CLI. Run as `npx sophia <command>`, `npm run sophia -- <command>` or
// `./bin/sophia <command>`.
//
// This file declares every command and option and nothing else: each action loads its implementation
// when it runs, so `--help`, `--version` and the start of every command do not pay for the Automation API,
// the vendor clients or the database drivers (bench/cli-startup.ts measures it).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { ROTATED_SERVICES } from "../integrations/credentials";
import { CliError, EXIT } from "./exit";

const version = (): string =>
  JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).version;

export function program(): Command {
  const cli = new Command("sophia")
    .description("Operations for Sophia AI's integrations: secrets, checks, drift, backups")
    .version(version(), "-V, --version", "print the version and exit")
    .option("-q, --quiet", "no progress messages on stderr (also SOPHIA_QUIET=1)")
    .helpCommand("help [command]", "show help for a command, e.g. `sophia help secrets`")
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .exitOverride();

  cli
    .command("drift")
    .description("Refresh preview (never writes state): list drifted resources and properties")
    .requiredOption("--stack <name>", "stack to check")
    .option("--json", "machine-readable output")
    .option("--ignore-file <file>", "accepted drift: YAML/JSON list of {match, property, reason, expires}")
    .option("--slack-webhook <url>", "Slack incoming webhook for alerts (default $SLACK_WEBHOOK_URL)")
    .option(
      "--alert-state <file>",
      "where alerted drift is remembered (default .sophia/drift-alerts-<stack>.json)",
    )
    .option("--metrics-file <file>", "write Prometheus text-format metrics here")
    .action(async (o) => (await import("./drift")).driftCommand(o));

  cli
    .command("backup")
    .description("Export a stack's state to a file (secrets stay encrypted)")
    .requiredOption("--stack <name>", "stack to export")
    .requiredOption("--file <file>", "where to write the backup (created with mode 0600)")
    .option("--force", "overwrite an existing file")
    .option("--json", "machine-readable output")
    .action(async (o) => (await import("./backup")).backupCommand(o));

  cli
    .command("restore")
    .description(
      "Import a backup into the stack it was taken from, in the current backend (created if missing; another stack's backup is refused)",
    )
    .requiredOption("--stack <name>", "stack to restore into: the one the backup was taken from")
    .requiredOption("--file <file>", "a file written by `sophia backup`")
    .option("--force", "replace a stack that already has resources")
    .option("--json", "machine-readable output")
    .action(async (o) => (await import("./backup")).restoreCommand(o));

  cli
    .command("check")
    .description("Check every enabled integration: config, then reachable, authenticated, permitted")
    .requiredOption("--stack <name>", "stack whose config to check")
    .option("--json", "print the JSON report (schema: docs/check-report.schema.json)")
    .option("--only <names>", "comma-separated integrations to check, enabled or not")
    .option("--timeout <ms>", "per-check timeout in milliseconds", "10000")
    .option(
      "--slack-webhook <url>",
      "Slack incoming webhook notified on failure (default $SLACK_WEBHOOK_URL)",
    )
    .action(async (o) => (await import("./check")).checkCommand(o));

  registerRecover(cli);
  registerSecrets(cli);
  registerCi(cli);

  // --quiet is accepted before or after the command name; either way it silences progress.
  for (const c of allCommands(cli)) {
    if (c !== cli && !c.commands.length) c.addOption(new Option("-q, --quiet", "no progress messages"));
  }
  cli.hook("preAction", (_root, action) => {
    if (cli.opts().quiet || action.opts().quiet) process.env.SOPHIA_QUIET = "1";
  });
  return cli;
}

/** `recover` (cli/recover.ts): after a killed `pulumi up`. */
function registerRecover(cli: Command): void {
  cli
    .command("recover")
    .description(
      "After a killed `pulumi up`: clear the lock a dead update left, refresh clearing pending operations, preview what the next up does (or run it with --up). Exit 9: locked by a live update, 10: a step failed",
    )
    .requiredOption("--stack <name>", "stack to recover")
    .option("--up", "run the `up` that converges the stack instead of only previewing it")
    .option(
      "--yes",
      "also clear a lock whose update cannot be checked from here (another machine, Pulumi Cloud)",
    )
    .option("--json", "machine-readable output, also on failure")
    .action(async (o) => (await import("./recover")).recoverCommand(o));
}

function registerSecrets(cli: Command): void {
  const secrets = cli
    .command("secrets")
    .description("Manage the stack's secrets: import/export, GitHub sync, audit, rotation");
  registerDotenv(secrets);
  registerSyncGithub(secrets);
  registerRotation(secrets);
}

/** `secrets import-env` and `export-env` (cli/secrets/dotenv.ts). */
function registerDotenv(secrets: Command): void {
  const impl = () => import("./secrets/dotenv");
  secrets
    .command("import-env")
    .description(
      "Import a dotenv file into the stack's config under the documented names (docs/env-names.md); credentials are stored as secrets; a file with bad lines writes nothing (exit 2)",
    )
    .requiredOption("--env-file <file>", "dotenv file to read")
    .requiredOption("--stack <name>", "stack to write")
    .option("--dry-run", "show the changes (names only) without writing")
    .option("--include-unknown", "also write names nothing in the program reads (as their camelCase key)")
    .option("--json", "machine-readable output")
    .action(async (o) => (await impl()).importEnv(o));

  secrets
    .command("export-env")
    .description(
      "Export the stack's config to a dotenv file created with mode 0600, under the names import-env reads back",
    )
    .requiredOption("--env-file <file>", "dotenv file to create")
    .requiredOption("--stack <name>", "stack to read")
    .option("--force", "overwrite an existing file")
    .option("--json", "machine-readable output")
    .action(async (o) => (await impl()).exportEnv(o));
}

/** `secrets sync-github` and `sync-github-org` (cli/secrets/github.ts). */
function registerSyncGithub(secrets: Command): void {
  const impl = () => import("./secrets/github");
  const syncCommand = (kind: "repo" | "org") =>
    secrets
      .command(kind === "repo" ? "sync-github" : "sync-github-org")
      .description(
        `Push the stack's secrets as GitHub Actions ${kind === "repo" ? "repository" : "organization"} secrets (dry run unless --apply)`,
      )
      .requiredOption("--stack <name>", "stack whose secret config to push")
      .option(
        "--only <names>",
        "comma-separated secret names (as export-env writes them, e.g. SNOWFLAKE_PASSWORD, GONG_ACCESS_KEY)",
      )
      .option("--apply", "push; without it, only show what would be created or updated")
      .option("--json", "machine-readable output");

  syncCommand("repo")
    .requiredOption("--repo <owner/name>", "repository")
    .action(async (o) => {
      if (!/^[\w.-]+\/[\w.-]+$/.test(o.repo))
        throw new CliError(`--repo must be OWNER/NAME; got "${o.repo}"`, EXIT.usage);
      return (await impl()).syncCommand({ kind: "repo", name: o.repo }, o);
    });

  syncCommand("org")
    .requiredOption("--org <org>", "organization")
    .option("--visibility <v>", "all, private or selected", "private")
    .action(async (o) => {
      if (!["all", "private", "selected"].includes(o.visibility)) {
        throw new CliError(
          `--visibility must be all, private or selected; got "${o.visibility}"`,
          EXIT.usage,
        );
      }
      return (await impl()).syncCommand({ kind: "org", name: o.org, visibility: o.visibility }, o);
    });
}

/** `secrets audit` (cli/secrets/audit.ts) and `secrets rotate` (cli/secrets/rotate.ts). */
function registerRotation(secrets: Command): void {
  secrets
    .command("audit")
    .description("List every managed credential with its age and status; exit 5 when any is overdue")
    .requiredOption("--stack <name>", "stack to audit")
    .option("--json", "machine-readable output")
    .action(async (o) => (await import("./secrets/audit")).auditCommand(o));

  secrets
    .command("rotate")
    .description(
      "Rotate a service's credentials: new slot, apply its dependents, verify; revert on a failed check. Exit 6: reverted, 7: failed (config put back)",
    )
    .requiredOption("--stack <name>", "stack to rotate in")
    .option("--service <name>", `${ROTATED_SERVICES.join(", ")} or all (default with --due: all)`)
    .option("--due", "only the credentials `secrets audit` reports due or overdue (for a schedule)")
    .option("--dry-run", "show what would be rotated; change nothing")
    .option("--json", "machine-readable output, also on failure")
    .action(async (o) => (await import("./secrets/rotate")).rotateCommand(o));
}

function registerCi(cli: Command): void {
  const ci = cli
    .command("ci")
    .description("Delivery: the commands the GitHub Actions workflows run (README, Delivery)");

  ci.command("stacks")
    .description(
      "Which stacks a change touches and which a pull request previews; sets the step outputs plan and preview",
    )
    .requiredOption("--base <ref>", "the change's base commit (the pull request's base)")
    .option("--head <ref>", "the change's head commit", "HEAD")
    .option("--json", "machine-readable output")
    .action(async (o) => (await import("./ci/stacks")).stacksCommand(o));

  for (const [cmd, what] of [
    ["preview", "Preview"],
    ["deploy", "Deploy (up)"],
  ] as const) {
    ci.command(cmd)
      .description(
        `${what} a stack with the policy pack; exit 1 when the engine fails or the pack reports a violation`,
      )
      .requiredOption("--stack <name>", "stack to operate on")
      .option("--result <file>", "also write the result document to this file")
      .option("--json", "print the result document")
      .action(async (o) => {
        const m = await import("./ci/pulumi");
        return cmd === "preview" ? m.previewCommand(o) : m.deployCommand(o);
      });
  }

  ci.command("pr-comment")
    .description(
      "Post the previews as one pull-request comment, updated on each push; exit 1 when a preview failed or is missing",
    )
    .requiredOption("--pr <number>", "pull request number")
    .requiredOption("--plan <json>", "the plan `sophia ci stacks` set as its step output")
    .requiredOption("--results <dir>", "directory holding the result documents of `sophia ci preview`")
    .option("--sha <commit>", "the pull request's head commit, shown in the comment")
    .option("--author <login>", "the identity whose comment is updated", "github-actions[bot]")
    .option("--json", "machine-readable output")
    .action(async (o) => (await import("./ci/comment")).prCommentCommand(o));

  ci.command("watch")
    .description(
      "Run check, drift, audit, rotate (--due) or deploy on a stack, keep its incident as a GitHub issue and tell Slack once per incident; exits with the command's code",
    )
    .argument("<kind>", "check, drift, audit, rotate or deploy")
    .requiredOption("--stack <name>", "stack to run it on")
    .option("--json", "machine-readable output")
    .action(async (kind, o) => (await import("./ci/watch")).watchCommand(kind, o));

  ci.command("release")
    .description("Dispatch the production workflow on a protected branch to deploy a release's tag")
    .requiredOption("--tag <tag>", "the release's tag")
    .option("--workflow <file>", "workflow to dispatch", "production.yml")
    .option("--branch <name>", "protected branch to run it on; the tag must be on it", "main")
    .action(async (o) => (await import("./ci/release")).releaseCommand(o));

  ci.command("verify-ref")
    .description("Exit 1 unless a commit is on a branch (only merged commits reach protected stacks)")
    .option("--ref <ref>", "commit, tag or branch", "HEAD")
    .option("--branch <name>", "the branch it must be on", "main")
    .action(async (o) => (await import("./ci/release")).verifyRefCommand(o));
}

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}

export async function main(argv: string[]): Promise<number> {
  const cli = program();
  try {
    await cli.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    // Commander's own exits: help and version succeed (`sophia help secrets` too); a usage error is 2.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // An engine error may repeat the backend's URL, and a postgres:// URL may carry its password.
    // Loaded here, not at the top: --help loads only what it needs (tests/contract/cli-start.test.ts).
    const { redactCredentials } = await import("../scripts/backend");
    if (err instanceof CliError) {
      process.stderr.write(`error: ${redactCredentials(err.message)}\n`);
      return err.code;
    }
    process.stderr.write(
      `error: ${redactCredentials(String((err as { message?: unknown } | null)?.message ?? err))}\n`,
    );
    return EXIT.error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
