"""Input checks shared by the whole package: one implementation of each.

Every public function of :mod:`helpers` checks its input here, so that an error names the
column or parameter, says what was wrong and gives the fix, in the same words everywhere:
frames and columns, offending rows, numbers, choices, dates, time units, fitted estimators and
renamed parameters. :mod:`helpers.params` uses the same checks for a chapter's parameters cell,
with a fix that points to papermill.
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd

from helpers.exceptions import DataValidationError, NotFittedError, ParameterError

__all__ = [
    "CONFIDENCE_FROM_ALPHA",
    "DEFAULT_TIME_UNIT",
    "SHOW",
    "TIME_UNITS",
    "check_choice",
    "check_columns",
    "check_date",
    "check_frame",
    "check_int",
    "check_is_fitted",
    "check_number",
    "check_probability",
    "check_time_unit",
    "numeric_column",
    "renamed_attribute",
    "renamed_parameters",
    "require_columns",
    "rows",
]

#: How many offending rows an error message shows.
SHOW = 5

#: Length of each time unit in days: "D" day, "W" week, "M" month (a twelfth of a year).
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}

#: The one default time unit of the package. Chapters on the CLV papers pass "W".
DEFAULT_TIME_UNIT = "D"

_FIX = "pass a value that meets this"


# --- offending rows -------------------------------------------------------------------------


def rows(index: pd.Index, mask, values: pd.Series | None = None) -> str:
    """Name the first offending rows of a boolean mask, for an error message.

    Examples
    --------
    >>> rows(pd.RangeIndex(10), np.arange(10) % 3 == 0)
    'rows 0, 3, 6, 9'
    >>> rows(pd.Index(["a", "b"]), [False, True], pd.Series([1, -2]))
    'row b: -2'
    """
    mask = np.asarray(mask, dtype=bool)
    where = np.flatnonzero(mask)[:SHOW]
    labels = index[where]
    if values is None:
        shown = ", ".join(str(x) for x in labels)
    else:
        shown = ", ".join(
            f"{lab}: {_plain(values.iloc[i])!r}" for lab, i in zip(labels, where, strict=True)
        )
    more = ", …" if mask.sum() > SHOW else ""
    return f"row{'s' if mask.sum() > 1 else ''} {shown}{more}"


def _plain(x):
    """A numpy scalar as the Python scalar it holds, so messages show -2.0, not np.float64(-2.0)."""
    return x.item() if isinstance(x, np.generic) else x


# --- frames and columns ---------------------------------------------------------------------


def check_frame(data, name: str = "data", *, allow_empty: bool = False) -> pd.DataFrame:
    """Check that ``data`` is a pandas DataFrame (with rows, unless ``allow_empty``).

    Raises
    ------
    DataValidationError
        If it is not a DataFrame, or it is empty.

    Examples
    --------
    >>> check_frame([1, 2], "transactions")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: transactions must be a pandas DataFrame, got list; \
load it with pandas first (e.g. pd.read_csv) or build it with pd.DataFrame
    """
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"{name} must be a pandas DataFrame, got {type(data).__name__}; load it with pandas "
            "first (e.g. pd.read_csv) or build it with pd.DataFrame"
        )
    if not allow_empty and len(data) == 0:
        raise DataValidationError(f"{name} is empty (0 rows); pass a table with at least one row")
    return data


def require_columns(
    data: pd.DataFrame,
    columns: Iterable[str] | Mapping[str, str | None],
    name: str = "data",
    *,
    fix: str | None = None,
) -> None:
    """Check that the columns are present.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : iterable of str, or mapping of parameter name to column name
        With a mapping (``{"customer_col": "id"}``) the message says which parameter to pass
        to name another column; ``None`` values are skipped.
    name : str
        What the table is called in the message.
    fix : str, optional
        The fix for a missing column; by default "rename the column" or the parameter to pass.

    Raises
    ------
    DataValidationError
        Naming the first missing column, the columns the table has, and the fix.

    Examples
    --------
    >>> df = pd.DataFrame({"id": [1], "date": ["1997-01-01"]})
    >>> require_columns(df, {"customer_col": "customer_id", "date_col": "date"}, "transactions")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'customer_id' not found in transactions \
