#!/usr/bin/env bash
# Fair under abuse (issue #13), one command: bash bench/gateway/abuse.sh
# Builds the gateway, then runs services/gateway/dist/bench/abuse.bench.js: a normal client's p95
# idle and while four abusive clients hammer the gateway (embedded chDB, budgets as configured by
# default, caches off), in ROUNDS (5) alternating phases of PER_PHASE (40) requests each. Prints
# idle p95, abused p95 and the ratio; results in bench/gateway/results/abuse-<time>.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PWD/.cache/node24/bin:$PWD/.cache/pnpm/node_modules/.bin:$PATH
pnpm --filter "@sp/gateway..." --workspace-concurrency=2 run build >/dev/null
node services/gateway/dist/bench/abuse.bench.js
