"""Build the course website with Sphinx, myst-nb and the book theme: two editions, one source.

Course tooling, not part of the learner package. Used by ``make book`` from the repository's
folder (or any folder inside it)::

    python course/tools/book.py                   # both editions, every course language
    python course/tools/book.py --edition learner --lang en

Nothing is executed: the pages come from the chapters that ``make run`` (or the nbval run of
``make test``) executed into ``build/executed/``. For each edition and language the chapters,
the course documents, the bibliography and the API reference are staged into
``build/book-src/<edition>/<lang>/`` and rendered by ``sphinx-build -c course/book`` into
``build/book/<edition>/<lang>/``; ``build/book/index.html`` links the editions.

- The **learner edition** holds no solution cell, no model answer or rubric, no self-check that
  shows its expected value, and no instructor's verdict (``coursebuild.learner_notebook``). Its
  download links give the student copy of each chapter.
- The **instructor edition** holds everything, with a banner saying so, and links each page to
  its learner twin. Its download links give the full chapter without outputs.

The site works offline, at build and at view time: formulas are MathML (``course/book/_ext``),
search is Sphinx's own index, and the Chinese font is a subset of Noto Sans CJK SC made from
the characters the pages use.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import coursebuild
import nbformat
import yaml
from languages import LANGUAGES, REFERENCES, course_language
from runner import build_dirs, chapters, find_root

from helpers.exceptions import FontNotFoundError
from helpers.language import chinese_font

__all__ = ["EDITIONS", "TEXT", "build", "document_source", "executed_folder", "load_parts", "stage"]

EDITIONS = ("learner", "instructor")
DOCUMENTS = {  # course/<name>.md -> the editions that show it
    "syllabus": EDITIONS,
    "glossary": EDITIONS,
    "instructor_guide": ("instructor",),
}
# The words of the site itself, per course language (the chapters carry their own prose).
TEXT = {
    "en": {
        "title": "CRM analytics: an open course",
        "intro": (
            "Customer relationship management (CRM) taught with data: the value of a customer "
            "base, segmentation, customer lifetime value, churn, service and satisfaction, CRM "
            "processes and strategy, five case studies and customer-base analysis at scale. The "
            "chapters run on real purchase logs and on simulators with a known truth. Each page "
            "shows a chapter as `make run` executed it; the link under each title downloads its "
            "notebook."
        ),
        "learner": (
            "This is the **learner edition**: exercises come with self-checks that tell you "
            "whether your answer is right without showing it."
        ),
        "instructor": (
            "This is the **instructor edition**: every exercise shows its solution, model "
            "answer and marking rubric. Give learners the learner edition."
        ),
        "documents": "Course documents",
        "references": "References",
        "references_intro": "The papers and books the chapters cite.",
        "api": "API reference",
        "api_intro": (
            "The `helpers` package, module by module, from its docstrings. Every public name "
            "of the library subpackages is also importable from `helpers` itself."
        ),
        "download": "Download this chapter as a notebook",
        "download_learner": "student copy: exercises without solutions",
        "download_instructor": "full chapter",
    },
    "zh": {
        "title": "CRM 数据分析：一门开放课程",
        "intro": (
            "用数据讲授客户关系管理（CRM）：客户群的价值、客户细分、客户终身价值、客户流失、"
            "服务与满意度、CRM 流程与战略、五个案例，以及大规模的客户群分析。各章的数据既有真实"
            "的购买记录，也有已知真值的模拟数据。每一页展示的是 `make run` 运行后的章节，"
            "标题下方的链接可以下载该章的 notebook。"
        ),
        "learner": "这是**学生版**：每道练习都附有自测，它会告诉你答案是否正确，但不会显示答案。",
        "instructor": (
            "这是**教师版**：每道练习都给出解答、参考答案和评分标准。发给学生的请用学生版。"
        ),
        "documents": "课程文档",
        "references": "参考文献",
        "references_intro": "各章引用的论文和书籍。",
        "api": "API 参考",
        "api_intro": (
            "`helpers` 包的各个模块，内容取自代码中的文档字符串（英文）。各子包的公开名称"
            "也都可以直接从 `helpers` 导入。"
        ),
        "download": "下载本章 notebook",
        "download_learner": "学生版：练习不含解答",
        "download_instructor": "完整章节",
    },
}


def document_source(root: Path, doc: str, lang: str) -> Path:
    """The Markdown file of a course document in ``lang``: ``course/<doc>.md`` in English,
    ``course/<doc>.<lang>.md`` otherwise; the glossary is one bilingual file."""
    if lang == "en" or doc == "glossary":
        return root / "course" / f"{doc}.md"
    return root / "course" / f"{doc}.{lang}.md"


_NBVAL = re.compile(r"^[ \t]*# NBVAL_(CHECK|IGNORE)_OUTPUT[ \t]*\n?", re.M)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_API = {  # helpers module -> its page title
    "helpers": "helpers: the package",
    "helpers.data": "helpers.data: data sets, reading and checks",
    "helpers.customer_base": "helpers.customer_base: summaries, segments and value",
    "helpers.clv": "helpers.clv: customer lifetime value models",
    "helpers.churn": "helpers.churn: survival and early warning",
    "helpers.service": "helpers.service: satisfaction and complaints",
    "helpers.operations": "helpers.operations: funnel and customer view",
    "helpers.strategy": "helpers.strategy: campaigns, channels and recommendations",
    "helpers.cases.retail": "helpers.cases.retail",
    "helpers.cases.craft_store": "helpers.cases.craft_store",
    "helpers.cases.port_terminal": "helpers.cases.port_terminal",
    "helpers.cases.bank": "helpers.cases.bank",
    "helpers.cases.manufacturer": "helpers.cases.manufacturer",
    "helpers.simulate": "helpers.simulate: simulators with planted truth",
    "helpers.params": "helpers.params: chapter parameters",
    "helpers.exercises": "helpers.exercises: self-checks",
    "helpers.plots": "helpers.plots: house style and plots",
    "helpers.validation": "helpers.validation: input checks",
    "helpers.exceptions": "helpers.exceptions: errors and warnings",
}


def load_parts(lang: str, root: Path | None = None) -> list[tuple[str, list[Path]]]:
    """The course parts of ``course/book/parts.yml``: ``(title, chapter notebooks)`` in order.

    Raises
    ------
    ValueError
        If a chapter is in no part or in two, a part names an unknown chapter, or a part has no
        title in ``lang``.
    """
    root = find_root() if root is None else root
    spec = yaml.safe_load((root / "course" / "book" / "parts.yml").read_text(encoding="utf-8"))
    by_number = {p.name[:2]: p for p in chapters(root / "notebooks")}
    seen: dict[str, str] = {}
    parts = []
    for part in spec:
        title = part["title"].get(lang)
        if not title:
            raise ValueError(f"course/book/parts.yml: a part has no title in {lang!r}: {part}")
        for number in part["chapters"]:
            if number not in by_number:
                raise ValueError(f"course/book/parts.yml: part {title!r} names no chapter {number}")
            if number in seen:
                raise ValueError(
                    f"course/book/parts.yml: chapter {number} is in {seen[number]!r} and {title!r}"
                )
            seen[number] = title
        parts.append((title, [by_number[n] for n in part["chapters"]]))
    missing = sorted(set(by_number) - set(seen))
    if missing:
        raise ValueError(f"course/book/parts.yml: chapters {missing} are in no part; add them")
    return parts


def executed_folder(root: Path, build_dir: Path, lang: str) -> Path:
    """Where the executed chapters of ``lang`` are. A chapter's code draws its labels in the
    course language only through a ``lang`` parameter; while no chapter has one, the code's
    outputs are the same in every language, so every language reads ``build/executed`` (the
    prose of each language is in the same notebook). Once a chapter has it, each language has
    its own run (``make run COURSE_LANG=zh`` writes ``build/executed-zh``)."""
    from runner import notebook_parameters

    if lang == "en" or not any(
        "lang" in notebook_parameters(p) for p in chapters(root / "notebooks")
    ):
        return build_dirs(build_dir, "en")[0]
    return build_dirs(build_dir, lang)[0]


def _chapter_copies(
    edition: str, stem: str, executed: nbformat.NotebookNode, source: nbformat.NotebookNode
):
    """The page's notebook (with outputs) and the downloadable notebook (without)."""
    if edition == "learner":
        keys = coursebuild.load_answer_keys().get(stem)
        if keys is None:
            raise FileNotFoundError(
                f"course/answer_keys.json has no keys for {stem}; run `make answer-keys`"
            )
        page = coursebuild.learner_notebook(executed, keys, keep_outputs=True)
        download = coursebuild.learner_notebook(source, keys, keep_outputs=False)
    else:
        page = coursebuild.instructor_notebook(executed, keep_outputs=True)
        download = coursebuild.instructor_notebook(source, keep_outputs=False)
    return page, download