(the customer column); it has columns ['id', 'date']; pass customer_col=<name> naming the \
column that holds it
    """
    if isinstance(columns, Mapping):
        pairs = [(role, col) for role, col in columns.items() if col is not None]
    else:
        pairs = [(None, col) for col in columns]
    for role, col in pairs:
        if col in data.columns:
            continue
        what = f" (the {role.removesuffix('_col').replace('_', ' ')} column)" if role else ""
        if fix is not None:
            how = fix
        elif role is not None:
            how = f"pass {role}=<name> naming the column that holds it"
        else:
            how = "rename the column in your table, or add it"
        raise DataValidationError(
            f"column {col!r} not found in {name}{what}; it has columns {list(data.columns)}; {how}"
        )


def numeric_column(
    data: pd.DataFrame,
    col: str,
    name: str = "data",
    *,
    allow_missing: bool = False,
    low: float | None = None,
) -> np.ndarray:
    """A column as float64, refusing text, booleans, infinities, missing values (unless
    ``allow_missing``) and values below ``low``.

    Examples
    --------
    >>> numeric_column(pd.DataFrame({"amount": [1.5, -2.0]}), "amount", "transactions", low=0)
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'amount' of transactions has 1 value(s) \
below 0 (row 1: -2.0); correct or remove them
    """
    s = data[col]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"column {col!r} of {name} is not numeric (dtype {s.dtype}); convert it with "
            f"pd.to_numeric(df[{col!r}]) after fixing the values that are not numbers"
        )
    x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(x)
    if missing.any() and not allow_missing:
        raise DataValidationError(
            f"column {col!r} of {name} has {missing.sum()} missing value(s) "
            f"({rows(data.index, missing)}); fill them from the source or remove those rows"
        )
    inf = np.isinf(x)
    if inf.any():
        raise DataValidationError(
            f"column {col!r} of {name} has {inf.sum()} infinite value(s) "
            f"({rows(data.index, inf)}); correct or remove them"
        )
    if low is not None:
        below = ~missing & (x < low)
        if below.any():
            raise DataValidationError(
                f"column {col!r} of {name} has {below.sum()} value(s) below {low:g} "
                f"({rows(data.index, below, s)}); correct or remove them"
            )
    return x


# --- numbers, choices, dates ------------------------------------------------------------------


def _fail(name: str, value, why: str, fix: str | None) -> None:
    raise ParameterError(f"parameter {name!r} = {value!r} {why}; {fix or _FIX}")


def check_number(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    fix: str | None = None,
) -> float:
    """Check that a parameter is a finite real number in a range; return it as a float.

    Parameters
    ----------
    name : str
        Parameter name, used in the message.
    value : object
    low, high : float, optional
        Bounds; ``None`` means unbounded.
    low_open, high_open : bool
        Exclude the bound itself.
    fix : str, optional
        The end of the message, saying how to fix it.

    Raises
    ------
    ParameterError
        If the value is not a real number (booleans are refused), not finite, or out of range.

    Examples
    --------
    >>> check_number("discount_rate", 0.1, 0, 1)
    0.1
    >>> check_number("discount_rate", 10, 0, 1, high_open=True)
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: parameter 'discount_rate' = 10 is out of range: it must \
be in [0, 1); pass a value that meets this
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        _fail(name, value, f"is not a number (got {type(value).__name__})", fix)
    x = float(value)
    if not math.isfinite(x):
        _fail(name, value, "is not finite", fix)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        _fail(name, value, f"is out of range: it must be in {left}{lo}, {hi}{right}", fix)
    return x


def check_probability(
    name: str, value, *, allow_zero: bool = True, allow_one: bool = False, fix: str | None = None
) -> float:
    """Check a rate or share: a number in [0, 1) by default (a retention rate of 1 means
    customers never leave, and every lifetime sum diverges)."""
    return check_number(
        name, value, 0.0, 1.0, low_open=not allow_zero, high_open=not allow_one, fix=fix
    )


