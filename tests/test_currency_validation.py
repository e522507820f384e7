"""Every accepted row has its values: a row whose amount cannot be converted is quarantined."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import ibis
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import write_csv
from tierwise.book.book import read_book
from tierwise.errors import InputError

TODAY = date(2026, 1, 1)


def _read(folder: Path, **kwargs):
    return read_book(folder, today=TODAY, **kwargs)


def test_a_blank_currency_goes_to_the_quarantine_not_an_empty_amount(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount,currency
A,2025-01-02,10,EUR
B,2025-01-02,10,USD
C,2025-01-03,10,
D,2025-01-03,10,"   "
""",
    )
    book = _read(tmp_path, currency="EUR", fx_rates={"USD": 0.5})
    acc = book.accounting["transactions"]
    assert acc.reasons == {"unknown currency": 2}
    accepted = book.transactions.execute()
    assert sorted(accepted["customer_id"]) == ["A", "B"]
    assert sorted(accepted["amount"]) == [5.0, 10.0]
    quarantine = book.quarantine["transactions"].execute()
    assert sorted(quarantine["customer_id"]) == ["C", "D"]


def test_rate_keys_and_codes_are_compared_trimmed_and_upper_case(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount,currency
A,2025-01-02,10,eur
B,2025-01-02,10, usd
C,2025-01-02,10,Usd
""",
    )
    book = _read(tmp_path, currency=" eur", fx_rates={"usd ": 0.5})
    assert book.accounting["transactions"].quarantined == 0
    frame = book.transactions.execute().set_index("customer_id")
    assert frame["amount"].to_dict() == {"A": 10.0, "B": 5.0, "C": 5.0}
    assert set(frame["currency"]) == {"EUR"}


def test_a_book_currency_other_than_the_files_needs_a_rate(tmp_path):
    write_csv(tmp_path, "transactions.csv", "customer_id,date,amount,currency\nA,2025-01-02,10,USD")
    with pytest.raises(InputError, match=r"\['USD'\].*fx_rates: \{USD: 1\.0\}"):
        _read(tmp_path, currency="EUR")


code = st.sampled_from(["EUR", "eur", " USD ", "usd", "", " ", "GBP"])
value = st.sampled_from(["", " ", "A", "b ", "17850.0", "2025-01-02", "12.5", "-3", "x", "(4)"])
date_cell = st.sampled_from(["", "2025-01-02", "2025-02-30", "2024-12-31 10:00", "soon"])
amount_cell = st.sampled_from(["", "10", "1,234.50", "(3)", "abc", "nan", "0", " 7 "])
row = st.tuples(value, date_cell, amount_cell, code)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(row, min_size=1, max_size=20),
    rates=st.sampled_from([None, {"USD": 0.5, "GBP": 1.2}, {"usd": 0.5, "gbp": 1.2}]),
    with_currency=st.booleans(),
)
@example(
    rows=[("A", "2025-01-02", "10", "EUR"), ("B", "2025-01-02", "10", "")],
    rates={"USD": 0.5, "GBP": 1.2},
    with_currency=True,
)
def test_every_accepted_row_has_an_id_a_date_and_an_amount(
    tmp_path_factory, rows, rates, with_currency
):
    """The invariant of the whole validation step, whatever the rows and the rates."""
    folder = tmp_path_factory.mktemp("book")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["customer_id", "date", "amount", "currency"]
    writer.writerow(header if with_currency else header[:3])
    writer.writerows(r if with_currency else r[:3] for r in rows)
    (folder / "transactions.csv").write_text(buffer.getvalue(), encoding="utf-8")
    try:
        book = read_book(
            folder,
            today=TODAY,
            con=ibis.duckdb.connect(),
            fx_rates=rates,
            currency="EUR" if rates else None,
        )
    except InputError:
        return  # a clear, named refusal (mixed currencies without rates, ambiguous dates)
    acc = book.accounting["transactions"]
    assert acc.accepted + acc.quarantined == acc.read == len(rows)
    accepted = book.transactions.execute()
    assert len(accepted) == acc.accepted
    for column in ("customer_id", "date", "amount"):
        assert accepted[column].notna().all(), column
