"""Cost-to-serve per customer: time-driven activity-based costing over the window.

Every activity in the window is priced once (its direct ``cost``, else minutes × the
hourly rate of whoever did it, plus the fixed cost of its type), then summed per
customer and driver. Order-based drivers come from the customer facts, so a book with
transactions only still gets a cost-to-serve; whatever rests on an assumption (standard
minutes, a default rate, deliveries inferred from orders, default payment days) sets
``cost_estimated``. Deliveries and returns are inferred only for the shortfall: the
events a customer's orders and return lines call for beyond those logged under the
``logistics`` and ``returns`` drivers. Everything stays a lazy Ibis expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

from tierwise.errors import InputError
from tierwise.literals import at_midnight
from tierwise.metrics.facts import is_purchase
from tierwise.settings.cost_model import DRIVERS, CostModel
from tierwise.window import Window

#: Facts columns the order-based drivers need, and how to rebuild each from transactions.
_ORDER_FACTS = ("revenue", "orders", "order_lines", "return_lines")


def in_window(table: ir.Table, window: Window) -> ir.BooleanColumn:
    """True for rows dated inside the half-open window ``[start, end)``."""
    return (table.date >= at_midnight(window.start)) & (table.date < at_midnight(window.end))


def _lookup(key: ir.StringValue, mapping: Mapping[str, Any], dtype: str) -> ir.Value:
    """``mapping[key]`` as a column, null where the key is not listed."""
    if not mapping:
        return ibis.null(dtype)
    return key.substitute(dict(mapping), else_=ibis.null(dtype)).cast(dtype)


def normalise_type(column: ir.StringValue) -> ir.StringValue:
    """Activity types compare case- and space-insensitively (``" Visit"`` is a visit)."""
    return column.strip().lower()


def priced_activities(
    activities: ir.Table,
    customers: ir.Table | None,
    costs: CostModel,
    window: Window,
) -> ir.Table:
    """One row per activity in the window, with its driver, minutes, hours, cost and flags.

    Columns: customer_id, type, driver, minutes_used, cost, estimated, plus the flags
    that ``activity_issues`` counts (unknown_type, minutes_missing, minutes_negative,
    minutes_capped, rate_missing, direct_cost).
    """
    a = activities.filter(in_window(activities, window))
    owner: ir.StringValue = a.owner.cast("string") if "owner" in a.columns else ibis.null("string")
    if customers is not None and "owner" in customers.columns:
        owners = customers.select(
            customer_id=customers.customer_id.cast("string"),
            _customer_owner=customers.owner.cast("string"),
        ).distinct(on="customer_id", keep="first")
        a = a.mutate(_activity_owner=owner).left_join(owners, "customer_id")
        a = a.drop(*[c for c in a.columns if c.endswith("_right")])
        owner = a._activity_owner.coalesce(a._customer_owner)

    # Per-type and per-owner lookups run on the few distinct values, then join back,
    # so the big table only pays for two hash joins.
    a = a.mutate(type=a.type.cast("string"), _owner=owner)
    types = a.select("type").distinct()
    kind = normalise_type(types.type)
    type_rates = {t: costs.hourly_rates[r] for t, r in costs.type_roles.items()}
    types = types.mutate(
        _kind=kind,
        _known=(
            kind.isin(list(costs.standard_minutes))
            if costs.standard_minutes
            else ibis.literal(False)
        ),
        _standard=_lookup(kind, costs.standard_minutes, "float64").coalesce(
            ibis.literal(costs.unknown_type_minutes, type="float64")
        ),
        _fee=_lookup(kind, costs.event_costs(), "float64").coalesce(0.0),
        _driver=_lookup(kind, costs.activity_drivers, "string").coalesce("people"),
        _type_rate=_lookup(kind, type_rates, "float64"),
    )
    owners = a.select("_owner").distinct()
    owners = owners.mutate(
        _named_rate=_lookup(owners._owner, costs.hourly_rates, "float64"),
        _role_rate=_lookup(
            _lookup(owners._owner, costs.owner_roles, "string"), costs.hourly_rates, "float64"
        ),
    )
    a = a.left_join(types, "type").drop("type_right")
    a = a.left_join(owners, "_owner").drop("_owner_right")
    owner = a._owner

    raw = a.minutes.cast("float64") if "minutes" in a.columns else ibis.null("float64")
    missing = raw.isnull() | raw.isnan()
    negative = ~missing & (raw < 0)
    capped = ~missing & (raw > costs.max_minutes)
    minutes_used = ibis.cases(
        (missing | negative, a._standard.coalesce(costs.unknown_type_minutes)),
        (capped, ibis.literal(costs.max_minutes, type="float64")),
        else_=raw,
    )
    known = a._known.coalesce(False)  # a null type matches no listed type
    default_rate = ibis.literal(costs.hourly_rates[costs.default_role], type="float64")
    rate = a._named_rate.coalesce(a._role_rate, a._type_rate, default_rate)
    rate_unknown = a._named_rate.isnull() & a._role_rate.isnull()

    direct = a.cost.cast("float64") if "cost" in a.columns else ibis.null("float64")
    has_direct = direct.notnull() & ~direct.isnan() & (direct >= 0)
    priced = minutes_used / 60.0 * rate + a._fee.coalesce(0.0)
    minutes_assumed = missing | negative | capped | ~known

    return a.select(
        customer_id=a.customer_id.cast("string"),
        type=a._kind,
        driver=a._driver.coalesce("people"),
        minutes_used=minutes_used,
        cost=ibis.ifelse(has_direct, direct, priced),
        estimated=ibis.ifelse(has_direct, False, minutes_assumed | rate_unknown),
        unknown_type=~known,
        minutes_missing=missing,
        minutes_negative=negative,
        minutes_capped=capped,
        rate_missing=rate_unknown & owner.notnull(),
        owner=owner,
        direct_cost=has_direct,
        direct_cost_negative=direct.notnull() & (direct < 0),
    )


#: The flags of ``priced_activities`` that ``activity_issues`` counts.
ISSUE_FLAGS = (
    "unknown_type",
    "minutes_missing",
    "minutes_negative",
    "minutes_capped",
    "rate_missing",
    "direct_cost",
    "direct_cost_negative",
)


def activity_costs(
    activities: ir.Table, customers: ir.Table | None, costs: CostModel, window: Window
) -> ir.Table:
    """Per customer: activity cost per driver, effort hours, event counts, estimated flag,
    and the count of each questionable kind of activity (``_n_<flag>``, ``_n_in_window``).

    Pricing the activities is the costly scan of this stage (15 s for 35M activities in
    the window): the counts ride along in it, so ``activity_issues`` need not price them
    again.
    """
    p = priced_activities(activities, customers, costs, window)
    per_driver = {f"_act_{d}": ibis.ifelse(p.driver == d, p.cost, 0.0).sum() for d in DRIVERS}
    return p.group_by("customer_id").aggregate(
        **per_driver,
        effort_hours=p.minutes_used.sum() / 60.0,
        _deliveries=(p.driver == "logistics").sum(),
        _returns=(p.driver == "returns").sum(),
        _act_estimated=p.estimated.any(),
        _n_in_window=p.count(),
        **{f"_n_{flag}": p[flag].sum() for flag in ISSUE_FLAGS},
    )


def order_facts(facts: ir.Table, transactions: ir.Table | None, window: Window) -> ir.Table:
    """Facts with every column the order drivers need, rebuilt from transactions if absent."""
    lacking = [c for c in _ORDER_FACTS if c not in facts.columns]
    if "customer_id" not in facts.columns:
        raise InputError(
            f"customer facts have no customer_id column (columns seen: {list(facts.columns)}); "
            "pass the table from the facts stage"
        )
    if not lacking:
        return facts
    if transactions is None:
        raise InputError(
            f"customer facts lack {lacking} and no transactions were given to rebuild them; "
            "pass the facts stage's table or transactions=..."
        )
    t = transactions.filter(in_window(transactions, window))
    rebuilt = t.group_by(customer_id=t.customer_id.cast("string")).aggregate(
        revenue=t.amount.sum(),
        orders=t.order_id.nunique(where=is_purchase(t.amount)),
        order_lines=t.count(),
        return_lines=(t.amount < 0).sum(),
    )
    keep = ["customer_id", *lacking]
    joined = facts.left_join(rebuilt.select(*keep), "customer_id")
    joined = joined.drop("customer_id_right")
    return joined.mutate(**{c: joined[c].coalesce(0) for c in lacking})


def cost_to_serve(
    facts: ir.Table,
    activities: ir.Table | None,
    customers: ir.Table | None,
    costs: CostModel,
    window: Window,
    transactions: ir.Table | None = None,
    activity_totals: ir.Table | None = None,
) -> ir.Table:
    """Cost-to-serve of every customer that bought or was worked on in the window.

    Returns a lazy table: customer_id, ``cts_<driver>`` for each driver in ``DRIVERS``,
    cost_to_serve (their sum), effort_hours, cost_estimated. Customers with activities
    but no facts row appear with their activity costs only. ``activity_totals`` is
    ``activity_costs`` of the same activities, when the caller has it already.
    """
    facts = order_facts(facts, transactions, window)
    facts = facts.mutate(customer_id=facts.customer_id.cast("string"))
    ids = facts.select("customer_id")
    acts: ir.Table | None = None
    if activities is not None:
        acts = (
            activity_costs(activities, customers, costs, window)
            if activity_totals is None
            else activity_totals
        )
        ids = ids.union(acts.select("customer_id"), distinct=True)
    else:
        ids = ids.distinct()

    base = ids.left_join(facts.select("customer_id", *_ORDER_FACTS), "customer_id")
    base = base.drop("customer_id_right")
    if acts is not None:
        base = base.left_join(acts, "customer_id").drop("customer_id_right")
    else:
        base = base.mutate(
            **{f"_act_{d}": ibis.literal(0.0) for d in DRIVERS},
            effort_hours=ibis.literal(0.0),
            _deliveries=ibis.literal(0, type="int64"),
            _returns=ibis.literal(0, type="int64"),
            _act_estimated=ibis.literal(False),
        )

    days: ir.FloatingValue = ibis.literal(costs.payment_terms_days, type="float64")
    days_assumed: ir.BooleanValue = ibis.literal(True)
    if customers is not None and costs.payment_terms_column in customers.columns:
        terms = customers.select(
            customer_id=customers.customer_id.cast("string"),
            _days=customers[costs.payment_terms_column].cast("float64"),
        ).distinct(on="customer_id", keep="first")
        base = base.left_join(terms, "customer_id").drop("customer_id_right")
        days_assumed = base._days.isnull()
        days = base._days.coalesce(days)

    zero = ibis.literal(0.0, type="float64")
    revenue = base.revenue.cast("float64").coalesce(zero)
    orders = base.orders.cast("float64").coalesce(zero)
    lines = base.order_lines.cast("float64").coalesce(zero)
    return_lines = base.return_lines.cast("float64").coalesce(zero)
    act = {d: base[f"_act_{d}"].cast("float64").coalesce(zero) for d in DRIVERS}
    billable = ibis.greatest(revenue, zero)

    # Only the shortfall is inferred: the events the orders and return lines call for
    # beyond those logged under the same driver, so one logged delivery does not cancel
    # the other orders' deliveries, and a custom type mapped to the driver counts.
    deliveries_logged = base._deliveries.coalesce(0).cast("float64")
    returns_logged = base._returns.coalesce(0).cast("float64")
    expected_deliveries = orders * costs.deliveries_per_order
    deliveries_inferred = ibis.greatest(expected_deliveries - deliveries_logged, zero)
    returns_inferred = ibis.greatest(return_lines - returns_logged, zero)
    inferred_delivery = deliveries_inferred * costs.cost_per_delivery
    cts = {
        "people": act["people"],
        "orders": act["orders"] + orders * costs.cost_per_order + lines * costs.cost_per_order_line,
        "logistics": act["logistics"] + inferred_delivery,
        "returns": act["returns"] + returns_inferred * costs.cost_per_return,
        "support": act["support"],
        "discounts": act["discounts"] + billable * costs.off_invoice_discount_rate,
        "payment_terms": act["payment_terms"] + billable * costs.cost_of_capital * days / 365.0,
    }
    total = cts["people"]
    for d in DRIVERS[1:]:
        total = total + cts[d]
    estimated = (
        base._act_estimated.coalesce(False)
        | (inferred_delivery > 0)
        | (days_assumed & (billable * costs.cost_of_capital > 0))
    )
    return base.select(
        "customer_id",
        **{f"cts_{d}": cts[d] for d in DRIVERS},
        cost_to_serve=total,
        effort_hours=base.effort_hours.cast("float64").coalesce(zero),
        cost_estimated=estimated,
    )


def _top_counts(table: ir.Table, column: str, limit: int = 20) -> dict[str, int]:
    """The most frequent values of a column with their row counts, for a warning."""
    counts = table.group_by(column).aggregate(n=table.count()).order_by(ibis.desc("n"), column)
    frame = counts.limit(limit).execute()
    return {str(k): int(n) for k, n in zip(frame[column], frame["n"], strict=True)}


def activity_issues(
    activities: ir.Table,
    costs: CostModel,
    window: Window,
    *,
    customers: ir.Table | None = None,
    activity_totals: ir.Table | None = None,
) -> dict[str, Any]:
    """Every questionable activity, counted, with what was done about it (for run.json).

    Nothing is dropped without a trace: activities outside the window are excluded and
    counted; every other problem is costed at a stated default and counted here.
    ``customers`` lends an activity without an owner its customer's owner, as in the
    costing; ``activity_totals`` is ``activity_costs`` of the same activities and
    customers, when the caller has it already (the counts are read from it).
    """
    before = activities.date < at_midnight(window.start)
    after = activities.date >= at_midnight(window.end)
    totals = activities.aggregate(
        rows=activities.count(),
        before=before.sum(),
        after=after.sum(),
        undated=activities.date.isnull().sum(),
    ).execute()
    per_customer = (
        activity_costs(activities, customers, costs, window)
        if activity_totals is None
        else activity_totals
    )
    counts = per_customer.aggregate(
        in_window=per_customer._n_in_window.sum(),
        **{f: per_customer[f"_n_{f}"].sum() for f in ISSUE_FLAGS},
    ).execute()
    n = {c: int(counts[c].iloc[0] or 0) for c in counts.columns}

    def named(flag: str, column: str) -> dict[str, int]:
        """The commonest ``column`` values among the flagged activities: priced again (a
        scan, and a large expression for a big team's rates), so only when there are some."""
        if not n[flag]:
            return {}
        p = priced_activities(activities, customers, costs, window)
        return _top_counts(p.filter(p[flag]), column)

    t = {c: int(totals[c].iloc[0] or 0) for c in totals.columns}
    default_rate = costs.hourly_rates[costs.default_role]
    issues: dict[str, Any] = {
        "rows": t["rows"],
        "in_window": n["in_window"],
        "outside_window": {
            "count": t["before"] + t["after"] + t["undated"],
            "before_start": t["before"],
            "on_or_after_as_of": t["after"],
            "undated": t["undated"],
            "action": "excluded from cost-to-serve and effort hours",
        },
        "unknown_types": {
            "count": n["unknown_type"],
            "types": named("unknown_type", "type"),
            "action": (
                f"costed at {costs.unknown_type_minutes:g} standard minutes when minutes are "
                "missing, under the people driver unless costs.activity_drivers names them; "
                "add them to costs.standard_minutes"
            ),
        },
        "missing_minutes": {
            "count": n["minutes_missing"],
            "action": "costed at the type's standard minutes (marked estimated)",
        },
        "negative_minutes": {
            "count": n["minutes_negative"],
            "action": "replaced by the type's standard minutes (marked estimated)",
        },
        "absurd_minutes": {
            "count": n["minutes_capped"],
            "max_minutes": costs.max_minutes,
            "action": f"capped at costs.max_minutes = {costs.max_minutes:g} (marked estimated)",
        },
        "owners_without_rate": {
            "count": n["rate_missing"],
            "owners": named("rate_missing", "owner"),
            "action": (
                "costed at the rate of the type's role (costs.type_roles) or of "
                f"costs.default_role ({default_rate:g}/h), marked estimated; add the owners to "
                "costs.owner_roles or costs.hourly_rates"
            ),
        },
        "direct_cost": {
            "count": n["direct_cost"],
            "action": "the activity's own cost was used instead of minutes × rate",
        },
        "negative_direct_cost": {
            "count": n["direct_cost_negative"],
            "action": "ignored; the activity was costed at minutes × rate instead",
        },
    }
    if "owner" not in activities.columns:
        issues["owners_without_rate"]["action"] = (
            "activities have no owner column: every activity is costed at its type's role rate "
            "or the default role's rate, marked estimated"
        )
    return issues
