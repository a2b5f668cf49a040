"""Recency-frequency-monetary summaries of transaction logs.

:func:`summarize` turns a transaction log into the per-customer summary that the
customer-base-analysis models (BG/NBD, Pareto/NBD, Gamma-Gamma) and RFM segmentation take.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from helpers import validation as _validation
from helpers.data.scale import is_spark_dataframe, run_sql_summary
from helpers.data.transactions import (
    _amounts,
    _check,
    _customer_codes,
    _day_numbers,
    _to_day,
    _warn_duplicates,
)
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.validation import (
    DEFAULT_TIME_UNIT,
    check_choice,
    check_frame,
    check_int,
    check_time_unit,
    require_columns,
    rows,
)

__all__ = [
    "DEFAULT_SEGMENT_RULES",
    "ENGINES",
    "TIME_UNITS",
    "rfm_scores",
    "rfm_table",
    "summarize",
]

#: Length of one time unit in days. A month is a twelfth of a Julian year.
TIME_UNITS = _validation.TIME_UNITS  # the one table, kept importable here

#: Engines of :func:`summarize`: ``auto`` picks one from the kind of input.
ENGINES = ("auto", "pandas", "duckdb", "spark")


def summarize(
    transactions,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_end=None,
    calibration_end=None,
    time_unit: str = DEFAULT_TIME_UNIT,
    *,
    engine: str = "auto",
    compressed: bool = False,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    memory_limit: str = "4GB",
    threads: int | None = None,
    temp_dir=None,
) -> pd.DataFrame:
    """One row per customer with frequency, recency, T (and monetary value).

    The convention of the customer-base-analysis literature (Fader, Hardie & Lee 2005):

    * purchases on the same calendar day are merged into one purchase (amounts added);
    * ``frequency`` counts the *repeat* purchase days: the first purchase is not counted;
    * ``recency`` is the time from the first to the last purchase (0 without repeats);
    * ``T`` is the time from the first purchase to the end of the (calibration) period;
    * ``monetary_value`` is the mean amount of the repeat purchase days (0 without any), so
      the first purchase, often atypical, does not enter it.

    Period boundaries are whole days and inclusive: a purchase on ``calibration_end`` belongs
    to the calibration period.

    The log can be a pandas DataFrame (summarised in memory: polars sorts the rows once, on
    every core, numpy does the rest; see Notes), Parquet or CSV files
    (summarised out of core by DuckDB) or a Spark DataFrame (summarised by Spark, on a laptop or
    a cluster). Every engine follows the one convention above and gives the same table; the two
    SQL engines run the same query, :func:`helpers.data.scale.summary_sql`.

    Parameters
    ----------
    transactions : pandas.DataFrame, path, glob, list of paths, or Spark DataFrame
        One row per purchase. A DataFrame is validated as in
        :func:`helpers.data.validate_transactions` (ids as text, dates by the rules of
        :func:`helpers.validation.date_column`). Files: a path, a glob (``"logs/*.parquet"``),
        a folder (its Parquet, else CSV, files at any depth) or a list of them; ``.parquet`` /
        ``.pq`` files, or ``.csv`` / ``.csv.gz`` files with a header line (the delimiter and
        the encoding are detected, see ``sep`` and ``encoding``). Input files are only read,
        never changed.
    customer_col, date_col : str
        Columns with the customer id and the purchase date.
    amount_col : str, optional
        Column with the purchase amount; adds ``monetary_value`` (and its holdout twin).
    observation_end : date-like, optional
        Last day of the observation window; default the last purchase date. Purchases after it
        are left out, with a :class:`DataQualityWarning` that counts them.
    calibration_end : date-like, optional
        Last day of the calibration period. When given, ``frequency``, ``recency``, ``T`` and
        ``monetary_value`` describe the calibration period, and ``frequency_holdout``
        (repeat purchase days in the holdout), ``monetary_value_holdout`` (their mean amount,
        with an amount column) and ``duration_holdout`` (length of the holdout) describe the
        days after it up to ``observation_end``. Customers whose first purchase falls in the
        holdout are not part of the calibration cohort; they are left out, with a warning.
    time_unit : {"D", "W", "M"}
        Unit of ``recency``, ``T`` and ``duration_holdout``: days (the default), weeks
        (days / 7) or months (days / 30.4375). The chapters on the CLV papers pass ``"W"``.
    engine : {"auto", "pandas", "duckdb", "spark"}
        ``"auto"``: pandas for a pandas DataFrame, DuckDB for files, Spark for a Spark
        DataFrame. ``"pandas"`` is the in-memory engine (polars and numpy, see Notes).
        ``"duckdb"`` also takes a pandas DataFrame; ``"spark"`` also takes files, read by the
        active SparkSession.
    compressed : bool
        Return the distinct rows of the summary with their number of customers (column
        ``count``) instead of one row per customer: the table ``BGNBD().fit(s,
        weight_col="count")`` and ``GammaGamma().fit(s, weight_col="count")`` take, equal to
        ``summarize(...).value_counts()``. The rows are pooled on *all* summary columns, so the
        pooled table serves every model and a CLV score per row. Without amounts and holdout
        that is (frequency, recency, T): a few thousand rows for millions of customers. With
        ``amount_col`` the mean spend is nearly unique per repeat customer, so the pooling
        mostly merges the customers without repeat purchases (their spend is 0); pooling only
        (frequency, monetary_value) for the Gamma-Gamma model would lose the link to recency
        and T that a per-row CLV needs, so it is not done here.
    date_format : str, optional
        strftime pattern (``"%d/%m/%Y"``) of dates stored as text; default: ISO 8601
        (``2024-01-31``, optionally with a time) on every engine, and on the pandas engine also
        the other layouts :func:`helpers.validation.date_column` reads. Only ``%Y %y %m %d %H
        %M %S %b`` are used with Spark, which has its own pattern language. On the pandas
        engine ``"%Y%m%d"`` and ``"excel"`` also read numbers (20240105, Excel serial days).
        Ignored for date and timestamp columns.
    dayfirst : bool, optional
        Pandas engine: for text dates such as ``05/01/2024`` when no day above 12 shows the
        order (True: day/month/year). The SQL engines take ``date_format`` instead.
    encoding : str, optional
        CSV files: their text encoding. By default it is detected from the start of each file.
        UTF-8 (with or without a byte-order mark) is read as it is. DuckDB reads UTF-8 only,
        so a file in another encoding (GB18030/GBK as saved by Excel on Chinese Windows,
        UTF-16) is first transcoded to a UTF-8 copy in DuckDB's own temporary folder (under
        ``temp_dir``, removed afterwards; it costs one pass and the disk space of the file):
        the result is right without a step by the user. The Spark engine refuses such files
        with the fix (its CSV reader has no GB18030). Pass ``encoding`` when the start of a
        file is plain ASCII and the rest is not; DuckDB's error then names it.
    sep : str, optional
        CSV files: the delimiter; by default sniffed from each file's header line among
        ``, ; tab |`` (as :func:`helpers.data.read_table` does).
    memory_limit : str
        DuckDB's memory limit (``"4GB"``); beyond it DuckDB spills to ``temp_dir``.
    threads : int, optional
        DuckDB's threads (default: every core).
    temp_dir : path, optional
        Folder under which DuckDB spills (a fresh sub-folder, removed afterwards); default the
        system's temporary folder, never the folder of the input files.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted), named like ``customer_col``. With ``compressed``: a
        plain index, the summary columns and ``count``, sorted by the summary columns.

    Raises
    ------
    DataValidationError
        For an invalid log (see :func:`helpers.data.validate_transactions`) or a window that
        contains no first purchase.
    ParameterError
        For an unknown ``time_unit`` or ``engine``, a date that cannot be read,
        ``calibration_end`` not before ``observation_end``, files that do not exist or have
        another suffix, or an engine that is not installed (``pip install -e .[spark]``).

    Notes
    -----
    **Files and Spark.** The SQL engines make two passes over the data: one aggregate that
    counts every problem (missing ids or dates, dates or amounts that do not parse, missing,
    infinite or negative amounts; the error shows a few offending rows by customer and date, as
    files have no row labels) and finds the first and last day, then the summary. They warn
    like the pandas path about transactions after ``observation_end`` and about customers first
    seen in the holdout. They do not look for exact duplicate rows, which would need a hash of
    every full row: such rows are kept and summed, exactly as the pandas path keeps them after
    its warning; run ``SELECT *, COUNT(*) FROM ... GROUP BY ALL HAVING COUNT(*) > 1`` to find
    them. Nothing is dropped silently.

    **Dates.** Timestamps are cut to their calendar date. A timestamp with a time zone is cut in
    the engine's session time zone (DuckDB's ``TimeZone``, Spark's
    ``spark.sql.session.timeZone``), whereas pandas uses the wall-clock date the value carries;
    store local dates or naive timestamps to get the same purchase days everywhere. Text with
    an offset (``2024-01-05T02:00:00+08:00``) keeps its written day with pandas and DuckDB;
    Spark converts it to its session time zone first (the UTC day is Jan 4). CSV files
    are read with every column as text: customer ids stay text (``"0001"`` keeps its zeros)
    and follow the rules of the pandas path (spaces around an id and a ``.0`` are dropped, with
    a warning when two spellings become one id; an empty id is missing), amounts are cast to
    numbers, dates parsed as described under ``date_format``. Problems reading a file (an
    encoding that is not UTF-8 throughout, a line with more fields than the header) are
    :class:`~helpers.exceptions.DataValidationError` naming the option or fix.

    **Speed on a DataFrame.** The pandas engine validates the log with numpy, then polars sorts
    the rows by (customer, day) in one multi-threaded sort of a packed 64-bit key. On the sorted
    rows the purchase days, their spend and the candidate duplicate rows are neighbours, so the
    rest is sequential numpy, and the duplicate check runs on a second thread. On 10 million rows
    (1 million customers) this is no slower than the same summary written in polars
    (``bench/bench_summarize.py``). Without polars installed the numpy path of
    :func:`helpers.data.validate_transactions` runs; both give the same table.

    **Memory.** DuckDB runs with ``memory_limit`` and ``threads`` and spills the rest to a fresh
    folder under ``temp_dir``; Spark runs with its session's settings. The output is a pandas
    table, one row per customer (or per distinct row with ``compressed``), so for very large
    bases ask for ``compressed=True``.

    Examples
    --------
    >>> from helpers.data import load_cdnow
    >>> s = summarize(load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30",
    ...               time_unit="W")
    >>> len(s), int((s["frequency"] > 0).sum())
    (2357, 946)

    The pooled table a BG/NBD fit takes (calibration period only), and the same summary
    computed by DuckDB:

    >>> pooled = summarize(load_cdnow("sample"), observation_end="1997-09-30", compressed=True,
    ...                    time_unit="W")
    >>> len(pooled), int(pooled["count"].sum())
    (1016, 2357)
    >>> d = summarize(load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30",
    ...               engine="duckdb", time_unit="W")
    >>> bool((d["frequency"] == s["frequency"]).all() and (d["T"] == s["T"]).all())
    True

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves
    for customer base analysis. *Journal of Marketing Research* 42(4), 415-430.
    """
    check_time_unit(time_unit)
    unit = TIME_UNITS[time_unit]
    kind = _source_kind(transactions)
    engine = _resolve_engine(engine, kind)
    check_choice("compressed", compressed, [True, False], fix="pass True or False")
    if engine != "pandas":
        if dayfirst is not None:
            raise ParameterError(
                f"dayfirst= is read by the pandas engine; the {engine} engine reads text dates "
                "with date_format=: pass date_format='%d/%m/%Y' (day first) or "
                "date_format='%m/%d/%Y' (month first) instead"
            )
        return _summarize_sql(
            transactions,
            kind,
            engine,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            observation_end=observation_end,
            calibration_end=calibration_end,
            unit=unit,
            compressed=compressed,
            date_format=date_format,
            encoding=encoding,
            sep=sep,
            memory_limit=memory_limit,
            threads=threads,
            temp_dir=temp_dir,
        )
    if encoding is not None or sep is not None:
        raise ParameterError(
            "encoding= and sep= describe how CSV files are read by summarize; a DataFrame is "
            "already read: leave them out (helpers.read_table reads a file into a DataFrame)"
        )
    pl = _polars()
    if pl is not None:
        out = _summarize_sorted(
            transactions,
            customer_col,
            date_col,
            amount_col,
            observation_end,
            calibration_end,
            unit,
            date_format=date_format,
            dayfirst=dayfirst,
            pl=pl,
        )
    else:
        chk = _check(
            transactions,
            customer_col,
            date_col,
            amount_col,
            date_format=date_format,
            dayfirst=dayfirst,
        )
        out = _summarize_pandas(chk, observation_end, calibration_end, unit)
    return _pool(out) if compressed else out


def _source_kind(transactions) -> str:
    """'pandas', 'spark' or 'files' (anything else is refused by the pandas validation)."""
    if isinstance(transactions, pd.DataFrame):
        return "pandas"
    if is_spark_dataframe(transactions):
        return "spark"
    if isinstance(transactions, str | os.PathLike) or (
        isinstance(transactions, list | tuple)
        and transactions
        and all(isinstance(t, str | os.PathLike) for t in transactions)
    ):
        return "files"
    return "other"


def _resolve_engine(engine: str, kind: str) -> str:
    check_choice("engine", engine, ENGINES)
    if engine == "auto":
        return {"spark": "spark", "files": "duckdb"}.get(kind, "pandas")
    allowed = {
        "pandas": ("pandas", "other"),
        "duckdb": ("pandas", "files"),
        "spark": ("spark", "files"),
    }[engine]
    if kind not in allowed:
        what = {"pandas": "a pandas DataFrame", "spark": "a Spark DataFrame", "files": "files"}
        fix = {
            "pandas": "read the files into pandas first, or use engine='duckdb'",
            "duckdb": "convert it with toPandas() first, or use engine='spark'",
            "spark": "create it with spark.createDataFrame(df), or use engine='duckdb'",
        }[engine]
        raise ParameterError(
            f"engine={engine!r} does not take {what[kind]}; {fix} (engine='auto' picks the "
            "engine that fits the input)"
        )
    return engine


def _warn_late(n_late: int, obs_day: int) -> None:
    if n_late:
        warnings.warn(
            f"{n_late} transaction(s) are after observation_end "
            f"({pd.Timestamp(obs_day, unit='D').date()}) and are left out of the summary; "
            "move observation_end later to include them",
            DataQualityWarning,
            stacklevel=4,
        )


def _warn_new(n_new: int) -> None:
    if n_new:
        warnings.warn(
            f"{n_new} customer(s) made their first purchase after calibration_end and are "
            "not in the calibration cohort; they are left out of the summary",
            DataQualityWarning,
            stacklevel=4,
        )


def _check_window(obs_day: int, cal_day: int, calibration_end) -> None:
    if calibration_end is not None and cal_day >= obs_day:
        raise ParameterError(
            f"calibration_end ({pd.Timestamp(cal_day, unit='D').date()}) must be before "
            f"observation_end ({pd.Timestamp(obs_day, unit='D').date()}); move it earlier or "
            "leave it out for a summary without a holdout period"
        )


def _no_cohort(cal_day: int) -> DataValidationError:
    return DataValidationError(
        f"no customer made a purchase on or before "
        f"{pd.Timestamp(cal_day, unit='D').date()}; move calibration_end (or "
        "observation_end) after the first purchase date"
    )


def _pool(summary: pd.DataFrame) -> pd.DataFrame:
    """Distinct rows of a summary with their number of customers, sorted by the columns."""
    cols = list(summary.columns)
    pooled = summary.groupby(cols, sort=True).size().rename("count").reset_index()
    return pooled.astype({"count": np.int64})


def _summarize_sql(
    transactions,
    kind: str,
    engine: str,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    observation_end,
    calibration_end,
    unit: float,
    compressed: bool,
    date_format: str | None,
    encoding: str | None,
    sep: str | None,
    memory_limit: str,
    threads: int | None,
    temp_dir,
) -> pd.DataFrame:
    """The DuckDB and Spark paths of :func:`summarize` (see :mod:`helpers.data.scale`)."""
    obs = None if observation_end is None else _to_day(observation_end, "observation_end")
    cal = None if calibration_end is None else _to_day(calibration_end, "calibration_end")
    if obs is not None and cal is not None:
        _check_window(obs, cal, calibration_end)
    res = run_sql_summary(
        transactions,
        engine=engine,
        kind=kind,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        observation_day=obs,
        calibration_day=cal,
        unit_days=unit,
        compressed=compressed,
        date_format=date_format,
        encoding=encoding,
        sep=sep,
        memory_limit=memory_limit,
        threads=threads,
        temp_dir=temp_dir,
        check_window=lambda o, c: _check_window(o, c, calibration_end),
    )
    _warn_late(res.n_late, res.observation_day)
    if res.merged_ids is not None and len(res.merged_ids):
        shown = ", ".join(repr(c) for c in res.merged_ids["cid"].head(5))
        warnings.warn(
            f"column {customer_col!r} of transactions: {len(res.merged_ids)} id(s) were written "
            f"in more than one way and are counted as one customer each ({shown}); spaces "
            "around an id and number forms such as 2.0 are not part of the id. If these are "
            "different customers, give them distinct ids",
            DataQualityWarning,
            stacklevel=3,
        )
    table = res.table
    new = (table["frequency"] < 0).to_numpy()
    n_new = int(table.loc[new, "n_customers"].sum()) if compressed else int(new.sum())
    table = table.loc[~new]
    if len(table) == 0:
        raise _no_cohort(res.calibration_day)
    if calibration_end is not None:
        _warn_new(n_new)
    ints = [c for c in ("frequency", "frequency_holdout", "n_customers") if c in table.columns]
    table = table.astype({c: np.int64 for c in ints})
    floats = [c for c in table.columns if c not in ints and c != "cid"]
    table = table.astype({c: np.float64 for c in floats})
    if compressed:
        table = table.rename(columns={"n_customers": "count"})
        keys = [c for c in table.columns if c != "count"]
        return table.sort_values(keys, kind="stable").reset_index(drop=True)
    out = table.set_index("cid").sort_index()
    out.index.name = customer_col
    return out


def _summarize_pandas(chk, observation_end, calibration_end, unit) -> pd.DataFrame:
    """The in-memory path of :func:`summarize`: numpy over the validated log."""
    codes, days, amounts = chk.codes, chk.days, chk.amounts
    n_customers = len(chk.customers)

    obs_day = (
        int(days.max()) if observation_end is None else _to_day(observation_end, "observation_end")
    )
    cal_day = obs_day if calibration_end is None else _to_day(calibration_end, "calibration_end")
    _check_window(obs_day, cal_day, calibration_end)

    late = days > obs_day
    _warn_late(int(late.sum()), obs_day)

    # Distinct (customer, day) pairs, sorted by customer then day: the purchase days.
    d0, span, pairs = int(days.min()), chk.span, chk.sorted_keys
    distinct = np.empty(len(pairs), dtype=bool)
    distinct[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=distinct[1:])
    pairs = pairs[distinct].astype(np.int64)
    pair_code, pair_day = np.divmod(pairs, span)
    pair_day += d0

    in_cal = pair_day <= cal_day
    cal_code, cal_day_of = pair_code[in_cal], pair_day[in_cal]
    n_days = np.bincount(cal_code, minlength=n_customers)
    active = n_days > 0
    if not active.any():
        raise _no_cohort(cal_day)
    # Pairs are sorted by day within a customer: first and last purchase days sit at the ends.
    ends = np.cumsum(n_days)
    starts = ends - n_days
    # Customers without a purchase in the period get a day no purchase can have.
    first = np.full(n_customers, np.iinfo(np.int64).min, dtype=np.int64)
    last = first.copy()
    first[active] = cal_day_of[starts[active]]
    last[active] = cal_day_of[ends[active] - 1]

    frequency = n_days - 1
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first) / unit,
            "T": (cal_day - first) / unit,
        },
        index=chk.customers,
    )
    if amounts is not None:
        # Spend on repeat days = spend in the period minus spend on the first day.
        row_first = first[codes]
        in_period = days <= cal_day
        total = np.bincount(codes[in_period], weights=amounts[in_period], minlength=n_customers)
        on_first = days == row_first
        first_spend = np.bincount(codes[on_first], weights=amounts[on_first], minlength=n_customers)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(
                frequency > 0, (total - first_spend) / np.maximum(frequency, 1), 0.0
            )

    if calibration_end is not None:
        in_hold = ~in_cal & (pair_day <= obs_day)
        hold_days = np.bincount(pair_code[in_hold], minlength=n_customers)
        out["frequency_holdout"] = hold_days
        if amounts is not None:
            hold_rows = (days > cal_day) & ~late
            hold_total = np.bincount(
                codes[hold_rows], weights=amounts[hold_rows], minlength=n_customers
            )
            out["monetary_value_holdout"] = np.where(
                hold_days > 0, hold_total / np.maximum(hold_days, 1), 0.0
            )
        out["duration_holdout"] = (obs_day - cal_day) / unit
        _warn_new(int((~active & (hold_days > 0)).sum()))
    return out[active]


#: Bits of the packed sort key of the polars path (tests lower it to reach the other branch).
_PACK_BITS = 64


def _polars():
    """The polars module, or None when it is not installed (the numpy path is used then)."""
    try:
        import polars
    except ImportError:  # polars is a dependency; this keeps a broken install working
        return None
    return polars


def _dense_codes(df: pd.DataFrame, customer_col: str) -> tuple[np.ndarray, int | None, pd.Index]:
    """Customer codes per row: ``(codes, base, customers)``.

    Dense whole-number ids are their own codes (``id - base``, ``customers`` empty): no table
    lookup per row. Other ids are numbered in sorted order by ``_customer_codes`` (``base`` None).
    """
    s = df[customer_col]
    if pd.api.types.is_integer_dtype(s) and not s.hasnans and len(s):
        values = s.to_numpy()
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * len(values) + 1_000_000:  # the rule of _customer_codes
            return (values - lo).astype(np.int64), lo, pd.Index([], name=customer_col)
    codes, customers = _customer_codes(df, customer_col)
    return codes, None, customers


def _summarize_sorted(
    df: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    observation_end,
    calibration_end,
    unit: float,
    *,
    date_format: str | None,
    dayfirst: bool | None,
    pl,
) -> pd.DataFrame:
    """The in-memory path of :func:`summarize` with polars installed.

    The same checks as :func:`helpers.data.validate_transactions`, in the same order, then one
    sort of the rows by (customer, day) done by polars on every core. After that sort the
    work is sequential numpy over the sorted rows: the purchase days, their spend and the
    candidate duplicate rows sit next to each other. The numpy path instead looks up
    per-customer tables in row order, at random places, and those lookups cost most of its
    time on large logs. Written by hand over polars' sort because a polars ``group_by`` of
    the same summary is slower (``bench/bench_summarize.py``) and would not keep the checks
    and warnings of the numpy path.
    """
    check_frame(df, "transactions", allow_empty=True)
    require_columns(
        df,
        {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col},
        "transactions",
    )
    check_frame(df, "transactions")
    days = _day_numbers(df, date_col, date_format, dayfirst)
    codes, base, customers = _dense_codes(df, customer_col)
    amounts = _amounts(df, amount_col) if amount_col is not None else None

    d0 = int(days.min())
    n = len(days)
    day_bits = (int(days.max()) - d0).bit_length()
    row_bits = max((n - 1).bit_length(), 1)
    # Sort key (customer code, day, row) packed into one integer when it fits in 64 bits:
    # polars sorts a single integer column fastest, and the row number comes back with it.
    key = codes.astype(np.uint64)
    key <<= np.uint64(day_bits)
    key |= (days - d0).view(np.uint64)
    if int(codes.max()).bit_length() + day_bits + row_bits <= _PACK_BITS:
        key <<= np.uint64(row_bits)
        key |= np.arange(n, dtype=np.uint64)
        packed = pl.Series(key).sort().to_numpy()
        del key
        srow = (packed & np.uint64((1 << row_bits) - 1)).view(np.int64)
        skey = packed >> np.uint64(row_bits)
        del packed
    else:  # a log too large to pack: sort by two columns
        ordered = pl.DataFrame({"key": key, "row": np.arange(n)}).sort("key", "row")
        del key
        skey = ordered["key"].to_numpy()
        srow = ordered["row"].to_numpy()

    # Duplicate rows share customer and day: only rows in a run of equal keys are compared.
    # numpy and pandas release the GIL, so that check runs on a second core meanwhile.
    same = skey[1:] == skey[:-1]
    with ThreadPoolExecutor(max_workers=1) as pool:
        dup_count = pool.submit(_count_duplicates, df, srow, same, pl)
        # The purchase days: runs of equal keys, sorted by customer then day.
        starts = np.flatnonzero(np.concatenate(([True], ~same)))
        pair_code = skey[starts]
        del skey
        pair_day = (pair_code & np.uint64((1 << day_bits) - 1)).view(np.int64) + d0
        pair_code >>= np.uint64(day_bits)
        pair_code = pair_code.view(np.int64)
        n_dup = dup_count.result()
    if n_dup:
        _warn_duplicates(n_dup, stacklevel=4)
    obs_day = (
        int(days.max()) if observation_end is None else _to_day(observation_end, "observation_end")
    )
    cal_day = obs_day if calibration_end is None else _to_day(calibration_end, "calibration_end")
    _check_window(obs_day, cal_day, calibration_end)
    _warn_late(int((days > obs_day).sum()), obs_day)

    in_cal = pair_day <= cal_day
    if not in_cal.any():
        raise _no_cohort(cal_day)
    everything = bool(in_cal.all())  # no holdout and no late days: no copies needed
    cal_code = pair_code if everything else pair_code[in_cal]
    cal_days = pair_day if everything else pair_day[in_cal]
    first_of = np.flatnonzero(np.concatenate(([True], cal_code[1:] != cal_code[:-1])))
    n_days = np.diff(np.append(first_of, len(cal_code)))
    first = cal_days[first_of]
    last = cal_days[first_of + n_days - 1]
    out_code = cal_code[first_of]
    if base is None:
        index = customers.take(out_code)
    else:
        index = pd.Index(out_code + base, name=customer_col)

    frequency = n_days - 1
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first) / unit,
            "T": (cal_day - first) / unit,
        },
        index=index,
    )
    size = int(pair_code[-1]) + 1
    if amounts is not None:
        # Spend of the repeat days = spend in the period minus spend on the first day, summed in
        # row order exactly as the numpy path does: both paths then give bit-identical floats,
        # so a pooled table (compressed=True) has the same rows whichever path ran.
        first_by_code = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
        first_by_code[out_code] = first
        in_period = days <= cal_day
        total = np.bincount(codes[in_period], weights=amounts[in_period], minlength=size)
        on_first = days == first_by_code[codes]
        first_spend = np.bincount(codes[on_first], weights=amounts[on_first], minlength=size)
        spent = (total - first_spend)[out_code]
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(frequency > 0, spent / np.maximum(frequency, 1), 0.0)

    if calibration_end is not None:
        in_hold = ~in_cal & (pair_day <= obs_day)
        hold_code = pair_code[in_hold]
        hold_days = np.bincount(hold_code, minlength=size)
        out["frequency_holdout"] = hold_days[out_code]
        if amounts is not None:
            hold_rows = (days > cal_day) & (days <= obs_day)
            hold_total = np.bincount(codes[hold_rows], weights=amounts[hold_rows], minlength=size)
            out["monetary_value_holdout"] = np.where(
                hold_days > 0, hold_total / np.maximum(hold_days, 1), 0.0
            )[out_code]
        out["duration_holdout"] = (obs_day - cal_day) / unit
        cohort = np.zeros(size, dtype=bool)
        cohort[out_code] = True
        _warn_new(int(((hold_days > 0) & ~cohort).sum()))
    return out


def _count_duplicates(df: pd.DataFrame, sorted_rows: np.ndarray, same: np.ndarray, pl) -> int:
    """Exact duplicate rows among the rows that share their (customer, day) key with another.

    ``sorted_rows`` are row positions sorted by key, ``same[i]`` tells whether sorted rows i
    and i + 1 have the same key. Candidates are hashed; rows whose hash repeats are compared.
    polars sorts the hashes (on every core).
    """
    if not same.any():
        return 0
    candidate = np.zeros(len(sorted_rows), dtype=bool)
    candidate[1:] = same
    candidate[:-1] |= same
    idx = sorted_rows[candidate]
    hashes = pd.util.hash_pandas_object(df.iloc[idx], index=False).to_numpy()
    ordered = pl.Series(hashes).sort().to_numpy()
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(repeated):
        return 0
    at = np.minimum(np.searchsorted(repeated, hashes), len(repeated) - 1)
    suspects = np.sort(idx[repeated[at] == hashes])
    return int(df.iloc[suspects].duplicated().sum())


def rfm_table(
    transactions: pd.DataFrame,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    observation_end=None,
    time_unit: str = DEFAULT_TIME_UNIT,
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Classic RFM inputs per customer, as marketers define them.

    Unlike :func:`summarize` (the convention of the probability models), RFM counts every
    purchase occasion and the whole spend:

    * ``recency``: time from the last purchase to ``observation_end`` (small = recent);
    * ``frequency``: number of purchase days, the first one included;
    * ``monetary``: total spend in the window.

    Parameters are as in :func:`summarize` (pandas engine); the log is validated the same way,
    once. Days are calendar days of the dates as written: a timestamp with a time zone (in the
    data or in ``observation_end``) counts on its local wall-clock day.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id, with ``recency``, ``frequency``, ``monetary``.

    Examples
    --------
    >>> from helpers.data import load_cdnow
    >>> rfm = rfm_table(load_cdnow("sample"))
    >>> int(rfm["frequency"].sum()), round(float(rfm["monetary"].sum()), 2)
    (6696, 244091.94)
    """
    check_time_unit(time_unit)
    chk = _check(
        transactions, customer_col, date_col, amount_col, date_format=date_format, dayfirst=dayfirst
    )
    s = _summarize_pandas(chk, observation_end, None, TIME_UNITS[time_unit])
    # The whole spend up to observation_end, from the same validated arrays as the summary.
    obs_day = (
        int(chk.days.max())
        if observation_end is None
        else _to_day(observation_end, "observation_end")
    )
    inside = chk.days <= obs_day
    total = np.bincount(
        chk.codes[inside], weights=chk.amounts[inside], minlength=len(chk.customers)
    )
    total = pd.Series(total, index=chk.customers)
    return pd.DataFrame(
        {
            # T runs from the first purchase to the end, recency from the first to the last.
            "recency": s["T"] - s["recency"],
            "frequency": s["frequency"] + 1,
            "monetary": total.reindex(s.index).to_numpy(),
        },
        index=s.index,
    )


