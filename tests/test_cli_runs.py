"""The commands that work on whole runs: demo, report, charts, compare."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from tierwise.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--customers", "400", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_demo_builds_a_book_a_run_and_a_summary(demo_dir):
    run = demo_dir / "run"
    for name in ("scorecard.parquet", "portfolio.json", "run.json", "report.html"):
        assert (run / name).is_file()
    for table in ("customers", "activities", "signals", "tasks"):
        assert (demo_dir / "book" / f"{table}.parquet").exists() or (
            demo_dir / "book" / table
        ).exists()
    portfolio = json.loads((run / "portfolio.json").read_text())
    assert portfolio["customers"] == 400
    for key in ("pareto", "whale", "effort_vs_profit", "tiers", "levels", "alignment", "capacity"):
        assert key in portfolio, key


def test_report_rebuilds_the_page(demo_dir):
    page = demo_dir / "run" / "report.html"
    page.unlink()
    result = runner.invoke(app, ["report", str(demo_dir / "run")])
    assert result.exit_code == 0, result.output
    assert page.stat().st_size > 100_000  # the chart library is inlined


def test_charts_exports_svg_files(demo_dir, tmp_path):
    result = runner.invoke(
        app, ["charts", str(demo_dir / "run"), "--format", "svg", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.svg"))
    assert len(files) >= 5
    assert all(f.read_text().lstrip().startswith("<svg") for f in files)


def test_charts_rejects_an_unknown_format(demo_dir):
    result = runner.invoke(app, ["charts", str(demo_dir / "run"), "--format", "gif"])
    assert result.exit_code == 2


def test_compare_shows_what_a_second_policy_changes(demo_dir, tmp_path):
    policy = tmp_path / "policy.yaml"
    assert runner.invoke(app, ["policy", "init", str(policy)]).exit_code == 0
    data = yaml.safe_load(policy.read_text())
    for tier in data["segmentation"]["tiers"]:
        if tier["name"] == "strategic":
            tier["share"] = tier["share"] * 2  # twice as many strategic accounts
    policy.write_text(yaml.safe_dump(data))
    run_b = tmp_path / "run-b"
    result = runner.invoke(
        app, ["analyze", str(demo_dir / "book"), "--policy", str(policy), "--out", str(run_b), "-q"]
    )
    assert result.exit_code == 0, result.output
    out_json = tmp_path / "compare.json"
    chart = tmp_path / "migration.svg"
    result = runner.invoke(
        app,
        [
            "compare",
            str(demo_dir / "run"),
            str(run_b),
            "--out",
            str(out_json),
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Tier migration" in result.output
    summary = json.loads(out_json.read_text())
    a = json.loads((demo_dir / "run" / "portfolio.json").read_text())["tiers"]["strategic"][
        "customers"
    ]
    b = json.loads((run_b / "portfolio.json").read_text())["tiers"]["strategic"]["customers"]
    assert b > a
    assert summary["tier_changes"] > 0
    assert (
        summary["hours_required_b"] > summary["hours_required_a"]
    )  # strategic accounts ask more hours
    assert "hours change" in result.output
    assert chart.read_text().lstrip().startswith("<svg")
