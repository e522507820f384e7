"""The pipeline stage: model choice by holdout error, scores, summary, diagnostics, fallback."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from tierwise.clv import ClvSettings, lifetime_value
from tierwise.report.charts.clv import clv_charts
from tierwise.window import Window


@pytest.fixture(scope="module")
def cdnow_outcome(shared_data: Path):  # type: ignore[no-untyped-def]
    con = ibis.duckdb.connect()
    raw = con.read_csv(str(shared_data / "cdnow" / "cdnowElog.csv.gz"))
    tx = raw.select(
        customer_id=raw.sampleid.cast("string"),
        date=raw.date.cast("string").as_date("%Y%m%d").cast("timestamp"),
        amount=raw.sales.cast("float64"),
    )
    window = Window(date(1997, 7, 1), date(1998, 7, 1))
    return lifetime_value(tx, window, ClvSettings(holdout_days=273))


def test_scores_have_one_row_per_customer_and_the_contract_columns(cdnow_outcome) -> None:  # type: ignore[no-untyped-def]
    scores = cdnow_outcome.scores
    assert list(scores.columns) == ["customer_id", "p_alive", "expected_purchases", "clv"]
    assert len(scores) == 2357 and scores["customer_id"].is_unique
    assert scores["p_alive"].between(0, 1).all()
    assert (scores["expected_purchases"] >= 0).all() and (scores["clv"] >= 0).all()
    # no profitability table given: revenue CLV, and the summary says so
    assert cdnow_outcome.summary["value"]["basis"] == "revenue"


def test_summary_records_candidates_choice_and_units_as_json(cdnow_outcome) -> None:  # type: ignore[no-untyped-def]
    summary = cdnow_outcome.summary
    json.dumps(summary, allow_nan=False)
    assert summary["calibration_end"] == "1997-10-01"
    assert summary["time_unit"] == "week" and summary["fallback"] is None
    scores = {c["model"]: c["score"] for c in summary["candidates"]}
    assert summary["chosen"]["model"] == min(scores, key=scores.__getitem__)
    bgnbd = next(c for c in summary["candidates"] if c["model"] == "bgnbd")
    # calibration fit on the 39 weeks is the published one
    assert round(bgnbd["calibration"]["log_likelihood"], 1) == -9582.4
    assert bgnbd["holdout"]["actual_total"] == 1882
    assert summary["discount_rate_per_unit"] == pytest.approx(1.1 ** (7 / 365.25) - 1)


def test_diagnostics_tables_and_charts(cdnow_outcome) -> None:  # type: ignore[no-untyped-def]
    diag = cdnow_outcome.diagnostics
    assert {"clv_tracking", "clv_calibration", "clv_frequency_recency", "clv_candidates"} <= set(
        diag
    )
    track = diag["clv_tracking"]
    assert track["actual_cumulative"].iloc[-1] == 2457 + 1882  # BTYD cu.tracking at week 78
    assert track["predicted_cumulative"].is_monotonic_increasing
    charts = clv_charts(diag)
    assert {"clv_tracking_cumulative", "clv_calibration", "clv_p_alive_matrix"} <= set(charts)
    for chart in charts.values():
        assert "$schema" in chart.to_dict()


def test_too_few_repeat_buyers_falls_back_and_says_why(con: ibis.BaseBackend) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-01-15", "2024-03-01", "2024-03-05"]
            ),
            "amount": [100.0, 50.0, 80.0, 20.0, -5.0],
        }
    )
    tx = con.create_table("tx", frame)
    out = lifetime_value(tx, Window(date(2023, 4, 1), date(2024, 4, 1)), ClvSettings())
    assert out.summary["fallback"] == "pooled_rate"
    assert "only 1 customer(s) made a repeat purchase" in out.summary["reason"]
    s = out.scores.set_index("customer_id")
    assert list(s.index) == ["a", "b", "c", "d"]
    # T runs to the last day observed, 2024-03-31: a 90 days, b 76, c 30 (2024 is leap);
    # pooled rate = 1 repeat / (196 / 7 weeks); a's gap since the last purchase: 90 - 31 days
    rho = 1 / ((90 + 76 + 30) / 7)
    assert s.loc["a", "p_alive"] == pytest.approx(np.exp(-rho * (90 - 31) / 7))
    assert np.isnan(s.loc["d", "clv"]) and np.isnan(s.loc["d", "p_alive"])  # returns only
    assert out.summary["customers_without_purchases"] == 1
