"""Plain-English report of the chapters' prose: sentence length and idioms.

Many learners read English as a second language, and the Chinese edition is written from this
prose, so the course aims at sentences of about 20 words on average and no idioms. This tool
measures each chapter's Markdown prose (tables, headings, code, inline code and formulas left
out) so that a rewrite can be checked::

    python course/tools/plain_english.py            # every chapter
    python course/tools/plain_english.py 01 07      # some chapters

Sentences are split at ".", "!" or "?" followed by a space and a capital letter; fragments of
one or two words (list labels) are not counted. It is a measure for people, not a test.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: Phrases that a reader of English as a second language may not know; extend as found.
IDIOMS = (
    "dearest",
    "melt away",
    "edges ahead",
    "earn its complexity",
    "earns its complexity",
    "rule of thumb",
    "bottom line",
    "ballpark",
    "low-hanging",
    "silver bullet",
    "lion's share",
    "game changer",
    "pay off",
    "pays off",
    "in a nutshell",
    "at the end of the day",
    "goes a long way",
    "tip of the iceberg",
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(\"])")


@dataclass(frozen=True)
class Report:
    chapter: str
    sentences: int
    mean_words: float
    over_30: int
    idioms: tuple[str, ...]


def prose(markdown: str) -> str:
    """The running text of Markdown: no formulas, code, tables or headings."""
    text = re.sub(r"\$\$.*?\$\$", " ", markdown, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]*\$", "X", text)
    text = re.sub(r"`[^`\n]*`", "X", text)
    keep = [
        line
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("|", "#"))
    ]
    return " ".join(keep)


def sentence_lengths(text: str) -> list[int]:
    """Words per sentence; fragments of one or two words are left out.

    Examples
    --------
    >>> sentence_lengths("One two three four. Five six seven! Yes. Is it eight nine ten?")
    [4, 3, 5]
    """
    lengths = [len(s.split()) for s in _SENTENCE_END.split(text)]
    return [n for n in lengths if n > 2]


def report(path: Path) -> Report:
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = " ".join(
        prose("".join(c["source"]))
        for c in nb["cells"]
        # English prose only: the Chinese twins (cell metadata "lang": "zh") are not measured.
        if c["cell_type"] == "markdown" and c.get("metadata", {}).get("lang", "en") == "en"
    )
    lengths = sentence_lengths(text)
    lower = text.lower()
    return Report(
        chapter=path.stem,
        sentences=len(lengths),
        mean_words=sum(lengths) / len(lengths) if lengths else 0.0,
        over_30=sum(n > 30 for n in lengths),
        idioms=tuple(i for i in IDIOMS if i in lower),
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path.cwd()
    while not (root / "notebooks").is_dir() and root != root.parent:
        root = root.parent
    paths = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args:
        paths = [p for p in paths if any(p.name.startswith(a) for a in args)]
    print(f"{'chapter':28s} {'sentences':>9s} {'mean words':>10s} {'> 30 words':>10s}  idioms")
    for p in paths:
        r = report(p)
        print(
            f"{r.chapter:28s} {r.sentences:9d} {r.mean_words:10.1f} {r.over_30:10d}  "
            f"{', '.join(r.idioms) or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
