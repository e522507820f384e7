"""The agenda on a hand-built book whose right day is known (tests/agenda_books.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.agenda_books import (
    AS_OF,
    CALL_MINUTES,
    CALLS,
    CORE_HOURS_PER_MONTH,
    WINDOW_DAYS,
    analyse,
    write_agenda_book,
)
from tierwise.agenda import build_agenda, team_view
from tierwise.cli import app
from tierwise.errors import InputError
from tierwise.settings.schema import Policy

runner = CliRunner()
ROSA = "Rosa Rep"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two runs of the book: as built, and after the follow-up tasks K1 and K3 are done."""
    root = tmp_path_factory.mktemp("agenda")
    first = analyse(write_agenda_book(root / "book"), root / "run")
    later = analyse(write_agenda_book(root / "book2", done=("K1", "K3")), root / "run2")
    return {"first": first, "later": later}


def _item(items: pd.DataFrame, customer: str, kind: str) -> pd.Series:
    found = items[(items["customer_id"] == customer) & (items["kind"] == kind)]
    assert len(found) == 1, f"expected one {kind} item of {customer}, got {len(found)}"
    return found.iloc[0]


def test_strategic_overdue_follow_up_comes_before_a_transactional_urgent_request(runs):
    items = build_agenda(runs["first"], owner=ROSA).items
    follow_up = _item(items, "C01", "task")
    request = _item(items, "C02", "task")
    assert follow_up["rank"] < request["rank"]
    assert follow_up["quadrant"] == "do_now"
    assert (
        "the task is overdue by 7 day(s)" in follow_up["why"]
    )  # the earlier due of the two: 2025-05-25
    assert "tier strategic" in follow_up["why"]


def test_the_transactional_request_lands_in_delegate(runs):
    request = _item(build_agenda(runs["first"], owner=ROSA).items, "C02", "task")
    assert request["quadrant"] == "delegate"
    assert request["minutes"] == Policy().agenda.delegate_minutes
    assert "not important: tier transactional" in request["why"]
    assert "urgent: the task is due 2025-06-01" in request["why"]


def test_the_same_task_twice_is_one_item(runs):
    item = _item(build_agenda(runs["first"], owner=ROSA).items, "C01", "task")
    assert item["ev_count"] == 2


def test_an_over_served_account_yields_a_reduce_item_with_the_hours_it_frees(runs):
    items = build_agenda(runs["first"], owner=ROSA).items
    reduce = _item(items, "C03", "reduce")
    effort = CALLS * CALL_MINUTES / 60
    entitled = CORE_HOURS_PER_MONTH * WINDOW_DAYS / (365.25 / 12)
    assert reduce["quadrant"] == "reduce" and reduce["plan"] == "not_planned"
    assert reduce["ev_hours"] == pytest.approx(effort - entitled, abs=1e-6)
    assert f"{effort - entitled:.1f} h to free" in reduce["why"]
    assert reduce["minutes"] == 0


def test_purchases_since_the_last_touch_are_listed_for_a_strategic_account(runs):
    purchase = _item(build_agenda(runs["first"], owner=ROSA).items, "C01", "purchase")
    assert (purchase["ev_orders"], purchase["ev_revenue"]) == (1, 640.0)
    assert purchase["ev_since"] == pd.Timestamp("2025-05-01")
    assert "since the last touch on 2025-05-01" in purchase["title"]


def test_strategic_accounts_open_the_day(runs):
    items = build_agenda(runs["first"], owner=ROSA).items.sort_values("rank")
    tiers = items["tier"].tolist()
    first_other = next(i for i, t in enumerate(tiers) if t != "strategic")
    assert set(tiers[:first_other]) == {"strategic"}
    assert "strategic" not in tiers[first_other:]


