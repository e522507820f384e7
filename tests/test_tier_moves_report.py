"""A second run of the same book shows who moved tier or level, in portfolio.json and the report."""

from __future__ import annotations

import json
from datetime import date

import tierwise
from tierwise.demo import generate_book


def test_second_run_reports_the_moves(tmp_path):
    book = tmp_path / "book"
    generate_book(book, customers=300, seed=3)
    runs = tmp_path / "runs"
    first = tierwise.save_run(tierwise.analyze(book, as_of=date(2026, 1, 1)), runs / "first")
    first_portfolio = json.loads((first / "portfolio.json").read_text())
    assert first_portfolio["moves"]["previous_run"] is None

    second = tierwise.save_run(tierwise.analyze(book, as_of=date(2026, 7, 1)), runs / "second")
    moves = json.loads((second / "portfolio.json").read_text())["moves"]
    assert moves["previous_run"] == "2026-01-01"
    moved = sum(moves["tier"].get(k, 0) for k in ("up", "down"))
    assert moved > 0  # half a year later some customers change tier
    page = (second / "report.html").read_text()
    assert "Since the run as of 2026-01-01" in page
    assert "Who moved since the previous run" in page


def test_missing_before_or_after_values_show_as_a_dash():
    import pandas as pd

    from tierwise.report.sections.tiers import _cell

    assert [_cell(pd.NA), _cell(None), _cell(float("nan")), _cell(2)] == ["—", "—", "—", "2"]
