"""Relationship trend: each customer's recent behaviour against its own history, with evidence.

A trend is only called when the customer's own records make it unlikely to be chance.
Each piece of evidence is a z-score, a signed measure of surprise under "nothing
changed" (negative = worse), computed in the engine from per-customer counts:

- spend (``trend_spend``): the buying rate and the order size in the recent period
  (``recent_days``) against the earlier period (``baseline_days`` before it, from the
  first purchase if that is later). Order counts: the conditional test of two Poisson
  rates (given the ``N`` orders of both periods, the recent count is
  Binomial(N, recent length / total length) when the rate did not change), read as
  the signed root of its likelihood-ratio statistic. Order size: the mean log order
  value of the two periods, against the book's pooled within-customer spread. The two
  are combined as ``(z_orders + z_size) / √2``. Fewer than ``min_orders`` orders in
  both periods together is not enough evidence;
- satisfaction: mean recent survey score (0..1) against the earlier mean, against the
  book's pooled within-customer spread of answers;
- complaints: the same two-rate test as orders, on complaints (more = worse);
- rhythm (days since the last order in usual gaps) and P(alive) are shown as context
  (-1..0) and count only if the policy gives them a weight.

Each ``trend_<part>`` column shows its evidence as the signed confidence ``2Φ(z) − 1``
in -1..1. The trend score is the same confidence of Stouffer's weighted combination
``Σ wᵢ zᵢ / √Σ wᵢ²`` over the evidence present; at or beyond ``± threshold`` it reads
``improving`` or ``deteriorating``, else ``stable``. ``trend_evidence`` says why:
``not enough evidence``, ``no clear change``, ``clear fall`` or ``clear rise``.
"""

from __future__ import annotations

import math
from datetime import timedelta

import ibis
import ibis.expr.types as ir

from tierwise.literals import at_midnight
from tierwise.metrics.facts import is_purchase
from tierwise.settings.segmentation import TrendSettings, ValueIndexSettings
from tierwise.window import Window

DAY = 86400.0
TREND_PARTS = ("spend", "rhythm", "p_alive", "satisfaction", "complaints")

#: Smallest spread assumed for log order values and for 0..1 survey scores: a book whose
#: customers always order the same amount (or answer the same score) would otherwise
#: read any change as infinitely sure.
MIN_LOG_SIZE_SD = 0.1
MIN_SCORE_SD = 0.05
#: Context evidence (rhythm, P(alive)) at ±1 counts as this z when weighted.
_MAX_CONTEXT_CONFIDENCE = 0.998


def normal_cdf_upper(x: ir.FloatingValue) -> ir.FloatingValue:
    """``1 − Φ(x)`` for ``x ≥ 0`` (Abramowitz & Stegun 26.2.17, error below 7.5e-8)."""
    t = 1.0 / (1.0 + 0.2316419 * x)
    poly = t * (
        0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429)))
    )
    return (-(x * x) / 2.0).exp() / math.sqrt(2.0 * math.pi) * poly


def confidence(z: ir.FloatingValue) -> ir.FloatingValue:
    """Signed confidence ``2Φ(z) − 1`` in -1..1: how sure a change is, and which way."""
    upper = normal_cdf_upper(z.abs())
    return ibis.ifelse(z >= 0, 1.0 - 2.0 * upper, 2.0 * upper - 1.0)


def z_of_confidence(v: ir.FloatingValue) -> ir.FloatingValue:
    """Inverse of ``confidence`` (Abramowitz & Stegun 26.2.23, error below 4.5e-4)."""
    v = v.clip(lower=-_MAX_CONTEXT_CONFIDENCE, upper=_MAX_CONTEXT_CONFIDENCE)
    q = (1.0 - v.abs()) / 2.0
    t = (-2.0 * q.ln()).sqrt()
    z = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (
        1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))
    )
    return ibis.ifelse(v >= 0, z, -z)


