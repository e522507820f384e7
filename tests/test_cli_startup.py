"""`tierwise --help`, `--version` and argument errors answer before any heavy library loads.

Each case runs the command in a fresh interpreter and lists the modules it imported: a test
of what is imported, not of time (benchmarks/bench_cli_startup.py measures the time).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The data engine, dataframes, models, charts and storage: seconds of imports between them.
HEAVY = (
    "duckdb",
    "ibis",
    "pandas",
    "numpy",
    "pyarrow",
    "scipy",
    "altair",
    "vl_convert",
    "sqlalchemy",
    "openpyxl",
    "tierwise.pipeline",
    "tierwise.book",
    "tierwise.report",
)

PROBE = """
import json, sys
sys.argv = ["tierwise", *json.loads(sys.argv[1])]
from tierwise.cli import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code
with open(OUT, "w") as fh:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, fh)
"""


def _imports(args: list[str], tmp_path: Path) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    code = PROBE.replace("OUT", repr(str(out)))
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "100"},
    )
    found = json.loads(out.read_text(encoding="utf-8"))
    return found["exit"], set(found["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(h for h in HEAVY if h in modules or any(m.startswith(h + ".") for m in modules))


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["--help"], 0),
        (["--version"], 0),
        (["analyze", "--help"], 0),
        (["policy", "--help"], 0),
        (["agenda", "--help"], 0),
        (["plan", "--help"], 0),
        (["analyze"], 2),  # missing argument
        (["analyze", "book", "--no-such-option"], 2),
        (["no-such-command"], 2),
    ],
)
def test_help_version_and_usage_errors_import_no_heavy_library(
    args: list[str], exit_code: int, tmp_path: Path
) -> None:
    code, modules = _imports(args, tmp_path)
    assert code == exit_code
    assert _heavy(modules) == []


def test_version_and_help_do_not_load_progress_bars(tmp_path: Path) -> None:
    """Progress bars and tables are for commands that work; the cli imports them there."""
    _, on_version = _imports(["--version"], tmp_path)
    assert {"rich.progress", "rich.table"}.isdisjoint(on_version)
    _, on_help = _imports(["--help"], tmp_path)
    assert "rich.progress" not in on_help


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = subprocess.run(
        [sys.executable, "-m", "tierwise", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"tierwise {version('tierwise')}"
