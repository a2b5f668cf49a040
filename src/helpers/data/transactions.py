"""Validation of transaction logs and the arrays a valid log reduces to."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.exceptions import DataQualityWarning, DataValidationError
from helpers.language import text
from helpers.validation import (
    check_date,
    check_frame,
    date_column,
    id_codes,
    require_columns,
    rows,
    text_numbers,
)

__all__ = ["TransactionCheck", "validate_transactions"]


@dataclass(frozen=True)
class TransactionCheck:
    """What :func:`validate_transactions` found in a valid log."""

    n_rows: int
    n_customers: int
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    n_duplicate_rows: int
    n_zero_amounts: int | None


@dataclass
class _Checked:
    """Arrays a validated log reduces to; shared by the summary so the work is done once."""

    codes: np.ndarray  # customer code 0..n_customers-1 per row, in sorted id order
    customers: pd.Index  # sorted distinct customer ids
    days: np.ndarray  # int64 day number (days since 1970-01-01) per row
    amounts: np.ndarray | None  # float64 per row
    n_duplicate_rows: int
    n_zero_amounts: int | None
    sorted_keys: np.ndarray  # (code * span + days - days.min()) for every row, sorted
    span: int  # number of calendar days from the first to the last purchase


def validate_transactions(
    transactions: pd.DataFrame,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> TransactionCheck:
    """Check a transaction log before it is summarised; never modifies its input.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase.
    customer_col, date_col : str
        Columns with the customer id and the purchase date. Ids are read as text by
        :func:`helpers.validation.id_codes` (``2``, ``"2 "`` and ``"2.0"`` are one customer,
        with a warning; whole-number columns keep their numbers as ids). Dates are read by
        :func:`helpers.validation.date_column`: datetime64 (a time zone keeps its local
        wall-clock day), ISO text with or without a time, ``05/01/2024`` in the order the
        column shows, ``2024年1月5日``; numbers only with ``date_format``.
    amount_col : str, optional
        Column with the purchase amount; checked only when given. Text amounts must be plain
        numbers: a decimal comma, a thousands separator or a currency sign is an error that
        names the fix.
    date_format : str, optional
        strftime pattern of text dates (``"%d.%m.%Y"``), or ``"%Y%m%d"`` / ``"excel"`` for
        numbers.
    dayfirst : bool, optional
        For dates such as 05/01/2024 when no day above 12 shows the order.

    Returns
    -------
    TransactionCheck
        Counts of rows, customers, duplicate rows and zero amounts, first and last date.

    Raises
    ------
    DataValidationError
        For missing columns, an empty log, missing, unparseable or ambiguous dates, missing or
        empty customer ids (or ids with a fraction), and non-numeric, missing, infinite or
        negative amounts. The message names the column, counts the offending rows, shows a few
        of them and says how to fix them.

    Warns
    -----
    DataQualityWarning
        When the log has exact duplicate rows. They are kept: real logs have legitimate ones
        (two identical items bought in one day; CDNOW has 255). When spellings of an id are
        merged into one customer.

    Examples
    --------
    >>> from helpers.data import load_cdnow
    >>> check = validate_transactions(load_cdnow(), amount_col="amount")
    >>> check.n_customers, check.n_duplicate_rows
    (23570, 255)
    """
    c = _check(
        transactions, customer_col, date_col, amount_col, date_format=date_format, dayfirst=dayfirst
    )
    return TransactionCheck(
        n_rows=len(transactions),
        n_customers=len(c.customers),
        first_date=pd.Timestamp(c.days.min(), unit="D"),
        last_date=pd.Timestamp(c.days.max(), unit="D"),
        n_duplicate_rows=c.n_duplicate_rows,
        n_zero_amounts=c.n_zero_amounts,
    )


def _day_numbers(
    df: pd.DataFrame, date_col: str, date_format: str | None = None, dayfirst: bool | None = None
) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of the purchase dates, by the rules of
    :func:`helpers.validation.date_column`."""
    s = df[date_col]
    if not pd.api.types.is_datetime64_dtype(s):  # a timestamp column needs no reading: fast path
        s = date_column(
            df, date_col, "transactions", date_format=date_format, dayfirst=dayfirst,
            allow_missing=True,
        )  # fmt: skip
    nat = s.isna().to_numpy()
    if nat.any():
        raise DataValidationError(
            f"column {date_col!r} has {nat.sum()} missing date(s) ({rows(df.index, nat)}); "
            "fill them from the source or remove those rows before summarising"
        )
    return s.to_numpy().astype("datetime64[D]").astype(np.int64)


def _customer_codes(df: pd.DataFrame, customer_col: str) -> tuple[np.ndarray, pd.Index]:
    s = df[customer_col]
    if pd.api.types.is_integer_dtype(s) and not s.hasnans and len(s):
        # Whole-number ids: no spelling can differ, so they are codes already.
        values = s.to_numpy()
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * len(values) + 1_000_000:
            # Dense integer ids: a lookup table beats hashing by a wide margin.
            offset = (values - lo).astype(np.int64)
            present = np.bincount(offset, minlength=hi - lo + 1) > 0
            remap = np.cumsum(present) - 1
            return remap[offset], pd.Index(np.flatnonzero(present) + lo, name=customer_col)
        codes, uniques = pd.factorize(values, sort=True)
        return codes.astype(np.int64), pd.Index(uniques, name=customer_col)
    # Text, floats, mixed: trimmed text ids; "2", "2 " and "2.0" are one customer (warned).
    codes, ids = id_codes(df, customer_col, "transactions")
    return codes, ids


