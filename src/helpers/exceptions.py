"""Domain errors raised by the helper package.

Every message names the column or parameter at fault, what was wrong and how to fix it, so
that a learner never has to read a pandas traceback to find out what went wrong.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "DataQualityWarning",
    "DataValidationError",
    "FontNotFoundError",
    "NotFittedError",
    "ParameterError",
]


class DataValidationError(ValueError):
    """Input data does not meet the documented contract (missing column, bad values, ...)."""


class ParameterError(ValueError):
    """A notebook or function parameter is out of range or of the wrong type."""


class ConvergenceError(RuntimeError):
    """An optimiser did not converge; the message says what to try."""


class FontNotFoundError(RuntimeError):
    """No font can draw the chapter's language (Chinese figures); the message says how to
    install one."""


class NotFittedError(ValueError, AttributeError):
    """A prediction method was called before ``fit``.

    A ValueError and an AttributeError, as scikit-learn's ``NotFittedError``, so code that
    catches either keeps working.
    """


class DataQualityWarning(UserWarning):
    """Input is valid but has something the user should know about (duplicates, rows outside
    the observation window, ...). Nothing is dropped without one of these."""
