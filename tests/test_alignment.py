"""Effort against entitlement on a small hand-computed book."""

from __future__ import annotations

import json
from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.errors import InputError, PolicyError
from tierwise.policy.alignment import ALIGNMENT_COLUMNS, align_service, score_alignment
from tierwise.settings.schema import Policy
from tierwise.settings.service import ServiceSettings
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))  # 366 days
MONTHS = 366 * 12 / 365.25
RATES = {"key_account_manager": 80.0, "account_manager": 60.0, "inside_sales": 40.0}


def policy_with(service: ServiceSettings) -> Policy:
    """A policy whose segmentation defines the three tiers these tests serve."""
    tiers = [
        {"name": "strategic", "share": 0.05},
        {"name": "growth", "share": 0.15},
        {"name": "transactional"},
    ]
    return Policy(service=service, segmentation={"tiers": tiers})


def service_settings(**overrides: object) -> ServiceSettings:
    """Strategic 10 h/month, growth 2 h/month, transactional 0; tolerance 20%, floor 5 h.

    No money floor, so the hand-computed hours band alone decides here.
    """
    data: dict[str, object] = {
        "tiers": {
            "strategic": {"owner_role": "key_account_manager", "hours_per_month": 10},
            "growth": {"owner_role": "account_manager", "hours_per_month": 2},
            "transactional": {"owner_role": "inside_sales", "hours_per_month": 0},
        },
        "team": [
            {
                "name": "ann",
                "role": "key_account_manager",
                "customer_share": 0.5,
                "working_weeks_per_year": 52,
            },
            {
                "name": "bob",
                "role": "account_manager",
                "customer_share": 0.5,
                "working_weeks_per_year": 52,
            },
            {
                "name": "ivy",
                "role": "inside_sales",
                "hours_per_week": 10,
                "customer_share": 1,
                "working_weeks_per_year": 52,
            },
        ],
        "alignment": {"tolerance": 0.2, "min_gap_hours": 5, "min_gap_money": 0},
        "cadence": {"max_days_without_touch": {"strategic": 60}, "touch_types": ["visit", "call"]},
        "tailoring": {
            "S3": {"reason": "co-developing the new line", "hours_per_month": 20},
            "T1": {"reason": "reference customer", "max_days_without_touch": 30},
        },
    }
    data.update(overrides)
    return ServiceSettings.model_validate(data)


def scorecard() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["S1", "S2", "S3", "G1", "G2", "T1", "T2"],
            "name": ["Acme", "Bolt", "Cogs", "Dyno", "Echo", "Flux", "Gyro"],
            "owner": ["ann", "ann", "ann", "bob", "bob", "ivy", "zed"],
            "revenue": [900.0, 800.0, 700.0, 300.0, 200.0, 50.0, 40.0],
            "net_profit": [90.0, 80.0, 70.0, 30.0, 20.0, 5.0, -4.0],
            "effort_hours": [200.0, 125.0, 100.0, 30.0, 20.0, 3.0, 12.0],
            "tier": ["strategic"] * 3 + ["growth"] * 2 + ["transactional"] * 2,
            "strategic_score": [0.9, 0.8, 0.7, 0.5, 0.4, 0.2, 0.1],
            "cev": [5000.0, 4000.0, 3000.0, 1000.0, 800.0, 100.0, 50.0],
        }
    )


def activities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["S1", "S1", "S1", "S2", "G1"],
            "date": pd.to_datetime(
                ["2024-12-01", "2024-12-30", "2025-01-05", "2024-09-01", "2023-06-01"]
            ),
            "type": ["visit", "email", "visit", "call", "visit"],
            "minutes": [60.0, 5.0, 60.0, 30.0, 60.0],
            "owner": ["ann", "ann", "ann", "ann", "bob"],
        }
    )


def run(service: ServiceSettings | None = None, sc: pd.DataFrame | None = None):
    return align_service(
        ibis.memtable(scorecard() if sc is None else sc),
        activities=ibis.memtable(activities()),
        customers=None,
        policy=policy_with(service or service_settings()),
        window=WINDOW,
        hourly_rates=RATES,
    )


