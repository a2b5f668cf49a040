"""Student and instructor copies of the chapters."""

import shutil

import coursebuild  # course/tools/, put on the import path by tests/conftest.py
import nbformat
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
        numeric = [c for c in solutions if c.cell_type == "code"]
        assert sum("check_answer(" in c.source for c in copy.cells) == len(numeric)
        assert not any("**Model answer.**" in c.source for c in copy.cells)


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
