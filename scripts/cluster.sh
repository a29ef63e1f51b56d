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
  RABBITMQ_NODENAME=$(node "$p") RABBITMQ_DIST_PORT=$((p + 20000)) \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_PID_FILE="$d/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    rabbitmq-server -detached
}

case "${1:-}" in
start)
  for p in "${ports[@]}"; do
    rabbitmqctl -n "$(node "$p")" -q ping --timeout 5 >/dev/null 2>&1 || start_node "$p"
  done
  for p in "${ports[@]}"; do
    # A node that did not come up (it happens, rarely, on a busy machine)
    # is started once more before giving up.
    rabbitmqctl -n "$(node "$p")" -q await_startup --timeout 60 >/dev/null 2>&1 && continue
    echo "node $(node "$p") did not start; starting it again" >&2
    tail -5 "$base/$p/log/"*.log >&2 2>/dev/null || true
    start_node "$p"
    rabbitmqctl -n "$(node "$p")" -q await_startup --timeout 60 >/dev/null
  done
  for p in "${ports[@]:1}"; do
    joined=$(rabbitmqctl -n "$(node "$p")" -q eval "lists:member('$(node 5681)', rabbit_nodes:all())." 2>/dev/null || true)
    [ "$joined" = true ] && continue
    rabbitmqctl -n "$(node "$p")" -q stop_app >/dev/null
    rabbitmqctl -n "$(node "$p")" -q join_cluster "$(node 5681)" >/dev/null
    rabbitmqctl -n "$(node "$p")" -q start_app >/dev/null
  done
  ;;
stop)
  for p in "${ports[@]}"; do rabbitmqctl -n "$(node "$p")" -q stop >/dev/null 2>&1 || true; done
  rm -rf "$base"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
