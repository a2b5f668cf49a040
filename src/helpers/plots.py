"""Plot helpers and the course's house style.

Every helper is ``plot_x(..., ax=None, **kwargs) -> Axes``: it draws on ``ax`` (a new figure
only when ``ax`` is None), passes ``kwargs`` on to its main matplotlib call (they override the
house defaults, e.g. ``color=``), returns the Axes and never calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from helpers.language import reapply_font

__all__ = [
    "money_formatter",
    "plot_equity_projection",
    "plot_lever_effects",
    "plot_lorenz",
    "plot_purchases_over_time",
    "plot_service_matrix",
    "plot_target_matrix",
    "set_style",
]

#: Colours used across chapters: existing customers / acquired customers / highlight.
PALETTE = ["#2f6690", "#f18f01", "#c73e1d", "#3a7d44", "#7b6d8d"]


def set_style() -> None:
    """Apply the house style once per notebook: seaborn whitegrid, readable sizes."""
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (8, 4.5), "figure.dpi": 100, "axes.titleweight": "bold"})
    reapply_font()  # the theme resets the fonts; a Chinese chapter needs its font back


def _axes(ax: Axes | None) -> Axes:
    return plt.subplots()[1] if ax is None else ax


def _money(x, _pos=None) -> str:
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def money_formatter() -> FuncFormatter:
    """Axis formatter for money: 1.2k, 3.56m, 2bn."""
    return FuncFormatter(_money)


def plot_equity_projection(projection: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """Stacked active customers (existing base vs acquired) of a customer-equity projection.

    Parameters
    ----------
    projection : pandas.DataFrame
        Output of :func:`helpers.customer_base.customer_equity`.
    ax : matplotlib Axes, optional
    **kwargs
        Passed on to ``Axes.stackplot``.
    """
    ax = _axes(ax)
    t = projection.index
    ax.stackplot(
        t,
        projection["existing"],
        projection["acquired"],
        **{
            "labels": ["customers at time 0", "acquired later"],
            "colors": PALETTE[:2],
            "alpha": 0.85,
            **kwargs,
        },
    )
    ax.set(xlabel="period", ylabel="active customers")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    equity = projection.attrs.get("equity")
    if equity is not None:
        ax.set_title(f"Customer equity over {len(t)} periods: {_money(equity)}")
    ax.legend(loc="lower left", frameon=True)
    return ax


def plot_lever_effects(effects: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """Horizontal bars: % change of customer equity per lever (output of ``lever_effects``);
    ``kwargs`` go to ``Axes.barh``."""
    ax = _axes(ax)
    data = effects.sort_values("change_pct")
    labels = [
        f"{i}: {b:g} → {n:g}" for i, b, n in zip(data.index, data["base"], data["new"], strict=True)
    ]
    colors = [PALETTE[0] if v >= 0 else PALETTE[2] for v in data["change_pct"]]
    ax.barh(labels, data["change_pct"], **{"color": colors, **kwargs})
    ax.axvline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.set(xlabel="change in customer equity", title="What each lever is worth")
    return ax


def plot_purchases_over_time(
    transactions: pd.DataFrame,
    date_col: str = "date",
    amount_col: str = "amount",
    freq: str = "W",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Revenue per period of a transaction log, as a line (``kwargs`` go to ``Axes.plot``).

    A last period that the data cover only in part is left out, so the line does not end in
    an artificial drop.
    """
    ax = _axes(ax)
    revenue = transactions.set_index(date_col)[amount_col].resample(freq).sum()
    if len(revenue) > 1 and revenue.index[-1].normalize() > transactions[date_col].max():
        revenue = revenue.iloc[:-1]
    ax.plot(revenue.index, revenue.to_numpy(), **{"color": PALETTE[0], **kwargs})
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set(xlabel="", ylabel=f"revenue per {'week' if freq == 'W' else freq}")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    return ax


