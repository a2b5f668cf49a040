"""Reading a user's own file: one path for every loader and every chapter's ``data_path``.

Real exports are messy in the same few ways: Excel on Chinese Windows saves "CSV" in GB18030
(GBK), other tools add a byte-order mark or use semicolons, identifiers lose their leading
zeros when a reader takes them for numbers, dates come in several orders. :func:`read_table`
reads CSV (any of those encodings and delimiters), Excel workbooks (.xlsx) and Parquet files
the same way, and says what it decided; anything it cannot decide safely is an error that
names the option to pass. The file is only read, never written.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.validation import date_column, id_column, require_columns

__all__ = ["READ_FORMATS", "read_table"]

#: File name endings :func:`read_table` reads, and the format of each.
READ_FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}

_DELIMITERS = ",;\t|"
# Encodings that a Chinese-language system writes for "ANSI" text; GB18030 reads them all.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
# Encodings read without a warning: they are what the course expects users to have.
_EXPECTED = {"utf-8", "utf-8-sig", "gb18030", "utf-16", "ascii"}


def _format_of(path: Path) -> str:
    name = path.name.lower()
    for ending, fmt in sorted(READ_FORMATS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(ending):
            return fmt
    if name.endswith(".xls"):
        raise DataValidationError(
            f"file {str(path)!r} is an old Excel workbook (.xls), which is not read; open it in "
            "Excel or LibreOffice and save it as .xlsx, or as CSV (UTF-8)"
        )
    raise DataValidationError(
        f"file {str(path)!r} has an ending that is not read; use one of "
        f"{', '.join(READ_FORMATS)} (save a spreadsheet as .xlsx or as CSV)"
    )


def _detect_encoding(raw: bytes, path: Path) -> str:
    """The text encoding of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or what
    charset-normalizer finds (a GBK or GB2312 answer is read as GB18030, their superset)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # Excel's "Unicode text" export
    try:
        raw.decode("utf-8")
        return "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel on Chinese Windows saves "CSV" in GBK. Short Chinese text is often mistaken for
    # Korean or Japanese by detectors, so GB18030 comes first when the bytes read as common
    # Chinese characters (those of GB2312); Big5 bytes read that way give rare ones.
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        wide = [ch for ch in text if ord(ch) > 127]
        common = sum(1 for ch in wide if _in_gb2312(ch))
        if wide and common >= 0.9 * len(wide):
            return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:2_000_000]).best()
    if best is None:
        raise DataValidationError(
            f"file {str(path)!r}: its text encoding could not be recognised; pass encoding=, "
            "e.g. encoding='gb18030' (Excel on Chinese Windows) or encoding='utf-8', or save "
            "the file again as 'CSV UTF-8'"
        )
    enc = best.encoding.lower().replace("_", "-")
    if enc.replace("-", "") in {e.replace("-", "") for e in _GB_FAMILY}:
        return "gb18030"
    return enc


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _decode(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    detected = encoding is None
    enc = _detect_encoding(raw, path) if detected else encoding
    try:
        text = raw.decode(enc)
    except LookupError:
        raise ParameterError(
            f"parameter 'encoding' = {encoding!r} is not a text encoding Python knows; use "
            "e.g. 'utf-8', 'utf-8-sig' or 'gb18030'"
        ) from None
    except UnicodeDecodeError as err:
        found = "" if detected else f" (it looks like {_detect_encoding(raw, path)})"
        raise DataValidationError(
            f"file {str(path)!r} is not valid {enc} text: byte {err.start} cannot be read"
            f"{found}; pass the file's encoding with encoding=, e.g. 'gb18030' for a CSV "
            "saved by Excel on Chinese Windows, or save it again as 'CSV UTF-8'"
        ) from None
    if detected and enc not in _EXPECTED:
        warnings.warn(
            f"file {str(path)!r} was read as {enc} (detected, not UTF-8 or GB18030); if names "
            "or text look wrong, pass encoding= with the right one",
            DataQualityWarning,
            stacklevel=3,
        )
    return text.removeprefix("\ufeff"), enc


def _sniff(text: str) -> str:
    """The delimiter: the candidate that splits the header line into the most fields (a
    comma on a tie); a file with one column reads with a comma."""
    first = text.lstrip().splitlines()[0]
    counts = {d: len(next(csv.reader([first], delimiter=d))) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals: ","
    return best if counts[best] > 1 else ","


def _read_csv(path: Path, encoding: str | None, sep: str | None, id_cols: list[str]):
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    text, enc = _decode(raw, encoding, path)
    if not text.strip():
        raise DataValidationError(
            f"file {str(path)!r} is empty; export the table again, with a header line"
        )
    if sep is None:
        sep = _sniff(text)
    elif not isinstance(sep, str) or len(sep) != 1:
        raise ParameterError(
            f"parameter 'sep' = {sep!r} must be one character, e.g. ',' or ';' or '\\t'"
        )
    header = next(csv.reader([text.lstrip().splitlines()[0]], delimiter=sep))
    names = [h.strip() for h in header]
    dup = sorted({h for h in names if h and names.count(h) > 1})
    if dup:
        raise DataValidationError(
            f"file {str(path)!r}: the header names column(s) {dup} more than once; give every "
            "column its own name"
        )
    with warnings.catch_warnings():
        # A line with more fields than the header would be silently cut: make it an error.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            df = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                index_col=False,
                # keyed by the header as written: pandas sees "customer_id " untrimmed
                dtype={h: str for h in header if h.strip() in id_cols},
                skipinitialspace=False,
            )
        except (pd.errors.ParserError, pd.errors.ParserWarning) as err:
            why = str(err).strip().replace("Error tokenizing data. C error: ", "")
            raise DataValidationError(
                f"file {str(path)!r} (read with sep={sep!r}, encoding {enc}): {why}; each line "
                "must have as many fields as the header: look at that line (a delimiter inside "
                "a value needs quotes), or pass sep= if the delimiter is not "
                f"{sep!r}"
            ) from None
    return df, {"format": "csv", "encoding": enc, "sep": sep}


def _read_excel(path: Path, sheet_name, id_cols: list[str]):
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several kinds for a file that is not a workbook
        raise DataValidationError(
            f"file {str(path)!r} is not a readable .xlsx workbook ({type(err).__name__}: "
            f"{err}); open it in Excel and save it again as .xlsx"
        ) from None
    try:
        sheets = book.sheetnames
        filled = [s for s in sheets if book[s].max_row and book[s].max_row > 1]
    finally:
        book.close()
    if sheet_name is None:
        if len(filled) != 1:
            raise DataValidationError(
                f"file {str(path)!r} has {len(filled)} sheets with data ({filled or sheets}); "
                "pass sheet_name= naming the one to read"
            )
        sheet_name = filled[0]
    elif sheet_name not in sheets:
        raise DataValidationError(
            f"file {str(path)!r} has no sheet {sheet_name!r}; its sheets are {sheets}"
        )
    df = pd.read_excel(
        path, sheet_name=sheet_name, engine="openpyxl", dtype={c: str for c in id_cols}
    )
    return df, {"format": "excel", "sheet": sheet_name}


def _drop_empty_unnamed(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    unnamed = [c for c in df.columns if str(c).startswith("Unnamed: ") and df[c].isna().all()]
    if unnamed:
        warnings.warn(
            f"file {str(path)!r}: {len(unnamed)} empty column(s) without a header were left "
            "out (a delimiter at the end of each line makes one)",
            DataQualityWarning,
            stacklevel=3,
        )
        df = df.drop(columns=unnamed)
    return df


def read_table(
    path: str | Path,
    *,
    id_cols: Iterable[str] = ("customer_id",),
    date_cols: Iterable[str] = (),
    date_format: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str | None = None,
) -> pd.DataFrame:
    """Read a user's table from a CSV, Excel (.xlsx) or Parquet file.

    What is decided, and how:

    - **Format** from the file ending (:data:`READ_FORMATS`); ``.csv.gz`` is read too.
    - **Encoding** of a CSV: UTF-8 (a byte-order mark is dropped), UTF-16 with a byte-order
      mark, GB18030 (the standard that contains GBK and GB2312: Excel's "CSV" on Chinese
      Windows) when the bytes read as common Chinese characters, else what charset-normalizer
      detects. Another detected encoding is used with a
      :class:`~helpers.exceptions.DataQualityWarning`. ``encoding=`` overrides.
    - **Delimiter** of a CSV: sniffed among ``, ; tab |``; ``sep=`` overrides. A line with
      more fields than the header is an error (it would shift every column); an empty column
      without a header, made by a delimiter at the end of every line, is left out with a
      warning.
    - **Sheet** of a workbook: the only sheet with data, else ``sheet_name=`` must say.
    - **Identifier columns** (``id_cols`` that exist in the file) are read as text, so
      ``000123`` keeps its zeros, and trimmed; spellings that become one id are counted in a
      warning (see :func:`helpers.validation.id_codes`).
    - **Date columns** (``date_cols``) are parsed by the rules of
      :func:`helpers.validation.date_column`, with ``date_format`` and ``dayfirst``; other
      columns are left as pandas reads them.

    Parameters
    ----------
    path : str or Path
    id_cols : iterable of str
        Identifier columns; those missing from the file are ignored here (the caller's
        contract says which are required).
    date_cols : iterable of str
        Date columns to parse; each must exist.
    date_format, dayfirst
        How to read the date columns, see :func:`helpers.validation.date_column`.
    encoding, sep : str, optional
        Override the detected encoding and delimiter of a CSV.
    sheet_name : str, optional
        The sheet of a workbook.

    Returns
    -------
    pandas.DataFrame
        ``df.attrs["source"]`` records the path and what was decided (format, encoding,
        delimiter or sheet).

    Raises
    ------
    DataValidationError
        The file does not exist or is empty, its format or encoding cannot be read, a line has
        too many fields, a header repeats a name, a sheet must be chosen, or an id or date
        column breaks its rules; the message says which option or fix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> text = "客户编号;日期;金额\\n000123;2024-01-05;12.5\\n"
    >>> _ = (folder / "gbk.csv").write_bytes(text.encode("gbk"))
    >>> df = read_table(folder / "gbk.csv", id_cols=["客户编号"], date_cols=["日期"])
    >>> df["客户编号"].tolist(), df.attrs["source"]["encoding"], df.attrs["source"]["sep"]
    (['000123'], 'gb18030', ';')
    """
    if not isinstance(path, str | Path) or not str(path):
        raise ParameterError(
            f"parameter 'path' = {path!r} must be the path of a CSV, .xlsx or Parquet file"
        )
    path = Path(path)
    if not path.exists():
        raise DataValidationError(
            f"file {str(path)!r} not found; check the path (relative paths start from the "
            f"folder the notebook runs in, {str(Path.cwd())!r})"
        )
    if path.is_dir():
        raise DataValidationError(
            f"{str(path)!r} is a folder, not a file; pass the path of the file itself"
        )
    if path.stat().st_size == 0:
        raise DataValidationError(
            f"file {str(path)!r} is empty (0 bytes); export the table again, with a header line"
        )
    id_cols = [id_cols] if isinstance(id_cols, str) else list(id_cols)
    date_cols = [date_cols] if isinstance(date_cols, str) else list(date_cols)
    fmt = _format_of(path)
    if fmt == "csv":
        df, source = _read_csv(path, encoding, sep, id_cols)
    elif fmt == "excel":
        df, source = _read_excel(path, sheet_name, id_cols)
    else:
        try:
            df = pd.read_parquet(path)
        except Exception as err:  # pyarrow's errors for a damaged or foreign file
            raise DataValidationError(
                f"file {str(path)!r} is not a readable Parquet file ({type(err).__name__}: "
                f"{err}); write it again with df.to_parquet(...)"
            ) from None
        source = {"format": "parquet"}
    df.columns = [str(c).strip() if isinstance(c, str) else c for c in df.columns]
    df = _drop_empty_unnamed(df, path)
    if len(df) == 0:
        raise DataValidationError(
            f"file {str(path)!r} has a header but no rows; export the table again with its data"
        )
    what = f"file {path.name!r}"
    for col in id_cols:
        if col in df.columns:
            df[col] = id_column(df, col, what, allow_missing=True)
    if date_cols:
        require_columns(df, date_cols, what)
        for col in date_cols:
            df[col] = date_column(
                df, col, what, date_format=date_format, dayfirst=dayfirst, allow_missing=True
            )
    df.attrs["source"] = {"path": str(path), **source}
    return df
