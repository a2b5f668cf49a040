"""The course's languages: one list for the runner, the copies, the slides and the website.

``COURSE_LANG`` (the Makefile variable and environment variable; not ``LANG``, which the shell's
locale uses) picks one of them: English (``en``) or simplified Chinese (``zh``). A language is
added here, and every build then offers it.
"""

from __future__ import annotations

import os

__all__ = ["DEFAULT", "LANGUAGES", "REFERENCES", "course_language"]

# code -> (name in its own language, the HTML lang attribute)
LANGUAGES: dict[str, tuple[str, str]] = {"en": ("English", "en"), "zh": ("中文", "zh-CN")}
DEFAULT = "en"
# The heading of a chapter's reference list in copies read outside the website.
REFERENCES = {"en": "References", "zh": "参考文献"}


def course_language(value: str | None = None) -> str:
    """The course language: ``value``, else ``$COURSE_LANG``, else English.

    Raises
    ------
    ValueError
        For a code not in :data:`LANGUAGES`, naming the available ones.
    """
    code = value if value is not None else os.environ.get("COURSE_LANG", "") or DEFAULT
    code = code.strip()
    if code not in LANGUAGES:
        available = ", ".join(f"{c} ({name})" for c, (name, _) in LANGUAGES.items())
        raise ValueError(
            f"COURSE_LANG={code!r} is not a course language; available: {available}. "
            "Use e.g. `make book COURSE_LANG=en`."
        )
    return code
