"""Competing risks: why customers leave, as causes that compete in time.

A customer who leaves for a price reason can no longer leave for a service reason. Exit
reasons are therefore *competing risks* (竞争风险): each reason has its own cause-specific
hazard, and the share that leaves for a reason by time ``t`` is the cumulative incidence
function (累积发生函数) of that reason. Counting reasons among the customers who left ignores
time and the customers still active; ``1 - Kaplan-Meier`` with the other reasons treated as
censored estimates a world in which no other reason exists, and overstates every reason.

The cumulative incidence is the Aalen-Johansen estimator, the cause-specific Cox model is
lifelines' ``CoxPHFitter`` with the other reasons censored (Putter, Fiocco and Geskus 2007).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from matplotlib.axes import Axes
from scipy.stats import norm

from helpers.churn.survival import (
    _covariates,
    _durations_events,
    _fit_lifelines,
    _identifiable,
)
from helpers.exceptions import DataValidationError, ParameterError
from helpers.operations.funnel import _aalen_johansen
from helpers.plots import _axes
from helpers.validation import check_choice, check_columns, check_number, rows

__all__ = ["cumulative_incidence", "fit_cause_specific_cox", "plot_cumulative_incidence"]

_METHODS = ("aalen-johansen", "kaplan-meier")


def _causes(df: pd.DataFrame, event: np.ndarray, cause_col: str, what: str) -> pd.Series:
    """The cause of each event as text; refuses events without a cause."""
    cause = df[cause_col]
    bad = event & cause.isna().to_numpy()
    if bad.any():
        raise DataValidationError(
            f"column {cause_col!r} of {what} is missing for {int(bad.sum())} customer(s) who "
            f"left ({rows(df.index, bad)}); every exit needs its reason: fill them (e.g. "
            "'unknown', a reason of its own) or mark those customers as not left"
        )
    return cause.where(event).astype("string")


def _loglog(f: np.ndarray, var: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a probability on the log(-log) scale, as lifelines (stays inside (0, 1))."""
    inside = (f > 0) & (f < 1) & (var > 0)
    safe = np.where(inside, f, 0.5)
    se = np.sqrt(np.where(inside, var, 0.0)) / (safe * np.abs(np.log(safe)))
    centre = np.log(-np.log(safe))
    low = np.where(inside, np.exp(-np.exp(centre + z * se)), f)
    high = np.where(inside, np.exp(-np.exp(centre - z * se)), f)
    return low, high


def _at(times: np.ndarray, values: np.ndarray, grid: np.ndarray, start: float) -> np.ndarray:
    """A right-continuous step function (``start`` before its first time) read on ``grid``."""
    pos = np.searchsorted(times, grid, side="right") - 1
    return np.where(pos >= 0, values[np.clip(pos, 0, None)], start)


