"""The whitespace stage: for every customer, the items its peers buy and it does not.

Peers are the customers in the same industry and size band (revenue in the window split
into ``size_bands``); a group smaller than ``min_peers`` falls back to all customers, and
each item's ``why`` says which group was read. With co-purchase on, each customer's most
similar customers (cosine of the items they share) give the likelihood it buys an item;
the ``shortlist`` most likely items are then ranked by expected margin:

    expected_margin = likelihood × peer median annual spend on the item × peer margin rate

where the likelihood is the share of the similar customers who bought it, or the peer
penetration without co-purchase. Everything runs in the engine (Ibis); the top ``top_n``
rows per customer are written by the engine to a Parquet file (``SpooledTable``), not
collected: ten rows a customer would be 2.7 GB of Arrow at a million customers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from tierwise.engine import keep, release
from tierwise.metrics.facts import is_purchase
from tierwise.settings.whitespace import WhitespaceSettings
from tierwise.spooled import DetailsTable, SpooledTable
from tierwise.whitespace.texts import grouped, percent
from tierwise.window import Window

ALL = "*all*"
WHITESPACE_COLUMNS = (
    "customer_id",
    "rank",
    "item",
    "level",
    "peer_group",
    "peers",
    "peer_penetration",
    "similar_penetration",
    "peer_median_annual_spend",
    "margin_rate",
    "expected_margin",
    "why",
)


@dataclass
class WhitespaceResult:
    """The stage's output: ``details`` tables for the run folder, a summary for run.json,
    and a ``note`` for the console when the stage was skipped or cut short."""

    details: dict[str, DetailsTable] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def whitespace(
    transactions: ir.Table,
    scorecard: ir.Table,
    customers: ir.Table | None,
    window: Window,
    settings: WhitespaceSettings,
    default_margin_rate: float,
) -> WhitespaceResult:
    """Whitespace for every customer of the scorecard, plus share of wallet where known."""
    result = WhitespaceResult()
    wallet = share_of_wallet(scorecard, customers, window)
    if wallet is not None:
        result.details["share_of_wallet"] = wallet
    level = next((c for c in ("product", "category") if c in transactions.columns), None)
    if level is None:
        note = (
            "whitespace skipped: the transactions have no `product` or `category` column; "
            "map one (e.g. --map product=SKU) to see what peers buy that each customer does not"
        )
        result.summary = {"skipped": note}
        result.notes.append(note)
        return result
    cached: list[ir.Table] = []  # released at the end: a run leaves no table behind
    try:
        _lists(
            result,
            transactions,
            scorecard,
            customers,
            window,
            settings,
            level,
            default_margin_rate,
            cached,
        )
    finally:
        for table in cached:
            release(table)
    return result


def _lists(
    result: WhitespaceResult,
    transactions: ir.Table,
    scorecard: ir.Table,
    customers: ir.Table | None,
    window: Window,
    settings: WhitespaceSettings,
    level: str,
    default_margin_rate: float,
    cached: list[ir.Table],
) -> None:
    """Fill ``result`` with the whitespace lists; every cached table goes to ``cached``."""

    def cache(table: ir.Table) -> ir.Table:
        cached.append(keep(table))
        return cached[-1]

    bought = cache(_customer_items(transactions, level, window, default_margin_rate))
    members = cache(_peer_groups(scorecard, customers, settings))
    stats = cache(_peer_item_stats(bought, members, window, default_margin_rate))
    candidates = _peer_candidates(members, stats, bought, settings, cache)
    pairs = _pairs_to_compare(bought, settings.co_purchase_max_item_buyers)
    co_purchase = settings.co_purchase and pairs <= settings.co_purchase_max_pairs
    if settings.co_purchase and not co_purchase:
        note = (
            f"whitespace: co-purchase skipped ({pairs:,} customer pairs share an item, more "
            f"than whitespace.co_purchase_max_pairs = {settings.co_purchase_max_pairs:,}); "
            "the lists rest on peer groups only"
        )
        result.notes.append(note)
    if co_purchase:
        similar = _similar_candidates(bought, members, stats, settings, cache)
        candidates = _prefer_similar(similar, candidates)
    ranked = _rank(candidates, settings)
    table = ranked.mutate(level=ibis.literal(level), why=_why(ranked)).select(*WHITESPACE_COLUMNS)
    spooled = SpooledTable(table, "whitespace", ["customer_id", "rank"])
    result.details["whitespace"] = spooled
    result.summary = {
        "level": level,
        "customers": spooled.distinct("customer_id"),
        "items_listed": len(spooled),
        "peer_groups": "industry and size band" if _has_industry(customers) else "size band",
        "customers_on_all_customers_fallback": int(
            members.filter(members.effective == ALL).count().execute()
        ),
        "co_purchase": co_purchase,
        "pairs_compared": pairs if co_purchase else None,
    }


def share_of_wallet(
    scorecard: ir.Table, customers: ir.Table | None, window: Window
) -> SpooledTable | None:
    """Yearly revenue against the customer's wallet, and the growth potential left."""
    if customers is None or "wallet" not in customers.columns:
        return None
    w = customers.select("customer_id", wallet=customers.wallet.cast("float64"))
    s = scorecard.select("customer_id", "revenue")
    t = s.left_join(w, "customer_id").select(s.customer_id, s.revenue, w.wallet)
    yearly = t.revenue.cast("float64").fill_null(0.0) * (365.0 / window.days)
    t = t.mutate(yearly_revenue=yearly).filter(t.wallet.notnull())
    t = t.mutate(
        share_of_wallet=ibis.ifelse(
            t.wallet > 0, t.yearly_revenue / t.wallet, ibis.null("float64")
        ),
        growth_potential=ibis.greatest(t.wallet - t.yearly_revenue, 0.0),
    )
    cols = ["customer_id", "yearly_revenue", "wallet", "share_of_wallet", "growth_potential"]
    return SpooledTable(t.select(*cols), "share_of_wallet", ["customer_id"])


