#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine with Python 3.11+, then run it.
# Safe to run again: each step skips what is already there. Arguments go to pytest.
# Root only (it uses apt-get; or sudo): Java for the PySpark tests, Chromium for the browser
# tests and a user account for the Quick start test. Without root those tests skip, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

python="$(find_python)"
UV="$(find_uv "$python")"

# System packages: Java for the PySpark tests, Chromium for the report's browser tests.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
fi
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
if [ "$SUDO" = "none" ]; then
  echo "test.sh: not root and no sudo: system packages not installed (${need_apt[*]:-} chromium);" \
       "the tests that need them skip" >&2
else
  if [ ${#need_apt[@]} -gt 0 ]; then
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
  fi
  $SUDO scripts/install-browser.sh
fi
export TIERWISE_TEST_PG_URL="${TIERWISE_TEST_PG_URL:-$(scripts/install-postgres.sh || true)}"

"$UV" sync --locked --all-extras --compile-bytecode --quiet --python "$python"
"$UV" run --locked --all-extras ruff check src tests benchmarks
"$UV" run --locked --all-extras ruff format --check src tests benchmarks
"$UV" run --locked --all-extras mypy
# One test file per core at once (at most 4), each file whole in one process so
# that its module fixtures are built once; `-n 0` among the arguments runs them one by one.
exec "$UV" run --locked --all-extras pytest -n auto --maxprocesses 4 --dist loadfile "$@"
