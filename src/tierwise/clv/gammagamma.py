"""Gamma-Gamma spend model: average order value per customer, independent of purchasing.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "RFM and CLV: Using Iso-Value
Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415-430.
Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value",
http://brucehardie.com/notes/025/.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln, psi

from tierwise.clv._math import Array, dot, levels
from tierwise.clv.base import ClvModel, Data
from tierwise.errors import InputError, ModelError


class GammaGammaModel(ClvModel):
    """Gamma-Gamma model; parameters ``p, q, gamma``. Fit on repeat buyers only.

    ``monetary_value`` is the mean value of a customer's repeat purchases and
    ``frequency`` their number; rows with frequency 0 are ignored in ``fit``.
    """

    model_type = "gammagamma"
    param_names = ("p", "q", "gamma")
    columns = ("frequency", "monetary_value")
    integer_columns = ("frequency",)

    def _validate_values(self, data: Data) -> None:
        if np.any(data["frequency"] < 0):
            raise InputError("gammagamma: 'frequency' has negative values")

    def _compress(self, data: Data) -> Data:
        keep = data["frequency"] > 0
        kept = {k: v[keep] for k, v in data.items()}
        if kept["frequency"].size == 0:
            raise ModelError(
                "gammagamma: no customer has a repeat purchase (frequency > 0), so there is no "
                "spend to model; use the average order value instead"
            )
        bad = kept["monetary_value"] <= 0
        if bad.any():
            raise ModelError(
                f"gammagamma: {int(bad.sum())} repeat buyer(s) have monetary_value <= 0 (lowest "
                f"{kept['monetary_value'].min():.2f}); the model needs positive spend — net "
                "returns into their orders or drop those customers before fitting"
            )
        return super()._compress(kept)

    def _check(self, data: Data) -> None:
        if data["monetary_value"].size < 2 or np.ptp(data["monetary_value"]) == 0:
            raise ModelError(
                "gammagamma: every repeat buyer has the same average spend; the spread between "
                "customers cannot be estimated — use the average order value instead"
            )

    def _start(self, data: Data) -> Array:
        w, m = data["weight"], data["monetary_value"]
        mean = float(w @ m) / float(w.sum())
        return np.array([1.0, 2.0, mean])

    def _prepare(self, data: Data) -> None:
        """Sufficient statistics: per row only ``log(1 + m x / gamma)`` depends on a parameter."""
        w, x, m = data["weight"], data["frequency"], data["monetary_value"]
        data["_x_levels"], data["_x_index"] = levels(x)
        data["_x_weight"] = np.bincount(
            data["_x_index"], weights=w, minlength=data["_x_levels"].size
        )
        data["_mx"] = m * x
        data["_wx"] = w * x
        data["_wmx"] = w * m * x
        data["_sum_log_m"] = np.array([dot(w, np.log(m))])

    def _objective(self, theta: Array, data: Data) -> tuple[float, Array]:
        """Each row's ``log(m x / (gamma + m x))`` and ``log(gamma / (gamma + m x))`` are
        summed as they stand (both moderate and negative), so no large terms cancel and
        the optimizer sees the same precision as the per-row sum.
        """
        p, q, gam = theta
        xv, wx_lev = data["_x_levels"], data["_x_weight"]
        w, wx, mx = data["weight"], data["_wx"], data["_mx"]
        own = -np.log1p(gam / mx)  # log(m x / (gamma + m x))
        pooled = -np.log1p(mx / gam)  # log(gamma / (gamma + m x))
        inv_spend = 1.0 / (gam + mx)
        px = p * xv
        per_x = gammaln(px + q) - gammaln(px) - gammaln(q)
        wx_own, w_pooled = dot(wx, own), dot(w, pooled)
        ll = float(wx_lev @ per_x) + p * wx_own + q * w_pooled - float(data["_sum_log_m"][0])
        grad = np.array(
            [
                wx_lev @ (xv * (psi(px + q) - psi(px))) + wx_own,
                wx_lev @ (psi(px + q) - psi(q)) + w_pooled,
                q / gam * dot(data["_wmx"], inv_spend) - p * dot(wx, inv_spend),
            ]
        )
        return ll, grad

    def _loglik(self, theta: Array, data: Data) -> Array:
        return self._loglik_grad(theta, data)[0]

    def _loglik_grad(self, theta: Array, data: Data) -> tuple[Array, Array]:
        p, q, gam = theta
        x, m = data["frequency"], data["monetary_value"]
        px = p * x
        with np.errstate(divide="ignore"):
            log_m = np.log(m)
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gam)
            + (px - 1) * log_m
            + px * np.log(x)
            - (px + q) * np.log(gam + m * x)
        )
        g = np.empty((x.size, 3))
        g[:, 0] = x * (psi(px + q) - psi(px) + log_m + np.log(x) - np.log(gam + m * x))
        g[:, 1] = psi(px + q) - psi(q) + np.log(gam) - np.log(gam + m * x)
        g[:, 2] = q / gam - (px + q) / (gam + m * x)
        return ll, g

    def expected_spend(self, data: Any) -> Array:
        """E[M | x, m_x]: a weighted mean of the population mean and the customer's own mean.

        Customers without repeat purchases get the population mean ``p gamma / (q - 1)``.
        """
        p, q, gam = self._theta()
        if q <= 1:
            raise ModelError(
                f"gammagamma: q = {q:.3f} <= 1, so the mean spend is infinite; the spend data "
                "has too heavy a tail — cap extreme orders or use the average order value"
            )
        d = self._rows(data)
        x, m = d["frequency"], d["monetary_value"]
        m = np.where(x > 0, m, 0.0)
        return (p * (gam + m * x)) / (p * x + q - 1)

    def population_mean_spend(self) -> float:
        """Mean spend per order across customers, ``p gamma / (q - 1)``."""
        p, q, gam = self._theta()
        return float(p * gam / (q - 1)) if q > 1 else float("inf")
