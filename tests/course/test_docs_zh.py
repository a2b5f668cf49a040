"""The Chinese course documents match their English originals.

`course/syllabus.zh.md` and `course/instructor_guide.zh.md` are the Chinese editions of the
syllabus and the instructor guide. Each must keep the English file's headings (same levels, same
order), tables (same number of rows in each), code blocks (the same commands; only comments may be
Chinese), inline code and numbers, and must hold no run of four or more English words outside code.
The glossary is one bilingual file: every row needs a Chinese definition (中文释义) with the same
formulas and numbers as its English definition.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bilingual import english_runs

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course"
GLOSSARY = COURSE / "glossary.md"
DOCS = ("syllabus", "instructor_guide")
ZH_NAMES = {f"{doc}.md": f"{doc}.zh.md" for doc in DOCS}  # what an English name becomes

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
HEADING = re.compile(r"^(#{1,6}) ", re.M)
FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.M | re.S)
INLINE = re.compile(r"`([^`\n]+)`")
FORMULA = re.compile(r"\$\$.+?\$\$|(?<!\\)\$[^$\n]+?(?<!\\)\$", re.S)
LINK_TARGET = re.compile(r"\]\([^)]*\)")
# A number stands alone when no Latin letter, digit or dot touches it; a Chinese character may
# (“约21小时” holds 21).
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d[\d,]*(?:\.\d+)?")


def headings(text: str) -> list[str]:
    """The level markers (``#``, ``##``, ...) of the Markdown headings, in order, outside code."""
    return HEADING.findall(FENCE.sub("", text))


def table_sizes(text: str) -> list[int]:
    """The number of lines of each Markdown table, in order (header and separator included)."""
    sizes, run = [], 0
    for line in FENCE.sub("", text).splitlines():
        if line.lstrip().startswith("|"):
            run += 1
        elif run:
            sizes.append(run)
            run = 0
    return sizes + [run] if run else sizes


def code_blocks(text: str) -> list[list[str]]:
    """The lines of each fenced code block, with shell comments and trailing spaces removed."""
    blocks = []
    for body in FENCE.findall(text):
        lines = [re.sub(r"(^|\s)#.*$", "", line).rstrip() for line in body.splitlines()]
        blocks.append([line.strip() for line in lines if line.strip()])
    return blocks


def inline_code(text: str, rename: dict[str, str] | None = None) -> set[str]:
    """The inline code spans outside fenced blocks, with the names in ``rename`` replaced."""
    rename = rename or {}
    return {rename.get(span, span) for span in INLINE.findall(FENCE.sub("", text))}


def numbers(text: str) -> set[str]:
    """The numbers of the prose (outside code, formulas and link targets), without commas."""
    prose = INLINE.sub(" ", FENCE.sub(" ", text))
    prose = LINK_TARGET.sub("]", FORMULA.sub(" ", prose))
    return {n.replace(",", "") for n in NUMBER.findall(prose)}


def table_rows(text: str) -> list[list[str]]:
    """Cells of the Markdown table rows in `text`, the header row first, no separator rows."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.strip().startswith("|")
    ]
    return [row for row in rows if not all(set(cell) <= set("-: ") for cell in row)]


def _pair(doc: str) -> tuple[str, str]:
    english = (COURSE / f"{doc}.md").read_text(encoding="utf-8")
    chinese = (COURSE / f"{doc}.zh.md").read_text(encoding="utf-8")
    return english, chinese


# --- the checks, on texts with known answers ---------------------------------------------------


def test_headings_tables_and_code_on_a_known_text():
    text = (
        "# Title\n\nSome text.\n\n## 2. Part\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```bash\nmake run   # the comment\n# a whole comment line\n```\n\n### Sub\n"
    )
    assert headings(text) == ["#", "##", "###"]
    assert table_sizes(text) == [3]
    assert code_blocks(text) == [["make run"]]
    assert code_blocks(text.replace("the comment", "注释")) == [["make run"]]
    assert code_blocks(text.replace("make run", "make test")) == [["make test"]]


def test_numbers_stand_next_to_chinese_but_not_inside_code_or_formulas():
    text = "约21小时，`make run NB=04`，$V_c = 2 F_c$，共 1,000 小时，67.8% 与 python3.12。"
    assert numbers(text) == {"21", "1000", "67.8"}


def test_inline_code_renames_english_document_names():
    text = "see `instructor_guide.md` and `glossary.md`"
    assert inline_code(text, ZH_NAMES) == {"instructor_guide.zh.md", "glossary.md"}


def test_english_runs_catch_an_untranslated_sentence():
    assert english_runs("运行 `make run PROFILE=half_day` 即可。") == []
    assert english_runs("这里有 one sentence left in English。") == ["one sentence left in English"]


# --- syllabus and instructor guide ---------------------------------------------------------------


@pytest.mark.parametrize("doc", DOCS)
def test_chinese_doc_has_the_same_headings(doc):
    english, chinese = _pair(doc)
    assert headings(chinese) == headings(english)
    # numbered sections keep their numbers: "## 3. ..." stays "## 3. ..."
    numbered = re.compile(r"^#{1,6} (\d+)\.", re.M)
    assert numbered.findall(chinese) == numbered.findall(english)


@pytest.mark.parametrize("doc", DOCS)
def test_chinese_doc_has_the_same_tables(doc):
    english, chinese = _pair(doc)
    assert table_sizes(chinese) == table_sizes(english)


@pytest.mark.parametrize("doc", DOCS)
def test_chinese_doc_has_the_same_code(doc):
    english, chinese = _pair(doc)
    assert code_blocks(chinese) == code_blocks(english)
    assert inline_code(chinese) == inline_code(english, ZH_NAMES)


@pytest.mark.parametrize("doc", DOCS)
def test_chinese_doc_keeps_every_number(doc):
    english, chinese = _pair(doc)
    missing = sorted(numbers(english) - numbers(chinese))
    assert not missing, f"numbers of {doc}.md missing from {doc}.zh.md: {missing}"


@pytest.mark.parametrize("doc", DOCS)
def test_chinese_doc_is_written_in_chinese(doc):
    english, chinese = _pair(doc)
    runs = english_runs(FENCE.sub(" ", chinese))
    assert not runs, f"English left in {doc}.zh.md: {runs}"
    # most of the prose is Chinese: at least one Chinese character per three English letters
    letters = len(re.findall(r"[A-Za-z]", INLINE.sub(" ", FENCE.sub(" ", english))))
    assert len(CJK.findall(chinese)) * 3 >= letters


# --- glossary ------------------------------------------------------------------------------------


def _glossary() -> tuple[list[str], list[list[str]]]:
    rows = table_rows(GLOSSARY.read_text(encoding="utf-8"))
    return rows[0], rows[1:]


def test_glossary_has_a_chinese_definition_column():
    header, rows = _glossary()
    assert header.index("中文释义") == header.index("definition") + 1
    assert len(rows) >= 40
    assert all(len(row) == len(header) for row in rows)


def test_every_glossary_row_has_a_chinese_definition():
    header, rows = _glossary()
    zh = header.index("中文释义")
    bad = [row[0] for row in rows if not CJK.search(row[zh])]
    assert not bad, f"glossary terms without a Chinese definition: {bad}"
    english = [row[0] for row in rows if english_runs(row[zh])]
    assert not english, f"Chinese definitions with English left in them: {english}"


def test_glossary_chinese_definitions_keep_formulas_and_numbers():
    header, rows = _glossary()
    en, zh = header.index("definition"), header.index("中文释义")
    assert any(FORMULA.search(row[en]) for row in rows)  # the check below has formulas to check
    formulas = [
        row[0]
        for row in rows
        if sorted(FORMULA.findall(row[en])) != sorted(FORMULA.findall(row[zh]))
    ]
    assert not formulas, f"Chinese definitions whose formulas differ: {formulas}"
    missing = {row[0]: sorted(numbers(row[en]) - numbers(row[zh])) for row in rows}
    missing = {term: nums for term, nums in missing.items() if nums}
    assert not missing, f"numbers missing from Chinese definitions: {missing}"


def test_glossary_has_a_chinese_introduction():
    text = GLOSSARY.read_text(encoding="utf-8")
    intro = text[: text.index("| term")]
    paragraphs = [p for p in intro.split("\n\n") if p.strip() and not p.startswith("#")]
    assert len(paragraphs) == 2
    english, chinese = paragraphs
    assert not CJK.search(english.replace("客户关系管理", "").replace("中文释义", ""))
    assert len(CJK.findall(chinese)) >= 100
    assert english_runs(chinese) == []
