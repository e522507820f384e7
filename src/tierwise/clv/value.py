"""Customer lifetime value: discounted expected purchases times expected spend."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tierwise.clv._math import Array, distinct_groups
from tierwise.clv.base import PurchaseModel
from tierwise.clv.summary import unit_days
from tierwise.errors import InputError

DAYS_PER_YEAR = 365.25


def per_unit_discount_rate(annual_rate: float, time_unit: str) -> float:
    """The discount rate per time unit equivalent to ``annual_rate`` (compound, no 30-day month)."""
    if not 0 <= annual_rate < 1:
        raise InputError(f"annual_discount_rate must be in [0, 1), got {annual_rate}")
    return float((1.0 + annual_rate) ** (unit_days(time_unit) / DAYS_PER_YEAR) - 1.0)


def horizon_units(horizon_months: float, time_unit: str) -> float:
    """A horizon given in months, expressed in the model's time unit."""
    return horizon_months * (DAYS_PER_YEAR / 12.0) / unit_days(time_unit)


def distinct_rows(data: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct (frequency, recency, T) rows and, per input row, the index of its row.

    Predictions are evaluated once per distinct history and gathered back, which is what
    keeps a million customers under a second.
    """
    keys = data[["frequency", "recency", "T"]]
    codes, first = distinct_groups([keys[c].to_numpy(dtype=float) for c in keys.columns])
    return keys.iloc[first].reset_index(drop=True), codes


def customer_lifetime_value(
    model: PurchaseModel,
    data: pd.DataFrame,
    spend: Array,
    *,
    horizon_months: float,
    annual_discount_rate: float,
    time_unit: str,
) -> pd.DataFrame:
    """``p_alive``, ``expected_purchases`` (undiscounted) and ``clv`` for each row of ``data``.

    CLV = sum over monthly steps of the expected purchases in the step, times ``spend``
    (the expected value of one purchase), discounted to today at the annual rate
    converted to the model's time unit (see ``history_values``).
    """
    rows, codes = distinct_rows(data)
    values = history_values(
        model,
        rows,
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
        time_unit=time_unit,
    )
    return pd.DataFrame(
        {
            "p_alive": values["p_alive"].to_numpy()[codes],
            "expected_purchases": values["expected_purchases"].to_numpy()[codes],
            "clv": values["value"].to_numpy()[codes] * np.asarray(spend, dtype=float),
        },
        index=data.index,
    )


def history_values(
    model: PurchaseModel,
    rows: pd.DataFrame,
    *,
    horizon_months: float,
    annual_discount_rate: float,
    time_unit: str,
) -> pd.DataFrame:
    """Per row of ``rows`` (histories ``frequency, recency, T``, best distinct):
    ``p_alive``, ``expected_purchases`` in the horizon and ``value``, the discounted
    expected purchases: a customer's CLV is ``value`` times the value of one purchase.

    These depend on the history only, so the engine sends the distinct histories (the
    models' sufficient statistics), not one row per customer. Expected purchases factor
    into P(alive | x, t_x, T), computed once per history, times the expectation if
    alive, which depends on (x, T) only and is computed once per distinct pair for each
    monthly step.
    """
    checked = model._rows(rows)
    x, big_t = checked["frequency"], checked["T"]
    pair_of_row, pair_first = distinct_groups([x, big_t])
    pair_x, pair_t = x[pair_first], big_t[pair_first]
    horizon = horizon_units(horizon_months, time_unit)
    rate = per_unit_discount_rate(annual_discount_rate, time_unit)
    steps = max(1, math.ceil(horizon_months - 1e-9))
    grid = np.linspace(0.0, horizon, steps + 1)
    discounted = np.zeros(pair_x.size)
    previous = np.zeros(pair_x.size)
    for t in grid[1:]:
        current = model._expected_if_alive(np.asarray(t), pair_x, pair_t)
        discounted += (current - previous) / (1.0 + rate) ** t
        previous = current
    p_alive = model.probability_alive(checked)
    return pd.DataFrame(
        {
            "p_alive": p_alive,
            "expected_purchases": previous[pair_of_row] * p_alive,
            "value": discounted[pair_of_row] * p_alive,
        },
        index=rows.index,
    )
