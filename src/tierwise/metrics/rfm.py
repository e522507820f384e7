"""R/F/M scores (1-5, 5 best) and the customary readable segments.

Scores come from each customer's mid-rank percentile: tied customers share the band of
their average rank rather than all taking the lowest one, so a book where most customers
bought once does not leave the middle bands empty by construction. The split is the same
on every engine. Segments follow the widely used R × FM grid (Champions, Loyal,
Potential Loyalist, New, Promising, Need Attention, About to Sleep, At Risk, Can't Lose
Them, Hibernating, Lost); the policy can redraw its bounds.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tierwise.settings.rfm import RfmSettings


def _band(rank: ir.FloatingValue) -> ir.IntegerValue:
    """Percentile 0..1 -> score 1..5 (quintiles)."""
    return (rank * 5).floor().clip(upper=4).cast("int64") + 1


def _midrank(value: ir.NumericValue, group: ir.Value | None = None) -> ir.FloatingValue:
    """Mid-rank percentile within ``group``: ``(count below + count at or below) / (2 n)``.

    Every tie gets the percentile of its average rank, so a block of equal values sits
    in the band its middle falls in, not in the band of its lowest member.
    """
    by = [] if group is None else [group]
    w = ibis.window(group_by=by, order_by=value)
    n = value.count().over(ibis.window(group_by=by))
    below = ibis.rank().over(w)  # 0-based minimum rank = count strictly below
    at_or_below = ibis.cume_dist().over(w) * n
    return (below + at_or_below) / (2.0 * n)


def _score(value: ir.NumericValue, *, higher_is_better: bool) -> ir.IntegerValue:
    order = value if higher_is_better else -value
    return _band(_midrank(order))


def rfm_scores(facts: ir.Table, settings: RfmSettings | None = None) -> ir.Table:
    """Add ``r_score, f_score, m_score, rfm_score ("545") and rfm_segment`` to customer facts.

    Customers who never bought get null scores and the segment "No purchases"; those with
    no order in the window score 1 on F and M.
    """
    settings = settings or RfmSettings()
    bought = facts.filter(facts.last_purchase.notnull())
    never = facts.filter(facts.last_purchase.isnull())
    active = bought.frequency > 0
    # F and M are ranked among customers who bought in the window; the others score 1
    f_rank = _midrank(bought.frequency, active)
    m_rank = _midrank(bought.monetary, active)
    scored = bought.mutate(
        r_score=_score(bought.recency_days, higher_is_better=False),
        f_score=ibis.ifelse(active, _band(f_rank), 1),
        m_score=ibis.ifelse(active, _band(m_rank), 1),
    )
    fm = ((scored.f_score + scored.m_score) / 2.0 + 0.01).round(0).cast("int64")
    segment = ibis.cases(
        *[
            (
                scored.r_score.between(rule.recency[0], rule.recency[1])
                & fm.between(rule.frequency_monetary[0], rule.frequency_monetary[1]),
                ibis.literal(rule.name),
            )
            for rule in settings.segments
        ],
        else_=ibis.literal("Other"),
    )
    scored = scored.mutate(
        rfm_score=scored.r_score.cast("string").concat(
            scored.f_score.cast("string"), scored.m_score.cast("string")
        ),
        rfm_segment=segment,
    )
    missing = never.mutate(
        r_score=ibis.null("int64"),
        f_score=ibis.null("int64"),
        m_score=ibis.null("int64"),
        rfm_score=ibis.null("string"),
        rfm_segment=ibis.literal("No purchases"),
    )
    return scored.union(missing.select(*scored.columns))
