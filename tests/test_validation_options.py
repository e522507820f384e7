"""Validation options that trade checks for speed on very large books."""

from __future__ import annotations

from datetime import date

from tests.helpers import write_csv
from tierwise.book.book import read_book
from tierwise.book.mapping import BookMapping


def test_exact_duplicate_check_can_be_turned_off(tmp_path):
    write_csv(
        tmp_path, "transactions.csv", "customer_id,date,amount\nA,2025-01-02,10\nA,2025-01-02,10"
    )
    checked = read_book(tmp_path, today=date(2026, 1, 1))
    assert checked.accounting["transactions"].reasons == {"exact duplicate of an earlier line": 1}
    mapping = BookMapping.model_validate({"read": {"exact_duplicates": False}})
    unchecked = read_book(tmp_path, today=date(2026, 1, 1), mapping=mapping)
    acc = unchecked.accounting["transactions"]
    assert (acc.read, acc.accepted, acc.quarantined) == (2, 2, 0)
