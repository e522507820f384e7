"""Save/load as JSON round-trips exactly; weights equal repeated rows; the estimator contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    load_model,
    save_model,
)
from tierwise.errors import InputError

SMALL = pd.DataFrame(
    {
        "frequency": [0, 1, 2, 3, 0, 5, 1, 0, 2, 4],
        "recency": [0.0, 3.0, 8.0, 9.5, 0.0, 11.0, 1.0, 0.0, 4.0, 7.0],
        "T": [10.0, 12.0, 12.0, 10.0, 4.0, 12.0, 9.0, 12.0, 6.0, 12.0],
    }
)


@pytest.mark.parametrize("cls", [BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel])
def test_save_and_load_round_trip(cls: type, tmp_path: Path) -> None:
    model = cls().fit(SMALL)
    path = save_model(model, tmp_path / "model.json")
    payload = json.loads(path.read_text())
    assert payload["model_type"] == model.model_type
    assert payload["format_version"] == 1 and "tierwise_version" in payload
    loaded = load_model(path)
    assert type(loaded) is cls
    assert loaded.params_ == model.params_
    assert loaded.standard_errors_ == pytest.approx(model.standard_errors_, nan_ok=True)
    np.testing.assert_array_equal(loaded.probability_alive(SMALL), model.probability_alive(SMALL))


def test_load_rejects_unknown_model_type(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"model_type": "magic", "format_version": 1}))
    with pytest.raises(InputError, match="model_type 'magic' is unknown"):
        load_model(path)


def test_weights_equal_repeated_rows() -> None:
    weighted = SMALL.assign(weight=[3, 1, 2, 1, 1, 1, 4, 1, 1, 2])
    repeated = SMALL.loc[SMALL.index.repeat(weighted["weight"])].reset_index(drop=True)
    a = BetaGeoModel().fit(weighted)
    b = BetaGeoModel().fit(repeated)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-10)
    for k in a.params_:
        assert a.params_[k] == pytest.approx(b.params_[k], rel=1e-5)


def test_fit_returns_self_and_sets_underscore_attributes() -> None:
    model = GammaGammaModel()
    data = pd.DataFrame({"frequency": [1, 2, 3, 1, 4], "monetary_value": [10.0, 20, 15, 40, 22]})
    assert model.fit(data) is model
    assert {"params_", "standard_errors_", "log_likelihood_", "aic_", "bic_"} <= set(vars(model))
    assert model.aic_ == pytest.approx(2 * 3 - 2 * model.log_likelihood_)
    assert model.bic_ == pytest.approx(3 * np.log(5) - 2 * model.log_likelihood_)


@settings(max_examples=40, deadline=None)
@given(
    x=st.integers(0, 50),
    gap=st.floats(0, 50),
    age=st.floats(0.1, 100),
    t=st.floats(0.01, 200),
)
def test_predictions_are_probabilities_and_grow_with_horizon(
    x: int, gap: float, age: float, t: float
) -> None:
    big_t = age + gap
    row = pd.DataFrame({"frequency": [x], "recency": [age if x > 0 else 0.0], "T": [big_t]})
    for model in (
        BetaGeoModel.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4),
        ParetoNBDModel.from_params(r=0.55, alpha=10.6, s=0.61, beta=11.7),
        ModifiedBetaGeoModel.from_params(r=0.52, alpha=6.2, a=0.89, b=1.6),
    ):
        pa = float(model.probability_alive(row)[0])
        assert 0.0 <= pa <= 1.0
        e1 = float(model.expected_purchases(t, row)[0])
        e2 = float(model.expected_purchases(2 * t, row)[0])
        assert 0.0 <= e1 <= e2