def check_int(
    name: str, value, low: int | None = None, high: int | None = None, *, fix: str | None = None
) -> int:
    """Check that a parameter is a whole number in [low, high] (booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        _fail(name, value, f"is not a whole number (got {type(value).__name__})", fix)
    check_number(name, value, low, high, fix=fix)
    return int(value)


def check_choice(name: str, value, choices: Iterable, *, fix: str | None = None) -> object:
    """Check that a parameter is one of a fixed set of values."""
    allowed = list(choices)
    try:
        ok = value in allowed
    except TypeError:  # an unhashable or incomparable value is not a choice
        ok = False
    if not ok:
        _fail(name, value, f"is not one of {allowed}", fix)
    return value


def check_date(name: str, value, *, fix: str | None = None) -> pd.Timestamp:
    """Check that a parameter is a date (text such as '1997-09-30' or a timestamp).

    Numbers are refused: ``pd.Timestamp(19970930)`` would silently be a time in 1970.
    """
    if isinstance(value, bool | Real | np.number):
        _fail(name, value, "is a number, not a date (write it as 'YYYY-MM-DD')", fix)
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        _fail(name, value, "is not a date (write it as 'YYYY-MM-DD')", fix)
    return ts


def check_time_unit(value, name: str = "time_unit", *, fix: str | None = None) -> str:
    """Check a time unit: one of "D" (days), "W" (weeks), "M" (months); return it.

    Examples
    --------
    >>> check_time_unit("W")
    'W'
    >>> check_time_unit("weeks")
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: parameter 'time_unit' = 'weeks' is not one of \
['D', 'W', 'M']; pass "D" (days), "W" (weeks) or "M" (months)
    """
    return check_choice(
        name, value, TIME_UNITS, fix=fix or 'pass "D" (days), "W" (weeks) or "M" (months)'
    )


# --- estimators -------------------------------------------------------------------------------


def check_is_fitted(estimator, attributes: str | Iterable[str] | None = None) -> None:
    """Raise :class:`~helpers.exceptions.NotFittedError` unless ``estimator`` has been fitted.

    Parameters
    ----------
    estimator : object
    attributes : str or iterable of str, optional
        Fitted attributes to look for; by default any attribute whose name ends in ``_``
        (scikit-learn's convention).

    Examples
    --------
    >>> class Model:
    ...     pass
    >>> check_is_fitted(Model())
    Traceback (most recent call last):
    ...
    helpers.exceptions.NotFittedError: this Model is not fitted yet; call fit(...) first
    """
    if attributes is None:
        fitted = any(
            k.endswith("_") and not k.startswith("__") for k in vars(estimator) if k != "_"
        )
    else:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(getattr(estimator, a, None) is not None for a in names)
    if not fitted:
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet; call fit(...) first"
        )


# --- renamed parameters -----------------------------------------------------------------------


def renamed_parameters(**renames: str | tuple[str, Callable]) -> Callable:
    """Keep old keyword names of a function working, with a FutureWarning.

    ``@renamed_parameters(id_col="customer_col")`` lets callers still pass ``id_col=...``;
    they are told to use ``customer_col``. Passing both names is an error. Where the old
    parameter meant something else, give the new name with a converter of the old value:
    ``@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA)`` turns ``alpha=0.05`` into
    ``confidence_level=0.95``.
    """
    targets = {old: (new, None) if isinstance(new, str) else new for old, new in renames.items()}

    def decorate(func: Callable) -> Callable:
        params = inspect.signature(func).parameters
        for old, (new, _) in targets.items():
            if new not in params:
                raise TypeError(f"{func.__qualname__} has no parameter {new!r} (for {old!r})")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old, (new, convert) in targets.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise ParameterError(
                        f"{func.__name__}() got both {old!r} and {new!r}; "
                        f"{old!r} is the old name of {new!r}: pass only {new}=..."
                    )
                value = kwargs.pop(old)
                if convert is None:
                    how = f"parameter {old!r} is renamed {new!r}; pass {new}=..."
                else:
                    value = convert(value)
                    how = f"parameter {old!r} is replaced by {new!r}; pass {new}={value!r}"
                warnings.warn(
                    f"{func.__name__}(): {how} (the old name will be removed)",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = value
            return func(*args, **kwargs)

        wrapper.__renamed_parameters__ = {old: new for old, (new, _) in targets.items()}
        return wrapper

    return decorate


def _confidence_from_alpha(alpha) -> float:
    alpha = check_number("alpha", alpha, 0, 1, low_open=True, high_open=True)
    return round(1.0 - alpha, 12)


#: For :func:`renamed_parameters`: the old significance level ``alpha`` as ``confidence_level``
#: (``alpha=0.05`` is ``confidence_level=0.95``).
CONFIDENCE_FROM_ALPHA = ("confidence_level", _confidence_from_alpha)


class renamed_attribute:  # noqa: N801 - used like a decorator-made property
    """A class attribute that keeps an old attribute or method name working, with a warning.

    ``confidence = renamed_attribute("confidence_level")`` in a class body makes
    ``obj.confidence`` return ``obj.confidence_level`` (or the bound method of that name) and
    warn FutureWarning.
    """

    def __init__(self, new: str):
        self.new = new
        self.__deprecated_alias_of__ = new

    def __set_name__(self, owner, name: str) -> None:
        self.old = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = getattr(obj, self.new)
        cls = type(obj).__name__
        use = f"call {self.new}(...)" if callable(value) else f"use .{self.new}"
        warnings.warn(
            f"{cls}.{self.old} is renamed {cls}.{self.new}; {use} (the old name will be removed)",
            FutureWarning,
            stacklevel=2,
        )
        return value


# --- frames with columns --------------------------------------------------------------------


def check_columns(
    data, columns: Iterable[str] | Mapping[str, str | None], name: str = "data", **kwargs
) -> pd.DataFrame:
    """:func:`check_frame` then :func:`require_columns`, in one call; returns ``data``.

    ``kwargs`` go to :func:`check_frame` (``allow_empty``).

    Examples
    --------
    >>> check_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "ratings")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'b' not found in ratings; it has columns \
['a']; rename the column in your table, or add it
    """
    check_frame(data, name, **kwargs)
    require_columns(data, columns, name)
    return data
