"""Can the team carry the policy? Hand-computed capacity on a small book."""

from __future__ import annotations

import re
from datetime import date

import ibis
import pandas as pd
import pytest

from tierwise.policy.capacity import NO_OWNER, capacity_summary
from tierwise.settings.service import ServiceSettings
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2024, 1, 29))  # 28 days = 4 weeks


def service_settings(ann_hours: float = 40, bob_hours: float = 40) -> ServiceSettings:
    """ann (key accounts) and bob (account manager) at 50% customer time, 52 weeks a year."""
    return ServiceSettings.model_validate(
        {
            "tiers": {
                "strategic": {"owner_role": "key_account_manager", "hours_per_month": 10},
                "growth": {"owner_role": "account_manager", "hours_per_month": 2},
            },
            "team": [
                {
                    "name": "ann",
                    "role": "key_account_manager",
                    "hours_per_week": ann_hours,
                    "customer_share": 0.5,
                    "working_weeks_per_year": 52,
                },
                {
                    "name": "bob",
                    "role": "account_manager",
                    "hours_per_week": bob_hours,
                    "customer_share": 0.5,
                    "working_weeks_per_year": 52,
                },
            ],
        }
    )


def frame(required: tuple[float, ...] = (30, 20, 10, 5, 5)) -> pd.DataFrame:
    """The per-customer alignment frame, written out by hand."""
    effort = [50.0, 10.0, 10.0, 9.0, 1.0]
    return pd.DataFrame(
        {
            "customer_id": ["S1", "S2", "G1", "G2", "G3"],
            "owner": ["ann", "ann", "bob", "zed", None],
            "tier": ["strategic", "strategic", "growth", "growth", "growth"],
            "owner_role": ["key_account_manager"] * 2 + ["account_manager"] * 3,
            "effort_hours": effort,
            "entitled_hours": list(required),
            "hours_gap": [e - r for e, r in zip(effort, required, strict=True)],
            "alignment": ["over_served", "under_served", "aligned", "over_served", "aligned"],
        }
    )


def test_hours_available_per_person_over_the_window() -> None:
    summary, details, _ = capacity_summary(frame(), service=service_settings(), window=WINDOW)
    people = details["capacity_by_person"].set_index("person")
    assert people.loc["ann", "available_hours"] == pytest.approx(80)  # 40 h x 50% x 4 weeks
    assert people.loc["bob", "available_hours"] == pytest.approx(80)
    assert summary["hours_available"] == pytest.approx(160)


def test_required_hours_per_person_role_and_tier() -> None:
    summary, details, _ = capacity_summary(frame(), service=service_settings(), window=WINDOW)
    people = details["capacity_by_person"].set_index("person")
    assert people.loc["ann", "required_hours"] == 50
    assert people.loc["ann", "gap_hours"] == 30
    assert people.loc["ann", "utilisation"] == pytest.approx(50 / 80)
    assert people.loc["bob", "required_hours"] == 10
    assert people.loc["zed", "role"] == "(not in team)"
    assert people.loc["zed", "available_hours"] == 0
    assert people.loc[NO_OWNER, "required_hours"] == 5
    roles = details["capacity_by_role"].set_index("role")
    assert roles.loc["key_account_manager", "required_hours"] == 50
    assert roles.loc["account_manager", "required_hours"] == 20  # G1 + G2 + G3 by tier role
    assert roles.loc["account_manager", "available_hours"] == 80
    tiers = details["capacity_by_tier"].set_index("tier")
    assert tiers.loc["strategic", "customers"] == 2
    assert tiers.loc["growth", "effort_hours"] == 20
    assert summary["hours_required"] == 70
    assert summary["hours_spent"] == 80


def test_hours_freed_and_needed_by_realigning() -> None:
    summary, details, _ = capacity_summary(frame(), service=service_settings(), window=WINDOW)
    # freed: S1 50-30 = 20, G2 9-5 = 4; needed: S2 20-10 = 10
    assert summary["hours_freed_by_realigning"] == 24
    assert summary["hours_needed_for_under_served"] == 10
    tiers = details["capacity_by_tier"].set_index("tier")
    assert tiers.loc["strategic", "hours_freed"] == 20
    assert tiers.loc["strategic", "hours_needed"] == 10
    assert tiers.loc["growth", "hours_freed"] == 4


def test_a_team_that_can_serve_gets_a_plain_yes() -> None:
    summary, _, _ = capacity_summary(frame(), service=service_settings(), window=WINDOW)
    assert summary["can_serve_policy"] is True
    assert summary["hours_for_new_business"] == 90
    assert summary["answer"].startswith("Yes: the policy asks 70 h of the team's 160 h (44%)")
    assert "leaving 90 h for new business" in summary["answer"]
    assert "frees 24 h" in summary["answer"]


def test_a_team_short_in_total_gets_a_no_with_the_short_roles() -> None:
    service = service_settings(ann_hours=10, bob_hours=5)  # 20 h + 10 h
    summary, _, _ = capacity_summary(frame(), service=service, window=WINDOW)
    assert summary["can_serve_policy"] is False
    assert summary["gap_hours"] == -40
    assert summary["hours_for_new_business"] == 0
    assert summary["answer"].startswith("No: the policy asks 70 h and the team has 30 h")
    assert "key account manager short by 30 h (needs 50 h, has 20 h)" in summary["answer"]
    assert ": account manager short by 10 h" in summary["answer"]


