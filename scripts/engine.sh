#!/usr/bin/env bash
# Provides the Pulumi engine this project needs and prints the directory that holds it (last line of stdout).
#
#   bash scripts/engine.sh            # reuse or build; progress on stderr, bin dir on stdout
#   bash scripts/engine.sh --check    # exit 0 if an engine is ready, 3 if it would have to be built
#
# Versions come from one place, package.json: the CLI is built at the version of @pulumi/pulumi, the
# random plugin at the version of @pulumi/random. A `pulumi` of that version already on PATH (with its
# Node.js language host beside it) is used as is, which is what a normal machine has. Otherwise the CLI,
# a Node.js language host (tools/langhost) and the dynamic-provider launcher are built from Go modules
# into a machine-level cache outside the repository, and reused on later runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[engine] %s\n' "$*" >&2; }

pkg_version() { node -p "require('$ROOT/package.json').dependencies['$1'].replace(/^[^0-9]*/, '')"; }
PULUMI_VERSION="v$(pkg_version @pulumi/pulumi)"
RANDOM_VERSION="v$(pkg_version @pulumi/random)"

CACHE_ROOT=${SOPHIA_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sophia-ai/engine}
BIN="$CACHE_ROOT/$PULUMI_VERSION/bin"

ready() { # $1 = dir holding pulumi; true when it is the pinned version with everything beside it
  [ -x "$1/pulumi" ] && [ -x "$1/pulumi-language-nodejs" ] && [ -x "$1/pulumi-resource-pulumi-nodejs" ] &&
    [ "$("$1/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]
}
# Our language host is rebuilt whenever its source changes: the cache records the source's hash.
LANGHOST_HASH=$(sha256sum "$ROOT/tools/langhost/main.go" | cut -d' ' -f1)
cached_ready() {
  ready "$BIN" && [ "$(cat "$BIN/pulumi-language-nodejs.source" 2>/dev/null)" = "$LANGHOST_HASH" ]
}

# 1. An installed pulumi of the pinned version.
if command -v pulumi >/dev/null 2>&1; then
  onpath=$(dirname "$(command -v pulumi)")
  if ready "$onpath"; then
    log "using the installed pulumi $PULUMI_VERSION at $onpath"
    echo "$onpath"
    exit 0
  fi
fi

# 2. A previous build.
if cached_ready; then
  log "using the cached engine $PULUMI_VERSION at $BIN"
  echo "$BIN"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  log "no engine $PULUMI_VERSION yet; run: npm run engine"
  exit 3
fi

# 3. Build from the Go module proxy.
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { log "Go is needed to build the engine (looked in PATH and /usr/local/go/bin)"; exit 1; }
started=$(date +%s)
WORK="$CACHE_ROOT/$PULUMI_VERSION/build"
mkdir -p "$WORK" "$BIN"
if [ "$("$BIN/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
  log "rebuilding what changed in $BIN"
else
  log "building Pulumi $PULUMI_VERSION from Go modules into $BIN (first time only; several minutes)"
fi
# A field of `go mod download -json MODULE@VERSION`.
module_field() { go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$2"; }

# pkg/go.mod carries replace directives that `go install pkg@version` refuses, so build from a throwaway
# wrapper module that requires pkg and sdk at the pinned version and copies pkg's non-local replaces.
pkgmod=$(cd "$WORK" && GOFLAGS= module_field "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" GoMod)
{
  echo "module sophia.local/pulumi-engine-build"
  echo
  echo "go $(awk '/^go /{print $2; exit}' "$pkgmod")"
  echo
  echo "require ("
  echo "	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION"
  echo "	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"
  echo ")"
  echo
  # keep replace lines that point at another module version, drop the repo-relative ones (../sdk)
  grep -E '^replace .* => [^.][^ ]* v[0-9]' "$pkgmod" || true
} >"$WORK/go.mod"
rm -f "$WORK/go.sum"
mkdir -p "$WORK/langhost"
cp "$ROOT/tools/langhost/main.go" "$WORK/langhost/main.go"

export GOFLAGS=-mod=mod
cd "$WORK"
if [ ! -x "$BIN/pulumi" ] || [ "$("$BIN/pulumi" version 2>/dev/null)" != "$PULUMI_VERSION" ]; then
  log "compiling the pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION)"
  go build -o "$BIN/pulumi.tmp" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
fi

log "compiling the Node.js language host (tools/langhost)"
go build -o "$BIN/pulumi-language-nodejs.tmp" -ldflags "-X main.version=$PULUMI_VERSION" ./langhost
mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
echo "$LANGHOST_HASH" >"$BIN/pulumi-language-nodejs.source"

# The dynamic-provider launcher is a shell script shipped in the sdk module; it must sit beside the CLI.
sdkdir=$(module_field "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" Dir)
install -m 0755 "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"

# The random provider plugin. Its provider module has no tags of its own; the module proxy reachable here
# does not serve it, which we detect and report rather than fail: programs that use @pulumi/random are
# then tested through Pulumi's mocks (see README, "What runs on the real engine").
if [ ! -x "$BIN/pulumi-resource-random" ]; then
  if go list -m "github.com/pulumi/pulumi-random/provider/v4@$RANDOM_VERSION" >/dev/null 2>&1; then
    log "the random provider $RANDOM_VERSION is served; building it is not automated yet"
  else
    log "the random provider plugin $RANDOM_VERSION is not served by the module proxy here: not built"
  fi
fi

cached_ready || { log "build finished but $BIN is incomplete"; exit 1; }
log "engine ready in $(($(date +%s) - started))s: $BIN"
echo "$BIN"
