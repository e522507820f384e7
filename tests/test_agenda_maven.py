"""The maven-crm preset on the real CRM sample: every line accounted for, open deals as
tasks, the sales teams as the policy's team, and a day per agent built from them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tierwise.agenda import build_agenda, team_view
from tierwise.book.book import read_book

OPEN = ("Engaging", "Prospecting")


@pytest.fixture(scope="module")
def maven(shared_data: Path) -> Path:
    folder = shared_data / "maven_crm"
    if not (folder / "sales_pipeline.csv.gz").is_file():
        pytest.skip(f"the Maven CRM sample is not at {folder} (see its PROVENANCE.md)")
    return folder


@pytest.fixture(scope="module")
def deals(maven: Path) -> pd.DataFrame:
    return pd.read_csv(maven / "sales_pipeline.csv.gz", dtype=str)


@pytest.fixture(scope="module")
def run(maven: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tierwise.pipeline import analyze

    out = tmp_path_factory.mktemp("maven") / "run"
    return analyze(maven, preset="maven-crm", today="2026-01-01").write(out)


def test_every_line_is_accounted_for(maven, deals):
    book = read_book(maven, preset="maven-crm")
    lines = len(deals)
    won = int((deals.deal_stage == "Won").sum())
    open_deals = deals[deals.deal_stage.isin(OPEN)]
    no_account = int(open_deals.account.isna().sum())
    tx, tasks = book.accounting["transactions"], book.accounting["tasks"]
    assert (tx.in_files, tx.read, tx.accepted, tx.quarantined, tx.filtered_out) == (
        lines,
        won,
        won,
        0,
        lines - won,
    )
    assert (tasks.in_files, tasks.read, tasks.filtered_out) == (
        lines,
        len(open_deals),
        lines - len(open_deals),
    )
    assert (tasks.accepted, tasks.quarantined) == (len(open_deals) - no_account, no_account)
    assert tasks.reasons == {"missing customer_id": no_account}
    accounts = pd.read_csv(maven / "accounts.csv.gz", dtype=str)
    customers = book.accounting["customers"]
    assert (customers.read, customers.accepted, customers.quarantined) == (
        len(accounts),
        len(accounts),
        0,
    )
    for acc in book.accounting.values():
        assert acc.accepted + acc.quarantined == acc.read
        assert acc.read + acc.filtered_out == acc.in_files


def test_the_sales_teams_become_the_policy_team(run, maven):
    teams = pd.read_csv(maven / "sales_teams.csv.gz", dtype=str)
    policy = json.loads((run / "run.json").read_text())["policy"]
    team = {m["name"]: m["manager"] for m in policy["service"]["team"]}
    assert team == dict(zip(teams.sales_agent, teams.manager, strict=True))
    assert {m["role"] for m in policy["service"]["team"]} == {"account_manager"}


def test_each_agent_gets_one_task_item_per_open_deal_account_and_product(run, deals):
    agenda = build_agenda(run)
    tasks = agenda.items[agenda.items["kind"] == "task"]
    open_deals = deals[deals.deal_stage.isin(OPEN) & deals.account.notna()]
    expected = open_deals.groupby(["sales_agent", "account", "product"]).ngroups
    assert len(tasks) == expected
    per_agent = tasks.groupby("owner").size()
    assert (
        per_agent.to_dict()
        == open_deals.groupby("sales_agent")
        .apply(lambda f: f.groupby(["account", "product"]).ngroups, include_groups=False)
        .to_dict()
    )


def test_every_day_fits_its_capacity_and_carries_the_rest(run):
    agenda = build_agenda(run)
    cap = agenda.capacity.set_index("owner")
    today = agenda.items[agenda.items["plan"] == "today"].groupby("owner")["minutes"].sum()
    for owner, minutes in today.items():
        assert minutes <= cap.loc[owner, "daily_minutes"]
    view = team_view(run, manager="Rocco Neubert")
    assert set(view.people["owner"]) <= set(cap.index)
