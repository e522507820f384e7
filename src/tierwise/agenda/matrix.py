"""The priority matrix: importance × urgency → ``do_now``/``schedule``/``delegate``/``drop``.

``reduce`` items (effort to take away from over-served accounts) are their own quadrant.
Every rule comes from the policy's ``agenda`` section and the item's ``why`` names the
rule and the figures that placed it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tierwise.settings.agenda import KINDS, AgendaSettings

QUADRANTS = ("do_now", "schedule", "delegate", "drop", "reduce")


def place(items: ir.Table, settings: AgendaSettings) -> ir.Table:
    """Add ``important``, ``quadrant`` and ``why`` to candidate items joined with accounts."""
    rules = settings.importance
    col = rules.value_column
    value_text = ibis.coalesce(items.value.round(2).cast("string"), "unknown")
    by_tier = items.tier.isin(rules.tiers).fill_null(False)
    if rules.min_value is None:
        by_value = ibis.literal(False)
        below = ""
    else:
        by_value = (items.value >= rules.min_value).fill_null(False)
        below = f" and {col} " + value_text + f" < {rules.min_value:g}"
    by_flag = (items.flagged.fill_null(False) & rules.task_flag) if rules.task_flag else False
    by_flag = ibis.literal(False) if by_flag is False else by_flag
    important = by_tier | by_value | by_flag
    important_why = ibis.cases(
        (by_tier, "important: tier " + items.tier + " (agenda.importance.tiers)"),
        (
            by_value,
            f"important: {col} "
            + value_text
            + f" ≥ {rules.min_value} (agenda.importance.min_value)",
        ),
        (by_flag, "important: the task is flagged important (agenda.importance.task_flag)"),
        else_="not important: tier "
        + ibis.coalesce(items.tier, "none")
        + " is not in agenda.importance.tiers"
        + below,
    )
    urgent = items.urgent.fill_null(False)
    urgency_why = ibis.ifelse(urgent, "urgent: ", "not urgent: ") + items.urgent_why
    quadrant = ibis.cases(
        (items.kind == "reduce", "reduce"),
        (important & urgent, "do_now"),
        (important, "schedule"),
        (urgent, "delegate"),
        else_="drop",
    )
    reduce_why = (
        "reduce: over-served: "
        + items.effort_hours.round(1).cast("string")
        + " h of effort against "
        + items.entitled_hours.round(1).cast("string")
        + " h entitled in the window (service.tiers, service.alignment); "
        + items.hours_gap.round(1).cast("string")
        + " h to free"
    )
    why = ibis.ifelse(
        items.kind == "reduce", reduce_why, quadrant + ": " + important_why + "; " + urgency_why
    )
    return items.mutate(important=important, quadrant=quadrant, why=why)


def planned_minutes(items: ir.Table, settings: AgendaSettings) -> ir.Value:
    """Minutes an item takes from the person's day: its kind's minutes, a hand-over for
    ``delegate``, nothing for ``drop`` and ``reduce``."""
    by_kind = ibis.cases(
        *[(items.kind == kind, settings.minutes_for(kind)) for kind in KINDS],
        else_=0,
    )
    return ibis.cases(
        (items.quadrant.isin(("drop", "reduce")), 0),
        (items.quadrant == "delegate", settings.delegate_minutes),
        else_=by_kind,
    ).cast("int64")


def quadrant_order(quadrant: ir.StringValue) -> ir.IntegerValue:
    return ibis.cases(*[(quadrant == q, i) for i, q in enumerate(QUADRANTS)], else_=len(QUADRANTS))
