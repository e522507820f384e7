"""Benchmark: does whitespace name what customers go on to buy?

Analyses a book with ``--as-of`` three months before its end, takes each customer's top
10 whitespace items (details/whitespace.parquet) and counts the customers who bought at
least one of them in the three held-out months (hit rate@10). The baseline, computed in
the same run and in the engine: the 10 best-selling items (most buyers in the analysis
window) the customer had not bought. Only customers who bought something in the
held-out months and have a list are counted (the denominator is the same for both).

    uv run python benchmarks/bench_whitespace.py                      # Online Retail + demo
    uv run python benchmarks/bench_whitespace.py --book online-retail
    uv run python benchmarks/bench_whitespace.py --book demo --customers 2000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import ibis
import ibis.expr.types as ir

import tierwise
from tierwise.book.book import read_book
from tierwise.demo.generator import generate_book
from tierwise.spooled import as_frame

ONLINE_RETAIL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "online_retail"
TOP = 10


def three_months_before(end: date) -> date:
    """The as-of date three calendar months before ``end``."""
    month, year = end.month - 3, end.year
    if month <= 0:
        month, year = month + 12, year - 1
    return end.replace(year=year, month=month, day=min(end.day, 28))


def held_out(tx: ir.Table, as_of: date, level: str) -> ir.Table:
    start = ibis.literal(as_of).cast("timestamp")
    t = tx.filter(tx.date >= start, tx.amount >= 0, tx[level].notnull())
    return t.select("customer_id", item=t[level].cast("string")).distinct()


def popularity(tx: ir.Table, as_of: date, window_days: int, level: str) -> ir.Table:
    """The 10 items with most buyers in the window that each customer had not bought."""
    end = ibis.literal(as_of).cast("timestamp")
    start = ibis.literal(as_of - timedelta(days=window_days)).cast("timestamp")
    t = tx.filter(tx.date >= start, tx.date < end, tx.amount >= 0, tx[level].notnull())
    bought = t.select("customer_id", item=t[level].cast("string")).distinct()
    buyers = bought.group_by("item").aggregate(b=ibis._.count())
    customers = bought.select("customer_id").distinct()
    # a customer owns at most n items, so the top (10 + n) always hold 10 it has not bought
    most = bought.group_by("customer_id").aggregate(n=ibis._.count()).n.max().execute()
    top = buyers.order_by([ibis.desc("b"), "item"]).limit(TOP + int(most))
    cand = customers.cross_join(top).anti_join(bought, ["customer_id", "item"])
    r = ibis.row_number().over(group_by="customer_id", order_by=[ibis.desc(cand.b), cand.item])
    return cand.mutate(r=r).filter(ibis._.r < TOP).select("customer_id", "item")


def hit_rate(recs: ir.Table, held: ir.Table, eligible: ir.Table) -> tuple[int, int]:
    hits = recs.join(held, ["customer_id", "item"]).select("customer_id").distinct()
    hits = hits.join(eligible, "customer_id")
    return int(hits.count().execute()), int(eligible.count().execute())


def bench(name: str, book_path: Path, preset: str | None) -> None:
    book = read_book(book_path, preset=preset)
    tx = book.transactions
    end = tx.date.max().execute().date() + timedelta(days=1)
    as_of = three_months_before(end)
    started = time.perf_counter()
    result = tierwise.analyze(book, as_of=as_of)
    seconds = time.perf_counter() - started
    level = result.stage_summaries["whitespace"]["level"]
    listed = ibis.memtable(as_frame(result.details["whitespace"])[["customer_id", "item"]])
    listed = book.con.create_table("bench_whitespace", listed, overwrite=True)
    held = book.con.create_table("bench_held", held_out(tx, as_of, level), overwrite=True)
    pop = book.con.create_table(
        "bench_pop", popularity(tx, as_of, result.window.days, level), overwrite=True
    )
    with_list = listed.select("customer_id").distinct()
    eligible = held.select("customer_id").distinct().join(with_list, "customer_id")
    ws_hits, n = hit_rate(listed, held, eligible)
    pop_hits, _ = hit_rate(pop, held, eligible)
    ws_rate, pop_rate = ws_hits / n, pop_hits / n
    stage = result.timings.get("whitespace", float("nan"))
    print(
        f"{name}: as-of {as_of}, analysis {seconds:.1f} s (whitespace stage {stage:.1f} s, "
        f"{stage / seconds:.0%}), {n:,} customers buying in the holdout"
    )
    print(f"  whitespace hit rate@10  {ws_rate:.1%} ({ws_hits:,})")
    print(f"  popularity hit rate@10  {pop_rate:.1%} ({pop_hits:,})")
    print(f"  ratio                   {ws_rate / pop_rate:.2f}x (goal 1.5x)")
    print(f"  whitespace summary      {result.stage_summaries['whitespace']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", choices=["online-retail", "demo", "both"], default="both")
    parser.add_argument("--customers", type=int, default=2000, help="demo book size")
    args = parser.parse_args()
    if args.book in ("online-retail", "both"):
        if ONLINE_RETAIL.exists():
            bench("Online Retail", ONLINE_RETAIL.resolve(), "online-retail")
        else:
            print(f"Online Retail skipped: {ONLINE_RETAIL} is absent")
    if args.book in ("demo", "both"):
        with tempfile.TemporaryDirectory() as folder:
            generate_book(Path(folder) / "book", customers=args.customers, seed=7)
            bench(f"demo book ({args.customers:,} customers)", Path(folder) / "book", None)


if __name__ == "__main__":
    main()
