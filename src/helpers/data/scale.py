"""The SQL engines of :func:`helpers.summarize`: DuckDB for files, Spark for clusters.

Transaction logs of tens of millions to billions of rows do not fit in a pandas DataFrame, but
their summary does: one row per customer, or far fewer once identical rows are pooled. This
module runs the summary out of core on an embedded engine (DuckDB, the default for Parquet and
CSV files) or on Spark (the engine for clusters), with no engine of our own.

The convention of :func:`helpers.summarize` is written once, as one SQL query built by
:func:`summary_sql`. The query text is the same for both engines except for the expression that
turns the date column into a day number (days since 1970-01-01) and the quoting of column
names, so the two SQL engines cannot drift apart; the tests check both against the pandas
implementation, edge cases included.

:func:`helpers.summarize` is the one public entry point; call it with a file path, a glob or
a Spark DataFrame instead of a pandas DataFrame. :func:`summary_sql` is public so that the query
can be read (and run by hand on another SQL engine).
"""

from __future__ import annotations

import codecs
import glob as _glob
import gzip
import importlib.util
import os
import shutil
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data.reading import _detect_encoding, _sniff
from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import SHOW, check_choice, require_columns

__all__ = ["DIALECTS", "FILE_FORMATS", "day_number_sql", "spark_missing", "summary_sql"]

#: SQL dialects :func:`summary_sql` writes.
DIALECTS = ("duckdb", "spark")

#: File name endings read as each format.
FILE_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".csv.gz": "csv"}

#: strftime directives that date_format may use, with Spark's (Java) pattern for each.
_JAVA_PATTERN = {
    "%Y": "yyyy",
    "%y": "yy",
    "%m": "MM",
    "%d": "dd",
    "%H": "HH",
    "%M": "mm",
    "%S": "ss",
    "%b": "MMM",
    "%%": "%",
}

# ---------------------------------------------------------------------------------------------
# The query: one template, two dialects
# ---------------------------------------------------------------------------------------------


def _quote(name: str, dialect: str) -> str:
    if dialect == "duckdb":
        return '"' + name.replace('"', '""') + '"'
    return "`" + name.replace("`", "``") + "`"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _java_pattern(date_format: str) -> str:
    """A strftime pattern as a Spark datetime pattern, for the directives both understand."""
    out, i = [], 0
    while i < len(date_format):
        ch = date_format[i]
        if ch == "%":
            code = date_format[i : i + 2]
            if code not in _JAVA_PATTERN:
                raise ParameterError(
                    f"date_format={date_format!r} uses {code!r}, which the Spark engine cannot "
                    f"translate; use only {sorted(_JAVA_PATTERN)} and literal characters"
                )
            out.append(_JAVA_PATTERN[code])
            i += 2
        else:
            # Letters are pattern characters in Java: quote them to keep them literal.
            out.append(f"'{ch}'" if ch.isalpha() else ch)
            i += 1
    return "".join(out)


def day_number_sql(dialect: str, date_sql: str, kind: str, date_format: str | None = None) -> str:
    """SQL for the day number (days since 1970-01-01) of a date column: the one piece of the
    query that differs between the dialects.

    ``kind`` is ``"time"`` for date and timestamp columns, ``"text"`` for text, which is parsed:
    with ``date_format`` (strftime directives, e.g. ``"%d/%m/%Y"``) or else as ISO 8601
    (``2024-01-31``, optionally with a time). Text that does not parse gives NULL.

    Examples
    --------
    >>> print(day_number_sql("duckdb", '"date"', "time"))
    (CAST("date" AS DATE) - DATE '1970-01-01')
    >>> print(day_number_sql("spark", "`d`", "text", "%d/%m/%Y"))
    datediff(CAST(try_to_timestamp(`d`, 'dd/MM/yyyy') AS DATE), DATE '1970-01-01')
    """
    if kind == "text" and date_format:
        if dialect == "duckdb":
            ts = f"TRY_STRPTIME({date_sql}, {_literal(date_format)})"
        else:
            ts = f"try_to_timestamp({date_sql}, {_literal(_java_pattern(date_format))})"
    elif kind == "text":
        ts = f"TRY_CAST({date_sql} AS TIMESTAMP)"  # ISO 8601, the same on both engines
    else:
        ts = date_sql
    if dialect == "duckdb":
        return f"(CAST({ts} AS DATE) - DATE '1970-01-01')"
    return f"datediff(CAST({ts} AS DATE), DATE '1970-01-01')"