def test_a_role_short_while_the_total_fits_is_not_a_yes() -> None:
    service = service_settings(ann_hours=20, bob_hours=60)  # ann 40 h < 50 h; bob 120 h
    summary, _, _ = capacity_summary(frame(), service=service, window=WINDOW)
    assert summary["can_serve_policy"] is False
    assert summary["answer"].startswith("Not as staffed")
    assert "key account manager short by 10 h" in summary["answer"]


def test_owners_outside_the_team_and_missing_owners_are_warned() -> None:
    acts = ibis.memtable(pd.DataFrame({"customer_id": ["S1"], "owner": ["kim"]}))
    _, _, warnings = capacity_summary(
        frame(), service=service_settings(), window=WINDOW, activities=acts
    )
    assert any(
        w.startswith("2 owner(s) in the book are not in service.team: kim, zed") for w in warnings
    )
    assert any("1 customer(s) have no owner" in w for w in warnings)


def test_without_a_team_capacity_is_inferred_from_the_owners() -> None:
    # No team of its own: ann, bob and zed count as one person each at the default hours:
    # 40 h x 60% x (46 / 52 weeks of the window's 4 weeks) = 84.92 h each.
    service = service_settings().model_copy(update={"team": []})
    summary, details, warnings = capacity_summary(frame(), service=service, window=WINDOW)
    each = 40 * 0.6 * 4 * 46 / 52
    assert summary["team_source"] == "inferred"
    assert summary["assumed_hours_per_person"] == pytest.approx(each, abs=0.01)
    assert summary["hours_available"] == pytest.approx(3 * each, abs=0.01)
    people = details["capacity_by_person"].set_index("person")
    assert people.loc["ann", "available_hours"] == pytest.approx(each)
    # ann's accounts need 50 h < 84.9 h: nobody is short, the total fits
    assert summary["can_serve_policy"] is True
    assert summary["answer"].startswith("Inferred from the book, not from a team in the policy")
    assert (
        "3 owner(s), assumed to give 85 h each over the window (40 h a week" in (summary["answer"])
    )
    assert "service.team" in summary["answer"]
    # per role the book says nothing about who has which role: hours required only
    roles = details["capacity_by_role"]
    assert roles["available_hours"].isna().all()
    assert warnings == []


def test_an_inferred_owner_carrying_more_than_their_hours_is_named() -> None:
    service = service_settings().model_copy(update={"team": []})
    summary, _, _ = capacity_summary(
        frame(required=(60, 40, 10, 5, 5)), service=service, window=WINDOW
    )
    assert summary["can_serve_policy"] is False
    assert summary["short_people"] == ["ann"]
    assert "ann short by 15 h (needs 100 h, has 85 h)" in summary["answer"]


def test_the_built_in_placeholder_team_is_never_judged() -> None:
    placeholder = ServiceSettings()  # the built-in team: role groups nobody has named
    no_owners = frame().assign(owner=None)
    summary, _, _ = capacity_summary(no_owners, service=placeholder, window=WINDOW)
    assert summary["team_source"] == "unknown"
    assert summary["can_serve_policy"] is None
    assert summary["hours_available"] is None and summary["utilisation"] is None
    assert summary["answer"].startswith("Unknown — add your team")
    assert "No:" not in summary["answer"]
    assert summary["per_person"] == []
    with_owners, _, _ = capacity_summary(frame(), service=placeholder, window=WINDOW)
    assert with_owners["team_source"] == "inferred"


def test_short_roles_are_named_in_plain_words() -> None:
    service = service_settings(ann_hours=20, bob_hours=60)
    summary, _, _ = capacity_summary(frame(), service=service, window=WINDOW)
    assert summary["team_source"] == "policy"
    assert summary["short_roles"] == ["key account manager"]


def test_capacity_and_effort_charts_render_to_vega_lite() -> None:
    from tierwise.report.charts.service import (
        capacity_by_person,
        capacity_by_tier,
        effort_vs_entitlement,
    )

    f = frame().assign(name=list("abcde"))
    _, details, _ = capacity_summary(f, service=service_settings(), window=WINDOW)
    person = capacity_by_person(details["capacity_by_person"]).to_dict()
    assert len(person["data"]["values"] if "values" in person["data"] else person["datasets"]) > 0
    tier = capacity_by_tier(details["capacity_by_tier"]).to_dict()
    assert tier["mark"]["type"] == "bar"
    scatter = effort_vs_entitlement(f).to_dict()
    assert len(scatter["layer"]) == 2


def test_without_an_effort_log_realigning_is_unknown_not_zero_hours() -> None:
    unknown = frame().assign(alignment=None)  # no activities: nobody over- or under-served
    summary, _, _ = capacity_summary(unknown, service=service_settings(), window=WINDOW)
    assert summary["hours_freed_by_realigning"] is None
    assert summary["hours_spent"] is None
    assert "frees" not in summary["answer"]
    assert not re.search(r"(?<![\d,])0 h", summary["answer"])
    assert summary["answer"].startswith("Yes: the policy asks 70 h of the team's 160 h")
