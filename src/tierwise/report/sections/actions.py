"""The lists that need action, each account with its reasons.

Deteriorating relationships, level-4 accounts, under-served strategic accounts and the
biggest loss-makers. Filtered and ordered in the engine over scorecard.parquet; only
the first ``TABLE_ROWS`` of each list reach the page, the count says how many more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from tierwise.report import takeaways as tw
from tierwise.report.sections import Section, Table
from tierwise.report.sections.run_data import RunData

Filter = Callable[[ir.Table], ir.BooleanValue]
#: Rows per action list: the ones to act on first; the full lists are in scorecard.csv.
ACTION_ROWS = 10
#: Words that mark the parts of an account's reasons each list is about.
REASON_WORDS: dict[str, tuple[str, ...]] = {
    "trend": ("deteriorating", "falling", "overdue", "complaint", "alert", "p(alive)"),
    "level": ("level 4", "good for neither", "loss maker"),
    "service": ("level", "strategic score"),
    "loss": (),
}


def build(run: RunData) -> Section:
    section = Section(
        key="actions",
        title="What needs action",
        lede="Named accounts, biggest first, with the reasons the analysis gives for each.",
    )
    t = run.scorecard
    if t is None:
        section.missing.append("The action lists need scorecard.parquet in the run folder.")
        return section
    first_tier = next(iter(run.portfolio.get("tiers") or {}), "strategic")
    lists: list[tuple[str, str, tuple[str, ...], Filter, list[Any], str, str]] = [
        (
            "Deteriorating relationships",
            "trend",
            ("relationship_trend", "revenue"),
            lambda t: t.relationship_trend == "deteriorating",
            [ibis.desc("_alert"), ibis.desc("revenue")],
            "trend: deteriorating",
            "needs relationship trends (segmentation stage; best with signals)",
        ),
        (
            "Level 4: good for neither side",
            "level",
            ("relationship_level", "revenue"),
            lambda t: t.relationship_level == 4,
            [ibis.desc("revenue")],
            "level: 4",
            "needs relationship levels (segmentation stage)",
        ),
        (
            f"Under-served {first_tier} accounts",
            "service",
            ("alignment", "tier"),
            lambda t: (t.alignment == "under_served") & (t.tier == first_tier),
            [ibis.desc("_short")],
            f"alignment: under-served, tier: {first_tier}",
            "needs alignment and tiers (service policy stage, activities table)",
        ),
        (
            "Biggest loss-makers",
            "loss",
            ("net_profit",),
            lambda t: t.net_profit < 0,
            ["net_profit"],
            "net profit below 0",
            "needs net profit per customer (cost-to-serve stage)",
        ),
    ]
    for title, kind, needed, where, order, how, needs in lists:
        if not run.has("customer_id", *needed):
            section.missing.append(f"{title}: {needs}.")
            continue
        section.tables.append(_action_table(t, title, kind, where, order, how))
    return section


def why(kind: str, reasons: Any, loss_drivers: Any) -> str:
    """The part of an account's reasons that explains why it is on this list."""
    drivers = loss_drivers if isinstance(loss_drivers, str) and loss_drivers else ""
    if kind == "loss" and drivers:
        return drivers
    text = reasons if isinstance(reasons, str) else ""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    words = REASON_WORDS.get(kind, ())
    chosen = [p for p in parts if any(w in p.lower() for w in words)] if words else []
    if kind == "level" and drivers:
        chosen.insert(0, drivers)
    picked = "; ".join(chosen or parts)
    return picked if len(picked) <= 320 else picked[:317].rstrip() + "…"


def _action_table(
    t: ir.Table, title: str, kind: str, where: Filter, order: list[Any], how: str
) -> Table:
    cols = t.columns
    work = t.mutate(
        _alert=(t.level_alert & (t.relationship_level != 4)).cast("int64").fill_null(0)
        if {"level_alert", "relationship_level"} <= set(cols)
        else ibis.literal(0),
        _short=(t.entitled_hours - t.effort_hours)
        if {"entitled_hours", "effort_hours"} <= set(cols)
        else ibis.literal(0.0),
    )
    chosen = work.filter(where(work))
    total = int(chosen.count().execute())
    show = [
        c
        for c in (
            "customer_id",
            "name",
            "owner",
            "tier",
            "relationship_level",
            "revenue",
            "net_profit",
            "effort_hours",
            "entitled_hours",
            "loss_drivers",
            "reasons",
        )
        if c in cols
    ]
    frame = chosen.order_by(order).select(*show).limit(ACTION_ROWS).to_pandas()
    header = ["Customer", "Owner", "Tier", "Level", "Revenue", "Net profit", "Why"]
    rows = []
    for r in frame.to_dict("records"):
        because = why(kind, r.get("reasons"), r.get("loss_drivers"))
        if kind == "service" and r.get("entitled_hours") is not None:
            spent = (
                f"{tw.hours(r.get('effort_hours'))} spent of "
                f"{tw.hours(r.get('entitled_hours'))} entitled"
            )
            because = f"{spent}; {because}" if because else spent
        name = r.get("name")
        rows.append(
            [
                f"{name} ({r['customer_id']})"
                if name not in (None, "") and name == name
                else str(r["customer_id"]),
                str(r.get("owner") or "—") if r.get("owner") == r.get("owner") else "—",
                str(r.get("tier") or "—"),
                tw.count(r.get("relationship_level")),
                tw.money(r.get("revenue")),
                tw.money(r.get("net_profit")),
                because or "—",
            ]
        )
    if total == 0:
        note = "No account in this run."
    elif total > len(rows):
        note = f"{len(rows)} of {tw.count(total)} shown; all of them are in scorecard.csv ({how})."
    else:
        note = f"All {tw.count(total)} shown."
    return Table(
        f"{title} ({tw.count(total)})",
        header,
        rows,
        [False, False, False, True, True, True, False],
        note=note,
    )
