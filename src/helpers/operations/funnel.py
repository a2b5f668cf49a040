"""The market-development funnel: stage conversion, time in stage and new-customer growth.

A sales opportunity moves through the stages of the market-development process (市场开发):
opportunity → visit → needs confirmed → capability review → contract. At any snapshot some
opportunities are still *open*: they have entered a stage and nothing has been decided yet.
Their outcome is right-censored at the snapshot, and counting them as lost (or leaving them
out) biases the conversion rates. This module treats each stage as a competing-risks problem —
an opportunity in a stage either *advances* or is *lost*, whichever comes first, and an open one
is censored at the snapshot — and estimates the share that eventually advances with the
Aalen-Johansen estimator of the cumulative incidence function.

lifelines has an ``AalenJohansenFitter``, but it breaks ties between event times (common when
dates are whole days) by jittering them with a global ``numpy.random.seed``; the estimator is a
few vectorised lines, so it is written here, on exactly tied days, and checked in the tests
against lifelines on data without ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.stats import binomtest, norm

from helpers.exceptions import ConvergenceError, DataValidationError, ParameterError
from helpers.validation import (
    check_columns,
    check_date,
    check_frame,
    check_int,
    check_number,
    date_column,
    numeric_values,
    renamed_parameters,
    require_columns,
    rows,
)

__all__ = [
    "FUNNEL_STAGES",
    "growth_trend",
    "new_customer_share",
    "new_customer_growth",
    "plot_funnel",
    "stage_conversion",
    "stage_outcomes",
    "time_in_stage",
]

#: The stages of the market-development process, in order; the simulator's column names.
FUNNEL_STAGES = ("opportunity", "visit", "needs_confirmed", "capability_review", "contract")

_METHODS = ("aalen-johansen", "decided", "naive")
_FREQS = {"M": "month", "Q": "quarter", "Y": "year"}


_STAGES_FIX = "pass stages=[...] and lost_col=... naming the date columns of your funnel"


def _dates(df: pd.DataFrame, col: str) -> pd.Series:
    """A date column read by :func:`helpers.validation.date_column` (empty cells are missing
    dates; numbers, ambiguous day/month text and unreadable text are refused)."""
    if df[col].isna().all():  # a stage nobody has reached yet
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]", name=col)
    return date_column(df, col, "opportunities", allow_missing=True)


def _validated(
    opportunities: pd.DataFrame, observation_end, stages, lost_col: str
) -> tuple[pd.DataFrame, pd.Series, pd.Timestamp]:
    """Entry dates per stage and the lost date, after the funnel's consistency checks."""
    if isinstance(stages, str):
        raise ParameterError(
            f"stages={stages!r} must be a list of date columns in funnel order, e.g. "
            f"[{stages!r}, 'contract']"
        )
    stages = list(stages)
    if len(stages) < 2 or len(set(stages)) != len(stages):
        raise ParameterError(
            f"stages={stages!r} must name at least two distinct date columns, in funnel order"
        )
    if lost_col in stages:
        raise ParameterError(
            f"lost_col={lost_col!r} is also one of the stages; the lost date is not a stage: "
            "leave it out of stages"
        )
    check_frame(opportunities, "opportunities")
    require_columns(opportunities, [*stages, lost_col], "opportunities", fix=_STAGES_FIX)
    snap = check_date("observation_end", observation_end)
    entry = pd.DataFrame({s: _dates(opportunities, s) for s in stages})
    lost = _dates(opportunities, lost_col)
    idx = opportunities.index
    first = entry[stages[0]].isna().to_numpy()
    if first.any():
        raise DataValidationError(
            f"column {stages[0]!r} has {first.sum()} missing date(s) ({rows(idx, first)}); "
            "every opportunity needs the date it was opened"
        )
    for prev, cur in zip(stages, stages[1:], strict=False):
        gap = (entry[cur].notna() & entry[prev].isna()).to_numpy()
        if gap.any():
            raise DataValidationError(
                f"column {cur!r} has {gap.sum()} date(s) for opportunities that never entered "
                f"{prev!r} ({rows(idx, gap)}); fill in the missing stage date or correct the "
                "stage"
            )
        back = (entry[cur] < entry[prev]).to_numpy()
        if back.any():
            both = (entry[cur].notna() & entry[prev].notna()).sum()
            hint = (
                f"; all {both} of them are: are the stages in funnel order? (stages={stages!r})"
                if back.sum() == both >= 3
                else ""
            )
            raise DataValidationError(
                f"column {cur!r} has {back.sum()} date(s) before the {prev!r} date "
                f"({rows(idx, back)}); a stage cannot be entered before the one before it{hint}"
            )
    all_dates = pd.concat([entry, lost.rename(lost_col)], axis=1)
    late = (all_dates > snap).any(axis=1).to_numpy()
    if late.any():
        raise DataValidationError(
            f"{late.sum()} opportunities have dates after observation_end {snap.date()} "
            f"({rows(idx, late)}); observation_end is the date the data describe: move it or "
            "remove those dates"
        )
    won_and_lost = (entry[stages[-1]].notna() & lost.notna()).to_numpy()
    if won_and_lost.any():
        raise DataValidationError(
            f"column {lost_col!r} has {won_and_lost.sum()} date(s) for opportunities that "
            f"reached {stages[-1]!r} ({rows(idx, won_and_lost)}); an opportunity is either "
            "won or lost"
        )
    last_entry = entry.max(axis=1)
    early = (lost < last_entry).to_numpy()
    if early.any():
        raise DataValidationError(
            f"column {lost_col!r} has {early.sum()} date(s) before the opportunity's last "
            f"stage date ({rows(idx, early)}); an opportunity is lost in the last stage it "
            "entered, not before"
        )
    return entry, lost, snap


