"""Effort against profit: share of the team's hours against share of net profit.

Per tier when the run has tiers (with the per-decile view beside it), else per profit
decile. Drawn by ``tierwise.report.charts.profit.effort_vs_profit_chart``.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from tierwise.report import takeaways as tw
from tierwise.report.charts.profit import effort_vs_profit_chart
from tierwise.report.sections import Section
from tierwise.report.sections.run_data import RunData

NEEDS_EFFORT = (
    "Effort against profit needs hours per customer (scorecard.effort_hours, from the "
    "activities table: who spent how many minutes on which customer) and net profit."
)
NO_HOURS = (
    "No effort hours were recorded in the window: add the activities table "
    "(customer_id, date, type, minutes) to see where the team's time goes."
)


def build(run: RunData) -> Section:
    section = Section(
        key="effort",
        title="Effort against profit",
        lede="Where the team's hours go, set against where the profit comes from.",
    )
    effort = run.profit_figures.get("effort_vs_profit")
    if not effort or not effort.get("groups"):
        section.missing.append(NEEDS_EFFORT)
        return section
    if not effort.get("total_hours"):
        section.missing.append(NO_HOURS)
        return section
    by_tier = effort.get("by") == "tier"
    if by_tier:
        effort = in_tier_order(effort, list(run.portfolio.get("tiers") or {}))
    section.add_chart(
        "effort_vs_profit_by_tier" if by_tier else "effort_vs_profit_by_decile",
        "Effort against profit",
        [_retitled(effort, "by tier" if by_tier else "by profit decile")],
        tw.effort_takeaway(effort),
    )
    by_decile = effort.get("by_decile")
    if by_decile and by_decile.get("groups"):
        section.add_chart(
            "effort_vs_profit_by_decile",
            "Effort against profit by decile",
            [_retitled(by_decile, "by profit decile")],
            tw.effort_takeaway(by_decile),
        )
    return section


def in_tier_order(effort: dict[str, Any], tiers: list[str]) -> dict[str, Any]:
    """The per-tier groups in the policy's order of tiers (most served first), not by size."""
    if not tiers:
        return effort
    rank = {name: i for i, name in enumerate(tiers)}
    groups = sorted(effort["groups"], key=lambda g: rank.get(str(g["group"]), len(rank)))
    return {**effort, "groups": groups}


def _retitled(effort: dict[str, Any], label: str) -> Any:
    """The domain chart with a plain title: the takeaway under it already says the finding."""

    def retitled() -> alt.TopLevelMixin:
        return effort_vs_profit_chart(effort).properties(
            title=f"Share of hours and of net profit, {label}"
        )

    return retitled
