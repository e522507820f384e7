"""Overrides: where people set a tier other than the model's, and which have gone stale.

Built only for runs made with a workspace database (``analyze --db``); the figures come
from portfolio.json's ``overrides``, the list from the scorecard's ``override_*`` columns.
"""

from __future__ import annotations

from tierwise.report import takeaways as tw
from tierwise.report.sections import TABLE_ROWS, Card, Section, Table
from tierwise.report.sections.run_data import RunData


def build(run: RunData) -> Section:
    section = Section(
        key="overrides",
        title="Overrides: people decide",
        lede="Tiers set by people, with a reason and an approval, beside what the model says.",
    )
    figures = run.portfolio.get("overrides") or {}
    applied, stale = int(figures.get("applied") or 0), int(figures.get("stale") or 0)
    section.cards.append(
        Card("Overrides applied", tw.count(applied), f"{figures.get('rate', 0):.1%} of customers")
    )
    section.cards.append(
        Card(
            "Stale overrides",
            tw.count(stale),
            "the model's tier moved since approval: review them",
            tone="warn" if stale else "neutral",
        )
    )
    managers = figures.get("by_manager") or {}
    if managers:
        section.tables.append(
            Table(
                "Override rate per manager",
                ["Manager", "Customers", "Overrides", "Rate"],
                [
                    [m, tw.count(v["customers"]), tw.count(v["overrides"]), f"{v['rate']:.1%}"]
                    for m, v in sorted(managers.items())
                ],
                [False, True, True, True],
                half=True,
            )
        )
    t = run.scorecard
    if t is not None and applied and run.has("override_id", "model_tier"):
        cols = ["customer_id", "name", "owner", "model_tier", "tier", "override_reason"]
        cols = [c for c in cols if run.has(c)] + ["override_stale"]
        frame = (
            t.filter(t.override_id.notnull())
            .select(*cols)
            .order_by([t.override_stale.desc(), "customer_id"])
            .limit(TABLE_ROWS)
            .execute()
        )
        section.tables.append(
            Table(
                "Overridden tiers",
                ["Customer", *[c.replace("_", " ").capitalize() for c in cols[1:]]],
                [["—" if v is None else str(v) for v in row] for row in frame.values.tolist()],
                note=f"{applied:,} in all; every one is in scorecard.csv (override_* columns).",
            )
        )
    return section
