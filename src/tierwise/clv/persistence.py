"""Save and load fitted models as JSON (model type, versions, parameters), checked on write."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from tierwise.clv.base import ClvModel
from tierwise.clv.bgbb import BetaGeoBetaBinomModel
from tierwise.clv.bgnbd import BetaGeoModel
from tierwise.clv.gammagamma import GammaGammaModel
from tierwise.clv.mbgnbd import ModifiedBetaGeoModel
from tierwise.clv.paretonbd import ParetoNBDModel
from tierwise.clv.sbg import ShiftedBetaGeometricModel
from tierwise.errors import InputError, ModelError
from tierwise.json_safe import json_safe

FORMAT_VERSION = 1
MODELS: dict[str, type[ClvModel]] = {
    cls.model_type: cls
    for cls in (
        BetaGeoModel,
        ParetoNBDModel,
        ModifiedBetaGeoModel,
        BetaGeoBetaBinomModel,
        ShiftedBetaGeometricModel,
        GammaGammaModel,
    )
}


def model_to_dict(model: ClvModel) -> dict[str, Any]:
    """A JSON-ready description of a fitted model."""
    from tierwise import __version__ as version

    model._theta()  # raises NotFittedError when unfitted
    return {
        "model_type": model.model_type,
        "format_version": FORMAT_VERSION,
        "tierwise_version": version,
        "params": dict(model.params_),
        "standard_errors": {k: json_safe(v) for k, v in model.standard_errors_.items()},
        "covariance": [[json_safe(v) for v in row] for row in np.asarray(model.covariance_)],
        "log_likelihood": json_safe(model.log_likelihood_),
        "n_customers": json_safe(model.n_customers_),
    }


def model_from_dict(payload: dict[str, Any]) -> ClvModel:
    """Rebuild a model from ``model_to_dict`` output."""
    kind = payload.get("model_type")
    if kind not in MODELS:
        raise InputError(f"model_type '{kind}' is unknown; expected one of {sorted(MODELS)}")
    if payload.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"model file format_version {payload.get('format_version')} is not supported "
            f"(this tierwise reads {FORMAT_VERSION}); refit and save the model again"
        )
    model = MODELS[kind].from_params(**payload["params"])
    names = model.param_names

    def num(v: float | None) -> float:
        return float("nan") if v is None else float(v)

    model.standard_errors_ = {p: num(payload["standard_errors"].get(p)) for p in names}
    model.covariance_ = np.array([[num(v) for v in row] for row in payload["covariance"]])
    ll = num(payload.get("log_likelihood"))
    n = num(payload.get("n_customers"))
    k = len(names)
    model.log_likelihood_, model.n_customers_ = ll, n
    model.aic_ = 2 * k - 2 * ll
    model.bic_ = k * math.log(n) - 2 * ll if n > 0 else float("nan")
    return model


def save_model(model: ClvModel, path: str | Path) -> Path:
    """Write ``model`` as JSON, read it back, and fail if anything did not survive."""
    path = Path(path)
    payload = model_to_dict(model)
    path.write_text(json.dumps(payload, indent=2, allow_nan=False))
    loaded = load_model(path)
    if loaded.params_ != model.params_ or type(loaded) is not type(model):
        raise ModelError(
            f"saving {model.model_type} to {path} did not round-trip: wrote {model.params_}, "
            f"read {loaded.params_}"
        )
    return path


def load_model(path: str | Path) -> ClvModel:
    """Read a model written by ``save_model``."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read model file {path}: {exc}") from exc
    return model_from_dict(payload)
