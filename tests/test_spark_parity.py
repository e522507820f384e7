"""One suite, two engines: the whole analysis on local PySpark gives DuckDB's figures.

A generated book with every table (customers, transactions, activities, signals, tasks)
is read, validated and analysed on DuckDB, and again on a local Spark session (Spark
reads the files). Every scorecard column, every portfolio figure and every details table
must agree, and so must the stages before segmentation on their own:

============  ===================  ===================================================
kind          tolerance            what
============  ===================  ===================================================
``exact``     equal                ids, names, counts, ranks, tiers, levels, flags,
                                   dates, days, texts (sentences hold rounded figures)
``money``     relative 1e-9        sums and ratios of amounts and hours: the engines add
                                   in different orders, so the last bits may differ
``model``     relative 1e-6        fitted models' outputs (P(alive), expected
                                   purchases, CLV) and every figure computed from them
============  ===================  ===================================================

The column tables below say which kind each column is; a column missing from them fails
the test, so a new scorecard or details column is classified when it is added.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

import tierwise
from tierwise.book.book import Book, default_as_of
from tierwise.clv.stage import ClvOutcome, lifetime_value
from tierwise.demo import generate_book
from tierwise.demo.policy import write_book_policy
from tierwise.metrics.facts import customer_facts
from tierwise.metrics.profitability import customer_profitability
from tierwise.pipeline import AnalysisResult, read_book_under_policy
from tierwise.settings.io import load_policy
from tierwise.settings.schema import Policy
from tierwise.spooled import as_frame
from tierwise.window import Window

pytestmark = pytest.mark.spark

EXACT, MONEY, MODEL = "exact", "money", "model"
RTOL = {MONEY: 1e-9, MODEL: 1e-6}

# fmt: off
SCORECARD_KINDS: dict[str, str] = {
    # who
    "customer_id": EXACT, "name": EXACT, "owner": EXACT,
    # facts and profit: money
    "revenue": MONEY, "gross_margin": MONEY, "cost_to_serve": MONEY, "net_profit": MONEY,
    "monetary": MONEY, "returns_amount": MONEY, "list_revenue": MONEY,
    "discount_amount": MONEY, "price_realisation": MONEY,
    "cts_people": MONEY, "cts_orders": MONEY, "cts_logistics": MONEY, "cts_returns": MONEY,
    "cts_support": MONEY, "cts_discounts": MONEY, "cts_payment_terms": MONEY,
    "effort_hours": MONEY,
    # facts: counts, dates, days, flags
    "margin_estimated": EXACT, "cost_estimated": EXACT, "orders": EXACT,
    "order_lines": EXACT, "return_lines": EXACT, "frequency": EXACT,
    "first_purchase": EXACT, "last_purchase": EXACT, "recency_days": EXACT,
    "tenure_days": EXACT, "loss_drivers": EXACT,
    # RFM: quantile scores of counts and money
    "r_score": EXACT, "f_score": EXACT, "m_score": EXACT,
    "rfm_score": EXACT, "rfm_segment": EXACT,
    # lifetime value: the fitted models
    "p_alive": MODEL, "expected_purchases": MODEL, "clv": MODEL,
    # engagement value: CRV credits a share of the referred customer's CLV
    "crv": MODEL, "civ": MONEY, "ckv": MONEY, "cev": MODEL,
    "engagement_referrals": EXACT, "engagement_influence_signals": EXACT,
    "engagement_knowledge_signals": EXACT, "engagement_value": MODEL,
    # value to us and to the client, relationship levels (read CLV and P(alive))
    "us_net_profit": MONEY, "us_clv": MODEL, "us_margin": MONEY,
    "us_price_realisation": MONEY, "value_to_us": MODEL,
    "client_satisfaction": MONEY, "client_usage": MONEY, "client_outcomes": MONEY,
    "client_complaints": MONEY, "client_complaint_count": EXACT,
    "client_frequency_rank": MONEY, "client_loyalty": MODEL,
    "value_to_client": MODEL, "value_to_client_proxy": EXACT,
    "relationship_level": EXACT, "relationship_trend": EXACT, "level_alert": EXACT,
    "recommended_play": EXACT,
    # trend: a weighted sum of z-scores, one of them P(alive)
    "trend_spend": MONEY, "trend_rhythm": MONEY, "trend_overdue": MONEY,
    "trend_p_alive": MODEL, "trend_satisfaction": MONEY, "trend_complaints": MONEY,
    "trend_score": MODEL, "trend_evidence": EXACT,
    # the strategic score and tiers (objectives read CEV and value to us)
    "objective_net_profit": MONEY, "objective_growth_potential": MONEY,
    "objective_cev": MODEL, "objective_engagement_value": MODEL,
    "objective_strategic_fit": MONEY,
    "strategic_score": MODEL, "strategic_rank": EXACT, "revenue_rank": EXACT,
    "tier": EXACT, "reasons": EXACT,
    # service alignment
    "entitled_hours": MONEY, "hours_gap": MONEY, "money_at_stake": MONEY,
    "alignment": EXACT, "cadence_missed": EXACT, "days_since_touch": EXACT,
    "service_notes": EXACT,
}

# Details columns not named like a scorecard column, by table ("*": any table).
DETAIL_KINDS: dict[str, dict[str, str]] = {
    "*": {"customers": EXACT, "label": EXACT, "period": EXACT, "view": EXACT,
          "rank_gap": EXACT, "level_name": EXACT, "alerts": EXACT, "model": EXACT,
          "chosen": EXACT, "error": EXACT, "hours": MONEY, "value": MODEL},
    "clv_frequency_recency": {"frequency": EXACT, "recency": EXACT, "T": EXACT},
    "clv_calibration": {"frequency": EXACT, "actual": EXACT, "predicted": MODEL},
    "clv_tracking": {"actual_incremental": EXACT, "actual_cumulative": EXACT,
                     "predicted_incremental": MODEL, "predicted_cumulative": MODEL,
                     "holdout": EXACT},
    "clv_candidates": {"log_likelihood": MODEL, "mae": MODEL, "rmse": MODEL,
                       "predicted_total": MODEL, "actual_total": EXACT,
                       "brier_p_alive": MODEL},
    "segment_tiers": {"share_revenue": MONEY, "share_net_profit": MONEY,
                      "share_effort_hours": MONEY},
    "capacity_by_person": {"person": EXACT, "role": EXACT},
    "capacity_by_role": {"role": EXACT, "headcount": EXACT},
    "capacity_by_tier": {"owner_role": EXACT},
    "capacity_optimised": {"in_optimal": EXACT, "in_naive": EXACT},
    "agenda_tasks": {"task_id": EXACT, "title": EXACT, "due": EXACT, "status": EXACT,
                     "important": EXACT},
    "agenda_touches": {"last_touch": EXACT, "last_review": EXACT,
                       "orders_since_touch": EXACT, "revenue_since_touch": MONEY,
                       "first_order_since_touch": EXACT, "last_order_since_touch": EXACT},
    "share_of_wallet": {"yearly_revenue": MONEY, "wallet": MONEY, "share_of_wallet": MONEY,
                        "growth_potential": MONEY},
    "whitespace": {"rank": EXACT, "item": EXACT, "level": EXACT, "peer_group": EXACT,
                   "peers": EXACT, "peer_penetration": MONEY, "similar_penetration": MONEY,
                   "peer_median_annual_spend": MONEY, "margin_rate": MONEY,
                   "expected_margin": MONEY, "why": EXACT},
}
for _table in ("capacity_by_person", "capacity_by_role", "capacity_by_tier"):
    DETAIL_KINDS[_table] |= {
        "available_hours": MONEY, "required_hours": MONEY, "hours_freed": MONEY,
        "hours_needed": MONEY, "gap_hours": MONEY, "utilisation": MONEY,
    }

# Portfolio figures computed from model outputs, by their key (anywhere in the tree);
# other numbers are money (relative 1e-9) when fractional, exact when whole.
PORTFOLIO_MODEL_KEYS = frozenset(
    {"cev", "clv", "strategic_score", "value", "value_gain_over_naive", "value_to_us",
     "value_to_client"}
)
# fmt: on


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated book with every table, and its policy (the demo team)."""
    folder = tmp_path_factory.mktemp("book")
    generate_book(folder, customers=400, seed=17)
    write_book_policy(folder)
    return folder


