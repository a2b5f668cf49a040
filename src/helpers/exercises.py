"""Self-checks for the exercises: a learner runs them and gets a verdict with a useful hint.

Each exercise leaves a variable for the learner to fill (``answer_1 = None``); the solution
cell (tagged ``solution``, removed from the student build) fills it; the self-check cell calls
:func:`check_answer`, whose result shows as a one-line verdict in the notebook.

A self-check has two forms. The instructor's chapter computes the expected value
(``check_answer(name, answer, expected, mistakes=..., hint=...)``). The learner's copy holds
only a hashed *answer key* (``check_answer(name, answer, key=answer_keys)``): it tells a right
answer from a wrong one and names the likely mistake, but it does not show the expected value.

How a key works. Each value is cut into small buckets of its tolerance: ``floor(ln|x| / w)``
with the sign for a relative tolerance, ``floor(x / w)`` for an absolute one. The key stores a
salted SHA-256 hash of the expected value's bucket. The learner's value is accepted when the
hash of its own bucket, or of one of the nearby buckets, is in the key. The buckets are a tenth
of the tolerance wide, so every answer that the full form accepts is accepted, and answers up
to about 1.1 times the tolerance away are accepted too (2.2 times when a check gives both
``rtol`` and ``atol``: each band is then doubled to cover their sum). A hash cannot be turned
back into the value by reading it, but it can be found by trying every bucket: the key keeps
answers out of sight, it is not a secret against a determined search.

The full form's result carries the key (:attr:`CheckResult.key`) and shows it to Jupyter under
the mime type :data:`ANSWER_KEY_MIME`, so an executed chapter holds the keys that the course
tools collect (``coursebuild.py answer-keys``).
"""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass, field
from numbers import Real

import numpy as np

from helpers.language import Text, current_language

__all__ = ["CheckResult", "check_answer"]

#: Mime type under which a full-form verdict shows its answer key to Jupyter.
ANSWER_KEY_MIME = "application/vnd.crm-course.answer-key+json"
#: Version of the key format; a key of another version is refused.
KEY_VERSION = 1

# The salt is the same for every chapter, so a key depends only on the answer's name and values.
_SALT = "crm-analytics-course|answer-key|v1"
# Buckets per tolerance width: the learner's bucket may be this many buckets away.
_STEPS = 10
_CLOSE = 0.05  # "within 5%"
_FACTOR_TOL = 1e-2  # a ratio within 1% of 100 (or 0.01) is a percentage/share mix-up
_FACTORS = (
    (100, "factor_100", Text("a percentage instead of a share?", "是不是把比例写成了百分数？")),
    (0.01, "factor_0.01", Text("a share instead of a percentage?", "是不是把百分数写成了比例？")),
)
# Every verdict in both course languages (the chapter's `lang` picks one; helpers.language).
_MESSAGES = {
    "unanswered": (
        "… {name} is not answered yet: assign your result to {name}.",
        "… {name} 还没有作答：请把你的结果赋给 {name}。",
    ),
    "not_number": (
        "✗ {name} should be a number, not {kind}.",
        "✗ {name} 应该是一个数，不是 {kind}。",
    ),
    "shape": (
        "✗ {name} has shape {got}, expected {want}: check which rows or columns you kept.",
        "✗ {name} 的形状是 {got}，应为 {want}：请检查你保留了哪些行或列。",
    ),
    "numbers_only": ("✗ {name} should hold numbers only.", "✗ {name} 只能包含数值。"),
    "correct": ("✓ {name} is correct.", "✓ {name} 正确。"),
    "correct_value": ("✓ {name} is correct ({shown}).", "✓ {name} 正确（{shown}）。"),
    "mistake": ("✗ {name} = {shown} is not right: {hint}.", "✗ {name} = {shown} 不对：{hint}。"),
    "factor": (
        "✗ {name} = {shown} is off by a factor {factor}: {why}",
        "✗ {name} = {shown} 差了 {factor} 倍：{why}",
    ),
    "close_key": (
        "✗ {name} = {shown} is within about 5% but not right: check rounding and timing.",
        "✗ {name} = {shown} 与正确答案相差约 5% 以内，但还不对：请检查取整和时间点。",
    ),
    "close": (
        "✗ {name} = {shown} is within 5% but not right: check rounding and timing.",
        "✗ {name} = {shown} 与正确答案相差不到 5%，但还不对：请检查取整和时间点。",
    ),
    "wrong": ("✗ {name} = {shown} is not right.", "✗ {name} = {shown} 不对。"),
    "hint": (" Hint: {hint}", "提示：{hint}"),
    "changed": (
        " The stored answers are for the default parameters; you changed {names}.",
        "存储的答案是按默认参数算出的，而你改动了 {names}。",
    ),
    "your_values": ("your values", "你的结果"),
}


