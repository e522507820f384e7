"""Portfolio figures and chart tables of the segmentation: tiers, levels, strategic vs largest.

Aggregates run in Ibis; only small results (per tier, per level, a bounded sample for
the charts) come back as pandas.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pandas as pd

from tierwise.json_safe import json_safe
from tierwise.segment.levels import LEVEL_NAMES
from tierwise.settings.segmentation import SegmentationSettings

DISAGREEMENTS = 10
DISAGREEMENT_VIEWS = ("strategic_not_largest", "largest_not_strategic")
CHART_SAMPLE = 5000


def tier_summary(full: ir.Table, settings: SegmentationSettings) -> pd.DataFrame:
    """Customers, revenue, net profit and effort hours per tier, with shares of the book."""
    agg = (
        full.group_by("tier")
        .aggregate(
            customers=full.count(),
            revenue=full.revenue.cast("float64").sum(),
            net_profit=full.net_profit.cast("float64").sum(),
            effort_hours=full.effort_hours.cast("float64").sum(),
            alerts=full.level_alert.cast("int64").sum(),
        )
        .to_pandas()
        .set_index("tier")
    )
    df = agg.reindex(settings.tier_names)
    df["customers"] = df["customers"].fillna(0).astype("int64")
    df["alerts"] = df["alerts"].fillna(0).astype("int64")
    for col in ("revenue", "net_profit", "effort_hours"):
        df[col] = df[col].astype("float64").fillna(0.0)
        total = df[col].sum()
        df[f"share_{col}"] = df[col] / total if total else 0.0
    df.index.name = "tier"
    return df.reset_index()


def level_summary(full: ir.Table) -> pd.DataFrame:
    """Customers, revenue and alerts per relationship level and trend."""
    agg = (
        full.group_by("relationship_level", "relationship_trend")
        .aggregate(
            customers=full.count(),
            revenue=full.revenue.cast("float64").sum(),
            alerts=full.level_alert.cast("int64").sum(),
        )
        .to_pandas()
    )
    agg["level_name"] = agg["relationship_level"].map(LEVEL_NAMES)
    return agg.sort_values(["relationship_level", "relationship_trend"]).reset_index(drop=True)


def strategic_vs_largest(full: ir.Table, k: int = DISAGREEMENTS) -> dict[str, pd.DataFrame]:
    """Where revenue rank and strategic rank disagree most, both ways."""
    cols = [
        "customer_id",
        "name",
        "revenue",
        "net_profit",
        "cev",
        "strategic_score",
        "strategic_rank",
        "revenue_rank",
        "tier",
    ]
    gap = (full.revenue_rank - full.strategic_rank).name("rank_gap")
    base = full.select(*cols, gap)
    return {
        "strategic_not_largest": base.filter(base.rank_gap > 0)
        .order_by([base.rank_gap.desc(), base.strategic_rank])
        .limit(k)
        .to_pandas(),
        "largest_not_strategic": base.filter(base.rank_gap < 0)
        .order_by([base.rank_gap, base.revenue_rank])
        .limit(k)
        .to_pandas(),
    }


def summaries(full: ir.Table, settings: SegmentationSettings) -> dict[str, pd.DataFrame]:
    """The small aggregates portfolio.json and the chart tables share, computed once."""
    return {
        "tiers": tier_summary(full, settings),
        "levels": level_summary(full),
        **strategic_vs_largest(full),
    }


def tier_figures(tiers: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """portfolio.json's figures per tier, from ``tier_summary``."""
    return {
        str(rec["tier"]): {
            "customers": int(rec["customers"]),
            "revenue": float(rec["revenue"]),
            "net_profit": float(rec["net_profit"]),
            "effort_hours": float(rec["effort_hours"]),
            "alerts": int(rec["alerts"]),
        }
        for rec in tiers.to_dict("records")
    }


def portfolio_summary(
    summary: dict[str, pd.DataFrame],
    settings: SegmentationSettings,
    missing: list[dict[str, str]],
) -> dict[str, Any]:
    """The segmentation's part of portfolio.json, from ``summaries``."""
    levels = summary["levels"]
    per_level = levels.groupby("relationship_level")["customers"].sum()
    trends = levels.groupby("relationship_trend")["customers"].sum()
    return {
        "tiers": tier_figures(summary["tiers"]),
        "levels": {str(k): int(per_level.get(k, 0)) for k in (1, 2, 3, 4)},
        "relationship": {
            "level_names": {str(k): v for k, v in LEVEL_NAMES.items()},
            "plays": {str(k): v for k, v in sorted(settings.levels.plays.items())},
            "trends": {k: int(trends.get(k, 0)) for k in ("improving", "stable", "deteriorating")},
            "alerts": int(levels["alerts"].sum()),
        },
        "strategic_vs_largest": {
            name: [json_safe(rec) for rec in summary[name].to_dict("records")]
            for name in DISAGREEMENT_VIEWS
        },
        "missing_inputs": list(missing),
    }


def details_tables(full: ir.Table, summary: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Chart tables: a bounded sample of customers (all of them in books up to 5,000)."""
    n = int(summary["tiers"]["customers"].sum())
    cols = [
        "customer_id",
        "name",
        "tier",
        "revenue",
        "net_profit",
        "value_to_us",
        "value_to_client",
        "value_to_client_proxy",
        "relationship_level",
        "relationship_trend",
        "level_alert",
        "strategic_score",
        "strategic_rank",
        "revenue_rank",
    ]
    sample = full.select(*cols)
    if n > CHART_SAMPLE:
        # The largest and the most strategic accounts always, plus an even spread of the rest.
        keep_every = max(1, n // (CHART_SAMPLE // 2))
        sample = sample.filter(
            (sample.revenue_rank <= CHART_SAMPLE // 4)
            | (sample.strategic_rank <= CHART_SAMPLE // 4)
            | (sample.strategic_rank % keep_every == 0)
        )
    matrix = sample.to_pandas()
    both = pd.concat(
        [summary[name].assign(view=name) for name in DISAGREEMENT_VIEWS], ignore_index=True
    )
    return {
        "segment_matrix": matrix,
        "segment_tiers": summary["tiers"],
        "segment_levels": summary["levels"],
        "strategic_vs_largest": both,
    }


__all__ = [
    "details_tables",
    "level_summary",
    "portfolio_summary",
    "strategic_vs_largest",
    "summaries",
    "tier_figures",
    "tier_summary",
]
