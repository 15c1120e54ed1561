#!/usr/bin/env bash
# Runs the steps of infra/deploy/Dockerfile where no container engine is, as far as they go outside
# one, and starts the platform's image tree: the build context as .dockerignore leaves it, `pnpm
# fetch` with only the lockfile files, infra/deploy/build.sh, /app laid out as the runtime stage does
# (schemas, city data), then the platform on its embedded engines (SP_DEMO=0) answering its
# dashboard, GraphQL and health endpoints, and ending 0 on SIGTERM. Not part of the test command
# (about a minute and 1 GB of disk); docs/operations.md says when it was last run.
# Usage: infra/bin/bootstrap.sh first (Node 24 and pnpm on PATH), then
#        infra/deploy/rehearse.sh [WORKDIR]      (city data from SP_SHARED_DATA or ../shared)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d)}"
shared="${SP_SHARED_DATA:-$root/../shared}"
port="${SP_REHEARSE_PORT:-4791}"
started=$SECONDS
rm -rf "$work/src" "$work/out" "$work/app" && mkdir -p "$work/src" "$work/app"

# the context: GNU tar's --exclude-from reads .dockerignore's patterns close enough (comments match nothing)
tar -C "$root" -c --exclude-from="$root/.dockerignore" . | tar -x -C "$work/src"
mkdir -p "$work/fetch" && cp "$root"/{package.json,pnpm-lock.yaml,pnpm-workspace.yaml} "$work/fetch/" && cp -r "$root/patches" "$work/fetch/"
(cd "$work/fetch" && CI=true pnpm fetch --frozen-lockfile >/dev/null)
(cd "$work/src" && CI=true infra/deploy/build.sh "$work/out" >/dev/null)
echo "build: $((SECONDS - started)) s, trees: $(ls "$work/out" | tr '\n' ' ')"

# the runtime stage of the platform target
cp -r "$work/src/schemas" "$work/app/schemas"
mkdir -p "$work/app/shared" && cp -r "$shared/data" "$work/app/shared/data"
mv "$work/out/platform" "$work/app/platform"
log="$work/platform.log"
(cd "$work/app/platform" && NODE_ENV=production SP_SCHEMAS_DIR="$work/app/schemas" SP_SHARED_DATA="$work/app/shared" \
  SP_DATA_DIR="$work/data" SP_DEMO=0 SP_HOST=127.0.0.1 SP_PORT="$port" exec node dist/main.js >"$log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do grep -q 'Sozialplanung läuft' "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 1; done
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
dashboard="$(status "http://127.0.0.1:$port/")"
graphql="$(status -H 'content-type: application/json' -d '{"query":"{ __typename }"}' "http://127.0.0.1:$port/graphql")"
live="$(status "http://127.0.0.1:$port/health/live")"
ready="$(status "http://127.0.0.1:$port/health/ready")"
kill -TERM "$pid" 2>/dev/null || true
code=0; wait "$pid" || code=$?
echo "platform tree: dashboard $dashboard, graphql $graphql, /health/live $live, /health/ready $ready, exit on SIGTERM $code ($((SECONDS - started)) s in all)"
if [ "$dashboard" != 200 ] || [ "$graphql" != 200 ] || [ "$live" != 200 ] || [ "$ready" != 200 ] || [ "$code" != 0 ]; then tail -n 30 "$log" >&2; exit 1; fi
