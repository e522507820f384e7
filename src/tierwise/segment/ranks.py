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
