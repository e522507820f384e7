"""Candidate items of the day, one Ibis expression per kind, all in one shape.

Each function returns lazily, for every account of every owner at once, the rows of one
kind: ``customer_id, kind, reason, title, due, urgent, urgent_why`` and the evidence
columns (``ev_*``). ``reason`` is what makes an item that kind's item for that account (a
task's title, the touch's due date…): one item per account × kind × reason, and an id
that stays the same across runs while the condition holds.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.settings.agenda import AgendaSettings
from tierwise.settings.service import ServiceSettings

ITEM_SCHEMA = {
    "customer_id": "string",
    "item_owner": "string",
    "kind": "string",
    "reason": "string",
    "title": "string",
    "due": "date",
    "urgent": "boolean",
    "urgent_why": "string",
    "flagged": "boolean",
    "ev_orders": "int64",
    "ev_revenue": "float64",
    "ev_since": "date",
    "ev_days": "int64",
    "ev_level": "int64",
    "ev_trend": "string",
    "ev_hours": "float64",
    "ev_count": "int64",
    "ev_ref": "string",
}


def shaped(table: ir.Table, **columns: ir.Value) -> ir.Table:
    """Select ``columns`` in the common item shape; the rest become typed nulls."""
    return table.select(
        **{
            name: (columns[name] if name in columns else ibis.null()).cast(kind)
            for name, kind in ITEM_SCHEMA.items()
        }
    )


def _text(value: ir.Value) -> ir.StringValue:
    return value.cast("string")


def _date_text(value: ir.DateValue) -> ir.StringValue:
    """ISO text of a date (date arithmetic may come back as a timestamp from the engine)."""
    return value.strftime("%Y-%m-%d")


def _num(value: ir.NumericValue, digits: int = 0) -> ir.StringValue:
    if digits == 0:
        return value.round(0).cast("int64").cast("string")
    return value.round(digits).cast("string")


def _due_rule(
    due: ir.DateValue, day: date, settings: AgendaSettings, what: str
) -> tuple[ir.BooleanValue, ir.StringValue]:
    """Urgent when due within ``urgency.due_within_days`` of ``day``, overdue included."""
    due = due.cast("date")
    limit = day + timedelta(days=settings.urgency.due_within_days)
    overdue = ibis.literal(day).delta(due, unit="day").cast("int64")
    urgent = due.notnull() & (due <= limit)
    why = ibis.cases(
        (due.isnull(), f"{what} has no due date"),
        (
            overdue > 0,
            f"{what} is overdue by " + _text(overdue) + " day(s) (due " + _date_text(due) + ")",
        ),
        (
            urgent,
            f"{what} is due "
            + _date_text(due)
            + f" (within {settings.urgency.due_within_days} day(s))",
        ),
        else_=f"{what} is due "
        + _date_text(due)
        + f", later than {settings.urgency.due_within_days} day(s)",
    )
    return urgent.fill_null(False), why


def purchases(touches: ir.Table, accounts: ir.Table, day: date, s: AgendaSettings) -> ir.Table:
    """What an account of a purchase tier bought since its last touch: a thank-you and a
    follow-up, ``purchase_followup_days`` after the last order."""
    t = touches.join(accounts.select("customer_id", "tier"), "customer_id")
    t = t.filter(t.orders_since_touch > 0, t.tier.isin(s.purchase_tiers))
    due = t.last_order_since_touch + ibis.interval(days=s.purchase_followup_days)
    urgent, why = _due_rule(due, day, s, "the follow-up of the purchase")
    since = ibis.ifelse(
        t.last_touch.isnull(),
        f"in the last {s.purchase_days} days (no touch on record)",
        "since the last touch on " + _date_text(t.last_touch),
    )
    return shaped(
        t,
        customer_id=t.customer_id,
        kind=ibis.literal("purchase"),
        reason=ibis.coalesce(_date_text(t.last_touch), ibis.literal("never")),
        title="Follow up "
        + _text(t.orders_since_touch)
        + " order(s), "
        + _num(t.revenue_since_touch)
        + " bought "
        + since,
        due=due,
        urgent=urgent,
        urgent_why=why,
        ev_orders=t.orders_since_touch,
        ev_revenue=t.revenue_since_touch,
        ev_since=t.last_touch,
    )


def tasks(open_tasks: ir.Table, day: date, s: AgendaSettings) -> ir.Table:
    """Open tasks, one item per account, task owner and title (duplicates folded, the
    earliest due kept). A task's own ``owner`` puts it on that person's day."""
    t = open_tasks.mutate(
        item_owner=open_tasks.owner,
        key=ibis.coalesce(open_tasks.title.strip().lower(), "task " + open_tasks.task_id),
        important=open_tasks.important.fill_null(False),
    )
    state = t.status.strip()
    shown = ibis.ifelse(
        state.isnull() | (state.lower() == "open"), t.title, t.title + " (" + state + ")"
    )
    g = t.group_by("customer_id", "item_owner", "key").aggregate(
        title=shown.min(),
        due=t.due.min(),
        flagged=t.important.max(),
        count=t.count(),
        first_id=t.task_id.min(),
    )
    urgent, why = _due_rule(g.due, day, s, "the task")
    return shaped(
        g,
        customer_id=g.customer_id,
        item_owner=g.item_owner,
        kind=ibis.literal("task"),
        reason=g.key,
        title=ibis.coalesce(g.title, "Task " + g.first_id),
        due=g.due,
        urgent=urgent,
        urgent_why=why,
        flagged=g.flagged,
        ev_count=g["count"],
        ev_ref=g.first_id,
    )


def _tier_rules(service: ServiceSettings) -> ir.Table:
    rows = [
        {
            "tier": name,
            "cadence_days": model.contact_cadence_days,
            "review_days": (
                round(365 / model.business_reviews_per_year)
                if model.business_reviews_per_year
                else None
            ),
        }
        for name, model in service.tiers.items()
    ]
    frame = pd.DataFrame(rows, columns=["tier", "cadence_days", "review_days"])
    return ibis.memtable(frame).cast(
        {"tier": "string", "cadence_days": "int64", "review_days": "int64"}
    )


def _every(
    accounts: ir.Table,
    touches: ir.Table,
    service: ServiceSettings,
    day: date,
    s: AgendaSettings,
    *,
    last: str,
    interval: str,
) -> ir.Table:
    """Accounts whose next touch (or review) falls within the horizon: last + interval."""
    a = accounts.select("customer_id", "tier").join(_tier_rules(service), "tier")
    a = a.filter(a[interval].notnull())
    a = a.left_join(touches.select("customer_id", last), "customer_id").select(a, touches[last])
    due = ibis.coalesce(
        (a[last] + a[interval].cast("int32").as_interval("D")).cast("date"), ibis.literal(day)
    )
    horizon = day + timedelta(days=s.horizon_days)
    a = a.mutate(due=due)
    return a.filter(a.due <= horizon)


def cadence(
    accounts: ir.Table, touches: ir.Table, service: ServiceSettings, day: date, s: AgendaSettings
) -> ir.Table:
    """The next engagement the tier's contact cadence asks for, when due within the horizon."""
    a = _every(accounts, touches, service, day, s, last="last_touch", interval="cadence_days")
    urgent, why = _due_rule(a.due, day, s, "the touch")
    when = ibis.ifelse(
        a.last_touch.isnull(),
        "no touch on record",
        "last touch " + _date_text(a.last_touch),
    )
    return shaped(
        a,
        customer_id=a.customer_id,
        kind=ibis.literal("cadence"),
        reason=_date_text(a.due),
        title="Touch base (every " + _text(a.cadence_days) + " days; " + when + ")",
        due=a.due,
        urgent=urgent,
        urgent_why=why,
        ev_since=a.last_touch,
        ev_days=a.cadence_days,
    )


