"""Chapter notebooks: structure, parameters, committed outputs, and runs with other parameters.

A chapter runs with its defaults once, under nbval (``make test-notebooks``): the plugin in the
repository's ``conftest.py`` keeps that run in ``build/executed/`` for the website and fails
when a solution does not pass its own self-check. The runs here are the other ones, marked
``notebooks``: every student copy with the ``smoke`` profile's small parameters, and the bad
parameters that stop a chapter in its first cells. The structure tests are fast and unmarked.
"""

from __future__ import annotations

import ast
import functools
import re

import coursebuild
import nbformat
import papermill
import pytest
from bilingual import monolingual
from papermill.exceptions import PapermillExecutionError
from runner import NOTEBOOKS, chapters, load_profile

CHAPTERS = chapters()
IDS = [p.stem for p in CHAPTERS]


def _read(path):
    return nbformat.read(path, as_version=4)


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_there_are_chapters():
    assert {"00_welcome", "01_crm_foundations"} <= set(IDS)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_parameters_cell(path):
    nb = _read(path)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in _tags(c)]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters'"
    cell = nb.cells[tagged[0]]
    tree = ast.parse(cell.source)
    names = []
    for node in tree.body:
        # Literal, type-annotated defaults only: nothing derived in the parameters cell.
        assert isinstance(node, ast.AnnAssign), f"{path.name}: not annotated: {ast.unparse(node)}"
        ast.literal_eval(node.value)
        names.append(node.target.id)
    assert "seed" in names
    # papermill must see every parameter (its parser is stricter than Python's).
    assert list(papermill.inspect_notebook(str(path))) == names
    for line in cell.source.splitlines():
        assert "#" in line, f"{path.name}: parameter without a comment: {line!r}"
    # The next code cell validates every parameter.
    following = next(c for c in nb.cells[tagged[0] + 1 :] if c.cell_type == "code")
    for name in names:
        assert name in following.source, f"{path.name}: parameter {name!r} is not validated"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_skeleton_and_exercises(path):
    nb = monolingual(_read(path), "en")  # each language's chapter has the same skeleton
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert "## Learning objectives" in headings
    assert headings.index("## Key takeaways") < headings.index("## Exercises")
    solutions = [i for i, c in enumerate(nb.cells) if "solution" in _tags(c)]
    assert solutions, f"{path.name} has no exercises"
    for i in solutions:
        if nb.cells[i].cell_type == "code":
            # A numeric exercise: the cell before holds the learner's `answer_N = None`; the
            # cell after self-checks it.
            assert nb.cells[i - 1].source.strip().startswith("answer_")
            assert "check_answer(" in nb.cells[i + 1].source
        else:
            # A decision exercise: the learner writes in the cell before; the instructor's
            # model answer comes with its marking rubric.
            assert nb.cells[i - 1].source.strip().startswith("*Your answer:*"), path.name
            assert "**Model answer.**" in nb.cells[i].source, path.name
            assert "**Marking rubric**" in nb.cells[i].source, path.name
    assert "sys.path" not in "".join(c.source for c in nb.cells)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_committed_outputs_only_on_checked_cells(path):
    for cell in _read(path).cells:
        if cell.cell_type != "code":
            continue
        checked = cell.source.lstrip().startswith("# NBVAL_CHECK_OUTPUT")
        if checked:
            assert cell.outputs and cell.execution_count, "checked cell without stored output"
            assert "keep_output" in _tags(cell)
        else:
            assert not cell.outputs, f"{path.name}: stray output in {cell.source[:40]!r}"


def _run(path, tmp_path, parameters):
    out = tmp_path / path.name
    papermill.execute_notebook(
        str(path),
        str(out),
        parameters=parameters,
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    return _read(out)


SMOKE = load_profile("smoke")["parameters"]


@pytest.mark.notebooks
@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_copy_runs_with_small_parameters_and_no_self_check_passes(path, tmp_path):
    """A learner who runs the student copy top to bottom meets no error, and every self-check
    says the exercise is still open (the solutions are gone, so none may pass by itself)."""
    parameters = SMOKE.get(path.stem, {})
    assert parameters, f"profile smoke has no small parameter set for {path.stem}"
    student = tmp_path / "student" / path.name
    student.parent.mkdir()
    nbformat.write(coursebuild.student_notebook(_read(path)), student)
    nb = _run(student, tmp_path, parameters)
    verdicts = _nbval_plugin().self_check_verdicts(nb)  # the same reading as the nbval run
    assert verdicts
    assert not any(v.startswith("✓") for v in verdicts), verdicts
    assert all(v.strip() for v in verdicts), f"a self-check printed nothing: {verdicts}"


@pytest.mark.notebooks
def test_bad_parameter_stops_the_notebook_with_a_clear_message(tmp_path):
    path = NOTEBOOKS / "01_crm_foundations.ipynb"
    with pytest.raises(PapermillExecutionError) as info:
        _run(path, tmp_path, {"retention_rate": 1.5})
    err = info.value
    assert err.ename == "ParameterError"
    assert "parameter 'retention_rate' = 1.5 is out of range" in err.evalue
    # It stops at the validation cell, right after the parameters: nothing after it ran.
    assert "validated()" in err.source
    nb = _read(tmp_path / path.name)
    failing = next(i for i, c in enumerate(nb.cells) if c.source == err.source)
    previous_code = [c for c in nb.cells[:failing] if c.cell_type == "code"][-1]
    assert "injected-parameters" in _tags(previous_code)
    assert not any(c.get("outputs") for c in nb.cells[failing + 1 :])


@pytest.mark.notebooks
def test_bad_choice_parameter(tmp_path):
    with pytest.raises(PapermillExecutionError, match="'cdnow_kind' = 'full' is not one of"):
        _run(NOTEBOOKS / "00_welcome.ipynb", tmp_path, {"cdnow_kind": "full"})


@functools.cache
def _nbval_plugin():
    """The repository's conftest.py, which keeps what nbval executes (loaded by path)."""
    import importlib.util

    path = NOTEBOOKS.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("nbval_capture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_executed_copy_reads_every_self_check_verdict():
    plugin = _nbval_plugin()
    nb = nbformat.v4.new_notebook()
    result = {"output_type": "execute_result", "execution_count": 3, "metadata": {}}
    error = {"output_type": "error", "ename": "NameError", "evalue": "y", "traceback": []}
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell(
            'check_answer("answer_1", x, 1)',
            outputs=[{**result, "data": {"text/plain": "✓ answer_1 is correct (1)."}}],
        ),
        nbformat.v4.new_code_cell(
            'check_answer("answer_2", y, 2)',
            outputs=[error],
        ),
        nbformat.v4.new_code_cell('print("x")\ncheck_answer("answer_3", None, 2)', outputs=[]),
    ]
    assert plugin.self_check_verdicts(nb) == ["✓ answer_1 is correct (1).", "NameError: y", ""]


def test_a_closing_semicolon_hides_the_value_as_in_a_notebook():
    plugin = _nbval_plugin()
    assert plugin._quiet("ax.legend();")
    assert plugin._quiet("ax.legend();  # a comment")
    assert not plugin._quiet("ax.legend()")
    assert not plugin._quiet("x = 1; x")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_chapter_takes_a_language(path):
    nb = _read(path)
    params = next(c for c in nb.cells if "parameters" in _tags(c))
    assert re.search(r'^lang: str = "en"  # ', params.source, re.M), path.name
    validation = nb.cells[nb.cells.index(params) + 1]
    assert "set_language(lang)" in validation.source, path.name
