"""The whole `tierwise analyze` (book -> run folder with its report), stage by stage.

The analysis runs as the CLI in a child process (so its peak memory is its own); with
``--memory`` it runs once more in a child that samples its resident memory every 0.1 s
and reports the peak of each stage, to show what holds memory. Then a baseline runs in
this process on the same files: the bare per-customer aggregate of
bench_facts.py (one DuckDB query over the transaction files, no checks). Machines are
shared and noisy; the ratio of the whole run to that query, measured minutes apart, is
the figure to compare between runs and machines.

    uv run python benchmarks/bench_analyze.py                      # 20k customers
    uv run python benchmarks/bench_analyze.py --book DIR           # a generated book
    uv run python benchmarks/bench_analyze.py --customers 1000000  # 102M lines, ~4 min to generate
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_facts import BARE_LINES, _baseline

from tierwise.demo import generate_book
from tierwise.window import Window


def _analyze(book: Path, out: Path, engine: str | None) -> tuple[float, float, dict[str, float]]:
    """Wall seconds, peak RSS (GB) and run.json's stage timings of one CLI analysis."""
    command = [sys.executable, "-m", "tierwise", "analyze", str(book), "--out", str(out)]
    if engine:
        command += ["--engine", engine]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    run = json.loads((out / "run.json").read_text())
    return wall, peak_gb, run["timings_seconds"]


def _stage_memory(book: Path, out: Path) -> dict[str, float]:
    """Each stage's peak resident memory (GB), from a child process that samples itself
    (on DuckDB, the embedded engine, whose memory is the process's own)."""
    args = [str(book), str(out)]
    code = (
        "import json, sys; from bench_analyze import _sampled_run; "
        "print(json.dumps(_sampled_run(*sys.argv[1:])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    )
    peaks: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return peaks


def _sampled_run(book: str, out: str) -> dict[str, float]:
    """Analyse and save ``book`` here, noting the peak RSS under each stage's name."""
    import threading

    import tierwise

    page_gb = os.sysconf("SC_PAGE_SIZE") / 1024**3
    current = ["start"]
    peaks: dict[str, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            with open("/proc/self/statm") as statm:  # Linux: size, resident, ... in pages
                rss = int(statm.read().split()[1]) * page_gb
            peaks[current[0]] = max(peaks.get(current[0], 0.0), round(rss, 2))

    class Stages:
        def start(self, total_stages: int) -> None: ...

        def stage(self, name: str) -> None:
            current[0] = name

        def finish(self) -> None:
            current[0] = "write the run folder and report"

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = tierwise.analyze(book, progress=Stages())
    tierwise.save_run(result, out)
    done.set()
    sampler.join()
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--book", type=Path, help="a book folder written by tierwise generate")
    parser.add_argument("--engine", help="the analysis engine (default: DuckDB)")
    parser.add_argument(
        "--memory", action="store_true", help="also each stage's peak memory (a second run)"
    )
    args = parser.parse_args()

    book = args.book or Path(tempfile.mkdtemp(prefix="tierwise-bench-")) / "book"
    if not (book / "transactions").exists():
        started = time.perf_counter()
        generate_book(book, customers=args.customers, seed=1)
        print(f"generated {args.customers:,} customers in {time.perf_counter() - started:.1f} s")

    out = Path(tempfile.mkdtemp(prefix="tierwise-bench-run-")) / "run"
    wall, peak_gb, stages = _analyze(book, out, args.engine)
    run = json.loads((out / "run.json").read_text())
    peaks = _stage_memory(book, out.with_name("run-memory")) if args.memory else {}
    window = Window(
        start=date.fromisoformat(run["window"]["start"]),
        end=date.fromisoformat(run["window"]["end"]),
    )
    files = sorted(str(p) for p in (book / "transactions").glob("*.parquet"))
    _, bare_s = _baseline(BARE_LINES, files, window, date.today())

    print(f"book: {book} ({run['inputs']['transactions']['accepted']:,} transaction lines)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for name, seconds in stages.items():
        peak = f"  peak {peaks[name]:.2f} GB" if name in peaks else ""
        print(f"  {name:<40} {seconds:8.1f} s{peak}")
    writing = peaks.get("write the run folder and report")
    if writing is not None:
        print(f"  {'writing the run folder and report':<40} {'':>8}   peak {writing:.2f} GB")
    print(f"whole analyze (CLI, with the report)       {wall:8.1f} s")
    print(f"peak memory of the analysis (max RSS)      {peak_gb:8.2f} GB")
    print(f"baseline: bare per-customer aggregate      {bare_s:8.1f} s")
    print(f"ratio whole analyze / baseline             {wall / bare_s:8.1f} x")


if __name__ == "__main__":
    main()
