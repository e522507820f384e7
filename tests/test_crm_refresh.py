"""The scheduled refresh: one at a time, idempotent, keeps N runs (and only its own)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierwise.cli import app
from tierwise.crm.refresh import (
    RefreshBusy,
    load_config,
    refresh,
    refresh_history,
    refresh_lock,
    retain_runs,
)
from tierwise.errors import InputError
from tierwise.folders import staged_folder

DATA = Path(__file__).parent / "data" / "crm"
runner = CliRunner()


def _config(tmp_path: Path, keep: str = "12 runs", db: str | None = None) -> Path:
    shutil.copytree(DATA / "salesforce", tmp_path / "book")
    path = tmp_path / "refresh.yaml"
    path.write_text(
        "book: {path: book, preset: salesforce}\n"
        f"database: {db or 'sqlite:///' + str(tmp_path / 'tw.db')}\n"
        f"runs: runs\nkeep: {keep}\n"
        "exports:\n  - {to: csv, out: out, fields: [tier]}\n"
    )
    return path


def test_keep_reads_a_number_of_runs(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path, "3 runs")).keep == 3


def test_bad_refresh_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "refresh.yaml"
    path.write_text("book: {path: x}\nkeep: twelve\n")
    with pytest.raises(InputError, match="keep"):
        load_config(path)
    result = runner.invoke(app, ["refresh", str(path)])
    assert result.exit_code == 2


def test_overlapping_refresh_is_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    settings = load_config(config)
    with refresh_lock(Path(settings.runs)):
        with pytest.raises(RefreshBusy, match="under way"):
            refresh(settings, log=lambda _: None)
        result = runner.invoke(app, ["refresh", str(config)])
        assert result.exit_code == 3
        assert "under way" in result.output
    assert not (tmp_path / "runs" / "book-2026-08-13").exists()  # nothing ran


def test_rerun_with_nothing_changed_does_nothing(tmp_path: Path, db_url: str) -> None:
    config = _config(tmp_path, db=db_url)
    settings = load_config(config)
    lines: list[str] = []
    first = refresh(settings, log=lines.append)
    assert first is not None and (first / "scorecard.parquet").is_file()
    assert (tmp_path / "out" / "csv-accounts.csv").is_file()
    assert any("refresh analyze" in line for line in lines)
    lines.clear()
    assert refresh(settings, log=lines.append) is None
    assert len(lines) == 1 and "up to date" in lines[0]
    state = json.loads((tmp_path / "runs" / ".tierwise-refresh.json").read_text())
    assert state["run"] == str(first)
    history = refresh_history(db_url)
    assert [h["status"] for h in history] == ["up_to_date", "done"]  # newest first
    assert history[1]["run_id"] is not None and history[0]["run_id"] is None
    assert any("refresh analyze" in line for line in history[1]["log"])
    listed = runner.invoke(app, ["refresh", str(config), "--history"])
    assert listed.exit_code == 0 and "up_to_date" in listed.output


def test_a_failed_refresh_is_in_the_history_with_its_error(tmp_path: Path) -> None:
    config = _config(tmp_path)
    shutil.rmtree(tmp_path / "book")
    result = runner.invoke(app, ["refresh", str(config)])
    assert result.exit_code == 2
    (failed,) = refresh_history(f"sqlite:///{tmp_path / 'tw.db'}")
    assert failed["status"] == "failed" and "does not exist" in failed["message"]


def _fake_run(folder: Path, stamp: int) -> None:
    with staged_folder(folder) as staging:
        (staging / "run.json").write_text("{}")
    import os

    os.utime(folder / "run.json", (stamp, stamp))


def test_retention_keeps_the_newest_runs_and_only_removes_its_own(
    tmp_path: Path, db_url: str
) -> None:
    from datetime import date

    from tierwise.workspace import Workspace
    from tierwise.workspace.runs import add_run

    runs = tmp_path / "runs"
    with Workspace(db_url) as ws, ws.transaction() as s:
        for i in range(5):
            folder = runs / f"book-2026-0{i + 1}-01"
            _fake_run(folder, 1_000_000 + i)
            add_run(
                s,
                book_id="book",
                as_of=date(2026, i + 1, 1),
                run_dir=str(folder.resolve()),
                policy={},
                counts={},
                version="test",
            )
    foreign = runs / "book-2025-12-01"
    foreign.mkdir()
    (foreign / "run.json").write_text("{}")  # looks like a run, but tierwise did not write it
    (foreign / "notes.txt").write_text("mine")
    message = retain_runs(runs, 2, db_url)
    left = sorted(p.name for p in runs.iterdir() if p.is_dir())
    assert left == ["book-2025-12-01", "book-2026-04-01", "book-2026-05-01"]
    assert (foreign / "notes.txt").read_text() == "mine"
    assert "removed 3" in message
    with Workspace(db_url) as ws:
        history = ws.runs()
    assert len(history) == 5  # the history stays; the removed folders are cleared
    kept = [Path(r["run_dir"]).name for r in history if r["run_dir"]]
    assert kept == ["book-2026-04-01", "book-2026-05-01"]
