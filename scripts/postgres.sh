#!/usr/bin/env bash
# Starts (or reuses) a throw-away PostgreSQL server for flowlink's tests, listening only on
# 127.0.0.1, and prints the URL to use as FLOWLINK_TEST_DATABASE_URL on stdout (its only stdout
# line; progress goes to stderr), so callers can write:
#
#   export FLOWLINK_TEST_DATABASE_URL="$(scripts/postgres.sh)"
#
#   scripts/postgres.sh          start or reuse the server, print its URL
#   scripts/postgres.sh stop     stop it (the data directory is kept)
#   scripts/postgres.sh status   print the URL if it is running, exit 1 if not
#
# Data lives in ${FLOWLINK_PG_DIR:-$HOME/.cache/flowlink/pg}. The first free port from
# ${FLOWLINK_PG_PORT:-55432} upwards is used and remembered there. PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user (created by Debian's packages, which
# are installed with apt-get when no PostgreSQL binaries are found).
set -euo pipefail

BASE="${FLOWLINK_PG_DIR:-$HOME/.cache/flowlink/pg}"
DATA="$BASE/data"
PORT_FILE="$BASE/port"
LOG="$BASE/postgres.log"
USER_NAME=flowlink
# A fixed password: the server only listens on loopback and holds test data only.
PASSWORD=flowlink
DB_NAME=flowlink

say() { echo "postgres.sh: $*" >&2; }

find_bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
    echo "$d"
    return
  fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
  fi
}

BIN="$(find_bin_dir)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "no PostgreSQL binaries found (initdb, pg_ctl); install Debian's 'postgresql' package"
    exit 2
  fi
  say "installing PostgreSQL from Debian's packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BIN="$(find_bin_dir)"
  [ -n "$BIN" ] || { say "PostgreSQL installed but initdb/pg_ctl not found"; exit 2; }
fi

# As root every server command runs as `postgres`, which must be able to reach the data dir.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

url_for() { echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:$1/$DB_NAME"; }

running_port() {
  [ -f "$PORT_FILE" ] && [ -f "$DATA/postmaster.pid" ] || return 1
  as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
  local port
  port="$(cat "$PORT_FILE")"
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 5 || return 1
  echo "$port"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "${1:-start}" in
  stop)
    if [ -f "$DATA/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
    else
      say "not running"
    fi
    exit 0
    ;;
  status)
    port="$(running_port)" || { say "not running"; exit 1; }
    url_for "$port"
    exit 0
    ;;
  start) ;;
  *)
    say "unknown command '$1' (use: start, stop, status)"
    exit 2
    ;;
esac

if port="$(running_port)"; then
  say "reusing the server on 127.0.0.1:$port ($DATA)"
  url_for "$port"
  exit 0
fi

mkdir -p "$BASE"
if [ "$(id -u)" -eq 0 ]; then
  # Let `postgres` traverse (not list) the directories above the data dir, e.g. /root.
  d="$BASE"
  while [ "$d" != "/" ]; do
    chmod o+x "$d"
    d="$(dirname "$d")"
  done
  chown postgres: "$BASE"
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  say "initdb $DATA"
  pwfile="$(mktemp)"
  echo "$PASSWORD" >"$pwfile"
  chmod 644 "$pwfile"
  as_owner "$BIN/initdb" -D "$DATA" -U "$USER_NAME" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2 ||
    as_owner "$BIN/initdb" -D "$DATA" -U "$USER_NAME" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >&2
  rm -f "$pwfile"
fi

port="${FLOWLINK_PG_PORT:-55432}"
while port_in_use "$port"; do
  port=$((port + 1))
  [ "$port" -lt 65535 ] || { say "no free port found"; exit 2; }
done
echo "$port" >"$PORT_FILE"

say "starting PostgreSQL ($BIN) on 127.0.0.1:$port, log $LOG"
touch "$LOG"
[ "$(id -u)" -ne 0 ] || chown postgres: "$LOG" "$PORT_FILE"
# Stale pid file from a killed server: pg_ctl handles it, but only if the process is gone.
as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$DATA' -c max_connections=300" >&2 ||
  { say "server failed to start; last log lines:"; tail -n 20 "$LOG" >&2; exit 2; }

if ! PGPASSWORD="$PASSWORD" "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$USER_NAME" -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  PGPASSWORD="$PASSWORD" "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$USER_NAME" "$DB_NAME" >&2
fi
url_for "$port"
