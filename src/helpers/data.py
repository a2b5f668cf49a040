"""Bundled data sets and the validation of transaction logs.

The data sets ship in the repository's ``datasets/`` folder (see its README for sources,
licences and checksums); nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import DataQualityWarning, DataValidationError, ParameterError

__all__ = [
    "TransactionCheck",
    "datasets_dir",
    "load_cdnow",
    "load_cdnow_published_summary",
    "load_donations",
    "validate_transactions",
]

#: How many offending rows an error message shows.
_SHOW = 5


def datasets_dir() -> Path:
    """Folder that holds the bundled data sets.

    The environment variable ``HELPERS_DATASETS_DIR`` overrides the default, which is the
    ``datasets/`` folder of the repository the package is installed from (``pip install -e .``).

    Raises
    ------
    FileNotFoundError
        If the folder does not exist, with the way to point the package at it.
    """
    override = os.environ.get("HELPERS_DATASETS_DIR")
    path = Path(override) if override else Path(__file__).resolve().parents[2] / "datasets"
    if not path.is_dir():
        raise FileNotFoundError(
            f"data folder {path} not found; install the package from a clone of the course "
            "repository with `pip install -e .` (the data ship in its datasets/ folder), or set "
            "HELPERS_DATASETS_DIR to the folder that holds the data files"
        )
    return path


def load_cdnow(kind: str = "master") -> pd.DataFrame:
    """Load the CDNOW transaction log used by the BG/NBD and Pareto/NBD papers.

    The customers are the cohort of 23,570 people who made their first purchase at the CDNOW
    online music store in the first quarter of 1997; their purchases are followed to the end of
    June 1998.

    Parameters
    ----------
    kind : {"master", "sample"}
        ``"master"``: the full log, 69,659 transactions of 23,570 customers.
        ``"sample"``: the 1/10 sample of 2,357 customers (6,919 transactions) on which
        Fader, Hardie & Lee (2005) fit the BG/NBD model.

    Returns
    -------
    pandas.DataFrame
        One row per transaction, in file order, with columns ``customer_id`` (str),
        ``date`` (datetime64), ``quantity`` (int, number of CDs) and ``amount``
        (float, US dollars). The sample also has ``master_customer_id``, the customer's id in
        the master log; its ``customer_id`` is the sample's own id (``"0001"`` … ``"2357"``),
        the one the published summary uses.

    Raises
    ------
    ParameterError
        If ``kind`` is not one of the two names.

    Examples
    --------
    >>> tx = load_cdnow("sample")
    >>> tx.shape
    (6919, 5)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
    """
    if kind == "master":
        names = ["customer_id", "date", "quantity", "amount"]
        file = "CDNOW_master.txt.gz"
        header_lines = 1  # the master log has a header line, the sample has none
    elif kind == "sample":
        names = ["master_customer_id", "customer_id", "date", "quantity", "amount"]
        file = "CDNOW_sample.txt.gz"
        header_lines = 0
    else:
        raise ParameterError(
            f"kind={kind!r} is not a CDNOW log; use kind='master' or kind='sample'"
        )
    df = pd.read_csv(
        datasets_dir() / file,
        sep=r"\s+",
        header=None,
        skiprows=header_lines,
        names=names,
        dtype={"customer_id": str, "master_customer_id": str, "date": str},
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    df["quantity"] = df["quantity"].astype("int64")
    df["amount"] = df["amount"].astype("float64")
    if kind == "sample":
        df = df[["customer_id", "master_customer_id", "date", "quantity", "amount"]]
    return df


def load_cdnow_published_summary() -> pd.DataFrame:
    """The published calibration summary of the CDNOW sample (Fader, Hardie & Lee 2005).

    Calibration period 1997-01-01 to 1997-09-30 (39 weeks), times in weeks, two decimals.

    Returns
    -------
    pandas.DataFrame
        Indexed by the sample's customer id as ``"0001"`` … ``"2357"`` (the ``customer_id`` of
        ``load_cdnow("sample")``), with ``frequency`` (x), ``recency`` (t_x), ``T`` and
        ``monetary_value`` (zbar, mean spend of the repeat purchases, 0 without any).
    """
    pub = pd.read_csv(datasets_dir() / "cdnow_customers_summary_with_transactions.csv")
    pub.index = pub["ID"].map("{:04d}".format).rename("customer_id")
    return pub.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})[
        ["frequency", "recency", "T", "monetary_value"]
    ]


def load_donations() -> pd.DataFrame:
    """Load the donations data of the BG/BB paper (Fader, Hardie & Shang 2010).

    11,104 first-time supporters of a US non-profit organisation in 1995, observed over the
    six annual giving opportunities 1996-2001. Donors with the same history are pooled.

    Returns
    -------
    pandas.DataFrame
        One row per (frequency, recency) pattern: ``frequency`` (number of years with a
        donation), ``recency`` (the last such year, 0 without any), ``n_periods`` (6) and
        ``weight`` (number of donors with that pattern; the weights sum to 11,104).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. *Marketing Science* 29(6), 1086-1108.
    """
    df = pd.read_csv(datasets_dir() / "donations.csv")
    df = df.rename(columns={"periods": "n_periods", "weights": "weight"})
    return df.astype("int64")


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
) -> TransactionCheck:
    """Check a transaction log before it is summarised; never modifies its input.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase.
    customer_col, date_col : str
        Columns with the customer id and the purchase date (datetime64 or parseable text).
    amount_col : str, optional
        Column with the purchase amount; checked only when given.

    Returns
    -------
    TransactionCheck
        Counts of rows, customers, duplicate rows and zero amounts, first and last date.

    Raises
    ------
    DataValidationError
        For missing columns, an empty log, missing or unparseable dates, missing customer ids,
        and non-numeric, missing, infinite or negative amounts. The message names the column,
        counts the offending rows, shows a few of them and says how to fix them.

    Warns
    -----
    DataQualityWarning
        When the log has exact duplicate rows. They are kept: real logs have legitimate ones
        (two identical items bought in one day; CDNOW has 255).

    Examples
    --------
    >>> check = validate_transactions(load_cdnow(), amount_col="amount")
    >>> check.n_customers, check.n_duplicate_rows
    (23570, 255)
    """
    c = _check(transactions, customer_col, date_col, amount_col)
    return TransactionCheck(
        n_rows=len(transactions),
        n_customers=len(c.customers),
        first_date=pd.Timestamp(c.days.min(), unit="D"),
        last_date=pd.Timestamp(c.days.max(), unit="D"),
        n_duplicate_rows=c.n_duplicate_rows,
        n_zero_amounts=c.n_zero_amounts,
    )


def _rows(index: pd.Index, mask: np.ndarray, values: pd.Series | None = None) -> str:
    """'rows 17, 52, 90' (or with values) for the first offending rows of a mask."""
    where = np.flatnonzero(mask)[:_SHOW]
    labels = index[where]
    if values is None:
        shown = ", ".join(str(x) for x in labels)
    else:
        shown = ", ".join(
            f"{lab}: {values.iloc[i]!r}" for lab, i in zip(labels, where, strict=True)
        )
    more = ", …" if mask.sum() > _SHOW else ""
    return f"row{'s' if mask.sum() > 1 else ''} {shown}{more}"


def _require_columns(df: pd.DataFrame, **cols: str | None) -> None:
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"transactions must be a pandas DataFrame, got {type(df).__name__}; "
            "load the log with pandas first (e.g. pd.read_csv)"
        )
    for role, col in cols.items():
        if col is not None and col not in df.columns:
            raise DataValidationError(
                f"column {col!r} not found (the {role.removesuffix('_col')} column); the data has "
                f"columns {list(df.columns)}; pass {role}=<name> naming the column that holds it"
            )
    if len(df) == 0:
        raise DataValidationError(
            "transactions is empty (0 rows); pass a log with at least one purchase"
        )


def _day_numbers(df: pd.DataFrame, date_col: str) -> np.ndarray:
    s = df[date_col]
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"column {date_col!r} holds numbers ({s.dtype}), not dates; parse it first, e.g. "
            f"df[{date_col!r}] = pd.to_datetime(df[{date_col!r}].astype(str), format='%Y%m%d')"
        )
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)  # local wall-clock dates decide the purchase day
    if not pd.api.types.is_datetime64_dtype(s):
        missing = s.isna().to_numpy()
        parsed = pd.to_datetime(s, errors="coerce")
        bad = parsed.isna().to_numpy() & ~missing
        if bad.any():
            raise DataValidationError(
                f"column {date_col!r} has {bad.sum()} value(s) that are not dates "
                f"({_rows(df.index, bad, s)}); fix them, or parse the column yourself with "
                f"pd.to_datetime(df[{date_col!r}], format=...) and pass the result"
            )
        s = parsed
    nat = s.isna().to_numpy()
    if nat.any():
        raise DataValidationError(
            f"column {date_col!r} has {nat.sum()} missing date(s) ({_rows(df.index, nat)}); "
            "fill them from the source or remove those rows before summarising"
        )
    return s.to_numpy().astype("datetime64[D]").astype(np.int64)


def _customer_codes(df: pd.DataFrame, customer_col: str) -> tuple[np.ndarray, pd.Index]:
    s = df[customer_col]
    missing = s.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {customer_col!r} has {missing.sum()} missing customer id(s) "
            f"({_rows(df.index, missing)}); every purchase needs a customer: fill the ids or "
            "remove those rows"
        )
    values = s.to_numpy()
    if pd.api.types.is_integer_dtype(s) and len(values):
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * len(values) + 1_000_000:
            # Dense integer ids: a lookup table beats hashing by a wide margin.
            offset = (values - lo).astype(np.int64)
            present = np.bincount(offset, minlength=hi - lo + 1) > 0
            remap = np.cumsum(present) - 1
            return remap[offset], pd.Index(np.flatnonzero(present) + lo, name=customer_col)
    codes, uniques = pd.factorize(s, sort=True)
    return codes.astype(np.int64), pd.Index(uniques, name=customer_col)


def _amounts(df: pd.DataFrame, amount_col: str) -> np.ndarray:
    s = df[amount_col]
    if pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"column {amount_col!r} holds booleans, not amounts; pass the column with the "
            "purchase value"
        )
    if not pd.api.types.is_numeric_dtype(s):
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna().to_numpy() & s.notna().to_numpy()
        if bad.any():
            raise DataValidationError(
                f"column {amount_col!r} has {bad.sum()} non-numeric value(s) "
                f"({_rows(df.index, bad, s)}); strip currency signs and thousands separators "
                f"and convert, e.g. pd.to_numeric(df[{amount_col!r}].str.replace('$', ''))"
            )
        s = num
    a = s.to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(a)
    if nan.any():
        raise DataValidationError(
            f"column {amount_col!r} has {nan.sum()} missing value(s) ({_rows(df.index, nan)}); "
            "fill them from the source or remove those rows before summarising"
        )
    inf = np.isinf(a)
    if inf.any():
        raise DataValidationError(
            f"column {amount_col!r} has {inf.sum()} infinite value(s) ({_rows(df.index, inf)}); "
            "these are usually a division by zero upstream: fix the computation of the amounts"
        )
    neg = a < 0
    if neg.any():
        raise DataValidationError(
            f"column {amount_col!r} has {neg.sum()} negative value(s) ({_rows(df.index, neg)}); "
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


def _count_duplicate_rows(df: pd.DataFrame, key: np.ndarray, ordered: np.ndarray) -> int:
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
    rows = np.flatnonzero(candidates)
    hashes = pd.util.hash_pandas_object(df.iloc[rows], index=False)
    suspects = rows[hashes.duplicated(keep=False).to_numpy()]
    return int(df.iloc[suspects].duplicated().sum())


def _check(df: pd.DataFrame, customer_col: str, date_col: str, amount_col: str | None) -> _Checked:
    _require_columns(df, customer_col=customer_col, date_col=date_col, amount_col=amount_col)
    days = _day_numbers(df, date_col)
    codes, customers = _customer_codes(df, customer_col)
    amounts = _amounts(df, amount_col) if amount_col is not None else None
    key, sorted_keys, span = _purchase_keys(codes, days)
    n_dup = _count_duplicate_rows(df, key, sorted_keys)
    if n_dup:
        warnings.warn(
            f"{n_dup} row(s) are exact duplicates of an earlier row; they are kept (two identical "
            "purchases on one day are common in real logs). If they are double-loaded records, "
            "drop them first with df.drop_duplicates()",
            DataQualityWarning,
            stacklevel=3,
        )
    n_zero = int((amounts == 0).sum()) if amounts is not None else None
    return _Checked(codes, customers, days, amounts, n_dup, n_zero, sorted_keys, span)


def _to_day(value, name: str) -> int:
    """A date parameter as a day number, with a ParameterError naming it."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"{name}={value!r} is not a date; pass e.g. '1997-09-30' or a pandas Timestamp"
        ) from err
    if ts is pd.NaT:
        raise ParameterError(f"{name} is missing (NaT); pass a date such as '1997-09-30'")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.to_datetime64(), "D").astype(np.int64))