def _amounts(df: pd.DataFrame, amount_col: str) -> np.ndarray:
    s = df[amount_col]
    if pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"column {amount_col!r} holds booleans, not amounts; pass the column with the "
            "purchase value"
        )
    if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.ArrowDtype):
        a = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:  # text (or pyarrow-backed): plain numbers only, never a silent NaN
        a = text_numbers(df, amount_col, "transactions").to_numpy()
    nan = np.isnan(a)
    if nan.any():
        raise DataValidationError(
            f"column {amount_col!r} has {nan.sum()} missing value(s) ({rows(df.index, nan)}); "
            "fill them from the source or remove those rows before summarising"
        )
    inf = np.isinf(a)
    if inf.any():
        raise DataValidationError(
            f"column {amount_col!r} has {inf.sum()} infinite value(s) ({rows(df.index, inf)}); "
            "these are usually a division by zero upstream: fix the computation of the amounts"
        )
    neg = a < 0
    if neg.any():
        raise DataValidationError(
            f"column {amount_col!r} has {neg.sum()} negative value(s) ({rows(df.index, neg)}); "
            "returns must be removed or netted against their purchases before summarising"
        )
    return a


def _purchase_keys(codes: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-row key ``code * span + day offset`` and the keys sorted: (key, sorted, span).

    Sorting once serves both the duplicate check and the same-day merge of the summary.
    """
    span = int(days.max() - days.min()) + 1
    key = codes * span + (days - days.min())
    if (int(codes.max()) + 1) * span < 2**32:
        key = key.astype(np.uint32)  # halves the sort's memory traffic
    return key, np.sort(key), span


def _count_duplicaterows(df: pd.DataFrame, key: np.ndarray, ordered: np.ndarray) -> int:
    """Exact duplicate rows, counted without hashing every row of a large log.

    Only rows that share a customer and a day can be duplicates; those candidates are found
    with a bitmap over the sorted keys, then rows whose hash repeats are compared exactly.
    """
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return 0
    repeated = ordered[1:][same]
    repeated = repeated[np.r_[True, repeated[1:] != repeated[:-1]]]  # sorted, so this dedups
    size = int(ordered[-1]) + 1
    if size <= 2**33:  # bitmap of at most 1 GiB; a hash lookup beyond that
        bits = np.zeros((size >> 3) + 1, dtype=np.uint8)
        rep = repeated.astype(np.int64)
        np.bitwise_or.at(bits, rep >> 3, (1 << (rep & 7)).astype(np.uint8))
        k = key.astype(np.int64)
        candidates = ((bits[k >> 3] >> (k & 7).astype(np.uint8)) & 1).astype(bool)
    else:
        candidates = pd.Series(key).isin(repeated).to_numpy()
    idx = np.flatnonzero(candidates)
    hashes = pd.util.hash_pandas_object(df.iloc[idx], index=False)
    suspects = idx[hashes.duplicated(keep=False).to_numpy()]
    return int(df.iloc[suspects].duplicated().sum())


def _warn_duplicates(n_dup: int, stacklevel: int) -> None:
    """The warning about rows that repeat an earlier row exactly (kept, not dropped).

    ``stacklevel`` is passed to ``warnings.warn`` as it is: 1 is this function, so callers add
    one level for it.
    """
    warnings.warn(
        text(
            f"{n_dup} row(s) are exact duplicates of an earlier row; they are kept (two "
            "identical purchases on one day are common in real logs). If they are "
            "double-loaded records, drop them first with df.drop_duplicates()",
            f"{n_dup} 行与前面某行完全相同；这些行被保留"
            "（真实记录中同一天两笔相同的购买很常见）。"
            "如果它们是重复导入的记录，请先用 df.drop_duplicates() 删除",
        ),
        DataQualityWarning,
        stacklevel=stacklevel,
    )


def _check(
    df: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> _Checked:
    check_frame(df, "transactions", allow_empty=True)
    require_columns(
        df,
        {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col},
        "transactions",
    )
    check_frame(df, "transactions")
    days = _day_numbers(df, date_col, date_format, dayfirst)
    codes, customers = _customer_codes(df, customer_col)
    amounts = _amounts(df, amount_col) if amount_col is not None else None
    key, sorted_keys, span = _purchase_keys(codes, days)
    n_dup = _count_duplicaterows(df, key, sorted_keys)
    if n_dup:
        _warn_duplicates(n_dup, stacklevel=4)
    n_zero = int((amounts == 0).sum()) if amounts is not None else None
    return _Checked(codes, customers, days, amounts, n_dup, n_zero, sorted_keys, span)


def _to_day(value, name: str) -> int:
    """A date parameter as a day number, with a ParameterError naming it."""
    ts = check_date(name, value, fix="pass e.g. '1997-09-30' or a pandas Timestamp")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.to_datetime64(), "D").astype(np.int64))
