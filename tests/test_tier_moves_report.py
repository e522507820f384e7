"""Tier moves in the report. The second run of a book, with the workspace database, lists
who moved: tests/test_overrides_cli.py::test_the_second_run_lists_who_moved_since_the_first."""

from __future__ import annotations


def test_missing_before_or_after_values_show_as_a_dash():
    import pandas as pd

    from tierwise.report.sections.tiers import _cell

    assert [_cell(pd.NA), _cell(None), _cell(float("nan")), _cell(2)] == ["—", "—", "—", "2"]
