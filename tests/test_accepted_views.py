"""A Parquet table is kept as a view that later stages scan again and again: when the
checks rejected none of its rows, the view carries no check, nor the join with the known
customers that found none unknown."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.db_fixtures import write_tiny_book
from tierwise.book.book import read_book


def _book_with_activities(folder: Path, customer_ids: list[str]) -> Path:
    write_tiny_book(folder)
    pd.DataFrame(
        {
            "customer_id": customer_ids,
            "date": pd.to_datetime(["2024-03-01"] * len(customer_ids)),
            "type": ["visit"] * len(customer_ids),
            "minutes": [30.0] * len(customer_ids),
        }
    ).to_parquet(folder / "activities.parquet", index=False)
    return folder


def test_a_view_with_nothing_rejected_scans_the_file_alone(tmp_path):
    book = read_book(_book_with_activities(tmp_path / "book", ["C01", "C02", "C03"]))
    assert book.accounting["activities"].quarantined == 0
    assert book.table("activities").count().execute() == 3
    sql = book.con.raw_sql(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'tw_activities'"
    ).fetchone()[0]
    assert "tw_known_customers" not in sql


def test_an_unknown_customer_is_still_quarantined_and_left_out(tmp_path):
    book = read_book(_book_with_activities(tmp_path / "book", ["C01", "NOBODY", "C03"]))
    assert book.accounting["activities"].reasons == {"unknown customer": 1}
    accepted = book.table("activities").execute()
    assert sorted(accepted.customer_id) == ["C01", "C03"]
