"""The pipeline stage: fit candidates on a calibration period, pick by holdout error, score.

What the lead calls: ``lifetime_value(transactions, window, settings) -> ClvOutcome``.
The models use the whole purchase history before ``window.end`` (not only the analysis
window): lifetime value depends on how long a customer has been buying.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from tierwise.clv.base import ClvModel, PurchaseModel
from tierwise.clv.bgnbd import BetaGeoModel
from tierwise.clv.evaluation import (
    calibration_by_frequency,
    frequency_recency_matrix,
    holdout_metrics,
    tracking,
)
from tierwise.clv.gammagamma import GammaGammaModel
from tierwise.clv.mbgnbd import ModifiedBetaGeoModel
from tierwise.clv.paretonbd import ParetoNBDModel
from tierwise.clv.summary import (
    birth_cohorts,
    calibration_and_holdout,
    purchase_periods,
    repeat_purchases_by_period,
    summary_from_transactions,
    unit_days,
)
from tierwise.clv.value import customer_lifetime_value, horizon_units, per_unit_discount_rate
from tierwise.errors import InputError, ModelError
from tierwise.json_safe import json_safe
from tierwise.settings.clv import ClvSettings
from tierwise.window import Window

CANDIDATES: dict[str, type[PurchaseModel]] = {
    "bgnbd": BetaGeoModel,
    "paretonbd": ParetoNBDModel,
    "mbgnbd": ModifiedBetaGeoModel,
}
SCORE_COLUMNS = ["customer_id", "p_alive", "expected_purchases", "clv"]
NO_PURCHASE_REASON = (
    "no purchase before the as-of date (only returns or zero lines): P(alive), expected "
    "purchases and CLV are left blank, not 0"
)
VALUE_NOTE = {
    "net": "net value: each expected purchase is worth its expected spend times the "
    "customer's net margin rate in the window ((gross margin - cost-to-serve) / revenue); "
    "customers with no revenue in the window take the book's rate",
    "margin": "margin value: expected spend times the gross margin rate",
    "revenue": "revenue value: expected spend, before any cost",
}
FALLBACK_NOTE = (
    "pooled-rate estimate: every customer buys at the pooled repeat rate rho = "
    "sum(frequency)/sum(T); P(alive) = exp(-rho * (T - recency)), the chance of a gap at "
    "least this long if still buying; expected purchases = P(alive) * rho * horizon; "
    "CLV discounts them monthly and multiplies by the average purchase value"
)


@dataclass(frozen=True)
class ClvOutcome:
    """What the stage hands back to the pipeline.

    ``scores``: one row per customer with a transaction before ``window.end``:
    ``customer_id, p_alive, expected_purchases, clv``. ``summary``: JSON-ready facts for
    run.json. ``diagnostics``: tables for the report, written as details/<name>.parquet.
    """

    scores: pd.DataFrame
    summary: dict[str, Any]
    diagnostics: dict[str, pd.DataFrame] = field(default_factory=dict)


def _model_facts(model: ClvModel) -> dict[str, Any]:
    return {
        "params": dict(model.params_),
        "standard_errors": {k: json_safe(v) for k, v in model.standard_errors_.items()},
        "log_likelihood": json_safe(model.log_likelihood_),
        "aic": json_safe(model.aic_),
        "bic": json_safe(model.bic_),
        "converged": bool(getattr(model, "converged_", True)),
        "at_boundary": list(getattr(model, "boundary_", [])),
    }


def _spend(full: pd.DataFrame, settings: ClvSettings) -> tuple[np.ndarray, dict[str, Any]]:
    """Expected value of one future purchase per customer: Gamma-Gamma, else the average."""
    purchases = full["frequency"].to_numpy(float) + 1.0
    average = float(full["total_value"].sum() / purchases.sum())
    usable = full[(full["frequency"] > 0) & (full["monetary_value"] > 0)]
    reason = None
    if len(usable) >= settings.min_repeat_buyers:
        try:
            gg = GammaGammaModel().fit(usable[["frequency", "monetary_value"]])
            mean = gg.population_mean_spend()
            if not math.isfinite(mean):
                raise ModelError("gammagamma: q <= 1, the mean spend is infinite")
            own = full["monetary_value"].where(full["monetary_value"] > 0, 0.0)
            freq = full["frequency"].where(full["monetary_value"] > 0, 0)
            spend = gg.expected_spend(pd.DataFrame({"frequency": freq, "monetary_value": own}))
            return spend, {"model": "gammagamma", **_model_facts(gg), "population_mean": mean}
        except ModelError as exc:
            reason = str(exc)
    else:
        reason = (
            f"only {len(usable)} repeat buyer(s) with positive spend "
            f"(min_repeat_buyers = {settings.min_repeat_buyers})"
        )
    return np.full(len(full), average), {
        "model": "average_purchase_value",
        "value": average,
        "reason": reason,
    }


def _value_rates(
    full: pd.DataFrame, rates: pd.DataFrame | None, settings: ClvSettings
) -> tuple[np.ndarray, dict[str, Any]]:
    """Per customer of ``full``: the share of one purchase's spend that counts as value.

    ``rates`` holds each customer's window ``revenue``, ``gross_margin`` and
    ``net_profit`` (the profitability stage). 'net' takes ``net_profit / revenue`` (the
    gross margin rate, or ``margin_rate`` if set, minus cost-to-serve per unit of
    revenue); 'margin' the gross margin rate; 'revenue' 1. Customers with no revenue in
    the window take the book-wide rate of the customers who have.
    """
    n = len(full)
    if settings.value == "revenue":
        return np.ones(n), {"basis": "revenue", "note": VALUE_NOTE["revenue"]}
    if rates is None:
        rate = settings.margin_rate if settings.margin_rate is not None else 1.0
        return np.full(n, rate), {
            "basis": "margin" if settings.margin_rate is not None else "revenue",
            "note": "no profitability table was given to the stage: "
            + (VALUE_NOTE["margin"] if settings.margin_rate is not None else VALUE_NOTE["revenue"]),
        }
    table = full[["customer_id"]].merge(rates, on="customer_id", how="left")
    revenue = table["revenue"].to_numpy(float)
    margin = table["gross_margin"].to_numpy(float)
    net = table["net_profit"].to_numpy(float)
    cost = margin - net
    buying = np.isfinite(revenue) & (revenue > 0) & np.isfinite(margin) & np.isfinite(net)
    with np.errstate(divide="ignore", invalid="ignore"):
        own_margin = np.where(buying, margin / revenue, np.nan)
        own_cost = np.where(buying, cost / revenue, np.nan)
    total = float(revenue[buying].sum())
    book_margin = float(margin[buying].sum()) / total if total > 0 else 1.0
    book_cost = float(cost[buying].sum()) / total if total > 0 else 0.0
    margin_rate = (
        np.full(n, settings.margin_rate)
        if settings.margin_rate is not None
        else np.where(buying, own_margin, book_margin)
    )
    if settings.value == "margin":
        value = margin_rate
    else:
        value = margin_rate - np.where(buying, own_cost, book_cost)
    facts = {
        "basis": settings.value,
        "note": VALUE_NOTE[settings.value],
        "book_margin_rate": book_margin,
        "book_cost_to_serve_rate": book_cost,
        "customers_at_book_rate": int((~buying).sum()),
    }
    return value, facts


def _fallback_scores(full: pd.DataFrame, spend: np.ndarray, settings: ClvSettings) -> pd.DataFrame:
    """The documented pooled-rate estimate (see FALLBACK_NOTE)."""
    x = full["frequency"].to_numpy(float)
    big_t = full["T"].to_numpy(float)
    gap = big_t - full["recency"].to_numpy(float)
    total_t = float(big_t.sum())
    rho = float(x.sum()) / total_t if total_t > 0 else 0.0
    p_alive = np.exp(-rho * gap)
    horizon = horizon_units(settings.horizon_months, settings.time_unit)
    rate = per_unit_discount_rate(settings.annual_discount_rate, settings.time_unit)
    steps = max(1, math.ceil(settings.horizon_months - 1e-9))
    ends = np.linspace(0, horizon, steps + 1)[1:]
    discount = float(np.sum((horizon / steps) / (1 + rate) ** ends)) / horizon
    expected = p_alive * rho * horizon
    return pd.DataFrame(
        {
            "p_alive": p_alive,
            "expected_purchases": expected,
            "clv": expected * discount * spend,
        },
        index=full.index,
    )


def _model_values(
    model: PurchaseModel, full: pd.DataFrame, purchase_value: np.ndarray, settings: ClvSettings
) -> pd.DataFrame:
    """The model's scores for every customer; a model whose scores are not all finite is
    not usable (raises ``ModelError``, so the next candidate is tried)."""
    values = customer_lifetime_value(
        model,
        full,
        purchase_value,
        horizon_months=settings.horizon_months,
        annual_discount_rate=settings.annual_discount_rate,
        time_unit=settings.time_unit,
    )
    bad = ~np.isfinite(values.to_numpy(float)).all(axis=1)
    if bad.any():
        raise ModelError(
            f"{model.model_type}: predictions are not finite for {int(bad.sum())} of "
            f"{len(values)} customer(s) at {model!r}; the model is not used"
        )
    return values


def _all_customers(transactions: ir.Table, end: date) -> pd.Series:
    t = transactions.filter(transactions.date.cast("date") < end)
    ids = t.select(customer_id=t.customer_id.cast("string")).distinct().to_pandas()
    return ids["customer_id"]


def lifetime_value(
    transactions: ir.Table,
    window: Window,
    settings: ClvSettings,
    value_rates: pd.DataFrame | None = None,
) -> ClvOutcome:
    """Fit, select, refit and score; fall back to a simple estimate when data is too thin.

    ``value_rates`` (``customer_id, revenue, gross_margin, net_profit`` in the window)
    turns expected spend into the money CLV counts (``settings.value``); without it CLV
    is revenue, or margin at ``settings.margin_rate``, and the summary says which.
    """
    missing = [c for c in ("customer_id", "date", "amount") if c not in transactions.columns]
    if missing:
        raise InputError(f"transactions: column(s) {missing} missing; found {transactions.columns}")
    tx = transactions.mutate(customer_id=transactions.customer_id.cast("string"))
    if settings.merge_period != "day":
        return _lifetime_value(tx, window, settings, None, value_rates)
    # every summary below starts from the same purchase days: build them once, in the engine
    periods = purchase_periods(tx, None, window.end, "day").cache()
    try:
        return _lifetime_value(tx, window, settings, periods, value_rates)
    finally:
        periods.release()


def _lifetime_value(
    tx: ir.Table,
    window: Window,
    settings: ClvSettings,
    periods: ir.Table | None,
    value_rates: pd.DataFrame | None,
) -> ClvOutcome:
    """The stage; ``periods`` holds the cached purchase days when merging by day."""
    end = window.end
    unit = settings.time_unit
    opts: dict[str, Any] = {
        "time_unit": unit,
        "merge_period": settings.merge_period,
        "periods": periods,
    }
    full = summary_from_transactions(tx, end, **opts).to_pandas()
    summary: dict[str, Any] = {
        "time_unit": unit,
        "time_unit_days": unit_days(unit),
        "merge_period": settings.merge_period,
        "horizon_months": settings.horizon_months,
        "horizon_units": horizon_units(settings.horizon_months, unit),
        "annual_discount_rate": settings.annual_discount_rate,
        "discount_rate_per_unit": per_unit_discount_rate(settings.annual_discount_rate, unit),
        "margin_rate": settings.margin_rate,
        "value_basis": settings.value,
        "customers": len(full),
        "repeat_buyers": int((full["frequency"] > 0).sum()),
    }
    diagnostics: dict[str, pd.DataFrame] = {}
    everyone = _all_customers(tx, end)
    if len(full) == 0:
        summary.update(chosen=None, model_used=None, fallback="none", reason=NO_PURCHASE_REASON)
        scores = pd.DataFrame({"customer_id": everyone, "p_alive": np.nan})
        scores["expected_purchases"] = np.nan
        scores["clv"] = np.nan
        summary["customers_without_purchases"] = len(scores)
        return ClvOutcome(scores[SCORE_COLUMNS], summary, diagnostics)

    spend, spend_facts = _spend(full, settings)
    summary["spend"] = spend_facts
    value_share, summary["value"] = _value_rates(full, value_rates, settings)
    purchase_value = spend * value_share
    origin = pd.Timestamp(full["first_purchase"].min()).date()
    history_days = (end - origin).days
    holdout_days = settings.holdout_days or round(settings.holdout_share * history_days)
    cal_end = end - timedelta(days=holdout_days)
    summary["calibration_end"] = cal_end.isoformat()
    summary["holdout_days"] = holdout_days

    chosen: PurchaseModel | None = None
    candidates: list[dict[str, Any]] = []
    cal: pd.DataFrame | None = None
    fitted_cal: dict[str, PurchaseModel] = {}
    reason = None
    if summary["repeat_buyers"] < settings.min_repeat_buyers:
        reason = (
            f"only {summary['repeat_buyers']} customer(s) made a repeat purchase; a model needs "
            f"at least {settings.min_repeat_buyers} (clv.min_repeat_buyers)"
        )
    else:
        if cal_end > origin:
            cal = calibration_and_holdout(tx, cal_end, end, **opts).to_pandas()
        cal_repeaters = int((cal["frequency"] > 0).sum()) if cal is not None else 0
        holdout_ok = cal is not None and cal_repeaters >= settings.min_repeat_buyers
        summary["selection"] = (
            f"lowest holdout {settings.selection_metric}"
            if holdout_ok
            else "lowest BIC on all data"
        )
        for name in settings.candidates:
            entry: dict[str, Any] = {"model": name}
            try:
                if holdout_ok:
                    assert cal is not None
                    m = CANDIDATES[name]().fit(cal)
                    fitted_cal[name] = m
                    entry["calibration"] = _model_facts(m)
                    entry["holdout"] = holdout_metrics(m, cal)
                    entry["score"] = entry["holdout"][settings.selection_metric]
                else:
                    m = CANDIDATES[name]().fit(full)
                    entry["calibration"] = _model_facts(m)
                    entry["score"] = m.bic_
                if not math.isfinite(entry["score"]):
                    del entry["score"]
                    entry["error"] = (
                        f"{name}: predictions are not finite for some customers "
                        f"({settings.selection_metric if holdout_ok else 'BIC'} is undefined); "
                        "the model is not used"
                    )
                if "holdout" in entry:
                    entry["holdout"] = {k: json_safe(v) for k, v in entry["holdout"].items()}
            except ModelError as exc:
                entry["error"] = str(exc)
            candidates.append(entry)
        ranked = sorted(
            (c for c in candidates if "score" in c),
            key=lambda c: c["score"],
        )
        errors = []
        for entry in ranked:
            try:
                model = CANDIDATES[entry["model"]]().fit(full)
                scored = _model_values(model, full, purchase_value, settings)
            except ModelError as exc:
                entry["error"] = str(exc)
                errors.append(f"{entry['model']}: {exc}")
                continue
            chosen, values = model, scored
            summary["chosen"] = {"model": entry["model"], **_model_facts(model)}
            break
        if chosen is None:
            reason = "no candidate model could be used: " + "; ".join(
                [c.get("error", "") for c in candidates if "error" in c and c not in ranked]
                + errors
            )
    summary["candidates"] = candidates

    if chosen is None:
        summary.update(
            chosen=None,
            model_used="pooled_rate",
            fallback="pooled_rate",
            reason=reason,
            method=FALLBACK_NOTE,
        )
        values = _fallback_scores(full, purchase_value, settings)
    else:
        summary["fallback"] = None
        name = summary["chosen"]["model"]
        summary["model_used"] = name
        big_t = float(full["T"].max())
        diagnostics["clv_frequency_recency"] = frequency_recency_matrix(
            chosen, big_t, horizon_units(settings.horizon_months, unit)
        )
        if name in fitted_cal and cal is not None:
            cal_model = fitted_cal[name]
            diagnostics["clv_calibration"] = calibration_by_frequency(cal_model, cal)
            periods = math.ceil(history_days / unit_days(unit))
            actual = repeat_purchases_by_period(tx, origin, end, **opts).to_pandas()
            cohorts = birth_cohorts(tx, origin, cal_end, **opts).to_pandas()
            diagnostics["clv_tracking"] = tracking(
                cal_model, cohorts, actual, periods, (cal_end - origin).days / unit_days(unit)
            )
    if candidates:
        diagnostics["clv_candidates"] = pd.DataFrame(
            [
                {
                    "model": c["model"],
                    "chosen": bool(summary.get("chosen"))
                    and c["model"] == summary["chosen"]["model"],
                    "log_likelihood": c.get("calibration", {}).get("log_likelihood"),
                    **{k: v for k, v in c.get("holdout", {}).items()},
                    "error": c.get("error"),
                }
                for c in candidates
            ]
        )

    scored = pd.concat([full[["customer_id"]], values], axis=1)
    scores = pd.DataFrame({"customer_id": everyone}).merge(scored, on="customer_id", how="left")
    # customers with no purchase keep blank predictions: unknown is not zero
    summary["customers_without_purchases"] = int(scores["p_alive"].isna().sum())
    if summary["customers_without_purchases"]:
        summary["blank_reason"] = NO_PURCHASE_REASON
    scores = scores.sort_values("customer_id", ignore_index=True)
    return ClvOutcome(scores[SCORE_COLUMNS], summary, diagnostics)
