"""Time the service stage: alignment and capacity, and the MILP strategic set against top-N.

Figures are ratios against a baseline measured in the same run (the naive top-N by
revenue for the optimiser; a plain DuckDB group-by over the same scorecard for
``align_service``), so they compare across machines.

    uv run python benchmarks/bench_service_policy.py            # modest sizes
    uv run python benchmarks/bench_service_policy.py --full     # up to 1M customers
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from functools import partial

import ibis
import numpy as np
import pandas as pd

from tierwise.policy.alignment import align_service
from tierwise.policy.optimise import naive_top_n, optimal_strategic_set
from tierwise.settings.schema import Policy
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))
TIERS = np.array(["strategic", "growth", "core", "transactional"])


def book(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "name": [f"Customer {i}" for i in range(n)],
            "owner": rng.choice(["key account managers", "account managers", "inside sales"], n),
            "revenue": rng.lognormal(8, 1.5, n),
            "net_profit": rng.normal(1000, 3000, n),
            "effort_hours": rng.gamma(1.5, 8, n),
            "tier": TIERS[rng.choice(4, n, p=[0.02, 0.1, 0.38, 0.5])],
            "strategic_score": rng.beta(2, 5, n),
            "cev": rng.lognormal(9, 1.2, n),
        }
    )


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run the full sizes (to 1M)")
    parser.add_argument(
        "--mixed", action="store_true", help="optimiser worst case: four equally common hour levels"
    )
    args = parser.parse_args()
    sizes = [1_000, 10_000, 100_000, 1_000_000] if args.full else [1_000, 10_000, 50_000]
    rng = np.random.default_rng(1)
    print("optimiser: MILP strategic set vs naive top-N by revenue")
    for n in sizes:
        value = rng.beta(2, 5, n)
        # the strategic tier's hours for every account, 1% tailored to other hours
        hours = np.where(rng.random(n) < 0.01, rng.choice([48.0, 144.0, 192.0], n), 96.0)
        if args.mixed:  # worst case: four equally common hour levels
            hours = rng.choice([96.0, 120.0, 144.0, 192.0], n)
        revenue = rng.lognormal(8, 1.5, n)
        capacity = hours.mean() * max(n // 50, 1)
        t_naive = timed(partial(naive_top_n, revenue, value, hours, capacity))
        t_milp = timed(partial(optimal_strategic_set, value, hours, capacity), repeat=1)
        best = optimal_strategic_set(value, hours, capacity)
        naive = naive_top_n(revenue, value, hours, capacity)
        print(
            f"  n={n:>9,}  naive {t_naive * 1e3:8.1f} ms  milp {t_milp * 1e3:9.1f} ms  "
            f"ratio {t_milp / t_naive:8.0f}x  value gain {best.value / naive.value:5.2f}x "
            f"optimal={best.optimal}"
        )
    print("align_service (alignment + capacity + optimiser) vs one DuckDB group-by")
    for n in sizes:
        con = ibis.duckdb.connect()
        sc = con.create_table("scorecard", book(n))
        baseline = timed(sc.group_by("tier").aggregate(h=sc.effort_hours.sum()).execute)
        run = timed(
            partial(
                align_service, sc, activities=None, customers=None, policy=Policy(), window=WINDOW
            ),
            repeat=1,
        )
        print(
            f"  n={n:>9,}  group-by {baseline * 1e3:7.1f} ms  align_service {run:7.2f} s  "
            f"ratio {run / baseline:7.0f}x  ({n / run:,.0f} customers/s)"
        )


if __name__ == "__main__":
    main()
