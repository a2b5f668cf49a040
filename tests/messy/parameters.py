"""Messy chapter parameters, as papermill (``-p``, ``-r``, ``-f params.yaml``) or its Python API
passes them: misspelt names, numbers as text, dates as numbers, percentages for shares."""

import numpy as np
import pandas as pd

from helpers.exceptions import ParameterError
from helpers.params import (
    check_choice,
    check_date,
    check_injected_parameters,
    check_int,
    check_number,
    check_probability,
)

PARAMETERS = "retention_rate: float = 0.75  # yearly\nhorizon: int = 10  # years\nseed: int = 42"


def injected(source):
    """Run the check on IPython's history after papermill injected ``# Parameters`` + source."""
    history = ["", PARAMETERS, "# Parameters\n" + source, "check_injected_parameters()"]
    return lambda tmp: check_injected_parameters(history)


E = ParameterError
CASES = [
    # Names: papermill itself only logs "Passed unknown parameter" and runs on the defaults.
    ("misspelt name", "parameter", injected("retension_rate = 0.9\n"),
     ("error", E, r"unknown parameter 'retension_rate' \(did you mean 'retention_rate'\?\)")),
    ("name in wrong case", "parameter", injected("Retention_rate = 0.9\n"),
     ("error", E, r"'Retention_rate' \(did you mean 'retention_rate'\?\)")),
    ("two unknown names", "parameter", injected("horizn = 5\nbudget = 1\n"),
     ("error", E, r"parameters 'horizn' \(did you mean 'horizon'\?\), 'budget'; this chapter's "
      r"parameters are: retention_rate, horizon, seed; fix the name")),
    ("name of a chapter variable", "parameter", injected("pd = 1\n"),
     ("error", E, r"^unknown parameter 'pd'; ")),
    ("declared names", "parameter", injected("retention_rate = 0.9\nseed = 7\n"),
     ("ok", lambda r: r == ("retention_rate", "seed"))),
    ("papermill --inject-paths", "parameter", injected("PAPERMILL_INPUT_PATH = 'a.ipynb'\n"),
     ("ok", lambda r: r == ("PAPERMILL_INPUT_PATH",))),
    ("no injected cell", "parameter",
     lambda tmp: check_injected_parameters(["", PARAMETERS, "check_injected_parameters()"]),
     ("ok", lambda r: r == ())),
    # Values: the check_* calls after it.
    ("number as text", "parameter", lambda tmp: check_number("retention_rate", "0.9", 0, 1),
     ("error", E, r"'retention_rate' = '0.9' is not a number .*`-p retention_rate <value>`")),
    ("decimal comma", "parameter", lambda tmp: check_probability("retention_rate", "0,9"),
     ("error", E, r"'retention_rate' = '0,9' is not a number")),
    ("percentage for a share", "parameter", lambda tmp: check_probability("retention_rate", 75),
     ("error", E, r"'retention_rate' = 75 is out of range: it must be in \[0, 1\)")),
    ("boolean for a number", "parameter", lambda tmp: check_number("margin", True, 0),
     ("error", E, r"'margin' = True is not a number \(got bool\)")),
    ("nan from -p x nan", "parameter", lambda tmp: check_number("margin", float("nan"), 0),
     ("error", E, r"'margin' = nan is not finite")),
    ("float for a count", "parameter", lambda tmp: check_int("seed", 42.0, 0),
     ("error", E, r"'seed' = 42.0 is not a whole number \(got float\)")),
    ("raw -r text for a count", "parameter", lambda tmp: check_int("horizon", "10", 1),
     ("error", E, r"'horizon' = '10' is not a whole number \(got str\)")),
    ("numpy integer from the Python API", "parameter",
     lambda tmp: check_int("horizon", np.int64(10), 1),
     ("ok", lambda r: r == 10 and type(r) is int)),
    ("date as a number", "parameter", lambda tmp: check_date("calibration_end", 20240101),
     ("error", E, r"'calibration_end' = 20240101 is a number, not a date \(write it as 'YYYY")),
    ("impossible date", "parameter", lambda tmp: check_date("calibration_end", "2024-02-30"),
     ("error", E, r"'calibration_end' = '2024-02-30' .*'YYYY-MM-DD'")),
    ("day/month ambiguous", "parameter", lambda tmp: check_date("calibration_end", "05/01/2024"),
     ("error", E, r"'calibration_end' = '05/01/2024' .*'YYYY-MM-DD'")),
    ("ISO date", "parameter", lambda tmp: check_date("calibration_end", "1997-09-30"),
     ("ok", lambda r: r == pd.Timestamp("1997-09-30"))),
    ("choice in other case", "parameter",
     lambda tmp: check_choice("cdnow_kind", "Master", ["master", "sample"]),
     ("error", E, r"'cdnow_kind' = 'Master' is not one of \['master', 'sample'\]")),
]  # fmt: skip
