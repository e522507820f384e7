"""Read + validate + customer facts, end to end, against hand-written DuckDB SQL.

Both sides read the same Parquet transactions and must produce the same facts (the
script checks every column). Two hand-written baselines run in the same process, under
tierwise's memory limit:

- *bare*: one aggregate over the files, no checks at all;
- *checked*: the same aggregate after the checks a careful analyst would write for
  this book (drop exact duplicate lines, blank ids, missing dates or amounts, future
  dates; trim ids), which is what makes it compute the same facts on any book.

The ratios are what tierwise's reading, accounting, quarantine and portable Ibis
expressions cost over each. Peak memory is the process's maximum resident set size,
taken before the baselines run.

    uv run python benchmarks/bench_facts.py                    # 10k customers, ~1M lines
    uv run python benchmarks/bench_facts.py --customers 1000000 --lines 100
    uv run python benchmarks/bench_facts.py --book DIR --whole-book
"""

from __future__ import annotations

import argparse
import math
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from tierwise.book.book import default_as_of, read_book
from tierwise.book.mapping import BookMapping
from tierwise.demo import generate_book
from tierwise.engine import memory_limit
from tierwise.metrics.facts import FACT_COLUMNS, customer_facts
from tierwise.window import Window

FACTS_SQL = """
WITH tx AS (SELECT * FROM ({lines}) WHERE date < $end),
per_customer AS (
  SELECT customer_id,
    sum(CASE WHEN date >= $start THEN amount ELSE 0 END) AS revenue,
    sum(CASE WHEN date >= $start THEN
          CASE WHEN cost IS NULL THEN amount * $rate ELSE amount - cost END ELSE 0 END)
      AS gross_margin,
    coalesce(bool_or(date >= $start AND cost IS NULL), false) AS margin_estimated,
    count(DISTINCT CASE WHEN date >= $start AND amount > 0 THEN order_id END) AS orders,
    count(*) FILTER (WHERE date >= $start) AS order_lines,
    count(*) FILTER (WHERE date >= $start AND amount < 0) AS return_lines,
    sum(CASE WHEN date >= $start AND amount < 0 THEN -amount ELSE 0 END) AS returns_amount,
    sum(CASE WHEN date >= $start THEN list_amount END) AS list_revenue,
    min(date) FILTER (WHERE amount > 0) AS first_purchase,
    max(date) FILTER (WHERE amount > 0) AS last_purchase
  FROM tx GROUP BY customer_id
)
SELECT *,
  CAST(floor((epoch($end::TIMESTAMP) - epoch(last_purchase)) / 86400) AS BIGINT) AS recency_days,
  orders AS frequency,
  revenue AS monetary,
  CAST(floor((epoch($end::TIMESTAMP) - epoch(first_purchase)) / 86400) AS BIGINT)
    AS tenure_days
FROM per_customer
"""

BARE_LINES = "SELECT * FROM read_parquet($files)"

CHECKED_LINES = """
SELECT trim(customer_id) AS customer_id, date, amount, cost, list_amount,
       coalesce(nullif(trim(order_id), ''),
                trim(customer_id) || '|' || CAST(CAST(date AS DATE) AS VARCHAR)) AS order_id
FROM (SELECT DISTINCT * FROM read_parquet($files))
WHERE nullif(trim(customer_id), '') IS NOT NULL AND date IS NOT NULL AND amount IS NOT NULL
  AND date < $tomorrow
"""

MARGIN_RATE = 0.3


def _transactions_only(book_dir: Path) -> Path:
    """A folder that shows only the book's transactions, as the SQL baselines read them."""
    folder = Path(tempfile.mkdtemp(prefix="tierwise-bench-tx-"))
    (folder / "transactions").symlink_to((book_dir / "transactions").resolve())
    return folder


def _ours(
    folder: Path, exact_duplicates: bool, today: date
) -> tuple[pa.Table, Window, float, float, int]:
    """Facts, their window, read+validate seconds, total seconds and lines read."""
    started = time.perf_counter()
    mapping = BookMapping.model_validate({"read": {"exact_duplicates": exact_duplicates}})
    book = read_book(folder, mapping=mapping, today=today)
    read_s = time.perf_counter() - started
    window = Window.ending(default_as_of(book), 365)
    facts = customer_facts(book.transactions, window, MARGIN_RATE).to_pyarrow()
    lines = book.accounting["transactions"].read
    return facts, window, read_s, time.perf_counter() - started, lines


def _baseline(
    lines_sql: str, files: list[str], window: Window, today: date
) -> tuple[pa.Table, float]:
    con = duckdb.connect(config={"memory_limit": memory_limit()})
    params = {
        "files": files,
        "start": window.start,
        "end": window.end,
        "rate": MARGIN_RATE,
        "tomorrow": today + timedelta(days=1),
    }
    sql = FACTS_SQL.format(lines=lines_sql)
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    started = time.perf_counter()
    table = con.execute(sql, used).to_arrow_table()
    return table, time.perf_counter() - started


def _same_facts(ours: pa.Table, theirs: pa.Table, label: str) -> None:
    """Every fact column agrees per customer (sums to a relative 1e-9)."""
    a = ours.sort_by("customer_id").to_pydict()
    b = theirs.select(list(FACT_COLUMNS)).sort_by("customer_id").to_pydict()
    assert a["customer_id"] == b["customer_id"], f"{label}: different customers"
    for column in FACT_COLUMNS[1:]:
        for x, y in zip(a[column], b[column], strict=True):
            same = (
                math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6)
                if isinstance(x, float) and isinstance(y, float)
                else x == y
            )
            assert same, f"{label}: {column} differs ({x!r} != {y!r})"


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
    parser.add_argument(
        "--whole-book", action="store_true", help="also time reading all five tables"
    )
    args = parser.parse_args()

    book_dir = args.book or Path(tempfile.mkdtemp(prefix="tierwise-bench-")) / "book"
    if not (book_dir / "transactions").exists():
        started = time.perf_counter()
        generate_book(book_dir, customers=args.customers, seed=1, lines_per_customer=args.lines)
        print(f"generated {args.customers:,} customers in {time.perf_counter() - started:.1f} s")

    today = date.today()
    dedupe = not args.no_exact_duplicates
    facts, window, read_s, ours_s, lines = _ours(_transactions_only(book_dir), dedupe, today)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    whole_s = None
    if args.whole_book:
        whole_s = _ours(book_dir, dedupe, today)[3]

    files = sorted(str(p) for p in (book_dir / "transactions").glob("*.parquet"))
    bare, bare_s = _baseline(BARE_LINES, files, window, today)
    checked, checked_s = _baseline(CHECKED_LINES, files, window, today)
    _same_facts(facts, checked, "checked SQL")
    _same_facts(facts, bare, "bare SQL")

    print(f"transaction lines:            {lines:,}")
    print(f"customers:                    {facts.num_rows:,}")
    print(f"exact-duplicate check:        {'on' if dedupe else 'off'}")
    print(f"tierwise read+validate+facts  {ours_s:8.2f} s  (read+validate {read_s:.2f} s)")
    print(f"hand-written SQL, checked     {checked_s:8.2f} s  ratio {ours_s / checked_s:5.2f} x")
    print(f"hand-written SQL, bare        {bare_s:8.2f} s  ratio {ours_s / bare_s:5.2f} x")
    print(f"peak memory (max RSS)         {peak_gb:8.2f} GB")
    if whole_s is not None:
        print(f"whole book (5 tables) + facts {whole_s:8.2f} s")


if __name__ == "__main__":
    main()
