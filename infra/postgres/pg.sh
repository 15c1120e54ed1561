#!/usr/bin/env bash
# A throwaway PostgreSQL cluster from Debian's postgresql package, in DIR, on 127.0.0.1:PORT.
#   pg.sh start DIR PORT   initdb (first time) and start; prints the connection URL
#                          (PG_EXTRA_OPTIONS: more server options, e.g. a benchmark's statistics)
#   pg.sh stop DIR         fast shutdown (keeps data)
#   pg.sh wipe DIR         stop and delete
#   pg.sh psql PORT ARGS…  psql as the cluster's owner on 127.0.0.1:PORT (e.g. a benchmark's statistics)
# initdb refuses to run as root, so as root the cluster belongs to the 'postgres' system user.
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
[ -n "$bin" ] || { echo "[postgres] not installed: apt-get install postgresql" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  local dir="$1" port="$2"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; exit 1; }
  fi
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k '' -c max_connections=200 -c shared_buffers=64MB ${PG_EXTRA_OPTIONS:-}" start >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}
stop() { [ -f "$1/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$1" -m fast -w stop >/dev/null || true; }

case "${1:-}" in
  start) start "$2" "$3" ;;
  stop) stop "$2" ;;
  wipe) stop "$2"; rm -rf "$2" "$2.initdb.log" ;;
  psql) port="$2"; shift 2; as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -X -q "$@" ;;
  *) echo "usage: pg.sh start DIR PORT | stop DIR | wipe DIR | psql PORT ARGS…" >&2; exit 2 ;;
esac
