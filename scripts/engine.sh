#!/usr/bin/env bash
# Provides the Pulumi engine this project needs and prints the directory that holds it (last line of stdout).
#
#   bash scripts/engine.sh            # reuse or build; progress on stderr, bin dir on stdout
#   bash scripts/engine.sh --check    # exit 0 if the engine and the random plugin are ready, 3 if not
#
# Versions come from one place, package.json: the CLI is built at the version of @pulumi/pulumi, the
# random plugin at the version of @pulumi/random. A `pulumi` of that version already on PATH (with its
# Node.js language host beside it) is used as is, which is what a normal machine has. Otherwise the CLI,
# and a Node.js language host (tools/langhost) are built from Go modules into a machine-level cache
# outside the repository, with our dynamic-provider launcher (tools/dynamic-provider) beside them, and
# reused on later runs.
#
# The random provider plugin must be installed in Pulumi's plugin directory ($PULUMI_HOME/plugins, by
# default ~/.pulumi/plugins) at exactly @pulumi/random's version: our scripts disable automatic plugin
# downloads, and the engine finds resource plugins there by exact version. A normal machine downloads it
# (`pulumi plugin install`); otherwise it is built from tools/random-provider (the Terraform random
# provider through the Pulumi Terraform bridge), cached, and installed there.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[engine] %s\n' "$*" >&2; }
# Every step sets STEP; a command that fails names it.
STEP="starting"
trap 'rc=$?; [ "$BASH_SUBSHELL" -eq 0 ] && log "FAILED ($rc) while $STEP"' ERR

pkg_version() { node -p "require('$ROOT/package.json').dependencies['$1'].replace(/^[^0-9]*/, '')"; }
PULUMI_VERSION="v$(pkg_version @pulumi/pulumi)"
RANDOM_VERSION="v$(pkg_version @pulumi/random)"

CACHE_ROOT=${SOPHIA_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sophia-ai/engine}
BIN="$CACHE_ROOT/$PULUMI_VERSION/bin"

ready() { # $1 = dir holding pulumi; true when it is the pinned version with everything beside it
  [ -x "$1/pulumi" ] && [ -x "$1/pulumi-language-nodejs" ] && [ -x "$1/pulumi-resource-pulumi-nodejs" ] &&
    [ "$("$1/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]
}
# Our language host is rebuilt, and our dynamic-provider launcher (with the watchdog it preloads)
# reinstalled, whenever its source changes: the cache records each one's hash in <file>.source.
# $1 = a directory, then the (quoted) file patterns in it that make up the build; $* is left unquoted
# so that they expand in that directory.
# shellcheck disable=SC2048,SC2086
dir_hash() { (cd "$1" && shift && sha256sum $*) | sha256sum | cut -d' ' -f1; }
LANGHOST_HASH=$(dir_hash "$ROOT/tools/langhost" '*.go')
LAUNCHER_SRC="$ROOT/tools/dynamic-provider"
LAUNCHER_HASH=$(dir_hash "$LAUNCHER_SRC" pulumi-resource-pulumi-nodejs parent-watchdog.js dynamic-preview.js)
stamped() { [ "$(cat "$1.source" 2>/dev/null)" = "$2" ]; } # $1 = built file, $2 = its sources' hash
# Compared by content, not by the stamp alone: another checkout's older engine.sh sharing this cache may
# have put the sdk's launcher back without touching the stamp.
launcher_installed() {
  stamped "$BIN/pulumi-resource-pulumi-nodejs" "$LAUNCHER_HASH" &&
    cmp -s "$LAUNCHER_SRC/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs" &&
    cmp -s "$LAUNCHER_SRC/parent-watchdog.js" "$BIN/parent-watchdog.js" &&
    cmp -s "$LAUNCHER_SRC/dynamic-preview.js" "$BIN/dynamic-preview.js"
}
engine_cached() {
  ready "$BIN" && stamped "$BIN/pulumi-language-nodejs" "$LANGHOST_HASH" && launcher_installed
}

