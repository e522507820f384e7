"""Scorecards as lazy Ibis tables over their Parquet files, one DuckDB connection per thread.

A DuckDB connection must not run two queries at once, and the app answers requests on a
pool of threads; each thread gets its own connection and its own views of the scorecards
it has read, so requests never share a cursor. Nothing is loaded into Python: filters,
sorting and paging run in DuckDB over the Parquet file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow.parquet as pq

#: DuckDB threads per connection; the app already runs requests in parallel.
ENGINE_THREADS = 2


class ScorecardStore:
    """Hands out the scorecard of a run folder as an Ibis table for the calling thread."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[ibis.BaseBackend] = []
        self._lock = threading.Lock()

    def table(self, run_dir: Path) -> ir.Table:
        tables: dict[Path, ir.Table] | None = getattr(self._local, "tables", None)
        if tables is None:
            tables = self._local.tables = {}
        table = tables.get(run_dir)
        if table is None:
            con = getattr(self._local, "con", None)
            if con is None:
                con = self._local.con = connect()
                with self._lock:
                    self._all.append(con)
            table = con.read_parquet(run_dir / "scorecard.parquet", table_name=f"sc{len(tables)}")
            tables[run_dir] = table
        return table

    def close(self) -> None:
        """Close every thread's connection (at shutdown: DuckDB must not outlive the app)."""
        with self._lock:
            connections, self._all = self._all, []
        for con in connections:
            con.disconnect()


def connect() -> ibis.BaseBackend:
    """A fresh DuckDB connection for scorecard queries."""
    con = ibis.duckdb.connect()
    con.raw_sql(f"SET threads = {ENGINE_THREADS}")
    return con


def columns(run_dir: Path) -> list[str]:
    """The scorecard's column names, read from the Parquet footer only."""
    return list(pq.read_schema(run_dir / "scorecard.parquet").names)
