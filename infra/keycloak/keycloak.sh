#!/usr/bin/env bash
# A real Keycloak (the Quarkus distribution from Maven Central, org.keycloak:keycloak-quarkus-dist)
# for the servers-mode sign-in tests, with the realm of sozialplanung-realm.json imported. No Docker:
# the zip is fetched once with mvn into .cache/keycloak, built once for production mode with the
# in-memory database (~45 s on the idle 2-core machine; the test command runs it beside the type
# check) and started optimized with the machine's Java 17 (Keycloak 26.7.3 on OpenJDK 17.0.15).
#
#   keycloak.sh fetch                     fetch and unpack the distribution (cached)
#   keycloak.sh build                     Quarkus build for production mode, dev-mem database (cached)
#   keycloak.sh start DIR PORT MGMT_PORT  start on 127.0.0.1:PORT, wait until the realm answers; pid in DIR/keycloak.pid
#                                         (env: SP_PUBLIC_URL, SP_KEYCLOAK_CLIENT_SECRET fill the realm's placeholders)
#   keycloak.sh stop DIR                  stop it
#   keycloak.sh wipe DIR                  stop and delete DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../bin/pidfile.sh
source "$root/infra/bin/pidfile.sh"
version="${KEYCLOAK_VERSION:-26.7.3}"
cache="${KEYCLOAK_CACHE:-$root/.cache/keycloak}"
dist="$cache/keycloak-$version"

fetch() {
  if [ -f "$dist/.complete" ]; then return 0; fi
  echo "[keycloak] fetching org.keycloak:keycloak-quarkus-dist:$version from Maven Central (first run only)…" >&2
  command -v mvn >/dev/null || { echo "[keycloak] mvn not found: install Maven (apt-get install maven)" >&2; exit 1; }
  mkdir -p "$cache"
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" -DoutputDirectory="$cache" >&2
  (cd "$cache" && unzip -q -o "keycloak-quarkus-dist-$version.zip" && rm -f "keycloak-quarkus-dist-$version.zip")
  touch "$dist/.complete"
}

# Quarkus augmentation for production mode with the in-memory database, once per distribution
# (the test command runs it beside the type check, so the sign-in tests start Keycloak in seconds)
build() {
  fetch
  # a start-dev elsewhere re-augments the distribution: then the marker is older than its output
  if [ "$dist/.built-dev-mem" -nt "$dist/lib/quarkus/generated-bytecode.jar" ]; then return 0; fi
  "$dist/bin/kc.sh" build --db=dev-mem >&2
  touch "$dist/.built-dev-mem"
}

start() {
  local dir="$1" port="$2" mgmt="$3"
  build
  mkdir -p "$dir" "$dist/data/import"
  if [ -f "$dir/keycloak.pid" ] && kill -0 "$(cat "$dir/keycloak.pid")" 2>/dev/null; then
    echo "[keycloak] already running (pid $(cat "$dir/keycloak.pid"))" >&2; return 0
  fi
  : "${SP_PUBLIC_URL:?SP_PUBLIC_URL (the platform the realm redirects to) is needed}"
  : "${SP_KEYCLOAK_CLIENT_SECRET:?SP_KEYCLOAK_CLIENT_SECRET (the dashboard client secret) is needed}"
  # the realm is imported at every start (in-memory database); the placeholders come from the env
  cp "$here/sozialplanung-realm.json" "$dist/data/import/sozialplanung-realm.json"
  # production mode on a build made once (build below): no augmentation at every start, which
  # costs a minute of CPU; plain HTTP on 127.0.0.1 and the in-memory database, as for tests
  nohup bash -c "exec '$dist/bin/kc.sh' start --optimized --http-enabled=true --hostname-strict=false \
    --http-host=127.0.0.1 --http-port=$port --http-management-port=$mgmt \
    --import-realm --log-level=warn,org.keycloak.exportimport:info,io.quarkus:info" >"$dir/keycloak.log" 2>&1 &
  echo $! > "$dir/keycloak.pid"
  local deadline=$(( $(date +%s) + ${KEYCLOAK_START_TIMEOUT:-420} ))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/realms/sozialplanung/.well-known/openid-configuration"; do
    if ! kill -0 "$(cat "$dir/keycloak.pid")" 2>/dev/null; then
      echo "[keycloak] exited during start:" >&2; tail -30 "$dir/keycloak.log" >&2; exit 1
    fi
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "[keycloak] not ready in time" >&2; tail -30 "$dir/keycloak.log" >&2; exit 1; fi
    sleep 1
  done
  echo "http://127.0.0.1:$port/realms/sozialplanung"
}

stop() {
  stop_pidfile "$1/keycloak.pid"
}

case "${1:-}" in
  fetch) fetch ;;
  build) build ;;
  start) start "$2" "$3" "$4" ;;
  stop) stop "$2" ;;
  wipe) stop "$2"; rm -rf "$2" ;;
  *) echo "usage: keycloak.sh fetch | build | start DIR PORT MGMT_PORT | stop DIR | wipe DIR" >&2; exit 2 ;;
esac
