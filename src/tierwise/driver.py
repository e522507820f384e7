"""Per-customer tables between the engine and this process: Arrow out and back in.

The segmentation's round trip: ranks, tiers and the reasons text are computed on one
process (NumPy, pyarrow.compute) over one row per customer: global percentiles as Spark
window functions would sort the whole book in ONE partition, which is slower than
sorting it on the driver. Per-line data (transactions, signals) never comes here, only
the per-customer table.

On DuckDB both directions are Arrow already (``to_pyarrow``, a registered Arrow table). On
Spark, Ibis goes through pandas both ways: a row-by-row ``toPandas`` out, and in, a
``createDataFrame`` from pandas in which a blank number becomes NaN, a blank text the
string 'NaN' and an integer column with a blank loses every value. So on Spark these
use Spark's own Arrow transfer (``DataFrame.toArrow``, ``createDataFrame(pa.Table)``),
which PySpark has from 4.0 on (Spark Connect included).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tierwise.engine import connect_embedded, drop_relation, is_duckdb


def _spark_session(con: Any) -> Any | None:
    """The Spark session behind ``con``, or None for any other engine."""
    return None if is_duckdb(con) else getattr(con, "_session", None)


def to_driver(expr: ir.Table) -> pa.Table:
    """Execute ``expr`` into an Arrow table on this process, with Ibis's column types.

    Rows come in no particular order on Spark unless ``expr`` is ordered (a sorted
    query's rows are collected in its order).
    """
    con = expr.get_backend()
    session = _spark_session(con)
    if session is None:
        return expr.to_pyarrow()
    con._register_in_memory_tables(expr)
    table = session.sql(con.compile(expr)).toArrow()
    return table.cast(expr.schema().to_pyarrow())


def to_engine(con: Any, name: str, table: pa.Table) -> ir.Table:
    """``table`` as a table of ``con``'s engine, for the stages that join it onto theirs.

    DuckDB reads the Arrow table in place, registered as ``name``; on Spark it becomes the
    temporary view ``name``. ``engine.release`` drops either as soon as the caller is done
    (an Ibis in-memory table would stay registered, and its memory held, until the
    process exits); ``engine.drop_run_tables`` drops what is left at the end of the run
    when ``name`` has a run-table prefix. Joined by ``customer_id``, never by position.
    """
    if is_duckdb(con):
        con.con.register(name, table)
        return con.table(name)
    session = _spark_session(con)
    if session is None:
        return ibis.memtable(table)
    session.createDataFrame(table).createOrReplaceTempView(name)
    return con.table(name)


@contextmanager
def on_driver(name: str, table: pa.Table) -> Iterator[ir.Table]:
    """``table`` as an Ibis table for expressions computed here, on an embedded DuckDB of
    its own that is closed, and the table let go, when the block ends.

    For the driver's passes over a per-customer table (0.75 GB of Arrow at a million
    customers), whatever engine the run uses: nothing of it stays behind for the rest of
    the run.
    """
    con = connect_embedded()
    try:
        yield to_engine(con, name, table)
    finally:
        drop_relation(con, name)
        con.disconnect()