# The random plugin, installed where the engine looks for it. Pulumi takes its home from PULUMI_HOME or
# the account's home directory (not $HOME), so this script must see the PULUMI_HOME that pulumi will.
user_home=$(getent passwd "$(id -u)" 2>/dev/null | cut -d: -f6) || true
PLUGINS_DIR="${PULUMI_HOME:-${user_home:-$HOME}/.pulumi}/plugins"
RANDOM_INSTALLED="$PLUGINS_DIR/resource-random-$RANDOM_VERSION/pulumi-resource-random"
# Our build is rebuilt when the version or the Go source changes: its cached copy and its installed copy
# record the hash of both (sophia-ai.source). An installed plugin without that file was installed by other
# means (downloaded on a normal machine) and is used as is.
RANDOM_SRC="$ROOT/tools/random-provider"
RANDOM_CACHE="$CACHE_ROOT/random"
RANDOM_HASH=$( (echo "$RANDOM_VERSION" && cd "$RANDOM_SRC" &&
  find . \( -name '*.go' -o -name go.mod -o -name go.sum \) -type f | LC_ALL=C sort | xargs sha256sum) |
  sha256sum | cut -d' ' -f1)
random_ready() {
  local stamp
  stamp="$(dirname "$RANDOM_INSTALLED")/sophia-ai.source"
  [ -x "$RANDOM_INSTALLED" ] && { [ ! -e "$stamp" ] || [ "$(cat "$stamp")" = "$RANDOM_HASH" ]; }
}
random_built() {
  [ -x "$RANDOM_CACHE/pulumi-resource-random" ] &&
    [ "$(cat "$RANDOM_CACHE/pulumi-resource-random.source" 2>/dev/null)" = "$RANDOM_HASH" ]
}
cached_ready() { engine_cached && random_ready; }

# One build at a time (runs started together by tests would otherwise write the same files). Returns
# non-zero when it had to wait for another run, which may have built what this one needs.
LOCKED=
build_lock() {
  [ -z "$LOCKED" ] || return 0
  mkdir -p "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/.build.lock"
  LOCKED=1
  flock -n 9 && return 0
  log "another engine build is running (lock $CACHE_ROOT/.build.lock); waiting for it"
  flock 9
  return 1
}