#: Default segment rules for 5 score bins, checked in order (first match wins); every (R, F)
#: pair of scores 1..5 matches exactly one row. Replace with your own table of the same columns.
DEFAULT_SEGMENT_RULES = pd.DataFrame(
    [
        ("champions", 4, 5, 4, 5, "bought recently and often: reward, ask for referrals"),
        ("loyal", 3, 5, 3, 5, "buy regularly: offer membership, up-sell"),
        ("new", 4, 5, 1, 1, "first purchase was recent: onboard, make the second purchase easy"),
        ("promising", 4, 5, 2, 2, "recent, a few purchases: build the habit"),
        ("needs attention", 3, 3, 1, 2, "cooling down: a timely, relevant offer"),
        ("at risk", 1, 2, 3, 5, "used to buy often, not lately: win back before they are gone"),
        ("hibernating", 1, 2, 1, 2, "few purchases, long ago: low-cost reactivation or let go"),
    ],
    columns=["segment", "r_min", "r_max", "f_min", "f_max", "action"],
)


def _scores(values: pd.Series, bins: int, higher_is_better: bool) -> np.ndarray:
    """Quantile scores 1..bins: score = 1 + floor(bins * (rank - 1) / n), where rank is the
    value's rank from worst to best and tied values share their lowest rank — so equal values
    always get the same score and the result does not depend on row order."""
    key = values if higher_is_better else -values
    rank = key.rank(method="min").to_numpy()
    return (1 + np.floor(bins * (rank - 1) / len(values))).astype(int)


