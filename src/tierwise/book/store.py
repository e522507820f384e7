"""Where the book layer keeps the tables it makes while reading, on either engine.

DuckDB keeps them as tables and views of the connection, as it always has. Spark has no
temporary tables and must not write into the user's warehouse: a table becomes a cached
temporary view (``engine.materialise``) and a view a temporary view.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from tierwise.engine import is_duckdb, materialise


def keep_table(
    con: ibis.BaseBackend, name: str, obj: ir.Table | pd.DataFrame | pa.Table
) -> ir.Table:
    """Compute ``obj`` once and keep it under ``name``, replacing an earlier one.

    On Spark, ``obj`` must not read the relation it replaces (``materialise`` drops it
    first); the callers give each new version its own name instead.
    """
    if is_duckdb(con):
        return con.create_table(name, obj, overwrite=True)
    expr = obj if isinstance(obj, ir.Table) else ibis.memtable(obj)
    return materialise(con, name, expr)


def keep_view(con: ibis.BaseBackend, name: str, expr: ir.Table) -> ir.Table:
    """``expr`` under ``name`` as a view, computed again by each query that reads it
    (a temporary view on Spark, which Ibis's ``create_view`` makes there)."""
    return con.create_view(name, expr, overwrite=True)
