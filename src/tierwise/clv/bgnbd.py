"""BG/NBD: Poisson purchasing, a coin-flip dropout after each purchase (Fader, Hardie & Lee 2005).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting Your Customers' the Easy
Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betainc, betaln, expit, gammaln, psi

from tierwise.clv._beta_mixture import expected_if_alive
from tierwise.clv._math import Array, dot, log_add_exp
from tierwise.clv.base import Data, PurchaseModel


def beta_geo_objective(theta: Array, data: Data, shift: int) -> tuple[float, Array]:
    """Weighted log-likelihood and gradient of BG/NBD (``shift=0``) or MBG/NBD (``shift=1``).

    Both mix an 'alive at T' term ``B(a, b+x+shift)`` and a 'dropped after the last
    purchase' term ``B(a+1, b+x+shift-1)``. Special functions run once per distinct
    frequency, logs once per distinct recency or T; only the two-term mixture is per row.
    """
    r, alpha, a, b = theta
    xv, xi = data["_x_levels"], data["_x_index"]
    w, wx = data["weight"], data["_x_weight"]
    total = float(wx.sum())
    t_lev, tx_lev = alpha + data["_T_levels"], alpha + data["_tx_levels"]
    log_t = np.log(t_lev)[data["_T_index"]]
    log_tx = np.log(tx_lev)[data["_tx_index"]]
    inv_t = (1.0 / t_lev)[data["_T_index"]]
    inv_tx = (1.0 / tx_lev)[data["_tx_index"]]
    rx = r + data["frequency"]
    has_dead = xv + shift > 0
    b_dead = np.where(has_dead, b + xv + shift - 1.0, 1.0)
    head_v = gammaln(r + xv) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + xv + shift)[xi] - rx * log_t
    dead = np.where(has_dead, betaln(a + 1.0, b_dead), -np.inf)[xi] - rx * log_tx
    mix = log_add_exp(alive, dead)
    ww = w * np.exp(dead - mix)  # weight times P(dropped | history)
    ww_x = np.bincount(xi, weights=ww, minlength=xv.size)
    s_ab = psi(a + b + xv + shift)
    ll = float(wx @ head_v) + dot(w, mix)
    grad = np.array(
        [
            wx @ (psi(r + xv) - psi(r) + np.log(alpha)) - dot(w, log_t) + dot(ww, log_t - log_tx),
            total * r / alpha - dot(w * rx, inv_t) + dot(ww * rx, inv_t - inv_tx),
            wx @ (psi(a) - s_ab) + ww.sum() / a - total * (psi(a) - psi(a + b)),
            wx @ (psi(b + xv + shift) - s_ab)
            - ww_x @ np.where(has_dead, 1.0 / b_dead, 0.0)
            - total * (psi(b) - psi(a + b)),
        ]
    )
    return ll, grad


def beta_geo_count_probability(
    theta: Array, n: int, t: float, x: Array, big_t: Array, p_alive: Array, shift: int
) -> Array:
    """P(X(T, T+t) = n | history) for BG/NBD (``shift=0``) and MBG/NBD (``shift=1``).

    Alive at T, a customer's rate is Gamma(r+x, alpha+T) and dropout probability
    Beta(a, b+x+shift), independently. Then X = n when n purchases fall in t and the
    customer survives each (``(1-p)^n``, negative binomial count), or when the customer
    drops out at the n-th purchase (``p (1-p)^(n-1)`` times P(count >= n), a regularised
    incomplete beta). A customer who has dropped out buys nothing.
    """
    r, alpha, a, b = theta
    shape, rate = r + x, alpha + big_t
    b_post = b + x + shift
    q = t / (rate + t)
    log_nb = (
        gammaln(shape + n)
        - gammaln(shape)
        - gammaln(n + 1.0)
        + shape * np.log1p(-q)
        + (n * np.log(q) if n > 0 else 0.0)
    )
    alive = np.exp(betaln(a, b_post + n) - betaln(a, b_post) + log_nb)
    if n > 0:
        at_least = betainc(float(n), shape, q)
        alive = alive + np.exp(betaln(a + 1.0, b_post + n - 1.0) - betaln(a, b_post)) * at_least
    out = p_alive * alive
    return out + (1.0 - p_alive) if n == 0 else out


class BetaGeoModel(PurchaseModel):
    """BG/NBD model; parameters ``r, alpha`` (purchase rate) and ``a, b`` (dropout).

    Examples
    --------
    >>> import pandas as pd
    >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> row = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    >>> round(float(m.probability_alive(row)[0]), 3)
    0.727
    """

    model_type = "bgnbd"
    param_names = ("r", "alpha", "a", "b")

    def _start_from_rate(self, rate: float) -> Array:
        return np.array([1.0, 1.0 / rate, 1.0, 3.0])

    def _terms(self, theta: Array, data: Data) -> tuple[Array, Array, Array, Array]:
        r, alpha, a, b = theta
        x, tx, big_t = data["frequency"], data["recency"], data["T"]
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        alive = betaln(a, b + x) - (r + x) * np.log(alpha + big_t)
        xm = np.maximum(x, 1.0)
        dead = np.where(x > 0, betaln(a + 1, b + xm - 1) - (r + x) * np.log(alpha + tx), -np.inf)
        return head, alive, dead, x

    def _loglik(self, theta: Array, data: Data) -> Array:
        head, alive, dead, _ = self._terms(theta, data)
        return head + np.logaddexp(alive, dead)

    def _loglik_grad(self, theta: Array, data: Data) -> tuple[Array, Array]:
        r, alpha, a, b = theta
        head, alive, dead, x = self._terms(theta, data)
        tx, big_t = data["recency"], data["T"]
        mix = np.logaddexp(alive, dead)
        w_alive = np.exp(alive - mix)
        w_dead = 1.0 - w_alive
        xm = np.maximum(x, 1.0)
        d_ab_a = psi(a) - psi(a + b)
        d_ab_b = psi(b) - psi(a + b)
        g = np.empty((x.size, 4))
        g[:, 0] = (
            psi(r + x)
            - psi(r)
            + np.log(alpha)
            - w_alive * np.log(alpha + big_t)
            - w_dead * np.log(alpha + tx)
        )
        g[:, 1] = r / alpha - (r + x) * (w_alive / (alpha + big_t) + w_dead / (alpha + tx))
        g[:, 2] = (
            w_alive * (psi(a) - psi(a + b + x)) + w_dead * (psi(a + 1) - psi(a + b + x)) - d_ab_a
        )
        g[:, 3] = (
            w_alive * (psi(b + x) - psi(a + b + x))
            + w_dead * np.where(x > 0, psi(b + xm - 1) - psi(a + b + x), 0.0)
            - d_ab_b
        )
        return head + mix, g

    def _objective(self, theta: Array, data: Data) -> tuple[float, Array]:
        return beta_geo_objective(theta, data, shift=0)

    def probability_alive(self, data: Any) -> Array:
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
        r, alpha, a, b = self._theta()
        d = self._rows(data)
        x, tx, big_t = d["frequency"], d["recency"], d["T"]
        xm = np.maximum(x, 1.0)
        log_odds = (
            np.log(a) - np.log(b + xm - 1) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
        )
        return np.where(x > 0, expit(-log_odds), 1.0)

    def _expected_if_alive(self, t: Array, x: Array, big_t: Array) -> Array:
        """E[X(T, T+t) | alive at T]: equation (10) of FHL (2005) over P(alive).

        Evaluated as a mean over the dropout probability (``_beta_mixture``), finite and
        accurate where the paper's hypergeometric form overflows (``a, b`` in the thousands).
        """
        r, alpha, a, b = self._theta()
        return expected_if_alive(a, b + x, r + x, t / (alpha + big_t))

    def conditional_probability_of_purchases(self, n: int, t: float, data: Any) -> Array:
        """P(X(T, T+t) = n | x, t_x, T): the chance of exactly ``n`` purchases in the next ``t``."""
        d = self._rows(data)
        return beta_geo_count_probability(
            self._theta(), n, t, d["frequency"], d["T"], self.probability_alive(d), shift=0
        )

    def probability_of_purchases(self, n: int, t: float) -> float:
        """P(X(t) = n) for a new customer (FHL 2005, equation 8)."""
        r, alpha, a, b = self._theta()
        log_nb = (
            gammaln(r + n)
            - gammaln(r)
            - gammaln(n + 1)
            + r * np.log(alpha / (alpha + t))
            + n * np.log(t / (alpha + t))
        )
        first = np.exp(betaln(a, b + n) - betaln(a, b) + log_nb)
        if n == 0:
            return float(first)
        j = np.arange(n)
        log_sum_terms = gammaln(r + j) - gammaln(r) - gammaln(j + 1) + j * np.log(t / (alpha + t))
        partial = 1.0 - (alpha / (alpha + t)) ** r * np.exp(log_sum_terms).sum()
        second = np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * partial
        return float(first + second)
