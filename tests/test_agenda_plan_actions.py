"""A kept account plan's open actions feed the agenda (CONTRACT §6, §7), on SQLite and
PostgreSQL: on the day of the action's owner, placed by the same matrix as every item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.agenda_books import AS_OF, analyse, write_agenda_book
from tierwise.agenda import build_agenda
from tierwise.cli import app
from tierwise.plans.model import AccountPlan, Action, Objective, Statement
from tierwise.workspace import Workspace
from tierwise.workspace import plans as service
from tierwise.workspace.agenda_outcomes import open_plan_actions_frame
from tierwise.workspace.users import acting

ROSA = "Rosa Rep"
CFO = "Carla Finance"
PASSWORD = "a long enough password"
runner = CliRunner()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plan-actions")
    return analyse(write_agenda_book(root / "book"), root / "run")


def _plan(customer: str, tier: str, actions: list[Action]) -> AccountPlan:
    return AccountPlan(
        customer_id=customer,
        name=f"Company {customer}",
        owner=ROSA,
        tier=tier,
        as_of=AS_OF,
        run="run",
        objectives=[Objective("grow", "Grow valves", Statement("peers buy valves"), ["sales"])],
        actions=actions,
    )


@pytest.fixture
def db(db_url: str) -> str:
    ws = Workspace(db_url)
    ws.add_user("Lea Leader", role="leader", password=PASSWORD)
    with ws.transaction() as s:
        who = acting(s, "Lea Leader")
        service.save_plan(
            s,
            who,
            _plan(
                "C01",
                "strategic",
                [
                    Action("A1", "grow", "Offer valves", ROSA, "2025-05-30"),  # overdue
                    Action("A2", "grow", "Credit line for the valves", CFO, "2025-07-15"),
                    Action("A3", "grow", "Trial report", None, "2025-06-20"),
                ],
            ),
        )
        service.save_plan(
            s, who, _plan("C02", "transactional", [Action("B1", "grow", "Quote", ROSA, None)])
        )
    return db_url


def _actions(db: str):
    with Workspace(db) as ws, ws.transaction() as s:
        return open_plan_actions_frame(s)


def test_the_open_actions_of_kept_plans_come_with_their_plan_version(db: str) -> None:
    frame = _actions(db)
    assert sorted(frame["action_key"]) == ["A1", "A2", "A3", "B1"]
    assert set(frame["version"]) == {1}


def test_a_strategic_accounts_overdue_action_is_done_now_and_comes_early(run, db) -> None:
    items = build_agenda(run, owner=ROSA, plan_actions=_actions(db)).items
    mine = items[items["kind"] == "plan_action"].set_index("reason")
    assert set(mine.index) == {"plan action A1", "plan action A3", "plan action B1"}
    offer = mine.loc["plan action A1"]
    assert offer["owner"] == ROSA and offer["customer_id"] == "C01"
    assert offer["quadrant"] == "do_now"
    assert "the plan action is overdue by 2 day(s)" in offer["why"]
    assert offer["title"] == "Account plan: Offer valves"
    # Not urgent, strategic: planned work (schedule); the transactional quote is dropped.
    assert mine.loc["plan action A3"]["quadrant"] == "schedule"
    assert mine.loc["plan action B1"]["quadrant"] == "drop"
    # Strategic work first: the overdue action ranks before every transactional item.
    transactional = items[items["customer_id"] == "C02"]["rank"]
    assert offer["rank"] < transactional.min()


def test_an_action_for_another_function_is_on_that_persons_day(run, db) -> None:
    actions = _actions(db)
    rosa = build_agenda(run, owner=ROSA, plan_actions=actions).items
    assert "plan action A2" not in set(rosa["reason"])
    carla = build_agenda(run, owner=CFO, plan_actions=actions)
    assert list(carla.items["reason"]) == ["plan action A2"]
    assert list(carla.capacity["owner"]) == [CFO]


def test_the_agenda_command_reads_plan_actions_from_the_database(run, db) -> None:
    result = runner.invoke(
        app, ["agenda", str(run), "--owner", ROSA, "--format", "json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    day = json.loads(result.output)
    kinds = {(i["kind"], i["evidence"].get("plan_action")) for i in day["agenda"]}
    assert ("plan_action", "A1") in kinds
    without = runner.invoke(app, ["agenda", str(run), "--owner", ROSA, "--format", "json"])
    assert all(i["kind"] != "plan_action" for i in json.loads(without.output)["agenda"])
