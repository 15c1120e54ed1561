#!/usr/bin/env bash
# One arm of a back-to-back comparison of two checkouts: what run.sh does — own Kafka broker and
# PostgreSQL on free ports, bench.mjs, wipe — for the checkout at ROOT, without bootstrap or build,
# so another checkout (e.g. main's worktree) is only read, never rebuilt (build it yourself first).
# Prints the commit and the load average before and after.
#   bash bench/ingestion/arm.sh ROOT [bench.mjs options: --concurrency 4 --batches 20 --rounds 3 …]
# ARM_PG_STATEMENTS=1: PostgreSQL runs with pg_stat_statements, and after the run the arm prints, per
# statement of the ingestion (the warm-up batches included), calls, execution time, rows and the WAL
# written, the tables' row counters (inserts, updates, HOT updates, deletes) and the WAL in all — where
# PostgreSQL's time goes (issue 17.3, bench/ingestion/README.md, session 14).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
root="$(cd "$1" && pwd)"
shift
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
kafka_dir="$(mktemp -d /tmp/sp-bench-kafka-XXXXXX)" pg_dir="$(mktemp -d /tmp/sp-bench-pg-XXXXXX)"
cleanup() {
  "$here/infra/kafka/kafka.sh" wipe "$kafka_dir" >/dev/null 2>&1 || true
  "$here/infra/postgres/pg.sh" wipe "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
kafka_port="$(free_port)" ctrl_port="$(free_port)" pg_port="$(free_port)"
KAFKA_PARTITIONS=4 "$here/infra/kafka/kafka.sh" start "$kafka_dir" "$kafka_port" "$ctrl_port" >/dev/null
statements="${ARM_PG_STATEMENTS:-}"
[ -n "$statements" ] && export PG_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
pg_url="$("$here/infra/postgres/pg.sh" start "$pg_dir" "$pg_port")"
psql() { "$here/infra/postgres/pg.sh" psql "$pg_port" "$@"; }
[ -n "$statements" ] && psql -c 'CREATE EXTENSION pg_stat_statements'
dirty="$(git -C "$root" diff --quiet HEAD -- services packages || echo ' + uncommitted changes')"
echo "== $(date -u +%H:%M:%S) UTC, $root at $(git -C "$root" rev-parse --short HEAD)$dirty, $*; load average $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$root" && node ${BENCH_NODE_FLAGS:-} bench/ingestion/bench.mjs --brokers "127.0.0.1:$kafka_port" --database "$pg_url" --pg-dir "$pg_dir" --kafka-dir "$kafka_dir" "$@")
if [ -n "$statements" ]; then
  psql -c "SELECT calls, round(total_exec_time::numeric) AS exec_ms, round((total_exec_time / calls)::numeric, 1) AS mean_ms, rows, wal_records, pg_size_pretty(wal_bytes) AS wal,
                  left(regexp_replace(query, '\s+', ' ', 'g'), 80) AS statement
             FROM pg_stat_statements WHERE calls > 5 AND query NOT LIKE '%pg_stat%' ORDER BY total_exec_time DESC LIMIT 10"
  psql -c "SELECT relname, n_tup_ins AS inserted, n_tup_upd AS updated, n_tup_hot_upd AS hot, n_tup_del AS deleted FROM pg_stat_user_tables WHERE relname LIKE 'ingest%' ORDER BY relname"
  psql -c "SELECT wal_records, wal_fpi, pg_size_pretty(wal_bytes) AS wal FROM pg_stat_wal"
fi
echo "== $(date -u +%H:%M:%S) UTC, done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
