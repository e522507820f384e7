"""How the user can run tierwise again from where they are, for commands the CLI prints.

A printed next step must work when pasted into the same shell: ``tierwise`` only when that
name on PATH is this very command; ``uv run tierwise`` inside ``uv run``; otherwise the path
the user ran (``.venv/bin/tierwise`` from the checkout) or ``python -m tierwise``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path


def _same_file(a: str | None, b: str | None) -> bool:
    try:
        return a is not None and b is not None and os.path.samefile(a, b)
    except OSError:
        return False


def _as_typed(path: str) -> str:
    """``path`` relative to the working folder when it lies inside it, else absolute."""
    absolute = Path(path).absolute()
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return shlex.quote(str(absolute))
    return shlex.quote(str(relative) if relative.parent != Path() else f"./{relative}")


def how_to_run(argv0: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The shell words that run this tierwise again, from the current folder."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    env = os.environ if environ is None else environ
    name = Path(argv0).name
    if name == "__main__.py":  # python -m tierwise
        return f"{_as_typed(sys.executable)} -m tierwise"
    if not name.startswith("tierwise"):  # embedded (tests, notebooks): the documented name
        return "tierwise"
    venv = env.get("VIRTUAL_ENV")
    uv = env.get("UV")
    if uv and venv and Path(argv0).absolute().is_relative_to(Path(venv).absolute()):
        # inside `uv run`: the venv's bin folder is on PATH only until uv returns
        on_path = _same_file(shutil.which("uv", path=env.get("PATH")), uv)
        return f"{'uv' if on_path else _as_typed(uv)} run tierwise"
    if _same_file(shutil.which("tierwise", path=env.get("PATH")), argv0):
        return "tierwise"
    return _as_typed(argv0)
