#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for the test suite and print its URL.
# Usage: eval "$(bash .ci/pg.sh start)"   …   bash .ci/pg.sh stop
set -euo pipefail
PGPORT=${SAFELOOP_TEST_PGPORT:-55432}
PGDATA=${SAFELOOP_TEST_PGDATA:-/tmp/safeloop-test-pg}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$BIN" ] || { echo "PostgreSQL 未安装" >&2; exit 1; }
run_as() { if [ "$(id -u)" = "0" ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "${1:-start}" in
  start)
    if [ "$(id -u)" = "0" ]; then id postgres >/dev/null 2>&1 || useradd -m postgres; fi
    run_as "'$BIN/pg_ctl' -D '$PGDATA' stop -m immediate" >/dev/null 2>&1 || true
    rm -rf "$PGDATA"; mkdir -p "$PGDATA"
    [ "$(id -u)" = "0" ] && chown postgres "$PGDATA"
    run_as "'$BIN/initdb' -D '$PGDATA' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
    run_as "'$BIN/pg_ctl' -D '$PGDATA' -w -l '$PGDATA/server.log' -o \"-h 127.0.0.1 -p $PGPORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100\" start" >/dev/null
    "$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE safeloop_test" >/dev/null
    echo "export TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$PGPORT/safeloop_test"
    ;;
  stop)
    run_as "'$BIN/pg_ctl' -D '$PGDATA' stop -m fast" >/dev/null 2>&1 || true
    ;;
esac
