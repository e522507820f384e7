"""Reading clean text without per-row string work gives the same book as reading it warily.

Validation learns which text columns need stripping or id repair (``TextShape``) in the
scan that counts rejections, stripping meanwhile only the values that need it; the
accepted view then leaves the work out where no value needs it. These tests check the
detection, that stripping only where needed equals always stripping, and that the fast
reading and the always-strip reading accept, reject and type exactly the same rows.
"""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tierwise.book.validate as validate_module
from tierwise.book.book import read_book
from tierwise.book.parse import (
    UNKNOWN_SHAPE,
    TextShape,
    blank,
    parse_id,
    parse_text,
    shape_aggregates,
    shapes_from,
)


def text_shapes(table: ibis.Table, columns: list[str]) -> dict[str, TextShape]:
    """The shapes one scan of ``table`` finds, as validation's counting scan finds them."""
    rows = table.aggregate(**shape_aggregates(table, columns)).to_pyarrow().to_pylist()
    return shapes_from(rows, columns)


@pytest.mark.parametrize("pad", list(string.whitespace))
@pytest.mark.parametrize("where", ["start", "end"])
def test_every_whitespace_character_at_either_end_marks_a_column_padded(pad, where):
    value = pad + "C1" if where == "start" else "C1" + pad
    table = ibis.memtable({"id": ["C0", value, None]})
    assert text_shapes(table, ["id"])["id"].padded


def test_clean_ids_float_ids_null_and_typed_columns():
    table = ibis.memtable(
        {
            "clean": ["C1", "C2", None],
            "float_ids": ["17850.0", "12", "C 3"],
            "nothing": pd.Series([None, None, None], dtype="string"),
            "number": [1.0, 2.0, 3.0],
        }
    )
    shapes = text_shapes(table, ["clean", "float_ids", "nothing", "number"])
    assert shapes["clean"] == TextShape(padded=False, float_ids=False)
    assert shapes["float_ids"] == TextShape(padded=False, float_ids=True)
    assert shapes["nothing"] == TextShape(padded=False, float_ids=False)
    assert "number" not in shapes  # typed columns need no text work


def _write_parquet_book(folder: Path, frame: pd.DataFrame) -> Path:
    (folder / "transactions").mkdir(parents=True)
    frame.to_parquet(folder / "transactions" / "part-0.parquet", index=False)
    return folder


def _read(folder: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    book = read_book(folder, today=date(2026, 1, 1), con=ibis.duckdb.connect())
    rows = (
        book.transactions.select("customer_id", "date", "amount", "order_id")
        .order_by(["customer_id", "date", "amount", "order_id"])
        .execute()
    )
    return rows, book.accounting["transactions"].reasons


def test_padded_ids_in_a_parquet_book_are_still_stripped(tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": [" C1", "C1\t", "C1", "17850.0"],
            "date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]),
            "amount": [10.0, 20.0, 30.0, 5.0],
        }
    )
    rows, reasons = _read(_write_parquet_book(tmp_path, frame))
    assert sorted(rows["customer_id"].unique()) == ["17850", "C1"]
    assert reasons == {}


cell = st.one_of(
    st.sampled_from(["C1", " C1", "C1 ", "C1\r", "\tC2", "C2", "", " ", "17850.0", "17850", None]),
    st.text(alphabet="C12 \t.0\x0b", max_size=5),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(cell, min_size=1, max_size=12),
    orders=st.lists(cell, min_size=12, max_size=12),
)
def test_fast_and_wary_reading_agree(tmp_path_factory, monkeypatch, ids, orders):
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="object"),
            "order_id": pd.Series(orders[: len(ids)], dtype="object"),
            "date": pd.Timestamp("2025-03-01"),
            "amount": [float(i) for i in range(len(ids))],
        }
    )
    fast = _read(_write_parquet_book(tmp_path_factory.mktemp("fast"), frame))
    with monkeypatch.context() as patch:
        always_strip = {c: TextShape(padded=True, float_ids=True) for c in frame.columns}
        patch.setattr(validate_module, "shapes_from", lambda rows, columns: always_strip)
        wary = _read(_write_parquet_book(tmp_path_factory.mktemp("wary"), frame))
    pd.testing.assert_frame_equal(fast[0], wary[0])
    assert fast[1] == wary[1]


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text(alphabet=" \t\n\r\x0b\x0cC1.0", max_size=6))))
def test_stripping_only_the_values_that_need_it_equals_stripping_all(values):
    table = ibis.memtable(
        {"v": pd.Series(values or [None], dtype="object")}, schema={"v": "string"}
    )
    always = TextShape(padded=True, float_ids=True)
    result = (
        table.select(
            id_needed=parse_id(table.v, UNKNOWN_SHAPE),
            id_always=parse_id(table.v, always),
            blank_needed=blank(table.v, UNKNOWN_SHAPE),
            blank_always=blank(table.v, always),
            text_needed=parse_text(table.v, UNKNOWN_SHAPE),
            text_always=parse_text(table.v, always),
        )
        .to_pyarrow()
        .to_pydict()
    )
    assert result["id_needed"] == result["id_always"]
    assert result["blank_needed"] == result["blank_always"]
    assert result["text_needed"] == result["text_always"]
