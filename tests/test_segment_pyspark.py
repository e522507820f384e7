"""The segmentation stage on PySpark gives the scores, portfolio figures and chart tables it
gives on DuckDB, from the same book and the same scorecard; approved overrides too.

The scorecard the stage reads is the one ``tierwise.analyze`` hands it on DuckDB (facts,
cost-to-serve, RFM, CLV), caught at the stage's door and copied to Spark as Arrow.
"""

from __future__ import annotations

import math
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import tierwise
import tierwise.pipeline
from tests.spark_engine import on_spark
from tierwise.book.book import Book
from tierwise.demo import generate_book
from tierwise.segment.engagement import engagement_value
from tierwise.segment.overrides import apply_overrides, effective_tier_figures
from tierwise.segment.stage import SCORE_COLUMNS, SegmentOutcome, segment_customers
from tierwise.settings.segmentation import SegmentationSettings
from tierwise.window import Window

pytestmark = pytest.mark.spark

#: Columns in money; every other float column is a model output (indices, parts, z-scores).
MONEY = {"crv", "civ", "ckv", "cev", "engagement_value", "revenue", "net_profit", "effort_hours"}


class _Caught(Exception):
    """Stops the analysis once the segmentation stage's input is caught."""


def _segmentation_input(book: Book) -> tuple[pa.Table, SegmentationSettings, Window]:
    """The scorecard, settings and window ``tierwise.analyze`` gives the stage on DuckDB."""
    caught: dict[str, Any] = {}

    def catch(scorecard: ir.Table, **kw: Any) -> SegmentOutcome:
        caught.update(card=scorecard.to_pyarrow(), settings=kw["settings"], window=kw["window"])
        raise _Caught

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tierwise.pipeline, "segment_customers", catch)
        with pytest.raises(_Caught):
            tierwise.analyze(book)
    return caught["card"], caught["settings"], caught["window"]


def _segment(
    book: Book, card: ir.Table, settings: SegmentationSettings, window: Window
) -> SegmentOutcome:
    return segment_customers(
        card,
        transactions=book.transactions,
        customers=book.table("customers"),
        signals=book.table("signals"),
        settings=settings,
        window=window,
    )


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("segment-book")
    generate_book(folder, customers=400, seed=3, lines_per_customer=30)
    duck_book = tierwise.read_book(folder)
    card, settings, window = _segmentation_input(duck_book)
    spark_book = on_spark(duck_book, spark)
    spark.createDataFrame(card).createOrReplaceTempView("tw_test_segment_card")
    cards = {
        "duckdb": duck_book.con.create_table("tw_test_segment_card", card),
        "spark": spark_book.con.table("tw_test_segment_card"),
    }
    books = {"duckdb": duck_book, "spark": spark_book}
    return {
        "books": books,
        "cards": cards,
        "settings": settings,
        "window": window,
        "runs": {name: _segment(books[name], cards[name], settings, window) for name in books},
    }