def _has_industry(customers: ir.Table | None) -> bool:
    return customers is not None and "industry" in customers.columns


def _customer_items(
    transactions: ir.Table, level: str, window: Window, default_margin_rate: float
) -> ir.Table:
    """Spend and margin per customer and item over the window (purchase lines only)."""
    tx = transactions
    start = ibis.literal(window.start).cast("timestamp")
    end = ibis.literal(window.end).cast("timestamp")
    p = tx.filter(is_purchase(tx.amount), tx.date >= start, tx.date < end, tx[level].notnull())
    amount = p.amount.cast("float64")
    if "cost" in p.columns:
        margin = amount - p.cost.cast("float64").fill_null(amount * (1.0 - default_margin_rate))
    else:
        margin = amount * default_margin_rate
    p = p.mutate(item=p[level].cast("string"), line_margin=margin, line_amount=amount)
    return p.group_by(["customer_id", "item"]).aggregate(
        spend=p.line_amount.sum(), margin=p.line_margin.sum()
    )


def _peer_groups(
    scorecard: ir.Table, customers: ir.Table | None, settings: WhitespaceSettings
) -> ir.Table:
    """Each customer's own group (industry × size band), its size, and the group it reads."""
    s = scorecard.select("customer_id", revenue=scorecard.revenue.cast("float64").fill_null(0.0))
    if _has_industry(customers):
        assert customers is not None
        ind = customers.select("customer_id", industry=customers.industry.cast("string"))
        s = s.left_join(ind, "customer_id").select(s, ind.industry)
        industry = s.industry.fill_null("(no industry)")
    else:
        industry = ibis.literal("")
    band = ibis.ntile(settings.size_bands).over(order_by=[s.revenue, s.customer_id])
    label = "size band " + (band + 1).cast("string") + f" of {settings.size_bands}"
    if _has_industry(customers):
        label = industry + ", " + label
    s = s.mutate(group=label)
    sizes = s.group_by("group").aggregate(group_n=ibis._.count())
    s = s.join(sizes, "group")
    total = s.count()
    big = s.group_n >= settings.min_peers
    return s.mutate(
        effective=ibis.ifelse(big, s.group, ALL),
        peers=ibis.ifelse(big, s.group_n, total),
        own_n=s.group_n,
    ).select("customer_id", "group", "effective", "peers", "own_n")


def _peer_item_stats(
    bought: ir.Table, members: ir.Table, window: Window, default_margin_rate: float
) -> ir.Table:
    """Per peer group (and for all customers) and item: buyers, median annual spend, margin rate."""
    yearly = 365.0 / window.days
    m = members.select("customer_id", "group")
    in_group = bought.join(m, "customer_id")
    by_group = in_group.group_by(["group", "item"]).aggregate(
        buyers=ibis._.count(),
        median_spend=ibis._.spend.median(),
        spend=ibis._.spend.sum(),
        margin=ibis._.margin.sum(),
    )
    overall = bought.group_by("item").aggregate(
        buyers=ibis._.count(),
        median_spend=ibis._.spend.median(),
        spend=ibis._.spend.sum(),
        margin=ibis._.margin.sum(),
    )
    overall = overall.mutate(group=ibis.literal(ALL)).select(*by_group.columns)
    stats = by_group.union(overall)
    return stats.mutate(
        peer_median_annual_spend=stats.median_spend * yearly,
        margin_rate=ibis.ifelse(stats.spend > 0, stats.margin / stats.spend, default_margin_rate),
    ).select("group", "item", "buyers", "peer_median_annual_spend", "margin_rate")


