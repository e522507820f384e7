"""Value to us and value to the customer: skew-robust 0..1 indices with their parts."""

from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from tierwise.segment.fast_ranks import add_rank_parts, midrank_np, signed_midrank_np
from tierwise.segment.levels import relationship_levels
from tierwise.segment.ranks import anchored
from tierwise.segment.value import client_index, client_parts, us_index
from tierwise.settings.segmentation import (
    LevelSettings,
    SegmentationSettings,
    ValueIndexSettings,
    ValueToUsWeights,
)
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))


def _col(values: list[float | None], fn) -> list[float]:  # type: ignore[no-untyped-def]
    t = ibis.memtable(pd.DataFrame({"i": range(len(values)), "x": values}))
    return t.mutate(r=fn(t.x)).order_by("i").r.to_pandas().tolist()


def _ranked(df: pd.DataFrame) -> ibis.Table:
    """The stage's rank pass (NumPy) over a scorecard, as an engine table."""
    df = df.copy()
    for col, default in (("price_realisation", None), ("frequency", 1), ("gross_margin", 0.0)):
        if col not in df.columns:
            df[col] = default
    table, _, _ = add_rank_parts(pa.Table.from_pandas(df, preserve_index=False), _NO_OBJECTIVES)
    return ibis.memtable(table)


_NO_OBJECTIVES = SegmentationSettings()  # objectives whose columns are absent are skipped


def value_to_us(t: pd.DataFrame, settings: ValueIndexSettings) -> ibis.Table:
    return us_index(_ranked(t), settings)


def value_to_client(
    t: pd.DataFrame, *, signals: ibis.Table | None, settings: ValueIndexSettings, window: Window
) -> ibis.Table:
    parts = client_parts(_ranked(t), signals=signals, settings=settings, window=window)
    return client_index(parts, settings)


def test_midrank_shares_ties_and_leaves_blanks_blank() -> None:
    # Values 1, 2, 2, 4 of n = 4: (below + at-or-below) / 2n.
    r = midrank_np(np.array([1.0, 2.0, 2.0, 4.0, np.nan]))
    assert r[:4] == pytest.approx([1 / 8, 4 / 8, 4 / 8, 7 / 8])
    assert np.isnan(r[4])


def test_signed_midrank_keeps_every_loss_below_every_profit() -> None:
    r = signed_midrank_np(np.array([-500.0, -1.0, 0.0, 10.0, 1e9]))
    # Losses and zero rank among themselves in [0, 0.5); profits in (0.5, 1].
    assert r == pytest.approx(
        [0.5 * 1 / 6, 0.5 * 3 / 6, 0.5 * 5 / 6, 0.5 + 0.5 / 4, 0.5 + 0.5 * 3 / 4]
    )


def test_anchored_maps_low_neutral_high_to_0_half_1() -> None:
    r = _col(
        [0.0, 3.5, 7.0, 8.5, 10.0, 12.0], lambda x: anchored(x, low=0.0, neutral=7.0, high=10.0)
    )
    assert r == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.0])


def _scorecard() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["whale_loss", "small_profit", "mid_profit", "no_data"],
            "revenue": [1_000_000.0, 1_000.0, 50_000.0, 0.0],
            "gross_margin": [100_000.0, 400.0, 15_000.0, 0.0],
            "net_profit": [-50_000.0, 300.0, 10_000.0, 0.0],
            "clv": [900_000.0, 800.0, 40_000.0, 0.0],
            "price_realisation": [None, None, None, None],
            "p_alive": [0.9, 0.6, 0.95, 0.1],
            "frequency": [40, 2, 10, 0],
        }
    )


def test_value_to_us_is_a_weighted_mean_of_the_parts_present() -> None:
    t = value_to_us(_scorecard(), ValueIndexSettings()).to_pandas()
    t = t.set_index("customer_id")
    w = ValueToUsWeights()
    # Price realisation is blank for everyone, so its weight drops out.
    expected = (
        w.net_profit * t.us_net_profit + w.clv * t.us_clv + w.margin * t.us_margin.fillna(0)
    ) / (w.net_profit + w.clv + w.margin * t.us_margin.notna())
    assert t.value_to_us.to_numpy() == pytest.approx(expected.to_numpy())
    # A whale that loses money is worth less to us than a small profitable account.
    assert t.loc["whale_loss", "us_net_profit"] < 0.5 < t.loc["small_profit", "us_net_profit"]
    assert t.loc["whale_loss", "value_to_us"] < t.loc["small_profit", "value_to_us"]
    assert t.value_to_us.between(0, 1).all()


