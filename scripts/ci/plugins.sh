#!/usr/bin/env bash
# On a GitHub runner, after pulumi/actions installed the Pulumi CLI: installs the resource plugins of the
# program's packages (aws, github, snowflake, vercel, random, at the versions package-lock.json pins) into
# Pulumi's plugin directory, then has scripts/engine.sh confirm the engine is complete. The CLI commands run
# with automatic plugin downloads off (cli/common.ts), so a plugin must be here before a preview or an up.
# Machines that cannot download plugins build what they can with scripts/engine.sh instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v pulumi >/dev/null || { echo "pulumi is not on PATH (the workflow installs it with pulumi/actions)" >&2; exit 1; }
PULUMI_SKIP_UPDATE_CHECK=true pulumi install --no-dependencies
bash scripts/engine.sh >/dev/null
pulumi plugin ls
