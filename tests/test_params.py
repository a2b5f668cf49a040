"""Parameter checks used by the notebooks."""

import pandas as pd
import pytest

from helpers.exceptions import ParameterError
from helpers.params import check_choice, check_date, check_int, check_number, check_probability


def test_valid_values_pass_through():
    assert check_number("d", 0.1, 0, 1) == 0.1
    assert check_probability("r", 0) == 0.0
    assert check_int("horizon", 10, 1) == 10
    assert check_choice("kind", "sample", ["master", "sample"]) == "sample"
    assert check_date("end", "1997-09-30") == pd.Timestamp("1997-09-30")


def test_probability_out_of_range_names_parameter_and_fix():
    with pytest.raises(
        ParameterError,
        match=r"parameter 'retention_rate' = 1.5 is out of range: it must be in \[0, 1\); "
        r"set it in the parameters cell, or pass e.g. `-p retention_rate <value>` to papermill",
    ):
        check_probability("retention_rate", 1.5)


def test_retention_of_one_is_refused_by_default():
    with pytest.raises(ParameterError, match=r"must be in \[0, 1\)"):
        check_probability("retention_rate", 1.0)
    assert check_probability("share", 1.0, allow_one=True) == 1.0


def test_open_and_unbounded_ranges():
    with pytest.raises(ParameterError, match=r"must be in \(0, inf\]"):
        check_number("margin", 0, 0, low_open=True)
    with pytest.raises(ParameterError, match="is not finite"):
        check_number("x", float("nan"))


@pytest.mark.parametrize("value", ["0.8", True, None, [0.8]])
def test_non_numbers_are_refused(value):
    with pytest.raises(ParameterError, match="is not a number"):
        check_number("retention_rate", value, 0, 1)


def test_int_checks():
    with pytest.raises(ParameterError, match="is not a whole number"):
        check_int("horizon", 2.5)
    with pytest.raises(ParameterError, match=r"must be in \[1, 1000\]"):
        check_int("horizon", 0, 1, 1000)


def test_choice_and_date():
    with pytest.raises(ParameterError, match=r"'full' is not one of \['master', 'sample'\]"):
        check_choice("cdnow_kind", "full", ["master", "sample"])
    with pytest.raises(ParameterError, match="is not a date"):
        check_date("calibration_end", "next spring")
