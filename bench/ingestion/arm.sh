#!/usr/bin/env bash
# One arm of a back-to-back comparison of two checkouts: what run.sh does — own Kafka broker and
# PostgreSQL on free ports, bench.mjs, wipe — for the checkout at ROOT, without bootstrap or build,
# so another checkout (e.g. main's worktree) is only read, never rebuilt (build it yourself first).
# Prints the commit and the load average before and after.
#   bash bench/ingestion/arm.sh ROOT [bench.mjs options: --concurrency 4 --batches 20 --rounds 3 …]
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
pg_url="$("$here/infra/postgres/pg.sh" start "$pg_dir" "$pg_port")"
dirty="$(git -C "$root" diff --quiet HEAD -- services packages || echo ' + uncommitted changes')"
echo "== $(date -u +%H:%M:%S) UTC, $root at $(git -C "$root" rev-parse --short HEAD)$dirty, $*; load average $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$root" && node ${BENCH_NODE_FLAGS:-} bench/ingestion/bench.mjs --brokers "127.0.0.1:$kafka_port" --database "$pg_url" --pg-dir "$pg_dir" --kafka-dir "$kafka_dir" "$@")
echo "== $(date -u +%H:%M:%S) UTC, done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
