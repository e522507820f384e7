"""The pipeline stage: fit candidates on a calibration period, pick by holdout error, score.

What the lead calls: ``lifetime_value(transactions, window, settings) -> ClvOutcome``.
The models use the whole purchase history before ``window.end`` (not only the analysis
window): lifetime value depends on how long a customer has been buying.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from tierwise.clv.base import ClvModel, PurchaseModel
from tierwise.clv.bgnbd import BetaGeoModel
from tierwise.clv.customer_values import (
    book_rates,
    customer_scores,
    distinct_histories,
    purchase_value,
)
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
from tierwise.clv.value import (
    distinct_rows,
    history_values,
    horizon_units,
    per_unit_discount_rate,
)
from tierwise.engine import drop_relation, keep, materialise, release
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

    ``table``: in the engine, one row per customer with a transaction before
    ``window.end``: ``customer_id, p_alive, expected_purchases, clv``; ``release()``
    drops it once joined onto the scorecard. ``scores`` is the same as pandas (for tests
    and notebooks). ``summary``: JSON-ready facts for run.json. ``diagnostics``: tables
    for the report, written as details/<name>.parquet.
    """

    table: ir.Table
    summary: dict[str, Any]
    diagnostics: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def scores(self) -> pd.DataFrame:
        """The scores as pandas, by customer id (runs a query on the engine's table)."""
        return self.table.order_by("customer_id").to_pandas()[SCORE_COLUMNS]

    def release(self) -> None:
        """Drop the scores table from the engine."""
        release(self.table)


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


def _spend(
    full: ir.Table, customers: dict[str, Any], settings: ClvSettings
) -> tuple[dict[str, float], dict[str, Any]]:
    """Expected value of one future purchase: Gamma-Gamma, else the average purchase.

    Returns the numbers ``customer_values.purchase_value`` turns into each customer's
    spend, and the facts for run.json. Gamma-Gamma is fitted on the repeat buyers'
    distinct (frequency, mean spend) pairs with their counts.
    """
    average = customers["total_value"] / customers["purchases"]
    usable = full.filter((full.frequency > 0) & (full.monetary_value > 0))
    pairs = (
        usable.group_by(["frequency", "monetary_value"])
        .aggregate(weight=usable.count())
        .order_by(["frequency", "monetary_value"])
        .to_pandas()
    )
    buyers = int(pairs["weight"].sum())
    reason = None
    if buyers >= settings.min_repeat_buyers:
        try:
            gg = GammaGammaModel().fit(pairs)
            mean = gg.population_mean_spend()
            if not math.isfinite(mean):
                raise ModelError("gammagamma: q <= 1, the mean spend is infinite")
            p, q, gamma = (gg.params_[k] for k in gg.param_names)
            return {"gg_p": p, "gg_q": q, "gg_gamma": gamma}, {
                "model": "gammagamma",
                **_model_facts(gg),
                "population_mean": mean,
            }
        except ModelError as exc:
            reason = str(exc)
    else:
        reason = (
            f"only {buyers} repeat buyer(s) with positive spend "
            f"(min_repeat_buyers = {settings.min_repeat_buyers})"
        )
    return {"average_spend": average}, {
        "model": "average_purchase_value",
        "value": average,
        "reason": reason,
    }


def _value_facts(full: ir.Table, rates: ir.Table | None, settings: ClvSettings) -> dict[str, Any]:
    """What share of one purchase's spend counts as value, for run.json.

    ``rates`` holds each customer's window ``revenue``, ``gross_margin`` and
    ``net_profit`` (the profitability stage). 'net' takes ``net_profit / revenue`` (the
    gross margin rate, or ``margin_rate`` if set, minus cost-to-serve per unit of
    revenue); 'margin' the gross margin rate; 'revenue' 1. Customers with no revenue in
    the window take the book-wide rate of the customers who have.
    """
    if settings.value == "revenue":
        return {"basis": "revenue", "note": VALUE_NOTE["revenue"]}
    if rates is None:
        return {
            "basis": "margin" if settings.margin_rate is not None else "revenue",
            "note": "no profitability table was given to the stage: "
            + (VALUE_NOTE["margin"] if settings.margin_rate is not None else VALUE_NOTE["revenue"]),
        }
    return {"basis": settings.value, "note": VALUE_NOTE[settings.value], **book_rates(full, rates)}


