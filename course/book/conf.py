"""Sphinx configuration of the course website, shared by every edition and language.

``course/tools/book.py`` stages the pages (executed chapters, course documents, API reference)
into ``build/book-src/<edition>/<lang>/`` and runs ``sphinx-build -c course/book`` on them with
``-t learner`` or ``-t instructor`` and ``-D language=<code>``. Nothing here depends on the
machine; nothing is fetched at build or view time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "_ext"), str(HERE.parent / "tools")]

import dataclasses  # noqa: E402

import pybtex.plugin  # noqa: E402
import sphinxcontrib.bibtex.plugin  # noqa: E402
from book import DOCUMENTS  # noqa: E402  (course/tools/book.py)
from languages import LANGUAGES  # noqa: E402  (course/tools/languages.py)
from pybtex.style.formatting.plain import Style as PlainStyle  # noqa: E402
from pybtex.style.labels import BaseLabelStyle  # noqa: E402
from sphinxcontrib.bibtex.style.referencing import BracketStyle  # noqa: E402
from sphinxcontrib.bibtex.style.referencing.author_year import (  # noqa: E402
    AuthorYearReferenceStyle,
)

EDITION = "instructor" if tags.has("instructor") else "learner"  # noqa: F821 (Sphinx's tags)
# The course language of this build (book.py sets it; Sphinx's `language` is its locale name).
COURSE_LANG = os.environ.get("COURSE_BOOK_LANG", "en")
# The site's own words in each course language (the chapters carry their own prose).
UI = {
    "en": {
        "banner": "Instructor edition: solutions, model answers and marking rubrics are shown. "
        "Give learners the learner edition.",
        "learner": "Learner edition",
        "instructor": "Instructor edition",
        "twin": "learner edition of this page",
    },
    "zh": {
        "banner": "教师版：显示解答、参考答案和评分标准。发给学生的请用学生版。",
        "learner": "学生版",
        "instructor": "教师版",
        "twin": "本页的学生版",
    },
}[COURSE_LANG]

project = "CRM analytics"
author = "The CRM analytics course authors"
copyright = "the course authors; data sets under the licences in datasets/README.md"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinxcontrib.bibtex",
    "mathml",
]
exclude_patterns = ["_build", "_notebooks", "**.ipynb_checkpoints"]
templates_path = [str(HERE / "_templates")]
html_static_path = [str(HERE / "_static")]
html_css_files = ["course.css"]

# The chapters were executed once by `make run` (or nbval); the site only renders them.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True
suppress_warnings = ["mystnb.unknown_mime_type"]

# Formulas as MathML, drawn by the browser: no MathJax, no CDN.
html_math_renderer = "mathml"

bibtex_bibfiles = [str(HERE.parent / "references.bib")]  # course/references.bib
bibtex_reference_style = "author_year_round"  # "Fader et al. (2005)", registered below
bibtex_default_style = "author_year_labels"  # registered below

autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "sphinx_book_theme"
html_title = {"en": "CRM analytics", "zh": "CRM 数据分析"}[COURSE_LANG]
html_copy_source = False
html_use_index = False  # no general index and no module index: the API pages list everything
html_domain_indices = False
# Search result summaries would fetch each page, which browsers refuse on file:// pages.
html_show_search_summary = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": False,  # each chapter has its own notebook download link
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    "announcement": UI["banner"] if EDITION == "instructor" else "",
}
html_sidebars = {
    "**": [
        "navbar-logo.html",
        "course-switches.html",
        "sbt-sidebar-nav.html",
    ]
}
# Chinese search: Sphinx splits the text into words with jieba; the glossary's Chinese terms
# are added to its dictionary so that a term such as 客户终身价值 is found as one word.
if COURSE_LANG == "zh" and os.environ.get("COURSE_BOOK_SEARCH_DICT"):
    html_search_options = {"dict": os.environ["COURSE_BOOK_SEARCH_DICT"]}
html_context = {
    "default_mode": "light",  # else the theme logs a console error on a first visit
    "course_edition": EDITION,
    "course_ui": UI,
    # code -> (label, html lang); the switch links to the same page in each other language.
    "course_languages": LANGUAGES,
    # Pages with no learner twin (the instructor guide): no edition link.
    "instructor_only": [doc for doc, editions in DOCUMENTS.items() if "learner" not in editions],
}


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclasses.dataclass
class _RoundAuthorYear(AuthorYearReferenceStyle):
    """Author-year citations in round brackets, as the papers themselves cite."""

    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


sphinxcontrib.bibtex.plugin.register_plugin(
    "sphinxcontrib.bibtex.style.referencing", "author_year_round", _RoundAuthorYear
)


class _AuthorYearLabels(BaseLabelStyle):
    """Bibliography labels that match the citations: "Cox 1972", "Fader et al. 2005"."""

    def format_labels(self, sorted_entries):
        labels = [self._label(entry) for entry in sorted_entries]
        seen: dict[str, int] = {}
        for label in labels:  # two works with one label get "a", "b", ... in sorted order
            if labels.count(label) > 1:
                seen[label] = seen.get(label, 0) + 1
                yield f"{label}{'abcdefghij'[seen[label] - 1]}"
            else:
                yield label

    @staticmethod
    def _label(entry) -> str:
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.last_names) for p in people]
        if len(names) > 2:
            who = f"{names[0]} et al."
        else:
            who = " and ".join(names) or entry.fields.get("organization", entry.key)
        return f"{who} {entry.fields.get('year', '')}".strip()


class _AuthorYearStyle(PlainStyle):
    default_label_style = _AuthorYearLabels


pybtex.plugin.register_plugin("pybtex.style.formatting", "author_year_labels", _AuthorYearStyle)


def _module_references(app, what, name, obj, options, lines):
    """A module docstring's "References" heading becomes a rubric: as a section it would make
    one label per page, and Sphinx reports every page after the first as a duplicate."""
    if what != "module":
        return
    for i in range(len(lines) - 1):
        if lines[i].strip() == "References" and set(lines[i + 1].strip()) == {"-"}:
            lines[i : i + 2] = [".. rubric:: References", ""]
            break


def _skip_foreign(app, what, name, obj, skip, options):
    """Leave out what scikit-learn adds to our estimators (metadata-routing setters)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    if COURSE_LANG == "zh":
        from sphinx.search.zh import SearchChinese

        class _Chinese(SearchChinese):
            # Sphinx 9.0 ships the English stemmer for Chinese but names it ChineseStemmer in
            # the page script, which then fails on every page ("ChineseStemmer is not defined").
            language_name = "English"

        app.add_search_language(_Chinese)
    app.connect("autodoc-process-docstring", _module_references)
    app.connect("autodoc-skip-member", _skip_foreign)
