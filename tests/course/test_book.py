"""The website builder's parts that need no browser: course parts, languages, chapter links."""

import book  # course/tools/, put on the import path by tests/conftest.py
import languages
import nbformat
import pytest
import runner


def test_every_chapter_is_in_exactly_one_course_part():
    parts = book.load_parts("en")
    listed = [p.name for _, paths in parts for p in paths]
    assert sorted(listed) == [p.name for p in runner.chapters()]
    assert len(listed) == len(set(listed))
    titles = [title for title, _ in parts]
    assert titles[0] == "Foundations" and titles[-1] == "Research" and len(titles) == 8


def _clone(tmp_path, parts: str):
    (tmp_path / "course" / "profiles").mkdir(parents=True)
    (tmp_path / "course" / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    for name in ("00_a", "01_b"):
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / "notebooks" / f"{name}.ipynb")
    (tmp_path / "course" / "book" / "parts.yml").write_text(parts, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ('- title: {en: A}\n  chapters: ["00"]\n', r"chapters \['01'\] are in no part"),
        ('- title: {en: A}\n  chapters: ["00", "01", "02"]\n', "part 'A' names no chapter 02"),
        (
            '- title: {en: A}\n  chapters: ["00", "01"]\n- title: {en: B}\n  chapters: ["01"]\n',
            "chapter 01 is in 'A' and 'B'",
        ),
        ('- title: {zh: 甲}\n  chapters: ["00", "01"]\n', "a part has no title in 'en'"),
    ],
)
def test_a_wrong_parts_file_is_refused_with_the_fix(tmp_path, parts, message):
    with pytest.raises(ValueError, match=message):
        book.load_parts("en", _clone(tmp_path, parts))


def test_the_course_language_is_a_build_option(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    assert languages.course_language() == "en"
    monkeypatch.setenv("COURSE_LANG", "en")
    assert languages.course_language() == "en"
    monkeypatch.setenv("COURSE_LANG", "fr")
    with pytest.raises(
        ValueError, match=r"COURSE_LANG='fr' is not a course language; available: en \(English\)"
    ):
        languages.course_language()
    assert languages.LANGUAGES["en"] == ("English", "en")


def test_an_unknown_language_stops_the_build_before_anything_runs(capsys):
    assert book.main(["--lang", "xx"]) == 2
    assert "is not a course language" in capsys.readouterr().err


def test_course_documents_link_the_chapters_they_name():
    stems = {"02_segmentation"}
    text = "See `02_segmentation` and `99_unknown`; [`02_segmentation`](x) stays."
    assert book._link_chapters(text, stems, "") == (
        "See [`02_segmentation`](chapters/02_segmentation.ipynb) and `99_unknown`; "
        "[`02_segmentation`](x) stays."
    )


def test_the_instructor_guide_is_in_the_instructor_edition_only():
    assert book.DOCUMENTS["instructor_guide"] == ("instructor",)
    assert set(book.DOCUMENTS["syllabus"]) == set(book.EDITIONS) == {"learner", "instructor"}
