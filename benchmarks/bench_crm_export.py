"""Benchmark: the CRM write-back file (`tierwise export`) against writing the scorecard as CSV.

A synthetic scorecard of N accounts (and a previous one with a tenth of them changed) is
written as Parquet. Three cases, each the median of a few runs, in the same process:

- **baseline**: DuckDB reads the scorecard's write-back columns and writes them as CSV,
  nothing else (the floor for any CSV export of these columns);
- **export**: ``export_run(..., "salesforce")``: the same columns renamed to Salesforce's
  fields, override state, rounding, formula-safe text, into a staged folder with a manifest;
- **changed only**: the same, compared with the previous run in the engine first.

    uv run python benchmarks/bench_crm_export.py                 # 200,000 accounts
    uv run python benchmarks/bench_crm_export.py --accounts 1000000
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tierwise.crm.writeback import export_run

TIERS = np.array(["strategic", "growth", "core", "transactional"])
ALIGN = np.array(["over_served", "under_served", "aligned"])


def _scorecard(n: int, seed: int, changed_from: pa.Table | None = None) -> pa.Table:
    rng = np.random.default_rng(seed)
    tier = TIERS[rng.integers(0, 4, n)]
    level = rng.integers(1, 5, n)
    if changed_from is not None:  # the same accounts, a tenth of them moved
        tier = changed_from.column("tier").to_numpy(zero_copy_only=False).copy()
        level = changed_from.column("relationship_level").to_numpy().copy()
        moved = rng.random(n) < 0.1
        tier[moved] = TIERS[rng.integers(0, 4, int(moved.sum()))]
    return pa.table(
        {
            "customer_id": [f"001{i:015d}" for i in range(n)],
            "tier": tier,
            "strategic_score": rng.random(n),
            "relationship_level": level,
            "alignment": ALIGN[rng.integers(0, 3, n)],
            "recommended_play": np.where(level == 4, "Salvage or exit", "Expand and plan jointly"),
            "clv": rng.gamma(2.0, 500.0, n),
            "net_profit": rng.normal(200.0, 400.0, n),
        }
    )


def _run_folder(root: Path, name: str, table: pa.Table) -> Path:
    folder = root / name
    folder.mkdir()
    pq.write_table(table, folder / "scorecard.parquet")
    (folder / "run.json").write_text(json.dumps({"as_of": "2026-06-01"}))
    return folder


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tierwise-bench-crm-"))
    try:
        before = _scorecard(args.accounts, 1)
        after = _scorecard(args.accounts, 2, changed_from=before)
        previous = _run_folder(root, "before", before)
        current = _run_folder(root, "after", after)
        counter = iter(range(10_000))

        def baseline() -> None:
            con = duckdb.connect()
            con.read_parquet(str(current / "scorecard.parquet")).write_csv(
                str(root / f"plain-{next(counter)}.csv"), header=True
            )

        def export() -> None:
            export_run(current, "salesforce", root / f"out-{next(counter)}")

        def changed() -> None:
            export_run(current, "salesforce", root / f"out-{next(counter)}", since=previous)

        figures = {
            "baseline (DuckDB CSV of the columns)": _median(baseline, args.runs),
            "export --to salesforce": _median(export, args.runs),
            "export --to salesforce --changed-only": _median(changed, args.runs),
        }
        base = figures["baseline (DuckDB CSV of the columns)"]
        print(f"{args.accounts:,} accounts, median of {args.runs} runs")
        for name, seconds in figures.items():
            print(f"  {name:<40} {seconds:7.2f} s   x{seconds / base:5.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
