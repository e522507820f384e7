"""Lifetime value: buy-till-you-die models, a summary in the data engine, holdout checks.

The public surface; the pipeline calls ``lifetime_value``.
"""

from tierwise.clv.base import ClvModel, PurchaseModel
from tierwise.clv.bgbb import BetaGeoBetaBinomModel
from tierwise.clv.bgnbd import BetaGeoModel
from tierwise.clv.evaluation import (
    calibration_by_frequency,
    frequency_recency_matrix,
    holdout_metrics,
    tracking,
)
from tierwise.clv.gammagamma import GammaGammaModel
from tierwise.clv.mbgnbd import ModifiedBetaGeoModel
from tierwise.clv.paretonbd import ParetoNBDModel
from tierwise.clv.persistence import load_model, model_from_dict, model_to_dict, save_model
from tierwise.clv.sbg import ShiftedBetaGeometricModel
from tierwise.clv.stage import ClvOutcome, lifetime_value
from tierwise.clv.summary import (
    birth_cohorts,
    calibration_and_holdout,
    repeat_purchases_by_period,
    summary_from_transactions,
)
from tierwise.clv.value import customer_lifetime_value, horizon_units, per_unit_discount_rate
from tierwise.settings.clv import ClvSettings

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "ClvModel",
    "ClvOutcome",
    "ClvSettings",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "PurchaseModel",
    "ShiftedBetaGeometricModel",
    "birth_cohorts",
    "calibration_and_holdout",
    "calibration_by_frequency",
    "customer_lifetime_value",
    "frequency_recency_matrix",
    "holdout_metrics",
    "horizon_units",
    "lifetime_value",
    "load_model",
    "model_from_dict",
    "model_to_dict",
    "per_unit_discount_rate",
    "repeat_purchases_by_period",
    "save_model",
    "summary_from_transactions",
    "tracking",
]
