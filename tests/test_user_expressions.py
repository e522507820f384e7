"""Filters and derived columns written by users are parsed into a checked tree, never pasted."""

from __future__ import annotations

import ibis
import pytest

from tierwise.book.expressions import (
    build_filter,
    build_value,
    parse_filter,
    parse_value,
    value_columns,
)
from tierwise.book.parse import parse_number
from tierwise.errors import InputError

ROWS = ibis.memtable(
    {
        "stage": ["Won", "Lost", "Won", None],
        "value": ["1,200", "0", "x", "30"],
        "Unit Price": ["2", "3", "4", "5"],
    }
)


def kept(condition: str) -> list[int]:
    t = ROWS.mutate(_i=ibis.row_number())
    cond = build_filter(parse_filter(condition), t, parse_number).fill_null(False)
    return sorted(t.filter(cond)._i.execute().tolist())


@pytest.mark.parametrize(
    ("condition", "rows"),
    [
        ("stage = 'Won'", [0, 2]),
        ("stage <> 'Won'", [1]),
        ("stage IN ('Won', 'Lost') AND value > 100", [0]),
        ("stage IS NULL OR value BETWEEN 1 AND 50", [3]),
        ("stage IS NOT NULL", [0, 1, 2]),
        ("stage LIKE 'W%'", [0, 2]),
        ("NOT (stage = 'Lost')", [0, 2]),
        ('"Unit Price" * 2 >= 8', [2, 3]),
        ("value IN (0, 30)", [1, 3]),
    ],
)
def test_filters_keep_the_rows_they_say(condition, rows):
    assert kept(condition) == rows


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("read_csv('/etc/passwd') IS NULL", "is not allowed"),
        ("stage IN (SELECT 1)", "is not allowed"),
        ("stage = 'Won'; DROP TABLE t", "not several statements"),
        ("lower(stage) = 'won'", "is not allowed"),
        ("t.stage = 'Won'", "names a table"),
        ("stage", "is not a condition"),
        ("stage = ", "cannot be parsed"),
    ],
)
def test_anything_outside_the_allow_list_is_refused(text, words):
    with pytest.raises(InputError, match=words):
        parse_filter(text)


def test_a_filter_on_an_unknown_column_names_the_file_columns():
    with pytest.raises(InputError, match=r"no column 'Won'.*single quotes"):
        build_filter(parse_filter('stage = "Won"'), ROWS, parse_number)


def test_derived_columns_read_quoted_names_and_compute():
    t = ibis.memtable({"Qty": [2.0, -1.0], "Unit Price": [3.0, 4.0]})
    text = '"Unit Price" * abs(Qty) - 1'
    assert value_columns(text) == ["Unit Price", "Qty"]
    value = build_value(text, {"Qty": t.Qty, "Unit Price": t["Unit Price"]})
    assert t.select(v=value).v.execute().tolist() == [5.0, 3.0]


def test_derived_columns_refuse_functions_and_text():
    with pytest.raises(InputError, match="is not allowed"):
        parse_value("read_parquet('x') * 2")
    with pytest.raises(InputError, match="is not allowed"):
        value_columns("Qty * 'a' = 1")
    assert value_columns("Customer ID") is None  # a column name with a space, not an expression
    assert value_columns("Select") is None  # a name that is an SQL keyword: a candidate column