def by_id(scores: ibis.Table) -> pd.DataFrame:
    return scores.to_pandas().set_index("customer_id")


def test_scores_have_one_row_per_customer_with_the_contract_columns() -> None:
    scores = run().scores.to_pandas()
    assert list(scores.columns) == list(ALIGNMENT_COLUMNS)
    assert sorted(scores["customer_id"]) == sorted(scorecard()["customer_id"])


def test_entitled_hours_follow_tier_and_tailoring() -> None:
    s = by_id(run().scores)
    assert s.loc["S1", "entitled_hours"] == pytest.approx(10 * MONTHS)  # 120.246
    assert s.loc["S3", "entitled_hours"] == pytest.approx(20 * MONTHS)  # tailored
    assert s.loc["G1", "entitled_hours"] == pytest.approx(2 * MONTHS)  # 24.049
    assert s.loc["T1", "entitled_hours"] == 0


def test_alignment_against_the_tolerance_band() -> None:
    s = by_id(run().scores)
    expected = {
        "S1": "over_served",  # 200 - 120.25 = +79.75 > 24.05
        "S2": "aligned",  # +4.75 within 24.05
        "S3": "under_served",  # 100 - 240.49 = -140.49
        "G1": "over_served",  # 30 - 24.05 = +5.95 > floor 5
        "G2": "aligned",  # -4.05 within floor 5
        "T1": "aligned",  # +3 within floor 5
        "T2": "over_served",  # +12
    }
    assert s["alignment"].to_dict() == expected
    assert s.loc["S1", "hours_gap"] == pytest.approx(200 - 10 * MONTHS)
    assert s.loc["S3", "hours_gap"] == pytest.approx(100 - 20 * MONTHS)


def test_money_at_stake_prices_the_gap_at_the_tier_role_rate() -> None:
    s = by_id(run().scores)
    assert s.loc["S1", "money_at_stake"] == pytest.approx((200 - 10 * MONTHS) * 80)
    assert s.loc["G1", "money_at_stake"] == pytest.approx((30 - 2 * MONTHS) * 60)
    assert s.loc["T2", "money_at_stake"] == pytest.approx(12 * 40)
    assert s.loc["S2", "money_at_stake"] == 0


def test_cadence_counts_only_touches_before_the_as_of_date() -> None:
    s = by_id(run().scores)
    assert s.loc["S1", "days_since_touch"] == 31  # the visit of 1 Dec; email and 2025 visit ignored
    assert not s.loc["S1", "cadence_missed"]
    assert s.loc["S2", "days_since_touch"] == 122  # call of 1 Sep > 60 days
    assert s.loc["S2", "cadence_missed"]
    assert pd.isna(s.loc["S3", "days_since_touch"])
    assert s.loc["S3", "cadence_missed"]  # never touched
    assert s.loc["G1", "days_since_touch"] == 580  # touches before the window count
    assert not s.loc["G1", "cadence_missed"]  # growth has no rule
    assert s.loc["T1", "cadence_missed"]  # tailoring adds a 30-day rule to a transactional


def test_tailoring_is_visible_with_the_account() -> None:
    s = by_id(run().scores)
    assert s.loc["S3", "service_notes"] == (
        "Tailored: co-developing the new line; 20 h/month instead of the tier's"
    )
    assert "touch at least every 30 days" in s.loc["T1", "service_notes"]
    assert s.loc["S1", "service_notes"] == ""


def test_portfolio_alignment_counts_hours_and_ranked_lists() -> None:
    summary = run().portfolio["alignment"]
    assert (summary["over_served"], summary["under_served"], summary["aligned"]) == (3, 1, 3)
    over = (200 - 10 * MONTHS) + (30 - 2 * MONTHS) + 12
    assert summary["hours_over"] == pytest.approx(over, abs=0.01)
    assert summary["hours_under"] == pytest.approx(20 * MONTHS - 100, abs=0.01)
    # ranked by money at stake: S1 (6380) > T2 (480) > G1 (357)
    assert [r["customer_id"] for r in summary["top_over_served"]] == ["S1", "T2", "G1"]
    assert [r["customer_id"] for r in summary["top_under_served"]] == ["S3"]
    assert summary["cadence_missed"] == 3
    assert summary["top_under_served"][0]["service_notes"].startswith("Tailored")


