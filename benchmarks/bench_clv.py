"""Benchmark tierwise.clv on synthetic BG/NBD customers (the truth is known).

Reports, in one run on the same data: the Ibis summary against a hand-written DuckDB
query of the same numbers (ratio), BG/NBD, Pareto/NBD and MBG/NBD fits with standard
errors, Gamma-Gamma, P(alive)/expected purchases/CLV for every customer, and (with
--stage) the whole pipeline stage. lifetimes is compared only if it is importable in
the running interpreter (never a tierwise dependency); --export writes the summary to
Parquet so another interpreter can fit the same data.

    uv run python benchmarks/bench_clv.py                  # 100k customers
    uv run python benchmarks/bench_clv.py --full --stage   # 1M customers (~3M lines)
    uv run python benchmarks/bench_clv.py --lines 100000000   # summary only, 100M lines

--lines writes synthetic order lines to Parquet in chunks (never all in memory; 8 lines
per order by default, --lines-per-order 1 for the worst case of one line per
customer-day) and times the summary, materialised in the engine, against the
hand-written SQL on the same files. --full there means 1M customers.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tierwise.clv import (
    BetaGeoModel,
    ClvSettings,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    customer_lifetime_value,
    lifetime_value,
    summary_from_transactions,
)
from tierwise.window import Window

START = date(2022, 1, 1)
END = date(2023, 7, 1)
TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}  # weekly BG/NBD, like CDNOW


def simulate(n: int, seed: int = 7) -> pd.DataFrame:
    """Transactions of ``n`` BG/NBD customers born uniformly in the first quarter (vectorised)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n) / 7.0  # per day
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    birth = rng.integers(0, 90, n).astype(float)
    horizon = (END - START).days - birth
    ids = np.arange(n)
    rows_id, rows_day = [ids], [birth]
    alive = np.ones(n, dtype=bool)
    clock = birth.copy()
    while alive.any():
        idx = np.flatnonzero(alive)
        clock[idx] += rng.exponential(1.0, idx.size) / np.maximum(lam[idx], 1e-12)
        inside = clock[idx] < birth[idx] + horizon[idx]
        buy = idx[inside]
        rows_id.append(buy)
        rows_day.append(clock[buy])
        dies = rng.random(buy.size) < p[buy]
        alive[idx[~inside]] = False
        alive[buy[dies]] = False
    cid = np.concatenate(rows_id)
    day = np.floor(np.concatenate(rows_day)).astype("int64")
    amount = rng.gamma(6.0, 35.0 / 6.0, cid.size)
    return pd.DataFrame(
        {
            "customer_id": cid.astype(str),
            "date": pd.Timestamp(START) + pd.to_timedelta(day, unit="D"),
            "amount": amount,
        }
    )


HAND_SQL = """
WITH p AS (
  SELECT customer_id, CAST(date AS DATE) AS d, SUM(amount) AS amount
  FROM {source} WHERE CAST(date AS DATE) < DATE '{end}'
  GROUP BY ALL HAVING COUNT(*) FILTER (WHERE amount >= 0) > 0
), c AS (
  SELECT customer_id, COUNT(*) - 1 AS frequency, MIN(d) AS first, MAX(d) AS last,
         SUM(amount) AS total, arg_min(amount, d) AS first_amount
  FROM p GROUP BY customer_id
)
SELECT customer_id, frequency, (last - first) / 7.0 AS recency,
       (DATE '{last}' - first) / 7.0 AS T,
       CASE WHEN frequency > 0 THEN (total - first_amount) / frequency ELSE 0 END AS monetary_value
FROM c
"""


def timed(label: str, fn, results: dict[str, float]):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - t0
    return out


