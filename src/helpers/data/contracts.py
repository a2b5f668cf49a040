"""Data contracts: the columns and types a notebook expects from data a user brings.

A case study runs on bundled or simulated data by default; a researcher can point it at their own
file instead. The contract says which columns the file must have, of which kind, and checks a
table against it before any analysis runs, so that a wrong file stops with a message that names
the column and the fix rather than a pandas error deep inside a model.

Examples
--------
>>> import pandas as pd
>>> contract = DataContract(
...     "purchases",
...     [
...         Column("customer_id", "id", "customer identifier"),
...         Column("date", "date", "purchase date"),
...         Column("amount", "number", "purchase value", minimum=0),
...     ],
... )
>>> df = pd.DataFrame({"customer_id": ["000123", 2], "date": ["2024-01-05", "2024-02-01"],
...                    "amount": ["10.5", "3"]})
>>> clean = contract.validate(df)
>>> clean.dtypes.astype(str).tolist(), clean["customer_id"].tolist()
(['object', 'datetime64[ns]', 'float64'], ['000123', '2'])
>>> df["amount"].tolist()  # the input is left as it was
['10.5', '3']

A file is read with :meth:`DataContract.read` (CSV in UTF-8, GB18030 or UTF-16, any common
delimiter, .xlsx, Parquet; see :func:`helpers.data.read_table`), then validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.reading import read_table
from helpers.exceptions import DataValidationError, ParameterError
from helpers.language import current_language
from helpers.validation import (
    check_choice,
    check_frame,
    date_column,
    id_column,
    renamed_attribute,
    require_columns,
    rows,
    text_numbers,
)

__all__ = ["KINDS", "KINDS_ZH", "Column", "DataContract", "contract_of"]

#: The kinds of column a contract knows, and what each accepts (shown under
#: :meth:`DataContract.to_markdown`'s table).
KINDS = {
    "id": "an identifier, kept as text: 000123 keeps its zeros; spaces around it and a "
    "trailing .0 are dropped (2, '2 ' and '2.0' are one id, with a warning)",
    "string": "text",
    "integer": "a whole number",
    "number": "a number with a decimal point (3.5); no thousands separators or currency "
    "signs; a decimal comma (3,5) only with decimal=','",
    "date": "a date: YYYY-MM-DD (with or without a time), YYYY/MM/DD, 2024年1月5日; "
    "05/01/2024 only when the column shows the order or dayfirst= says it",
    "category": "one of the listed values",
    "boolean": "true/false, yes/no or 1/0",
}

#: The Chinese names of the kinds, for the table of a Chinese chapter.
KIND_NAMES_ZH = {
    "id": "标识符",
    "string": "文本",
    "integer": "整数",
    "number": "数值",
    "date": "日期",
    "category": "类别",
    "boolean": "布尔值",
}

#: :data:`KINDS` in Chinese: what each kind accepts, under the table of a Chinese chapter.
KINDS_ZH = {
    "id": "按文本保存，000123 保留开头的 0；首尾的空格和末尾的 .0 会被去掉"
    "（2、'2 ' 和 '2.0' 视为同一个标识符，并给出警告）",
    "string": "任意文本",
    "integer": "不带小数部分的数",
    "number": "带小数点的数（3.5）；不能含千位分隔符或货币符号；"
    "小数逗号（3,5）只在指定 decimal=',' 时可用",
    "date": "日期，可写作 YYYY-MM-DD（可带时间）、YYYY/MM/DD 或 2024年1月5日；"
    "05/01/2024 这样的写法，只有在该列能看出日、月顺序或用 dayfirst= 指明时才可用",
    "category": "所列取值之一",
    "boolean": "true/false、yes/no 或 1/0",
}

# Options that only make sense when a file is read.
_FILE_OPTIONS = ("encoding", "sep", "sheet_name")


@dataclass(frozen=True)
class Column:
    """One column of a contract.

    Parameters
    ----------
    name : str
        Column name, exactly as it must appear in the data.
    kind : {"id", "string", "integer", "number", "date", "category", "boolean"}
        What the values are (:data:`KINDS`); the validated table holds them as ``object``
        strings (``id``: trimmed text by :func:`helpers.validation.id_column`; ``string``),
        ``int64``, ``float64``, ``datetime64[ns]`` (read by
        :func:`helpers.validation.date_column`), ``category`` or ``bool``.
    description : str
        What one value means (units included); shown in :meth:`DataContract.to_markdown`.
    required : bool
        A missing value is an error when True (for an ``id``, an empty one too); when False
        the column may hold gaps (it must still exist).
    choices : sequence, optional
        The allowed values of a ``category`` (or ``string``) column.
    minimum, maximum : float, optional
        Bounds (inclusive) for ``integer`` and ``number`` columns.
    description_zh : str, optional
        ``description`` in Chinese, shown when the chapter's language is Chinese
        (:func:`helpers.language.set_language`); a Chinese table refuses a column without it.
    """

    name: str
    kind: str
    description: str
    required: bool = True
    choices: Sequence | None = None
    minimum: float | None = None
    maximum: float | None = None
    description_zh: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ParameterError(
                f"column {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}; "
                "use 'id' for identifiers, 'string' for other text"
            )


@dataclass(frozen=True)
class DataContract:
    """A named list of columns and, optionally, a key column whose values must be unique.

    Parameters
    ----------
    name : str
        What the table is ("bank customers"); used in messages.
    columns : sequence of Column
    key : str, optional
        Column that identifies a row; duplicates are an error.
    """

    name: str
    columns: Sequence[Column]
    key: str | None = None
    _names: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        names = tuple(c.name for c in self.columns)
        if len(set(names)) != len(names):
            raise ParameterError(f"contract {self.name!r} lists a column twice: {names}")
        if self.key is not None and self.key not in names:
            raise ParameterError(f"contract {self.name!r}: key {self.key!r} is not a column")
        object.__setattr__(self, "_names", names)

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def validate(
        self,
        df: pd.DataFrame,
        *,
        date_format: str | None = None,
        dayfirst: bool | None = None,
        decimal: str = ".",
    ) -> pd.DataFrame:
        """Check `df` against the contract and return a typed copy with the contract's columns.

        Columns beyond the contract are kept after the contract's own ones. The input is never
        modified.

        Parameters
        ----------
        df : pandas.DataFrame
        date_format : str, optional
            How the ``date`` columns are written, a strftime pattern (``"%d.%m.%Y"``) or
            ``"excel"`` for Excel serial numbers; see :func:`helpers.validation.date_column`.
        dayfirst : bool, optional
            For dates such as 05/01/2024: True for day/month/year, False for month/day/year.
            Needed only when no date in the column shows the order (a day above 12).
        decimal : {".", ","}
            The decimal mark of ``number`` columns written as text: ``","`` reads ``"3,5"`` as
            3.5 (files saved with ``;`` between fields often write numbers this way).

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        DataValidationError
            Not a DataFrame, empty, a column missing, a value that does not parse as its kind
            (a number with a decimal comma, a thousands separator or a currency sign is named
            as such), a missing required value or empty id, a value outside the bounds or
            choices, a duplicate key; the message names the column, the first offending rows
            and the fix.

        Warns
        -----
        DataQualityWarning
            When spellings of an id become one id (``2``, ``"2 "``, ``"2.0"``).
        """
        check_frame(df, self.name, allow_empty=True)
        missing = [c for c in self._names if c not in df.columns]
        require_columns(
            df,
            self._names,
            self.name,
            fix=f"all missing: {missing}; rename your columns to the contract "
            f"({', '.join(self._names)}) — see the contract table for what each one holds",
        )
        check_frame(df, self.name)
        check_choice("decimal", decimal, [".", ","], fix="pass '.' or ','")
        reading = {"date_format": date_format, "dayfirst": dayfirst, "decimal": decimal}
        out = {c.name: self._column(df, c, **reading) for c in self.columns}
        extra = [c for c in df.columns if c not in out]
        result = pd.DataFrame(out, index=df.index)
        for c in extra:
            result[c] = df[c].copy()
        if self.key is not None:
            dup = result[self.key].duplicated(keep=False).to_numpy()
            if dup.any():
                raise DataValidationError(
                    f"{self.name}: key column {self.key!r} has {int(dup.sum())} duplicated "
                    f"values ({rows(result.index, dup, result[self.key])}); each row must have "
                    f"its own {self.key}: remove or merge the duplicates"
                )
        return result

    def _column(
        self, df: pd.DataFrame, col: Column, *, date_format, dayfirst, decimal
    ) -> pd.Series:
        raw = df[col.name]
        shown = raw.astype(object)  # plain Python values in messages (2.5, not np.float64(2.5))
        bad = np.zeros(len(raw), bool)
        if col.kind == "id":
            # Empty ids are refused here when required (id_column's message).
            values = id_column(df, col.name, self.name, allow_missing=not col.required)
        elif col.kind == "string" or col.kind == "category":
            values = raw.astype(object).where(~raw.isna(), None)
            values = values.map(lambda v: v if v is None else str(v))
        elif col.kind in ("integer", "number"):
            values = text_numbers(
                df, col.name, self.name, decimal=decimal, comma_fix="pass decimal=','"
            )
            if col.kind == "integer":
                frac = values.notna().to_numpy() & (values.fillna(0) % 1 != 0).to_numpy()
                if frac.any():
                    raise DataValidationError(
                        f"{self.name}: column {col.name!r} must hold whole numbers; "
                        f"{int(frac.sum())} value(s) have a fraction "
                        f"({rows(df.index, frac, shown)}); round or correct them"
                    )
        elif col.kind == "date":
            values = date_column(
                df,
                col.name,
                self.name,
                date_format=date_format,
                dayfirst=dayfirst,
                allow_missing=True,
            )
        else:  # boolean
            # True == 1 and False == 0 as dict keys, so 1 and 0 map too.
            mapping = {
                True: True,
                False: False,
                "true": True,
                "false": False,
                "yes": True,
                "no": False,
                "1": True,
                "0": False,
            }

            def to_bool(v):
                key = v.strip().lower() if isinstance(v, str) else v
                try:
                    return mapping.get(key, np.nan)
                except TypeError:
                    return np.nan

            values = raw.astype(object).map(to_bool)
            bad = values.isna().to_numpy() & ~raw.isna().to_numpy()
        if bad.any():
            raise DataValidationError(
                f"{self.name}: column {col.name!r} must hold {col.kind} values; "
                f"{int(bad.sum())} do not parse ({rows(df.index, bad, shown)}); "
                "correct them or leave the cell empty"
            )
        # Missing after reading: an empty cell, or an empty text where a number belongs.
        absent = pd.isna(values).to_numpy()
        if col.required and absent.any():
            raise DataValidationError(
                f"{self.name}: column {col.name!r} has {int(absent.sum())} missing value(s) "
                f"({rows(df.index, absent)}); it is required: fill them in or drop those rows "
                "before loading"
            )
        present = ~absent
        if col.choices is not None:
            allowed = set(col.choices)
            outside = present & ~values.isin(allowed).to_numpy()
            if outside.any():
                raise DataValidationError(
                    f"{self.name}: column {col.name!r} has {int(outside.sum())} value(s) outside "
                    f"{sorted(map(str, allowed))} ({rows(df.index, outside, shown)}); "
                    "map them to one of the allowed values"
                )
        if col.kind in ("integer", "number"):
            for bound, op, word in (
                (col.minimum, np.less, "below"),
                (col.maximum, np.greater, "above"),
            ):
                if bound is None:
                    continue
                off = present & op(values.fillna(bound).to_numpy(), bound)
                if off.any():
                    raise DataValidationError(
                        f"{self.name}: column {col.name!r} has {int(off.sum())} value(s) {word} "
                        f"{bound} ({rows(df.index, off, shown)}); correct or remove those rows"
                    )
            if col.kind == "integer" and not absent.any():
                values = values.astype("int64")
            else:
                values = values.astype("float64")
        if col.kind == "category":
            cats = list(col.choices) if col.choices is not None else None
            values = pd.Categorical(values, categories=cats)
            values = pd.Series(values, index=df.index)
        if col.kind == "boolean" and not absent.any():
            values = values.astype(bool)
        return values

    @property
    def id_columns(self) -> list[str]:
        """The contract's ``id`` columns: read as text from files, so ids keep their zeros."""
        return [c.name for c in self.columns if c.kind == "id"]

    def read(
        self,
        path: str | Path,
        *,
        date_format: str | None = None,
        dayfirst: bool | None = None,
        encoding: str | None = None,
        sep: str | None = None,
        sheet_name: str | None = None,
        decimal: str = ".",
    ) -> pd.DataFrame:
        """Read a CSV, Excel (.xlsx) or Parquet file and validate it against the contract.

        The file is read by :func:`helpers.data.read_table` (encoding, delimiter and sheet
        detected; the contract's ``id`` columns read as text, so ``000123`` keeps its zeros),
        then checked by :meth:`validate`. The file is only read, never written.

        Parameters
        ----------
        path : str or Path
        date_format, dayfirst, decimal
            How dates and numbers are written, see :meth:`validate`.
        encoding, sep : str, optional
            The text encoding and delimiter of a CSV file, when the detected ones are wrong
            (``encoding="gb18030"``, ``sep=";"``).
        sheet_name : str, optional
            The sheet of a workbook with more than one sheet of data.

        Returns
        -------
        pandas.DataFrame
            As :meth:`validate`; ``attrs["source"]`` says how the file was read.

        Raises
        ------
        DataValidationError
            The file is missing, empty or unreadable (the message names the option to pass),
            or its table breaks the contract.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "accounts.csv"
        >>> _ = path.write_bytes("账户;开户日期;余额\\n000123;05/01/2024;3,5\\n".encode("gbk"))
        >>> c = contract_of("accounts", [("账户", "id", "account"), ("开户日期", "date", "opened"),
        ...                              ("余额", "number", "balance")])
        >>> df = c.read(path, dayfirst=True, decimal=",")
        >>> df["账户"].iloc[0], str(df["开户日期"].iloc[0].date()), float(df["余额"].iloc[0])
        ('000123', '2024-01-05', 3.5)
        """
        try:
            table = read_table(
                path,
                id_cols=self.id_columns,
                encoding=encoding,
                sep=sep,
                sheet_name=sheet_name,
            )
        except DataValidationError as err:
            raise DataValidationError(f"{self.name}: {err}") from None
        if any(n is not None for n in table.index.names):
            # Parquet written by pandas keeps a named index (df.set_index("customer_id")):
            # it is data, back to columns.
            table = table.reset_index()
        out = self.validate(table, date_format=date_format, dayfirst=dayfirst, decimal=decimal)
        out.attrs["source"] = table.attrs.get("source", {})
        return out

    #: The old name of :meth:`read` (it read CSV only); warns FutureWarning.
    read_csv = renamed_attribute("read")

    def load(
        self,
        data: str | Path | pd.DataFrame,
        *,
        date_format: str | None = None,
        dayfirst: bool | None = None,
        encoding: str | None = None,
        sep: str | None = None,
        sheet_name: str | None = None,
        decimal: str = ".",
    ) -> pd.DataFrame:
        """A file (:meth:`read`) or a table (:meth:`validate`): what a case loader takes.

        A table whose index is named like the contract's key (as :meth:`DataFrame.set_index`
        leaves it) is validated with the key as a column. ``encoding``, ``sep`` and
        ``sheet_name`` are for files: with a table they must be left out.

        Raises
        ------
        ParameterError
            ``data`` is neither a path nor a DataFrame, or a file option comes with a table.
        DataValidationError
            As :meth:`read` and :meth:`validate`.
        """
        dates = {"date_format": date_format, "dayfirst": dayfirst, "decimal": decimal}
        if isinstance(data, str | Path):
            return self.read(data, encoding=encoding, sep=sep, sheet_name=sheet_name, **dates)
        if not isinstance(data, pd.DataFrame):
            raise ParameterError(
                f"{self.name}: data must be the path of a CSV, .xlsx or Parquet file or a "
                f"pandas DataFrame, got {type(data).__name__}"
            )
        given = {"encoding": encoding, "sep": sep, "sheet_name": sheet_name}
        passed = [k for k in _FILE_OPTIONS if given[k] is not None]
        if passed:
            raise ParameterError(
                f"{self.name}: {', '.join(f'{k}=' for k in passed)} describe(s) how a file is "
                "read, but a DataFrame was passed; leave it out, or pass the file's path"
            )
        if self.key is not None and data.index.name == self.key and self.key not in data.columns:
            data = data.reset_index()
        return self.validate(data, **dates)

    def to_markdown(self) -> str:
        """The contract as a Markdown table, for a notebook's data section, and a line on what
        each kind of column accepts; in Chinese when the chapter's language is Chinese
        (:func:`helpers.language.current_language`).

        Raises
        ------
        ParameterError
            In Chinese, when a column has no ``description_zh`` (the message names it).

        Examples
        --------
        >>> c = contract_of("t", [("n", "integer", "count", True, None, 0, None, "次数")])
        >>> print(c.to_markdown().splitlines()[2])
        | `n` | integer | yes | count (≥ 0) |

        After ``set_language("zh")`` the same row reads ``| `n` | 整数（`integer`） | 是 |
        次数（≥ 0） |``.
        """
        if current_language() == "zh":
            return self._markdown_zh()
        lines = ["| column | kind | required | description |", "|---|---|---|---|"]
        for c in self.columns:
            extra = []
            if c.choices is not None:
                extra.append("one of " + ", ".join(map(str, c.choices)))
            if c.minimum is not None:
                extra.append(f"≥ {c.minimum}")
            if c.maximum is not None:
                extra.append(f"≤ {c.maximum}")
            desc = c.description + (f" ({'; '.join(extra)})" if extra else "")
            key = " (key, unique)" if c.name == self.key else ""
            lines.append(
                f"| `{c.name}`{key} | {c.kind} | {'yes' if c.required else 'no'} | {desc} |"
            )
        used = [k for k in KINDS if any(c.kind == k for c in self.columns)]
        lines += ["", "Kinds: " + "; ".join(f"*{k}*: {KINDS[k]}" for k in used) + "."]
        return "\n".join(lines)

    def _markdown_zh(self) -> str:
        """:meth:`to_markdown` in Chinese."""
        missing = [c.name for c in self.columns if not c.description_zh]
        if missing:
            raise ParameterError(
                f"contract {self.name!r}: column(s) {', '.join(map(repr, missing))} have no "
                "description_zh, so the Chinese table cannot show them; add "
                "description_zh='…' to each Column"
            )
        lines = ["| 列 | 类型 | 必填 | 说明 |", "|---|---|---|---|"]
        for c in self.columns:
            extra = []
            if c.choices is not None:
                extra.append("取值之一：" + "、".join(map(str, c.choices)))
            if c.minimum is not None:
                extra.append(f"≥ {c.minimum}")
            if c.maximum is not None:
                extra.append(f"≤ {c.maximum}")
            desc = c.description_zh + (f"（{'；'.join(extra)}）" if extra else "")
            key = "（主键，唯一）" if c.name == self.key else ""
            kind = f"{KIND_NAMES_ZH[c.kind]}（`{c.kind}`）"
            lines.append(f"| `{c.name}`{key} | {kind} | {'是' if c.required else '否'} | {desc} |")
        used = [k for k in KINDS if any(c.kind == k for c in self.columns)]
        # One sentence per kind: the descriptions have semicolons of their own.
        kinds = "".join(f"**{KIND_NAMES_ZH[k]}**（`{k}`）：{KINDS_ZH[k]}。" for k in used)
        lines += ["", f"类型说明：{kinds}"]
        return "\n".join(lines)


def contract_of(name: str, columns: Iterable[tuple], key: str | None = None) -> DataContract:
    """Shorthand: ``contract_of("t", [("id", "string", "identifier"), ...])``.

    Examples
    --------
    >>> c = contract_of("t", [("id", "string", "identifier"), ("n", "integer", "count")], key="id")
    >>> c.names
    ['id', 'n']
    """
    return DataContract(name, [Column(*spec) for spec in columns], key=key)
