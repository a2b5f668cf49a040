"""Student and instructor copies of the chapters, the answer keys and the leak checks."""

import functools
import importlib.util
import json
import re
import shutil

import citations
import coursebuild  # course/tools/, put on the import path by tests/conftest.py
import nbformat
import pytest
import runner
from bilingual import monolingual

from helpers.exercises import ANSWER_KEY_MIME, answer_key

BIB = citations.load_bibliography(runner.find_root() / "course" / "references.bib")
KEYED = re.compile(r'check_answer\("(answer_\d+)", \1, key=answer_keys\)')


def test_student_copies_hold_no_solution_and_no_output(tmp_path):
    written = coursebuild.build_copies("student", tmp_path / "student")
    assert [p.name for p in written] == [p.name for p in runner.chapters()]
    for path in written:
        # The English copy: the English prose only (the Chinese twins are left out).
        original = monolingual(nbformat.read(runner.NOTEBOOKS / path.name, as_version=4), "en")
        copy = nbformat.read(path, as_version=4)
        solutions = [c for c in original.cells if "solution" in c.metadata.get("tags", [])]
        assert solutions, f"{path.name} has no solution cells to remove"
        # Cells added: the answer keys, right after the exercises' heading, and the chapter's
        # reference list at the end (copies are read outside the book: citations in plain text).
        cited = any(citations.cited_keys(c.source) for c in original.cells)
        assert len(copy.cells) == len(original.cells) - len(solutions) + 1 + cited
        if cited:
            assert copy.cells[-1].source.startswith("## References\n")
        assert not any("{cite" in c.source for c in copy.cells)
        assert not any("solution" in c.metadata.get("tags", []) for c in copy.cells)
        solution_code = {c.source for c in solutions}
        assert not any(c.source in solution_code for c in copy.cells)
        assert all(not c.get("outputs") for c in copy.cells if c.cell_type == "code")
        assert all(c.get("execution_count") is None for c in copy.cells if c.cell_type == "code")
        # The learner still gets every exercise's answer variable and a keyed self-check.
        numeric = [c for c in solutions if c.cell_type == "code"]
        checks = [c for c in copy.cells if "check_answer(" in c.source]
        assert len(checks) == len(numeric)
        assert all(KEYED.fullmatch(c.source) for c in checks), [c.source for c in checks]
        full_checks = {c.source for c in original.cells if "check_answer(" in c.source}
        assert not any(c.source in full_checks for c in copy.cells)
        assert not any("**Model answer.**" in c.source for c in copy.cells)
        key_cell = next(c for c in copy.cells if c.get("id") == "answer-keys")
        heading = copy.cells[copy.cells.index(key_cell) - 1]
        assert heading.source.startswith("## Exercises")
        namespace = {}
        exec(key_cell.source, namespace)  # a plain Python literal: the copy needs no file
        keys = namespace["answer_keys"]
        assert sorted(keys["answers"]) == sorted(KEYED.fullmatch(c.source)[1] for c in checks)
        assert keys["parameters"] == coursebuild.chapter_parameters(original)


def test_instructor_copies_keep_solutions(tmp_path):
    written = coursebuild.build_copies("instructor", tmp_path / "instructor")
    for path in written:
        copy = nbformat.read(path, as_version=4)
        original = monolingual(nbformat.read(runner.NOTEBOOKS / path.name, as_version=4), "en")
        plain = citations.plain_notebook(original, BIB)
        assert [c.source for c in copy.cells] == [c.source for c in plain.cells]
        assert all(not c.get("outputs") for c in copy.cells if c.cell_type == "code")


def test_copies_go_to_the_clone_of_the_working_directory(tmp_path, monkeypatch):
    # Two clones sharing one environment: each builds into its own build/ folder.
    clone = tmp_path / "other clone"
    (clone / "course" / "profiles").mkdir(parents=True)
    (clone / "notebooks").mkdir()
    first = runner.chapters()[0]
    keys = runner.find_root() / coursebuild.ANSWER_KEYS
    shutil.copy(first, clone / "notebooks" / first.name)
    shutil.copy(runner.find_root() / "course" / "references.bib", clone / "course")
    monkeypatch.chdir(clone / "notebooks")
    assert coursebuild.main(["instructor"]) == 0
    assert coursebuild.main(["student"]) == 2  # the clone has no answer keys yet
    shutil.copy(keys, clone / "course")
    assert coursebuild.main(["student"]) == 0
    assert [p.name for p in (clone / "build" / "student").iterdir()] == [first.name]


def test_outside_a_clone_the_tools_say_where_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert coursebuild.main(["student"]) == 2
    assert "is not inside the course repository" in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


