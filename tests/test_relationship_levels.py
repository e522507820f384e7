"""Relationship levels 1-4 from the two indices, the alert when sliding toward 4, and plays."""

from __future__ import annotations

import ibis
import pandas as pd

from tierwise.segment.levels import relationship_levels
from tierwise.settings.segmentation import LevelSettings


def _levels(rows: list[tuple[str, float, float, str]], **kw: float) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["customer_id", "value_to_us", "value_to_client", "relationship_trend"]
    )
    out = relationship_levels(ibis.memtable(df), LevelSettings(**kw)).to_pandas()
    return out.set_index("customer_id")


def test_each_quadrant_gets_its_level_and_play() -> None:
    out = _levels(
        [
            ("both", 0.8, 0.8, "stable"),
            ("us_only", 0.8, 0.2, "stable"),
            ("them_only", 0.2, 0.8, "stable"),
            ("neither", 0.2, 0.2, "stable"),
            ("on_the_line", 0.5, 0.5, "stable"),
        ]
    )
    assert out.relationship_level.to_dict() == {
        "both": 1,
        "us_only": 2,
        "them_only": 3,
        "neither": 4,
        "on_the_line": 1,
    }
    plays = LevelSettings().plays
    assert out.loc["neither", "recommended_play"] == plays[4]
    assert out.loc["us_only", "recommended_play"] == plays[2]


def test_thresholds_come_from_the_policy() -> None:
    out = _levels([("a", 0.65, 0.65, "stable")], good_for_us=0.7, good_for_client=0.6)
    assert out.loc["a", "relationship_level"] == 3


def test_alert_only_when_deteriorating_near_or_below_a_threshold() -> None:
    out = _levels(
        [
            ("safe_and_falling", 0.9, 0.9, "deteriorating"),
            ("near_and_falling", 0.55, 0.9, "deteriorating"),
            ("level4_falling", 0.2, 0.2, "deteriorating"),
            ("near_but_stable", 0.55, 0.55, "stable"),
        ],
        alert_margin=0.1,
    )
    assert out.level_alert.to_dict() == {
        "safe_and_falling": False,
        "near_and_falling": True,
        "level4_falling": True,
        "near_but_stable": False,
    }


def test_segment_charts_render_to_vega_lite() -> None:
    from tierwise.report.charts.segment import (
        relationship_matrix_chart,
        strategic_vs_revenue_chart,
        tier_summary_chart,
    )

    matrix = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "name": ["A", "B"],
            "tier": ["strategic", "core"],
            "revenue": [100.0, -5.0],
            "value_to_us": [0.8, 0.3],
            "value_to_client": [0.7, 0.2],
            "relationship_level": [1, 4],
            "relationship_trend": ["stable", "deteriorating"],
            "strategic_rank": [1, 2],
            "revenue_rank": [1, 2],
        }
    )
    tiers = pd.DataFrame(
        {
            "tier": ["strategic", "core"],
            "customers": [1, 1],
            "share_revenue": [1.0, 0.0],
            "share_net_profit": [0.9, 0.1],
            "share_effort_hours": [0.5, 0.5],
        }
    )
    for chart in (
        relationship_matrix_chart(matrix),
        tier_summary_chart(tiers),
        strategic_vs_revenue_chart(matrix),
    ):
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
