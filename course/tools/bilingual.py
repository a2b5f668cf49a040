"""One source, two languages: every prose cell of a chapter has a twin in each course language.

Course tooling. A chapter's Markdown cells are its prose. Each English cell carries the cell
metadata ``"lang": "en"``; right after it sits its Chinese twin, a Markdown cell with
``"lang": "zh"``, the id ``<english id>-zh`` and the same tags (``solution``, ``slide``, ...).
Code cells exist once and serve both languages (the ``lang`` parameter picks their labels).
Builds keep the cells of one language (:func:`monolingual`); :func:`parity_problems` lists
what breaks the pairing.

For writers, two commands move the prose in and out of a chapter::

    python course/tools/bilingual.py dump notebooks/01_crm_foundations.ipynb > 01.en.md
    python course/tools/bilingual.py apply notebooks/01_crm_foundations.ipynb 01.zh.md

``dump`` writes each English cell as a block that starts with ``<!-- cell: ID -->``; write the
twin text under the same markers in a second file, and ``apply`` inserts (or replaces) each
twin right after its English cell. A twin is written for Chinese readers, not translated word
for word; it keeps the cell's headings, numbers, formulas, code names and citations.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

__all__ = [
    "LANG_KEY",
    "dump",
    "english_runs",
    "mark_english",
    "monolingual",
    "parity_problems",
    "parse_blocks",
    "set_twin",
    "twin_id",
]

LANG_KEY = "lang"
SOURCE_LANG = "en"
_MARKER = re.compile(r"^<!-- cell: ([A-Za-z0-9_-]+) -->[ \t]*$", re.M)
_HEADING = re.compile(r"^(#{1,6}) ", re.M)
# A formula: $...$ or $$...$$, but not an escaped dollar sign (\$120 is money).
_FORMULA = re.compile(r"(?<!\\)\$\$.+?(?<!\\)\$\$|(?<!\\)\$[^$\n]+?(?<!\\)\$", re.S)
_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
# A number: not part of a Latin word or a longer number (a Chinese character may touch it).
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d[\d,]*(?:\.\d+)?")


def cell_lang(cell) -> str | None:
    """The language of a Markdown cell (``en`` when unmarked); None for code cells."""
    if cell.cell_type != "markdown":
        return None
    return cell.metadata.get(LANG_KEY, SOURCE_LANG)


def twin_id(cell_id: str, lang: str) -> str:
    return f"{cell_id}-{lang}"


def mark_english(nb: nbformat.NotebookNode) -> int:
    """Mark every unmarked Markdown cell as English; return how many were marked."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown" and LANG_KEY not in cell.metadata:
            cell.metadata[LANG_KEY] = SOURCE_LANG
            count += 1
    return count


def set_twin(nb: nbformat.NotebookNode, cell_id: str, text: str, lang: str = "zh") -> None:
    """Insert or replace the ``lang`` twin of the English Markdown cell ``cell_id``.

    Raises
    ------
    KeyError
        If no cell has that id.
    ValueError
        If the cell is not an English Markdown cell, or the text is empty.
    """
    index = next((i for i, c in enumerate(nb.cells) if c.get("id") == cell_id), None)
    if index is None:
        raise KeyError(f"no cell with id {cell_id!r}")
    cell = nb.cells[index]
    if cell_lang(cell) != SOURCE_LANG:
        raise ValueError(f"cell {cell_id!r} is not an English Markdown cell")
    if not text.strip():
        raise ValueError(f"the {lang} text for cell {cell_id!r} is empty")
    cell.metadata[LANG_KEY] = SOURCE_LANG
    twin = nbformat.v4.new_markdown_cell(text.strip("\n"))
    twin.id = twin_id(cell_id, lang)
    twin.metadata[LANG_KEY] = lang
    if cell.metadata.get("tags"):
        twin.metadata["tags"] = list(cell.metadata["tags"])
    following = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
    if following is not None and following.get("id") == twin.id:
        nb.cells[index + 1] = twin
    else:
        nb.cells.insert(index + 1, twin)