def test_capacity_overflow_carries_items_over_and_drops_none(runs):
    full = build_agenda(runs["first"], owner=ROSA).items
    policy = Policy.model_validate(
        json.loads((runs["first"] / "run.json").read_text())["policy"]
        | {"agenda": {"daily_minutes": {ROSA: 35}, "importance": {"min_value": None}}}
    )
    tight = build_agenda(runs["first"], owner=ROSA, policy=policy)
    items = tight.items.sort_values("rank")
    assert set(items["item_id"]) == set(full["item_id"])  # nothing lost
    today = items[items["plan"] == "today"]
    assert today["minutes"].sum() <= 35
    # rank order: purchase (10) + task (20) fit in 35; the 30-minute touch does not
    assert today["kind"].tolist() == ["purchase", "task"]
    carried = items[items["plan"] == "carried_over"]
    assert "cadence" in carried["kind"].tolist() and len(carried) == 3
    cap = tight.capacity.set_index("owner").loc[ROSA]
    assert (cap["daily_minutes"], cap["capacity_source"]) == (35, "agenda.daily_minutes")
    assert cap["carried_over"] == 3


def test_capacity_comes_from_the_policy_team(runs):
    cap = build_agenda(runs["first"], owner=ROSA).capacity.set_index("owner").loc[ROSA]
    assert cap["daily_minutes"] == round(40 * 0.6 * 60 / 5)
    assert cap["capacity_source"] == "service.team"


def test_an_item_closes_when_its_task_is_done_and_the_others_keep_their_ids(runs):
    before = build_agenda(runs["first"], owner=ROSA).items
    after = build_agenda(runs["later"], owner=ROSA).items
    closed = _item(before, "C01", "task")["item_id"]
    assert closed not in set(after["item_id"])
    request = _item(before, "C02", "task")["item_id"]
    assert request in set(after["item_id"])
    assert set(before["item_id"]) - set(after["item_id"]) == {closed}


def test_done_snoozed_and_skipped_items_are_hidden_on_the_right_days(runs):
    items = build_agenda(runs["first"], owner=ROSA).items
    ids = {
        kind: _item(items, c, kind)["item_id"]
        for c, kind in [("C01", "task"), ("C01", "cadence"), ("C02", "task")]
    }
    outcomes = pd.DataFrame(
        [
            {"item_id": ids["task"], "action": "done", "on": date(2025, 6, 1), "until": None},
            {
                "item_id": ids["cadence"],
                "action": "snoozed",
                "on": date(2025, 6, 1),
                "until": date(2025, 6, 3),
            },
        ]
    )
    hidden = build_agenda(runs["first"], owner=ROSA, outcomes=outcomes)
    assert {ids["task"], ids["cadence"]}.isdisjoint(hidden.items["item_id"])
    assert set(hidden.hidden["item_id"]) == {ids["task"], ids["cadence"]}
    later = build_agenda(runs["first"], owner=ROSA, outcomes=outcomes, day="2025-06-03")
    assert ids["cadence"] in set(later.items["item_id"])  # the snooze is over


def test_an_unknown_owner_is_a_clear_error(runs):
    with pytest.raises(InputError, match="Rosa Repp"):
        build_agenda(runs["first"], owner="Rosa Repp")


def test_a_folder_that_is_no_run_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="not a run folder"):
        build_agenda(tmp_path, owner=ROSA)


def test_the_team_view_names_the_overloaded_and_the_time_split(runs):
    policy = Policy.model_validate(
        json.loads((runs["first"] / "run.json").read_text())["policy"]
        | {"agenda": {"daily_minutes": {ROSA: 35}, "importance": {"min_value": None}}}
    )
    view = team_view(runs["first"], manager="Mia Manager", policy=policy)
    people = view.people.set_index("owner")
    assert set(people.index) == {ROSA, "Otto Other"}
    assert bool(people.loc[ROSA, "overloaded"])
    share = view.time_share
    planned = view.agenda.items[view.agenda.items["plan"] == "today"]
    assert (
        share["minutes"]["delegate"] == planned.loc[planned.quadrant == "delegate", "minutes"].sum()
    )
    assert share["planned_minutes"] == planned["minutes"].sum()


def test_the_team_view_lists_strategic_accounts_without_a_touch_this_week(runs):
    view = team_view(runs["first"], manager="Mia Manager")
    # C04 (Otto's strategic account) gets a touch and review planned today; none is missing
    planned = view.agenda.items
    c04 = planned[(planned.customer_id == "C04") & (planned.plan == "today")]
    assert (len(view.untouched) == 0) == (not c04.empty)


