"""Stripping text on Spark removes whitespace and nothing else, as on DuckDB.

Ibis 12 writes the characters of Spark's TRIM with escapes Spark reads as letters, so
"visit" lost its v and "feedback" its f (tierwise.engine fixes the compiled SQL).
"""

from __future__ import annotations

import ibis
import pytest

import tierwise.engine  # noqa: F401  (applies the fix)

pytestmark = pytest.mark.spark

VALUES = ["visit", "feedback", " \tvisit\x0b", "\x0cfeedback\r\n", "vivid", "  ", "of"]


def test_strip_removes_whitespace_only_on_both_engines(spark):
    expected = [v.strip() for v in VALUES]
    duck = ibis.duckdb.connect()
    on_duckdb = duck.create_table("t", {"x": VALUES})
    assert on_duckdb.x.strip().to_pyarrow().to_pylist() == expected

    spark.createDataFrame([(v,) for v in VALUES], "x string").createOrReplaceTempView("strip_t")
    on_spark = ibis.pyspark.connect(spark).table("strip_t")
    got = on_spark.x.strip().to_pyarrow().to_pylist()
    assert sorted(got) == sorted(expected)