def two_rate_z(
    t: ir.Table,
    name: str,
    recent: str,
    earlier: str,
    recent_len: str | float,
    earlier_len: str | float,
) -> ir.Table:
    """``t`` with column ``name``: the signed root of the likelihood-ratio statistic of
    "the two Poisson rates are equal", for the counts in columns ``recent`` and ``earlier``.

    Given ``N = recent + earlier`` events, the recent count is Binomial(N, p₀) with
    ``p₀ = recent_len / (recent_len + earlier_len)`` under equal rates (each length a
    number of days or a column of ``t``); the statistic is ``2 Σ n ln(n / expected)``
    over both periods, its root signed by recent − expected. The recent count is first
    moved half an event toward its expectation (continuity correction), so the normal
    tail tracks the exact binomial test's tail even at a handful of events
    (tests/test_relationship_trend.py). Null when ``N = 0``.

    Each intermediate is a column of its own step: written as one expression, the
    corrected count would be repeated some twenty times in the query, which Spark
    spends seconds compiling (DuckDB computes the same figures either way).
    """

    def length(x: str | float) -> ir.NumericValue | float:
        return t[x] if isinstance(x, str) else x

    p0 = length(recent_len) / (length(recent_len) + length(earlier_len))
    r = t[recent].cast("float64")
    t = t.mutate(_tr_r=r, _tr_n=r + t[earlier].cast("float64"))
    t = t.mutate(_tr_exp_r=t._tr_n * p0)
    exp_r = t._tr_exp_r
    t = t.mutate(
        _tr_exp_e=t._tr_n - exp_r,
        _tr_rc=ibis.cases(
            ((t._tr_r - exp_r).abs() <= 0.5, exp_r),
            (t._tr_r < exp_r, t._tr_r + 0.5),
            else_=t._tr_r - 0.5,
        ),
    )
    t = t.mutate(_tr_ec=t._tr_n - t._tr_rc)

    def xlog(k: ir.FloatingValue, expected: ir.FloatingValue) -> ir.FloatingValue:
        return ibis.ifelse(k > 0, k * (k / expected).ln(), 0.0)

    t = t.mutate(_tr_dev=2.0 * (xlog(t._tr_rc, t._tr_exp_r) + xlog(t._tr_ec, t._tr_exp_e)))
    dev = t._tr_dev.clip(lower=0.0)
    sign = ibis.ifelse(t._tr_rc >= t._tr_exp_r, 1.0, -1.0)
    z = ibis.ifelse(t._tr_n > 0, sign * dev.sqrt(), ibis.null("float64"))
    return t.mutate(**{name: z}).drop(
        "_tr_r", "_tr_n", "_tr_exp_r", "_tr_exp_e", "_tr_rc", "_tr_ec", "_tr_dev"
    )


def order_stats(transactions: ir.Table, window: Window) -> ir.Table:
    """Per customer: first and last purchase time (epoch seconds) and purchases before as-of.

    Counts purchases only (``metrics.facts.is_purchase``). The only full scan of the
    transactions the trend needs; the stage materialises it (``Table.cache``).
    """
    tx = transactions.filter(
        (transactions.date < at_midnight(window.end)) & is_purchase(transactions.amount)
    )
    at = tx.date.epoch_seconds().cast("float64")
    return tx.group_by("customer_id").aggregate(
        first_at=at.min(),
        last_at=at.max(),
        n_orders=tx.order_id.nunique(),
    )


def _pooled_sd(t: ir.Table, name: str, floor: float, by: str | None = None) -> ir.Table:
    """``t`` with ``name``: the pooled within-customer standard deviation of the book (or
    of each ``by`` group), from ``t``'s ``_ss`` (sum of squares) and ``_df`` columns.

    The book's (or each group's) totals are one small aggregate joined back: a window
    over the whole book would put every customer in one partition on Spark. Never
    below ``floor``.
    """
    totals = t.aggregate(
        _ps_df=t._df.sum().cast("float64"), _ps_ss=t._ss.sum(), by=[] if by is None else [by]
    )
    t = t.cross_join(totals) if by is None else t.join(totals, by)
    pooled = ibis.ifelse(t._ps_df > 0, (t._ps_ss / t._ps_df).clip(lower=0.0).sqrt(), floor)
    return t.mutate(**{name: ibis.greatest(pooled, floor)}).drop("_ps_df", "_ps_ss")


