#!/usr/bin/env bash
# The whole test suite, as README states it. Installs what the tests drive (the official Genesys
# Python and JS SDKs) when missing, then runs every cargo test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# Reuse a cargo target dir outside the clone when one exists (CI and developers share it).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowlink/target}"
mkdir -p "$CARGO_TARGET_DIR"

if ! python3 -c 'import PureCloudPlatformClientV2' 2>/dev/null; then
  echo "installing the official Genesys Python SDK (tests/sdk/requirements.txt)"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt
fi
if [ ! -d tests/sdk/node_modules/purecloud-platform-client-v2 ]; then
  echo "installing the official Genesys JS SDK (tests/sdk/package-lock.json)"
  (cd tests/sdk && npm ci --no-audit --no-fund --silent)
fi

if [ -z "${FLOWLINK_TEST_DATABASE_URL:-}" ] && [ "${FLOWLINK_SKIP_POSTGRES:-}" != 1 ]; then
  FLOWLINK_TEST_DATABASE_URL="$(scripts/postgres.sh)"
  export FLOWLINK_TEST_DATABASE_URL
fi

cargo test --workspace --locked "$@"
