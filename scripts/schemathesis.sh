#!/usr/bin/env bash
# Schemathesis against the todo service's own OpenAPI document (issue 11): the real
# identity server and todo service on free ports with fresh SQLite files, a real person's
# token from the real login pages, then generated requests to every operation. Fails on
# any 5xx, any response that does not match its schema, status or content type.
#
#   scripts/schemathesis.sh                 # uses target/debug/belf (built if missing)
#   BELF_BIN=target/release/belf ST_MAX_EXAMPLES=200 scripts/schemathesis.sh
#
# Needs python3 (schemathesis is installed from PyPI when missing), curl and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
BELF_BIN=${BELF_BIN:-target/debug/belf}
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-40}
[ -x "$BELF_BIN" ] || cargo build --locked --bin belf
if ! command -v st >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
AUTH_PORT=$(free_port); TODO_PORT=$(free_port)
ISSUER=http://127.0.0.1:$AUTH_PORT
TODO=http://127.0.0.1:$TODO_PORT

# Only this run's settings: a stray BELF_* variable from the caller's shell must not leak in.
belf() {
  env $(env | sed -n 's/^\(BELF_[A-Z_]*\)=.*/-u \1/p') \
    BELF_DATABASE__URL="sqlite://$work/auth.db?mode=rwc" BELF_KEYS__DIR="$work/keys" \
    BELF_SERVER__BIND="127.0.0.1:$AUTH_PORT" BELF_SERVER__ISSUER="$ISSUER" \
    BELF_TODO__BIND="127.0.0.1:$TODO_PORT" BELF_TODO__ISSUER="$ISSUER" \
    BELF_TODO__DATABASE_URL="sqlite://$work/todo.db?mode=rwc" \
    BELF_MANAGEMENT__BIND="" BELF_PASSWORD__MEMORY_KIB=1024 BELF_PASSWORD__ITERATIONS=1 \
    BELF_LOG=warn "$BELF_BIN" "$@"
}
wait_ready() {
  for _ in $(seq 1 300); do curl -sf "$1/readyz" >/dev/null && return; sleep 0.1; done
  echo "$1 did not become ready" >&2; exit 1
}

belf serve auth >"$work/auth.log" 2>&1 & pids+=($!)
wait_ready "$ISSUER"
belf serve todo >"$work/todo.log" 2>&1 & pids+=($!)
wait_ready "$TODO"

client=$(belf client add --name schemathesis --redirect-uri http://127.0.0.1:3000/callback \
  --scope openid --scope courses:read --scope courses:write --json)
read -r CLIENT_ID CLIENT_SECRET < <(python3 -c \
  'import json,sys;d=json.load(sys.stdin);print(d["client_id"],d["client_secret"])' <<<"$client")
echo 'schemathesis password 1' |
  belf user add --username schemathesis --email st@example.com --password-stdin >/dev/null
TOKEN=$(ISSUER=$ISSUER scripts/login.sh "$CLIENT_ID" "$CLIENT_SECRET" schemathesis 'schemathesis password 1' \
  'openid courses:read courses:write' | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')

# A public course with a todo, so operations on `{id}` meet a real one as well as made-up ids.
curl -sf "$TODO/api/courses" -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"title":"Seed","colour":"blue","start_date":"2026-01-01","tags":["seed"],"public":true}' >/dev/null

# `ignored_auth` sends requests without the header and expects 401: it is on with `all`.
# One worker: with threads, hypothesis on CPython 3.11 fails in its own AST parsing
# ("AST constructor recursion depth mismatch"), which is not a finding about Belf.
# The token lives `tokens.access_token_ttl_secs` (default 600 s): --max-time keeps the run inside it.
status=0
# From the scratch folder: schemathesis keeps its example database in ./.schemathesis.
(cd "$work" && st --config-file "$OLDPWD/scripts/schemathesis.toml" run "$TODO/openapi.json" --url "$TODO" \
  -H "Authorization: Bearer $TOKEN" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  --max-time "${ST_MAX_TIME:-240}" \
  --workers 1 \
  --phases examples,coverage,fuzzing \
  --suppress-health-check all \
  --report junit --report-dir "$work/report") || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- todo service log (last 50 lines)"; tail -50 "$work/todo.log"
fi
exit "$status"
