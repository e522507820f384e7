"""Benchmark: scoring, tiering, levels and trends of the segmentation stage.

Reports the stage's time as a ratio to a facts-like baseline measured in the same run:
one Ibis aggregation of the transactions per customer (revenue, distinct orders, first
and last purchase), which is what the facts stage does at its core. The baseline is
taken before and after the stage (the best of each), so a machine whose load changes
during the run shows it; the ratio uses the best baseline. Process CPU time is shown
beside wall time: on a shared machine it moves less with other people's load.

    uv run python benchmarks/bench_segment.py              # 100,000 customers
    uv run python benchmarks/bench_segment.py --full       # 1,000,000 customers
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date

import ibis
import numpy as np
import pandas as pd

from tierwise.segment.stage import segment_customers
from tierwise.settings.segmentation import SegmentationSettings
from tierwise.window import Window

AS_OF = date(2025, 1, 1)


def synthetic_book(n: int, orders_per_customer: int, seed: int) -> dict[str, pd.DataFrame]:
    """A skewed book: log-normal spend, Poisson order counts, a few signals per customer."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("c", np.arange(n).astype(str))
    k = rng.poisson(orders_per_customer, n) + 1
    owner = np.repeat(ids, k)
    m = len(owner)
    days = rng.integers(0, 730, m)
    tx = pd.DataFrame(
        {
            "customer_id": owner,
            "date": pd.Timestamp(AS_OF) - pd.to_timedelta(days + 1, unit="D"),
            "amount": rng.lognormal(6, 1.2, m),
            "order_id": np.char.add("o", np.arange(m).astype(str)),
        }
    )
    revenue = tx.groupby("customer_id")["amount"].sum().reindex(ids).to_numpy()
    gm = revenue * rng.uniform(0.1, 0.5, n)
    cts = revenue * rng.uniform(0.0, 0.4, n)
    scorecard = pd.DataFrame(
        {
            "customer_id": ids,
            "name": ids,
            "owner": "team",
            "revenue": revenue,
            "gross_margin": gm,
            "cost_to_serve": cts,
            "net_profit": gm - cts,
            "effort_hours": rng.gamma(1.0, 5.0, n),
            "frequency": k - 1,
            "price_realisation": rng.uniform(0.6, 1.0, n),
            "p_alive": rng.uniform(0, 1, n),
            "clv": revenue * rng.uniform(0.5, 3, n),
        }
    )
    s = n // 2
    kinds = np.array(["nps", "csat", "complaint", "referral", "review", "idea", "usage"])
    signals = pd.DataFrame(
        {
            "customer_id": ids[rng.integers(0, n, s)],
            "date": pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(1, 700, s), unit="D"),
            "kind": kinds[rng.integers(0, len(kinds), s)],
            "value": rng.uniform(0, 10, s),
            "referred_customer_id": ids[rng.integers(0, n, s)],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "wallet": revenue * rng.uniform(1, 4, n),
            "strategic_fit": rng.uniform(0, 1, n),
        }
    )
    return {"transactions": tx, "scorecard": scorecard, "signals": signals, "customers": customers}


def facts_baseline(con: ibis.BaseBackend) -> tuple[float, float]:
    """Wall and CPU seconds of the facts-like aggregation."""
    t0, c0 = time.perf_counter(), time.process_time()
    tx = con.table("transactions")
    tx.group_by("customer_id").aggregate(
        revenue=tx.amount.sum(),
        orders=tx.order_id.nunique(),
        first_purchase=tx.date.min(),
        last_purchase=tx.date.max(),
    ).to_pyarrow()
    return time.perf_counter() - t0, time.process_time() - c0


def run_stage(con: ibis.BaseBackend) -> tuple[float, float, int]:
    """Wall and CPU seconds of ``segment_customers``, and the rows it scored."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = segment_customers(
        con.table("scorecard"),
        transactions=con.table("transactions"),
        customers=con.table("customers"),
        signals=con.table("signals"),
        settings=SegmentationSettings(),
        window=Window.ending(AS_OF, 365),
    )
    rows = out.scores.count().execute()
    return time.perf_counter() - t0, time.process_time() - c0, int(rows)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--customers", type=int, default=100_000, help="customers in the synthetic book")
    p.add_argument("--full", action="store_true", help="1,000,000 customers (the issue's target)")
    p.add_argument("--orders", type=int, default=5, help="mean orders per customer")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    n = 1_000_000 if args.full else args.customers
    book = synthetic_book(n, args.orders, args.seed)
    con = ibis.duckdb.connect()
    for name, df in book.items():
        con.create_table(name, df)
    before = min(facts_baseline(con) for _ in range(3))
    load = os.getloadavg()[0]
    stage, stage_cpu, rows = run_stage(con)
    after = min(facts_baseline(con) for _ in range(2))
    base, base_cpu = min(before, after)
    print(
        f"customers {n:,}  transactions {len(book['transactions']):,}  "
        f"signals {len(book['signals']):,}  load {load:.1f} / {os.cpu_count()} cores"
    )
    print(
        f"facts-like baseline  {base:7.2f} s  (before {before[0]:.2f}, after {after[0]:.2f})"
        f"  cpu {base_cpu:6.2f} s"
    )
    print(
        f"segment_customers    {stage:7.2f} s  ({rows:,} rows)  ratio {stage / base:5.1f}x baseline"
        f"  cpu {stage_cpu:6.2f} s  cpu ratio {stage_cpu / base_cpu:5.1f}x"
    )


if __name__ == "__main__":
    main()
