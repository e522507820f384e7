"""Net profit per customer: gross margin less cost-to-serve, with the reasons for a loss.

The scorecard's ``gross_margin``, ``cost_to_serve`` and ``net_profit`` come from here,
with the driver breakdown (``cts_<driver>``), the price waterfall (list → net) where the
book has ``list_amount``, and a short text naming what made each loss-maker lose money.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tierwise.errors import InputError
from tierwise.metrics.cost_to_serve import cost_to_serve, order_facts
from tierwise.settings.cost_model import DRIVERS, CostModel
from tierwise.window import Window

#: How each driver is named in a loss-maker's reasons.
DRIVER_LABELS: dict[str, str] = {
    "people": "people's time",
    "orders": "order handling",
    "logistics": "logistics",
    "returns": "returns",
    "support": "support",
    "discounts": "rebates",
    "payment_terms": "payment terms",
}

#: A driver is named among the reasons when it is at least this share of cost-to-serve.
_NAMED_SHARE = 0.15
_MAX_NAMED = 3

#: Facts columns that count something: zero, not null, for a customer who bought nothing.
_ZERO_FILLED = (
    "revenue",
    "gross_margin",
    "orders",
    "order_lines",
    "return_lines",
    "returns_amount",
)


def _whole(x: ir.NumericValue) -> ir.StringValue:
    """A money amount as whole units of text, for reasons.

    Rounded to six decimals first: a sum of cents that is 87.5 may come out of one engine
    as 87.49999999999999 and of another as 87.5, and the text should read 88 from both.
    """
    return x.round(6).round(0).cast("int64").cast("string")


def _with_driver_ranks(t: ir.Table) -> ir.Table:
    """Adds ``_rank_<driver>``: 0 for the costliest driver of the row, 1 for the next, ...

    Ranks come from pairwise comparisons (ties broken by driver order) in their own
    projection, so the reason text below refers to them instead of repeating them.
    """
    costs = {d: t[f"cts_{d}"] for d in DRIVERS}
    ranks: dict[str, ir.IntegerValue] = {}
    for i, d in enumerate(DRIVERS):
        above = ibis.literal(0, type="int64")
        for j, e in enumerate(DRIVERS):
            if e != d:
                beats = (costs[e] > costs[d]) | ((costs[e] == costs[d]) & (j < i))
                above = above + beats.cast("int64")
        ranks[f"_rank_{d}"] = above
    return t.mutate(**ranks)


def _driver_ranking(t: ir.Table) -> ir.StringValue:
    """The biggest drivers of a customer's cost, largest first, as ``"people's time 62%"``."""
    total = t.cost_to_serve
    share = {d: ibis.ifelse(total > 0, t[f"cts_{d}"] / total, 0.0) for d in DRIVERS}
    items = []
    for k in range(_MAX_NAMED):
        branches = [
            (
                (t[f"_rank_{d}"] == k) & (share[d] >= _NAMED_SHARE),
                ibis.literal(DRIVER_LABELS[d] + " ") + _whole(share[d] * 100) + "%",
            )
            for d in DRIVERS
        ]
        items.append(ibis.cases(*branches, else_=ibis.null("string")))
    # each item once (null items vanish through coalesce), so the SQL stays small
    text = items[0]
    for item in items[1:]:
        text = text + (", " + item).coalesce("")
    return text


def with_loss_drivers(t: ir.Table, costs: CostModel) -> ir.Table:
    """Adds ``loss_drivers``: what made a customer lose money; null when it is profitable.

    Needs the ``cts_<driver>`` columns, cost_to_serve, gross_margin, net_profit and
    price_realisation.
    """
    t = _with_driver_ranks(t)
    ranking = ibis.ifelse(t.cost_to_serve > 0, ": " + _driver_ranking(t), ibis.null("string"))
    margin_part = ibis.ifelse(
        t.gross_margin < 0,
        "sold below cost (gross margin " + _whole(t.gross_margin) + ")",
        "cost to serve "
        + _whole(t.cost_to_serve)
        + " exceeds gross margin "
        + _whole(t.gross_margin),
    )
    cheap = t.price_realisation.notnull() & (t.price_realisation < costs.low_price_realisation)
    discount = ibis.ifelse(
        cheap, "; net price " + _whole(t.price_realisation * 100) + "% of list", ibis.null("string")
    )
    text = margin_part + ranking.coalesce("") + discount.coalesce("")
    t = t.mutate(loss_drivers=ibis.ifelse(t.net_profit < 0, text, ibis.null("string")))
    return t.drop(*[f"_rank_{d}" for d in DRIVERS])


def customer_profitability(
    facts: ir.Table,
    activities: ir.Table | None,
    customers: ir.Table | None,
    costs: CostModel,
    window: Window,
    transactions: ir.Table | None = None,
    activity_totals: ir.Table | None = None,
) -> ir.Table:
    """Gross margin, cost-to-serve by driver and net profit of every customer (lazy).

    Returns every facts column (counts zero-filled for customers who only appear in the
    activities), then ``cts_<driver>`` per driver, cost_to_serve, net_profit =
    gross_margin − cost_to_serve, effort_hours, cost_estimated, list_revenue,
    discount_amount (list − net, null without ``list_amount``), price_realisation
    (net / list) and loss_drivers (null when profitable). ``activity_totals``:
    ``cost_to_serve``'s.
    """
    if "gross_margin" not in facts.columns:
        raise InputError(
            f"customer facts have no gross_margin column (columns seen: {list(facts.columns)}); "
            "pass the table from the facts stage"
        )
    facts = order_facts(facts, transactions, window)
    facts = facts.mutate(customer_id=facts.customer_id.cast("string"))
    cts = cost_to_serve(
        facts, activities, customers, costs, window, activity_totals=activity_totals
    )
    t = cts.left_join(facts, "customer_id").drop("customer_id_right")
    zero = ibis.literal(0.0, type="float64")
    fills = {c: t[c].coalesce(0) for c in _ZERO_FILLED if c in t.columns}
    fills["revenue"] = t.revenue.cast("float64").coalesce(zero)
    fills["gross_margin"] = t.gross_margin.cast("float64").coalesce(zero)
    if "margin_estimated" in t.columns:
        fills["margin_estimated"] = t.margin_estimated.coalesce(False)
    t = t.mutate(**fills)
    if "list_revenue" in t.columns:
        list_revenue = t.list_revenue.cast("float64")
    else:
        list_revenue = ibis.null("float64")
    t = t.mutate(
        net_profit=t.gross_margin - t.cost_to_serve,
        list_revenue=list_revenue,
        discount_amount=list_revenue - t.revenue,
        price_realisation=ibis.ifelse(
            list_revenue > 0, t.revenue / list_revenue, ibis.null("float64")
        ),
    )
    t = with_loss_drivers(t, costs)
    first = [c for c in facts.columns if c in t.columns and c != "list_revenue"]
    added = [
        *[f"cts_{d}" for d in DRIVERS],
        "cost_to_serve",
        "net_profit",
        "effort_hours",
        "cost_estimated",
        "list_revenue",
        "discount_amount",
        "price_realisation",
        "loss_drivers",
    ]
    return t.select(*first, *added)
