"""``generate_book``: write a realistic synthetic B2B book, in chunks of customers.

The population (a few numbers per customer) is drawn for the whole book first; then
transactions, activities, signals and tasks are drawn block by block (500 customers,
each block seeded from ``(seed, table, block number)``) and written with Arrow's
ParquetWriter one chunk at a time, so memory stays bounded by the chunk, and the data
do not depend on the chunk size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tierwise.demo import _tables as tables
from tierwise.demo._effort import activities
from tierwise.demo._orders import (
    Catalogue,
    build_catalogue,
    day_factors,
    order_lines,
)
from tierwise.demo._population import EPOCH, Population, draw_population
from tierwise.demo._signals import signals, tasks
from tierwise.demo._truth import window_profit
from tierwise.errors import InputError

#: Customers per seeded block: the unit of randomness. Chunks are whole blocks.
BLOCK_CUSTOMERS = 500
STREAM_ORDERS, STREAM_ACTIVITIES, STREAM_SIGNALS, STREAM_TASKS = 1, 2, 3, 4
ROW_GROUP_ROWS = 1 << 20
COMPRESSION = "zstd"
#: Parquet options for every file: no stored Arrow schema, so dictionary-built strings
#: read back as plain strings.
WRITE_OPTIONS: dict[str, Any] = {"compression": COMPRESSION, "store_schema": False}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BookSummary:
    """What ``generate_book`` wrote: rows per table, where, and the period covered."""

    out_dir: Path
    customers: int
    seed: int
    start: date
    end: date
    rows: dict[str, int]
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        """The default as-of date of an analysis of this book: the day after its end."""
        return self.end + timedelta(days=1)


def _check(name: str, value: float, ok: bool, fix: str) -> None:
    if not ok:
        raise InputError(f"generate_book: parameter {name}={value!r} is not valid; {fix}")


def _rng(seed: int, stream: int, block: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream, block])))


def _clear_parts(folder: Path) -> None:
    """Remove part files of an earlier run, so a smaller book leaves no stale parts behind."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()


