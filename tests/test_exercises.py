"""Self-check helper: verdicts and hints, in the full form and in the hashed-key form."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from helpers import exercises
from helpers.exercises import ANSWER_KEY_MIME, answer_key, check_answer


def test_correct_and_unanswered():
    ok = check_answer("answer_1", 266.67, 800 / 3)
    assert ok and "correct" in repr(ok)
    todo = check_answer("answer_1", None, 1.0)
    assert not todo and "not answered yet" in repr(todo)


def test_known_mistake_gives_its_hint():
    res = check_answer("answer_1", 480.0, 320.0, mistakes={"discount the margins": 480.0})
    assert not res and repr(res).endswith("discount the margins.")


def test_percent_versus_share():
    assert "percentage instead of a share" in repr(check_answer("a", 48.9, 0.489))
    assert "share instead of a percentage" in repr(check_answer("a", 0.489, 48.9))


def test_near_miss_and_generic_hint():
    assert "within 5%" in repr(check_answer("a", 102.0, 100.0))
    assert repr(check_answer("a", 7.0, 100.0, hint="use the formula")).endswith("use the formula")


def test_wrong_type_and_shape():
    assert "should be a number" in repr(check_answer("a", "twelve", 12))
    res = check_answer("a", np.ones(3), np.ones(4))
    assert not res and "shape" in repr(res)
    assert check_answer("a", np.array([1.0, 2.0]), [1.0, 2.0])
    assert check_answer("a", np.float64(12.0), 12)


# --- the hashed key --------------------------------------------------------------------------

# (expected, tolerances, mistakes) of the grid; the mistakes are well away from the answer.
CASES = {
    "share": (0.48912, {}, {"a repeat purchase means frequency > 0": 0.2571}),
    "money": (266.66666, {"rtol": 2e-3}, {"discount the margins": 480.0}),
    "negative": (-8.4153, {}, {"the sign is reversed": 8.4153}),
    "count": (7640, {"rtol": 0}, {"count purchase days, not rows": 8123}),
    "count within one": (1843, {"rtol": 0, "atol": 1}, {"both arms together": 3686}),
    "tiny with atol": (0.03125, {"atol": 1e-9}, {"divide by the previous month": 0.0303}),
    "zero": (0.0, {"atol": 1e-6}, {"that is the share without": 1.0}),
    "array": ([1.5, 22.75, 0.0125], {}, {"sorted the wrong way": [0.0125, 22.75, 1.5]}),
}


def _answers(expected, tolerances, mistakes):
    """Right, near, mistake, factor-100, close, far, None, wrong-type and wrong-shape answers."""
    e = np.asarray(expected, dtype=float)
    rtol, atol = tolerances.get("rtol", 1e-3), tolerances.get("atol", 0.0)
    near = e + 0.9 * (atol + rtol * np.abs(e)) if rtol or atol else e
    grid = {
        "right": expected,
        "near": near if e.ndim else float(near),
        "mistake": next(iter(mistakes.values())),
        "far": (7 * e + 3).tolist() if e.ndim else float(7 * e + 3),
        "none": None,
        "text": "twelve",
        "shape": np.ones(e.size + 1),
    }
    if e.ndim == 0 and e != 0:
        grid |= {"x100": 100 * float(e), "x0.01": float(e) / 100, "close": 1.02 * float(e)}
    return grid


def _same_family(full: str) -> str:
    """The keyed form's message for a full-form message: no expected value echoed."""
    full = re.sub(r" is correct \(.*\)\.$", " is correct.", full)
    return full.replace("is within 5% but", "is within about 5% but")


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_keyed_form_gives_the_full_forms_verdicts(case):
    expected, tolerances, mistakes = CASES[case]
    key = answer_key("answer_1", expected, mistakes=mistakes, hint="use the formula", **tolerances)
    families = set()
    for label, answer in _answers(expected, tolerances, mistakes).items():
        full = check_answer(
            "answer_1", answer, expected, mistakes=mistakes, hint="use the formula", **tolerances
        )
        keyed = check_answer("answer_1", answer, key=key)
        assert bool(keyed) == bool(full), (label, answer, repr(full), repr(keyed))
        assert repr(keyed) == _same_family(repr(full)), (label, answer)
        families.add(repr(full).split(" ")[0] + (" ok" if full else ""))
    assert {"✓ ok", "✗", "…"} <= families  # the grid holds right, wrong and unanswered answers