def _amount_sql(amount_sql: str, kind: str) -> str:
    """Amounts as DOUBLE; text that is not a number gives NULL (reported by the checks)."""
    return (
        f"TRY_CAST({amount_sql} AS DOUBLE)" if kind == "text" else f"CAST({amount_sql} AS DOUBLE)"
    )


def id_sql(dialect: str, column_sql: str) -> str:
    """SQL for a text id by the rules of :func:`helpers.validation.id_codes`: spaces around it
    (tabs, non-breaking and full-width spaces too) are dropped, a whole number written with
    zero decimals ("2.0") is the number ("2"), and an empty id is missing (NULL).

    Examples
    --------
    >>> print(id_sql("spark", "`id`").replace(_ID_SPACES, "<spaces>"))
    NULLIF(regexp_replace(trim(BOTH '<spaces>' FROM `id`), '^([+-]?[0-9]+)[.]0+$', '$1'), '')
    """
    if dialect == "duckdb":
        trimmed, group = f"trim({column_sql}, '{_ID_SPACES}')", "\\1"
    else:
        trimmed, group = f"trim(BOTH '{_ID_SPACES}' FROM {column_sql})", "$1"
    return f"NULLIF(regexp_replace({trimmed}, '^([+-]?[0-9]+)[.]0+$', '{group}'), '')"


# What str.strip() removes around an id that a spreadsheet or an input method leaves there.
_ID_SPACES = " \t\r\n\u00a0\u3000"


def _columns_sql(
    dialect: str,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    date_kind: str,
    amount_kind: str | None,
    date_format: str | None,
    id_kind: str | None = None,
) -> str:
    """The projection of the source onto ``cid, day, amt`` (and the raw values for messages)."""
    cid = _quote(customer_col, dialect)
    date = _quote(date_col, dialect)
    cols = [
        f"{cid} AS raw_cid",
        f"{id_sql(dialect, cid) if id_kind == 'text' else cid} AS cid",
        f"{date} AS raw_date",
        f"{day_number_sql(dialect, date, date_kind, date_format)} AS day",
    ]
    if amount_col is not None:
        amt = _quote(amount_col, dialect)
        cols += [f"{amt} AS raw_amt", f"{_amount_sql(amt, amount_kind or '')} AS amt"]
    return ", ".join(cols)