def _references(nb: nbformat.NotebookNode, bib) -> str | None:
    """A chapter's reference list (Markdown) from the works its text cites, or None."""
    import citations

    keys: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            keys += [k for k in citations.cited_keys(cell.source) if k not in keys]
    return citations.reference_list(keys, bib) if keys else None


def _stage_chapter(path: Path, edition: str, lang: str, stage_dir: Path, executed_dir: Path, bib):
    import citations
    from bilingual import monolingual

    executed = monolingual(nbformat.read(executed_dir / path.name, as_version=4), lang)
    source = monolingual(nbformat.read(path, as_version=4), lang)
    stem = path.stem
    page, download = _chapter_copies(edition, stem, executed, source)
    for cell in page.cells:
        if cell.cell_type == "code":
            cell.source = _NBVAL.sub("", cell.source)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    page.metadata.pop("papermill", None)
    # Downloaded copies are read in JupyterLab, where a citation role would show as raw text.
    download = citations.plain_notebook(download, bib, heading=f"## {REFERENCES[lang]}")
    for cell in download.cells:  # the reference list added just now is in the same language
        if cell.cell_type == "markdown":
            cell.metadata.setdefault("lang", lang)
    nbformat.write(download, stage_dir / "_notebooks" / path.name)
    text = TEXT[lang]
    kind = text[f"download_{edition}"]
    link = nbformat.v4.new_markdown_cell(
        f"{{download}}`{text['download']} <../_notebooks/{path.name}>` ({kind})."
    )
    link.metadata["tags"] = ["chapter-download"]
    first = next((i for i, c in enumerate(page.cells) if c.cell_type == "markdown"), 0)
    page.cells.insert(first + 1, link)
    references = _references(page, bib)
    if references:
        heading = TEXT[lang]["references"]
        page.cells.append(nbformat.v4.new_markdown_cell(f"## {heading}\n\n{references}"))
    nbformat.write(page, stage_dir / "chapters" / f"{stem}.ipynb")
    return stem, coursebuild.chapter_title(page, stem)


