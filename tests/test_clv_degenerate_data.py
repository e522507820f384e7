"""Data a model cannot learn from raises ModelError saying what is wrong and what to do."""

from __future__ import annotations

import pandas as pd
import pytest

from tierwise.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeometricModel,
)
from tierwise.errors import InputError, ModelError, NotFittedError

PURCHASE_MODELS = [BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel]


@pytest.mark.parametrize("cls", PURCHASE_MODELS)
def test_no_repeat_buyers_says_use_longer_period(cls: type) -> None:
    data = pd.DataFrame({"frequency": [0, 0, 0], "recency": [0.0, 0, 0], "T": [5.0, 6, 7]})
    with pytest.raises(ModelError, match=r"no customer made a repeat purchase.*longer period"):
        cls().fit(data)


@pytest.mark.parametrize("cls", PURCHASE_MODELS)
def test_everyone_in_the_last_period_is_refused(cls: type) -> None:
    data = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [0.0, 0.0]})
    with pytest.raises(ModelError, match=r"(T = 0|repeat purchase)"):
        cls().fit(data)


@pytest.mark.parametrize("cls", PURCHASE_MODELS)
def test_recency_beyond_t_is_an_input_error(cls: type) -> None:
    data = pd.DataFrame({"frequency": [1], "recency": [9.0], "T": [5.0]})
    with pytest.raises(InputError, match="'recency' exceeds 'T'"):
        cls().fit(data)


@pytest.mark.parametrize("cls", PURCHASE_MODELS)
def test_missing_column_is_named(cls: type) -> None:
    with pytest.raises(InputError, match=r"missing column\(s\) \['T'\]"):
        cls().fit(pd.DataFrame({"frequency": [1], "recency": [1.0]}))


def test_empty_table_is_refused() -> None:
    empty = pd.DataFrame({"frequency": [], "recency": [], "T": []})
    with pytest.raises(ModelError, match="empty"):
        BetaGeoModel().fit(empty)


def test_gammagamma_negative_spend_says_net_returns() -> None:
    data = pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [10.0, -5.0, 20.0]})
    with pytest.raises(ModelError, match=r"monetary_value <= 0.*net returns"):
        GammaGammaModel().fit(data)


def test_gammagamma_identical_spend_is_refused() -> None:
    data = pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [10.0, 10.0, 10.0]})
    with pytest.raises(ModelError, match="same average spend"):
        GammaGammaModel().fit(data)


def test_sbg_without_churn_is_refused() -> None:
    data = pd.DataFrame({"periods": [3, 4], "churned": [0, 0]})
    with pytest.raises(ModelError, match="no contract has churned"):
        ShiftedBetaGeometricModel().fit(data)


def test_bgbb_without_repeat_is_refused() -> None:
    data = pd.DataFrame({"frequency": [0, 0], "recency": [0, 0], "n_periods": [6, 6]})
    with pytest.raises(ModelError, match="no customer made a repeat purchase"):
        BetaGeoBetaBinomModel().fit(data)


@pytest.mark.parametrize(
    "cls",
    [*PURCHASE_MODELS, GammaGammaModel, ShiftedBetaGeometricModel, BetaGeoBetaBinomModel],
)
def test_predicting_before_fit_raises_not_fitted(cls: type) -> None:
    model = cls()
    assert "n_customers_" not in vars(model)  # __init__ stores hyper-parameters only
    with pytest.raises(NotFittedError, match="call fit"):
        model.summary()