def summary_sql(
    source: str,
    *,
    dialect: str = "duckdb",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_day: int,
    calibration_day: int | None = None,
    unit_days: float = 7.0,
    compressed: bool = False,
    date_kind: str = "time",
    amount_kind: str | None = "number",
    date_format: str | None = None,
    id_kind: str | None = None,
) -> str:
    """The summary convention of :func:`helpers.summarize` as one SQL query.

    Both SQL engines run the text this function builds; only the day-number expression
    (:func:`day_number_sql`) and the quoting of column names depend on ``dialect``. Step by step,
    and how each step matches the pandas implementation:

    1. ``tx``: every row as (customer, day number, amount). Day numbers are whole days since
       1970-01-01 of the calendar date (the time of day is dropped), as pandas' cast to
       ``datetime64[D]``.
    2. ``purchase_days``: rows on or before ``observation_day`` grouped by (customer, day), amounts
       added: same-day purchases merge into one purchase day, later rows are left out.
    3. ``per_customer``: purchase days on or before ``calibration_day`` (the calibration period)
       are counted, their first and last day and total spend taken; the spend of the first day
       is ``min_by(spend, day)``; purchase days after it (the holdout) are counted and their
       spend added.
    4. ``summary``: ``frequency`` = calibration days - 1, ``recency`` = (last - first) / unit,
       ``T`` = (calibration_day - first) / unit, ``monetary_value`` = (total - first-day spend) /
       frequency (0 without repeat days), the holdout columns likewise. Day differences are exact
       integers divided by the same float unit as in pandas, so recency and T are bit-identical;
       spend sums may differ in the last bits because the engines add in another order.
       Customers with purchase days only in the holdout get ``frequency`` -1: the caller counts
       them for its warning and drops them, as the pandas path does.

    With ``compressed=True`` the last step groups identical summary rows and counts them
    (column ``n_customers``), so the output has one row per distinct summary.

    Parameters
    ----------
    source : str
        A table or view name, or a parenthesised subquery, holding the transactions.
    dialect : {"duckdb", "spark"}
    customer_col, date_col, amount_col : str
        Columns of ``source``; no ``amount_col``, no spend columns.
    observation_day, calibration_day : int
        Last day (as a day number) of the observation window and of the calibration period;
        ``calibration_day`` None (or equal to ``observation_day``) means no holdout columns.
    unit_days : float
        Length of the time unit in days (7.0 for weeks).
    compressed : bool
        Pool identical rows with their count.
    date_kind, amount_kind : str
        ``"time"`` / ``"number"`` for typed columns, ``"text"`` for columns to parse.
    date_format : str, optional
        strftime pattern of text dates (default: ISO 8601).
    id_kind : str, optional
        ``"text"`` for a text id column: ids are trimmed and "2.0" is "2" (:func:`id_sql`).

    Returns
    -------
    str
        The query; its columns are ``cid`` (not with ``compressed``), the summary columns and,
        with ``compressed``, ``n_customers``.

    Raises
    ------
    ParameterError
        For an unknown dialect.

    Examples
    --------
    >>> sql = summary_sql("tx", observation_day=19_000)
    >>> "GROUP BY cid, day" in sql and "CAST(\\"date\\" AS DATE)" in sql
    True
    >>> spark = summary_sql("tx", dialect="spark", observation_day=19_000)
    >>> "datediff(CAST(`date` AS DATE), DATE '1970-01-01')" in spark
    True
    """
    check_choice("dialect", dialect, DIALECTS)
    obs = int(observation_day)
    cal = obs if calibration_day is None else int(calibration_day)
    holdout = cal < obs
    amounts = amount_col is not None
    unit = f"CAST({float(unit_days)!r} AS DOUBLE)"
    cols = _columns_sql(
        dialect, customer_col, date_col, amount_col, date_kind, amount_kind, date_format, id_kind
    )
    spend = "SUM(amt)" if amounts else "0.0"
    per = [
        f"COUNT(CASE WHEN day <= {cal} THEN 1 END) AS n_cal",
        "MIN(day) AS first_day",
        f"MAX(CASE WHEN day <= {cal} THEN day END) AS last_day",
    ]
    out = [
        "n_cal - 1 AS frequency",
        f"CAST(last_day - first_day AS DOUBLE) / {unit} AS recency",
        f"CAST({cal} - first_day AS DOUBLE) / {unit} AS T",
    ]
    if amounts:
        per += [
            f"SUM(CASE WHEN day <= {cal} THEN spend ELSE 0.0 END) AS cal_spend",
            "min_by(spend, day) AS first_spend",
        ]
        out.append(
            "CASE WHEN n_cal > 1 THEN (cal_spend - first_spend) / "
            "CAST(GREATEST(n_cal - 1, 1) AS DOUBLE) ELSE 0.0 END AS monetary_value"
        )
    if holdout:
        per.append(f"COUNT(CASE WHEN day > {cal} THEN 1 END) AS n_hold")
        out.append("n_hold AS frequency_holdout")
        if amounts:
            per.append(f"SUM(CASE WHEN day > {cal} THEN spend ELSE 0.0 END) AS hold_spend")
            out.append(
                "CASE WHEN n_hold > 0 THEN hold_spend / CAST(GREATEST(n_hold, 1) AS DOUBLE) "
                "ELSE 0.0 END AS monetary_value_holdout"
            )
        out.append(f"CAST({obs - cal} AS DOUBLE) / {unit} AS duration_holdout")
    names = [o.rsplit(" AS ", 1)[1] for o in out]
    if compressed:
        keys = ", ".join(names)
        final = f"SELECT {keys}, COUNT(*) AS n_customers\nFROM summary\nGROUP BY {keys}"
    else:
        final = "SELECT * FROM summary"
    nl = ",\n        "
    return f"""WITH tx AS (
    SELECT {cols} FROM {source}
),
purchase_days AS (  -- same-day purchases merge into one purchase day
    SELECT cid, day, {spend} AS spend
    FROM tx
    WHERE day <= {obs}
    GROUP BY cid, day
),
per_customer AS (
    SELECT
        cid,
        {nl.join(per)}
    FROM purchase_days
    GROUP BY cid
),
summary AS (
    SELECT
        cid,
        {nl.join(out)}
    FROM per_customer
)
{final}"""


