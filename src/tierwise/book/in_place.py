"""Tables already in the engine, validated where they are rather than copied.

A book can be the tables of a Spark session's catalog (Databricks, a cluster through
Spark Connect) or of a DuckDB database: ``read_book("sales", con=con)`` reads the tables
named like the contract's (``transactions``, ``customers`` …) in database ``sales``, and
``read_book({"transactions": t, ...})`` the Ibis tables given. Their rows stay in the
engine; each gets ``_file`` (the table's name) and ``_line`` (a position, so a rejected
row can be found again), kept once for the run so the position never changes.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from tierwise.book.contract import READ_ORDER
from tierwise.book.readers import RawTable
from tierwise.book.store import keep_table
from tierwise.engine import is_duckdb, materialise
from tierwise.errors import InputError

# What the engine of an in-place book must be: tierwise keeps tables on DuckDB and Spark only
ENGINES = ("duckdb", "pyspark")


def tables_in(
    con: ibis.BaseBackend, database: str | None, names: Mapping[str, str]
) -> dict[str, ir.Table]:
    """The contract tables found in ``database`` of ``con`` (None: the current one),
    each under its own name or the one ``names`` gives it (``--table customers=accounts``)."""
    check_engine(con)
    where = f"database {database}" if database else "the current database"
    try:
        present = set(con.list_tables(database=database))
    except Exception as exc:
        raise InputError(f"{con.name}: cannot list the tables of {where}: {exc}") from exc
    found = {}
    for name in READ_ORDER:
        table = names.get(name, name)
        if table in present:
            found[name] = con.table(table, database=database)
        elif name in names:
            raise InputError(
                f"{con.name}: {where} has no table {table!r} for {name}; it has "
                f"{sorted(present) or 'no tables'}"
            )
    return found


def backend_of(tables: Mapping[str, ir.Table], con: ibis.BaseBackend | None) -> ibis.BaseBackend:
    """The one backend that holds every given table (and is ``con``, when given)."""
    unknown = sorted(set(tables) - set(READ_ORDER))
    if unknown:
        raise InputError(
            f"book tables {unknown} are not tables tierwise reads; name them "
            f"{', '.join(READ_ORDER)}"
        )
    backends = {id(b): b for b in (_backend(t) for t in tables.values())}
    if con is not None:
        backends.setdefault(id(con), con)
    if len(backends) != 1:
        raise InputError(
            "the book's tables are in different engines (or not in con); give tables of one "
            "connection, the one passed as con"
        )
    found = next(iter(backends.values()))
    check_engine(found)
    return found


def _backend(table: object) -> ibis.BaseBackend:
    if not isinstance(table, ir.Table):
        raise InputError(f"a book table must be an Ibis table, not {type(table).__name__}")
    return table._find_backend()


def check_engine(con: ibis.BaseBackend) -> None:
    if con.name not in ENGINES:
        raise InputError(
            f"tierwise analyses on DuckDB or Spark, not on {con.name}; to read its tables, "
            f"give its URL as the book ({con.name}://…), and they are copied into DuckDB"
        )


def read_in_place(con: ibis.BaseBackend, table: ir.Table, name: str, label: str) -> RawTable:
    """``table`` as raw rows of ``name``, numbered once: on Spark a cached view (Spark's
    row ids, computed once), on DuckDB a table (its row numbers)."""
    if is_duckdb(con):
        numbered = table.mutate(
            _file=ibis.literal(label), _line=(ibis.row_number() + 1).cast("int64")
        )
        expr = keep_table(con, f"raw_{name}", numbered)
    else:
        from pyspark.sql import functions as F

        from tierwise.book.spark_readers import spark_frame

        frame = spark_frame(con, table).select(
            "*",
            F.lit(label).alias("_file"),
            (F.monotonically_increasing_id() + 1).alias("_line"),
        )
        frame.createOrReplaceTempView(f"raw_{name}_source")
        expr = materialise(con, f"raw_{name}", con.table(f"raw_{name}_source"))
    return RawTable(
        name, expr, [label], [c for c in table.columns if not c.startswith("_")], lazy=True
    )
