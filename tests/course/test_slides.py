"""The slide decks of ``course/tools/slides.py`` (``make slides``).

The first tests need no executed chapters: a small notebook built in memory shows which cells
become slides, that code is hidden, that formulas become MathML and that nothing remote is
loaded. One test checks the ``slide`` tags of every chapter. The last test (marker ``browser``,
run with ``pytest -m browser``) builds every deck from ``build/executed/`` and opens it in
headless Chromium; screenshots go to ``build/screenshots/slides/``.
"""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
import slides
from bilingual import monolingual
from chromium import CHROMIUM_ARGS, chinese_fonts
from languages import LANGUAGES as COURSE_LANGUAGES
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from runner import chapters
from slides import SlideError, plan_slides, render_deck, slide_starts

_REMOTE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.I)


def _cell(maker, source, tags=(), **kwargs):
    cell = maker(source, **kwargs)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _toy() -> nbformat.NotebookNode:
    """Three slides starts (title, objectives, section) and one sub-slide (a figure's cell)."""
    printed = new_output("stream", name="stdout", text="OUTPUT_SHOWN 42\n")
    warned = new_output("stream", name="stderr", text="WARNING_DROPPED\n")
    hidden = new_output("stream", name="stdout", text="OUTPUT_OF_UNTAGGED\n")
    return new_notebook(
        cells=[
            _cell(new_markdown_cell, "# 99 · A toy chapter\n\nIts purpose.", ["slide"]),
            _cell(
                new_markdown_cell, "## Learning objectives\n\n1. Read $V_c = F_c - C_c$.", ["slide"]
            ),
            _cell(new_code_cell, "seed: int = 1", ["parameters"]),
            _cell(new_markdown_cell, "Prose that is not on any slide: UNTAGGED_PROSE."),
            _cell(new_code_cell, "print('CODE_HIDDEN')", ["slide"], outputs=[printed, warned]),
            _cell(new_code_cell, "print('untagged')", outputs=[hidden]),
            _cell(
                new_markdown_cell,
                "## 1. A section\n\nFirst paragraph with $$x^2$$ shown.\n\nLater text: NOTE_ONLY.",
                ["slide"],
            ),
            _cell(new_markdown_cell, "## Exercises\n\n**Exercise 1.** Compute it."),
            _cell(new_code_cell, "answer_1 = None", ["solution"]),
        ]
    )


def test_only_tagged_cells_become_slides_and_code_is_hidden():
    nb = _toy()
    planned = plan_slides(nb, "toy")
    kinds = [c.metadata["slideshow"]["slide_type"] for c in planned.cells]
    # title, objectives, the section: slides; the code cell: a sub-slide below the objectives.
    assert [k for k in kinds if k != "skip"] == ["slide", "slide", "subslide", "slide", "notes"]
    assert slide_starts(planned) == 4
    page = render_deck(nb, "en", "../_reveal", "toy")
    assert "OUTPUT_SHOWN 42" in page
    for absent in ("CODE_HIDDEN", "UNTAGGED_PROSE", "OUTPUT_OF_UNTAGGED", "WARNING_DROPPED"):
        assert absent not in page, absent
    assert "seed: int" not in page and "answer_1" not in page
    # The rest of a section's cell is a speaker note, not slide text.
    notes = re.findall(r'<aside class="notes">(.*?)</aside>', page, re.S)
    assert len(notes) == 1 and "NOTE_ONLY" in notes[0]
    # Each slide is a <section> in a <section>, sub-slides share their slide's outer one.
    assert page.count("<section") == 3 + 4
    assert '<html lang="en">' in page


def test_deck_loads_nothing_remote_and_formulas_are_mathml():
    page = render_deck(_toy(), "en", "../_reveal", "toy")
    assert not _REMOTE.findall(page), _REMOTE.findall(page)
    assert "require.js" not in page and "MathJax" not in page
    assert '<script src="../_reveal/dist/reveal.js">' in page
    assert '<link href="../_reveal/dist/reveal.css"' in page.replace(' rel="stylesheet"', "")
    assert page.count("<math") == 2
    assert "<msub><mi>V</mi><mi>c</mi></msub>" in page
    assert "$" not in re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei'" in page


