# Sourced by the engine scripts (infra/kafka/kafka.sh, infra/keycloak/keycloak.sh): stopping a
# process started in the background by its pid file, politely first.

# stop_pidfile FILE: SIGTERM the process named in FILE, wait up to 30 s, then SIGKILL; remove FILE
stop_pidfile() {
  local file="$1"
  [ -f "$file" ] || return 0
  local pid; pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