def _link_chapters(text: str, stems: set[str], prefix: str) -> str:
    """Turn the chapter names of a course document (`02_segmentation`) into page links."""

    def link(m: re.Match) -> str:
        stem = m.group(1)
        return f"[`{stem}`]({prefix}chapters/{stem}.ipynb)" if stem in stems else m.group(0)

    return re.sub(r"(?<!\[)`(\d\d_[a-z_]+)`", link, text)


def _api_pages(stage_dir: Path, lang: str) -> list[str]:
    api = stage_dir / "api"
    api.mkdir()
    names = []
    for module, title in _API.items():
        options = "   :members:\n   :imported-members:\n" if module != "helpers" else ""
        body = f"# {title}\n\n```{{eval-rst}}\n.. automodule:: {module}\n{options}```\n"
        (api / f"{module}.md").write_text(body, encoding="utf-8")
        names.append(module)
    toc = "\n".join(names)
    text = TEXT[lang]
    (api / "index.md").write_text(
        f"# {text['api']}\n\n{text['api_intro']}\n\n```{{toctree}}\n:maxdepth: 1\n\n{toc}\n```\n",
        encoding="utf-8",
    )
    return names


def stage(edition: str, lang: str, root: Path | None = None, build_dir: Path | None = None) -> Path:
    """Write the Sphinx source of one edition and language into ``build/book-src/``.

    Raises
    ------
    FileNotFoundError
        If a chapter has not been executed, naming it and the command to run.
    """
    import citations

    root = find_root() if root is None else root
    build_dir = root / "build" if build_dir is None else build_dir
    executed_dir = executed_folder(root, build_dir, lang)
    parts = load_parts(lang, root)
    notebooks = chapters(root / "notebooks")
    missing = [p.name for p in notebooks if not (executed_dir / p.name).exists()]
    if missing:
        raise FileNotFoundError(
            f"no executed copy of {', '.join(missing)} in {executed_dir}; run "
            f"`make run COURSE_LANG={lang}` first (make book does it for you)"
        )
    stage_dir = build_dir / "book-src" / edition / lang
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    (stage_dir / "chapters").mkdir(parents=True)
    (stage_dir / "_notebooks").mkdir()
    bib = citations.load_bibliography(root / "course" / "references.bib")
    titles = {}
    for path in notebooks:
        stem, title = _stage_chapter(path, edition, lang, stage_dir, executed_dir, bib)
        titles[stem] = title
    stems = set(titles)
    text = TEXT[lang]
    documents = [d for d, editions in DOCUMENTS.items() if edition in editions]
    for doc in documents:
        source = document_source(root, doc, lang)
        if not source.exists():
            raise FileNotFoundError(f"no {lang} version of the {doc} document: {source}")
        body = source.read_text(encoding="utf-8")
        body = re.sub(r"\]\(([a-z_]+)\.[a-z]{2}\.md\)", r"](\1.md)", body)  # twin links
        (stage_dir / f"{doc}.md").write_text(_link_chapters(body, stems, ""), encoding="utf-8")
    (stage_dir / "references.md").write_text(
        f"# {text['references']}\n\n{text['references_intro']}\n\n"
        "```{bibliography}\n:all:\n```\n",
        encoding="utf-8",
    )
    _api_pages(stage_dir, lang)
    toctrees = []
    for title, paths in parts:
        entries = "\n".join(f"chapters/{p.stem}" for p in paths)
        toctrees.append(f"```{{toctree}}\n:caption: {title}\n:maxdepth: 1\n\n{entries}\n```\n")
    docs = "\n".join([*documents, "references", "api/index"])
    toctrees.append(f"```{{toctree}}\n:caption: {text['documents']}\n:maxdepth: 1\n\n{docs}\n```\n")
    (stage_dir / "index.md").write_text(
        f"# {text['title']}\n\n{text['intro']}\n\n{text[edition]}\n\n" + "\n".join(toctrees),
        encoding="utf-8",
    )
    return stage_dir


