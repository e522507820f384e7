"""CLV diagnostics: the model chosen, its holdout metrics, the tracking and calibration plots."""

from __future__ import annotations

from typing import Any

from tierwise.report import takeaways as tw
from tierwise.report.charts.clv import calibration_chart, tracking_chart
from tierwise.report.sections import Card, Section, Table
from tierwise.report.sections.run_data import RunData

NEEDS_CLV = (
    "Lifetime value needs the CLV stage: per-customer purchase histories (transactions with "
    "customer_id and date) and enough repeat buyers to fit a model (policy clv.min_repeat_buyers)."
)


def build(run: RunData) -> Section:
    s = run.stages.get("clv")
    section = Section(
        key="clv",
        title="Lifetime value: is the model right?",
        lede="Which buy-till-you-die model was chosen, and how well it predicted purchases "
        "it had not seen.",
    )
    if not s:
        section.missing.append(NEEDS_CLV)
        return section
    chosen = s.get("chosen") or {}
    spend = s.get("spend") or {}
    section.cards = [
        Card(
            "Purchase model",
            tw.model_name(chosen.get("model")) if chosen else "fallback",
            tw.selection_words(s) if chosen else "pooled-rate estimate",
            "neutral" if chosen else "warn",
        ),
        Card("Spend model", tw.model_name(spend.get("model")) if spend else "—", ""),
        Card(
            "Customers modelled",
            tw.count(s.get("customers")),
            f"{tw.count(s.get('repeat_buyers'))} repeat buyers",
        ),
        Card(
            "Horizon",
            f"{s.get('horizon_months', '—'):g} months"
            if isinstance(s.get("horizon_months"), (int, float))
            else "—",
            f"discounted at {tw.share(s.get('annual_discount_rate'))} a year",
        ),
    ]
    takeaway = tw.clv_takeaway(s)
    tracking = run.detail("clv_tracking")
    if tracking is not None and {
        "period",
        "actual_cumulative",
        "predicted_cumulative",
        "holdout",
    } <= set(tracking.columns):
        section.add_chart(
            "clv_tracking",
            "CLV tracking",
            lambda: tracking_chart(tracking, unit=str(s.get("time_unit") or "period")),
            takeaway,
        )
    elif takeaway:
        section.notes.append(takeaway)
    calibration = run.detail("clv_calibration")
    if calibration is not None and {"label", "frequency", "actual", "predicted"} <= set(
        calibration.columns
    ):
        section.add_chart(
            "clv_calibration",
            "CLV calibration",
            lambda: calibration_chart(calibration),
            _calibration_takeaway(calibration),
        )
    candidates = s.get("candidates") or []
    if candidates:
        section.tables.append(_candidates_table(candidates, chosen.get("model")))
    if not chosen and s.get("method"):
        section.notes.append(f"Method used instead: {s['method']}.")
    return section


def _calibration_takeaway(frame: Any) -> str | None:
    """Where the model misses most, by past frequency group."""
    if not len(frame):
        return None
    gaps = (frame["predicted"] - frame["actual"]).abs()
    worst = frame.loc[gaps.idxmax()]
    return (
        f"The widest miss is for customers with {worst['label']} calibration purchases: "
        f"{float(worst['predicted']):.2f} predicted against "
        f"{float(worst['actual']):.2f} made on average."
    )


def _candidates_table(candidates: list[dict[str, Any]], chosen: Any) -> Table:
    errors = any(c.get("error") for c in candidates)
    rows = []
    for c in candidates:
        h = c.get("holdout") or {}
        mark = " ✓" if c.get("model") == chosen else ""
        row = [
            tw.model_name(c.get("model")) + mark,
            _fmt(h.get("mae")),
            _fmt(h.get("rmse")),
            tw.count(h.get("predicted_total")),
            tw.count(h.get("actual_total")),
            _fmt(h.get("brier_p_alive"), 3),
        ]
        if errors:  # the column only when some model failed, and then it says why
            row.append(str(c.get("error") or "fitted"))
        rows.append(row)
    columns = ["Model", "MAE", "RMSE", "Predicted", "Actual", "Brier P(alive)"]
    return Table(
        "Candidate models on the holdout",
        columns + (["Error"] if errors else []),
        rows,
        [False, True, True, True, True, True] + ([False] if errors else []),
        note="MAE and RMSE are per customer, in purchases over the holdout; ✓ marks the "
        "model chosen.",
    )


def _fmt(x: Any, digits: int = 2) -> str:
    return "—" if x is None else f"{float(x):.{digits}f}"
