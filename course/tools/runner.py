"""Run the course: execute chapter notebooks with papermill and render them to HTML.

Course tooling, not part of the learner package. Used by ``make run``; also usable directly
from the repository's folder (or any folder inside it)::

    python course/tools/runner.py                       # every chapter, default parameters
    python course/tools/runner.py --nb 01               # one chapter (by number or name)
    python course/tools/runner.py --profile smoke       # a workshop profile (course/profiles/)
    python course/tools/runner.py --nb 01 -p retention_rate=0.8

The repository is the folder, from the working directory upwards, that holds ``notebooks/``
and ``course/profiles/`` (never the folder of this file, so two clones that share one
environment each build into their own ``build/``). Executed notebooks go to
``build/executed/``, HTML pages to ``build/html/`` with an ``index.html``. A failing notebook
is reported with the cell that failed, the other notebooks still run, and the command exits
with status 1. Profiles, chapter names and parameter names are all checked before anything
runs.
"""

from __future__ import annotations

import argparse
import difflib
import html
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from languages import course_language

from helpers.exceptions import ParameterError

__all__ = [
    "Job",
    "Result",
    "chapters",
    "find_root",
    "is_stale",
    "load_profile",
    "main",
    "plan",
    "run_jobs",
]


def find_root(start: Path | None = None) -> Path:
    """The course repository: ``start`` (default: the working directory) or the first folder
    above it that holds both ``notebooks/`` and ``course/profiles/``.

    Raises
    ------
    FileNotFoundError
        If no such folder exists, with the way to fix it.
    """
    start = Path.cwd() if start is None else Path(start)
    start = start.resolve()
    for folder in [start, *start.parents]:
        if (folder / "notebooks").is_dir() and (folder / "course" / "profiles").is_dir():
            return folder
    raise FileNotFoundError(
        f"{start} is not inside the course repository: no folder from it upwards holds "
        "notebooks/ and course/profiles/; run the command from the repository's folder "
        "(cd into your clone first)"
    )


def __getattr__(name: str) -> Path:
    # ROOT, NOTEBOOKS and PROFILES follow the working directory, read at each use.
    if name == "ROOT":
        return find_root()
    if name == "NOTEBOOKS":
        return find_root() / "notebooks"
    if name == "PROFILES":
        return find_root() / "course" / "profiles"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Job:
    """One notebook to execute, with its parameter overrides."""

    notebook: Path
    parameters: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.notebook.stem


@dataclass
class Result:
    """Outcome of one notebook run."""

    name: str
    status: str  # "ok" or "FAILED"
    seconds: float
    error: str = ""
    output: Path | None = None


def chapters(folder: Path | None = None) -> list[Path]:
    """Chapter notebooks in course order (``NN_topic.ipynb``); default: the repository's."""
    folder = find_root() / "notebooks" if folder is None else Path(folder)
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def _find_chapter(ref: str, available: list[Path]) -> Path:
    ref = str(ref).removesuffix(".ipynb")
    hits = [p for p in available if p.stem == ref or p.stem.split("_", 1)[0] == ref.zfill(2)]
    if len(hits) != 1:
        names = ", ".join(p.stem for p in available)
        raise ParameterError(f"no chapter {ref!r}; the chapters are: {names}")
    return hits[0]


def available_profiles(folder: Path | None = None) -> list[str]:
    folder = _profiles() if folder is None else Path(folder)
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _profiles() -> Path:
    return find_root() / "course" / "profiles"


def load_profile(name: str, folder: Path | None = None) -> dict:
    """Read ``course/profiles/<name>.yaml``: ``chapters`` (list or "all") and ``parameters``
    (per chapter name, a mapping of overrides)."""
    folder = _profiles() if folder is None else Path(folder)
    path = folder / f"{name}.yaml"
    if not path.is_file():
        raise ParameterError(
            f"unknown profile {name!r}; available profiles: {', '.join(available_profiles(folder))}"
        )
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(spec) - {"description", "chapters", "parameters"}
    if unknown:
        raise ParameterError(
            f"profile {name!r} has unknown key(s) {sorted(unknown)}; "
            "use description, chapters and parameters"
        )
    return spec


def notebook_parameters(path: Path) -> dict:
    """Names and defaults of a notebook's ``parameters`` cell (via papermill)."""
    import papermill

    return papermill.inspect_notebook(str(path))