def monolingual(nb: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """A copy with the Markdown cells of ``lang`` only (code cells all kept).

    Raises
    ------
    ValueError
        If ``lang`` is not the source language and the chapter has no prose in it.
    """
    out = nbformat.from_dict(nb)
    if lang != SOURCE_LANG and not any(cell_lang(c) == lang for c in out.cells):
        raise ValueError(f"this chapter has no prose in {lang!r} yet")
    out.cells = [c for c in out.cells if c.cell_type != "markdown" or cell_lang(c) == lang]
    out.metadata[LANG_KEY] = lang
    return out


def _numbers(text: str) -> set[str]:
    prose = _LINK_TARGET.sub("]", _CODE.sub(" ", _FORMULA.sub(" ", text)))
    return {n.replace(",", "") for n in _NUMBER.findall(prose)}


def parity_problems(nb: nbformat.NotebookNode, lang: str = "zh") -> list[str]:
    """What breaks the pairing of English prose and its ``lang`` twins (empty when none).

    Each English Markdown cell must be followed by its twin (id ``<id>-<lang>``, same tags, same
    heading levels, the same formulas, citations and numbers); no twin may stand alone.
    """
    problems = []
    cells = nb.cells
    for i, cell in enumerate(cells):
        which = cell_lang(cell)
        if which == lang:
            previous = cells[i - 1] if i else None
            if previous is None or twin_id(previous.get("id", ""), lang) != cell.get("id"):
                problems.append(f"cell {cell.get('id')!r}: a {lang} cell without its English twin")
            continue
        if which != SOURCE_LANG:
            continue
        cid = cell.get("id")
        twin = cells[i + 1] if i + 1 < len(cells) else None
        if twin is None or twin.get("id") != twin_id(cid, lang) or cell_lang(twin) != lang:
            problems.append(f"cell {cid!r}: no {lang} twin right after it")
            continue
        en, other = cell.source, twin.source
        if cell.metadata.get("tags", []) != twin.metadata.get("tags", []):
            problems.append(f"cell {cid!r}: the twin's tags differ")
        if _HEADING.findall(en) != _HEADING.findall(other):
            problems.append(f"cell {cid!r}: the twin's headings differ in number or level")
        if sorted(_FORMULA.findall(en)) != sorted(_FORMULA.findall(other)):
            problems.append(f"cell {cid!r}: the twin's formulas differ")
        if sorted(_CITE.findall(en)) != sorted(_CITE.findall(other)):
            problems.append(f"cell {cid!r}: the twin's citations differ")
        missing = _numbers(en) - _numbers(other)
        if missing:
            problems.append(f"cell {cid!r}: numbers missing from the twin: {sorted(missing)}")
    return problems


_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def english_runs(text: str, allowed: set[str] | frozenset = frozenset(), run: int = 4) -> list[str]:
    """Runs of ``run`` or more English words in a Chinese text, outside code, formulas,
    citations and link targets (names such as "BG/NBD" or "Gamma-Gamma" are short runs)."""
    prose = _CITE.sub(" ", _CODE.sub(" ", _FORMULA.sub(" ", text)))
    prose = _LINK_TARGET.sub("]", prose)
    # A table row that pairs a Chinese term with its English one (the key-terms box) is meant
    # to show the English; a row with no Chinese at all is still checked.
    prose = "\n".join(
        line
        for line in prose.splitlines()
        if not (line.lstrip().startswith("|") and _HAN.search(line))
    )
    found = []
    for segment in re.split(r"[^A-Za-z'’ \-/.]+", prose):
        words = [w for w in _LATIN_WORD.findall(segment) if w.lower() not in allowed]
        if len(words) >= run:
            found.append(" ".join(words))
    return found


def dump(nb: nbformat.NotebookNode) -> str:
    """The English prose of a chapter as ``<!-- cell: ID -->`` blocks."""
    blocks = []
    for cell in nb.cells:
        if cell_lang(cell) == SOURCE_LANG:
            tags = cell.metadata.get("tags", [])
            note = f" tags: {', '.join(tags)}" if tags else ""
            blocks.append(f"<!-- cell: {cell.get('id')} -->{note}\n{cell.source}\n")
    return "\n".join(blocks)


def parse_blocks(text: str) -> dict[str, str]:
    """``{cell id: text}`` from ``<!-- cell: ID -->`` blocks (a tags note after the marker is
    ignored).

    Raises
    ------
    ValueError
        If an id appears twice or the text has no marker.
    """
    text = re.sub(r"^(<!-- cell: [A-Za-z0-9_-]+ -->)[^\n]*$", r"\1", text, flags=re.M)
    parts = _MARKER.split(text)
    if len(parts) < 3:
        raise ValueError("no <!-- cell: ID --> marker found")
    blocks: dict[str, str] = {}
    for cid, body in zip(parts[1::2], parts[2::2], strict=True):
        if cid in blocks:
            raise ValueError(f"cell {cid!r} appears twice")
        blocks[cid] = body.strip("\n")
    return blocks


def main(argv: list[str] | None = None) -> int:
    from nbedit import edit_notebook

    parser = argparse.ArgumentParser(prog="python course/tools/bilingual.py")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="print a chapter's English prose as cell blocks")
    d.add_argument("notebook", type=Path)
    a = sub.add_parser("apply", help="insert the twins of a file of cell blocks")
    a.add_argument("notebook", type=Path)
    a.add_argument("blocks", type=Path)
    a.add_argument("--lang", default="zh")
    c = sub.add_parser("check", help="list parity problems and English runs in the twins")
    c.add_argument("notebook", type=Path, nargs="+")
    c.add_argument("--lang", default="zh")
    args = parser.parse_args(argv)
    if args.command == "dump":
        print(dump(nbformat.read(args.notebook, as_version=4)))
        return 0
    if args.command == "apply":
        blocks = parse_blocks(args.blocks.read_text(encoding="utf-8"))
        with edit_notebook(args.notebook) as nb:
            mark_english(nb)
            for cid, text in blocks.items():
                set_twin(nb, cid, text, args.lang)
        print(f"{len(blocks)} {args.lang} cells in {args.notebook}")
        return 0
    status = 0
    for path in args.notebook:
        nb = nbformat.read(path, as_version=4)
        problems = parity_problems(nb, args.lang)
        runs = [
            (c.get("id"), r)
            for c in nb.cells
            if cell_lang(c) == args.lang
            for r in english_runs(c.source)
        ]
        for problem in problems:
            print(f"{path.name}: {problem}")
        for cid, r in runs:
            print(f"{path.name}: cell {cid!r}: English in the {args.lang} text: {r!r}")
        status |= bool(problems or runs)
    return status


if __name__ == "__main__":
    sys.exit(main())
