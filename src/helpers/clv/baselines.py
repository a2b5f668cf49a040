"""Simple CLV baselines that the probability models are compared against.

* :func:`historical_clv`: each customer's past spend rate, extrapolated at face value;
* :func:`retention_clv` (from :mod:`helpers.customer_base`): the retention formula
  ``m r / (1 + d - r)``;
* :func:`cohort_retention_clv`: the same formula with the retention rate estimated from a
  cohort's counts as if every period's retention were the same, which is the error the
  shifted-beta-geometric model corrects (Fader & Hardie 2010).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.clv._base import _continuous_summary, _discount_rate
from helpers.customer_base.equity import retention_clv
from helpers.exceptions import DataValidationError
from helpers.validation import check_int, check_number, numeric_column, require_columns, rows

__all__ = ["cohort_retention_clv", "historical_clv", "retention_clv"]


def historical_clv(
    summary: pd.DataFrame,
    horizon: int = 12,
    period_length: float = 1.0,
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> pd.Series:
    """Past spend per period, extrapolated over a horizon and discounted.

    A customer's spend rate is their repeat spend divided by the time they have been
    observed, ``frequency * monetary_value / T``; every future period of length ``L`` is
    assumed to bring ``rate * L`` (no dropout, no regression to the mean), valued at the end of
    the period: ``CLV = margin * rate * L * sum_{k=1}^{H} (1 + d)^-k``. Customers observed for
    ``T = 0`` have no history and get 0. The first purchase is left out, as in
    ``monetary_value``.

    Parameters
    ----------
    summary : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T``, ``monetary_value``.
    horizon : int
        Number of future periods.
    period_length : float
        Length of one period in the summary's time unit.
    discount_rate : float
        Per period of length ``period_length``, as a fraction in [0, 1).
    margin : float
        Share of spend that is margin, in (0, 1].

    Returns
    -------
    pandas.Series
        Indexed like ``summary``.

    Raises
    ------
    ParameterError
        For a horizon below 1, a non-positive period length, a discount rate outside [0, 1)
        or a margin outside (0, 1].
    DataValidationError
        For a summary with missing columns or bad values (as in ``BGNBD.fit``), or missing,
        infinite or non-numeric ``monetary_value``.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [2, 0], "recency": [10.0, 0.0], "T": [20.0, 5.0],
    ...                   "monetary_value": [30.0, 0.0]})
    >>> historical_clv(s, horizon=1, period_length=4.0, discount_rate=0.0).tolist()
    [12.0, 0.0]
    """
    h = check_int("horizon", horizon, 1)
    L = check_number("period_length", period_length, 0.0, low_open=True)
    d = _discount_rate(
        discount_rate, "period of period_length time units", "0.01 a month (about 12.7% a year)"
    )
    mg = check_number("margin", margin, 0.0, 1.0, low_open=True)
    what = "the summary passed to historical_clv"
    x, _, T, _ = _continuous_summary(summary, what, None)
    require_columns(
        summary,
        ["monetary_value"],
        what,
        fix="summarise with helpers.summarize(..., amount_col=...)",
    )
    # A customer without repeat purchases has no repeat spend: a blank there is not used.
    m = numeric_column(summary, "monetary_value", what, allow_missing=True)
    rep = x > 0
    bad = rep & (np.isnan(m) | (m < 0))
    if bad.any():
        shown = rows(summary.index, bad, summary["monetary_value"])
        raise DataValidationError(
            f"column 'monetary_value' of {what} is missing or negative for {int(bad.sum())} "
            f"customers with repeat purchases ({shown}); "
            "fill missing amounts from the source, and remove or net returns before summarising"
        )
    m = np.where(rep, m, 0.0)
    rate = np.divide(x * m, T, out=np.zeros(len(T)), where=T > 0)
    annuity = np.sum((1 + d) ** -np.arange(1, h + 1, dtype=np.float64))
    return pd.Series(mg * rate * L * annuity, index=summary.index, name="clv")


def cohort_retention_clv(active, margin: float, discount_rate: float) -> float:
    """Retention-formula CLV with one retention rate estimated from a cohort's counts.

    The rate is the pooled one, ``sum(active[1:]) / sum(active[:-1])`` (customers retained over
    customers at risk), fed to :func:`helpers.customer_base.retention_clv`. Assuming that rate for
    every future period undervalues a heterogeneous cohort, whose retention rises with tenure
    (compare :meth:`ShiftedBetaGeometric.derl`).

    Parameters
    ----------
    active : array_like of int
        Customers still active at the start of each period, ``active[0]`` the cohort size.
    margin : float
        Margin per period.
    discount_rate : float
        Per period of the counts (e.g. per year), as a fraction in [0, 1).

    Returns
    -------
    float

    Raises
    ------
    DataValidationError
        Fewer than two counts, missing, negative or increasing counts, a cohort of size 0.
    ParameterError
        A discount rate outside [0, 1).

    Examples
    --------
    >>> round(cohort_retention_clv([1000, 800, 640], margin=100, discount_rate=0.1), 2)
    266.67
    """
    d = _discount_rate(discount_rate, "period of the counts", "0.10 a year")
    try:
        n = np.asarray(active, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise DataValidationError(
            "active must be a sequence of customer counts (e.g. [1000, 631, 468]); got "
            f"{type(active).__name__}"
        ) from None
    if len(n) < 2 or not np.all(np.isfinite(n)) or np.any(n < 0) or n[0] <= 0:
        raise DataValidationError(
            "active must hold at least two non-negative customer counts with a positive "
            f"cohort size first; got {n.tolist()}"
        )
    if np.any(np.diff(n) > 0):
        raise DataValidationError(
            f"active increases ({n.tolist()}); a cohort can only lose customers"
        )
    r = float(n[1:].sum() / n[:-1].sum())
    if r == 1.0:
        raise DataValidationError(
            f"active never falls ({n.tolist()}): no customer left the cohort, so the retention "
            "rate is 1 and the retention-formula value is infinite; use a cohort observed long "
            "enough to lose customers"
        )
    return retention_clv(margin, r, d)
