#!/usr/bin/env bash
# Gateway benchmark, one command: bash bench/gateway/run.sh
# Builds what it needs, starts the chDB HTTP warehouse (services/chdb-http) on a fresh data
# directory (seeded first in-process), and starts the gateway (services/gateway/dist/bench/bench.server.js), then
# runs k6 (50 VUs: choropleth and 20-year series, through the gateway and directly against the
# warehouse). Results: bench/gateway/results/<timestamp>.json and the table on stdout.
# Env: VUS (50), DURATION (20s per scenario), K6 (path to k6; default .cache/bin/k6, built with
# `GOBIN=$PWD/.cache/bin go install go.k6.io/k6@latest` when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH=$ROOT/.cache/node24/bin:$ROOT/.cache/pnpm/node_modules/.bin:$PATH

K6=${K6:-$ROOT/.cache/bin/k6}
if [ ! -x "$K6" ]; then
  echo "building k6 (go install go.k6.io/k6@latest) …"
  mkdir -p "$ROOT/.cache/bin"
  GOBIN=$ROOT/.cache/bin go install go.k6.io/k6@latest
fi

echo "building gateway and chdb-http …"
pnpm --filter "@sp/gateway..." --filter "@sp/chdb-http..." --workspace-concurrency=2 run build >/dev/null

WORK=$(mktemp -d /tmp/sp-bench-gateway.XXXXXX)
CHDB_PORT=${CHDB_PORT:-18123}
GW_PORT=${GW_PORT:-14100}
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() { # file pattern seconds
  for _ in $(seq 1 "$3"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 1; done
  echo "timed out waiting for '$2' in $1:"; cat "$1"; exit 1
}

echo "seeding a fresh chDB warehouse …"
BENCH_MODE=seed CHDB_PATH=$WORK/chdb node services/gateway/dist/bench/bench.server.js

CHDB_HTTP_PORT=$CHDB_PORT CHDB_HTTP_HOST=127.0.0.1 CHDB_PATH=$WORK/chdb node services/chdb-http/dist/main.js >"$WORK/chdb.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/chdb.log" listening 60

echo "starting the gateway …"
BENCH_MODE=serve CHDB_URL=http://127.0.0.1:$CHDB_PORT BENCH_PORT=$GW_PORT BENCH_CAPTURE=$WORK/capture.json \
  node services/gateway/dist/bench/bench.server.js >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/gateway.log" "bench gateway ready" 600
cat "$WORK/gateway.log"

mkdir -p bench/gateway/results
OUT=bench/gateway/results/$(date -u +%Y%m%dT%H%M%SZ).json
"$K6" run --quiet --no-color \
  -e GATEWAY_URL=http://127.0.0.1:$GW_PORT -e GATEWAY_NOCACHE_URL=http://127.0.0.1:$((GW_PORT + 1)) -e GATEWAY_READCACHE_URL=http://127.0.0.1:$((GW_PORT + 2)) -e CHDB_URL=http://127.0.0.1:$CHDB_PORT \
  -e BENCH_CAPTURE="$WORK/capture.json" -e SUMMARY_OUT="$OUT" \
  -e VUS="${VUS:-50}" -e DURATION="${DURATION:-20s}" \
  bench/gateway/gateway.k6.js || echo "(k6 reported a failed threshold — see the table)"
echo "results: $OUT"
