"""The course website, both editions, checked as a reader sees it: in headless Chromium.

`make test-site` (part of `make test`) builds the site with `course/tools/book.py` from the
chapters nbval executed into ``build/executed/`` (nothing runs again), installs Debian's chromium
and a CJK font if they are missing (`make browser`), then runs this file with ``pytest -m
browser``. The tests crawl every page of both editions from ``build/book/index.html`` with every
request that leaves the machine aborted, and fail on:

- a page not reachable from the home page, a broken link or anchor, a missing image, a page that
  renders blank, a script or console error, any request to the network;
- a chapter whose figures are not all on its page, a formula left as LaTeX, Chinese text drawn
  with anything but the site's own CJK font;
- offline search that finds nothing for a known term, an edition link or language switch that
  leads nowhere, a chapter without a working notebook download;
- any solution line, model answer, rubric or answer value in the learner edition (pages and
  downloads), while the instructor edition must show them.

A screenshot of every page (and of every chapter's first figure) is saved under
``build/screenshots/book/<edition>/``.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import coursebuild
import nbformat
import numpy as np
import pytest
from chromium import CHROMIUM_ARGS, chinese_fonts
from languages import LANGUAGES
from PIL import Image
from runner import chapters

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
BOOK = BUILD / "book"
EXECUTED = BUILD / "executed"
EDITIONS = ("learner", "instructor")
# Every edition in every course language: build/book/<edition>/<lang>/.
SITES = {(edition, lang): BOOK / edition / lang for edition in EDITIONS for lang in LANGUAGES}
SHOTS = BUILD / "screenshots" / "book"
SKIP = ("_static", "_sources", "_downloads", "_images", "_modules")

# Everything the checks need from one page, gathered in one pass in the browser.
_INSPECT = """() => {
  const main = document.querySelector('main') || document.body;
  const imgs = [...main.querySelectorAll('img')];
  return {
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.getAttribute('name')),
    images: imgs.length,
    brokenImages: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
                      .map(i => (i.getAttribute('src') || '').slice(0, 80)),
    visibleImages: imgs.filter(i => i.getBoundingClientRect().width > 50).length,
    text: (document.querySelector('article') || main).innerText,
    height: document.documentElement.scrollHeight,
    formulas: [...(document.querySelector('article') || main).querySelectorAll('math')]
                  .map(m => m.getBoundingClientRect().width),
    lang: document.documentElement.lang,
    currentLanguage: (document.querySelector('.course-languages .current-language') || {})
                        .textContent || '',
    editionLinks: [...document.querySelectorAll('a.edition-link')].map(a => a.href),
    languageLinks: [...document.querySelectorAll('a.language-link')]
                      .map(a => [a.getAttribute('hreflang'), a.href]),
    downloads: [...main.querySelectorAll('a.download')].map(a => a.href),
  };
}"""


@dataclass
class PageReport:
    path: Path
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    images: int = 0
    broken_images: list[str] = field(default_factory=list)
    visible_images: int = 0
    text: str = ""
    height: int = 0
    formulas: list[float] = field(default_factory=list)
    lang: str = ""
    current_language: str = ""
    edition_links: list[str] = field(default_factory=list)
    language_links: list[list[str]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    inked: float = 0.0  # share of the first screen's pixels that differ from the background
    errors: list[str] = field(default_factory=list)
    cjk_fonts: list[tuple[str, bool]] = field(default_factory=list)  # (family, web font?)

    @property
    def edition(self) -> str | None:
        rel = self.path.relative_to(BOOK.resolve()).parts
        return rel[0] if len(rel) > 2 else None

    @property
    def course_lang(self) -> str | None:
        rel = self.path.relative_to(BOOK.resolve()).parts
        return rel[1] if len(rel) > 2 else None

    @property
    def page(self) -> str:
        """The page's path inside its edition and language, e.g. ``chapters/01_x.html``."""
        rel = self.path.relative_to(BOOK.resolve()).parts
        return "/".join(rel[2:]) if len(rel) > 2 else "/".join(rel)


