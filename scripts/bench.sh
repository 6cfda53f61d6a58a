#!/usr/bin/env bash
# Belf benchmark (issue 5): builds in release mode, starts `belf serve` in a scratch folder on
# the embedded default (SQLite + in-process state, production Argon2 parameters), times
# readiness, registers a user and clients through the CLI (`--json`), runs every load
# scenario with the driver (benches/load, built as the `load` example) and prints one table:
# ops/s, req/s, p50, p99, errors, server RSS, database rows written per grant.
#
#   scripts/bench.sh
#   DURATION=3 WARMUP=1 CONCURRENCY=16 SCENARIOS=healthz,cc-es256 scripts/bench.sh
#   scripts/bench.sh web     # only the web app's pages (web_today, web_explore): first with
#                            # the three parts in one `belf serve`, then each in a process
#                            # of its own (`belf serve auth|todo|web`), for each one's CPU
#                            # per page and idle RSS
#   scripts/bench.sh production   # (or MODE=production) two `belf serve auth` instances and
#                            # `belf serve todo` on PostgreSQL + Redis, requests spread over
#                            # both instances; database and Redis round trips per op and
#                            # ops/s per vCPU beside Keycloak's sizing (scripts/bench_production.sh)
#
# Environment:
#   DURATION (10)   measured seconds per scenario     WARMUP (2)   unmeasured seconds before
#   CONCURRENCY (32) connections per scenario          SCENARIOS (all) comma list, see --list
#   PROBE_CONCURRENCY (2) token-endpoint workers measured during the login flood
#   LOGIN_CONCURRENCY (=CONCURRENCY) workers posting /login
#   DRIVER_THREADS  driver runtime threads (default: half the CPUs)
#   AUTH_PORT (18080) TODO_PORT (18081) WEB_PORT (18082)  ports (not the defaults, to stay off a dev server)
#   PROFILE (release) or `debug` for a quick check of the tooling itself (numbers meaningless)
#   KEEP=1          keep the scratch folder (database, keys, server log)
#   NO_BUILD=1      use target/$PROFILE/belf and examples/load as they are (no cargo build)
#   Any other BELF_* variable (e.g. BELF_PASSWORD__MAX_CONCURRENT_HASHES) reaches the server.
# Results: the table on stdout, and $OUT (default $CARGO_TARGET_DIR/bench or target/bench)
# results.md / results.json.
set -euo pipefail
MODE=${1:-${MODE:-all}}
case "$MODE" in
  all) ;;
  web) SCENARIOS=web ;;
  production) ;;
  *) echo "usage: scripts/bench.sh [web|production]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PROFILE=${PROFILE:-release}
OUT=${OUT:-$TARGET/bench}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONCURRENCY=${CONCURRENCY:-32}
SCENARIOS=${SCENARIOS:-all}
PROBE_CONCURRENCY=${PROBE_CONCURRENCY:-2}
LOGIN_CONCURRENCY=${LOGIN_CONCURRENCY:-$CONCURRENCY}
AUTH_PORT=${AUTH_PORT:-18080}
TODO_PORT=${TODO_PORT:-18081}
WEB_PORT=${WEB_PORT:-18082}

echo "== Machine"
echo "date:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "host:       $(uname -srm)"
echo "cpu:        $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "nproc:      $(nproc)"
echo "memory:     $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg)   (other work on the machine skews results)"
echo "uptime:     $(uptime)"
echo "rustc:      $(rustc -V)"
echo "commit:     $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"

echo "== Build ($PROFILE)"
# One cargo invocation for both, so the belf library is compiled once (building the example
# separately would unify dev-dependency features, e.g. reqwest `cookies`, and rebuild it).
if [ "${NO_BUILD:-0}" = 1 ]; then
  # The binaries already built (e.g. on a busy machine): say so, the commit may differ.
  echo "NO_BUILD=1: using the $PROFILE binaries as they are"
  BIN=$TARGET/$PROFILE
elif [ "$PROFILE" = release ]; then
  cargo build --release --bin belf --example load
  BIN=$TARGET/release
else
  cargo build --bin belf --example load
  BIN=$TARGET/debug
  echo "WARNING: debug build: the numbers below only check the tooling" >&2
fi
BELF=${BELF:-$BIN/belf}   # BELF=/path/to/belf compares another build with the same driver
LOAD=$BIN/examples/load

# Scratch folder: the server's database, keys and log. The CLI runs there too.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/belf-bench.XXXXXX")
unset BELF_CONFIG BELF_DATABASE__URL BELF_TODO__DATABASE_URL BELF_KEYS__DIR BELF_REDIS__URL \
  BELF_WEB__DATABASE_URL BELF_WEB__CLIENT_ID BELF_WEB__CLIENT_SECRET BELF_WEB__ISSUER