def _quadrant_plot(
    ax: Axes,
    x: pd.Series,
    y: pd.Series,
    groups: pd.Series,
    xt: float,
    yt: float,
    corner_labels: dict[tuple[bool, bool], str],
    colors: dict[str, str],
    **kwargs,
) -> Axes:
    """Scatter with threshold lines and a label in each quadrant (keys: (x high, y high));
    ``kwargs`` go to each ``Axes.scatter``."""
    for name, color in colors.items():
        member = (groups == name).to_numpy()
        style = {"s": 28, "color": color, "alpha": 0.8, "label": name, "edgecolor": "white"}
        ax.scatter(x[member], y[member], **{**style, **kwargs})
    ax.axvline(xt, color="grey", ls="--", lw=1)
    ax.axhline(yt, color="grey", ls="--", lw=1)
    for (x_high, y_high), text in corner_labels.items():
        ax.text(
            0.98 if x_high else 0.02,
            0.97 if y_high else 0.03,
            text,
            transform=ax.transAxes,
            ha="right" if x_high else "left",
            va="top" if y_high else "bottom",
            fontsize=10,
            fontweight="bold",
            color="dimgrey",
        )
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return ax


def plot_target_matrix(
    accounts: pd.DataFrame, matrix: pd.DataFrame, ax: Axes | None = None, **kwargs
) -> Axes:
    """Accounts on the target-customer matrix (output of ``target_customer_matrix``).

    Volume and cost are drawn on log scales (account sizes span orders of magnitude), so
    accounts with a volume of 0 cannot be shown: plot current accounts by volume, or
    prospects by potential volume. ``kwargs`` go to ``Axes.scatter``.
    """
    ax = _axes(ax)
    a = matrix.attrs
    colors = dict(zip(["key target", "target", "non-target"], PALETTE[:3], strict=True))
    corners = {
        (True, False): "key target",
        (True, True): "target",
        (False, False): "target",
        (False, True): "non-target",
    }
    _quadrant_plot(
        ax,
        accounts[a["volume_col"]],
        accounts[a["cost_col"]],
        matrix["target_class"].astype(str),
        a["volume_threshold"],
        a["cost_threshold"],
        corners,
        colors,
        **kwargs,
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel=f"{a['volume_col']} (small → large, log scale)",
        ylabel=f"{a['cost_col']} (low → high, log scale)",
        title="Target-customer matrix",
    )
    return ax


def plot_service_matrix(
    accounts: pd.DataFrame, matrix: pd.DataFrame, ax: Axes | None = None, **kwargs
) -> Axes:
    """Accounts on the differentiated-service matrix (output of ``service_matrix``);
    ``kwargs`` go to ``Axes.scatter``."""
    ax = _axes(ax)
    a = matrix.attrs
    colors = dict(zip(["Star", "Question", "Cash cow", "Dog"], PALETTE[:4], strict=True))
    corners = {
        (True, True): "Star",
        (False, True): "Question",
        (True, False): "Cash cow",
        (False, False): "Dog",
    }
    _quadrant_plot(
        ax,
        accounts[a["relationship_col"]],
        accounts[a["potential_col"]],
        matrix["quadrant"].astype(str),
        a["relationship_threshold"],
        a["potential_threshold"],
        corners,
        colors,
        **kwargs,
    )
    ax.set(
        yscale="log",
        xlabel=f"{a['relationship_col']} (weak → strong)",
        ylabel=f"{a['potential_col']} (low → high, log scale)",
        title="Differentiated-service matrix",
    )
    return ax


def plot_lorenz(values, ax: Axes | None = None, label: str | None = None, **kwargs) -> Axes:
    """Lorenz curve of customer value with the line of equality and the top-20% share marked;
    ``kwargs`` go to the ``Axes.plot`` of the curve."""
    from helpers.customer_base.concentration import gini, lorenz_curve, top_share

    ax = _axes(ax)
    curve = lorenz_curve(values)
    g, top = gini(values), top_share(values, 0.2)
    ax.plot(
        curve["customer_share"],
        curve["value_share"],
        **{"color": PALETTE[0], "label": label or f"customers (Gini {g:.2f})", **kwargs},
    )
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect equality")
    ax.axvline(0.8, color=PALETTE[2], lw=1)
    ax.annotate(
        f"top 20% of customers:\n{top:.0%} of the value",
        xy=(0.8, 1 - top),
        xytext=(0.35, 0.6),
        arrowprops={"arrowstyle": "->", "color": PALETTE[2]},
        color=PALETTE[2],
    )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(
        xlabel="share of customers (smallest first)",
        ylabel="share of value",
        title="Lorenz curve",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(loc="upper left")
    return ax
