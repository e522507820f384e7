#!/usr/bin/env bash
# Install tierwise from this checkout into .venv, for this user, without root:
#   1. find a Python 3.11+ (scripts/lib.sh: $PYTHON, else python3 ... on PATH);
#   2. find uv, or download it into ~/.local/bin (scripts/get-uv.py: standard library only,
#      so it works with Debian's own python3, which has neither pip nor venv by default);
#   3. install the locked dependencies and tierwise into .venv, compiled to bytecode
#      (so that every command starts without compiling its imports).
# Then run `.venv/bin/tierwise demo`. Extra arguments go to `uv sync` (e.g. --all-extras).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

python="$(find_python)"
uv="$(find_uv "$python")"
"$uv" sync --locked --extra web --python "$python" --compile-bytecode --quiet "$@"
echo "tierwise is installed in $(pwd)/.venv (Python $("$python" -c 'import platform; print(platform.python_version())'), uv at $uv)."
echo "Run it as .venv/bin/tierwise; scripts/install.sh puts it on PATH for use anywhere."
