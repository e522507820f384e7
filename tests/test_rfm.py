"""R/F/M scores and segments on hand-made facts."""

from __future__ import annotations

from datetime import datetime

import ibis
import numpy as np
import pandas as pd
from scipy.stats import rankdata

from tierwise.metrics.rfm import rfm_scores
from tierwise.settings.rfm import DEFAULT_SEGMENTS


def _facts(n: int) -> ibis.Table:
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in range(n)],
            "recency_days": list(range(n)),  # c00 most recent
            "frequency": [n - i for i in range(n)],  # c00 most frequent
            "monetary": [float(10 * (n - i)) for i in range(n)],
            "last_purchase": [datetime(2025, 1, 1)] * n,
        }
    )
    return ibis.memtable(frame)


def test_quintile_scores_run_from_5_for_the_best_to_1_for_the_worst():
    out = rfm_scores(_facts(10)).execute().set_index("customer_id")
    assert out.loc["c00", "rfm_score"] == "555"
    assert out.loc["c09", "rfm_score"] == "111"
    # ten customers: two per quintile
    assert sorted(out["r_score"].value_counts().tolist()) == [2, 2, 2, 2, 2]


def test_best_customers_are_champions_and_worst_are_lost():
    out = rfm_scores(_facts(10)).execute().set_index("customer_id")
    assert out.loc["c00", "rfm_segment"] == "Champions"
    assert out.loc["c09", "rfm_segment"] == "Lost"


def test_recent_low_frequency_customers_are_new():
    facts = pd.DataFrame(
        {
            "customer_id": ["new", "old1", "old2", "old3", "old4"],
            "recency_days": [1, 300, 200, 250, 220],
            "frequency": [1, 9, 8, 7, 6],
            "monetary": [5.0, 900.0, 800.0, 700.0, 600.0],
            "last_purchase": [datetime(2025, 1, 1)] * 5,
        }
    )
    out = rfm_scores(ibis.memtable(facts)).execute().set_index("customer_id")
    assert out.loc["new", "r_score"] == 5 and out.loc["new", "f_score"] == 1
    assert out.loc["new", "rfm_segment"] == "New"


def test_the_default_grid_names_every_score_combination_once():
    names = set()
    for r in range(1, 6):
        for fm in range(1, 6):
            matches = [
                s.name
                for s in DEFAULT_SEGMENTS
                if s.recency[0] <= r <= s.recency[1]
                and s.frequency_monetary[0] <= fm <= s.frequency_monetary[1]
            ]
            assert len(matches) == 1, (r, fm, matches)
            names.add(matches[0])
    assert len(names) == 11


def test_customers_who_never_bought_are_marked_no_purchases():
    facts = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "recency_days": [3, None],
            "frequency": [2, 0],
            "monetary": [50.0, 0.0],
            "last_purchase": [datetime(2025, 1, 1), None],
        }
    )
    out = rfm_scores(ibis.memtable(facts)).execute().set_index("customer_id")
    assert out.loc["b", "rfm_segment"] == "No purchases"
    assert pd.isna(out.loc["b", "rfm_score"])


def test_tied_customers_share_the_band_of_their_average_rank():
    # 70 one-time buyers, then 10 each with 2, 3 and 4 orders. The one-time buyers hold
    # ranks 1..70, average 35.5 of 100: percentile (35.5 - 0.5) / 100 = 0.35, band 2,
    # not band 1 as if all of them were the lowest.
    freq = [1] * 70 + [2] * 10 + [3] * 10 + [4] * 10
    facts = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(100)],
            "recency_days": list(range(100)),
            "frequency": freq,
            "monetary": [10.0 * f for f in freq],
            "last_purchase": [datetime(2025, 1, 1)] * 100,
        }
    )
    out = rfm_scores(ibis.memtable(facts)).execute()
    by_freq = out.groupby("frequency").f_score.agg(["min", "max"])
    # Ranks 71..80 average 75.5 → 0.75 → band 4; 81..90 → 0.85 and 91..100 → 0.95 → band 5.
    assert by_freq.to_dict("index") == {
        1: {"min": 2, "max": 2},
        2: {"min": 4, "max": 4},
        3: {"min": 5, "max": 5},
        4: {"min": 5, "max": 5},
    }


def test_scores_match_average_rank_quintiles_computed_independently():
    rng = np.random.default_rng(7)
    n = 237
    facts = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "recency_days": rng.integers(0, 40, n),
            "frequency": rng.geometric(0.5, n),
            "monetary": rng.integers(1, 30, n).astype(float),
            "last_purchase": [datetime(2025, 1, 1)] * n,
        }
    )
    out = rfm_scores(ibis.memtable(facts)).execute().set_index("customer_id").loc[facts.customer_id]

    def band(values: np.ndarray) -> np.ndarray:
        pct = (rankdata(values, method="average") - 0.5) / len(values)
        return np.minimum(np.floor(pct * 5), 4).astype(int) + 1

    assert (out.r_score.to_numpy() == band(-facts.recency_days.to_numpy())).all()
    assert (out.f_score.to_numpy() == band(facts.frequency.to_numpy())).all()
    assert (out.m_score.to_numpy() == band(facts.monetary.to_numpy())).all()
