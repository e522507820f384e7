"""Relationship trend: each customer's recent behaviour against its own history."""

from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm

from tests.simulated_trends import read_trends, trend_population
from tierwise.segment.trend import confidence, relationship_trend, two_rate_z, z_of_confidence
from tierwise.settings.segmentation import TrendSettings, ValueIndexSettings
from tierwise.window import Window

AS_OF = date(2025, 1, 1)
WINDOW = Window.ending(AS_OF, 365)


def _monthly(customer: str, start: str, end: str, amount: float, freq: str = "MS") -> pd.DataFrame:
    days = pd.date_range(start, end, freq=freq)
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
        # Twice-monthly buyer whose last order was on 1 July: six months silent.
        _monthly("lapsed", "2023-01-01", "2024-07-01", 1000.0, freq="SMS"),
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


def _lr_z(recent: float, earlier: float, recent_len: float, earlier_len: float) -> float:
    """Signed-root likelihood ratio of two Poisson rates (continuity-corrected), written out."""
    n = recent + earlier
    p0 = recent_len / (recent_len + earlier_len)
    expected = n * p0
    if abs(recent - expected) <= 0.5:
        return 0.0
    r = recent + 0.5 if recent < expected else recent - 0.5
    pairs = ((r, expected), (n - r, n - expected))
    dev = 2 * sum(k * np.log(k / e) for k, e in pairs if k)
    return float(np.sign(r - expected) * np.sqrt(dev))


def test_spend_and_rhythm_against_own_history_give_the_trend() -> None:
    out = _trend()
    assert out.relationship_trend.to_dict() == {
        "steady": "stable",
        "shrinking": "deteriorating",
        "growing": "improving",
        "lapsed": "deteriorating",
    }
    # Recent period: the 120 days from 2024-09-03 (orders of Oct, Nov, Dec); earlier period:
    # the 365 days before it (Oct 2023 .. Sep 2024, twelve orders). A steady account shows
    # a little under the 15 × 120/485 = 3.7 orders expected: well inside stable.
    # Its order values did not move (size z = 0), which the spend part weighs in:
    # (0.5 z + 0.25 · 0) / √(0.5² + 0.25²).
    z = 0.5 * _lr_z(3, 12, 120, 365) / np.sqrt(0.5**2 + 0.25**2)
    assert out.loc["steady", "trend_spend"] == pytest.approx(2 * norm.cdf(z) - 1, abs=1e-6)
    assert out.loc["steady", "trend_evidence"] == "no clear change"
    # Lapsed: no order in the recent period against twenty in the earlier one (15 Sep
    # 2023 .. 1 Jul 2024), where 20 × 120/485 = 4.9 were expected.
    z = _lr_z(0, 20, 120, 365)
    assert z < -1.96
    assert out.loc["lapsed", "trend_spend"] == pytest.approx(2 * norm.cdf(z) - 1, abs=1e-6)
    assert out.loc["lapsed", "trend_rhythm"] == -1.0
    assert out.loc["lapsed", "trend_evidence"] == "clear fall"
    # Shrinking keeps its rhythm; its order values fell from 1,000 to 300.
    assert out.loc["shrinking", "trend_spend"] < -0.95


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
    # NPS 10, 10 then 3: no spread within either period, so the floor (0.05 of the 0..10
    # scale) is the noise: z = -7 / (0.5 · √(1 + 1/2)).
    z = -7 / (0.5 * np.sqrt(1 + 1 / 2))
    assert out.loc["steady", "trend_satisfaction"] == pytest.approx(2 * norm.cdf(z) - 1)
    # Two complaints in the recent period where none came before.
    z = -_lr_z(2, 0, 120, 365)
    assert out.loc["steady", "trend_complaints"] == pytest.approx(2 * norm.cdf(z) - 1, abs=1e-6)
    assert out.loc["steady", "relationship_trend"] == "deteriorating"
    # Complaint-free before and after is no evidence: growing stays improving.
    assert pd.isna(out.loc["growing", "trend_complaints"])
    assert out.loc["growing", "relationship_trend"] == "improving"


def test_the_two_rate_statistic_is_calibrated_like_the_exact_binomial_test() -> None:
    # Given N events, the recent count is Binomial(N, p0) when the rate did not change;
    # the statistic's normal tail should track the exact one-sided binomial tail.
    rows = [(k, n - k) for n in (5, 8, 12, 20, 40, 80) for k in range(n + 1)]
    counts = ibis.memtable(pd.DataFrame(rows, columns=["r", "e"]))
    got = two_rate_z(counts, "z", "r", "e", 120.0, 365.0).to_pandas()
    p0 = 120 / 485
    n = got.r + got.e
    below = got.r < n * p0
    exact = np.where(below, binom.cdf(got.r, n, p0), binom.sf(got.r - 1, n, p0))
    approx = np.where(below, norm.cdf(got.z), norm.sf(got.z))
    used = (exact > 0.001) & (exact < 0.2)  # the tails a decision at 95% reads
    assert used.sum() > 30
    assert np.abs(approx[used] - exact[used]).max() < 0.025


def test_confidence_and_its_inverse_match_the_normal_distribution() -> None:
    z = np.linspace(-5, 5, 41)
    t = ibis.memtable(pd.DataFrame({"z": z}))
    got = t.mutate(c=confidence(t.z)).mutate(back=lambda x: z_of_confidence(x.c)).to_pandas()
    assert np.abs(got.c - (2 * norm.cdf(z) - 1)).max() < 2e-7
    inner = np.abs(z) < 3
    assert np.abs(got.back[inner] - z[inner]).max() < 1e-3


def test_a_stationary_population_is_rarely_flagged() -> None:
    # Poisson buyers at 2..50 orders a year, stable surveys and complaints: at most 10%
    # may read as changing either way (measured: about 6%; before the evidence model, 37%).
    out = read_trends(trend_population(600, seed=21, decline=False))
    flagged = (out.relationship_trend != "stable").mean()
    assert flagged <= 0.10, f"{flagged:.1%} of a stationary population flagged"
    thin = out[out.trend_evidence == "not enough evidence"]
    assert (thin.relationship_trend == "stable").all()


def test_planted_declines_with_enough_history_are_found() -> None:
    # Every customer declines 120..180 days before as-of: half stop, half halve their
    # rate, survey means fall by 3 points. "Enough history": the decline takes at least
    # 4 expected orders out of the 120-day recent period, and a halving (orders keep
    # coming) has survey answers before the decline and after.
    pop = trend_population(600, seed=22, decline=True)
    out = read_trends(pop)
    sig = pop.signals[pop.signals.kind == "nps"].merge(pop.truth, on="customer_id")
    ago = (pd.Timestamp("2025-01-01") - sig.date).dt.days
    before = sig[(ago >= sig.cut_days) & (ago < 485)].customer_id.unique()
    after = sig[ago < 120].customer_id.unique()
    answered = out.customer_id.isin(before) & out.customer_id.isin(after)
    lost = np.where(out.kind == "stopped", 1.0, 0.5) * out.rate * 120 / 365
    enough = (lost >= 4) & ((out.kind == "stopped") | answered)
    assert enough.sum() >= 100
    found = (out.relationship_trend[enough] == "deteriorating").mean()
    assert found >= 0.80, f"{found:.1%} of {enough.sum()} declines with enough history found"
    assert (out.relationship_trend == "improving").mean() <= 0.02


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
    assert alone.trend_evidence.tolist() == ["not enough evidence"]
