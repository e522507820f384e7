"""The strategic set under a capacity limit, checked against brute force on small cases."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.errors import ModelError
from tierwise.policy.optimise import naive_top_n, optimal_strategic_set, optimise_strategic_tier
from tierwise.settings.service import ServiceSettings
from tierwise.window import Window


def brute_force(
    value: np.ndarray, hours: np.ndarray, capacity: float, max_accounts: int | None
) -> float:
    """The best total value over every subset that fits."""
    best = 0.0
    for mask in itertools.product([False, True], repeat=value.size):
        chosen = np.array(mask, dtype=bool)
        if hours[chosen].sum() > capacity + 1e-9:
            continue
        if max_accounts is not None and chosen.sum() > max_accounts:
            continue
        best = max(best, float(value[chosen].sum()))
    return best


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.floats(-1, 10, allow_nan=False), st.integers(0, 5000).map(lambda c: c / 100)),
        min_size=1,
        max_size=10,
    ),
    capacity=st.integers(0, 15000).map(lambda c: c / 100),
    max_accounts=st.one_of(st.none(), st.integers(1, 6)),
)
def test_optimal_set_matches_brute_force(
    data: list[tuple[float, float]], capacity: float, max_accounts: int | None
) -> None:
    value = np.array([v for v, _ in data])
    hours = np.array([h for _, h in data])
    result = optimal_strategic_set(value, hours, capacity, max_accounts=max_accounts)
    assert result.optimal
    assert result.hours <= capacity + 1e-6
    if max_accounts is not None:
        assert result.accounts <= max_accounts
    assert result.value == pytest.approx(float(value[result.chosen].sum()))
    assert result.value == pytest.approx(
        brute_force(value, hours, capacity, max_accounts), abs=1e-6
    )


def test_knapsack_prefers_value_per_hour_over_size() -> None:
    # capacity 100 h: the big account (60 h, value 5) blocks two smaller ones (50 h, 4 each)
    value = np.array([5.0, 4.0, 4.0])
    hours = np.array([60.0, 50.0, 50.0])
    revenue = np.array([1000.0, 500.0, 400.0])
    best = optimal_strategic_set(value, hours, 100)
    naive = naive_top_n(revenue, value, hours, 100)
    assert best.chosen.tolist() == [False, True, True]
    assert best.value == 8
    assert naive.chosen.tolist() == [True, False, False]
    assert naive.value == 5


def test_naive_top_n_stops_at_the_first_account_that_does_not_fit() -> None:
    revenue = np.array([10.0, 30.0, 20.0, 5.0])
    hours = np.array([10.0, 10.0, 90.0, 1.0])
    naive = naive_top_n(revenue, np.ones(4), hours, 50)
    # by revenue: 30 (10 h), 20 (90 h: does not fit) -> top 1 only, though smaller ones would fit
    assert naive.chosen.tolist() == [False, True, False, False]
    assert naive_top_n(revenue, np.ones(4), hours, 500, max_accounts=2).accounts == 2


def test_accounts_without_value_are_never_chosen() -> None:
    best = optimal_strategic_set(np.array([0.0, -1.0, np.nan]), np.array([1.0, 1.0, 1.0]), 10)
    assert best.accounts == 0
    assert best.value == 0


def test_negative_hours_are_refused() -> None:
    with pytest.raises(ModelError, match="hours per account"):
        optimal_strategic_set(np.array([1.0]), np.array([-1.0]), 10)


def test_portfolio_block_compares_optimal_naive_and_current() -> None:
    service = ServiceSettings.model_validate(
        {
            "tiers": {
                "strategic": {"owner_role": "key_account_manager", "hours_per_month": 10},
                "growth": {"owner_role": "account_manager", "hours_per_month": 2},
            },
            "team": [
                # 10 h/week x 100% x 4 weeks = 40 h over the window
                {
                    "name": "ann",
                    "role": "key_account_manager",
                    "hours_per_week": 10,
                    "customer_share": 1,
                    "working_weeks_per_year": 52,
                },
                {"name": "bob", "role": "account_manager"},
            ],
        }
    )
    window = Window(date(2024, 1, 1), date(2024, 1, 29))
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "name": ["Acme", "Bolt", "Cogs"],
            "tier": ["strategic", "growth", "growth"],
            "revenue": [1000.0, 500.0, 400.0],
            "strategic_score": [0.5, 0.4, 0.4],
            "hours_if_strategic": [30.0, 20.0, 20.0],
        }
    )
    block, detail = optimise_strategic_tier(frame, service=service, window=window)
    assert block["capacity_hours"] == pytest.approx(40)
    assert block["status"] == "optimal"
    assert block["optimal"]["customer_ids"] == ["B", "C"]
    assert block["optimal"]["value"] == pytest.approx(0.8)
    assert block["naive_top_n_by_revenue"]["customer_ids"] == ["A"]
    assert block["current"]["customer_ids"] == ["A"]
    assert block["value_gain_over_naive"] == pytest.approx(0.3)
    assert block["only_in_optimal"] == ["B", "C"]
    assert block["only_in_naive"] == ["A"]
    assert detail["in_optimal"].tolist() == [False, True, True]


def test_missing_value_column_skips_with_a_reason() -> None:
    service = ServiceSettings()
    frame = pd.DataFrame({"customer_id": ["A"], "tier": ["core"], "revenue": [1.0]})
    block, detail = optimise_strategic_tier(
        frame, service=service, window=Window(date(2024, 1, 1), date(2025, 1, 1))
    )
    assert block["status"] == "skipped"
    assert "strategic_score" in block["answer"]
    assert detail.empty
