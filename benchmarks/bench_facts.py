"""Read + validate + customer facts, end to end, against a hand-written DuckDB query.

Both sides read the same Parquet book; the baseline computes the same per-customer
figures in one SQL statement with no validation. The ratio is what the book reader,
the quarantine and the portable Ibis expressions cost. Peak memory is the process's
maximum resident set size.

    uv run python benchmarks/bench_facts.py                  # 10k customers, ~1M lines
    uv run python benchmarks/bench_facts.py --customers 1000000 --lines 100
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from tierwise.book.book import default_as_of, read_book
from tierwise.book.mapping import BookMapping
from tierwise.demo import generate_book
from tierwise.metrics.facts import customer_facts
from tierwise.window import Window

BASELINE_SQL = """
SELECT customer_id,
       sum(CASE WHEN date >= $start AND date < $end THEN amount ELSE 0 END) AS revenue,
       sum(CASE WHEN date >= $start AND date < $end THEN
             CASE WHEN cost IS NULL THEN amount * 0.3 ELSE amount - cost END ELSE 0 END)
         AS gross_margin,
       count(DISTINCT CASE WHEN date >= $start AND date < $end AND amount > 0 THEN order_id END)
         AS orders,
       sum(CASE WHEN date >= $start AND date < $end THEN 1 ELSE 0 END) AS order_lines,
       min(CASE WHEN amount > 0 THEN date END) AS first_purchase,
       max(CASE WHEN amount > 0 THEN date END) AS last_purchase
FROM read_parquet($files)
WHERE date < $end
GROUP BY customer_id
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument(
        "--lines", type=float, default=100.0, help="mean transaction lines per customer"
    )
    parser.add_argument("--book", type=Path, help="reuse a generated book folder")
    parser.add_argument(
        "--no-exact-duplicates",
        action="store_true",
        help="skip the exact-duplicate check (read.exact_duplicates: false)",
    )
    args = parser.parse_args()

    book_dir = args.book or Path(tempfile.mkdtemp(prefix="tierwise-bench-")) / "book"
    if not (book_dir / "transactions").exists():
        started = time.perf_counter()
        generate_book(book_dir, customers=args.customers, seed=1, lines_per_customer=args.lines)
        print(f"generated {args.customers:,} customers in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    mapping = BookMapping.model_validate(
        {"read": {"exact_duplicates": not args.no_exact_duplicates}}
    )
    book = read_book(book_dir, mapping=mapping)
    read_s = time.perf_counter() - started
    window = Window.ending(default_as_of(book), 365)
    facts = customer_facts(book.transactions, window, 0.3).to_pyarrow()
    ours = time.perf_counter() - started
    lines = book.accounting["transactions"].read

    files = sorted(str(p) for p in (book_dir / "transactions").glob("*.parquet"))
    started = time.perf_counter()
    baseline = duckdb.execute(
        BASELINE_SQL, {"files": files, "start": window.start, "end": window.end}
    ).fetch_arrow_table()
    base = time.perf_counter() - started
    assert baseline.num_rows == facts.num_rows, (baseline.num_rows, facts.num_rows)

    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"transaction lines:           {lines:,}")
    print(f"customers:                   {facts.num_rows:,}")
    print(f"tierwise read+validate+facts {ours:8.2f} s  (read+validate {read_s:.2f} s)")
    print(f"hand-written DuckDB SQL      {base:8.2f} s")
    print(f"ratio                        {ours / base:8.2f} x")
    print(f"peak memory (max RSS)        {peak_gb:8.2f} GB")


if __name__ == "__main__":
    main()