def write_lines(
    folder: Path, lines: int, customers: int, lines_per_order: int, chunk: int = 5_000_000
) -> None:
    """Synthetic order lines as Parquet files of about ``chunk`` lines.

    Orders get a uniform customer and a uniform day in the window; each order has
    ``lines_per_order`` lines on that day (1 makes every line its own order).
    """
    rng = np.random.default_rng(11)
    days = (END - START).days
    start = np.datetime64(START, "s")
    orders_per_chunk = max(1, chunk // lines_per_order)
    total_orders = -(-lines // lines_per_order)
    for k, first in enumerate(range(0, total_orders, orders_per_chunk)):
        orders = min(orders_per_chunk, total_orders - first)
        size = orders * lines_per_order
        ids = pc.cast(
            pa.array(rng.integers(0, customers, orders).repeat(lines_per_order)), pa.string()
        )
        seconds = rng.integers(0, days * 86_400, orders).repeat(lines_per_order)
        order_ids = pc.cast(
            pa.array(np.arange(first, first + orders).repeat(lines_per_order)), pa.string()
        )
        table = pa.table(
            {
                "customer_id": ids,
                "date": pa.array(start + seconds.astype("timedelta64[s]"), pa.timestamp("us")),
                "amount": rng.gamma(6.0, 35.0 / 6.0, size),
                "order_id": order_ids,
            }
        )
        pq.write_table(table, folder / f"part-{k:04d}.parquet")


def bench_lines(lines: int, customers: int, lines_per_order: int, folder: Path | None) -> None:
    """The summary at scale: Ibis expression vs hand SQL, both materialised in DuckDB."""
    results: dict[str, float] = {}
    target = folder or Path(tempfile.mkdtemp(prefix="bench_clv_"))
    target.mkdir(parents=True, exist_ok=True)
    if not any(target.glob("*.parquet")):
        timed(
            "write_parquet",
            lambda: write_lines(target, lines, customers, lines_per_order),
            results,
        )
    files = str(target / "*.parquet")
    raw = duckdb.connect()
    sql = HAND_SQL.format(source=f"read_parquet('{files}')", end=END, last=END - timedelta(days=1))
    timed("summary_hand_sql", lambda: raw.execute(f"CREATE TABLE hand AS {sql}"), results)
    con = ibis.duckdb.from_connection(raw)
    expr = summary_from_transactions(con.read_parquet(files), END, time_unit="week")
    timed("summary_ibis", lambda: con.create_table("ours", expr), results)
    counts = raw.sql("SELECT (SELECT count(*) FROM hand), (SELECT count(*) FROM ours)").fetchone()
    assert counts is not None and counts[0] == counts[1], counts
    print(
        f"lines {lines:,} ({lines_per_order} per order), customers in the summary "
        f"{counts[0]:,}, files in {target}"
    )
    report(results)
    print(
        f"\nratio summary_ibis / summary_hand_sql = "
        f"{results['summary_ibis'] / results['summary_hand_sql']:.2f}"
    )
    if folder is None:
        shutil.rmtree(target)


def report(results: dict[str, float]) -> None:
    print("\nstep                      seconds")
    for k, v in results.items():
        print(f"{k:<25} {v:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="1M customers")
    parser.add_argument("--stage", action="store_true", help="also time lifetime_value")
    parser.add_argument("--export", type=Path, help="write the summary to this Parquet file")
    parser.add_argument(
        "--lines", type=int, help="summary only, on this many synthetic lines in Parquet"
    )
    parser.add_argument("--parquet-dir", type=Path, help="--lines: keep or reuse files here")
    parser.add_argument(
        "--lines-per-order", type=int, default=8, help="--lines: order lines on one day"
    )
    args = parser.parse_args()
    if args.lines:
        customers = 1_000_000 if args.full else args.customers
        bench_lines(args.lines, customers, args.lines_per_order, args.parquet_dir)
        return
    n = 1_000_000 if args.full else args.customers
    results: dict[str, float] = {}
    frame = timed("simulate", lambda: simulate(n), results)
    print(f"customers {n:,}, transaction lines {len(frame):,}")

    raw = duckdb.connect()
    raw.register("tx_frame", frame)
    raw.execute("CREATE TABLE tx AS SELECT * FROM tx_frame")
    sql = HAND_SQL.format(source="tx", end=END, last=END - timedelta(days=1))
    hand = timed("summary_hand_sql", lambda: raw.sql(sql).df(), results)

    con = ibis.duckdb.from_connection(raw)
    tx = con.table("tx")
    summary = timed(
        "summary_ibis",
        lambda: summary_from_transactions(tx, END, time_unit="week").to_pandas(),
        results,
    )
    assert len(summary) == len(hand) and summary["frequency"].sum() == hand["frequency"].sum()
    if args.export:
        summary.drop(columns=["first_purchase"]).to_parquet(args.export)

    bg = timed("fit_bgnbd_with_se", lambda: BetaGeoModel().fit(summary), results)
    pn = timed("fit_paretonbd_with_se", lambda: ParetoNBDModel().fit(summary), results)
    mbg = timed("fit_mbgnbd_with_se", lambda: ModifiedBetaGeoModel().fit(summary), results)
    usable = summary[(summary.frequency > 0) & (summary.monetary_value > 0)]
    gg = timed("fit_gammagamma", lambda: GammaGammaModel().fit(usable), results)
    spend = gg.expected_spend(summary)
    for name, model in (("bgnbd", bg), ("paretonbd", pn)):
        timed(
            f"predict_all_{name}",
            lambda model=model: customer_lifetime_value(
                model, summary, spend, horizon_months=12, annual_discount_rate=0.1, time_unit="week"
            ),
            results,
        )
    if args.stage:
        window = Window(date(2022, 7, 1), END)
        outcome = timed(
            "stage_lifetime_value",
            lambda: lifetime_value(tx, window, ClvSettings.model_validate({})),
            results,
        )
        print("stage chose", outcome.summary["chosen"]["model"], outcome.summary["selection"])
    print(
        "distinct (frequency, recency, T)",
        len(summary[["frequency", "recency", "T"]].drop_duplicates()),
    )
    print("BG/NBD truth", TRUTH)
    for label, model in (("BG/NBD", bg), ("Pareto/NBD", pn), ("MBG/NBD", mbg), ("Gamma-Gamma", gg)):
        print(
            f"{label:<12}",
            {k: round(v, 4) for k, v in model.params_.items()},
            f"LL {model.log_likelihood_:.4f}",
            f"iterations {model.n_iter_}",
        )

    try:
        from lifetimes import BetaGeoFitter  # type: ignore[import-not-found]

        def lt_fit() -> object:
            return BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])

        lt = timed("lifetimes_fit_bgnbd", lt_fit, results)
        print("lifetimes LL", -lt._negative_log_likelihood_ * len(summary))  # type: ignore[attr-defined]
    except ImportError:
        print("lifetimes not importable here: comparison skipped")

    report(results)
    print(
        f"\nratio summary_ibis / summary_hand_sql = "
        f"{results['summary_ibis'] / results['summary_hand_sql']:.2f}"
    )
    if "lifetimes_fit_bgnbd" in results:
        print(
            f"ratio lifetimes / tierwise BG/NBD fit = "
            f"{results['lifetimes_fit_bgnbd'] / results['fit_bgnbd_with_se']:.1f}"
        )


if __name__ == "__main__":
    main()
