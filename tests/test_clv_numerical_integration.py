"""Likelihoods and predictions against direct numerical integration over the mixing laws.

An independent oracle: the individual-level model (given lambda, p, mu, theta, nu) is
integrated over its gamma/beta mixing distributions with QUADPACK, singular endpoints
handled by algebraic weights. Agreement is required to 1e-8 relative, at many
parameter points drawn at random (fixed seed) over a wide range.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import betaln, gammainc, gammaln

from tierwise.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeometricModel,
)

RTOL = 1e-8
QUAD = {"epsabs": 0.0, "epsrel": 1e-13, "limit": 200}
HISTORIES = [(0, 0.0, 5.0), (1, 2.0, 8.0), (4, 6.5, 9.0), (12, 20.0, 30.0), (3, 1.5, 40.0)]


def _gamma_mean(f: Callable[[float], float], shape: float, rate: float, scale_hint: float) -> float:
    """E[f(lam)], lam ~ Gamma(shape, rate): [0, c] with the lam^(shape-1) weight, then [c, inf)."""
    log_norm = shape * math.log(rate) - gammaln(shape)
    c = max(scale_hint, 1e-3)

    def smooth(lam: float) -> float:
        return math.exp(log_norm - rate * lam) * f(lam)

    head = integrate.quad(smooth, 0.0, c, weight="alg", wvar=(shape - 1.0, 0.0), **QUAD)[0]
    tail = integrate.quad(lambda lam: smooth(lam) * lam ** (shape - 1.0), c, np.inf, **QUAD)[0]
    return head + tail


def _beta_mean(f: Callable[[float], float], a: float, b: float) -> float:
    """E[f(p)], p ~ Beta(a, b), with both endpoint singularities as algebraic weights."""
    val = integrate.quad(f, 0.0, 1.0, weight="alg", wvar=(a - 1.0, b - 1.0), **QUAD)[0]
    return val / math.exp(betaln(a, b))


def _future(lam: float, p: float, t: float) -> float:
    """(1 - exp(-lam p t)) / p: expected purchases in t while alive, dropout p per purchase."""
    return lam * t if p == 0 else -math.expm1(-lam * p * t) / p


def _span(c: float, d: float) -> float:
    """(1 - exp(-c d)) / c, equal to d at c = 0 (time spent alive in a span d at hazard c)."""
    return d if c == 0 else -math.expm1(-c * d) / c


def _points(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.exp(rng.uniform(np.log(0.2), np.log(6.0), size=(n, 4)))


def _rows(histories: list[tuple[int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(histories, columns=["frequency", "recency", "T"])


@pytest.mark.parametrize("theta", _points(6, 1), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_bgnbd_matches_integration(theta: np.ndarray) -> None:
    r, alpha, a, b = theta
    model = BetaGeoModel.from_params(r=r, alpha=alpha, a=a, b=b)
    rows = _rows(HISTORIES)
    t_future = 7.5
    ll = model.log_likelihood(rows)
    pa = model.probability_alive(rows)
    ex = model.expected_purchases(t_future, rows)
    for i, (x, tx, big_t) in enumerate(HISTORIES):

        def part(
            p: float, lam: float, k: int, x: int = x, tx: float = tx, bt: float = big_t
        ) -> float:
            alive = (1 - p) ** x * lam**x * math.exp(-lam * bt)
            if k == 0:
                dead = p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * tx) if x > 0 else 0.0
                return alive + dead
            if k == 1:
                return alive
            return alive * _future(lam, p, t_future)

        hint = (r + x) / (alpha + tx)
        res = [
            _beta_mean(
                lambda p, k=k, h=hint: _gamma_mean(lambda lam: part(p, lam, k), r, alpha, h), a, b
            )
            for k in range(3)
        ]
        assert ll[i] == pytest.approx(math.log(res[0]), rel=RTOL)
        assert pa[i] == pytest.approx(res[1] / res[0], rel=RTOL)
        assert ex[i] == pytest.approx(res[2] / res[0], rel=RTOL)


@pytest.mark.parametrize("theta", _points(4, 2), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_mbgnbd_matches_integration(theta: np.ndarray) -> None:
    r, alpha, a, b = theta
    model = ModifiedBetaGeoModel.from_params(r=r, alpha=alpha, a=a, b=b)
    rows = _rows(HISTORIES[:3])
    t_future = 4.0
    ll, pa = model.log_likelihood(rows), model.probability_alive(rows)
    ex = model.expected_purchases(t_future, rows)
    for i, (x, tx, big_t) in enumerate(HISTORIES[:3]):

        def part(
            p: float, lam: float, k: int, x: int = x, tx: float = tx, bt: float = big_t
        ) -> float:
            alive = (1 - p) ** (x + 1) * lam**x * math.exp(-lam * bt)
            dead = p * (1 - p) ** x * lam**x * math.exp(-lam * tx)
            if k == 0:
                return alive + dead
            if k == 1:
                return alive
            return alive * _future(lam, p, t_future)

        res = [
            _beta_mean(lambda p, k=k: _gamma_mean(lambda lam: part(p, lam, k), r, alpha, 1.0), a, b)
            for k in range(3)
        ]
        assert ll[i] == pytest.approx(math.log(res[0]), rel=RTOL)
        assert pa[i] == pytest.approx(res[1] / res[0], rel=RTOL)
        assert ex[i] == pytest.approx(res[2] / res[0], rel=RTOL)


@pytest.mark.slow  # nested quadrature over two gamma laws: ~3 s per point
@pytest.mark.parametrize("theta", _points(5, 3), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_paretonbd_matches_integration(theta: np.ndarray) -> None:
    r, alpha, s, beta = theta
    model = ParetoNBDModel.from_params(r=r, alpha=alpha, s=s, beta=beta)
    rows = _rows(HISTORIES)
    t_future = 6.0
    ll, pa = model.log_likelihood(rows), model.probability_alive(rows)
    ex = model.expected_purchases(t_future, rows)
    for i, (x, tx, big_t) in enumerate(HISTORIES):

        def part(
            lam: float, mu: float, k: int, x: int = x, tx: float = tx, bt: float = big_t
        ) -> float:
            alive = lam**x * math.exp(-(lam + mu) * bt)
            dead = lam**x * mu * math.exp(-(lam + mu) * tx) * _span(lam + mu, bt - tx)
            if k == 0:
                return alive + dead
            if k == 1:
                return alive
            return alive * lam * _span(mu, t_future)

        res = [
            _gamma_mean(
                lambda mu, k=k, h=(r + x) / (alpha + tx): _gamma_mean(
                    lambda lam: part(lam, mu, k), r, alpha, h
                ),
                s,
                beta,
                s / (beta + tx),
            )
            for k in range(3)
        ]
        assert ll[i] == pytest.approx(math.log(res[0]), rel=RTOL)
        assert pa[i] == pytest.approx(res[1] / res[0], rel=RTOL)
        if s > 1:  # the expectation is infinite-free for any s, but the integral needs s > 1
            assert ex[i] == pytest.approx(res[2] / res[0], rel=RTOL)


def test_paretonbd_expectation_without_finite_mean_lifetime() -> None:
    """s < 1: E[X(t)] is still finite (t is finite); check one point by integration."""
    r, alpha, s, beta = 0.55, 10.58, 0.61, 11.67
    model = ParetoNBDModel.from_params(r=r, alpha=alpha, s=s, beta=beta)
    x, tx, big_t, t_future = 2, 30.43, 38.86, 39.0

    def part(lam: float, mu: float, k: int) -> float:
        alive = lam**x * math.exp(-(lam + mu) * big_t)
        if k == 0:
            dead = lam**x * mu * math.exp(-(lam + mu) * tx) * _span(lam + mu, big_t - tx)
            return alive + dead
        return alive * lam * _span(mu, t_future)

    res = [
        _gamma_mean(
            lambda mu, k=k: _gamma_mean(lambda lam: part(lam, mu, k), r, alpha, 0.1), s, beta, 0.05
        )
        for k in range(2)
    ]
    rows = _rows([(x, tx, big_t)])
    assert model.expected_purchases(t_future, rows)[0] == pytest.approx(res[1] / res[0], rel=RTOL)


def test_heavy_buyers_stay_finite_and_match_closed_form_limits() -> None:
    """Thousands of purchases over long histories: no overflow, P(alive) in (0, 1]."""
    rows = _rows([(5000, 999.9, 1000.0), (3000, 400.0, 1000.0), (20000, 1000.0, 1000.0)])
    for model in (
        BetaGeoModel.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4),
        ModifiedBetaGeoModel.from_params(r=0.52, alpha=6.2, a=0.89, b=1.6),
        ParetoNBDModel.from_params(r=0.55, alpha=10.6, s=0.61, beta=11.7),
        ParetoNBDModel.from_params(r=0.55, alpha=1.6, s=0.61, beta=11.7),
    ):
        ll = model.log_likelihood(rows)
        pa = model.probability_alive(rows)
        ex = model.expected_purchases(52.0, rows)
        assert np.all(np.isfinite(ll)) and np.all(np.isfinite(ex))
        assert np.all((pa >= 0) & (pa <= 1))
        # a customer buying ~5/unit and seen yesterday is almost surely alive,
        # and expects about rate * 52 purchases
        assert pa[0] > 0.99
        assert ex[0] == pytest.approx(5000 / 1000 * 52, rel=0.05)


@pytest.mark.parametrize("theta", _points(4, 4), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_bgbb_matches_integration(theta: np.ndarray) -> None:
    al, be, ga, de = theta
    model = BetaGeoBetaBinomModel.from_params(alpha=al, beta=be, gamma=ga, delta=de)
    cases = [(0, 0, 6), (2, 4, 6), (3, 3, 6), (5, 9, 11)]
    rows = pd.DataFrame(cases, columns=["frequency", "recency", "n_periods"])
    n_future = 5
    ll, pa = model.log_likelihood(rows), model.probability_alive(rows)
    ex = model.expected_purchases(n_future, rows)
    for i, (x, tx, n) in enumerate(cases):

        def part(p: float, th: float, k: int, x: int = x, tx: int = tx, n: int = n) -> float:
            alive = p**x * (1 - p) ** (n - x) * (1 - th) ** n
            if k == 0:
                dead = sum(
                    p**x * (1 - p) ** (tx - x + j) * th * (1 - th) ** (tx + j)
                    for j in range(n - tx)
                )
                return alive + dead
            if k == 1:
                return alive * (1 - th)
            return alive * p * sum((1 - th) ** m for m in range(1, n_future + 1))

        res = [
            _beta_mean(lambda th, k=k: _beta_mean(lambda p: part(p, th, k), al, be), ga, de)
            for k in range(3)
        ]
        assert ll[i] == pytest.approx(math.log(res[0]), rel=RTOL)
        assert pa[i] == pytest.approx(res[1] / res[0], rel=RTOL)
        assert ex[i] == pytest.approx(res[2] / res[0], rel=RTOL)


@pytest.mark.parametrize("theta", _points(8, 5), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_gammagamma_matches_integration(theta: np.ndarray) -> None:
    p, q, gam = theta[0], theta[1] + 1.0, theta[2] * 10
    model = GammaGammaModel.from_params(p=p, q=q, gamma=gam)
    cases = [(1, 20.0), (3, 35.5), (10, 12.0)]
    rows = pd.DataFrame(cases, columns=["frequency", "monetary_value"])
    ll, spend = model.log_likelihood(rows), model.expected_spend(rows)
    for i, (x, m) in enumerate(cases):
        # mean of x Gamma(p, rate nu) spends is Gamma(p x, rate nu x); nu ~ Gamma(q, rate gamma)
        def dens(nu: float, x: int = x, m: float = m) -> float:
            shape = p * x
            return (nu * x) ** shape * math.exp(
                -gammaln(shape) + (shape - 1) * math.log(m) - nu * x * m
            )

        hint = q / (gam + m * x)
        marg = _gamma_mean(dens, q, gam, hint)
        # E[p/nu * dens] under Gamma(q, gamma) = p gamma/(q-1) * E[dens] under Gamma(q-1, gamma)
        mean = p * gam / (q - 1) * _gamma_mean(dens, q - 1, gam, hint)
        assert ll[i] == pytest.approx(math.log(marg), rel=RTOL)
        assert spend[i] == pytest.approx(mean / marg, rel=RTOL)


@pytest.mark.parametrize("theta", _points(8, 6), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_sbg_matches_integration(theta: np.ndarray) -> None:
    al, be = theta[0], theta[1]
    model = ShiftedBetaGeometricModel.from_params(alpha=al, beta=be)
    cases = [(1, 1), (4, 1), (3, 0), (7, 0)]
    rows = pd.DataFrame(cases, columns=["periods", "churned"])
    ll = model.log_likelihood(rows)
    d = 0.1
    derl = model.expected_remaining_periods(rows, discount_rate=d)
    v = 1 / (1 + d)
    for i, (t, churned) in enumerate(cases):
        if churned:
            val = _beta_mean(lambda th, t=t: th * (1 - th) ** (t - 1), al, be)
            assert ll[i] == pytest.approx(math.log(val), rel=RTOL)
        else:
            val = _beta_mean(lambda th, t=t: (1 - th) ** t, al, be)
            fut = _beta_mean(
                lambda th, t=t: (1 - th) ** t * (1 - th) * v / (1 - (1 - th) * v), al, be
            )
            assert ll[i] == pytest.approx(math.log(val), rel=RTOL)
            assert derl[i] == pytest.approx(fut / val, rel=RTOL)


def test_bgnbd_new_customer_pmf_sums_to_one_and_matches_mean() -> None:
    model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    t = 39.0
    pmf = np.array([model.probability_of_purchases(n, t) for n in range(400)])
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6)
    mean = float((np.arange(400) * pmf).sum())
    assert mean == pytest.approx(float(model.expected_purchases_new(t)[0]), rel=1e-5)


def _count_given_alive_bg(lam: float, p: float, n: int, t: float) -> float:
    """P(n purchases in t | alive now): survive n purchases, or drop out at the n-th."""
    poisson = (lam * t) ** n * math.exp(-lam * t) / math.factorial(n)
    keep = (1 - p) ** n * poisson
    return keep + (p * (1 - p) ** (n - 1) * gammainc(n, lam * t) if n else 0.0)


@pytest.mark.parametrize("shift", [0, 1], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("theta", _points(3, 7), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_beta_geo_conditional_purchase_counts_match_integration(
    theta: np.ndarray, shift: int
) -> None:
    r, alpha, a, b = theta
    cls = BetaGeoModel if shift == 0 else ModifiedBetaGeoModel
    model = cls.from_params(r=r, alpha=alpha, a=a, b=b)
    histories = HISTORIES[:4]
    rows, t_future = _rows(histories), 6.0
    for n in (0, 1, 3):
        got = model.conditional_probability_of_purchases(n, t_future, rows)
        for i, (x, tx, big_t) in enumerate(histories):

            def part(
                p: float,
                lam: float,
                k: int,
                n: int = n,
                x: int = x,
                tx: float = tx,
                bt: float = big_t,
            ) -> float:
                alive = (1 - p) ** (x + shift) * lam**x * math.exp(-lam * bt)
                dead = 0.0
                if x + shift > 0:
                    dead = p * (1 - p) ** (x + shift - 1) * lam**x * math.exp(-lam * tx)
                if k == 0:
                    return alive + dead
                return alive * _count_given_alive_bg(lam, p, n, t_future) + (
                    dead if n == 0 else 0.0
                )

            hint = (r + x) / (alpha + tx)
            res = [
                _beta_mean(
                    lambda p, k=k, h=hint: _gamma_mean(lambda lam: part(p, lam, k), r, alpha, h),
                    a,
                    b,
                )
                for k in range(2)
            ]
            assert got[i] == pytest.approx(res[1] / res[0], rel=RTOL)


@pytest.mark.slow  # nested quadrature over two gamma laws: ~1.5 s per point
@pytest.mark.parametrize("theta", _points(2, 8), ids=lambda t: "-".join(f"{v:.2f}" for v in t))
def test_paretonbd_conditional_purchase_counts_match_integration(theta: np.ndarray) -> None:
    r, alpha, s, beta = theta
    model = ParetoNBDModel.from_params(r=r, alpha=alpha, s=s, beta=beta)
    histories = [HISTORIES[0], HISTORIES[2]]
    rows, t_future = _rows(histories), 6.0
    for n in (0, 2):
        got = model.conditional_probability_of_purchases(n, t_future, rows)
        for i, (x, tx, big_t) in enumerate(histories):

            def part(
                lam: float,
                mu: float,
                k: int,
                n: int = n,
                x: int = x,
                tx: float = tx,
                bt: float = big_t,
            ) -> float:
                alive = lam**x * math.exp(-(lam + mu) * bt)
                dead = lam**x * mu * math.exp(-(lam + mu) * tx) * _span(lam + mu, bt - tx)
                if k == 0:
                    return alive + dead
                # alive at T+t with n purchases, or died at tau < t after n purchases
                stay = math.exp(-(lam + mu) * t_future) * (lam * t_future) ** n / math.factorial(n)
                rate = lam + mu
                died = (
                    mu * lam**n / rate ** (n + 1) * gammainc(n + 1, rate * t_future)
                    if rate
                    else 0.0
                )
                return alive * (stay + died) + (dead if n == 0 else 0.0)

            res = [
                _gamma_mean(
                    lambda mu, k=k, h=(r + x) / (alpha + tx): _gamma_mean(
                        lambda lam: part(lam, mu, k), r, alpha, h
                    ),
                    s,
                    beta,
                    s / (beta + tx),
                )
                for k in range(2)
            ]
            assert got[i] == pytest.approx(res[1] / res[0], rel=RTOL)


@pytest.mark.parametrize(
    "model",
    [
        BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
        ModifiedBetaGeoModel.from_params(r=0.52, alpha=6.2, a=0.89, b=1.6),
        ParetoNBDModel.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67),
        ParetoNBDModel.from_params(r=0.55, alpha=1.6, s=1.61, beta=11.67),
    ],
    ids=["bgnbd", "mbgnbd", "paretonbd", "paretonbd-s-above-1"],
)
def test_conditional_purchase_counts_sum_to_one_with_the_expected_mean(model) -> None:  # type: ignore[no-untyped-def]
    rows = _rows([*HISTORIES, (40, 38.0, 39.0)])
    t_future = 39.0
    counts = np.arange(400)
    pmf = np.array([model.conditional_probability_of_purchases(n, t_future, rows) for n in counts])
    assert np.all(pmf >= 0)
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, rtol=1e-10)
    np.testing.assert_allclose(counts @ pmf, model.expected_purchases(t_future, rows), rtol=1e-9)


def test_bgnbd_conditional_counts_of_a_new_customer_are_the_unconditional_ones() -> None:
    model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    new = _rows([(0, 0.0, 0.0)])
    for n in range(6):
        got = model.conditional_probability_of_purchases(n, 39.0, new)[0]
        assert got == pytest.approx(model.probability_of_purchases(n, 39.0), rel=1e-12)
