"""What-if: comparing a baseline run with a second one, customer by customer."""

from __future__ import annotations

import json
from pathlib import Path

import ibis
import pandas as pd
import pytest

from tierwise.errors import InputError
from tierwise.policy.compare import ABSENT, compare_runs, compare_scorecards


def run_a() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "name": ["Acme", "Bolt", "Cogs", "Dyno"],
            "owner": ["ann", "ann", "bob", "bob"],
            "tier": ["strategic", "growth", "growth", "core"],
            "entitled_hours": [96.0, 36.0, 36.0, 12.0],
            "net_profit": [100.0, 40.0, 30.0, 5.0],
            "cev": [1000.0, 300.0, 200.0, 20.0],
            "service_notes": ["", "", "", ""],
        }
    )


def run_b() -> pd.DataFrame:
    # B moves to strategic, C drops to core, D gets tailoring, A unchanged, E is new
    return pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D", "E"],
            "name": ["Acme", "Bolt", "Cogs", "Dyno", "Echo"],
            "owner": ["ann", "ann", "bob", "bob", "bob"],
            "tier": ["strategic", "strategic", "core", "core", "core"],
            "entitled_hours": [96.0, 96.0, 12.0, 12.0, 12.0],
            "net_profit": [100.0, 40.0, 30.0, 5.0, 1.0],
            "cev": [1000.0, 300.0, 200.0, 20.0, 10.0],
            "service_notes": ["", "", "", "Tailored: pilot", ""],
        }
    )


def compared():
    return compare_scorecards(ibis.memtable(run_a()), ibis.memtable(run_b()))


def test_migration_matrix_counts_moves_and_new_customers() -> None:
    m = compared().migration
    assert m.loc["strategic", "strategic"] == 1
    assert m.loc["growth", "strategic"] == 1
    assert m.loc["growth", "core"] == 1
    assert m.loc["core", "core"] == 1
    assert m.loc[ABSENT, "core"] == 1
    assert int(m.to_numpy().sum()) == 5


def test_hours_freed_or_needed_per_person() -> None:
    people = compared().hours_by_person.set_index("person")
    assert people.loc["ann", "entitled_hours_a"] == 132
    assert people.loc["ann", "hours_change"] == 60  # B: 36 -> 96 h needed
    assert people.loc["bob", "hours_change"] == -12  # C: 36 -> 12 freed, E: +12 new
    assert people.loc["bob", "customers_b"] == 3


def test_profit_and_cev_by_tier_in_each_run() -> None:
    tiers = compared().by_tier.set_index("tier")
    assert tiers.loc["strategic", "net_profit_a"] == 100
    assert tiers.loc["strategic", "net_profit_b"] == 140
    assert tiers.loc["growth", "customers_b"] == 0
    assert pd.isna(tiers.loc["growth", "cev_b"])
    assert tiers.loc["core", "cev_b"] == 230


def test_accounts_whose_service_model_changes() -> None:
    result = compared()
    changed = result.changed_accounts
    assert changed["customer_id"].tolist() == ["B", "C", "E", "D"]  # by size of hour change
    row = changed.set_index("customer_id").loc["B"]
    assert (row["tier_a"], row["tier_b"], row["hours_change"]) == ("growth", "strategic", 60)
    assert changed.set_index("customer_id").loc["D", "notes_b"] == "Tailored: pilot"
    assert result.summary["tier_changes"] == 3
    assert result.summary["service_model_changes"] == 4
    assert result.summary["hours_change"] == 48


def test_summary_is_json_ready() -> None:
    summary = compared().summary
    assert summary["migration"]["growth"]["strategic"] == 1
    json.dumps(summary)


def test_compare_two_run_folders(tmp_path: Path) -> None:
    for name, frame in (("a", run_a()), ("b", run_b())):
        (tmp_path / name).mkdir()
        frame.to_parquet(tmp_path / name / "scorecard.parquet")
    result = compare_runs(tmp_path / "a", tmp_path / "b")
    assert result.summary["tier_changes"] == 3


def test_a_folder_without_a_scorecard_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"run A .* has no scorecard.parquet"):
        compare_runs(tmp_path, tmp_path)


def test_scorecards_without_entitlement_still_compare_tiers() -> None:
    a = run_a().drop(columns=["entitled_hours", "service_notes", "cev"])
    result = compare_scorecards(ibis.memtable(a), ibis.memtable(run_b()))
    assert result.migration.loc["growth", "strategic"] == 1
    assert result.hours_by_person.set_index("person").loc["ann", "entitled_hours_a"] == 0


def test_migration_matrix_chart_has_one_cell_per_pair() -> None:
    from tierwise.report.charts.service import migration_matrix

    matrix = compared().migration
    spec = migration_matrix(matrix).to_dict()
    (values,) = spec["datasets"].values()
    assert len(values) == matrix.size
    assert sum(v["customers"] for v in values) == 5


def test_tiers_follow_the_policy_order_not_the_alphabet(tmp_path: Path) -> None:
    order = ["strategic", "growth", "core", "transactional"]
    for name, frame in (("a", run_a()), ("b", run_b())):
        (tmp_path / name).mkdir()
        frame.to_parquet(tmp_path / name / "scorecard.parquet")
        tiers = {t: {"customers": 1} for t in order}  # portfolio.json keeps the policy order
        (tmp_path / name / "portfolio.json").write_text(json.dumps({"tiers": tiers}))
    result = compare_runs(tmp_path / "a", tmp_path / "b")
    assert list(result.migration.index) == ["strategic", "growth", "core", ABSENT]
    assert list(result.migration.columns) == ["strategic", "core"]
    assert list(result.by_tier["tier"]) == ["strategic", "growth", "core"]


def test_compare_tables_fit_80_columns_without_cutting_cells(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tierwise.cli import app

    for name, frame in (("a", run_a()), ("b", run_b())):
        (tmp_path / name).mkdir()
        big = frame.assign(net_profit=frame["net_profit"] * 1e6, cev=frame["cev"] * 1e6)
        big.to_parquet(tmp_path / name / "scorecard.parquet")
        (tmp_path / name / "run.json").write_text("{}")
    result = CliRunner().invoke(
        app, ["compare", str(tmp_path / "a"), str(tmp_path / "b")], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "1.00B" in result.output and "100.00M" in result.output  # amounts in one piece