def _within_ss(
    total: ir.FloatingValue, squares: ir.FloatingValue, n: ir.NumericValue
) -> ir.FloatingValue:
    """Sum of squared deviations from the mean of ``n`` values (0 when ``n`` is 0)."""
    return ibis.ifelse(n > 0, squares - total * total / n.cast("float64"), 0.0)


def _buying_evidence(
    transactions: ir.Table, orders: ir.Table, settings: TrendSettings, window: Window
) -> ir.Table:
    """Per customer: ``z_orders``, ``z_size`` and the rhythm context, from purchases."""
    end_s = at_midnight(window.end).epoch_seconds().cast("float64")
    recent_start = end_s - settings.recent_days * DAY
    base_start = recent_start - settings.baseline_days * DAY
    reach = settings.recent_days + settings.baseline_days
    start = window.end - timedelta(days=reach)
    tx = transactions.filter(
        (transactions.date < at_midnight(window.end))
        & (transactions.date >= at_midnight(start))
        & is_purchase(transactions.amount)
    )
    tx = tx.select("customer_id", "order_id", "amount", at=tx.date.epoch_seconds().cast("float64"))
    per_order = tx.group_by(["customer_id", "order_id"]).aggregate(
        at=tx.at.min(), amount=tx.amount.cast("float64").sum()
    )
    j = per_order.join(orders.select("customer_id", "first_at"), "customer_id")
    recent = j.at >= recent_start
    # The earlier period starts at the first purchase if that is later; the first
    # purchase itself opens the customer's history and is not counted.
    earlier = (j.at < recent_start) & (j.at > j.first_at)
    # Order size is read from paid orders only (a free order has no log value).
    paid = j.amount > 0
    size = ibis.ifelse(paid, j.amount, 1.0).ln()
    zero = ibis.literal(0.0)
    sized_r = recent & paid
    sized_e = earlier & paid
    agg = j.group_by("customer_id").aggregate(
        n_recent=recent.cast("int64").sum(),
        n_earlier=earlier.cast("int64").sum(),
        m_recent=sized_r.cast("int64").sum(),
        m_earlier=sized_e.cast("int64").sum(),
        s_recent=ibis.ifelse(sized_r, size, zero).sum(),
        s_earlier=ibis.ifelse(sized_e, size, zero).sum(),
        q_recent=ibis.ifelse(sized_r, size * size, zero).sum(),
        q_earlier=ibis.ifelse(sized_e, size * size, zero).sum(),
    )
    ss = _within_ss(agg.s_recent, agg.q_recent, agg.m_recent) + _within_ss(
        agg.s_earlier, agg.q_earlier, agg.m_earlier
    )
    df = (agg.m_recent - 1).clip(lower=0) + (agg.m_earlier - 1).clip(lower=0)
    agg = agg.mutate(_ss=ss, _df=df)
    agg = _pooled_sd(agg, "size_sd", MIN_LOG_SIZE_SD)

    s = orders.left_join(agg, "customer_id").select(
        orders,
        *[agg[c] for c in agg.columns if c != "customer_id"],
    )
    # Each piece a column (see two_rate_z): the expressions below read them several times.
    s = s.mutate(
        n_r=s.n_recent.fill_null(0),
        n_e=s.n_earlier.fill_null(0),
        m_r=s.m_recent.fill_null(0).cast("float64"),
        m_e=s.m_earlier.fill_null(0).cast("float64"),
        earlier_len=(recent_start - ibis.greatest(s.first_at, base_start)) / DAY,
        gap=ibis.ifelse(
            s.n_orders >= 2,
            (s.last_at - s.first_at) / DAY / (s.n_orders - 1),
            ibis.null("float64"),
        ),
    )
    s = s.mutate(
        enough=(s.earlier_len > 0) & ((s.n_r + s.n_e) >= settings.min_orders),
        overdue=(end_s - s.last_at) / DAY / s.gap,
    )
    s = two_rate_z(s, "z_rates", "n_r", "n_e", float(settings.recent_days), "earlier_len")
    m_r, m_e = s.m_r, s.m_e
    mean_gap = s.s_recent / m_r - s.s_earlier / m_e
    se = s.size_sd * (1.0 / m_r + 1.0 / m_e).sqrt()
    z_size = ibis.ifelse(s.enough & (m_r > 0) & (m_e > 0), mean_gap / se, ibis.null("float64"))
    span = settings.overdue_full - settings.overdue_start
    rhythm = -((s.overdue - settings.overdue_start) / span).clip(lower=0.0, upper=1.0)
    return s.select(
        "customer_id",
        z_orders=ibis.ifelse(s.enough, s.z_rates, ibis.null("float64")),
        z_size=z_size,
        trend_rhythm=ibis.ifelse(s.gap > 0, rhythm, ibis.null("float64")),
        trend_overdue=ibis.ifelse(s.gap > 0, s.overdue, ibis.null("float64")),
    )


