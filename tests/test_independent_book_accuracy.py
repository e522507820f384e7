"""Accuracy on a book simulated independently of the demo generator (tests/independent_book.py).

The floors come from the simulation, not from a run: a customer's level is
*recoverable* when what the book shows agrees with its truth — its last year's profit
at the simulator's own effort cost has the sign of its truth, and its mean survey answer
lies on the truth's side of the neutral NPS of 7 (with complaints pulling the same way).
tierwise should recover nearly every recoverable customer; the allowance below covers
the difference between the simulator's effort cost and the policy's cost rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tierwise
from tests.independent_book import AS_OF, simulate

ALLOWANCE = 0.05


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    book = tmp_path_factory.mktemp("independent") / "book"
    truth = simulate(book, seed=11)
    result = tierwise.analyze(book, as_of=AS_OF)
    return result.scorecard.merge(truth, on="customer_id")


def _recoverable(s: pd.DataFrame) -> pd.Series:
    us = (s["observed_profit"] > 0) == s["true_good_for_us"]
    them = (s["observed_nps"] >= 7.0) == s["true_good_for_them"]
    return us & them


def test_relationship_levels_are_recovered_where_the_book_shows_them(
    scored: pd.DataFrame,
) -> None:
    recoverable = _recoverable(scored)
    floor = float(recoverable.mean()) - ALLOWANCE
    accuracy = float((scored["relationship_level"] == scored["true_level"]).mean())
    assert accuracy >= floor, f"accuracy {accuracy:.2f} below the recoverable floor {floor:.2f}"


def test_no_true_loss_maker_is_good_for_us(scored: pd.DataFrame) -> None:
    losers = scored[~scored["true_good_for_us"]]
    assert len(losers) > 50
    assert not losers["relationship_level"].isin([1, 2]).any()
    assert (losers["clv"] < 0).all()  # net of cost-to-serve, a loss-maker's CLV is negative


def test_every_buyer_has_a_finite_lifetime_value(scored: pd.DataFrame) -> None:
    clv = scored["clv"].to_numpy(float)
    assert np.isfinite(clv).all()
    assert (clv != 0).all()
    assert (scored.loc[scored["true_good_for_us"], "clv"] > 0).all()