def _say(message: str, **values) -> str:
    en, zh = _MESSAGES[message]
    return (zh if current_language() == "zh" else en).format(**values)


def _hint_text(hint) -> str:
    """A hint in the chapter's language: plain text, a ``Text``, or a stored ``{en, zh}``."""
    if isinstance(hint, dict):
        return hint.get(current_language()) or hint.get("en", "")
    return str(hint)


def _hint_json(hint):
    """How an answer key stores a hint: its text, or both languages of a ``Text``."""
    return hint.as_dict() if isinstance(hint, Text) else hint


@dataclass(frozen=True)
class CheckResult:
    """Verdict of a self-check; shows as its message in a notebook, is truthy when passed.

    ``key`` is the hashed answer key of a full-form check (``None`` for a keyed check). A
    notebook receives it next to the message, under the mime type :data:`ANSWER_KEY_MIME`.
    """

    passed: bool
    message: str
    key: dict | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/plain": self.message}
        if self.key is not None:
            bundle[ANSWER_KEY_MIME] = self.key
        return bundle


def _close(a, b, rtol: float, atol: float) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


# --- hashed answer keys ---------------------------------------------------------------------


def _digest(name: str, token: str) -> str:
    return hashlib.sha256(f"{_SALT}|{name}|{token}".encode()).hexdigest()[:20]


def _widths(rtol: float, atol: float) -> tuple[float, float]:
    """Bucket widths (log-relative, absolute) whose nearby buckets cover the tolerance.

    ``numpy.allclose`` accepts ``|a - e| <= atol + rtol * |e|``. With one tolerance alone,
    ``|ln a - ln e| <= -ln(1 - rtol)`` or ``|a - e| <= atol`` covers it; with both, the larger
    term is at most half the sum, so each width is doubled.
    """
    both = 2.0 if rtol > 0 and atol > 0 else 1.0
    rel = -math.log1p(-both * rtol) if rtol > 0 else 0.0
    return rel, both * atol


def _tokens(x: float, rel: float, ab: float, spread: int) -> list[str]:
    """Bucket tokens of one number: its own bucket(s) and ``spread`` buckets either side."""
    if math.isnan(x):
        return []
    if math.isinf(x) or (rel == 0 and ab == 0):
        return [f"x{float(x) + 0.0!r}"]  # exact (+ 0.0 turns -0.0 into 0.0)
    out = []
    if rel > 0:
        if x == 0:
            out.append("r0")
        else:
            sign = "+" if x > 0 else "-"
            centre = math.floor(math.log(abs(x)) / (rel / _STEPS))
            out += [f"r{sign}{b}" for b in range(centre - spread, centre + spread + 1)]
    if ab > 0:
        centre = math.floor(x / (ab / _STEPS))
        out += [f"a{b}" for b in range(centre - spread, centre + spread + 1)]
    return out


def _hashes(name: str, purpose: str, values, rel: float, ab: float) -> list[list[str]]:
    """Per element of ``values``: the hashes of its own bucket (the key's side)."""
    flat = np.asarray(values, dtype=float).ravel()
    return [
        sorted({_digest(name, f"{purpose}|{i}|{t}") for t in _tokens(float(v), rel, ab, 0)})
        for i, v in enumerate(flat)
    ]


