#!/usr/bin/env bash
# The issue-12 comparison: builds release and runs crates/flowlink/benches/compare.rs, which
# starts the real server on 127.0.0.1 (SQLite; PostgreSQL too when FLOWLINK_TEST_DATABASE_URL
# is set) and prints, from one run, the seeds' loop against bulk and per-flow link, GET against
# a hello-world axum handler, executions/s, tokens/s and PostgreSQL/SQLite, each as a ratio.
# FLOWLINK_BENCH_FLOWS (default 1000) and FLOWLINK_BENCH_SECONDS (per rate, default 3).
# The rates are driven by wrk (issue 12's load generator, installed here from Debian's packages
# when missing); without it the bench falls back to loops in its own process and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null && command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get install -y wrk >/dev/null 2>&1 ||
    { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y wrk >/dev/null 2>&1; } ||
    echo "bench.sh: could not install wrk; rates will use the in-process load generator" >&2
fi
# Reuse a cargo target dir outside the clone when one exists (as scripts/test.sh does).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowlink/target}"
exec cargo bench -p flowlink --bench compare "$@"
