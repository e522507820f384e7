"""Gaps in the customer's side of the relationship, read from the contacts table."""

from __future__ import annotations

from datetime import date

from tierwise.plans.model import Figure, Stakeholder, Statement

SPONSOR_WORDS = ("executive", "sponsor", "economic buyer", "ceo", "cfo", "coo", "chief")
CHAMPION_WORDS = ("champion",)
#: A contact not touched for longer than this is a gap.
STALE_TOUCH_DAYS = 90

SOURCE = "details/contacts"


def _has(people: list[Stakeholder], words: tuple[str, ...]) -> bool:
    for p in people:
        text = f"{p.role or ''} {p.title or ''}".lower()
        if any(w in text for w in words):
            return True
    return False


def stakeholder_gaps(
    people: list[Stakeholder], contacts_known: bool, as_of: date
) -> list[Statement]:
    """ "no executive sponsor", "single-threaded", "not touched for 120 days", ..."""
    if not contacts_known:
        return [
            Statement(
                "Stakeholders unknown: the book has no contacts table "
                "(customer_id, name, title, function, role, influence, sentiment, last_touch)",
                [Figure("contacts", 0, SOURCE)],
            )
        ]
    n = Figure("contacts", len(people), SOURCE)
    if not people:
        return [Statement("No contacts recorded for this customer", [n])]
    gaps = []
    if not _has(people, SPONSOR_WORDS):
        gaps.append(Statement("No executive sponsor among the contacts", [n]))
    if not _has(people, CHAMPION_WORDS):
        gaps.append(Statement("No champion among the contacts", [n]))
    if len(people) == 1:
        gaps.append(Statement("Single-threaded: one contact only", [n]))
    detractors = [
        p.name for p in people if (p.sentiment or "").lower() in ("detractor", "negative")
    ]
    if detractors:
        gaps.append(
            Statement(
                f"Detractors to win over: {', '.join(detractors)}",
                [Figure("sentiment", "detractor", f"{SOURCE}.sentiment")],
            )
        )
    for p in people:
        if p.last_touch:
            days = (as_of - date.fromisoformat(p.last_touch[:10])).days
            if days > STALE_TOUCH_DAYS:
                gaps.append(
                    Statement(
                        f"{p.name} not touched for {days} days",
                        [Figure("last_touch", p.last_touch, f"{SOURCE}.last_touch")],
                    )
                )
    return gaps