@renamed_parameters(snapshot="observation_end")
def stage_outcomes(
    opportunities: pd.DataFrame,
    observation_end,
    stages=FUNNEL_STAGES,
    lost_col: str = "lost",
) -> pd.DataFrame:
    """One row per opportunity and stage it entered: days in the stage and how it ended.

    Parameters
    ----------
    opportunities : pandas.DataFrame
        One row per opportunity, with one date column per stage (the date the opportunity
        entered it, empty if it never did) and ``lost_col`` (the date it was lost, empty if
        not lost).
    observation_end : date-like
        The date the data describe; opportunities undecided then are open (old name
        ``snapshot``, which still works).
    stages : sequence of str
        The stage date columns in funnel order (default :data:`FUNNEL_STAGES`).
    lost_col : str
        Column with the date an opportunity was lost.

    Returns
    -------
    pandas.DataFrame
        Columns ``opportunity`` (the input's index label), ``stage``, ``days`` (from entering
        the stage to advancing, to being lost, or — for an open one — to ``observation_end``) and
        ``outcome``: ``"advanced"``, ``"lost"`` or ``"open"``. The last stage is an end state
        and has no rows.

    Raises
    ------
    DataValidationError
        Naming the column and rows, for: a missing first-stage date, a stage date without the
        stage before it, stage dates out of order, dates after ``observation_end``, a lost date
        before the last stage date, an opportunity both won and lost, values that are not dates.

    Examples
    --------
    >>> opps = pd.DataFrame(
    ...     {"opened": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-20"]),
    ...      "won": pd.to_datetime(["2024-01-11", None, None]),
    ...      "lost": pd.to_datetime([None, "2024-01-31", None])})
    >>> stage_outcomes(opps, "2024-01-31", stages=["opened", "won"])
       opportunity   stage  days   outcome
    0            0  opened  10.0  advanced
    1            1  opened  30.0      lost
    2            2  opened  11.0      open
    """
    entry, lost, snap = _validated(opportunities, observation_end, stages, lost_col)
    stages = list(stages)
    last = entry.notna().to_numpy().sum(axis=1) - 1  # index of the last stage entered
    parts = []
    for k, (cur, nxt) in enumerate(zip(stages, stages[1:], strict=False)):
        inside = entry[cur].notna().to_numpy()
        advanced = entry[nxt].notna().to_numpy()
        lost_here = lost.notna().to_numpy() & (last == k)
        end = np.where(advanced, entry[nxt], np.where(lost_here, lost, snap))
        days = (pd.to_datetime(end) - entry[cur]).dt.days.to_numpy(float)
        outcome = np.where(advanced, "advanced", np.where(lost_here, "lost", "open"))
        parts.append(
            pd.DataFrame(
                {
                    "opportunity": opportunities.index[inside],
                    "stage": cur,
                    "days": days[inside],
                    "outcome": outcome[inside],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _aalen_johansen(days: np.ndarray, event: np.ndarray):
    """Aalen-Johansen cumulative incidence of event 1 (event 2 competes, 0 is censored).

    Returns the distinct event times, the cumulative incidence of event 1 at them, and its
    variance (Greenwood-type delta method as in Collett 2015, p. 411, and lifelines).
    """
    times, inv = np.unique(days, return_inverse=True)
    d1 = np.bincount(inv, weights=event == 1, minlength=len(times))
    d = np.bincount(inv, weights=event != 0, minlength=len(times))
    leaving = np.bincount(inv, minlength=len(times))
    n = len(days) - np.concatenate([[0], np.cumsum(leaving)[:-1]])  # at risk just before t
    surv = np.cumprod(1 - d / n)
    lag = np.concatenate([[1.0], surv[:-1]])  # S(t-)
    cif = np.cumsum(lag * d1 / n)
    # Variance: expand the sums over t_i <= t of terms in (F(t) - F(t_i)) with running sums.
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(n > d, d / (n * (n - d)), 0.0)
    b = lag**2 * d1 * (n - d1) / n**3
    c = lag * d1 / n**2
    var = (
        cif**2 * np.cumsum(a)
        - 2 * cif * np.cumsum(a * cif)
        + np.cumsum(a * cif**2)
        + np.cumsum(b)
        - 2 * (cif * np.cumsum(c) - np.cumsum(c * cif))
    )
    keep = d > 0
    return times[keep], cif[keep], np.clip(var[keep], 0, None)


def _loglog_interval(f: float, var: float, z: float) -> tuple[float, float]:
    """Confidence interval for a probability on the log(-log) scale (stays inside (0, 1))."""
    if not 0 < f < 1 or var <= 0:
        return f, f
    se = np.sqrt(var) / (f * abs(np.log(f)))
    centre = np.log(-np.log(f))
    return float(np.exp(-np.exp(centre + z * se))), float(np.exp(-np.exp(centre - z * se)))


@renamed_parameters(snapshot="observation_end", confidence="confidence_level")
def stage_conversion(
    opportunities: pd.DataFrame,
    observation_end,
    stages=FUNNEL_STAGES,
    lost_col: str = "lost",
    method: str = "aalen-johansen",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Conversion from each stage to the next, and cumulatively from the first stage.

    How open opportunities (undecided at ``observation_end``, so right-censored) are handled:

    * ``"aalen-johansen"`` (default): each stage is a competing-risks problem — advance or be
      lost — with open opportunities censored at the snapshot. The conversion is the
      Aalen-Johansen cumulative incidence of "advanced" at the longest time observed in the
      stage. It is unbiased when the snapshot is unrelated to the outcome, even if lost
      opportunities take longer (or shorter) to decide than won ones. Interval: delta method
      on the log(-log) scale.
    * ``"decided"``: advanced / (advanced + lost), leaving open ones out. Biased whenever the
      time to a decision depends on the outcome (slow deals that die make it too high).
      Wilson interval.
    * ``"naive"``: advanced / entered, counting open ones as not converted — the usual
      spreadsheet figure, too low when many opportunities are recent. Wilson interval.

    Parameters
    ----------
    opportunities : pandas.DataFrame
        One row per opportunity with a date column per stage and ``lost_col``
        (see :func:`stage_outcomes`).
    observation_end : date-like
        The date the data describe (old name ``snapshot``, which still works).
    stages : sequence of str
        Stage date columns in funnel order.
    lost_col : str
        Column with the date the opportunity was lost.
    method : {"aalen-johansen", "decided", "naive"}
        How open opportunities count, as above.
    confidence_level : float
        Level of the intervals, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per transition, indexed by the stage it starts from: ``to`` (next stage),
        ``entered``, ``advanced``, ``lost``, ``open`` (counts), ``conversion`` (share that
        advances), ``ci_low`` and ``ci_high`` (interval), ``cumulative`` (share of all
        opportunities that reach ``to``: the product of the conversions so far).

    Raises
    ------
    ParameterError
        If ``method`` is unknown or ``confidence_level`` is not in (0, 1).
    DataValidationError
        For inconsistent dates (see :func:`stage_outcomes`).

    Examples
    --------
    Four opportunities: two advanced, one was lost on day 30 and one is open since day 5.
    Open ones count as not converted in the naive rate (2/4) and are left out of the decided
    one (2/3).

    >>> opps = pd.DataFrame(
    ...     {"opened": pd.to_datetime(["2024-01-01"] * 3 + ["2024-01-26"]),
    ...      "won": pd.to_datetime(["2024-01-11", "2024-01-21", None, None]),
    ...      "lost": pd.to_datetime([None, None, "2024-01-31", None])})
    >>> kw = dict(stages=["opened", "won"], observation_end="2024-01-31")
    >>> stage_conversion(opps, method="naive", **kw)["conversion"].item()
    0.5
    >>> round(stage_conversion(opps, method="decided", **kw)["conversion"].item(), 4)
    0.6667
    >>> round(stage_conversion(opps, **kw)["conversion"].item(), 4)
    0.6667

    References
    ----------
    Aalen, O. O. and Johansen, S. (1978). An empirical transition matrix for non-homogeneous
    Markov chains based on censored observations. *Scandinavian Journal of Statistics* 5(3),
    141-150.

    Collett, D. (2015). *Modelling Survival Data in Medical Research*, 3rd ed., p. 411.
    Chapman & Hall/CRC.

    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *Journal of the American Statistical Association* 22(158), 209-212.
    """
    if method not in _METHODS:
        raise ParameterError(f"method={method!r} is not one of {list(_METHODS)}")
    level = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    z = norm.ppf(0.5 + level / 2)
    stages = list(stages)
    out = stage_outcomes(opportunities, observation_end, stages, lost_col)
    rows = []
    for cur, nxt in zip(stages, stages[1:], strict=False):
        g = out[out["stage"] == cur]
        counts = g["outcome"].value_counts()
        adv, lst, opn = (int(counts.get(k, 0)) for k in ("advanced", "lost", "open"))
        row = {"to": nxt, "entered": len(g), "advanced": adv, "lost": lst, "open": opn}
        n = {"naive": len(g), "decided": adv + lst}.get(method, len(g))
        if n == 0:
            row.update(conversion=np.nan, ci_low=np.nan, ci_high=np.nan)
        elif method == "aalen-johansen":
            event = g["outcome"].map({"advanced": 1, "lost": 2, "open": 0}).to_numpy()
            _, cif, var = _aalen_johansen(g["days"].to_numpy(float), event)
            f, v = (float(cif[-1]), float(var[-1])) if len(cif) else (0.0, 0.0)
            lo, hi = _loglog_interval(f, v, z)
            row.update(conversion=f, ci_low=lo, ci_high=hi)
        else:
            ci = binomtest(adv, n).proportion_ci(confidence_level=level, method="wilson")
            row.update(conversion=adv / n, ci_low=ci.low, ci_high=ci.high)
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(stages[:-1], name="stage"))
    table["cumulative"] = table["conversion"].cumprod()
    return table


@renamed_parameters(snapshot="observation_end")
def time_in_stage(
    opportunities: pd.DataFrame,
    observation_end,
    stages=FUNNEL_STAGES,
    lost_col: str = "lost",
    quantiles=(0.25, 0.5, 0.75),
) -> pd.DataFrame:
    """Days an opportunity spends in each stage before it advances: quantiles.

    Among the opportunities that eventually advance, the time to advance has the distribution
    ``F(t) / F(inf)``, with ``F`` the Aalen-Johansen cumulative incidence of "advanced"
    (see :func:`stage_conversion`). Its quantiles use the open opportunities too: the plain
    median of the advances seen so far is too short, because the slow advances of recent
    opportunities have not happened yet.

    Parameters
    ----------
    opportunities, observation_end, stages, lost_col
        As in :func:`stage_conversion`.
    quantiles : sequence of float
        Levels in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per stage (all but the last): ``advanced`` (advances observed) and one column
        per quantile named like ``describe()`` (``"25%"``, ``"50%"``, ``"75%"``), in days;
        missing for a stage without advances.

    Raises
    ------
    ParameterError
        If a quantile is not in (0, 1).
    DataValidationError
        For inconsistent dates (see :func:`stage_outcomes`).

    Examples
    --------
    >>> opps = pd.DataFrame(
    ...     {"opened": pd.to_datetime(["2024-01-01"] * 4),
    ...      "won": pd.to_datetime(["2024-01-03", "2024-01-05", "2024-01-11", None]),
    ...      "lost": pd.to_datetime([None, None, None, "2024-01-09"])})
    >>> t = time_in_stage(opps, "2024-01-31", stages=["opened", "won"])
    >>> t.loc["opened", ["advanced", "25%", "50%", "75%"]].tolist()
    [3.0, 2.0, 4.0, 10.0]
    """
    if np.ndim(quantiles) == 0:  # one level given on its own
        quantiles = [quantiles]
    qs = [check_number("quantiles", q, 0, 1, low_open=True, high_open=True) for q in quantiles]
    stages = list(stages)
    out = stage_outcomes(opportunities, observation_end, stages, lost_col)
    names = [f"{100 * q:g}%" for q in qs]
    rows = []
    for cur in stages[:-1]:
        g = out[out["stage"] == cur]
        event = g["outcome"].map({"advanced": 1, "lost": 2, "open": 0}).to_numpy()
        row = {"advanced": int((event == 1).sum())}
        if row["advanced"]:
            times, cif, _ = _aalen_johansen(g["days"].to_numpy(float), event)
            share = cif / cif[-1]
            for name, q in zip(names, qs, strict=True):
                row[name] = float(times[np.searchsorted(share, q - 1e-12)])
        rows.append(row)
    return pd.DataFrame(
        rows, index=pd.Index(stages[:-1], name="stage"), columns=["advanced", *names]
    )


@renamed_parameters(snapshot="observation_end")
def new_customer_growth(
    opportunities: pd.DataFrame,
    observation_end,
    date_col: str = "contract",
    freq: str = "M",
    start=None,
) -> pd.DataFrame:
    """New customers (contracts signed) per period and the period-over-period growth rate.

    Only complete periods are kept: a period that the snapshot cuts short would look like a
    fall in new customers.

    Parameters
    ----------
    opportunities : pandas.DataFrame
        One row per opportunity with the date it became a customer in ``date_col`` (empty if
        it did not, or not yet).
    observation_end : date-like
        The date the data describe (old name ``snapshot``, which still works).
    date_col : str
        Column with the contract date.
    freq : {"M", "Q", "Y"}
        Month, quarter or year.
    start : date-like, optional
        First period to count from (default: the period of the first contract).

    Returns
    -------
    pandas.DataFrame
        Indexed by period: ``new_customers`` (count, periods without any included as 0) and
        ``growth_rate`` = (this period − previous) / previous (missing for the first period
        and after a period with none).

    Raises
    ------
    ParameterError
        For an unknown ``freq``.
    DataValidationError
        If the column is missing, holds non-dates or dates after ``observation_end``, or no contract
        falls in a complete period.

    Examples
    --------
    >>> opps = pd.DataFrame({"contract": pd.to_datetime(
    ...     ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10", "2024-02-28",
    ...      "2024-03-02", "2024-04-01", None])})
    >>> new_customer_growth(opps, "2024-04-15")  # April is not complete yet
             new_customers  growth_rate
    2024-01              2          NaN
    2024-02              3     0.500000
    2024-03              1    -0.666667
    """
    if freq not in _FREQS:
        raise ParameterError(f"freq={freq!r} is not one of {list(_FREQS)} (month, quarter, year)")
    check_frame(opportunities, "opportunities")
    require_columns(opportunities, {"date_col": date_col}, "opportunities")
    snap = check_date("observation_end", observation_end)
    dates = _dates(opportunities, date_col)
    late = (dates > snap).to_numpy()
    if late.any():
        raise DataValidationError(
            f"column {date_col!r} has {late.sum()} date(s) after observation_end {snap.date()} "
            f"({rows(opportunities.index, late)}); move observation_end or remove those dates"
        )
    periods = dates.dropna().dt.to_period(freq)
    last = snap.to_period(freq)
    if snap < last.end_time.normalize():  # the snapshot's own period is incomplete
        last = last - 1
    first = pd.Period(check_date("start", start), freq) if start is not None else None
    if len(periods) == 0 or (first or periods.min()) > last:
        raise DataValidationError(
            f"column {date_col!r} has no contract in a complete {_FREQS[freq]} up to "
            f"observation_end {snap.date()}; check the column and observation_end"
        )
    span = pd.period_range(first or periods.min(), last, freq=freq)
    counts = periods.value_counts().reindex(span, fill_value=0).astype(int)
    prev = counts.shift(1)
    growth = ((counts - prev) / prev).where(prev > 0)
    return pd.DataFrame({"new_customers": counts, "growth_rate": growth}, index=span)


@renamed_parameters(confidence="confidence_level")
def growth_trend(counts, confidence_level: float = 0.95) -> pd.Series:
    """Average growth rate per period of a series of counts, from a log-linear trend.

    Fits ``E[count_t] = exp(a + b t)`` by Poisson maximum likelihood (scikit-learn's
    ``PoissonRegressor`` without penalty) and reports the compound growth per period
    ``exp(b) - 1``: steadier than period-over-period rates, which jump with every noisy month.
    The interval is the Wald interval for ``b`` (observed Fisher information), transformed.

    Parameters
    ----------
    counts : pandas.Series, array-like or the DataFrame of :func:`new_customer_growth`
        Counts per consecutive period (its ``new_customers`` column for a DataFrame).
    confidence_level : float
        Level of the interval, in (0, 1).

    Returns
    -------
    pandas.Series
        ``rate`` (growth per period), ``ci_low``, ``ci_high`` and ``periods`` (number used).

    Raises
    ------
    DataValidationError
        If there are fewer than 3 periods; counts that are negative, missing or not numbers;
        no count above 0; or every new customer in the first or the last period (the growth
        rate would be infinite).
    ConvergenceError
        If the fit still does not give a finite rate.
    ParameterError
        If ``confidence_level`` is not in (0, 1).

    Examples
    --------
    Counts that double every period grow at exactly 100% per period:

    >>> round(float(growth_trend([10, 20, 40, 80])["rate"]), 6)
    1.0
    """
    from sklearn.linear_model import PoissonRegressor

    level = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    if isinstance(counts, pd.DataFrame):
        check_columns(counts, ["new_customers"], "counts")
        counts = counts["new_customers"]
    y = numeric_values(counts, "counts", low=0).to_numpy()
    if len(y) < 3:
        raise DataValidationError(
            f"counts has {y.size} value(s); a trend needs at least 3 consecutive periods"
        )
    positive = np.flatnonzero(y > 0)
    if len(positive) == 0:
        raise DataValidationError(
            "counts are all 0; there is no growth to measure (fill periods without new "
            "customers with 0, but at least one period needs some)"
        )
    if len(positive) == 1 and positive[0] in (0, len(y) - 1):
        # All new customers in the first (or last) period: the fitted trend runs off to an
        # infinite rate, the maximum-likelihood estimate does not exist.
        raise DataValidationError(
            f"all new customers are in the {'first' if positive[0] == 0 else 'last'} of the "
            f"{len(y)} periods; a growth rate cannot be estimated from that (it would be "
            "infinite): use more periods, or report the counts themselves"
        )
    t = np.arange(len(y), dtype=float)
    centred = (t - t.mean()).reshape(-1, 1)  # centring keeps the optimiser well conditioned
    fit = PoissonRegressor(alpha=0.0, tol=1e-10, max_iter=10_000).fit(centred, y)
    slope = float(fit.coef_[0])
    mu = fit.predict(centred)
    design = np.column_stack([np.ones_like(t), centred[:, 0]])
    cov = np.linalg.inv(design.T @ (mu[:, None] * design))
    half = norm.ppf(0.5 + level / 2) * np.sqrt(cov[1, 1])
    if not (np.isfinite(slope) and np.isfinite(half)):
        raise ConvergenceError(
            "the Poisson trend did not converge to a finite growth rate; check the counts "
            "(a run of zeros at one end makes the rate run off), or use more periods"
        )
    return pd.Series(
        {
            "rate": np.expm1(slope),
            "ci_low": np.expm1(slope - half),
            "ci_high": np.expm1(slope + half),
            "periods": len(y),
        }
    )


def plot_funnel(
    conversion: pd.DataFrame,
    ax: Axes | None = None,
    compare: pd.DataFrame | None = None,
    compare_label: str = "naive",
    **kwargs,
) -> Axes:
    """Draw the funnel: one centred bar per stage, as wide as the share that reaches it.

    Parameters
    ----------
    conversion : pandas.DataFrame
        Output of :func:`stage_conversion`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made when missing.
    compare : pandas.DataFrame, optional
        A second :func:`stage_conversion` table (e.g. ``method="naive"``) drawn as outlines.
    compare_label : str
        Legend label of ``compare``.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh` for the main bars (``color``, ``alpha``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DataValidationError
        If the table lacks the ``to``, ``conversion`` or ``cumulative`` columns.
    """
    import matplotlib.pyplot as plt

    for table in (conversion, *([compare] if compare is not None else [])):
        check_columns(table, ["to", "conversion", "cumulative"], "the conversion table")
    ax = plt.subplots(figsize=(8, 4.5))[1] if ax is None else ax

    def shares(table):
        labels = [str(table.index[0]), *table["to"].astype(str)]
        return labels, np.concatenate([[1.0], table["cumulative"].to_numpy(float)])

    labels, width = shares(conversion)
    y = np.arange(len(labels))[::-1]
    style = {"color": "#2f6690", "alpha": 0.85, "label": "estimated", **kwargs}
    ax.barh(y, width, left=(1 - width) / 2, height=0.7, **style)
    if compare is not None:
        _, other = shares(compare)
        ax.barh(
            y,
            other,
            left=(1 - other) / 2,
            height=0.7,
            fill=False,
            edgecolor="#c73e1d",
            lw=1.5,
            ls="--",
            label=compare_label,
        )
    for yi, w in zip(y, width, strict=True):
        ax.text(0.5, yi, f"{w:.1%}", ha="center", va="center", color="white", weight="bold")
    for yi, conv in zip(y[1:], conversion["conversion"], strict=True):
        ax.text(1.02, yi + 0.5, f"↓ {conv:.0%}", va="center", color="#444444", fontsize=9)
    ax.set_yticks(y, [lab.replace("_", " ") for lab in labels])
    ax.set_xlim(0, 1.12)
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title("Funnel: share of opportunities reaching each stage")
    ax.legend(loc="lower right", fontsize=9)
    return ax


def new_customer_share(
    volumes: pd.DataFrame,
    new_within: int = 12,
    customer_col: str = "customer_id",
    period_col: str = "month",
    acquired_col: str = "acquired",
    volume_col: str = "volume",
) -> pd.DataFrame:
    """New customers' share of volume per period: the curriculum's second market-development KPI.

    A customer counts as new in a period when it was won at most ``new_within`` periods
    before it. The KPI is their volume divided by the whole volume of the period.

    Parameters
    ----------
    volumes : pandas.DataFrame
        One row per customer and period, with the period (a pandas Period, e.g. monthly), the
        period the customer was won and the volume.
    new_within : int
        How many periods a customer stays "new" (12 months: customers won in the last year).
    customer_col, period_col, acquired_col, volume_col : str

    Returns
    -------
    pandas.DataFrame
        Indexed by period: ``volume``, ``new_volume``, ``new_share``, ``new_customers``
        (customers who count as new and ordered).

    Raises
    ------
    DataValidationError
        Missing columns, periods that are not pandas Periods of one frequency, negative or
        missing volumes, or a customer ordering before it was won.

    Examples
    --------
    >>> v = pd.DataFrame({"customer_id": ["a", "b", "b", "a"],
    ...                   "month": pd.PeriodIndex(["2024-01", "2024-01", "2024-02", "2024-02"],
    ...                                           freq="M"),
    ...                   "acquired": pd.PeriodIndex(["2020-01", "2023-12", "2023-12", "2020-01"],
    ...                                              freq="M"),
    ...                   "volume": [30, 10, 20, 20]})
    >>> new_customer_share(v, new_within=1)["new_share"].tolist()  # b is new only in January
    [0.25, 0.0]
    """
    new_within = check_int("new_within", new_within, 0)
    check_columns(volumes, [customer_col, period_col, acquired_col, volume_col], "volumes")
    for col in (period_col, acquired_col):
        if not isinstance(volumes[col].dtype, pd.PeriodDtype):
            raise DataValidationError(
                f"column {col!r} of volumes must hold pandas Periods (dtype {volumes[col].dtype}); "
                f"convert it with pd.PeriodIndex(df[{col!r}], freq='M') or "
                f"df[{col!r}].dt.to_period('M')"
            )
    if volumes[period_col].dtype != volumes[acquired_col].dtype:
        raise DataValidationError(
            f"columns {period_col!r} and {acquired_col!r} have different frequencies "
            f"({volumes[period_col].dtype}, {volumes[acquired_col].dtype}); use one"
        )
    v = numeric_values(volumes[volume_col], volume_col)
    negative = (v < 0).to_numpy()
    if negative.any():
        raise DataValidationError(
            f"column {volume_col!r} of volumes has {int(negative.sum())} negative value(s) "
            f"({rows(volumes.index, negative, volumes[volume_col])}); net returns first"
        )
    age = (volumes[period_col] - volumes[acquired_col]).map(lambda d: d.n).to_numpy()
    early = age < 0
    if early.any():
        raise DataValidationError(
            f"{int(early.sum())} row(s) of volumes order before the customer was won "
            f"({rows(volumes.index, early)}); check {acquired_col!r}"
        )
    is_new = age <= new_within
    d = pd.DataFrame(
        {
            "period": volumes[period_col].to_numpy(),
            "volume": v.to_numpy(dtype=float),
            "new_volume": np.where(is_new, v.to_numpy(dtype=float), 0.0),
            "new_customer": np.where(is_new, volumes[customer_col].to_numpy(), None),
        }
    )
    g = d.groupby("period", sort=True)
    out = pd.DataFrame(
        {
            "volume": g["volume"].sum(),
            "new_volume": g["new_volume"].sum(),
            "new_customers": g["new_customer"].nunique(),
        }
    )
    out.insert(2, "new_share", out["new_volume"] / out["volume"].where(out["volume"] > 0))
    out.index.name = period_col
    return out
