"""Validation of notebook parameters.

Every chapter validates its ``parameters`` cell right after it, so a bad value passed with
papermill (``-p retention_rate 1.5``) stops the notebook at once with a message that names the
parameter, the allowed values and the fix, instead of a wrong result or a deep traceback.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from helpers import validation

__all__ = ["check_choice", "check_date", "check_int", "check_number", "check_probability"]

_FIX = "set it in the parameters cell, or pass e.g. `-p {name} <value>` to papermill"


def check_number(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that a parameter is a finite real number in a range; return it as a float.

    The check is :func:`helpers.validation.check_number`; the message tells how to set the
    parameter.

    Examples
    --------
    >>> check_number("discount_rate", 0.1, 0, 1)
    0.1
    >>> check_number("retention_rate", 1.5, 0, 1, high_open=True)
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: parameter 'retention_rate' = 1.5 is out of range: it \
must be in [0, 1); set it in the parameters cell, or pass e.g. `-p retention_rate <value>` to \
papermill
    """
    return validation.check_number(
        name, value, low, high, low_open=low_open, high_open=high_open, fix=_FIX.format(name=name)
    )


def check_probability(
    name: str, value, *, allow_zero: bool = True, allow_one: bool = False
) -> float:
    """Check a rate or share: a number in [0, 1) by default."""
    return validation.check_probability(
        name, value, allow_zero=allow_zero, allow_one=allow_one, fix=_FIX.format(name=name)
    )


def check_int(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """Check that a parameter is a whole number in [low, high] (booleans are refused)."""
    return validation.check_int(name, value, low, high, fix=_FIX.format(name=name))


def check_choice(name: str, value, choices: Iterable) -> object:
    """Check that a parameter is one of a fixed set of values."""
    return validation.check_choice(name, value, choices, fix=_FIX.format(name=name))


def check_date(name: str, value) -> pd.Timestamp:
    """Check that a parameter is a date (text such as '1997-09-30' or a timestamp)."""
    return validation.check_date(name, value, fix=_FIX.format(name=name))
