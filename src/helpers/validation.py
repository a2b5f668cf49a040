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
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd

from helpers.exceptions import (
    DataQualityWarning,
    DataValidationError,
    NotFittedError,
    ParameterError,
)

__all__ = [
    "CONFIDENCE_FROM_ALPHA",
    "DEFAULT_TIME_UNIT",
    "EXCEL",
    "SHOW",
    "TIME_UNITS",
    "binary_column",
    "check_choice",
    "check_columns",
    "check_date",
    "check_frame",
    "check_int",
    "check_is_fitted",
    "check_number",
    "check_probability",
    "check_time_unit",
    "date_column",
    "id_codes",
    "id_column",
    "numeric_column",
    "numeric_values",
    "renamed_attribute",
    "renamed_parameters",
    "require_columns",
    "rows",
    "text_numbers",
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


def binary_column(
    data: pd.DataFrame, col: str, name: str = "data", *, meaning: str = "1 = yes, 0 = no"
) -> np.ndarray:
    """A 0/1 column (an event indicator, a label) as booleans, refusing any other coding.

    True/False and the numbers 0 and 1 are accepted. Missing values, text and any other number
    are refused with the values found: a column coded 1/2 (R's survival convention, 1 censored
    and 2 event; SPSS's 1 no and 2 yes) would otherwise be read as "every row is 1".

    Parameters
    ----------
    data : pandas.DataFrame
    col : str
    name : str
        What the table is called in the message.
    meaning : str
        What 1 and 0 stand for, for the message ("1 = churned, 0 = still active").

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    DataValidationError
        Naming the column, the rows, the values found and how to recode them.

    Examples
    --------
    >>> binary_column(pd.DataFrame({"event": [0, 1, 1.0, True]}), "event").tolist()
    [False, True, True, True]
    >>> binary_column(pd.DataFrame({"status": [1, 2, 2]}), "status", "subscriptions")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'status' of subscriptions holds 2 value(s) \
other than 0 and 1 (rows 1, 2); the values found are [1, 2]. It must be 0 or 1 (1 = yes, 0 = \
no) or True/False. A 1/2 coding (R's survival: 1 = censored, 2 = event; SPSS: 1 = no, 2 = yes) \
is recoded with df['status'] = (df['status'] == 2).astype(int)
    """
    s = data[col]
    missing = s.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {col!r} of {name} has {int(missing.sum())} missing value(s) "
            f"({rows(data.index, missing)}); every row needs 0 or 1 ({meaning}): fill them from "
            "the source or remove those rows"
        )
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=bool)
    values = s.to_numpy()
    if pd.api.types.is_numeric_dtype(s):
        x = values.astype(np.float64)
        bad = (x != 0) & (x != 1)
    else:  # text or mixed objects: only real 0/1 numbers and booleans pass
        ok = np.array(
            [isinstance(v, bool | np.bool_ | Real) and v in (0, 1) for v in values], dtype=bool
        )
        bad = ~ok
    if bad.any():
        found = pd.unique(s)
        try:
            found = sorted(found.tolist())
        except TypeError:  # text mixed with numbers
            found = sorted(found.tolist(), key=repr)
        shown = repr([_plain(v) for v in found[:10]])[:-1] + (", …]" if len(found) > 10 else "]")
        if set(found) <= {1, 2} and pd.api.types.is_numeric_dtype(s):
            how = (
                "A 1/2 coding (R's survival: 1 = censored, 2 = event; SPSS: 1 = no, 2 = yes) is "
                f"recoded with df[{col!r}] = (df[{col!r}] == 2).astype(int)"
            )
        elif {str(v).strip() for v in found} <= {"0", "1", "0.0", "1.0"}:
            how = f"They are text: convert them with df[{col!r}] = pd.to_numeric(df[{col!r}])"
        else:
            how = (
                f"Recode it, e.g. df[{col!r}] = (df[{col!r}] == <the value that means 1>)"
                ".astype(int)"
            )
        raise DataValidationError(
            f"column {col!r} of {name} holds {int(bad.sum())} value(s) other than 0 and 1 "
            f"({rows(data.index, bad)}); the values found are {shown}. It must be 0 or 1 "
            f"({meaning}) or True/False. {how}"
        )
    if pd.api.types.is_numeric_dtype(s):
        return x == 1
    return np.array([v == 1 for v in values], dtype=bool)


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

    Text is read by the rules of :func:`date_column`, so '05/01/2024' (5 January or 1 May?)
    is refused. Numbers are refused: ``pd.Timestamp(19970930)`` would silently be a time in
    1970. A timestamp with a time zone keeps its wall-clock time in that zone and loses the
    zone, as dates in data do.

    Examples
    --------
    >>> check_date("observation_end", "2024-12-31")
    Timestamp('2024-12-31 00:00:00')
    >>> check_date("observation_end", "05/01/2024")
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: parameter 'observation_end' = '05/01/2024' reads as \
day/month or as month/day (write it as 'YYYY-MM-DD'); pass a value that meets this
    """
    if isinstance(value, bool | Real | np.number):
        _fail(name, value, "is a number, not a date (write it as 'YYYY-MM-DD')", fix)
    if isinstance(value, str):
        try:
            ts = date_column(pd.DataFrame({name: [value]}), name)[0]
        except DataValidationError as why:
            what = (
                "reads as day/month or as month/day" if "swapped" in str(why) else "is not a date"
            )
            _fail(name, value, f"{what} (write it as 'YYYY-MM-DD')", fix)
        return ts
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        _fail(name, value, "is not a date (write it as 'YYYY-MM-DD')", fix)
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


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


# --- numbers written as text ------------------------------------------------------------------

_CURRENCY = re.compile(r"[$€£¥￥₩₹]|元|RMB|CNY|USD|EUR|GBP|JPY", re.IGNORECASE)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,.' \u00a0\u202f])\d{3}(\1\d{3})*([.,]\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")


def text_numbers(
    data: pd.DataFrame,
    col: str,
    name: str = "data",
    *,
    decimal: str = ".",
    comma_fix: str | None = None,
) -> pd.Series:
    """A column of numbers, possibly written as text, as float64 (NaN where missing).

    Number columns pass as they are. Text is read as a plain number (surrounding spaces and
    empty cells are fine: empty is missing); anything else is refused with what it looks like
    and the fix, never turned into a missing value: a decimal comma (``"3,5"``), a thousands
    separator (``"1,234.50"``, ``"1 234"``), a currency sign or code (``"¥12"``, ``"12 元"``),
    a percent sign. With ``decimal=","`` (files written with ``;`` between fields often use it)
    ``"3,5"`` is 3.5, and a value with a ``.`` is refused (a thousands separator or a mix of
    decimal marks). Infinite values and booleans are refused.

    Parameters
    ----------
    data : pandas.DataFrame
    col : str
    name : str
        What the table is called in messages.
    decimal : {".", ","}
        The decimal mark of numbers written as text.
    comma_fix : str, optional
        How the caller's user reads decimal commas (e.g. "pass decimal=','"); by default the
        pandas conversion to run first.

    Returns
    -------
    pandas.Series of float64
        Same index as ``data``; the input is not modified.

    Raises
    ------
    DataValidationError
        Naming the column, the offending rows and the fix.

    Examples
    --------
    >>> text_numbers(pd.DataFrame({"amount": ["3.5", " 12", None]}), "amount").tolist()
    [3.5, 12.0, nan]
    >>> text_numbers(pd.DataFrame({"amount": ["3,5", "2"]}), "amount", decimal=",").tolist()
    [3.5, 2.0]
    >>> text_numbers(pd.DataFrame({"amount": ["3,5", "12,75"]}), "amount", "orders")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'amount' of orders has 2 value(s) written \
