"""The language of a chapter's figures, printed labels and self-check verdicts.

Every chapter has a ``lang`` parameter (``"en"`` or ``"zh"``); its validation cell calls
:func:`set_language`. Code cells exist once and serve both languages: a label is written as
``text("Revenue by decile", "各十分位的收入")`` and shows in the chapter's language. In Chinese,
figures draw with a Chinese font (Noto Sans CJK SC from the ``mplfonts`` package, which the
course's set-up installs, or one the system has); if none is found, :func:`set_language` stops
with one message that says how to install it, so a figure never shows boxes in place of
characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.exceptions import FontNotFoundError
from helpers.validation import check_choice

__all__ = [
    "LANGUAGES",
    "Text",
    "chinese_font",
    "current_language",
    "localize",
    "set_language",
    "text",
]

LANGUAGES = ("en", "zh")
_state = {"lang": "en"}
# Fonts with simplified Chinese that systems often have, tried after mplfonts' copy.
_SYSTEM_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
)


def current_language() -> str:
    """The language set by :func:`set_language` (English until then)."""
    return _state["lang"]


def text(en: str, zh: str) -> str:
    """``en`` or ``zh``, whichever is the chapter's language.

    Examples
    --------
    >>> text("Revenue", "收入")
    'Revenue'
    """
    return zh if _state["lang"] == "zh" else en


@dataclass(frozen=True)
class Text:
    """A text in both languages; shows as the chapter's language. Self-check hints and other
    texts stored for later (an answer key keeps both) are written this way.

    Examples
    --------
    >>> str(Text("discount the margin", "对毛利贴现"))
    'discount the margin'
    """

    en: str
    zh: str

    def __str__(self) -> str:
        return text(self.en, self.zh)

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}


def localize(frame, columns: dict | None = None, index: dict | None = None):
    """A table to show: in Chinese, its columns, index labels and axis names (each level of a
    MultiIndex too; for a Series, its name) renamed by the mappings; in English, the table
    itself. Only for display: the code keeps the English names.

    Examples
    --------
    >>> import pandas as pd
    >>> localize(pd.DataFrame({"customers": [3]}), {"customers": "客户数"}).columns.tolist()
    ['customers']
    """
    if _state["lang"] != "zh":
        return frame
    columns, index = columns or {}, index or {}
    if hasattr(frame, "columns"):
        out = frame.rename(columns=columns, index=index)
        out.columns = out.columns.set_names([columns.get(n, n) for n in out.columns.names])
    else:  # a Series: its name is its header
        out = frame.rename(index=index)
        out.name = columns.get(frame.name, frame.name)
    out.index = out.index.set_names([columns.get(n, n) for n in out.index.names])
    return out


def chinese_font() -> Path:
    """The file of a font with simplified Chinese for matplotlib.

    Raises
    ------
    FontNotFoundError
        If neither mplfonts nor the system has one, with the way to install it.
    """
    try:
        import mplfonts

        path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
        if path.exists():
            return path
    except ImportError:
        pass
    from matplotlib import font_manager

    for family in _SYSTEM_FONTS:
        try:
            found = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        return Path(found)
    raise FontNotFoundError(
        "no Chinese font for the figures (lang='zh'): install the course's packages "
        '(`make env`, or `pip install -c constraints.txt -e ".[course]"`, which brings mplfonts '
        "with Noto Sans CJK SC), or a system font such as Noto Sans CJK SC; without one, "
        "Chinese labels would show as empty boxes"
    )


def _use_chinese_font() -> str:
    """Register the Chinese font with matplotlib as the fallback after the Latin font."""
    import logging

    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    path = chinese_font()
    # The font has one weight; matplotlib would log a line for every bold title otherwise.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    # Latin text keeps the house font; characters it lacks come from the Chinese font
    # (matplotlib falls back glyph by glyph along a list of families).
    latin = font_manager.FontProperties(family=["sans-serif"])
    latin = font_manager.FontProperties(fname=font_manager.findfont(latin)).get_name()
    plt.rcParams["font.family"] = [latin, family]
    plt.rcParams["axes.unicode_minus"] = False
    return family


def set_language(lang: str) -> str:
    """Set the language of labels and verdicts; in Chinese, set up the Chinese font.

    Parameters
    ----------
    lang : {"en", "zh"}
        The chapter's ``lang`` parameter.

    Returns
    -------
    str
        ``lang``.

    Raises
    ------
    ParameterError
        For another value, naming the choices.
    FontNotFoundError
        In Chinese, if no Chinese font is installed (with the way to install one).
    """
    lang = check_choice("lang", lang, LANGUAGES, fix='use lang="en" or lang="zh"')
    if lang == "zh":
        _use_chinese_font()
    _state["lang"] = lang
    return lang


def reapply_font() -> None:
    """Set the Chinese font again after a style reset (``plots.set_style`` calls it)."""
    if _state["lang"] == "zh":
        _use_chinese_font()
