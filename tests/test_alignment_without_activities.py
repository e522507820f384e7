"""Without an effort log, alignment is unknown rather than 'under-served' for everyone."""

from __future__ import annotations

from datetime import date

import pandas as pd

import tierwise
from tests.helpers import write_csv


def test_a_book_without_activities_calls_nobody_under_served(tmp_path):
    rows = "\n".join(f"C{i},2025-0{1 + i % 6}-0{1 + i % 7},{10 * (i + 1)}" for i in range(40))
    write_csv(tmp_path / "book", "transactions.csv", "customer_id,date,amount\n" + rows)
    result = tierwise.analyze(tmp_path / "book", today=date(2026, 1, 1))
    assert result.portfolio["alignment"] == {}
    assert pd.isna(result.scorecard["alignment"]).all()
    assert any("no activities table" in w for w in result.portfolio["warnings"])
    # unknown, not zero: no effort log says nothing about hours needed or freed
    assert result.portfolio["capacity"]["hours_needed_for_under_served"] is None
    assert result.portfolio["capacity"]["hours_freed_by_realigning"] is None
