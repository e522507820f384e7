"""Tiers by shares, thresholds or counts: every customer gets exactly one tier."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.segment.fast_ranks import add_ranks
from tierwise.segment.tiers import tier_boundaries, tiers_for_ranks
from tierwise.settings.segmentation import SegmentationSettings, TierRule

FOUR = ["strategic", "growth", "core", "transactional"]


def _tiered(scores: list[float], s: SegmentationSettings) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(len(scores))],
            "strategic_score": scores,
            "revenue": [100.0] * len(scores),
        }
    )
    # what the stage runs: Arrow ranks, then tiers cut from the ranks
    t = add_ranks(pa.Table.from_pandas(df, preserve_index=False)).to_pandas()
    t["tier"] = tiers_for_ranks(t["strategic_rank"].to_numpy(), t["strategic_score"].to_numpy(), s)
    return t.sort_values("strategic_rank")


def test_default_tiers_are_named_and_cut_by_shares() -> None:
    s = SegmentationSettings()
    assert s.tier_names == FOUR
    out = _tiered([i / 100 for i in range(100)], s)
    # 5%, 15%, 30% of 100 customers, the rest transactional; highest scores first.
    assert out.tier.value_counts().reindex(FOUR).tolist() == [5, 15, 30, 50]
    assert out.iloc[0].strategic_score == 0.99
    assert out.iloc[0].tier == "strategic"


def test_thresholds_with_a_cap_push_the_overflow_down() -> None:
    rules = [
        TierRule(name="strategic", min_score=0.8, max_count=2),
        TierRule(name="growth", min_score=0.5),
        TierRule(name="rest"),
    ]
    s = SegmentationSettings(tier_method="thresholds", tiers=rules)
    out = _tiered([0.95, 0.9, 0.85, 0.6, 0.2], s)
    assert out.tier.tolist() == ["strategic", "strategic", "growth", "growth", "rest"]


def test_counts_cut_by_maximum_count() -> None:
    rules = [TierRule(name="a", max_count=1), TierRule(name="b", max_count=10), TierRule(name="c")]
    s = SegmentationSettings(tier_method="counts", tiers=rules)
    out = _tiered([0.1, 0.2, 0.3], s)
    assert out.tier.tolist() == ["a", "b", "b"]


def test_ties_break_by_revenue_then_id() -> None:
    df = pd.DataFrame(
        {
            "customer_id": ["z", "y", "x"],
            "strategic_score": [0.5, 0.5, 0.5],
            "revenue": [1.0, 9.0, 1.0],
        }
    )
    out = add_ranks(pa.Table.from_pandas(df, preserve_index=False)).to_pandas()
    assert out.set_index("customer_id").strategic_rank.to_dict() == {"y": 1, "x": 2, "z": 3}


def test_scores_equal_but_for_the_last_bits_break_the_tie_by_revenue() -> None:
    # the same parts added in another order: a different float, the same score
    low, high = 0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1
    assert low != high
    df = pd.DataFrame(
        {"customer_id": ["a", "b"], "strategic_score": [high, low], "revenue": [1.0, 2.0]}
    )
    out = add_ranks(pa.Table.from_pandas(df, preserve_index=False)).to_pandas()
    assert out.set_index("customer_id").strategic_rank.to_dict() == {"b": 1, "a": 2}


def test_invalid_tier_policy_names_the_problem() -> None:
    with pytest.raises(ValueError, match="shares sum"):
        SegmentationSettings(
            tiers=[TierRule(name="a", share=0.8), TierRule(name="b", share=0.5), TierRule(name="c")]
        )
    with pytest.raises(ValueError, match="unique"):
        SegmentationSettings(tiers=[TierRule(name="a", share=0.5), TierRule(name="a")])


rule_lists = st.lists(
    st.tuples(st.floats(0, 0.5), st.floats(0, 1), st.one_of(st.none(), st.integers(0, 20))),
    min_size=0,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(0, 500),
    raw=rule_lists,
    method=st.sampled_from(["quantiles", "thresholds", "counts"]),
    seed=st.integers(0, 10**6),
)
def test_boundaries_give_every_customer_exactly_one_tier(
    n: int, raw: list[tuple[float, float, int | None]], method: str, seed: int
) -> None:
    rules = [
        TierRule(
            name=f"t{i}",
            share=share,
            min_score=1 - thr,
            max_count=cap if cap is not None or method != "counts" else 3,
        )
        for i, (share, thr, cap) in enumerate(raw)
    ] + [TierRule(name="last")]
    rng = np.random.default_rng(seed)
    scores = np.sort(rng.random(n))[::-1]
    eligible = [int((scores >= r.min_score).sum()) for r in rules[:-1]]
    ends = tier_boundaries(n, rules, method, eligible)
    assert len(ends) == len(rules)
    assert ends[-1] == n
    assert all(a <= b for a, b in zip([0, *ends], ends, strict=False))
    sizes = np.diff([0, *ends])
    assert sizes.sum() == n
    for rule, size in zip(rules[:-1], sizes[:-1], strict=True):
        if rule.max_count is not None:
            assert size <= rule.max_count


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.sampled_from([0.0, 10.0, 99.5])),
        min_size=1,
        max_size=25,
    )
)
def test_stage_ranks_follow_score_then_revenue_then_id(rows: list[tuple[float, float]]) -> None:
    # Many ties on score and revenue: the id breaks them, in Python's string order.
    ids = [f"c{(i * 7919) % 101:03d}-{i}" for i in range(len(rows))]
    df = pd.DataFrame(
        {
            "customer_id": ids,
            "strategic_score": [r[0] for r in rows],
            "revenue": [r[1] for r in rows],
        }
    )
    fast = add_ranks(pa.Table.from_pandas(df, preserve_index=False)).to_pandas()
    fast = fast.set_index("customer_id")
    by_score = sorted(zip(ids, rows, strict=True), key=lambda p: (-p[1][0], -p[1][1], p[0]))
    by_revenue = sorted(zip(ids, rows, strict=True), key=lambda p: (-p[1][1], p[0]))
    assert fast["strategic_rank"].to_dict() == {c: i + 1 for i, (c, _) in enumerate(by_score)}
    assert fast["revenue_rank"].to_dict() == {c: i + 1 for i, (c, _) in enumerate(by_revenue)}