with a decimal comma (rows 0: '3,5', 1: '12,75'); convert them first: \
df['amount'] = pd.to_numeric(df['amount'].str.replace(',', '.'))
    """
    if decimal not in (".", ","):
        raise ParameterError(f"parameter 'decimal' = {decimal!r} must be '.' or ','")
    s = data[col]
    if isinstance(s.dtype, pd.ArrowDtype):
        s = _from_arrow(s)
    if pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"column {col!r} of {name} holds True/False values, not numbers; pass the column "
            "with the numbers"
        )
    if pd.api.types.is_numeric_dtype(s):
        x = pd.Series(s.to_numpy(dtype=np.float64, na_value=np.nan), index=data.index)
    else:
        obj = s.astype(object)
        flags = obj.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
        if flags.any():
            raise DataValidationError(
                f"column {col!r} of {name} holds True/False values "
                f"({rows(data.index, flags, s)}), not numbers; correct them at the source"
            )
        is_text = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        text = obj.where(is_text, None).map(str.strip, na_action="ignore")
        # Empty, and what df.astype(str) writes for a missing value, are missing values.
        text = text.where(~text.isin(["", "nan", "NaN", "<NA>", "None"]), None)
        if decimal == ",":
            dotted = text.str.contains(".", regex=False, na=False).to_numpy(dtype=bool)
            if dotted.any():
                raise DataValidationError(
                    f"column {col!r} of {name} has {int(dotted.sum())} value(s) with a '.' "
                    f"({rows(data.index, dotted, s)}) although decimal=','; remove thousands "
                    "separators in the source, or leave decimal='.' if '.' is the decimal mark"
                )
            text = text.str.replace(",", ".", regex=False)
        x = pd.Series(np.nan, index=data.index, dtype=np.float64)
        x[is_text] = pd.to_numeric(text[is_text], errors="coerce").astype(np.float64)
        others = ~is_text & obj.notna().to_numpy()
        if others.any():
            x[others] = pd.to_numeric(obj[others], errors="coerce").astype(np.float64)
        unread = (is_text & text.notna().to_numpy() & x.isna().to_numpy()) | (
            others & x.isna().to_numpy()
        )
        if unread.any():
            bad = text.where(unread, None).fillna("")
            comma = bad.str.match(_DECIMAL_COMMA) & ~bad.str.match(_THOUSANDS)
            thousands = bad.str.match(_THOUSANDS)
            currency = bad.str.contains(_CURRENCY)
            percent = bad.str.contains("%", regex=False)
            conv = f"df[{col!r}] = pd.to_numeric(df[{col!r}].str.replace(',', '.'))"
            for mask, what, how in (
                (currency, "a currency sign or code", "remove it in the source or with "
                 f"df[{col!r}].str.replace(...) and keep the currency in the column's "
                 "description"),
                (percent, "a percent sign", "write shares as numbers (0.35 for 35%)"),
                (comma, "a decimal comma", comma_fix or f"convert them first: {conv}"),
                (thousands, "a thousands separator", "remove the separators in the source "
                 "(format the cells as plain numbers) or convert first, e.g. "
                 f"pd.to_numeric(df[{col!r}].str.replace(r'[,\\s]', '', regex=True))"
                 + (f"; if the comma is the decimal mark, {comma_fix}" if comma_fix else "")),
            ):  # fmt: skip
                m = unread & mask.to_numpy(dtype=bool)
                if m.any():
                    raise DataValidationError(
                        f"column {col!r} of {name} has {int(m.sum())} value(s) written with "
                        f"{what} ({rows(data.index, m, s)}); {how}"
                    )
            raise DataValidationError(
                f"column {col!r} of {name} has {int(unread.sum())} value(s) that are not "
                f"numbers ({rows(data.index, unread, s)}); correct them, or leave the cell "
                "empty where the value is unknown"
            )
    inf = np.isinf(x.to_numpy())
    if inf.any():
        raise DataValidationError(
            f"column {col!r} of {name} has {int(inf.sum())} infinite value(s) "
            f"({rows(data.index, inf, s)}); correct or remove them"
        )
    return x.rename(col)


# --- identifiers ------------------------------------------------------------------------------

# Text that is a whole number written with a decimal part of zeros ("2.0", "17.00"): what a
# spreadsheet or a float column makes of the id 2.
_WHOLE_WITH_ZEROS = re.compile(r"^([+-]?\d+)\.0+$")


def _canonical_id(value) -> str | None:
    """One identifier as trimmed text; None when empty. Raises TypeError for a non-whole
    number (an id is a code, never a measurement)."""
    if isinstance(value, str):
        text = value.strip()
        whole = _WHOLE_WITH_ZEROS.match(text)
        return (whole.group(1) if whole else text) or None
    if isinstance(value, bool | np.bool_):
        raise TypeError("a boolean")
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        x = float(value)
        if not math.isfinite(x) or not x.is_integer():
            raise TypeError(f"the number {x!r}")
        return str(int(x))
    return str(value).strip() or None


def id_codes(
    data: pd.DataFrame, col: str, name: str = "data", *, allow_missing: bool = False
) -> tuple[np.ndarray, pd.Index]:
    """Identifier column as codes into its sorted distinct ids (text): ``(codes, ids)``.

    Ids are text, trimmed of surrounding spaces (full-width and non-breaking spaces
    included); a whole number, or text such as ``"2.0"``, is written as ``"2"``. Leading zeros
    are kept (``"000123"`` is not ``"123"``). When these rules make two spellings one id
    (``2``, ``"2"``, ``"2 "`` and ``"2.0"``), a :class:`~helpers.exceptions.DataQualityWarning`
    says how many ids were merged and shows examples. The work is done once per distinct
    value, so a column of millions of rows costs one hash pass.

    Parameters
    ----------
    data : pandas.DataFrame
    col : str
        The identifier column.
    name : str
        What the table is called in messages.
    allow_missing : bool
        Missing or empty ids get code -1 instead of an error (a referral column where most
        customers have no referrer).

    Returns
    -------
    codes : numpy.ndarray of int64
        Position of each row's id in ``ids`` (-1 for a missing id).
    ids : pandas.Index of str
        The distinct ids, sorted as text.

    Raises
    ------
    DataValidationError
        Missing or empty ids (unless ``allow_missing``), booleans, or numbers with a fraction.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["000123", " 7", 8.0, " 7"]})
    >>> codes, ids = id_codes(df, "customer_id", "transactions")
    >>> list(ids), codes.tolist()
    (['000123', '7', '8'], [0, 1, 2, 1])
    """
    s = data[col]
    if pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"column {col!r} of {name} holds True/False values, not identifiers; pass the "
            "column that holds the customer ids"
        )
    raw_codes, raw_uniques = pd.factorize(s, use_na_sentinel=True)
    canonical = np.empty(len(raw_uniques), dtype=object)
    bad = []
    for i, value in enumerate(raw_uniques.tolist()):
        try:
            canonical[i] = _canonical_id(value)
        except TypeError as why:
            bad.append((i, why))
    if bad:
        bad_rows = np.isin(raw_codes, [i for i, _ in bad])
        raise DataValidationError(
            f"column {col!r} of {name} holds numbers with a fraction, not ids "
            f"({rows(data.index, bad_rows, s)}); an id is a code: check that this is the id "
            "column, or read the file with the ids as text (helpers.read_table does)"
        )
    empty = np.array([c is None for c in canonical], dtype=bool)
    # One slot more, so that code -1 (missing) indexes it, also when every value is missing.
    missing_row = np.append(empty, True)[raw_codes]
    if missing_row.any() and not allow_missing:
        raise DataValidationError(
            f"column {col!r} of {name} has {int(missing_row.sum())} missing or empty id(s) "
            f"({rows(data.index, missing_row)}); every row needs an id: fill them in or "
            "remove those rows"
        )
    kept = np.flatnonzero(~empty)
    ids_sorted, inverse = np.unique(canonical[kept].astype(str), return_inverse=True)
    to_final = np.full(len(raw_uniques) + 1, -1, dtype=np.int64)
    to_final[kept] = inverse
    merged = len(kept) - len(ids_sorted)
    if merged:
        spellings = pd.Series(raw_uniques[kept]).groupby(inverse).agg(list)
        groups = spellings[spellings.map(len) > 1]
        shown = "; ".join(
            " = ".join(repr(_plain(v)) for v in forms[:4]) for forms in groups.iloc[:SHOW]
        )
        warnings.warn(
            f"column {col!r} of {name}: {len(groups)} id(s) were written in more than one "
            f"way and are counted as one customer each ({shown}); spaces around an id and "
            "number forms such as 2.0 are not part of the id. If these are different "
            "customers, give them distinct ids",
            DataQualityWarning,
            stacklevel=3,
        )
    codes = to_final[raw_codes]
    return codes, pd.Index(ids_sorted.astype(object), name=col)


def id_column(
    data: pd.DataFrame, col: str, name: str = "data", *, allow_missing: bool = False
) -> pd.Series:
    """Identifier column as trimmed text (``object`` dtype, None where missing).

    The rules and warnings are those of :func:`id_codes`.

    Examples
    --------
    >>> id_column(pd.DataFrame({"id": ["000123 ", 45, "46.0"]}), "id").tolist()
    ['000123', '45', '46']
    """
    codes, ids = id_codes(data, col, name, allow_missing=allow_missing)
    # A last slot of None for code -1 (missing), also when no id is present at all.
    values = np.append(ids.to_numpy(dtype=object), None)[codes]
    return pd.Series(values, index=data.index, name=col, dtype=object)


# --- dates ------------------------------------------------------------------------------------

#: ``date_format`` that reads numbers as Excel serial day numbers (days since 1899-12-30).
EXCEL = "excel"
_EXCEL_ORIGIN = "1899-12-30"

# A time zone at the end of a time of day: "Z", "+08:00", "+0800", "-05".
_OFFSET = re.compile(r"(?<=\d:\d\d)(?::\d\d(?:\.\d+)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?=$|[ T])")
_DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[ T])")


def _strip_offset(text: str) -> str:
    """Drop a trailing time zone but keep the seconds: the local wall-clock time stays."""
    m = _OFFSET.search(text)
    if not m:
        return text
    return text[: m.start(1)].rstrip()


def _parse_text_dates(
    text: pd.Series, col: str, name: str, dayfirst: bool | None, index: pd.Index
) -> pd.Series:
    """Text dates (missing values already None) as datetime64[ns]; the rules of date_column."""
    t = text.map(_strip_offset, na_action="ignore")
    t = t.str.replace(_CHINESE, r"\1-\2-\3", regex=True)
    ymd = t.str.extract(_YEAR_FIRST)
    year_first = ymd[0].notna().to_numpy()
    if year_first.any():
        iso = ymd[0] + "-" + ymd[1].str.zfill(2) + "-" + ymd[2].str.zfill(2)
        rest = t.str.replace(_YEAR_FIRST, "", regex=True)
        t = t.where(~year_first, iso + rest)
    dm = t.str.extract(_DAY_MONTH)
    has_dm = dm[0].notna().to_numpy()
    if has_dm.any():
        a = dm[0].astype(float).to_numpy()
        b = dm[2].astype(float).to_numpy()
        short_year = has_dm & (dm[3].str.len() == 2).to_numpy()
        if short_year.any():
            raise DataValidationError(
                f"column {col!r} of {name} has dates with a two-digit year "
                f"({rows(index, short_year, text)}); the century is not known: pass "
                "date_format= with the full pattern, e.g. date_format='%d/%m/%y' (years 69-99 "
                "become 19xx, 00-68 become 20xx), or write four-digit years"
            )
        day_first = has_dm & (a > 12)
        month_first = has_dm & (b > 12)
        if day_first.any() and month_first.any():
            raise DataValidationError(
                f"column {col!r} of {name} mixes day/month/year "
                f"({rows(index, day_first, text)}) and month/day/year "
                f"({rows(index, month_first, text)}) dates; write them all one way (YYYY-MM-DD "
                "is safest) and load again"
            )
        if dayfirst is None:
            if day_first.any():
                dayfirst = True
            elif month_first.any():
                dayfirst = False
            else:
                raise DataValidationError(
                    f"column {col!r} of {name} has dates such as {text[has_dm].iloc[0]!r} in "
                    "which the day and the month can be swapped (no day is above 12); say "
                    "which comes first: dayfirst=True (day/month/year) or dayfirst=False "
                    "(month/day/year), or pass date_format=, e.g. date_format='%d/%m/%Y'"
                )
        elif (month_first if dayfirst else day_first).any():
            wrong = month_first if dayfirst else day_first
            raise DataValidationError(
                f"column {col!r} of {name}: dayfirst={dayfirst} does not fit "
                f"{int(wrong.sum())} date(s) ({rows(index, wrong, text)}); check the order "
                f"of day and month, or pass dayfirst={not dayfirst}"
            )
        day, month = (dm[0], dm[2]) if dayfirst else (dm[2], dm[0])
        iso = dm[3] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
        rest = t.str.replace(_DAY_MONTH, "", regex=True)
        t = t.where(~has_dm, iso + rest)
    parsed = pd.to_datetime(t, format="ISO8601", errors="coerce")
    left = (parsed.isna() & t.notna()).to_numpy()
    if left.any():
        # Month names ("5 Jan 2024", "Jan 5, 2024") cannot be read two ways.
        named = left & t.str.contains(r"[A-Za-z]{3}", regex=True, na=False).to_numpy()
        if named.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                again = pd.to_datetime(t[named], format="mixed", errors="coerce")
            parsed = parsed.copy()
            parsed[named] = again
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _number_dates(s: pd.Series, col: str, name: str, date_format: str | None, index) -> pd.Series:
    x = pd.to_numeric(s, errors="coerce").astype("float64")
    present = x.notna().to_numpy()
    if date_format == EXCEL:
        return pd.to_datetime(x, unit="D", origin=_EXCEL_ORIGIN).astype("datetime64[ns]")
    if date_format is not None:
        whole = present & (x.fillna(0) % 1 == 0).to_numpy()
        text = pd.Series(None, index=s.index, dtype=object)
        text[whole] = x[whole].astype("int64").astype(str)
        text[present & ~whole] = x[present & ~whole].astype(str)
        return pd.to_datetime(text, format=date_format, errors="coerce")
    if not present.any():  # an all-empty column (say, no complaint closed yet): no dates
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    v = x[present]
    whole = bool((v % 1 == 0).all())
    convert = f"pd.to_datetime(df[{col!r}].astype('Int64').astype(str), format="
    if whole and v.between(10_000_101, 99_991_231).all():
        how = (
            "they look like YYYYMMDD: pass date_format='%Y%m%d' where the function takes it, "
            f"or convert the column first: {convert}'%Y%m%d')"
        )
    elif whole and v.between(100_001, 999_912).all() and (v % 100).between(1, 12).all():
        how = (
            "they look like YYYYMM (a month): pass date_format='%Y%m' where the function "
            f"takes it, or convert the column first: {convert}'%Y%m')"
        )
    elif v.between(1, 2_958_465).all():
        how = (
            "if they are Excel serial dates (days since 1899-12-30, what Excel saves for a "
            f"date cell formatted as a number), pass date_format={EXCEL!r} where the function "
            f"takes it, or convert the column first: pd.to_datetime(df[{col!r}], unit='D', "
            "origin='1899-12-30')"
        )
    else:
        how = "write them as dates (YYYY-MM-DD) in the source"
    raise DataValidationError(
        f"column {col!r} of {name} holds numbers ({s.dtype}), not dates "
        f"({rows(index, present, s)}); {how}"
    )


def date_column(
    data: pd.DataFrame,
    col: str,
    name: str = "data",
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    allow_missing: bool = False,
) -> pd.Series:
    """A date column as ``datetime64[ns]`` without a time zone, read by stated rules.

    Rules, in order:

    - Dates with a time zone (a timezone-aware column, or text ending in ``+08:00`` or ``Z``)
      keep the wall-clock time in their own zone: a purchase at 23:30 in Shanghai is on that
      day in Shanghai, whatever the zone of the computer that reads the file.
    - Text: ``YYYY-MM-DD`` with or without a time of day (mixed in one column is fine);
      ``YYYY/MM/DD`` and ``YYYY.MM.DD``; ``2024年1月5日``; month names (``5 Jan 2024``).
      Day-and-month-first text (``05/01/2024``) is read in the order the column itself shows
      (a first number above 12 means day first); when no value decides it, the column is
      refused and ``dayfirst`` must say. Two-digit years are refused.
    - Numbers are refused with the conversion to use, unless ``date_format`` says what they
      are: ``"%Y%m%d"`` for 20240105, ``"excel"`` for Excel serial day numbers.
    - ``date_format`` (a strftime pattern) reads every value with that pattern only.

    Parameters
    ----------
    data : pandas.DataFrame
    col : str
    name : str
        What the table is called in messages.
    date_format : str, optional
        A strftime pattern such as ``"%d.%m.%Y"``, or ``"excel"``.
    dayfirst : bool, optional
        For day/month/year (True) or month/day/year (False) text.
    allow_missing : bool
        Keep missing values as NaT instead of refusing them.

    Returns
    -------
    pandas.Series of datetime64[ns]
        Same index as ``data``; the input is not modified.

    Raises
    ------
    DataValidationError
        Naming the column, the offending rows and the option or fix.

    Examples
    --------
    >>> df = pd.DataFrame({"date": ["05/01/2024", "17/01/2024"]})
    >>> date_column(df, "date").dt.strftime("%Y-%m-%d").tolist()
    ['2024-01-05', '2024-01-17']
    >>> date_column(pd.DataFrame({"date": ["05/01/2024"]}), "date")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'date' of data has dates such as \
