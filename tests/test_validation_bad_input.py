"""One test per kind of bad input: each row is accepted or quarantined with its reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.helpers import write_csv
from tierwise.book.book import read_book
from tierwise.book.mapping import mapping_from_flags
from tierwise.errors import InputError

TODAY = date(2026, 1, 31)


def _reasons(book, table="transactions"):
    return book.accounting[table].reasons


def _read(tmp_path: Path, **kwargs):
    return read_book(tmp_path, today=TODAY, **kwargs)


def test_missing_and_empty_customer_ids_are_quarantined(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,10
,2025-01-03,11
   ,2025-01-04,12
""",
    )
    book = _read(tmp_path)
    acc = book.accounting["transactions"]
    assert (acc.read, acc.accepted, acc.quarantined) == (3, 1, 2)
    assert acc.reasons == {"missing customer_id": 2}


def test_unparseable_dates_are_quarantined(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,10
B,not a date,11
C,2025-02-30,12
""",
    )
    assert _reasons(_read(tmp_path)) == {"unparseable date": 2}


def test_future_dates_are_quarantined(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,10
B,2031-01-01,11
""",
    )
    assert _reasons(_read(tmp_path)) == {"date in the future": 1}


def test_non_numeric_and_missing_amounts_are_quarantined(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,10
B,2025-01-02,ten
C,2025-01-02,
""",
    )
    assert _reasons(_read(tmp_path)) == {"non-numeric amount": 1, "missing amount": 1}


def test_exact_duplicate_lines_keep_the_first(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,10
A,2025-01-02,10
A,2025-01-02,10
A,2025-01-02,11
""",
    )
    book = _read(tmp_path)
    assert _reasons(book) == {"exact duplicate of an earlier line": 2}
    lines = sorted(book.quarantine["transactions"].execute()["_line"].tolist())
    assert lines == [3, 4]  # file lines, header is line 1


def test_side_table_rows_of_unknown_customers_are_quarantined(tmp_path):
    write_csv(tmp_path, "transactions.csv", "customer_id,date,amount\nA,2025-01-02,10")
    write_csv(tmp_path, "customers.csv", "customer_id,name\nA,Acme\nB,Beta")
    write_csv(
        tmp_path,
        "activities.csv",
        """
customer_id,date,type,minutes
A,2025-01-02,call,10
B,2025-01-02,call,10
Z,2025-01-02,visit,60
""",
    )
    book = _read(tmp_path)
    assert book.accounting["activities"].reasons == {"unknown customer": 1}
    assert book.accounting["activities"].accepted == 2  # B is a known customer without purchases


def test_duplicate_customer_ids_keep_the_first_row(tmp_path):
    write_csv(tmp_path, "transactions.csv", "customer_id,date,amount\nA,2025-01-02,10")
    write_csv(tmp_path, "customers.csv", "customer_id,name\nA,Acme\nA,Acme Ltd")
    book = _read(tmp_path)
    assert book.accounting["customers"].reasons == {"duplicate customer_id": 1}
    assert book.tables["customers"].execute()["name"].tolist() == ["Acme"]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_and_cp1252_files_are_read(tmp_path, encoding):
    text = (
        "customer_id,date,amount,product\n"
        "A,2025-01-02,10,Caf\u00e9 cr\u00e8me\nB,2025-01-03,5,na\u00efve"
    )
    if encoding == "cp1252":
        text += " \u20ac"
    write_csv(tmp_path, "transactions.csv", text, encoding=encoding)
    book = _read(tmp_path)
    products = sorted(book.transactions.execute()["product"])
    assert products[0] == "Caf\u00e9 cr\u00e8me"
    assert products[1].startswith("na\u00efve")
    assert any("converted to UTF-8" in n for n in book.accounting["transactions"].notes)