# Builds the random plugin into $RANDOM_CACHE (unless built already) and installs it with $1 (a pulumi).
# Takes about 7 minutes on 2 idle cores the first time (about 270 MB of modules, then compiling); after a
# change to tools/random-provider, well under a minute.
install_random() {
  local pulumi=$1 work="$RANDOM_CACHE/build" started
  export PATH="/usr/local/go/bin:$PATH"
  if ! random_built; then
    STEP="looking for Go"
    command -v go >/dev/null || { log "Go is needed to build the random provider plugin (looked in PATH and /usr/local/go/bin)"; exit 1; }
    started=$(date +%s)
    if [ -e "$RANDOM_CACHE/pulumi-resource-random" ]; then
      log "rebuilding the random provider plugin $RANDOM_VERSION in $RANDOM_CACHE" \
        "(its version or tools/random-provider changed)"
    else
      log "building the random provider plugin $RANDOM_VERSION from tools/random-provider into $RANDOM_CACHE" \
        "(first time about 7 minutes: ~270 MB of Go modules, then compiling)"
    fi
    # A copy of the module: the generated schema and metadata go into it, not into the repository.
    STEP="copying tools/random-provider to $work"
    rm -rf "$work"
    mkdir -p "$work"
    cp -R "$RANDOM_SRC/." "$work/"
    # go.sum is committed and complete: -mod=readonly refuses to change it; with -trimpath the binary does
    # not depend on where the module cache or this directory are either.
    local goflags="-mod=readonly -buildvcs=false -trimpath" ldflags="-X main.version=${RANDOM_VERSION#v}"
    STEP="compiling the random schema generator (tools/random-provider/cmd/pulumi-tfgen-random)"
    log "$STEP"
    (cd "$work" && GOFLAGS=$goflags go build -o "$work/pulumi-tfgen-random" -ldflags "$ldflags" ./cmd/pulumi-tfgen-random)
    STEP="generating the random provider's schema (pulumi-tfgen-random schema)"
    log "$STEP"
    (cd "$work" && ./pulumi-tfgen-random schema --skip-docs --skip-examples --out cmd/pulumi-resource-random >/dev/null)
    STEP="checking the generated schema against node_modules/@pulumi/random (tools/random-provider/check-schema.js)"
    if [ -d "$ROOT/node_modules/@pulumi/random" ]; then
      log "$STEP"
      node "$RANDOM_SRC/check-schema.js" "$work/cmd/pulumi-resource-random/schema.json" >&2
    else
      log "node_modules/@pulumi/random is not installed (npm ci): the schema is not checked against it"
    fi
    STEP="compiling the random provider plugin (tools/random-provider/cmd/pulumi-resource-random)"
    log "$STEP"
    (cd "$work" && GOFLAGS=$goflags go build -o "$work/pulumi-resource-random" -ldflags "-s -w $ldflags" ./cmd/pulumi-resource-random)
    STEP="checking the random plugin's version"
    [ "$("$work/pulumi-resource-random" -version)" = "${RANDOM_VERSION#v}" ]
    mv "$work/pulumi-resource-random" "$RANDOM_CACHE/pulumi-resource-random"
    echo "$RANDOM_HASH" >"$RANDOM_CACHE/pulumi-resource-random.source"
    rm -rf "$work"
    log "random provider plugin built in $(($(date +%s) - started))s"
  fi
  STEP="installing the random provider plugin into $PLUGINS_DIR (pulumi plugin install)"
  log "$STEP"
  PULUMI_SKIP_UPDATE_CHECK=true "$pulumi" plugin install resource random "$RANDOM_VERSION" \
    --file "$RANDOM_CACHE/pulumi-resource-random" --reinstall >&2
  echo "$RANDOM_HASH" >"$(dirname "$RANDOM_INSTALLED")/sophia-ai.source"
  random_ready
}

# 1. An installed pulumi of the pinned version (not our own build, which callers put on PATH).
if command -v pulumi >/dev/null 2>&1; then
  onpath=$(dirname "$(command -v pulumi)")
  if [ "$(realpath "$onpath")" != "$(realpath -m "$BIN")" ] && ready "$onpath"; then
    if ! random_ready && [ "${1:-}" != "--check" ]; then
      STEP="downloading the random provider plugin $RANDOM_VERSION (pulumi plugin install)"
      log "$STEP"
      PULUMI_SKIP_UPDATE_CHECK=true timeout 300 "$onpath/pulumi" plugin install resource random "$RANDOM_VERSION" \
        --exact >&2 || log "could not download it; building it instead"
      build_lock || true
      random_ready || install_random "$onpath/pulumi"
    fi
    if random_ready; then
      log "using the installed pulumi $PULUMI_VERSION at $onpath, random plugin $RANDOM_VERSION in $PLUGINS_DIR"
      echo "$onpath"
      exit 0
    fi
    log "the installed pulumi $PULUMI_VERSION at $onpath is ready, the random plugin $RANDOM_VERSION is not" \
      "(in $PLUGINS_DIR); run: npm run engine"
    exit 3
  fi
fi

# 2. A previous build.
if cached_ready; then
  log "using the cached engine $PULUMI_VERSION at $BIN, random plugin $RANDOM_VERSION in $PLUGINS_DIR"
  echo "$BIN"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  engine_cached || log "no engine $PULUMI_VERSION yet; run: npm run engine"
  if [ -x "$RANDOM_INSTALLED" ] && ! random_ready; then
    log "the random provider plugin $RANDOM_VERSION in $PLUGINS_DIR was built from an older tools/random-provider; run: npm run engine"
  elif ! random_ready; then
    log "no random provider plugin $RANDOM_VERSION in $PLUGINS_DIR yet; run: npm run engine"
  fi
  exit 3
