"""The stages after segmentation give the same figures on PySpark as on DuckDB.

One generated book is analysed on DuckDB; its scorecard and tables are copied into Spark,
and service alignment and capacity, the agenda's run inputs, whitespace (account-plan
evidence) and the portfolio figures run on both engines from the same inputs. Every
per-customer column, portfolio figure and detail table must agree: ids and counts
exactly, money to 1e-9 relative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tierwise
from tests.spark_engine import on_spark, spark_view
from tierwise.agenda.run_inputs import agenda_details, open_tasks, touches
from tierwise.book.book import Book
from tierwise.demo import generate_book
from tierwise.metrics.concentration import portfolio_profit_figures
from tierwise.metrics.cost_fit import cost_fit
from tierwise.pipeline import AnalysisResult
from tierwise.plans.evidence import plan_evidence
from tierwise.policy.alignment import ALIGNMENT_COLUMNS, align_service
from tierwise.settings.schema import Policy
from tierwise.settings.service import ServiceSettings
from tierwise.spooled import as_frame

pytestmark = pytest.mark.spark

MONEY_RTOL = 1e-9


@dataclass(frozen=True)
class Engine:
    """One engine's copy of the book and of the scorecard the later stages read."""

    book: Book
    scorecard: Any  # ibis Table


@dataclass(frozen=True)
class Engines:
    """The DuckDB run the inputs come from, and both engines' copies."""

    run: AnalysisResult
    #: the run's policy with three accounts tailored (nulls in the policy tables) and the
    #: book's owners as the team (so capacity has roles and the optimiser runs)
    policy: Policy
    duck: Engine
    spark: Engine


@pytest.fixture(scope="module")
def engines(spark, tmp_path_factory) -> Engines:
    folder = tmp_path_factory.mktemp("book")
    generate_book(folder, customers=300, seed=5, lines_per_customer=20)
    run = tierwise.analyze(folder)
    arrow = run.scorecard_arrow
    duck_book = run.book
    duck_scorecard = duck_book.con.create_table("tw_test_scorecard", arrow, overwrite=True)
    spark_book = on_spark(duck_book, spark)
    spark_view(spark, arrow, "tw_test_scorecard")
    spark_scorecard = spark_book.con.table("tw_test_scorecard")
    tailoring = {
        "C000001": {"reason": "weekly site checks", "max_days_without_touch": 7},
        "C000002": {"reason": "pilot account", "hours_per_month": 2.5},
        "C000003": {"reason": "new plant", "extra_hours_per_month": 1.5},
    }
    owners = duck_book.table("customers").select("owner", "owner_role").distinct().execute()
    team = [{"name": o, "role": role} for o, role in owners.itertuples(index=False)]
    service = run.policy.service.model_dump() | {"tailoring": tailoring, "team": team}
    policy = run.policy.model_copy(update={"service": ServiceSettings.model_validate(service)})
    return Engines(
        run, policy, Engine(duck_book, duck_scorecard), Engine(spark_book, spark_scorecard)
    )


def _before_service(scorecard: Any) -> Any:
    """The scorecard as the service stage receives it: without the columns it adds."""
    return scorecard.drop(*ALIGNMENT_COLUMNS[1:])


def assert_same_frame(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str], name: str) -> None:
    """Same columns, same rows (sorted by ``keys``), values equal (floats to 1e-9)."""
    assert list(spark.columns) == list(duck.columns), name
    assert len(spark) == len(duck), name
    if len(duck):
        duck = duck.sort_values(keys, kind="stable").reset_index(drop=True)
        spark = spark.sort_values(keys, kind="stable").reset_index(drop=True)
    for column in duck.columns:
        left, right = duck[column], spark[column]
        where = f"{name}.{column}"
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            np.testing.assert_allclose(
                pd.to_numeric(right).astype(float),
                pd.to_numeric(left).astype(float),
                rtol=MONEY_RTOL,
                err_msg=where,
            )
        elif pd.api.types.is_datetime64_any_dtype(left):
            assert pd.Series(pd.to_datetime(right).values).equals(pd.Series(left.values)), where
        else:
            assert _plain(right) == _plain(left), where


def _plain(values: pd.Series) -> list[Any]:
    """Values as Python objects, every kind of missing as None (engines differ in dtype)."""
    out = []
    for v in values.astype(object):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif hasattr(v, "item"):
            out.append(v.item())
        else:
            out.append(v)
    return out


def assert_same_figures(duck: Any, spark: Any, where: str = "") -> None:
    """Two JSON-like figures agree: same keys and lengths, numbers to 1e-9 relative."""
    if isinstance(duck, dict):
        assert isinstance(spark, dict) and list(spark) == list(duck), where
        for key in duck:
            assert_same_figures(duck[key], spark[key], f"{where}.{key}")
    elif isinstance(duck, list):
        assert isinstance(spark, list) and len(spark) == len(duck), where
        for i, (a, b) in enumerate(zip(duck, spark, strict=True)):
            assert_same_figures(a, b, f"{where}[{i}]")
    elif isinstance(duck, float) and not isinstance(spark, bool):
        assert isinstance(spark, int | float), where
        assert spark == pytest.approx(duck, rel=MONEY_RTOL, nan_ok=True), where
    else:
        assert spark == duck, where


