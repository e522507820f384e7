"""Benchmark: the whole analysis of one generated book on DuckDB and on local PySpark.

Both engines analyse the same accepted rows in one run, so the ratios compare like with
like on whatever load the machine has. Per stage: seconds on each engine
(``result.timings``) and Spark / DuckDB. Spark evaluates lazily and a stage's tables are
cached views computed when first used, so part of a stage's work can show in the next
stage's time; the total is exact.

Each engine reads and validates the book's files itself, then analyses it; Spark is the
local session of ``tierwise analyze --engine pyspark`` (every core, 4 GB for the driver,
``TIERWISE_SPARK_MEMORY`` for more).

It also measures what the driver holds after a run, for docs/SCALING.md: the scorecard
(collected to Arrow), the details tables, and the lifetime-value stage's sufficient
statistics (distinct histories, the repeat buyers' spend pairs).

    uv run python benchmarks/bench_spark.py                      # 20,000 customers
    uv run python benchmarks/bench_spark.py --customers 100000 --book /tmp/book100k
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import pandas as pd

import tierwise
from tierwise.book.book import Book, default_as_of
from tierwise.clv.customer_values import distinct_histories
from tierwise.clv.summary import calibration_and_holdout, summary_from_transactions
from tierwise.demo import generate_book
from tierwise.demo.policy import write_book_policy
from tierwise.engine import connect
from tierwise.pipeline import STAGES, read_book_under_policy
from tierwise.settings.io import load_policy
from tierwise.settings.schema import Policy


class StageClock:
    """A ``Progress`` that records when each stage starts, so the stages that finished
    are known even when a later one fails."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def start(self, total_stages: int) -> None:
        self.marks = []

    def stage(self, name: str) -> None:
        self.marks.append((name, time.perf_counter()))

    def finish(self) -> None:
        self.marks.append(("", time.perf_counter()))

    def finished(self) -> dict[str, float]:
        return {
            name: round(after - before, 3)
            for (name, before), (_, after) in zip(self.marks, self.marks[1:], strict=False)
        }


def analyse(book: Book, policy: Policy) -> tuple[dict[str, float], Any, str | None]:
    """Stage seconds, the result (None if a stage failed) and the error, if any."""
    clock = StageClock()
    try:
        result = tierwise.analyze(book, policy=policy, progress=clock)
    except Exception as exc:  # report the stages that ran, and where it stopped
        clock.finish()
        ours = [f for f in traceback.extract_tb(exc.__traceback__) if "tierwise" in f.filename]
        where = f" at {ours[-1].filename}:{ours[-1].lineno}" if ours else ""
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        return clock.finished(), None, f"{type(exc).__name__}{where}: {message}"
    return dict(result.timings), result, None


def driver_sizes(result: Any, book: Book, policy: Policy) -> dict[str, Any]:
    """What the driver holds: the scorecard, the details, the CLV sufficient statistics."""
    customers = result.scorecard_arrow.num_rows
    # collected details tables; the whitespace list is a file the engine wrote (SpooledTable)
    details = sum(
        int(f.memory_usage(deep=True).sum())
        for f in result.details.values()
        if isinstance(f, pd.DataFrame)
    )
    end = default_as_of(book)
    clv = policy.clv
    opts = {"time_unit": clv.time_unit, "merge_period": clv.merge_period}
    full = summary_from_transactions(book.transactions, end, **opts)
    histories = distinct_histories(full)
    pairs = (
        full.filter((full.frequency > 0) & (full.monetary_value > 0))
        .select("frequency", "monetary_value")
        .distinct()
        .count()
        .execute()
    )
    cal_end = date_of(result.stage_summaries["clv"].get("calibration_end"))
    cal_groups = None
    if cal_end is not None:
        cal = calibration_and_holdout(book.transactions, cal_end, end, **opts)
        cal_groups = len(distinct_histories(cal, extra=("frequency_holdout",)))
    return {
        "customers": customers,
        "scorecard_columns": result.scorecard_arrow.num_columns,
        "scorecard_bytes": result.scorecard_arrow.nbytes,
        "scorecard_bytes_per_customer": round(result.scorecard_arrow.nbytes / customers),
        "details_bytes": details,
        "details_bytes_per_customer": round(details / customers),
        "clv_customers": int(full.count().execute()),
        "clv_histories": len(histories),
        "clv_calibration_groups": cal_groups,
        "clv_spend_pairs": int(pairs),
    }


def date_of(text: str | None) -> Any:
    from datetime import date

    return date.fromisoformat(text) if text else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--book", type=Path, help="the book's folder (generated if missing)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    folder = args.book or Path(tempfile.mkdtemp(prefix="tierwise-bench-spark-")) / "book"
    if not (folder / "customers.parquet").exists():
        started = time.perf_counter()
        generate_book(folder, customers=args.customers, seed=args.seed)
        write_book_policy(folder)
        print(f"generated {args.customers:,} customers in {time.perf_counter() - started:.1f} s")
    policy, _ = load_policy(None, book=folder)

    started = time.perf_counter()
    book = read_book_under_policy(folder, policy)
    duck_read = time.perf_counter() - started
    duck_times, duck, duck_error = analyse(book, policy)
    duck_times = {"read and validate": round(duck_read, 3), **duck_times}
    duck_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = driver_sizes(duck, book, policy) if duck is not None else {}

    spark_con = connect("pyspark")  # the session of `tierwise analyze --engine pyspark`
    spark = spark_con._session  # type: ignore[attr-defined]
    spark.sparkContext.setLogLevel("OFF")  # a failing query logs its whole plan
    started = time.perf_counter()
    spark_book = read_book_under_policy(folder, policy, con=spark_con)
    spark_read = time.perf_counter() - started
    spark_times, _, spark_error = analyse(spark_book, policy)
    spark_times = {"read and validate": round(spark_read, 3), **spark_times}
    spark.stop()

    rows = ["read and validate", *STAGES]
    print(f"\n{'stage':40} {'DuckDB s':>10} {'Spark s':>10} {'Spark/DuckDB':>13}")
    for name in rows:
        d, s = duck_times.get(name), spark_times.get(name)
        ratio = f"{s / d:.1f}" if d and s is not None else ""
        print(f"{name:40} {_cell(d):>10} {_cell(s):>10} {ratio:>13}")
    d_total = sum(duck_times.get(n, 0.0) for n in rows)
    s_total = sum(spark_times.get(n, 0.0) for n in rows)
    complete = spark_error is None
    print(
        f"{'the whole analysis':40} {d_total:>10.1f} {s_total:>10.1f} "
        f"{(s_total / d_total if d_total and complete else float('nan')):>13.1f}"
    )
    for engine, error in (("DuckDB", duck_error), ("Spark", spark_error)):
        if error:
            print(f"{engine} stopped: {error}")
    print(f"peak RSS of this process after the DuckDB run: {duck_rss:,.0f} MB")
    if sizes:
        print("driver holds:", json.dumps(sizes, indent=1))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "customers": args.customers,
                    "duckdb_seconds": duck_times,
                    "spark_seconds": spark_times,
                    "duckdb_error": duck_error,
                    "spark_error": spark_error,
                    "driver": sizes,
                },
                indent=2,
            )
        )


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    main()