def test_value_to_client_reads_surveys_and_marks_behavioural_proxy() -> None:
    signals = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["small_profit", "small_profit", "mid_profit", "mid_profit"],
                "date": pd.to_datetime(["2024-03-01", "2024-09-01", "2024-05-01", "2024-06-01"]),
                "kind": ["nps", "nps", "complaint", "complaint"],
                "value": [10.0, 7.0, None, None],
            }
        )
    )
    s = ValueIndexSettings()
    t = value_to_client(_scorecard(), signals=signals, settings=s, window=WINDOW).to_pandas()
    t = t.set_index("customer_id")
    # Mean NPS 8.5 → 0.5 + 0.5 × (8.5 - 7) / 3 = 0.75; no complaints → 1.
    assert t.loc["small_profit", "client_satisfaction"] == pytest.approx(0.75)
    w = s.to_client
    assert t.loc["small_profit", "value_to_client"] == pytest.approx(
        (w.satisfaction * 0.75 + w.complaints * 1.0) / (w.satisfaction + w.complaints)
    )
    assert not t.loc["small_profit", "value_to_client_proxy"]
    # Two complaints a year against a neutral 3 → 1 / (1 + 2/3) = 0.6; no survey → proxy.
    assert t.loc["mid_profit", "client_complaints"] == pytest.approx(0.6)
    assert t.loc["mid_profit", "value_to_client_proxy"]
    assert t.value_to_client.between(0, 1).all()


def test_without_signals_every_customer_is_a_loyalty_proxy() -> None:
    t = value_to_client(
        _scorecard(), signals=None, settings=ValueIndexSettings(), window=WINDOW
    ).to_pandas()
    t = t.set_index("customer_id")
    assert t.value_to_client_proxy.all()
    # Loyalty = mean of P(alive) and the frequency mid-rank (frequencies 40, 2, 10, 0).
    assert t.loc["whale_loss", "value_to_client"] == pytest.approx((0.9 + 7 / 8) / 2)
    assert t.loc["no_data", "value_to_client"] == pytest.approx((0.1 + 1 / 8) / 2)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1e5, 1e5), st.floats(0, 1e5), st.floats(0, 1e6)),
        min_size=2,
        max_size=20,
    )
)
def test_more_net_profit_never_lowers_the_profit_part(
    rows: list[tuple[float, float, float]],
) -> None:
    df = pd.DataFrame(rows, columns=["net_profit", "revenue", "clv"])
    df["customer_id"] = [f"c{i}" for i in range(len(df))]
    df["gross_margin"] = df.revenue * 0.3
    df["price_realisation"] = None
    t = value_to_us(df, ValueIndexSettings()).to_pandas().sort_values("net_profit")
    assert t.us_net_profit.is_monotonic_increasing
    assert t.value_to_us.between(0, 1).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from([-3.0, 0.0, 2.5]), st.floats(-1e6, 1e6)),
        min_size=1,
        max_size=40,
    )
)
def test_stage_percentiles_equal_the_scipy_average_rank(values: list[float | None]) -> None:
    x = np.array([np.nan if v is None else v for v in values], dtype="float64")
    present = x[~np.isnan(x)]
    # values apart by less than the ranked bits (2**-40) tie on purpose (the next test)
    gaps = np.abs(np.subtract.outer(present, present))
    near = (gaps > 0) & (gaps <= 1e-11 * np.maximum.outer(np.abs(present), np.abs(present)))
    assume(not near.any())
    assume(not ((present != 0) & (np.abs(present) < 1e-6)).any())  # zero for ranking (below)
    assert np.array_equal(np.isnan(midrank_np(x)), np.isnan(x))
    if len(present):
        oracle = (rankdata(present, method="average") - 0.5) / len(present)
        assert np.array_equal(midrank_np(x)[~np.isnan(x)], oracle)
        # signed: the non-positive and the positive values rank within their own side
        signed = signed_midrank_np(x)[~np.isnan(x)]
        for side, lo in ((present <= 0, 0.0), (present > 0, 0.5)):
            if side.any():
                within = (rankdata(present[side], method="average") - 0.5) / side.sum()
                assert signed[side] == pytest.approx(lo + 0.5 * within, abs=1e-12)