def checks_sql(
    source: str,
    *,
    dialect: str,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    date_kind: str,
    amount_kind: str | None,
    date_format: str | None = None,
    observation_day: int | None = None,
    id_kind: str | None = None,
) -> tuple[str, dict[str, str]]:
    """One aggregate over the source that counts every problem the checks look for, the first
    and last day, the rows after ``observation_day`` and the rows whose id was rewritten
    (``n_respelled``); and per problem a query that shows a few offending rows. The extra key
    ``"merged_ids"`` is a query counting the ids written in more than one way."""
    cols = _columns_sql(
        dialect, customer_col, date_col, amount_col, date_kind, amount_kind, date_format, id_kind
    )
    conditions = {
        "missing_id": "cid IS NULL",
        "missing_date": "raw_date IS NULL",
        "bad_date": "raw_date IS NOT NULL AND day IS NULL",
    }
    if amount_col is not None:
        conditions.update(
            {
                "bad_amount": "raw_amt IS NOT NULL AND amt IS NULL",
                "missing_amount": "raw_amt IS NULL OR isnan(amt)",
                "infinite_amount": "abs(amt) = CAST('Infinity' AS DOUBLE)",
                "negative_amount": "amt < 0",
            }
        )
    counts = [f"COUNT(CASE WHEN {c} THEN 1 END) AS {k}" for k, c in conditions.items()]
    late = (
        "0"
        if observation_day is None
        else f"COUNT(CASE WHEN day > {int(observation_day)} THEN 1 END)"
    )
    counts.append(f"{late} AS n_late")
    respelled = "cid IS NOT NULL AND raw_cid <> cid" if id_kind == "text" else "FALSE"
    counts.append(f"COUNT(CASE WHEN {respelled} THEN 1 END) AS n_respelled")
    tx = f"WITH tx AS (SELECT {cols} FROM {source})"
    body = ",\n    ".join(counts)
    sql = (
        f"{tx}\nSELECT COUNT(*) AS n_rows, MIN(day) AS first_day, MAX(day) AS last_day,\n"
        f"    {body}\nFROM tx"
    )
    shown = "raw_cid, raw_date" + (", raw_amt" if amount_col is not None else "")
    examples = {
        k: f"{tx} SELECT {shown} FROM tx WHERE {c} LIMIT {SHOW}" for k, c in conditions.items()
    }
    examples["merged_ids"] = (
        f"{tx} SELECT cid, COUNT(DISTINCT raw_cid) AS n FROM tx WHERE cid IS NOT NULL "
        "GROUP BY cid HAVING COUNT(DISTINCT raw_cid) > 1 ORDER BY cid"
    )
    return sql, examples


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


def spark_missing() -> str:
    """Why Spark cannot run here, or ``""`` when it can.

    Spark needs the ``pyspark`` package (the ``spark`` extra) and a Java runtime (``java`` on
    the PATH, or ``JAVA_HOME``). Chapter 16 and the Spark tests ask this before they start one.
    """
    if importlib.util.find_spec("pyspark") is None:
        return "the pyspark package is not installed"
    java_home = os.environ.get("JAVA_HOME", "")
    if not (shutil.which("java") or (java_home and Path(java_home, "bin", "java").exists())):
        return "no Java runtime was found (no java on the PATH, no JAVA_HOME)"
    return ""


def is_spark_dataframe(obj) -> bool:
    """True for a PySpark DataFrame (classic or Spark Connect), without importing pyspark."""
    return any(
        c.__module__.startswith("pyspark.") and c.__name__ == "DataFrame" for c in type(obj).__mro__
    )


def _format_of(path: str) -> str | None:
    low = path.lower()
    for suffix in sorted(FILE_FORMATS, key=len, reverse=True):
        if low.endswith(suffix):
            return FILE_FORMATS[suffix]
    return None


def resolve_files(source) -> tuple[list[str], str]:
    """Local files named by a path, a glob or a list of them, and their common format.

    A folder stands for the Parquet (else CSV) files inside it, at any depth.

    Raises
    ------
    ParameterError
        When a path or pattern matches no file, a suffix is not supported, or the files mix
        formats.
    """
    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    if not items:
        raise ParameterError(
            "transactions is an empty list of files; pass a path, a glob such as "
            "'data/*.parquet', or a list of them"
        )
    files: list[str] = []
    for item in items:
        if not isinstance(item, str | os.PathLike):
            raise ParameterError(
                f"transactions holds {item!r} ({type(item).__name__}); a list of files must "
                "hold paths or globs"
            )
        p = os.fspath(item)
        if _glob.has_magic(p):
            found = sorted(f for f in _glob.glob(p, recursive=True) if os.path.isfile(f))
            if not found:
                raise ParameterError(
                    f"transactions={p!r} matches no file; check the folder and the pattern "
                    "(e.g. 'data/transactions/*.parquet')"
                )
            files += found
        elif os.path.isdir(p):
            found = []
            for pattern in ("**/*.parquet", "**/*.pq", "**/*.csv", "**/*.csv.gz"):
                found = sorted(str(f) for f in Path(p).glob(pattern) if f.is_file())
                if found:
                    break
            if not found:
                raise ParameterError(
                    f"transactions={p!r} is a folder without Parquet or CSV files; point it at "
                    "the folder that holds them or pass a glob"
                )
            files += found
        elif os.path.isfile(p):
            files.append(p)
        else:
            raise ParameterError(
                f"transactions={p!r}: no such file or folder; check the path (relative paths "
                f"start from the working directory, {os.getcwd()!s})"
            )
    formats = {}
    for f in files:
        fmt = _format_of(f)
        if fmt is None:
            raise ParameterError(
                f"file {f!r} has an unsupported suffix; summarize reads "
                f"{sorted(FILE_FORMATS)} files (Parquet or comma-separated text with a header)"
            )
        formats.setdefault(fmt, f)
    if len(formats) > 1:
        raise ParameterError(
            f"transactions mixes Parquet and CSV files ({formats['parquet']!r}, "
            f"{formats['csv']!r}); summarise one format at a time"
        )
    return files, next(iter(formats))