def plan(
    nb: list[str] | None = None,
    profile: str | None = None,
    overrides: dict | None = None,
    folder: Path | None = None,
    profiles: Path | None = None,
    lang: str = "en",
) -> list[Job]:
    """Resolve chapters and parameters; every name is checked here, before anything runs.

    In another course language than English, each chapter with a ``lang`` parameter gets it
    (English is every chapter's default, so it is not injected), and a chapter without prose
    in that language is refused.

    Raises
    ------
    ParameterError
        For an unknown profile, chapter or parameter.
    """
    available = chapters(folder)
    spec = load_profile(profile, profiles) if profile else {}
    wanted = spec.get("chapters", "all")
    selected = available if wanted == "all" else [_find_chapter(c, available) for c in wanted]
    if nb:
        selected = [_find_chapter(c, available) for c in nb]
    jobs = []
    profile_params = spec.get("parameters") or {}
    for ref in profile_params:
        _find_chapter(ref, available)
    for path in selected:
        params = dict(profile_params.get(path.stem) or {})
        declared = notebook_parameters(path)
        unknown = sorted(set(params) - set(declared))
        if unknown:
            raise ParameterError(
                f"profile {profile!r} sets unknown parameter(s) {unknown} for {path.stem}; "
                f"its parameters are: {', '.join(declared)}"
            )
        for key, value in (overrides or {}).items():
            if key in declared:
                params[key] = value
        if lang != "en":
            import nbformat
            from bilingual import monolingual

            monolingual(nbformat.read(path, as_version=4), lang)  # ValueError: no such prose
            if "lang" in declared:
                params.setdefault("lang", lang)
        jobs.append(Job(path, params))
    declared_any = sorted({n for j in jobs for n in notebook_parameters(j.notebook)})
    for key in overrides or {}:
        if key not in declared_any:
            close = difflib.get_close_matches(key, declared_any, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(
                f"no selected chapter has a parameter {key!r}{hint}; check the spelling against "
                "the chapter's parameters cell"
            )
    return jobs


def _failed_cell(source_notebook: Path, err: Exception) -> str:
    """'cell 12 (`first line`): ErrorName: message' for a papermill execution error.

    Cells are counted from 1 at the top of the chapter as it is on disk (papermill's index
    counts its own injected cells, so the failing cell is found by its source).
    """
    import nbformat

    code = getattr(err, "source", None)
    where = "a cell"
    if code is not None:
        cells = nbformat.read(source_notebook, as_version=4).cells
        numbers = [i for i, c in enumerate(cells, 1) if c.source == code]
        first = code.strip().splitlines()
        where = (f"cell {numbers[0]}" if numbers else "the injected parameters cell") + (
            f" (`{first[0][:60]}`)" if first else ""
        )
    ename = getattr(err, "ename", type(err).__name__)
    evalue = str(getattr(err, "evalue", err)).strip().splitlines()
    return f"{where}: {ename}: {evalue[0] if evalue else ''}"


def _render_html(executed: Path, target: Path, lang: str = "en") -> None:
    import nbformat
    from bilingual import monolingual
    from nbconvert import HTMLExporter

    nb = monolingual(nbformat.read(executed, as_version=4), lang)
    try:  # citations as plain text (pybtex comes with the site extra)
        import citations

        nb = citations.plain_notebook(nb, citations.load_bibliography())
    except ImportError:
        pass
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")


def build_dirs(build: Path, lang: str = "en") -> tuple[Path, Path]:
    """The folders of executed chapters and their HTML pages for a course language:
    ``build/executed`` and ``build/html`` in English, ``build/executed-<lang>`` and
    ``build/html-<lang>`` in another language."""
    suffix = "" if lang == "en" else f"-{lang}"
    return build / f"executed{suffix}", build / f"html{suffix}"


def _write_index(results: list[Result], html_dir: Path) -> None:
    rows = "\n".join(
        f'<tr><td><a href="{r.name}.html">{html.escape(r.name)}</a></td>'
        f'<td class="{r.status.lower()}">{r.status}</td><td>{r.seconds:.1f}</td>'
        f"<td>{html.escape(r.error)}</td></tr>"
        for r in results
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM analytics course: executed chapters</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em 1em;text-align:left}}
.ok{{color:#3a7d44}}.failed{{color:#c73e1d;font-weight:bold}}</style></head>
<body><h1>CRM analytics course: executed chapters</h1>
<table><tr><th>notebook</th><th>status</th><th>seconds</th><th>error</th></tr>
{rows}
</table></body></html>
"""
    (html_dir / "index.html").write_text(page, encoding="utf-8")


def run_jobs(jobs: list[Job], build: Path, render: bool = True, lang: str = "en") -> list[Result]:
    """Execute each job into ``build/executed``; render HTML into ``build/html`` (for another
    course language: ``build/executed-<lang>`` and ``build/html-<lang>``, see :func:`build_dirs`).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed_dir, html_dir = build_dirs(build, lang)
    executed_dir.mkdir(parents=True, exist_ok=True)
    if render:
        html_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for i, job in enumerate(jobs, 1):
        out = executed_dir / job.notebook.name
        print(f"[{i}/{len(jobs)}] {job.name} ...", end=" ", flush=True)
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(job.notebook),
                str(out),
                parameters=job.parameters,
                cwd=str(job.notebook.parent),
                progress_bar=False,
                kernel_name="python3",
                # ipykernel warns on every start that its local TCP link is not encrypted;
                # the line would stand between every chapter's name and its status.
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
            result = Result(job.name, "ok", time.perf_counter() - start, output=out)
        except PapermillExecutionError as err:
            result = Result(
                job.name,
                "FAILED",
                time.perf_counter() - start,
                _failed_cell(job.notebook, err),
                out,
            )
        except Exception as err:  # kernel died, bad notebook file, ...
            result = Result(
                job.name, "FAILED", time.perf_counter() - start, f"{type(err).__name__}: {err}"
            )
        print(f"{result.status} ({result.seconds:.1f} s)", flush=True)
        if result.error:
            print(f"    {job.name}: {result.error}", flush=True)
        if render and result.output is not None and result.output.exists():
            _render_html(result.output, html_dir / f"{job.name}.html", lang)
        results.append(result)
    if render:
        _write_index(results, html_dir)
    return results


def format_table(results: list[Result]) -> str:
    width = max([len("notebook")] + [len(r.name) for r in results])
    lines = [f"{'notebook':<{width}}  status  seconds", f"{'-' * width}  ------  -------"]
    lines += [f"{r.name:<{width}}  {r.status:<6}  {r.seconds:7.1f}" for r in results]
    total = sum(r.seconds for r in results)
    lines.append(f"{'total':<{width}}  {'':6}  {total:7.1f}")
    return "\n".join(lines)


def is_stale(notebook: Path, executed_dir: Path, root: Path) -> bool:
    """Whether a chapter's executed copy is missing or older than the chapter or than any
    module of the helpers package (a changed function can change the chapter's outputs)."""
    executed = executed_dir / notebook.name
    if not executed.exists():
        return True
    newest = max(p.stat().st_mtime for p in (root / "src" / "helpers").rglob("*.py"))
    return executed.stat().st_mtime < max(notebook.stat().st_mtime, newest)


def _parse_overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParameterError(f"-p {item!r}: write parameters as NAME=VALUE")
        out[key.strip()] = yaml.safe_load(value)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python course/tools/runner.py",
        description="Execute the course's chapter notebooks (run it inside the repository).",
    )
    parser.add_argument("--nb", action="append", help="chapter number or name (repeatable)")
    parser.add_argument("--profile", help="workshop profile in course/profiles/")
    parser.add_argument("-p", "--param", action="append", default=[], help="NAME=VALUE override")
    parser.add_argument("--build", help="output folder (default: build/ of the repository)")
    parser.add_argument("--no-html", action="store_true", help="skip the HTML rendering")
    parser.add_argument("--lang", help="course language (default: $COURSE_LANG, else en)")
    parser.add_argument(
        "--stale",
        action="store_true",
        help="only chapters whose executed copy is missing or older than the chapter or the "
        "helpers package (make book, make slides)",
    )
    args = parser.parse_args(argv)
    nbs = [n for item in args.nb or [] for n in item.split(",") if n]
    try:
        lang = course_language(args.lang)
        root = find_root()
        jobs = plan(nbs or None, args.profile, _parse_overrides(args.param), lang=lang)
    except (ParameterError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args.build = args.build or str(root / "build")
    executed_dir, html_dir = build_dirs(Path(args.build), lang)
    if args.stale:
        jobs = [j for j in jobs if is_stale(j.notebook, executed_dir, root)]
        if not jobs:
            print("every executed chapter is up to date; nothing to run")
            return 0
    results = run_jobs(jobs, Path(args.build), render=not args.no_html, lang=lang)
    print()
    print(format_table(results))
    failed = [r for r in results if r.status != "ok"]
    if not args.no_html:
        print(f"\nHTML: {html_dir / 'index.html'}")
    if failed:
        print(f"\n{len(failed)} notebook(s) failed:", file=sys.stderr)
        for r in failed:
            print(f"  {r.name}: {r.error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
