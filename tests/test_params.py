"""Parameter checks used by the notebooks."""

import sys

import pandas as pd
import pytest

from helpers.exceptions import ParameterError
from helpers.params import (
    check_choice,
    check_date,
    check_injected_parameters,
    check_int,
    check_number,
    check_parameter_names,
    check_probability,
)


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


# --- names injected by papermill ---------------------------------------------------------------

PARAMETERS_CELL = (
    "retention_rate: float = 0.75  # share still buying next year\n"
    "horizon: int = 10  # years projected\n"
    "seed: int = 42  # random seed"
)
CURRENT = "check_injected_parameters()\nretention_rate = check_probability(...)"


def _history(injected: str) -> list[str]:
    """IPython's ``In`` as papermill leaves it: '', earlier cells, parameters, injected, current."""
    return ["", "import pandas as pd", PARAMETERS_CELL, injected, CURRENT]


def test_declared_injected_names_pass_and_are_returned():
    injected = "# Parameters\nretention_rate = 0.9\nseed = 7\n"
    assert check_injected_parameters(_history(injected)) == ("retention_rate", "seed")


def test_misspelt_injected_name_names_it_the_closest_name_and_the_fix():
    with pytest.raises(
        ParameterError,
        match=r"^unknown parameter 'retension_rate' \(did you mean 'retention_rate'\?\); this "
        r"chapter's parameters are: retention_rate, horizon, seed; fix the name in your "
        r"papermill call \(`-p NAME VALUE` on the command line",
    ):
        check_injected_parameters(_history("# Parameters\nretension_rate = 0.9\n"))


def test_every_unknown_name_is_listed_with_a_suggestion_only_when_one_is_close():
    with pytest.raises(ParameterError) as info:
        check_injected_parameters(
            _history("# Parameters\nRetention_rate = 0.9\nseed = 1\nbudget = 5\nhorizn = 3\n")
        )
    message = str(info.value)
    assert message.startswith(
        "unknown parameters 'Retention_rate' (did you mean 'retention_rate'?), 'budget', "
        "'horizn' (did you mean 'horizon'?); "
    )
    assert "'seed'" not in message.split(";")[0]


def test_no_injected_cell_means_nothing_to_check():
    assert check_injected_parameters(["", PARAMETERS_CELL, CURRENT]) == ()
    assert check_injected_parameters([CURRENT]) == ()
    assert check_injected_parameters([]) == ()


def test_only_the_cell_just_before_the_current_one_counts():
    # A stale injected cell from an earlier run, followed by a clean run without one.
    stale = "# Parameters\nretension_rate = 0.9\n"
    history = ["", PARAMETERS_CELL, stale, CURRENT, PARAMETERS_CELL, CURRENT]
    assert check_injected_parameters(history) == ()


def test_a_cell_that_only_mentions_parameters_is_not_papermills():
    history = ["", PARAMETERS_CELL, "# Parameters of the model\nx = 1", CURRENT]
    assert check_injected_parameters(history) == ()


def test_papermill_path_names_and_black_formatted_values_are_accepted():
    injected = (
        "# Parameters\n"
        'PAPERMILL_INPUT_PATH = "notebooks/01.ipynb"\n'
        'PAPERMILL_OUTPUT_PATH = "build/01.ipynb"\n'
        "horizon = [\n    1,\n    2,\n]\n"
        'seed = {"a": 1}\n'
    )
    assert check_injected_parameters(_history(injected)) == (
        "PAPERMILL_INPUT_PATH",
        "PAPERMILL_OUTPUT_PATH",
        "horizon",
        "seed",
    )


def test_a_parameters_cell_that_is_not_only_assignments_is_not_guessed_at():
    history = ["", "x = compute()\nprint(x)", "# Parameters\nretension_rate = 0.9\n", CURRENT]
    assert check_injected_parameters(history) == ()


def test_outside_ipython_it_does_nothing():
    assert check_injected_parameters() == ()


class _FakeShell:
    def __init__(self, history):
        self.history_manager = type("History", (), {"input_hist_parsed": history})()
        self.user_ns = {"In": ["a chapter variable named In does not hide the history"]}


class _FakeIPython:
    def __init__(self, shell):
        self.shell = shell

    def get_ipython(self):
        return self.shell


def test_inside_ipython_it_reads_the_kernel_history(monkeypatch):
    shell = _FakeShell(_history("# Parameters\nretension_rate = 0.9\n"))
    monkeypatch.setitem(sys.modules, "IPython", _FakeIPython(shell))
    with pytest.raises(ParameterError, match="did you mean 'retention_rate'"):
        check_injected_parameters()
    monkeypatch.setitem(sys.modules, "IPython", _FakeIPython(None))  # IPython, but no shell
    assert check_injected_parameters() == ()


def test_check_parameter_names():
    check_parameter_names([], ["seed"])
    check_parameter_names(["seed", "seed"], ["seed"])
    with pytest.raises(ParameterError, match=r"^unknown parameter 'x'; .* are: \(none\); fix"):
        check_parameter_names(["x"], [])
    with pytest.raises(ParameterError, match=r"'hrzn' \(did you mean 'horizon'\?\); .*; use it"):
        check_parameter_names(["hrzn"], ["horizon"], fix="use it")