# --- learner and instructor transforms on a small executed chapter --------------------------


def _result(text, key=None, count=1):
    data = {"text/plain": text}
    if key is not None:
        data[ANSWER_KEY_MIME] = key
    return nbformat.v4.new_output("execute_result", data=data, execution_count=count)


def _chapter():
    """A small executed chapter: parameters, a printed table, one exercise with its check."""
    key = answer_key("answer_1", 266.667, mistakes={"discount the margins": 480.0})
    cells = [
        nbformat.v4.new_markdown_cell("# Tiny chapter\n\nA test."),
        nbformat.v4.new_code_cell("margin: float = 100.0  # yearly\nseed: int = 42  # seed"),
        nbformat.v4.new_code_cell("from helpers import check_answer\nprint('table')"),
        nbformat.v4.new_markdown_cell("## Exercises\n\n**Exercise 1.** Compute the CLV."),
        nbformat.v4.new_code_cell("answer_1 = None  # your code here"),
        nbformat.v4.new_code_cell("answer_1 = 800 / 3  # the model solution"),
        nbformat.v4.new_code_cell(
            "base = 800\n"
            'check_answer(\n    "answer_1",\n    answer_1,\n    expected=base / 3,\n'
            '    mistakes={"discount the margins": 480.0},\n)'
        ),
        nbformat.v4.new_markdown_cell("**Model answer.** The value is 266.667 for each customer."),
    ]
    cells[1].metadata["tags"] = ["parameters"]
    cells[5].metadata["tags"] = ["solution"]
    cells[7].metadata["tags"] = ["solution"]
    cells[2].outputs = [nbformat.v4.new_output("stream", text="table\n")]
    cells[6].outputs = [_result("✓ answer_1 is correct (266.667).", key, count=5)]
    for i, cell in enumerate(cells):
        cell.id = f"c{i}"
        if cell.cell_type == "code":
            cell.execution_count = i
    return nbformat.v4.new_notebook(cells=cells), key


def test_chapter_keys_are_read_from_the_executed_chapter():
    nb, key = _chapter()
    keys = coursebuild.chapter_answer_keys(nb, "99_tiny")
    assert keys == {
        "title": "Tiny chapter",
        "parameters": {"margin": 100.0, "seed": 42},
        "answers": {"answer_1": key},
    }
    injected = nbformat.v4.new_code_cell("margin = 120.0")
    injected.metadata["tags"] = ["injected-parameters"]
    other = nbformat.v4.new_notebook(cells=[*nb.cells[:2], injected, *nb.cells[2:]])
    with pytest.raises(ValueError, match="99_tiny: the executed copy ran with other parameters"):
        coursebuild.chapter_answer_keys(other, "99_tiny")
    nb.cells[6].outputs = [_result("✓ answer_1 is correct (266.667).")]  # run before the keys
    with pytest.raises(ValueError, match="99_tiny: the self-check of answer_1 shows no answer key"):
        coursebuild.chapter_answer_keys(nb, "99_tiny")


def test_learner_notebook_keeps_the_lesson_and_hides_the_answers():
    nb, _ = _chapter()
    keys = coursebuild.chapter_answer_keys(nb, "99_tiny")
    site = coursebuild.learner_notebook(nb, keys, keep_outputs=True)
    sources = [c.source for c in site.cells]
    assert sources[3].startswith("## Exercises")
    assert sources[4].startswith("# Answer keys of the self-checks below.")
    assert sources[5:] == [
        "answer_1 = None  # your code here",
        'check_answer("answer_1", answer_1, key=answer_keys)',
    ]
    assert site.cells[2].outputs[0].text == "table\n"  # the lesson's outputs stay
    assert site.cells[6].outputs == [] and site.cells[6].execution_count is None
    assert ANSWER_KEY_MIME not in json.dumps(site)
    student = coursebuild.learner_notebook(nb, keys, keep_outputs=False)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    assert [c.source for c in student.cells] == sources
    # The key cell defines the keys the self-check reads, parameters included.
    namespace = {}
    exec(site.cells[4].source, namespace)
    assert namespace["answer_keys"] == {
        "parameters": keys["parameters"],
        "answers": keys["answers"],
    }
    with pytest.raises(ValueError, match="have no key for answer_1; run `make answer-keys`"):
        coursebuild.learner_notebook(nb, {"answers": {}}, keep_outputs=False)


