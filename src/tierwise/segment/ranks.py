"""Skew-robust 0..1 scales: mid-rank percentiles and piecewise-linear anchors.

Customer values are heavily skewed (a few accounts make most of the revenue), so raw
means and min-max scaling let one whale flatten everyone else. Every index part is
either a percentile rank or a piecewise-linear map through a documented anchor point.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def clip01(x: ir.NumericValue) -> ir.FloatingValue:
    """``x`` limited to 0..1."""
    return x.cast("float64").clip(lower=0.0, upper=1.0)


def midrank(x: ir.NumericColumn) -> ir.FloatingColumn:
    """Mid-distribution percentile of ``x`` among the non-null values, null where ``x`` is null.

    ``(count below + count at or below) / (2 n)``: ties share one value, a book of one
    customer gets 0.5, and the order of the values is kept exactly.
    """
    present = x.notnull()
    w = ibis.window(group_by=present, order_by=x)
    n = x.count().over(ibis.window(group_by=present))
    below = ibis.rank().over(w)  # 0-based minimum rank = count strictly below
    at_or_below = ibis.cume_dist().over(w) * n
    return ibis.ifelse(present, (below + at_or_below) / (2.0 * n), ibis.null("float64"))


def signed_midrank(x: ir.NumericColumn) -> ir.FloatingColumn:
    """Percentile that keeps the sign: positives map to (0.5, 1], zero and negatives to [0, 0.5).

    Used where zero is the natural anchor (net profit, lifetime value): a loss maker
    never scores as "good" however the rest of the book looks.
    """
    positive = x > 0
    w = ibis.window(group_by=[x.notnull(), positive], order_by=x)
    n = x.count().over(ibis.window(group_by=[x.notnull(), positive]))
    below = ibis.rank().over(w)
    at_or_below = ibis.cume_dist().over(w) * n
    within = (below + at_or_below) / (2.0 * n)
    return ibis.cases(
        (x.isnull(), ibis.null("float64")),
        (positive, 0.5 + 0.5 * within),
        else_=0.5 * within,
    )


def anchored(x: ir.NumericValue, *, low: float, neutral: float, high: float) -> ir.FloatingValue:
    """Piecewise-linear map: ``low`` → 0, ``neutral`` → 0.5, ``high`` → 1, clipped outside."""
    x = x.cast("float64")
    below = 0.5 * (x - low) / (neutral - low)
    above = 0.5 + 0.5 * (x - neutral) / (high - neutral)
    return clip01(ibis.ifelse(x < neutral, below, above))


def saturating(x: ir.NumericValue, *, neutral: float) -> ir.FloatingValue:
    """Map 0..∞ onto 0..1, ``neutral`` → 0.5: ``0.5·x/neutral`` below,
    ``1 − 0.5·neutral/x`` above.

    Used for outcomes per unit of spend.
    """
    x = x.cast("float64").clip(lower=0.0)
    return ibis.ifelse(x < neutral, 0.5 * x / neutral, 1.0 - 0.5 * neutral / x)


def decaying(x: ir.NumericValue, *, neutral: float) -> ir.FloatingValue:
    """Map 0..∞ onto 1..0, ``neutral`` → 0.5: ``1 / (1 + x / neutral)`` (counts of bad events)."""
    return 1.0 / (1.0 + x.cast("float64").clip(lower=0.0) / neutral)


def weighted_mean(parts: dict[str, tuple[ir.FloatingValue, float]]) -> ir.FloatingValue:
    """Weighted mean over the parts that are not null; null where every part is null."""
    num: ir.FloatingValue = ibis.literal(0.0)
    den: ir.FloatingValue = ibis.literal(0.0)
    for value, weight in parts.values():
        if weight <= 0:
            continue
        num = num + value.fill_null(0.0) * weight
        den = den + ibis.ifelse(value.isnull(), 0.0, weight)
    return ibis.ifelse(den > 0, num / den, ibis.null("float64"))