def test_an_unknown_manager_is_a_clear_error(runs):
    with pytest.raises(InputError, match=r"no one in service\.team has manager"):
        team_view(runs["first"], manager="Nobody")


def test_cli_day_in_every_format(runs, tmp_path):
    run = str(runs["first"])
    text = runner.invoke(app, ["agenda", run, "--owner", ROSA])
    assert text.exit_code == 0, text.output
    assert "Send the renewal contract" in text.output and "why:" in text.output
    js = runner.invoke(app, ["agenda", run, "--owner", ROSA, "--format", "json"])
    body = json.loads(js.output)
    assert body["owner"] == ROSA and body["agenda"][0]["rank"] == 1
    assert {
        "rank",
        "customer_id",
        "kind",
        "quadrant",
        "title",
        "why",
        "evidence",
        "due",
        "minutes",
    } <= set(body["agenda"][0])
    md = runner.invoke(app, ["agenda", run, "--owner", ROSA, "--format", "md"])
    assert md.exit_code == 0 and "| # | quadrant |" in md.output
    team = runner.invoke(app, ["agenda", run, "--team", "all", "--format", "json"])
    assert team.exit_code == 0 and {p["owner"] for p in json.loads(team.output)["people"]} >= {ROSA}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--owner", "Nobody There"], "own no account, task or plan action"),
        (["--owner", ROSA, "--format", "pdf"], "--format 'pdf'"),
        ([], "give --owner NAME"),
        (["--owner", ROSA, "--date", "01/06/2025"], "YYYY-MM-DD"),
    ],
)
def test_cli_bad_input_exits_2_with_the_fix(runs, args, words):
    result = runner.invoke(app, ["agenda", str(runs["first"]), *args])
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())


def test_a_policy_without_an_agenda_section_stays_valid_and_gets_the_defaults():
    policy = Policy.model_validate(
        {
            "service": {
                "team": [
                    {"name": "A", "role": "key_account_manager"},
                    {"name": "B", "role": "account_manager"},
                    {"name": "C", "role": "inside_sales"},
                ]
            }
        }
    )
    assert policy.agenda.importance.tiers == ["strategic", "growth"]
    assert policy.service.team[0].manager is None


def test_an_unknown_kind_in_the_agenda_minutes_names_the_kinds():
    with pytest.raises(ValueError, match="unknown kind"):
        Policy.model_validate({"agenda": {"minutes": {"lunch": 60}}})


def test_the_default_policy_file_round_trips_with_the_agenda_section():
    import yaml

    from tierwise.settings.io import policy_yaml

    text = policy_yaml(Policy())
    assert "agenda:" in text
    assert Policy.model_validate(yaml.safe_load(text)) == Policy()


def test_the_run_keeps_open_tasks_and_touches(runs):
    tasks = pd.read_parquet(runs["first"] / "details" / "agenda_tasks.parquet")
    assert sorted(tasks["task_id"]) == ["K1", "K2", "K3"]  # K4 is done
    touches = pd.read_parquet(runs["first"] / "details" / "agenda_touches.parquet")
    c01 = touches.set_index("customer_id").loc["C01"]
    assert str(c01["last_touch"])[:10] == "2025-05-01" and c01["orders_since_touch"] == 1


def test_the_day_defaults_to_the_run_as_of_date(runs):
    assert build_agenda(runs["first"], owner=ROSA).day == date.fromisoformat(AS_OF)


def test_a_run_whose_details_lack_a_column_still_gives_a_day(runs, tmp_path):
    import shutil

    old = tmp_path / "old_run"
    shutil.copytree(runs["first"], old)
    tasks = pd.read_parquet(old / "details" / "agenda_tasks.parquet").drop(columns="status")
    tasks.to_parquet(old / "details" / "agenda_tasks.parquet", index=False)
    items = build_agenda(old, owner=ROSA).items
    assert _item(items, "C01", "task")["title"] == "Send the renewal contract"
