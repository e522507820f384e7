"""The report's sentences say what the figures support, in plain words, with units."""

from __future__ import annotations

import re

from tierwise.report import takeaways as tw

CANDIDATES = [
    {"model": "bgnbd", "holdout": {"rmse": 5.2194}},
    {"model": "paretonbd", "holdout": {"rmse": 5.2191}},
    {"model": "mbgnbd", "holdout": {"rmse": 5.2190}},
]


def test_a_tie_on_the_holdout_is_not_called_a_choice_by_lowest_rmse() -> None:
    summary = {
        "selection": "lowest holdout rmse",
        "chosen": {"model": "mbgnbd"},
        "candidates": [
            {**c, "holdout": {**c["holdout"], "predicted_total": 100.0, "actual_total": 100.0}}
            for c in CANDIDATES
        ],
    }
    assert tw.selection_words(summary) == "candidates tie on the holdout (RMSE 5.22)"
    text = tw.clv_takeaway(summary) or ""
    assert "lowest" not in text
    assert text.startswith("The candidate models predict the holdout equally well (RMSE 5.22)")


def test_a_clear_winner_is_named_with_its_score() -> None:
    summary = {
        "selection": "lowest holdout rmse",
        "candidates": [{"holdout": {"rmse": 5.2}}, {"holdout": {"rmse": 6.0}}],
    }
    assert tw.selection_words(summary) == "lowest holdout RMSE (5.20)"


def test_without_activities_no_tier_gets_zero_hours() -> None:
    per_tier = [
        {"tier": "strategic", "required_hours": 21010.0, "effort_hours": 0.0},
        {"tier": "core", "required_hours": 100.0, "effort_hours": 0.0},
    ]
    text = tw.tier_hours_takeaway(per_tier, effort_known=False) or ""
    assert "gets 0 h" not in text and not re.search(r"(?<![\d,])0 h", text)
    assert "unknown" in text and "21,010 h" in text
    tiers = {"strategic": {"customers": 1, "net_profit": 5.0, "effort_hours": 0.0}}
    assert "hours" not in (tw.tiers_takeaway(tiers, effort_known=False) or "")


def test_unknown_team_gets_no_verdict_and_inferred_team_says_so() -> None:
    unknown = {"hours_required": 66860.0, "team_source": "unknown", "hours_available": None}
    assert tw.capacity_verdict(unknown) == (
        "Unknown",
        "add your team (service.team): the policy asks 66,860 h",
        "warn",
    )
    assert "unknown" in (tw.capacity_takeaway(unknown) or "")
    inferred = {
        "hours_required": 100.0,
        "hours_available": 200.0,
        "utilisation": 0.5,
        "team_source": "inferred",
        "assumed_hours_per_person": 100.0,
        "can_serve_policy": True,
        "per_person": [{"person": "ann"}, {"person": "bob"}],
        "short_people": [],
    }
    answer, detail, _ = tw.capacity_verdict(inferred) or ("", "", "")
    assert answer == "Yes" and "team inferred from 2 owners" in detail
    assert "2 owners named in the book (assumed 100 h each)" in (
        tw.capacity_takeaway(inferred) or ""
    )


def test_a_no_next_to_a_share_below_100_percent_names_the_short_roles() -> None:
    capacity = {
        "hours_required": 76.0,
        "hours_available": 100.0,
        "utilisation": 0.76,
        "can_serve_policy": False,
        "short_roles": ["key account manager"],
    }
    answer, detail, tone = tw.capacity_verdict(capacity) or ("", "", "")
    assert (answer, tone) == ("No", "bad")
    assert detail == "policy needs 76% of hours; short: key account manager"


def test_money_carries_the_book_currency() -> None:
    assert tw.money(1_066_605) == "1.07M"
    with tw.currency("GBP"):
        assert tw.money(1_066_605) == "£1.07M"
        assert tw.money(-758_000) == "−£758k"
        assert tw.currency_label() == "£"
    with tw.currency("chf"):
        assert tw.money(250) == "CHF 250"
    assert tw.money(250) == "250"
