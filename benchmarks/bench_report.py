"""How long the report takes, and how big it gets, as the book grows.

Writes a synthetic run folder (scorecard with profit, hours, tiers, levels, alignment
and reasons; portfolio.json from tierwise.metrics.concentration) and times
``write_report``. The baseline, measured in the same run, is reading the scorecard
once with pyarrow: the report's cost is given as a ratio to it.

    uv run python benchmarks/bench_report.py            # 100,000 customers
    uv run python benchmarks/bench_report.py --full     # 1,000,000 customers
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from tierwise.metrics.concentration import portfolio_profit_figures
from tierwise.report.html import vega_bundle, write_report


def make_run(folder: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    revenue = rng.pareto(1.2, n) * 100
    hours = rng.exponential(2.0, n)
    profit = revenue * 0.3 - hours * 60
    tiers = np.array(["strategic", "growth", "core", "transactional"])
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "name": [f"Customer {i}" for i in range(n)],
            "revenue": revenue,
            "gross_margin": revenue * 0.3,
            "net_profit": profit,
            "effort_hours": hours,
            "entitled_hours": rng.exponential(2.0, n),
            "tier": tiers[rng.integers(0, 4, n)],
            "alignment": np.array(["over_served", "aligned", "under_served"])[
                rng.integers(0, 3, n)
            ],
            "relationship_level": rng.integers(1, 5, n),
            "relationship_trend": np.array(["improving", "stable", "deteriorating"])[
                rng.integers(0, 3, n)
            ],
            "reasons": "core: score 0.4; level 4 (good for neither); deteriorating",
        }
    )
    frame.to_parquet(folder / "scorecard.parquet", index=False)
    portfolio = {"customers": n, "revenue": float(revenue.sum()), "net_profit": float(profit.sum())}
    portfolio.update(portfolio_profit_figures(frame))
    (folder / "portfolio.json").write_text(json.dumps(portfolio), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps({"as_of": "2026-07-01"}), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="1,000,000 customers")
    args = parser.parse_args()
    n = 1_000_000 if args.full else args.customers
    vega_bundle()  # built once per machine and cached; not part of the per-run cost
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_run(folder, n)
        start = time.perf_counter()
        pq.read_table(folder / "scorecard.parquet")
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        path = write_report(folder)
        report = time.perf_counter() - start
        size = path.stat().st_size
    print(f"customers: {n:,}")
    print(f"baseline (read scorecard.parquet): {baseline:.2f} s")
    print(f"write_report: {report:.2f} s = {report / baseline:.1f}x baseline")
    print(f"report.html: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