def _matches(name: str, purpose: str, values, stored: list[list[str]], rel, ab) -> bool:
    """Whether every element of the learner's ``values`` hits its element's stored hashes."""
    flat = np.asarray(values, dtype=float).ravel()
    if len(flat) != len(stored):
        return False
    for i, (v, hashes) in enumerate(zip(flat, stored, strict=True)):
        wanted = set(hashes)
        tokens = _tokens(float(v), rel, ab, _STEPS)
        if not any(_digest(name, f"{purpose}|{i}|{t}") in wanted for t in tokens):
            return False
    return True


def answer_key(
    name: str,
    expected,
    *,
    rtol: float = 1e-3,
    atol: float = 0.0,
    mistakes: dict[str, float] | None = None,
    hint: str | None = None,
) -> dict:
    """The hashed answer key of a self-check: checks an answer without holding its value.

    Takes the arguments of the full form of :func:`check_answer`. The key is a small dict of
    JSON types, the same for the same values (so a committed file of keys stays stable).

    Parameters
    ----------
    name : str
        The answer's variable; it salts every hash.
    expected : number or array-like
        The right value.
    rtol, atol : float
        Tolerances, as in :func:`numpy.allclose`.
    mistakes : dict, optional
        Known wrong answers, ``{hint: value}``; the key keeps each hint in the clear.
    hint : str, optional
        Generic hint for any other wrong answer.

    Returns
    -------
    dict
        ``version``, ``name``, ``shape``, ``rtol``, ``atol``, ``answer`` (per element, the
        hashes of its bucket), ``mistakes`` (each with ``hint``, ``shape``, ``answer``), and
        for a non-zero number ``factor_100``, ``factor_0.01`` and ``close``; ``hint`` if given.

    Raises
    ------
    ValueError
        If ``rtol`` is 0.5 or more, or a tolerance is negative: such a band cannot be hashed.

    Examples
    --------
    >>> key = answer_key("answer_1", 800 / 3, mistakes={"discount the margin": 300.0})
    >>> "266" in str(key), key["shape"], key["mistakes"][0]["hint"]
    (False, [], 'discount the margin')
    """
    if not 0 <= rtol < 0.5 or atol < 0:
        raise ValueError(
            f"rtol={rtol!r}, atol={atol!r}: a hashed answer key needs 0 <= rtol < 0.5 and "
            "atol >= 0; widen the check with atol instead"
        )
    rel, ab = _widths(rtol, atol)
    key: dict = {
        "version": KEY_VERSION,
        "name": name,
        "shape": list(np.shape(expected)),
        "rtol": float(rtol),
        "atol": float(atol),
        "answer": _hashes(name, "answer", expected, rel, ab),
        "mistakes": [
            {
                "hint": _hint_json(why),
                "shape": list(np.shape(wrong)),
                "answer": _hashes(name, f"mistake{i}", wrong, rel, ab),
            }
            for i, (why, wrong) in enumerate((mistakes or {}).items())
        ],
    }
    value = float(np.asarray(expected, dtype=float)) if np.ndim(expected) == 0 else None
    if value is not None and value != 0 and math.isfinite(value):
        factor_width = -math.log1p(-_FACTOR_TOL)
        for factor, label, _ in _FACTORS:
            key[label] = _hashes(name, label, factor * value, factor_width, 0.0)[0][0]
        key["close"] = _hashes(name, "close", value, -math.log1p(-_CLOSE), 0.0)[0][0]
    if hint:
        key["hint"] = _hint_json(hint)
    return key


def _one_hash(name: str, label: str, value: float, width: float, stored: str | None) -> bool:
    return stored is not None and _matches(name, label, value, [[stored]], width, 0.0)


