"""Checks of the course documents: syllabus, glossary and instructor guide agree with the chapters.

The documents name chapters by their file stem in backticks (`02_segmentation`); every such
reference must be a real notebook, every chapter must be in the syllabus, and every glossary term
must occur in the text of the chapter the glossary says teaches it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
COURSE = ROOT / "course"
SYLLABUS = COURSE / "syllabus.md"
GLOSSARY = COURSE / "glossary.md"
GUIDE = COURSE / "instructor_guide.md"

STEM = re.compile(r"`(\d{2}_[a-z0-9_]+)`")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
CHAPTERS = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _section(text: str, heading: str) -> str:
    """The text under the level-2 heading that starts with `heading`, up to the next one."""
    match = re.search(rf"^## {re.escape(heading)}.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def _table_rows(text: str) -> list[list[str]]:
    """Cells of the Markdown table rows in `text`, without the header and separator rows."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.strip().startswith("|")
    ]
    return [row for row in rows[1:] if not all(set(cell) <= set("-: ") for cell in row)]


@cache
def _notebook_text(stem: str) -> str:
    nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    return "\n".join(cell.source for cell in nb.cells).lower()


# The glossary's columns, in order: term | Chinese | definition | 中文释义 | chapter.
GLOSSARY_COLUMNS = ("term", "Chinese", "definition", "中文释义", "chapter")


@cache
def _glossary() -> list[list[str]]:
    rows = _table_rows(GLOSSARY.read_text(encoding="utf-8"))
    assert rows, "the glossary has no table"
    return rows


def test_chapters_exist():
    assert CHAPTERS, "no chapters found in notebooks/"


@pytest.mark.parametrize("doc", [SYLLABUS, GLOSSARY, GUIDE], ids=lambda p: p.name)
def test_backticked_chapter_stems_exist(doc):
    stems = set(STEM.findall(doc.read_text(encoding="utf-8")))
    assert stems, f"{doc.name} names no chapter"
    missing = sorted(s for s in stems if not (NOTEBOOKS / f"{s}.ipynb").is_file())
    assert not missing, f"{doc.name} names chapters that do not exist: {missing}"


def test_every_chapter_in_syllabus_chapter_map():
    chapter_map = _section(SYLLABUS.read_text(encoding="utf-8"), "Chapter map")
    listed = {m for row in _table_rows(chapter_map) for m in STEM.findall(row[0])}
    missing = sorted(set(CHAPTERS) - listed)
    assert not missing, f"chapters missing from the syllabus chapter map: {missing}"


def test_syllabus_covers_every_curriculum_section():
    coverage = _section(SYLLABUS.read_text(encoding="utf-8"), "Coverage")
    first_cells = [row[0] for row in _table_rows(coverage)]
    for n in range(1, 9):
        assert any(cell.startswith(f"§{n}") for cell in first_cells), f"no coverage row for §{n}"


def test_glossary_shape():
    rows = _glossary()
    header = next(
        line for line in GLOSSARY.read_text(encoding="utf-8").splitlines() if line.startswith("|")
    )
    assert tuple(c.strip() for c in header.strip().strip("|").split("|")) == GLOSSARY_COLUMNS
    width = len(GLOSSARY_COLUMNS)
    assert all(len(row) == width for row in rows), f"every glossary row needs {width} columns"
    assert len(rows) >= 40
    terms = [row[0].lower() for row in rows]
    duplicates = sorted({t for t in terms if terms.count(t) > 1})
    assert not duplicates, f"duplicate glossary terms: {duplicates}"


def test_glossary_chinese_column():
    bad = [row[0] for row in _glossary() if not CJK.search(row[1])]
    assert not bad, f"glossary terms without a Chinese term: {bad}"


def test_glossary_definitions_and_chapters():
    for term, _, definition, _, chapter in _glossary():
        assert definition, f"'{term}' has no definition"
        assert len(STEM.findall(chapter)) == 1, f"'{term}' needs one backticked chapter stem"


def test_glossary_terms_occur_in_their_chapter():
    missing = [
        f"{term} ({stem})"
        for term, _, _, _, chapter in _glossary()
        for stem in STEM.findall(chapter)
        if (NOTEBOOKS / f"{stem}.ipynb").is_file() and term.lower() not in _notebook_text(stem)
    ]
    assert not missing, f"glossary terms not found in their chapter's notebook: {missing}"
