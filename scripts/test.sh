#!/usr/bin/env sh
# The test command (npm test): a Temporal CLI for the dev server, then vitest against real Postgres.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  cli=$(sh scripts/ensure-temporal.sh)
  [ -n "$cli" ] || { echo "relay: tests need a Temporal CLI (none on PATH, no Go to build one) or TEMPORAL_ADDRESS" >&2; exit 1; }
  export TEMPORAL_CLI_PATH="$cli"
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export RELAY_LOG_QUIET=true
exec vitest run "$@"
