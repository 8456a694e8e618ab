#!/usr/bin/env bash
# make bench-scale: Lotsa past one machine, on loopback. A benchmark, not a test.
#
#   - a throwaway PostgreSQL 15 (as scripts/test.sh starts one, but with its default
#     durability: fsync stays on, as in production);
#   - two server processes on it, started together in demo mode (both find the database
#     empty: the demo must be stored once);
#   - nginx in front of them (Debian's package, installed if missing; the configuration is
#     scripts/bench-scale.nginx.conf): round-robin, no sticky sessions;
#   - the load generator (server/scale, goose): BENCH_USERS devices (200) of the demo's staff
#     and supervisor for BENCH_SECONDS (60) after all have started, each signing in, pulling,
#     and pushing check-ins and attendance through POST /api/v1/sync; then every device must
#     agree with the server, and this script checks in PostgreSQL that each write was stored
#     exactly once.
#
# It prints p50/p95/p99 sync latency, syncs per second, the requests and errors, and how many
# requests each server process answered (from each process's own request log). It stops
# everything it started, also when a step fails. Logs are kept in target/bench-scale/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SERVER_BIN=${LOTSA_SERVER_BIN:-$TARGET_DIR/release/server}
SITE_ROOT=${LOTSA_SITE_ROOT:-$TARGET_DIR/site}
USERS=${BENCH_USERS:-200}
RUN_SECONDS=${BENCH_SECONDS:-60}
PG_BIN=/usr/lib/postgresql/15/bin
export PATH="$HOME/.cargo/bin:$PATH:$PG_BIN"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'bench-scale: %s\n' "$*" >&2; exit 1; }

[ -x "$SERVER_BIN" ] || fail "no server at $SERVER_BIN: run make build first (make bench-scale does)"
[ -d "$SITE_ROOT/pkg" ] || fail "no site at $SITE_ROOT: run make build first (make bench-scale does)"

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  say "installing nginx (Debian package)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nginx
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

say "building the load generator (cargo build --release -p bench-scale)"
cargo build --release -p bench-scale
BENCH_BIN="$TARGET_DIR/release/bench-scale"

