"""Shifted-beta-geometric (sBG) model of contract renewals.

References
----------
Fader, P. S. and Hardie, B. G. S. (2007), "How to Project Customer Retention", Journal of
Interactive Marketing 21(1), 76-90.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, hyp2f1, psi

from tierwise.clv._math import Array
from tierwise.clv.base import ClvModel, Data
from tierwise.errors import InputError, ModelError


class ShiftedBetaGeometricModel(ClvModel):
    """sBG model; parameters ``alpha, beta`` of the beta-distributed churn probability.

    Input columns: ``periods`` and ``churned`` (0/1). A churned contract has
    ``periods`` = the period in which it ended (1 = did not renew after the first);
    an active one has ``periods`` = the number of periods it has completed.
    """

    model_type = "sbg"
    param_names = ("alpha", "beta")
    columns = ("periods", "churned")
    integer_columns = ("periods", "churned")

    def _validate_values(self, data: Data) -> None:
        c, t = data["churned"], data["periods"]
        if np.any((c != 0) & (c != 1)):
            raise InputError("sbg: 'churned' must be 0 (active) or 1 (churned)")
        if np.any(t < 0) or np.any((c == 1) & (t < 1)):
            raise InputError("sbg: 'periods' must be >= 1 for churned and >= 0 for active rows")

    def _check(self, data: Data) -> None:
        w, c = data["weight"], data["churned"]
        if float(w[c == 1].sum()) == 0:
            raise ModelError(
                "sbg: no contract has churned, so the churn rate cannot be estimated; "
                "wait for renewals to come due or use a longer history"
            )
        if float(w[(c == 0) & (data["periods"] > 0)].sum()) == 0 and np.all(
            data["periods"][c == 1] == 1
        ):
            raise ModelError(
                "sbg: every contract churned in the first period; no renewal was ever seen, "
                "so heterogeneity in churn cannot be estimated"
            )

    def _start(self, data: Data) -> Array:
        return np.array([1.0, 1.0])

    def _loglik(self, theta: Array, data: Data) -> Array:
        return self._loglik_grad(theta, data)[0]

    def _loglik_grad(self, theta: Array, data: Data) -> tuple[Array, Array]:
        alpha, beta = theta
        t, c = data["periods"], data["churned"]
        churn = c == 1
        lead_a = np.where(churn, alpha + 1, alpha)
        lead_b = np.where(churn, beta + t - 1, beta + t)
        ll = betaln(lead_a, lead_b) - betaln(alpha, beta)
        total = psi(lead_a + lead_b)
        g = np.empty((t.size, 2))
        g[:, 0] = psi(lead_a) - total - (psi(alpha) - psi(alpha + beta))
        g[:, 1] = psi(lead_b) - total - (psi(beta) - psi(alpha + beta))
        return ll, g

    def survival(self, t: float | Array) -> Array:
        """S(t): share of a new cohort still under contract after ``t`` periods."""
        alpha, beta = self._theta()
        tt = np.asarray(t, dtype=float)
        return np.exp(betaln(alpha, beta + tt) - betaln(alpha, beta))

    def retention_rate(self, t: float | Array) -> Array:
        """r(t) = S(t)/S(t-1) = (beta + t - 1)/(alpha + beta + t - 1): rises with tenure."""
        alpha, beta = self._theta()
        tt = np.asarray(t, dtype=float)
        return (beta + tt - 1) / (alpha + beta + tt - 1)

    def probability_renew(self, data: Any) -> Array:
        """P(an active contract renews once more | it has completed ``periods``)."""
        alpha, beta = self._theta()
        d = self._rows(data)
        return np.where(
            d["churned"] == 1, 0.0, (beta + d["periods"]) / (alpha + beta + d["periods"])
        )

    def expected_remaining_periods(self, data: Any, discount_rate: float = 0.0) -> Array:
        """Discounted expected future periods, ``sum_k S(n+k)/S(n) / (1+d)^k``.

        Equals ``2F1(1, beta+n; alpha+beta+n; 1/(1+d)) - 1``; with ``d = 0`` it is finite
        only when ``alpha > 1``.
        """
        alpha, beta = self._theta()
        d = self._rows(data)
        n = d["periods"]
        v = 1.0 / (1.0 + discount_rate)
        if discount_rate <= 0 and alpha <= 1:
            raise ModelError(
                f"sbg: alpha = {alpha:.3f} <= 1 makes the undiscounted expected lifetime "
                "infinite; pass a positive discount_rate"
            )
        out = hyp2f1(1.0, beta + n, alpha + beta + n, v) - 1.0
        return np.where(d["churned"] == 1, 0.0, out)
