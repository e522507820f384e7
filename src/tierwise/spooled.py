"""Tables written by the engine straight to Parquet, not collected.

The scorecard and every details table with a row per customer or more (whitespace: ten
rows per customer, 10M rows and 2.7 GB as Arrow at a million customers; the scorecard,
1.1 GB) are written to files of their own while the run is under way; the run folder
copies the files. The rows never come to the process as one frame, so it holds no copy
of them.

The file lives in a folder tierwise makes for it (``tempfile.mkdtemp``) and is removed
with that folder when the ``SpooledTable`` is no longer referenced.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tierwise.driver import to_driver
from tierwise.engine import is_duckdb, keep, release

#: Rows per query when an engine other than DuckDB sends a table to the driver, which
#: holds one chunk at a time as Arrow (whitespace's rows: about 270 bytes each).
CHUNK_ROWS = 500_000


class SpooledTable:
    """A table as a Parquet file; run_folder writes it as it writes a frame."""

    def __init__(
        self, expr: ir.Table, name: str, order_by: Sequence[str], *, chunk_rows: int = CHUNK_ROWS
    ) -> None:
        """Execute ``expr`` on its engine, writing its rows sorted by ``order_by``."""
        folder = Path(tempfile.mkdtemp(prefix="tierwise-details-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, folder, True)
        self.path = folder / f"{name}.parquet"
        write_parquet(expr, self.path, order_by, chunk_rows=chunk_rows)
        self.rows: int = pq.ParquetFile(self.path).metadata.num_rows

    def __len__(self) -> int:
        return self.rows

    def to_parquet(self, path: str | Path, *, index: bool = False) -> None:
        """Copy the file to ``path`` (``index`` is pandas' keyword; there is no index)."""
        shutil.copyfile(self.path, path)

    def distinct(self, column: str) -> int:
        """How many distinct values ``column`` holds (reads that column only)."""
        values = pq.read_table(self.path, columns=[column]).column(column)
        return int(pc.count_distinct(values).as_py())

    @property
    def columns(self) -> list[str]:
        """The column names, from the file's footer."""
        return list(pq.read_schema(self.path).names)

    def to_arrow(self, columns: Sequence[str] | None = None) -> pa.Table:
        """The rows as Arrow, all columns or only ``columns``."""
        return pq.read_table(self.path, columns=None if columns is None else list(columns))

    def write_csv(self, path: str | Path) -> None:
        """The rows as CSV with a header line, a batch at a time (never the whole table)."""
        source = pq.ParquetFile(self.path)
        with pacsv.CSVWriter(path, source.schema_arrow) as writer:
            for batch in source.iter_batches():
                writer.write_batch(batch)

    def to_pandas(self) -> pd.DataFrame:
        """The rows as pandas (for tests and notebooks; a run never needs it)."""
        return pd.read_parquet(self.path)


#: A details table: a frame the stage collected, or a file the engine wrote.
DetailsTable = pd.DataFrame | SpooledTable


def as_frame(table: DetailsTable) -> pd.DataFrame:
    """A details table as pandas, whichever way the stage produced it."""
    return table.to_pandas() if isinstance(table, SpooledTable) else table


def write_parquet(
    expr: ir.Table, path: Path, order_by: Sequence[str], *, chunk_rows: int = CHUNK_ROWS
) -> None:
    """Write ``expr``'s rows, sorted by ``order_by``, to the Parquet file ``path``.

    DuckDB writes the file itself (a relation's ``write_parquet``: the path goes to DuckDB
    as a value, never into SQL text) and streams the rows. Other engines (Spark) send the
    rows to the driver in chunks of whole ``order_by[0]`` values, about ``chunk_rows``
    rows each, as Arrow (``driver.to_driver``), which the driver appends to one file:
    Spark's own writer makes a folder of part files on storage the executors share, and a
    run folder is one file per table on the driver's disk (docs/SCALING.md). Ibis's Spark
    backend collects a whole table at once through pandas, which at a million customers'
    whitespace killed the driver.
    """
    con = expr._find_backend(use_default=True)
    if is_duckdb(con):
        ordered = expr.order_by(list(order_by))
        con._run_pre_execute_hooks(ordered)  # type: ignore[attr-defined]  # registers memtables
        con.con.sql(con.compile(ordered)).write_parquet(str(path))  # type: ignore[attr-defined]
        return
    kept = keep(expr)  # each chunk reads the kept rows, not the stage's whole plan again
    key = kept[order_by[0]]
    try:
        bounds, nulls = _chunk_bounds(kept, order_by[0], chunk_rows)
        with pq.ParquetWriter(path, kept.schema().to_pyarrow()) as writer:
            for low, high in bounds:
                chunk = kept.filter(key >= low)
                chunk = chunk if high is None else chunk.filter(key < high)
                writer.write_table(to_driver(chunk.order_by(list(order_by))))
            if nulls:  # last, as DuckDB sorts them
                writer.write_table(to_driver(kept.filter(key.isnull()).order_by(list(order_by))))
    finally:
        release(kept)


def _chunk_bounds(table: ir.Table, key: str, chunk_rows: int) -> tuple[list[tuple[Any, Any]], int]:
    """``[low, high)`` ranges of ``key`` holding about ``chunk_rows`` rows each, in order
    (the last one open: ``high`` None), and how many rows have no ``key``.

    Only one row per distinct key (its value and row count) comes to the driver: a
    million customers' ids, not their ten million whitespace rows.
    """
    counts = to_driver(table.group_by(key).aggregate(rows=ibis._.count()))
    present = pc.is_valid(counts.column(key))
    nulls = int(pc.sum(counts.filter(pc.invert(present)).column("rows")).as_py() or 0)
    counts = counts.filter(present).sort_by(key)
    rows = counts.column("rows").to_numpy()
    chunk = (np.cumsum(rows) - rows) // max(chunk_rows, 1)  # the chunk each key starts in
    first = np.flatnonzero(np.diff(chunk, prepend=-1))  # keys that open a chunk
    starts = counts.column(key).take(first).to_pylist()
    bounds = list(zip(starts, [*starts[1:], None], strict=True)) if starts else []
    return bounds, nulls