def _changed_parameters(defaults: dict) -> list[str]:
    """The chapter parameters whose value in the running notebook differs from the default."""
    if "IPython" not in sys.modules:  # never imported: not inside a notebook
        return []
    shell = sys.modules["IPython"].get_ipython()
    if shell is None:
        return []
    namespace = shell.user_ns
    changed = []
    for name, default in defaults.items():
        if name in namespace and not _same(namespace[name], default):
            changed.append(name)
    return changed


def _same(value, default) -> bool:
    """Equal, also after the chapter's checks converted the value (a date string to a date)."""
    candidates = [default]
    if isinstance(value, str) or not hasattr(value, "__len__"):  # not an array or a table
        try:
            candidates.append(type(value)(default))
        except (TypeError, ValueError):
            pass
    for candidate in candidates:
        try:
            if bool(value == candidate):
                return True
        except (TypeError, ValueError):  # e.g. an array, whose == gives an array
            pass
    return False


def _keyed_check(name: str, answer, key: dict) -> CheckResult:
    """The verdict of :func:`check_answer` against a hashed key (see the module docstring)."""
    parameters: dict = {}
    if "answers" in key:  # a chapter's keys: {"parameters": ..., "answers": {name: key}}
        parameters = key.get("parameters", {})
        if name not in key["answers"]:
            known = ", ".join(sorted(key["answers"]))
            raise KeyError(f"no answer key for {name!r}; this chapter has keys for {known}")
        key = key["answers"][name]
    if key.get("version") != KEY_VERSION or key.get("name") != name:
        raise ValueError(
            f"this answer key is for {key.get('name')!r} (format {key.get('version')!r}), not "
            f"for {name!r} (format {KEY_VERSION}); take the key cell from the same copy"
        )
    if answer is None or answer is Ellipsis:
        return CheckResult(False, _say("unanswered", name=name))
    shape = tuple(key["shape"])
    scalar = shape == ()
    if scalar and (isinstance(answer, bool) or not isinstance(answer, Real)):
        try:
            answer = float(np.asarray(answer).item())
        except (TypeError, ValueError):
            return CheckResult(False, _say("not_number", name=name, kind=type(answer).__name__))
    if not scalar and np.shape(answer) != shape:
        return CheckResult(False, _say("shape", name=name, got=np.shape(answer), want=shape))
    try:
        values = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return CheckResult(False, _say("numbers_only", name=name))
    rel, ab = _widths(key["rtol"], key["atol"])
    if _matches(name, "answer", values, key["answer"], rel, ab):
        return CheckResult(True, _say("correct", name=name))
    shown = f"{float(values):.6g}" if scalar else _say("your_values")

    def wrong(message: str) -> CheckResult:
        changed = _changed_parameters(parameters)
        if changed:
            message += _say("changed", names=", ".join(changed))
        return CheckResult(False, message)

    for i, mistake in enumerate(key.get("mistakes", [])):
        if tuple(mistake["shape"]) == np.shape(values) and _matches(
            name, f"mistake{i}", values, mistake["answer"], rel, ab
        ):
            return wrong(_say("mistake", name=name, shown=shown, hint=_hint_text(mistake["hint"])))
    if scalar:
        factor_width = -math.log1p(-_FACTOR_TOL)
        for factor, label, why in _FACTORS:
            if _one_hash(name, label, float(values), factor_width, key.get(label)):
                return wrong(_say("factor", name=name, shown=shown, factor=f"{factor:g}", why=why))
        if _one_hash(name, "close", float(values), -math.log1p(-_CLOSE), key.get("close")):
            return wrong(_say("close_key", name=name, shown=shown))
    extra = _say("hint", hint=_hint_text(key["hint"])) if key.get("hint") else ""
    return wrong(_say("wrong", name=name, shown=shown) + extra)


