#!/usr/bin/env bash
# Makes sure RabbitMQ (5672) and Postgres (5432) answer on this machine, starting them if not:
#   1. already reachable: nothing to do;
#   2. installed locally and we are root (CI, the dev machines): start them with their own tools;
#   3. Docker available: `docker compose up` with this repository's docker-compose.yml;
#   4. otherwise: say exactly what is missing and fail.
# Prints `export NAME=value` lines for the callers to eval (the URLs and tools that differ when
# the services run in Docker); everything meant for a person goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '%s\n' "$*" >&2; }
reachable() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do reachable "$port" && return 0; sleep 1; done
  say "$name did not come up on 127.0.0.1:$port within 60 s."
  return 1
}

if reachable 5432 && reachable 5672; then
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null && command -v rabbitmq-server >/dev/null; then
  if ! reachable 5432; then
    say "Starting the local PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start >&2
  fi
  if ! reachable 5672; then
    say "Starting the local RabbitMQ..."
    rabbitmq-server -detached >&2
  fi
  wait_for 5432 PostgreSQL
  wait_for 5672 RabbitMQ
  # RabbitMQ opens its port before it is fully booted.
  command -v rabbitmqctl >/dev/null && rabbitmqctl -q await_startup >&2
  exit 0
fi

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  say "Starting RabbitMQ and Postgres with docker compose..."
  docker compose up --detach --wait rabbitmq postgres >&2
  cat <<'ENV'
export SENSORS_AMQP_URL=amqp://sensors:sensors@127.0.0.1:5672
export TEST_AMQP_URL=amqp://sensors:sensors@127.0.0.1:5672
export DATABASE_ADMIN_URL=postgres://sensors_admin:sensors_admin@127.0.0.1:5432/postgres
export TEST_DATABASE_URL=postgres://sensors_admin:sensors_admin@127.0.0.1:5432/postgres
export RABBITMQCTL="docker compose exec -T rabbitmq rabbitmqctl"
ENV
  exit 0
fi

reachable 5672 || say "Missing: RabbitMQ on 127.0.0.1:5672 (install rabbitmq-server, or Docker to run docker-compose.yml)."
reachable 5432 || say "Missing: PostgreSQL on 127.0.0.1:5432 (install postgresql, or Docker to run docker-compose.yml)."
exit 1
