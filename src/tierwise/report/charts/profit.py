"""Altair charts of where profit comes from: Pareto, whale curve, deciles, effort.

Each chart is drawn from the small dicts of ``tierwise.metrics.concentration`` (as
written to portfolio.json), never from the customer table, so the report stays small
whatever the size of the book. Data is inlined; the charts need no network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

_WIDTH = 420
_HEIGHT = 260
_PROFIT = "#2f7d4f"
_LOSS = "#b8423a"
_HOURS = "#4a6fa5"


def _curve_frame(curve: Mapping[str, Sequence[Any]], y: str) -> pd.DataFrame:
    return pd.DataFrame({"customers": curve["customer_share"], y: curve["value_share"]})


def pareto_chart(pareto: Mapping[str, Any]) -> alt.LayerChart:
    """Cumulative share of revenue against share of customers, biggest first, with 80/20 marks."""
    frame = _curve_frame(pareto["curve"], "revenue")
    x = alt.X(
        "customers:Q", title="Share of customers (largest revenue first)", axis=alt.Axis(format="%")
    )
    y = alt.Y("revenue:Q", title="Cumulative share of revenue", axis=alt.Axis(format="%"))
    line = alt.Chart(frame).mark_line(color=_HOURS).encode(x=x, y=y)
    marks = pd.DataFrame({"customers": [0.2], "revenue": [pareto.get("top20_revenue_share")]})
    rule_x = alt.Chart(pd.DataFrame({"x": [0.2]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    rule_y = alt.Chart(pd.DataFrame({"y": [0.8]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    dot = (
        alt.Chart(marks)
        .mark_point(filled=True, size=60, color=_HOURS)
        .encode(
            x="customers:Q",
            y="revenue:Q",
            tooltip=[alt.Tooltip("revenue:Q", title="Top 20% of customers make", format=".0%")],
        )
    )
    title = "Pareto curve of revenue"
    return (line + rule_x + rule_y + dot).properties(width=_WIDTH, height=_HEIGHT, title=title)


def whale_curve_money(whale: Mapping[str, Any]) -> pd.DataFrame:
    """The whale curve as cumulative net profit in money, most profitable customers first.

    From the curve's running totals (``value``); older run folders only have shares of
    total profit, which are turned back into money when the total is known.
    """
    curve = whale["curve"]
    xs = list(curve["customer_share"])
    if curve.get("value") is not None:
        ys = [float(v) for v in curve["value"]]
    else:
        total = float(whale.get("total_profit") or 0.0)
        ys = [float(v) * total if v is not None else float("nan") for v in curve["value_share"]]
    frame = pd.DataFrame({"customers": xs, "profit": ys})
    return frame.dropna()


def whale_chart(whale: Mapping[str, Any], currency: str = "") -> alt.LayerChart:
    """Cumulative net profit (most profitable customers first), in money, with its peak.

    Drawn in money rather than as a share of total profit, so a book whose total profit
    is negative (where shares mean nothing) still gets its curve: it climbs while
    customers make money, peaks at the last profitable one and falls through the
    loss-makers to the total, marked by the dashed line; the solid line is zero.
    """
    frame = whale_curve_money(whale)
    unit = f" ({currency})" if currency else ""
    x = alt.X(
        "customers:Q", title="Share of customers (most profitable first)", axis=alt.Axis(format="%")
    )
    y = alt.Y("profit:Q", title=f"Cumulative net profit{unit}", axis=alt.Axis(format="~s"))
    line = (
        alt.Chart(frame)
        .mark_line(color=_PROFIT)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("customers:Q", title="Customers", format=".1%"),
                alt.Tooltip("profit:Q", title=f"Cumulative net profit{unit}", format=",.0f"),
            ],
        )
    )
    total = float(whale.get("total_profit") or 0.0)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#6b7280").encode(y="y:Q")
    end = (
        alt.Chart(pd.DataFrame({"y": [total]}))
        .mark_rule(strokeDash=[4, 4], color=_LOSS if total < 0 else "#374151")
        .encode(y="y:Q", tooltip=[alt.Tooltip("y:Q", title="Total net profit", format=",.0f")])
    )
    layers = line + zero + end
    peak_profit = whale.get("peak_profit")
    if peak_profit is not None and whale.get("peak_customer_share") is not None:
        peak = pd.DataFrame(
            {"customers": [whale["peak_customer_share"]], "profit": [float(peak_profit)]}
        )
        layers = layers + alt.Chart(peak).mark_point(filled=True, size=70, color=_LOSS).encode(
            x="customers:Q",
            y="profit:Q",
            tooltip=[
                alt.Tooltip("profit:Q", title=f"Peak net profit{unit}", format=",.0f"),
                alt.Tooltip("customers:Q", title="at share of customers", format=".1%"),
            ],
        )
    subtitle = (
        "Dashed: the total, below zero: the loss-makers lose more than the rest earn"
        if total < 0
        else "Dashed: the total; the peak is what the profitable customers earn"
    )
    return layers.properties(
        width=_WIDTH,
        height=_HEIGHT,
        title=alt.TitleParams("Whale curve of net profit", subtitle=subtitle),
    )


def deciles_chart(
    deciles: Sequence[Mapping[str, Any]] | pd.DataFrame, currency: str = ""
) -> alt.Chart:
    """Net profit per profit decile (1 = most profitable tenth), losses in red."""
    unit = f" ({currency})" if currency else ""
    frame = pd.DataFrame(deciles).copy()
    frame["result"] = ["profit" if v >= 0 else "loss" for v in frame["net_profit"]]
    tooltip = [
        alt.Tooltip("decile:O", title="Decile"),
        alt.Tooltip("customers:Q", title="Customers"),
    ]
    for col, label in (
        ("revenue", "Revenue"),
        ("gross_margin", "Gross margin"),
        ("cost_to_serve", "Cost to serve"),
        ("net_profit", "Net profit"),
        ("hours", "Hours"),
    ):
        if col in frame.columns:
            tooltip.append(alt.Tooltip(f"{col}:Q", title=label, format=",.0f"))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "decile:O",
                title="Profit decile (1 = most profitable 10%)",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("net_profit:Q", title=f"Net profit{unit}", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "result:N",
                scale=alt.Scale(domain=["profit", "loss"], range=[_PROFIT, _LOSS]),
                legend=None,
            ),
            tooltip=tooltip,
        )
        .properties(width=_WIDTH, height=_HEIGHT, title="Net profit by decile")
    )


def effort_vs_profit_chart(effort: Mapping[str, Any]) -> alt.Chart:
    """Share of hours beside share of profit for each tier or decile, titled by the finding."""
    rows = []
    for g in effort["groups"]:
        rows.append({"group": str(g["group"]), "measure": "hours", "share": g["hours_share"]})
        rows.append({"group": str(g["group"]), "measure": "net profit", "share": g["profit_share"]})
    frame = pd.DataFrame(rows, columns=["group", "measure", "share"])
    order = [str(g["group"]) for g in effort["groups"]]
    label = "Tier" if effort.get("by") == "tier" else "Profit decile"
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("group:N", title=label, sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("measure:N", sort=["hours", "net profit"]),
            y=alt.Y("share:Q", title="Share of total", axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(domain=["hours", "net profit"], range=[_HOURS, _PROFIT]),
                title=None,
            ),
            tooltip=[
                alt.Tooltip("group:N", title=label),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(
            width=_WIDTH,
            height=_HEIGHT,
            title=alt.TitleParams("Effort against profit", subtitle=[effort.get("sentence", "")]),
        )
    )


def profit_charts(figures: Mapping[str, Any]) -> dict[str, alt.TopLevelMixin]:
    """Every profit chart from ``portfolio_profit_figures`` output, by name, for the report."""
    charts: dict[str, alt.TopLevelMixin] = {
        "pareto": pareto_chart(figures["pareto"]),
        "whale": whale_chart(figures["whale"]),
        "deciles": deciles_chart(figures["deciles"]),
        "effort_vs_profit": effort_vs_profit_chart(figures["effort_vs_profit"]),
    }
    if "by_decile" in figures["effort_vs_profit"]:
        charts["effort_vs_profit_by_decile"] = effort_vs_profit_chart(
            figures["effort_vs_profit"]["by_decile"]
        )
    return charts
