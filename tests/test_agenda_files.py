"""Every person's day as files: safe names from any owner name, and the refresh step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import vobject
from typer.testing import CliRunner

from tierwise.agenda.files import file_stems, slug
from tierwise.cli import app
from tierwise.crm.refresh import load_config, refresh
from tierwise.errors import InputError

DATA = Path(__file__).parent / "data" / "crm"
runner = CliRunner()


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "Ann/Bob", "C:\\Users\\x", "", "   ", ".hidden", "a" * 300, "名前"],
)
def test_a_name_from_the_book_never_becomes_a_path(name: str) -> None:
    stem = slug(name)
    assert stem and len(stem) <= 60
    assert set(stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not stem.startswith("-") and not stem.endswith("-")


def test_names_that_reduce_to_one_slug_get_distinct_files() -> None:
    stems = file_stems(["Zoë Smith", "Zoe Smith", "zoe-smith", "Ann"])
    assert stems["Ann"] == "ann"
    clashing = [stems["Zoë Smith"], stems["Zoe Smith"], stems["zoe-smith"]]
    assert len(set(clashing)) == 3
    assert all(s.startswith("zoe-smith-") for s in clashing)


def _config(tmp_path: Path, steps: str) -> Path:
    shutil.copytree(DATA / "salesforce", tmp_path / "book")
    path = tmp_path / "refresh.yaml"
    path.write_text(
        "book: {path: book, preset: salesforce}\n"
        f"database: sqlite:///{tmp_path / 'tw.db'}\n"
        "runs: runs\nkeep: 2 runs\n"
        f"steps:\n{steps}"
    )
    return path


def test_the_refresh_writes_every_owners_day_as_markdown_and_calendar(tmp_path: Path) -> None:
    config = _config(tmp_path, "  agenda: {out: days}\n")
    lines: list[str] = []
    run = refresh(load_config(config), log=lines.append)
    assert run is not None
    # Whose days: the accounts' owners and the owners of open tasks (in this export the
    # tasks name their owner by Salesforce user id, docs/crm.md "Owners").
    accounts = pd.read_parquet(run / "scorecard.parquet")["owner"]
    tasks = pd.read_parquet(run / "details" / "agenda_tasks.parquet")["owner"]
    owners = sorted(set(accounts.dropna()) | set(tasks.dropna()))
    assert len(owners) >= 2
    stems = file_stems(list(owners))
    days = tmp_path / "days"
    written = {p.name for p in days.iterdir() if not p.name.startswith(".")}
    assert written == {f"{stems[o]}.{ext}" for o in owners for ext in ("md", "ics")}
    for owner in owners:
        assert owner in (days / f"{stems[owner]}.md").read_text(encoding="utf-8")
        calendar = vobject.readOne((days / f"{stems[owner]}.ics").read_text(encoding="utf-8"))
        assert owner in calendar.contents["x-wr-calname"][0].value
    assert any("refresh agenda:" in line and f"{len(owners)} people" in line for line in lines)


def test_the_agenda_step_never_writes_into_a_folder_of_the_users(tmp_path: Path) -> None:
    config = _config(tmp_path, "  agenda: {out: days, formats: [json]}\n")
    (tmp_path / "days").mkdir()
    (tmp_path / "days" / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["refresh", str(config)])
    assert result.exit_code == 2
    assert "did not write" in result.output
    assert (tmp_path / "days" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in (tmp_path / "days").iterdir()) == ["notes.txt"]


def test_an_unknown_agenda_format_stops_before_the_analysis(tmp_path: Path) -> None:
    config = _config(tmp_path, "  agenda: {out: days, formats: [pdf]}\n")
    with pytest.raises(InputError, match=r"steps\.agenda.*formats"):
        load_config(config)
    assert not (tmp_path / "runs").exists()