def check_answer(
    name: str,
    answer,
    expected=None,
    *,
    key: dict | None = None,
    rtol: float = 1e-3,
    atol: float = 0.0,
    mistakes: dict[str, float] | None = None,
    hint: str | None = None,
) -> CheckResult:
    """Compare a learner's numeric answer with the expected value, or with its hashed key.

    Parameters
    ----------
    name : str
        The variable the learner fills, e.g. ``"answer_1"``.
    answer : number or array-like
        The learner's value (``None`` while not answered).
    expected : number or array-like, optional
        The right value, computed independently of the solution cell (the full form).
    key : dict, optional
        Instead of ``expected``: the hashed answer key (the learner's form). Either one
        answer's key (:func:`answer_key`) or a chapter's keys,
        ``{"parameters": {...}, "answers": {name: key}}``. With a chapter's keys, a wrong
        verdict also says which chapter parameters differ from the ones the keys were made with.
    rtol, atol : float
        Tolerances, as in :func:`numpy.allclose` (full form only; a key holds its own).
    mistakes : dict, optional
        Known wrong answers and what they reveal: ``{"you forgot to discount": 300.0}``.
        The first one the answer matches gives the hint.
    hint : str, optional
        Generic hint for any other wrong answer.

    Returns
    -------
    CheckResult
        ``passed`` and a one-line ``message`` that says what to look at when wrong. The full
        form's result also carries the answer key (``key``), which it shows to Jupyter.

    Raises
    ------
    TypeError
        If both or neither of ``expected`` and ``key`` are given.
    ValueError
        If ``rtol`` is 0.5 or more (full form), or the key is for another answer.

    Examples
    --------
    >>> check_answer("answer_1", 266.7, 800 / 3, rtol=1e-3)
    ✓ answer_1 is correct (266.7).
    >>> check_answer("answer_1", 300, 800 / 3, mistakes={"discount the margin": 300})
    ✗ answer_1 = 300 is not right: discount the margin.

    The learner's form gives the same verdicts without the expected value:

    >>> key = answer_key("answer_1", 800 / 3, mistakes={"discount the margin": 300})
    >>> check_answer("answer_1", 266.7, key=key)
    ✓ answer_1 is correct.
    >>> check_answer("answer_1", 300, key=key)
    ✗ answer_1 = 300 is not right: discount the margin.
    """
    if key is not None:
        if expected is not None or mistakes is not None or hint is not None:
            raise TypeError("pass either expected= (with mistakes= and hint=) or key=, not both")
        return _keyed_check(name, answer, key)
    if expected is None:
        raise TypeError(f"check_answer({name!r}, ...) needs expected= or key=")
    made = answer_key(name, expected, rtol=rtol, atol=atol, mistakes=mistakes, hint=hint)

    def result(passed: bool, message: str) -> CheckResult:
        return CheckResult(passed, message, key=made)

    if answer is None or answer is Ellipsis:
        return result(False, _say("unanswered", name=name))
    scalar_expected = np.ndim(expected) == 0
    if scalar_expected and (isinstance(answer, bool) or not isinstance(answer, Real)):
        try:
            answer = float(np.asarray(answer).item())
        except (TypeError, ValueError):
            return result(False, _say("not_number", name=name, kind=type(answer).__name__))
    if not scalar_expected and np.shape(answer) != np.shape(expected):
        return result(
            False, _say("shape", name=name, got=np.shape(answer), want=np.shape(expected))
        )
    shown = f"{answer:.6g}" if scalar_expected else _say("your_values")
    if _close(answer, expected, rtol, atol):
        return result(True, _say("correct_value", name=name, shown=shown))
    for why, wrong in (mistakes or {}).items():
        if _close(answer, wrong, rtol, atol):
            return result(False, _say("mistake", name=name, shown=shown, hint=_hint_text(why)))
    if scalar_expected and expected != 0:
        ratio = float(answer) / float(expected)
        for factor, _, why in _FACTORS:
            if math.isclose(ratio, factor, rel_tol=_FACTOR_TOL):
                return result(
                    False, _say("factor", name=name, shown=shown, factor=f"{factor:g}", why=why)
                )
        if abs(ratio - 1) < _CLOSE:
            return result(False, _say("close", name=name, shown=shown))
    extra = _say("hint", hint=_hint_text(hint)) if hint else ""
    return result(False, _say("wrong", name=name, shown=shown) + extra)
