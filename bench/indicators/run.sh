#!/usr/bin/env bash
# Indicator warehouse benchmarks in one command each: bootstraps (Node 24, deps, swc build of the
# workspace), then runs one bench on the built dist/. Only 127.0.0.1 and temp dirs; stops by itself.
#   bash bench/indicators/run.sh freshness     [--rate 1] [--records 100] [--seconds 60] [--engines embedded|servers]
#   bash bench/indicators/run.sh query-latency [--rows 10000000,100000000] [--runs 30]
#   bash bench/indicators/run.sh replay        [--events 100000] [--rounds 3] [--no-indices] [--no-baseline] [--no-decode] [--index-statements]
#   bash bench/indicators/run.sh scale-out     [--events 1000000] [--partitions 4] [--batch 2000]
set -euo pipefail
name="${1:?usage: bash bench/indicators/run.sh freshness|query-latency|replay|scale-out [options]}"
shift
. "$(dirname "${BASH_SOURCE[0]}")/../../infra/bin/bootstrap.sh"
cd "$SP_ROOT"
exec node "bench/indicators/$name.bench.mjs" "$@"
