"""Build the course's derived copies: student and instructor notebooks, and their answer keys.

Course tooling, not part of the learner package. Used by ``make student``, ``make instructor``
and ``make answer-keys``, from the repository's folder (or any folder inside it)::

    python course/tools/coursebuild.py student      # build/student/: no solutions, no outputs
    python course/tools/coursebuild.py instructor   # build/instructor/: full chapters, no outputs
    python course/tools/coursebuild.py answer-keys  # course/answer_keys.json from build/executed/

The website is built by ``course/tools/book.py`` from the same two transforms,
:func:`learner_notebook` and :func:`instructor_notebook`. Copies are read in JupyterLab, where
a citation role would show as raw text, so their citations are written out
(``citations.plain_notebook``) with the chapter's reference list at the end.

Learner copies hold no answers. A student copy has no solution cells, and each self-check
compares the learner's value with a hashed answer key (``helpers.exercises``) instead of the
code that computes the expected value. The keys come from ``course/answer_keys.json``, which
``answer-keys`` collects from the executed chapters (``make answer-keys`` runs them first);
the nbval plugin in the repository's ``conftest.py`` fails when they are out of date.
:func:`learner_secrets` and :func:`find_leaks` find solution lines and answer values in any
learner artefact.

The repository and its ``build/`` folder are found from the working directory (see
``runner.find_root``), never from the folder of this file.

Formulas of Markdown text can be turned into MathML (:func:`math_to_mathml`, used by the slides),
which browsers draw natively without any script.
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import pprint
import re
import shutil
import sys
from pathlib import Path

import nbformat
from languages import REFERENCES, course_language
from runner import chapters, find_root

__all__ = [
    "build_copies",
    "chapter_answer_keys",
    "chapter_title",
    "collect_answer_keys",
    "find_leaks",
    "html_text",
    "instructor_notebook",
    "learner_notebook",
    "learner_secrets",
    "load_answer_keys",
    "math_to_mathml",
    "notebook_text",
    "student_notebook",
]

# Code (fenced blocks and inline spans) is left alone; `\$` is a literal dollar sign.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"  # $$ ... $$
    r"|(?<![\\$])\$(?P<inline>(?:\\.|[^$\\])+?)\$",  # $ ... $ (escapes allowed inside)
    re.S,
)


def math_to_mathml(markdown: str) -> str:
    r"""Replace the ``$...$`` and ``$$...$$`` formulas of Markdown text by MathML.

    Browsers draw MathML without a script, so the website shows formulas offline.

    Raises
    ------
    ValueError
        A formula that latex2mathml cannot convert, quoted in the message.

    Examples
    --------
    >>> out = math_to_mathml("Value $V_c = F_c - C_c$, price \\$5, `$x$` in code.")
    >>> out.startswith('Value <math') and out.endswith(', price \\$5, `$x$` in code.')
    True
    >>> "<msub><mi>V</mi><mi>c</mi></msub>" in out
    True
    """
    from latex2mathml.converter import convert

    def formula(match: re.Match) -> str:
        display = match.group("display") is not None
        tex = match.group("display") if display else match.group("inline")
        if "\n\n" in tex.strip():
            raise ValueError(f"formula spans a blank line: {match.group(0)[:60]!r}")
        try:
            out = convert(tex.strip(), display="block" if display else "inline")
        except Exception as err:  # latex2mathml raises its own exception types
            raise ValueError(f"cannot convert formula {match.group(0)!r}: {err}") from err
        return out.replace("\n", "")

    parts = _CODE.split(markdown)
    # Even parts are prose, odd parts are code (the split keeps the captured code).
    return "".join(p if i % 2 else _MATH.sub(formula, p) for i, p in enumerate(parts))


ANSWER_KEY_MIME = "application/vnd.crm-course.answer-key+json"  # helpers.exercises.ANSWER_KEY_MIME
ANSWER_KEYS = Path("course") / "answer_keys.json"  # inside the repository
_CHECK = "check_answer("
_KEY_CELL_ID = "answer-keys"
_KEY_CELL_COMMENT = (
    "# Answer keys of the self-checks below. Each answer is stored as salted hashes of its\n"
    "# tolerance band: a self-check tells a right answer from a wrong one without showing it.\n"
    '# "parameters" are the chapter defaults that the keys were made with.\n'
)


def chapter_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The chapter's title: its first ``# `` heading, else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return fallback


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _is_solution(cell) -> bool:
    return "solution" in _tags(cell)


def _is_self_check(cell) -> bool:
    return cell.cell_type == "code" and _CHECK in cell.source and not _is_solution(cell)


def _check_calls(source: str) -> list[ast.Call]:
    """The ``check_answer(...)`` calls of a self-check cell, in order."""
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "check_answer"
    ]
    return sorted(calls, key=lambda node: (node.lineno, node.col_offset))


def _checked_names(cell) -> list[tuple[str, str]]:
    """``(name, answer expression)`` of each check in a self-check cell."""
    out = []
    for call in _check_calls(cell.source):
        if len(call.args) < 2 or not isinstance(call.args[0], ast.Constant):
            raise ValueError(
                f"a self-check must start check_answer('answer_N', answer_N, ...): {cell.source!r}"
            )
        out.append((call.args[0].value, ast.get_source_segment(cell.source, call.args[1])))
    return out


def _drop_key_outputs(cell) -> None:
    """Remove the answer-key mime data of a code cell's outputs (keep the rest)."""
    for out in cell.get("outputs", []):
        if "data" in out:
            out.data.pop(ANSWER_KEY_MIME, None)
            out.get("metadata", {}).pop(ANSWER_KEY_MIME, None)


