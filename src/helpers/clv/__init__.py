"""Customer-lifetime-value models of the course's CLV chapters.

Non-contractual, continuous time: :class:`BGNBD`, :class:`MBGNBD`, :class:`ParetoNBD`; spend
per purchase: :class:`GammaGamma`; contractual, discrete time: :class:`ShiftedBetaGeometric`;
non-contractual, discrete opportunities: :class:`BGBB`. All follow scikit-learn: ``fit``
validates and returns ``self``, fitted state ends in ``_``. Baselines:
:func:`historical_clv`, :func:`retention_clv`, :func:`cohort_retention_clv`; the model-based
value: :func:`customer_lifetime_value`. Held-out evaluation: :func:`holdout_scorecard`,
:func:`by_calibration_frequency`, :func:`cumulative_tracking`. Uncertainty of predictions:
:func:`parameter_draws`, :func:`prediction_interval`; fitted models to and from JSON:
:func:`save_model`, :func:`load_model` (and ``model.save``, ``ModelClass.load``).
"""

from helpers.clv.baselines import cohort_retention_clv, historical_clv, retention_clv
from helpers.clv.bgbb import BGBB
from helpers.clv.bgnbd import BGNBD
from helpers.clv.evaluation import by_calibration_frequency, cumulative_tracking, holdout_scorecard
from helpers.clv.gammagamma import GammaGamma, customer_lifetime_value
from helpers.clv.mbgnbd import MBGNBD
from helpers.clv.paretonbd import ParetoNBD
from helpers.clv.persistence import load_model, save_model
from helpers.clv.sbg import ShiftedBetaGeometric
from helpers.clv.uncertainty import parameter_draws, prediction_interval

__all__ = [
    "BGBB",
    "BGNBD",
    "GammaGamma",
    "MBGNBD",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "by_calibration_frequency",
    "cohort_retention_clv",
    "cumulative_tracking",
    "customer_lifetime_value",
    "historical_clv",
    "holdout_scorecard",
    "load_model",
    "parameter_draws",
    "prediction_interval",
    "retention_clv",
    "save_model",
]
