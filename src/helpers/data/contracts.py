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
...         Column("customer_id", "string", "customer identifier"),
...         Column("date", "date", "purchase date"),
...         Column("amount", "number", "purchase value", minimum=0),
...     ],
... )
>>> df = pd.DataFrame({"customer_id": [1, 2], "date": ["2024-01-05", "2024-02-01"],
...                    "amount": ["10.5", "3"]})
>>> clean = contract.validate(df)
>>> clean.dtypes.astype(str).tolist()
['object', 'datetime64[ns]', 'float64']
>>> df["amount"].tolist()  # the input is left as it was
['10.5', '3']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import check_frame, require_columns, rows

__all__ = ["Column", "DataContract", "contract_of"]

KINDS = ("string", "integer", "number", "date", "category", "boolean")


@dataclass(frozen=True)
class Column:
    """One column of a contract.

    Parameters
    ----------
    name : str
        Column name, exactly as it must appear in the data.
    kind : {"string", "integer", "number", "date", "category", "boolean"}
        What the values are; the validated table holds them as ``object`` strings, ``int64``,
        ``float64``, ``datetime64[ns]``, ``category`` or ``bool``.
    description : str
        What one value means (units included); shown in :meth:`DataContract.to_markdown`.
    required : bool
        A missing value is an error when True; when False the column may hold gaps (it must
        still exist).
    choices : sequence, optional
        The allowed values of a ``category`` (or ``string``) column.
    minimum, maximum : float, optional
        Bounds (inclusive) for ``integer`` and ``number`` columns.
    """

    name: str
    kind: str
    description: str
    required: bool = True
    choices: Sequence | None = None
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ParameterError(
                f"column {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}"
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

    def validate(self, df: pd.DataFrame) -> pd.DataFrame:
        """Check `df` against the contract and return a typed copy with the contract's columns.

        Columns beyond the contract are kept after the contract's own ones. The input is never
        modified.

        Raises
        ------
        DataValidationError
            Not a DataFrame, empty, a column missing, a value that does not parse as its kind,
            a missing required value, a value outside the bounds or choices, a duplicate key;
            the message names the column, the first offending rows and the fix.
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
        out = {c.name: self._column(df, c) for c in self.columns}
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

    def _column(self, df: pd.DataFrame, col: Column) -> pd.Series:
        raw = df[col.name]
        shown = raw.astype(object)  # plain Python values in messages (2.5, not np.float64(2.5))
        absent = raw.isna().to_numpy()
        if col.kind == "string" or col.kind == "category":
            values = raw.astype(object).where(~raw.isna(), None)
            values = values.map(lambda v: v if v is None else str(v))
            bad = np.zeros(len(raw), bool)
        elif col.kind in ("integer", "number"):
            values = pd.to_numeric(raw, errors="coerce")
            bad = values.isna().to_numpy() & ~absent
            if col.kind == "integer" and not bad.any():
                frac = values.notna().to_numpy() & (values.fillna(0) % 1 != 0).to_numpy()
                if frac.any():
                    raise DataValidationError(
                        f"{self.name}: column {col.name!r} must hold whole numbers; "
                        f"{int(frac.sum())} value(s) have a fraction "
                        f"({rows(df.index, frac, shown)}); round or correct them"
                    )
        elif col.kind == "date":
            values = pd.to_datetime(raw, errors="coerce")
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_localize(None)
            bad = values.isna().to_numpy() & ~absent
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

            values = raw.map(to_bool)
            bad = values.isna().to_numpy() & ~absent
        if bad.any():
            raise DataValidationError(
                f"{self.name}: column {col.name!r} must hold {col.kind} values; "
                f"{int(bad.sum())} do not parse ({rows(df.index, bad, shown)}); "
                "correct them or leave the cell empty"
            )
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
            elif col.kind == "number":
                values = values.astype("float64")
        if col.kind == "category":
            cats = list(col.choices) if col.choices is not None else None
            values = pd.Categorical(values, categories=cats)
            values = pd.Series(values, index=df.index)
        if col.kind == "boolean" and not absent.any():
            values = values.astype(bool)
        return values

    def read_csv(self, path: str | Path, **kwargs) -> pd.DataFrame:
        """Read a CSV file and validate it; the file is only read, never written.

        Raises
        ------
        DataValidationError
            The file does not exist, or its table breaks the contract.
        """
        path = Path(path)
        if not path.is_file():
            raise DataValidationError(
                f"{self.name}: file {str(path)!r} not found; pass the path of a CSV file with "
                f"the columns {', '.join(self._names)}"
            )
        return self.validate(pd.read_csv(path, **kwargs))

    def to_markdown(self) -> str:
        """The contract as a Markdown table, for a notebook's data section."""
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