def _subset_cjk_font(sites: list[Path], target: Path) -> int:
    """Subset the CJK font to the characters of every page of ``sites``; return their number.

    Raises
    ------
    FileNotFoundError
        If the pages hold Chinese characters and no CJK font is installed.
    """
    chars: set[str] = set()
    for site in sites:
        for page in site.rglob("*.html"):
            chars |= set(_CJK.findall(page.read_text(encoding="utf-8")))
        for index in site.rglob("searchindex.js"):
            chars |= set(_CJK.findall(index.read_text(encoding="utf-8")))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:  # the figures' Chinese font serves the website too
        source = chinese_font()
    except FontNotFoundError as err:
        raise FileNotFoundError(f"no Chinese font for the website: {err}") from None
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the licence and copyright records
    if source.suffix.lower() == ".ttc":  # a collection: its first font is the SC one
        from fontTools.ttLib import TTFont

        font = TTFont(str(source), fontNumber=0, lazy=False)
    else:
        font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    # The Chinese characters in use, and the full-width punctuation even if unused yet.
    text = "".join(sorted(chars)) + "，。：；！？、（）《》“”‘’"
    subsetter.populate(text=text)
    subsetter.subset(font)
    subset.save_font(font, str(target), options)
    return len(chars)


def _search_dictionary(folder: Path) -> Path:
    """The glossary's Chinese terms as a jieba user dictionary (one term per line)."""
    path = folder / "search-terms.zh.txt"
    glossary = find_root() / "course" / "glossary.md"
    terms = set()
    for line in glossary.read_text(encoding="utf-8").splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cols) > 1 and _CJK.search(cols[1]):
            terms.add(re.sub(r"（.*?）|\s+", "", cols[1]))
    path.write_text("".join(f"{t} 2000 n\n" for t in sorted(terms) if t), encoding="utf-8")
    return path


def _sphinx(stage_dir: Path, out: Path, edition: str, lang: str, conf: Path) -> tuple[str, str]:
    """Run sphinx-build on one staged edition; return ``(label, its warnings)``."""
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-q",
        "-c",
        str(conf),
        "-t",
        edition,
        "-D",
        f"language={LANGUAGES[lang][1].replace('-', '_')}",  # Sphinx's locale name: en, zh_CN
        "-A",
        f"course_lang={lang}",
        "-d",
        str(stage_dir.parent / f".doctrees-{lang}"),
        str(stage_dir),
        str(out),
    ]
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "COURSE_BOOK_LANG": lang,
        "COURSE_BOOK_SEARCH_DICT": str(_search_dictionary(stage_dir.parents[1])),
    }
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(
            f"sphinx-build failed for the {edition} edition ({lang}):\n{done.stderr[-4000:]}"
        )
    return f"{edition}/{lang}", done.stderr


