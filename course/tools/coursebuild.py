"""Build the course's derived copies: student and instructor notebooks, and the website.

Course tooling, not part of the learner package. Used by ``make student``, ``make instructor``
and ``make book``, from the repository's folder (or any folder inside it)::

    python course/tools/coursebuild.py student      # build/student/: no solutions, no outputs
    python course/tools/coursebuild.py instructor   # build/instructor/: full chapters, no outputs
    python course/tools/coursebuild.py book         # build/book/: site from build/executed/

The repository and its ``build/`` folder are found from the working directory (see
``runner.find_root``), never from the folder of this file.

The website is plain HTML rendered offline: nbconvert's lab template for the chapters (figures
embedded in the page), the course documents rendered from Markdown, one navigation bar. Links
to remote scripts that the template adds (MathJax, require.js) are removed, so nothing is
fetched when the site is built or read. Formulas are turned into MathML at build time
(latex2mathml), which browsers draw natively without any script.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
from runner import chapters, find_root

__all__ = ["build_book", "build_copies", "math_to_mathml", "student_notebook"]

DOCUMENTS = {"syllabus": "Syllabus", "instructor_guide": "Instructor guide", "glossary": "Glossary"}
_REMOTE = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^>]*>",
    re.IGNORECASE,
)
# Chinese terms: a Simplified-Chinese font first (else the browser may pick Japanese glyph forms).
_CJK = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei'"
_STYLE = """
:root{--jp-content-font-family:system-ui,-apple-system,'Segoe UI',sans-serif,CJK}
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif,CJK;margin:0;color:#222}
nav.course{background:#2f6690;padding:.6em 1.2em;position:sticky;top:0;z-index:100}
nav.course a{color:#fff;margin-right:1.2em;text-decoration:none;font-weight:600}
nav.course a:hover{text-decoration:underline}
main.doc{max-width:60em;margin:1.5em auto;padding:0 1.2em;line-height:1.5}
main.doc table{border-collapse:collapse;margin:1em 0}
main.doc td,main.doc th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}
main.doc th{background:#eef3f7}
ul.chapters li{margin:.4em 0}
math[display=block]{margin:.8em 0}
""".replace("CJK", _CJK)


# Code (fenced blocks and inline spans) is left alone; `\$` is a literal dollar sign.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"  # $$ ... $$
    r"|(?<![\\$])\$(?P<inline>(?:\\.|[^$\\])+?)\$",  # $ ... $ (escapes allowed inside)
    re.S,
)


def math_to_mathml(markdown: str) -> str:
    r"""Replace the ``$...$`` and ``$$...$$`` formulas of Markdown text by MathML.

    Browsers draw MathML without a script, so the website shows formulas offline.

    Raises
    ------
    ValueError
        A formula that latex2mathml cannot convert, quoted in the message.

    Examples
    --------
    >>> out = math_to_mathml("Value $V_c = F_c - C_c$, price \\$5, `$x$` in code.")
    >>> out.startswith('Value <math') and out.endswith(', price \\$5, `$x$` in code.')
    True
    >>> "<msub><mi>V</mi><mi>c</mi></msub>" in out
    True
    """
    from latex2mathml.converter import convert

    def formula(match: re.Match) -> str:
        display = match.group("display") is not None
        tex = match.group("display") if display else match.group("inline")
        if "\n\n" in tex.strip():
            raise ValueError(f"formula spans a blank line: {match.group(0)[:60]!r}")
        try:
            out = convert(tex.strip(), display="block" if display else "inline")
        except Exception as err:  # latex2mathml raises its own exception types
            raise ValueError(f"cannot convert formula {match.group(0)!r}: {err}") from err
        return out.replace("\n", "")

    parts = _CODE.split(markdown)
    # Even parts are prose, odd parts are code (the split keeps the captured code).
    return "".join(p if i % 2 else _MATH.sub(formula, p) for i, p in enumerate(parts))


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A learner's copy: cells tagged ``solution`` removed, all outputs and counts cleared."""
    out = nbformat.from_dict(nb)
    out.cells = [c for c in out.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return out


def _instructor_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    out = nbformat.from_dict(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return out


def build_copies(kind: str, target: Path, source: Path | None = None) -> list[Path]:
    """Write every chapter's ``student`` or ``instructor`` copy into ``target`` (the chapters
    of ``source``, default: the repository's ``notebooks/``)."""
    make = {"student": student_notebook, "instructor": _instructor_notebook}[kind]
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written = []
    for path in chapters(source):
        nb = make(nbformat.read(path, as_version=4))
        nbformat.write(nb, target / path.name)
        written.append(target / path.name)
    return written


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return fallback


def _nav(prefix: str, prev: str | None = None, nxt: str | None = None) -> str:
    links = [f'<a href="{prefix}index.html">Course home</a>']
    links += [f'<a href="{prefix}{name}.html">{label}</a>' for name, label in DOCUMENTS.items()]
    if prev:
        links.append(f'<a href="{prev}">&larr; previous chapter</a>')
    if nxt:
        links.append(f'<a href="{nxt}">next chapter &rarr;</a>')
    return f'<nav class="course">{"".join(links)}</nav>'


def _page(title: str, body: str, nav: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body>{nav}<main class="doc">{body}</main></body></html>\n'
    )


def _markdown(text: str) -> str:
    import mistune  # nbconvert's Markdown renderer, already installed with it

    # escape=False: the MathML of the formulas is HTML and must pass through.
    render = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])
    body = render(math_to_mathml(text))
    # Links between course documents point at their HTML pages.
    return re.sub(r'href="([a-z_]+)\.md"', r'href="\1.html"', body)


def build_book(executed: Path, target: Path) -> list[Path]:
    """Render the executed chapters and the course documents into a static site.

    Parameters
    ----------
    executed : Path
        Folder with the executed chapters (``make run`` writes ``build/executed``).
    target : Path
        Output folder; ``index.html`` is the home page.

    Raises
    ------
    FileNotFoundError
        If a chapter has not been executed yet, naming it and the command to run.
    """
    from nbconvert import HTMLExporter

    names = [p.name for p in chapters()]
    missing = [n for n in names if not (executed / n).exists()]
    if missing:
        raise FileNotFoundError(
            f"no executed copy of {', '.join(missing)} in {executed}; run `make run` first "
            "(make book does it for you)"
        )
    if target.exists():
        shutil.rmtree(target)
    (target / "chapters").mkdir(parents=True)
    exporter = HTMLExporter(template_name="lab")
    pages, items = [], []
    for i, name in enumerate(names):
        nb = nbformat.read(executed / name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = math_to_mathml(cell.source)
        stem = name.removesuffix(".ipynb")
        title = _title(nb, stem)
        body, _ = exporter.from_notebook_node(nb)
        body = _REMOTE.sub("", body)
        prev = f"{names[i - 1].removesuffix('.ipynb')}.html" if i else None
        nxt = f"{names[i + 1].removesuffix('.ipynb')}.html" if i + 1 < len(names) else None
        nav = f"<style>{_STYLE}</style>" + _nav("../", prev, nxt)
        body = re.sub(r"(<body[^>]*>)", lambda m, nav=nav: m.group(1) + nav, body, count=1)
        page = target / "chapters" / f"{stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
        items.append(f'<li><a href="chapters/{stem}.html">{html.escape(title)}</a></li>')
    for doc, label in DOCUMENTS.items():
        source = find_root() / "course" / f"{doc}.md"
        text = source.read_text(encoding="utf-8") if source.exists() else f"# {label}\n"
        page = target / f"{doc}.html"
        page.write_text(_page(label, _markdown(text), _nav("")), encoding="utf-8")
        pages.append(page)
    home = (
        "<h1>CRM analytics: an open course</h1>"
        "<p>Customer relationship management taught with data: the value of a customer base, "
        "segmentation, customer lifetime value, churn, service and satisfaction, CRM processes "
        "and strategy evaluation, four case studies and customer-base analysis at scale, on "
        "real purchase logs and simulators with a known truth. Each chapter below is shown as "
        "executed by <code>make run</code>."
        "</p><h2>Chapters</h2>"
        f'<ul class="chapters">{"".join(items)}</ul>'
        "<h2>Course documents</h2><ul>"
        + "".join(f'<li><a href="{d}.html">{label}</a></li>' for d, label in DOCUMENTS.items())
        + "</ul>"
    )
    index = target / "index.html"
    index.write_text(_page("CRM analytics course", home, _nav("")), encoding="utf-8")
    return [index, *pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python course/tools/coursebuild.py")
    parser.add_argument("kind", choices=["student", "instructor", "book"])
    parser.add_argument("--build", help="build folder (default: build/ of the repository)")
    args = parser.parse_args(argv)
    try:
        build = Path(args.build) if args.build else find_root() / "build"
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.kind == "book":
        try:
            pages = build_book(build / "executed", build / "book")
        except FileNotFoundError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"website: {len(pages)} pages in {build / 'book'} (open index.html)")
    else:
        written = build_copies(args.kind, build / args.kind)
        print(f"{args.kind} copies: {len(written)} chapters in {build / args.kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