'05/01/2024' in which the day and the month can be swapped (no day is above 12); say which \
comes first: dayfirst=True (day/month/year) or dayfirst=False (month/day/year), or pass \
date_format=, e.g. date_format='%d/%m/%Y'
    """
    if date_format is not None and not isinstance(date_format, str):
        raise ParameterError(
            f"parameter 'date_format' = {date_format!r} is not text; pass a pattern such as "
            f"'%d/%m/%Y', or {EXCEL!r} for Excel serial numbers"
        )
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise ParameterError(f"parameter 'dayfirst' = {dayfirst!r} must be True, False or None")
    s = data[col]
    index = data.index
    if isinstance(s.dtype, pd.ArrowDtype):
        s = _from_arrow(s)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(s):
        out = s
    elif pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"column {col!r} of {name} holds True/False values, not dates; pass the column "
            "with the dates"
        )
    elif pd.api.types.is_numeric_dtype(s):
        out = _number_dates(s, col, name, date_format, index)
    else:
        obj = s.astype(object)
        is_text = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        text = obj.where(is_text, None).map(str.strip, na_action="ignore")
        text = text.where(text != "", None)
        other = ~is_text & obj.notna().to_numpy()
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        if other.any():
            kinds = obj[other].map(
                lambda v: isinstance(v, Real | np.number) and not isinstance(v, bool)
            )
            if kinds.any():
                nums = obj[other][kinds.to_numpy()]
                _number_dates(nums, col, name, date_format, nums.index)  # raises
            stamps = obj[other].map(
                lambda v: (
                    pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo else pd.Timestamp(v)
                )
            )
            out[other] = pd.to_datetime(stamps.astype(object)).astype("datetime64[ns]")
        if text.notna().any():
            if date_format == EXCEL:
                out[is_text] = _number_dates(text[is_text], col, name, EXCEL, index)
            elif date_format is not None:
                out[is_text] = pd.to_datetime(text[is_text], format=date_format, errors="coerce")
            else:
                out[is_text] = _parse_text_dates(text[is_text], col, name, dayfirst, index[is_text])
        unread = is_text & text.notna().to_numpy() & out.isna().to_numpy()
        if unread.any():
            how = (
                f"they do not match date_format={date_format!r}: correct them or the pattern"
                if date_format is not None
                else "write them as YYYY-MM-DD, or pass date_format= with their pattern "
                "(e.g. date_format='%d.%m.%Y %H:%M')"
            )
            raise DataValidationError(
                f"column {col!r} of {name} has {int(unread.sum())} value(s) that are not dates "
                f"({rows(index, unread, s)}); {how}"
            )
    out = out.astype("datetime64[ns]")
    missing = out.isna().to_numpy()
    if missing.any() and not allow_missing:
        raise DataValidationError(
            f"column {col!r} of {name} has {int(missing.sum())} missing date(s) "
            f"({rows(index, missing)}); fill them from the source or remove those rows"
        )
    return pd.Series(out.to_numpy(), index=index, name=col)


def _from_arrow(s: pd.Series) -> pd.Series:
    """A pyarrow-backed column as the numpy-backed column pandas' own functions expect."""
    import pyarrow as pa

    t = s.dtype.pyarrow_dtype
    if pa.types.is_timestamp(t):
        unit = "datetime64[ns]" if t.tz is None else pd.DatetimeTZDtype("ns", t.tz)
        return s.astype(unit)
    if pa.types.is_date(t):
        return s.astype("datetime64[ns]")
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return s.astype("float64")
    if pa.types.is_boolean(t):
        return s.astype("boolean")
    return s.astype(object).where(s.notna(), None)