def generate_book(
    out_dir: str | Path,
    customers: int = 2000,
    seed: int = 0,
    years: float = 2.0,
    end_date: date = date(2026, 6, 30),
    progress: Progress | None = None,
    chunk_customers: int = 20_000,
    lines_per_customer: float = 100.0,
) -> BookSummary:
    """Write a synthetic book to ``out_dir`` and return what was written.

    Same arguments give byte-identical files; ``chunk_customers`` (rounded up to whole
    blocks of 500) only sets how many customers go into each part file and how much
    memory is used, never the data. ``progress(done, total)`` is called after each chunk
    with customers written so far.
    """
    _check("customers", customers, isinstance(customers, int) and customers >= 1, "use 1 or more")
    _check("years", years, years > 0 and years <= 30, "use a period between 0 and 30 years")
    _check(
        "chunk_customers",
        chunk_customers,
        isinstance(chunk_customers, int) and chunk_customers >= 1,
        "use 1 or more (rounded up to whole blocks of 500)",
    )
    _check(
        "lines_per_customer",
        lines_per_customer,
        lines_per_customer > 0 and math.isfinite(lines_per_customer),
        "use a positive mean number of transaction lines per customer, e.g. 100",
    )
    _check("seed", seed, isinstance(seed, int) and seed >= 0, "use a non-negative integer")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pop = draw_population(customers, seed, years, end_date, lines_per_customer)
    catalogue = build_catalogue(seed)
    factors = day_factors(pop.start_day, pop.end_day)
    paths = {
        "customers": out / "customers.parquet",
        "transactions": out / "transactions",
        "activities": out / "activities",
        "signals": out / "signals.parquet",
        "tasks": out / "tasks.parquet",
        "truth": out / "_truth.parquet",
        "team": out / "_team.parquet",
    }
    _clear_parts(paths["transactions"])
    _clear_parts(paths["activities"])
    _write(tables.customers_table(pop), paths["customers"])
    _write(tables.team_table(pop), paths["team"])
    blocks = -(-customers // BLOCK_CUSTOMERS)
    per_chunk = max(1, -(-chunk_customers // BLOCK_CUSTOMERS))
    revenue = np.zeros(customers)
    net_profit = np.zeros(customers)
    counters = {"order": 0, "note": 0, "task": 0}
    with _BookWriter(paths) as writer, ThreadPoolExecutor(max_workers=2) as background:
        pending: list[Future[None]] = []
        done = 0
        for part, first_block in enumerate(range(0, blocks, per_chunk)):
            chunk: dict[str, list[pa.Table]] = {name: [] for name in _CHUNK_TABLES}
            for block in range(first_block, min(blocks, first_block + per_chunk)):
                lo = block * BLOCK_CUSTOMERS
                hi = min(customers, lo + BLOCK_CUSTOMERS)
                for name, table in _draw_block(
                    pop, catalogue, factors, seed, block, lo, hi, counters, revenue, net_profit
                ).items():
                    chunk[name].append(table)
            # write this chunk while the next one is drawn (transactions beside the rest);
            # the previous chunk is finished first, so appends stay in order
            if pending:
                _wait(pending)
                _report(progress, done, customers)
            pending = [
                background.submit(writer.write_chunk, part, {n: chunk[n] for n in group})
                for group in _WRITE_GROUPS
            ]
            done = min(customers, (first_block + per_chunk) * BLOCK_CUSTOMERS)
            del chunk
        if pending:
            _wait(pending)
            _report(progress, done, customers)
    rows = {"customers": customers, **writer.rows}
    _write(tables.truth_table(pop, revenue, net_profit), paths["truth"])
    rows["truth"] = customers
    return BookSummary(
        out_dir=out,
        customers=customers,
        seed=seed,
        start=_to_date(pop.start_day),
        end=end_date,
        rows=rows,
        paths=paths,
    )


_CHUNK_TABLES = ("transactions", "activities", "signals", "tasks")
#: Tables written by each of the two writer threads (about equal work).
_WRITE_GROUPS = (("transactions",), ("activities", "signals", "tasks"))


def _wait(futures: list[Future[None]]) -> None:
    for future in futures:
        future.result()


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """Columns to dictionary-encode: the repeated strings (hashing floats only costs time)."""
    return [f.name for f in schema if pa.types.is_dictionary(f.type)]


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, use_dictionary=_dictionary_columns(table.schema), **WRITE_OPTIONS)


class _BookWriter:
    """Writes each chunk: a part file per folder table, row groups appended to the others."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self.rows = dict.fromkeys(_CHUNK_TABLES, 0)
        self.appenders = {
            name: pq.ParquetWriter(
                paths[name],
                schema,
                use_dictionary=_dictionary_columns(schema),
                **WRITE_OPTIONS,
            )
            for name, schema in (
                ("signals", tables.SIGNALS_SCHEMA),
                ("tasks", tables.TASKS_SCHEMA),
            )
        }

    def __enter__(self) -> _BookWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for appender in self.appenders.values():
            appender.close()

    def write_chunk(self, part: int, chunk: dict[str, list[pa.Table]]) -> None:
        for name, pieces in chunk.items():
            data = pa.concat_tables(pieces)
            self.rows[name] += data.num_rows
            if name in self.appenders:
                self.appenders[name].write_table(data, row_group_size=ROW_GROUP_ROWS)
            else:
                pq.write_table(
                    data,
                    self.paths[name] / f"part-{part:05d}.parquet",
                    row_group_size=ROW_GROUP_ROWS,
                    use_dictionary=_dictionary_columns(data.schema),
                    **WRITE_OPTIONS,
                )


def _draw_block(
    pop: Population,
    catalogue: Catalogue,
    factors: np.ndarray,
    seed: int,
    block: int,
    lo: int,
    hi: int,
    counters: dict[str, int],
    revenue: np.ndarray,
    net_profit: np.ndarray,
) -> dict[str, pa.Table]:
    """Every table's rows for customers ``lo .. hi-1``; advances the id counters."""
    lines = order_lines(_rng(seed, STREAM_ORDERS, block), pop, lo, hi, catalogue, factors)
    acts = activities(_rng(seed, STREAM_ACTIVITIES, block), pop, lo, hi, lines)
    sig = signals(_rng(seed, STREAM_SIGNALS, block), pop, lo, hi)
    tk = tasks(_rng(seed, STREAM_TASKS, block), pop, lo, hi)
    out = {
        "transactions": tables.transactions_table(
            pop, lines, lo, hi, counters["order"], counters["note"], catalogue
        ),
        "activities": tables.activities_table(pop, acts, lo, hi),
        "signals": tables.signals_table(pop, sig, lo, hi),
        "tasks": tables.tasks_table(pop, tk, lo, hi, counters["task"]),
    }
    counters["order"] += lines.orders
    counters["note"] += lines.credit_notes
    counters["task"] += len(tk.customer)
    revenue[lo:hi], net_profit[lo:hi] = window_profit(pop, lo, hi, lines, acts)
    return out


def _to_date(day: int) -> date:
    return (EPOCH + np.timedelta64(day, "D")).astype(object)
