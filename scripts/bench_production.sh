# Production mode of scripts/bench.sh (sourced by it after the build; not run on its own):
# two `belf serve auth` instances (different ports, one PostgreSQL database, one Redis, one
# keys folder) and `belf serve todo` on PostgreSQL, the driver spreading connections over
# both identity-server instances in turn (a code is authorized on one instance and
# exchanged on the other; a refresh chain rotates on the instance it was not issued by).
#
# Environment (beside bench.sh's):
#   PG_URL (postgres://postgres@127.0.0.1:5432)  server; databases belf_bench_auth and
#                   belf_bench_todo are dropped and created fresh
#   REDIS_HOST (127.0.0.1:6379)  REDIS_DB (9)  a database number the script FLUSHDBs; keys
#                   also carry the prefix `belfbench`
#   AUTH2_PORT (18083)  the second identity-server instance
#   PG_LOG (/var/log/postgresql/postgresql-15-main.log)  PostgreSQL's log, read to count
#                   statements (skipped when unreadable)
#   COUNT_OPS (50)  sequential ops per scenario in the counting pass
#
# Two passes over the same scenarios, each on freshly started servers:
#  1. counting: the two bench databases get `log_statement = 'all'` (ALTER DATABASE: these
#     databases only), one worker runs COUNT_OPS ops per scenario, and the driver counts
#     the statements in PostgreSQL's log and the Redis commands a MONITOR connection sees
#     on REDIS_DB. Then the setting is removed.
#  2. timing: the usual run (DURATION, CONCURRENCY), CPU summed over the three processes.
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1:6379}
REDIS_DB=${REDIS_DB:-9}
AUTH2_PORT=${AUTH2_PORT:-18083}
PG_LOG=${PG_LOG:-/var/log/postgresql/postgresql-15-main.log}
COUNT_OPS=${COUNT_OPS:-50}
AUTH_DB_NAME=belf_bench_auth
TODO_DB_NAME=belf_bench_todo
if [ "$SCENARIOS" = all ]; then
  # Every scenario of the table except the web app's pages (a part not started here).
  SCENARIOS=healthz,discovery,jwks,cc-es256,cc-eddsa,cc-rs256,refresh,code-flow,introspect,userinfo,todo-get,todo-post,login,cc-during-logins
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$AUTH2_PORT") 2>/dev/null; then
  echo "port $AUTH2_PORT is in use; set AUTH2_PORT" >&2
  exit 1
fi