# Bytes read from the start of a CSV file to detect its encoding and delimiter.
_HEAD_BYTES = 256 * 1024
# Encodings DuckDB reads as they are (it skips a UTF-8 byte-order mark itself).
_DUCKDB_READS = {"utf-8", "utf-8-sig", "ascii"}


def _open_bytes(path: str):
    return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")


def _csv_layout(path: str, encoding: str | None, sep: str | None) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV file, from its first bytes.

    The encoding is what :func:`helpers.data.read_table` would find in those bytes (UTF-8,
    UTF-16 with a byte-order mark, GB18030, ...); the delimiter is sniffed from the header line
    among ``, ; tab |``. ``encoding`` and ``sep`` override.
    """
    with _open_bytes(path) as fh:
        head = fh.read(_HEAD_BYTES)
    if not head.strip():
        raise DataValidationError(
            f"file {path!r} is empty; export the table again, with a header line"
        )
    if encoding is not None:
        try:
            enc = codecs.lookup(encoding).name
        except LookupError:
            raise ParameterError(
                f"parameter 'encoding' = {encoding!r} is not a text encoding Python knows; use "
                "e.g. 'utf-8' or 'gb18030'"
            ) from None
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        try:  # a multi-byte character may be cut at the end of the head: not final
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            enc = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError:
            whole = head if len(head) < _HEAD_BYTES else head[: head.rfind(b"\n") + 1] or head
            enc = _detect_encoding(whole, Path(path))
    text = codecs.getincrementaldecoder(enc)(errors="replace").decode(head, final=False)
    text = text.removeprefix("\ufeff")
    if sep is None:
        sep = _sniff(text)
    elif not isinstance(sep, str) or len(sep) != 1:
        raise ParameterError(
            f"parameter 'sep' = {sep!r} must be one character, e.g. ',' or ';' or '\\t'"
        )
    return enc, sep


def _transcode(path: str, encoding: str, folder: str) -> str:
    """A UTF-8 copy of a CSV file in ``folder`` (DuckDB reads UTF-8 only), streamed in chunks."""
    target = os.path.join(folder, f"utf8-{uuid.uuid4().hex}.csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    done = 0
    with _open_bytes(path) as src, open(target, "w", encoding="utf-8", newline="") as out:
        try:
            while chunk := src.read(16 * 1024 * 1024):
                out.write(decoder.decode(chunk))
                done += len(chunk)
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as err:
            raise DataValidationError(
                f"file {path!r} is not valid {encoding} text (byte {done + err.start} cannot be "
                "read); pass its encoding with encoding=, e.g. encoding='gb18030' (Excel on "
                "Chinese Windows) or 'utf-8', or save it again as 'CSV UTF-8'"
            ) from None
    return target


def _duckdb_error(err: Exception, files: list[str], sep: str | None) -> DataValidationError:
    """A DuckDB error while reading the files, as a message that names the fix."""
    text = str(err).strip()
    first = text.splitlines()[0] if text else type(err).__name__
    where = files[0] if len(files) == 1 else f"{len(files)} files ({files[0]!r}, ...)"
    low = text.lower()
    if "invalid unicode" in low:
        fix = (
            "the file is not UTF-8 throughout (the start was): pass its encoding with "
            "encoding=, e.g. encoding='gb18030' for a CSV saved by Excel on Chinese Windows"
        )
    elif "column" in low or "sniff" in low or "dialect" in low:
        fix = (
            "each line must have as many fields as the header (a delimiter at the end of some "
            "lines, or a delimiter inside a value without quotes, breaks this): correct those "
            f"lines, or pass sep= if the delimiter is not {sep!r}"
        )
    elif "parquet" in low or "magic" in low:
        fix = "it is not a readable Parquet file: write it again with df.to_parquet(...)"
    else:
        fix = "check that the file is a complete CSV (with a header line) or Parquet file"
    return DataValidationError(f"{where!s}: DuckDB could not read it ({first}); {fix}")


def _kind_of(type_name: str) -> str:
    """'time', 'text', 'number', 'bool' or 'other' for an engine's type name."""
    t = type_name.lower()
    if t.startswith(("timestamp", "date")) and "interval" not in t:
        return "time"
    if t in ("varchar", "string", "text") or t.startswith(("varchar", "char", "string")):
        return "text"
    if t.startswith(("bool",)):
        return "bool"
    numeric = (
        "tinyint", "smallint", "integer", "int", "bigint", "hugeint", "utinyint", "usmallint",
        "uinteger", "ubigint", "uhugeint", "float", "double", "real", "decimal", "long",
        "short", "byte",
    )  # fmt: skip
    if t.startswith(numeric):
        return "number"
    return "other"


