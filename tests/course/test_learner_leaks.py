"""No solution line and no answer value in a learner's copy of a chapter, and the copy works.

The secrets of a chapter (``coursebuild.learner_secrets``) are the lines of its solution cells,
the sentences of its model answers and rubrics, the code of its self-checks, and the answer
values as the instructor's verdicts print them. The values come from the executed chapters in
``build/executed/`` (written by nbval or ``make run``), so the tests that need them are marked
``notebooks``: ``make test`` runs them after nbval. Without the executed chapters they skip.

The runs at the end (marked ``notebooks``) execute chapter 01's student copy with the solutions
typed in, and with a known mistake, and read the keyed verdicts.
"""

from __future__ import annotations

import functools
import importlib.util
import re

import coursebuild
import nbformat
import papermill
import pytest
import runner

CHAPTERS = runner.chapters()
IDS = [p.stem for p in CHAPTERS]
EXECUTED = runner.find_root(runner.NOTEBOOKS) / "build" / "executed"


def _read(path):
    return nbformat.read(path, as_version=4)


@functools.cache
def _committed() -> dict:
    return coursebuild.load_answer_keys(runner.find_root(runner.NOTEBOOKS))


def _executed(path):
    """The executed chapter, or a skip that says why the values cannot be checked."""
    executed = EXECUTED / path.name
    if not executed.exists():
        pytest.skip(f"no {executed.name} in build/executed: run the chapters (nbval or make run)")
    nb = _read(executed)
    try:
        keys = coursebuild.chapter_answer_keys(nb, path.stem)
    except ValueError as err:
        pytest.skip(f"build/executed is stale: {err}")
    if keys != _committed().get(path.stem):
        pytest.skip(f"build/executed/{path.name} does not match course/answer_keys.json")
    return nb


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_copy_holds_no_solution_line(path):
    source = _read(path)
    secrets = coursebuild.learner_secrets(source)
    assert len(secrets) >= 5, f"{path.name}: too few solution lines to check: {secrets}"
    copy = coursebuild.student_notebook(source, _committed()[path.stem])
    assert coursebuild.find_leaks(coursebuild.notebook_text(copy), secrets) == []
    # The check does find them in the instructor's chapter.
    found = coursebuild.find_leaks(coursebuild.notebook_text(source), secrets)
    assert found == sorted(secrets)


@pytest.mark.notebooks  # after nbval, which writes build/executed/
@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_copy_holds_no_answer_value(path):
    source, executed = _read(path), _executed(path)
    values = coursebuild.learner_secrets(source, executed) - coursebuild.learner_secrets(source)
    copy = coursebuild.student_notebook(source, _committed()[path.stem])
    assert coursebuild.find_leaks(coursebuild.notebook_text(copy), values) == []
    assert coursebuild.find_leaks(coursebuild.notebook_text(executed), values) == sorted(values)


# Answer values that the chapter itself prints before the exercise, in the learner's edition of
# the website (outputs kept). They are public in the lesson, so the exercise asks the learner to
# find or recompute a number the page already shows.
PRINTED_IN_THE_LESSON: dict[str, list[str]] = {}


@pytest.mark.notebooks  # after nbval, which writes build/executed/
@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_site_edition_holds_no_solution_line_or_answer_value(path):
    source, executed = _read(path), _executed(path)
    secrets = coursebuild.learner_secrets(source, executed)
    site = coursebuild.learner_notebook(executed, _committed()[path.stem], keep_outputs=True)
    leaks = coursebuild.find_leaks(coursebuild.notebook_text(site), secrets)
    assert leaks == PRINTED_IN_THE_LESSON.get(path.stem, [])


# --- the student copy runs ------------------------------------------------------------------


@functools.cache
def _nbval_plugin():
    path = runner.find_root(runner.NOTEBOOKS) / "conftest.py"
    spec = importlib.util.spec_from_file_location("nbval_capture_leaks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _solutions(nb) -> dict[str, str]:
    """The code of each solution cell, by the answer it fills."""
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
            for name in re.findall(r"^(answer_\d+)\s*=", cell.source, flags=re.M):
                out[name] = cell.source
    return out


def _run_student_copy(tmp_path, chapter, answers, parameters=None) -> list[str]:
    """Run a chapter's student copy with ``answers`` typed into the answer cells."""
    path = runner.NOTEBOOKS / f"{chapter}.ipynb"
    copy = coursebuild.student_notebook(_read(path), _committed()[chapter])
    filled = 0
    for cell in copy.cells:
        match = re.match(r"(answer_\d+) = None", cell.source)
        if cell.cell_type == "code" and match and match[1] in answers:
            cell.source = answers[match[1]]
            filled += 1
    assert filled == len(answers)
    student, out = tmp_path / "student.ipynb", tmp_path / "out.ipynb"
    nbformat.write(copy, student)
    papermill.execute_notebook(
        str(student),
        str(out),
        parameters=parameters or {},
        cwd=str(runner.NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    return _nbval_plugin().self_check_verdicts(_read(out))


@pytest.mark.notebooks
def test_student_copy_runs_with_the_solutions_typed_in(tmp_path):
    solutions = _solutions(_read(runner.NOTEBOOKS / "01_crm_foundations.ipynb"))
    assert sorted(solutions) == ["answer_1", "answer_2", "answer_3"]
    verdicts = _run_student_copy(tmp_path, "01_crm_foundations", solutions)
    assert verdicts == [f"✓ {name} is correct." for name in sorted(solutions)]


@pytest.mark.notebooks
def test_student_copy_runs_with_a_known_mistake_and_other_parameters(tmp_path):
    solutions = _solutions(_read(runner.NOTEBOOKS / "01_crm_foundations.ipynb"))
    answers = {**solutions, "answer_1": "answer_1 = 120 * 0.8 / (1 - 0.8)"}
    verdicts = _run_student_copy(
        tmp_path, "01_crm_foundations", answers, parameters={"retention_rate": 0.8}
    )
    note = "The stored answers are for the default parameters; you changed retention_rate."
    assert verdicts[0] == (
        f"✗ answer_1 = 480 is not right: discount the future margins by the discount rate. {note}"
    )
    assert verdicts[1] == "✓ answer_2 is correct."  # the CDNOW share does not use the parameter
    assert verdicts[2].startswith("✗ answer_3 = ") and verdicts[2].endswith(note)
