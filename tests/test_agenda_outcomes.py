"""Done, snoozed and skipped agenda items in the workspace database (SQLite and PostgreSQL),
and the day as an iCalendar file read back by an independent parser."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.agenda_books import analyse, write_agenda_book
from tierwise.agenda import build_agenda
from tierwise.cli import app

runner = CliRunner()
ROSA = "Rosa Rep"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agenda_outcomes")
    return analyse(write_agenda_book(root / "book"), root / "run")


def _ids(run: Path) -> dict[str, str]:
    items = build_agenda(run, owner=ROSA).items
    return {f"{r.customer_id}:{r.kind}": r.item_id for r in items.itertuples()}


def _people(url: str) -> None:
    from tierwise.workspace import Workspace

    with Workspace(url) as ws:
        ws.add_user("Lea Leader", role="leader", password=PASSWORD)
        ws.add_user("Mia Manager", role="manager", password=PASSWORD, actor="Lea Leader")
        ws.add_user(ROSA, role="rep", password=PASSWORD, manager="Mia Manager", actor="Lea Leader")
        ws.add_user("Otto Other", role="rep", password=PASSWORD, actor="Lea Leader")


def _agenda(run: Path, url: str, *extra: str) -> list[dict]:
    result = runner.invoke(
        app, ["agenda", str(run), "--owner", ROSA, "--format", "json", "--db", url, *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["agenda"]


def test_done_snooze_and_skip_are_recorded_audited_and_hide_the_item(run, db_url):
    _people(db_url)
    ids = _ids(run)
    base = ["--run", str(run), "--db", db_url]
    done = runner.invoke(app, ["agenda", "done", ids["C01:task"], "--as", ROSA, *base])
    assert done.exit_code == 0, done.output
    snooze = runner.invoke(
        app,
        [
            "agenda",
            "snooze",
            ids["C01:cadence"],
            "--as",
            "Mia Manager",
            "--reason",
            "customer on holiday",
            "--until",
            "2025-06-05",
            *base,
        ],
    )
    assert snooze.exit_code == 0, snooze.output
    skip = runner.invoke(
        app,
        ["agenda", "skip", ids["C02:task"], "--as", ROSA, "--reason", "inside sales has it", *base],
    )
    assert skip.exit_code == 0, skip.output
    shown = {r["item_id"] for r in _agenda(run, db_url)}
    assert {ids["C01:task"], ids["C01:cadence"], ids["C02:task"]}.isdisjoint(shown)
    # the skip holds for its day only; the snooze until its date
    next_day = {r["item_id"] for r in _agenda(run, db_url, "--date", "2025-06-02")}
    assert ids["C02:task"] in next_day and ids["C01:cadence"] not in next_day
    audit = runner.invoke(app, ["audit", "--json", "--db", db_url])
    actions = [e["action"] for e in json.loads(audit.output)]
    assert {"agenda.done", "agenda.snooze", "agenda.skip"} <= set(actions)
    team = runner.invoke(app, ["agenda", str(run), "--team", "Mia Manager", "--db", db_url])
    assert team.exit_code == 0, team.output
    assert "customer on holiday" in team.output and "inside sales has it" in team.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["skip", "C02:task", "--as", ROSA], "skip needs a reason"),
        (["snooze", "C01:cadence", "--as", ROSA, "--reason", "later"], None),
        (["snooze", "C01:cadence", "--as", ROSA, "--reason", "x"], "needs a reason"),
        (
            ["snooze", "C01:cadence", "--as", ROSA, "--reason", "later", "--until", "2025-05-01"],
            "is not after",
        ),
        (["done", "C01:task", "--as", "Otto Other"], "may not record outcomes"),
        (["done", "C01:task", "--as", "Nobody"], "unknown user"),
        (["done", "ag-0000000000000000", "--as", ROSA], "no item 'ag-0000000000000000'"),
        (["done", "C01:task"], "needs --as USER"),
    ],
)
def test_refused_outcomes_exit_2_and_say_why(run, sqlite_url, args, words):
    _people(sqlite_url)
    ids = _ids(run)
    args = [ids.get(a, a) for a in args]
    result = runner.invoke(app, ["agenda", *args, "--run", str(run), "--db", sqlite_url])
    if words is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())


def test_the_ics_file_parses_with_an_independent_parser(run, tmp_path):
    import vobject

    out = tmp_path / "day.ics"
    result = runner.invoke(
        app, ["agenda", str(run), "--owner", ROSA, "--format", "ics", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    cal = vobject.readOne(out.read_text(encoding="utf-8"))
    events = list(getattr(cal, "vevent_list", []))
    agenda = build_agenda(run, owner=ROSA).items.sort_values("rank")
    today = agenda[(agenda["plan"] == "today") & (agenda["minutes"] > 0)]
    assert [e.uid.value for e in events] == [f"{i}@tierwise" for i in today["item_id"]]
    starts = [e.dtstart.value for e in events]
    assert starts[0].isoformat() == "2025-06-01T09:00:00"
    for event, minutes in zip(events, today["minutes"], strict=True):
        assert (event.dtend.value - event.dtstart.value).total_seconds() == minutes * 60
    for before, after in itertools.pairwise(events):
        assert after.dtstart.value == before.dtend.value  # one after another
    assert "Send the renewal contract" in " ".join(e.summary.value for e in events)


def test_carried_over_items_become_to_dos_in_the_calendar(run):
    import vobject

    from tierwise.agenda.ics import to_ics
    from tierwise.settings.schema import Policy

    policy = Policy.model_validate(
        json.loads((run / "run.json").read_text())["policy"]
        | {"agenda": {"daily_minutes": {ROSA: 35}, "importance": {"min_value": None}}}
    )
    agenda = build_agenda(run, owner=ROSA, policy=policy)
    cal = vobject.readOne(to_ics(agenda, ROSA).decode("utf-8"))
    todos = list(getattr(cal, "vtodo_list", []))
    carried = agenda.items[agenda.items["plan"] == "carried_over"]
    assert sorted(t.uid.value for t in todos) == sorted(f"{i}@tierwise" for i in carried["item_id"])


def test_an_override_awaiting_a_decision_is_an_item_of_the_account_owner(run, sqlite_url):
    from datetime import date

    from tests.db_fixtures import register_run
    from tierwise.workspace import Workspace

    _people(sqlite_url)
    with Workspace(sqlite_url) as ws:
        register_run(ws, [("C02", "transactional", ROSA)])
        ws.request_override(
            ROSA, "C02", tier="growth", reason="Signed a framework deal", today=date(2025, 6, 1)
        )
    items = [r for r in _agenda(run, sqlite_url) if r["kind"] == "override"]
    assert [r["customer_id"] for r in items] == ["C02"]
    assert "awaits a decision" in items[0]["title"] and items[0]["evidence"]["override_id"]