LOGS="$TARGET_DIR/bench-scale"
rm -rf "$LOGS"
mkdir -p "$LOGS/nginx"
WORK=$(mktemp -d)
PG_DIR=$(mktemp -d)
PIDS=()
cleanup() {
  # nginx first, then the servers (SIGTERM: they finish what is in flight), then PostgreSQL.
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  fi
  cp "$PG_DIR/pg.log" "$LOGS/postgres.log" 2>/dev/null || true
  rm -rf "$WORK" "$PG_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL refuses to run as root; as scripts/test.sh does, root runs it as postgres.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# Waits for GET $1 to answer 200, while process $2 lives.
wait_for() {
  local url=$1 pid=$2 name=$3
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOGS/$name.log" >&2 || true
      fail "$name stopped before it answered $url"
    fi
    sleep 0.2
  done
  fail "$name did not answer $url within 120 s"
}

say "starting a throwaway PostgreSQL 15"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PG_DIR"
PG_PORT=$(free_port)
as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U app --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w start \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c log_autovacuum_min_duration=0 -c log_lock_waits=on" >/dev/null
DATABASE_URL="postgres://app@127.0.0.1:$PG_PORT/postgres"
psql_q() { psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -X -q -At "$@"; }

say "starting two server processes on it, together, in demo mode"
PORT_A=$(free_port)
PORT_B=$(free_port)
for name in a b; do
  if [ "$name" = a ]; then port=$PORT_A; else port=$PORT_B; fi
  mkdir -p "$WORK/data-$name"
  # Each process writes one line per answered request: that line is how its share of the
  # requests is counted.
  DATABASE_URL="$DATABASE_URL" LOTSA_ADDR="127.0.0.1:$port" LOTSA_DEMO=true \
    LOTSA_TRUSTED_PROXIES=127.0.0.1 LOTSA_SITE_ROOT="$SITE_ROOT" LOTSA_DATA_DIR="$WORK/data-$name" \
    LOTSA_LOG_FORMAT=json NO_COLOR=1 \
    "$SERVER_BIN" >"$LOGS/server-$name.log" 2>&1 &
  PIDS+=($!)
done
wait_for "http://127.0.0.1:$PORT_A/health" "${PIDS[0]}" server-a
wait_for "http://127.0.0.1:$PORT_B/health" "${PIDS[1]}" server-b
RECORDS=$(psql_q -c "SELECT count(*) FROM records")
VERSIONS=$(psql_q -c "SELECT count(*) FROM record_history")
USERS_STORED=$(psql_q -c "SELECT count(*) FROM users")
# Stored twice, every record would have two versions in its history.
[ "$RECORDS" -gt 0 ] && [ "$RECORDS" = "$VERSIONS" ] \
  || fail "the demo was not stored exactly once: $RECORDS records, $VERSIONS versions"
echo "demo stored once by the two processes: $RECORDS records, $USERS_STORED accounts"

say "starting nginx (round-robin over both, no sticky sessions)"
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
sed -e "s|@DIR@|$WORK/nginx|g" -e "s|@LISTEN@|127.0.0.1:$NGINX_PORT|g" \
  -e "s|@SERVER_A@|127.0.0.1:$PORT_A|g" -e "s|@SERVER_B@|127.0.0.1:$PORT_B|g" \
  scripts/bench-scale.nginx.conf >"$WORK/nginx/nginx.conf"
"$NGINX" -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$LOGS/nginx.log" 2>&1 &
PIDS=("$!" "${PIDS[@]}")
wait_for "http://127.0.0.1:$NGINX_PORT/health" "${PIDS[0]}" nginx
# Requests before the load (the health checks) are not counted as its share.
HEALTH_A=$(grep -c '"finished processing request"' "$LOGS/server-a.log" || true)
HEALTH_B=$(grep -c '"finished processing request"' "$LOGS/server-b.log" || true)
START_VERSION=$(psql_q -c "SELECT value FROM version_counter")

say "$USERS devices for $RUN_SECONDS s through nginx (goose)"
status=0
LOTSA_BENCH_OUT="$LOGS/expected" "$BENCH_BIN" --host "http://127.0.0.1:$NGINX_PORT" \
  --users "$USERS" --run-time "${RUN_SECONDS}s" --increase-time 10s --quiet || status=$?

say "requests each server process answered (its own request log)"
count() { grep -c "$1" "$2" || true; }
for name in a b; do
  if [ "$name" = a ]; then port=$PORT_A; before=$HEALTH_A; else port=$PORT_B; before=$HEALTH_B; fi
  all=$(count '"finished processing request"' "$LOGS/server-$name.log")
  syncs=$(grep '"finished processing request"' "$LOGS/server-$name.log" | count '"path":"/api/v1/sync"' -)
  proxied=$(grep -v '"GET /health' "$WORK/nginx/access.log" | count "^127.0.0.1:$port " -)
  echo "process $name (127.0.0.1:$port): $((all - before)) requests, $syncs of them syncs (nginx sent it $proxied)"
done
# Per client connection (a device's own): did its requests go to both processes, and how
# often did the next request go to the other one?
grep -v '"GET /health' "$WORK/nginx/access.log" | awk '
  { c = $2; up = $1; n[c]++
    if (c in last) { pairs++; if (last[c] != up) switched++ }
    last[c] = up
    if (!((c, up) in seen)) { seen[c, up] = 1; upstreams[c]++ } }
  END {
    for (c in n) if (n[c] >= 2) { many++; if (upstreams[c] >= 2) mixed++ }
    printf "nginx: %d client connections with 2 or more requests, %d of them answered by both processes; the next request on a connection went to the other process %.0f%% of the time\n",
      many, mixed, pairs ? 100 * switched / pairs : 0 }'
cp "$WORK/nginx/access.log" "$WORK/nginx/error.log" "$LOGS/nginx/" 2>/dev/null || true

say "every write stored exactly once (PostgreSQL)"
if [ -f "$LOGS/expected/writes.tsv" ]; then
  MISMATCHES=$(psql_q -v start="$START_VERSION" <<SQL
CREATE TEMP TABLE expected_writes (kind TEXT, id TEXT, mutations INT);
\copy expected_writes FROM '$LOGS/expected/writes.tsv'
CREATE TEMP TABLE expected_devices (client_id TEXT, last_mutation_id BIGINT);
\copy expected_devices FROM '$LOGS/expected/devices.tsv'
-- As many versions since the load began as the devices made changes to the record.
SELECT 'stored ' || count(h.version) || ' times, changed ' || e.mutations || ' times: ' || e.kind || '/' || e.id
  FROM expected_writes e
  LEFT JOIN record_history h ON h.kind = e.kind AND h.id = e.id AND h.version > :start
  GROUP BY e.kind, e.id, e.mutations HAVING count(h.version) <> e.mutations
UNION ALL
SELECT 'not a live record: ' || e.kind || '/' || e.id
  FROM expected_writes e LEFT JOIN records r ON r.kind = e.kind AND r.id = e.id
  WHERE r.id IS NULL OR r.deleted
UNION ALL
SELECT 'a version no device made: ' || h.kind || '/' || h.id || ' v' || h.version
  FROM record_history h
  WHERE h.version > :start
    AND NOT EXISTS (SELECT 1 FROM expected_writes e WHERE e.kind = h.kind AND e.id = h.id)
UNION ALL
SELECT 'device ' || d.client_id || ': the server took mutations up to '
       || coalesce(c.last_mutation_id::text, 'none') || ', the device made ' || d.last_mutation_id
  FROM expected_devices d LEFT JOIN sync_clients c ON c.client_id = d.client_id
  WHERE c.last_mutation_id IS DISTINCT FROM d.last_mutation_id;
SQL
)
  WRITES=$(wc -l <"$LOGS/expected/writes.tsv")
  STORED=$(psql_q -c "SELECT count(*) FROM record_history WHERE version > $START_VERSION")
  DEVICES=$(wc -l <"$LOGS/expected/devices.tsv")
  if [ -n "$MISMATCHES" ]; then
    echo "$MISMATCHES" | head -n 40
    echo "$(echo "$MISMATCHES" | wc -l) mismatches between the devices' writes and the database"
    status=1
  else
    echo "$WRITES records written by the devices, $STORED versions stored since the load began, each as often as a device changed it; the server took each of $DEVICES devices' mutations up to its last"
  fi
else
  echo "the load generator wrote no list of its writes"
  status=1
fi

if [ "$status" -ne 0 ]; then
  fail "FAILED (logs in $LOGS)"
fi
say "bench-scale passed (logs in $LOGS)"
