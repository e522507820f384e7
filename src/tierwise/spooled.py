"""Details tables written by the engine straight to Parquet, not collected.

A stage whose details table is large (whitespace: ten rows per customer, 10M rows and
2.7 GB as Arrow at a million customers) writes it to a file of its own while the run is
under way; the run folder copies the file. The rows never come to the driver as a frame,
so the process holds no copy of them.

The file lives in a folder tierwise makes for it (``tempfile.mkdtemp``) and is removed
with that folder when the ``SpooledTable`` is no longer referenced.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

import ibis.expr.types as ir
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tierwise.engine import is_duckdb


class SpooledTable:
    """A details table as a Parquet file; run_folder writes it as it writes a frame."""

    def __init__(self, expr: ir.Table, name: str) -> None:
        """Execute ``expr`` on its engine, writing its rows in order to a new file."""
        folder = Path(tempfile.mkdtemp(prefix="tierwise-details-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, folder, True)
        self.path = folder / f"{name}.parquet"
        write_parquet(expr, self.path)
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

    def to_pandas(self) -> pd.DataFrame:
        """The rows as pandas (for tests and notebooks; a run never needs it)."""
        return pd.read_parquet(self.path)


#: A details table: a frame the stage collected, or a file the engine wrote.
DetailsTable = pd.DataFrame | SpooledTable


def as_frame(table: DetailsTable) -> pd.DataFrame:
    """A details table as pandas, whichever way the stage produced it."""
    return table.to_pandas() if isinstance(table, SpooledTable) else table


def write_parquet(expr: ir.Table, path: Path) -> None:
    """Write ``expr``'s rows to the Parquet file ``path``, from the engine.

    DuckDB writes the file itself (a relation's ``write_parquet``: the path goes to DuckDB
    as a value, never into SQL text) and streams the rows. Other engines (Spark) stream
    Arrow batches to the driver, which appends them to one file: Spark's own writer makes
    a folder of part files on storage the executors share, and a run folder is one file
    per table on the driver's disk (docs/SCALING.md).
    """
    con = expr._find_backend(use_default=True)
    if is_duckdb(con):
        con._run_pre_execute_hooks(expr)  # type: ignore[attr-defined]  # registers memtables
        con.con.sql(con.compile(expr)).write_parquet(str(path))  # type: ignore[attr-defined]
        return
    batches = expr.to_pyarrow_batches()
    with pq.ParquetWriter(path, batches.schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
