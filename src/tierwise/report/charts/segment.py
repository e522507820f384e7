"""Segmentation charts (Altair): relationship matrix, tier summary, strategic vs revenue rank.

Each function takes one of the ``details`` tables of the segmentation stage
(``segment_matrix``, ``segment_tiers``) and returns a chart; the report inlines them.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

DEFAULT_TIERS = ("strategic", "growth", "core", "transactional")


def _tier_scale(tiers: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(tiers), scheme="tableau10")


def relationship_matrix_chart(
    matrix: pd.DataFrame,
    *,
    tiers: Sequence[str] = DEFAULT_TIERS,
    good_for_us: float = 0.5,
    good_for_client: float = 0.5,
) -> alt.LayerChart | alt.FacetChart:
    """Value to the customer (x) × value to us (y), coloured by tier, sized by revenue.

    The threshold rules split the four relationship levels: top right 1, top left 2,
    bottom right 3, bottom left 4.
    """
    data = matrix.assign(revenue=matrix["revenue"].clip(lower=0))
    # A band outside 0..1 on every side: the largest bubbles at an edge are drawn whole,
    # and the quadrant labels sit in it, where no account can cover them.
    domain = [-0.1, 1.1]
    ticks = alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format=".2f")
    points = (
        alt.Chart(data)
        .mark_circle(opacity=0.6)
        .encode(
            x=alt.X(
                "value_to_client:Q",
                title="Value to the customer",
                scale=alt.Scale(domain=domain, nice=False),
                axis=ticks,
            ),
            y=alt.Y(
                "value_to_us:Q",
                title="Value to us",
                scale=alt.Scale(domain=domain, nice=False),
                axis=ticks,
            ),
            color=alt.Color("tier:N", scale=_tier_scale(tiers), title="Tier"),
            size=alt.Size("revenue:Q", title="Revenue", scale=alt.Scale(range=[10, 400])),
            tooltip=[
                alt.Tooltip("name:N", title="Customer"),
                alt.Tooltip("customer_id:N", title="Id"),
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("relationship_level:O", title="Level"),
                alt.Tooltip("relationship_trend:N", title="Trend"),
                alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
                alt.Tooltip("value_to_us:Q", title="Value to us", format=".2f"),
                alt.Tooltip("value_to_client:Q", title="Value to the customer", format=".2f"),
            ],
        )
    )
    vline = (
        alt.Chart(pd.DataFrame({"x": [good_for_client]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(x="x:Q")
    )
    hline = (
        alt.Chart(pd.DataFrame({"y": [good_for_us]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    )
    labels = pd.DataFrame(
        {
            "x": [1.08, -0.08, 1.08, -0.08],
            "y": [1.06, 1.06, -0.06, -0.06],
            "text": ["1 good for both", "2 good for us only", "3 good for them only", "4 neither"],
            "align": ["right", "left", "right", "left"],
        }
    )
    text = alt.layer(
        *(
            alt.Chart(labels[labels["align"] == side])
            .mark_text(fontSize=11, color="#374151", align=side, fontWeight="bold")
            .encode(x="x:Q", y="y:Q", text="text:N")
            for side in ("left", "right")
        )
    )
    return alt.layer(points, vline, hline, text).properties(
        title="Relationship matrix", width=480, height=420
    )


def tier_summary_chart(tiers_table: pd.DataFrame) -> alt.Chart:
    """Share of customers, revenue, net profit and effort hours per tier, side by side."""
    shares = tiers_table.melt(
        id_vars="tier",
        value_vars=["share_revenue", "share_net_profit", "share_effort_hours"],
        var_name="measure",
        value_name="share",
    )
    total = tiers_table["customers"].sum()
    counts = tiers_table.assign(
        measure="share_customers", share=tiers_table["customers"] / total if total else 0.0
    )[["tier", "measure", "share"]]
    data = pd.concat([counts, shares], ignore_index=True)
    data["measure"] = data["measure"].str.replace("share_", "", regex=False).str.replace("_", " ")
    order = list(tiers_table["tier"])
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "measure:N", title=None, sort=["customers", "revenue", "net profit", "effort hours"]
            ),
            xOffset=alt.XOffset("tier:N", sort=order),
            y=alt.Y("share:Q", title="Share of the book", axis=alt.Axis(format="%")),
            color=alt.Color("tier:N", sort=order, scale=_tier_scale(order), title="Tier"),
            tooltip=[
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(title="Tiers: customers, revenue, profit and effort", width=480, height=280)
    )


def strategic_vs_revenue_chart(
    matrix: pd.DataFrame, *, tiers: Sequence[str] = DEFAULT_TIERS
) -> alt.LayerChart | alt.FacetChart:
    """Revenue rank (x) against strategic rank (y), log scales; off the diagonal = disagreement."""
    points = (
        alt.Chart(matrix)
        .mark_circle(opacity=0.6, size=30)
        .encode(
            x=alt.X(
                "revenue_rank:Q", title="Revenue rank (1 = largest)", scale=alt.Scale(type="log")
            ),
            y=alt.Y(
                "strategic_rank:Q",
                title="Strategic rank (1 = most strategic)",
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color("tier:N", scale=_tier_scale(tiers), title="Tier"),
            tooltip=[
                alt.Tooltip("name:N", title="Customer"),
                alt.Tooltip("customer_id:N", title="Id"),
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("revenue_rank:Q", title="Revenue rank"),
                alt.Tooltip("strategic_rank:Q", title="Strategic rank"),
            ],
        )
    )
    top = (
        int(max(matrix["revenue_rank"].max(), matrix["strategic_rank"].max(), 1))
        if len(matrix)
        else 1
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"r": [1, top]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x="r:Q", y="r:Q")
    )
    return alt.layer(points, diagonal).properties(
        title="Strategic is not largest", width=480, height=420
    )
