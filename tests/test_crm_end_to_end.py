"""Done means: CRM exports in, one command, a file the CRM's import accepts back out.

Through the CLI, on the fixture exports: `tierwise refresh` (book -> run -> export) for
Salesforce, `analyze` then `export` for HubSpot. The files are checked against what the
CRMs' imports require (docs/crm.md): Salesforce Data Loader "Update" needs the record
Id (15 or 18 characters) and custom fields' API names (ending in __c, at most 40
characters); HubSpot's company import matches on "Record ID".
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from tierwise.cli import app

DATA = Path(__file__).parent / "data" / "crm"
runner = CliRunner()
TIERS = {"strategic", "growth", "core", "transactional"}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _ids(path: Path, column: str) -> set[str]:
    return {r[column] for r in _rows(path)}


def test_salesforce_exports_to_a_data_loader_update_file_in_one_command(tmp_path: Path) -> None:
    shutil.copytree(DATA / "salesforce", tmp_path / "salesforce")
    (tmp_path / "refresh.yaml").write_text(
        "book: {path: salesforce, preset: salesforce}\n"
        "database: sqlite:///" + str(tmp_path / "tw.db") + "\n"
        "runs: runs\nkeep: 12 runs\n"
        "exports:\n  - {to: salesforce, out: crm-update}\n"
    )
    result = runner.invoke(app, ["refresh", str(tmp_path / "refresh.yaml")])
    assert result.exit_code == 0, result.output
    path = tmp_path / "crm-update" / "salesforce-accounts.csv"
    rows = _rows(path)
    header = list(rows[0])
    assert header[0] == "Id"
    assert "Tierwise_Tier__c" in header
    for name in header[1:]:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*__c", name) and len(name) <= 40, name
    accounts = _ids(DATA / "salesforce" / "Account.csv", "Id")
    assert {r["Id"] for r in rows} == accounts  # every account, matched by its own Id
    assert all(re.fullmatch(r"[0-9A-Za-z]{15}([0-9A-Za-z]{3})?", r["Id"]) for r in rows)
    assert {r["Tierwise_Tier__c"] for r in rows} <= TIERS
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["Tierwise_As_Of__c"]) for r in rows)
    assert "refresh analyze" in result.output and "refresh export salesforce" in result.output


def test_hubspot_exports_to_a_company_import_file(tmp_path: Path) -> None:
    run = tmp_path / "run"
    analysed = runner.invoke(
        app, ["analyze", str(DATA / "hubspot"), "--preset", "hubspot", "--out", str(run), "-q"]
    )
    assert analysed.exit_code == 0, analysed.output
    exported = runner.invoke(
        app, ["export", str(run), "--to", "hubspot", "--out", str(tmp_path / "out")]
    )
    assert exported.exit_code == 0, exported.output
    rows = _rows(tmp_path / "out" / "hubspot-accounts.csv")
    assert list(rows[0])[:2] == ["Record ID", "tierwise_tier"]
    companies = next((DATA / "hubspot").glob("*companies*"))
    assert {r["Record ID"] for r in rows} == _ids(companies, "Record ID")
    assert {r["tierwise_tier"] for r in rows} <= TIERS


def test_a_translated_export_stops_with_exit_code_2_and_the_fix(tmp_path: Path) -> None:
    book = tmp_path / "hubspot"
    shutil.copytree(DATA / "hubspot", book)
    deals = next(book.glob("*deals*"))
    deals.write_text(deals.read_text().replace("Close Date", "Abschlussdatum"))
    result = runner.invoke(
        app, ["validate", str(book), "--preset", "hubspot"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2
    assert "Abschlussdatum" in result.output and "--map date=" in result.output
