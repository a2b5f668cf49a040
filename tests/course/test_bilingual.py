"""One source, two languages: the Chinese twin of every prose cell, and the tools that use them."""

import re

import bilingual  # course/tools/, put on the import path by tests/conftest.py
import nbformat
import pytest
import runner

CHAPTERS = runner.chapters()
IDS = [p.stem[:2] for p in CHAPTERS]


def _toy() -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell("# 99 · A toy\n\nIt costs $V_c = 5$ and 12.5% of 2,357."),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("**Model answer.** See {cite:t}`cox_1972_regression`."),
    ]
    for i, cell in enumerate(cells):
        cell.id = f"c{i}"
    cells[2].metadata["tags"] = ["solution"]
    return nbformat.v4.new_notebook(cells=cells)


def test_a_twin_goes_right_after_its_english_cell_with_its_tags():
    nb = _toy()
    bilingual.set_twin(nb, "c2", "**参考答案。** 见 {cite:t}`cox_1972_regression`。")
    assert [c.id for c in nb.cells] == ["c0", "c1", "c2", "c2-zh"]
    assert nb.cells[3].metadata == {"lang": "zh", "tags": ["solution"]}
    bilingual.set_twin(nb, "c2", "**参考答案。** 参见 {cite:t}`cox_1972_regression`。")
    assert len(nb.cells) == 4 and nb.cells[3].source.startswith("**参考答案。** 参见")
    with pytest.raises(ValueError, match="not an English Markdown cell"):
        bilingual.set_twin(nb, "c1", "代码")
    with pytest.raises(KeyError, match="no cell with id 'nope'"):
        bilingual.set_twin(nb, "nope", "无")


def test_parity_names_what_a_twin_lost():
    nb = _toy()
    assert bilingual.parity_problems(nb) == [
        "cell 'c0': no zh twin right after it",
        "cell 'c2': no zh twin right after it",
    ]
    bilingual.set_twin(nb, "c0", "## 99 · 示例\n\n成本为 $V_c = 6$，占 2357 的 12.5%。")
    bilingual.set_twin(nb, "c2", "**参考答案。** 见 Cox 的论文。")
    assert bilingual.parity_problems(nb) == [
        "cell 'c0': the twin's headings differ in number or level",
        "cell 'c0': the twin's formulas differ",
        "cell 'c2': the twin's citations differ",
    ]
    bilingual.set_twin(nb, "c0", "# 99 · 示例\n\n成本为 $V_c = 5$，占 2357 的 12.5%。")
    bilingual.set_twin(nb, "c2", "**参考答案。** 见 {cite:t}`cox_1972_regression`。")
    assert bilingual.parity_problems(nb) == []
    nb.cells[2].source = "x = 2"  # code is shared: nothing to pair
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("孤立的中文", metadata={"lang": "zh"}))
    nb.cells[2].id = "orphan"
    assert bilingual.parity_problems(nb) == ["cell 'orphan': a zh cell without its English twin"]


def test_a_missing_number_is_named():
    nb = _toy()
    bilingual.set_twin(nb, "c0", "# 99 · 示例\n\n成本为 $V_c = 5$，占第2357位的一成多。")
    assert "numbers missing from the twin: ['12.5']" in " ".join(bilingual.parity_problems(nb))


def test_one_language_per_build():
    nb = _toy()
    bilingual.set_twin(nb, "c0", "# 99 · 示例\n\n成本为 $V_c = 5$，占 2357 的 12.5%。")
    zh = bilingual.monolingual(nb, "zh")
    assert [c.id for c in zh.cells] == ["c0-zh", "c1"] and zh.metadata["lang"] == "zh"
    assert [c.id for c in bilingual.monolingual(nb, "en").cells] == ["c0", "c1", "c2"]
    with pytest.raises(ValueError, match="no prose in 'fr' yet"):
        bilingual.monolingual(nb, "fr")


def test_english_runs_skip_code_formulas_and_citations():
    text = "用 `make run all the chapters` 和 $a + b$，见 {cite:t}`a_b_c_d`；BG/NBD 模型。"
    assert bilingual.english_runs(text) == []
    assert bilingual.english_runs("我们 fit the model on data 然后") == ["fit the model on data"]


