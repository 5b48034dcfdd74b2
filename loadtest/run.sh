#!/usr/bin/env bash
# Load test: a clinic morning against gunicorn on 127.0.0.1, on SQLite or PostgreSQL, bounded in
# time and requests; then every confirmed write is checked in the database (loadtest/verify.py).
#
#   loadtest/run.sh sqlite|postgresql [users] [duration] [max requests]
#   e.g. loadtest/run.sh sqlite 30 60s 20000
#
# Uses throw-away databases only (loadtest/out/loadtest.sqlite3, or clinic_loadtest_<pid> on the
# PostgreSQL server at 127.0.0.1:5432); the development database is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
DB_KIND=${1:-sqlite}
USERS=${2:-30}
DURATION=${3:-60s}
export LOADTEST_MAX_REQUESTS=${4:-20000}
PORT=${LOADTEST_PORT:-8765}
WORKERS=${LOADTEST_WORKERS:-3}
export LOADTEST_OUT="$PWD/loadtest/out"
mkdir -p "$LOADTEST_OUT"
rm -f "$LOADTEST_OUT"/seed.json "$LOADTEST_OUT"/confirmed.json "$LOADTEST_OUT"/logins.json
PY=.venv/bin/python
export PATH="$PWD/.venv/bin:$PATH"

# Production mode, minus what needs a real domain: HTTPS redirect and 2FA (the load users have no
# authenticator; 2FA has its own tests). Mail goes nowhere.
export DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_SSL_REDIRECT=0 REQUIRE_2FA=0
export DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
export DJANGO_STATIC_ROOT="$LOADTEST_OUT/static" DJANGO_LOG_LEVEL=WARNING
unset DATABASE_URL SQLITE_PATH || true

case "$DB_KIND" in
  sqlite)
    export SQLITE_PATH="$LOADTEST_OUT/loadtest.sqlite3"
    rm -f "$SQLITE_PATH" "$SQLITE_PATH-wal" "$SQLITE_PATH-shm"
    cleanup_db() { rm -f "$SQLITE_PATH" "$SQLITE_PATH-wal" "$SQLITE_PATH-shm"; }
    ;;
  postgresql|postgres)
    DB_KIND=postgresql
    DBNAME="clinic_loadtest_$$"
    "$PY" -c "import psycopg; psycopg.connect('host=127.0.0.1 user=postgres dbname=postgres', autocommit=True).execute('CREATE DATABASE $DBNAME')"
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DBNAME"
    # Each gunicorn worker keeps its own psycopg pool; WORKERS × DB_POOL_MAX must stay under max_connections.
    export DB_POOL_MIN=${DB_POOL_MIN:-2} DB_POOL_MAX=${DB_POOL_MAX:-4}
    cleanup_db() { "$PY" -c "import psycopg; psycopg.connect('host=127.0.0.1 user=postgres dbname=postgres', autocommit=True).execute('DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)')"; }
    ;;
  *) echo "usage: loadtest/run.sh sqlite|postgresql [users] [duration] [max requests]" >&2; exit 2 ;;
esac

GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  if [ -z "${LOADTEST_KEEP:-}" ]; then cleanup_db; fi
}
trap cleanup EXIT

echo "== $DB_KIND: migrate, collectstatic, seed"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0
"$PY" loadtest/seed.py

echo "== gunicorn on 127.0.0.1:$PORT with $WORKERS workers"
gunicorn clinic.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 60 \
  --log-level warning --error-logfile "$LOADTEST_OUT/${DB_KIND}_gunicorn.log" &
GUNICORN_PID=$!
for _ in $(seq 1 50); do
  if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1)" 2>/dev/null; then break; fi
  sleep 0.2
done

echo "== locust: $USERS users, at most $DURATION and $LOADTEST_MAX_REQUESTS requests"
set +e
locust -f loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" -u "$USERS" -r "${LOADTEST_SPAWN_RATE:-2}" \
  -t "$DURATION" --stop-timeout 10 --csv "$LOADTEST_OUT/$DB_KIND" --only-summary --loglevel WARNING
LOCUST_RC=$?
set -e
# Let gunicorn finish what it was doing before counting.
kill "$GUNICORN_PID"; wait "$GUNICORN_PID" 2>/dev/null || true; GUNICORN_PID=""

echo "== verify: every confirmed write stored, no overlaps, no failures"
"$PY" loadtest/verify.py "$DB_KIND"
VERIFY_RC=$?
exit $(( LOCUST_RC != 0 ? LOCUST_RC : VERIFY_RC ))
