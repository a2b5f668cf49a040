"""Helper package of the open CRM analytics course.

Modules: :mod:`helpers.data` (bundled data sets, validation), :mod:`helpers.rfm`
(per-customer summaries), :mod:`helpers.equity` (customer-equity model),
:mod:`helpers.params` (notebook parameter checks), :mod:`helpers.exercises` (self-checks),
:mod:`helpers.plots` (house style and plots), :mod:`helpers.exceptions` (errors).
"""

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
from .rfm import summarize

__all__ = [
    "ConvergenceError",
    "DataQualityWarning",
    "DataValidationError",
    "EquityInputs",
    "NotFittedError",
    "ParameterError",
    "check_answer",
    "customer_equity",
    "lever_effects",
    "load_cdnow",
    "load_cdnow_published_summary",
    "load_donations",
    "retention_clv",
    "summarize",
    "validate_transactions",
]

__version__ = "0.1.0"