def _peer_candidates(
    members: ir.Table,
    stats: ir.Table,
    bought: ir.Table,
    settings: WhitespaceSettings,
    cache: Callable[[ir.Table], ir.Table],
) -> ir.Table:
    """The ``shortlist`` items each customer's peer group buys most and it does not
    (likelihood = penetration).

    Within a group every member sees the same items in the same order (most buyers
    first, then by item), so the group's list is ranked once and an item is its place
    ``r`` on it. Each customer keeps the first ``shortlist`` places it has not bought.
    ``_rank`` would cut the same rows (penetration orders them as ``r`` does), but here
    the expansion to every member (60M rows at a million customers), the removal of the
    places bought and the cut run on numbers alone (customer, group, place); the names
    and figures are joined to the 12M rows kept. On strings the same steps took twice as
    long at a million customers (docs/PERFORMANCE.md).
    """
    cap = settings.shortlist * 5  # room for the items a customer has bought already
    order = ibis.row_number().over(group_by="group", order_by=[ibis.desc(stats.buyers), stats.item])
    top = stats.mutate(r=order).filter(ibis._.r < cap)
    groups = top.select("group").distinct()
    groups = cache(groups.mutate(g=ibis.row_number().over(order_by=groups.group)))
    top = cache(top.join(groups, "group"))
    numbered = members.mutate(c=ibis.row_number().over(order_by=members.customer_id))
    numbered = numbered.join(groups, numbered.effective == groups.group).select(numbered, groups.g)
    numbered = cache(numbered)
    # the places on its own group's list that each customer has bought
    own = bought.select("customer_id", "item").join(numbered, "customer_id")
    own = own.join(top, (own.g == top.g) & (own.item == top.item)).select(own.c, top.r)
    places = numbered.select("c", "g").join(top.select("g", "r"), "g").select("c", "g", "r")
    places = places.anti_join(own, ["c", "r"])
    place = ibis.row_number().over(group_by="c", order_by=places.r)
    kept = places.mutate(place=place).filter(ibis._.place < settings.shortlist)
    kept = kept.join(numbered, "c").select(
        "customer_id", "effective", "peers", "own_n", kept.g, kept.r
    )
    t = kept.join(top, [kept.g == top.g, kept.r == top.r]).select(
        kept.customer_id,
        kept.effective,
        kept.peers,
        kept.own_n,
        top.item,
        top.buyers,
        top.peer_median_annual_spend,
        top.margin_rate,
    )
    pen = t.buyers.cast("float64") / t.peers
    return t.mutate(
        peer_penetration=pen,
        similar_penetration=ibis.null("float64"),
        likelihood=pen,
        neighbours=ibis.null("int64"),
    ).select(*_CANDIDATE_COLUMNS)


_CANDIDATE_COLUMNS = (
    "customer_id",
    "effective",
    "peers",
    "own_n",
    "item",
    "peer_penetration",
    "similar_penetration",
    "likelihood",
    "neighbours",
    "peer_median_annual_spend",
    "margin_rate",
)


def _compared_items(bought: ir.Table, max_buyers: int) -> ir.Table:
    """The (customer, item) pairs similarity is read from: items bought by at most
    ``max_buyers`` customers (an item nearly everyone buys says little about likeness,
    and comparing its buyers pairwise grows with the square of their number)."""
    per_item = bought.group_by("item").aggregate(b=ibis._.count())
    kept = per_item.filter(per_item.b <= max_buyers).select("item")
    return bought.select("customer_id", "item").semi_join(kept, "item")


def _pairs_to_compare(bought: ir.Table, max_buyers: int) -> int:
    """Customer pairs the co-purchase join would produce: Σ over compared items of buyers²."""
    per_item = bought.group_by("item").aggregate(b=ibis._.count())
    per_item = per_item.filter(per_item.b <= max_buyers)
    value = (per_item.b * per_item.b).sum().execute()
    return int(value or 0)


