"""Predictions at the no-dropout edge of BG/NBD and MBG/NBD: finite, and right.

A book of loyal buyers fits ``a, b`` in the thousands to millions; the paper's
hypergeometric form of the conditional expectation overflows there (NaN). The oracles
are independent of the models' code: nested QUADPACK integration over the gamma and
beta mixing laws, and the NBD closed form ``(r+x) t / (alpha+T)`` on simulated buyers
who never drop out.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import gammaln

from tierwise.clv import BetaGeoModel, ModifiedBetaGeoModel

QUAD = {"epsabs": 0.0, "epsrel": 1e-12, "limit": 200}
HISTORIES = [(0, 0.0, 30.0), (1, 10.0, 52.0), (3, 20.0, 52.0), (14, 50.0, 52.18)]


def _gamma_mean_future(shape: float, rate: float, p: float, t: float) -> float:
    """E[(1 - exp(-lam p t)) / p], lam ~ Gamma(shape, rate), by QUADPACK."""
    log_norm = shape * math.log(rate) - gammaln(shape)

    def f(lam: float) -> float:
        future = lam * t if p == 0 else -math.expm1(-lam * p * t) / p
        return math.exp(log_norm + (shape - 1.0) * math.log(lam) - rate * lam) * future

    mode = max(shape - 1.0, 0.0) / rate
    spread = math.sqrt(shape) / rate
    edges = [0.0, mode + 1e-3 * spread, mode + 10 * spread, mode + 60 * spread]
    return sum(integrate.quad(f, lo, hi, **QUAD)[0] for lo, hi in itertools.pairwise(edges))


def _oracle(a: float, b_post: float, shape: float, rate: float, t: float) -> float:
    """E over p ~ Beta(a, b_post) (integrated where its mass is) of the gamma mean."""
    law = stats.beta(a, b_post)
    lo, hi = law.ppf(1e-15), law.isf(1e-15)
    inner = lambda p: law.pdf(p) * _gamma_mean_future(shape, rate, p, t)  # noqa: E731
    return integrate.quad(inner, lo, hi, points=[law.mean()], **QUAD)[0]


EDGES = [
    # the issue's fit on a year of loyal buyers, and points toward and past it
    (0.98, 5.41, 8707.8, 12233534.0, 52.18),
    (0.6, 2.0, 400.0, 90000.0, 26.0),
    (1.5, 8.0, 3.0, 1e6, 104.0),
    # a long horizon on a short history at moderate a: the closed form overflows too
    (0.5, 0.05, 3.0, 5.0, 52.0),
]


@pytest.mark.parametrize("model_cls, shift", [(BetaGeoModel, 0), (ModifiedBetaGeoModel, 1)])
@pytest.mark.parametrize("r, alpha, a, b, t", EDGES)
def test_conditional_expectation_matches_integration_at_the_edge(
    model_cls: type, shift: int, r: float, alpha: float, a: float, b: float, t: float
) -> None:
    model = model_cls.from_params(r=r, alpha=alpha, a=a, b=b)
    rows = pd.DataFrame(HISTORIES, columns=["frequency", "recency", "T"])
    expected = model.expected_purchases(t, rows)
    p_alive = model.probability_alive(rows)
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)
    for i, (x, _, big_t) in enumerate(HISTORIES):
        truth = _oracle(a, b + x + shift, r + x, alpha + big_t, t)
        assert expected[i] / p_alive[i] == pytest.approx(truth, rel=1e-8)


def test_the_issue_example_is_finite_and_near_its_nbd_limit() -> None:
    model = ModifiedBetaGeoModel.from_params(r=0.98, alpha=5.41, a=8707.8, b=12233534)
    rows = pd.DataFrame({"frequency": [0, 5], "recency": [0.0, 40.0], "T": [52.0, 52.0]})
    got = model.expected_purchases(52.18, rows)
    nbd = (0.98 + rows["frequency"]) / (5.41 + 52.0) * 52.18
    p_alive = model.probability_alive(rows)
    # dropout per purchase is ~7e-4: within 0.5% of the NBD limit, times P(alive)
    assert got == pytest.approx(nbd * p_alive, rel=5e-3)
    assert p_alive == pytest.approx(1.0, abs=1e-2)


def _pure_nbd_book(seed: int, n: int) -> tuple[pd.DataFrame, np.ndarray, float, float]:
    """Buyers who never drop out: Poisson at a gamma(r, alpha) rate, first purchase at 0.

    Returns the (frequency, recency, T) table, each buyer's purchases in the next 52
    weeks, and the true r and alpha.
    """
    rng = np.random.default_rng(seed)
    r, alpha = 0.8, 4.0
    lam = rng.gamma(r, 1.0 / alpha, n)
    big_t = rng.uniform(40.0, 104.0, n)
    rows = []
    for rate, span in zip(lam, big_t, strict=True):
        times = np.cumsum(rng.exponential(1.0 / rate, 400))
        times = times[times <= span]
        rows.append((times.size, float(times[-1]) if times.size else 0.0, span))
    table = pd.DataFrame(rows, columns=["frequency", "recency", "T"])
    future = rng.poisson(lam * 52.0)
    return table, future, r, alpha


@pytest.mark.parametrize("model_cls", [BetaGeoModel, ModifiedBetaGeoModel])
def test_fit_on_pure_nbd_buyers_predicts_as_the_nbd_closed_form(model_cls: type) -> None:
    table, future, r, alpha = _pure_nbd_book(seed=20260512, n=4000)
    model = model_cls().fit(table)
    predicted = model.expected_purchases(52.0, table)
    assert np.all(np.isfinite(predicted))
    nbd = (r + table["frequency"]) / (alpha + table["T"]) * 52.0
    # the fit estimates r and alpha from 4,000 buyers: a few percent per customer
    assert np.median(np.abs(predicted / nbd - 1.0)) < 0.05
    assert predicted.sum() == pytest.approx(nbd.sum(), rel=0.03)
    assert predicted.sum() == pytest.approx(future.sum(), rel=0.05)