def _landing(book: Path, built: list[tuple[str, str]]) -> Path:
    rows = []
    for edition in EDITIONS:
        for lang in LANGUAGES:
            if (edition, lang) in built:
                label, htmllang = LANGUAGES[lang]
                rows.append(
                    f'<li><a href="{edition}/{lang}/index.html" hreflang="{htmllang}">'
                    f"{edition.capitalize()} edition · {html.escape(label)}</a></li>"
                )
    page = book / "index.html"
    page.write_text(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>CRM analytics: course website</title>"
        "<style>@font-face{font-family:'Course CJK';"
        f"src:url('{built[0][0]}/{built[0][1]}/_static/fonts/course-cjk.woff2') format('woff2')}}"
        "body{font-family:'Segoe UI',Roboto,Arial,'Course CJK',sans-serif;max-width:40em;"
        "margin:3em auto;line-height:1.5;padding:0 1em}</style></head><body>"
        "<main><h1>CRM analytics: course website</h1>"
        "<p>The learner edition has no solutions, model answers or rubrics; the instructor "
        "edition has them all. Give learners the <code>learner</code> folder only.</p>"
        '<p lang="zh-CN">学生版不含解答、参考答案和评分标准；教师版全部包含。'
        "发给学生的只是 <code>learner</code> 文件夹。</p>"
        f"<ul>{''.join(rows)}</ul></main></body></html>\n",
        encoding="utf-8",
    )
    return page


def build(
    editions: tuple[str, ...] = EDITIONS,
    languages: tuple[str, ...] | None = None,
    root: Path | None = None,
) -> dict[tuple[str, str], Path]:
    """Stage and render each edition in each language (two Sphinx processes at a time);
    return the output folder of each ``(edition, language)``. By default every course
    language is built (``languages.LANGUAGES``).

    Raises
    ------
    FileNotFoundError
        If a chapter has not been executed yet in a language.
    RuntimeError
        If Sphinx fails or warns, with its messages.
    """
    langs = tuple(course_language(code) for code in (languages or tuple(LANGUAGES)))
    root = find_root() if root is None else root
    build_dir = root / "build"
    book = build_dir / "book"
    conf = root / "course" / "book"
    pairs = [(e, lang) for lang in langs for e in editions]
    staged = {(e, lang): stage(e, lang, root, build_dir) for e, lang in pairs}
    outputs = {(e, lang): book / e / lang for e, lang in pairs}
    if book.exists():  # whatever is not an edition (an older layout) goes
        for item in book.iterdir():
            if item.name not in EDITIONS:
                shutil.rmtree(item) if item.is_dir() else item.unlink()
    for out in outputs.values():
        if out.exists():
            shutil.rmtree(out)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_sphinx, staged[p], outputs[p], *p, conf) for p in pairs]
        warnings = [job.result() for job in jobs]
    problems = [
        f"[{where}] {line}"
        for where, text in warnings
        for line in text.splitlines()
        if "WARNING" in line or "ERROR" in line
    ]
    if problems:
        raise RuntimeError("sphinx-build warned; fix these:\n" + "\n".join(problems[:40]))
    font = build_dir / "book-src" / "course-cjk.woff2"
    _subset_cjk_font(list(outputs.values()), font)
    for out in outputs.values():
        (out / "_static" / "fonts").mkdir(exist_ok=True)
        shutil.copy(font, out / "_static" / "fonts" / "course-cjk.woff2")
    built = [
        (e, lang)
        for e in EDITIONS
        for lang in LANGUAGES
        if (e, lang) in outputs or (book / e / lang / "index.html").exists()
    ]
    _landing(book, built)
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python course/tools/book.py")
    parser.add_argument("--edition", choices=EDITIONS, action="append")
    parser.add_argument(
        "--lang", action="append", help="a course language (repeatable; default: all of them)"
    )
    parser.add_argument(
        "--run-stale",
        action="store_true",
        help="first run the chapters whose executed copy is missing or stale (make book)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.run_stale:
        import runner

        root = find_root()
        folders = {}
        for code in args.lang or list(LANGUAGES):
            folders.setdefault(executed_folder(root, root / "build", code), code)
        for folder, code in folders.items():
            # Each folder once: a language without its own run reads the English chapters.
            code = code if folder.name != "executed" else "en"
            if runner.main(["--stale", "--no-html", "--lang", code]) != 0:
                return 1
    try:
        outputs = build(tuple(args.edition or EDITIONS), tuple(args.lang or ()) or None)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for (edition, lang), out in outputs.items():
        pages = sum(1 for _ in out.rglob("*.html"))
        print(f"{edition} edition ({lang}): {pages} pages in {out} (open index.html)")
    print(f"website built in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
