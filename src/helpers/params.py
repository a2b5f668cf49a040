"""Validation of notebook parameters.

Every chapter validates its ``parameters`` cell right after it, so a bad value passed with
papermill (``-p retention_rate 1.5``) stops the notebook at once with a message that names the
parameter, the allowed values and the fix, instead of a wrong result or a deep traceback.

A misspelt name (``-p retension_rate 0.9``) would otherwise run the chapter with its defaults,
silently: papermill only logs a warning. :func:`check_injected_parameters`, called first in the
validation cell, stops the chapter with the unknown name and the closest declared one.
"""

from __future__ import annotations

import ast
import difflib
import sys
from collections.abc import Iterable, Sequence

import pandas as pd

from helpers import validation
from helpers.exceptions import ParameterError

__all__ = [
    "check_choice",
    "check_date",
    "check_injected_parameters",
    "check_int",
    "check_number",
    "check_parameter_names",
    "check_read_options",
    "check_probability",
]

_FIX = "set it in the parameters cell, or pass e.g. `-p {name} <value>` to papermill"

#: First line of the cell papermill injects after the ``parameters`` cell (its Python
#: translator writes ``# Parameters`` and then one ``name = value`` line per parameter).
INJECTED_HEADER = "# Parameters"

#: Names papermill itself may inject (``--inject-paths``); every chapter accepts them.
PAPERMILL_NAMES = ("PAPERMILL_INPUT_PATH", "PAPERMILL_OUTPUT_PATH")

_NAME_FIX = (
    "fix the name in your papermill call (`-p NAME VALUE` on the command line, the keys of "
    "`parameters=` in papermill.execute_notebook)"
)


