"""Tier and level history in the workspace database: who moved, under the policy's own
tier names, and the one-time import of the old .tierwise-history.sqlite."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from tierwise.spooled import SpooledTable
from tierwise.workspace import Workspace, history
from tierwise.workspace.models import Run

LEGACY = Path(__file__).parent / "data" / "legacy-tierwise-history.sqlite"


def _record(ws: Workspace, rows, book: str, day: date, tiers) -> pd.DataFrame:
    from tierwise.workspace import runs

    scores = pd.DataFrame(rows, columns=["customer_id", "tier", "relationship_level"])
    with ws.transaction() as s:
        run = runs.add_run(
            s, book_id=book, as_of=day, run_dir=None, policy={}, counts={}, version="t"
        )
        history.record_positions(s, run, scores)
        return history.moves(s, run, tiers)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(f"sqlite:///{tmp_path / 'w.db'}")


DEFAULT = ("strategic", "growth", "core", "transactional")


def test_first_run_has_no_moves_and_the_second_lists_who_moved(ws: Workspace):
    assert _record(ws, [("a", "core", 1), ("b", "growth", 2), ("c", "core", 3)], "b1",
                   date(2024, 1, 1), DEFAULT).empty  # fmt: skip
    moves = _record(
        ws, [("a", "growth", 1), ("b", "growth", 4), ("d", "transactional", 2)], "b1",
        date(2024, 2, 1), DEFAULT,
    ).set_index("customer_id")  # fmt: skip
    assert moves.tier_move.to_dict() == {"a": "up", "b": None, "c": "gone", "d": "new"}
    assert moves.level_move.to_dict() == {"a": None, "b": "worse", "c": "gone", "d": "new"}
    assert moves.loc["b", "previous_level"] == 2
    assert set(moves.previous_as_of) == {date(2024, 1, 1)}


def test_books_are_kept_apart_and_a_rerun_replaces_its_as_of(ws: Workspace):
    _record(ws, [("a", "core", 1)], "b1", date(2024, 1, 1), DEFAULT)
    assert _record(ws, [("a", "strategic", 1)], "b2", date(2024, 1, 15), DEFAULT).empty
    _record(ws, [("a", "growth", 1)], "b1", date(2024, 2, 1), DEFAULT)
    again = _record(ws, [("a", "transactional", 1)], "b1", date(2024, 2, 1), DEFAULT)
    assert again.tier_move.tolist() == ["down"]
    assert again.previous_tier.tolist() == ["core"]


def test_moves_follow_the_policys_own_tier_names(ws: Workspace):
    tiers = ("gold", "silver", "bronze")
    _record(ws, [("a", "bronze", 1), ("b", "gold", 1)], "b1", date(2024, 1, 1), tiers)
    moves = _record(ws, [("a", "silver", 1), ("b", "silver", 1)], "b1", date(2024, 2, 1), tiers)
    assert moves.set_index("customer_id").tier_move.to_dict() == {"a": "up", "b": "down"}


def test_analyze_passes_the_policys_tier_names_to_the_history(ws, tmp_path, monkeypatch):
    """The run's own tier names decide up and down (before: every move was "down")."""
    import tierwise.pipeline
    import tierwise.run_folder

    names = ["gold", "silver", "bronze"]
    policy = SimpleNamespace(
        segmentation=SimpleNamespace(tier_names=names),
        model_dump=lambda mode: {"segmentation": {"tiers": [{"name": n} for n in names]}},
    )
    tiers = iter([["bronze", "gold"], ["gold", "silver"]])

    def fake_analyze(book, overrides=None, **options):
        card = pa.table(
            {"customer_id": ["a", "b"], "tier": next(tiers), "relationship_level": [1, 1]}
        )
        return SimpleNamespace(
            book=SimpleNamespace(source=str(tmp_path / "book"), accounting_dict=lambda: {}),
            as_of=options["as_of"],
            policy=policy,
            scorecard_file=SpooledTable(ibis.memtable(card), "scorecard", ["customer_id"]),
            portfolio={},
            moves=None,
        )

    monkeypatch.setattr(tierwise.pipeline, "analyze", fake_analyze)
    monkeypatch.setattr(tierwise.run_folder, "save_run", lambda result, out, force: out)
    ws.analyze("book", tmp_path / "r1", as_of=date(2024, 1, 1))
    second = ws.analyze("book", tmp_path / "r2", as_of=date(2024, 2, 1))
    assert second.moves.set_index("customer_id").tier_move.to_dict() == {"a": "up", "b": "down"}


def test_the_old_history_file_is_imported_once_and_kept(ws: Workspace, tmp_path: Path):
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    old = runs_dir / history.LEGACY_FILE
    shutil.copy(LEGACY, old)  # written by tierwise 0.1's store/history.py
    assert ws._import_legacy_history(runs_dir / "next-run") == 2
    assert not old.exists() and (runs_dir / (history.LEGACY_FILE + ".imported")).is_file()
    assert ws._import_legacy_history(runs_dir / "next-run") is None  # once
    with ws.transaction() as s:
        imported = s.query(Run).order_by(Run.as_of).all()
        assert [(r.book_id, r.as_of) for r in imported] == [
            ("/books/acme", date(2025, 1, 1)),
            ("/books/acme", date(2025, 7, 1)),
        ]
        # the history carries on: a new run of the book sees the imported one as previous
        from tierwise.workspace import runs

        run = runs.add_run(
            s, book_id="/books/acme", as_of=date(2026, 1, 1), run_dir=None, policy={},
            counts={}, version="t",
        )  # fmt: skip
        history.record_positions(
            s, run, pd.DataFrame({"customer_id": ["A1", "A2", "A3"],
                                  "tier": ["strategic", "core", "core"],
                                  "relationship_level": [1, 3, 4]})
        )  # fmt: skip
        moves = history.moves(s, run, DEFAULT).set_index("customer_id")
    assert moves.loc["A1", "previous_tier"] == "growth" and moves.loc["A1", "tier_move"] == "up"
    assert moves.previous_as_of.iloc[0] == date(2025, 7, 1)
    entry = ws.audit()[-2]
    assert entry["action"] == "history.import" and entry["after"] == {"runs": 2, "positions": 6}


def test_a_policy_change_between_runs_of_a_book_is_audited(ws: Workspace):
    from tests.db_fixtures import register_run

    register_run(ws, [("a", "core", "x")])
    register_run(ws, [("a", "core", "x")], as_of=date(2025, 7, 1))  # same policy: no entry
    run_id = register_run(
        ws, [("a", "gold", "x")], tiers=("gold", "silver"), as_of=date(2025, 8, 1)
    )
    changes = [e for e in ws.audit() if e["action"] == "policy.change"]
    assert len(changes) == 1 and changes[0]["run_id"] == run_id
    assert list(changes[0]["after"]) == ["segmentation.tiers"]
    assert changes[0]["after"]["segmentation.tiers"] == [{"name": "gold"}, {"name": "silver"}]
    assert changes[0]["before"]["segmentation.tiers"][0] == {"name": "strategic"}
