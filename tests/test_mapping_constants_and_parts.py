"""Mapping extensions, on tiny hand-made books: a constant column ('visit'), a table
stacked from several exports (parts), and a part's optional columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierwise.book.book import read_book
from tierwise.book.mapping import BookMapping
from tierwise.errors import InputError


def _book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    book.mkdir()
    (book / "transactions.csv").write_text("customer_id,date,amount\nc1,2026-01-02,10\n")
    return book


def test_a_quoted_value_is_a_constant_column(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (book / "visits.csv").write_text("client,day\nc1,2026-01-03\nc1,2026-01-04\n")
    loaded = read_book(
        book,
        tables={"activities": "visits.csv"},
        map={
            "activities.customer_id": "client",
            "activities.date": "day",
            "activities.type": "'visit'",
        },
        today="2026-12-01",
    )
    assert list(loaded.tables["activities"].execute()["type"]) == ["visit", "visit"]


def test_parts_stack_with_their_own_columns_and_skip_absent_files(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (book / "calls.csv").write_text("who,when,secs\nc1,2026-01-03,120\n")
    (book / "visits.csv").write_text("client,day\nc1,2026-01-05\nc9,2026-01-06\n")
    (book / "calls_2.csv").write_text("who,when,secs\nc1,someday,60\n")
    mapping = BookMapping.model_validate(
        {
            "tables": {
                "activities": {
                    "parts": [
                        {
                            "file": ["CALLS*.csv"],
                            "columns": {
                                "customer_id": "WHO",
                                "date": "WHEN",
                                "type": "'call'",
                                "minutes": "SECS / 60",
                            },
                        },
                        {
                            "file": ["visit*.csv"],
                            "columns": {
                                "customer_id": "client",
                                "date": "day",
                                "type": "'visit'",
                                "owner": "rep",
                            },
                            "optional": ["owner"],
                        },
                        {"file": ["emails*.csv"], "columns": {"customer_id": "x"}},
                    ]
                }
            }
        }
    )
    loaded = read_book(book, mapping=mapping, today="2026-12-01")
    acts = loaded.tables["activities"].execute().sort_values("date")
    assert list(acts["type"]) == ["call", "visit"]
    assert acts["minutes"].iloc[0] == pytest.approx(2.0)  # names matched in any case
    acc = loaded.accounting["activities"]
    assert (acc.read, acc.accepted) == (4, 2)
    assert acc.reasons == {"unparseable date": 1, "unknown customer": 1}
    rejected = loaded.quarantine["activities"].execute()
    assert list(rejected.columns)[-1] == "reason"
    assert {"who", "when", "client", "day"} <= {c.lower() for c in rejected.columns}


def test_a_part_cannot_have_parts() -> None:
    with pytest.raises(ValueError, match="part cannot have parts"):
        BookMapping.model_validate(
            {"tables": {"activities": {"parts": [{"parts": [{"file": ["a.csv"]}]}]}}}
        )


def test_unmatched_required_mapping_is_not_optional(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (book / "visits.csv").write_text("client,day\nc1,2026-01-05\n")
    with pytest.raises(InputError, match=r"--map activities.date="):
        read_book(
            book,
            tables={"activities": "visits.csv"},
            map={
                "activities.customer_id": "client",
                "activities.date": "Datum",
                "activities.type": "'visit'",
            },
            today="2026-12-01",
        )
