"""The changes table of `tierwise compare`: moved tier or level, new alerts, new
loss-makers, on hand-built scorecards whose answer is read off the rows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from tierwise.cli import app
from tierwise.policy.changes import as_text, changes_of_runs, counts, write_changes

runner = CliRunner()


def _run(folder: Path, rows: list[dict[str, object]]) -> Path:
    folder.mkdir()
    base = {"owner": "Anna", "relationship_level": 1, "level_alert": False, "net_profit": 10.0}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame.to_parquet(folder / "scorecard.parquet")
    (folder / "run.json").write_text(json.dumps({"as_of": "2026-06-01"}))
    return folder


def _weeks(tmp_path: Path) -> tuple[Path, Path]:
    last = _run(
        tmp_path / "last",
        [
            {"customer_id": "same", "name": "Same Co", "tier": "core"},
            {"customer_id": "up", "name": "Up Co", "tier": "core"},
            {"customer_id": "slide", "name": "Slide Co", "tier": "core", "relationship_level": 2},
            {"customer_id": "loss", "name": "Loss Co", "tier": "core", "net_profit": 5.0},
            {"customer_id": "old_loss", "name": "=cmd", "tier": "core", "net_profit": -3.0},
        ],
    )
    this = _run(
        tmp_path / "this",
        [
            {"customer_id": "same", "name": "Same Co", "tier": "core"},
            {"customer_id": "up", "name": "Up Co", "tier": "growth"},
            {
                "customer_id": "slide",
                "name": "Slide Co",
                "tier": "core",
                "relationship_level": 4,
                "level_alert": True,
            },
            {"customer_id": "loss", "name": "Loss Co", "tier": "core", "net_profit": -250.0},
            {"customer_id": "old_loss", "name": "=cmd", "tier": "core", "net_profit": -4.0},
            {"customer_id": "new", "name": "New Co", "tier": "core", "net_profit": -1.0},
        ],
    )
    return last, this


def test_changes_list_each_kind_once_per_account(tmp_path: Path) -> None:
    frame = changes_of_runs(*_weeks(tmp_path))
    got = sorted(
        zip(frame["change"], frame["customer_id"], frame["before"], frame["after"], strict=True)
    )
    assert got == sorted(
        [
            ("tier", "up", "core", "growth"),
            ("level", "slide", "2", "4"),
            ("new alert", "slide", "2", "4"),
            ("new loss-maker", "loss", "5.0", "-250.0"),
            ("new loss-maker", "new", None, "-1.0"),
        ]
    )
    assert counts(frame) == {"tier": 1, "level": 1, "new alert": 1, "new loss-maker": 2}


def test_changes_as_markdown_csv_and_json(tmp_path: Path) -> None:
    frame = changes_of_runs(*_weeks(tmp_path))
    md = as_text(frame, markdown=True)
    assert "## Moved tier (1)" in md and "| Up Co | Anna | core | growth |" in md
    data = json.loads(write_changes(frame, tmp_path / "c.json").read_text())
    assert data["counts"]["new loss-maker"] == 2
    written = pd.read_csv(write_changes(frame, tmp_path / "c.csv"))
    assert len(written) == 5 and list(written.columns)[:2] == ["change", "customer_id"]


def test_compare_prints_the_changes_and_writes_them(tmp_path: Path) -> None:
    last, this = _weeks(tmp_path)
    target = tmp_path / "weekly.md"
    result = runner.invoke(app, ["compare", str(last), str(this), "--changes", str(target)])
    assert result.exit_code == 0, result.output
    assert "New loss-makers (2)" in result.output
    assert "Slide Co (Anna): 2 -> 4" in result.output
    assert target.read_text().startswith("## Moved tier (1)")


def test_text_shows_at_most_the_limit_per_kind(tmp_path: Path) -> None:
    frame = changes_of_runs(*_weeks(tmp_path))
    text = as_text(frame, limit=1)
    assert "New loss-makers (2)" in text and "… and 1 more" in text
    assert text.count("(Anna):") == 4  # one per kind
