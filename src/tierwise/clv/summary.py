"""Per-customer (frequency, recency, T, monetary_value) from transactions, in the data engine.

Every step is an Ibis expression, so the same code runs on DuckDB or PySpark and nothing
is grouped in pandas. Conventions (the same as lifetimes, BTYD and PyMC-Marketing):

* **Purchases within one period are merged.** ``merge_period`` (default ``"day"``) is the
  calendar bucket inside which several order lines count as one purchase.
* **Returns** are netted inside their period. A period counts as a purchase when it holds
  at least one purchase line (``metrics.facts.is_purchase``: amount not negative, the
  one definition of a purchase; a free order counts); a period with only returns or
  credit notes is not a purchase and its amount is not spread onto other periods. A
  customer with only such periods does not appear.
* **Time** is measured in ``time_unit`` (day = 1, week = 7, month = 365.25/12 days), from
  the customer's first purchase period. ``recency`` is the time to the last purchase,
  ``T`` the time to the last period of the window (the one that holds ``end - 1 day``),
  so a purchase on the last day has ``recency == T``.
* ``frequency`` is the number of *repeat* purchase periods; ``monetary_value`` the mean
  net amount of the repeat periods (0 without repeats), as the Gamma-Gamma model needs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

import ibis
import ibis.expr.types as ir

from tierwise.errors import InputError
from tierwise.literals import calendar_day
from tierwise.metrics.facts import is_purchase

TimeUnit = Literal["day", "week", "month"]
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12.0}
_TRUNCATE = {"week": "W", "month": "M"}


def unit_days(time_unit: str) -> float:
    """Length of one time unit in days (a month is a twelfth of 365.25 days)."""
    try:
        return UNIT_DAYS[time_unit]
    except KeyError:
        raise InputError(
            f"time_unit '{time_unit}' is not supported; use one of {sorted(UNIT_DAYS)}"
        ) from None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _period_day(col: ir.Value, merge_period: str) -> ir.IntegerValue:
    """Epoch day of the start of the merge period holding ``col``."""
    day = col.cast("date")
    if merge_period == "day":
        return day.epoch_days()
    if merge_period not in _TRUNCATE:
        raise InputError(
            f"merge_period '{merge_period}' is not supported; use 'day', 'week' or 'month'"
        )
    return day.truncate(_TRUNCATE[merge_period]).epoch_days()


def _epoch_day(value: date, merge_period: str) -> ir.IntegerValue:
    return _period_day(calendar_day(value), merge_period)


def purchase_periods(
    transactions: ir.Table,
    start: date | datetime | None,
    end: date | datetime,
    merge_period: str = "day",
) -> ir.Table:
    """One row per customer and purchase period in ``[start, end)``.

    Columns ``customer_id, period, amount``.

    ``period`` is the epoch day of the period's start; ``amount`` is the net amount of the
    period; periods without a purchase line (only returns or credit notes) are dropped.
    """
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise InputError(
                f"transactions: column '{col}' is missing; found {list(transactions.columns)}"
            )
    t = transactions
    end_day = _day(end)
    t = t.filter(t.date.cast("date") < calendar_day(end_day))
    if start is not None:
        t = t.filter(t.date.cast("date") >= calendar_day(start))
    t = t.mutate(period=_period_day(t.date, merge_period))
    grouped = t.group_by(["customer_id", "period"]).aggregate(
        amount=t.amount.sum(), orders=is_purchase(t.amount).cast("int64").sum()
    )
    return grouped.filter(grouped.orders > 0).drop("orders")


def _periods(
    transactions: ir.Table,
    start: date | datetime | None,
    end: date | datetime,
    merge_period: str,
    periods: ir.Table | None,
) -> ir.Table:
    """Purchase periods in ``[start, end)``, from the lines or from precomputed day periods.

    ``periods`` is ``purchase_periods(transactions, None, end0, "day")`` for some
    ``end0 >= end``, typically cached in the engine. Day periods are exactly the lines'
    days, so filtering them equals filtering the lines. Longer merge periods would
    change at a boundary, so they are refused.
    """
    if periods is None:
        return purchase_periods(transactions, start, end, merge_period)
    if merge_period != "day":
        raise InputError(
            f"periods holds day periods, but merge_period is '{merge_period}'; "
            "pass periods only with merge_period='day'"
        )
    out = periods.filter(periods.period < _epoch_day(_day(end), "day"))
    if start is not None:
        out = out.filter(out.period >= _epoch_day(_day(start), "day"))
    return out


def summary_from_transactions(
    transactions: ir.Table,
    end: date | datetime,
    *,
    time_unit: TimeUnit = "week",
    merge_period: TimeUnit = "day",
    start: date | datetime | None = None,
    periods: ir.Table | None = None,
) -> ir.Table:
    """The model input table for purchases in ``[start, end)``, as a lazy Ibis table.

    Columns: ``customer_id, frequency, recency, T, monetary_value, first_purchase,
    total_value`` (``first_purchase`` is the date of the first purchase period and
    ``total_value`` the net amount of all purchase periods, the first included).
    """
    scale = unit_days(time_unit)
    periods = _periods(transactions, start, end, merge_period, periods)
    last_period = _epoch_day(_day(end) - timedelta(days=1), merge_period)
    per = periods.group_by("customer_id").aggregate(
        n=periods.period.count(),
        first=periods.period.min(),
        last=periods.period.max(),
        total=periods.amount.sum(),
        first_amount=periods.amount.argmin(periods.period),
    )
    repeats = per.n - 1
    return per.select(
        customer_id=per.customer_id,
        frequency=repeats.cast("int64"),
        recency=(per["last"] - per["first"]).cast("float64") / scale,
        T=(last_period - per["first"]).cast("float64") / scale,
        monetary_value=ibis.ifelse(
            repeats > 0, (per.total - per.first_amount) / repeats.cast("float64"), 0.0
        ),
        first_purchase=calendar_day(date(1970, 1, 1)) + per["first"].as_interval("D"),
        total_value=per.total,
    )


def calibration_and_holdout(
    transactions: ir.Table,
    calibration_end: date | datetime,
    observation_end: date | datetime,
    *,
    time_unit: TimeUnit = "week",
    merge_period: TimeUnit = "day",
    start: date | datetime | None = None,
    periods: ir.Table | None = None,
) -> ir.Table:
    """Calibration summary on ``[start, calibration_end)`` and holdout counts on the rest.

    Customers whose first purchase falls in the holdout are excluded: the models predict
    for customers already known at the calibration end. Adds ``frequency_holdout``
    (purchase periods in ``[calibration_end, observation_end)``), ``monetary_value_holdout``
    and ``duration_holdout`` (the holdout length in time units).
    """
    cal_day, obs_day = _day(calibration_end), _day(observation_end)
    if obs_day <= cal_day:
        raise InputError(
            f"observation_end {obs_day} must be after calibration_end {cal_day}; "
            "the holdout period would be empty"
        )
    cal = summary_from_transactions(
        transactions,
        cal_day,
        time_unit=time_unit,
        merge_period=merge_period,
        start=start,
        periods=periods,
    )
    hold = _periods(transactions, cal_day, obs_day, merge_period, periods)
    hold_sum = hold.group_by("customer_id").aggregate(
        frequency_holdout=hold.period.count(), monetary_value_holdout=hold.amount.mean()
    )
    joined = cal.left_join(hold_sum, cal.customer_id == hold_sum.customer_id)
    return joined.select(
        *[joined[c] for c in cal.columns],
        frequency_holdout=joined.frequency_holdout.fill_null(0).cast("int64"),
        monetary_value_holdout=joined.monetary_value_holdout.fill_null(0.0),
        duration_holdout=ibis.literal((obs_day - cal_day).days / unit_days(time_unit)),
    )


def repeat_purchases_by_period(
    transactions: ir.Table,
    origin: date,
    end: date | datetime,
    *,
    time_unit: TimeUnit = "week",
    merge_period: TimeUnit = "day",
    periods: ir.Table | None = None,
) -> ir.Table:
    """Repeat purchases per time unit since ``origin`` (the data for tracking plots).

    Columns: ``period`` (0-based index of the time unit), ``repeat_purchases`` and
    ``first_purchases`` (customers born in that period).
    """
    scale = unit_days(time_unit)
    periods = _periods(transactions, None, end, merge_period, periods)
    first = periods.group_by("customer_id").aggregate(first=periods.period.min())
    j = periods.inner_join(first, "customer_id")
    origin_day = _epoch_day(origin, "day")
    idx = ((j.period - origin_day).cast("float64") / scale).floor().cast("int64")
    j = j.mutate(idx=idx, is_first=(j.period == j["first"]).cast("int64"))
    return (
        j.group_by(j.idx)
        .aggregate(
            repeat_purchases=(1 - j.is_first).sum(),
            first_purchases=j.is_first.sum(),
        )
        .rename(period="idx")
        .order_by("period")
    )


def birth_cohorts(
    transactions: ir.Table,
    origin: date,
    end: date | datetime,
    *,
    time_unit: TimeUnit = "week",
    merge_period: TimeUnit = "day",
    periods: ir.Table | None = None,
) -> ir.Table:
    """Number of customers by first-purchase time (in units since ``origin``)."""
    scale = unit_days(time_unit)
    periods = _periods(transactions, None, end, merge_period, periods)
    first = periods.group_by("customer_id").aggregate(first=periods.period.min())
    origin_day = _epoch_day(origin, "day")
    first = first.mutate(birth=(first["first"] - origin_day).cast("float64") / scale)
    return first.group_by("birth").aggregate(customers=first.count()).order_by("birth")
