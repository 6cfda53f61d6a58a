#!/usr/bin/env bash
# Fills an identity-server database and a todo database with data at scale (issue 15), in
# bulk SQL, so that benchmarks and query plans can be checked against full tables.
#
#   AUTH_DB=postgres://postgres@127.0.0.1:5432/belf_seed_auth \
#   TODO_DB=postgres://postgres@127.0.0.1:5432/belf_seed_todo SCALE=1 scripts/seed.sh
#   AUTH_DB='sqlite:///tmp/seed/auth.db?mode=rwc' TODO_DB='sqlite:///tmp/seed/todo.db?mode=rwc' SCALE=0.1 scripts/seed.sh
#
# At SCALE=1: 1,000,000 users, 100,000 clients, 10,000,000 refresh-token grants; 1,000,000
# courses, 10,000,000 todos, 50,000,000 done entries. The issue asks for SCALE=1 on
# PostgreSQL and 0.1 on SQLite. Disk: see BENCHMARKS.md (bytes per row) before SCALE=1.
#
# The schema comes from `belf` itself (the CLI and the todo service apply their migrations),
# and one template user and client are made through the CLI, so every seeded row has the
# columns and encodings the code writes; the rest is cloned from them by generate_series
# (PostgreSQL) or a recursive CTE (SQLite). Every seeded user's password is
# `seeded-password-1` (one Argon2id hash for all: hashing a million would take hours).
# Seeded ids start with `seed-`, so a second run first deletes the previous seed.
#
# Environment: AUTH_DB, TODO_DB (required), SCALE (1), BELF (path to the binary; default
# target/release/belf, else target/debug/belf).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AUTH_DB:?set AUTH_DB (sqlite:///path or postgres://...)}"
: "${TODO_DB:?set TODO_DB (sqlite:///path or postgres://...)}"
SCALE=${SCALE:-1}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
BELF=${BELF:-}
if [ -z "$BELF" ]; then
  if [ -x "$TARGET/release/belf" ]; then BELF=$TARGET/release/belf; else BELF=$TARGET/debug/belf; fi
fi
[ -x "$BELF" ] || { echo "no belf binary at $BELF (cargo build --release)" >&2; exit 1; }

n() { python3 -c "import sys; print(max(1, int(float(sys.argv[1]) * $SCALE)))" "$1"; }
USERS=$(n 1000000); CLIENTS=$(n 100000); GRANTS=$(n 10000000)
COURSES=$(n 1000000); TODOS_PER_COURSE=10; DONE_PER_TODO=5

WORK=$(mktemp -d "${TMPDIR:-/tmp}/belf-seed.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export BELF_DATABASE__URL=$AUTH_DB BELF_TODO__DATABASE_URL=$TODO_DB BELF_KEYS__DIR=$WORK/keys
unset BELF_CONFIG BELF_REDIS__URL

for url in "$AUTH_DB" "$TODO_DB"; do
  case $url in
    postgres://*) db=${url##*/}; base=${url%/*}
      psql "$base/postgres" -qAtc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
        psql "$base/postgres" -qc "CREATE DATABASE \"$db\"" ;;
    sqlite://*) f=${url#sqlite://}; mkdir -p "$(dirname "${f%%\?*}")" ;;
    *) echo "unsupported database url: $url" >&2; exit 1 ;;
  esac
done

