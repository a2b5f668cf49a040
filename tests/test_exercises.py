"""Self-check helper: verdicts and hints."""

import numpy as np

from helpers.exercises import check_answer


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