def _fallback_values(
    histories: pd.DataFrame, customers: dict[str, Any], settings: ClvSettings
) -> pd.DataFrame:
    """The documented pooled-rate estimate (see FALLBACK_NOTE), per distinct history;
    ``value`` is the discounted expected purchases, to multiply by the purchase value."""
    big_t = histories["T"].to_numpy(float)
    gap = big_t - histories["recency"].to_numpy(float)
    total_t = customers["T_sum"]
    rho = customers["frequency_sum"] / total_t if total_t > 0 else 0.0
    p_alive = np.exp(-rho * gap)
    horizon = horizon_units(settings.horizon_months, settings.time_unit)
    rate = per_unit_discount_rate(settings.annual_discount_rate, settings.time_unit)
    steps = max(1, math.ceil(settings.horizon_months - 1e-9))
    ends = np.linspace(0, horizon, steps + 1)[1:]
    discount = float(np.sum((horizon / steps) / (1 + rate) ** ends)) / horizon
    expected = p_alive * rho * horizon
    return histories.assign(p_alive=p_alive, expected_purchases=expected, value=expected * discount)


def _model_values(
    model: PurchaseModel, histories: pd.DataFrame, settings: ClvSettings
) -> pd.DataFrame:
    """The model's values for every distinct history; a model whose values are not all
    finite is not usable (raises ``ModelError``, so the next candidate is tried)."""
    rows, codes = distinct_rows(histories)
    values = history_values(
        model,
        rows,
        horizon_months=settings.horizon_months,
        annual_discount_rate=settings.annual_discount_rate,
        time_unit=settings.time_unit,
    ).iloc[codes]
    values.index = histories.index
    bad = ~np.isfinite(values.to_numpy(float)).all(axis=1)
    if bad.any():
        weight = histories["weight"].to_numpy(float)
        raise ModelError(
            f"{model.model_type}: predictions are not finite for {round(weight[bad].sum())} "
            f"of {round(weight.sum())} customer(s) at {model!r}; the model is not used"
        )
    return pd.concat([histories, values], axis=1)


def _all_customers(transactions: ir.Table, end: date) -> ir.Table:
    t = transactions.filter(transactions.date.cast("date") < end)
    return t.select(customer_id=t.customer_id.cast("string")).distinct()


def _customer_facts(full: ir.Table) -> dict[str, Any]:
    """Book-wide figures of the summary, in one query."""
    row = (
        full.aggregate(
            customers=full.count(),
            repeat_buyers=(full.frequency > 0).cast("int64").sum(),
            origin=full.first_purchase.min(),
            T_max=full["T"].max(),
            T_sum=full["T"].sum(),
            frequency_sum=full.frequency.sum(),
            total_value=full.total_value.sum(),
            purchases=(full.frequency + 1).sum(),
        )
        .to_pandas()
        .iloc[0]
    )
    return {
        "customers": int(row["customers"]),
        "repeat_buyers": int(row["repeat_buyers"] or 0),
        "origin": pd.Timestamp(row["origin"]).date() if pd.notna(row["origin"]) else None,
        "T_max": float(row["T_max"] or 0.0),
        "T_sum": float(row["T_sum"] or 0.0),
        "frequency_sum": float(row["frequency_sum"] or 0.0),
        "total_value": float(row["total_value"] or 0.0),
        "purchases": float(row["purchases"] or 0.0),
    }


_RUN_TABLES = itertools.count(1)


