"""Benchmark: how often the relationship trend cries wolf, and how often it finds a decline.

Simulates a population of buyers with known truth (tests/simulated_trends.py:
Poisson buying at 2..50 orders a year, log-normal order values, NPS answers about three
times a year from 70% of customers, half a complaint a year), once stationary and once
with a decline planted in every customer 120..180 days before as-of (half stop, half
halve their rate, NPS means fall by 3 points), and reads both with the default policy.

Reports the false-alarm rate (stationary customers flagged either way), the detection
rate over all declines and over the declines with enough history (the decline takes at
least 4 expected orders out of the recent period, and a halving has survey answers
before and after it began), and detection by kind, survey answers and expected orders
lost.

    uv run python benchmarks/bench_trend_accuracy.py             # 20,000 customers each
    uv run python benchmarks/bench_trend_accuracy.py --customers 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.simulated_trends import AS_OF, read_trends, trend_population


def _answered(pop_signals: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Customers with NPS answers both before their decline began and in the recent period."""
    sig = pop_signals[pop_signals.kind == "nps"].merge(truth, on="customer_id")
    ago = (pd.Timestamp(AS_OF) - sig.date).dt.days
    before = set(sig.customer_id[(ago >= sig.cut_days) & (ago < 485)])
    after = set(sig.customer_id[ago < 120])
    return truth.customer_id.isin(before & after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    started = time.perf_counter()
    still = read_trends(trend_population(args.customers, args.seed, decline=False))
    pop = trend_population(args.customers, args.seed + 1, decline=True)
    fell = read_trends(pop)
    seconds = time.perf_counter() - started

    flagged = still.relationship_trend.value_counts(normalize=True)
    print(f"customers per population: {args.customers:,}  ({seconds:.0f} s for both)")
    print(
        "stationary: flagged either way "
        f"{1 - flagged.get('stable', 0.0):.1%} (deteriorating "
        f"{flagged.get('deteriorating', 0.0):.1%}, improving {flagged.get('improving', 0.0):.1%});"
        f" not enough evidence {(still.trend_evidence == 'not enough evidence').mean():.1%}"
    )
    fell["found"] = fell.relationship_trend == "deteriorating"
    fell["answered"] = _answered(pop.signals, pop.truth).to_numpy()
    lost = np.where(fell.kind == "stopped", 1.0, 0.5) * fell.rate * 120 / 365
    fell["lost"] = pd.cut(lost, [0, 1, 2, 4, 8, 20], right=False)
    enough = (lost >= 4) & ((fell.kind == "stopped") | fell.answered)
    print(
        f"declines: found {fell.found.mean():.1%} of all; "
        f"{fell.found[enough].mean():.1%} of the {int(enough.sum()):,} with enough history"
    )
    table = fell.groupby(["kind", "answered", "lost"], observed=True).found.agg(["mean", "size"])
    print("\ndetection by kind, survey answers before and after, expected orders lost:")
    print(table.rename(columns={"mean": "found", "size": "customers"}).round(2).to_string())


if __name__ == "__main__":
    main()
