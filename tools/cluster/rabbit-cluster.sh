#!/usr/bin/env bash
# A throw-away 3-node RabbitMQ cluster on loopback, beside the system node (which it never
# touches: private cookie, node names c1..c3@localhost, AMQP ports 5681-5683, distribution
# ports 25681-25683, its own data under $SENSORS_CLUSTER_DIR). Needs root (nodes run as the
# rabbitmq user) and Debian's rabbitmq-server. Used by the cluster tests and the fault drill.
#
#   rabbit-cluster.sh up              start 3 fresh nodes and join them (about 20 s)
#   rabbit-cluster.sh down            stop every node (by pid file; SIGKILL by PID as a last resort)
#   rabbit-cluster.sh urls            the AMQP URLs, comma-separated
#   rabbit-cluster.sh kill N          SIGKILL node N's Erlang VM
#   rabbit-cluster.sh start N         (re)start node N with its data; waits until it runs
#   rabbit-cluster.sh stop-app N      stop node N's RabbitMQ application (a clean node loss)
#   rabbit-cluster.sh start-app N     start it again
#   rabbit-cluster.sh leader QUEUE    the node number of QUEUE's leader
#   rabbit-cluster.sh ctl ARGS…       rabbitmqctl against the cluster (node c1 unless -n is given)
set -euo pipefail

BASE=${SENSORS_CLUSTER_DIR:-/tmp/sensors-rabbit-cluster}
RMQ=/usr/lib/rabbitmq/bin # the real scripts, not the /usr/sbin wrappers (they write the system node's logs)
NODES="1 2 3"

common_env() { echo PATH=/usr/bin:/bin LC_ALL=C.UTF-8 LANG=C.UTF-8 HOME=$BASE/home RABBITMQ_CONF_ENV_FILE=$BASE/rabbitmq-env.conf; }
node_env() {
  local i=$1 d=$BASE/c$1
  echo "$(common_env)" RABBITMQ_NODENAME=c$i@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=568$i RABBITMQ_DIST_PORT=2568$i RABBITMQ_MNESIA_BASE=$d/mnesia RABBITMQ_LOG_BASE=$d/log \
    RABBITMQ_PID_FILE=$d/beam.pid RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf \
    RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins
}
# HOME must come after runuser (which resets it), or the CLI would use the system node's cookie.
ctl() { (cd "$BASE" && runuser -u rabbitmq -- env $(common_env) $RMQ/rabbitmqctl "$@"); }

prepare() {
  rm -rf "$BASE"
  mkdir -p "$BASE/home"
  : >"$BASE/rabbitmq-env.conf"
  head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$BASE/home/.erlang.cookie"
  for i in $NODES; do
    local d=$BASE/c$i
    mkdir -p "$d/mnesia" "$d/log"
    echo '[].' >"$d/enabled_plugins"
    echo '[].' >"$d/advanced.config"
    printf 'listeners.tcp.default = 127.0.0.1:568%s\nlog.file.level = info\nlog.console = false\n' "$i" >"$d/rabbitmq.conf"
  done
  chown -R rabbitmq:rabbitmq "$BASE"
  chmod 700 "$BASE/home"
  chmod 400 "$BASE/home/.erlang.cookie"
}

start_node() {
  local i=$1 d=$BASE/c$1
  rm -f "$d/beam.pid"
  cd "$BASE"
  # Output redirected on the background command itself, so no caller's pipe stays open.
  setsid runuser -u rabbitmq -- env $(node_env "$i") \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-setcookie $(cat "$BASE/home/.erlang.cookie") -kernel inet_dist_use_interface {127,0,0,1}" \
    $RMQ/rabbitmq-server >>"$d/stdout.log" 2>&1 </dev/null &
}
# `await_startup` fails at once until the node is registered with epmd; `wait PIDFILE` polls.
wait_node() { ctl -q -n "c$1@localhost" wait "$BASE/c$1/beam.pid" --timeout 120 >/dev/null; }
beam_pid() { cat "$BASE/c$1/beam.pid" 2>/dev/null || true; }
stop_node() {
  local i=$1 pid
  pid=$(beam_pid "$i")
  # Bounded: the CLI waits for the process, which must not hang a teardown.
  (cd "$BASE" && timeout 60 runuser -u rabbitmq -- env $(common_env) $RMQ/rabbitmqctl -q -n "c$i@localhost" stop "$BASE/c$i/beam.pid") >/dev/null 2>&1 || true
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    sleep 2
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  return 0
}

cmd=${1:-}
shift || true
stop_all() {
  [ -d "$BASE" ] || return 0
  for i in $NODES; do stop_node "$i" & done
  wait
  rm -rf "$BASE"
}

case "$cmd" in
  up)
    stop_all # whatever an interrupted run left behind
    prepare
    for i in $NODES; do start_node "$i"; done
    waits=""
    for i in $NODES; do
      wait_node "$i" &
      waits="$waits $!"
    done
    for pid in $waits; do wait "$pid"; done
    for i in 2 3; do
      ctl -q -n "c$i@localhost" stop_app >/dev/null
      ctl -q -n "c$i@localhost" join_cluster c1@localhost >/dev/null
      ctl -q -n "c$i@localhost" start_app >/dev/null
    done
    ;;
  down) stop_all ;;
  urls) echo "amqp://guest:guest@127.0.0.1:5681,amqp://guest:guest@127.0.0.1:5682,amqp://guest:guest@127.0.0.1:5683" ;;
  kill) kill -9 "$(beam_pid "$1")" ;;
  start)
    start_node "$1"
    wait_node "$1"
    ;;
  stop-app) ctl -q -n "c$1@localhost" stop_app ;;
  start-app) ctl -q -n "c$1@localhost" start_app ;;
  leader)
    for i in $NODES; do
      leader=$(ctl -q -n "c$i@localhost" list_queues name leader --no-table-headers 2>/dev/null | awk -v q="$1" '$1 == q { print $2 }') || continue
      [ -n "$leader" ] && { echo "$leader" | sed -E 's/^c([0-9])@.*/\1/'; exit 0; }
    done
    exit 1
    ;;
  ctl)
    case " $* " in *" -n "*) ctl "$@" ;; *) ctl -n c1@localhost "$@" ;; esac
    ;;
  *)
    sed -n '2,17p' "$0"
    exit 2
    ;;
esac