def _books(book_dir: Path, spark: Any) -> tuple[Policy, Book, Book]:
    """The policy, and the book read and validated by DuckDB and by Spark."""
    policy, _ = load_policy(None, book=book_dir)
    duck = read_book_under_policy(book_dir, policy)
    on_spark = read_book_under_policy(book_dir, policy, con=ibis.pyspark.connect(spark))
    return policy, duck, on_spark


@pytest.fixture(scope="module")
def runs(book_dir: Path, spark: Any) -> tuple[AnalysisResult, AnalysisResult]:
    """(DuckDB result, Spark result) of the whole analysis of the book."""
    policy, duck, on_spark = _books(book_dir, spark)
    return tierwise.analyze(duck, policy=policy), tierwise.analyze(on_spark, policy=policy)


def _value_stages(book: Book, policy: Policy) -> tuple[pd.DataFrame, ClvOutcome]:
    """Facts, cost-to-serve and profit, and lifetime value, as the pipeline runs them."""
    window = Window.ending(default_as_of(book), policy.analysis.window_days)
    facts = customer_facts(
        book.transactions,
        window,
        policy.analysis.default_margin_rate,
        customers=book.table("customers"),
    )
    profit = customer_profitability(
        facts,
        book.table("activities"),
        book.customer_attributes(),
        policy.costs,
        window,
        transactions=book.transactions,
    )
    rates = profit.select("customer_id", "revenue", "gross_margin", "net_profit")
    clv = lifetime_value(book.transactions, window, policy.clv, rates)
    frame = profit.to_pandas().sort_values("customer_id", ignore_index=True)
    return frame, clv


