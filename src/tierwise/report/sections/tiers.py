"""Tiers (count, revenue, profit, hours) and strategic against largest.

Tier figures come from portfolio.json; the rank scatter from the segmentation's sample
(details/segment_matrix); the disagreement lists from portfolio.json, capped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tierwise.report import takeaways as tw
from tierwise.report.charts.segment import strategic_vs_revenue_chart, tier_summary_chart
from tierwise.report.sections import CHART_POINTS, TABLE_ROWS, Builder, Section, Table
from tierwise.report.sections._charts import sample, tier_shares
from tierwise.report.sections.run_data import RunData

NEEDS_TIERS = (
    "Tiers need the segmentation stage: a strategic score per customer from the policy's "
    "objectives (net profit, CLV, growth potential from customers.wallet, strategic_fit, "
    "referral and influence value from signals) and the policy's tier rules."
)


def build(run: RunData) -> Section:
    p = run.portfolio
    section = Section(
        key="tiers",
        title="Tiers, and strategic is not largest",
        lede="How the book splits into service tiers, and where the strategic score "
        "disagrees with plain size.",
    )
    tiers = p.get("tiers")
    if not tiers:
        section.missing.append(NEEDS_TIERS)
        return section
    table = run.detail("segment_tiers")
    builders: list[Builder | None] = [lambda: tier_shares(tiers)]
    if table is not None and {"tier", "customers", "share_revenue"} <= set(table.columns):
        builders.insert(0, lambda: tier_summary_chart(table))
    section.add_chart(
        "tiers", "Tiers", builders, tw.tiers_takeaway(tiers, effort_known=run.effort_known)
    )
    section.tables.append(_tier_table(tiers, effort_known=run.effort_known))
    note = _model_tiers_note(tiers, p.get("model_tiers"))
    if note:
        section.notes.append(note)
    svl = p.get("strategic_vs_largest") or {}
    frame = run.detail("segment_matrix")
    if frame is not None and {"revenue_rank", "strategic_rank", "tier"} <= set(frame.columns):
        shown = sample(
            frame.dropna(subset=["revenue_rank", "strategic_rank"]),
            CHART_POINTS,
            keep_first_by="revenue",
        )
        section.add_chart(
            "strategic_vs_largest",
            "Strategic rank against revenue rank",
            lambda: strategic_vs_revenue_chart(shown, tiers=list(tiers)),
            tw.strategic_takeaway(svl),
        )
    elif svl:
        section.notes.append(tw.strategic_takeaway(svl) or "")
    for key, title in (
        ("strategic_not_largest", "More strategic than their size says"),
        ("largest_not_strategic", "Large, but not strategic"),
    ):
        rows = svl.get(key) or []
        if rows:
            section.tables.append(_disagreement_table(title, rows))
    if not svl:
        section.missing.append(
            "Strategic against largest needs strategic_rank and revenue_rank per customer "
            "(segmentation stage)."
        )
    _add_moves(section, run)
    return section


def _model_tiers_note(tiers: dict[str, Any], model_tiers: Any) -> str | None:
    """What the model alone said, when approved overrides moved accounts between tiers."""
    if not isinstance(model_tiers, dict):
        return None
    count = {name: int((f or {}).get("customers") or 0) for name, f in model_tiers.items()}
    if count == {name: int((f or {}).get("customers") or 0) for name, f in tiers.items()}:
        return None
    said = ", ".join(f"{name} {tw.count(n)}" for name, n in count.items())
    return f"Customers per tier are counted after approved overrides; the model alone: {said}."


def _cell(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else str(value)


def _add_moves(section: Section, run: RunData) -> None:
    """Who moved tier or relationship level since the previous run of the same book."""
    moves = run.portfolio.get("moves") or {}
    previous = moves.get("previous_run")
    if not previous:
        section.notes.append(
            "Tier and level moves appear from the second run of this book on, when runs "
            "are recorded in a workspace database (`tierwise analyze BOOK --db URL`)."
        )
        return
    tier, level = moves.get("tier") or {}, moves.get("level") or {}
    section.notes.append(
        f"Since the run as of {previous}: {tw.count(tier.get('up', 0))} customers moved up a "
        f"tier and {tw.count(tier.get('down', 0))} down; {tw.count(level.get('worse', 0))} "
        f"relationships got worse and {tw.count(level.get('better', 0))} better."
    )
    frame = run.detail("tier_moves")
    if frame is None or frame.empty:
        return
    order = {"down": 0, "up": 1}
    shown = frame.assign(_o=frame["tier_move"].map(order).fillna(2)).sort_values("_o")
    rows = [
        [
            str(r.customer_id),
            _cell(r.previous_tier),
            _cell(r.tier),
            _cell(r.previous_level),
            _cell(r.relationship_level),
        ]
        for r in shown.head(TABLE_ROWS).itertuples()
    ]
    section.tables.append(
        Table(
            "Who moved since the previous run",
            ["Customer", "Tier before", "Tier now", "Level before", "Level now"],
            rows,
            [False, False, False, True, True],
            note=f"{len(frame):,} moves in all; every one is in {run.detail_path('tier_moves')}.",
        )
    )


def _tier_table(tiers: dict[str, dict[str, Any]], *, effort_known: bool = True) -> Table:
    rows = [
        [
            name,
            tw.count(t.get("customers")),
            tw.money(t.get("revenue")),
            tw.money(t.get("net_profit")),
            tw.hours(t.get("effort_hours")) if effort_known else "unknown",
            tw.count(t.get("alerts")) if t.get("alerts") is not None else "—",
        ]
        for name, t in tiers.items()
    ]
    return Table(
        "Per tier",
        ["Tier", "Customers", "Revenue", "Net profit", "Hours", "Alerts"],
        rows,
        [False, True, True, True, True, True],
        note=None
        if effort_known
        else "Hours spent are unknown: the book has no activities (who spent how long on whom).",
    )


def _disagreement_table(title: str, rows: list[dict[str, Any]]) -> Table:
    body = [
        [
            str(r.get("name") or r.get("customer_id")),
            str(r.get("tier") or ""),
            tw.count(r.get("strategic_rank")),
            tw.count(r.get("revenue_rank")),
            tw.money(r.get("revenue")),
        ]
        for r in rows[:TABLE_ROWS]
    ]
    return Table(
        title,
        ["Customer", "Tier", "Strategic #", "Revenue #", "Revenue"],
        body,
        [False, False, True, True, True],
        half=True,
        note=f"Top {len(body)}; every customer's ranks are in scorecard.csv." if body else None,
    )
