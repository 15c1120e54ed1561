#!/usr/bin/env bash
# Real Apache Kafka (KRaft, single broker on 127.0.0.1) from the official jars on Maven Central.
# No Docker here: the jars are fetched once with mvn into .cache/kafka-libs and run with the machine's Java 17.
#
#   kafka.sh fetch                       fetch jars (cached)
#   kafka.sh start DIR PORT [CTRL_PORT]  format storage in DIR, start, wait until ready; pid in DIR/kafka.pid
#   kafka.sh stop DIR                    stop the broker whose data is in DIR (keeps data)
#   kafka.sh wipe DIR                    stop and delete DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../bin/pidfile.sh
source "$root/infra/bin/pidfile.sh"
libs="${KAFKA_LIBS:-$root/.cache/kafka-libs}"

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  echo "[kafka] fetching Apache Kafka jars from Maven Central (first run only)…" >&2
  command -v mvn >/dev/null || { echo "[kafka] mvn not found: install Maven (apt-get install maven)" >&2; exit 1; }
  mkdir -p "$libs"
  (cd "$here" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime) >&2
  touch "$libs/.complete"
}

java_cmd() {
  java -Xms128m -Xmx${KAFKA_HEAP:-512m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/log4j2.properties" -cp "$libs/*" "$@"
}

start() {
  local dir="$1" port="$2" ctrl="${3:-$(( $2 + 1 ))}"
  fetch
  mkdir -p "$dir/data"
  if [ -f "$dir/kafka.pid" ] && kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
    echo "[kafka] already running (pid $(cat "$dir/kafka.pid"))" >&2; return 0
  fi
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=${KAFKA_PARTITIONS:-4}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=${KAFKA_OFFSET_PARTITIONS:-4}
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.flush.interval.messages=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
  if [ ! -f "$dir/data/meta.properties" ]; then
    java_cmd kafka.tools.StorageTool format -t "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; exit 1; }
  fi
  # the log of an earlier run says "Kafka Server started" too: move it aside before starting, or the
  # wait below can read the old line before the new process has truncated the file (a restart that
  # returned while the broker was still down)
  if [ -f "$dir/kafka.log" ]; then mv -f "$dir/kafka.log" "$dir/kafka.log.1"; fi
  nohup bash -c "exec java -Xms128m -Xmx${KAFKA_HEAP:-512m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile='$here/log4j2.properties' -Dkafka.logs.dir='$dir' \
    -cp '$libs/*' kafka.Kafka '$dir/server.properties'" >"$dir/kafka.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  local deadline=$(( $(date +%s) + ${KAFKA_START_TIMEOUT:-90} ))
  until grep -q "Kafka Server started" "$dir/kafka.log" 2>/dev/null; do
    if ! kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
      echo "[kafka] broker exited during start:" >&2; tail -30 "$dir/kafka.log" >&2; exit 1
    fi
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "[kafka] not ready in time" >&2; tail -30 "$dir/kafka.log" >&2; exit 1; fi
    sleep 0.2
  done
  # and the listener accepts connections
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "[kafka] port $port not open in time" >&2; tail -30 "$dir/kafka.log" >&2; exit 1; fi
    sleep 0.2
  done
  echo "127.0.0.1:$port"
}

stop() {
  stop_pidfile "$1/kafka.pid"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start "$2" "$3" "${4:-}" ;;
  stop) stop "$2" ;;
  wipe) stop "$2"; rm -rf "$2" ;;
  *) echo "usage: kafka.sh fetch | start DIR PORT [CTRL_PORT] | stop DIR | wipe DIR" >&2; exit 2 ;;
esac