@pytest.mark.parametrize("effort_known", [True, False], ids=["effort-log", "no-effort-log"])
def test_service_alignment_and_capacity_match(engines: Engines, effort_known: bool) -> None:
    """With an effort log and the policy's team; without one and a team read from owners."""
    policy = engines.policy
    if not effort_known:
        service = policy.service.model_dump() | {"team": engines.run.policy.service.team}
        policy = policy.model_copy(update={"service": ServiceSettings.model_validate(service)})

    def run(engine: Engine) -> Any:
        return align_service(
            _before_service(engine.scorecard),
            activities=engine.book.table("activities") if effort_known else None,
            customers=engine.book.table("customers"),
            policy=policy,
            window=engines.run.window,
            effort_known=effort_known,
        )

    duck, spark = run(engines.duck), run(engines.spark)
    duck_scores = _frame(duck.scores)
    assert len(duck_scores) == 300
    assert duck_scores["service_notes"].str.startswith("Tailored").sum() == 3
    if effort_known:  # the comparison below sees real verdicts, touches and a solved set
        assert duck_scores["alignment"].nunique() == 3
        assert duck_scores["days_since_touch"].notna().sum() > 250
        assert duck.portfolio["capacity"]["team_source"] == "policy"
        assert duck.portfolio["capacity_optimised"]["status"] == "optimal"
    else:
        assert duck.portfolio["capacity"]["team_source"] == "inferred"
    assert_same_frame(duck_scores, _frame(spark.scores), ["customer_id"], "scores")
    assert_same_figures(duck.portfolio, spark.portfolio, "portfolio")
    assert list(spark.details) == list(duck.details)
    for name, frame in duck.details.items():
        keys = [c for c in ("customer_id", "person", "role", "tier") if c in frame.columns]
        assert_same_frame(as_frame(frame), as_frame(spark.details[name]), keys[:1], name)


def _frame(scores: Any) -> pd.DataFrame:
    return scores if isinstance(scores, pd.DataFrame) else scores.to_pandas()


def test_agenda_run_inputs_match(engines: Engines) -> None:
    run = engines.run
    duck = agenda_details(engines.duck.book, run.window, run.policy)
    spark = agenda_details(engines.spark.book, run.window, run.policy)
    duck, spark = ({k: as_frame(v) for k, v in d.items()} for d in (duck, spark))
    assert len(duck["agenda_tasks"]) > 0 and len(duck["agenda_touches"]) > 0
    assert_same_frame(duck["agenda_tasks"], spark["agenda_tasks"], ["task_id"], "tasks")
    assert_same_frame(duck["agenda_touches"], spark["agenda_touches"], ["customer_id"], "touches")


def test_agenda_run_inputs_of_a_book_without_activities_or_tasks_match(
    engines: Engines,
) -> None:
    run = engines.run
    duck_tx, spark_tx = engines.duck.book.transactions, engines.spark.book.transactions
    duck = touches(duck_tx, None, run.window, run.policy).execute()
    spark = touches(spark_tx, None, run.window, run.policy).execute()
    assert len(duck) > 0 and duck["last_touch"].isna().all()
    assert_same_frame(duck, spark, ["customer_id"], "touches")
    no_tasks = open_tasks(None)
    assert_same_frame(
        engines.duck.book.con.execute(no_tasks),
        engines.spark.book.con.execute(no_tasks),
        ["task_id"],
        "tasks",
    )


def test_whitespace_and_share_of_wallet_match(engines: Engines) -> None:
    run = engines.run
    duck = plan_evidence(engines.duck.book, engines.duck.scorecard, run.window, run.policy)
    spark = plan_evidence(engines.spark.book, engines.spark.scorecard, run.window, run.policy)
    # the stage's cached tables are released on Spark too
    assert not [
        n for n in engines.spark.book.con.list_tables() if n.startswith(("ibis_cache", "tw_kept_"))
    ]
    assert duck.summary["items_listed"] > 0 and duck.summary["co_purchase"]
    assert_same_figures(duck.summary, spark.summary, "summary")
    assert spark.notes == duck.notes
    assert list(spark.details) == list(duck.details)
    keys = {"whitespace": ["customer_id", "rank"], "share_of_wallet": ["customer_id"]}
    for name, frame in duck.details.items():
        assert_same_frame(as_frame(frame), as_frame(spark.details[name]), keys[name], name)


def test_portfolio_figures_match(engines: Engines) -> None:
    duck = portfolio_profit_figures(engines.duck.scorecard)
    spark = portfolio_profit_figures(engines.spark.scorecard)
    assert duck["pareto"]["customers"] == 300
    assert_same_figures(duck, spark, "portfolio")

    def dear(scorecard: Any) -> Any:  # rates that do not fit, so the check has figures
        return scorecard.mutate(cost_to_serve=scorecard.cost_to_serve * 50)

    costs = engines.run.policy.costs
    duck_fit = cost_fit(dear(engines.duck.scorecard), costs)
    assert duck_fit is not None
    assert_same_figures(duck_fit, cost_fit(dear(engines.spark.scorecard), costs), "cost_fit")