def _survey_z(s: ir.Table, recent: ir.BooleanValue) -> ir.Table:
    """Per customer: ``z_satisfaction``, the change of its survey answers in evidence units.

    Per survey kind (NPS, CSAT) and customer, the recent mean answer against the earlier
    one, divided by the kind's pooled within-customer spread in its own units (so a
    point of NPS and a point of CSAT are each weighed by their own noise); the kinds a
    customer answered are combined by Stouffer. Needs an answer in both periods.
    """
    value = s.value.cast("float64") if "value" in s.columns else ibis.null("float64")
    answers = s.mutate(_recent=recent, _value=value).filter(
        s.kind.isin(["nps", "csat"]) & value.notnull() & ~value.isnan()
    )
    v = answers._value
    r = answers._recent
    none = ibis.null("float64")
    per = answers.group_by(["customer_id", "kind"]).aggregate(
        n_r=r.cast("int64").sum(),
        n_e=(~r).cast("int64").sum(),
        s_r=ibis.ifelse(r, v, none).sum().fill_null(0.0),
        s_e=ibis.ifelse(~r, v, none).sum().fill_null(0.0),
        q_r=ibis.ifelse(r, v * v, none).sum().fill_null(0.0),
        q_e=ibis.ifelse(~r, v * v, none).sum().fill_null(0.0),
    )
    per = per.mutate(
        _ss=_within_ss(per.s_r, per.q_r, per.n_r) + _within_ss(per.s_e, per.q_e, per.n_e),
        _df=(per.n_r - 1).clip(lower=0) + (per.n_e - 1).clip(lower=0),
    )
    # A kind's spread in its own units (NPS 0..10, CSAT 1..5), at least MIN_SCORE_SD of
    # the scale's span (0.5 NPS points, 0.2 CSAT points).
    spans = {"nps": 10.0, "csat": 4.0}
    per = _pooled_sd(per, "_pooled", 0.0, by="kind")
    floor = per.kind.substitute(spans, else_=1.0) * MIN_SCORE_SD
    per = per.mutate(_sd=ibis.greatest(per._pooled, floor))
    nr = per.n_r.cast("float64")
    ne = per.n_e.cast("float64")
    z = ibis.ifelse(
        (nr > 0) & (ne > 0),
        (per.s_r / nr - per.s_e / ne) / (per._sd * (1.0 / nr + 1.0 / ne).sqrt()),
        ibis.null("float64"),
    )
    per = per.mutate(_z=z)
    return per.group_by("customer_id").aggregate(
        z_satisfaction=ibis.ifelse(
            per._z.count() > 0,
            per._z.sum() / per._z.count().cast("float64").sqrt(),
            ibis.null("float64"),
        )
    )


def _signal_evidence(signals: ir.Table, settings: TrendSettings, window: Window) -> ir.Table:
    """Per customer: ``z_satisfaction`` and ``z_complaints`` (more complaints = negative)."""
    end = at_midnight(window.end).epoch_seconds().cast("float64")
    recent_start = end - settings.recent_days * DAY
    base_start = recent_start - settings.baseline_days * DAY
    s = signals.mutate(at=signals.date.epoch_seconds().cast("float64"))
    s = s.filter((s.at >= base_start) & (s.at < end))
    recent = s.at >= recent_start
    complaint = s.kind == "complaint"
    counts = s.group_by("customer_id").aggregate(
        complaints_recent=(complaint & recent).cast("int64").sum(),
        complaints_earlier=(complaint & ~recent).cast("int64").sum(),
    )
    counts = two_rate_z(
        counts,
        "z_more",
        "complaints_recent",
        "complaints_earlier",
        float(settings.recent_days),
        float(settings.baseline_days),
    )
    counts = counts.select("customer_id", z_complaints=-counts.z_more)
    survey = _survey_z(s, recent)
    return counts.left_join(survey, "customer_id").select(counts, survey.z_satisfaction)