def test_thousands_separators_and_accounting_negatives_are_numbers(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,"1,234.50"
B,2025-01-02,(12.00)
C,2025-01-02,"12,345,678"
""",
    )
    amounts = sorted(_read(tmp_path).transactions.execute()["amount"])
    assert amounts == [-12.0, 1234.5, 12345678.0]


def test_decimal_comma_is_refused_without_a_setting_and_read_with_one(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        'customer_id;date;amount\nA;2025-01-02;"12,50"\nB;2025-01-02;"1.234,50"',
    )
    with pytest.raises(InputError, match="decimal comma"):
        _read(tmp_path)
    mapping = mapping_from_flags().merged(
        type(mapping_from_flags()).model_validate({"read": {"decimal": ","}})
    )
    amounts = sorted(_read(tmp_path, mapping=mapping).transactions.execute()["amount"])
    assert amounts == [12.5, 1234.5]


def test_ambiguous_day_month_order_stops_with_the_fix(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,03/04/2025,10
B,05/06/2025,11
""",
    )
    with pytest.raises(InputError, match=r"could be day/month or month/day.*--date-format"):
        _read(tmp_path)


def test_ambiguous_dates_read_with_an_explicit_format(tmp_path):
    write_csv(tmp_path, "transactions.csv", "customer_id,date,amount\nA,03/04/2025,10")
    book = _read(tmp_path, mapping=mapping_from_flags(date_formats=["%d/%m/%Y"]))
    assert book.transactions.execute()["date"][0].date() == date(2025, 4, 3)


def test_day_first_dates_are_detected_from_a_day_over_12(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,03/04/2025,10
B,25/06/2025 14:30,11
""",
    )
    dates = sorted(d.date() for d in _read(tmp_path).transactions.execute()["date"])
    assert dates == [date(2025, 4, 3), date(2025, 6, 25)]


def test_month_first_dates_are_detected_from_a_day_over_12(tmp_path):
    write_csv(
        tmp_path, "transactions.csv", "customer_id,date,amount\nA,03/04/2025,10\nB,06/25/2025,11"
    )
    dates = sorted(d.date() for d in _read(tmp_path).transactions.execute()["date"])
    assert dates == [date(2025, 3, 4), date(2025, 6, 25)]


def test_mixed_day_and_month_first_dates_stop_the_run(tmp_path):
    write_csv(
        tmp_path, "transactions.csv", "customer_id,date,amount\nA,13/04/2025,10\nB,06/25/2025,11"
    )
    with pytest.raises(InputError, match="both day-first and month-first"):
        _read(tmp_path)


def test_missing_required_column_names_file_column_and_fix(tmp_path):
    path = write_csv(tmp_path, "transactions.csv", "client,when,total_value\nA,2025-01-02,10")
    with pytest.raises(InputError) as info:
        _read(tmp_path)
    message = str(info.value)
    assert str(path) in message and "customer_id" in message and "--map" in message


def test_unreadable_file_stops_with_the_file_named(tmp_path):
    path = tmp_path / "transactions.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(InputError, match=r"transactions\.parquet"):
        _read(tmp_path)


def test_mixed_currencies_need_rates(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount,currency
A,2025-01-02,10,EUR
B,2025-01-02,10,USD
""",
    )
    with pytest.raises(InputError, match=r"mixed currencies need rates.*fx_rates"):
        _read(tmp_path)
    book = _read(tmp_path, currency="EUR", fx_rates={"USD": 0.5})
    assert sorted(book.transactions.execute()["amount"]) == [5.0, 10.0]


def test_malformed_csv_lines_are_quarantined_with_their_line_number(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,10
B,2025-01-02,11,extra,fields
C,2025-01-03,12
""",
    )
    book = _read(tmp_path)
    acc = book.accounting["transactions"]
    assert (acc.read, acc.accepted, acc.quarantined) == (3, 2, 1)
    quarantine = book.quarantine["transactions"].execute()
    assert quarantine["_line"].tolist() == [3]
    assert quarantine["reason"].iloc[0].startswith("malformed line")
    assert quarantine["customer_id"].iloc[0] == "B,2025-01-02,11,extra,fields"  # the original line
    accepted = book.transactions.execute().sort_values("customer_id")
    assert accepted["customer_id"].tolist() == ["A", "C"]


def test_float_formatted_ids_are_read_as_integers(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        "customer_id,date,amount\n17850.0,2025-01-02,10\nX-1,2025-01-02,1",
    )
    ids = sorted(_read(tmp_path).transactions.execute()["customer_id"])
    assert ids == ["17850", "X-1"]