# Room for the load: the code-flow scenarios leave a spent-code marker per exchange for ~11
# minutes (memory_store.spent_codes, 20,000 by default, is full after ~16 s at 1,200/s and
# then answers 503), and 32 workers signing the one bench user in from one IP, 8 at a time,
# are answered 429 by the login throttle's default allowance. Set them to measure otherwise.
export BELF_MEMORY_STORE__SPENT_CODES=${BELF_MEMORY_STORE__SPENT_CODES:-2000000}
export BELF_THROTTLE__FREE_FAILURES=${BELF_THROTTLE__FREE_FAILURES:-1000}
export BELF_THROTTLE__FREE_FAILURES_PER_IP=${BELF_THROTTLE__FREE_FAILURES_PER_IP:-1000}
export BELF_SERVER__BIND=127.0.0.1:$AUTH_PORT
export BELF_SERVER__ISSUER=http://127.0.0.1:$AUTH_PORT
export BELF_TODO__BIND=127.0.0.1:$TODO_PORT
export BELF_TODO__ISSUER=http://127.0.0.1:$AUTH_PORT
export BELF_WEB__BIND=127.0.0.1:$WEB_PORT
export BELF_WEB__PUBLIC_URL=http://127.0.0.1:$WEB_PORT
export BELF_WEB__TODO_URL=http://127.0.0.1:$TODO_PORT
echo "scratch:    $SCRATCH"
echo "server env: $(env | grep '^BELF_' | sort | tr '\n' ' ')"