fi

# 3. Build from the Go module proxy. One build at a time: a second run waits, then uses the first's result.
if ! build_lock; then
  if cached_ready; then
    log "using the engine it built at $BIN"
    echo "$BIN"
    exit 0
  fi
fi
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { log "Go is needed to build the engine (looked in PATH and /usr/local/go/bin)"; exit 1; }
started=$(date +%s)
if [ "$("$BIN/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
  log "rebuilding what changed in $BIN"
elif random_built; then
  log "building Pulumi $PULUMI_VERSION from Go modules into $BIN (first time only; several minutes)"
else
  log "building Pulumi $PULUMI_VERSION and the random provider plugin $RANDOM_VERSION from Go modules into" \
    "$CACHE_ROOT (first time only; about ten minutes on 2 cores)"
fi

if ! engine_cached; then
  WORK="$CACHE_ROOT/$PULUMI_VERSION/build"
  mkdir -p "$WORK" "$BIN"
  # A field of `go mod download -json MODULE@VERSION`.
  module_field() { go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$2"; }

  # pkg/go.mod carries replace directives that `go install pkg@version` refuses, so build from a throwaway
  # wrapper module that requires pkg and sdk at the pinned version and copies pkg's non-local replaces.
  STEP="writing the engine's wrapper module ($WORK/go.mod)"
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
  rm -rf "$WORK/langhost"
  mkdir -p "$WORK/langhost"
  cp "$ROOT"/tools/langhost/*.go "$WORK/langhost/"

  if [ ! -x "$BIN/pulumi" ] || [ "$("$BIN/pulumi" version 2>/dev/null)" != "$PULUMI_VERSION" ]; then
    STEP="compiling the pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION)"
    log "$STEP"
    (cd "$WORK" && GOFLAGS=-mod=mod go build -o "$BIN/pulumi.tmp" \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  fi

  if ! stamped "$BIN/pulumi-language-nodejs" "$LANGHOST_HASH"; then
    STEP="compiling the Node.js language host (tools/langhost)"
    log "$STEP"
    (cd "$WORK" && GOFLAGS=-mod=mod go build -o "$BIN/pulumi-language-nodejs.tmp" \
      -ldflags "-X main.version=$PULUMI_VERSION" ./langhost)
    mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
    echo "$LANGHOST_HASH" >"$BIN/pulumi-language-nodejs.source"
  fi

  # The dynamic-provider launcher must sit beside the CLI. Ours (tools/dynamic-provider), not the sdk
  # module's: it execs node with a watchdog that stops the provider when the engine dies.
  if ! launcher_installed; then
    STEP="installing the dynamic-provider launcher and its watchdog (tools/dynamic-provider)"
    log "$STEP"
    install -m 0644 "$LAUNCHER_SRC/parent-watchdog.js" "$BIN/parent-watchdog.js"
    install -m 0644 "$LAUNCHER_SRC/dynamic-preview.js" "$BIN/dynamic-preview.js"
    install -m 0755 "$LAUNCHER_SRC/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
    echo "$LAUNCHER_HASH" >"$BIN/pulumi-resource-pulumi-nodejs.source"
  fi
fi

# The random provider plugin (see install_random), installed with the CLI just built.
random_ready || install_random "$BIN/pulumi"

STEP="checking the result"
cached_ready || { log "build finished but the engine in $BIN or the random plugin in $PLUGINS_DIR is incomplete"; exit 1; }
log "engine ready in $(($(date +%s) - started))s: $BIN (random plugin $RANDOM_VERSION in $PLUGINS_DIR)"
echo "$BIN"
