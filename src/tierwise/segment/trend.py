"""Relationship trend: each customer's recent behaviour against its own history.

Five pieces of evidence, each on -1 (worse) .. +1 (better), none of them compared with
other customers:

- spend: spend rate in the recent period against the earlier period,
  ``(recent - earlier) / (recent + earlier)``. The recent period stretches to two of
  the customer's usual gaps between orders (at most twice ``recent_days``), so a
  quarterly buyer is not read as lapsing after one quiet month;
- rhythm: days since the last order in usual gaps; from ``overdue_start`` gaps it pulls
  down, fully at ``overdue_full``;
- P(alive) below ``p_alive_low`` pulls down;
- satisfaction: mean recent survey score (0..1) against the earlier mean;
- complaints: ``(expected - seen) / (expected + seen + 1)``, expected = the recent
  period's complaints at the earlier rate.

The trend score is their weighted mean over the evidence present; at or beyond
``± threshold`` it reads ``improving`` or ``deteriorating``, else ``stable``.
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir

from tierwise.policy.segmentation import TrendSettings, ValueIndexSettings
from tierwise.segment.engagement import _ts
from tierwise.segment.ranks import anchored, weighted_mean
from tierwise.window import Window

DAY = 86400.0
TREND_PARTS = ("spend", "rhythm", "p_alive", "satisfaction", "complaints")


def order_stats(transactions: ir.Table, window: Window) -> ir.Table:
    """Per customer: first and last order time (epoch seconds) and distinct orders before as-of.

    The only full scan of the transactions the trend needs. The stage materialises it
    (``Table.cache``) so that the spend pass reads a small per-customer table instead of
    recomputing the distinct-order count inside every join that uses it.
    """
    tx = transactions.filter(transactions.date < _ts(window.end))
    at = tx.date.epoch_seconds().cast("float64")
    return tx.group_by("customer_id").aggregate(
        first_at=at.min(),
        last_at=at.max(),
        n_orders=tx.order_id.nunique(),
    )


def _spend_and_rhythm(
    transactions: ir.Table,
    orders: ir.Table,
    settings: TrendSettings,
    window: Window,
) -> ir.Table:
    end_s = _ts(window.end).epoch_seconds()
    gap = ibis.ifelse(
        orders.n_orders >= 2,
        (orders.last_at - orders.first_at) / DAY / (orders.n_orders - 1),
        ibis.null("float64"),
    )
    recent_len = ibis.greatest(settings.recent_days * 1.0, 2.0 * gap.fill_null(0.0)).clip(
        upper=2.0 * settings.recent_days
    )
    stats = orders.mutate(gap_days=gap, recent_len=recent_len)
    stats = stats.mutate(
        recent_start=end_s - stats.recent_len * DAY,
        base_start=end_s - (stats.recent_len + settings.baseline_days) * DAY,
    )
    # Only the last (2 x recent_days + baseline_days) can fall in either period: the
    # recent period is at most twice recent_days long. Older rows would add zeros.
    reach = 2 * settings.recent_days + settings.baseline_days
    tx = transactions.filter(
        (transactions.date < _ts(window.end))
        & (transactions.date >= _ts(window.end - timedelta(days=reach)))
    )
    tx = tx.select("customer_id", "amount", at=tx.date.epoch_seconds().cast("float64"))
    j = tx.join(stats.select("customer_id", "recent_start", "base_start"), "customer_id")
    amount = j.amount.cast("float64")
    sums = j.group_by("customer_id").aggregate(
        recent_amount=ibis.ifelse(j.at >= j.recent_start, amount, 0.0).sum(),
        base_amount=ibis.ifelse(
            (j.at >= j.base_start) & (j.at < j.recent_start), amount, 0.0
        ).sum(),
    )
    s = stats.left_join(sums, "customer_id").select(
        stats,
        recent_amount=sums.recent_amount.fill_null(0.0),
        base_amount=sums.base_amount.fill_null(0.0),
    )
    base_days = (s.recent_start - ibis.greatest(s.first_at, s.base_start)) / DAY
    recent_rate = s.recent_amount.clip(lower=0.0) / s.recent_len
    base_rate = s.base_amount.clip(lower=0.0) / base_days
    spend = ibis.ifelse(
        (s.n_orders >= 2)
        & (base_days >= ibis.greatest(30.0, s.gap_days))
        & ((recent_rate + base_rate) > 0),
        (recent_rate - base_rate) / (recent_rate + base_rate),
        ibis.null("float64"),
    )
    overdue = (end_s - s.last_at) / DAY / s.gap_days
    span = settings.overdue_full - settings.overdue_start
    rhythm = -((overdue - settings.overdue_start) / span).clip(lower=0.0, upper=1.0)
    return s.select(
        "customer_id",
        trend_spend=spend,
        trend_rhythm=ibis.ifelse(s.gap_days > 0, rhythm, ibis.null("float64")),
        trend_overdue=ibis.ifelse(s.gap_days > 0, overdue, ibis.null("float64")),
    )


def _signal_evidence(
    signals: ir.Table,
    settings: TrendSettings,
    values: ValueIndexSettings,
    window: Window,
) -> ir.Table:
    end = _ts(window.end).epoch_seconds()
    recent_start = end - settings.recent_days * DAY
    base_start = recent_start - settings.baseline_days * DAY
    s = signals.mutate(at=signals.date.epoch_seconds().cast("float64"))
    s = s.filter((s.at >= base_start) & (s.at < end))
    value = s.value.cast("float64") if "value" in s.columns else ibis.null("float64")
    score = ibis.cases(
        (s.kind == "nps", anchored(value, low=0.0, neutral=values.nps_neutral, high=10.0)),
        (s.kind == "csat", anchored(value, low=1.0, neutral=values.csat_neutral, high=5.0)),
        else_=ibis.null("float64"),
    )
    recent = s.at >= recent_start
    complaint = s.kind == "complaint"
    agg = s.group_by("customer_id").aggregate(
        sat_recent=ibis.ifelse(recent, score, ibis.null("float64")).mean(),
        sat_base=ibis.ifelse(~recent, score, ibis.null("float64")).mean(),
        complaints_recent=(complaint & recent).cast("int64").sum(),
        complaints_base=(complaint & ~recent).cast("int64").sum(),
    )
    # Complaints expected in the recent period at the earlier rate, against those seen;
    # the +1 keeps one stray complaint from swinging the evidence all the way.
    expected = agg.complaints_base.cast("float64") * (settings.recent_days / settings.baseline_days)
    seen = agg.complaints_recent.cast("float64")
    return agg.select(
        "customer_id",
        trend_satisfaction=((agg.sat_recent - agg.sat_base) / settings.satisfaction_change).clip(
            lower=-1.0, upper=1.0
        ),
        trend_complaints=(expected - seen) / (expected + seen + 1.0),
    )


def relationship_trend(
    base: ir.Table,
    *,
    transactions: ir.Table,
    signals: ir.Table | None,
    settings: TrendSettings,
    values: ValueIndexSettings,
    window: Window,
    orders: ir.Table | None = None,
) -> ir.Table:
    """Per customer of ``base`` (needs ``customer_id, p_alive``): ``trend_<part>`` columns,
    ``trend_score`` and ``relationship_trend``.

    ``orders`` is ``order_stats(transactions, window)``, ideally materialised by the
    caller; computed here when not given.
    """
    ids = base.select("customer_id", "p_alive")
    if orders is None:
        orders = order_stats(transactions, window)
    buying = _spend_and_rhythm(transactions, orders, settings, window)
    t = ids.left_join(buying, "customer_id").select(
        ids, *[buying[c] for c in buying.columns if c != "customer_id"]
    )
    if signals is not None:
        ev = _signal_evidence(signals, settings, values, window)
        t = t.left_join(ev, "customer_id").select(
            t, *[ev[c] for c in ev.columns if c != "customer_id"]
        )
        t = t.mutate(trend_complaints=t.trend_complaints.fill_null(0.0))
    else:
        t = t.mutate(trend_satisfaction=ibis.null("float64"), trend_complaints=ibis.null("float64"))
    low = settings.p_alive_low
    p_alive = t.p_alive.cast("float64")
    t = t.mutate(trend_p_alive=-((low - p_alive) / low).clip(lower=0.0, upper=1.0))
    w = settings.weights
    weights = {
        "spend": w.spend,
        "rhythm": w.rhythm,
        "p_alive": w.p_alive,
        "satisfaction": w.satisfaction,
        "complaints": w.complaints,
    }
    # One-sided evidence (rhythm, P(alive)) and "no complaints then or now" say nothing
    # about direction when they are 0, so they only count when they pull.
    silent_when_zero = {"rhythm", "p_alive", "complaints"}
    evidence = {
        p: (t[f"trend_{p}"].nullif(0.0) if p in silent_when_zero else t[f"trend_{p}"], weights[p])
        for p in TREND_PARTS
    }
    score = weighted_mean(evidence).fill_null(0.0)
    label = ibis.cases(
        (score <= -settings.threshold, "deteriorating"),
        (score >= settings.threshold, "improving"),
        else_="stable",
    )
    return t.drop("p_alive").mutate(trend_score=score, relationship_trend=label)
