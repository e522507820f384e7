"""R/F/M scores and segments on hand-made facts."""

from __future__ import annotations

from datetime import datetime

import ibis
import pandas as pd

from tierwise.metrics.rfm import DEFAULT_SEGMENTS, rfm_scores


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