# ---------------------------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------------------------


@dataclass
class SqlSummary:
    """What an SQL engine hands back to :func:`helpers.summarize`."""

    table: pd.DataFrame  # cid (or n_customers) and the summary columns, new customers included
    observation_day: int
    calibration_day: int
    n_late: int  # rows after the observation day, left out
    merged_ids: pd.DataFrame | None = None  # ids written in more than one way: cid, n


class _Engine:
    """Runs SQL on one engine: ``columns()``, ``types()``, ``fetch(sql)``, ``rows(sql)``."""

    dialect = "duckdb"
    source = "tx"


class _DuckDB(_Engine):
    dialect = "duckdb"

    def __init__(self, memory_limit: str, threads: int | None, temp_dir):
        try:
            import duckdb
        except ImportError as err:  # pragma: no cover - duckdb is the duckdb extra
            raise ParameterError(
                "engine='duckdb' needs the duckdb package: pip install crm-course-helpers[duckdb] "
                "(pip install -e '.[duckdb]' in a clone; make env installs it)"
            ) from err
        base = None if temp_dir is None else os.fspath(temp_dir)
        if base is not None:
            os.makedirs(base, exist_ok=True)
        # A fresh folder of our own for spilled data, removed afterwards; never next to the input.
        self.tmp = tempfile.mkdtemp(prefix="helpers-duckdb-", dir=base)
        config = {
            "memory_limit": str(memory_limit),
            "threads": int(threads or os.cpu_count() or 1),
            "temp_directory": self.tmp,
            "preserve_insertion_order": False,
        }
        try:
            self.con = duckdb.connect(":memory:", config=config)
        except duckdb.Error as err:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise ParameterError(
                f"DuckDB refused the settings memory_limit={memory_limit!r}, threads={threads!r}: "
                f"{err}; pass e.g. memory_limit='4GB' and threads=2"
            ) from err

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    files: list[str] = []
    sep: str | None = None

    def attach_files(
        self, files: list[str], fmt: str, encoding: str | None = None, sep: str | None = None
    ) -> None:
        self.files = files
        if fmt == "parquet":
            rel = f"read_parquet([{', '.join(_literal(f) for f in files)}])"
        else:
            layouts = [_csv_layout(f, encoding, sep) for f in files]
            seps = {s for _, s in layouts}
            if len(seps) > 1:
                shown = ", ".join(
                    f"{f!r}: {s!r}" for f, (_, s) in list(zip(files, layouts, strict=True))[:4]
                )
                raise DataValidationError(
                    f"the CSV files use different delimiters ({shown}); save them alike, or "
                    "summarise them one delimiter at a time"
                )
            self.sep = seps.pop()
            # DuckDB reads UTF-8 only: other encodings are read from a UTF-8 copy in our own
            # temporary folder (removed in close), never written beside the input.
            read = [
                f if enc in _DUCKDB_READS else _transcode(f, enc, self.tmp)
                for f, (enc, _) in zip(files, layouts, strict=True)
            ]
            listed = "[" + ", ".join(_literal(f) for f in read) + "]"
            # Every column as text: ids keep leading zeros, dates and amounts are parsed below.
            rel = (
                f"read_csv({listed}, header = true, delim = {_literal(self.sep)}, "
                "all_varchar = true)"
            )
        self._run(f"CREATE VIEW tx AS SELECT * FROM {rel}")

    def attach_frame(self, df: pd.DataFrame) -> None:
        self.con.register("tx", df)

    def _run(self, sql: str):
        import duckdb

        try:
            return self.con.execute(sql)
        except duckdb.Error as err:
            if not self.files:
                raise
            raise _duckdb_error(err, self.files, self.sep) from None

    def types(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self._run("DESCRIBE SELECT * FROM tx").fetchall()}

    def fetch(self, sql: str) -> pd.DataFrame:
        return self._run(sql).df()

    def rows(self, sql: str) -> list[tuple]:
        return self._run(sql).fetchall()


