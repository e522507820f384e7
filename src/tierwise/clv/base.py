"""The estimator contract every CLV model shares (scikit-learn conventions).

``__init__`` stores hyper-parameters only; ``fit`` validates a table with named
columns, compresses identical rows into weights, maximises the log-likelihood over
log-parameters and returns ``self``; fitted attributes end in ``_``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize, stats

from tierwise.clv._math import (
    Array,
    distinct_groups,
    dot,
    levels,
    numeric_gradient,
    numeric_hessian,
    numeric_jacobian,
)
from tierwise.errors import InputError, ModelError, NotFittedError

# column name -> per-row values; fit adds private entries (levels, indices) starting "_"
Data = dict[str, NDArray[Any]]


def as_frame(data: Any) -> pd.DataFrame:
    """Accept a pandas DataFrame or an Ibis table (executed here, at the edge)."""
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "to_pandas"):
        return data.to_pandas()
    raise InputError(
        f"expected a pandas DataFrame or an Ibis table, got {type(data).__name__}; "
        "pass a table with named columns"
    )


#: Largest gradient (of the mean log-likelihood per customer, on log parameters) at which
#: a stalled line search still counts as converged.
STALL_GRADIENT = 1e-5


class ClvModel(ABC):
    """Base of every maximum-likelihood CLV model.

    Attributes
    ----------
    params_ : dict[str, float]
        Maximum-likelihood estimates.
    standard_errors_ : dict[str, float]
        From the inverse Hessian of the log-likelihood (NaN where it is not
        positive definite).
    covariance_ : ndarray
        Inverse Hessian, in the order of ``param_names``.
    log_likelihood_, aic_, bic_ : float
        Fit statistics; ``n_customers_`` is the number of rows (weights summed).
    boundary_ : list[str]
        Parameters whose estimate ran to the edge of the parameter space: the data
        shows no sign of the process they govern (typically dropout); predictions are
        the model's limit there and standard errors are NaN.
    """

    model_type: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]
    columns: ClassVar[tuple[str, ...]]
    integer_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, max_iter: int = 2000, tol: float = 1e-10) -> None:
        self.max_iter = max_iter
        self.tol = tol

    # ----- model-specific pieces -------------------------------------------------
    @abstractmethod
    def _check(self, data: Data) -> None:
        """Raise ModelError when the data cannot identify the model."""

    @abstractmethod
    def _start(self, data: Data) -> Array:
        """A default starting point (natural parameters)."""

    @abstractmethod
    def _loglik(self, theta: Array, data: Data) -> Array:
        """Per-row log-likelihood at natural parameters ``theta``."""

    def _loglik_grad(self, theta: Array, data: Data) -> tuple[Array, Array] | None:
        """Per-row log-likelihood and its gradient (rows x params), if available."""
        return None

    def _objective(self, theta: Array, data: Data) -> tuple[float, Array] | None:
        """Weighted total log-likelihood and its gradient (natural parameters), if available.

        The optimizer and the Hessian call only this. Models override it to sum terms
        that depend on one column over that column's distinct values, so no
        (rows x params) array is built; the default sums ``_loglik_grad``.
        """
        res = self._loglik_grad(theta, data)
        if res is None:
            return None
        weight = data["weight"]
        return float(weight @ res[0]), weight @ res[1]

    # ----- data handling ---------------------------------------------------------
    def _validate(self, data: Any) -> Data:
        frame = as_frame(data)
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"{self.model_type}: missing column(s) {missing}; the table needs "
                f"{list(self.columns)} (and optionally 'weight'); found {list(frame.columns)}"
            )
        if len(frame) == 0:
            raise ModelError(f"{self.model_type}: the table is empty; fit needs at least one row")
        out: Data = {}
        for col in self.columns:
            values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(values)
            if bad.any():
                raise InputError(
                    f"{self.model_type}: column '{col}' has {int(bad.sum())} missing or "
                    f"non-numeric value(s); drop or fill those rows"
                )
            if col in self.integer_columns and np.any(values != np.round(values)):
                raise InputError(f"{self.model_type}: column '{col}' must hold whole numbers")
            out[col] = values
        if "weight" in frame.columns:
            w = pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float)
            if not np.all(np.isfinite(w)) or np.any(w < 0):
                raise InputError(f"{self.model_type}: column 'weight' must be >= 0 and finite")
        else:
            w = np.ones(len(frame))
        out["weight"] = w
        self._validate_values(out)
        return out

    def _validate_values(self, data: Data) -> None:  # noqa: B027 - optional hook
        """Model-specific range checks (negative counts, recency > T, ...)."""

    def _compress(self, data: Data) -> Data:
        """Group identical rows, summing weights: the likelihood is evaluated once per group.

        These are the model's sufficient statistics: a million customers measured in
        weeks or days hold a few hundred thousand distinct histories at most.
        """
        group, first = distinct_groups([data[c] for c in self.columns])
        weight = np.bincount(group, weights=data["weight"], minlength=first.size)
        keep = weight > 0
        out: Data = {c: data[c][first][keep] for c in self.columns}
        out["weight"] = weight[keep]
        return out

    # ----- fitting -----------------------------------------------------------------
    def fit(self, data: Any, start: dict[str, float] | None = None) -> Self:
        """Fit by maximum likelihood; ``data`` has the named columns of ``columns``."""
        prepared = self._compress(self._validate(data))
        self._check(prepared)
        self._prepare(prepared)
        total = float(prepared["weight"].sum())
        weight = prepared["weight"]
        theta0 = (
            np.array([start[p] for p in self.param_names], dtype=float)
            if start
            else self._start(prepared)
        )

        def objective(z: Array) -> tuple[float, Array]:
            theta = np.exp(z)
            res = self._objective(theta, prepared)
            if res is None:
                f = -float(weight @ self._loglik(theta, prepared)) / total

                def fz(zz: Array) -> float:
                    return -float(weight @ self._loglik(np.exp(zz), prepared)) / total

                return f, numeric_gradient(fz, z)
            ll, grad = res
            return -ll / total, -grad * theta / total

        def safe(z: Array) -> tuple[float, Array]:
            with np.errstate(all="ignore"):
                f, g = objective(z)
            if not np.isfinite(f) or not np.all(np.isfinite(g)):
                return 1e10, np.zeros_like(z)
            return f, g

        z0 = np.log(theta0)
        f0, _ = safe(z0)
        if f0 >= 1e10:
            raise ModelError(
                f"{self.model_type}: the log-likelihood is not finite at the start "
                f"{dict(zip(self.param_names, theta0, strict=True))}; pass another start"
            )

        def run(start: Array) -> optimize.OptimizeResult:  # L-BFGS-B on log parameters
            return optimize.minimize(
                safe,
                start,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-25.0, 25.0)] * len(start),
                options={"maxiter": self.max_iter, "ftol": 1e-15, "gtol": self.tol, "maxcor": 20},
            )

        result = run(z0)
        if not result.success and np.all(np.isfinite(result.x)):
            # A line search can stall on a flat ridge (e.g. toward the no-dropout edge);
            # a fresh start from where it stopped resets the curvature memory.
            retry = run(result.x)
            if retry.fun <= result.fun:
                retry.nit += result.nit
                result = retry
        theta = np.exp(result.x)
        with np.errstate(all="ignore"):
            fast = self._objective(theta, prepared)
            ll_total = fast[0] if fast is not None else dot(weight, self._loglik(theta, prepared))
        if not np.isfinite(ll_total):
            raise ModelError(
                f"{self.model_type}: the fit did not converge to a finite log-likelihood "
                f"(optimizer: {result.message}); check the data for extreme values"
            )
        # A maximum on the edge (e.g. no dropout visible: s -> 0, beta -> inf) is a valid
        # limit of the model; it is reported, and its standard errors are undefined.
        edge = np.abs(result.x) >= 24.9
        self.boundary_ = [p for p, b in zip(self.param_names, edge, strict=True) if b]
        self._set_fitted(theta, ll_total, total, prepared)
        # A line search that stalls where the gradient is already negligible (the
        # objective is the mean log-likelihood per customer) has found the maximum to
        # the precision the arithmetic allows; only a stall with a real slope is a failure.
        self.converged_ = bool(result.success or np.max(np.abs(result.jac)) <= STALL_GRADIENT)
        if self.boundary_:
            self.standard_errors_ = {p: float("nan") for p in self.param_names}
            self.covariance_ = np.full((len(theta), len(theta)), np.nan)
        self.n_iter_ = int(result.nit)
        return self

    def _prepare(self, data: Data) -> None:  # noqa: B027 - optional hook
        """Hook for precomputation on the compressed data (e.g. unique pairs)."""

    def _set_fitted(self, theta: Array, ll: float, n: float, data: Data | None) -> None:
        k = len(theta)
        self.params_ = {p: float(v) for p, v in zip(self.param_names, theta, strict=True)}
        self.log_likelihood_ = ll
        self.n_customers_ = n
        self.aic_ = 2 * k - 2 * ll
        self.bic_ = k * np.log(n) - 2 * ll if n > 0 else float("nan")
        cov = np.full((k, k), np.nan)
        if data is not None:
            hess = self._hessian(theta, data)
            if np.all(np.isfinite(hess)):
                try:
                    np.linalg.cholesky(hess)
                    cov = np.linalg.inv(hess)
                except np.linalg.LinAlgError:
                    pass
        self.covariance_ = cov
        se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
        self.standard_errors_ = {p: float(v) for p, v in zip(self.param_names, se, strict=True)}

    def _hessian(self, theta: Array, data: Data) -> Array:
        """Hessian of the negative log-likelihood in natural parameters."""
        weight = data["weight"]
        with np.errstate(all="ignore"):
            if self._objective(theta, data) is not None:

                def grad(t: Array) -> Array:
                    res = self._objective(t, data)
                    assert res is not None
                    return -res[1]

                return numeric_jacobian(grad, theta, step=1e-5)
            return numeric_hessian(lambda t: -float(weight @ self._loglik(t, data)), theta)

    # ----- fitted state ------------------------------------------------------------
    @classmethod
    def from_params(cls, **params: float) -> Self:
        """A model with known parameters (for prediction, simulation or loading)."""
        missing = [p for p in cls.param_names if p not in params]
        extra = [p for p in params if p not in cls.param_names]
        if missing or extra:
            raise InputError(
                f"{cls.model_type}: parameters must be exactly {list(cls.param_names)}; "
                f"missing {missing}, unexpected {extra}"
            )
        values = np.array([float(params[p]) for p in cls.param_names])
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise InputError(f"{cls.model_type}: parameters must be positive, got {params}")
        model = cls()
        model._set_fitted(values, float("nan"), float("nan"), None)
        model.boundary_ = []
        return model

    def _theta(self) -> Array:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(data) first "
                "or build it with from_params(...)"
            )
        return np.array([self.params_[p] for p in self.param_names])

    def _rows(self, data: Any) -> Data:
        """Validated per-row arrays for prediction (not compressed); a dict passes through."""
        if isinstance(data, dict):
            return data
        return self._validate(data)

    def log_likelihood(self, data: Any) -> Array:
        """Per-row log-likelihood of ``data`` under the fitted parameters."""
        return self._loglik(self._theta(), self._rows(data))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates, standard errors and Wald intervals on the log scale (stay positive)."""
        theta = self._theta()
        se = np.array([self.standard_errors_[p] for p in self.param_names])
        zq = stats.norm.ppf(0.5 + level / 2)
        log_se = se / theta
        return pd.DataFrame(
            {
                "parameter": list(self.param_names),
                "estimate": theta,
                "standard_error": se,
                "lower": theta * np.exp(-zq * log_se),
                "upper": theta * np.exp(zq * log_se),
            }
        )

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            body = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({body})"
        return f"{type(self).__name__}(unfitted)"