def _clear(cell) -> None:
    cell.outputs = []
    cell.execution_count = None


def chapter_parameters(nb: nbformat.NotebookNode) -> dict:
    """The defaults of a chapter's ``parameters`` cell (literal values only), without ``lang``:
    the language changes no answer, so a Chinese copy is not "a changed parameter"."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in _tags(cell):
            params = {}
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    params[node.target.id] = ast.literal_eval(node.value)
                elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    params[node.targets[0].id] = ast.literal_eval(node.value)
            params.pop("lang", None)
            return params
    return {}


_LANG_DEFAULT = re.compile(r'^(lang: str = )"[a-z]+"', re.M)


def with_language(nb: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """The chapter with its ``lang`` parameter's default set to ``lang`` (a copy in Chinese
    opens in Chinese). A chapter without the parameter is returned as it is."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in _tags(cell):
            cell.source = _LANG_DEFAULT.sub(rf'\1"{lang}"', cell.source)
    return nb


def chapter_answer_keys(executed: nbformat.NotebookNode, chapter: str = "chapter") -> dict:
    """The answer keys an executed chapter shows, with its title and parameter defaults.

    Returns ``{"title": ..., "parameters": {...}, "answers": {name: key}}``.

    Raises
    ------
    ValueError
        If a self-check shows no key (the copy was executed before the keys existed, or the
        cell failed), or the copy ran with other parameters (papermill's injected ones),
        naming the chapter and the fix.
    """
    injected = executed.metadata.get("papermill", {}).get("parameters") or any(
        "injected-parameters" in _tags(c) for c in executed.cells
    )
    if injected:
        raise ValueError(
            f"{chapter}: the executed copy ran with other parameters than the defaults; answer "
            "keys are made with the defaults: run `make answer-keys`"
        )
    answers = {}
    for cell in executed.cells:
        if not _is_self_check(cell):
            continue
        keys = [
            out.data[ANSWER_KEY_MIME]
            for out in cell.get("outputs", [])
            if ANSWER_KEY_MIME in out.get("data", {})
        ]
        for name, _ in _checked_names(cell):
            key = next((k for k in keys if k.get("name") == name), None)
            if key is None:
                raise ValueError(
                    f"{chapter}: the self-check of {name} shows no answer key; the executed "
                    "copy is stale or the cell failed: run `make answer-keys`"
                )
            answers[name] = dict(key)
    return {
        "title": chapter_title(executed, chapter),
        "parameters": chapter_parameters(executed),
        "answers": answers,
    }


def collect_answer_keys(executed: Path, names: list[str] | None = None) -> dict:
    """Every chapter's answer keys, read from the executed chapters in ``executed``.

    Raises
    ------
    FileNotFoundError
        If a chapter has no executed copy, naming it and the command to run.
    ValueError
        If an executed copy shows no key for one of its self-checks.
    """
    names = names if names is not None else [p.stem for p in chapters()]
    missing = [n for n in names if not (executed / f"{n}.ipynb").exists()]
    if missing:
        raise FileNotFoundError(
            f"no executed copy of {', '.join(missing)} in {executed}; run the chapters first "
            "(`make answer-keys` runs them and collects the keys)"
        )
    return {
        name: chapter_answer_keys(nbformat.read(executed / f"{name}.ipynb", as_version=4), name)
        for name in names
    }


