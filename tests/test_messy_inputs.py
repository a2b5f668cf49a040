"""Messy input, as learners and researchers bring it: every case ends in the result it must give
or in a clear error (or warning) that names the column or parameter and the fix.

The cases are tables, one per kind of input, in ``tests/messy/<area>.py``. A case is a tuple
``(case_id, kind, call, expected)``:

``kind``
    what is messy: "file", "identifier", "date", "coding", "model", "analysis", "parameter",
    "structure", "type" or "value".
``call``
    ``call(tmp_path)`` runs the public function on the messy input (``tmp_path`` is a fresh
    folder for files the case writes) and returns its result.
``expected``
    ``("ok", check)``: no error and no warning of the package; ``check(result)`` asserts the
    numbers.
    ``("warn", WarningClass, pattern, check)``: the result is correct (``check``) and a warning
    of that class whose text matches ``pattern`` (a regular expression) was raised.
    ``("error", ErrorClass, pattern)``: that error, its message matching ``pattern``.

Every file a case writes is hashed before and after the call: reading never modifies it.

``python tests/test_messy_inputs.py`` prints the number of cases by kind and by outcome.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

from helpers.exceptions import DataQualityWarning

HERE = Path(__file__).resolve().parent / "messy"
KINDS = (
    "file", "identifier", "date", "coding", "model", "analysis", "parameter", "structure",
    "type", "value",
)  # fmt: skip


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"messy_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_cases() -> list[tuple]:
    cases = []
    for path in sorted(HERE.glob("[!_]*.py")):
        for case in _load(path).CASES:
            cases.append((f"{path.stem}:{case[0]}", *case[1:]))
    return cases


CASES = all_cases()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_case(call, tmp_path: Path):
    """Run one case: (result, exception, package warnings raised)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, error = call(tmp_path), None
        except Exception as exc:  # noqa: BLE001 - the outcome is what is being tested
            result, error = None, exc
    ours = [w for w in caught if issubclass(w.category, (DataQualityWarning, FutureWarning))]
    return result, error, ours


def test_case_ids_are_unique_and_kinds_known():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert {c[1] for c in CASES} <= set(KINDS)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_messy_input(case, tmp_path):
    _, kind, call, expected = case
    before = _hashes(tmp_path)
    result, error, caught = run_case(call, tmp_path)
    after = _hashes(tmp_path)
    assert {k: after[k] for k in before} == before, "an input file was modified"
    outcome = expected[0]
    if outcome == "error":
        _, cls, pattern = expected
        assert error is not None, f"expected {cls.__name__}, got a result: {result!r}"
        assert isinstance(error, cls), f"expected {cls.__name__}, got {error!r}"
        assert re.search(pattern, str(error)), f"message {str(error)!r} !~ {pattern!r}"
        return
    if error is not None:
        raise error
    if outcome == "warn":
        _, cls, pattern, check = expected
        texts = [str(w.message) for w in caught if issubclass(w.category, cls)]
        assert any(re.search(pattern, t) for t in texts), (
            f"no {cls.__name__} ~ {pattern!r}: {texts}"
        )
    else:
        assert outcome == "ok", expected
        _, check = expected
        assert not [w for w in caught if issubclass(w.category, DataQualityWarning)], [
            str(w.message) for w in caught
        ]
    verdict = check(result)
    assert verdict is None or verdict, f"wrong result: {result!r}"


OUTCOMES = (
    "correct result",
    "clear error",
    "unclear error",
    "crash",
    "silent wrong result",
    "not runnable",
)


def classify(case, tmp_path: Path) -> str:
    """What a case actually gives, in the issue's words, whatever it should give."""
    from helpers import exceptions

    ours = (exceptions.DataValidationError, exceptions.ParameterError, exceptions.ConvergenceError)
    _, _, call, expected = case
    result, error, caught = run_case(call, tmp_path)
    if error is not None:
        if expected[0] == "error" and isinstance(error, expected[1]):
            return "clear error" if re.search(expected[2], str(error)) else "unclear error"
        return "unclear error" if isinstance(error, ours) else "crash"
    if expected[0] == "error":
        return "silent wrong result"
    try:
        verdict = expected[-1](result)
    except Exception:  # noqa: BLE001 - a check that cannot even read the result
        verdict = False
    if verdict is not None and not verdict:
        return "silent wrong result"
    if expected[0] == "warn":
        said = any(
            issubclass(w.category, expected[1]) and re.search(expected[2], str(w.message))
            for w in caught
        )
        return "correct result" if said else "silent wrong result"
    return "correct result"


def counts() -> Counter:
    """Cases by (kind, expected outcome)."""
    return Counter((c[1], c[3][0]) for c in CASES)


if __name__ == "__main__":  # pragma: no cover - a report for the closing note
    import tempfile

    table = counts()
    print(f"{len(CASES)} cases; expected outcome by kind")
    for kind in KINDS:
        row = {o: table[(kind, o)] for o in ("ok", "warn", "error")}
        print(f"  {kind:12s} " + "  ".join(f"{o}={n}" for o, n in row.items()))
    seen = Counter()
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            seen[classify(case, Path(tmp))] += 1
    print("actual outcome: " + ", ".join(f"{seen[o]} {o}" for o in OUTCOMES if seen[o]))
    sys.exit(0)