def test_figures_equal_to_twelve_digits_rank_as_ties() -> None:
    # Two sums of the same money added in a different order differ in the last bits;
    # they must not swap places between runs or engines.
    a = 0.1 + 0.2 + 0.3
    b = 0.3 + 0.2 + 0.1
    assert a != b
    r = midrank_np(np.array([a, b, 1.0]))
    assert r[0] == r[1] == pytest.approx(2 / 6)
    s = signed_midrank_np(np.array([-a, -b, a, b]))
    assert s[0] == s[1] and s[2] == s[3]
    # a difference in the tenth digit is still a difference
    assert midrank_np(np.array([1.0, 1.0 + 1e-9]))[0] < 0.5


def test_a_figure_within_a_millionth_of_zero_ranks_as_zero() -> None:
    # a wallet less the yearly revenue that fills it: 0 on one engine, 1e-11 on another
    wallet, yearly = 0.7, 0.1 + 0.2 + 0.4
    assert wallet - yearly != 0
    growth = np.array([0.0, wallet - yearly, 0.0, 5.0])
    r = midrank_np(growth)
    assert r[0] == r[1] == r[2] == pytest.approx(1.5 / 4) and r[3] == pytest.approx(3.5 / 4)
    # a profit of 1e-11 is no profit: it ranks on the non-positive side with the zeros
    s = signed_midrank_np(np.array([0.0, 1e-11, -2.0, 3.0]))
    assert s[0] == s[1] < 0.5 < s[3] and s[2] < s[0]
    # a real difference, a cent or a fraction of one, still counts
    assert midrank_np(np.array([0.0, 0.001]))[0] < 0.5


def _book_with_known_profit(seed: int, n: int = 400) -> pd.DataFrame:
    """Customers whose true yearly profit is known: margin rate, cost-to-serve, spend."""
    rng = np.random.default_rng(seed)
    revenue = rng.lognormal(8.0, 1.2, n)
    margin_rate = rng.uniform(0.05, 0.6, n)
    cost_rate = rng.uniform(0.0, 0.5, n)  # cost-to-serve per unit of revenue
    net_rate = margin_rate - cost_rate
    future = revenue * rng.uniform(0.3, 1.5, n)  # next year's spend, discounted
    return pd.DataFrame(
        {
            "customer_id": [f"k{i:04d}" for i in range(n)],
            "revenue": revenue,
            "gross_margin": revenue * margin_rate,
            "net_profit": revenue * net_rate,
            # CLV net of cost-to-serve (the default): future spend at the net rate
            "clv": future * net_rate,
            "price_realisation": rng.uniform(0.8, 1.0, n),
            "frequency": rng.integers(1, 30, n),
            "true_profitable": net_rate > 0,
        }
    )


def test_a_loss_maker_expected_to_stay_one_is_never_good_for_us() -> None:
    df = _book_with_known_profit(seed=31)
    us = value_to_us(df.drop(columns="true_profitable"), ValueIndexSettings())
    levelled = relationship_levels(
        us.mutate(value_to_client=ibis.literal(0.9), relationship_trend=ibis.literal("stable")),
        LevelSettings(good_for_us=0.3),  # even a lenient threshold
    ).to_pandas()
    levelled = levelled.merge(df[["customer_id", "true_profitable"]], on="customer_id")
    losers = levelled[~levelled["true_profitable"]]
    assert len(losers) > 50
    assert (losers["value_to_us"] < 0.5).all()
    assert losers["relationship_level"].isin([3, 4]).all()
    # and the profitable are not pushed down by the rule
    assert (levelled.loc[levelled["true_profitable"], "relationship_level"] == 1).mean() > 0.9