@pytest.fixture(scope="module")
def value_stages(book_dir: Path, spark: Any) -> tuple[Any, Any]:
    """(DuckDB, Spark) outputs of the stages before segmentation."""
    policy, duck, on_spark = _books(book_dir, spark)
    return _value_stages(duck, policy), _value_stages(on_spark, policy)


def _kind(column: str, table: str | None = None) -> str:
    if table is not None:
        for scope in (table, "*"):
            if column in DETAIL_KINDS.get(scope, {}):
                return DETAIL_KINDS[scope][column]
    if column in SCORECARD_KINDS:
        return SCORECARD_KINDS[column]
    where = f"details/{table}" if table else "the scorecard"
    raise AssertionError(
        f"column {column!r} of {where} has no kind: add it to the tables in this test"
    )


def _assert_column(left: pd.Series, right: pd.Series, kind: str, what: str) -> None:
    """Blanks in the same rows; the other values equal, or within ``kind``'s tolerance."""
    left, right = left.reset_index(drop=True), right.reset_index(drop=True)
    blank = left.isna()
    assert blank.tolist() == right.isna().tolist(), f"{what}: blanks differ"
    left, right = left[~blank], right[~blank]
    if pd.api.types.is_datetime64_any_dtype(left):
        assert pd.to_datetime(right).tolist() == pd.to_datetime(left).tolist(), what
    elif not pd.api.types.is_numeric_dtype(left):
        assert right.astype(str).tolist() == left.astype(str).tolist(), what
    elif kind == EXACT:
        np.testing.assert_array_equal(right.to_numpy(float), left.to_numpy(float), err_msg=what)
    else:
        np.testing.assert_allclose(
            right.to_numpy(float), left.to_numpy(float), rtol=RTOL[kind], atol=0, err_msg=what
        )


def test_profit_matches_column_by_column(value_stages) -> None:
    """Facts, cost-to-serve and profit: every column, every customer (activity types
    such as "visit" and "delivery" keep their letters on Spark)."""
    (expected, _), (actual, _) = value_stages
    assert list(actual.columns) == list(expected.columns)
    assert actual["customer_id"].tolist() == expected["customer_id"].tolist()
    for column in expected.columns:
        _assert_column(expected[column], actual[column], _kind(column), column)


