"""The lifetime-value section of the policy: which models, over what horizon, at what rate."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Candidate = Literal["bgnbd", "paretonbd", "mbgnbd"]


def _all_candidates() -> list[Candidate]:
    return ["bgnbd", "paretonbd", "mbgnbd"]


class ClvSettings(BaseModel):
    """How tierwise estimates each customer's future purchases and lifetime value."""

    model_config = ConfigDict(extra="forbid")

    time_unit: Literal["day", "week", "month"] = Field(
        "week",
        description=(
            "Unit in which the models measure time (a month is 365.25/12 days). "
            "Weeks suit most B2B order patterns; the predictions do not depend on it much."
        ),
    )
    merge_period: Literal["day", "week", "month"] = Field(
        "day",
        description=(
            "Orders by one customer within this calendar period count as one purchase "
            "(several invoices on one day are usually one buying decision)."
        ),
    )
    horizon_months: float = Field(
        12.0,
        gt=0,
        le=120,
        description="How far ahead expected purchases and CLV are projected, in months.",
    )
    annual_discount_rate: float = Field(
        0.10,
        ge=0,
        lt=1,
        description=(
            "Yearly rate at which future revenue is discounted in CLV (your cost of capital); "
            "converted to the model's time unit as (1 + rate)^(unit/year) - 1."
        ),
    )
    value: Literal["net", "margin", "revenue"] = Field(
        "net",
        description=(
            "What a future purchase is worth in CLV: 'net' = its gross margin minus the "
            "customer's cost-to-serve per unit of revenue (net profit, the default); "
            "'margin' = gross margin only; 'revenue' = the amount spent."
        ),
    )
    margin_rate: float | None = Field(
        None,
        gt=0,
        le=1,
        description=(
            "Gross margin rate used for 'net' and 'margin' CLV; empty: each customer's own "
            "margin rate in the window (the book's costs, else analysis.default_margin_rate)."
        ),
    )
    candidates: list[Candidate] = Field(
        default_factory=_all_candidates,
        min_length=1,
        description=(
            "Purchase models tried on the calibration period; the one with the lowest "
            "holdout error is used (bgnbd = BG/NBD, paretonbd = Pareto/NBD, mbgnbd = MBG/NBD)."
        ),
    )
    selection_metric: Literal["rmse", "mae"] = Field(
        "rmse",
        description=(
            "Holdout error used to pick the model: root mean squared (rmse) or mean "
            "absolute (mae) error of purchases per customer."
        ),
    )
    holdout_share: float = Field(
        0.33,
        gt=0,
        lt=0.9,
        description=(
            "Share of the purchase history (up to the as-of date) held out to test the "
            "candidate models, unless holdout_days is set."
        ),
    )
    holdout_days: int | None = Field(
        None,
        gt=0,
        description="Length of the holdout period in days; empty: holdout_share of the history.",
    )
    min_repeat_buyers: int = Field(
        30,
        ge=1,
        description=(
            "Fewest customers with a repeat purchase needed to fit a model; below it, a "
            "simple pooled-rate estimate is used and the run says so."
        ),
    )
