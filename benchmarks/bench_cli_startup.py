"""Benchmark: how fast the ``tierwise`` command answers before it does any work.

``tierwise --help``, ``--version`` and argument errors should answer at once, whatever
the command would import to do its work. Each case runs in a fresh child process (the
way a user runs it), several times, interleaved with two baselines measured in the same
run: ``python -c pass`` (the interpreter alone) and ``python -c "import typer"`` (the
CLI framework alone). Figures are medians of wall time and of CPU time (user + system of
the child); the ratios to the baselines use CPU time, which waiting for a busy machine's
cores does not inflate.

Two bytecode states are measured, each with its own empty ``PYTHONPYCACHEPREFIX``:

- **compiled**: ``.pyc`` files exist (a first run wrote them, or the install compiled
  them: ``uv sync --compile-bytecode``, ``uv tool install --compile-bytecode``, pip);
- **not compiled**: every run compiles every module it imports from source, as after a
  plain ``uv sync`` when the environment cannot or may not write ``.pyc`` files
  (``PYTHONDONTWRITEBYTECODE=1``, a read-only install).

    uv run python benchmarks/bench_cli_startup.py              # 7 runs of each case
    uv run python benchmarks/bench_cli_startup.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("duckdb", "ibis", "pandas", "scipy", "altair", "numpy", "pyarrow", "sqlalchemy")


def _tierwise() -> list[str]:
    """The installed ``tierwise`` script run by this interpreter, as a user's shell would."""
    script = Path(sys.executable).parent / "tierwise"
    return [sys.executable, str(script)] if script.is_file() else [sys.executable, "-m", "tierwise"]


def _cases() -> dict[str, list[str]]:
    tw = _tierwise()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "tierwise --help": [*tw, "--help"],
        "tierwise --version": [*tw, "--version"],
        "tierwise analyze (missing argument)": [*tw, "analyze"],
        "tierwise analyze BOOK --bogus": [*tw, "analyze", "BOOK", "--bogus"],
        "tierwise analyze --help": [*tw, "analyze", "--help"],
    }


def _time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def _measure(runs: int, compiled: bool) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each case."""
    cases = _cases()
    with tempfile.TemporaryDirectory(prefix="tierwise-pycache-") as prefix:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": prefix, "COLUMNS": "100"}
        if compiled:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            for argv in cases.values():  # the first run of each case writes its .pyc files
                _time_once(argv, env)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, so load changes hit every case alike
            for name, argv in cases.items():
                times[name].append(_time_once(argv, env))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in times.items()
    }


def _heavy_modules_on_help() -> list[str]:
    code = (
        "import sys\nfrom tierwise.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"heavy = {{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})\n"
        "print('HEAVY:' + ' '.join(sorted(heavy)), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stderr.rsplit("HEAVY:", 1)[1].split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each case per state")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {load:.2f}")
    print(f"heavy modules imported by --help: {', '.join(_heavy_modules_on_help()) or 'none'}")
    for compiled in (True, False):
        medians = _measure(args.runs, compiled)
        bare = medians["python -c pass"][1]
        typer_only = medians["python -c 'import typer'"][1]
        state = "compiled" if compiled else "not compiled"
        print(f"\n{state} (median of {args.runs})")
        print("| case | wall s | CPU s | CPU × python | CPU × import typer |")
        print("|---|---|---|---|---|")
        for name, (wall, cpu) in medians.items():
            ratios = f"{cpu / bare:.1f} | {cpu / typer_only:.2f}"
            print(f"| {name} | {wall:.3f} | {cpu:.3f} | {ratios} |")


if __name__ == "__main__":
    main()
