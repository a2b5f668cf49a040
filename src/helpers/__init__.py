"""Helper package of the open CRM analytics course.

Modules: :mod:`helpers.data` (bundled data sets, validation), :mod:`helpers.rfm`
(per-customer summaries, RFM scores), :mod:`helpers.concentration` (Pareto, Lorenz, Gini, ABC),
:mod:`helpers.segment` (k-means segments, value tiers), :mod:`helpers.portfolio` (B2B
matrices), :mod:`helpers.clv` (customer-lifetime-value models), :mod:`helpers.churn` (survival
and churn early warning), :mod:`helpers.simulate` (seeded simulators with known truth),
:mod:`helpers.equity` (customer equity),
:mod:`helpers.params` (notebook parameter checks), :mod:`helpers.exercises` (self-checks),
:mod:`helpers.plots` (house style and plots), :mod:`helpers.exceptions` (errors).
"""

from .clv import (
    BGBB,
    BGNBD,
    GammaGamma,
    ParetoNBD,
    ShiftedBetaGeometric,
    cohort_retention_clv,
    customer_lifetime_value,
    historical_clv,
)
from .concentration import abc_classes, gini, lorenz_curve, pareto_table, top_share
from .data import load_cdnow, load_cdnow_published_summary, load_donations, validate_transactions
from .equity import EquityInputs, customer_equity, lever_effects, retention_clv
from .exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    NotFittedError,
    ParameterError,
)
from .exercises import check_answer
from .portfolio import service_matrix, target_customer_matrix
from .rfm import rfm_scores, rfm_table, summarize
from .segment import BehaviourSegmenter, choose_k, segment_profiles, value_score, value_tiers

__all__ = [
    "BGBB",
    "BGNBD",
    "BehaviourSegmenter",
    "ConvergenceError",
    "DataQualityWarning",
    "DataValidationError",
    "EquityInputs",
    "GammaGamma",
    "NotFittedError",
    "ParameterError",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "abc_classes",
    "check_answer",
    "choose_k",
    "cohort_retention_clv",
    "customer_equity",
    "customer_lifetime_value",
    "gini",
    "historical_clv",
    "lever_effects",
    "load_cdnow",
    "load_cdnow_published_summary",
    "load_donations",
    "lorenz_curve",
    "pareto_table",
    "retention_clv",
    "rfm_scores",
    "rfm_table",
    "segment_profiles",
    "service_matrix",
    "summarize",
    "target_customer_matrix",
    "top_share",
    "validate_transactions",
    "value_score",
    "value_tiers",
]

__version__ = "0.1.0"
