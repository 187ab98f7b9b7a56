#!/usr/bin/env bash
# Lints every GitHub Actions workflow (.github/workflows/*.yml) with actionlint, building it the first time.
#
#   bash scripts/actionlint.sh            # build if needed, then lint; exit 1 on any finding
#   bash scripts/actionlint.sh --path     # build if needed, print the binary's path
#
# actionlint is a Go program (github.com/rhysd/actionlint) served by the Go module proxy; it is installed at
# the pinned version below into a machine-level cache (~/.cache/sophia-ai/tools/actionlint/<version>,
# SOPHIA_TOOLS_CACHE moves it) and reused while that version is there. `npm test` (scripts/test.sh) runs it
# before jest. Its shellcheck and pyflakes integrations are switched off: they would check `run:` scripts
# only where those programs happen to be installed, so a lint would mean different things on different
# machines. Our `run:` steps are single commands of this repository (tests/unit/workflows.test.ts).
set -Eeuo pipefail

VERSION=v1.7.12
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SOPHIA_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sophia-ai/tools}/actionlint/$VERSION
BIN="$CACHE/actionlint"
log() { printf '[actionlint] %s\n' "$*" >&2; }

built() { [ -x "$BIN" ] && "$BIN" -version 2>/dev/null | head -n1 | grep -qx "$VERSION"; }

if ! built; then
  mkdir -p "$CACHE"
  # One build at a time: test runs started together would otherwise write the same file.
  exec 9>"$CACHE/.build.lock"
  flock 9
  if ! built; then
    GO=$(command -v go || true)
    [ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
    [ -n "$GO" ] || { log "Go is needed to build actionlint $VERSION (looked on PATH and in /usr/local/go/bin)"; exit 1; }
    log "building actionlint $VERSION into $CACHE (once per machine)"
    started=$(date +%s)
    tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    # -ldflags sets the version `actionlint -version` prints, which is how a cached build is recognised.
    GOBIN="$tmp" GOFLAGS=-buildvcs=false "$GO" install \
      -ldflags "-s -w -X github.com/rhysd/actionlint.version=$VERSION" \
      "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
    mv "$tmp/actionlint" "$BIN"
    log "built in $(($(date +%s) - started)) s"
  fi
fi

if [ "${1:-}" = "--path" ]; then
  echo "$BIN"
  exit 0
fi

cd "$ROOT"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#workflows[@]} -gt 0 ] || { log "no workflow under .github/workflows"; exit 1; }
# -shellcheck= and -pyflakes= (empty) disable those integrations; see the header.
"$BIN" -shellcheck= -pyflakes= -no-color "${workflows[@]}"
echo "actionlint $VERSION: ${#workflows[@]} workflows, no findings"
