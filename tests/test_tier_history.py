"""Tier and level history across runs of the same book: who moved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import pandas as pd
import pytest

from tierwise.errors import InputError
from tierwise.store.history import HISTORY_FILE, default_history_path, record_history


def _scores(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["customer_id", "tier", "relationship_level"])
    df["relationship_trend"] = "stable"
    df["strategic_score"] = 0.5
    return df


def test_first_run_has_no_moves_and_the_second_lists_who_moved(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    first = _scores([("a", "core", 1), ("b", "growth", 2), ("c", "core", 3)])
    moves = record_history(first, "book-1", date(2024, 1, 1), db)
    assert moves.empty
    second = _scores([("a", "growth", 1), ("b", "growth", 4), ("d", "transactional", 2)])
    moves = record_history(ibis.memtable(second), "book-1", "2024-02-01", db).set_index(
        "customer_id"
    )
    assert moves.tier_move.to_dict() == {"a": "up", "b": None, "c": "gone", "d": "new"}
    assert moves.level_move.to_dict() == {"a": None, "b": "worse", "c": "gone", "d": "new"}
    assert moves.loc["b", "previous_level"] == 2
    assert set(moves.previous_as_of) == {date(2024, 1, 1)}


def test_books_are_kept_apart_and_a_rerun_replaces_its_as_of(tmp_path: Path) -> None:
    record_history(_scores([("a", "core", 1)]), "book-1", date(2024, 1, 1), tmp_path)
    assert (tmp_path / HISTORY_FILE).exists()
    # Another book's run does not count as a previous run of book-1.
    assert record_history(
        _scores([("a", "strategic", 1)]), "book-2", date(2024, 1, 15), tmp_path
    ).empty
    record_history(_scores([("a", "growth", 1)]), "book-1", date(2024, 2, 1), tmp_path)
    again = record_history(
        _scores([("a", "transactional", 1)]), "book-1", date(2024, 2, 1), tmp_path
    )
    assert again.tier_move.tolist() == ["down"]
    assert again.previous_tier.tolist() == ["core"]


def test_default_path_sits_beside_the_run_folders(tmp_path: Path) -> None:
    assert (
        default_history_path(tmp_path / "runs" / "2024-01-01")
        == (tmp_path / "runs" / HISTORY_FILE).resolve()
    )


def test_scores_without_tiers_are_rejected_with_the_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="tier"):
        record_history(pd.DataFrame({"customer_id": ["a"]}), "b", date(2024, 1, 1), tmp_path)
