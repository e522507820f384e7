"""Benchmark: cost-to-serve, profitability and the portfolio figures on a synthetic book.

The issue's goal is 1M customers, 100M transaction lines and 20M activity rows in under
30 s (``--full``); the default is a tenth of that. The baseline is a facts-like
aggregation of the same transactions in the same run, so the figures are reported as a
ratio that holds across machines.

    uv run python benchmarks/bench_profitability.py            # 100k / 10M / 2M
    uv run python benchmarks/bench_profitability.py --full     # 1M / 100M / 20M
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import ibis

from tierwise.metrics.concentration import portfolio_profit_figures
from tierwise.metrics.profitability import customer_profitability
from tierwise.settings.cost_model import CostModel
from tierwise.window import Window

AS_OF = date(2025, 1, 1)
TYPES = [
    "visit",
    "meeting",
    "call",
    "call",
    "email",
    "email",
    "quote",
    "support_ticket",
    "delivery",
    "rush_order",
    "return",
    "qbr",
    "webinar",
]


def build_book(
    con: ibis.BaseBackend, customers: int, lines: int, activities: int, seed: int
) -> None:
    """Synthetic transactions, activities and customers, generated inside DuckDB.

    Customer sizes are skewed (a few large accounts, a long tail); about 4% of lines are
    returns; activities have missing and impossible minutes, unknown types and owners.
    """
    types = "[" + ", ".join(f"'{t}'" for t in TYPES) + "]"
    con.raw_sql(f"select setseed({seed / 1000})")
    con.raw_sql(
        f"""
        create or replace table transactions as
        select 'C' || cast(floor({customers} * pow((hash(i // 6) % 1000003) / 1000003.0, 1.6))
                           as bigint) as customer_id,
               timestamp '{AS_OF}' - to_days(cast(hash(i // 6 + 7) % 420 as integer)) as date,
               case when random() < 0.04 then -1 else 1 end
                   * round(5 + random() * 200, 2) as amount,
               'O' || cast(i // 6 as varchar) as order_id
        from range({lines}) t(i)
        """
    )
    con.raw_sql(
        """
        create or replace table transactions as
        select *, round(amount * (0.55 + random() * 0.3), 2) as cost,
               round(amount * 1.12, 2) as list_amount
        from transactions
        """
    )
    con.raw_sql(
        f"""
        create or replace table activities as
        select 'C' || cast(floor({customers} * pow(random(), 1.2)) as bigint) as customer_id,
               timestamp '{AS_OF}' - to_days(cast(floor(random() * 420) as integer)) as date,
               {types}[1 + cast(floor(random() * {len(TYPES)}) as integer)] as type,
               case when random() < 0.2 then null
                    when random() < 0.01 then -10.0
                    else round(random() * 90, 0) end as minutes,
               case when random() < 0.1 then null
                    else 'rep' || cast(floor(random() * 60) as integer) end as owner,
               case when random() < 0.02 then round(random() * 100, 2) else null end as cost
        from range({activities}) t(i)
        """
    )
    con.raw_sql(
        f"""
        create or replace table customers as
        select 'C' || cast(i as varchar) as customer_id,
               'rep' || cast(i % 60 as varchar) as owner,
               case when i % 3 = 0 then 60.0 else null end as payment_terms_days
        from range({customers}) t(i)
        """
    )


def facts_like(t: ibis.Table, window: Window) -> ibis.Table:
    """The baseline: one pass of per-customer aggregation, as the facts stage does."""
    start = ibis.literal(window.start, type="timestamp")
    end = ibis.literal(window.end, type="timestamp")
    w = t.filter((t.date >= start) & (t.date < end))
    return w.group_by("customer_id").aggregate(
        revenue=w.amount.sum(),
        gross_margin=(w.amount - w.cost).sum(),
        margin_estimated=ibis.literal(False),
        orders=w.order_id.nunique(where=w.amount > 0),
        order_lines=w.count(),
        return_lines=(w.amount < 0).sum(),
        returns_amount=-w.amount.sum(where=w.amount < 0).coalesce(0.0),
        list_revenue=w.list_amount.sum(),
        first_purchase=w.date.min(),
        last_purchase=w.date.max(),
    )


def timed(label: str, fn, results: dict[str, float]) -> object:
    start = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="the issue's sizes: 1M / 100M / 20M")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--activities", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0 = all cores)")
    args = parser.parse_args()
    if args.full:
        args.customers, args.lines, args.activities = 1_000_000, 100_000_000, 20_000_000

    con = ibis.duckdb.connect()
    if args.threads:
        con.raw_sql(f"set threads = {args.threads}")
    window = Window.ending(AS_OF, 365)
    costs = CostModel()
    t: dict[str, float] = {}

    timed(
        "generate book",
        lambda: build_book(con, args.customers, args.lines, args.activities, args.seed),
        t,
    )
    transactions, activities, customers = (
        con.table(n) for n in ("transactions", "activities", "customers")
    )
    timed(
        "facts (baseline)",
        lambda: con.create_table("facts", facts_like(transactions, window), overwrite=True),
        t,
    )
    facts = con.table("facts")
    expr = customer_profitability(facts, activities, customers, costs, window)
    timed(
        "cost-to-serve + profitability", lambda: con.create_table("profit", expr, overwrite=True), t
    )
    profit = con.table("profit")
    figures = timed("pareto, whale, deciles, effort", lambda: portfolio_profit_figures(profit), t)

    n = profit.count().execute()
    stage = t["cost-to-serve + profitability"] + t["pareto, whale, deciles, effort"]
    print(
        f"book: {args.customers:,} customers, {args.lines:,} lines, {args.activities:,} activities"
    )
    print(f"scored customers: {n:,}")
    for label, seconds in t.items():
        print(f"  {label:<34} {seconds:8.2f} s")
    print(f"  {'profit stages / facts (ratio)':<34} {stage / t['facts (baseline)']:8.2f}")
    whale = figures["whale"]  # type: ignore[index]
    print(
        f"whale peak {whale['peak_pct_of_total_profit']}% of profit at "
        f"{whale['peak_customer_share']:.0%} of customers; loss-makers {whale['loss_makers']:,}"
    )


if __name__ == "__main__":
    main()