def _similar_candidates(
    bought: ir.Table,
    members: ir.Table,
    stats: ir.Table,
    settings: WhitespaceSettings,
    cache: Callable[[ir.Table], ir.Table],
) -> ir.Table:
    """Items the customer's most similar customers buy and it does not."""
    items = bought.select("customer_id", "item")
    sizes = items.group_by("customer_id").aggregate(n_items=ibis._.count())
    compared = _compared_items(bought, settings.co_purchase_max_item_buyers)
    a = compared.rename(c="customer_id")
    b = compared.rename(d="customer_id")
    shared = (
        a.join(b, "item")
        .filter(ibis._.c != ibis._.d)
        .group_by(["c", "d"])
        .aggregate(shared=ibis._.count())
    )
    sa = sizes.rename(c="customer_id", n_c="n_items")
    sb = sizes.rename(d="customer_id", n_d="n_items")
    sim = shared.join(sa, "c").join(sb, "d")
    sim = sim.mutate(similarity=sim.shared / (sim.n_c * sim.n_d).cast("float64").sqrt())
    order = ibis.row_number().over(group_by="c", order_by=[ibis.desc(sim.similarity), sim.d])
    near = sim.mutate(r=order).filter(ibis._.r < settings.similar_customers).select("c", "d")
    near = cache(near)
    k = near.group_by("c").aggregate(k=ibis._.count())
    theirs = near.join(items, near.d == items.customer_id).select(near.c, items.item)
    counts = theirs.group_by(["c", "item"]).aggregate(n=ibis._.count()).join(k, "c")
    counts = counts.rename(customer_id="c").anti_join(bought, ["customer_id", "item"])
    m = members.select("customer_id", "effective", "peers", "own_n")
    t = counts.join(m, "customer_id")
    own = stats.rename(
        own_group="group",
        own_buyers="buyers",
        own_med="peer_median_annual_spend",
        own_rate="margin_rate",
    )
    everyone = stats.filter(stats.group == ALL).select(
        "item", all_med="peer_median_annual_spend", all_rate="margin_rate"
    )
    t = t.left_join(own, (t.effective == own.own_group) & (t.item == own.item)).select(
        t, own.own_buyers, own.own_med, own.own_rate
    )
    t = t.left_join(everyone, "item").select(t, everyone.all_med, everyone.all_rate)
    similar_pen = t.n.cast("float64") / t.k
    return t.mutate(
        peer_penetration=t.own_buyers.cast("float64").fill_null(0.0) / t.peers,
        similar_penetration=similar_pen,
        likelihood=similar_pen,
        neighbours=t.k.cast("int64"),
        peer_median_annual_spend=t.own_med.fill_null(t.all_med),
        margin_rate=t.own_rate.fill_null(t.all_rate),
    ).select(*_CANDIDATE_COLUMNS)


def _prefer_similar(similar: ir.Table, peer: ir.Table) -> ir.Table:
    """Each customer's similar-customer candidates, or its peer candidates when it has none.

    One pass with a window over the customer (not an anti-join on the similar set), so
    engines that do not keep a shared subquery (Spark) compute the similar set once.
    """
    both = similar.mutate(_similar=1).union(peer.mutate(_similar=0))
    both = both.mutate(_has_similar=both._similar.max().over(group_by="customer_id"))
    keep = (both._similar == 1) | (both._has_similar == 0)
    return both.filter(keep).drop("_similar", "_has_similar")


def _rank(candidates: ir.Table, settings: WhitespaceSettings) -> ir.Table:
    """Keep the ``shortlist`` most likely items, rank them by expected margin, keep ``top_n``."""
    c = candidates.mutate(
        expected_margin=candidates.likelihood
        * candidates.peer_median_annual_spend
        * candidates.margin_rate
    )
    likely = ibis.row_number().over(
        group_by="customer_id",
        order_by=[ibis.desc(c.likelihood), ibis.desc(c.peer_penetration), c.item],
    )
    c = c.mutate(r=likely).filter(ibis._.r < settings.shortlist)
    by_margin = ibis.row_number().over(
        group_by="customer_id",
        order_by=[ibis.desc(c.expected_margin), ibis.desc(c.likelihood), c.item],
    )
    c = c.mutate(rank=(by_margin + 1).cast("int64"))
    c = c.filter(c.rank <= settings.top_n)
    return c.mutate(
        peer_group=ibis.ifelse(c.effective == ALL, ibis.literal("all customers"), c.effective),
        neighbours=c.neighbours,
    )


def _why(t: ir.Table) -> ir.StringValue:
    """ "bought by 64% of the 120 customers in the same industry and size band; ..." """
    same = ibis.ifelse(
        t.effective.startswith("size band"),
        ibis.literal("in the same size band"),
        ibis.literal("in the same industry and size band"),
    )
    group_text = ibis.ifelse(
        t.effective == ALL,
        "of all "
        + grouped(t.peers)
        + " customers (only "
        + grouped(t.own_n)
        + " "
        + same
        + ", too few to compare)",
        "of the " + grouped(t.peers) + " customers " + same,
    )
    peer_part = "bought by " + percent(t.peer_penetration) + " " + group_text
    similar_part = ibis.ifelse(
        t.similar_penetration.isnull(),
        ibis.literal(""),
        "; by "
        + percent(t.similar_penetration)
        + " of the "
        + grouped(t.neighbours)
        + " customers whose purchases most resemble this one's",
    )
    spend_part = "; peers spend a median " + grouped(t.peer_median_annual_spend) + " a year on it"
    return peer_part + similar_part.fill_null("") + spend_part
