#!/usr/bin/env bash
# Local infrastructure for dailyfeed: PostgreSQL and Redis on loopback (reused when already
# running, started from the installed binaries when not) and a single-node Apache Kafka in
# KRaft mode on 127.0.0.1:9092, run from Kafka's own jars fetched by Maven on first use.
#
#   infra/infra.sh up | down | status
#
# Idempotent: `up` twice is a no-op the second time. `down` stops Kafka, and PostgreSQL/Redis
# only if this script started them. State and logs live in the ignored folders .cache/ and .run/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Newest Kafka release that the kafkajs smoke tests pass against (see README, "Kafka version").
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
# G1 with as few GC and JIT threads as a small broker needs (the JVM sizes them by core count).
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 -XX:CICompilerCount=2}"
PGHOST_ADDR="${PGHOST_ADDR:-127.0.0.1}"
PGPORT_NUM="${PGPORT_NUM:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
DATABASES="${DATABASES:-dailyfeed dailyfeed_test}"

cache="$root/.cache/kafka/$KAFKA_VERSION"
# INFRA_RUN_DIR: where Kafka's data, pid file and logs live (the fault drills run a broker of their own there).
run="${INFRA_RUN_DIR:-$root/.run}"
kafka_data="$run/kafka-data"
kafka_logs="$run/logs/kafka"
mkdir -p "$run/logs"

log() { printf '[infra] %s\n' "$*"; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }

wait_for() { # name, seconds, command...
  local name="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM"; }

pg_up() {
  if pg_ready; then
    log "postgresql already running on $PGHOST_ADDR:$PGPORT_NUM"
  else
    command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not running and pg_ctlcluster is not installed"
    local version; version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    log "starting postgresql $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    touch "$run/started-postgres"
    wait_for postgres 30 pg_ready || die "postgresql did not become ready"
  fi
  for db in $DATABASES; do
    if ! psql -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -tAc "select 1 from pg_database where datname='$db'" | grep -q 1; then
      psql -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -qc "create database $db" >/dev/null
      log "created database $db"
    fi
  done
}

pg_down() {
  if [ -f "$run/started-postgres" ]; then
    local version; version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main stop || true
    rm -f "$run/started-postgres"
    log "stopped postgresql"
  fi
}

# --------------------------------------------------------------------- Redis
redis_ready() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q PONG; }

redis_up() {
  if redis_ready; then
    log "redis already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  command -v redis-server >/dev/null || die "Redis is not running and redis-server is not installed"
  log "starting redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$run" --logfile "$run/logs/redis.log" --pidfile "$run/redis.pid"
  touch "$run/started-redis"
  wait_for redis 15 redis_ready || die "redis did not become ready"
}

redis_down() {
  if [ -f "$run/started-redis" ]; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$run/started-redis"
    log "stopped redis"
  fi
}

# --------------------------------------------------------------------- Kafka
kafka_pid() { [ -f "$run/kafka.pid" ] && kill -0 "$(cat "$run/kafka.pid")" 2>/dev/null && cat "$run/kafka.pid"; }

