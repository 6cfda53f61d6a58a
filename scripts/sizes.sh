#!/usr/bin/env bash
# Bytes on disk per row of every table (issue 15), with its indexes (and TOAST on
# PostgreSQL): run after scripts/seed.sh on the same databases.
#
#   AUTH_DB=postgres://postgres@127.0.0.1:5432/belf_seed_auth \
#   TODO_DB=postgres://postgres@127.0.0.1:5432/belf_seed_todo scripts/sizes.sh
#   AUTH_DB='sqlite:///tmp/seed/auth.db?mode=rwc' TODO_DB='sqlite:///tmp/seed/todo.db?mode=rwc' scripts/sizes.sh
#
# PostgreSQL: pg_total_relation_size(table) (heap + indexes + TOAST, after VACUUM so the
# visibility map and free space map exist as they would in a running database) ÷ rows.
# SQLite: the pages of the table's b-tree and of each of its indexes (the dbstat virtual
# table) ÷ rows; the file also holds free pages, counted in no table.
# Prints a markdown table: table | rows | bytes | bytes/row.
set -euo pipefail
: "${AUTH_DB:?set AUTH_DB (sqlite:///path or postgres://...)}"
: "${TODO_DB:?set TODO_DB (sqlite:///path or postgres://...)}"

sizes() { # $1: database URL, $2: label
  echo
  echo "$2 ($1)"
  echo
  echo "| table | rows | bytes (with indexes) | bytes/row |"
  echo "|:---|---:|---:|---:|"
  case $1 in
    postgres://*)
      psql "$1" -qc "VACUUM" >/dev/null
      for t in $(psql "$1" -qAtc "SELECT tablename FROM pg_tables WHERE schemaname = 'public' \
          AND tablename NOT LIKE '\_sqlx%' ORDER BY tablename"); do
        psql "$1" -qAtF ' ' -c "SELECT COUNT(*), pg_total_relation_size('$t') FROM $t" |
          awk -v t="$t" '{printf "| %s | %d | %d | %s |\n", t, $1, $2, ($1 > 0 ? sprintf("%.0f", $2 / $1) : "-")}'
      done ;;
    sqlite://*)
      f=${1#sqlite://}; f=${f%%\?*}
      for t in $(sqlite3 "$f" "SELECT name FROM sqlite_master WHERE type = 'table' \
          AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\_sqlx%' ESCAPE '\\' ORDER BY name"); do
        sqlite3 -separator ' ' "$f" "SELECT (SELECT COUNT(*) FROM \"$t\"), \
            (SELECT SUM(pgsize) FROM dbstat WHERE name IN \
              (SELECT name FROM sqlite_master WHERE tbl_name = '$t'))" |
          awk -v t="$t" '{printf "| %s | %d | %d | %s |\n", t, $1, $2, ($1 > 0 ? sprintf("%.0f", $2 / $1) : "-")}'
      done
      echo
      echo "file: $(stat -c %s "$f") bytes" ;;
    *) echo "unsupported database url: $1" >&2; exit 1 ;;
  esac
}

sizes "$AUTH_DB" "identity server"
sizes "$TODO_DB" "todo service"
