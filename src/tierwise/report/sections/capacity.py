"""Capacity: can the team carry the policy? Hours required against hours available."""

from __future__ import annotations

from typing import Any

from tierwise.report import takeaways as tw
from tierwise.report.charts.service import capacity_by_tier
from tierwise.report.sections import TABLE_ROWS, Card, Section, Table
from tierwise.report.sections._charts import capacity_bars
from tierwise.report.sections._run import RunData

NEEDS_CAPACITY = (
    "Capacity needs tiers, the service policy's hours per tier (service.tiers) and the team "
    "(service.team: name, role, hours per week), and the owner of each customer "
    "(customers.owner) to split it per person."
)


def build(run: RunData) -> Section:
    c = run.portfolio.get("capacity")
    section = Section(
        key="capacity",
        title="Capacity",
        lede="The hours the tiers ask of the team, against the hours it has, over the window.",
    )
    if not c or c.get("hours_required") is None:
        section.missing.append(NEEDS_CAPACITY)
        return section
    gap = c.get("gap_hours") or 0.0
    section.cards = [
        Card("Hours required", tw.hours(c.get("hours_required")), "by the service policy"),
        Card("Hours available", tw.hours(c.get("hours_available")), "from service.team"),
        Card(
            "Gap" if gap < 0 else "Free for new business",
            tw.hours(abs(gap)),
            f"utilisation {tw.share(c.get('utilisation'))}",
            "bad" if gap < 0 else "good",
        ),
        Card(
            "Freed by realigning",
            tw.hours(c.get("hours_freed_by_realigning")),
            "over-served accounts moved to their model",
        ),
    ]
    roles = c.get("per_role") or []
    if roles:
        section.add_chart(
            "capacity",
            "Capacity per role",
            lambda: capacity_bars(roles, "role", "Role"),
            tw.capacity_takeaway(c),
        )
    else:
        section.notes.append(tw.capacity_takeaway(c) or "")
    per_tier = run.detail("capacity_by_tier")
    if per_tier is not None and {"tier", "required_hours", "effort_hours"} <= set(per_tier.columns):
        section.add_chart(
            "capacity_by_tier",
            "Hours by tier: policy against practice",
            lambda: capacity_by_tier(per_tier),
            tw.tier_hours_takeaway(c.get("per_tier") or _records(per_tier)),
        )
    if c.get("answer"):
        section.notes.append(str(c["answer"]))
    opt = _optimiser_note(run.portfolio.get("capacity_optimised"))
    if opt:
        section.notes.append(opt)
    people = c.get("per_person") or []
    if people:
        section.tables.append(_people_table(people))
    return section


def _optimiser_note(opt: dict[str, Any] | None) -> str | None:
    """The optimiser's answer: most strategic value per hour against the largest accounts."""
    if not opt or opt.get("status") != "optimal":
        return None
    best, naive = opt.get("optimal") or {}, opt.get("naive_top_n_by_revenue") or {}
    if not best.get("value") or not naive.get("value"):
        return None
    gain = best["value"] / naive["value"] - 1
    return (
        f"Within the {opt.get('role', 'owner')}s' {tw.hours(opt.get('capacity_hours'))}, choosing "
        f"the {opt.get('tier')} tier for strategic value per hour serves "
        f"{tw.count(best.get('accounts'))} "
        f"accounts with {tw.share(gain)} more {opt.get('value_column', 'value')} than the "
        f"{tw.count(naive.get('accounts'))} largest by revenue."
    )


def _people_table(people: list[dict[str, Any]]) -> Table:
    ordered = sorted(people, key=lambda r: r.get("gap_hours") or 0.0)
    body = [
        [
            str(r.get("person")),
            str(r.get("role") or ""),
            tw.count(r.get("customers")),
            tw.hours(r.get("required_hours")),
            tw.hours(r.get("available_hours")),
            tw.hours(r.get("gap_hours")),
        ]
        for r in ordered[:TABLE_ROWS]
    ]
    more = (
        f" (the {TABLE_ROWS} shortest of {len(people)}; all in details/capacity_by_person.parquet)"
        if len(people) > TABLE_ROWS
        else ""
    )
    return Table(
        "Per person, shortest first",
        ["Person", "Role", "Customers", "Required", "Available", "Gap"],
        body,
        [False, False, True, True, True, True],
        note=("Gap = available − required" + more + "."),
    )


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