def _ink(png: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    values, counts = np.unique(pixels, return_counts=True)
    background = values[counts.argmax()]
    return float((np.abs(pixels.astype(int) - int(background)) > 16).mean())


def _local(url: str) -> Path | None:
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _is_page(path: Path) -> bool:
    rel = path.resolve().relative_to(BOOK.resolve()).parts
    return path.suffix == ".html" and not any(part in SKIP for part in rel)


def _open_browser(pw):
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed; run `make browser` (make test does)")
    browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    remote: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            remote.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return browser, context, remote


@pytest.fixture(scope="module")
def site() -> Path:
    index = BOOK / "index.html"
    if not index.exists():
        pytest.fail("no website in build/book; build it with `make book` (make test-site does)")
    for (edition, lang), folder in SITES.items():
        stale = [
            p.stem
            for p in chapters()
            if not (folder / "chapters" / f"{p.stem}.html").exists()
            or (folder / "chapters" / f"{p.stem}.html").stat().st_mtime < p.stat().st_mtime
        ]
        if stale:
            pytest.fail(
                f"the {edition} edition ({lang}) is older than chapters {stale}; run `make book`"
            )
    return index


@pytest.fixture(scope="module")
def crawl(site) -> dict[Path, PageReport]:
    """Open every page reachable from the home page; return what each one showed."""
    from playwright import sync_api as playwright  # the site extra; make test installs it

    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    reports: dict[Path, PageReport] = {}
    queue = [site.resolve()]
    with playwright.sync_playwright() as pw:
        browser, context, remote = _open_browser(pw)
        while queue:
            path = queue.pop(0)
            if path in reports:
                continue
            report = reports[path] = PageReport(path)
            page = context.new_page()
            page.on("pageerror", lambda e, r=report: r.errors.append(f"script error: {e}"))
            page.on(
                "console",
                lambda m, r=report: (
                    r.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
                ),
            )
            before = len(remote)
            page.goto(path.as_uri(), wait_until="load")
            info = page.evaluate(_INSPECT)
            report.links = info["links"]
            report.ids = set(info["ids"])
            report.images = info["images"]
            report.broken_images = info["brokenImages"]
            report.visible_images = info["visibleImages"]
            report.text = info["text"]
            report.height = info["height"]
            report.formulas = info["formulas"]
            report.lang = info["lang"]
            report.current_language = info["currentLanguage"].strip()
            report.edition_links = info["editionLinks"]
            report.language_links = info["languageLinks"]
            report.downloads = info["downloads"]
            report.errors += [f"remote request: {u}" for u in remote[before:]]
            shot = SHOTS / path.relative_to(BOOK.resolve()).with_suffix(".png")
            shot.parent.mkdir(parents=True, exist_ok=True)
            report.inked = _ink(page.screenshot(path=str(shot)))
            if report.images:
                page.evaluate(
                    "() => { const i = [...document.images].find(i => i.naturalWidth > 50);"
                    " if (i) { i.scrollIntoView({block: 'center'}); } }"
                )
                page.screenshot(path=str(shot.with_name(shot.stem + "-figure.png")))
            report.cjk_fonts = chinese_fonts(page)
            page.close()
            for link in report.links:
                target = _local(urldefrag(link).url)
                if target is not None and target.exists() and _is_page(target):
                    queue.append(target.resolve())
        browser.close()
    return reports


def _edition(crawl, edition: str, folder: str | None = None, lang: str | None = None):
    return [
        r
        for r in crawl.values()
        if r.edition == edition
        and (lang is None or r.course_lang == lang)
        and (folder is None or r.page.startswith(f"{folder}/"))
    ]


def _staged(edition: str, lang: str, stem: str) -> nbformat.NotebookNode:
    path = BUILD / "book-src" / edition / lang / "chapters" / f"{stem}.ipynb"
    return nbformat.read(path, as_version=4)


def _page(crawl, edition: str, lang: str, page: str) -> PageReport:
    return crawl[(SITES[edition, lang] / page).resolve()]


# --- structure ---------------------------------------------------------------------------------


def test_every_built_page_is_reachable_from_the_home_page(crawl):
    # The search page is reached through the search box, not a link: test_offline_search.
    built = {p.resolve() for p in BOOK.rglob("*.html") if _is_page(p) and p.name != "search.html"}
    assert built == set(crawl), f"not linked: {sorted(str(p) for p in built - set(crawl))}"
    for edition, lang in SITES:
        pages = {r.page for r in _edition(crawl, edition, "chapters", lang)}
        assert pages == {f"chapters/{p.stem}.html" for p in chapters()}, (edition, lang)


def test_navigation_follows_the_course_parts(crawl):
    import book

    for edition, lang in SITES:
        home = _page(crawl, edition, lang, "index.html")
        parts = book.load_parts(lang)
        assert len(parts) == 8
        position = 0
        for title, _ in parts:  # each part's title after the previous one, in order
            position = home.text.index(f"\n{title}\n", position) + 1
        pages = {r.page for r in _edition(crawl, edition, lang=lang)}
        # The API reference and the bibliography are part of every edition.
        assert {"references.html", "api/index.html", "api/helpers.clv.html"} <= pages
        assert ("instructor_guide.html" in pages) == (edition == "instructor")
    english = [title for title, _ in book.load_parts("en")]
    assert english[0] == "Foundations" and english[-1] == "Research"


def test_no_broken_links_or_anchors(crawl):
    broken = []
    for report in crawl.values():
        for link in report.links:
            target, fragment = urldefrag(link)
            path = _local(target)
            if path is None:
                continue  # external references are links for the reader, never fetched here
            if not path.exists():
                broken.append(f"{report.path} -> {link}")
            elif fragment and path.suffix == ".html":
                page = crawl.get(path.resolve())
                # As browsers do: the fragment matches an id as written or percent-decoded.
                if page is not None and not {fragment, unquote(fragment)} & page.ids:
                    broken.append(f"{report.path} -> #{fragment} (no such anchor)")
    assert not broken, broken[:20]


def test_no_missing_images(crawl):
    missing = {str(r.path): r.broken_images for r in crawl.values() if r.broken_images}
    assert not missing, missing


def test_no_blank_pages(crawl):
    for report in crawl.values():
        if report.edition is None:  # the landing page: one link per edition and language
            assert sum("/index.html" in link for link in report.links) == len(SITES)
            continue
        chinese = len(re.findall(r"[\u4e00-\u9fff]", report.text))
        assert len(report.text.strip()) + 2 * chinese > 300, f"{report.path} shows almost no text"
        # The first screen must carry ink: a blank white (or one-colour) page has almost none.
        assert report.inked > 0.02, f"{report.path}: first screen is blank ({report.inked})"


def test_no_script_errors_and_nothing_fetched_from_the_network(crawl):
    errors = {str(r.path): r.errors for r in crawl.values() if r.errors}
    assert not errors, errors


def test_every_figure_of_every_chapter_is_on_its_page(crawl):
    for edition, lang in SITES:
        for report in _edition(crawl, edition, "chapters", lang):
            nb = _staged(edition, lang, report.path.stem)
            figures = sum(
                1
                for cell in nb.cells
                for out in cell.get("outputs", [])
                if any(k.startswith("image/") for k in out.get("data", {}))
            )
            assert figures or report.path.stem == "00_welcome"
            assert report.images == figures, (edition, lang, report.page, report.images, figures)
            assert report.visible_images == figures, f"{report.path}: a figure has no size"


def test_formulas_are_typeset_not_left_as_latex(crawl):
    for edition, lang in SITES:
        chapter_01 = _page(crawl, edition, lang, "chapters/01_crm_foundations.html")
        assert len(chapter_01.formulas) >= 5 and min(chapter_01.formulas) > 0
    leftovers = {
        str(r.path): m
        for r in crawl.values()
        if (m := re.findall(r"\$[^$\n]{0,40}\\[a-z]+[^$\n]{0,40}\$", r.text))
    }
    assert not leftovers, leftovers


def test_chinese_text_is_drawn_with_the_sites_own_font(crawl):
    for edition, lang in SITES:
        glossary = _page(crawl, edition, lang, "glossary.html")
        assert glossary.cjk_fonts, "no Chinese text found on the glossary page"
        # A web font (isCustomFont): the subset shipped in _static/fonts, not a system font.
        assert any(custom and "CJK SC" in family for family, custom in glossary.cjk_fonts), (
            glossary.cjk_fonts
        )
    chinese_pages = [r for r in crawl.values() if r.cjk_fonts]
    assert len(chinese_pages) >= len(SITES) * 18, "most chapters use Chinese terms"
    unfonted = [str(r.path) for r in chinese_pages if not any(c for _, c in r.cjk_fonts)]
    assert not unfonted, unfonted


def test_every_page_carries_its_language_and_a_switch_to_its_twins(crawl):
    for report in crawl.values():
        if report.edition is None:
            continue  # the landing page
        label, htmllang = LANGUAGES[report.course_lang]
        assert report.lang == htmllang, report.path
        assert report.current_language == label, report.path
        others = {code for code in LANGUAGES if code != report.course_lang}
        assert {h for h, _ in report.language_links} == {LANGUAGES[c][1] for c in others}
        for htmllang_other, href in report.language_links:
            code = next(c for c, (_, h) in LANGUAGES.items() if h == htmllang_other)
            # The switch lands on the same page in the other language.
            twin = (SITES[report.edition, code] / report.page).resolve()
            assert _local(href).resolve() == twin and twin in crawl, (report.path, href)


def test_edition_links_lead_to_the_learner_twin(crawl):
    for report in _edition(crawl, "instructor"):
        if report.page == "instructor_guide.html":
            assert not report.edition_links  # the guide has no learner twin
            continue
        assert len(report.edition_links) == 1, report.path
        target = _local(report.edition_links[0])
        twin = SITES["learner", report.course_lang] / report.page
        assert target is not None and target.resolve() == twin.resolve()
    for report in _edition(crawl, "learner"):
        assert not report.edition_links, f"{report.path} links the learner to the instructor site"
        assert not any("/instructor/" in link for link in report.links), report.path


def test_each_chapter_offers_its_notebook(crawl):
    for edition, lang in SITES:
        for report in _edition(crawl, edition, "chapters", lang):
            assert len(report.downloads) == 1, (edition, lang, report.page)
            path = _local(report.downloads[0])
            assert path is not None and path.name == f"{report.path.stem}.ipynb"
            nb = nbformat.read(path, as_version=4)
            solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
            assert bool(solutions) == (edition == "instructor"), (edition, path.name)
            assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
            prose = [c for c in nb.cells if c.cell_type == "markdown"]
            assert {c.metadata.get("lang", "en") for c in prose} == {lang}, path


# --- search ------------------------------------------------------------------------------------

SEARCHES = [("en", "retention"), ("en", "BG/NBD"), ("en", "客户终身价值")] + (
    [("zh", "客户终身价值"), ("zh", "客户流失"), ("zh", "BG/NBD")] if "zh" in LANGUAGES else []
)


@pytest.mark.parametrize(("lang", "term"), SEARCHES)
def test_offline_search_finds_a_known_term(site, lang, term):
    from playwright import sync_api as playwright

    with playwright.sync_playwright() as pw:
        browser, context, remote = _open_browser(pw)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        url = (SITES["learner", lang] / "search.html").as_uri() + f"?q={term}"
        page.goto(url, wait_until="load")
        page.wait_for_function(
            "() => { const r = document.querySelector('#search-results');"
            " return r && r.querySelector('.search-summary, p') !== null"
            " && !r.innerText.includes('Preparing search'); }",
            timeout=20_000,
        )
        page.wait_for_timeout(300)
        hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
        shot = SHOTS / "learner" / lang / f"search-{SEARCHES.index((lang, term))}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        browser.close()
    assert hits, f"search for {term!r} in the {lang} site found nothing"
    assert all(_local(urldefrag(h).url).exists() for h in hits)
    assert not remote and not errors, (remote, errors)


# --- no answers in the learner edition ---------------------------------------------------------


def _secrets(stem: str) -> set[str]:
    source = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    executed = nbformat.read(EXECUTED / f"{stem}.ipynb", as_version=4)
    return coursebuild.learner_secrets(source, executed)


MARKS = ("Model answer", "Marking rubric", "参考答案", "评分标准")


def test_no_solution_line_or_answer_value_in_the_learner_edition(crawl):
    leaks = {}
    for report in _edition(crawl, "learner"):
        text = report.text
        assert not [m for m in MARKS if m in text], report.path
        if report.page.startswith("chapters/"):
            assert "✓" not in text, f"{report.path} shows an instructor's verdict"
            found = coursebuild.find_leaks(text, _secrets(report.path.stem))
            if found:
                leaks[str(report.path)] = found[:5]
    assert not leaks, leaks


def test_no_solution_in_the_learner_downloads(crawl):
    for report in _edition(crawl, "learner", "chapters"):
        nb = nbformat.read(_local(report.downloads[0]), as_version=4)
        text = coursebuild.notebook_text(nb)
        assert not coursebuild.find_leaks(text, _secrets(report.path.stem)), report.path
        assert not [m for m in MARKS if m in text], report.path
        checks = [c.source for c in nb.cells if "check_answer(" in c.source]
        assert checks and not any("expected=" in c for c in checks), report.path


def test_the_instructor_edition_shows_the_solutions(crawl):
    # The leak check above must be able to fail: the same secrets are found on instructor pages.
    for report in _edition(crawl, "instructor", "chapters"):
        assert coursebuild.find_leaks(report.text, _secrets(report.path.stem)), report.path
    for lang in LANGUAGES:
        mark = "Marking rubric" if lang == "en" else "评分标准"
        rubrics = [r for r in _edition(crawl, "instructor", "chapters", lang) if mark in r.text]
        assert len(rubrics) >= 10, f"decision exercises show their rubric to instructors ({lang})"


# --- the same numbers in both languages --------------------------------------------------------

_NUMBERS = re.compile(r"-?\d+(?:[.,]\d+)*(?:e[+-]?\d+)?")


def _values(text: str) -> list[str]:
    """The computed numbers of a printed output: those with a decimal point, a thousands
    separator or at least four digits. Short whole numbers are left out, because labels
    carry them differently in each language ("95% CI" against 置信区间); so are numbers
    glued to a Latin letter or an underscore (`rate_per_1000h`), and the "-" of a range
    (years 0-7) is not a sign."""
    found = []
    for m in _NUMBERS.finditer(text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if re.match(r"[A-Za-z_]", before) or re.match(r"[A-Za-z_]", after):
            continue
        number = m.group()
        if number.startswith("-") and before.isdigit():
            number = number[1:]
        digits = re.sub(r"\D", "", number)
        if "." in number or "," in number or len(digits) >= 4:
            found.append(number)
    return sorted(found)


def _checked_numbers(path: Path) -> list[list[str]]:
    """The numbers each `# NBVAL_CHECK_OUTPUT` cell printed, cell by cell."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source:
            text = "".join(
                o.get("text", "")
                if o.get("output_type") == "stream"
                else "".join(o.get("data", {}).get("text/plain", ""))
                for o in cell.get("outputs", [])
            )
            out.append(_values(text))
    return out


@pytest.mark.parametrize("path", chapters(), ids=[p.stem[:2] for p in chapters()])
def test_the_checked_outputs_hold_the_same_numbers_in_both_languages(site, path):
    import book

    for lang in LANGUAGES:
        folder = book.executed_folder(ROOT, BUILD, lang)
        assert (folder / path.name).exists(), f"no {lang} run of {path.name} in {folder}"
        numbers = _checked_numbers(folder / path.name)
        assert numbers == _checked_numbers(EXECUTED / path.name), (lang, path.name)
        assert numbers, path.name
