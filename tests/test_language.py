"""The chapter language: labels, tables and the Chinese font of figures."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers import language  # noqa: E402
from helpers.exceptions import FontNotFoundError, ParameterError  # noqa: E402


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    language.set_language("en")


def test_labels_and_tables_follow_the_language():
    frame = pd.DataFrame({"customers": [3]}, index=pd.Index(["A"], name="tier"))
    assert language.text("Revenue", "收入") == "Revenue"
    assert language.localize(frame, {"customers": "客户数"}) is frame
    language.set_language("zh")
    assert language.current_language() == "zh"
    assert language.text("Revenue", "收入") == "收入"
    assert str(language.Text("share", "比例")) == "比例"
    shown = language.localize(frame, {"customers": "客户数", "tier": "层级"})
    assert shown.columns.tolist() == ["客户数"] and shown.index.name == "层级"
    assert frame.columns.tolist() == ["customers"]  # the code's table keeps its names


def test_an_unknown_language_is_refused_with_the_choices():
    with pytest.raises(ParameterError, match=r"lang.*is not one of \['en', 'zh'\]"):
        language.set_language("fr")


def test_chinese_figures_draw_every_character(recwarn):
    language.set_language("zh")
    fig, ax = plt.subplots()
    ax.set_title("客户终身价值")
    fig.canvas.draw()  # a missing glyph would warn "Glyph ... missing from font(s)"
    plt.close(fig)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
    assert language.chinese_font().suffix.lower() in {".otf", ".ttf", ".ttc"}


def test_without_a_chinese_font_one_message_says_how_to_install_it(monkeypatch):
    import builtins

    from matplotlib import font_manager

    real_import = builtins.__import__

    def no_mplfonts(name, *args, **kwargs):
        if name == "mplfonts":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    def nothing(*args, **kwargs):
        raise ValueError("not found")

    monkeypatch.setattr(builtins, "__import__", no_mplfonts)
    monkeypatch.setattr(font_manager, "findfont", nothing)
    with pytest.raises(FontNotFoundError, match=r"no Chinese font for the figures.*mplfonts"):
        language.set_language("zh")
    assert language.current_language() == "en"


def test_localize_renames_levels_and_series():
    index = pd.MultiIndex.from_tuples([("A", "p")], names=["tier", "parameter"])
    frame = pd.DataFrame({"value": [1.0]}, index=index)
    language.set_language("zh")
    names = {"tier": "层级", "parameter": "参数", "value": "数值"}
    shown = language.localize(frame, names)
    assert shown.index.names == ["层级", "参数"] and shown.columns.tolist() == ["数值"]
    series = pd.Series([1, 2], index=pd.Index(["A", "B"], name="tier"), name="value")
    shown = language.localize(series, names, index={"A": "甲"})
    assert shown.name == "数值" and shown.index.name == "层级" and shown.index[0] == "甲"
    assert frame.index.names == ["tier", "parameter"] and series.name == "value"
