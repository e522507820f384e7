"""The command line: help on every command, exit codes, and the commands end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.helpers import write_csv
from tierwise import __version__
from tierwise.cli import app

runner = CliRunner()


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()):
    for command in group.registered_commands:
        yield (*prefix, command.name or command.callback.__name__)
    for sub in group.registered_groups:
        yield from _commands(sub.typer_instance, (*prefix, sub.name))


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("command", list(_commands(app)), ids=" ".join)
def test_every_command_has_help_text(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) > 3  # a description and options, not just the usage line


def test_bad_input_exits_2_with_the_fix(tmp_path):
    write_csv(tmp_path, "transactions.csv", "client,when\nA,2025-01-01")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "--map" in result.output


def test_usage_error_exits_2():
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 2


def test_unexpected_failure_exits_1_with_a_hint(tmp_path, monkeypatch):
    import tierwise.pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(tierwise.pipeline, "analyze", boom)
    write_csv(tmp_path, "transactions.csv", "customer_id,date,amount\nA,2025-01-01,1")
    result = runner.invoke(app, ["analyze", str(tmp_path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert "report" in result.output.lower() and "kaboom" in result.output


def test_analyze_writes_a_run_folder(tmp_path):
    write_csv(
        tmp_path / "book",
        "transactions.csv",
        """
customer_id,date,amount
A,2025-01-02,100
A,2025-03-02,50
B,2025-02-01,10
B,2025-02-01,10
""",
    )
    run = tmp_path / "run"
    result = runner.invoke(
        app, ["analyze", str(tmp_path / "book"), "--out", str(run), "--as-of", "2025-06-01"]
    )
    assert result.exit_code == 0, result.output
    for name in ("scorecard.parquet", "scorecard.csv", "portfolio.json", "run.json", "report.html"):
        assert (run / name).is_file(), name
    info = json.loads((run / "run.json").read_text())
    assert info["as_of"] == "2025-06-01"
    assert info["policy_is_default"] is True
    assert info["inputs"]["transactions"]["read"] == 4
    assert info["inputs"]["transactions"]["quarantined"] == 1
    assert (run / "quarantine" / "transactions.csv").read_text().count("exact duplicate") == 1
    portfolio = json.loads((run / "portfolio.json").read_text())
    assert portfolio["customers"] == 2
    assert portfolio["revenue"] == pytest.approx(160.0)


def test_map_flag_builds_a_derived_amount(tmp_path):
    write_csv(tmp_path / "book", "transactions.csv", "Client,Day,Qty,Price\nA,2025-01-02,3,2.5")
    run = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "analyze",
            str(tmp_path / "book"),
            "--out",
            str(run),
            "-q",
            "--map",
            "customer_id=Client",
            "--map",
            "date=Day",
            "--map",
            "amount=Qty * Price",
        ],
    )
    assert result.exit_code == 0, result.output
    portfolio = json.loads((run / "portfolio.json").read_text())
    assert portfolio["revenue"] == pytest.approx(7.5)


def test_presets_lists_the_built_in_ones():
    result = runner.invoke(app, ["presets"])
    assert result.exit_code == 0
    assert "online-retail" in result.output and "cdnow" in result.output


def test_user_presets_are_found(tmp_path, monkeypatch):
    (tmp_path / "mine.yaml").write_text(
        "name: my-erp\ndescription: our ERP export\ntables:\n  transactions:\n"
        "    columns: {customer_id: Kunde, date: Datum, amount: Betrag}\n"
    )
    monkeypatch.setenv("TIERWISE_PRESETS", str(tmp_path))
    result = runner.invoke(app, ["presets"])
    assert "my-erp" in result.output
    write_csv(tmp_path / "book", "transactions.csv", "Kunde,Datum,Betrag\nK1,2025-01-02,4")
    run = tmp_path / "run"
    result = runner.invoke(
        app, ["analyze", str(tmp_path / "book"), "--preset", "my-erp", "--out", str(run), "-q"]
    )
    assert result.exit_code == 0, result.output


def test_policy_init_check_and_analyze_round_trip(tmp_path):
    policy = tmp_path / "policy.yaml"
    assert runner.invoke(app, ["policy", "init", str(policy)]).exit_code == 0
    assert "window_days" in policy.read_text()
    assert runner.invoke(app, ["policy", "check", str(policy)]).exit_code == 0
    write_csv(tmp_path / "book", "transactions.csv", "customer_id,date,amount\nA,2025-01-02,1")
    result = runner.invoke(
        app,
        [
            "analyze",
            str(tmp_path / "book"),
            "--policy",
            str(policy),
            "--out",
            str(tmp_path / "r"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    info = json.loads((tmp_path / "r" / "run.json").read_text())
    assert info["policy_source"] == str(policy)


def test_policy_check_lists_every_problem(tmp_path):
    policy = tmp_path / "bad.yaml"
    policy.write_text("analysis:\n  window_days: -3\n  default_margin_rate: 2\n  colour: blue\n")
    result = runner.invoke(app, ["policy", "check", str(policy)])
    assert result.exit_code == 2
    for key in ("analysis.window_days", "analysis.default_margin_rate", "analysis.colour"):
        assert key in result.output


def test_report_command_needs_a_run_folder(tmp_path: Path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a run folder" in result.output


def test_validate_writes_the_quarantine_and_prints_the_accounting(tmp_path):
    write_csv(
        tmp_path / "book",
        "transactions.csv",
        "customer_id,date,amount\nA,2025-01-02,1\n,2025-01-02,2",
    )
    rejected = tmp_path / "rejected"
    result = runner.invoke(app, ["validate", str(tmp_path / "book"), "--quarantine", str(rejected)])
    assert result.exit_code == 0, result.output
    assert "accepted + quarantined = read" in result.output
    lines = (rejected / "transactions.csv").read_text().splitlines()
    assert len(lines) == 2 and lines[1].endswith("missing customer_id")