def _by_customer(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("customer_id").reset_index(drop=True)


def _assert_same_frame(expected: pd.DataFrame, actual: pd.DataFrame, what: str) -> None:
    """Ids, text, counts and flags exact; money to 1e-9 and model outputs to 1e-6 relative."""
    assert list(actual.columns) == list(expected.columns), what
    assert len(actual) == len(expected), what
    for column in expected.columns:
        left, right = expected[column], actual[column]
        where = f"{what}: {column}"
        if pd.api.types.is_float_dtype(left):
            rtol = 1e-9 if column in MONEY or column.startswith("share_") else 1e-6
            np.testing.assert_allclose(
                right.astype(float), left.astype(float), rtol=rtol, atol=1e-12, err_msg=where
            )
        else:
            assert right.tolist() == left.tolist(), where


def _assert_same_figures(expected: Any, actual: Any, path: str = "portfolio") -> None:
    """The portfolio dicts: the same keys and texts, numbers to 1e-9 relative."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), path
        for key in expected:
            _assert_same_figures(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _assert_same_figures(e, a, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(actual, bool):
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9), (path, expected, actual)
    else:
        assert actual == expected, path


def test_scores_match_duckdb_column_by_column(engines) -> None:
    duck, spark = engines["runs"]["duckdb"], engines["runs"]["spark"]
    expected = _by_customer(duck.scores.to_pandas())
    actual = _by_customer(spark.scores.to_pandas())
    assert list(expected.columns[: len(SCORE_COLUMNS)]) == list(SCORE_COLUMNS)
    assert len(expected) == 400
    _assert_same_frame(expected, actual, "scores")
    # The book exercises what differs between engines: referrals of known customers,
    # surveys, trends called both ways, every tier.
    assert (expected.crv > 0).sum() > 5
    assert expected.trend_satisfaction.notna().sum() > 50
    assert {"improving", "deteriorating"} <= set(expected.relationship_trend)
    assert set(expected.tier) == set(engines["settings"].tier_names)


def test_portfolio_and_chart_tables_match_duckdb(engines) -> None:
    duck, spark = engines["runs"]["duckdb"], engines["runs"]["spark"]
    _assert_same_figures(duck.portfolio, spark.portfolio)
    assert sorted(spark.details) == sorted(duck.details)
    for name, expected in duck.details.items():
        actual = spark.details[name]
        if name == "segment_matrix":  # one row per customer, in no set order
            expected, actual = _by_customer(expected), _by_customer(actual)
        _assert_same_frame(expected, actual, name)


def test_referrals_valued_on_net_profit_match_duckdb(engines) -> None:
    # The other referral basis joins each referral to the referred customer's later
    # purchases (a range join), which the default basis does not run.
    settings = engines["settings"].engagement.model_copy(update={"referral_basis": "net_profit"})
    frames = {
        name: _by_customer(
            engagement_value(
                engines["cards"][name],
                signals=book.table("signals"),
                transactions=book.transactions,
                settings=settings,
                window=engines["window"],
            ).to_pandas()
        )
        for name, book in engines["books"].items()
    }
    assert (frames["duckdb"].crv > 0).sum() > 5
    _assert_same_frame(frames["duckdb"], frames["spark"], "engagement on net profit")


def _overrides(model: pd.Series, tier_names: list[str]) -> pd.DataFrame:
    """One override approved on the model's current tier, one approved on another (stale)."""
    first, last = tier_names[0], tier_names[-1]
    moved = model[model != first].index[0]
    stale = model[model != last].index[-1]
    return pd.DataFrame(
        [
            {
                "customer_id": moved,
                "override_id": 7,
                "tier": first,
                "reason": "board-level partnership",
                "approved_model_tier": model[moved],
            },
            {
                "customer_id": stale,
                "override_id": 8,
                "tier": last,
                "reason": "winding down",
                "approved_model_tier": first if model[stale] != first else tier_names[1],
            },
        ]
    )


def test_approved_overrides_match_duckdb(engines) -> None:
    settings = engines["settings"]
    duck_scores = engines["runs"]["duckdb"].scores.to_pandas()
    overrides = _overrides(duck_scores.set_index("customer_id").tier, settings.tier_names)
    cards, figures = {}, {}
    for name, run in engines["runs"].items():
        card, scores = engines["cards"][name], run.scores
        new = [c for c in scores.columns if c not in card.columns]
        # as the pipeline attaches the stage's scores to the scorecard
        joined = card.left_join(scores, "customer_id").select(card, *[scores[c] for c in new])
        overridden = apply_overrides(joined, overrides)
        figures[name] = effective_tier_figures(overridden, settings, run.portfolio["tiers"])
        cards[name] = _by_customer(
            overridden.select(
                "customer_id",
                "tier",
                "model_tier",
                "override_id",
                "override_reason",
                "override_stale",
                "reasons",
                "revenue",
            ).to_pandas()
        )
    expected, actual = cards["duckdb"], cards["spark"]
    _assert_same_frame(expected, actual, "overridden scorecard")
    applied = actual[actual.override_id.notna()].set_index("customer_id")
    wanted = overrides.set_index("customer_id")
    assert applied.tier.to_dict() == wanted.tier.to_dict()
    model = duck_scores.set_index("customer_id").tier
    stale = {cid: wanted.approved_model_tier[cid] != model[cid] for cid in wanted.index}
    assert applied.override_stale.to_dict() == stale
    assert sorted(stale.values()) == [False, True]
    assert applied.reasons.str.startswith("tier set by override #").all()
    _assert_same_figures(figures["duckdb"][0], figures["spark"][0], "effective tiers")
    _assert_same_frame(
        figures["duckdb"][1]["segment_tiers"], figures["spark"][1]["segment_tiers"], "tier table"
    )
