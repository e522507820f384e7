"""BG/BB: the discrete-time buy-till-you-die model (one purchase opportunity per period).

References
----------
Fader, P. S., Hardie, B. G. S. and Shang, J. (2010), "Customer-Base Analysis in a
Discrete-Time Noncontractual Setting", Marketing Science 29(6), 1086-1108.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, logsumexp

from tierwise.clv._math import Array
from tierwise.clv.base import ClvModel, Data
from tierwise.errors import InputError, ModelError


class BetaGeoBetaBinomModel(ClvModel):
    """BG/BB model; parameters ``alpha, beta`` (purchase probability), ``gamma, delta`` (dropout).

    Input columns: ``frequency`` (repeat purchases), ``recency`` (the opportunity of the
    last purchase, 0 when none) and ``n_periods`` (purchase opportunities observed).
    """

    model_type = "bgbb"
    param_names = ("alpha", "beta", "gamma", "delta")
    columns = ("frequency", "recency", "n_periods")
    integer_columns = ("frequency", "recency", "n_periods")

    def _validate_values(self, data: Data) -> None:
        x, tx, n = data["frequency"], data["recency"], data["n_periods"]
        if np.any(x < 0) or np.any(x > tx) or np.any(tx > n):
            raise InputError(
                "bgbb: rows need 0 <= frequency <= recency <= n_periods (whole periods)"
            )

    def _check(self, data: Data) -> None:
        w = data["weight"]
        if float(w[data["frequency"] > 0].sum()) == 0:
            raise ModelError(
                "bgbb: no customer made a repeat purchase; purchase probability and dropout "
                "cannot be told apart — use a longer period"
            )
        if np.all(data["n_periods"] == 0):
            raise ModelError("bgbb: every customer has 0 opportunities; use a longer period")

    def _start(self, data: Data) -> Array:
        return np.array([1.0, 1.0, 1.0, 1.0])

    def _loglik(self, theta: Array, data: Data) -> Array:
        alpha, beta, gam, delta = theta
        x, tx, n = data["frequency"], data["recency"], data["n_periods"]
        base = -betaln(alpha, beta) - betaln(gam, delta)
        alive = betaln(alpha + x, beta + n - x) + betaln(gam, delta + n)
        width = int(np.max(n - tx)) if x.size else 0
        if width == 0:
            return base + alive
        i = np.arange(width)[None, :]
        terms = betaln(alpha + x[:, None], beta + tx[:, None] - x[:, None] + i) + betaln(
            gam + 1, delta + tx[:, None] + i
        )
        terms = np.where(i < (n - tx)[:, None], terms, -np.inf)
        dead = logsumexp(terms, axis=1)
        return base + np.logaddexp(alive, dead)

    def probability_alive(self, data: Any) -> Array:
        """P(alive at opportunity n+1 | x, t_x, n)."""
        alpha, beta, gam, delta = self._theta()
        d = self._rows(data)
        x, n = d["frequency"], d["n_periods"]
        log_alive = (
            betaln(alpha + x, beta + n - x)
            - betaln(alpha, beta)
            + betaln(gam, delta + n + 1)
            - betaln(gam, delta)
        )
        return np.exp(log_alive - self._loglik(self._theta(), d))

    def expected_purchases(self, n_future: int, data: Any) -> Array:
        """E[purchases in the next ``n_future`` opportunities | x, t_x, n]."""
        alpha, beta, gam, delta = self._theta()
        d = self._rows(data)
        x, n = d["frequency"], d["n_periods"]
        if n_future <= 0:
            return np.zeros(x.size)
        k = np.arange(1, int(n_future) + 1)[None, :]
        survive = logsumexp(betaln(gam, delta + n[:, None] + k), axis=1) - betaln(gam, delta)
        buy = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        return np.exp(buy + survive - self._loglik(self._theta(), d))