def lifetime_value(
    transactions: ir.Table,
    window: Window,
    settings: ClvSettings,
    value_rates: ir.Table | pd.DataFrame | None = None,
) -> ClvOutcome:
    """Fit, select, refit and score; fall back to a simple estimate when data is too thin.

    ``value_rates`` (``customer_id, revenue, gross_margin, net_profit`` in the window)
    turns expected spend into the money CLV counts (``settings.value``); without it CLV
    is revenue, or margin at ``settings.margin_rate``, and the summary says which.

    Per-customer tables stay in the engine: the driver receives the distinct histories
    with their counts (``customer_values``), the repeat buyers' distinct (frequency,
    mean spend) pairs for Gamma-Gamma, and small per-period tables for the diagnostics.
    """
    missing = [c for c in ("customer_id", "date", "amount") if c not in transactions.columns]
    if missing:
        raise InputError(f"transactions: column(s) {missing} missing; found {transactions.columns}")
    tx = transactions.mutate(customer_id=transactions.customer_id.cast("string"))
    rates = ibis.memtable(value_rates) if isinstance(value_rates, pd.DataFrame) else value_rates
    if settings.merge_period != "day":
        return _lifetime_value(tx, window, settings, None, rates)
    # every summary below starts from the same purchase days: build them once, in the engine
    periods = keep(purchase_periods(tx, None, window.end, "day"))
    try:
        return _lifetime_value(tx, window, settings, periods, rates)
    finally:
        release(periods)


def _lifetime_value(
    tx: ir.Table,
    window: Window,
    settings: ClvSettings,
    periods: ir.Table | None,
    rates: ir.Table | None,
) -> ClvOutcome:
    """The stage; ``periods`` holds the cached purchase days when merging by day."""
    con = tx._find_backend(use_default=True)
    run = next(_RUN_TABLES)
    opts: dict[str, Any] = {
        "time_unit": settings.time_unit,
        "merge_period": settings.merge_period,
        "periods": periods,
    }
    full_name = f"tw_clv_summary_{run}"
    full = materialise(con, full_name, summary_from_transactions(tx, window.end, **opts))
    try:
        summary, diagnostics, values, worth = _fit_and_value(
            tx, full, window, settings, opts, rates
        )
        scores = materialise(
            con,
            f"tw_clv_scores_{run}",
            customer_scores(_all_customers(tx, window.end), full, values, worth),
        )
        # customers with no purchase keep blank predictions: unknown is not zero. Counted
        # before the summary is dropped, so Spark fills its cached scores from it.
        blank = int(scores.p_alive.isnull().cast("int64").sum().to_pandas() or 0)
    finally:
        drop_relation(con, full_name)
    summary["customers_without_purchases"] = blank
    if blank and values is not None:
        summary["blank_reason"] = NO_PURCHASE_REASON
    return ClvOutcome(scores, summary, diagnostics)


def _fit_and_value(
    tx: ir.Table,
    full: ir.Table,
    window: Window,
    settings: ClvSettings,
    opts: dict[str, Any],
    rates: ir.Table | None,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame], pd.DataFrame | None, ir.Table | None]:
    """Fit the candidates, choose one, and value every distinct history.

    Returns the summary, the diagnostics, the values per history (``p_alive,
    expected_purchases, value``) and each customer's purchase value (a table in the
    engine); the last two are None when no customer bought.
    """
    end = window.end
    unit = settings.time_unit
    customers = _customer_facts(full)
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
        "customers": customers["customers"],
        "repeat_buyers": customers["repeat_buyers"],
    }
    diagnostics: dict[str, pd.DataFrame] = {}
    if customers["customers"] == 0:
        summary.update(chosen=None, model_used=None, fallback="none", reason=NO_PURCHASE_REASON)
        return summary, diagnostics, None, None

    spend, summary["spend"] = _spend(full, customers, settings)
    summary["value"] = _value_facts(full, rates, settings)
    worth = purchase_value(full, rates, settings, spend, summary["value"])
    histories = distinct_histories(full)
    origin = customers["origin"]
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
            cal = distinct_histories(
                calibration_and_holdout(tx, cal_end, end, **opts),
                extra=("frequency_holdout", "duration_holdout"),
            )
        cal_repeaters = (
            round(cal.loc[cal["frequency"] > 0, "weight"].sum()) if cal is not None else 0
        )
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
                    m = CANDIDATES[name]().fit(histories)
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
                model = CANDIDATES[entry["model"]]().fit(histories)
                scored = _model_values(model, histories, settings)
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
        values = _fallback_values(histories, customers, settings)
    else:
        summary["fallback"] = None
        name = summary["chosen"]["model"]
        summary["model_used"] = name
        diagnostics["clv_frequency_recency"] = frequency_recency_matrix(
            chosen, customers["T_max"], horizon_units(settings.horizon_months, unit)
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
    return summary, diagnostics, values, worth
