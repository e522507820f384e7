# Shared by the scripts: find a Python 3.11+ and a uv. Source it; needs bash.

# The first Python 3.11 or newer among $PYTHON, python3, python3.14 .. python3.11, python.
find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 python3.14 python3.13 python3.12 python3.11 python; do
    # the interpreter itself, not a launcher such as a pyenv shim: given a shim, uv would
    # rebuild .venv on every run
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  echo "tierwise needs Python 3.11 or newer, and none was found on PATH." >&2
  echo "On Debian 12 or Ubuntu 24.04, as root: apt-get install python3 ca-certificates" >&2
  echo "Elsewhere: install one from https://www.python.org, or set PYTHON=/path/to/python3.11" >&2
  return 1
}

# A usable uv (scripts/get-uv.py downloads one into ~/.local/bin when there is none).
find_uv() {
  "$1" "$(dirname "${BASH_SOURCE[0]}")/get-uv.py"
}
