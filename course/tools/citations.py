"""Citations in the chapters, as plain text for notebooks read outside the book.

Course tooling. The chapters cite the papers of ``course/references.bib`` with MyST roles:
``{cite:t}`fader_2005_counting``` (textual) and ``{cite:p}`key1,key2``` (parenthetical). The
book (Sphinx, myst-nb, sphinxcontrib-bibtex) turns them into links and adds a bibliography to
each chapter. In JupyterLab a role shows as raw text, so the student and instructor copies
replace each role by the words the book would show, and can add a reference list::

    bib = load_bibliography()
    text = plain_citations(markdown, bib)          # "Fader et al. (2005) show ..."
    refs = reference_list(cited_keys(markdown), bib)
    copy = plain_notebook(nb, bib)                 # both, for a whole chapter

Names follow the book's author-year style: one author "Cox", two "Gupta and Lehmann", three
or more "Fader et al.". The roles ``{cite:ts}`` and ``{cite:ps}`` list every author, and a
bare ``{cite}`` is parenthetical.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from pybtex.database import BibliographyData, Entry, Person, parse_file

__all__ = [
    "ROLE",
    "cited_keys",
    "load_bibliography",
    "plain_citations",
    "plain_notebook",
    "reference_list",
]

#: A backtick span, with the citation role in front of it if there is one: ``{cite}``,
#: ``{cite:t}``, ``{cite:p}``, ``{cite:ts}`` or ``{cite:ps}``, then the comma-separated keys.
#: Spans are matched one after the other, so inline code such as ```{cite}``` is left alone.
ROLE = re.compile(r"(?P<role>\{cite(?::(?P<kind>t|p|ts|ps))?\})?`(?P<keys>[^`]*)`")


def load_bibliography(path: str | Path | None = None) -> dict[str, Entry]:
    """Read a BibTeX file into a dictionary of entries.

    Parameters
    ----------
    path : str or Path, optional
        The ``.bib`` file. Default: ``course/references.bib`` of the course repository found
        by ``runner.find_root()`` from the working directory.

    Returns
    -------
    dict of str to pybtex.database.Entry
        The entries by key, in the order of the file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    if path is None:
        from runner import find_root  # late: runner imports the helper package

        path = find_root() / "course" / "references.bib"
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"bibliography {path} not found; pass the path of a .bib file, or run from inside "
            "the course repository (its bibliography is course/references.bib)"
        )
    data: BibliographyData = parse_file(str(path), bib_format="bibtex")
    return dict(data.entries.items())


def cited_keys(markdown: str) -> list[str]:
    """The keys cited by the roles of ``markdown``, each once, in order of first citation.

    Examples
    --------
    >>> cited_keys("{cite:t}`a_2001_x` and {cite:p}`b_2002_y, a_2001_x`.")
    ['a_2001_x', 'b_2002_y']
    """
    keys: list[str] = []
    for match in ROLE.finditer(markdown):
        if not match.group("role"):
            continue
        for key in _split_keys(match.group("keys")):
            if key not in keys:
                keys.append(key)
    return keys


def plain_citations(markdown: str, bib: dict[str, Entry]) -> str:
    """Replace every citation role of ``markdown`` by its author-year text.

    Parameters
    ----------
    markdown : str
        Markdown with MyST citation roles.
    bib : dict of str to Entry
        The bibliography, from `load_bibliography`.

    Returns
    -------
    str
        The Markdown with ``{cite:t}`k``` as "Fader et al. (2005)" and ``{cite:p}`k1,k2``` as
        "(Fader et al. 2005; Gupta and Lehmann 2003)"; everything else unchanged.

    Raises
    ------
    ValueError
        If a role cites a key that is not in ``bib``, or cites no key at all.
    """

    def replace(match: re.Match[str]) -> str:
        if not match.group("role"):
            return match.group(0)  # inline code, not a citation
        kind = match.group("kind") or "p"
        keys = _split_keys(match.group("keys"))
        if not keys:
            raise ValueError(f"citation {match.group(0)!r} names no key; write {{cite:p}}`key`")
        unknown = [k for k in keys if k not in bib]
        if unknown:
            raise ValueError(
                f"citation key(s) {', '.join(map(repr, unknown))} not in the bibliography; "
                "add the entry to course/references.bib or correct the key"
            )
        full = kind.endswith("s")
        if kind.startswith("t"):
            return "; ".join(f"{_authors(bib[k], full)} ({_year(bib[k])})" for k in keys)
        return "(" + "; ".join(f"{_authors(bib[k], full)} {_year(bib[k])}" for k in keys) + ")"

    return ROLE.sub(replace, markdown)


