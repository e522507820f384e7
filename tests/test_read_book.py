"""Reading a book from each kind of source the contract allows."""

from __future__ import annotations

from datetime import date

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import write_csv
from tierwise.book.book import read_book
from tierwise.errors import InputError

TODAY = date(2026, 1, 31)
ROWS = pd.DataFrame(
    {
        "customer_id": ["A", "A", "B"],
        "date": pd.to_datetime(["2025-01-02", "2025-02-03", "2025-03-04"]),
        "amount": [10.0, 20.0, 5.0],
    }
)


def test_a_folder_of_csv_gz_files_with_side_tables(tmp_path):
    ROWS.to_csv(tmp_path / "transactions.csv.gz", index=False)
    write_csv(
        tmp_path,
        "customers.csv",
        "customer_id,name,owner,strategic_fit\nA,Acme,Ann,0.8\nB,Beta,Bob,0.1",
    )
    book = read_book(tmp_path, today=TODAY)
    assert book.accounting["transactions"].accepted == 3
    assert book.missing == ["activities", "signals", "tasks", "contacts"]
    customers = book.tables["customers"].execute().set_index("customer_id")
    # extra customer columns travel along as attributes the policy may use
    assert customers.loc["A", "strategic_fit"] == "0.8"


def test_a_folder_of_parquet_parts_reports_file_and_row(tmp_path):
    parts = tmp_path / "transactions"
    parts.mkdir()
    pq.write_table(pa.Table.from_pandas(ROWS.iloc[:2]), parts / "part-0.parquet")
    bad = ROWS.iloc[2:].assign(customer_id=[None])
    pq.write_table(pa.Table.from_pandas(bad), parts / "part-1.parquet")
    book = read_book(tmp_path, today=TODAY)
    acc = book.accounting["transactions"]
    assert (acc.read, acc.accepted, acc.quarantined) == (3, 2, 1)
    quarantine = book.quarantine["transactions"].execute()
    assert quarantine["_file"].iloc[0].endswith("part-1.parquet")
    assert quarantine["_line"].iloc[0] == 1


def test_an_excel_workbook(tmp_path):
    ROWS.to_excel(tmp_path / "transactions.xlsx", index=False)
    book = read_book(tmp_path, today=TODAY)
    assert sorted(book.transactions.execute()["amount"]) == [5.0, 10.0, 20.0]


def test_a_single_file_is_the_transactions_table(tmp_path):
    path = tmp_path / "export_2025.csv"
    ROWS.to_csv(path, index=False)
    book = read_book(path, today=TODAY)
    assert book.accounting["transactions"].accepted == 3


def test_tables_behind_an_ibis_duckdb_url(tmp_path):
    db = tmp_path / "crm.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE transactions AS SELECT * FROM ROWS")
        con.execute("CREATE TABLE customers AS SELECT 'A' AS customer_id, 'Acme' AS name")
    book = read_book(f"duckdb://{db}", today=TODAY)
    assert book.accounting["transactions"].accepted == 3
    assert book.accounting["customers"].accepted == 1


def test_a_book_without_transactions_says_how_to_name_them(tmp_path):
    write_csv(tmp_path, "customers.csv", "customer_id\nA")
    with pytest.raises(InputError, match="no transactions table"):
        read_book(tmp_path, today=TODAY)


def test_line_numbers_after_a_malformed_line_stay_true(tmp_path):
    write_csv(
        tmp_path,
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,10
B,2025-01-02,11,extra
C,2025-01-03,
D,2025-01-03,4
""",
    )
    quarantine = read_book(tmp_path, today=TODAY).quarantine["transactions"].execute()
    lines = dict(zip(quarantine["reason"].str.split(":").str[0], quarantine["_line"], strict=True))
    assert lines == {"malformed line": 3, "missing amount": 4}


def test_text_books_keep_a_typed_copy_and_parquet_books_stay_a_view(tmp_path):
    """Text is parsed once, not in every later scan; a Parquet book is never copied."""
    text_book, parquet_book = tmp_path / "text", tmp_path / "parquet"
    text_book.mkdir()
    ROWS.to_csv(text_book / "transactions.csv", index=False)
    (parquet_book / "transactions").mkdir(parents=True)
    ROWS.to_parquet(parquet_book / "transactions" / "part-0.parquet", index=False)
    for folder, kind in ((text_book, "BASE TABLE"), (parquet_book, "VIEW")):
        con = duckdb.connect()
        book = read_book(folder, today=TODAY, con=ibis.duckdb.from_connection(con))
        found = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'tw_transactions'"
        ).fetchall()
        assert found == [(kind,)], folder
        assert sorted(book.transactions.execute()["amount"]) == [5.0, 10.0, 20.0]
