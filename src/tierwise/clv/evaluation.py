"""Holdout checks with numbers: per-customer errors, calibration by frequency, tracking.

All functions take tables already summarised by the data engine (see
``calibration_and_holdout``) and a fitted purchase model; none touch raw transactions.
A table has one row per customer, or per group of identical histories with a ``weight``
(its number of customers): the figures are the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tierwise.clv._math import Array
from tierwise.clv.base import PurchaseModel
from tierwise.clv.value import distinct_rows


def _predict_holdout(model: PurchaseModel, data: pd.DataFrame) -> tuple[Array, Array]:
    rows, codes = distinct_rows(data)
    duration = float(data["duration_holdout"].iloc[0])
    expected = model.expected_purchases(duration, rows)[codes]
    p_alive = model.probability_alive(rows)[codes]
    return expected, p_alive


def _weights(data: pd.DataFrame) -> Array:
    """Customers per row: the ``weight`` column, else one."""
    if "weight" in data.columns:
        return data["weight"].to_numpy(dtype=float)
    return np.ones(len(data))


def holdout_metrics(model: PurchaseModel, data: pd.DataFrame) -> dict[str, float]:
    """MAE/RMSE of predicted vs actual holdout purchases, totals, and the Brier score of P(alive).

    The Brier score compares P(alive at the calibration end) with whether the customer
    bought in the holdout — the only observable sign of being alive; a customer alive but
    quiet counts as a miss for every model alike, so it ranks models fairly.
    """
    expected, p_alive = _predict_holdout(model, data)
    actual = data["frequency_holdout"].to_numpy(dtype=float)
    weight = _weights(data)
    customers = float(weight.sum())
    err = expected - actual
    bought = (actual > 0).astype(float)
    return {
        "customers": round(customers),
        "mae": float(np.sum(weight * np.abs(err)) / customers),
        "rmse": float(np.sqrt(np.sum(weight * err**2) / customers)),
        "predicted_total": float(np.sum(weight * expected)),
        "actual_total": float(np.sum(weight * actual)),
        "brier_p_alive": float(np.sum(weight * (p_alive - bought) ** 2) / customers),
    }


def calibration_by_frequency(
    model: PurchaseModel, data: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean actual vs predicted holdout purchases by calibration frequency (capped, ``7+``)."""
    expected, _ = _predict_holdout(model, data)
    capped = np.minimum(data["frequency"].to_numpy(dtype=int), max_frequency)
    weight = _weights(data)
    frame = pd.DataFrame(
        {
            "frequency": capped,
            "customers": weight,
            "actual": weight * data["frequency_holdout"].to_numpy(float),
            "predicted": weight * expected,
        }
    )
    out = frame.groupby("frequency", as_index=False).sum()
    out["actual"] = out["actual"] / out["customers"]
    out["predicted"] = out["predicted"] / out["customers"]
    out["customers"] = out["customers"].round().astype("int64")
    out["label"] = out["frequency"].astype(str)
    out.loc[out["frequency"] == max_frequency, "label"] = f"{max_frequency}+"
    return out


def tracking(
    model: PurchaseModel,
    cohorts: pd.DataFrame,
    actual: pd.DataFrame,
    periods: int,
    calibration_periods: float,
) -> pd.DataFrame:
    """Incremental and cumulative repeat purchases per period, actual vs the model.

    ``cohorts`` has ``birth`` (first purchase, in units since the origin) and
    ``customers``; ``actual`` has ``period`` and ``repeat_purchases``. The model's
    expectation for a cohort born at ``b`` by time ``t`` is ``E[X(t - b)]`` for a new
    customer, summed over cohorts.
    """
    ends = np.arange(1, periods + 1, dtype=float)
    births = cohorts["birth"].to_numpy(dtype=float)
    sizes = cohorts["customers"].to_numpy(dtype=float)
    ages = np.clip(ends[None, :] - births[:, None], 0.0, None)
    unique_ages, inverse = np.unique(ages, return_inverse=True)
    curve = np.where(unique_ages > 0, model.expected_purchases_new(unique_ages), 0.0)
    cumulative_pred = (curve[inverse.reshape(ages.shape)] * sizes[:, None]).sum(axis=0)
    counts = (
        actual.set_index("period")["repeat_purchases"].reindex(range(periods), fill_value=0)
    ).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "period": np.arange(periods),
            "actual_incremental": counts,
            "predicted_incremental": np.diff(np.concatenate([[0.0], cumulative_pred])),
            "actual_cumulative": np.cumsum(counts),
            "predicted_cumulative": cumulative_pred,
            "holdout": np.arange(periods) >= calibration_periods,
        }
    )


def frequency_recency_matrix(
    model: PurchaseModel, T: float, horizon: float, max_frequency: int = 20, recency_bins: int = 20
) -> pd.DataFrame:
    """Expected purchases in ``horizon`` and P(alive) on a frequency x recency grid at ``T``."""
    freq = np.arange(0, max_frequency + 1, dtype=float)
    rec = np.linspace(0.0, T, recency_bins + 1)
    f, r = np.meshgrid(freq, rec, indexing="ij")
    grid = pd.DataFrame({"frequency": f.ravel(), "recency": r.ravel(), "T": T})
    grid = grid[(grid["frequency"] > 0) | (grid["recency"] == 0)].reset_index(drop=True)
    grid["expected_purchases"] = model.expected_purchases(horizon, grid)
    grid["p_alive"] = model.probability_alive(grid)
    return grid
