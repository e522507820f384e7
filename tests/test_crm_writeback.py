"""Write-back files: the id column each CRM matches on, the custom fields, change-only
mode, formula-safe cells, and folders tierwise owns. Scorecards are built by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tierwise.cli import app
from tierwise.crm.writeback import export_run
from tierwise.errors import InputError

runner = CliRunner()


def _run(folder: Path, rows: list[dict[str, object]], as_of: str = "2026-06-01") -> Path:
    folder.mkdir(parents=True)
    base = {
        "strategic_score": 0.5,
        "relationship_level": 1,
        "alignment": "aligned",
        "recommended_play": "Keep",
        "clv": 100.0,
        "net_profit": 10.0,
    }
    pd.DataFrame([{**base, **r} for r in rows]).to_parquet(folder / "scorecard.parquet")
    (folder / "run.json").write_text(json.dumps({"as_of": as_of}))
    return folder


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_salesforce_file_has_id_and_custom_fields(tmp_path: Path) -> None:
    run = _run(
        tmp_path / "run",
        [
            {"customer_id": "001B", "tier": "core", "strategic_score": 0.12345},
            {"customer_id": "001A", "tier": "strategic", "clv": 1234.5678},
        ],
    )
    result = export_run(run, "salesforce", tmp_path / "out")
    rows = _read(result.path)
    assert result.columns[0] == "Id"
    assert "Tierwise_Tier__c" in result.columns and "Tierwise_Next_Play__c" in result.columns
    assert [r["Id"] for r in rows] == ["001A", "001B"]
    assert rows[0]["Tierwise_Tier__c"] == "strategic"
    assert rows[0]["Tierwise_CLV__c"] == "1234.57"
    assert rows[1]["Tierwise_Strategic_Score__c"] == "0.123"
    assert rows[0]["Tierwise_Model_Tier__c"] == "strategic"  # no override: the tier
    assert rows[0]["Tierwise_Override__c"] == "none"
    assert rows[0]["Tierwise_As_Of__c"] == "2026-06-01"  # yyyy-MM-dd, as Salesforce reads


def test_numbers_a_crm_cannot_take_are_left_empty(tmp_path: Path) -> None:
    run = _run(
        tmp_path / "run",
        [
            {"customer_id": "a", "tier": "core", "clv": float("nan")},
            {"customer_id": "b", "tier": "core", "clv": float("inf"), "net_profit": None},
        ],
    )
    rows = _read(export_run(run, "csv", tmp_path / "out", fields=["clv", "net_profit"]).path)
    assert rows == [
        {"customer_id": "a", "clv": "", "net_profit": "10.0"},
        {"customer_id": "b", "clv": "", "net_profit": ""},
    ]


def test_hubspot_file_matches_on_record_id(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", [{"customer_id": "9100000001", "tier": "growth"}])
    result = export_run(run, "hubspot", tmp_path / "out", fields=["tier", "next_play"])
    assert result.columns == ["Record ID", "tierwise_tier", "tierwise_next_play"]
    assert _read(result.path) == [
        {"Record ID": "9100000001", "tierwise_tier": "growth", "tierwise_next_play": "Keep"}
    ]


def test_override_state_and_model_tier(tmp_path: Path) -> None:
    run = _run(
        tmp_path / "run",
        [
            {
                "customer_id": "a",
                "tier": "strategic",
                "model_tier": "core",
                "override_id": 7.0,
                "override_stale": False,
            },
            {
                "customer_id": "b",
                "tier": "growth",
                "model_tier": "core",
                "override_id": 8.0,
                "override_stale": True,
            },
            {
                "customer_id": "c",
                "tier": "core",
                "model_tier": "core",
                "override_id": None,
                "override_stale": None,
            },
        ],
    )
    rows = _read(
        export_run(run, "csv", tmp_path / "out", fields=["tier", "model_tier", "override"]).path
    )
    assert [(r["tier"], r["model_tier"], r["override"]) for r in rows] == [
        ("strategic", "core", "approved"),
        ("growth", "core", "stale"),
        ("core", "core", "none"),
    ]


def test_changed_only_keeps_new_and_changed_accounts(tmp_path: Path) -> None:
    before = _run(
        tmp_path / "before",
        [
            {"customer_id": "same", "tier": "core"},
            {"customer_id": "moved", "tier": "core"},
            {"customer_id": "level", "tier": "core", "relationship_level": 1},
            {"customer_id": "gone", "tier": "core"},
        ],
        as_of="2026-05-01",
    )
    after = _run(
        tmp_path / "after",
        [
            {"customer_id": "same", "tier": "core"},
            {"customer_id": "moved", "tier": "growth"},
            {"customer_id": "level", "tier": "core", "relationship_level": 4},
            {"customer_id": "new", "tier": "core"},
        ],
    )
    result = export_run(after, "salesforce", tmp_path / "out", since=before)
    assert sorted(r["Id"] for r in _read(result.path)) == ["level", "moved", "new"]
    assert (result.rows, result.unchanged) == (3, 1)
    # only the tier asked for: the level change does not count
    tier_only = export_run(after, "csv", tmp_path / "out2", since=before, fields=["tier"])
    assert sorted(r["customer_id"] for r in _read(tier_only.path)) == ["moved", "new"]


def test_cells_that_start_like_a_formula_are_made_inert(tmp_path: Path) -> None:
    run = _run(
        tmp_path / "run",
        [{"customer_id": '=HYPERLINK("http://x")', "tier": "core", "recommended_play": "+1 call"}],
    )
    rows = _read(export_run(run, "csv", tmp_path / "out", fields=["next_play"]).path)
    assert rows == [{"customer_id": '\'=HYPERLINK("http://x")', "next_play": "'+1 call"}]


def test_export_never_writes_into_a_folder_tierwise_did_not_write(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", [{"customer_id": "a", "tier": "core"}])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="did not write"):
        export_run(run, "csv", mine)
    assert (mine / "notes.txt").read_text() == "keep me"
    export_run(run, "csv", tmp_path / "out")
    with pytest.raises(InputError, match="--force"):
        export_run(run, "csv", tmp_path / "out")
    assert export_run(run, "csv", tmp_path / "out", force=True).rows == 1


def test_unknown_field_and_target_are_refused(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", [{"customer_id": "a", "tier": "core"}])
    with pytest.raises(InputError, match="unknown field"):
        export_run(run, "csv", tmp_path / "o1", fields=["tierr"])
    result = runner.invoke(
        app, ["export", str(run), "--to", "pipedrive", "--out", str(tmp_path / "o2")]
    )
    assert result.exit_code == 2
    assert "choose one of salesforce, hubspot, csv" in result.output


def test_changed_only_without_a_previous_run_says_how(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", [{"customer_id": "a", "tier": "core"}])
    db = f"sqlite:///{tmp_path / 'tw.db'}"
    result = runner.invoke(
        app, ["export", str(run), "--changed-only", "--db", db, "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "--since" in result.output


def test_changed_only_finds_the_previous_run_of_the_book_in_the_workspace(
    tmp_path: Path, db_url: str
) -> None:
    from datetime import date

    from tierwise.workspace import Workspace
    from tierwise.workspace.runs import add_run

    older = _run(tmp_path / "older", [{"customer_id": "a", "tier": "growth"}])
    before = _run(tmp_path / "before", [{"customer_id": "a", "tier": "core"}])
    other = _run(tmp_path / "other", [{"customer_id": "a", "tier": "growth"}])
    after = _run(tmp_path / "after", [{"customer_id": "a", "tier": "core"}])
    with Workspace(db_url) as ws, ws.transaction() as s:
        for book, run, day in [
            ("crm", older, 1),
            ("crm", before, 2),
            ("another book", other, 3),
            ("crm", after, 4),
        ]:
            add_run(
                s,
                book_id=book,
                as_of=date(2026, 6, day),
                run_dir=str(run.resolve()),
                policy={},
                counts={},
                version="test",
            )
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["export", str(after), "--changed-only", "--db", db_url, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    # against "before" (same book, just before): nothing changed; not "other" nor "older"
    assert _read(out / "csv-accounts.csv") == []
    assert "1 unchanged left out" in result.output
