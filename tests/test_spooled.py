"""Details tables written by the engine to Parquet (tierwise.spooled)."""

from __future__ import annotations

import gc
from pathlib import Path

import ibis
import pandas as pd

from tierwise.spooled import SpooledTable, as_frame


def test_rows_are_written_in_the_expressions_order_and_copied_as_they_are(tmp_path) -> None:
    con = ibis.duckdb.connect()
    t = con.create_table("t", {"customer_id": ["b", "a", "c", "a"], "rank": [1, 2, 1, 1]})
    spooled = SpooledTable(t.order_by(["customer_id", "rank"]), "whitespace")
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
    spooled = SpooledTable(con.create_table("t", {"x": [1]}), "probe")
    folder: Path = spooled.path.parent
    assert folder.is_dir() and folder.name.startswith("tierwise-details-")
    del spooled
    gc.collect()
    assert not folder.exists()


def test_a_frame_is_its_own_frame() -> None:
    frame = pd.DataFrame({"x": [1]})
    assert as_frame(frame) is frame
