"""A file named by --out, --csv, --chart or --changes is never replaced unasked: an existing
file stops the command (exit 2, the file untouched, the fix named); --force replaces it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.agenda_books import analyse, write_agenda_book
from tierwise.cli import app

runner = CliRunner()
MINE = "the user's own file\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("outputs")
    return analyse(write_agenda_book(root / "book"), root / "run")


def _commands(run: Path, target: Path, tmp_path: Path) -> dict[str, list[str]]:
    r = str(run)
    return {
        "agenda": ["agenda", r, "--owner", "Rosa Rep", "--format", "md", "--out", str(target)],
        "plan": ["plan", r, "C01", "--out", str(target)],
        "compare --out": ["compare", r, r, "--out", str(target)],
        "compare --changes": ["compare", r, r, "--changes", str(target)],
        "audit --csv": ["audit", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--csv", str(target)],
    }


@pytest.mark.parametrize(
    "command", ["agenda", "plan", "compare --out", "compare --changes", "audit --csv"]
)
def test_an_existing_file_stops_the_command_and_force_replaces_it(
    run: Path, tmp_path: Path, command: str
) -> None:
    target = tmp_path / "mine.md"
    target.write_text(MINE, encoding="utf-8")
    args = _commands(run, target, tmp_path)[command]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2, refused.output
    assert "exists already" in refused.output and "--force" in refused.output
    assert target.read_text(encoding="utf-8") == MINE
    replaced = runner.invoke(app, [*args, "--force"])
    assert replaced.exit_code == 0, replaced.output
    assert target.read_text(encoding="utf-8") != MINE


def test_a_new_file_is_written_without_force(run: Path, tmp_path: Path) -> None:
    target = tmp_path / "day.md"
    result = runner.invoke(app, _commands(run, target, tmp_path)["agenda"])
    assert result.exit_code == 0, result.output
    assert "Rosa Rep" in target.read_text(encoding="utf-8")


def test_a_folder_given_as_the_file_is_a_clear_error(run: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, _commands(run, tmp_path, tmp_path)["plan"])
    assert result.exit_code == 2
    assert "is a folder" in result.output
