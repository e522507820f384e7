"""Fits on sufficient statistics: the fast objective equals the per-row likelihood and its gradient.

Every model sums its log-likelihood over distinct values (frequency levels, T levels,
(x, tau) pairs) instead of rows. The oracle is the plain per-row log-likelihood, weighted
and summed, and its central-difference gradient, at random parameter points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tierwise.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    customer_lifetime_value,
)
from tierwise.clv._math import distinct_groups, numeric_gradient
from tierwise.clv.base import ClvModel


def _histories(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    big_t = rng.integers(1, 40, n).astype(float)
    x = rng.poisson(2.0, n).astype(float)
    recency = np.where(x > 0, np.round(rng.uniform(0, 1, n) * big_t), 0.0)
    spend = np.round(rng.gamma(4.0, 10.0, n), 1)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": big_t, "monetary_value": spend})


def _prepared(model: ClvModel, data: pd.DataFrame) -> dict[str, np.ndarray]:
    prepared = model._compress(model._validate(data))
    model._prepare(prepared)
    return prepared


POINTS = np.exp(np.random.default_rng(3).uniform(np.log(0.3), np.log(8.0), size=(4, 4)))


@pytest.mark.parametrize("cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
@pytest.mark.parametrize("theta", POINTS, ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_purchase_model_objective_equals_the_per_row_sum(cls: type, theta: np.ndarray) -> None:
    model = cls()
    data = _prepared(model, _histories(400, 1))
    weight = data["weight"]

    def per_row(t: np.ndarray) -> float:
        return float(weight @ model._loglik(t, data))

    ll, grad = model._objective(theta, data)
    assert ll == pytest.approx(per_row(theta), rel=1e-12)
    np.testing.assert_allclose(grad, numeric_gradient(per_row, theta, 1e-6), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("theta", POINTS[:, :3], ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_gammagamma_objective_equals_the_per_row_sum(theta: np.ndarray) -> None:
    model = GammaGammaModel()
    rows = _histories(400, 2)
    data = _prepared(model, rows)
    weight = data["weight"]
    theta = theta * np.array([1.0, 1.0, 10.0])

    def per_row(t: np.ndarray) -> float:
        return float(weight @ model._loglik_grad(t, data)[0])

    ll, grad = model._objective(theta, data)
    assert ll == pytest.approx(per_row(theta), rel=1e-12)
    np.testing.assert_allclose(grad, numeric_gradient(per_row, theta, 1e-6), rtol=2e-6, atol=1e-6)


def test_distinct_groups_number_groups_in_sorted_order() -> None:
    a = np.array([1.0, 2.0, 1.0, 3.0, 2.0, 1.0])
    b = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.25])
    group, first = distinct_groups([a, b])
    # groups (1, .25), (1, .5), (2, .5), (3, .5), whatever order the rows came in
    assert group.tolist() == [1, 2, 1, 3, 2, 0]
    assert first.tolist() == [5, 0, 1, 3]


def test_clv_on_distinct_histories_equals_the_row_by_row_formula() -> None:
    """Predictions factor as P(alive) x E[purchases | alive]; check against the plain API."""
    rows = _histories(300, 4)
    rows = pd.concat([rows, rows.iloc[:50]], ignore_index=True)  # repeated histories
    model = ParetoNBDModel.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67)
    spend = np.linspace(10.0, 40.0, len(rows))
    got = customer_lifetime_value(
        model, rows, spend, horizon_months=3, annual_discount_rate=0.1, time_unit="week"
    )
    step = 365.25 / 12 / 7
    ends = step * np.arange(1, 4)
    cumulative = np.array([model.expected_purchases(t, rows) for t in ends])
    increments = np.diff(np.vstack([np.zeros(len(rows)), cumulative]), axis=0)
    discount = (1.1 ** (7 / 365.25)) ** ends
    np.testing.assert_allclose(got["p_alive"], model.probability_alive(rows), rtol=1e-13)
    np.testing.assert_allclose(got["expected_purchases"], cumulative[-1], rtol=1e-12)
    np.testing.assert_allclose(
        got["clv"], (increments / discount[:, None]).sum(axis=0) * spend, rtol=1e-12
    )


def test_fits_do_not_depend_on_row_order(shared_data):
    """The engine may return summary rows in any order; the fit must be the same, bit for bit."""
    import pandas as pd

    from tierwise.clv import ParetoNBDModel

    path = shared_data / "cdnow" / "cdnow_customers_summary.csv.gz"
    summary = pd.read_csv(path).rename(columns={"ID": "customer_id"})
    shuffled = summary.sample(frac=1.0, random_state=11).reset_index(drop=True)
    a = ParetoNBDModel().fit(summary)
    b = ParetoNBDModel().fit(shuffled)
    assert a.params_ == b.params_
    assert a.log_likelihood_ == b.log_likelihood_
