"""A KPI dashboard for a CRM programme: targets, status tables and small-multiple plots.

Evaluating a CRM strategy (评估与优化) means measuring its KPIs against targets, comparing them
with the time before the programme, and adjusting. :func:`kpi_status` puts each KPI's recent
level next to its baseline and its target; :func:`obstacle_checks` does the same for the
implementation obstacles of the curriculum, each turned into a measurable check; and
:func:`plot_kpi_dashboard` draws the history as small multiples with target lines and the
programme start marked.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import (
    check_columns,
    check_date,
    check_int,
    date_column,
    numeric_column,
    rows,
)

__all__ = [
    "IMPLEMENTATION_OBSTACLES",
    "KPI_LABELS",
    "Obstacle",
    "kpi_status",
    "obstacle_checks",
    "plot_kpi_dashboard",
]

#: Readable names of the KPIs of :func:`helpers.simulate.campaign.kpi_history`.
KPI_LABELS: dict[str, str] = {
    "active_customers": "active customers",
    "new_customers": "new customers",
    "retention_rate": "monthly retention rate",
    "avg_clv": "average customer lifetime value",
    "csat": "satisfied customers (CSAT)",
    "complaints": "complaints",
    "complaint_timeliness": "complaints handled on time",
    "feedback_days": "days from feedback to action",
    "cross_dept_on_time": "cross-department cases on time",
    "followup_rate": "churn alerts followed up in 7 days",
    "shared_record_rate": "records shared by every department",
    "approval_days": "days to approve a retention offer",
}
#: KPIs that are shares, drawn on a percent axis.
SHARE_KPIS = {
    "retention_rate",
    "csat",
    "complaint_timeliness",
    "cross_dept_on_time",
    "followup_rate",
    "shared_record_rate",
}
DEFAULT_METRICS = ("retention_rate", "avg_clv", "csat", "complaint_timeliness")
_OPS = {">=": "≥", "<=": "≤"}


@dataclass(frozen=True)
class Obstacle:
    """An implementation obstacle made measurable: the KPI that shows it, the threshold a
    healthy programme meets (``op`` is ``">="`` or ``"<="``), and the countermeasure."""

    name: str
    metric: str
    op: str
    threshold: float
    countermeasure: str


#: The curriculum's five implementation obstacles, each with a check and a countermeasure.
IMPLEMENTATION_OBSTACLES: tuple[Obstacle, ...] = (
    Obstacle(
        "slow feedback",
        "feedback_days",
        "<=",
        3.0,
        "IT support: route every piece of feedback to its owner the day it arrives",
    ),
    Obstacle(
        "poor cooperation",
        "cross_dept_on_time",
        ">=",
        0.80,
        "process and service standards: one owner and one deadline per cross-department case",
    ),
    Obstacle(
        "weak execution",
        "followup_rate",
        ">=",
        0.85,
        "training, with every follow-up tracked in the CRM system",
    ),
    Obstacle(
        "silo thinking",
        "shared_record_rate",
        ">=",
        0.95,
        "shared information: one customer record that every department reads and updates",
    ),
    Obstacle(
        "bureaucracy",
        "approval_days",
        "<=",
        2.0,
        "a customer-centred culture: let the front line approve small retention offers",
    ),
)


def _history(history: pd.DataFrame, date_col: str, metrics) -> pd.DataFrame:
    """The history sorted by date: dates read by :func:`helpers.validation.date_column`, one
    row per date, KPI columns numeric (missing months allowed here, refused where used)."""
    check_columns(history, [date_col, *metrics], "the KPI history")
    dates = date_column(history, date_col, "the KPI history")
    dup = dates.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataValidationError(
            f"column {date_col!r} of the KPI history has {int(dup.sum())} rows with a repeated "
            f"date ({rows(history.index, dup, history[date_col])}); keep one row per month"
        )
    for metric in metrics:
        numeric_column(history, metric, "the KPI history", allow_missing=True)
    return history.assign(**{date_col: dates}).sort_values(date_col)


def _no_gaps(part: pd.DataFrame, metric: str, date_col: str, what: str) -> None:
    """The months averaged for ``what`` must all have a value: a mean over fewer months would
    silently be another window."""
    gap = part[metric].isna().to_numpy()
    if gap.any():
        months = ", ".join(str(d.date()) for d in part.loc[gap, date_col][:5])
        raise DataValidationError(
            f"column {metric!r} of the KPI history has no value for {int(gap.sum())} month(s) "
            f"of the {what} window ({months}); fill them from the source, or choose a window "
            "without gaps"
        )


def _target(metric: str, spec) -> tuple[str, float]:
    """(op, value) from a target given as a number (meaning >=) or as (op, value)."""
    if isinstance(spec, tuple | list) and len(spec) == 2:
        op, value = spec
    else:
        op, value = ">=", spec
    if op not in _OPS:
        raise ParameterError(
            f"target of {metric!r} has operator {op!r}; use '>=' (higher is better) or '<=' "
            "(lower is better)"
        )
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ParameterError(f"target of {metric!r} = {value!r} is not a finite number")
    if metric in SHARE_KPIS and not 0 <= value <= 1:
        raise ParameterError(
            f"target of {metric!r} = {value!r} is not a share: {metric} is measured from 0 to 1; "
            f"write a percentage as a share (e.g. {value / 100:g} for {value:g}%)"
        )
    return op, float(value)


def _start(history: pd.DataFrame, programme_start):
    start = programme_start if programme_start is not None else history.attrs.get("programme_start")
    return None if start is None else check_date("programme_start", start)


def kpi_status(
    history: pd.DataFrame,
    targets: dict,
    window: int = 6,
    programme_start=None,
    date_col: str = "month",
) -> pd.DataFrame:
    """Each KPI's recent level against its target and its level before the programme.

    ``current`` is the mean of the last ``window`` months; ``baseline`` the mean of the
    ``window`` months before ``programme_start`` (or of all the months before it, if fewer;
    missing when no start is known). A KPI ``met`` its target when ``current`` is on the right
    side of it. The months averaged must all have a value, and the current window must lie
    after the programme start.

    Parameters
    ----------
    history : pandas.DataFrame
        One row per month, a date column and one column per KPI.
    targets : dict
        KPI name -> target: a number (higher is better) or ``(">=" | "<=", number)``.
    window : int
        Months averaged for ``current`` and ``baseline``.
    programme_start : date-like, optional
        Defaults to ``history.attrs["programme_start"]`` when present.
    date_col : str

    Returns
    -------
    pandas.DataFrame
        Indexed by KPI: ``target`` (text such as "≥ 0.9"), ``baseline``, ``current``,
        ``change`` (current − baseline) and ``status`` ("met" / "not met").

    Raises
    ------
    DataValidationError
        For a KPI or the date column missing from the history, unreadable or repeated dates,
        a KPI that is not numeric, or a month without a value in a window used.
    ParameterError
        For a malformed target (a share KPI's target must be in [0, 1]), ``window`` < 1,
        longer than the history, or reaching back before ``programme_start``.

    Examples
    --------
    >>> h = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=4, freq="MS"),
    ...                   "csat": [0.70, 0.72, 0.84, 0.86]})
    >>> s = kpi_status(h, {"csat": 0.8}, window=2, programme_start="2024-03-01")
    >>> print(*s.loc["csat", ["target", "baseline", "current", "status"]])
    ≥ 0.8 0.71 0.85 met
    """
    if not isinstance(targets, dict) or not targets:
        raise ParameterError("targets must be a non-empty dict of KPI name -> target")
    w = check_int("window", window, 1)
    h = _history(history, date_col, list(targets))
    start = _start(history, programme_start)
    specs = {metric: _target(metric, spec) for metric, spec in targets.items()}
    if w > len(h):
        raise ParameterError(
            f"parameter 'window' = {w} is more months than the {len(h)} of the KPI history; "
            f"pass window <= {len(h)}"
        )
    recent = h.tail(w)
    if start is not None and (recent[date_col] < start).any():
        after = int((h[date_col] >= start).sum())
        raise ParameterError(
            f"parameter 'window' = {w}: the last {w} months reach back before programme_start "
            f"{start.date()}, so current would mix months before and after it; pass "
            f"window <= {after} (the months since the start)"
        )
    out_rows = {}
    for metric, (op, value) in specs.items():
        _no_gaps(recent, metric, date_col, "current")
        current = float(recent[metric].mean())
        base = np.nan
        if start is not None:
            before = h.loc[h[date_col] < start, [date_col, metric]].tail(w)
            _no_gaps(before, metric, date_col, "baseline")
            base = float(before[metric].mean()) if len(before) else np.nan
        good = current >= value if op == ">=" else current <= value
        out_rows[metric] = {
            "target": f"{_OPS[op]} {value:g}",
            "baseline": base,
            "current": current,
            "change": current - base,
            "status": "met" if good else "not met",
        }
    out = pd.DataFrame.from_dict(out_rows, orient="index")
    out.index.name = "kpi"
    return out


def obstacle_checks(
    history: pd.DataFrame,
    obstacles: tuple[Obstacle, ...] = IMPLEMENTATION_OBSTACLES,
    window: int = 6,
    programme_start=None,
    date_col: str = "month",
) -> pd.DataFrame:
    """The implementation obstacles as measurable checks: obstacle → metric → threshold → status.

    Returns
    -------
    pandas.DataFrame
        Indexed by obstacle: ``metric``, ``threshold``, ``baseline``, ``current``, ``status``
        and ``countermeasure`` (see :func:`kpi_status` for the columns it shares).

    Examples
    --------
    >>> h = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=2, freq="MS"),
    ...                   "approval_days": [5.0, 3.0]})
    >>> ob = (Obstacle("bureaucracy", "approval_days", "<=", 2.0, "delegate"),)
    >>> obstacle_checks(h, ob, window=1).loc["bureaucracy", ["threshold", "status"]].tolist()
    ['≤ 2', 'not met']
    """
    targets = {o.metric: (o.op, o.threshold) for o in obstacles}
    status = kpi_status(history, targets, window, programme_start, date_col)
    out = pd.DataFrame(
        {
            "metric": [o.metric for o in obstacles],
            "threshold": [status.loc[o.metric, "target"] for o in obstacles],
            "baseline": [status.loc[o.metric, "baseline"] for o in obstacles],
            "current": [status.loc[o.metric, "current"] for o in obstacles],
            "status": [status.loc[o.metric, "status"] for o in obstacles],
            "countermeasure": [o.countermeasure for o in obstacles],
        },
        index=pd.Index([o.name for o in obstacles], name="obstacle"),
    )
    return out


def _money(x, _pos=None) -> str:
    return f"{x / 1e3:.3g}k" if abs(x) >= 1e3 else f"{x:.3g}"


def plot_kpi_dashboard(
    history: pd.DataFrame,
    targets: dict | None = None,
    metrics=DEFAULT_METRICS,
    programme_start=None,
    date_col: str = "month",
    ncols: int = 2,
    figsize: tuple[float, float] | None = None,
    ax=None,
    **kwargs,
) -> list[Axes]:
    """Small multiples of KPIs over time, with target lines and the programme start marked.

    Parameters
    ----------
    history : pandas.DataFrame
        One row per month (e.g. from :func:`helpers.simulate.campaign.kpi_history`).
    targets : dict, optional
        KPI -> target, as in :func:`kpi_status`; drawn as a dashed line.
    metrics : sequence of str
        KPIs to draw, one panel each; by default retention, average CLV, satisfaction and
        complaint handling timeliness.
    programme_start : date-like, optional
        Drawn as a vertical line; defaults to ``history.attrs["programme_start"]``.
    date_col : str
    ncols : int
        Panels per row.
    figsize : (float, float), optional
        Size of the new figure (when ``ax`` is None).
    ax : sequence of matplotlib Axes, optional
        One Axes per KPI to draw on; by default a new figure with a grid of ``ncols``
        columns is made (titled, with a tight layout).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for each KPI line (``color``, ``marker``).

    Returns
    -------
    list of matplotlib.axes.Axes
        One panel per KPI, in the order of ``metrics`` (``axes[0].figure`` is the figure).

    Raises
    ------
    DataValidationError
        For a KPI or the date column missing from the history.

    Examples
    --------
    >>> h = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=3, freq="MS"),
    ...                   "csat": [0.7, 0.8, 0.9], "avg_clv": [500.0, 550.0, 600.0]})
    >>> axes = plot_kpi_dashboard(h, {"csat": 0.85}, metrics=["csat", "avg_clv"])
    >>> [ax.get_title() for ax in axes]
    ['satisfied customers (CSAT)', 'average customer lifetime value']
    """
    metrics = list(metrics)
    if not metrics:
        raise ParameterError("metrics is empty; name at least one KPI column to draw")
    targets = dict(targets or {})
    h = _history(history, date_col, metrics)
    fig = None
    if ax is None:
        ncols = check_int("ncols", ncols, 1)
        nrows = int(np.ceil(len(metrics) / ncols))
        ncols = min(ncols, len(metrics))
        size = figsize or (5.5 * ncols, 3.2 * nrows + 0.6)
        fig, grid = plt.subplots(nrows, ncols, figsize=size, sharex=True, squeeze=False)
        for spare in list(grid.flat)[len(metrics) :]:
            spare.set_visible(False)
        axes = list(grid.flat)[: len(metrics)]
    else:
        axes = list(np.ravel(ax))
        if len(axes) != len(metrics):
            raise ParameterError(
                f"ax has {len(axes)} Axes for {len(metrics)} KPIs; pass one Axes per metric"
            )
    start = _start(history, programme_start)
    for ax, metric in zip(axes, metrics, strict=True):
        style = {"color": "#2f6690", "marker": "o", "ms": 3, "lw": 1.5, **kwargs}
        ax.plot(h[date_col], h[metric], **style)
        if start is not None:
            ax.axvline(start, color="#7b6d8d", ls=":", lw=1.5, label="programme start")
            ax.axvspan(start, h[date_col].max(), color="#7b6d8d", alpha=0.06)
        if metric in targets:
            op, value = _target(metric, targets[metric])
            ax.axhline(
                value, color="#3a7d44", ls="--", lw=1.5, label=f"target {_OPS[op]} {value:g}"
            )
        ax.set_title(KPI_LABELS.get(metric, metric))
        if metric in SHARE_KPIS:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(_money))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize="small", frameon=True)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if fig is not None:
        fig.suptitle("CRM programme KPI dashboard", fontweight="bold")
        fig.tight_layout()
    return axes
