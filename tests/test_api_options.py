"""The Python API takes dates as text and the CLI's mapping options under the same names."""

from __future__ import annotations

from datetime import date, datetime

import pytest

import tierwise
from tests.helpers import write_csv
from tierwise.book.mapping import mapping_from_options


@pytest.fixture
def deals(tmp_path):
    write_csv(
        tmp_path,
        "deals.csv",
        """
Account,Closed,Qty,Unit Price,Stage,Agent
A,2025-01-02,2,50,Won,Ann
A,2025-03-02,1,50,Won,Bob
B,2025-02-01,1,10,Lost,Ann
""",
    )
    return tmp_path


def test_analyze_takes_as_of_as_text_and_the_cli_mapping_options(deals):
    result = tierwise.analyze(
        deals,
        as_of="2025-06-01",
        tables={"transactions": "deals.csv"},
        map={
            "customer_id": "Account",
            "date": "Closed",
            "amount": 'Qty * "Unit Price"',
            "owner": "Agent",
        },
        where="Stage = 'Won'",
        today="2026-01-01",
    )
    assert result.as_of == date(2025, 6, 1)
    frame = result.scorecard.set_index("customer_id")
    assert list(frame.index) == ["A"]  # B's only deal was lost
    assert frame.loc["A", "revenue"] == pytest.approx(150.0)
    assert frame.loc["A", "owner"] == "Bob"  # the rep on the most recent deal
    acc = result.book.accounting["transactions"]
    assert (acc.in_files, acc.read, acc.accepted, acc.filtered_out) == (3, 2, 2, 1)
    assert result.run_info()["owners"]["rule"] == "most_recent"


def test_read_book_takes_the_same_options(deals):
    book = tierwise.read_book(
        deals,
        tables={"transactions": deals / "deals.csv"},
        map=["customer_id=Account", "date=Closed", "amount=Qty"],
        where={"transactions": ["Stage = 'Won'", "Qty > 1"]},
        today=datetime(2026, 1, 1, 12),
    )
    assert book.accounting["transactions"].accepted == 1


@pytest.mark.parametrize("value", ["01/07/2024", "2024-13-01", 20240701])
def test_a_date_that_is_no_date_says_so(deals, value):
    with pytest.raises(tierwise.InputError, match=r"as_of=.* is not a date"):
        tierwise.analyze(deals / "deals.csv", as_of=value)


def test_mapping_options_on_a_book_already_read_are_refused(deals):
    book = tierwise.read_book(
        deals / "deals.csv",
        map={"customer_id": "Account", "date": "Closed", "amount": "Qty"},
        today=date(2026, 1, 1),
    )
    with pytest.raises(tierwise.InputError, match="read already"):
        tierwise.analyze(book, where="Stage = 'Won'")


def test_no_options_make_no_mapping():
    assert mapping_from_options() is None
    mapping = mapping_from_options(date_format={"transactions.date": "%d/%m/%Y"})
    assert mapping is not None
    assert mapping.table("transactions").date_format == {"date": "%d/%m/%Y"}
