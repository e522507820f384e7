"""One meaning of "a purchase": facts, the CLV summary, the trend and cost-to-serve agree."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest

from tierwise.clv.summary import summary_from_transactions
from tierwise.metrics.cost_to_serve import cost_to_serve
from tierwise.metrics.facts import customer_facts
from tierwise.segment.trend import order_stats
from tierwise.settings.cost_model import CostModel
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))


def _book() -> ibis.Table:
    rows = [
        ("A", "2024-01-15", 0.0, "free"),  # a free order: a purchase worth 0
        ("A", "2024-02-01", 100.0, "o1"),
        ("A", "2024-05-01", 50.0, "o3"),
        ("A", "2024-05-01", 0.0, "o3"),  # a free line on a paid order: one order
        ("A", "2024-06-01", -30.0, "r1"),  # a return: not a purchase
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "order_id"])
    frame["date"] = pd.to_datetime(frame["date"])
    return ibis.memtable(frame)


def test_every_stage_counts_the_same_purchases() -> None:
    tx = _book()
    facts = customer_facts(tx, WINDOW, 0.3).execute().set_index("customer_id")
    assert facts.loc["A", "orders"] == 3
    assert facts.loc["A", "first_purchase"] == pd.Timestamp("2024-01-15")
    assert facts.loc["A", "last_purchase"] == pd.Timestamp("2024-05-01")

    summary = summary_from_transactions(tx, WINDOW.end, time_unit="day").execute()
    row = summary.set_index("customer_id").loc["A"]
    assert row["frequency"] + 1 == 3  # purchase periods: 15 Jan, 1 Feb and 1 May
    assert pd.Timestamp(row["first_purchase"]) == pd.Timestamp("2024-01-15")

    stats = order_stats(tx, WINDOW).execute().set_index("customer_id")
    assert stats.loc["A", "n_orders"] == 3
    assert stats.loc["A", "first_at"] == pd.Timestamp("2024-01-15").timestamp()
    assert stats.loc["A", "last_at"] == pd.Timestamp("2024-05-01").timestamp()

    thin = ibis.memtable({"customer_id": ["A"], "revenue": [120.0], "gross_margin": [36.0]})
    costs = CostModel(
        cost_per_order=1.0,
        cost_per_order_line=0.0,
        cost_per_delivery=0.0,
        cost_per_return=0.0,
        off_invoice_discount_rate=0.0,
        cost_of_capital=0.0,
    )
    cts = cost_to_serve(thin, None, None, costs, WINDOW, transactions=tx).execute()
    assert cts.set_index("customer_id").loc["A", "cts_orders"] == pytest.approx(3.0)
