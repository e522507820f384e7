"""Charts of the service policy: effort against entitlement, capacity, tier migration.

Each function takes a table from the run's details (or a comparison) and returns an
Altair chart; the report decides where it goes. Nothing here computes a figure.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

ALIGNMENT_COLOURS = alt.Scale(
    domain=["over-served", "aligned", "under-served"], range=["#d95f02", "#7f7f7f", "#1b9e77"]
)
#: The alignment column's values as a reader says them.
ALIGNMENT_WORDS = {
    "over_served": "over-served",
    "aligned": "aligned",
    "under_served": "under-served",
}


def effort_vs_entitlement(
    alignment: pd.DataFrame, *, width: int = 520, tiers: list[str] | None = None
) -> alt.LayerChart:
    """Each account: hours it got (y) against hours its tier entitles it to (x).

    Points above the diagonal are over-served, below it under-served. Both axes share a
    symmetric-log scale over the same range, so a few accounts with hundreds of hours do
    not squeeze the many small entitlements into one column at the left, and zero hours
    still have a place. Expects the ``service_alignment`` details table.
    """
    data = alignment[
        ["customer_id", "name", "owner", "tier", "effort_hours", "entitled_hours", "alignment"]
    ].copy()
    data["alignment"] = data["alignment"].map(ALIGNMENT_WORDS).fillna("unknown")
    top = float(np.nanmax([data["effort_hours"].max(), data["entitled_hours"].max(), 1.0]))
    # Six significant digits: the line looks the same, and the report is byte-identical on
    # machines whose maths libraries differ in the last bit.
    grid = np.array([0.0, *(float(f"{v:.6g}") for v in np.geomspace(0.1, top, 60))])
    diagonal = pd.DataFrame({"entitled_hours": grid, "effort_hours": grid})
    scale = alt.Scale(type="symlog", constant=1, domain=[0, top * 1.1], nice=False)
    steps = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]
    ticks = alt.Axis(values=[v for v in steps if v <= top * 1.1], format=",")
    order = tiers or list(dict.fromkeys(data["tier"].dropna()))
    points = (
        alt.Chart(data)
        .mark_point(size=40, opacity=0.6, filled=True)
        .encode(
            x=alt.X(
                "entitled_hours:Q",
                title="Entitled hours (tier and tailoring)",
                scale=scale,
                axis=ticks,
            ),
            y=alt.Y("effort_hours:Q", title="Hours spent in the window", scale=scale, axis=ticks),
            color=alt.Color("alignment:N", scale=ALIGNMENT_COLOURS, title="Alignment"),
            shape=alt.Shape("tier:N", title="Tier", sort=order, scale=alt.Scale(domain=order)),
            tooltip=[
                alt.Tooltip("name:N", title="Customer"),
                alt.Tooltip("customer_id:N", title="Id"),
                alt.Tooltip("owner:N", title="Owner"),
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("effort_hours:Q", title="Hours spent", format=",.1f"),
                alt.Tooltip("entitled_hours:Q", title="Hours entitled", format=",.1f"),
            ],
        )
    )
    line = (
        alt.Chart(diagonal)
        .mark_line(strokeDash=[4, 4], color="#444")
        .encode(x="entitled_hours:Q", y="effort_hours:Q")
    )
    return (line + points).properties(
        width=width,
        height=width * 0.75,
        title=alt.TitleParams(
            "Effort against entitlement",
            subtitle="Both axes on a log scale; above the dashed line: more than entitled",
        ),
    )


def capacity_by_person(people: pd.DataFrame, *, width: int = 520) -> alt.Chart:
    """Hours each person's accounts require against the hours the person has."""
    long = people.melt(
        id_vars=["person", "role"],
        value_vars=["required_hours", "available_hours", "effort_hours"],
        var_name="measure",
        value_name="hours",
    )
    long["measure"] = long["measure"].map(
        {"required_hours": "required", "available_hours": "available", "effort_hours": "spent"}
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("person:N", title=None, sort="-x"),
            x=alt.X("hours:Q", title="Hours over the window"),
            yOffset=alt.YOffset("measure:N", sort=["available", "required", "spent"]),
            color=alt.Color("measure:N", title=None),
            tooltip=["person", "role", "measure", alt.Tooltip("hours:Q", format=",.0f")],
        )
        .properties(width=width, title="Capacity by person")
    )


def capacity_by_tier(tiers: pd.DataFrame, *, width: int = 520) -> alt.Chart:
    """Per tier: the hours the policy requires against the hours actually spent."""
    values = [c for c in ("required_hours", "effort_hours") if c in tiers.columns]
    long = tiers.melt(
        id_vars=["tier"],
        value_vars=values,
        var_name="measure",
        value_name="hours",
    )
    long["measure"] = long["measure"].map({"required_hours": "required", "effort_hours": "spent"})
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("tier:N", title=None, sort=list(tiers["tier"]), axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("measure:N", sort=["required", "spent"]),
            y=alt.Y("hours:Q", title="Hours over the window"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["required", "spent"], range=["#4a6fa5", "#c98a1b"]),
            ),
            tooltip=[
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("measure:N", title="Hours"),
                alt.Tooltip("hours:Q", title="Hours", format=",.0f"),
            ],
        )
        .properties(width=width, title="Hours by tier: policy against practice")
    )


def migration_matrix(matrix: pd.DataFrame, *, width: int = 360) -> alt.LayerChart:
    """Customers by tier in the baseline run (rows) and the alternative (columns)."""
    named = matrix.rename_axis(index="tier_a", columns=None).reset_index()
    data = named.melt(id_vars="tier_a", var_name="tier_b", value_name="customers")
    base = alt.Chart(data).encode(
        y=alt.Y("tier_a:N", title="Tier in run A", sort=list(matrix.index)),
        x=alt.X("tier_b:N", title="Tier in run B", sort=list(matrix.columns)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("customers:Q", scale=alt.Scale(scheme="blues"), title="Customers"),
        tooltip=["tier_a", "tier_b", "customers"],
    )
    labels = base.mark_text().encode(text="customers:Q")
    return (cells + labels).properties(width=width, height=width, title="Tier migration")