def reference_list(keys, bib: dict[str, Entry]) -> str:
    """A Markdown list of the full references of ``keys``, sorted by author and year.

    Parameters
    ----------
    keys : iterable of str
        The keys to list, for example ``cited_keys(markdown)``; repeats are listed once.
    bib : dict of str to Entry
        The bibliography, from `load_bibliography`.

    Returns
    -------
    str
        One line per reference, ``- Authors (year). Title. *Journal* volume(number),
        pages. [doi](https://doi.org/...)``, joined by newlines; empty for no keys.

    Raises
    ------
    ValueError
        If a key is not in ``bib``.
    """
    keys = list(dict.fromkeys(keys))
    unknown = [k for k in keys if k not in bib]
    if unknown:
        raise ValueError(
            f"citation key(s) {', '.join(map(repr, unknown))} not in the bibliography; "
            "add the entry to course/references.bib or correct the key"
        )
    ordered = sorted(keys, key=lambda k: _sort_key(bib[k]))
    return "\n".join(f"- {_reference(bib[k])}" for k in ordered)


def plain_notebook(nb, bib: dict[str, Entry], heading: str = "## References"):
    """A copy of a chapter with plain-text citations and its reference list at the end.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The chapter; it is not changed.
    bib : dict of str to Entry
        The bibliography, from `load_bibliography`.
    heading : str, default "## References"
        The first line of the Markdown cell that holds the reference list.

    Returns
    -------
    nbformat.NotebookNode
        The copy: every Markdown cell through `plain_citations`, and one Markdown cell
        appended with the references of all keys cited, unless the chapter cites none.

    Raises
    ------
    ValueError
        If a cell cites a key that is not in ``bib``.
    """
    import copy

    import nbformat

    out = copy.deepcopy(nb)
    keys: list[str] = []
    for cell in out.cells:
        if cell.cell_type == "markdown":
            keys += [k for k in cited_keys(cell.source) if k not in keys]
            cell.source = plain_citations(cell.source, bib)
    if keys:
        cell = nbformat.v4.new_markdown_cell(f"{heading}\n\n{reference_list(keys, bib)}")
        out.cells.append(cell)
    return out


# ------------------------------------------------------------------------------------ helpers


def _split_keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def _plain(text: str) -> str:
    """BibTeX text without protecting braces and with en dashes for ``--``."""
    return text.replace("{", "").replace("}", "").replace("--", "–")


def _surname(person: Person) -> str:
    return _plain(" ".join(person.prelast_names + person.last_names))


def _people(entry: Entry) -> list[Person]:
    return entry.persons.get("author") or entry.persons.get("editor") or []


def _authors(entry: Entry, full: bool = False) -> str:
    names = [_surname(p) for p in _people(entry)]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    if not full:
        return f"{names[0]} et al."
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def _year(entry: Entry) -> str:
    return entry.fields.get("year", "n.d.")


def _initials(person: Person) -> str:
    parts = []
    for name in person.first_names + person.middle_names:
        name = _plain(name)
        if name.endswith("."):
            parts.append(name)
        else:
            parts.append("-".join(f"{piece[0]}." for piece in name.split("-") if piece))
    return " ".join(parts)


def _full_name(person: Person) -> str:
    initials = _initials(person)
    return f"{_surname(person)}, {initials}" if initials else _surname(person)


def _name_list(entry: Entry) -> str:
    names = [_full_name(p) for p in _people(entry)]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def _sort_key(entry: Entry) -> tuple:
    people = _people(entry)
    names = tuple((_plain(" ".join(p.last_names)).lower(), _initials(p).lower()) for p in people)
    return (names, _year(entry), _plain(entry.fields.get("title", "")).lower())


def _reference(entry: Entry) -> str:
    f = {k: v if k == "doi" else _plain(v) for k, v in entry.fields.items()}
    text = f"{_name_list(entry)} ({_year(entry)}). "
    title = f.get("title", "").rstrip(".")
    end = "" if title.endswith(("?", "!")) else "."
    if entry.type == "book":
        edition = f" {f['edition']} ed." if "edition" in f else ""
        text += f"*{title}*{end}{edition} {f.get('publisher', '')}."
    elif entry.type in ("incollection", "inproceedings"):
        where = ", ".join(x for x in (f"*{f.get('booktitle', '')}*", f.get("publisher")) if x)
        text += f"{title}{end} In {where}"
        text += f", {f['pages']}." if "pages" in f else "."
    else:
        volume = f.get("volume", "")
        if "number" in f:
            volume += f"({f['number']})"
        source = " ".join(x for x in (f"*{f.get('journal', '')}*", volume) if x)
        text += f"{title}{end} {source}"
        text += f", {f['pages']}." if "pages" in f else "."
    if "note" in f:
        text += f" {f['note']}."
    if "doi" in f:
        doi = f["doi"]
        label = doi.replace("<", "\\<").replace(">", "\\>")
        text += f" [doi:{label}](https://doi.org/{quote(doi, safe='/:;()')})"
    return text
