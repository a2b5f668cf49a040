"""Plot helpers and the course's house style.

Every helper takes ``ax=None`` and returns the Axes it drew on; it creates a figure only when no
Axes is given and never calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

__all__ = [
    "plot_equity_projection",
    "plot_lever_effects",
    "plot_purchases_over_time",
    "set_style",
]

#: Colours used across chapters: existing customers / acquired customers / highlight.
PALETTE = ["#2f6690", "#f18f01", "#c73e1d", "#3a7d44", "#7b6d8d"]


def set_style() -> None:
    """Apply the house style once per notebook: seaborn whitegrid, readable sizes."""
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (8, 4.5), "figure.dpi": 100, "axes.titleweight": "bold"})


def _axes(ax: Axes | None) -> Axes:
    return plt.subplots()[1] if ax is None else ax


def _money(x, _pos=None) -> str:
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def plot_equity_projection(projection: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked active customers (existing base vs acquired) of a customer-equity projection.

    Parameters
    ----------
    projection : pandas.DataFrame
        Output of :func:`helpers.equity.customer_equity`.
    ax : matplotlib Axes, optional
    """
    ax = _axes(ax)
    t = projection.index
    ax.stackplot(
        t,
        projection["existing"],
        projection["acquired"],
        labels=["customers at time 0", "acquired later"],
        colors=PALETTE[:2],
        alpha=0.85,
    )
    ax.set(xlabel="period", ylabel="active customers")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    equity = projection.attrs.get("equity")
    if equity is not None:
        ax.set_title(f"Customer equity over {len(t)} periods: {_money(equity)}")
    ax.legend(loc="upper right")
    return ax


def plot_lever_effects(effects: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal bars: % change of customer equity per lever (output of ``lever_effects``)."""
    ax = _axes(ax)
    data = effects.sort_values("change_pct")
    labels = [
        f"{i}: {b:g} → {n:g}" for i, b, n in zip(data.index, data["base"], data["new"], strict=True)
    ]
    colors = [PALETTE[0] if v >= 0 else PALETTE[2] for v in data["change_pct"]]
    ax.barh(labels, data["change_pct"], color=colors)
    ax.axvline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set(xlabel="change in customer equity", title="What each lever is worth")
    return ax


def plot_purchases_over_time(
    transactions: pd.DataFrame,
    date_col: str = "date",
    amount_col: str = "amount",
    freq: str = "W",
    ax: Axes | None = None,
) -> Axes:
    """Revenue per period of a transaction log, as a line."""
    ax = _axes(ax)
    revenue = transactions.set_index(date_col)[amount_col].resample(freq).sum()
    ax.plot(revenue.index, revenue.to_numpy(), color=PALETTE[0])
    ax.set(xlabel="", ylabel=f"revenue per {'week' if freq == 'W' else freq}")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    return ax