def test_ranked_lists_are_capped() -> None:
    service = service_settings(
        alignment={"tolerance": 0.2, "min_gap_hours": 5, "min_gap_money": 0, "list_limit": 1}
    )
    summary = run(service).portfolio["alignment"]
    assert [r["customer_id"] for r in summary["top_over_served"]] == ["S1"]
    assert summary["over_served"] == 3


def test_portfolio_is_json_ready() -> None:
    outcome = run()
    text = json.dumps(outcome.portfolio)
    assert "capacity_optimised" in text


def test_tailored_customer_not_in_the_book_is_warned() -> None:
    service = service_settings(tailoring={"X9": {"reason": "merged into S1"}})
    warnings = run(service).portfolio["warnings"]
    assert any("X9" in w and "not in the book" in w for w in warnings)


def test_tier_without_a_service_model_stops_the_run() -> None:
    sc = scorecard()
    sc.loc[0, "tier"] = "platinum"
    with pytest.raises(PolicyError, match=r"'tier' holds \['platinum'\].*add a model"):
        run(sc=sc)


def test_scorecard_without_tiers_is_refused() -> None:
    with pytest.raises(InputError, match="tier"):
        run(sc=scorecard().drop(columns="tier"))


def test_effort_comes_from_activity_minutes_when_the_scorecard_has_none() -> None:
    sc = scorecard().drop(columns="effort_hours")
    scored = score_alignment(
        ibis.memtable(sc),
        service=service_settings(),
        window=WINDOW,
        activities=ibis.memtable(activities()),
    ).execute()
    effort = scored.set_index("customer_id")["effort_hours"]
    # S1: visit 60 + email 5 in the window (the 2025 visit is after as-of); G1's visit is before
    assert effort["S1"] == pytest.approx(65 / 60)
    assert effort["S2"] == pytest.approx(0.5)
    assert effort["G1"] == 0


def test_money_at_stake_uses_the_cost_model_rates_by_default() -> None:
    outcome = align_service(
        ibis.memtable(scorecard()),
        activities=None,
        customers=None,
        policy=policy_with(service_settings()),
        window=WINDOW,
    )
    rates = Policy().costs.hourly_rates
    s = by_id(outcome.scores)
    assert s.loc["T2", "money_at_stake"] == pytest.approx(12 * rates["inside_sales"])
    assert s["cadence_missed"].sum() == 4  # without activities nobody has a touch


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["strategic", "growth", "transactional"]), st.floats(0, 400)),
        min_size=1,
        max_size=12,
    )
)
def test_alignment_matches_an_independent_computation(rows: list[tuple[str, float]]) -> None:
    tiers, effort = zip(*rows, strict=True)
    sc = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(rows))],
            "tier": list(tiers),
            "effort_hours": list(effort),
        }
    )
    service = service_settings(
        tailoring={}, alignment={"tolerance": 0.2, "min_gap_hours": 5, "min_gap_money": 450}
    )
    out = score_alignment(ibis.memtable(sc), service=service, window=WINDOW).execute()
    out = out.set_index("customer_id").loc[sc["customer_id"]]
    monthly = sc["tier"].map({"strategic": 10.0, "growth": 2.0, "transactional": 0.0})
    entitled = monthly.to_numpy() * MONTHS
    gap = np.array(effort) - entitled
    band = np.maximum(0.2 * entitled, 5.0)
    # Material in money too: the default rate of 60 per hour, a floor of 450 (7.5 h).
    material = (np.abs(gap) > band) & (np.abs(gap) * 60.0 >= 450.0)
    expected = np.where(
        material & (gap > 0),
        "over_served",
        np.where(material & (gap < 0), "under_served", "aligned"),
    )
    np.testing.assert_allclose(out["entitled_hours"], entitled)
    assert out["alignment"].tolist() == expected.tolist()