def test_lifetime_value_matches(value_stages) -> None:
    """The same model is chosen, fitted on the same histories, and every customer's
    P(alive), expected purchases and CLV agree; the diagnostics too."""
    (_, expected), (_, actual) = value_stages
    left, right = expected.scores, actual.scores
    assert right["customer_id"].tolist() == left["customer_id"].tolist()
    for column in ("p_alive", "expected_purchases", "clv"):
        _assert_column(left[column], right[column], MODEL, column)
    _assert_same(expected.summary, actual.summary, "clv", MODEL)
    assert sorted(actual.diagnostics) == sorted(expected.diagnostics)
    for name, table in expected.diagnostics.items():
        _assert_table(table, actual.diagnostics[name], name)


def test_the_scorecard_has_the_same_customers_and_columns(runs) -> None:
    duck, spark = runs
    assert spark.scorecard_arrow.column_names == duck.scorecard_arrow.column_names
    assert spark.scorecard_arrow.num_rows == duck.scorecard_arrow.num_rows == 400
    assert (
        spark.scorecard_arrow.column("customer_id").to_pylist()
        == duck.scorecard_arrow.column("customer_id").to_pylist()
    )


def test_every_scorecard_column_is_classified(runs) -> None:
    duck, _ = runs
    unknown = [c for c in duck.scorecard_arrow.column_names if c not in SCORECARD_KINDS]
    assert not unknown, f"add these columns to SCORECARD_KINDS: {unknown}"


@pytest.mark.parametrize("column", sorted(SCORECARD_KINDS))
def test_each_scorecard_column_matches(runs, column: str) -> None:
    duck, spark = runs
    expected, actual = duck.scorecard, spark.scorecard
    if column not in expected.columns:
        pytest.skip(f"{column} is not in this book's scorecard")
    _assert_column(expected[column], actual[column], SCORECARD_KINDS[column], column)


def test_every_portfolio_figure_matches(runs) -> None:
    duck, spark = runs
    _assert_same(duck.portfolio, spark.portfolio, "portfolio", MONEY)


def _assert_same(left: Any, right: Any, path: str, kind: str) -> None:
    """``left == right`` throughout the tree, floats within the tolerance of ``kind``."""
    if isinstance(left, dict):
        assert isinstance(right, dict), path
        assert list(right) == list(left), f"{path}: keys differ"
        for key, value in left.items():
            inner = MODEL if kind == MODEL or key in PORTFOLIO_MODEL_KEYS else kind
            _assert_same(value, right[key], f"{path}.{key}", inner)
    elif isinstance(left, list):
        assert isinstance(right, list) and len(right) == len(left), f"{path}: lengths differ"
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            _assert_same(a, b, f"{path}[{i}]", kind)
    elif isinstance(left, float) and not isinstance(right, bool):
        assert isinstance(right, int | float), f"{path}: {right!r} is not a number"
        if math.isnan(left):
            assert math.isnan(right), f"{path}: {right} where DuckDB has NaN"
        else:
            assert right == pytest.approx(left, rel=RTOL[kind], abs=0), path
    else:
        assert type(right) is type(left) and right == left, f"{path}: {right!r} != {left!r}"


def test_the_same_details_tables(runs) -> None:
    duck, spark = runs
    assert sorted(spark.details) == sorted(duck.details)


def test_every_details_table_matches(runs) -> None:
    duck, spark = runs
    for name, expected in duck.details.items():
        _assert_table(as_frame(expected), as_frame(spark.details[name]), name)


def _assert_table(expected: pd.DataFrame, actual: pd.DataFrame, name: str) -> None:
    """The same columns and rows, each column within its kind's tolerance."""
    assert list(actual.columns) == list(expected.columns), name
    assert len(actual) == len(expected), name
    kinds = {c: _kind(c, name) for c in expected.columns}
    # rows in the same order; ties of the sort key may come in either order
    keys = [c for c, k in kinds.items() if k == EXACT and expected[c].notna().all()]
    if keys:
        expected = expected.sort_values(keys, kind="stable", ignore_index=True)
        actual = actual.sort_values(keys, kind="stable", ignore_index=True)
    for column, kind in kinds.items():
        _assert_column(expected[column], actual[column], kind, f"details/{name}.{column}")