def rfm_scores(
    rfm: pd.DataFrame,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
    recency_col: str = "recency",
    frequency_col: str = "frequency",
    monetary_col: str = "monetary",
) -> pd.DataFrame:
    """Recency, frequency and monetary scores 1..``bins``, an RFM code and a named segment.

    Parameters
    ----------
    rfm : pandas.DataFrame
        One row per customer, e.g. from :func:`rfm_table`. Recency is the time *since* the last
        purchase: the most recent customers get the highest R score.
    bins : int
        Number of score levels (5 is the usual choice; the default rules need it).
    rules : pandas.DataFrame, optional
        Segment rules with columns ``segment, r_min, r_max, f_min, f_max`` (optionally
        ``m_min, m_max`` and ``action``), checked in order, first match wins. Defaults to
        :data:`DEFAULT_SEGMENT_RULES`.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``r_score``, ``f_score``, ``m_score`` (1 = worst, ``bins`` =
        best), ``rfm_score`` (e.g. ``"545"``) and ``segment``.

    Raises
    ------
    DataValidationError
        For a missing column, missing or negative values, or a rule table without its columns.
    ParameterError
        For ``bins`` out of 2..10, or the default rules with ``bins`` other than 5.

    Warns
    -----
    DataQualityWarning
        When some customers match no rule; they get the segment ``"unclassified"``.
    """
    check_int("bins", bins, 2, 10, fix="pass a whole number from 2 to 10 (usually 5)")
    cols = {
        "recency_col": recency_col,
        "frequency_col": frequency_col,
        "monetary_col": monetary_col,
    }
    for role, col in cols.items():
        require_columns(
            rfm,
            {role: col},
            "rfm",
            fix=f"pass {role}=<name>, or build the table with helpers.customer_base.rfm_table",
        )
        values = pd.to_numeric(rfm[col], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            raise DataValidationError(
                f"column {col!r} has {int(bad.sum())} missing or negative value(s) "
                f"({rows(rfm.index, bad)}); "
                "RFM scores need a non-negative number for every customer"
            )
    if len(rfm) == 0:
        raise DataValidationError("rfm is empty; pass at least one customer")
    if rules is None:
        if bins != 5:
            raise ParameterError(
                f"the default segment rules are written for bins=5, not bins={bins}; pass "
                "rules=<your table> (columns segment, r_min, r_max, f_min, f_max)"
            )
        rules = DEFAULT_SEGMENT_RULES
    need = {"segment", "r_min", "r_max", "f_min", "f_max"}
    if not need <= set(rules.columns):
        raise DataValidationError(
            f"rules lack column(s) {sorted(need - set(rules.columns))}; a rule table needs "
            "segment, r_min, r_max, f_min, f_max (and optionally m_min, m_max)"
        )
    out = rfm.copy()
    out["r_score"] = _scores(pd.to_numeric(rfm[recency_col]), bins, higher_is_better=False)
    out["f_score"] = _scores(pd.to_numeric(rfm[frequency_col]), bins, higher_is_better=True)
    out["m_score"] = _scores(pd.to_numeric(rfm[monetary_col]), bins, higher_is_better=True)
    out["rfm_score"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    segment = np.full(len(out), None, dtype=object)
    r, f, m = (out[c].to_numpy() for c in ("r_score", "f_score", "m_score"))
    for rule in rules.itertuples(index=False):
        rd = rule._asdict()
        hit = (
            (segment == None)  # noqa: E711 - elementwise test on an object array
            & (r >= rd["r_min"])
            & (r <= rd["r_max"])
            & (f >= rd["f_min"])
            & (f <= rd["f_max"])
            & (m >= rd.get("m_min", 1))
            & (m <= rd.get("m_max", bins))
        )
        segment[hit] = rd["segment"]
    missing = segment == None  # noqa: E711
    if missing.any():
        warnings.warn(
            f"{int(missing.sum())} customer(s) match no segment rule and are labelled "
            "'unclassified'; extend the rule table to cover every score combination",
            DataQualityWarning,
            stacklevel=2,
        )
        segment[missing] = "unclassified"
    out["segment"] = segment
    return out
