#!/usr/bin/env bash
# The build stage of infra/deploy/Dockerfile, kept in one file so that infra/deploy/rehearse.sh runs
# exactly these steps where no container engine is: install from the lockfile (the store is already
# filled by `pnpm fetch`), compile, and cut one production tree per entry point into OUT/<service>
# with `pnpm deploy --prod --legacy` (its production dependencies and the workspace packages it
# imports; --legacy: the lockfile does not inject workspace packages).
# Usage: infra/deploy/build.sh OUT   (run from the repository root)
set -euo pipefail
out="${1:?usage: infra/deploy/build.sh OUT}"
services="platform ingestion aggregator gateway chdb-http"
pnpm install --frozen-lockfile --offline
pnpm -s build
for service in $services; do
  pnpm --filter "@sp/${service}" deploy --prod --legacy "${out}/${service}"
done