def test_dump_and_blocks_round_trip():
    nb = _toy()
    blocks = bilingual.parse_blocks(bilingual.dump(nb))
    assert blocks == {"c0": nb.cells[0].source, "c2": nb.cells[2].source}
    with pytest.raises(ValueError, match="cell 'c0' appears twice"):
        bilingual.parse_blocks("<!-- cell: c0 -->\na\n<!-- cell: c0 -->\nb")


# --- the chapters ------------------------------------------------------------------------------


def _glossary() -> list[tuple[str, str]]:
    text = (runner.find_root() / "course" / "glossary.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header = [h.strip() for h in rows[0].strip("|").split("|")]
    term, chinese = header.index("term"), header.index("Chinese")
    pairs = []
    for row in rows[2:]:
        cols = [c.strip() for c in row.strip("|").split("|")]
        pairs.append((cols[term], cols[chinese]))
    return pairs


def _prose(nb, lang: str) -> str:
    return "\n".join(c.source for c in nb.cells if bilingual.cell_lang(c) == lang)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_prose_cell_has_its_chinese_twin(path):
    nb = nbformat.read(path, as_version=4)
    assert bilingual.parity_problems(nb, "zh") == []


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_the_chinese_prose_holds_no_english_sentences(path):
    nb = nbformat.read(path, as_version=4)
    runs = {
        c.id: r
        for c in nb.cells
        if bilingual.cell_lang(c) == "zh" and (r := bilingual.english_runs(c.source))
    }
    assert not runs, runs
    chinese = len(re.findall(r"[\u4e00-\u9fff]", _prose(nb, "zh")))
    assert chinese > 1500, f"{path.stem}: only {chinese} Chinese characters"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_the_chinese_chapter_has_the_same_skeleton(path):
    zh = bilingual.monolingual(nbformat.read(path, as_version=4), "zh")
    headings = [c.source.splitlines()[0] for c in zh.cells if c.cell_type == "markdown"]
    assert headings[0].startswith("# ")
    assert "## 学习目标" in headings
    assert headings.index("## 本章要点") < headings.index("## 练习")
    for cell in zh.cells:
        if cell.cell_type == "markdown" and "solution" in cell.metadata.get("tags", []):
            assert "**参考答案。**" in cell.source and "**评分标准**" in cell.source, cell.id


# Where a chapter uses a glossary word in another sense, the Chinese rightly differs.
OTHER_SENSE = {
    ("04", "precision"): "the statistical precision of an estimate (精度), not a classifier's",
    ("09", "precision"): "the statistical precision of an estimate (精度), not a classifier's",
    ("11", "precision"): "the statistical precision of an estimate (精度), not a classifier's",
    ("11", "accuracy"): "the accuracy of a measurement, not the record-quality dimension",
    ("10", "threshold"): "a name-matching threshold (匹配阈值), not a loyalty-policy threshold",
    ("14", "threshold"): "the medians that split the matrices (分界线), not a purchase threshold",
    ("05", "precision"): "decimal places of a comparison (精度), not a classifier's precision",
    ("08", "accuracy"): "a classifier's accuracy (准确率), not the record-quality dimension",
}


def _uses(english: str, term: str) -> list[tuple[int, int]]:
    """Spans where the English prose uses a glossary term (plural too). A term written with
    a capital (a quadrant name such as Question) only counts when capitalised."""
    flags = 0 if term[:1].isupper() and not term.isupper() else re.I
    pattern = rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])"
    return [m.span() for m in re.finditer(pattern, english, flags)]


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_the_chinese_chapter_uses_the_glossary_terms(path):
    nb = nbformat.read(path, as_version=4)
    # Code, formulas and citation keys are not prose.
    english = re.sub(r"`[^`\n]*`|\$[^$\n]+\$|\{cite[^}]*\}", " ", _prose(nb, "en"))
    chinese = re.sub(r"\s+", "", _prose(nb, "zh"))
    missing = []
    # Longest terms first: "retention rate" is matched before "retention" inside it.
    for en, zh in sorted(_glossary(), key=lambda pair: -len(pair[0])):
        spans = _uses(english, en)
        if not spans:
            continue
        for start, end in spans:
            english = english[:start] + " " * (end - start) + english[end:]
        if (path.stem[:2], en) in OTHER_SENSE:
            continue
        if re.sub(r"\s+", "", zh) not in chinese:
            missing.append(f"{en} → {zh}")
    assert not missing, missing
