#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine with Python 3.11+, then run it.
# Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m uv --version >/dev/null 2>&1 && ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi
UV="uv"; command -v uv >/dev/null 2>&1 || UV="python3 -m uv"

# System packages: Java for the PySpark tests, Chromium for the report's browser tests.
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
if [ -x scripts/install-browser.sh ]; then
  scripts/install-browser.sh
fi
export TIERWISE_TEST_PG_URL="${TIERWISE_TEST_PG_URL:-$(scripts/install-postgres.sh || true)}"

$UV sync --locked --all-extras --quiet
$UV run --locked --all-extras ruff check src tests benchmarks
$UV run --locked --all-extras ruff format --check src tests benchmarks
$UV run --locked --all-extras mypy
exec $UV run --locked --all-extras pytest "$@"