class _Spark(_Engine):
    dialect = "spark"

    def __init__(self, df=None):
        self.df = df
        self.view = None

    @staticmethod
    def session():
        try:
            from pyspark.sql import SparkSession
        except ImportError as err:
            raise ParameterError(
                "engine='spark' needs pyspark: pip install -e .[spark] (and a Java runtime, "
                "e.g. `make java`)"
            ) from err
        spark = SparkSession.getActiveSession()
        if spark is None:
            raise ParameterError(
                "engine='spark' with file paths needs a running SparkSession; start one first, "
                "e.g. SparkSession.builder.master('local[2]').getOrCreate(), or pass a Spark "
                "DataFrame"
            )
        return spark

    def attach_files(
        self, files: list[str], fmt: str, encoding: str | None = None, sep: str | None = None
    ) -> None:
        spark = self.session()
        if fmt == "parquet":
            self.df = spark.read.parquet(*files)
        else:
            layouts = {_csv_layout(f, encoding, sep) for f in files}
            if len(layouts) > 1:
                raise DataValidationError(
                    f"the CSV files differ in encoding or delimiter ({sorted(layouts)}); save "
                    "them alike, or summarise them one kind at a time"
                )
            enc, delim = layouts.pop()
            if enc not in _DUCKDB_READS:
                # Spark's CSV reader knows only a few charsets (no GB18030) and misreads UTF-16.
                raise DataValidationError(
                    f"{files[0]!r} is {enc} text; the Spark engine reads CSV files in UTF-8 "
                    "only: save them as 'CSV UTF-8' (or convert, e.g. iconv -f "
                    f"{enc.upper()} -t UTF-8), or summarise them with engine='duckdb', which "
                    "reads a UTF-8 copy"
                )
            df = spark.read.csv(files, header=True, sep=delim, encoding="UTF-8", inferSchema=False)
            # A UTF-8 byte-order mark stays in the first column's name in Spark.
            first = df.columns[0] if df.columns else ""
            if first.startswith("\ufeff"):
                df = df.withColumnRenamed(first, first.removeprefix("\ufeff"))
            self.df = df
        self._register()

    def attach_frame(self, df) -> None:
        self.df = df
        self._register()

    def _register(self) -> None:
        self.view = f"helpers_tx_{uuid.uuid4().hex}"
        self.source = self.view
        self.df.createOrReplaceTempView(self.view)

    def close(self) -> None:
        if self.view is not None:
            self.df.sparkSession.catalog.dropTempView(self.view)

    def types(self) -> dict[str, str]:
        return {f.name: f.dataType.typeName() for f in self.df.schema.fields}

    def fetch(self, sql: str) -> pd.DataFrame:
        with warnings.catch_warnings():
            # Without pyarrow, Spark warns that it falls back to its plain conversion.
            warnings.filterwarnings("ignore", message=".*Arrow optimization.*")
            return self.df.sparkSession.sql(sql).toPandas()

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.df.sparkSession.sql(sql).collect()]


def _examples(rows: list[tuple], customer_col: str, with_amount: bool) -> str:
    """'e.g. customer_id 'A' on 2024-01-15: -20.0; …' for a few offending rows."""
    shown = []
    for r in rows:
        day = r[1]
        if day is None:
            text = f"{customer_col} {r[0]!r} without a date"
        else:
            day = str(day)
            text = f"{customer_col} {r[0]!r} on {day.removesuffix(' 00:00:00')}"
        if with_amount:
            text += f": {r[2]!r}"
        shown.append(text)
    return "e.g. " + "; ".join(shown) + ("; …" if len(rows) >= SHOW else "")


_MESSAGES = {
    "missing_id": (
        "customer_col",
        "column {col!r} has {n} missing or empty customer id(s) ({ex}); every purchase needs a "
        "customer: fill the ids or remove those rows",
    ),
    "missing_date": (
        "date_col",
        "column {col!r} has {n} missing date(s) ({ex}); fill them from the source or remove "
        "those rows before summarising",
    ),
    "bad_date": (
        "date_col",
        "column {col!r} has {n} value(s) that are not dates ({ex}); {fix}",
    ),
    "bad_amount": (
        "amount_col",
        "column {col!r} has {n} non-numeric value(s) ({ex}); strip currency signs and "
        "thousands separators in the source, or store the amounts as numbers",
    ),
    "missing_amount": (
        "amount_col",
        "column {col!r} has {n} missing value(s) ({ex}); fill them from the source or remove "
        "those rows before summarising",
    ),
    "infinite_amount": (
        "amount_col",
        "column {col!r} has {n} infinite value(s) ({ex}); these are usually a division by zero "
        "upstream: fix the computation of the amounts",
    ),
    "negative_amount": (
        "amount_col",
        "column {col!r} has {n} negative value(s) ({ex}); returns must be removed or netted "
        "against their purchases before summarising",
    ),
}


