"""Customer facts against values computed by hand on tiny books."""

from __future__ import annotations

from datetime import date, datetime

import ibis
import pandas as pd
import pytest

from tierwise.metrics.facts import customer_facts
from tierwise.window import Window

WINDOW = Window(start=date(2025, 1, 1), end=date(2026, 1, 1))


def _tx(rows, with_cost=True):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "order_id", "cost"])
    frame["date"] = pd.to_datetime(frame["date"])
    if not with_cost:
        frame = frame.drop(columns="cost")
    return ibis.memtable(frame)


def _facts(tx, customers=None, rate=0.3):
    out = customer_facts(tx, WINDOW, rate, customers=customers).execute()
    return out.set_index("customer_id")


def test_revenue_margin_orders_and_returns_by_hand():
    tx = _tx(
        [
            ("A", "2024-06-01", 500.0, "o0", 100.0),  # before the window: history only
            ("A", "2025-02-01", 100.0, "o1", 60.0),
            ("A", "2025-02-01", 50.0, "o1", None),  # no cost: margin estimated at 30%
            ("A", "2025-03-01", 200.0, "o2", 150.0),
            ("A", "2025-04-01", -40.0, "r1", -30.0),  # a return
            ("A", "2026-02-01", 999.0, "o9", 0.0),  # after as-of: ignored entirely
        ]
    )
    a = _facts(tx).loc["A"]
    assert a.revenue == pytest.approx(100 + 50 + 200 - 40)
    assert a.gross_margin == pytest.approx(40 + 15 + 50 - 10)
    assert bool(a.margin_estimated) is True
    assert a.orders == 2 and a.frequency == 2
    assert a.order_lines == 4 and a.return_lines == 1
    assert a.returns_amount == pytest.approx(40)
    assert a.first_purchase == datetime(2024, 6, 1)
    assert a.last_purchase == datetime(2025, 3, 1)
    assert a.recency_days == (date(2026, 1, 1) - date(2025, 3, 1)).days
    assert a.tenure_days == (date(2026, 1, 1) - date(2024, 6, 1)).days
    assert a.monetary == pytest.approx(a.revenue)


def test_margin_without_cost_column_uses_the_default_rate_and_is_marked():
    tx = _tx([("B", "2025-05-05", 1000.0, "o1", None)], with_cost=False)
    b = _facts(tx, rate=0.25).loc["B"]
    assert b.gross_margin == pytest.approx(250.0)
    assert bool(b.margin_estimated) is True


def test_customer_without_purchases_in_window_has_zero_revenue_but_recency():
    tx = _tx([("C", "2024-03-01", 80.0, "o1", 40.0)])
    c = _facts(tx).loc["C"]
    assert c.revenue == 0 and c.orders == 0 and c.frequency == 0
    assert c.recency_days == (date(2026, 1, 1) - date(2024, 3, 1)).days


def test_listed_customers_without_transactions_get_a_row_of_zeros():
    tx = _tx([("A", "2025-02-01", 10.0, "o1", 5.0)])
    customers = ibis.memtable({"customer_id": ["A", "Z"]})
    facts = _facts(tx, customers=customers)
    assert set(facts.index) == {"A", "Z"}
    assert facts.loc["Z"].revenue == 0 and pd.isna(facts.loc["Z"].last_purchase)