# sql URL FILE: runs a script against either kind of database.
sql() {
  case $1 in
    postgres://*) psql "$1" -v ON_ERROR_STOP=1 -q -f "$2" ;;
    sqlite://*) f=${1#sqlite://}; sqlite3 -bail "${f%%\?*}" < "$2" ;;
  esac
}
# series URL N: a row source `seq(g)` of 1..N for this dialect.
series() {
  case $1 in
    postgres://*) echo "(SELECT generate_series(1, $2) AS g) AS seq" ;;
    sqlite://*) echo "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $2) SELECT g FROM s) AS seq" ;;
  esac
}
hex() { case $1 in postgres://*) echo "md5($2::text)" ;; sqlite://*) echo "printf('%032x', $2)" ;; esac; }

echo "== schema and templates (through belf)"
"$BELF" user add --username seed-template --email seed-template@example.test \
  --password-stdin --json <<< "seeded-password-1" > /dev/null 2>&1 ||
  echo "(template user exists)"
"$BELF" client list --json | grep -q '"Seed template"' ||
"$BELF" client add --name "Seed template" --redirect-uri https://rp.example.test/cb \
  --grant-type authorization_code --grant-type refresh_token --json > /dev/null
# The todo service migrates its database at start; it is stopped as soon as it listens.
BELF_TODO__BIND=127.0.0.1:0 BELF_TODO__ISSUER=http://127.0.0.1:9 "$BELF" serve todo \
  > "$WORK/todo.log" 2>&1 & TODO_PID=$!
for _ in $(seq 200); do grep -q "listening\|Belf todo" "$WORK/todo.log" && break; sleep 0.1; done
kill "$TODO_PID" 2>/dev/null; wait "$TODO_PID" 2>/dev/null || true

NOW=$(date +%s)
echo "== identity server: $USERS users, $CLIENTS clients, $GRANTS refresh-token grants"
cat > "$WORK/auth.sql" <<SQL
DELETE FROM refresh_tokens WHERE token_hash LIKE 'seed-%';
DELETE FROM clients WHERE client_id LIKE 'seed-%' AND client_id <> 'seed-template';
DELETE FROM users WHERE user_id LIKE 'seed-%';
INSERT INTO users (user_id, username, username_lower, email, email_verified, name, password_hash,
                   disabled, created_at, updated_at, sessions_not_before)
SELECT 'seed-u' || g, 'seeduser' || g, 'seeduser' || g, 'seeduser' || g || '@example.test', 1,
       'Seed User ' || g, t.password_hash, 0, $NOW, $NOW, 0
FROM $(series "$AUTH_DB" "$USERS"), (SELECT password_hash FROM users WHERE username_lower = 'seed-template') t;
INSERT INTO clients (client_id, name, secret_hash, redirect_uris, post_logout_redirect_uris,
                     grant_types, scopes, access_token_alg, created_at)
SELECT 'seed-c' || g, 'Seed client ' || g, t.secret_hash, t.redirect_uris, t.post_logout_redirect_uris,
       t.grant_types, t.scopes, t.access_token_alg, $NOW
FROM $(series "$AUTH_DB" "$CLIENTS"),
     (SELECT * FROM clients WHERE name = 'Seed template' ORDER BY created_at LIMIT 1) t;
-- One grant family per token; a tenth already expired (what the purge must keep up with).
INSERT INTO refresh_tokens (token_hash, family_id, client_id, user_id, scopes, auth_time,
                            issued_at, expires_at)
SELECT 'seed-' || $(hex "$AUTH_DB" g), 'seed-f' || g, 'seed-c' || (1 + g % $CLIENTS),
       'seed-u' || (1 + g % $USERS), 'openid offline_access', $NOW, $NOW,
       CASE WHEN g % 10 = 0 THEN $NOW - 60 ELSE $NOW + 2592000 END
FROM $(series "$AUTH_DB" "$GRANTS");
SQL
time sql "$AUTH_DB" "$WORK/auth.sql"

echo "== todo service: $COURSES courses, $((COURSES * TODOS_PER_COURSE)) todos, $((COURSES * TODOS_PER_COURSE * DONE_PER_TODO)) done entries"
TODOS=$((COURSES * TODOS_PER_COURSE)); DONES=$((TODOS * DONE_PER_TODO))
cat > "$WORK/todo.sql" <<SQL
DELETE FROM done_log WHERE id LIKE 'seed-%';
DELETE FROM todos WHERE id LIKE 'seed-%';
DELETE FROM course_tags WHERE course_id LIKE 'seed-%';
DELETE FROM likes WHERE course_id LIKE 'seed-%';
DELETE FROM courses WHERE id LIKE 'seed-%';
DELETE FROM profiles WHERE user_id LIKE 'seed-%';
INSERT INTO profiles (user_id, display_name, updated_at)
SELECT 'seed-u' || g, 'Seed User ' || g, $NOW FROM $(series "$TODO_DB" "$USERS");
-- Every course has one of five topics in its title and a tag; nine in ten are public.
INSERT INTO courses (id, owner, title, explanation, colour, start_date, end_date, is_public,
                     forked_from, created_at, updated_at, like_count, fork_count)
SELECT 'seed-c' || g, 'seed-u' || (1 + g % $USERS),
       'Course ' || g || ' of ' || CASE g % 5 WHEN 0 THEN 'running' WHEN 1 THEN 'reading'
         WHEN 2 THEN 'piano' WHEN 3 THEN 'coding' ELSE 'yoga' END,
       'Seeded course number ' || g, 'blue', '2026-01-01', NULL,
       CASE WHEN g % 10 = 0 THEN 0 ELSE 1 END, NULL, g, g, ((g % 1000) * 7919) % 1000, ((g % 50) * 7) % 50
FROM $(series "$TODO_DB" "$COURSES");
INSERT INTO course_tags (course_id, tag)
SELECT 'seed-c' || g, CASE g % 5 WHEN 0 THEN 'running' WHEN 1 THEN 'reading'
         WHEN 2 THEN 'piano' WHEN 3 THEN 'coding' ELSE 'yoga' END
FROM $(series "$TODO_DB" "$COURSES");
INSERT INTO todos (id, course_id, title, explanation, active_date, recurrence, deleted_at,
                   created_at, updated_at)
SELECT 'seed-t' || g, 'seed-c' || (1 + (g - 1) / $TODOS_PER_COURSE), 'Todo ' || g, '',
       '2026-01-01', 'weekly:mon,wed,fri', NULL, g, g
FROM $(series "$TODO_DB" "$TODOS");
-- Done entries on consecutive days per todo (the (todo_id, day) pair is unique).
INSERT INTO done_log (id, todo_id, course_id, owner, day, title, content, created_at)
SELECT 'seed-d' || g, 'seed-t' || (1 + (g - 1) / $DONE_PER_TODO),
       'seed-c' || (1 + (g - 1) / ($DONE_PER_TODO * $TODOS_PER_COURSE)),
       'seed-u' || (1 + ((g - 1) / ($DONE_PER_TODO * $TODOS_PER_COURSE) + 1) % $USERS),
       '2026-01-' || CASE WHEN (g - 1) % $DONE_PER_TODO < 9 THEN '0' ELSE '' END || (1 + (g - 1) % $DONE_PER_TODO),
       'Todo', '', g
FROM $(series "$TODO_DB" "$DONES");
SQL
time sql "$TODO_DB" "$WORK/todo.sql"
case $AUTH_DB in postgres://*) psql "$AUTH_DB" -qc "ANALYZE" ;; esac
case $TODO_DB in postgres://*) psql "$TODO_DB" -qc "ANALYZE" ;; esac
echo "seeded (SCALE=$SCALE)"
