"""The plain-English measure of course/tools/plain_english.py, on texts with known answers."""

from __future__ import annotations

import plain_english as pe
from runner import NOTEBOOKS


def test_sentence_lengths_split_at_sentence_ends_and_skip_fragments():
    text = "One two three four. Five six seven! Yes. Is it eight nine ten?"
    assert pe.sentence_lengths(text) == [4, 3, 5]


def test_prose_leaves_out_formulas_code_tables_and_headings():
    markdown = (
        "# Title here\n"
        "The value is $V_c = F_c - C_c$ for `one customer` today.\n"
        "| a | b |\n|---|---|\n"
        "$$\nx = y + z\n$$\n"
        "```python\nprint(1)\n```\n"
        "A second sentence follows."
    )
    text = pe.prose(markdown)
    assert text == "The value is X for X today. A second sentence follows."
    assert pe.sentence_lengths(text) == [7, 4]


def test_report_counts_idioms_and_long_sentences(tmp_path):
    long = " ".join(["Word"] + ["word"] * 30) + "."
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["Profits melt away fast here. ", long]},
            {"cell_type": "code", "source": ["x = 'rule of thumb'"]},
        ]
    }
    path = tmp_path / "99_test.ipynb"
    path.write_text(__import__("json").dumps(nb), encoding="utf-8")
    r = pe.report(path)
    assert (r.sentences, r.over_30, r.idioms) == (2, 1, ("melt away",))
    assert r.mean_words == (5 + 31) / 2


def test_no_chapter_uses_a_listed_idiom_and_sentences_do_not_grow():
    """No listed idiom in any chapter, and no chapter's mean sentence length above 20 words
    (the course's plain-English target). Lower the ceiling if the chapters get shorter
    sentences still; never raise it."""
    ceiling = 20.0  # words per sentence (issue 15); the longest chapter had 19.1 on 2026-11-29
    reports = [pe.report(p) for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
    assert reports
    assert {r.chapter: r.idioms for r in reports if r.idioms} == {}
    assert {r.chapter: round(r.mean_words, 1) for r in reports if r.mean_words > ceiling} == {}