PID=
PART_PIDS=()
stop_pid() {
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1"
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$1" 2>/dev/null && kill -KILL "$1"
  fi
  return 0
}
stop_server() {
  stop_pid "$PID"
  PID=
}
stop_parts() {
  for p in "${PART_PIDS[@]}"; do stop_pid "$p"; done
  PART_PIDS=()
}
cleanup() {
  stop_server
  stop_parts
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $SCRATCH"; else rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT

for port in "$AUTH_PORT" "$TODO_PORT" "$WEB_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use; set AUTH_PORT/TODO_PORT/WEB_PORT" >&2
    exit 1
  fi
done

json_num() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
start_server() { # $1: log name. Prints the driver's JSON line and sets PID / READY_MS.
  local line
  line=$("$LOAD" ready --belf "$BELF" --dir "$SCRATCH" --log "$SCRATCH/$1.log" \
    --url "http://127.0.0.1:$AUTH_PORT/healthz" --url "http://127.0.0.1:$TODO_PORT/healthz" \
    --url "http://127.0.0.1:$WEB_PORT/healthz")
  PID=$(json_num pid <<<"$line")
  READY_MS=$(json_num ready_ms <<<"$line")
}
start_part() { # $1: auth|todo|web, $2: its port, $3: log name (serve-$1). Sets PART_PID.
  local line
  line=$("$LOAD" ready --belf "$BELF" --dir "$SCRATCH" --log "$SCRATCH/${3:-serve-$1}.log" --part "$1" \
    --url "http://127.0.0.1:$2/healthz")
  PART_PID=$(json_num pid <<<"$line")
  PART_PIDS+=("$PART_PID")
}
rss_mb() { awk -v f="$2:" '$1 == f {printf "%.1f", $2/1024}' "/proc/$1/status"; }

if [ "$MODE" = production ]; then
  # shellcheck source=scripts/bench_production.sh
  . scripts/bench_production.sh
  exit 0
fi

echo "== Start-up (spawn -> first 200 from all three /healthz)"
start_server serve-first
READY_FIRST=$READY_MS
stop_server
start_server serve
READY_WARM=$READY_MS
echo "first start (generates keys, creates databases): ${READY_FIRST} ms"
echo "second start (keys and databases exist):         ${READY_WARM} ms"
sleep 1
IDLE_RSS=$(rss_mb "$PID" VmRSS)
echo "idle RSS: ${IDLE_RSS} MB"

echo "== Load ($SCENARIOS: ${WARMUP}s warm-up + ${DURATION}s each, concurrency $CONCURRENCY)"
"$LOAD" run --belf "$BELF" --dir "$SCRATCH" \
  --auth "127.0.0.1:$AUTH_PORT" --todo "127.0.0.1:$TODO_PORT" --web "127.0.0.1:$WEB_PORT" \
  --auth-db "$SCRATCH/belf-auth.db" --server-pid "$PID" \
  --scenario "$SCENARIOS" --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" \
  --probe-concurrency "$PROBE_CONCURRENCY" --login-concurrency "$LOGIN_CONCURRENCY" --write-ops "${WRITE_OPS:-20}" \
  ${DRIVER_THREADS:+--threads "$DRIVER_THREADS"} --out "$OUT"

AFTER_RSS=$(rss_mb "$PID" VmRSS)
PEAK_RSS=$(rss_mb "$PID" VmHWM)
SUMMARY="
| measure | value |
|:---|---:|
| ready, first start (keys generated) | ${READY_FIRST} ms |
| ready, second start (keys exist) | ${READY_WARM} ms |
| idle RSS (after start, before load) | ${IDLE_RSS} MB |
| RSS after load | ${AFTER_RSS} MB |
| peak RSS (VmHWM) | ${PEAK_RSS} MB |
| machine | $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $PROFILE build |

DB rows written/op: row versions (INSERT or UPDATE) that appeared in the identity server's
SQLite tables, snapshotted after each of ${WRITE_OPS:-20} sequential ops of one worker after the
run; 'gone' are row versions that disappeared (the old side of an UPDATE, or a DELETE). So
an INSERT counts 1/0, an UPDATE 1/1 (a refresh rotation is 2/1: new token + old one marked). Codes, sessions and
deny-lists live in process memory in this (embedded) mode and are not counted."
echo "$SUMMARY"
echo "$SUMMARY" >>"$OUT/results.md"

if [ "$MODE" = web ]; then
  # The same pages with each part in a process of its own: what a page costs the web app
  # itself, beside the todo API (and identity server) calls it makes. The web app's client,
  # registered by the first `belf serve`, is handed to `belf serve web` explicitly.
  stop_server
  WEB_CLIENT=$SCRATCH/keys/web-client.json
  export BELF_WEB__CLIENT_ID=$(sed -n 's/.*"client_id": *"\([^"]*\)".*/\1/p' "$WEB_CLIENT")
  export BELF_WEB__CLIENT_SECRET=$(sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p' "$WEB_CLIENT")
  echo "== The three parts as processes of their own"
  start_part auth "$AUTH_PORT"; AUTH_PID=$PART_PID
  start_part todo "$TODO_PORT"; TODO_PID=$PART_PID
  start_part web "$WEB_PORT"; WEB_PID=$PART_PID
  sleep 1
  IDLE_PARTS="auth $(rss_mb "$AUTH_PID" VmRSS) MB, todo $(rss_mb "$TODO_PID" VmRSS) MB, web $(rss_mb "$WEB_PID" VmRSS) MB"
  echo "idle RSS: $IDLE_PARTS"
  "$LOAD" run --belf "$BELF" --dir "$SCRATCH" \
    --auth "127.0.0.1:$AUTH_PORT" --todo "127.0.0.1:$TODO_PORT" --web "127.0.0.1:$WEB_PORT" \
    --auth-pid "$AUTH_PID" --todo-pid "$TODO_PID" --web-pid "$WEB_PID" --server-pid "$WEB_PID" \
    --scenario web --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" \
    ${DRIVER_THREADS:+--threads "$DRIVER_THREADS"} --out "$OUT/parts"
  AFTER_PARTS="auth $(rss_mb "$AUTH_PID" VmRSS) MB, todo $(rss_mb "$TODO_PID" VmRSS) MB, web $(rss_mb "$WEB_PID" VmRSS) MB"
  PARTS="
| measure (parts as processes of their own) | value |
|:---|---:|
| idle RSS after start | ${IDLE_PARTS} |
| RSS after load | ${AFTER_PARTS} |
| load average after | $(cut -d' ' -f1-3 /proc/loadavg) |

RSS max MB in this table is the web process's."
  echo "$PARTS"
  echo "$PARTS" >>"$OUT/parts/results.md"
  echo "results: $OUT/results.md $OUT/parts/results.md (and results.json beside each)"
  exit 0
fi

# An independent load generator, when one is installed, for /healthz and an ES256
# client-credentials grant: its figures should agree with the driver's.
if command -v oha >/dev/null || command -v wrk >/dev/null; then
  CC=$(cd "$SCRATCH" && "$BELF" --json client add --name crosscheck-cc --grant-type client_credentials \
    --scope courses:read --access-token-alg ES256)
  CC_ID=$(sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p' <<<"$CC")
  CC_SECRET=$(sed -n 's/.*"client_secret":"\([^"]*\)".*/\1/p' <<<"$CC")
fi
if command -v oha >/dev/null; then
  echo "== Cross-check with oha (independent load generator): /healthz, then client_credentials ES256"
  oha --no-tui -z "${DURATION}s" -c "$CONCURRENCY" "http://127.0.0.1:$AUTH_PORT/healthz" | sed -n '1,12p'
  oha --no-tui -z "${DURATION}s" -c "$CONCURRENCY" -m POST -a "$CC_ID:$CC_SECRET" \
    -T application/x-www-form-urlencoded -d grant_type=client_credentials \
    "http://127.0.0.1:$AUTH_PORT/token" | sed -n '1,12p'
elif command -v wrk >/dev/null; then
  # wrk prints "Non-2xx or 3xx responses: N" when any answer was an error.
  echo "== Cross-check with wrk (independent load generator): /healthz, then client_credentials ES256"
  wrk -t2 -c "$CONCURRENCY" -d "${DURATION}s" --latency "http://127.0.0.1:$AUTH_PORT/healthz"
  BASIC=$(printf '%s:%s' "$CC_ID" "$CC_SECRET" | base64 -w0)
  cat >"$SCRATCH/cc.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $BASIC"
LUA
  wrk -t2 -c "$CONCURRENCY" -d "${DURATION}s" --latency -s "$SCRATCH/cc.lua" \
    "http://127.0.0.1:$AUTH_PORT/token"
fi
echo "results: $OUT/results.md $OUT/results.json"
