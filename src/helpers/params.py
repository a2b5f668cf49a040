"""Validation of notebook parameters.

Every chapter validates its ``parameters`` cell right after it, so a bad value passed with
papermill (``-p retention_rate 1.5``) stops the notebook at once with a message that names the
parameter, the allowed values and the fix, instead of a wrong result or a deep traceback.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

import pandas as pd

from .exceptions import ParameterError

__all__ = ["check_choice", "check_date", "check_int", "check_number", "check_probability"]

_FIX = "set it in the parameters cell, or pass e.g. `-p {name} <value>` to papermill"


def _fail(name: str, value, why: str) -> None:
    raise ParameterError(f"parameter {name!r} = {value!r} {why}; {_FIX.format(name=name)}")


def check_number(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that a parameter is a finite real number in a range.

    Parameters
    ----------
    name : str
        Parameter name, used in the message.
    value : object
        The value to check.
    low, high : float, optional
        Bounds; ``None`` means unbounded.
    low_open, high_open : bool
        Exclude the bound itself.

    Returns
    -------
    float
        The value as a float.

    Raises
    ------
    ParameterError
        If the value is not a real number (booleans are refused), not finite, or out of range.

    Examples
    --------
    >>> check_number("discount_rate", 0.1, 0, 1)
    0.1
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        _fail(name, value, f"is not a number (got {type(value).__name__})")
    x = float(value)
    if not math.isfinite(x):
        _fail(name, value, "is not finite")
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        _fail(name, value, f"is out of range: it must be in {left}{lo}, {hi}{right}")
    return x


def check_probability(
    name: str, value, *, allow_zero: bool = True, allow_one: bool = False
) -> float:
    """Check a rate or share: a number in [0, 1) by default (a retention rate of 1 means
    customers never leave, and every lifetime sum diverges)."""
    return check_number(name, value, 0.0, 1.0, low_open=not allow_zero, high_open=not allow_one)


def check_int(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """Check that a parameter is a whole number in [low, high] (booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        _fail(name, value, f"is not a whole number (got {type(value).__name__})")
    check_number(name, value, low, high)
    return int(value)


def check_choice(name: str, value, choices: Iterable) -> object:
    """Check that a parameter is one of a fixed set of values."""
    allowed = list(choices)
    if value not in allowed:
        _fail(name, value, f"is not one of {allowed}")
    return value


def check_date(name: str, value) -> pd.Timestamp:
    """Check that a parameter is a date (text such as '1997-09-30' or a timestamp)."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        _fail(name, value, "is not a date (write it as 'YYYY-MM-DD')")
    return ts
