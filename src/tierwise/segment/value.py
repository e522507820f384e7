"""Value to us and value to the customer: two 0..1 indices with their parts shown.

Value to us: net profit after cost-to-serve and lifetime value (sign-anchored
percentiles: a loss never scores above 0.5), gross-margin rate and price realisation
(percentiles within the book). Value to the customer: satisfaction (NPS, CSAT), usage,
outcomes per unit of spend and complaints, each through a documented anchor that scores
0.5; where a customer has no survey, usage or outcome signal, behavioural loyalty
(P(alive) and buying frequency) stands in and the index is marked as a proxy.
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir

from tierwise.literals import at_midnight
from tierwise.segment.ranks import (
    anchored,
    clip01,
    decaying,
    saturating,
    weighted_mean,
)
from tierwise.settings.segmentation import ValueIndexSettings
from tierwise.window import Window

US_PARTS = ("net_profit", "clv", "margin", "price_realisation")
CLIENT_PARTS = ("satisfaction", "usage", "outcomes", "complaints", "loyalty")
SURVEY_KINDS = ("nps", "csat", "usage", "outcome")


def no_value_to_us(t: ir.Table) -> ir.BooleanValue:
    """True where the account earns nothing and is expected to earn nothing.

    Net profit in the window is not positive and the expected net value (CLV, net of
    cost-to-serve by default) is not positive or unknown: their sign-anchored parts are
    below 0.5. Such an account is never "good for us", whatever its margin rate or price
    realisation.
    """
    return (t.us_net_profit < 0.5) & (t.us_clv < 0.5).fill_null(True)


def us_index(t: ir.Table, settings: ValueIndexSettings) -> ir.Table:
    """Add ``value_to_us``: the weighted mean of the ``us_<part>`` columns present.

    An account with no value to us (``no_value_to_us``) is capped at the larger of its
    profit and CLV parts, which are below 0.5: margin rate and price realisation cannot
    lift a loss-maker to "good for us".
    """
    w = settings.to_us
    weights = {
        "net_profit": w.net_profit,
        "clv": w.clv,
        "margin": w.margin,
        "price_realisation": w.price_realisation,
    }
    index = weighted_mean({p: (t[f"us_{p}"], weights[p]) for p in US_PARTS}).fill_null(0.0)
    cap = ibis.greatest(t.us_net_profit, t.us_clv.fill_null(0.0))
    index = ibis.ifelse(no_value_to_us(t), ibis.least(index, cap), index)
    return t.mutate(value_to_us=index)


def client_signal_parts(
    base: ir.Table, signals: ir.Table, settings: ValueIndexSettings, window: Window
) -> ir.Table:
    """Per customer: satisfaction, usage, outcome and complaint parts from signals (may be null)."""
    end = at_midnight(window.end)
    start = at_midnight(window.end - timedelta(days=settings.lookback_days))
    s = signals.filter((signals.date >= start) & (signals.date < end))
    value = s.value.cast("float64") if "value" in s.columns else ibis.null("float64")
    kind = s.kind
    agg = s.group_by("customer_id").aggregate(
        nps=ibis.ifelse(kind == "nps", value, ibis.null("float64")).mean(),
        csat=ibis.ifelse(kind == "csat", value, ibis.null("float64")).mean(),
        usage=ibis.ifelse(kind == "usage", value, ibis.null("float64")).mean(),
        outcome=ibis.ifelse(kind == "outcome", value, ibis.null("float64")).sum(),
        complaints=(kind == "complaint").cast("int64").sum(),
    )
    j = base.select("customer_id", "revenue").left_join(agg, "customer_id")
    nps = anchored(j.nps, low=0.0, neutral=settings.nps_neutral, high=10.0)
    csat = anchored(j.csat, low=1.0, neutral=settings.csat_neutral, high=5.0)
    satisfaction = ibis.cases(
        (j.nps.notnull() & j.csat.notnull(), (nps + csat) / 2.0),
        (j.nps.notnull(), nps),
        (j.csat.notnull(), csat),
        else_=ibis.null("float64"),
    )
    outcome_ratio = ibis.ifelse(j.revenue > 0, j.outcome / j.revenue, ibis.null("float64"))
    per_year = j.complaints.fill_null(0).cast("float64") * (365.0 / settings.lookback_days)
    return j.select(
        "customer_id",
        client_satisfaction=satisfaction,
        client_usage=anchored(j.usage, low=0.0, neutral=settings.usage_neutral, high=1.0),
        client_outcomes=ibis.ifelse(
            j.outcome.notnull(),
            saturating(outcome_ratio.fill_null(0.0), neutral=settings.outcome_neutral),
            ibis.null("float64"),
        ),
        client_complaints=decaying(per_year, neutral=settings.complaints_neutral),
        client_complaint_count=j.complaints.fill_null(0),
    )


def client_parts(
    t: ir.Table,
    *,
    signals: ir.Table | None,
    settings: ValueIndexSettings,
    window: Window,
) -> ir.Table:
    """Add the ``client_<part>`` columns and ``value_to_client_proxy`` to ``t``.

    ``t`` needs ``customer_id, revenue, p_alive, frequency``. Without a signals table
    every customer is read from behavioural loyalty.
    """
    if signals is not None:
        parts = client_signal_parts(t, signals, settings, window)
        t = t.left_join(parts, "customer_id").select(
            t, *[parts[c] for c in parts.columns if c != "customer_id"]
        )
    else:
        t = t.mutate(
            client_satisfaction=ibis.null("float64"),
            client_usage=ibis.null("float64"),
            client_outcomes=ibis.null("float64"),
            client_complaints=ibis.null("float64"),
            client_complaint_count=ibis.literal(0, "int64"),
        )
    proxy = t.client_satisfaction.isnull() & t.client_usage.isnull() & t.client_outcomes.isnull()
    return t.mutate(value_to_client_proxy=proxy)


def client_index(t: ir.Table, settings: ValueIndexSettings) -> ir.Table:
    """Add ``client_loyalty`` (proxy customers only) and ``value_to_client``."""
    frequency_rank = t.client_frequency_rank
    p_alive = clip01(t.p_alive.cast("float64"))
    loyalty = ibis.cases(
        (p_alive.notnull() & frequency_rank.notnull(), (p_alive + frequency_rank) / 2.0),
        (p_alive.notnull(), p_alive),
        else_=frequency_rank,
    )
    t = t.mutate(client_loyalty=ibis.ifelse(t.value_to_client_proxy, loyalty, ibis.null("float64")))
    w = settings.to_client
    weights = {
        "satisfaction": w.satisfaction,
        "usage": w.usage,
        "outcomes": w.outcomes,
        "complaints": w.complaints,
        "loyalty": w.loyalty,
    }
    index = weighted_mean({p: (t[f"client_{p}"], weights[p]) for p in CLIENT_PARTS})
    return t.mutate(value_to_client=index.fill_null(0.0))
