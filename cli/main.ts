// `sophia`: the operations CLI. Run as `npx sophia <command>`, `npm run sophia -- <command>` or
// `./bin/sophia <command>`.
//
// This file declares every command and option and nothing else: each action loads its implementation
// when it runs, so `--help`, `--version` and the start of every command do not pay for the Automation API,
// the vendor clients or the database drivers (bench/cli-startup.ts measures it).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
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

  registerSecrets(cli);

  // --quiet is accepted before or after the command name; either way it silences progress.
  for (const c of allCommands(cli)) {
    if (c !== cli && !c.commands.length) c.addOption(new Option("-q, --quiet", "no progress messages"));
  }
  cli.hook("preAction", (_root, action) => {
    if (cli.opts().quiet || action.opts().quiet) process.env.SOPHIA_QUIET = "1";
  });
  return cli;
}

function registerSecrets(cli: Command): void {
  const secrets = cli
    .command("secrets")
    .description("Manage the stack's secrets: import/export, GitHub sync, audit, rotation");
  const impl = () => import("./secrets");

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

  for (const [cmd, kind] of [
    ["sync-github", "repo"],
    ["sync-github-org", "org"],
  ] as const) {
    const c = secrets
      .command(cmd)
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
    if (kind === "repo") {
      c.requiredOption("--repo <owner/name>", "repository").action(async (o) => {
        if (!/^[\w.-]+\/[\w.-]+$/.test(o.repo))
          throw new CliError(`--repo must be OWNER/NAME; got "${o.repo}"`, EXIT.usage);
        return (await impl()).syncCommand({ kind: "repo", name: o.repo }, o);
      });
    } else {
      c.requiredOption("--org <org>", "organization")
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
  }

  secrets
    .command("audit")
    .description("List every managed credential with its age and status; exit 5 when any is overdue")
    .requiredOption("--stack <name>", "stack to audit")
    .option("--json", "machine-readable output")
    .action(async (o) => (await impl()).auditCommand(o));

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
    .action(async (o) => (await impl()).rotateCommand(o));
}

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}

export async function main(argv: string[]): Promise<number> {
  const cli = program();
  try {
    await cli.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (err: any) {
    // Commander's own exits: help and version succeed (`sophia help secrets` too); a usage error is 2.
    if (err?.code?.startsWith?.("commander.")) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.code;
    }
    process.stderr.write(`error: ${err?.message ?? err}\n`);
    return EXIT.error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