def answer_keys_json(keys: dict) -> str:
    """The text of ``course/answer_keys.json``: stable for the same keys."""
    return json.dumps(keys, indent=1, ensure_ascii=False) + "\n"


def load_answer_keys(root: Path | None = None) -> dict:
    """The committed answer keys, ``course/answer_keys.json`` of the repository.

    Raises
    ------
    FileNotFoundError
        If the file does not exist, with the command that writes it.
    """
    path = (root or find_root()) / ANSWER_KEYS
    if not path.exists():
        raise FileNotFoundError(
            f"no answer keys in {ANSWER_KEYS}; run `make answer-keys` (it runs the chapters and "
            "collects their keys)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _keys_for(nb: nbformat.NotebookNode, keys: dict | None) -> dict:
    """The chapter's keys: ``keys`` itself, or the committed keys of the chapter with this title."""
    if keys is not None:
        return keys
    title = chapter_title(nb, "")
    for chapter in load_answer_keys().values():
        if chapter.get("title") == title:
            return chapter
    raise ValueError(
        f"no committed answer keys for the chapter {title!r}; run `make answer-keys`, or pass keys="
    )


def _key_cell_source(keys: dict) -> str:
    body = {"parameters": keys.get("parameters", {}), "answers": keys["answers"]}
    return _KEY_CELL_COMMENT + "answer_keys = " + pprint.pformat(body, width=100, sort_dicts=False)


def learner_notebook(
    nb: nbformat.NotebookNode, keys: dict | None = None, *, keep_outputs: bool
) -> nbformat.NotebookNode:
    """A learner's copy: no solutions, and self-checks that hold hashed keys, not answers.

    Cells tagged ``solution`` are removed. Each self-check cell becomes
    ``check_answer("answer_N", answer_N, key=answer_keys)`` with its output cleared: the code
    that computed the expected value and the known mistakes is gone. One code cell right after
    the exercises' heading (else before the first self-check) defines ``answer_keys``: the
    chapter's keys and parameter defaults, so the copy works on its own, anywhere. Answer-key
    mime outputs are removed.

    Parameters
    ----------
    nb : NotebookNode
        The chapter (from ``notebooks/`` or executed, from ``build/executed/``).
    keys : dict, optional
        The chapter's entry of ``course/answer_keys.json``; default: the committed entry of the
        chapter with the same title.
    keep_outputs : bool
        Keep the outputs of the other cells (the website) or clear every output and execution
        count (the student copy).

    Raises
    ------
    ValueError
        If a self-check has no key in ``keys`` (run ``make answer-keys``).
    """
    keys = _keys_for(nb, keys)
    out = nbformat.from_dict(nb)
    out.cells = [c for c in out.cells if not _is_solution(c)]
    first_check = None
    for i, cell in enumerate(out.cells):
        if cell.cell_type != "code":
            continue
        _drop_key_outputs(cell)
        if not keep_outputs:
            _clear(cell)
        if not _is_self_check(cell):
            continue
        checks = _checked_names(cell)
        lost = [name for name, _ in checks if name not in keys["answers"]]
        if lost:
            raise ValueError(
                f"the answer keys of {chapter_title(nb, 'this chapter')!r} have no key for "
                f"{', '.join(lost)}; run `make answer-keys`"
            )
        cell.source = "\n".join(
            f'check_answer("{name}", {answer}, key=answer_keys)' for name, answer in checks
        )
        _clear(cell)
        first_check = i if first_check is None else first_check
    if first_check is None:
        return out
    heading = next(
        (
            i + 1
            for i, c in enumerate(out.cells[:first_check])
            if c.cell_type == "markdown"
            and c.source.lstrip().startswith(("## Exercises", "## 练习"))
        ),
        None,
    )
    position = heading if heading is not None else first_check
    key_cell = nbformat.v4.new_code_cell(_key_cell_source(keys))
    # Collapsed in JupyterLab (the learner runs it, no need to read it); left off the website.
    key_cell.metadata["jupyter"] = {"source_hidden": True}
    key_cell.metadata["tags"] = ["remove-cell"]
    if out.nbformat > 4 or out.nbformat_minor >= 5:
        key_cell.id = _KEY_CELL_ID
    else:  # pragma: no cover - the chapters are nbformat 4.5
        key_cell.pop("id", None)
    out.cells.insert(position, key_cell)
    return out


def instructor_notebook(nb: nbformat.NotebookNode, *, keep_outputs: bool) -> nbformat.NotebookNode:
    """An instructor's copy: every cell kept, answer-key mime outputs removed.

    With ``keep_outputs=False`` every output and execution count is cleared as well.
    """
    out = nbformat.from_dict(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            _drop_key_outputs(cell)
            if not keep_outputs:
                _clear(cell)
    return out


def student_notebook(nb: nbformat.NotebookNode, keys: dict | None = None) -> nbformat.NotebookNode:
    """A learner's copy without outputs (:func:`learner_notebook` with ``keep_outputs=False``)."""
    return learner_notebook(nb, keys, keep_outputs=False)


def _instructor_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return instructor_notebook(nb, keep_outputs=False)


def build_copies(
    kind: str, target: Path, source: Path | None = None, lang: str = "en"
) -> list[Path]:
    """Write every chapter's ``student`` or ``instructor`` copy into ``target`` (the chapters
    of ``source``, default: the repository's ``notebooks/``), with the prose of ``lang`` only.
    Student copies take their answer keys from the repository's ``course/answer_keys.json``.

    Raises
    ------
    FileNotFoundError
        If a student build finds no committed answer keys.
    ValueError
        If a chapter has no committed keys, lacks a key for one of its self-checks, or has no
        prose in ``lang``.
    """
    from bilingual import monolingual

    paths = chapters(source)
    if kind == "student":
        committed = load_answer_keys()
        stale = [p.stem for p in paths if p.stem not in committed]
        if stale:
            raise ValueError(
                f"{ANSWER_KEYS} has no keys for {', '.join(stale)}; run `make answer-keys`"
            )

        def make(nb, stem):
            return learner_notebook(nb, committed[stem], keep_outputs=False)

    elif kind == "instructor":

        def make(nb, stem):
            return instructor_notebook(nb, keep_outputs=False)

    else:
        raise ValueError(f"kind must be 'student' or 'instructor', not {kind!r}")
    import citations  # needs pybtex (the site extra), so only imported here

    bib = citations.load_bibliography()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written = []
    for path in paths:
        try:
            nb = monolingual(nbformat.read(path, as_version=4), lang)
        except ValueError as err:
            raise ValueError(f"{path.name}: {err}") from None
        nb = make(with_language(nb, lang), path.stem)
        nb = citations.plain_notebook(nb, bib, heading=f"## {REFERENCES[lang]}")
        for cell in nb.cells:  # the reference list added just now is in the same language
            if cell.cell_type == "markdown":
                cell.metadata.setdefault("lang", lang)
        nbformat.write(nb, target / path.name)
        written.append(target / path.name)
    return written


# --- leak checks ----------------------------------------------------------------------------

_DROP = str.maketrans("", "", "*`\\_")
_NUMBER = re.compile(r"-?\d[\d.]*(e[+-]?\d+)?")
_VERDICT = re.compile(r"✓ (\w+) is correct \((.+?)\)\.")
_TRIVIAL = re.compile(r"answer_?\d+\s*=\s*(None\b.*|[(\[{]?)")


def _norm(text: str) -> str:
    """Text as compared for leaks: no Markdown marks (``*``, backticks, ``\\``, ``_``), single
    spaces. Applied to both sides, it can only add matches, never hide one."""
    return " ".join(text.translate(_DROP).split())


def _significant_digits(number: str) -> int:
    mantissa = number.lstrip("-").split("e")[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def _secret_value(number: str) -> bool:
    """A printed answer distinctive enough to search for: 4+ significant digits, not a year."""
    if not _NUMBER.fullmatch(number) or _significant_digits(number) < 4:
        return False
    return not (number.isdigit() and 1900 <= int(number) <= 2100)


def _lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if line.strip()]


def _sentences(markdown: str) -> list[str]:
    out = []
    for line in _lines(markdown.translate(str.maketrans("", "", "*`"))):
        line = re.sub(r"^([-*+]|\d+\.)\s+", "", line)  # list markers
        out += [s.strip() for s in re.split(r"(?<=[.!?:;])\s+", line) if s.strip()]
    return out


def learner_secrets(
    source_nb: nbformat.NotebookNode, executed_nb: nbformat.NotebookNode | None = None
) -> set[str]:
    """Strings of a chapter that must not appear in any learner artefact.

    * every non-trivial line of the code cells tagged ``solution`` and every sentence (five
      words or more) of the Markdown ones (model answers and marking rubrics);
    * the ``expected=`` and ``mistakes=`` expressions of the self-checks and the lines of code
      that the self-check cells run before ``check_answer``;
    * with ``executed_nb``, each answer value as the instructor's verdict prints it
      (``f"{v:.6g}"``), if it has 4 significant digits or more and is not a year.

    Lines and sentences that also occur in the chapter's other cells are left out (they are
    public anyway), and so are short ones (under 12 characters) and ``answer_N = None``.
    """
    public = _norm(
        "\n".join(
            c.source for c in source_nb.cells if not _is_solution(c) and not _is_self_check(c)
        )
    )

    def secret(text: str, words: int = 0) -> bool:
        n = _norm(text)
        return (
            len(n) >= 12
            and len(n.split()) >= words
            and not _TRIVIAL.fullmatch(n)
            and n not in public
        )

    secrets: set[str] = set()
    for cell in source_nb.cells:
        if _is_solution(cell):
            if cell.cell_type == "code":
                secrets |= {line for line in _lines(cell.source) if secret(line)}
            else:
                secrets |= {s for s in _sentences(cell.source) if secret(s, words=5)}
        elif _is_self_check(cell):
            tree = ast.parse(cell.source)
            for stmt in tree.body:
                if _CHECK in (ast.get_source_segment(cell.source, stmt) or ""):
                    continue
                segment = ast.get_source_segment(cell.source, stmt) or ""
                secrets |= {line for line in _lines(segment) if secret(line)}
            for call in _check_calls(cell.source):
                exprs = list(call.args[2:3])
                for kw in call.keywords:
                    if kw.arg == "expected":
                        exprs.append(kw.value)
                    elif kw.arg == "mistakes" and isinstance(kw.value, ast.Dict):
                        exprs += kw.value.values
                for expr in exprs:
                    if isinstance(expr, ast.Name | ast.Constant):
                        continue
                    text = " ".join((ast.get_source_segment(cell.source, expr) or "").split())
                    if secret(text):
                        secrets.add(text)
    if executed_nb is not None:
        for cell in executed_nb.cells:
            if not _is_self_check(cell):
                continue
            for out in cell.get("outputs", []):
                text = out.get("data", {}).get("text/plain", "") or out.get("text", "")
                for _, value in _VERDICT.findall("".join(text)):
                    if _secret_value(value):
                        secrets.add(value)
    return secrets


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """All a reader can see of a notebook: cell sources and text outputs (no images)."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            for mime, data in out.get("data", {}).items():
                if mime.startswith("image/"):
                    continue
                parts.append(data if isinstance(data, str) else json.dumps(data))
    return "\n".join(parts)


def html_text(page: str) -> str:
    """The text of an HTML page as a reader sees it: tags, scripts and styles removed,
    entities decoded (highlighted code becomes plain code again)."""
    page = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def find_leaks(text: str, secrets: set[str]) -> list[str]:
    """The secrets (see :func:`learner_secrets`) that occur in ``text``, sorted.

    Text and secrets are compared after :func:`_norm`. A number matches only as a whole number
    (not inside a longer number or a hash); a decimal also matches as the start of a longer one.

    Examples
    --------
    >>> find_leaks("x = 0.4891234; h = 'a7640f'", {"0.489123", "7640", "answer_1 = 3 * x"})
    ['0.489123']
    """
    found = []
    normed = _norm(text)
    for item in sorted(secrets):
        if _NUMBER.fullmatch(item):
            tail = r"(?![0-9A-Za-z])" if "." not in item else r"(?![A-Za-z])"
            if re.search(r"(?<![0-9A-Za-z.])" + re.escape(item) + tail, normed):
                found.append(item)
        elif _norm(item) in normed:
            found.append(item)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python course/tools/coursebuild.py")
    parser.add_argument("kind", choices=["student", "instructor", "answer-keys"])
    parser.add_argument("--build", help="build folder (default: build/ of the repository)")
    parser.add_argument("--lang", help="course language (default: $COURSE_LANG, else en)")
    args = parser.parse_args(argv)
    try:
        lang = course_language(args.lang)
        root = find_root()
        build = Path(args.build) if args.build else root / "build"
        if args.kind == "answer-keys":
            keys = collect_answer_keys(build / "executed")
            (root / ANSWER_KEYS).write_text(answer_keys_json(keys), encoding="utf-8")
            count = sum(len(k["answers"]) for k in keys.values())
            print(f"answer keys: {count} answers of {len(keys)} chapters in {ANSWER_KEYS}")
        else:
            # English copies in build/student/, the others in build/student-<lang>/.
            target = build / (args.kind if lang == "en" else f"{args.kind}-{lang}")
            written = build_copies(args.kind, target, lang=lang)
            print(f"{args.kind} copies ({lang}): {len(written)} chapters in {target}")
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
