"""Build a short slide deck per chapter from the cells tagged ``slide``.

Course tooling, not part of the learner package. Used by ``make slides``, from the repository's
folder (or any folder inside it)::

    python course/tools/slides.py                 # every chapter, language from COURSE_LANG or en
    python course/tools/slides.py --lang en --nb 01 --build build

Each deck is written to ``build/slides/<lang>/<chapter>.html``, with an ``index.html`` that lists
the decks. The decks are built from the executed chapters in ``build/executed/`` (``make run``),
so figures and tables are shown as the chapter computed them. The ``slide`` tags are read from
the chapter sources in ``notebooks/`` (matched by cell id), so a change of tags needs no new run.

How the cells become slides (nbconvert's ``SlidesExporter``, reveal.js):

* only cells tagged ``slide`` are shown; every other cell is skipped;
* a Markdown cell that starts with ``#`` or ``##`` starts a new slide; the other tagged cells
  are sub-slides below it (reveal.js's vertical slides);
* code cells show their outputs only, never their code;
* a section heading shows its first paragraph; the rest of the cell goes to the speaker notes
  (press ``s`` in the deck). Title, learning objectives, key terms, management summary and key
  takeaways are shown in full;
* formulas are turned into MathML (``coursebuild.math_to_mathml``), which browsers draw
  without a script.

The decks work offline: reveal.js is copied once from the installed ``sphinx_revealjs`` package
into ``build/slides/_reveal/`` (with its licence), and every remote ``<script>`` or
``<link>`` that nbconvert's template adds (require.js, MathJax) is removed.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
from bilingual import monolingual
from coursebuild import math_to_mathml
from languages import LANGUAGES as _COURSE_LANGUAGES
from runner import chapters, find_root

__all__ = [
    "LANGUAGES",
    "SLIDE_TAG",
    "SlideError",
    "build_slides",
    "check_language",
    "plan_slides",
    "render_deck",
    "slide_starts",
]

# The languages the course is built in (course/tools/languages.py); the first is the default.
LANGUAGES = tuple(_COURSE_LANGUAGES)
SLIDE_TAG = "slide"
_FORBIDDEN = ("solution", "parameters")  # cell tags that must never be projected
_REVEAL_FILES = (  # what the decks load from reveal.js, relative to its folder
    "LICENSE",
    "dist/reveal.css",
    "dist/reveal.js",
    "dist/theme/white.css",
    "dist/theme/fonts/source-sans-pro",
    "plugin/notes/notes.js",
)
_REVEAL_DIR = "_reveal"
# Headings whose whole cell is shown; other section headings show their first paragraph.
_WHOLE = ("learning objectives", "key terms", "key takeaways", "management summary")
_REMOTE = re.compile(
    r"<script[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>"
    r"|<link[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>"
    r"|<script[^>]*>[^<]*\bfrom\s+[\"'](?:https?:)?//[^<]*</script>",
    re.IGNORECASE,
)
# Latin font first, then Simplified-Chinese fonts (else a browser may pick Japanese glyphs).
_FONTS = (
    "'Source Sans Pro',Helvetica,Arial,sans-serif,"
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei'"
)
_STYLE = f"""
:root:root{{--r-main-font:{_FONTS};--r-heading-font:{_FONTS};--jp-content-font-family:{_FONTS};
--jp-ui-font-family:{_FONTS};--jp-content-font-size1:26px;--jp-ui-font-size1:26px;
--jp-code-font-size:20px;--r-heading-text-transform:none}}
.reveal{{font-family:{_FONTS}}}
.reveal h1,.reveal h2,.reveal h3{{text-transform:none}}
.reveal h1{{font-size:1.9em}} .reveal h2{{font-size:1.45em}} .reveal h3{{font-size:1.15em}}
.reveal .slides section{{text-align:left}}
.reveal .slides section section,.reveal .slides>section:not(.stack){{max-height:680px;
overflow-y:auto}}
.reveal table{{font-size:.8em}} .reveal .jp-OutputArea-output pre{{font-size:.75em}}
.reveal .jp-RenderedImage img{{max-height:460px;width:auto}}
.reveal aside.notes{{display:none}}
.reveal math{{font-family:'STIX Two Math','Latin Modern Math','DejaVu Math TeX Gyre',math}}
"""
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_css -%}<style>STYLE</style>{%- endblock html_head_css -%}
{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({controls: true, progress: true, hash: true, center: false,
  transition: "none", slideNumber: "c/t", plugins: [RevealNotes], width: 1200, height: 700});
// A slide taller than the screen is shrunk (down to 60%) rather than cut off.
function fitSlide(event) {
  const slide = event.currentSlide;
  for (let i = 0; i < 4 && slide.scrollHeight > slide.clientHeight + 2; i++) {
    const ratio = slide.clientHeight / slide.scrollHeight;
    for (const child of slide.children) {
      const zoom = parseFloat(child.style.zoom || 1);
      child.style.zoom = Math.max(0.6, zoom * ratio * 0.98);
    }
  }
}
Reveal.on("ready", fitSlide);
Reveal.on("slidechanged", fitSlide);
</script>
{% endblock footer_js %}
"""


