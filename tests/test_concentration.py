"""Pareto, whale curve, deciles and effort against profit on hand-computed portfolios."""

from __future__ import annotations

import json

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.errors import InputError
from tierwise.metrics.concentration import (
    deciles,
    effort_vs_profit,
    pareto,
    portfolio_profit_figures,
    whale_curve,
)
from tierwise.report.charts.profit import profit_charts, whale_chart, whale_curve_money


def portfolio(
    profits: list[float], revenue: list[float] | None = None, hours: list[float] | None = None
) -> pd.DataFrame:
    n = len(profits)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "revenue": revenue if revenue is not None else [abs(p) * 3 + 10 for p in profits],
            "net_profit": profits,
            "effort_hours": hours if hours is not None else [1.0] * n,
        }
    )


def test_pareto_shares_by_hand() -> None:
    p = pareto(portfolio([0, 0, 0, 0, 0], revenue=[5.0, 50.0, 10.0, 30.0, 5.0]))
    assert p["top20_revenue_share"] == pytest.approx(0.5)  # the top 1 of 5 makes 50 of 100
    assert p["customers_share_for_80pct_revenue"] == pytest.approx(0.4)  # 50 + 30 = 80
    assert p["curve"]["customer_share"] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert p["curve"]["value_share"] == [0.0, 0.5, 0.8, 0.9, 0.95, 1.0]


def test_whale_curve_by_hand() -> None:
    w = whale_curve(portfolio([-20.0, 100.0, -30.0, 50.0, 0.0]))
    assert w["total_profit"] == pytest.approx(100.0)
    assert w["peak_profit"] == pytest.approx(150.0)
    assert w["peak_pct_of_total_profit"] == pytest.approx(150.0)
    assert w["peak_customer_share"] == pytest.approx(0.4)
    assert w["top20_profit_share"] == pytest.approx(1.0)
    assert w["loss_makers"] == 2 and w["profitable_customers"] == 2
    assert w["profit_destroyed_by_loss_makers"] == pytest.approx(50.0)
    assert w["curve"]["value_share"] == [0.0, 1.0, 1.5, 1.5, 1.3, 1.0]


def test_whale_curve_without_profit_has_no_percentages() -> None:
    w = whale_curve(portfolio([-5.0, -1.0]))
    assert w["peak_profit"] == 0 and w["peak_pct_of_total_profit"] is None
    assert w["top20_profit_share"] is None and w["loss_makers"] == 2
    json.dumps(w)


def test_a_book_that_loses_money_still_gets_its_whale_curve_in_money() -> None:
    # Sorted most profitable first: 8, 2, -1, -30: running totals 8, 10, 9, -21.
    w = whale_curve(portfolio([-1.0, 8.0, -30.0, 2.0]))
    assert w["curve"]["value"] == [0.0, 8.0, 10.0, 9.0, -21.0]
    assert all(v is None for v in w["curve"]["value_share"][1:])  # shares of -21 mean nothing
    frame = whale_curve_money(w)
    assert frame["profit"].tolist() == [0.0, 8.0, 10.0, 9.0, -21.0]
    spec = whale_chart(w, "GBP").to_dict()
    data = spec["datasets"]
    drawn = next(rows for rows in data.values() if len(rows) == 5)
    assert [r["profit"] for r in drawn] == [0.0, 8.0, 10.0, 9.0, -21.0]
    assert "Cumulative net profit (GBP)" in json.dumps(spec)
    assert "below zero" in json.dumps(spec["title"])


def test_the_money_curve_of_an_older_run_comes_from_its_shares() -> None:
    old = {
        "total_profit": 100.0,
        "curve": {"customer_share": [0, 0.5, 1], "value_share": [0, 1.5, 1]},
    }
    assert whale_curve_money(old)["profit"].tolist() == [0.0, 150.0, 100.0]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_whale_curve_starts_at_zero_ends_at_total_and_peaks_at_the_positive_sum(
    profits: list[float],
) -> None:
    w = whale_curve(portfolio(profits))
    p = np.array(profits)
    positive = p[p > 0].sum()
    assert w["peak_profit"] == pytest.approx(positive, rel=1e-9, abs=0.01)
    assert w["profit_destroyed_by_loss_makers"] == pytest.approx(
        -p[p < 0].sum(), rel=1e-9, abs=0.01
    )
    assert w["loss_makers"] == int((p < 0).sum())
    curve = w["curve"]
    assert curve["customer_share"][0] == 0.0 and curve["customer_share"][-1] == 1.0
    if p.sum() > 1e-6:
        assert curve["value_share"][0] == 0.0
        assert curve["value_share"][-1] == pytest.approx(1.0, abs=1e-6)
        assert max(curve["value_share"]) == pytest.approx(positive / p.sum(), rel=1e-5)