def test_the_grid_meets_every_kind_of_verdict():
    expected, tolerances, mistakes = CASES["money"]
    key = answer_key("a", expected, mistakes=mistakes, hint="use the formula", **tolerances)
    verdicts = {
        label: repr(check_answer("a", answer, key=key))
        for label, answer in _answers(expected, tolerances, mistakes).items()
    }
    assert verdicts == {
        "right": "✓ a is correct.",
        "near": "✓ a is correct.",
        "mistake": "✗ a = 480 is not right: discount the margins.",
        "far": "✗ a = 1869.67 is not right. Hint: use the formula",
        "none": "… a is not answered yet: assign your result to a.",
        "text": "✗ a should be a number, not str.",
        "shape": "✗ a should be a number, not ndarray.",
        "x100": "✗ a = 26666.7 is off by a factor 100: a percentage instead of a share?",
        "x0.01": "✗ a = 2.66667 is off by a factor 0.01: a share instead of a percentage?",
        "close": "✗ a = 272 is within about 5% but not right: check rounding and timing.",
    }
    array_key = answer_key("a", [1.0, 2.0, 3.0])
    assert repr(check_answer("a", np.ones(2), key=array_key)) == (
        "✗ a has shape (2,), expected (3,): check which rows or columns you kept."
    )


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_key_holds_no_expected_value(case):
    expected, tolerances, mistakes = CASES[case]
    key = answer_key("answer_1", expected, mistakes=mistakes, **tolerances)
    text = json.dumps(key)
    for value in np.ravel(expected):
        if value == 0:
            continue
        digits = f"{abs(value):.6g}".replace(".", "").lstrip("0")
        if len(digits) >= 4:
            assert digits[:4] not in text, (digits, text)
        assert f"{value:.6g}" not in text
    assert set(key) >= {"answer", "mistakes", "shape", "rtol", "atol"}
    assert all(re.fullmatch(r"[0-9a-f]{20}", h) for element in key["answer"] for h in element)


def test_keys_are_deterministic_and_salted_by_name():
    one = json.dumps(answer_key("answer_1", 0.48912, mistakes={"m": 0.25}, hint="h"))
    assert one == json.dumps(answer_key("answer_1", 0.48912, mistakes={"m": 0.25}, hint="h"))
    other = answer_key("answer_2", 0.48912, mistakes={"m": 0.25}, hint="h")
    assert json.loads(one)["answer"] != other["answer"]
    # A key for answer_2 does not check answer_1.
    with pytest.raises(ValueError, match="this answer key is for 'answer_2'"):
        check_answer("answer_1", 0.48912, key=other)


@pytest.mark.parametrize("rtol", [1e-3, 2e-3, 1e-6, 0.05])
def test_bucket_edges_accept_everything_within_the_tolerance(rtol):
    rng = np.random.default_rng(7)
    values = rng.choice([-1, 1], 300) * 10 ** rng.uniform(-6, 9, 300)
    for e in values:
        key = answer_key("a", e, rtol=rtol)
        for a in (e * (1 + rtol * 0.999999), e * (1 - rtol * 0.999999), e):
            assert check_answer("a", a, e, rtol=rtol), (e, a)
            assert check_answer("a", a, key=key), (e, a, rtol)
        # Beyond 1.1 times the tolerance (in log terms) nothing is accepted: the band is narrow.
        for a in (e * (1 - rtol) ** -1.11, e * (1 - rtol) ** 1.11):
            assert not check_answer("a", a, key=key), (e, a, rtol)


def test_bucket_edges_of_an_absolute_tolerance():
    key = answer_key("a", 1843, rtol=0, atol=1)
    for a in (1842, 1843, 1844, 1843.999):
        assert check_answer("a", a, key=key), a
    for a in (1841.8, 1845.2, -1843):
        assert not check_answer("a", a, key=key), a
    exact = answer_key("a", 7640, rtol=0)
    assert check_answer("a", np.int64(7640), key=exact)
    assert check_answer("a", 7640.0, key=exact)
    assert not check_answer("a", 7640.5, key=exact)
    assert not check_answer("a", 7641, key=exact)