class SlideError(ValueError):
    """A cell that must not be projected is tagged ``slide``, or a deck cannot be built."""


def check_language(lang: str) -> str:
    """Return ``lang`` if the course is built in it.

    Raises
    ------
    SlideError
        If ``lang`` is not in ``LANGUAGES``, listing the available ones.
    """
    if lang not in LANGUAGES:
        raise SlideError(
            f"no language {lang!r}; the available languages are: {', '.join(LANGUAGES)}"
        )
    return lang


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _first_line(cell) -> str:
    lines = cell.source.strip().splitlines()
    return lines[0] if lines else ""


def _exercise_cells(nb: nbformat.NotebookNode) -> set[int]:
    """Indices of the exercise cells: the ``## Exercises`` part, and any ``**Exercise`` cell."""
    found, inside = set(), False
    for i, cell in enumerate(nb.cells):
        first = _first_line(cell)
        if cell.cell_type == "markdown" and re.match(r"##\s", first):
            inside = first[2:].strip().lower().startswith("exercises")
        if inside or (cell.cell_type == "markdown" and first.startswith("**Exercise")):
            found.add(i)
    return found


def _split_heading(source: str) -> tuple[str, str]:
    """A section heading cell as (shown, notes): the heading and its first paragraph, the rest."""
    first = source.strip().splitlines()[0]
    title = first.lstrip("#").strip().lower()
    if not first.startswith("##") or title.startswith(_WHOLE):
        return source, ""
    blocks = re.split(r"\n\s*\n", source.strip())
    # The heading is its own block when a blank line follows it.
    keep = 2 if blocks[0].strip() == first.strip() else 1
    # A paragraph that announces what follows ("... per arm:") keeps what it announces.
    while keep < len(blocks) and blocks[keep - 1].rstrip().endswith(":"):
        keep += 1
    return "\n\n".join(blocks[:keep]), "\n\n".join(blocks[keep:])


