"""Self-checks for the exercises: a learner runs them and gets a verdict with a useful hint.

Each exercise leaves a variable for the learner to fill (``answer_1 = None``); the solution
cell (tagged ``solution``, removed from the student build) fills it; the self-check cell calls
:func:`check_answer`, whose result shows as a one-line verdict in the notebook.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np

__all__ = ["CheckResult", "check_answer"]


@dataclass(frozen=True)
class CheckResult:
    """Verdict of a self-check; shows as its message in a notebook, is truthy when passed."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message


def _close(a, b, rtol: float, atol: float) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def check_answer(
    name: str,
    answer,
    expected,
    *,
    rtol: float = 1e-3,
    atol: float = 0.0,
    mistakes: dict[str, float] | None = None,
    hint: str | None = None,
) -> CheckResult:
    """Compare a learner's numeric answer with the expected value.

    Parameters
    ----------
    name : str
        The variable the learner fills, e.g. ``"answer_1"``.
    answer : number or array-like
        The learner's value (``None`` while not answered).
    expected : number or array-like
        The right value, computed independently of the solution cell.
    rtol, atol : float
        Tolerances, as in :func:`numpy.allclose`.
    mistakes : dict, optional
        Known wrong answers and what they reveal: ``{"you forgot to discount": 300.0}``.
        The first one the answer matches gives the hint.
    hint : str, optional
        Generic hint for any other wrong answer.

    Returns
    -------
    CheckResult
        ``passed`` and a one-line ``message`` that says what to look at when wrong.

    Examples
    --------
    >>> check_answer("answer_1", 266.7, 800 / 3, rtol=1e-3)
    ✓ answer_1 is correct (266.7).
    >>> check_answer("answer_1", 300, 800 / 3, mistakes={"discount the margin": 300})
    ✗ answer_1 = 300 is not right: discount the margin.
    """
    if answer is None or answer is Ellipsis:
        return CheckResult(False, f"… {name} is not answered yet: assign your result to {name}.")
    scalar_expected = np.ndim(expected) == 0
    if scalar_expected and (isinstance(answer, bool) or not isinstance(answer, Real)):
        try:
            answer = float(np.asarray(answer).item())
        except (TypeError, ValueError):
            return CheckResult(False, f"✗ {name} should be a number, not {type(answer).__name__}.")
    if not scalar_expected and np.shape(answer) != np.shape(expected):
        return CheckResult(
            False,
            f"✗ {name} has shape {np.shape(answer)}, expected {np.shape(expected)}: "
            "check which rows or columns you kept.",
        )
    shown = f"{answer:.6g}" if scalar_expected else "your values"
    if _close(answer, expected, rtol, atol):
        return CheckResult(True, f"✓ {name} is correct ({shown}).")
    for why, wrong in (mistakes or {}).items():
        if _close(answer, wrong, rtol, atol):
            return CheckResult(False, f"✗ {name} = {shown} is not right: {why}.")
    if scalar_expected and expected != 0:
        ratio = float(answer) / float(expected)
        for factor, why in (
            (100, "a percentage instead of a share?"),
            (0.01, "a share instead of a percentage?"),
        ):
            if math.isclose(ratio, factor, rel_tol=1e-2):
                return CheckResult(
                    False, f"✗ {name} = {shown} is off by a factor {factor:g}: {why}"
                )
        if abs(ratio - 1) < 0.05:
            return CheckResult(
                False, f"✗ {name} = {shown} is within 5% but not right: check rounding and timing."
            )
    extra = f" Hint: {hint}" if hint else ""
    return CheckResult(False, f"✗ {name} = {shown} is not right.{extra}")
