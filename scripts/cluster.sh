#!/usr/bin/env bash
# A three-node RabbitMQ cluster beside the machine's own broker, for the
# broker-cluster tests: nodes n5681, n5682 and n5683 @localhost, AMQP on
# 127.0.0.1:5681-5683, management on 15681-15683.
#   bash scripts/cluster.sh start    # about 20 s; does nothing if it runs
#   bash scripts/cluster.sh stop     # stops the nodes and removes their data
set -euo pipefail
base=${CLUSTER_BASE:-/tmp/rabbitboard-cluster}
ports=(5681 5682 5683)
node() { echo "n$1@localhost"; }

start_node() {
  local p=$1 d=$base/$1
  mkdir -p "$d/mnesia" "$d/log"
  cat > "$d/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$p
management.tcp.port = 1$p
management.tcp.ip = 127.0.0.1
CONF
  echo '[rabbitmq_management].' > "$d/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$d"
  # In the background rather than -detached, so that what a node says when
  # it cannot start lands in console.log, and its process can be watched.
  RABBITMQ_NODENAME=$(node "$p") RABBITMQ_DIST_PORT=$((p + 20000)) \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_PID_FILE="$d/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    setsid rabbitmq-server >"$d/console.log" 2>&1 </dev/null &
  pids[$p]=$!
}

# await_node waits until node $1 has booted. A node's VM can take several
# seconds to register with epmd on a busy machine, and rabbitmqctl fails at
# once for a node epmd does not know, so this asks again until the node is
# up, its process has ended, or 120 s have passed; a node whose process
# ended is started once more.
await_node() {
  local p=$1 tries=0 deadline=$((SECONDS + 120))
  while [ $SECONDS -lt $deadline ]; do
    if rabbitmqctl -n "$(node "$p")" -q await_startup --timeout 60 >/dev/null 2>&1; then
      return 0
    fi
    if [ -n "${pids[$p]:-}" ] && ! kill -0 "${pids[$p]}" 2>/dev/null; then
      echo "node $(node "$p") ended while starting:" >&2
      tail -20 "$base/$p/console.log" "$base/$p/log/"*.log >&2 2>/dev/null || true
      tries=$((tries + 1))
      [ $tries -le 2 ] || return 1
      sleep 2
      start_node "$p"
    fi
    sleep 1
  done
  echo "node $(node "$p") did not start within 120 s:" >&2
  tail -20 "$base/$p/console.log" "$base/$p/log/"*.log >&2 2>/dev/null || true
  return 1
}

declare -A pids=()
case "${1:-}" in
start)
  for p in "${ports[@]}"; do
    rabbitmqctl -n "$(node "$p")" -q ping --timeout 5 >/dev/null 2>&1 || start_node "$p"
  done
  for p in "${ports[@]}"; do await_node "$p"; done
  for p in "${ports[@]:1}"; do
    joined=$(rabbitmqctl -n "$(node "$p")" -q eval "lists:member('$(node 5681)', rabbit_nodes:all())." 2>/dev/null || true)
    [ "$joined" = true ] && continue
    rabbitmqctl -n "$(node "$p")" -q stop_app >/dev/null
    rabbitmqctl -n "$(node "$p")" -q join_cluster "$(node 5681)" >/dev/null
    rabbitmqctl -n "$(node "$p")" -q start_app >/dev/null
  done
  ;;
stop)
  for p in "${ports[@]}"; do
    timeout 60 rabbitmqctl -n "$(node "$p")" -q stop >/dev/null 2>&1 &
  done
  wait || true
  # rabbitmqctl stop returns before the node's VM has gone; a node started
  # again under the same name before then would fail.
  for _ in $(seq 1 30); do
    epmd -names 2>/dev/null | grep -q '^name n568[123] ' || break
    sleep 1
  done
  rm -rf "$base"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
