"""Held-out evaluation of purchase forecasts: scorecards, conditional plots, tracking.

A model is judged on the holdout period it never saw, against simple baselines, with the
checks customer-base analysis uses (Fader, Hardie & Lee 2005): per-customer errors, the
aggregate error, holdout purchases conditional on calibration frequency, and cumulative
repeat purchases week by week.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from helpers.data.transactions import _check
from helpers.exceptions import DataValidationError
from helpers.validation import (
    DEFAULT_TIME_UNIT,
    TIME_UNITS,
    check_int,
    check_number,
    check_time_unit,
)

__all__ = ["by_calibration_frequency", "cumulative_tracking", "holdout_scorecard"]


def _aligned(actual: pd.Series, predictions: dict[str, pd.Series]) -> dict[str, np.ndarray]:
    if not predictions:
        raise DataValidationError("predictions is empty; pass at least one {name: Series}")
    out = {}
    for name, p in predictions.items():
        p = pd.Series(p)
        if not p.index.equals(actual.index):
            if set(p.index) != set(actual.index):
                raise DataValidationError(
                    f"predictions {name!r} cover other customers than actual; predict for the "
                    "same summary rows"
                )
            p = p.reindex(actual.index)
        v = p.to_numpy(dtype=float)
        if not np.isfinite(v).all():
            raise DataValidationError(f"predictions {name!r} have missing or infinite values")
        out[name] = v
    return out


def holdout_scorecard(actual: pd.Series, predictions: dict[str, pd.Series]) -> pd.DataFrame:
    """Per-customer and aggregate errors of holdout purchase forecasts.

    Parameters
    ----------
    actual : pandas.Series
        Purchases each customer made in the holdout (e.g. ``frequency_holdout``).
    predictions : dict of str to pandas.Series
        Forecasts for the same customers, by model or baseline name.

    Returns
    -------
    pandas.DataFrame
        One row per forecast: ``MAE`` and ``RMSE`` per customer, ``predicted_total``,
        ``actual_total`` and ``total_error_pct`` (aggregate error in %), and ``correlation``
        with the actual purchases. Sorted by MAE.

    Examples
    --------
    >>> a = pd.Series([0, 2, 4])
    >>> holdout_scorecard(a, {"flat": pd.Series([2.0, 2.0, 2.0])})[["MAE", "total_error_pct"]]
               MAE  total_error_pct
    flat  1.333333              0.0
    """
    y = pd.Series(actual).to_numpy(dtype=float)
    rows = {}
    for name, p in _aligned(pd.Series(actual), predictions).items():
        err = p - y
        corr = np.corrcoef(p, y)[0, 1] if p.std() > 0 and y.std() > 0 else np.nan
        rows[name] = {
            "MAE": np.abs(err).mean(),
            "RMSE": np.sqrt((err**2).mean()),
            "predicted_total": p.sum(),
            "actual_total": y.sum(),
            "total_error_pct": 100 * (p.sum() - y.sum()) / y.sum() if y.sum() else np.nan,
            "correlation": corr,
        }
    return pd.DataFrame(rows).T.sort_values("MAE")


def by_calibration_frequency(
    frequency: pd.Series,
    actual: pd.Series,
    predictions: dict[str, pd.Series],
    max_frequency: int = 7,
) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration frequency.

    Customers with ``max_frequency`` or more calibration repeat purchases are pooled in the
    last row. The classic check of "regression to the mean": heavy buyers buy less and
    non-repeaters buy more than their past suggests, and a good model expects it.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (0 .. max_frequency, the last meaning "or more"), ``customers``,
        ``actual`` and one column per prediction.
    """
    k = check_int("max_frequency", max_frequency, 1)
    actual = pd.Series(actual)
    preds = _aligned(actual, predictions)
    group = np.minimum(pd.Series(frequency).reindex(actual.index).to_numpy(), k)
    out = pd.DataFrame({"frequency": group, "actual": actual.to_numpy(dtype=float), **preds})
    table = out.groupby("frequency").mean()
    table.insert(0, "customers", out.groupby("frequency").size())
    return table


def cumulative_tracking(
    model,
    transactions: pd.DataFrame,
    n_periods: int,
    customer_col: str = "customer_id",
    date_col: str = "date",
    start=None,
    period_days: float = 7.0,
    time_unit: str = DEFAULT_TIME_UNIT,
    *,
    time_unit_days: float | None = None,
) -> pd.DataFrame:
    """Cumulative repeat purchases of a cohort, actual against the model, period by period.

    Actual: distinct purchase days after each customer's first, counted in the period they
    fall in. Expected: ``sum_i E[X(t - t0_i)]`` with ``t0_i`` the customer's first purchase
    day, computed once per distinct first day.

    Parameters
    ----------
    model : fitted BGNBD or ParetoNBD
        Fitted on a summary in ``time_unit``.
    transactions : pandas.DataFrame
        The log of the cohort (validated as in :func:`helpers.data.validate_transactions`).
    n_periods : int
        Number of periods to track from ``start``.
    start : date-like, optional
        Start of period 1; default the first purchase date.
    period_days : float
        Length of a tracking period, in days.
    time_unit : {"D", "W", "M"}
        The time unit of the summary the model was fitted on (``summarize(..., time_unit=)``).
    time_unit_days : float, optional
        Old way to give the time unit, as its length in days (7 for weeks); warns
        FutureWarning: pass ``time_unit`` instead.

    Returns
    -------
    pandas.DataFrame
        Index ``period`` (1..n_periods), columns ``actual`` and ``expected`` (cumulative), and
        ``period_end`` (date).
    """
    n = check_int("n_periods", n_periods, 1)
    pdays = check_number("period_days", period_days, 0, low_open=True)
    if time_unit_days is None:
        udays = TIME_UNITS[check_time_unit(time_unit)]
    else:
        warnings.warn(
            "cumulative_tracking(): time_unit_days is replaced by time_unit; pass "
            'time_unit="W" for 7 days, "D" for 1 (time_unit_days will be removed)',
            FutureWarning,
            stacklevel=2,
        )
        udays = check_number("time_unit_days", time_unit_days, 0, low_open=True)
    chk = _check(transactions, customer_col, date_col, None)
    days = chk.days
    first = np.full(len(chk.customers), np.iinfo(np.int64).max)
    np.minimum.at(first, chk.codes, days)
    origin = int(days.min()) if start is None else int(pd.Timestamp(start).value // 86_400e9)
    # Repeat purchase days: distinct (customer, day) pairs after the customer's first day.
    key = np.unique(chk.codes * chk.span + (days - days.min()))
    pair_code, pair_day = np.divmod(key, chk.span)
    pair_day = pair_day + days.min()
    repeat_day = pair_day[pair_day > first[pair_code]]
    period = np.floor((repeat_day - origin) / pdays).astype(np.int64) + 1
    counts = np.bincount(period[(period >= 1) & (period <= n)], minlength=n + 1)[1:]
    ends = np.arange(1, n + 1) * pdays  # days from origin to each period's end
    first_days, n_customers = np.unique(first - origin, return_counts=True)
    expected = np.array(
        [
            float(
                np.dot(
                    n_customers, model.expected_purchases(np.clip(e - first_days, 0, None) / udays)
                )
            )
            for e in ends
        ]
    )
    return pd.DataFrame(
        {
            "period_end": pd.Timestamp(origin, unit="D") + pd.to_timedelta(ends, unit="D"),
            "actual": np.cumsum(counts),
            "expected": expected,
        },
        index=pd.Index(np.arange(1, n + 1), name="period"),
    )
