#!/usr/bin/env sh
# `npm run test:cluster [test files…]`: the workflow tests against a real Temporal server on
# Postgres (what `npm run cluster` runs), not the dev server. Starts the Temporal part only (server,
# schema, namespace, search attributes; no Relay API or workers: the tests run their own) on a
# scratch database pair on DATABASE_URL's Postgres server and free ports, runs the given test files
# (default: the lifecycle, worker-crash and rolling-upgrade flows) with TEMPORAL_ADDRESS pointing at it, then stops
# it and drops the scratch databases. The first run builds the server (minutes); later runs reuse it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# tsx and vitest, also when run as `sh scripts/test-cluster.sh` rather than through npm.
PATH="$root/node_modules/.bin:$PATH"
[ "$#" -gt 0 ] || set -- test/accountLifecycle.test.ts test/workerCrash.test.ts test/rollingUpgrade.test.ts
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
state=$(mktemp -d "${TMPDIR:-/tmp}/relay-test-cluster.XXXXXX")
began=$(date +%s)

# Build first, in the foreground, so its time is visible and the start-up wait below stays short.
sh scripts/ensure-temporal-server.sh >/dev/null

TEMPORAL_DATABASE="temporal_cluster_test_$$" TEMPORAL_PORT=0 RELAY_DATA_DIR="$state" \
  sh scripts/node24.sh tsx scripts/cluster.ts --temporal-only --no-ui --scratch --ready-file "$state/address" \
  >"$state/cluster.out" 2>&1 &
cluster=$!

stop_cluster() {
  if kill -0 "$cluster" 2>/dev/null; then
    kill -TERM "$cluster" 2>/dev/null || true
    wait "$cluster" 2>/dev/null || true
  fi
  mkdir -p test-artifacts
  # The server's own log, for a failure's post-mortem.
  find "$state" -name temporal-server.log -exec cp {} test-artifacts/temporal-cluster-server.log \; 2>/dev/null || true
  sed 's/^/  cluster| /' "$state/cluster.out"
  rm -rf "$state"
}
trap 'stop_cluster' EXIT
trap 'exit 130' INT TERM

while [ ! -s "$state/address" ]; do
  if ! kill -0 "$cluster" 2>/dev/null; then echo "relay: the Temporal cluster did not start" >&2; exit 1; fi
  sleep 1
done
address=$(cat "$state/address")
ready=$(date +%s)
echo "relay: Temporal server on $address after $((ready - began)) s; running: $*"

status=0
TEMPORAL_ADDRESS="$address" sh scripts/node24.sh sh scripts/test.sh "$@" || status=$?
echo "relay: tests took $(( $(date +%s) - ready )) s (exit $status); $(( $(date +%s) - began )) s in all"
exit "$status"