def run_sql_summary(
    source,
    *,
    engine: str,
    kind: str,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    observation_day: int | None,
    calibration_day: int | None,
    unit_days: float,
    compressed: bool,
    date_format: str | None,
    memory_limit: str,
    threads: int | None,
    temp_dir,
    check_window,
    encoding: str | None = None,
    sep: str | None = None,
) -> SqlSummary:
    """Check the source and run :func:`summary_sql` on DuckDB or Spark.

    ``kind`` is ``"files"``, ``"pandas"`` or ``"spark"``. Two passes over the data: one
    aggregate for the checks (and the first and last day), then the summary.
    ``check_window(observation_day, calibration_day)`` raises for a bad window, as the pandas
    path does, once the default observation day (the last purchase day) is known.
    ``encoding`` and ``sep`` are for CSV files (detected when None, see :func:`_csv_layout`).
    """
    if kind != "files" and (encoding is not None or sep is not None):
        raise ParameterError(
            "encoding= and sep= describe how CSV files are read; a DataFrame is already read: "
            "leave them out"
        )
    eng: _Engine = _DuckDB(memory_limit, threads, temp_dir) if engine == "duckdb" else _Spark()
    try:
        if kind == "files":
            eng.attach_files(*resolve_files(source), encoding=encoding, sep=sep)
        else:
            eng.attach_frame(source)
        types = eng.types()
        roles = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
        require_columns(pd.DataFrame(columns=list(types)), roles, "transactions")
        date_kind = _kind_of(types[date_col])
        if date_kind not in ("time", "text"):
            raise DataValidationError(
                f"column {date_col!r} holds {types[date_col]} values, not dates; store it as a "
                "date or timestamp, or as text (ISO 8601 such as 2024-01-31, or pass "
                "date_format='%Y%m%d' for another layout)"
            )
        amount_kind = None
        if amount_col is not None:
            amount_kind = _kind_of(types[amount_col])
            if amount_kind not in ("number", "text"):
                raise DataValidationError(
                    f"column {amount_col!r} holds {types[amount_col]} values, not amounts; pass "
                    "the column with the purchase value"
                )
        if date_kind != "text":
            date_format = None  # typed dates need no parsing
        common = dict(
            dialect=eng.dialect,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            date_kind=date_kind,
            amount_kind=amount_kind,
            date_format=date_format,
            id_kind=_kind_of(types[customer_col]),
        )
        check, examples = checks_sql(eng.source, observation_day=observation_day, **common)
        merged_query = examples.pop("merged_ids")
        stats = eng.fetch(check).iloc[0]
        if int(stats["n_rows"]) == 0:
            raise DataValidationError(
                "transactions is empty (0 rows); pass a log with at least one purchase"
            )
        for key, query in examples.items():
            n = int(stats[key])
            if n:
                role, template = _MESSAGES[key]
                fix = (
                    f"the text must match date_format={date_format!r} (strftime codes)"
                    if date_format
                    else "write dates as ISO 8601 (2024-01-31 or 2024-01-31 12:00:00) or pass "
                    "date_format= with their layout in strftime codes, e.g. "
                    "date_format='%d/%m/%Y' (day first) or date_format='%m/%d/%Y' (month first)"
                )
                ex = _examples(eng.rows(query), customer_col, amount_col is not None)
                raise DataValidationError(template.format(col=roles[role], n=n, ex=ex, fix=fix))
        obs_day = int(stats["last_day"]) if observation_day is None else int(observation_day)
        cal_day = obs_day if calibration_day is None else int(calibration_day)
        check_window(obs_day, cal_day)
        sql = summary_sql(
            eng.source,
            observation_day=obs_day,
            calibration_day=cal_day,
            unit_days=unit_days,
            compressed=compressed,
            **common,
        )
        table = eng.fetch(sql)
        # Only when some id was trimmed or rewritten: which ids now stand for several spellings.
        merged = eng.fetch(merged_query) if int(stats["n_respelled"]) else None
    finally:
        eng.close()
    return SqlSummary(
        table=table,
        observation_day=obs_day,
        calibration_day=cal_day,
        n_late=int(stats["n_late"]),
        merged_ids=merged,
    )
