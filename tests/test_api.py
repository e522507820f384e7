"""The Python API that notebooks use and the CLI wraps."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest

import tierwise
from tests.helpers import write_csv


@pytest.fixture
def book_dir(tmp_path):
    write_csv(
        tmp_path / "book",
        "transactions.csv",
        """
customer_id,date,amount,cost
A,2025-01-02,100,60
A,2025-03-02,50,30
B,2025-02-01,10,9
C,2024-02-01,10,5
""",
    )
    return tmp_path / "book"


def test_read_then_analyze_a_book_object(book_dir):
    book = tierwise.read_book(book_dir, today=date(2026, 1, 1))
    result = tierwise.analyze(book, as_of=date(2025, 6, 1))
    assert result.as_of == date(2025, 6, 1)
    assert isinstance(result.scorecard_arrow, pa.Table)
    frame = result.scorecard.set_index("customer_id")
    assert frame.loc["A", "revenue"] == pytest.approx(150.0)
    assert frame.loc["A", "gross_margin"] == pytest.approx(60.0)
    assert frame.loc["C", "revenue"] == 0.0  # bought before the window only
    assert set(frame["tier"]) <= {"strategic", "growth", "core", "transactional"}


def test_policy_can_be_an_object_and_changes_the_window(book_dir):
    policy = tierwise.Policy.model_validate({"analysis": {"window_days": 30}})
    result = tierwise.analyze(book_dir, policy=policy, as_of=date(2025, 3, 10))
    assert result.window.start == date(2025, 2, 8)
    assert result.scorecard.set_index("customer_id").loc["A", "revenue"] == pytest.approx(50.0)


def test_write_makes_the_run_folder(book_dir, tmp_path):
    result = tierwise.analyze(book_dir)
    run = result.write(tmp_path / "run")
    info = json.loads((run / "run.json").read_text())
    assert info["as_of"] == "2025-03-03"  # the day after the last transaction
    assert info["inputs"]["transactions"]["accepted"] == 4
    assert set(info["timings_seconds"]) >= {"read and validate", "customer facts"}


def test_import_is_light_and_names_are_public():
    assert "analyze" in tierwise.__all__
    with pytest.raises(AttributeError):
        tierwise.no_such_name  # noqa: B018
