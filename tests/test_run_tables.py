"""A run leaves nothing behind in the engine: notebooks analyse the same book again and
again in one session, and each run's per-stage tables would otherwise pile up."""

from __future__ import annotations

from pathlib import Path

import tierwise
from tierwise.demo import generate_book


def test_analysing_twice_leaves_no_more_tables_than_before(tmp_path: Path) -> None:
    generate_book(tmp_path / "book", customers=120, seed=5)
    book = tierwise.read_book(tmp_path / "book")
    before = set(book.con.list_tables())

    first = tierwise.analyze(book)
    after_once = set(book.con.list_tables())
    second = tierwise.analyze(book)
    after_twice = set(book.con.list_tables())

    assert after_twice == after_once == before
    assert not [n for n in after_twice if n.startswith(("tw_scorecard_", "tw_facts"))]
    # the book still reads, and the second run sees the same figures as the first
    assert first.scorecard_arrow.num_rows == second.scorecard_arrow.num_rows > 0
    assert first.scorecard_arrow.equals(second.scorecard_arrow)
    assert first.portfolio["tiers"] == second.portfolio["tiers"]
