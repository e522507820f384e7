"""The report's own charts, for what the domain chart modules do not draw (yet).

Every function takes a small, already aggregated or sampled table, so the page stays
light whatever the size of the book. Colours match ``tierwise.report.charts.profit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

WIDTH = 420
HEIGHT = 260
PROFIT = "#2f7d4f"
LOSS = "#b8423a"
HOURS = "#4a6fa5"
NEUTRAL = "#8a94a6"
AMBER = "#c98a1b"
LEVEL_COLOURS = {"1": PROFIT, "2": HOURS, "3": AMBER, "4": LOSS}
LEVEL_LABELS = {
    "1": "1 · good for both",
    "2": "2 · good for us only",
    "3": "3 · good for the customer only",
    "4": "4 · good for neither",
}
ALIGNMENT_COLOURS = {"over-served": AMBER, "aligned": NEUTRAL, "under-served": LOSS}


def sample(frame: pd.DataFrame, limit: int, keep_first_by: str | None = None) -> pd.DataFrame:
    """At most ``limit`` rows: the top rows by ``keep_first_by``, then an even spread."""
    if len(frame) <= limit:
        return frame
    if keep_first_by and keep_first_by in frame.columns:
        ordered = frame.sort_values(keep_first_by, ascending=False)
        head = ordered.head(limit // 5)
        rest = ordered.iloc[limit // 5 :]
        step = max(1, len(rest) // (limit - len(head)))
        return pd.concat([head, rest.iloc[::step].head(limit - len(head))])
    step = max(1, len(frame) // limit)
    return frame.iloc[::step].head(limit)


def relationship_matrix(
    frame: pd.DataFrame, good_for_us: float, good_for_client: float, shown_of: int
) -> alt.LayerChart:
    """Value to us against value to the customer, one dot per account, coloured by level."""
    data = frame.copy()
    data["level"] = data["relationship_level"].astype("Int64").astype(str).map(LEVEL_LABELS)
    data["label"] = (
        data["name"].fillna(data["customer_id"]) if "name" in data else data["customer_id"]
    )
    domain = list(LEVEL_LABELS.values())
    tooltip = [
        alt.Tooltip("label:N", title="Customer"),
        alt.Tooltip("level:N", title="Level"),
        alt.Tooltip("value_to_us:Q", title="Value to us", format=".2f"),
        alt.Tooltip("value_to_client:Q", title="Value to the customer", format=".2f"),
    ]
    if "relationship_trend" in data:
        tooltip.append(alt.Tooltip("relationship_trend:N", title="Trend"))
    if "revenue" in data:
        tooltip.append(alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"))
    dots = (
        alt.Chart(data)
        .mark_circle(size=22, opacity=0.6)
        .encode(
            x=alt.X(
                "value_to_client:Q",
                title="Value to the customer (0–1)",
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("value_to_us:Q", title="Value to us (0–1)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "level:N",
                scale=alt.Scale(domain=domain, range=list(LEVEL_COLOURS.values())),
                legend=alt.Legend(title=None, orient="bottom", columns=2),
            ),
            tooltip=tooltip,
        )
    )
    v = (
        alt.Chart(pd.DataFrame({"x": [good_for_client]}))
        .mark_rule(strokeDash=[4, 4], color="#555")
        .encode(x="x:Q")
    )
    h = (
        alt.Chart(pd.DataFrame({"y": [good_for_us]}))
        .mark_rule(strokeDash=[4, 4], color="#555")
        .encode(y="y:Q")
    )
    title = "Relationship matrix"
    subtitle = f"{len(data):,} of {shown_of:,} accounts drawn" if shown_of > len(data) else ""
    return (dots + v + h).properties(
        width=WIDTH,
        height=HEIGHT + 40,
        title=alt.TitleParams(title, subtitle=subtitle) if subtitle else title,
    )


def level_counts(levels: Mapping[str, Any]) -> alt.Chart:
    """Customers per relationship level, as a 2x2 grid (when no per-account sample exists)."""
    cells = [
        {"us": "good for us", "client": "good for the customer", "level": "1"},
        {"us": "good for us", "client": "not good for the customer", "level": "2"},
        {"us": "not good for us", "client": "good for the customer", "level": "3"},
        {"us": "not good for us", "client": "not good for the customer", "level": "4"},
    ]
    data = pd.DataFrame(cells)
    data["customers"] = [int(levels.get(lv, 0) or 0) for lv in data["level"]]
    data["label"] = data["level"].map(LEVEL_LABELS)
    base = alt.Chart(data).encode(
        x=alt.X(
            "client:N", title=None, sort=["not good for the customer", "good for the customer"]
        ),
        y=alt.Y("us:N", title=None, sort=["good for us", "not good for us"]),
    )
    rect = base.mark_rect(opacity=0.85).encode(
        color=alt.Color(
            "level:N",
            scale=alt.Scale(domain=list(LEVEL_COLOURS), range=list(LEVEL_COLOURS.values())),
            legend=None,
        ),
        tooltip=[alt.Tooltip("label:N", title="Level"), alt.Tooltip("customers:Q", format=",")],
    )
    text = base.mark_text(color="white", fontSize=16, fontWeight="bold").encode(
        text=alt.Text("customers:Q", format=",")
    )
    return (rect + text).properties(
        width=WIDTH, height=HEIGHT, title="Customers per relationship level"
    )


def tier_shares(tiers: Mapping[str, Mapping[str, Any]]) -> alt.Chart:
    """Each tier's share of customers, revenue, net profit and hours, side by side."""
    measures = {
        "customers": "customers",
        "revenue": "revenue",
        "net_profit": "net profit",
        "effort_hours": "hours",
    }
    totals = {k: sum(float(t.get(k) or 0.0) for t in tiers.values()) for k in measures}
    rows = []
    for name, t in tiers.items():
        for key, label in measures.items():
            if totals[key]:
                rows.append(
                    {
                        "tier": name,
                        "measure": label,
                        "share": float(t.get(key) or 0.0) / totals[key],
                        "value": float(t.get(key) or 0.0),
                    }
                )
    data = pd.DataFrame(rows, columns=["tier", "measure", "share", "value"])
    order = list(measures.values())
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("tier:N", title=None, sort=list(tiers)),
            xOffset=alt.XOffset("measure:N", sort=order),
            y=alt.Y("share:Q", title="Share of the book", axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure:N",
                sort=order,
                scale=alt.Scale(domain=order, range=[NEUTRAL, "#7b9acc", PROFIT, HOURS]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("value:Q", title="Value", format=",.0f"),
            ],
        )
        .properties(
            width=WIDTH, height=HEIGHT, title="Tiers: share of customers, revenue, profit and hours"
        )
    )


