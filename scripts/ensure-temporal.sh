#!/usr/bin/env sh
# Makes sure a Temporal CLI (dev server + Web UI) is available, and prints its path.
# Order: TEMPORAL_CLI_PATH → `temporal` on PATH → the one cached in .tools/bin → build the pinned
# version from its Go module when Go is installed. Prints nothing when none can be had; the app then
# falls back to the Temporal SDK's own download.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# CI points this outside the clone so the download and the build are cached across runs.
tools=${RELAY_TOOLS_DIR:-$root/.tools}
version=${TEMPORAL_CLI_VERSION:-v1.5.1}
cached="$tools/bin/temporal"
if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$cached" ]; then echo "$cached"; exit 0; fi
if command -v go >/dev/null 2>&1; then
  mkdir -p "$tools/bin"
  echo "relay: building the Temporal CLI $version from its Go module (once; cached in .tools/bin)" >&2
  # v1.5.1 is the newest version that `go install` accepts (later ones carry a replace directive).
  if GOBIN="$tools/bin" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2; then
    echo "$cached"; exit 0
  fi
  echo "relay: building the Temporal CLI failed" >&2
fi
exit 0