def _stouffer(pieces: list[tuple[ir.FloatingValue, float]]) -> ir.FloatingValue:
    """Stouffer's weighted combination ``Σ wᵢ zᵢ / √Σ wᵢ²`` of the z-scores present.

    Null when none is present. Under "nothing changed" each piece is a standard normal,
    and so is the combination, whatever the weights.
    """
    num: ir.FloatingValue = ibis.literal(0.0)
    den: ir.FloatingValue = ibis.literal(0.0)
    for z, weight in pieces:
        if weight <= 0:
            continue
        num = num + z.fill_null(0.0) * weight
        den = den + ibis.ifelse(z.isnull(), 0.0, weight * weight)
    return ibis.ifelse(den > 0, num / den.sqrt(), ibis.null("float64"))


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
    ``trend_score``, ``trend_evidence`` and ``relationship_trend``.

    ``orders`` is ``order_stats(transactions, window)``, ideally materialised by the
    caller; computed here when not given.
    """
    # Survey answers are weighed in their own units, by their own noise, so the value
    # anchors (``values``) that place a level on 0..1 play no part in a change.
    del values
    ids = base.select("customer_id", "p_alive")
    if orders is None:
        orders = order_stats(transactions, window)
    buying = _buying_evidence(transactions, orders, settings, window)
    t = ids.left_join(buying, "customer_id").select(
        ids, *[buying[c] for c in buying.columns if c != "customer_id"]
    )
    if signals is not None:
        ev = _signal_evidence(signals, settings, window)
        t = t.left_join(ev, "customer_id").select(
            t, *[ev[c] for c in ev.columns if c != "customer_id"]
        )
    else:
        t = t.mutate(z_satisfaction=ibis.null("float64"), z_complaints=ibis.null("float64"))
    low = settings.p_alive_low
    p_alive = t.p_alive.cast("float64")
    t = t.mutate(trend_p_alive=-((low - p_alive) / low).clip(lower=0.0, upper=1.0))
    w = settings.weights
    # Rhythm and P(alive) are context on -1..0: they count (when weighted) only when
    # they pull, as the z their confidence stands for. Each step a column, so the
    # combinations below read columns (see two_rate_z).
    t = t.mutate(
        z_rhythm=z_of_confidence(t.trend_rhythm.nullif(0.0)),
        z_p_alive=z_of_confidence(t.trend_p_alive.nullif(0.0)),
    )
    t = t.mutate(
        z=_stouffer(
            [
                (t.z_orders, w.spend),
                (t.z_size, w.order_size),
                (t.z_satisfaction, w.satisfaction),
                (t.z_complaints, w.complaints),
                (t.z_rhythm, w.rhythm),
                (t.z_p_alive, w.p_alive),
            ]
        ),
        # Shown as one part: buying, the order count and the order size together.
        z_spend=_stouffer([(t.z_orders, w.spend), (t.z_size, w.order_size)]),
    )
    t = t.mutate(trend_score=confidence(t.z).fill_null(0.0))
    z, score = t.z, t.trend_score
    label = ibis.cases(
        (score <= -settings.threshold, "deteriorating"),
        (score >= settings.threshold, "improving"),
        else_="stable",
    )
    evidence = ibis.cases(
        (z.isnull(), "not enough evidence"),
        (score <= -settings.threshold, "clear fall"),
        (score >= settings.threshold, "clear rise"),
        else_="no clear change",
    )
    return t.select(
        "customer_id",
        trend_spend=confidence(t.z_spend),
        trend_rhythm=t.trend_rhythm,
        trend_overdue=t.trend_overdue,
        trend_p_alive=t.trend_p_alive,
        trend_satisfaction=confidence(t.z_satisfaction),
        trend_complaints=confidence(t.z_complaints),
        trend_score=score,
        trend_evidence=evidence,
        relationship_trend=label,
    )
