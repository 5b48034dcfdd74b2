#!/usr/bin/env bash
# Load test: a clinic morning against gunicorn on 127.0.0.1, on SQLite or PostgreSQL, bounded in
# time and requests; then every confirmed write is checked in the database (loadtest/verify.py).
#
#   loadtest/run.sh sqlite|postgresql [users] [duration] [max requests]
#   e.g. loadtest/run.sh sqlite 30 60s 20000
#
# Capacity mode: loadtest/run.sh postgresql capacity [step duration]
#   raises the users step by step (LOADTEST_STEPS, think times × LOADTEST_THINK=0.25) until the p95
#   passes 500 ms or a request fails, then prints the highest sustained requests per second with its
#   p50/p95/p99 and the peak memory of each gunicorn worker (figures per step in
#   loadtest/out/<db>_capacity.jsonl).
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
rm -f "$LOADTEST_OUT"/seed.json "$LOADTEST_OUT"/confirmed.json "$LOADTEST_OUT"/logins.json "$LOADTEST_OUT"/next_week
PY=${LOADTEST_PYTHON:-.venv/bin/python}  # e.g. the interpreter of another checkout's venv
export PATH="$(cd "$(dirname "$PY")" && pwd):$PATH"

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

if [ "$USERS" = capacity ]; then
  STEP_TIME=${3:-60s}
  export LOADTEST_THINK=${LOADTEST_THINK:-0.25}
  RESULTS="$LOADTEST_OUT/${DB_KIND}_capacity.jsonl"
  : > "$RESULTS"
  BEST="" ; OFFSET=0
  echo "== capacity: steps of $STEP_TIME, think times × $LOADTEST_THINK, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for U in ${LOADTEST_STEPS:-5 10 20 30 40 60 80 120 160}; do
    PREFIX="$LOADTEST_OUT/${DB_KIND}_capacity_$U"
    rm -f "$PREFIX".rss "$LOADTEST_OUT/logins.json"
    # The resident memory of each worker (children of the gunicorn master), once a second.
    ( while kill -0 "$GUNICORN_PID" 2>/dev/null; do
        for W in $(pgrep -P "$GUNICORN_PID"); do echo "$W $(ps -o rss= -p "$W" 2>/dev/null || echo 0)"; done >> "$PREFIX.rss"
        sleep 1
      done ) &
    SAMPLER=$!
    set +e
    LOADTEST_WEEK_OFFSET=$OFFSET LOADTEST_MAX_REQUESTS=1000000 locust -f loadtest/locustfile.py --headless \
      --host "http://127.0.0.1:$PORT" -u "$U" -r "$U" -t "$STEP_TIME" --stop-timeout 10 --csv "$PREFIX" \
      --only-summary --loglevel ERROR > "$PREFIX.log" 2>&1
    set -e
    kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
    # The next step books from the week after the last one used (bookings reach at most two years ahead).
    OFFSET=$(cat "$LOADTEST_OUT/next_week" 2>/dev/null || echo $(( OFFSET + 10 )))
    LINE=$("$PY" loadtest/capacity.py "$PREFIX" "$PREFIX.rss")
    LINE="{\"users\": $U, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", ${LINE#\{}"
    echo "$LINE" | tee -a "$RESULTS"
    if "$PY" -c "import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if s['p95_ms'] <= 500 and s['failures'] == 0 and s['requests'] > 0 else 1)" "$LINE"; then
      BEST=$LINE
    else
      break
    fi
    if [ "$OFFSET" -gt 95 ]; then
      echo "== stopping: the next step would book more than two years ahead, which the app refuses"
      break
    fi
  done
  echo "== highest sustained step (p95 <= 500 ms, no failure):"
  echo "${BEST:-none: the first step already missed}"
  exit 0
fi

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
