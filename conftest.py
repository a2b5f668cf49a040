"""Keep what nbval executes: each chapter runs once with its defaults, for nbval and the website.

``pytest --nbval-lax --nbval-current-env notebooks/`` executes every code cell of a chapter and
checks the cells marked ``# NBVAL_CHECK_OUTPUT``. This plugin adds one item after the last cell
of each notebook, ``<chapter>.ipynb::self-checks``, which

1. writes the executed chapter (every cell's outputs, figures included) to
   ``build/executed/<chapter>.ipynb``, where ``make run`` writes it too and from where
   ``coursebuild.py book`` builds the website without executing anything again;
2. fails unless every exercise's self-check cell printed a "✓ ... is correct" verdict, that is,
   unless every solution passes its own self-check;
3. fails when the answer keys that the self-checks show (hashes that let the learner's copy
   check an answer without holding it) differ from the committed ``course/answer_keys.json``,
   naming the chapter, the answers and the fix (``make answer-keys``).

It does nothing unless nbval collects notebooks. Running part of a notebook (``-k "Cell 3"``)
leaves its executed copy alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
EXECUTED = ROOT / "build" / "executed"
_CHECK = "check_answer("
_PASSED = "✓"


def _plain_text(outputs) -> str:
    """The text a reader sees of a cell's outputs (results, displays, printed text, errors)."""
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
        else:
            text = out.get("data", {}).get("text/plain", "")
            parts.append(text if isinstance(text, str) else "".join(text))
    return "".join(parts)


def _quiet(source: str) -> bool:
    """Whether the cell ends with `;`, which hides its value in a notebook."""
    from IPython.core.displayhook import DisplayHook

    return DisplayHook.semicolon_at_end_of_expression(source)


def self_check_verdicts(nb) -> list[str]:
    """The printed verdict of every self-check cell (those calling ``check_answer(``)."""
    return [
        _plain_text(cell.get("outputs", [])).strip()
        for cell in nb.cells
        if cell.cell_type == "code" and _CHECK in cell.source
    ]


class ExecutedCopy(pytest.Item):
    """Write the chapter as nbval executed it, then check its self-checks (see module doc)."""

    def __init__(self, *, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = cells

    def executed_notebook(self):
        import nbformat

        nb = nbformat.from_dict(self.parent.nb)
        executed = {item.cell_num: item for item in self.cells}
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell_num, cell in enumerate(code):  # nbval numbers the code cells from 0
            item = executed.get(cell_num)
            outputs = item.test_outputs if item is not None else None
            if outputs is None:  # not run (skipped, or the kernel died before it)
                cell.outputs, cell.execution_count = [], None
                continue
            cell.execution_count = cell_num + 1
            cell.outputs = [nbformat.from_dict(dict(out)) for out in outputs]
            if _quiet(cell.source):
                # nbval runs cells outside the kernel's history, so IPython misses a closing
                # `;` and shows the value anyway; drop it, as a notebook or papermill would.
                cell.outputs = [o for o in cell.outputs if o.output_type != "execute_result"]
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = cell_num + 1
        return nb

    def runtest(self):
        import nbformat

        nb = self.executed_notebook()
        EXECUTED.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, EXECUTED / self.path.name)
        unrun = [item.name for item in self.cells if item.test_outputs is None]
        if unrun:
            pytest.fail(f"{self.path.name}: cells not run (no outputs in build/executed): {unrun}")
        verdicts = self_check_verdicts(nb)
        if not verdicts:
            pytest.fail(f"{self.path.name} has no self-check cell (`check_answer(`)")
        failing = [v or "(printed nothing)" for v in verdicts if not v.startswith(_PASSED)]
        if failing:
            pytest.fail(
                f"{self.path.name}: a solution does not pass its own self-check: {failing}",
                pytrace=False,
            )

        stale = answer_keys_problem(nb, self.path.stem)
        if stale:
            pytest.fail(stale, pytrace=False)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name}::{self.name}"


def answer_keys_problem(nb, chapter: str, committed: dict | None = None) -> str | None:
    """Why the keys an executed chapter shows differ from the committed ones (None if equal).

    ``committed`` defaults to the repository's ``course/answer_keys.json``.
    """
    tools = str(ROOT / "course" / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import coursebuild

    fix = f"run `make answer-keys` and commit {coursebuild.ANSWER_KEYS.as_posix()}"
    try:
        shown = json.loads(json.dumps(coursebuild.chapter_answer_keys(nb, chapter)))
    except ValueError as err:
        return str(err)
    if committed is None:
        path = ROOT / coursebuild.ANSWER_KEYS
        committed = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if chapter not in committed:
        return f"{chapter}: no answer keys in {coursebuild.ANSWER_KEYS.as_posix()}; {fix}"
    old = committed[chapter]
    if old == shown:
        return None
    answers = old.get("answers", {}), shown["answers"]
    changed = sorted(
        n for n in answers[0].keys() | answers[1].keys() if answers[0].get(n) != answers[1].get(n)
    )
    changed += [part for part in ("title", "parameters") if old.get(part) != shown[part]]
    return (
        f"{chapter}: the answer keys in {coursebuild.ANSWER_KEYS.as_posix()} are out of date "
        f"(changed: {', '.join(changed)}); {fix}"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    try:
        from nbval.plugin import IPyNbCell, IPyNbFile
    except ImportError:  # pragma: no cover - nbval is in the course's dependencies
        return
    by_notebook: dict[IPyNbFile, list] = {}
    for item in items:
        if isinstance(item, IPyNbCell):
            by_notebook.setdefault(item.parent, []).append(item)
    if not by_notebook:
        return
    out = []
    for i, item in enumerate(items):
        out.append(item)
        nxt = items[i + 1] if i + 1 < len(items) else None
        cells = by_notebook.get(getattr(item, "parent", None))
        whole = cells is not None and len(cells) == _code_cells(item.parent)
        if (
            whole
            and isinstance(item, IPyNbCell)
            and getattr(nxt, "parent", None) is not item.parent
        ):
            out.append(ExecutedCopy.from_parent(item.parent, name="self-checks", cells=cells))
    items[:] = out


def _code_cells(notebook) -> int:
    return sum(1 for c in notebook.nb.cells if c.cell_type == "code")
