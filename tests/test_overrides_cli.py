"""The whole override story through the command line, on SQLite and on PostgreSQL.

One scenario per database (analyses are slow, so each runs once and several tests read
it): a leader and reps are added, a rep requests, others are refused, the leader
approves, a re-run whose evidence moves a customer's model tier applies the overrides,
the report lists them, and the audit trail shows every step.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from tests.db_fixtures import TINY_AS_OF, fresh_pg_database, write_tiny_book
from tierwise.cli import app

runner = CliRunner()
PASSWORD = "correct horse battery\n"


@dataclass
class Story:
    url: str
    root: Path
    steps: dict[str, Result] = field(default_factory=dict)

    def run(self, key: str, *args: str, password: bool = False) -> Result:
        result = runner.invoke(app, [*args, "--db", self.url], input=PASSWORD if password else None)
        self.steps[key] = result
        return result

    def said(self, key: str) -> str:
        return " ".join(self.steps[key].output.split())

    def scorecard(self, run: str) -> pd.DataFrame:
        return pd.read_parquet(self.root / run / "scorecard.parquet").set_index("customer_id")

    def portfolio(self, run: str) -> dict[str, Any]:
        return json.loads((self.root / run / "portfolio.json").read_text())


def _tell(url: str, root: Path) -> Story:
    s = Story(url, root)
    book = write_tiny_book(root / "book")
    s.run("analyze1", "analyze", str(book), "--out", str(root / "r1"), "--as-of", TINY_AS_OF, "-q")
    s.run("add_lee", "users", "add", "lee", "--role", "leader", password=True)
    s.run("add_rosa", "users", "add", "Rosa Rep", "--role", "rep", "--manager", "lee",
          "--as", "lee", password=True)  # fmt: skip
    s.run("add_mia", "users", "add", "mia", "--role", "manager", "--as", "lee", password=True)
    s.run("add_otto", "users", "add", "Otto Other", "--role", "rep", "--manager", "mia",
          "--as", "lee", password=True)  # fmt: skip
    s.run("rosa_adds", "users", "add", "eve", "--role", "admin", "--as", "Rosa Rep", password=True)
    s.run("request", "override", "request", "C02", "--tier", "growth", "--code", "relationship",
          "--reason", "Board-level partnership signed", "--as", "Rosa Rep",
          "--review-by", "2099-12-31")  # fmt: skip
    s.run("second_open", "override", "request", "C02", "--tier", "core", "--reason", "again",
          "--as", "Rosa Rep")  # fmt: skip
    s.run("not_hers", "override", "request", "C04", "--tier", "core", "--reason", "mine?",
          "--as", "Rosa Rep")  # fmt: skip
    s.run("bad_tier", "override", "request", "C01", "--tier", "platinum", "--reason", "x",
          "--as", "Rosa Rep")  # fmt: skip
    s.run("bad_customer", "override", "request", "C99", "--tier", "core", "--reason", "x",
          "--as", "Rosa Rep")  # fmt: skip
    s.run("past_review", "override", "request", "C01", "--tier", "strategic", "--reason", "x",
          "--as", "Rosa Rep", "--review-by", "2020-01-01")  # fmt: skip
    s.run("unknown_user", "override", "approve", "1", "--as", "nobody")
    s.run("rep_approves", "override", "approve", "1", "--as", "Rosa Rep")
    s.run("other_team", "override", "approve", "1", "--as", "mia")
    s.run("approve", "override", "approve", "1", "--as", "lee", "--comment", "agreed in QBR")
    s.run("approve_again", "override", "approve", "1", "--as", "lee")
    s.run("request_otto", "override", "request", "C06", "--tier", "growth", "--reason",
          "Expansion into two new plants", "--as", "Otto Other")  # fmt: skip
    s.run("approve_mia", "override", "approve", "2", "--as", "mia")
    s.run("request_reject", "override", "request", "C09", "--tier", "core", "--reason", "hunch",
          "--as", "Rosa Rep")  # fmt: skip
    s.run("reject", "override", "reject", "3", "--as", "lee", "--comment", "no evidence")
    s.run("request_recall", "override", "request", "C03", "--tier", "growth", "--reason", "tbd",
          "--as", "Rosa Rep")  # fmt: skip
    s.run("recall", "override", "recall", "4", "--as", "Rosa Rep")
    s.run("list", "override", "list", "--json")
    # C02 buys a lot just before the second run: the evidence moves its model tier.
    write_tiny_book(book, [("C02", f"2025-05-0{d}", 20000.0) for d in range(1, 6)])
    s.run("analyze2", "analyze", str(book), "--out", str(root / "r2"), "--as-of", "2025-06-02")
    s.run("audit", "audit", "--json")
    s.run("audit_c02", "audit", "--customer", "C02", "--csv", str(root / "audit.csv"))
    return s


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Story]:
    root = tmp_path_factory.mktemp(f"story-{request.param}")
    if request.param == "sqlite":
        yield _tell(f"sqlite:///{root / 'tierwise.db'}", root)
    else:
        with fresh_pg_database() as url:
            yield _tell(url, root)


OK_STEPS = (
    "analyze1", "add_lee", "add_rosa", "add_mia", "add_otto", "request", "approve",
    "request_otto", "approve_mia", "request_reject", "reject", "request_recall", "recall",
    "list", "analyze2", "audit", "audit_c02",
)  # fmt: skip


def test_every_allowed_step_succeeds(story: Story):
    for key in OK_STEPS:
        assert story.steps[key].exit_code == 0, (key, story.steps[key].output)


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("rosa_adds", ["'Rosa Rep' is a rep", "admin or leader"]),
        ("second_open", ["'C02' has an open override already (#1, pending)", "recall"]),
        ("not_hers", ["'C04' is owned by 'Otto Other'", "their own accounts"]),
        ("bad_tier", ["unknown tier 'platinum'", "strategic, growth, core, transactional"]),
        ("bad_customer", ["unknown customer 'C99'", "latest run"]),
        ("past_review", ["review-by date 2020-01-01 is not in the future"]),
        ("unknown_user", ["unknown user 'nobody'", "tierwise users add"]),
        ("rep_approves", ["'Rosa Rep' is a rep and may not approve"]),
        ("other_team", ["'mia' manages a team that 'Rosa Rep' is not in"]),
        ("approve_again", ["override 1 is approved by 'lee', no longer pending"]),
    ],
)
def test_refused_steps_exit_2_naming_the_thing_and_the_fix(story: Story, key: str, words):
    assert story.steps[key].exit_code == 2, story.steps[key].output
    for word in words:
        assert word in story.said(key)


def test_the_lifecycle_ends_in_each_state(story: Story):
    rows = {r["id"]: r for r in json.loads(story.steps["list"].output)}
    assert {i: r["status"] for i, r in rows.items()} == {
        1: "approved",
        2: "approved",
        3: "rejected",
        4: "recalled",
    }
    assert rows[1]["requested_by"] == "Rosa Rep" and rows[1]["decided_by"] == "lee"
    assert rows[1]["reason_code"] == "relationship" and rows[1]["comment"] == "agreed in QBR"
    assert rows[3]["comment"] == "no evidence"


def test_refused_commands_write_nothing(story: Story):
    rows = json.loads(story.steps["list"].output)
    assert len(rows) == 4  # none of the refused requests left a row
    audit = json.loads(story.steps["audit"].output)
    assert [e["action"] for e in audit].count("override.request") == 4
    assert [e["actor"] for e in audit if e["action"] == "user.add"] == [
        "tierwise", "lee", "lee", "lee",
    ]  # fmt: skip


def test_analyze_puts_the_model_tier_and_the_tier_side_by_side(story: Story):
    card = story.scorecard("r2")
    columns = list(card.reset_index().columns)
    i = columns.index("tier")
    assert columns[i : i + 5] == [
        "tier", "model_tier", "override_id", "override_reason", "override_stale",
    ]  # fmt: skip
    assert card.loc["C02", "tier"] == "growth" and card.loc["C02", "override_id"] == 1
    assert card.loc["C06", "tier"] == "growth" and card.loc["C06", "model_tier"] == "core"
    assert card.loc["C02", "override_reason"] == "relationship: Board-level partnership signed"
    others = card.drop(index=["C02", "C06"])
    assert (others["tier"] == others["model_tier"]).all()
    assert others["override_id"].isna().all()
    assert "override" in card.loc["C02", "reasons"]
    assert "C02" in story.said("analyze2") and "model_tier" in story.said("analyze2")


def test_an_override_goes_stale_when_the_evidence_moves_the_model_tier(story: Story):
    before, after = story.scorecard("r1"), story.scorecard("r2")
    # the override was approved while the model said "transactional"; C02's big new
    # orders move the model's tier; C06's evidence did not change
    assert before.loc["C02", "tier"] == "transactional"
    assert after.loc["C02", "model_tier"] != "transactional"
    assert bool(after.loc["C02", "override_stale"]) is True
    assert before.loc["C06", "tier"] == after.loc["C06", "model_tier"] == "core"
    assert bool(after.loc["C06", "override_stale"]) is False


def test_capacity_and_alignment_use_the_effective_tier(story: Story):
    card = story.scorecard("r2")
    growth = card[(card["model_tier"] == "growth") & card["override_id"].isna()]
    assert len(growth) > 0
    assert card.loc["C06", "entitled_hours"] == growth["entitled_hours"].iloc[0]


def test_portfolio_and_report_show_the_overrides(story: Story):
    figures = story.portfolio("r2")["overrides"]
    assert figures["applied"] == 2 and figures["stale"] == 1
    assert figures["stale_customers"] == ["C02"]
    assert figures["by_manager"]["lee"] == {"customers": 4, "overrides": 1, "rate": 0.25}
    assert figures["by_manager"]["mia"] == {"customers": 4, "overrides": 1, "rate": 0.25}
    assert figures["by_manager"]["(owner not a user)"]["overrides"] == 0
    page = (story.root / "r2" / "report.html").read_text()
    assert "Overrides: people decide" in page and "Override rate per manager" in page
    assert "Board-level partnership signed" in page


def test_the_second_run_lists_who_moved_since_the_first(story: Story):
    moves = story.portfolio("r2")["moves"]
    assert moves["previous_run"] == TINY_AS_OF
    assert moves["tier"]["up"] >= 1  # C02's effective tier went from transactional to growth
    page = (story.root / "r2" / "report.html").read_text()
    assert f"Since the run as of {TINY_AS_OF}" in page


def test_the_audit_trail_shows_every_step(story: Story):
    entries = json.loads(story.steps["audit"].output)
    steps = [(e["actor"], e["action"], e["object_id"]) for e in entries]
    for step in [
        ("Rosa Rep", "override.request", "1"),
        ("lee", "override.approve", "1"),
        ("Otto Other", "override.request", "2"),
        ("mia", "override.approve", "2"),
        ("lee", "override.reject", "3"),
        ("Rosa Rep", "override.recall", "4"),
    ]:
        assert step in steps
    assert steps.index(("Rosa Rep", "override.request", "1")) < steps.index(
        ("lee", "override.approve", "1")
    )
    approve = next(e for e in entries if e["action"] == "override.approve" and e["actor"] == "lee")
    assert approve["before"]["status"] == "pending" and approve["after"]["status"] == "approved"
    assert approve["comment"] == "agreed in QBR" and approve["at"].endswith("+00:00")
    runs = [e for e in entries if e["action"] == "run.register"]
    assert len(runs) == 2 and runs[1]["after"]["overrides_applied"] == 2
    with (story.root / "audit.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["customer_id"] for r in rows} == {"C02"}
    assert [r["action"] for r in rows] == ["override.request", "override.approve"]