def test_formula_in_a_heading_stays_mathml():
    nb = new_notebook(cells=[_cell(new_markdown_cell, "# Value: $V_c = F_c - C_c$", ["slide"])])
    page = render_deck(nb, "en", "../_reveal", "toy")
    # nbconvert's heading anchors write <ns0:math>, which HTML does not draw as MathML.
    assert "ns0:" not in page
    assert re.search(r"<h1[^>]*>Value: <math", page)


@pytest.mark.parametrize(
    ("index", "tags", "kind"),
    [(8, ["solution", "slide"], "solution"), (2, ["parameters", "slide"], "parameters")],
)
def test_a_forbidden_cell_tagged_slide_is_refused(index, tags, kind):
    nb = _toy()
    nb.cells[index].metadata["tags"] = tags
    nb.cells[index].id = "bad-cell"
    with pytest.raises(SlideError, match=rf"toy: cell {index} \(id 'bad-cell'.*is a {kind} cell"):
        plan_slides(nb, "toy")


def test_an_exercise_tagged_slide_is_refused():
    nb = _toy()
    nb.cells[7].metadata["tags"] = ["slide"]
    with pytest.raises(SlideError, match=r"cell 7 .*'## Exercises'.* is a exercise cell"):
        plan_slides(nb, "toy")


def test_no_tagged_cell_is_an_error():
    nb = new_notebook(cells=[new_markdown_cell("# Untagged")])
    with pytest.raises(SlideError, match="no cell is tagged 'slide'"):
        plan_slides(nb, "toy")


def test_a_paragraph_that_announces_a_formula_keeps_it():
    shown, notes = slides._split_heading("## 5. Power\n\nThe size per arm:\n\n$$n$$\n\nMore.")
    assert shown == "## 5. Power\n\nThe size per arm:\n\n$$n$$"
    assert notes == "More."
    whole = "## Key takeaways\n\n- one\n\n- two"
    assert slides._split_heading(whole) == (whole, "")


def test_unknown_language_is_refused_with_the_available_ones(capsys):
    with pytest.raises(SlideError, match=r"no language 'fr'; the available languages are: en, zh"):
        render_deck(_toy(), "fr")
    assert slides.main(["--lang", "fr"]) == 2
    assert "the available languages are: en, zh" in capsys.readouterr().err


def test_missing_executed_chapter_exits_2_naming_make_run(tmp_path, capsys):
    assert slides.main(["--build", str(tmp_path), "--nb", "01"]) == 2
    err = capsys.readouterr().err
    assert "no executed copy of 01_crm_foundations.ipynb" in err and "`make run`" in err


def test_every_chapter_has_8_to_15_slides_and_none_is_an_exercise():
    counts = {}
    for path in chapters():
        nb = monolingual(nbformat.read(path, as_version=4), "en")  # a deck has one language
        tagged = [c for c in nb.cells if "slide" in c.metadata.get("tags", [])]
        assert not [c.id for c in tagged if {"solution", "parameters"} & set(c.metadata.tags)]
        planned = plan_slides(nb, path.stem)  # refuses solutions, exercises, parameters
        assert slide_starts(planned) == len(tagged)
        assert tagged[0] is nb.cells[0] and nb.cells[0].source.startswith("# ")
        assert any(c.source.startswith("## Key takeaways") for c in tagged), path.stem
        counts[path.stem] = len(tagged)
    bad = {name: n for name, n in counts.items() if not 8 <= n <= 15}
    assert not bad, bad
    assert len(counts) == 18


