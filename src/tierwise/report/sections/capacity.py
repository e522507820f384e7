"""Capacity: can the team carry the policy? Hours required against hours available."""

from __future__ import annotations

from typing import Any

from tierwise.policy.capacity import plain_role
from tierwise.report import takeaways as tw
from tierwise.report.charts.service import capacity_by_tier
from tierwise.report.sections import TABLE_ROWS, Card, Section, Table
from tierwise.report.sections._charts import capacity_bars
from tierwise.report.sections.run_data import RunData

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
    source = c.get("team_source", "policy")
    section.cards = _cards(c, source, run.effort_known)
    roles = c.get("per_role") or []
    if roles:
        section.add_chart(
            "capacity",
            "Capacity per role",
            lambda: capacity_bars(roles, "role", "Role", effort_known=run.effort_known),
            tw.capacity_takeaway(c),
        )
    else:
        section.notes.append(tw.capacity_takeaway(c) or "")
    per_tier = run.detail("capacity_by_tier")
    if per_tier is not None and {"tier", "required_hours", "effort_hours"} <= set(per_tier.columns):
        section.add_chart(
            "capacity_by_tier",
            "Hours by tier: policy against practice",
            lambda: capacity_by_tier(
                per_tier if run.effort_known else per_tier.drop(columns="effort_hours")
            ),
            tw.tier_hours_takeaway(
                c.get("per_tier") or _records(per_tier), effort_known=run.effort_known
            ),
        )
    if c.get("answer"):
        section.notes.append(str(c["answer"]))
    if source == "policy" and (c.get("per_person") or []):
        section.notes.append(PER_PERSON_VS_ROLE)
    opt = _optimiser_note(run.portfolio.get("capacity_optimised"))
    if opt:
        section.notes.append(opt)
    people = c.get("per_person") or []
    if people:
        section.tables.append(_people_table(people, source))
    return section


#: Why the per-role and per-person views can disagree (issue: they must agree or say why).
PER_PERSON_VS_ROLE = (
    "Per role, an account's hours count against the role its tier names (service.tiers, "
    "owner role); per person, against the account's owner, whatever their role. A person "
    "who owns accounts of a tier another role serves carries them per person but not per "
    "role, so the two views differ when owners and tier roles do not match; the verdict "
    "above is per role."
)


def _cards(c: dict[str, Any], source: str, effort_known: bool) -> list[Card]:
    required = Card("Hours required", tw.hours(c.get("hours_required")), "by the service policy")
    if source == "unknown":
        return [
            required,
            Card("Hours available", "unknown", "add your team under service.team", "warn"),
        ]
    gap = c.get("gap_hours") or 0.0
    origin = (
        f"inferred: {tw.count(len(c.get('per_person') or []))} owners × "
        f"{tw.hours(c.get('assumed_hours_per_person'))} assumed"
        if source == "inferred"
        else "from the policy's team"
    )
    cards = [
        required,
        Card(
            "Hours available",
            tw.hours(c.get("hours_available")),
            origin,
            "warn" if source == "inferred" else "neutral",
        ),
        Card(
            "Gap" if gap < 0 else "Free for new business",
            tw.hours(abs(gap)),
            f"the policy needs {tw.share(c.get('utilisation'))} of the hours",
            "bad" if gap < 0 else "good",
        ),
    ]
    if effort_known:
        cards.append(
            Card(
                "Freed by realigning",
                tw.hours(c.get("hours_freed_by_realigning")),
                "over-served accounts moved to their model",
            )
        )
    return cards


#: The optimiser's value columns as a reader says them.
VALUE_NAMES = {
    "strategic_score": "strategic score",
    "cev": "customer engagement value",
    "clv": "lifetime value",
    "net_profit": "net profit",
    "revenue": "revenue",
}


def _optimiser_note(opt: dict[str, Any] | None) -> str | None:
    """The optimiser's answer: most strategic value per hour against the largest accounts."""
    if not opt or opt.get("status") != "optimal":
        return None
    best, naive = opt.get("optimal") or {}, opt.get("naive_top_n_by_revenue") or {}
    if not best.get("value") or not naive.get("value"):
        return None
    gain = best["value"] / naive["value"] - 1
    column = str(opt.get("value_column", "value"))
    value = VALUE_NAMES.get(column, plain_role(column))
    return (
        f"Within the {tw.hours(opt.get('capacity_hours'))} of "
        f"{plain_role(opt.get('role', 'owner'))} time, choosing the {opt.get('tier')} tier by "
        f"{value} per hour serves {tw.count(best.get('accounts'))} accounts with "
        f"{tw.share(gain)} more {value} than the {tw.count(naive.get('accounts'))} largest "
        "by revenue."
    )


def _people_table(people: list[dict[str, Any]], source: str = "policy") -> Table:
    ordered = sorted(people, key=lambda r: r.get("gap_hours") or 0.0)
    body = [
        [
            str(r.get("person")),
            plain_role(r.get("role") or ""),
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
        note=(
            "Gap = available − required"
            + more
            + (
                "; available hours are assumed (the policy lists no team)."
                if source == "inferred"
                else "."
            )
        ),
    )


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
