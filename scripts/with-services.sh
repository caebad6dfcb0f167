#!/usr/bin/env bash
# Run a command with PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and RabbitMQ
# (127.0.0.1:5672, the open API's relay tests and bench/bench_outbox.py) reachable.
# Where one is not running, start a throw-away instance from the installed server package
# (installing the package if missing) and stop it again when the command ends.
set -euo pipefail
started_pg="" started_redis="" started_rabbit="" rabbit=""
tmp=$(mktemp -d /tmp/hotline-services.XXXXXX)

cleanup() {
  if [ -n "$started_pg" ]; then su postgres -s /bin/sh -c "$started_pg/pg_ctl -D $tmp/pg -m fast stop" >/dev/null 2>&1 || true; fi
  if [ -n "$started_redis" ]; then redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true; fi
  if [ -n "$started_rabbit" ]; then rabbitmqctl -n "$started_rabbit" stop >/dev/null 2>&1 || true; fi
  if [ -n "$rabbit" ]; then rm -rf "$rabbit"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # bounded wait for a port to accept connections
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
  echo "service on port $1 did not come up" >&2; return 1
}

apt_install() {
  command -v apt-get >/dev/null || { echo "cannot install $*: no apt-get" >&2; return 1; }
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if ! port_open 5432; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$bindir" ]; then apt_install postgresql; bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1); fi
  mkdir -p "$tmp/pg" && chown postgres "$tmp" "$tmp/pg"
  su postgres -s /bin/sh -c "$bindir/initdb -D $tmp/pg -A trust -U postgres >/dev/null"
  su postgres -s /bin/sh -c "$bindir/pg_ctl -D $tmp/pg -l $tmp/pg.log -o '-c listen_addresses=127.0.0.1 -p 5432 -k $tmp' start >/dev/null"
  started_pg="$bindir"
  wait_port 5432
  echo "started a throw-away PostgreSQL on 127.0.0.1:5432"
fi
if ! port_open 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "$tmp" >/dev/null
  started_redis=1
  wait_port 6379
  echo "started a throw-away Redis on 127.0.0.1:6379"
fi
if ! port_open 5672; then
  # a node of its own (own name, data and config under $tmp), never the machine's broker
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  rabbit=$(mktemp -d /tmp/hotline-rabbit.XXXXXX)  # the server runs as the rabbitmq user: a directory it owns
  mkdir -p "$rabbit/mnesia" "$rabbit/log"
  printf 'listeners.tcp.default = 127.0.0.1:5672\n' > "$rabbit/rabbitmq.conf"
  chown -R rabbitmq "$rabbit" 2>/dev/null || true
  started_rabbit="hotline-test-$$@localhost"
  RABBITMQ_NODENAME="$started_rabbit" RABBITMQ_DIST_PORT=25673 RABBITMQ_CONFIG_FILE="$rabbit/rabbitmq.conf" \
    RABBITMQ_MNESIA_BASE="$rabbit/mnesia" RABBITMQ_LOG_BASE="$rabbit/log" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$rabbit/plugins" rabbitmq-server -detached >/dev/null 2>&1
  for _ in $(seq 1 600); do port_open 5672 && break; sleep 0.1; done  # Erlang starts slowly
  wait_port 5672
  echo "started a throw-away RabbitMQ on 127.0.0.1:5672"
fi
"$@"
