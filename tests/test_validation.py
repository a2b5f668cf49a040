"""Tests of helpers.validation, the one validation module: every check, its message and fix."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from helpers import validation as v
from helpers.exceptions import (
    DataQualityWarning,
    DataValidationError,
    NotFittedError,
    ParameterError,
)


# --- offending rows ---------------------------------------------------------------------------
def test_rows_names_the_first_offending_rows_and_their_values():
    assert v.rows(pd.RangeIndex(10), np.arange(10) % 3 == 0) == "rows 0, 3, 6, 9"
    assert v.rows(pd.Index(["a", "b"]), [False, True], pd.Series([1, -2])) == "row b: -2"
    many = v.rows(pd.RangeIndex(20), np.ones(20, bool))
    assert many == "rows 0, 1, 2, 3, 4, …"  # SHOW rows, then an ellipsis
    assert v.SHOW == 5
    # numpy scalars are shown as plain numbers
    assert v.rows(pd.Index([7]), [True], pd.Series([np.float64(-2.5)])) == "row 7: -2.5"


# --- frames and columns -----------------------------------------------------------------------
def test_check_frame():
    df = pd.DataFrame({"a": [1]})
    assert v.check_frame(df) is df
    with pytest.raises(
        DataValidationError, match=r"^transactions must be a pandas DataFrame, got list; load it"
    ):
        v.check_frame([1, 2], "transactions")
    with pytest.raises(DataValidationError, match=r"^log is empty \(0 rows\); pass a table"):
        v.check_frame(df.iloc[:0], "log")
    assert v.check_frame(df.iloc[:0], allow_empty=True).empty


def test_require_columns_names_the_column_the_table_and_the_fix():
    df = pd.DataFrame({"id": [1], "date": ["1997-01-01"]})
    v.require_columns(df, ["id", "date"])
    v.require_columns(df, {"customer_col": "id", "amount_col": None})  # None is skipped
    with pytest.raises(
        DataValidationError,
        match=r"column 'customer_id' not found in transactions \(the customer column\); it has "
        r"columns \['id', 'date'\]; pass customer_col=<name> naming the column that holds it",
    ):
        v.require_columns(df, {"customer_col": "customer_id"}, "transactions")
    with pytest.raises(DataValidationError, match=r"column 'x' not found in data; .*rename the"):
        v.require_columns(df, ["x"])
    with pytest.raises(DataValidationError, match=r"column 'x' not found in t; .*; add it$"):
        v.require_columns(df, ["x"], "t", fix="add it")


def test_numeric_column():
    df = pd.DataFrame({"amount": [1.5, 2.0], "text": ["a", "b"], "flag": [True, False]})
    np.testing.assert_array_equal(v.numeric_column(df, "amount"), [1.5, 2.0])
    with pytest.raises(
        DataValidationError, match=r"column 'text' of data is not numeric \(dtype object\); convert"
    ):
        v.numeric_column(df, "text")
    with pytest.raises(DataValidationError, match="'flag' of data is not numeric"):
        v.numeric_column(df, "flag")
    gaps = pd.DataFrame({"x": [1.0, np.nan, 3.0]}, index=["a", "b", "c"])
    with pytest.raises(
        DataValidationError, match=r"'x' of s has 1 missing value\(s\) \(row b\); fill"
    ):
        v.numeric_column(gaps, "x", "s")
    assert np.isnan(v.numeric_column(gaps, "x", allow_missing=True)[1])
    with pytest.raises(DataValidationError, match=r"1 infinite value\(s\) \(row 0\)"):
        v.numeric_column(pd.DataFrame({"x": [np.inf]}), "x")
    with pytest.raises(DataValidationError, match=r"1 value\(s\) below 0 \(row 1: -2.0\); correct"):
        v.numeric_column(pd.DataFrame({"x": [1.0, -2.0]}), "x", low=0)


# --- numbers, choices, dates ------------------------------------------------------------------
def test_check_number():
    assert v.check_number("d", 0.1, 0, 1) == 0.1
    assert v.check_number("d", np.int64(3)) == 3.0
    with pytest.raises(ParameterError, match=r"parameter 'd' = True is not a number \(got bool\)"):
        v.check_number("d", True)
    with pytest.raises(ParameterError, match=r"'d' = '1' is not a number \(got str\)"):
        v.check_number("d", "1")
    with pytest.raises(ParameterError, match=r"'d' = nan is not finite; pass a value"):
        v.check_number("d", float("nan"))
    with pytest.raises(ParameterError, match=r"out of range: it must be in \[0, 1\); pass a value"):
        v.check_number("d", 1, 0, 1, high_open=True)
    with pytest.raises(ParameterError, match=r"it must be in \(0, inf\]; set it"):
        v.check_number("d", 0, 0, low_open=True, fix="set it")
    with pytest.raises(ParameterError, match=r"it must be in \[-inf, 2\]"):
        v.check_number("d", 3, high=2)


def test_check_probability_and_int():
    assert v.check_probability("r", 0.0) == 0.0
    with pytest.raises(ParameterError, match=r"'r' = 1 is out of range: it must be in \[0, 1\)"):
        v.check_probability("r", 1)
    assert v.check_probability("r", 1, allow_one=True) == 1.0
    with pytest.raises(ParameterError, match=r"it must be in \(0, 1\)"):
        v.check_probability("r", 0, allow_zero=False)
    assert v.check_int("n", np.int32(4), 1) == 4
    with pytest.raises(ParameterError, match=r"'n' = 2.0 is not a whole number \(got float\)"):
        v.check_int("n", 2.0)
    with pytest.raises(ParameterError, match=r"'n' = False is not a whole number"):
        v.check_int("n", False)
    with pytest.raises(ParameterError, match=r"'n' = 0 is out of range: it must be in \[1, 10\]"):
        v.check_int("n", 0, 1, 10)


def test_check_choice():
    assert v.check_choice("engine", "duckdb", ("pandas", "duckdb")) == "duckdb"
    with pytest.raises(
        ParameterError, match=r"'engine' = 'polars' is not one of \['pandas', 'duckdb'\]"
    ):
        v.check_choice("engine", "polars", ("pandas", "duckdb"))
    with pytest.raises(ParameterError, match=r"is not one of"):
        v.check_choice("engine", ["pandas"], {"pandas": 1})  # unhashable: not a choice


def test_check_date():
    assert v.check_date("end", "1997-09-30") == pd.Timestamp("1997-09-30")
    assert v.check_date("end", pd.Timestamp("2024-01-01")) == pd.Timestamp("2024-01-01")
    with pytest.raises(
        ParameterError, match=r"'end' = 19970930 is a number, not a date \(write it"
    ):
        v.check_date("end", 19970930)
    with pytest.raises(
        ParameterError, match=r"'end' = 'soon' is not a date \(write it as 'YYYY-MM-DD'\); fix"
    ):
        v.check_date("end", "soon", fix="fix")
    with pytest.raises(ParameterError, match="is not a date"):
        v.check_date("end", None)


def test_time_units():
    from helpers.customer_base import rfm

    assert v.DEFAULT_TIME_UNIT == "D"
    assert rfm.TIME_UNITS is v.TIME_UNITS  # one table, importable from its old home
    assert v.TIME_UNITS["W"] == 7.0 and v.TIME_UNITS["M"] == pytest.approx(30.4375)
    assert v.check_time_unit("M") == "M"
    with pytest.raises(
        ParameterError,
        match=r"'time_unit' = 'weeks' is not one of \['D', 'W', 'M'\]; pass \"D\" \(days\)",
    ):
        v.check_time_unit("weeks")
    with pytest.raises(ParameterError, match=r"parameter 'unit' = 'Y'"):
        v.check_time_unit("Y", "unit")


# --- estimators -------------------------------------------------------------------------------
class _Model:
    def __init__(self, k=1):
        self.k = k


def test_check_is_fitted():
    m = _Model()
    with pytest.raises(
        NotFittedError, match=r"^this _Model is not fitted yet; call fit\(\.\.\.\) first$"
    ) as err:
        v.check_is_fitted(m)
    # like scikit-learn's: catchable as ValueError and as AttributeError
    assert isinstance(err.value, ValueError) and isinstance(err.value, AttributeError)
    m.params_ = {"a": 1.0}
    v.check_is_fitted(m)  # any attribute ending in "_"
    v.check_is_fitted(m, "params_")
    with pytest.raises(NotFittedError):
        v.check_is_fitted(m, ["params_", "labels_"])
    m.labels_ = None  # present but None counts as not fitted
    with pytest.raises(NotFittedError):
        v.check_is_fitted(m, "labels_")


# --- renamed parameters -----------------------------------------------------------------------
@v.renamed_parameters(id_col="customer_col", seed="random_state")
def _count(data, customer_col="customer_id", random_state=None):
    """Docstring kept."""
    return customer_col, random_state


def test_renamed_parameters_warns_and_maps_the_old_name():
    with pytest.warns(
        FutureWarning,
        match=r"_count\(\): parameter 'id_col' is renamed 'customer_col'; pass customer_col=\.\.\.",
    ):
        assert _count(None, id_col="id") == ("id", None)
    with pytest.warns(FutureWarning, match="'seed' is renamed 'random_state'"):
        assert _count(None, seed=3) == ("customer_id", 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new names never warn
        assert _count(None, customer_col="c", random_state=1) == ("c", 1)
        assert _count(None, "c") == ("c", None)


def test_renamed_parameters_refuses_both_names():
    with pytest.raises(
        ParameterError,
        match=r"_count\(\) got both 'id_col' and 'customer_col'; 'id_col' is the old name of "
        r"'customer_col': pass only customer_col=\.\.\.",
    ):
        _count(None, id_col="a", customer_col="b")


def test_renamed_parameters_keeps_the_signature_and_records_the_old_names():
    assert list(inspect.signature(_count).parameters) == ["data", "customer_col", "random_state"]
    assert _count.__renamed_parameters__ == {"id_col": "customer_col", "seed": "random_state"}
    assert _count.__doc__ == "Docstring kept." and _count.__name__ == "_count"


def test_renamed_parameters_checks_the_new_name_exists():
    with pytest.raises(TypeError, match=r"has no parameter 'customer' \(for 'id_col'\)"):

        @v.renamed_parameters(id_col="customer")
        def f(customer_col=None):
            return customer_col


# --- identifiers ------------------------------------------------------------------------------


def test_id_codes_merges_spellings_with_a_count():
    df = pd.DataFrame({"customer_id": [2, "2", "2 ", "2.0", "000123", "123", "\u3000x\xa0"]})
    with pytest.warns(DataQualityWarning, match=r"1 id\(s\) were written in more than one way"):
        codes, ids = v.id_codes(df, "customer_id", "transactions")
    assert list(ids) == ["000123", "123", "2", "x"]  # leading zeros kept, text order
    assert codes.tolist() == [2, 2, 2, 2, 0, 1, 3]


def test_id_codes_float_column_of_whole_numbers_is_text_without_warning():
    df = pd.DataFrame({"customer_id": [1.0, 2.0, 10.0, 2.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        codes, ids = v.id_codes(df, "customer_id")
    assert list(ids) == ["1", "10", "2"] and codes.tolist() == [0, 2, 1, 2]


@pytest.mark.parametrize(
    "values, pattern",
    [
        (["a", ""], r"1 missing or empty id\(s\) \(row 1\)"),
        (["a", None], r"1 missing or empty id\(s\) \(row 1\)"),
        (["a", "   "], r"missing or empty id"),
        ([1.5, 2.0], r"numbers with a fraction, not ids \(row 0: 1.5\)"),
        ([True, False], r"holds True/False values, not identifiers"),
    ],
)
def test_id_codes_refuses(values, pattern):
    with pytest.raises(DataValidationError, match=pattern):
        v.id_codes(pd.DataFrame({"customer_id": values}), "customer_id")


def test_id_column_allow_missing_keeps_gaps_as_none():
    s = v.id_column(pd.DataFrame({"referred_by": ["1.0", None, "", " 7"]}), "referred_by",
                    allow_missing=True)  # fmt: skip
    assert s.tolist() == ["1", None, None, "7"]


# --- dates ------------------------------------------------------------------------------------


def _dates(values, **kw):
    return v.date_column(pd.DataFrame({"date": values}), "date", "log", **kw)


def _iso(s):
    return s.dt.strftime("%Y-%m-%d %H:%M").tolist()


def test_date_column_reads_the_order_the_column_shows():
    assert _iso(_dates(["05/01/2024", "17/01/2024"])) == ["2024-01-05 00:00", "2024-01-17 00:00"]
    assert _iso(_dates(["05/01/2024", "01/17/2024"])) == ["2024-05-01 00:00", "2024-01-17 00:00"]
    assert _iso(_dates(["05.01.2024"], dayfirst=True)) == ["2024-01-05 00:00"]
    assert _iso(_dates(["05/01/2024"], dayfirst=False)) == ["2024-05-01 00:00"]


@pytest.mark.parametrize(
    "values, kw, pattern",
    [
        (["05/01/2024"], {}, r"day and the month can be swapped.*dayfirst=True"),
        (["13/01/2024", "01/13/2024"], {}, r"mixes day/month/year \(row 0.*month/day/year"),
        (["13/01/2024"], {"dayfirst": False}, r"dayfirst=False does not fit 1 date"),
        (["05/01/24"], {}, r"two-digit year .*date_format='%d/%m/%y'"),
        ([20240105, 20240201], {}, r"holds numbers .* date_format='%Y%m%d'"),
        ([45292, 45293], {}, r"Excel serial dates .* date_format='excel'"),
        (["2024-01-05", "soon"], {}, r"1 value\(s\) that are not dates \(row 1: 'soon'\)"),
        (["2024-01-05", None], {}, r"1 missing date\(s\) \(row 1\)"),
        (["05-01-2024"], {"date_format": "%Y/%m/%d"}, r"do not match date_format='%Y/%m/%d'"),
        ([True], {}, r"True/False values, not dates"),
    ],
)
def test_date_column_refuses(values, kw, pattern):
    with pytest.raises(DataValidationError, match=pattern):
        _dates(values, **kw)


def test_date_column_forms():
    got = _dates(
        ["2024-01-05", "2024-01-05 13:45", "2024/1/5", "2024年1月5日", "5 Jan 2024",
         "2024-01-05T23:30:00+08:00", "2024-01-05T23:30Z"]
    )  # fmt: skip
    assert _iso(got) == ["2024-01-05 00:00", "2024-01-05 13:45"] + ["2024-01-05 00:00"] * 3 + [
        "2024-01-05 23:30",
        "2024-01-05 23:30",
    ]
    assert _iso(_dates([20240105], date_format="%Y%m%d")) == ["2024-01-05 00:00"]
    assert _iso(_dates([45296], date_format="excel")) == ["2024-01-05 00:00"]


def test_date_column_time_zones_keep_their_own_wall_clock():
    stamps = pd.to_datetime(["2024-01-05 23:30", "2024-01-06 00:30"]).tz_localize("Asia/Shanghai")
    expected = ["2024-01-05 23:30", "2024-01-06 00:30"]
    assert _iso(_dates(stamps)) == expected
    arrow = pd.Series(stamps).astype(pd.ArrowDtype(pa.timestamp("us", tz="Asia/Shanghai")))
    assert _iso(_dates(arrow)) == expected
    naive_arrow = pd.Series(stamps.tz_localize(None)).astype(pd.ArrowDtype(pa.timestamp("ms")))
    assert _iso(_dates(naive_arrow)) == expected
    assert v.check_date("end", pd.Timestamp("2024-01-05 23:30", tz="Asia/Shanghai")) == (
        pd.Timestamp("2024-01-05 23:30")
    )


def test_date_column_leaves_its_input_alone():
    df = pd.DataFrame({"date": [" 2024-01-05 ", "17/01/2024"]})
    before = df.copy()
    _ = v.date_column(df, "date")
    pd.testing.assert_frame_equal(df, before)


def test_check_date_refuses_ambiguous_text():
    with pytest.raises(ParameterError, match=r"reads as day/month or as month/day"):
        v.check_date("observation_end", "05/01/2024")
