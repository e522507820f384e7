"""Random garbage rows never crash validation, and the accounting always balances."""

from __future__ import annotations

import csv
import io
from datetime import date

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.book.book import read_book
from tierwise.errors import InputError

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "2025-01-02",
            "2025-13-45",
            "1,234.5",
            "(3)",
            "nan",
            "inf",
            "17850.0",
            "-0",
            "2024-02-29 10:00",
            "99999999",
            "1e309",
            "NULL",
            "\u00e9\u20ac",
        ]
    ),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
row = st.tuples(cell, cell, cell)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(row, min_size=1, max_size=25))
def test_garbage_rows_are_accounted_for(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("book")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["customer_id", "date", "amount"])
    writer.writerows(rows)
    (folder / "transactions.csv").write_text(buffer.getvalue(), encoding="utf-8")
    try:
        book = read_book(folder, today=date(2026, 1, 1), con=ibis.duckdb.connect())
    except InputError:
        return  # a clear, named refusal (e.g. ambiguous dates) is an allowed outcome
    acc = book.accounting["transactions"]
    assert acc.accepted + acc.quarantined == acc.read
    assert acc.read == len(rows)  # every written row was read
    accepted = book.transactions.execute()
    assert accepted["customer_id"].notna().all()
    assert accepted["amount"].notna().all()
    assert len(accepted) == acc.accepted
