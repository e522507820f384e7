"""Altair charts of the CLV diagnostics (the tables in ``ClvOutcome.diagnostics``)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def tracking_chart(
    table: pd.DataFrame, cumulative: bool = True, unit: str = "period"
) -> alt.TopLevelMixin:
    """Actual vs predicted repeat purchases per period; a rule marks the calibration end.

    ``unit`` is the model's time unit (``clv.time_unit``: day, week or month), named on
    the axis so the reader knows what one step is.
    """
    kind = "cumulative" if cumulative else "incremental"
    long = table.melt(
        id_vars=["period", "holdout"],
        value_vars=[f"actual_{kind}", f"predicted_{kind}"],
        var_name="series",
        value_name="purchases",
    )
    long["series"] = long["series"].str.replace(f"_{kind}", "", regex=False)
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("period:Q", title=f"{unit.capitalize()}s since the first purchase in the book"),
            y=alt.Y("purchases:Q", title=f"Repeat purchases ({kind})"),
            color=alt.Color("series:N", title=None),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=[
                alt.Tooltip("period:Q", title=unit.capitalize()),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("purchases:Q", title="Repeat purchases", format=",.1f"),
            ],
        )
    )
    start = table.loc[table["holdout"], "period"]
    cut = pd.DataFrame({"period": [float(start.min()) if len(start) else 0.0]})
    rule = alt.Chart(cut).mark_rule(strokeDash=[4, 4], color="gray").encode(x="period:Q")
    return alt.layer(lines, rule).properties(
        title=f"Tracking: {kind} repeat purchases, actual vs model", width=520, height=260
    )


def calibration_chart(table: pd.DataFrame) -> alt.Chart:
    """Mean holdout purchases by calibration frequency: actual vs predicted."""
    long = table.melt(
        id_vars=["label", "frequency", "customers"],
        value_vars=["actual", "predicted"],
        var_name="series",
        value_name="purchases",
    )
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "label:O", sort=list(table["label"]), title="Purchases in calibration (repeat)"
            ),
            y=alt.Y("purchases:Q", title="Mean purchases in holdout"),
            color=alt.Color("series:N", title=None),
            tooltip=["label", "customers", "series", alt.Tooltip("purchases:Q", format=".2f")],
        )
        .properties(title="Calibration vs holdout, by frequency", width=420, height=260)
    )


def frequency_recency_chart(table: pd.DataFrame, value: str = "p_alive") -> alt.Chart:
    """Heat map of P(alive) or expected purchases over frequency x recency."""
    title = "P(alive)" if value == "p_alive" else "Expected purchases"
    return (
        alt.Chart(table)
        .mark_rect()
        .encode(
            x=alt.X(
                "recency:O", title="Recency (time of last purchase)", axis=alt.Axis(format=".0f")
            ),
            y=alt.Y("frequency:O", sort="descending", title="Repeat purchases"),
            color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="viridis")),
            tooltip=[
                "frequency",
                alt.Tooltip("recency:Q", format=".1f"),
                alt.Tooltip(f"{value}:Q", format=".3f"),
            ],
        )
        .properties(title=f"{title} by frequency and recency", width=420, height=300)
    )


def candidates_chart(table: pd.DataFrame, metric: str = "rmse") -> alt.Chart:
    """Holdout error of each candidate model; the chosen one highlighted."""
    data = table.dropna(subset=[metric]) if metric in table.columns else table.iloc[0:0]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{metric}:Q", title=f"Holdout {metric.upper()} per customer"),
            y=alt.Y("model:N", title=None),
            color=alt.condition("datum.chosen", alt.value("#1f77b4"), alt.value("#bbbbbb")),
            tooltip=["model", alt.Tooltip(f"{metric}:Q", format=".3f"), "chosen"],
        )
        .properties(title="Candidate models on the holdout", width=420, height=120)
    )


def clv_charts(diagnostics: dict[str, pd.DataFrame]) -> dict[str, alt.TopLevelMixin]:
    """Every chart the diagnostics allow, keyed by name (absent tables are skipped)."""
    charts: dict[str, alt.TopLevelMixin] = {}
    if "clv_tracking" in diagnostics:
        charts["clv_tracking_cumulative"] = tracking_chart(diagnostics["clv_tracking"], True)
        charts["clv_tracking_incremental"] = tracking_chart(diagnostics["clv_tracking"], False)
    if "clv_calibration" in diagnostics:
        charts["clv_calibration"] = calibration_chart(diagnostics["clv_calibration"])
    if "clv_frequency_recency" in diagnostics:
        fr = diagnostics["clv_frequency_recency"]
        charts["clv_p_alive_matrix"] = frequency_recency_chart(fr, "p_alive")
        charts["clv_expected_matrix"] = frequency_recency_chart(fr, "expected_purchases")
    if "clv_candidates" in diagnostics:
        charts["clv_candidates"] = candidates_chart(diagnostics["clv_candidates"])
    return charts