def numeric_values(
    values,
    name: str = "values",
    *,
    allow_missing: bool = False,
    low: float | None = None,
) -> pd.Series:
    """One column of numbers given as a Series, a list or a 1-D array, as a float Series.

    The checks of :func:`numeric_column` (text, booleans, infinities, missing values unless
    ``allow_missing``, values below ``low``), for functions that take the values themselves
    rather than a table and a column name. A Series keeps its index and name; a list or an
    array gets a RangeIndex. A DataFrame, a 2-D array or a single number is refused.

    Parameters
    ----------
    values : pandas.Series, list or 1-D numpy.ndarray
    name : str
        The parameter, used in the message (a Series' own name is shown as the column).
    allow_missing : bool
        Keep missing values as NaN instead of refusing them.
    low : float, optional
        Smallest allowed value.

    Returns
    -------
    pandas.Series of float64

    Raises
    ------
    DataValidationError
        Naming the column (or parameter), the rows and the fix.

    Examples
    --------
    >>> numeric_values([10, 20.5]).tolist()
    [10.0, 20.5]
    >>> numeric_values(pd.Series([3.0, None], name="revenue"), "values")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'revenue' of values has 1 missing value(s) \
(row 1); fill them from the source or remove those rows
    >>> numeric_values(["1,200", "30"], "values")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'values' of the input is not numeric \
(dtype object); convert it with pd.to_numeric(df['values']) after fixing the values that are \
not numbers
    """
    if isinstance(values, pd.DataFrame):
        raise DataValidationError(
            f"{name} must be one column of numbers (a Series, a list or an array), not a "
            f"DataFrame with columns {list(values.columns)}; select the column, e.g. "
            f"df[{str(values.columns[0]) if len(values.columns) else 'col'!r}]"
        )
    if isinstance(values, pd.Series):
        s = values
    elif isinstance(values, str | bytes) or np.ndim(values) != 1:
        raise DataValidationError(
            f"{name} must be one column of numbers (a Series, a list or a 1-D array), got "
            f"{type(values).__name__} with shape {np.shape(values)}"
        )
    else:
        s = pd.Series(values if isinstance(values, np.ndarray) else list(values))
    if len(s) == 0:  # nothing to check; an empty list would otherwise look like text
        return pd.Series([], index=s.index, name=s.name, dtype=np.float64)
    col = name if s.name is None else s.name
    table = "the input" if s.name is None else name
    x = numeric_column(s.to_frame(col), col, table, allow_missing=allow_missing, low=low)
    return pd.Series(x, index=s.index, name=s.name)
