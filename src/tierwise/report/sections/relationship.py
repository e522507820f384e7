"""The relationship matrix: value to us against value to the customer, four levels.

One dot per account from the segmentation's bounded sample (details/segment_matrix),
capped again for the page; counts per level and the recommended play beside it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tierwise.report import takeaways as tw
from tierwise.report.charts.segment import relationship_matrix_chart
from tierwise.report.sections import CHART_POINTS, Builder, Section, Table
from tierwise.report.sections._charts import level_counts, relationship_matrix, sample
from tierwise.report.sections.run_data import RunData

MATRIX_COLUMNS = (
    "customer_id",
    "name",
    "revenue",
    "value_to_us",
    "value_to_client",
    "relationship_level",
    "relationship_trend",
)
NEEDS_LEVELS = (
    "The relationship matrix needs the two value indices per customer (value_to_us, "
    "value_to_client) from the segmentation stage. Value to the customer is best read "
    "from a signals table (nps, csat, usage, complaints, outcomes); without one it is a "
    "proxy from buying behaviour."
)


def build(run: RunData) -> Section:
    p = run.portfolio
    section = Section(
        key="relationship",
        title="Relationship matrix",
        lede="Is each relationship good for us, for the customer, for both or for neither?",
    )
    levels = p.get("levels")
    frame, total = _points(run)
    takeaway = tw.levels_takeaway(levels, p.get("relationship"))
    if frame is not None and len(frame):
        us = float(run.policy_value("segmentation", "levels", "good_for_us") or 0.5)
        client = float(run.policy_value("segmentation", "levels", "good_for_client") or 0.5)
        keep = "revenue" if "revenue" in frame else None
        shown = sample(frame, CHART_POINTS, keep_first_by=keep)
        tier_order = list(p.get("tiers") or {}) or None
        builders: list[Builder | None] = [lambda: relationship_matrix(shown, us, client, total)]
        if {"tier", "revenue", "name"} <= set(shown.columns):
            kwargs: dict[str, Any] = {"good_for_us": us, "good_for_client": client}
            if tier_order:
                kwargs["tiers"] = tier_order
            builders.insert(0, lambda: relationship_matrix_chart(shown, **kwargs))
        section.add_chart("relationship_matrix", "Relationship matrix", builders, takeaway)
    elif levels:
        section.add_chart(
            "relationship_levels", "Customers per level", lambda: level_counts(levels), takeaway
        )
    else:
        section.missing.append(NEEDS_LEVELS)
        return section
    if levels:
        section.tables.append(_levels_table(levels, p.get("relationship") or {}))
    trends = (p.get("relationship") or {}).get("trends")
    if trends:
        section.notes.append(
            "Trend over the recent period: "
            + ", ".join(f"{tw.count(n)} {k}" for k, n in trends.items())
            + "."
        )
    proxy = _proxy_share(frame)
    if proxy:
        section.notes.append(
            f"Value to the customer is a proxy read from buying behaviour for {tw.share(proxy)} "
            "of the accounts drawn: no survey, usage or complaint signals for them."
        )
    return section


def _points(run: RunData) -> tuple[pd.DataFrame | None, int]:
    """The per-account sample to draw, and how many accounts the book has."""
    total = int(run.portfolio.get("customers") or 0)
    frame = run.detail("segment_matrix")
    if frame is not None and {"value_to_us", "value_to_client", "relationship_level"} <= set(
        frame.columns
    ):
        return frame, max(total, len(frame))
    if (
        run.has("value_to_us", "value_to_client", "relationship_level")
        and run.scorecard is not None
    ):
        t = run.scorecard
        cols = [c for c in (*MATRIX_COLUMNS, "value_to_client_proxy") if c in t.columns]
        n = int(t.count().execute())
        step = max(1, n // CHART_POINTS)
        ranked = t.mutate(_k=t.customer_id.hash().abs() % step) if step > 1 else t
        picked = ranked.filter(ranked._k == 0).select(*cols) if step > 1 else t.select(*cols)
        return picked.limit(CHART_POINTS).to_pandas(), n
    return None, total


def _levels_table(levels: dict, relationship: dict) -> Table:
    total = sum(int(v or 0) for v in levels.values()) or 1
    plays = relationship.get("plays") or {}
    names = relationship.get("level_names") or {}
    rows = [
        [
            f"{k} · {names.get(k, tw.LEVEL_NAMES.get(k, ''))}",
            tw.count(levels.get(k, 0)),
            tw.share(int(levels.get(k, 0) or 0) / total),
            str(plays.get(k, "")),
        ]
        for k in ("1", "2", "3", "4")
    ]
    return Table(
        "Levels and their plays",
        ["Level", "Customers", "Share", "Recommended play"],
        rows,
        [False, True, True, False],
    )


def _proxy_share(frame: pd.DataFrame | None) -> float | None:
    if frame is None or "value_to_client_proxy" not in frame.columns or not len(frame):
        return None
    share = float(frame["value_to_client_proxy"].fillna(False).astype(bool).mean())
    return share or None
