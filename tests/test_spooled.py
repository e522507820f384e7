"""Details tables written by the engine to Parquet (tierwise.spooled)."""

from __future__ import annotations

import gc
from pathlib import Path

import ibis
import pandas as pd
import pyarrow.csv as pacsv
import pytest

from tierwise.spooled import SpooledTable, _chunk_bounds, as_frame

#: Customers with several rows each, out of order, and a row without a customer.
ROWS = {
    "customer_id": ["c", "a", "b", "a", "d", "c", "a", None, "e", "b"],
    "rank": [2, 3, 1, 1, 1, 1, 2, 1, 1, 2],
}


def test_rows_are_written_in_the_expressions_order_and_copied_as_they_are(tmp_path) -> None:
    con = ibis.duckdb.connect()
    t = con.create_table("t", {"customer_id": ["b", "a", "c", "a"], "rank": [1, 2, 1, 1]})
    spooled = SpooledTable(t, "whitespace", ["customer_id", "rank"])
    assert len(spooled) == 4
    assert spooled.distinct("customer_id") == 3
    expected = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "rank": [1, 2, 1, 1]})
    pd.testing.assert_frame_equal(as_frame(spooled), expected, check_dtype=False)
    # a target whose name SQL would need quoted: the path never goes into SQL text
    target = tmp_path / "it's a folder" / "whitespace.parquet"
    target.parent.mkdir()
    spooled.to_parquet(target, index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(target), expected, check_dtype=False)


def test_the_spool_folder_goes_when_the_table_does() -> None:
    con = ibis.duckdb.connect()
    spooled = SpooledTable(con.create_table("t", {"x": [1]}), "probe", ["x"])
    folder: Path = spooled.path.parent
    assert folder.is_dir() and folder.name.startswith("tierwise-details-")
    del spooled
    gc.collect()
    assert not folder.exists()


def test_a_frame_is_its_own_frame() -> None:
    frame = pd.DataFrame({"x": [1]})
    assert as_frame(frame) is frame


@pytest.mark.parametrize(
    ("chunk_rows", "expected"),
    [
        (1, [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", None)]),
        (3, [("a", "b"), ("b", "d"), ("d", None)]),  # a: 3 rows; b+c: 4; d+e: 2
        (100, [("a", None)]),
    ],
)
def test_chunks_hold_whole_keys_of_about_the_rows_asked(chunk_rows, expected) -> None:
    con = ibis.duckdb.connect()
    assert _chunk_bounds(con.create_table("t", ROWS), "customer_id", chunk_rows) == (expected, 1)


def test_an_empty_table_has_no_chunks() -> None:
    con = ibis.duckdb.connect()
    empty = con.create_table("t", ROWS).filter(ibis._.rank > 9)
    assert _chunk_bounds(empty, "customer_id", 10) == ([], 0)


@pytest.mark.spark
@pytest.mark.parametrize("chunk_rows", [3, 100])  # three chunks, then one
def test_spark_sends_chunks_and_writes_the_same_file_as_duckdb(spark, chunk_rows) -> None:
    duck = SpooledTable(ibis.memtable(ROWS), "t", ["customer_id", "rank"])
    con = ibis.pyspark.connect(spark)
    rows = list(zip(ROWS["customer_id"], ROWS["rank"], strict=True))
    spark.createDataFrame(rows, "customer_id string, rank long").createOrReplaceTempView(
        "spooled_source"
    )
    source = con.table("spooled_source")
    held = set(con.list_tables())
    spooled = SpooledTable(source, "t", ["customer_id", "rank"], chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(as_frame(spooled), as_frame(duck), check_dtype=False)
    assert pd.isna(as_frame(spooled).customer_id.iloc[-1])  # the row without a customer, last
    assert set(con.list_tables()) == held  # the kept copy is released


def test_csv_written_a_batch_at_a_time_is_the_whole_tables_csv(tmp_path) -> None:
    """More rows than one Parquet batch (65,536): the header once, every row in order."""
    con = ibis.duckdb.connect()
    rows = con.sql(
        "SELECT 'c' || lpad(i::VARCHAR, 6, '0') AS customer_id, i / 7 AS share, "
        "DATE '2026-01-01' + (i % 300)::INT AS day FROM range(70000) t(i)"
    )
    spooled = SpooledTable(rows, "scorecard", ["customer_id"])
    assert spooled.columns == ["customer_id", "share", "day"]
    spooled.write_csv(tmp_path / "batches.csv")
    pacsv.write_csv(spooled.to_arrow(), tmp_path / "whole.csv")
    assert (tmp_path / "batches.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert spooled.to_arrow(["day"]).column_names == ["day"]