def capacity_bars(
    rows: Sequence[Mapping[str, Any]], key: str, label: str, *, effort_known: bool = True
) -> alt.LayerChart:
    """Hours required by the policy against hours available (and spent), per role or person.

    A figure that is unknown (hours available of a team the policy does not list, hours
    spent without an effort log) is left out rather than drawn as a zero bar. Each bar
    carries its hours at its end, and the scale leaves room for that label.
    """
    measures = [("required by the policy", "required_hours"), ("available", "available_hours")]
    if effort_known:
        measures.append(("spent", "effort_hours"))
    long = [
        {"group": plain(str(r[key])), "measure": name, "hours": float(r[col])}
        for r in rows
        for name, col in measures
        if r.get(col) is not None and r.get(col) == r.get(col)
    ]
    data = pd.DataFrame(long, columns=["group", "measure", "hours"])
    order = [name for name, _ in measures if name in set(data["measure"])]
    colours = {"required by the policy": AMBER, "available": HOURS, "spent": NEUTRAL}
    top = float(data["hours"].max()) if len(data) else 1.0
    base = alt.Chart(data).encode(
        x=alt.X("group:N", title=label, axis=alt.Axis(labelAngle=0, labelLimit=160)),
        xOffset=alt.XOffset("measure:N", sort=order),
        y=alt.Y(
            "hours:Q",
            title="Hours over the window",
            scale=alt.Scale(domain=[0, top * 1.15 or 1.0], nice=False),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "measure:N",
            sort=order,
            scale=alt.Scale(domain=order, range=[colours[m] for m in order]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("group:N", title=label),
            alt.Tooltip("measure:N", title="Hours"),
            alt.Tooltip("hours:Q", title="Hours", format=",.0f"),
        ],
    )
    text = base.mark_text(dy=-4, fontSize=9, color="#4b5563", baseline="bottom").encode(
        text=alt.Text("hours:Q", format=",.0f")
    )
    return (bars + text).properties(
        width=WIDTH,
        height=HEIGHT,
        title=f"Capacity per {label.lower()}: hours required and available",
    )


def plain(text: str) -> str:
    """A policy name as people say it: 'key_account_manager' -> 'key account manager'."""
    return text.replace("_", " ")


def accounting_bars(inputs: Mapping[str, Mapping[str, Any]]) -> alt.LayerChart:
    """Rows read per input table, accepted and quarantined, labelled with the quarantine."""
    rows, labels = [], []
    top = 1
    for name, a in inputs.items():
        ok, bad = int(a.get("accepted") or 0), int(a.get("quarantined") or 0)
        rows.append({"table": name, "rows": "accepted", "count": ok, "stack": 0})
        rows.append({"table": name, "rows": "quarantined", "count": bad, "stack": 1})
        read = ok + bad
        top = max(top, read)
        rate = f" ({100 * bad / read:.2g}%)" if read and bad else ""
        labels.append({"table": name, "count": read, "label": f"{bad:,} quarantined{rate}"})
    data = pd.DataFrame(rows, columns=["table", "rows", "count", "stack"])
    # room at the right of the longest bar for its label, so no count is cut off
    x_scale = alt.Scale(domain=[0, top * 1.45], nice=False)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("table:N", title=None),
            x=alt.X("count:Q", title="Rows read", stack="zero", scale=x_scale),
            color=alt.Color(
                "rows:N",
                scale=alt.Scale(domain=["accepted", "quarantined"], range=[PROFIT, LOSS]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("stack:Q"),
            tooltip=[
                alt.Tooltip("table:N"),
                alt.Tooltip("rows:N"),
                alt.Tooltip("count:Q", format=","),
            ],
        )
    )
    text = (
        alt.Chart(pd.DataFrame(labels))
        .mark_text(align="left", dx=6, fontSize=11, color="#4b5563")
        .encode(y=alt.Y("table:N"), x=alt.X("count:Q", scale=x_scale), text="label:N")
    )
    return (bars + text).properties(
        width=WIDTH - 100,
        height=max(60, 34 * len(inputs)),
        title="Rows read per table: accepted and quarantined",
    )