def reviews(
    accounts: ir.Table, touches: ir.Table, service: ServiceSettings, day: date, s: AgendaSettings
) -> ir.Table:
    """Preparing the next business review of the tier: strategic work, never urgent by itself."""
    a = _every(accounts, touches, service, day, s, last="last_review", interval="review_days")
    when = ibis.ifelse(
        a.last_review.isnull(), "no review on record", "last review " + _date_text(a.last_review)
    )
    return shaped(
        a,
        customer_id=a.customer_id,
        kind=ibis.literal("review"),
        reason=_date_text(a.due),
        title="Prepare the business review (every " + _text(a.review_days) + " days; " + when + ")",
        due=a.due,
        urgent=ibis.literal(False),
        urgent_why=ibis.literal("preparing a review is planned work, not urgent by itself"),
        ev_since=a.last_review,
        ev_days=a.review_days,
    )


def alerts(accounts: ir.Table, day: date, s: AgendaSettings) -> ir.Table:
    """A relationship alert (level sliding, trend deteriorating) with its recommended play."""
    del day
    a = accounts
    falling = a.level_alert.fill_null(False)
    worse = (a.relationship_trend == "deteriorating").fill_null(False)
    a = a.filter(falling | worse)
    what = ibis.cases(
        (falling & worse, "level falling and trend deteriorating"),
        (falling, "relationship level falling"),
        else_="relationship trend deteriorating",
    )
    rule = "alerts are urgent (agenda.urgency.alerts)"
    return shaped(
        a,
        customer_id=a.customer_id,
        kind=ibis.literal("alert"),
        reason="level " + ibis.coalesce(_text(a.relationship_level), "?") + " " + what,
        title=ibis.coalesce(a.recommended_play, "Review the relationship") + " (" + what + ")",
        due=ibis.null("date"),
        urgent=ibis.literal(s.urgency.alerts),
        urgent_why=ibis.literal(rule if s.urgency.alerts else "alerts are not urgent by policy"),
        ev_level=a.relationship_level,
        ev_trend=a.relationship_trend,
        ev_ref=a.recommended_play,
    )


