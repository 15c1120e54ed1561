#!/usr/bin/env bash
# One arm like arm.sh, on a PostgreSQL with pg_stat_statements: after the run it prints, per statement
# of the ingestion (API arm; the warm-up batches included), calls, execution time, rows and the WAL
# written, then the tables' row counters (inserts, updates, HOT updates, deletes) and the WAL in all.
# Where PostgreSQL's time goes (issue 17.3, bench/ingestion/README.md, session 14).
#   bash bench/ingestion/pg-statements.sh ROOT [bench.mjs options: --concurrency 4 --batches 20 --rounds 3 …]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
root="$(cd "$1" && pwd)"
shift
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
kafka_dir="$(mktemp -d /tmp/sp-bench-kafka-XXXXXX)" pg_dir="$(mktemp -d /tmp/sp-bench-pg-XXXXXX)"
cleanup() {
  "$here/infra/kafka/kafka.sh" wipe "$kafka_dir" >/dev/null 2>&1 || true
  "$here/infra/postgres/pg.sh" wipe "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
kafka_port="$(free_port)" ctrl_port="$(free_port)" pg_port="$(free_port)"
KAFKA_PARTITIONS=4 "$here/infra/kafka/kafka.sh" start "$kafka_dir" "$kafka_port" "$ctrl_port" >/dev/null
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_dir"
as_owner "$bin/initdb" -D "$pg_dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
# the options of infra/postgres/pg.sh, and the statistics
as_owner "$bin/pg_ctl" -D "$pg_dir" -l "$pg_dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $pg_port -k '' -c max_connections=200 -c shared_buffers=64MB -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" start >/dev/null
psql() { as_owner "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -X -q "$@"; }
psql -c 'CREATE EXTENSION pg_stat_statements'
echo "== $(date -u +%H:%M:%S) UTC, $root at $(git -C "$root" rev-parse --short HEAD), $*; load average $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$root" && node bench/ingestion/bench.mjs --brokers "127.0.0.1:$kafka_port" --database "postgres://postgres@127.0.0.1:$pg_port/postgres" --pg-dir "$pg_dir" --kafka-dir "$kafka_dir" "$@")
psql -c "SELECT calls, round(total_exec_time::numeric) AS exec_ms, round((total_exec_time / calls)::numeric, 1) AS mean_ms, rows, wal_records, pg_size_pretty(wal_bytes) AS wal,
                left(regexp_replace(query, '\s+', ' ', 'g'), 80) AS statement
           FROM pg_stat_statements WHERE calls > 5 AND query NOT LIKE '%pg_stat%' ORDER BY total_exec_time DESC LIMIT 10"
psql -c "SELECT relname, n_tup_ins AS inserted, n_tup_upd AS updated, n_tup_hot_upd AS hot, n_tup_del AS deleted FROM pg_stat_user_tables WHERE relname LIKE 'ingest%' ORDER BY relname"
psql -c "SELECT wal_records, wal_fpi, pg_size_pretty(wal_bytes) AS wal FROM pg_stat_wal"
echo "== $(date -u +%H:%M:%S) UTC, done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
