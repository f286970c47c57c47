#!/usr/bin/env bash
# The whole test suite, as README states it. Installs what the tests drive (the official Genesys
# Python and JS SDKs, schemathesis, Chromium and chromedriver) when missing, starts a throw-away PostgreSQL
# (scripts/postgres.sh) unless FLOWLINK_TEST_DATABASE_URL names one, runs every cargo test of the
# workspace (API tests on SQLite; store story, PostgreSQL-only and multi-replica tests on
# PostgreSQL), then runs the API test targets a second time on PostgreSQL
# (FLOWLINK_TEST_BACKEND=postgres). FLOWLINK_SKIP_POSTGRES=1 skips everything PostgreSQL.
# Arguments go to the first `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Reuse a cargo target dir outside the clone when one exists (CI and developers share it).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowlink/target}"
mkdir -p "$CARGO_TARGET_DIR"

if ! python3 -c 'import PureCloudPlatformClientV2' 2>/dev/null; then
  echo "installing the official Genesys Python SDK (tests/sdk/requirements.txt)"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt
fi
if ! python3 -m schemathesis.cli --version >/dev/null 2>&1; then
  echo "installing schemathesis (tests/fuzz/requirements.txt)"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/fuzz/requirements.txt
fi
if [ ! -d tests/sdk/node_modules/purecloud-platform-client-v2 ]; then
  echo "installing the official Genesys JS SDK (tests/sdk/package-lock.json)"
  (cd tests/sdk && npm ci --no-audit --no-fund --silent)
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "installing Chromium and chromedriver (the console's browser tests)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi

if [ -z "${FLOWLINK_TEST_DATABASE_URL:-}" ] && [ "${FLOWLINK_SKIP_POSTGRES:-}" != 1 ]; then
  FLOWLINK_TEST_DATABASE_URL="$(scripts/postgres.sh)"
  export FLOWLINK_TEST_DATABASE_URL
fi

# The fault suite's slowloris holds 2,000 connections with both ends in one process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The fault suite (crates/flowlink/tests/faults) runs here too: its PostgreSQL tests start and
# restart their own throw-away server (initdb, pg_ctl, found like scripts/postgres.sh finds
# them), never the shared one, and its full-disk test mounts a tmpfs (root).
cargo test --workspace --locked "$@"

# The API test targets whose server harness follows FLOWLINK_TEST_BACKEND, again on PostgreSQL,
# each test in a fresh schema.
if [ "${FLOWLINK_SKIP_POSTGRES:-}" != 1 ]; then
  echo "== API tests again on PostgreSQL (FLOWLINK_TEST_BACKEND=postgres)"
  # `--workspace` with `--test` filters builds with the same features as the first pass, so
  # nothing is compiled twice.
  FLOWLINK_TEST_BACKEND=postgres cargo test --workspace --locked \
    --test server --test executions --test hostile --test lifecycle --test official_sdks \
    --test flow_jobs --test abuse --test console \
    --test commands --test concurrency --test deps_and_lifecycle --test link --test rate_limit \
    --test archy --test flow_tests
fi
