"""Strategic score: weighted objectives, each contribution kept; strategic is not largest."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from tierwise.errors import PolicyError
from tierwise.segment.fast_ranks import add_rank_parts
from tierwise.segment.scoring import ScoredObjective, score_from_parts
from tierwise.segment.stage import segment_customers
from tierwise.settings.segmentation import ObjectiveSettings, SegmentationSettings
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["big", "small", "mid"],
            "revenue": [90_000.0, 2_000.0, 20_000.0],
            "gross_margin": [9_000.0, 600.0, 5_000.0],
            "net_profit": [5_000.0, 800.0, 3_000.0],
            "clv": [50_000.0, 1_000.0, 10_000.0],
            "price_realisation": [None, None, None],
            "frequency": [12, 3, 6],
            "cev": [60_000.0, 90_000.0, 15_000.0],
            "strategic_fit": [0.1, 1.4, None],
            "region": ["n", "s", "e"],
        }
    )


def strategic_score(
    df: pd.DataFrame, s: SegmentationSettings
) -> tuple[ibis.Table, list[ScoredObjective], list[ObjectiveSettings]]:
    """What the stage runs: NumPy rank parts (fast_ranks), then the score expression."""
    table, scored, skipped = add_rank_parts(pa.Table.from_pandas(df, preserve_index=False), s)
    return score_from_parts(ibis.memtable(table), scored), scored, skipped


def _settings(*objectives: ObjectiveSettings, **kw: object) -> SegmentationSettings:
    return SegmentationSettings(objectives=list(objectives), **kw)  # type: ignore[arg-type]


def test_score_is_the_weighted_sum_of_rank_and_as_is_parts() -> None:
    s = _settings(
        ObjectiveSettings(source="net_profit", weight=2.0),
        ObjectiveSettings(source="cev", weight=1.0),
        ObjectiveSettings(source="strategic_fit", weight=1.0, scale="as_is"),
    )
    t, scored, skipped = strategic_score(_table(), s)
    out = t.to_pandas().set_index("customer_id")
    assert skipped == []
    assert [o.weight for o in scored] == pytest.approx([0.5, 0.25, 0.25])
    # Mid-ranks of three distinct values: 1/6, 3/6, 5/6. Fit is clipped to 1; blank → 0.
    assert out.loc["small", "objective_net_profit"] == pytest.approx(0.5 * 1 / 6)
    assert out.loc["small", "objective_cev"] == pytest.approx(0.25 * 5 / 6)
    assert out.loc["small", "objective_strategic_fit"] == pytest.approx(0.25)
    assert out.loc["mid", "objective_strategic_fit"] == 0.0
    assert out.loc["big", "strategic_score"] == pytest.approx(
        0.5 * 5 / 6 + 0.25 * 3 / 6 + 0.25 * 0.1
    )
    parts = out[[o.column for o in scored]].sum(axis=1)
    assert (parts - out.strategic_score).abs().max() < 1e-12


def test_an_objective_without_its_column_is_skipped_and_the_rest_reweighted() -> None:
    s = _settings(
        ObjectiveSettings(source="net_profit", weight=1.0),
        ObjectiveSettings(source="growth_potential", weight=3.0),
    )
    t, _, skipped = strategic_score(_table(), s)
    assert [o.source for o in skipped] == ["growth_potential"]
    out = t.to_pandas().set_index("customer_id")
    assert out.loc["big", "strategic_score"] == pytest.approx(5 / 6)


def test_a_text_column_as_objective_is_a_policy_error_naming_it() -> None:
    s = _settings(ObjectiveSettings(source="region", weight=1.0))
    with pytest.raises(PolicyError, match="region"):
        strategic_score(_table(), s)


def test_small_engaged_customer_outranks_the_largest_and_reasons_say_why() -> None:
    scorecard = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["big", "small", "mid", "tail"],
                "name": ["Big", "Small", "Mid", "Tail"],
                "revenue": [90_000.0, 2_000.0, 20_000.0, 1_000.0],
                "gross_margin": [9_000.0, 900.0, 6_000.0, 300.0],
                "net_profit": [1_000.0, 700.0, 3_000.0, 100.0],
                "effort_hours": [80.0, 5.0, 20.0, 1.0],
                "clv": [100_000.0, 3_000.0, 25_000.0, 500.0],
                "p_alive": [0.9, 0.9, 0.9, 0.5],
                "frequency": [20, 6, 10, 1],
            }
        )
    )
    customers = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["big", "small", "mid", "tail"],
                "wallet": [95_000.0, 200_000.0, 30_000.0, 1_000.0],
                "strategic_fit": [0.1, 0.95, 0.5, 0.2],
            }
        )
    )
    signals = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["small"] * 4,
                "date": pd.to_datetime(["2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01"]),
                "kind": ["referral", "case_study", "co_development", "idea"],
                "referred_customer_id": ["mid", None, None, None],
            }
        )
    )
    tx = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["big", "small", "mid", "tail"],
                "date": pd.to_datetime(["2024-05-01"] * 4),
                "amount": [90_000.0, 2_000.0, 20_000.0, 1_000.0],
                "order_id": ["1", "2", "3", "4"],
            }
        )
    )
    out = segment_customers(
        scorecard,
        transactions=tx,
        customers=customers,
        signals=signals,
        settings=SegmentationSettings(),
        window=WINDOW,
    )
    s = out.scores.to_pandas().set_index("customer_id")
    assert s.loc["small", "strategic_rank"] == 1
    assert s.loc["big", "revenue_rank"] == 1
    assert s.loc["big", "strategic_rank"] > 1
    assert "engagement value" in s.loc["small", "reasons"]
    assert "strategic fit" in s.loc["small", "reasons"]
    views = out.portfolio["strategic_vs_largest"]
    assert views["strategic_not_largest"][0]["customer_id"] == "small"
    assert "big" in [r["customer_id"] for r in views["largest_not_strategic"]]
    assert sorted(s.strategic_rank) == [1, 2, 3, 4]
    assert s.strategic_score.between(0, 1).all()


def test_a_customer_without_purchases_does_not_outrank_buyers_without_other_evidence() -> None:
    # Every buyer loses money (cost-to-serve above margin); "idle" bought nothing in the
    # window (net profit 0, no CLV); "fit" bought nothing either but management rates it.
    ids = ["b1", "b2", "b3", "idle", "fit"]
    scorecard = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ids,
                "name": ids,
                "revenue": [900.0, 500.0, 300.0, 0.0, 0.0],
                "gross_margin": [270.0, 150.0, 90.0, 0.0, 0.0],
                "net_profit": [-30.0, -60.0, -90.0, 0.0, 0.0],
                "effort_hours": [1.0, 1.0, 1.0, 0.0, 0.0],
                "clv": [-20.0, -40.0, -70.0, None, -5.0],
                "p_alive": [0.9, 0.8, 0.7, None, 0.2],
                "frequency": [6, 4, 2, 0, 0],
            }
        )
    )
    customers = ibis.memtable(
        pd.DataFrame({"customer_id": ids, "strategic_fit": [0.1, 0.1, 0.1, None, 0.95]})
    )
    tx = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["b1", "b2", "b3", "fit"],
                "date": pd.to_datetime(["2024-05-01", "2024-05-01", "2024-05-01", "2022-05-01"]),
                "amount": [900.0, 500.0, 300.0, 100.0],
                "order_id": ["1", "2", "3", "4"],
            }
        )
    )
    out = segment_customers(
        scorecard,
        transactions=tx,
        customers=customers,
        signals=None,
        settings=SegmentationSettings(),
        window=WINDOW,
    )
    s = out.scores.to_pandas().set_index("customer_id")
    # no evidence: below every buyer, however much the buyers lose
    assert s.loc["idle", "strategic_rank"] == 5
    assert s.loc["idle", "strategic_score"] < s.loc[["b1", "b2", "b3"], "strategic_score"].min()
    # strategic fit is evidence: it may place a non-buyer above buyers, and says so
    assert s.loc["fit", "strategic_rank"] == 1
    assert "strategic fit" in s.loc["fit", "reasons"]
    assert "no purchase in the window" in s.loc["fit", "reasons"]
    assert "no purchase in the window" not in s.loc["b1", "reasons"]
