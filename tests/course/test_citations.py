"""The bibliography, the chapters' citations and the citation tool (course/tools/citations.py)."""

from __future__ import annotations

import json
import re

import citations as ct
import pytest
from runner import NOTEBOOKS

BIB = ct.load_bibliography()


def _markdown(prefix: str) -> str:
    path = next(NOTEBOOKS.glob(f"{prefix}_*.ipynb"))
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


CHAPTERS = {p.name[:2]: _markdown(p.name[:2]) for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}
CITED = {n: set(ct.cited_keys(md)) for n, md in CHAPTERS.items()}


def test_every_key_cited_in_a_chapter_is_in_the_bibliography():
    missing = {n: sorted(keys - set(BIB)) for n, keys in CITED.items() if keys - set(BIB)}
    assert missing == {}


def test_every_bibliography_entry_is_cited_by_some_chapter():
    cited = set().union(*CITED.values())
    assert sorted(set(BIB) - cited) == []


def test_keys_follow_lastname_year_word_and_entries_are_complete():
    assert len(BIB) >= 60
    bad = [k for k in BIB if not re.fullmatch(r"[a-z]+_(1[89]|20)\d\d_[a-z]+", k)]
    assert bad == []
    for key, entry in BIB.items():
        assert key.split("_")[1] == entry.fields["year"], key
        assert entry.persons.get("author"), key
        assert entry.fields.get("title"), key
        if entry.type == "article":
            assert {"journal", "volume", "pages"} <= set(entry.fields), key


@pytest.mark.parametrize(
    ("chapter", "keys"),
    [
        ("00", {"fader_2001_forecasting", "fader_2010_discrete"}),
        ("01", {"gupta_2003_customers", "blattberg_1996_manage", "rust_2004_return"}),
        ("02", {"rousseeuw_1987_silhouettes", "lloyd_1982_least", "fader_2005_rfm"}),
        ("03", {"fader_2007_how", "fader_2010_valuation"}),
        (
            "04",
            {
                "schmittlein_1987_counting",
                "fader_2005_counting",
                "colombo_1999_stochastic",
                "fader_2010_discrete",
            },
        ),
        (
            "05",
            {
                "fader_2005_counting",
                "schmittlein_1987_counting",
                "fader_2005_rfm",
                "fader_2007_how",
                "fader_2010_discrete",
            },
        ),
        ("06", {"kaplan_1958_nonparametric", "cox_1972_regression"}),
        ("07", {"cox_1972_regression", "harrell_1982_evaluating", "brier_1950_verification"}),
        ("08", {"fader_2005_counting", "schmittlein_1987_counting", "batislam_2007_empirical"}),
        (
            "09",
            {
                "parasuraman_1988_servqual",
                "parasuraman_1994_alternative",
                "reichheld_2003_one",
                "martilla_1977_importance",
                "kano_1984_attractive",
            },
        ),
        ("10", {"aalen_1978_empirical", "fellegi_1969_theory"}),
        ("11", {"welch_1947_generalization", "linden_2003_amazon"}),
        ("15", {"zeithaml_2001_customer", "pfeifer_2000_modeling"}),
        ("16", {"raasveldt_2019_duckdb", "zaharia_2016_apache"}),
        ("17", {"kaplan_1958_nonparametric", "garwood_1936_fiducial"}),
    ],
)
def test_chapters_that_present_a_published_model_cite_its_paper(chapter, keys):
    assert sorted(keys - CITED[chapter]) == []


def test_no_chapter_still_names_a_cited_paper_in_words():
    """Names written out next to a role would be printed twice in the book."""
    written = re.compile(
        r"(Fader|Schmittlein|Parasuraman|Reichheld|Martilla|Linden)[^.\n]{0,40}\(?(19|20)\d\d\)?"
    )
    left = {n: written.findall(md) for n, md in CHAPTERS.items() if written.search(md)}
    assert left == {}


def test_every_chapter_reads_as_plain_text_and_no_heading_is_added():
    for n, md in CHAPTERS.items():
        text = ct.plain_citations(md, BIB)
        assert "{cite" not in text, n
        assert not re.search(r"^#+ (References|Bibliography)\b", md, re.M), n


