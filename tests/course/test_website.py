"""The course website, checked as a reader would see it: in headless Chromium.

`make test-site` (part of `make test`) builds the site from the chapters nbval executed into
``build/executed/`` (``make test-notebooks``; or ``make run``), installs Debian's chromium and a
CJK font if they are missing (`make browser`), then runs this file with ``pytest -m browser``.
The tests crawl every page from the home page, and fail on a broken link or anchor, a missing
or undecodable image, a page that renders blank, a script error, any request that leaves the
machine, a chapter whose figures are not all on its page, a formula left as LaTeX source, and
Chinese text drawn without a Chinese font. A screenshot of every page (and of every chapter's
first figure) is saved under ``build/screenshots/``.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import nbformat
import numpy as np
import pytest
from PIL import Image
from runner import chapters

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
BOOK = BUILD / "book"
EXECUTED = BUILD / "executed"
SHOTS = BUILD / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--allow-file-access-from-files",
]

# Everything the checks need from one page, gathered in one pass in the browser.
_INSPECT = """() => {
  const imgs = [...document.images];
  const text = (document.querySelector('main, .jp-Notebook') || document.body).innerText;
  return {
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.getAttribute('name')),
    images: imgs.length,
    brokenImages: imgs.filter(i => !i.complete || i.naturalWidth === 0)
                      .map(i => (i.getAttribute('src') || '').slice(0, 80)),
    visibleImages: imgs.filter(i => i.getBoundingClientRect().width > 50).length,
    text: text,
    height: document.documentElement.scrollHeight,
    formulas: [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width),
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
    inked: float = 0.0  # share of the first screen's pixels that differ from the background
    errors: list[str] = field(default_factory=list)
    cjk_fonts: list[str] = field(default_factory=list)


def _ink(png: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    values, counts = np.unique(pixels, return_counts=True)
    background = values[counts.argmax()]
    return float((np.abs(pixels.astype(int) - int(background)) > 16).mean())


def _local(url: str) -> Path | None:
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


@pytest.fixture(scope="module")
def site() -> Path:
    index = BOOK / "index.html"
    if not index.exists():
        pytest.fail("no website in build/book; build it with `make book` (make test-site does)")
    stale = [
        p.stem
        for p in chapters()
        if not (BOOK / "chapters" / f"{p.stem}.html").exists()
        or (BOOK / "chapters" / f"{p.stem}.html").stat().st_mtime < p.stat().st_mtime
    ]
    if stale:
        pytest.fail(f"the website is older than chapters {stale}; rebuild it with `make book`")
    return index


@pytest.fixture(scope="module")
def crawl(site) -> dict[Path, PageReport]:
    """Open every page reachable from the home page; return what each one showed."""
    from playwright import sync_api as playwright  # the dev extra; make test installs it

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed; run `make browser` (make test does)")
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    reports: dict[Path, PageReport] = {}
    queue = [site.resolve()]
    with playwright.sync_playwright() as pw:
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
            report.errors += [f"remote request: {u}" for u in remote[before:]]
            name = path.relative_to(BOOK.resolve()).as_posix().replace("/", "__")
            shot = page.screenshot(path=str(SHOTS / name.replace(".html", ".png")))
            report.inked = _ink(shot)
            if report.images:
                page.evaluate(
                    "() => { const i = [...document.images].find(i => i.naturalWidth > 50);"
                    " if (i) { i.scrollIntoView({block: 'center'}); } }"
                )
                page.screenshot(path=str(SHOTS / name.replace(".html", "-figure.png")))
            report.cjk_fonts = _fonts_of_chinese_text(page)
            page.close()
            for link in report.links:
                target = _local(urldefrag(link).url)
                if target is not None and target.suffix == ".html" and target.exists():
                    queue.append(target.resolve())
        browser.close()
    return reports


def _fonts_of_chinese_text(page) -> list[str]:
    """Fonts Chromium actually used for the first element with Chinese text (CDP)."""
    marker = page.evaluate(
        """() => {
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            if (/[\\u4e00-\\u9fff]/.test(walker.currentNode.nodeValue)) {
              walker.currentNode.parentElement.setAttribute('data-cjk-probe', '1');
              return true;
            }
          }
          return false;
        }"""
    )
    if not marker:
        return []
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-cjk-probe]"})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in fonts]


def _pages(crawl, folder: str | None = None) -> list[PageReport]:
    return [r for p, r in crawl.items() if folder is None or p.parent.name == folder]


def test_every_built_page_is_reachable_from_the_home_page(crawl):
    built = {p.resolve() for p in BOOK.rglob("*.html")}
    assert built == set(crawl), f"not linked: {sorted(str(p) for p in built - set(crawl))}"
    chapter_pages = {p.stem for p in crawl if p.parent.name == "chapters"}
    assert chapter_pages == {p.stem for p in chapters()}


def test_no_broken_links_or_anchors(crawl):
    broken = []
    for report in crawl.values():
        for link in report.links:
            target, fragment = urldefrag(link)
            path = _local(target)
            if path is None:
                continue  # external references are links for the reader, never fetched here
            if not path.exists():
                broken.append(f"{report.path.name} -> {link}")
            elif fragment and path.suffix == ".html":
                page = crawl.get(path.resolve())
                # As browsers do: the fragment matches an id as written or percent-decoded.
                if page is not None and not {fragment, unquote(fragment)} & page.ids:
                    broken.append(f"{report.path.name} -> #{fragment} (no such anchor)")
    assert not broken, broken


def test_no_missing_images(crawl):
    missing = {r.path.name: r.broken_images for r in crawl.values() if r.broken_images}
    assert not missing, missing


def test_no_blank_pages(crawl):
    for report in crawl.values():
        assert len(report.text.strip()) > 500, f"{report.path.name} shows almost no text"
        # The first screen must carry ink: a blank white (or one-colour) page has almost none.
        assert report.inked > 0.02, f"{report.path.name}: first screen is blank ({report.inked})"


def test_no_script_errors_and_nothing_fetched_from_the_network(crawl):
    errors = {r.path.name: r.errors for r in crawl.values() if r.errors}
    assert not errors, errors


def test_every_figure_of_every_chapter_is_on_its_page(crawl):
    for report in _pages(crawl, "chapters"):
        nb = nbformat.read(EXECUTED / f"{report.path.stem}.ipynb", as_version=4)
        figures = sum(
            1
            for cell in nb.cells
            for out in cell.get("outputs", [])
            if any(k.startswith("image/") for k in out.get("data", {}))
        )
        assert report.images == figures, (report.path.name, report.images, figures)
        assert report.visible_images == figures, f"{report.path.name}: a figure has no size"


def test_formulas_are_typeset_not_left_as_latex(crawl):
    chapter_01 = crawl[(BOOK / "chapters" / "01_crm_foundations.html").resolve()]
    assert len(chapter_01.formulas) >= 5 and min(chapter_01.formulas) > 0
    leftovers = {
        r.path.name: m
        for r in crawl.values()
        if (m := re.findall(r"\$[^$\n]{0,40}\\[a-z]+[^$\n]{0,40}\$", r.text))
    }
    assert not leftovers, leftovers


def test_chinese_text_is_drawn_with_a_chinese_font(crawl):
    glossary = crawl[(BOOK / "glossary.html").resolve()]
    assert glossary.cjk_fonts, "no Chinese text found on the glossary page"
    assert any("CJK SC" in f or "Han Sans SC" in f for f in glossary.cjk_fonts), (
        f"Chinese drawn with {glossary.cjk_fonts}; install fonts-noto-cjk (`make browser`)"
    )
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert listed.strip(), "no Chinese font installed; run `make browser`"
