"""Alignment: effort against entitlement, the over- and under-served, and the hours at stake."""

from __future__ import annotations

from typing import Any

from tierwise.report import takeaways as tw
from tierwise.report.charts.service import effort_vs_entitlement
from tierwise.report.sections import CHART_POINTS, TABLE_ROWS, Card, Section, Table
from tierwise.report.sections._charts import sample
from tierwise.report.sections.run_data import RunData

NEEDS_ALIGNMENT = (
    "Alignment needs hours spent per customer (the activities table) and a tier per customer "
    "with the service policy's hours for each tier (policy section service.tiers)."
)


def build(run: RunData) -> Section:
    a = run.portfolio.get("alignment")
    section = Section(
        key="alignment",
        title="Alignment: who gets more, or less, than their tier",
        lede="Hours spent on each account against the hours its tier entitles it to.",
    )
    if not a:
        section.missing.append(NEEDS_ALIGNMENT)
        return section
    section.cards = [
        Card(
            "Over-served",
            tw.count(a.get("over_served")),
            f"{tw.hours(a.get('hours_over'))} beyond entitlement",
            "warn",
        ),
        Card(
            "Under-served",
            tw.count(a.get("under_served")),
            f"{tw.hours(a.get('hours_under'))} short",
            "bad",
        ),
        Card("Aligned", tw.count(a.get("aligned")), "within the tolerance", "good"),
    ]
    frame = run.detail("service_alignment")
    if frame is not None and {"effort_hours", "entitled_hours", "alignment"} <= set(frame.columns):
        work = frame.assign(_gap=frame["effort_hours"].sub(frame["entitled_hours"]).abs())
        shown = sample(work, CHART_POINTS, keep_first_by="_gap").drop(columns="_gap")
        section.add_chart(
            "alignment",
            "Effort against entitlement",
            lambda: effort_vs_entitlement(shown, tiers=list(run.portfolio.get("tiers") or {})),
            tw.alignment_takeaway(a),
        )
    else:
        section.notes.append(tw.alignment_takeaway(a) or "")
    for key, title in (
        ("top_under_served", "Most under-served (hours)"),
        ("top_over_served", "Most over-served (hours)"),
    ):
        rows = a.get(key) or []
        if rows:
            section.tables.append(_table(title, rows, a.get(key.replace("top_", ""))))
    if a.get("cadence_missed"):
        section.notes.append(
            f"{tw.count(a['cadence_missed'])} accounts have gone longer without a touch "
            "than their tier's cadence allows."
        )
    return section


def _table(title: str, rows: list[dict[str, Any]], total: Any) -> Table:
    body = [
        [
            str(r.get("name") or r.get("customer_id")),
            str(r.get("tier") or ""),
            tw.hours(r.get("effort_hours")),
            tw.hours(r.get("entitled_hours")),
            tw.money(r.get("money_at_stake")),
        ]
        for r in rows[:TABLE_ROWS]
    ]
    more = f" of {tw.count(total)}" if total else ""
    return Table(
        title,
        ["Customer", "Tier", "Spent", "Entitled", "At stake"],
        body,
        [False, False, True, True, True],
        half=True,
        note=f"Top {len(body)}{more} by money at stake; all accounts: "
        "details/service_alignment.parquet "
        "and the alignment column of scorecard.csv.",
    )
