#!/usr/bin/env bash
# Ingestion benchmark in one command: bootstrap (deps + swc build of the workspace), starts its own Kafka broker and
# PostgreSQL (infra scripts, temp dirs, free ports), runs bench.mjs on the built dist, tears down.
#   bash bench/ingestion/run.sh [--batches N] [--concurrency C] [--observations K]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../infra/bin/bootstrap.sh" --engines
cd "$SP_ROOT"

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# own temp dirs directly under /tmp: pg.sh hands its directory to the postgres user
kafka_dir="$(mktemp -d /tmp/sp-bench-kafka-XXXXXX)" pg_dir="$(mktemp -d /tmp/sp-bench-pg-XXXXXX)"
cleanup() {
  infra/kafka/kafka.sh wipe "$kafka_dir" >/dev/null 2>&1 || true
  infra/postgres/pg.sh wipe "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
kafka_port="$(free_port)" ctrl_port="$(free_port)" pg_port="$(free_port)"
echo "starting Kafka on 127.0.0.1:$kafka_port and PostgreSQL on 127.0.0.1:$pg_port …" >&2
KAFKA_PARTITIONS=4 infra/kafka/kafka.sh start "$kafka_dir" "$kafka_port" "$ctrl_port" >/dev/null
pg_url="$(infra/postgres/pg.sh start "$pg_dir" "$pg_port")"
node ${BENCH_NODE_FLAGS:-} bench/ingestion/bench.mjs --brokers "127.0.0.1:$kafka_port" --database "$pg_url" --pg-dir "$pg_dir" --kafka-dir "$kafka_dir" "$@"
