#!/usr/bin/env bash
# National-scale data set (issue 17, deliver 6), SYNTHETIC: bootstraps (Node 24, deps, swc build of
# the workspace), then loads generated tenants into the embedded default and measures (README.md).
#   bash bench/national/run.sh [--tenants 1] [--full 1] [--months 240] [--small-months 0] [--checkpoints 1,5,10] [--runs 20]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../infra/bin/bootstrap.sh"
cd "$SP_ROOT"
exec node bench/national/load.bench.mjs "$@"