def check_number(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that a parameter is a finite real number in a range; return it as a float.

    The check is :func:`helpers.validation.check_number`; the message tells how to set the
    parameter.

    Examples
    --------
    >>> check_number("discount_rate", 0.1, 0, 1)
    0.1
    >>> check_number("retention_rate", 1.5, 0, 1, high_open=True)
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: parameter 'retention_rate' = 1.5 is out of range: it \
must be in [0, 1); set it in the parameters cell, or pass e.g. `-p retention_rate <value>` to \
papermill
    """
    return validation.check_number(
        name, value, low, high, low_open=low_open, high_open=high_open, fix=_FIX.format(name=name)
    )


def check_probability(
    name: str, value, *, allow_zero: bool = True, allow_one: bool = False
) -> float:
    """Check a rate or share: a number in [0, 1) by default."""
    return validation.check_probability(
        name, value, allow_zero=allow_zero, allow_one=allow_one, fix=_FIX.format(name=name)
    )


def check_int(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """Check that a parameter is a whole number in [low, high] (booleans are refused)."""
    return validation.check_int(name, value, low, high, fix=_FIX.format(name=name))


def check_choice(name: str, value, choices: Iterable) -> object:
    """Check that a parameter is one of a fixed set of values."""
    return validation.check_choice(name, value, choices, fix=_FIX.format(name=name))


def check_date(name: str, value) -> pd.Timestamp:
    """Check that a parameter is a date (text such as '1997-09-30' or a timestamp)."""
    return validation.check_date(name, value, fix=_FIX.format(name=name))


def check_read_options(data_path, date_format="", dayfirst="", decimal=".", **paths) -> dict:
    """Check a chapter's own-data parameters; return how its loader is to read the file.

    Papermill parameters must be literals, so "not set" is the empty text: ``date_format=""``
    and ``dayfirst=""`` leave the decision to the file (see
    :func:`helpers.validation.date_column`); ``dayfirst`` may also be True or False.

    Parameters
    ----------
    data_path : str
        The user's file, or empty for the chapter's own data.
    date_format, dayfirst, decimal
        The chapter's parameters of the same names.
    **paths : str
        Further file parameters that must be text (``usage_path=...``).

    Returns
    -------
    dict
        ``date_format`` (None when empty), ``dayfirst`` (None when empty) and ``decimal``: the
        keyword arguments of the loaders (:func:`helpers.cases.retail.load_purchase_log`, ...).

    Examples
    --------
    >>> check_read_options("my_log.csv", "", True, ",")
    {'date_format': None, 'dayfirst': True, 'decimal': ','}
    >>> check_read_options("", "", "yes")
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: parameter 'dayfirst' = 'yes' is not one of ['', True, \
False]; set it in the parameters cell, or pass e.g. `-p dayfirst <value>` to papermill
    """
    for name, value in {"data_path": data_path, "date_format": date_format, **paths}.items():
        if not isinstance(value, str):
            raise ParameterError(
                f"parameter {name!r} = {value!r} must be text (empty for the default); "
                + _FIX.format(name=name)
            )
    dayfirst = check_choice("dayfirst", dayfirst, ["", True, False])
    return {
        "date_format": date_format or None,
        "dayfirst": None if dayfirst == "" else dayfirst,
        "decimal": check_choice("decimal", decimal, [".", ","]),
    }


def check_parameter_names(
    given: Iterable[str], declared: Iterable[str], *, fix: str = _NAME_FIX
) -> None:
    """Check that every given parameter name is one the chapter declares.

    Parameters
    ----------
    given : iterable of str
        Names passed in, e.g. the keys papermill injected.
    declared : iterable of str
        Names of the chapter's ``parameters`` cell, in its order.
    fix : str
        The end of the message, saying how to fix it.

    Raises
    ------
    ParameterError
        If a given name is not declared, listing each unknown name with the closest declared
        one (:func:`difflib.get_close_matches`) and all declared names.

    Examples
    --------
    >>> check_parameter_names(["seed"], ["retention_rate", "seed"])
    >>> check_parameter_names(["retension_rate"], ["retention_rate", "seed"])
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: unknown parameter 'retension_rate' (did you mean \
'retention_rate'?); this chapter's parameters are: retention_rate, seed; fix the name in your \
papermill call (`-p NAME VALUE` on the command line, the keys of `parameters=` in \
papermill.execute_notebook)
    """
    declared = list(dict.fromkeys(declared))
    unknown = [name for name in dict.fromkeys(given) if name not in declared]
    if not unknown:
        return
    named = []
    for name in unknown:
        close = difflib.get_close_matches(str(name), declared, n=1)
        named.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    noun = "parameter" if len(unknown) == 1 else "parameters"
    raise ParameterError(
        f"unknown {noun} {', '.join(named)}; this chapter's parameters are: "
        f"{', '.join(declared) or '(none)'}; {fix}"
    )


def _assigned_names(source: str) -> list[str] | None:
    """Names a cell assigns, in order; None unless the cell holds only assignments."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names: list[str] = []

    def collect(target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                collect(element)
        elif isinstance(target, ast.Starred):
            collect(target.value)

    for node in tree.body:
        if isinstance(node, ast.AnnAssign):
            collect(node.target)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                collect(target)
        else:
            return None
    return list(dict.fromkeys(names))


def _kernel_history() -> list[str] | None:
    """Sources of the cells the IPython kernel has run, in order, or None outside IPython."""
    if "IPython" not in sys.modules:  # never imported: not inside IPython
        return None
    shell = sys.modules["IPython"].get_ipython()
    if shell is None:
        return None
    # The history manager's list is the one IPython shows as ``In``; a chapter variable
    # named ``In`` cannot hide it.
    history = getattr(getattr(shell, "history_manager", None), "input_hist_parsed", None)
    if history is None:
        history = shell.user_ns.get("In")
    return list(history) if history is not None else None


def check_injected_parameters(history: Sequence[str] | None = None) -> tuple[str, ...]:
    """Refuse parameters injected by papermill that the chapter does not declare.

    papermill runs a misspelt parameter (``-p retension_rate 0.9``) with the chapter's
    defaults and only logs a warning. Call this function first in the cell right after the
    ``parameters`` cell: it reads the kernel's input history (IPython's ``In``), where papermill's
    injected cell (first line ``# Parameters``) is the cell just before the current one and the
    ``parameters`` cell the one before that, and compares the names each assigns (read with
    :mod:`ast`, nothing is executed).

    With no injected cell just before the current one (nbval, JupyterLab, a plain run, a
    re-run of one cell) or outside IPython, it does nothing. It checks names only; the
    ``check_*`` calls that follow check the values.

    Parameters
    ----------
    history : sequence of str, optional
        Cell sources in the order they ran, the current cell last; default: the running
        IPython kernel's ``In``.

    Returns
    -------
    tuple of str
        The names papermill injected, all declared (empty when nothing was injected).

    Raises
    ------
    ParameterError
        If an injected name is not in the ``parameters`` cell, naming it, the closest declared
        name and every declared name (see :func:`check_parameter_names`).

    Examples
    --------
    >>> parameters = "retention_rate: float = 0.75  # yearly\\nseed: int = 42  # random seed"
    >>> current = "check_injected_parameters()"
    >>> check_injected_parameters(["", parameters, "# Parameters\\nseed = 7\\n", current])
    ('seed',)
    >>> check_injected_parameters(["", parameters, current])  # no papermill parameters
    ()
    >>> check_injected_parameters(["", parameters, "# Parameters\\nretension_rate = 0.9", current])
    Traceback (most recent call last):
    ...
    helpers.exceptions.ParameterError: unknown parameter 'retension_rate' (did you mean \
'retention_rate'?); this chapter's parameters are: retention_rate, seed; fix the name in your \
papermill call (`-p NAME VALUE` on the command line, the keys of `parameters=` in \
papermill.execute_notebook)
    """
    if history is None:
        history = _kernel_history()
        if history is None:
            return ()
    history = list(history)
    # [..., parameters cell, injected cell, current cell]: papermill runs them in this order.
    if len(history) < 3:
        return ()
    parameters, injected = history[-3], history[-2]
    lines = str(injected).splitlines()
    if not lines or lines[0].strip() != INJECTED_HEADER:
        return ()
    given = _assigned_names(injected)
    declared = _assigned_names(parameters)
    if not given or not declared:
        # Not papermill's layout (its cell holds only assignments, after the parameters cell,
        # which does too): there is no reliable list to check against.
        return ()
    check_parameter_names([n for n in given if n not in PAPERMILL_NAMES], declared)
    return tuple(given)