class PurchaseModel(ClvModel):
    """A non-contractual buy-till-you-die model on (frequency, recency, T)."""

    columns = ("frequency", "recency", "T")
    integer_columns = ("frequency",)

    def _validate_values(self, data: Data) -> None:
        x, tx, big_t = data["frequency"], data["recency"], data["T"]
        problems = []
        if np.any(x < 0):
            problems.append("'frequency' has negative values")
        if np.any(tx < 0):
            problems.append("'recency' has negative values")
        if np.any(tx > big_t + 1e-9):
            problems.append(f"'recency' exceeds 'T' on {int(np.sum(tx > big_t + 1e-9))} row(s)")
        if np.any((x == 0) & (tx != 0)):
            problems.append("rows with frequency 0 must have recency 0")
        if problems:
            raise InputError(
                f"{self.model_type}: " + "; ".join(problems) + " — build the table with "
                "tierwise.clv.summary_from_transactions"
            )

    def _check(self, data: Data) -> None:
        w = data["weight"]
        repeaters = float(w[data["frequency"] > 0].sum())
        if repeaters == 0:
            raise ModelError(
                f"{self.model_type}: no customer made a repeat purchase, so purchase rate and "
                "dropout cannot be told apart; use a longer period, a finer time unit, or "
                "the simple estimate that lifetime_value falls back to"
            )
        if np.all(data["T"] <= 0):
            raise ModelError(
                f"{self.model_type}: every customer was first seen in the last period (T = 0); "
                "the history is too short — move the calibration end later or use a finer time unit"
            )
        if np.all(data["recency"][data["frequency"] > 0] == data["T"][data["frequency"] > 0]) and (
            float(w[data["frequency"] == 0].sum()) == 0
        ):
            raise ModelError(
                f"{self.model_type}: every customer bought in the last period, so no dropout "
                "can be seen; use a longer observation period"
            )

    def _prepare(self, data: Data) -> None:
        """Distinct values of each column and per-row indices into them."""
        for col, key in (("frequency", "x"), ("recency", "tx"), ("T", "T")):
            data[f"_{key}_levels"], data[f"_{key}_index"] = levels(data[col])
        data["_x_weight"] = np.bincount(
            data["_x_index"], weights=data["weight"], minlength=data["_x_levels"].size
        )

    def _start(self, data: Data) -> Array:
        w = data["weight"]
        rate = dot(w, data["frequency"]) / max(dot(w, data["T"]), 1e-9)
        return self._start_from_rate(max(rate, 1e-6))

    @abstractmethod
    def _start_from_rate(self, rate: float) -> Array:
        """Default start scaled to the data's purchase rate (so it works in any time unit)."""

    @abstractmethod
    def probability_alive(self, data: Any) -> Array:
        """P(customer still active at T | history)."""

    def expected_purchases(self, t: float | Array, data: Any) -> Array:
        """Expected purchases in the next ``t`` time units, given each customer's history."""
        d = self._rows(data)
        tt = np.asarray(t, dtype=float)
        x, big_t = d["frequency"], d["T"]
        if tt.ndim == 0 and x.size > 1:  # once per distinct (x, T) pair, then gathered
            pair, first = distinct_groups([x, big_t])
            core = self._expected_if_alive(tt, x[first], big_t[first])[pair]
        else:
            core = self._expected_if_alive(tt, x, big_t)
        return core * self.probability_alive(d)

    @abstractmethod
    def _expected_if_alive(self, t: Array, x: Array, big_t: Array) -> Array:
        """Expected purchases in ``(T, T+t]`` for a customer alive at ``T``.

        It depends on ``(x, T)`` only, so CLV evaluates it once per distinct pair and
        multiplies by P(alive), computed once per distinct history.
        """

    def expected_purchases_new(self, t: float | Array) -> Array:
        """Expected repeat purchases in ``t`` units for a customer who just made a first buy."""
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        zero = pd.DataFrame(
            {"frequency": np.zeros(tt.size), "recency": np.zeros(tt.size), "T": np.zeros(tt.size)}
        )
        return self.expected_purchases(tt, zero)