def test_curves_are_thinned_but_keep_the_ends_and_the_peak() -> None:
    rng = np.random.default_rng(7)
    profits = rng.normal(10, 50, 20_000).tolist()
    w = whale_curve(portfolio(profits), points=200)
    xs, ys = w["curve"]["customer_share"], w["curve"]["value_share"]
    assert len(xs) <= 200
    assert xs[0] == 0 and xs[-1] == 1 and ys[-1] == pytest.approx(1.0)
    assert max(ys) == pytest.approx(w["peak_pct_of_total_profit"] / 100, abs=1e-4)
    assert w["peak_customer_share"] in xs
    assert xs == sorted(xs)


def test_deciles_by_hand() -> None:
    profits = [float(p) for p in range(20, 0, -1)]  # c000 makes 20, c019 makes 1
    book = portfolio(profits, hours=[float(i) for i in range(20)])
    book["gross_margin"] = book["net_profit"] + 1
    book["cost_to_serve"] = 1.0
    d = deciles(book).execute()
    assert d["decile"].tolist() == list(range(1, 11))
    assert (d["customers"] == 2).all()
    first = d.iloc[0]
    assert first["net_profit"] == 39 and first["hours"] == 1 and first["cost_to_serve"] == 2
    assert d["net_profit"].sum() == sum(profits)
    assert d["hours"].iloc[-1] == 18 + 19


def test_effort_vs_profit_per_decile_finds_the_hungry_tail() -> None:
    profits = [100.0] + [1.0] * 9  # one tenth makes most of the profit
    hours = [1.0] + [11.0] * 9  # the rest take most of the hours
    e = effort_vs_profit(portfolio(profits, hours=hours), by="decile")
    assert e["total_hours"] == 100 and e["total_profit"] == 109
    assert e["groups"][0]["hours_share"] == pytest.approx(0.01)
    assert e["groups"][0]["profit_share"] == pytest.approx(100 / 109, abs=1e-6)
    assert (
        e["sentence"]
        == "99% of hours go to the least profitable 90% of customers, who make 8% of profit."
    )


def test_effort_vs_profit_per_tier() -> None:
    book = portfolio([60.0, 30.0, 5.0, 5.0], hours=[10.0, 10.0, 40.0, 40.0])
    book["tier"] = ["strategic", "strategic", "core", "core"]
    e = effort_vs_profit(book, by="tier")
    assert [g["group"] for g in e["groups"]] == ["strategic", "core"]
    assert e["groups"][1]["hours_share"] == pytest.approx(0.8)
    assert e["groups"][1]["profit_share"] == pytest.approx(0.1)
    assert e["sentence"] == "80% of hours go to core customers, who make 10% of profit."


def test_effort_vs_profit_without_hours_says_so() -> None:
    e = effort_vs_profit(portfolio([1.0, 2.0], hours=[0.0, 0.0]))
    assert e["sentence"].startswith("No effort hours")


def test_effort_vs_profit_rejects_an_unknown_grouping() -> None:
    with pytest.raises(InputError, match="by='region'"):
        effort_vs_profit(portfolio([1.0]), by="region")  # type: ignore[arg-type]


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError, match="net_profit"):
        whale_curve(pd.DataFrame({"customer_id": ["a"], "revenue": [1.0]}))


def test_ibis_and_pandas_inputs_agree() -> None:
    book = portfolio([5.0, -2.0, 9.0, 1.0])
    assert whale_curve(book) == whale_curve(ibis.memtable(book))
    assert pareto(book) == pareto(ibis.memtable(book))


def test_portfolio_figures_are_json_and_have_both_views_with_tiers() -> None:
    book = portfolio([60.0, 30.0, -5.0, 5.0, 2.0], hours=[10.0, 10.0, 40.0, 40.0, 3.0])
    book["gross_margin"] = book["net_profit"] + 10
    book["cost_to_serve"] = 10.0
    book["tier"] = ["strategic", "strategic", "core", "core", None]
    figures = portfolio_profit_figures(book)
    assert set(figures) == {"pareto", "whale", "effort_vs_profit", "deciles"}
    assert figures["effort_vs_profit"]["by"] == "tier"
    assert figures["effort_vs_profit"]["by_decile"]["by"] == "decile"
    assert {g["group"] for g in figures["effort_vs_profit"]["groups"]} == {
        "strategic",
        "core",
        "(no tier)",
    }
    assert json.loads(json.dumps(figures)) == figures
    assert sum(d["customers"] for d in figures["deciles"]) == 5


def test_profit_charts_build_valid_vega_lite() -> None:
    book = portfolio([60.0, 30.0, -5.0, 5.0, 2.0], hours=[10.0, 10.0, 40.0, 40.0, 3.0])
    book["tier"] = ["strategic", "strategic", "core", "core", "core"]
    figures = portfolio_profit_figures(book)
    charts = profit_charts(figures)
    assert set(charts) == {
        "pareto",
        "whale",
        "deciles",
        "effort_vs_profit",
        "effort_vs_profit_by_decile",
    }
    for chart in charts.values():
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert "$schema" in spec
    whale = charts["whale"].to_dict()
    assert len(whale["layer"]) == 4  # curve, the zero line, the total line, the peak
    effort = charts["effort_vs_profit"].to_dict()
    assert effort["title"]["subtitle"] == [figures["effort_vs_profit"]["sentence"]]
