"""Relationship trend: each customer's recent behaviour against its own history."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest

from tierwise.policy.segmentation import TrendSettings, ValueIndexSettings
from tierwise.segment.trend import relationship_trend
from tierwise.window import Window

AS_OF = date(2025, 1, 1)
WINDOW = Window.ending(AS_OF, 365)


def _monthly(customer: str, start: str, end: str, amount: float) -> pd.DataFrame:
    days = pd.date_range(start, end, freq="MS")
    return pd.DataFrame(
        {
            "customer_id": customer,
            "date": days,
            "amount": amount,
            "order_id": [f"{customer}-{i}" for i in range(len(days))],
        }
    )


def _transactions() -> ibis.Table:
    parts = [
        _monthly("steady", "2023-01-01", "2024-12-01", 1000.0),
        # Same rhythm, but a third of the spend in the last four months.
        pd.concat(
            [
                _monthly("shrinking", "2023-01-01", "2024-08-01", 1000.0),
                _monthly("shrinking", "2024-09-01", "2024-12-01", 300.0).assign(
                    order_id=lambda d: d.order_id + "b"
                ),
            ]
        ),
        pd.concat(
            [
                _monthly("growing", "2023-01-01", "2024-08-01", 1000.0),
                _monthly("growing", "2024-09-01", "2024-12-01", 3000.0).assign(
                    order_id=lambda d: d.order_id + "b"
                ),
            ]
        ),
        # Monthly buyer whose last order was in July: five months overdue.
        _monthly("lapsed", "2023-01-01", "2024-07-01", 1000.0),
    ]
    return ibis.memtable(pd.concat(parts, ignore_index=True))


def _trend(signals: pd.DataFrame | None = None, p_alive: float = 0.9) -> pd.DataFrame:
    base = ibis.memtable(
        pd.DataFrame(
            {"customer_id": ["steady", "shrinking", "growing", "lapsed"], "p_alive": p_alive}
        )
    )
    out = relationship_trend(
        base,
        transactions=_transactions(),
        signals=None if signals is None else ibis.memtable(signals),
        settings=TrendSettings(),
        values=ValueIndexSettings(),
        window=WINDOW,
    ).to_pandas()
    return out.set_index("customer_id")


def test_spend_and_rhythm_against_own_history_give_the_trend() -> None:
    out = _trend()
    assert out.relationship_trend.to_dict() == {
        "steady": "stable",
        "shrinking": "deteriorating",
        "growing": "improving",
        "lapsed": "deteriorating",
    }
    # Recent period: the 120 days from 2024-09-03 (orders of Oct, Nov, Dec); earlier period:
    # the 365 days before it (Oct 2023 .. Sep 2024, twelve orders).
    recent, earlier = 3 * 300.0 / 120, (11 * 1000.0 + 300.0) / 365
    assert out.loc["shrinking", "trend_spend"] == pytest.approx(
        (recent - earlier) / (recent + earlier)
    )
    # A steady account reads slightly negative from where its orders fall, well inside stable.
    recent, earlier = 3 * 1000.0 / 120, 12 * 1000.0 / 365
    assert out.loc["steady", "trend_spend"] == pytest.approx(
        (recent - earlier) / (recent + earlier)
    )
    assert out.loc["lapsed", "trend_rhythm"] == -1.0


def test_falling_satisfaction_and_new_complaints_turn_a_steady_account() -> None:
    signals = pd.DataFrame(
        {
            "customer_id": ["steady"] * 5,
            "date": pd.to_datetime(
                ["2024-02-01", "2024-05-01", "2024-10-01", "2024-11-01", "2024-12-01"]
            ),
            "kind": ["nps", "nps", "nps", "complaint", "complaint"],
            "value": [10.0, 10.0, 3.0, None, None],
        }
    )
    out = _trend(signals)
    # NPS 10 → 1.0 earlier, 3 → 3/14 recently: a full drop; two complaints where none were
    # expected → (0 - 2) / (0 + 2 + 1).
    assert out.loc["steady", "trend_satisfaction"] == -1.0
    assert out.loc["steady", "trend_complaints"] == pytest.approx(-2 / 3)
    assert out.loc["steady", "relationship_trend"] == "deteriorating"
    assert out.loc["growing", "trend_complaints"] == 0.0
    # Complaint-free before and after says nothing about direction: growing stays improving.
    assert out.loc["growing", "relationship_trend"] == "improving"


def test_low_p_alive_pulls_down_and_no_history_reads_stable() -> None:
    out = _trend(p_alive=0.1)
    assert out.loc["steady", "trend_p_alive"] == pytest.approx(-0.8)
    base = ibis.memtable(pd.DataFrame({"customer_id": ["unknown"], "p_alive": [None]}))
    alone = relationship_trend(
        base.mutate(p_alive=base.p_alive.cast("float64")),
        transactions=_transactions(),
        signals=None,
        settings=TrendSettings(),
        values=ValueIndexSettings(),
        window=WINDOW,
    ).to_pandas()
    assert alone.relationship_trend.tolist() == ["stable"]