psql_admin() { psql "$PG_URL/postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }
redis() { redis-cli -h "${REDIS_HOST%:*}" -p "${REDIS_HOST#*:}" -n "$REDIS_DB" "$@"; }

echo "== Production mode: PostgreSQL $PG_URL, Redis $REDIS_HOST db $REDIS_DB"
for db in "$AUTH_DB_NAME" "$TODO_DB_NAME"; do
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
done
redis FLUSHDB >/dev/null
export BELF_DATABASE__URL=$PG_URL/$AUTH_DB_NAME
export BELF_TODO__DATABASE_URL=$PG_URL/$TODO_DB_NAME
export BELF_REDIS__URL=redis://$REDIS_HOST/$REDIS_DB
export BELF_REDIS__KEY_PREFIX=belfbench
# The driver is one source IP logging one account in from 32 connections at once: to the
# login throttle that is a burst attack (more unsettled attempts in flight than
# free_failures_per_ip + 1 or free_failures). The throttle still runs and its Redis
# commands are counted; only its allowances are raised, as for many users behind many IPs.
export BELF_THROTTLE__FREE_FAILURES=${BELF_THROTTLE__FREE_FAILURES:-100000}
export BELF_THROTTLE__FREE_FAILURES_PER_IP=${BELF_THROTTLE__FREE_FAILURES_PER_IP:-100000}
echo "server env: $(env | grep '^BELF_' | sort | tr '\n' ' ')"

AUTH_PIDS=()
start_production() { # $1: log-name suffix. Sets AUTH_PIDS, TODO_PID.
  stop_parts
  AUTH_PIDS=()
  # The first instance applies the migrations and writes the keys; the second finds both.
  start_part auth "$AUTH_PORT" "auth1-$1"; AUTH_PIDS+=("$PART_PID")
  BELF_SERVER__BIND=127.0.0.1:$AUTH2_PORT start_part auth "$AUTH2_PORT" "auth2-$1"
  AUTH_PIDS+=("$PART_PID")
  start_part todo "$TODO_PORT" "todo-$1"; TODO_PID=$PART_PID
}
AUTH_ARGS=(--auth "127.0.0.1:$AUTH_PORT" --auth "127.0.0.1:$AUTH2_PORT")

echo "== Pass 1: round trips per op ($COUNT_OPS sequential ops per scenario, one worker)"
COUNT_ARGS=(--redis "$REDIS_HOST" --redis-db "$REDIS_DB")
if [ -r "$PG_LOG" ]; then
  for db in "$AUTH_DB_NAME" "$TODO_DB_NAME"; do
    psql_admin -c "ALTER DATABASE $db SET log_statement = 'all'"
  done
  COUNT_ARGS+=(--pg-log "$PG_LOG" --pg-db "$AUTH_DB_NAME" --pg-db "$TODO_DB_NAME")
else
  echo "PostgreSQL log $PG_LOG unreadable: statements are not counted (set PG_LOG)" >&2
fi
start_production count
"$LOAD" run --belf "$BELF" --dir "$SCRATCH" "${AUTH_ARGS[@]}" --todo "127.0.0.1:$TODO_PORT" \
  --scenario "$SCENARIOS" --count-only --count-ops "$COUNT_OPS" "${COUNT_ARGS[@]}" \
  --login-concurrency 1 --concurrency 1 --out "$OUT"
stop_parts
for db in "$AUTH_DB_NAME" "$TODO_DB_NAME"; do
  psql_admin -c "ALTER DATABASE $db RESET log_statement"
done

echo "== Pass 2: load ($SCENARIOS: ${WARMUP}s warm-up + ${DURATION}s each, concurrency $CONCURRENCY)"
start_production load
sleep 1
IDLE="auth ${AUTH_PIDS[0]}: $(rss_mb "${AUTH_PIDS[0]}" VmRSS) MB, auth ${AUTH_PIDS[1]}: $(rss_mb "${AUTH_PIDS[1]}" VmRSS) MB, todo: $(rss_mb "$TODO_PID" VmRSS) MB"
echo "idle RSS: $IDLE"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
"$LOAD" run --belf "$BELF" --dir "$SCRATCH" "${AUTH_ARGS[@]}" --todo "127.0.0.1:$TODO_PORT" \
  --auth-pid "${AUTH_PIDS[0]}" --auth-pid "${AUTH_PIDS[1]}" --todo-pid "$TODO_PID" \
  --scenario "$SCENARIOS" --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" \
  --probe-concurrency "$PROBE_CONCURRENCY" --login-concurrency "$LOGIN_CONCURRENCY" \
  --counts "$OUT/counts.json" --vcpus "$(nproc)" \
  --pg-url "$PG_URL/postgres" --pg-db "$AUTH_DB_NAME" --pg-db "$TODO_DB_NAME" \
  ${DRIVER_THREADS:+--threads "$DRIVER_THREADS"} --out "$OUT"
SUMMARY="
| measure (production mode) | value |
|:---|---:|
| idle RSS after start | $IDLE |
| RSS after load | auth $(rss_mb "${AUTH_PIDS[0]}" VmRSS) / $(rss_mb "${AUTH_PIDS[1]}" VmRSS) MB, todo $(rss_mb "$TODO_PID" VmRSS) MB |
| peak RSS (VmHWM) | auth $(rss_mb "${AUTH_PIDS[0]}" VmHWM) / $(rss_mb "${AUTH_PIDS[1]}" VmHWM) MB, todo $(rss_mb "$TODO_PID" VmHWM) MB |
| load average before / after | $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg) |
| machine | $(nproc) vCPUs shared by the three servers, PostgreSQL, Redis and the driver; $PROFILE build |

server CPU µs/op: both identity-server processes and the todo service together (not
PostgreSQL, Redis or the driver). PostgreSQL CPU µs/op: the backends connected to the two
bench databases when the measured window began (pg_stat_activity; Redis's CPU is not
counted: its server is shared with other work). PostgreSQL statements/op: lines the statements of one op
left in PostgreSQL's log (log_statement = 'all' on the bench databases, counting pass:
$COUNT_OPS sequential ops of one worker after 3 uncounted ones), BEGIN/COMMIT included; each
is one round trip. Not counted: sqlx's liveness check each time a connection leaves the
pool (a comment-only query PostgreSQL does not log), one more round trip per query or
transaction. Redis commands/op: commands on db
$REDIS_DB seen by MONITOR in the same pass. ops/s per vCPU: ops/s ÷ $(nproc), everything on
the machine included; ops/s per server-CPU second: 1 s ÷ server CPU per op."
echo "$SUMMARY"
echo "$SUMMARY" >>"$OUT/results.md"
echo "results: $OUT/results.md $OUT/results.json $OUT/counts.json"