def test_plain_citations_textual_parenthetical_and_et_al():
    md = (
        "{cite:t}`cox_1972_regression` wrote it; {cite:t}`gupta_2003_customers` too, "
        "and {cite:t}`fader_2005_counting` simplified {cite:p}`schmittlein_1987_counting`."
    )
    assert ct.plain_citations(md, BIB) == (
        "Cox (1972) wrote it; Gupta and Lehmann (2003) too, "
        "and Fader et al. (2005) simplified (Schmittlein et al. 1987)."
    )


def test_plain_citations_two_keys_full_names_and_bare_role():
    assert (
        ct.plain_citations("{cite:p}`fader_2005_counting, gupta_2003_customers`", BIB)
        == "(Fader et al. 2005; Gupta and Lehmann 2003)"
    )
    assert ct.plain_citations("{cite:ts}`fader_2005_counting`", BIB) == (
        "Fader, Hardie and Lee (2005)"
    )
    assert ct.plain_citations("{cite:ps}`dematos_2007_service`", BIB) == (
        "(de Matos, Henrique and Rossi 2007)"
    )
    assert ct.plain_citations("See {cite}`kaplan_1958_nonparametric`.", BIB) == (
        "See (Kaplan and Meier 1958)."
    )
    assert ct.plain_citations("no roles, `code` stays", BIB) == "no roles, `code` stays"


def test_plain_citations_names_an_unknown_key():
    with pytest.raises(ValueError, match=r"'nobody_2020_nothing' not in the bibliography"):
        ct.plain_citations("{cite:p}`cox_1972_regression,nobody_2020_nothing`", BIB)
    with pytest.raises(ValueError, match="names no key"):
        ct.plain_citations("{cite:t}``", BIB)


def test_cited_keys_in_order_of_first_citation_each_once():
    md = "{cite:t}`b_2002_y` then {cite:p}`a_2001_x, b_2002_y` and `{cite}` then {cite}`c_2003_z`"
    assert ct.cited_keys(md) == ["b_2002_y", "a_2001_x", "c_2003_z"]


def test_reference_list_one_article_exactly():
    assert ct.reference_list(["fader_2005_counting"], BIB) == (
        "- Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). “Counting your customers” "
        "the easy way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), "
        "275–284. [doi:10.1287/mksc.1040.0098](https://doi.org/10.1287/mksc.1040.0098)"
    )


def test_reference_list_sorts_by_author_then_year_and_lists_books():
    refs = ct.reference_list(
        [
            "kleinrock_1976_queueing",
            "cox_1972_regression",
            "dematos_2007_service",
            "cox_1972_regression",
        ],
        BIB,
    ).splitlines()
    assert [r.split(" (")[0] for r in refs] == [
        "- Cox, D. R.",
        "- Kleinrock, L.",
        "- de Matos, C. A., Henrique, J. L. and Rossi, C. A. V.",
    ]
    assert refs[1] == (
        "- Kleinrock, L. (1976). *Queueing Systems, Volume II: Computer Applications*. Wiley."
    )
    assert ct.reference_list([], BIB) == ""
    with pytest.raises(ValueError, match="'x_2000_y'"):
        ct.reference_list(["x_2000_y"], BIB)


def test_load_bibliography_reports_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="references.bib"):
        ct.load_bibliography(tmp_path / "references.bib")


def test_plain_notebook_converts_markdown_only_and_appends_the_references():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("As {cite:t}`cox_1972_regression` showed."),
        nbformat.v4.new_code_cell("x = '{cite:t}`cox_1972_regression`'"),
        nbformat.v4.new_markdown_cell(
            "Also {cite:p}`kaplan_1958_nonparametric,cox_1972_regression`."
        ),
    ]
    out = ct.plain_notebook(nb, BIB)
    assert [c.source for c in out.cells[:3]] == [
        "As Cox (1972) showed.",
        "x = '{cite:t}`cox_1972_regression`'",
        "Also (Kaplan and Meier 1958; Cox 1972).",
    ]
    assert out.cells[3].source == "## References\n\n" + ct.reference_list(
        ["cox_1972_regression", "kaplan_1958_nonparametric"], BIB
    )
    assert out.cells[3].source.splitlines()[2].startswith("- Cox, D. R. (1972). Regression")
    assert nb.cells[0].source == "As {cite:t}`cox_1972_regression` showed."  # unchanged
    nbformat.validate(out)
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("No citations.")])
    assert len(ct.plain_notebook(bare, BIB).cells) == 1