def test_instructor_notebook_keeps_everything_but_the_key_outputs():
    nb, _ = _chapter()
    copy = coursebuild.instructor_notebook(nb, keep_outputs=True)
    assert [c.source for c in copy.cells] == [c.source for c in nb.cells]
    assert copy.cells[6].outputs[0].data == {"text/plain": "✓ answer_1 is correct (266.667)."}
    assert copy.cells[2].outputs == nb.cells[2].outputs
    assert ANSWER_KEY_MIME in json.dumps(nb)  # the input is left alone
    bare = coursebuild.instructor_notebook(nb, keep_outputs=False)
    assert all(not c.outputs and c.execution_count is None for c in bare.cells if "outputs" in c)


def test_learner_secrets_and_leaks():
    nb, _ = _chapter()
    secrets = coursebuild.learner_secrets(nb, nb)
    assert secrets == {
        "answer_1 = 800 / 3  # the model solution",
        "The value is 266.667 for each customer.",
        "266.667",
    }
    # expected= `base / 3` is too short to search for; `base = 800` too.
    student = coursebuild.student_notebook(nb, coursebuild.chapter_answer_keys(nb, "t"))
    assert coursebuild.find_leaks(coursebuild.notebook_text(student), secrets) == []
    assert coursebuild.find_leaks(coursebuild.notebook_text(nb), secrets) == sorted(secrets)
    page = "<pre><span>answer_1</span> <span>=</span> 800 / 3  # the model solution</pre>"
    assert coursebuild.find_leaks(coursebuild.html_text(page), secrets) == [
        "answer_1 = 800 / 3  # the model solution"
    ]
    # Numbers match as whole numbers: not inside a hash or a longer number.
    assert coursebuild.find_leaks("a266.667f 1266.667 x=266.6671", {"266.667"}) == ["266.667"]
    assert coursebuild.find_leaks("a266.667f 1266.667", {"266.667"}) == []
    assert coursebuild.find_leaks("key 7640a, 17640", {"7640"}) == []
    assert coursebuild.find_leaks("in **7640** rows", {"7640"}) == ["7640"]


def test_printed_values_to_search_for():
    assert coursebuild._secret_value("266.667")
    assert coursebuild._secret_value("7640")
    assert coursebuild._secret_value("-0.004215")
    assert not coursebuild._secret_value("1997")  # a year
    assert not coursebuild._secret_value("0.25")  # too few digits to be distinctive
    assert not coursebuild._secret_value("120")
    assert not coursebuild._secret_value("your values")


def test_answer_keys_command(tmp_path, monkeypatch, capsys):
    clone = tmp_path / "clone"
    (clone / "course" / "profiles").mkdir(parents=True)
    (clone / "notebooks").mkdir()
    nb, _ = _chapter()
    nbformat.write(nb, clone / "notebooks" / "99_tiny.ipynb")
    shutil.copy(runner.find_root() / "course" / "references.bib", clone / "course")
    monkeypatch.chdir(clone)
    assert coursebuild.main(["answer-keys"]) == 2
    assert "no executed copy of 99_tiny in" in capsys.readouterr().err
    (clone / "build" / "executed").mkdir(parents=True)
    nbformat.write(nb, clone / "build" / "executed" / "99_tiny.ipynb")
    assert coursebuild.main(["answer-keys"]) == 0
    text = (clone / "course" / "answer_keys.json").read_text(encoding="utf-8")
    assert json.loads(text) == {"99_tiny": coursebuild.chapter_answer_keys(nb, "99_tiny")}
    assert "266" not in text
    assert coursebuild.main(["student"]) == 0
    student = nbformat.read(clone / "build" / "student" / "99_tiny.ipynb", as_version=4)
    assert sum(c.source.startswith("check_answer(") for c in student.cells) == 1


@functools.cache
def _nbval_plugin():
    path = runner.find_root(runner.NOTEBOOKS) / "conftest.py"
    spec = importlib.util.spec_from_file_location("nbval_capture_keys", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nbval_plugin_fails_on_stale_answer_keys():
    nb, _ = _chapter()
    keys = coursebuild.chapter_answer_keys(nb, "99_tiny")
    problem = _nbval_plugin().answer_keys_problem
    assert problem(nb, "99_tiny", {"99_tiny": keys}) is None
    assert problem(nb, "99_tiny", {}) == (
        "99_tiny: no answer keys in course/answer_keys.json; "
        "run `make answer-keys` and commit course/answer_keys.json"
    )
    old = json.loads(json.dumps(keys))
    old["answers"]["answer_1"]["answer"] = [["0" * 20]]
    old["parameters"]["seed"] = 1
    assert problem(nb, "99_tiny", {"99_tiny": old}) == (
        "99_tiny: the answer keys in course/answer_keys.json are out of date "
        "(changed: answer_1, parameters); "
        "run `make answer-keys` and commit course/answer_keys.json"
    )
