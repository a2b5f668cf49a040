"""Student and instructor copies of the chapters."""

import nbformat
import papermill
import pytest

from helpers import coursebuild, runner


def test_student_copies_hold_no_solution_and_no_output(tmp_path):
    written = coursebuild.build_copies("student", tmp_path / "student")
    assert [p.name for p in written] == [p.name for p in runner.chapters()]
    for path in written:
        original = nbformat.read(runner.NOTEBOOKS / path.name, as_version=4)
        copy = nbformat.read(path, as_version=4)
        solutions = [c for c in original.cells if "solution" in c.metadata.get("tags", [])]
        assert solutions, f"{path.name} has no solution cells to remove"
        assert len(copy.cells) == len(original.cells) - len(solutions)
        assert not any("solution" in c.metadata.get("tags", []) for c in copy.cells)
        solution_code = {c.source for c in solutions}
        assert not any(c.source in solution_code for c in copy.cells)
        assert all(not c.get("outputs") for c in copy.cells if c.cell_type == "code")
        # The learner still gets every exercise's answer variable and self-check.
        assert sum("check_answer(" in c.source for c in copy.cells) == len(solutions)


def test_instructor_copies_keep_solutions(tmp_path):
    written = coursebuild.build_copies("instructor", tmp_path / "instructor")
    for path in written:
        copy = nbformat.read(path, as_version=4)
        original = nbformat.read(runner.NOTEBOOKS / path.name, as_version=4)
        assert [c.source for c in copy.cells] == [c.source for c in original.cells]
        assert all(not c.get("outputs") for c in copy.cells if c.cell_type == "code")


STUDENT_CHAPTERS = [p.stem for p in runner.chapters()]


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory):
    return tmp_path_factory.mktemp("student")


@pytest.mark.parametrize("stem", STUDENT_CHAPTERS)
def test_student_copy_runs_and_each_self_check_asks_for_an_answer(stem, student_copies):
    """A learner who runs the student copy top to bottom meets no error, and every self-check
    says the exercise is still open (the solutions are gone, so none may pass by itself)."""
    folder = student_copies
    if not (folder / f"{stem}.ipynb").exists():
        coursebuild.build_copies("student", folder)
    out = folder / f"{stem}.out.ipynb"
    papermill.execute_notebook(
        str(folder / f"{stem}.ipynb"),
        str(out),
        parameters=runner.load_profile("smoke")["parameters"].get(stem, {}),
        cwd=str(runner.NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    nb = nbformat.read(out, as_version=4)
    verdicts = [
        "".join(o.get("data", {}).get("text/plain", "") for o in c.outputs)
        for c in nb.cells
        if c.cell_type == "code" and "check_answer(" in c.source
    ]
    assert verdicts
    assert not any(v.startswith("✓") for v in verdicts), verdicts
    assert all(v.strip() for v in verdicts), f"a self-check printed nothing: {verdicts}"