def cumulative_incidence(
    df: pd.DataFrame,
    duration_col: str = "duration",
    event_col: str = "event",
    cause_col: str = "exit_reason",
    times=None,
    confidence_level: float = 0.95,
    method: str = "aalen-johansen",
) -> pd.DataFrame:
    """Cumulative incidence of each exit reason: the share that has left for it by time t.

    With competing reasons, the Aalen-Johansen estimator
    ``F_k(t) = sum_{t_i <= t} S(t_i-) d_k(t_i) / n(t_i)`` weighs the exits for reason ``k`` at
    each time by the share still a customer just before (all-cause Kaplan-Meier ``S``). The
    curves of all reasons add up to ``1 - S(t)``. ``method="kaplan-meier"`` gives instead
    ``1 - KM`` with the other reasons censored: the classic mistake, shown for teaching; it
    estimates the incidence in a world where no other reason exists, so it overstates each one.

    lifelines has an ``AalenJohansenFitter``, but it breaks ties between exit times (common
    when durations are whole days or months) by jittering them after setting the global
    ``numpy.random.seed``. The estimator used here (shared with
    :mod:`helpers.operations.funnel`) treats tied times exactly, matches lifelines on data
    without ties (see the tests), and uses lifelines' variance (Collett 2015, p. 411) with a
    log(-log) interval. The ``kaplan-meier`` method is lifelines' ``KaplanMeierFitter``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer, e.g. from :func:`helpers.churn.survival_table`.
    duration_col : str
        Time from the start to the exit or to the end of observation: numbers >= 0.
    event_col : str
        1 (or True) if the customer left, 0 (or False) if still active (censored).
    cause_col : str
        The reason of each exit; ignored for customers still active.
    times : array-like, optional
        Times at which to report the curves (>= 0). By default every distinct exit time.
    confidence_level : float
        In (0, 1), for the ``ci_low`` and ``ci_high`` columns.
    method : {"aalen-johansen", "kaplan-meier"}
        The estimator (see above).

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``cause``, ``incidence``, ``ci_low``, ``ci_high``; causes in sorted
        order, each with every time.

    Raises
    ------
    DataValidationError
        A missing column; durations that are not numbers >= 0; an event column that is not
        0/1; an exit without a cause; no exit at all.
    ParameterError
        Negative or non-numeric ``times``, a confidence level outside (0, 1), an unknown method.

    References
    ----------
    Aalen, O. O. and Johansen, S. (1978). An empirical transition matrix for non-homogeneous
    Markov chains based on censored observations. Scandinavian Journal of Statistics, 5(3),
    141-150.

    Putter, H., Fiocco, M. and Geskus, R. B. (2007). Tutorial in biostatistics: competing
    risks and multi-state models. Statistics in Medicine, 26(11), 2389-2430.

    Examples
    --------
    >>> df = pd.DataFrame({"duration": [1, 2, 2, 3, 4, 5], "event": [1, 1, 1, 0, 1, 0],
    ...                    "exit_reason": ["price", "service", "price", None, "price", None]})
    >>> cumulative_incidence(df, times=[2, 5])[["time", "cause", "incidence"]]
       time    cause  incidence
    0   2.0    price   0.333333
    1   5.0    price   0.583333
    2   2.0  service   0.166667
    3   5.0  service   0.166667
    """
    what = "the table passed to cumulative_incidence"
    check_columns(df, [duration_col, event_col, cause_col], what)
    cl = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    check_choice("method", method, _METHODS, fix="'aalen-johansen' is the right estimator")
    duration, event = _durations_events(df, duration_col, event_col, what)
    if not event.any():
        raise DataValidationError(
            f"column {event_col!r} of {what} has no exit (all {len(event)} rows are 0, "
            "censored), so no cumulative incidence can be estimated; check the coding "
            "(1 = left, 0 = still active) or observe the customers for longer"
        )
    cause = _causes(df, event, cause_col, what)
    labels = sorted(cause.dropna().unique())
    if times is None:
        grid = np.unique(duration[event])
    else:
        try:
            grid = np.atleast_1d(np.asarray(times, dtype=float))
        except (TypeError, ValueError):
            raise ParameterError(f"times must be numbers >= 0, got {times!r}") from None
        if grid.ndim != 1 or not np.isfinite(grid).all() or (grid < 0).any():
            raise ParameterError(f"times must be finite numbers >= 0, got {times!r}")
    z = float(norm.ppf(0.5 + cl / 2))
    parts = []
    for label in labels:
        mine = (cause == label).fillna(False).to_numpy()
        if method == "aalen-johansen":
            code = np.where(mine, 1, np.where(event, 2, 0))
            t, f, var = _aalen_johansen(duration, code)
            inc = _at(t, f, grid, 0.0)
            low, high = _loglog(inc, _at(t, var, grid, 0.0), z)
        else:
            km = KaplanMeierFitter(alpha=1 - cl).fit(duration, mine)
            inc = 1 - km.survival_function_at_times(grid).to_numpy()
            band = km.confidence_interval_survival_function_
            bt = band.index.to_numpy()
            low = 1 - _at(bt, band.iloc[:, 1].to_numpy(), grid, 1.0)
            high = 1 - _at(bt, band.iloc[:, 0].to_numpy(), grid, 1.0)
        parts.append(
            pd.DataFrame(
                {"time": grid, "cause": label, "incidence": inc, "ci_low": low, "ci_high": high}
            )
        )
    return pd.concat(parts, ignore_index=True)


