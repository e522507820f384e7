"""tierwise never deletes or overwrites a file it did not write, and writes run folders whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tierwise
from tests.helpers import write_csv
from tierwise.cli import app
from tierwise.errors import InputError
from tierwise.folders import MANIFEST

runner = CliRunner()
BOOK = """
customer_id,date,amount
A,2025-01-02,100
A,2025-03-02,50
B,2025-02-01,10
,2025-02-01,10
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "book"
    write_csv(folder, "transactions.csv", BOOK)
    write_csv(folder, "notes.csv", "my own notes, not a table")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_quarantine_into_the_book_folder_is_refused_and_deletes_nothing(book):
    before = _snapshot(book)
    result = runner.invoke(app, ["validate", str(book), "--quarantine", str(book)])
    assert result.exit_code == 2
    assert str(book) in result.output and "--quarantine" in result.output
    assert _snapshot(book) == before


def test_quarantine_over_a_folder_of_user_files_is_refused_even_with_force(book, tmp_path):
    other = tmp_path / "mine"
    write_csv(other, "budget.csv", "a,b\n1,2")
    before = _snapshot(other)
    for extra in ([], ["--force"]):
        result = runner.invoke(app, ["validate", str(book), "--quarantine", str(other), *extra])
        assert result.exit_code == 2
        assert "budget.csv" in result.output and "did not write" in result.output
    assert _snapshot(other) == before


def test_quarantine_is_replaced_only_with_force_and_keeps_a_manifest(book, tmp_path):
    rejected = tmp_path / "rejected"
    assert runner.invoke(app, ["validate", str(book), "--quarantine", str(rejected)]).exit_code == 0
    manifest = json.loads((rejected / MANIFEST).read_text())
    assert manifest["files"] == ["transactions.csv"]

    again = runner.invoke(app, ["validate", str(book), "--quarantine", str(rejected)])
    assert again.exit_code == 2 and "--force" in again.output
    forced = runner.invoke(app, ["validate", str(book), "--quarantine", str(rejected), "--force"])
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in rejected.iterdir()) == [MANIFEST, "transactions.csv"]


def test_a_user_file_added_to_an_owned_folder_stops_the_rewrite(book, tmp_path):
    rejected = tmp_path / "rejected"
    tierwise.read_book(book).write_quarantine(rejected)
    (rejected / "my-comments.txt").write_text("keep me")
    with pytest.raises(InputError, match=r"my-comments\.txt"):
        tierwise.read_book(book).write_quarantine(rejected, force=True)
    assert (rejected / "my-comments.txt").read_text() == "keep me"


def test_an_empty_folder_may_be_written(book, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    tierwise.read_book(book).write_quarantine(empty)
    assert (empty / "transactions.csv").is_file()


def test_a_run_folder_over_the_book_or_its_parent_is_refused(book, tmp_path):
    before = _snapshot(tmp_path)
    for target in (book, tmp_path, book / "transactions.csv"):
        result = runner.invoke(app, ["analyze", str(book), "--out", str(target), "-q"])
        assert result.exit_code == 2, (target, result.output)
        assert str(target) in result.output
    assert _snapshot(tmp_path) == before


def test_a_run_folder_named_after_a_table_inside_the_book_is_refused(book):
    result = runner.invoke(app, ["analyze", str(book), "--out", str(book / "customers"), "-q"])
    assert result.exit_code == 2
    assert "customers" in result.output and not (book / "customers").exists()


def test_a_second_run_into_the_same_folder_needs_force(book, tmp_path):
    run = tmp_path / "run"
    first = runner.invoke(app, ["analyze", str(book), "--out", str(run), "-q"])
    assert first.exit_code == 0, first.output
    listed = set(json.loads((run / MANIFEST).read_text())["files"])
    assert {"scorecard.parquet", "run.json", "report.html", "quarantine/transactions.csv"} <= listed
    created = json.loads((run / "run.json").read_text())["created_at"]

    again = runner.invoke(app, ["analyze", str(book), "--out", str(run), "-q"])
    assert again.exit_code == 2 and "--force" in again.output
    forced = runner.invoke(app, ["analyze", str(book), "--out", str(run), "-q", "--force"])
    assert forced.exit_code == 0, forced.output
    assert (run / "report.html").is_file()
    assert json.loads((run / "run.json").read_text())["created_at"] >= created
    # no staging or set-aside folder is left beside the run
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tierwise-")] == []


def test_an_interrupted_write_leaves_no_run_that_looks_whole(book, tmp_path, monkeypatch):
    import tierwise.run_folder as run_folder

    def crash(folder: Path) -> None:
        raise KeyboardInterrupt

    result = tierwise.analyze(book)
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_folder.write_run(result, run, extras=crash)
    assert not run.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tierwise-writing")]

    result.write(run)  # an earlier run stays as it was when the replacement fails
    before = _snapshot(run)
    with pytest.raises(KeyboardInterrupt):
        run_folder.write_run(result, run, force=True, extras=crash)
    assert _snapshot(run) == before


def test_write_is_a_pure_writer(book, tmp_path):
    result = tierwise.analyze(book)
    run = result.write(tmp_path / "run")
    assert not (run / "report.html").exists()
    assert not (tmp_path / ".tierwise-history.sqlite").exists()
    moves = json.loads((run / "portfolio.json").read_text())["moves"]
    assert moves == {"previous_run": None, "tier": {}, "level": {}}  # history needs a database
    assert (run / "scorecard.parquet").is_file() and (
        run / "quarantine" / "transactions.csv"
    ).is_file()


def test_a_run_folder_gets_the_mode_of_a_new_folder(book, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    run = tierwise.analyze(book).write(tmp_path / "run")
    assert run.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_pipeline_and_run_folder_do_not_import_each_other():
    import ast

    import tierwise.run_folder as run_folder

    tree = ast.parse(Path(run_folder.__file__).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "tierwise.pipeline" not in imported


def test_generate_never_writes_over_a_users_book(tmp_path):
    mine = tmp_path / "mine"
    write_csv(mine, "customers.csv", "customer_id\nREAL")
    (mine / "transactions").mkdir()
    (mine / "transactions" / "part-0.parquet").write_bytes(b"my data")
    before = _snapshot(mine)
    result = runner.invoke(app, ["generate", "--out", str(mine), "--customers", "20", "-q"])
    assert result.exit_code == 2 and "did not write" in result.output
    assert _snapshot(mine) == before

    book = tmp_path / "generated"
    args = ["generate", "--out", str(book), "--customers", "20", "-q"]
    assert runner.invoke(app, args).exit_code == 0
    assert (book / MANIFEST).is_file() and tierwise.read_book(book).accounting
    assert runner.invoke(app, args).exit_code == 2
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
