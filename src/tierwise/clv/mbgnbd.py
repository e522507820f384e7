"""MBG/NBD: BG/NBD where a customer may also drop out right after the first purchase.

References
----------
Batislam, E. P., Denizel, M. and Filiztekin, A. (2007), "Empirical validation and comparison
of models for customer base analysis", International Journal of Research in Marketing 24(3),
201-209.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, expit, gammaln, psi

from tierwise.clv._beta_mixture import expected_if_alive
from tierwise.clv._math import Array
from tierwise.clv.base import Data, PurchaseModel
from tierwise.clv.bgnbd import beta_geo_count_probability, beta_geo_objective


class ModifiedBetaGeoModel(PurchaseModel):
    """MBG/NBD model; parameters ``r, alpha`` (purchase rate) and ``a, b`` (dropout)."""

    model_type = "mbgnbd"
    param_names = ("r", "alpha", "a", "b")

    def _start_from_rate(self, rate: float) -> Array:
        return np.array([1.0, 1.0 / rate, 1.0, 3.0])

    def _terms(self, theta: Array, data: Data) -> tuple[Array, Array, Array]:
        r, alpha, a, b = theta
        x, tx, big_t = data["frequency"], data["recency"], data["T"]
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        alive = betaln(a, b + x + 1) - (r + x) * np.log(alpha + big_t)
        dead = betaln(a + 1, b + x) - (r + x) * np.log(alpha + tx)
        return head, alive, dead

    def _loglik(self, theta: Array, data: Data) -> Array:
        head, alive, dead = self._terms(theta, data)
        return head + np.logaddexp(alive, dead)

    def _loglik_grad(self, theta: Array, data: Data) -> tuple[Array, Array]:
        r, alpha, a, b = theta
        x, tx, big_t = data["frequency"], data["recency"], data["T"]
        head, alive, dead = self._terms(theta, data)
        mix = np.logaddexp(alive, dead)
        wa = np.exp(alive - mix)
        wd = 1.0 - wa
        g = np.empty((x.size, 4))
        g[:, 0] = (
            psi(r + x)
            - psi(r)
            + np.log(alpha)
            - wa * np.log(alpha + big_t)
            - wd * np.log(alpha + tx)
        )
        g[:, 1] = r / alpha - (r + x) * (wa / (alpha + big_t) + wd / (alpha + tx))
        s_ab = psi(a + b + x + 1)
        g[:, 2] = wa * (psi(a) - s_ab) + wd * (psi(a + 1) - s_ab) - (psi(a) - psi(a + b))
        g[:, 3] = wa * (psi(b + x + 1) - s_ab) + wd * (psi(b + x) - s_ab) - (psi(b) - psi(a + b))
        return head + mix, g

    def _objective(self, theta: Array, data: Data) -> tuple[float, Array]:
        return beta_geo_objective(theta, data, shift=1)

    def probability_alive(self, data: Any) -> Array:
        """P(alive at T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))."""
        r, alpha, a, b = self._theta()
        d = self._rows(data)
        x, tx, big_t = d["frequency"], d["recency"], d["T"]
        log_odds = (
            np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
        )
        return expit(-log_odds)

    def _expected_if_alive(self, t: Array, x: Array, big_t: Array) -> Array:
        """E[X(T, T+t) | alive at T] (Batislam et al. 2007), as a mean over the dropout
        probability (``_beta_mixture``): finite at the no-dropout edge."""
        r, alpha, a, b = self._theta()
        return expected_if_alive(a, b + x + 1.0, r + x, t / (alpha + big_t))

    def conditional_probability_of_purchases(self, n: int, t: float, data: Any) -> Array:
        """P(X(T, T+t) = n | x, t_x, T): the chance of exactly ``n`` purchases in the next ``t``."""
        d = self._rows(data)
        return beta_geo_count_probability(
            self._theta(), n, t, d["frequency"], d["T"], self.probability_alive(d), shift=1
        )