def fit_cause_specific_cox(
    df: pd.DataFrame,
    cause: str,
    covariates: list[str],
    duration_col: str = "duration",
    event_col: str = "event",
    cause_col: str = "exit_reason",
    penalizer: float = 0.0,
) -> CoxPHFitter:
    """Cox model of one reason's own (cause-specific) hazard, other reasons censored.

    The cause-specific hazard (特定原因风险) of reason ``k`` is the rate of leaving for ``k``
    among the customers still there. Its Cox model treats exits for any other reason as
    censored at their time: right for the hazard, and its hazard ratios say what drives
    *this* reason. They do not translate into the share that leaves for it, which also
    depends on the other reasons (use :func:`cumulative_incidence` for that).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer: duration, event, cause and covariates.
    cause : str
        The reason modelled; it must occur in ``cause_col`` among the exits.
    covariates : list of str
        Numeric columns (0/1 columns for categories), without missing values.
    duration_col, event_col, cause_col : str
        As in :func:`cumulative_incidence`.
    penalizer : float
        lifelines' L2 penalty on the coefficients (>= 0).

    Returns
    -------
    lifelines.CoxPHFitter
        Fitted; ``event_col`` of its data is 1 for exits for ``cause`` only.

    Raises
    ------
    DataValidationError
        As :func:`helpers.churn.fit_cox`; an exit without a cause; a cause never observed
        (the message lists those found).
    ConvergenceError
        As :func:`helpers.churn.fit_cox`.

    References
    ----------
    Putter, H., Fiocco, M. and Geskus, R. B. (2007). Tutorial in biostatistics: competing
    risks and multi-state models. Statistics in Medicine, 26(11), 2389-2430.

    Examples
    --------
    >>> df = pd.DataFrame({"duration": [1, 2, 3], "event": [1, 1, 0],
    ...                    "exit_reason": ["price", "price", None], "x": [0.0, 1.0, 0.5]})
    >>> fit_cause_specific_cox(df, "service", ["x"])
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: cause 'service' never occurs among the exits in \
column 'exit_reason' of the table passed to fit_cause_specific_cox; the causes found are \
['price']
    """
    what = "the table passed to fit_cause_specific_cox"
    check_columns(df, [duration_col, event_col, cause_col, *covariates], what)
    check_number("penalizer", penalizer, 0)
    _covariates(df, covariates, what)
    _, event = _durations_events(df, duration_col, event_col, what)
    found = _causes(df, event, cause_col, what)
    seen = sorted(found.dropna().unique())
    if cause not in seen:
        raise DataValidationError(
            f"cause {cause!r} never occurs among the exits in column {cause_col!r} of {what}; "
            f"the causes found are {seen}"
        )
    mine = (found == cause).fillna(False).to_numpy()
    _identifiable(df, covariates, mine, event_col, what, "fit_cause_specific_cox")
    data = df[[*covariates, duration_col]].assign(**{event_col: mine.astype(int)})
    return _fit_lifelines(
        CoxPHFitter(penalizer=penalizer),
        data,
        covariates,
        f"fit_cause_specific_cox (cause {cause!r})",
        "drop or merge the covariate(s), or pass a penalizer (e.g. penalizer=0.1)",
        duration_col=duration_col,
        event_col=event_col,
    )


def plot_cumulative_incidence(
    incidence: pd.DataFrame,
    ax: Axes | None = None,
    labels: dict[str, str] | None = None,
    band: bool = True,
    **kwargs,
) -> Axes:
    """Step curves of the cumulative incidence per cause, with their confidence bands.

    Parameters
    ----------
    incidence : pandas.DataFrame
        From :func:`cumulative_incidence` (columns ``time``, ``cause``, ``incidence``,
        ``ci_low``, ``ci_high``).
    ax : matplotlib Axes, optional
        Drawn on; a new figure when None.
    labels : dict, optional
        Legend text per cause (e.g. translated); by default the cause itself.
    band : bool
        Shade the confidence band.
    **kwargs
        Passed to each ``Axes.step`` call (override the house defaults).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DataValidationError
        A table without the columns of :func:`cumulative_incidence`.
    """
    check_columns(incidence, ["time", "cause", "incidence", "ci_low", "ci_high"], "incidence")
    ax = _axes(ax)
    labels = labels or {}
    for cause, g in incidence.groupby("cause", sort=False):
        g = g.sort_values("time")
        t = np.concatenate([[0.0], g["time"].to_numpy()])
        line = ax.step(
            t,
            np.concatenate([[0.0], g["incidence"].to_numpy()]),
            where="post",
            label=labels.get(cause, cause),
            **kwargs,
        )[0]
        line.sticky_edges.y.append(0.0)  # the axis starts at 0, and later curves still fit
        if band:
            ax.fill_between(
                t,
                np.concatenate([[0.0], g["ci_low"].to_numpy()]),
                np.concatenate([[0.0], g["ci_high"].to_numpy()]),
                step="post",
                alpha=0.2,
                color=line.get_color(),
                linewidth=0,
            )
    ax.set_ylabel("cumulative incidence")
    ax.legend()
    return ax