# --- in the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(COURSE_LANGUAGES))
def test_decks_in_chromium_offline(tmp_path, lang):
    from book import executed_folder
    from runner import find_root

    build = find_root() / "build"
    executed = executed_folder(find_root(), build, lang)
    missing = [p.name for p in chapters() if not (executed / p.name).exists()]
    if missing:
        pytest.skip(f"no executed chapters {missing} in build/executed; run `make run` first")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed; run `make browser`")
    from playwright import sync_api as playwright

    decks = slides.build_slides(executed, tmp_path / "slides", lang)
    index = decks.pop()
    assert index.name == "index.html" and len(decks) == 18
    assert index.read_text(encoding="utf-8").count("<li><a href=") == 18
    assert (tmp_path / "slides" / "_reveal" / "LICENSE").exists()
    shots = build / "screenshots" / "slides" / lang
    if shots.exists():
        shutil.rmtree(shots)
    shots.mkdir(parents=True)
    planned, figures = {}, {}
    for p in chapters():
        nb = slides._with_source_tags(nbformat.read(executed / p.name, as_version=4), p)
        nb = monolingual(nb, lang)
        planned[p.stem] = slide_starts(plan_slides(nb, p.stem))
        figures[p.stem] = sum(
            "image/png" in out.get("data", {})
            for c in nb.cells
            if "slide" in c.metadata.get("tags", [])
            for out in c.get("outputs", [])
        )
    problems = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 760})
        remote: list[str] = []

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                remote.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        for deck in decks:
            errors: list[str] = []
            page = context.new_page()
            page.on("pageerror", lambda e, errors=errors: errors.append(f"script error: {e}"))
            page.on(
                "console",
                lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None,
            )
            page.goto(deck.as_uri(), wait_until="load")
            page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=10_000)
            total = page.evaluate("() => Reveal.getTotalSlides()")
            if total != planned[deck.stem]:
                problems.append(f"{deck.stem}: {total} slides, {planned[deck.stem]} planned")
            html_lang = COURSE_LANGUAGES[lang][1]
            assert page.evaluate("() => document.documentElement.lang") == html_lang
            page.screenshot(path=str(shots / f"{deck.stem}.png"))
            # Walk every slide: none may be cut off, the figures must decode.
            walk = page.evaluate(
                """() => { const out = []; Reveal.slide(0, 0);
                  for (let k = 0; k < Reveal.getTotalSlides(); k++) {
                    const s = Reveal.getCurrentSlide();
                    const imgs = [...s.querySelectorAll('img')];
                    out.push({over: s.scrollHeight - s.clientHeight, images: imgs.length,
                              broken: imgs.filter(i => !i.complete || !i.naturalWidth).length,
                              indices: Reveal.getIndices(),
                              formulas: s.querySelectorAll('math').length});
                    Reveal.next(); }
                  return out; }"""
            )
            for k, slide in enumerate(walk):
                if slide["over"] > 2:
                    problems.append(f"{deck.stem} slide {k + 1} is cut off by {slide['over']}px")
                if slide["broken"]:
                    problems.append(f"{deck.stem} slide {k + 1} has a broken image")
            shown = sum(s["images"] for s in walk)
            if shown != figures[deck.stem]:
                problems.append(f"{deck.stem}: {shown} figures, {figures[deck.stem]} tagged")
            with_figure = [s["indices"] for s in walk if s["images"]]
            if with_figure:
                h, v = with_figure[0]["h"], with_figure[0]["v"]
                page.evaluate(f"() => Reveal.slide({h}, {v})")
                page.screenshot(path=str(shots / f"{deck.stem}-figure.png"))
            if deck.stem == "01_crm_foundations":
                assert sum(s["formulas"] for s in walk) >= 5
                page.evaluate("() => Reveal.slide(1, 1)")  # the key terms, below the objectives
                fonts = [family for family, _ in chinese_fonts(page, slide=True)]
                assert any("CJK SC" in f or "Han Sans SC" in f for f in fonts), fonts
            problems += [f"{deck.stem}: {e}" for e in errors]
            page.close()
        browser.close()
    assert not remote, remote
    assert not problems, problems
    assert sum(n > 0 for n in figures.values()) >= 17  # every chapter but 00 shows a figure