def plan_slides(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``nb`` with reveal.js slide types set from the cells tagged ``slide``.

    Tagged Markdown cells that start with ``#`` or ``##`` start a slide, other tagged cells are
    sub-slides below the last one, untagged cells are skipped. Formulas become MathML; long
    section headings keep their first paragraph and move the rest to speaker notes; error
    streams (warnings) of the tagged code cells are dropped.

    Parameters
    ----------
    nb : NotebookNode
        An executed chapter with its ``slide`` tags.
    name : str
        The chapter's name, used in error messages.

    Returns
    -------
    NotebookNode
        The planned copy; ``slide_starts`` counts its slides.

    Raises
    ------
    SlideError
        If a cell tagged ``slide`` is a solution, an exercise or the parameters cell (named in
        the message), or if no cell is tagged.
    """
    out = nbformat.from_dict(nb)
    exercises = _exercise_cells(out)
    cells, started = [], False
    for i, cell in enumerate(out.cells):
        tags = _tags(cell)
        if SLIDE_TAG not in tags:
            cell.metadata["slideshow"] = {"slide_type": "skip"}
            cells.append(cell)
            continue
        bad = [t for t in _FORBIDDEN if t in tags] or (["exercise"] if i in exercises else [])
        if bad:
            raise SlideError(
                f"{name}: cell {i} (id {cell.get('id', '?')!r}, {_first_line(cell)[:50]!r}) is "
                f"tagged {SLIDE_TAG!r} but is a {bad[0]} cell; remove its {SLIDE_TAG!r} tag"
            )
        notes = ""
        if cell.cell_type == "markdown":
            shown, notes = _split_heading(cell.source)
            cell.source = math_to_mathml(shown)
            starts = bool(re.match(r"#{1,2}\s", cell.source))
        else:
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
            starts = False
        kind = "slide" if starts or not started else "subslide"
        cell.metadata["slideshow"] = {"slide_type": kind}
        started = True
        cells.append(cell)
        if notes:
            note = nbformat.v4.new_markdown_cell(math_to_mathml(notes))
            note.metadata["slideshow"] = {"slide_type": "notes"}
            cells.append(note)
    if not started:
        raise SlideError(f"{name}: no cell is tagged {SLIDE_TAG!r}; tag 8 to 15 cells")
    out.cells = cells
    return out


def slide_starts(planned: nbformat.NotebookNode) -> int:
    """The number of slides (slides and sub-slides) of a notebook from ``plan_slides``."""
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in planned.cells]
    return sum(k in ("slide", "subslide") for k in kinds)


def render_deck(
    nb: nbformat.NotebookNode, lang: str = "en", reveal_url: str = "../_reveal", name: str = ""
) -> str:
    """The reveal.js deck of one chapter, as one HTML page that loads nothing remote.

    Parameters
    ----------
    nb : NotebookNode
        An executed chapter with its ``slide`` tags (see ``plan_slides``).
    lang : str
        The deck's language, one of ``LANGUAGES``; it becomes ``<html lang=...>``.
    reveal_url : str
        Relative URL of the folder that holds reveal.js's ``dist/`` and ``plugin/``.
    name : str
        The chapter's name, used in error messages.

    Raises
    ------
    SlideError
        From ``plan_slides`` or ``check_language``.
    """
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    check_language(lang)
    planned = plan_slides(nb, name or "notebook")
    loader = DictLoader({"course_slides.html.j2": _TEMPLATE.replace("STYLE", _STYLE)})
    exporter = SlidesExporter(
        extra_loaders=[loader],
        template_file="course_slides.html.j2",
        reveal_url_prefix=reveal_url,
        reveal_theme="white",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.language_code = _COURSE_LANGUAGES[lang][1]  # "zh-CN" for zh
    body, _ = exporter.from_notebook_node(planned, resources={"metadata": {"name": name}})
    # nbconvert's heading anchors re-serialise a heading's MathML with XML prefixes
    # (<ns0:math>), which HTML does not read as MathML: drop the prefixes.
    body = re.sub(r"(</?)ns\d+:", r"\1", body)
    body = re.sub(r"\s+xmlns:ns\d+=\"[^\"]*\"", "", body)
    return _REMOTE.sub("", body)


def _copy_reveal(target: Path) -> None:
    import sphinx_revealjs  # ships reveal.js; installed with the site extra

    source = Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"
    for rel in _REVEAL_FILES:
        src, dst = source / rel, target / rel
        if dst.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def _with_source_tags(executed: nbformat.NotebookNode, source: Path) -> nbformat.NotebookNode:
    """The executed chapter with the ``slide`` tags of its source notebook (matched by id)."""
    tagged = {c.id: c for c in nbformat.read(source, as_version=4).cells if SLIDE_TAG in _tags(c)}
    cells = {c.get("id"): c for c in executed.cells}
    stale = [i for i in tagged if i not in cells]
    if stale:
        raise SlideError(
            f"the executed copy of {source.name} lacks the tagged cells {stale}; it is older "
            "than the chapter: run `make run` again"
        )
    for cell in executed.cells:
        tags = [t for t in _tags(cell) if t != SLIDE_TAG]
        if cell.get("id") in tagged:
            tags.append(SLIDE_TAG)
        cell.metadata["tags"] = tags
    return executed


def build_slides(
    executed: Path,
    target: Path,
    lang: str = "en",
    only: list[str] | None = None,
    source: Path | None = None,
) -> list[Path]:
    """Write one deck per chapter into ``target/<lang>/`` and an ``index.html`` listing them.

    Parameters
    ----------
    executed : Path
        Folder with the executed chapters (``make run`` writes ``build/executed``).
    target : Path
        The slides folder (``build/slides``); reveal.js is copied into ``target/_reveal``.
    lang : str
        One of ``LANGUAGES``.
    only : list of str, optional
        Chapter numbers or names (``"01"``, ``"01_crm_foundations"``); default: every chapter.
    source : Path, optional
        Folder of the chapter sources that hold the ``slide`` tags; default: ``notebooks/``.

    Returns
    -------
    list of Path
        The decks written, then the index.

    Raises
    ------
    FileNotFoundError
        If an executed chapter is missing, naming it and ``make run``.
    SlideError
        If a language is unknown, a chapter does not exist or a tagged cell must not be shown.
    """
    check_language(lang)
    names = chapters(source)
    if only:
        wanted = {str(ref).removesuffix(".ipynb") for ref in only}
        picked = [
            p for p in names if p.stem in wanted or p.stem[:2] in {w.zfill(2) for w in wanted}
        ]
        if len(picked) != len(wanted):
            raise SlideError(
                f"no chapter among {sorted(wanted)}; the chapters are: "
                + ", ".join(p.stem for p in names)
            )
        names = picked
    missing = [p.name for p in names if not (executed / p.name).exists()]
    if missing:
        raise FileNotFoundError(
            f"no executed copy of {', '.join(missing)} in {executed}; run `make run` first "
            "(make slides does it for you)"
        )
    _copy_reveal(target / _REVEAL_DIR)
    folder = target / lang
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in names:
        nb = _with_source_tags(nbformat.read(executed / path.name, as_version=4), path)
        nb = monolingual(nb, lang)  # the prose of the deck's language only
        deck = folder / f"{path.stem}.html"
        deck.write_text(render_deck(nb, lang, f"../{_REVEAL_DIR}", path.stem), encoding="utf-8")
        written.append(deck)
    items = []
    for deck in sorted(folder.glob("[0-9][0-9]_*.html")):
        match = re.search(r"<title>(.*?) slides</title>", deck.read_text(encoding="utf-8"))
        label = html.unescape(match.group(1)) if match else deck.stem
        items.append(f'<li><a href="{deck.name}">{html.escape(label)}</a></li>')
    index = folder / "index.html"
    index.write_text(
        f'<!doctype html>\n<html lang="{_COURSE_LANGUAGES[lang][1]}"><head><meta charset="utf-8">'
        f"<title>CRM analytics: slides</title><style>body{{font-family:{_FONTS};"
        "max-width:50em;margin:2em auto;line-height:1.6}</style></head><body>"
        "<h1>CRM analytics: slides per chapter</h1><p>Arrow keys move between slides; "
        "<kbd>s</kbd> opens the speaker notes.</p>"
        f"<ul>{''.join(items)}</ul></body></html>\n",
        encoding="utf-8",
    )
    return [*written, index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python course/tools/slides.py")
    parser.add_argument(
        "--lang",
        default=os.environ.get("COURSE_LANG") or LANGUAGES[0],
        help=f"language of the decks: {', '.join(LANGUAGES)} (default: COURSE_LANG or "
        f"{LANGUAGES[0]})",
    )
    parser.add_argument("--nb", action="append", help="only this chapter (01 or 01_name)")
    parser.add_argument("--build", help="build folder (default: build/ of the repository)")
    args = parser.parse_args(argv)
    try:
        build = Path(args.build) if args.build else find_root() / "build"
        check_language(args.lang)
        from book import executed_folder  # build/executed, or build/executed-<lang>

        executed = executed_folder(find_root(), build, args.lang)
        written = build_slides(executed, build / "slides", args.lang, args.nb)
    except (FileNotFoundError, SlideError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    n = len(written) - 1
    print(f"slides: {n} deck{'' if n == 1 else 's'} in {written[-1].parent} (open index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
