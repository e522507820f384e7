"""A new user's first run, with no policy file: no verdict about people who do not exist,
no effort read as zero, and default cost rates that do not fit the book called out."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from tierwise.cli import app
from tierwise.pipeline import analyze
from tierwise.settings.io import BESIDE_BOOK

runner = CliRunner()


def small_orders_book(folder: Path) -> Path:
    """30 consumers, one 10.00 order each: far below the default B2B cost of an order."""
    folder.mkdir(parents=True)
    lines = ["customer_id,date,amount"]
    lines += [f"C{i:02d},2025-0{1 + i % 5}-1{i % 9},10.00" for i in range(30)]
    lines += ["C00,2025-05-20,12.00"]
    (folder / "transactions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_book_without_team_or_owners_gets_no_capacity_verdict(tmp_path: Path) -> None:
    book = small_orders_book(tmp_path / "book")
    run = tmp_path / "run"
    result = runner.invoke(app, ["analyze", str(book), "--out", str(run), "--as-of", "2025-07-01"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "capacity: Unknown — add your team" in out
    assert "capacity: No" not in out
    portfolio = json.loads((run / "portfolio.json").read_text())
    capacity = portfolio["capacity"]
    assert capacity["team_source"] == "unknown"
    assert capacity["can_serve_policy"] is None and capacity["hours_available"] is None
    assert portfolio["capacity_optimised"]["status"] == "skipped"
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "Unknown" in html and "add your team" in html
    assert "gets 0 h" not in html  # no activities: effort unknown, not zero


def test_default_cost_rates_that_do_not_fit_are_printed_and_reported(tmp_path: Path) -> None:
    book = small_orders_book(tmp_path / "book")
    run = tmp_path / "run"
    result = runner.invoke(app, ["analyze", str(book), "--out", str(run), "--as-of", "2025-07-01"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "The default cost rates do not fit this book: for 100% of the 30 customers" in out
    assert "costs.cost_per_order = 20" in out
    assert out.count("The default cost rates do not fit") == 1
    html = (run / "report.html").read_text(encoding="utf-8")
    assert '<div class="warnings" role="alert">' in html
    assert html.count("The default cost rates do not fit this book") == 2  # headline + quality


def test_generate_writes_the_demo_team_and_analyze_uses_it(tmp_path: Path) -> None:
    book = tmp_path / "book"
    result = runner.invoke(app, ["generate", "--out", str(book), "--customers", "60", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (book / "policy.yaml").is_file()
    outcome = analyze(book)
    assert outcome.policy_source == f"{book / 'policy.yaml'}{BESIDE_BOOK}"
    team = {row["owner"] for row in pq.read_table(book / "_team.parquet").to_pylist()}
    assert {m.name for m in outcome.policy.service.team} == team
    assert outcome.portfolio["capacity"]["team_source"] == "policy"
    assert outcome.policy.analysis.currency == "EUR"  # the generator's amounts: money in EUR
