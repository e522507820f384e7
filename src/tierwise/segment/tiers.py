"""Tiers: cut the strategic ranking by shares, score thresholds or maximum counts.

Customers are ordered by strategic score (ties: higher revenue first, then id), so a
tier is always a run of consecutive ranks and every customer gets exactly one tier.
The cut points are computed from a handful of counts, then applied in one expression.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tierwise.settings.segmentation import SegmentationSettings, TierRule


def tier_boundaries(
    n: int,
    rules: Sequence[TierRule],
    method: str,
    eligible: Sequence[int] | None = None,
) -> list[int]:
    """Cumulative last rank (1-based, inclusive) of each tier; the last tier ends at ``n``.

    ``eligible[i]`` is, for method ``thresholds``, how many customers score at or above
    tier ``i``'s ``min_score``. ``max_count`` caps any tier; the overflow falls to the
    next tier.
    """
    ends: list[int] = []
    prev = 0
    cum_share = 0.0
    for i, rule in enumerate(rules):
        if i == len(rules) - 1:
            ends.append(n)
            break
        if method == "quantiles":
            cum_share += rule.share or 0.0
            end = int(cum_share * n + 0.5)
        elif method == "thresholds":
            end = eligible[i] if eligible is not None else 0
        else:
            end = prev + (rule.max_count or 0)
        if rule.max_count is not None:
            end = min(end, prev + rule.max_count)
        end = max(prev, min(end, n))
        ends.append(end)
        prev = end
    return ends


def tiers_for_ranks(
    strategic_rank: np.ndarray, strategic_score: np.ndarray, settings: SegmentationSettings
) -> np.ndarray:
    """Tier names for customers given their strategic ranks and scores (NumPy, any size)."""
    rules = settings.tiers
    n = len(strategic_rank)
    eligible = (
        [int((strategic_score >= (r.min_score or 0.0)).sum()) for r in rules[:-1]]
        if settings.tier_method == "thresholds"
        else None
    )
    ends = np.asarray(tier_boundaries(n, rules, settings.tier_method, eligible))
    index = np.searchsorted(ends, strategic_rank, side="left")
    return np.asarray(settings.tier_names, dtype=object)[index]