kafka_fetch() {
  [ -f "$cache/libs/kafka_2.13-$KAFKA_VERSION.jar" ] && return
  command -v java >/dev/null || die "java is not installed (Kafka needs a JRE 17+: apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "maven is not installed (needed once to fetch Kafka's jars: apt-get install maven)"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (first use only)"
  mkdir -p "$cache"
  mvn -q -B -f "$root/infra/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$cache/libs.partial" >"$cache/fetch.log" 2>&1 \
    || die "maven could not fetch Kafka $KAFKA_VERSION; see $cache/fetch.log"
  rm -rf "$cache/libs" && mv "$cache/libs.partial" "$cache/libs"
}

kafka_write_config() {
  mkdir -p "$kafka_data" "$kafka_logs"
  cat >"$run/kafka.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$kafka_data
num.partitions=6
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
# Sized for one small dev broker with a handful of clients (defaults are for big servers: 3
# network and 8 I/O threads, 10 background threads); fewer threads mean fewer wake-ups and
# context switches per request on a 2-core machine.
num.network.threads=1
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
EOF
}

kafka_java() { java $KAFKA_HEAP $KAFKA_JVM_OPTS -Djava.awt.headless=true \
  -Dkafka.logs.dir="$kafka_logs" -Dlog4j2.configurationFile="$root/infra/kafka/log4j2.xml" \
  -cp "$cache/libs/*" "$@"; }

kafka_ready() {
  port_open "$KAFKA_PORT" && grep -q "Kafka Server started\|KafkaRaftServer.*started\|\[KafkaRaftServer nodeId=1\] Kafka Server started" "$kafka_logs/server.log" 2>/dev/null
}

kafka_up() {
  if kafka_pid >/dev/null; then
    log "kafka already running on 127.0.0.1:$KAFKA_PORT (pid $(kafka_pid))"
    return
  fi
  if port_open "$KAFKA_PORT"; then
    log "something already listens on 127.0.0.1:$KAFKA_PORT; using it as Kafka"
    return
  fi
  kafka_fetch
  kafka_write_config
  # A data folder formatted by another Kafka version is started afresh: it only holds dev data.
  if [ ! -f "$kafka_data/meta.properties" ] || [ "$(cat "$run/kafka-data.version" 2>/dev/null)" != "$KAFKA_VERSION" ]; then
    rm -rf "$kafka_data" && mkdir -p "$kafka_data"
    kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
      -c "$run/kafka.properties" >"$kafka_logs/format.log" 2>&1 || die "kafka storage format failed; see $kafka_logs/format.log"
    echo "$KAFKA_VERSION" >"$run/kafka-data.version"
  fi
  # The readiness check greps this file for the start line: it starts empty, and what an earlier
  # broker wrote (a test that restarts the broker) is kept in server.earlier.log.
  [ -s "$kafka_logs/server.log" ] && cat "$kafka_logs/server.log" >>"$kafka_logs/server.earlier.log"
  : >"$kafka_logs/server.log"
  local started=$SECONDS
  log "starting kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT"
  nohup bash -c "exec java $KAFKA_HEAP $KAFKA_JVM_OPTS -Djava.awt.headless=true \
    -Dkafka.logs.dir='$kafka_logs' -Dlog4j2.configurationFile='$root/infra/kafka/log4j2.xml' \
    -cp '$cache/libs/*' kafka.Kafka '$run/kafka.properties'" >"$kafka_logs/stdout.log" 2>&1 &
  echo $! >"$run/kafka.pid"
  if ! wait_for kafka 90 kafka_ready; then
    tail -n 30 "$kafka_logs/server.log" "$kafka_logs/stdout.log" >&2 || true
    die "kafka did not become ready within 90 s"
  fi
  log "kafka ready in $((SECONDS - started)) s"
}

kafka_down() {
  local pid
  if pid="$(kafka_pid)"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped kafka"
  fi
  rm -f "$run/kafka.pid"
}

status() {
  local rc=0
  if pg_ready; then log "postgresql: up ($PGHOST_ADDR:$PGPORT_NUM)"; else log "postgresql: down"; rc=1; fi
  if redis_ready; then log "redis: up (127.0.0.1:$REDIS_PORT)"; else log "redis: down"; rc=1; fi
  if port_open "$KAFKA_PORT"; then log "kafka: up (127.0.0.1:$KAFKA_PORT, version $KAFKA_VERSION)"; else log "kafka: down"; rc=1; fi
  return $rc
}

case "${1:-}" in
  up) pg_up; redis_up; kafka_up ;;
  down) kafka_down; redis_down; pg_down ;;
  status) status ;;
  kafka-up) kafka_up ;;
  kafka-down) kafka_down ;;
  *) echo "usage: $0 up|down|status|kafka-up|kafka-down" >&2; exit 2 ;;
esac
