#!/usr/bin/env bash
# Put the `tierwise` command on PATH, for use from any folder, for this user, without root.
# It is `uv tool install` of this checkout (uv keeps it in its own environment under
# ~/.local/share/uv/tools and links the command into ~/.local/bin), with the dependency
# versions of uv.lock, compiled to bytecode. Run it again after pulling to update;
# `uv tool uninstall tierwise` removes it. Extra arguments go to `uv tool install`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

python="$(find_python)"
uv="$(find_uv "$python")"
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
"$uv" export --locked --extra web --no-emit-project --no-hashes --quiet --output-file "$constraints"
"$uv" tool install --force --reinstall-package tierwise --compile-bytecode --quiet \
  --python "$python" --constraints "$constraints" "$@" ".[web]"

bin_dir="$("$uv" tool dir --bin)"
if [ "$(command -v tierwise 2>/dev/null)" = "$bin_dir/tierwise" ]; then
  echo "tierwise is installed: run \`tierwise demo\` from any folder."
else
  echo "tierwise is installed as $bin_dir/tierwise; that folder is not first on your PATH."
  echo "Add it for new shells with \`$uv tool update-shell\`, or now with:"
  echo "  export PATH=\"$bin_dir:\$PATH\""
fi
