"""Customer-lifetime-value models of the course's CLV chapters.

Non-contractual, continuous time: :class:`BGNBD`, :class:`ParetoNBD`; spend per purchase:
:class:`GammaGamma`; contractual, discrete time: :class:`ShiftedBetaGeometric`;
non-contractual, discrete opportunities: :class:`BGBB`. All follow scikit-learn: ``fit``
validates and returns ``self``, fitted state ends in ``_``. Baselines:
:func:`historical_clv`, :func:`retention_clv`, :func:`cohort_retention_clv`; the model-based
value: :func:`customer_lifetime_value`. Held-out evaluation: :func:`holdout_scorecard`,
:func:`by_calibration_frequency`, :func:`cumulative_tracking`.
"""

from helpers.clv.baselines import cohort_retention_clv, historical_clv, retention_clv
from helpers.clv.bgbb import BGBB
from helpers.clv.bgnbd import BGNBD
from helpers.clv.evaluation import by_calibration_frequency, cumulative_tracking, holdout_scorecard
from helpers.clv.gammagamma import GammaGamma, customer_lifetime_value
from helpers.clv.paretonbd import ParetoNBD
from helpers.clv.sbg import ShiftedBetaGeometric

__all__ = [
    "BGBB",
    "BGNBD",
    "GammaGamma",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "by_calibration_frequency",
    "cohort_retention_clv",
    "cumulative_tracking",
    "customer_lifetime_value",
    "historical_clv",
    "holdout_scorecard",
    "retention_clv",
]
