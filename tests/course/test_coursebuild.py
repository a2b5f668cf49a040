"""Student and instructor copies of the chapters."""

import shutil

import coursebuild  # course/tools/, put on the import path by tests/conftest.py
import nbformat
import papermill
import pytest
import runner


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


def test_copies_go_to_the_clone_of_the_working_directory(tmp_path, monkeypatch):
    # Two clones sharing one environment: each builds into its own build/ folder.
    clone = tmp_path / "other clone"
    (clone / "course" / "profiles").mkdir(parents=True)
    (clone / "notebooks").mkdir()
    first = runner.chapters()[0]
    shutil.copy(first, clone / "notebooks" / first.name)
    monkeypatch.chdir(clone / "notebooks")
    assert coursebuild.main(["student"]) == 0
    assert [p.name for p in (clone / "build" / "student").iterdir()] == [first.name]


def test_outside_a_clone_the_tools_say_where_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert coursebuild.main(["student"]) == 2
    assert "is not inside the course repository" in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


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
