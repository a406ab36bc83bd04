#!/usr/bin/env sh
# Makes sure the real Temporal server (not the CLI's start-dev), its SQL schema tool and the Postgres
# schema files are at hand, and prints them as KEY=value lines:
#   TEMPORAL_SERVER_BIN=…   TEMPORAL_SQL_TOOL=…   TEMPORAL_SCHEMA_DIR=…/schema/postgresql/v12
#   TEMPORAL_UI_SERVER_BIN=…   (with --ui, when the Web UI server could be built)
# Built once from the pinned Go modules with `go install` and cached in $RELAY_TOOLS_DIR (as
# scripts/ensure-temporal.sh does for the CLI), one folder per version, so a version bump builds anew
# and the old one stays usable. The schema files are copied next to the binaries, so the cache does
# not depend on Go's module cache surviving (`go clean -modcache`).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# Outside the clone by default: a ~130 MB build that every clone (and CI, with RELAY_TOOLS_DIR) can share.
tools=${RELAY_TOOLS_DIR:-${HOME:-$root}/.cache/relay/tools}
version=${TEMPORAL_SERVER_VERSION:-v1.29.1}
# The ui-server version the Temporal CLI v1.5.1 embeds (already in Go's module cache after building it).
ui_version=${TEMPORAL_UI_SERVER_VERSION:-v2.42.1}
with_ui=false
[ "${1:-}" = "--ui" ] && with_ui=true

need_go() {
  command -v go >/dev/null 2>&1 && return 0
  echo "relay: building the Temporal server needs Go (https://go.dev/dl/); none on PATH" >&2
  exit 1
}

dir="$tools/temporal-server-$version"
if [ ! -x "$dir/server" ] || [ ! -x "$dir/sql" ]; then
  need_go
  mkdir -p "$dir"
  echo "relay: building the Temporal server and SQL tool $version from their Go module (once; cached in $dir)" >&2
  start=$(date +%s)
  if ! GOBIN="$dir" go install "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version" >&2; then
    echo "relay: building the Temporal server $version failed (TEMPORAL_SERVER_VERSION picks another tag)" >&2
    exit 1
  fi
  echo "relay: built in $(( $(date +%s) - start )) s" >&2
fi

schema="$dir/schema/postgresql/v12"
if [ ! -d "$schema/temporal/versioned" ] || [ ! -d "$schema/visibility/versioned" ]; then
  need_go
  module="$(go env GOMODCACHE)/go.temporal.io/server@$version"
  [ -d "$module/schema" ] || go mod download "go.temporal.io/server@$version" >&2
  mkdir -p "$dir/schema/postgresql"
  rm -rf "$schema.tmp"
  cp -R "$module/schema/postgresql/v12" "$schema.tmp"
  # Go's module cache is read-only; the copy must stay deletable.
  chmod -R u+w "$schema.tmp"
  mv "$schema.tmp" "$schema"
fi

echo "TEMPORAL_SERVER_BIN=$dir/server"
echo "TEMPORAL_SQL_TOOL=$dir/sql"
echo "TEMPORAL_SCHEMA_DIR=$schema"

if $with_ui; then
  ui_dir="$tools/temporal-ui-server-$ui_version"
  if [ ! -x "$ui_dir/server" ]; then
    need_go
    mkdir -p "$ui_dir"
    echo "relay: building the Temporal Web UI server $ui_version (once; cached in $ui_dir)" >&2
    start=$(date +%s)
    if GOBIN="$ui_dir" go install "github.com/temporalio/ui-server/v2/cmd/server@$ui_version" >&2; then
      echo "relay: built in $(( $(date +%s) - start )) s" >&2
    else
      # The cluster still runs without it; ops then use the CLI or the gRPC address.
      echo "relay: building the Temporal Web UI server failed; no Web UI" >&2
    fi
  fi
  if [ -x "$ui_dir/server" ]; then echo "TEMPORAL_UI_SERVER_BIN=$ui_dir/server"; fi
fi
exit 0