def test_full_form_shows_its_key_to_jupyter():
    res = check_answer("answer_1", 96.0, 96.0, mistakes={"m": 480.0})
    bundle = res._repr_mimebundle_()
    assert bundle["text/plain"] == "✓ answer_1 is correct (96)."
    assert bundle[ANSWER_KEY_MIME] == answer_key("answer_1", 96.0, mistakes={"m": 480.0})
    assert res.key == bundle[ANSWER_KEY_MIME]
    keyed = check_answer("answer_1", 96.0, key=res.key)
    assert keyed and keyed.key is None and set(keyed._repr_mimebundle_()) == {"text/plain"}


def test_chapter_keys_name_changed_parameters(monkeypatch):
    class Shell:
        user_ns = {
            "retention_rate": 0.8,
            "seed": 42,
            "calibration_end": pd.Timestamp("1997-09-30"),  # the chapter's check converts it
        }

    monkeypatch.setattr("IPython.get_ipython", lambda: Shell)
    keys = {
        "parameters": {"retention_rate": 0.75, "seed": 42, "calibration_end": "1997-09-30"},
        "answers": {"answer_1": answer_key("answer_1", 384.0, mistakes={"discount": 480.0})},
    }
    note = " The stored answers are for the default parameters; you changed retention_rate."
    assert repr(check_answer("answer_1", 384.0, key=keys)) == "✓ answer_1 is correct."
    assert repr(check_answer("answer_1", 480.0, key=keys)) == (
        "✗ answer_1 = 480 is not right: discount." + note
    )
    assert repr(check_answer("answer_1", 10.0, key=keys)) == "✗ answer_1 = 10 is not right." + note
    Shell.user_ns["retention_rate"] = 0.75
    assert repr(check_answer("answer_1", 10.0, key=keys)) == "✗ answer_1 = 10 is not right."
    with pytest.raises(KeyError, match="no answer key for 'answer_9'"):
        check_answer("answer_9", 1.0, key=keys)


def test_outside_ipython_no_parameter_is_named(monkeypatch):
    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    assert exercises._changed_parameters({"seed": 1}) == []


def test_misuse_is_refused_with_a_clear_message():
    key = answer_key("a", 1.0)
    with pytest.raises(TypeError, match="either expected="):
        check_answer("a", 1.0, 1.0, key=key)
    with pytest.raises(TypeError, match="needs expected= or key="):
        check_answer("a", 1.0)
    with pytest.raises(ValueError, match="needs 0 <= rtol < 0.5"):
        answer_key("a", 1.0, rtol=0.5)
    assert math.isclose(key["rtol"], 1e-3) and key["atol"] == 0.0


def test_verdicts_and_hints_follow_the_chapter_language():
    from helpers.language import Text, set_language

    mistakes = {Text("discount the margin", "对毛利贴现"): 300.0}
    key = answer_key("answer_1", 800 / 3, mistakes=mistakes, hint=Text("use r", "用 r"))
    assert key["mistakes"][0]["hint"] == {"en": "discount the margin", "zh": "对毛利贴现"}
    try:
        set_language("zh")
        assert repr(check_answer("answer_1", 300, 800 / 3, mistakes=mistakes)) == (
            "✗ answer_1 = 300 不对：对毛利贴现。"
        )
        assert repr(check_answer("answer_1", 266.7, key=key)) == "✓ answer_1 正确。"
        assert repr(check_answer("answer_1", 300, key=key)) == "✗ answer_1 = 300 不对：对毛利贴现。"
        assert repr(check_answer("answer_1", 10, key=key)) == "✗ answer_1 = 10 不对。提示：用 r"
        assert "还没有作答" in repr(check_answer("answer_1", None, key=key))
        assert "差了 100 倍：是不是把比例写成了百分数？" in repr(
            check_answer("answer_1", 26666.7, key=key)
        )
    finally:
        set_language("en")
    assert repr(check_answer("answer_1", 300, key=key)) == (
        "✗ answer_1 = 300 is not right: discount the margin."
    )
    assert repr(check_answer("answer_1", 10, key=key)).endswith("Hint: use r")
