// `sophia`: the operations CLI. Run as `npm run sophia -- <command>` or `./bin/sophia <command>`.
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
import { backup, restore } from "./backup";
import { registerCheck } from "./check";
import { CliError, EXIT, openStack, postSlack, progress, table } from "./common";
import {
  applyIgnores,
  detectDrift,
  fingerprints,
  loadIgnoreFile,
  prometheus,
  recordAlerted,
  unalerted,
} from "./drift";
import { registerSecrets } from "./secrets";

export function program(): Command {
  const cli = new Command("sophia")
    .description("Operations for Sophia AI's integrations: secrets, checks, drift, backups")
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
    .action(async (o) => {
      const rules = loadIgnoreFile(o.ignoreFile);
      const metrics = (text: string) => o.metricsFile && writeFileSync(o.metricsFile, text);
      let report: ReturnType<typeof applyIgnores>;
      try {
        progress(`refresh preview of ${o.stack} (state is not written)`);
        const stack = await openStack(o.stack);
        report = applyIgnores(o.stack, await detectDrift(stack), rules);
      } catch (err) {
        metrics(prometheus(undefined, o.stack, false));
        throw err;
      }
      metrics(prometheus(report, o.stack, true));
      const webhook = o.slackWebhook ?? process.env.SLACK_WEBHOOK_URL;
      const stateFile = o.alertState ?? path.resolve(".sophia", `drift-alerts-${o.stack}.json`);
      let alerted = 0;
      if (webhook) {
        // Alert once per distinct drift: only what the last alert did not already report.
        const current = fingerprints(report);
        const fresh = unalerted(stateFile, current);
        if (fresh.size > 0) {
          await postSlack(
            webhook,
            `:warning: Drift in stack *${o.stack}*:\n${[...fresh.values()].map((d) => `• ${d}`).join("\n")}`,
          );
          alerted = fresh.size;
        }
        recordAlerted(stateFile, current);
      }
      if (o.json) {
        console.log(JSON.stringify({ ...report, alerted }, null, 2));
      } else if (report.drifted.length === 0) {
        console.log(
          `No drift in ${o.stack}${report.ignored.length ? ` (${report.ignored.length} accepted by the ignore file)` : ""}.`,
        );
      } else {
        const rows = report.drifted.flatMap((r) =>
          r.kind === "delete"
            ? [[r.name, r.type, "(deleted outside Pulumi)", "", ""]]
            : r.properties.map((p) => [r.name, r.type, p.path, JSON.stringify(p.old), JSON.stringify(p.new)]),
        );
        console.log(table(["RESOURCE", "TYPE", "PROPERTY", "STATE", "LIVE"], rows));
      }
      for (const r of report.expiredRules)
        process.stderr.write(`warning: ignore rule for ${r.match} ${r.property} expired on ${r.expires}\n`);
      process.exitCode = report.drifted.length ? EXIT.drift : EXIT.ok;
    });

  cli
    .command("backup")
    .description("Export a stack's state to a file (secrets stay encrypted)")
    .requiredOption("--stack <name>", "stack to export")
    .requiredOption("--file <file>", "where to write the backup (created with mode 0600)")
    .option("--force", "overwrite an existing file")
    .option("--json", "machine-readable output")
    .action(async (o) => {
      const summary = await backup(o.stack, o.file, Boolean(o.force));
      console.log(
        o.json
          ? JSON.stringify(summary)
          : `Backed up ${summary.resources} resources of ${o.stack} to ${o.file}.`,
      );
    });

  cli
    .command("restore")
    .description("Import a backup into the stack in the current backend (created if missing)")
    .requiredOption("--stack <name>", "stack to restore into")
    .requiredOption("--file <file>", "a file written by `sophia backup`")
    .option("--force", "replace a stack that already has resources")
    .option("--json", "machine-readable output")
    .action(async (o) => {
      if (!existsSync(o.file)) throw new CliError(`backup file ${o.file} does not exist`, EXIT.usage);
      const summary = await restore(o.stack, o.file, Boolean(o.force));
      console.log(
        o.json ? JSON.stringify(summary) : `Restored ${summary.resources} resources into ${o.stack}.`,
      );
    });

  registerCheck(cli);
  registerSecrets(cli);
  for (const c of cli.commands) c.addOption(new Option("--quiet", "no progress messages").hideHelp());
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  const cli = program();
  try {
    await cli.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (err: any) {
    if (err?.code === "commander.helpDisplayed" || err?.code === "commander.version") return EXIT.ok;
    if (err?.code?.startsWith?.("commander.")) return EXIT.usage;
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