def reduce(accounts: ir.Table, window_days: int) -> ir.Table:
    """Effort to take away from an over-served account, with the hours it frees."""
    a = accounts.filter((accounts.alignment == "over_served").fill_null(False))
    weeks = window_days / 7
    per_week = a.hours_gap / weeks
    return shaped(
        a,
        customer_id=a.customer_id,
        kind=ibis.literal("reduce"),
        reason=ibis.literal("over_served"),
        title="Lighten the service: "
        + _num(a.hours_gap, 1)
        + " h over the entitlement in the window ("
        + _num(per_week, 1)
        + " h a week to free)",
        urgent=ibis.literal(False),
        urgent_why=ibis.literal("effort to take away"),
        ev_hours=a.hours_gap,
    )


def overrides(pending: pd.DataFrame | None, day: date, s: AgendaSettings) -> ir.Table | None:
    """Tier overrides awaiting a decision, or approved ones whose review-by date comes near.

    ``pending`` (from the workspace database): ``override_id, customer_id, tier, status,
    review_by``.
    """
    if pending is None or pending.empty:
        return None
    o = ibis.memtable(pending).cast(
        {
            "override_id": "string",
            "customer_id": "string",
            "tier": "string",
            "status": "string",
            "review_by": "date",
        }
    )
    horizon = day + timedelta(days=s.horizon_days)
    o = o.filter((o.status == "pending") | (o.review_by.notnull() & (o.review_by <= horizon)))
    due = ibis.ifelse(o.status == "pending", ibis.literal(day), o.review_by)
    urgent, why = _due_rule(due, day, s, "the override review")
    title = ibis.ifelse(
        o.status == "pending",
        "Override to " + o.tier + " awaits a decision (#" + o.override_id + ")",
        "Review the override to " + o.tier + " (#" + o.override_id + ")",
    )
    return shaped(
        o,
        customer_id=o.customer_id,
        kind=ibis.literal("override"),
        reason="override " + o.override_id + " " + o.status,
        title=title,
        due=due,
        urgent=urgent,
        urgent_why=why,
        ev_ref=o.override_id,
    )


def plan_actions(actions: pd.DataFrame | None, day: date, s: AgendaSettings) -> ir.Table | None:
    """Open actions of kept account plans (CONTRACT §7), on the day of the action's owner
    (the account's owner when the action names none).

    ``actions`` (from the workspace database): ``customer_id, action_key, title, owner, due,
    objective, version``.
    """
    if actions is None or actions.empty:
        return None
    a = ibis.memtable(actions).cast(
        {
            "customer_id": "string",
            "action_key": "string",
            "title": "string",
            "owner": "string",
            "due": "date",
            "objective": "string",
            "version": "int64",
        }
    )
    urgent, why = _due_rule(a.due, day, s, "the plan action")
    return shaped(
        a,
        customer_id=a.customer_id,
        item_owner=a.owner,
        kind=ibis.literal("plan_action"),
        reason="plan action " + a.action_key,
        title="Account plan: " + a.title,
        due=a.due,
        urgent=urgent,
        urgent_why=why,
        ev_ref=a.action_key,
        ev_count=a.version,
    )
