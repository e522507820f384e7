"""A local Spark session for the tests that run stages on PySpark, and a book moved onto it.

The session is shared by every test in a worker process (``spark`` fixture in conftest);
it skips, saying why, where Java or PySpark is missing.
"""

from __future__ import annotations

import shutil
from typing import Any

import ibis
import pyarrow as pa
import pytest

from tierwise.book.book import Book


def local_spark() -> Any:
    """A local two-core Spark session in UTC, with the web UI off and few shuffle partitions."""
    if shutil.which("java") is None:
        pytest.skip("PySpark needs Java (the test command installs a JRE on Debian)")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    return (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("tierwise-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        # the whole analysis builds plans whose printed form outgrew 2 GB of heap
        .config("spark.sql.maxPlanStringLength", "1m")
        .getOrCreate()
    )


def on_spark(book: Book, spark: Any) -> Book:
    """``book`` (read by DuckDB) with its accepted tables copied into Spark temporary views,
    for tests of the stages: the same rows, so both engines must give the same figures.

    Copied as Arrow, not pandas: through pandas a blank number arrives in Spark as NaN and
    a blank text as the string 'NaN', which are other values than DuckDB reads."""
    con = ibis.pyspark.connect(spark)
    tables = {}
    for name, table in book.tables.items():
        view = f"tw_test_{name}"
        spark_view(spark, table.to_pyarrow(), view)
        tables[name] = con.table(view)
    owners = None
    if book.owners is not None:
        spark_view(spark, book.owners.to_pyarrow(), "tw_test_owners")
        owners = con.table("tw_test_owners")
    return Book(
        source=book.source,
        con=con,
        tables=tables,
        quarantine={},
        accounting=book.accounting,
        missing=book.missing,
        preset=book.preset,
        warnings=book.warnings,
        owners=owners,
        owner_source=book.owner_source,
    )


def spark_view(spark: Any, rows: pa.Table, name: str) -> None:
    """``rows`` as the Spark temporary view ``name``, each missing value a null.

    Built from Python values with Ibis's Spark types: through pandas, a missing number
    would arrive as NaN and a missing text as the text "NaN".
    """
    from ibis.backends.pyspark.datatypes import PySparkSchema

    schema = PySparkSchema.from_ibis(ibis.Schema.from_pyarrow(rows.schema))
    spark.createDataFrame(rows.to_pylist(), schema=schema).createOrReplaceTempView(name)
