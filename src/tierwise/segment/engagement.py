"""Customer engagement value beyond purchases (Kumar et al. 2010).

CRV (referral value) credits a customer with a share of the value of the customers it
brought; CIV (influence) and CKV (knowledge) monetise reviews, case studies, ideas and
co-development at the policy's rates. CEV = CLV + CRV + CIV + CKV.

References
----------
Kumar, V., Aksoy, L., Donkers, B., Venkatesan, R., Wiesel, T., & Tillmanns, S. (2010).
Undervalued or overvalued customers: capturing total customer engagement value.
*Journal of Service Research*, 13(3), 297-310.
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir

from tierwise.literals import at_midnight
from tierwise.settings.segmentation import EngagementSettings
from tierwise.window import Window

ENGAGEMENT_COLUMNS = (
    "crv",
    "civ",
    "ckv",
    "engagement_referrals",
    "engagement_influence_signals",
    "engagement_knowledge_signals",
)


def _rate_of(kind: ir.StringColumn, rates: dict[str, float]) -> ir.FloatingColumn:
    if not rates:
        return ibis.literal(0.0)
    return ibis.cases(*((kind == k, float(v)) for k, v in rates.items()), else_=0.0)


def engagement_value(
    base: ir.Table,
    *,
    signals: ir.Table | None,
    transactions: ir.Table,
    settings: EngagementSettings,
    window: Window,
) -> ir.Table:
    """Per-customer CRV, CIV, CKV and signal counts for every customer of ``base``.

        ``base`` needs ``customer_id``, ``revenue``, ``net_profit`` and ``clv``. Signals
        count within ``settings.lookback_days`` before the as-of date, except a referral of a
    known customer, which counts while that customer is valuable. Without signals every
        value is 0 (and the stage reports the missing input).
    """
    ids = base.select("customer_id")
    if signals is None:
        return ids.mutate(**{c: ibis.literal(0.0) for c in ENGAGEMENT_COLUMNS})

    end = at_midnight(window.end)
    start = at_midnight(window.end - timedelta(days=settings.lookback_days))
    recent = signals.filter((signals.date >= start) & (signals.date < end))

    influence = _rate_of(recent.kind, settings.influence_rates)
    knowledge = _rate_of(recent.kind, settings.knowledge_rates)
    simple = recent.group_by("customer_id").aggregate(
        civ=influence.sum(),
        ckv=knowledge.sum(),
        engagement_influence_signals=recent.kind.isin(list(settings.influence_rates) or [""])
        .cast("int64")
        .sum(),
        engagement_knowledge_signals=recent.kind.isin(list(settings.knowledge_rates) or [""])
        .cast("int64")
        .sum(),
    )

    before_end = signals.filter(signals.date < end)
    referral_value = _referral_value(base, before_end, transactions, settings, start, end)
    out = (
        ids.left_join(simple, "customer_id")
        .select(ids.customer_id, *[c for c in simple.columns if c != "customer_id"])
        .left_join(referral_value, "customer_id")
    )
    out = out.select(
        "customer_id",
        crv=out.crv.fill_null(0.0),
        civ=out.civ.fill_null(0.0),
        ckv=out.ckv.fill_null(0.0),
        engagement_referrals=out.engagement_referrals.fill_null(0),
        engagement_influence_signals=out.engagement_influence_signals.fill_null(0),
        engagement_knowledge_signals=out.engagement_knowledge_signals.fill_null(0),
    )
    return out


def _referral_value(
    base: ir.Table,
    signals: ir.Table,
    transactions: ir.Table,
    settings: EngagementSettings,
    start: ir.TimestampScalar,
    end: ir.TimestampScalar,
) -> ir.Table:
    """CRV per referrer: a share of each referred customer's current value, or a lead value.

    A referral that names a known customer counts however long ago it was made: it is
    worth what the referred customer is worth now (its CLV, or the net profit on its
    spend since the referral), so it keeps its value while that customer stays valuable
    and loses it when the customer does. Each referred customer is credited once:
    repeated signals of one pair count once, a customer never refers itself, and
    several referrers split ``referral_attribution`` of the value equally. A referral
    naming no known customer is a lead: the flat ``unlinked_referral_value``, counted
    only within ``lookback_days``.
    """
    refs = signals.filter(signals.kind == "referral")
    if "referred_customer_id" in refs.columns:
        refs = refs.select("customer_id", "date", referred=refs.referred_customer_id.cast("string"))
    else:
        refs = refs.select("customer_id", "date", referred=ibis.null("string"))
    known = base.select(
        referred="customer_id",
        ref_clv=base.clv.cast("float64"),
        ref_rate=ibis.ifelse(base.revenue > 0, base.net_profit.cast("float64") / base.revenue, 0.0),
    )
    refs = refs.left_join(known, "referred").select(refs, known.ref_clv, known.ref_rate)
    is_known = refs.ref_clv.notnull() | refs.ref_rate.notnull()
    leads = refs.filter(~is_known & (refs.date >= start))
    lead_value = leads.group_by("customer_id").aggregate(
        lead_crv=ibis.literal(settings.unlinked_referral_value) * leads.count().cast("float64"),
        leads=leads.count(),
    )

    linked = refs.filter(is_known & (refs.customer_id != refs.referred))
    pairs = linked.group_by(["customer_id", "referred"]).aggregate(
        date=linked.date.min(), ref_clv=linked.ref_clv.max(), ref_rate=linked.ref_rate.max()
    )
    # One row per (referrer, referred) pair, so counting a referred customer's rows counts
    # its distinct referrers (Spark refuses a distinct count over a window). The numbered
    # key sorts the pairs in one partition on Spark; they are referrals of known
    # customers only (about 1 in 100 signals, ~100k pairs at 1M customers), and the sort
    # keeps DuckDB's order of summing the credits, so its figures stay to the last bit.
    pairs = pairs.mutate(
        referrers=pairs.customer_id.count().over(ibis.window(group_by="referred")),
        referral_key=ibis.row_number().over(order_by=["customer_id", "referred"]),
    )
    if settings.referral_basis == "clv":
        pairs = pairs.mutate(ref_value=pairs.ref_clv.fill_null(0.0).clip(lower=0.0))
    else:
        spend = (
            pairs.join(
                transactions,
                [
                    pairs.referred == transactions.customer_id,
                    transactions.date >= pairs.date,
                    transactions.date < end,
                ],
            )
            .group_by("referral_key")
            .aggregate(spend_since=transactions.amount.sum())
        )
        pairs = pairs.left_join(spend, "referral_key").select(pairs, spend.spend_since)
        pairs = pairs.mutate(
            ref_value=(pairs.spend_since.fill_null(0.0) * pairs.ref_rate.fill_null(0.0)).clip(
                lower=0.0
            )
        )
    credited = pairs.ref_value * settings.referral_attribution / pairs.referrers
    linked_value = pairs.group_by("customer_id").aggregate(
        linked_crv=credited.sum(), linked=pairs.count()
    )
    who = linked_value.select("customer_id").union(lead_value.select("customer_id")).distinct()
    out = who.left_join(linked_value, "customer_id").select(
        who.customer_id, linked_value.linked_crv, linked_value.linked
    )
    out = out.left_join(lead_value, "customer_id").select(
        out, lead_value.lead_crv, lead_value.leads
    )
    return out.select(
        "customer_id",
        crv=out.linked_crv.fill_null(0.0) + out.lead_crv.fill_null(0.0),
        engagement_referrals=out.linked.fill_null(0) + out.leads.fill_null(0),
    )
