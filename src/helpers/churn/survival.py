"""Churn as time-to-event: survival tables, Kaplan-Meier, Cox and Weibull models, survival CLV.

Survival analysis is lifelines' (Kaplan-Meier, log-rank, Cox, Weibull AFT) and the
classifiers are scikit-learn's; this module holds only the CRM glue no library has: turning
subscription records into durations with honest censoring, snapshot features without
leakage, churn risk at a horizon, alerts with their causes, value at risk and the targeting
decision.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter, WeibullAFTFitter
from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError
from lifelines.statistics import multivariate_logrank_test

from helpers.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    ParameterError,
)
from helpers.validation import (
    CONFIDENCE_FROM_ALPHA,
    DEFAULT_TIME_UNIT,
    TIME_UNITS,
    binary_column,
    check_columns,
    check_date,
    check_int,
    check_is_fitted,
    check_number,
    check_time_unit,
    date_column,
    numeric_column,
    renamed_parameters,
    rows,
)

__all__ = [
    "check_proportional_hazards",
    "churn_risk",
    "fit_cox",
    "fit_weibull",
    "kaplan_meier_by_group",
    "logrank",
    "survival_clv",
    "survival_table",
]


@renamed_parameters(id_col="customer_col")
def survival_table(
    subscriptions: pd.DataFrame,
    start_col: str = "start_date",
    end_col: str = "end_date",
    observation_end=None,
    time_unit: str = DEFAULT_TIME_UNIT,
    customer_col: str | None = None,
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Durations and churn events of subscriptions observed up to ``observation_end``.

    ``event`` is 1 when the subscription ended on or before ``observation_end`` and 0 when the
    customer was still active then (censored at ``observation_end``); an end date after
    ``observation_end`` (a cancellation already announced, say) counts as still active. Only
    an empty end date means "no end": an end date that cannot be read is an error, never
    "still active".

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        One row per customer with start and (possibly missing) end dates.
    start_col, end_col : str
        Date columns, read by :func:`helpers.validation.date_column`: datetime64 (with a time
        zone: the local wall-clock date), ISO text, ``05/01/2024`` in the order the column
        shows; numbers (20240105, Excel serial days) only with ``date_format``.
    observation_end : date-like
        The date the data describe (with a time zone: its local wall-clock date).
    time_unit : {"D", "W", "M"}
        Unit of ``duration``: days, weeks, months (30.4375 days).
    customer_col : str, optional
        Column with the customer id (``id_col`` is its old name); by default the index
        must be unique.
    date_format : str, optional
        strftime pattern of both date columns (``"%d.%m.%Y"``), or ``"%Y%m%d"`` / ``"excel"``
        for dates stored as numbers.
    dayfirst : bool, optional
        For dates such as 05/01/2024 when no day above 12 shows the order.

    Returns
    -------
    pandas.DataFrame
        A copy of the input with ``duration`` and ``event`` added; the input is not modified.

    Raises
    ------
    DataValidationError
        Naming the rows, for: a missing start date, a start or end date that cannot be read
        (or is a number, or is ambiguous), an end before the start, a start after
        ``observation_end``, duplicated customer ids.
    """
    check_columns(subscriptions, [start_col, end_col, *([customer_col] if customer_col else [])])
    if observation_end is None:
        raise ParameterError("observation_end is required: the date the data describe")
    obs = check_date("observation_end", observation_end)
    check_time_unit(time_unit)
    ids = subscriptions[customer_col] if customer_col else subscriptions.index.to_series()
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataValidationError(
            f"{'column ' + repr(customer_col) if customer_col else 'the index'} has duplicated "
            f"customer ids ({rows(subscriptions.index, dup)}); one row per customer is needed "
            "— keep each customer's latest subscription or give each subscription its own id"
        )
    # Unreadable dates are errors naming the rows; only an empty end date means "no end yet".
    dates = {"date_format": date_format, "dayfirst": dayfirst, "allow_missing": True}
    start = date_column(subscriptions, start_col, "subscriptions", **dates)
    end = date_column(subscriptions, end_col, "subscriptions", **dates)
    missing = start.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {start_col!r} has {missing.sum()} missing or unreadable start date(s) "
            f"({rows(subscriptions.index, missing)}); every subscription needs a start date"
        )
    late = (start > obs).to_numpy()
    if late.any():
        raise DataValidationError(
            f"column {start_col!r} has {late.sum()} start date(s) after observation_end "
            f"{obs.date()} ({rows(subscriptions.index, late)}); those customers had not "
            "joined yet: remove them or move observation_end"
        )
    backwards = (end < start).to_numpy()
    if backwards.any():
        raise DataValidationError(
            f"column {end_col!r} has {backwards.sum()} end date(s) before the start "
            f"({rows(subscriptions.index, backwards)}); fix the dates at the source"
        )
    event = end.notna() & (end <= obs)
    stop = end.where(event, obs)
    out = subscriptions.copy()
    out["duration"] = (stop - start).dt.days / TIME_UNITS[time_unit]
    out["event"] = event.astype(int)
    return out


#: What the event column's values mean, for messages.
_EVENT = "1 = churned (event), 0 = still active (censored)"

#: A covariate whose effect on the log hazard (or log time) per standard deviation exceeds this
#: (a factor of about 1,100) has run off: it (nearly) separates churners from the others.
_MAX_EFFECT_PER_SD = 7.0


def _durations_events(df: pd.DataFrame, duration_col: str, event_col: str, what: str):
    """Checked durations (numbers, finite, >= 0) and events (0/1 or True/False)."""
    duration = numeric_column(df, duration_col, what, low=0)
    event = binary_column(df, event_col, what, meaning=_EVENT)
    return duration, event


def _covariates(df: pd.DataFrame, covariates: list[str], what: str = "data") -> None:
    for col in covariates:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise DataValidationError(
                f"covariate {col!r} is not numeric ({df[col].dtype}); encode categories as "
                "0/1 columns first (pd.get_dummies, or helpers.simulate.design_matrix)"
            )
        numeric_column(df, col, what)  # missing and infinite values


def _group_column(df: pd.DataFrame, group_col: str, what: str) -> None:
    missing = df[group_col].isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {group_col!r} of {what} has {int(missing.sum())} missing value(s) "
            f"({rows(df.index, missing)}); those customers would silently be left out: fill "
            "them (e.g. with 'unknown', a group of their own) or remove those rows"
        )


def _identifiable(
    df: pd.DataFrame, covariates: list[str], event: np.ndarray, event_col: str, what: str, model
) -> None:
    """Refuse, before fitting, data that cannot identify a survival regression."""
    if not event.any():
        raise ConvergenceError(
            f"{model}: column {event_col!r} of {what} has no churn event (all {len(event)} "
            f"rows are 0, censored), so no hazard can be estimated; check the coding ({_EVENT}) "
            "or observe the customers for longer"
        )
    for col in covariates:
        values = df[col].to_numpy()
        if len(values) and np.all(values == values[0]):
            first = df[col].iloc[:1].tolist()[0]
            raise ConvergenceError(
                f"{model}: covariate {col!r} has the same value ({first!r}) in every row of "
                f"{what}, so its effect cannot be estimated; drop it from covariates"
            )


def _fit_lifelines(fitter, data: pd.DataFrame, covariates: list[str], model: str, fix: str, **kw):
    """Fit a lifelines regression model; its convergence failures, and covariates whose effect
    runs off (separation), become a ConvergenceError naming the covariates and the fix. The
    library's warnings are passed on only when the fit stands."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitted = fitter.fit(data, **kw)
        except LifelinesConvergenceError as why:
            raise ConvergenceError(
                f"{model} did not converge ({str(why).split('.')[0]}); the covariates are "
                f"probably collinear (e.g. a dummy for every category: leave one out as the "
                f"reference) or one (nearly) separates churners from the others: {fix}"
            ) from None
    summary = fitted.summary
    coef = summary["coef"]
    se = summary["se(coef)"]
    if isinstance(coef.index, pd.MultiIndex):  # parametric models: (parameter, covariate)
        keep = coef.index.get_level_values(-1) != "Intercept"
        coef, se = coef[keep], se[keep]
        names = coef.index.get_level_values(-1)
    else:
        names = coef.index
    sd = data[list(names)].std().to_numpy()
    effect = np.abs(coef.to_numpy()) * sd
    spread = se.to_numpy() * sd
    off = ~np.isfinite(effect) | ~np.isfinite(spread)
    off |= (effect > _MAX_EFFECT_PER_SD) | (spread > _MAX_EFFECT_PER_SD)
    if off.any():
        shown = ", ".join(
            f"{n!r} (coefficient {c:.3g}, standard error {s:.3g})"
            for n, c, s, o in zip(names, coef, se, off, strict=True)
            if o
        )
        raise ConvergenceError(
            f"{model}: the effect of covariate(s) {shown} runs off: such a covariate (nearly) "
            f"separates the customers who churned from the others, or is almost constant; {fix}"
        )
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return fitted


def fit_cox(
    df: pd.DataFrame,
    covariates: list[str],
    duration_col: str = "duration",
    event_col: str = "event",
    strata: list[str] | None = None,
    penalizer: float = 0.0,
) -> CoxPHFitter:
    """Fit a Cox proportional-hazards model with lifelines; returns the fitted CoxPHFitter.

    ``strata`` lets each stratum have its own baseline hazard — the remedy when a covariate
    breaks the proportional-hazards assumption.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer: the duration, the event and the covariates.
    covariates : list of str
        Numeric columns (0/1 columns for categories), without missing values.
    duration_col : str
        Time from the start to churn or to the end of observation: numbers >= 0.
    event_col : str
        1 (or True) if the customer churned, 0 (or False) if still active (censored). Any
        other coding is refused, e.g. R's 1 = censored, 2 = event.
    strata : list of str, optional
        Columns whose values each get their own baseline hazard (no missing values).
    penalizer : float
        lifelines' L2 penalty on the coefficients (>= 0).

    Returns
    -------
    lifelines.CoxPHFitter

    Raises
    ------
    DataValidationError
        A missing column; non-numeric, missing, infinite or negative durations; an event
        column that is not 0/1 (the message shows the values found and how to recode them);
        a non-numeric covariate, or missing or infinite covariate values; missing strata.
    ConvergenceError
        No churn event at all, a covariate with one value in every row, collinear
        covariates, or a covariate whose effect runs off (separation).

    Examples
    --------
    >>> df = pd.DataFrame({"x": [0, 1, 0, 1, 0, 1, 1, 0], "duration": [5, 2, 8, 3, 6, 4, 9, 1],
    ...                    "status": [1, 2, 2, 2, 1, 2, 1, 2]})
    >>> fit_cox(df, ["x"], event_col="status")
    Traceback (most recent call last):
    ...
    helpers.exceptions.DataValidationError: column 'status' of the table passed to fit_cox \
holds 5 value(s) other than 0 and 1 (rows 1, 2, 3, 5, 7); the values found are [1, 2]. It must \
be 0 or 1 (1 = churned (event), 0 = still active (censored)) or True/False. A 1/2 coding (R's \
survival: 1 = censored, 2 = event; SPSS: 1 = no, 2 = yes) is recoded with df['status'] = \
(df['status'] == 2).astype(int)
    """
    strata = list(strata or [])
    what = "the table passed to fit_cox"
    check_columns(df, [duration_col, event_col, *covariates, *strata], what)
    check_number("penalizer", penalizer, 0)
    _covariates(df, covariates, what)
    for col in strata:
        _group_column(df, col, what)
    _, event = _durations_events(df, duration_col, event_col, what)
    _identifiable(df, covariates, event, event_col, what, "fit_cox")
    data = df[[*covariates, *strata, duration_col, event_col]]
    return _fit_lifelines(
        CoxPHFitter(penalizer=penalizer),
        data,
        covariates,
        "fit_cox",
        "drop or merge the covariate(s), or pass a penalizer (e.g. penalizer=0.1)",
        duration_col=duration_col,
        event_col=event_col,
        strata=strata or None,
    )


def fit_weibull(
    df: pd.DataFrame, covariates: list[str], duration_col="duration", event_col="event"
) -> WeibullAFTFitter:
    """Weibull accelerated-failure-time model (lifelines), for projecting beyond the data.

    A Weibull lifetime is positive, so durations must be > 0 for the customers who churned. A
    customer still active at duration 0 (joined on the observation date) carries no
    information (surviving to time 0 is certain): such rows are left out of the fit, with a
    :class:`~helpers.exceptions.DataQualityWarning` that counts them.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer: the duration, the event and the covariates.
    covariates : list of str
        Numeric columns (0/1 columns for categories), without missing values.
    duration_col : str
        Time from the start to churn or to the end of observation: numbers >= 0, and > 0
        where the customer churned.
    event_col : str
        1 (or True) if the customer churned, 0 (or False) if still active.

    Returns
    -------
    lifelines.WeibullAFTFitter

    Raises
    ------
    DataValidationError
        As :func:`fit_cox`, and a churn at duration 0.
    ConvergenceError
        As :func:`fit_cox`.
    """
    what = "the table passed to fit_weibull"
    check_columns(df, [duration_col, event_col, *covariates], what)
    _covariates(df, covariates, what)
    duration, event = _durations_events(df, duration_col, event_col, what)
    zero = duration == 0
    bad = zero & event
    if bad.any():
        raise DataValidationError(
            f"column {duration_col!r} of {what} is 0 for {int(bad.sum())} customers who churned "
            f"({rows(df.index, bad)}); a Weibull lifetime is positive: measure durations in a "
            "finer unit (days rather than months), or, for same-day cancellations, set their "
            "duration to a small positive value yourself (e.g. half a day) and say so"
        )
    keep = ~zero
    if zero.any():
        warnings.warn(
            f"fit_weibull: {int(zero.sum())} customer(s) still active at duration 0 "
            f"({rows(df.index, zero)}) carry no information for a Weibull model (surviving to "
            "time 0 is certain) and are left out of the fit",
            DataQualityWarning,
            stacklevel=2,
        )
    _identifiable(df[keep], covariates, event[keep], event_col, what, "fit_weibull")
    data = df.loc[keep, [*covariates, duration_col, event_col]]
    return _fit_lifelines(
        WeibullAFTFitter(),
        data,
        covariates,
        "fit_weibull",
        "drop or merge the covariate(s)",
        duration_col=duration_col,
        event_col=event_col,
    )


def _fitted_survival_model(model, function: str) -> list[str]:
    """The columns a fitted lifelines regression model needs to predict (covariates and
    strata); refuses anything else."""
    if type(model).__module__.startswith("lifelines"):
        check_is_fitted(model, "params_")
    if not (hasattr(model, "predict_survival_function") and hasattr(model, "params_")):
        raise ParameterError(
            f"{function}: model must be a fitted lifelines regression model (fit_cox or "
            f"fit_weibull), got {type(model).__name__}"
        )
    index = model.params_.index
    names = index.get_level_values(-1) if isinstance(index, pd.MultiIndex) else index
    columns = list(dict.fromkeys(c for c in names if c != "Intercept"))
    strata = getattr(model, "strata", None)
    if strata:
        columns += [strata] if isinstance(strata, str) else list(strata)
    return columns


@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA)
def check_proportional_hazards(
    model: CoxPHFitter,
    df: pd.DataFrame,
    duration_col: str = "duration",
    event_col: str = "event",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Test each covariate of a fitted Cox model for non-proportional hazards.

    Uses lifelines' scaled-Schoenfeld-residual test against the rank of time. With many
    covariates some p-values fall below ``1 - confidence_level`` by chance: a flag is a reason
    to look at the covariate (and at a residual plot), not a verdict.

    ``confidence_level`` replaces the old ``alpha`` (``alpha=0.05`` still works, as 0.95).

    Parameters
    ----------
    model : lifelines.CoxPHFitter
        Fitted with :func:`fit_cox`.
    df : pandas.DataFrame
        The table it was fitted on (columns may be named differently from the fit: name them
        with ``duration_col`` and ``event_col``).
    duration_col, event_col : str
        Durations (numbers >= 0) and events (0/1) in ``df``.
    confidence_level : float
        In (0, 1); covariates with p < 1 - confidence_level are flagged.

    Returns
    -------
    pandas.DataFrame
        Per covariate, sorted by p: ``test_statistic``, ``p``, ``flagged``
        (p < 1 - confidence_level) and the ``remedy`` to try for a flagged one — stratify on
        it (``fit_cox(..., strata=[col])``) for a categorical covariate, or add its interaction
        with time for a numeric one.

    Raises
    ------
    ParameterError
        A model that is not a fitted Cox model, or a confidence level outside (0, 1).
    DataValidationError
        As :func:`fit_cox`, for the table.
    """
    from lifelines.statistics import proportional_hazard_test

    cl = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    a = round(1.0 - cl, 12)  # the test's significance level; rounded so 0.95 gives 0.05
    if not isinstance(model, CoxPHFitter):
        raise ParameterError(
            "check_proportional_hazards: model must be a fitted Cox model (fit_cox), got "
            f"{type(model).__name__}"
        )
    needed = _fitted_survival_model(model, "check_proportional_hazards")
    covariates = list(model.params_.index)
    what = "the table passed to check_proportional_hazards"
    check_columns(df, [duration_col, event_col, *needed], what)
    _covariates(df, covariates, what)
    _durations_events(df, duration_col, event_col, what)
    # lifelines reads the columns by the names the model was fitted with.
    data = df[[*needed, duration_col, event_col]].set_axis(
        [*needed, model.duration_col, model.event_col], axis=1
    )
    test = proportional_hazard_test(model, data, time_transform="rank").summary
    out = test[["test_statistic", "p"]].copy()
    out.index.name = "covariate"
    out["flagged"] = out["p"] < a
    binary = {c: set(np.unique(df[c])) <= {0, 1} for c in covariates}
    out["remedy"] = [
        ("stratify on the variable" if binary[c] else "add covariate × time interaction")
        if f
        else ""
        for c, f in zip(out.index, out["flagged"], strict=True)
    ]
    return out.sort_values("p")


def kaplan_meier_by_group(
    df: pd.DataFrame, group_col: str, duration_col="duration", event_col="event"
) -> dict[str, KaplanMeierFitter]:
    """One fitted Kaplan-Meier estimator (with 95% bands) per group, in sorted group order.

    Raises
    ------
    DataValidationError
        A missing column; missing group labels; non-numeric, missing, infinite or negative
        durations; an event column that is not 0/1.
    """
    what = "the table passed to kaplan_meier_by_group"
    check_columns(df, [group_col, duration_col, event_col], what)
    _group_column(df, group_col, what)
    _durations_events(df, duration_col, event_col, what)
    out = {}
    for name, g in df.groupby(group_col, sort=True, observed=True):
        out[str(name)] = KaplanMeierFitter(label=str(name)).fit(g[duration_col], g[event_col])
    return out


def logrank(df: pd.DataFrame, group_col: str, duration_col="duration", event_col="event"):
    """Log-rank test that the groups share one survival curve (lifelines' result object).

    Raises
    ------
    DataValidationError
        As :func:`kaplan_meier_by_group`, and fewer than two groups.
    """
    what = "the table passed to logrank"
    check_columns(df, [group_col, duration_col, event_col], what)
    _group_column(df, group_col, what)
    _durations_events(df, duration_col, event_col, what)
    groups = df[group_col].nunique()
    if groups < 2:
        raise DataValidationError(
            f"column {group_col!r} of {what} has {groups} group(s); the log-rank test compares "
            "two or more groups"
        )
    return multivariate_logrank_test(df[duration_col], df[group_col], df[event_col])


def _prediction_table(model, df: pd.DataFrame, duration_col: str, function: str) -> None:
    """Check the table a fitted model predicts for: the model's columns, numeric covariates
    without missing values, and tenures that are numbers >= 0."""
    needed = _fitted_survival_model(model, function)
    what = f"the table passed to {function}"
    check_columns(df, [duration_col, *needed], what)
    strata = getattr(model, "strata", None) or []
    strata = [strata] if isinstance(strata, str) else list(strata)
    _covariates(df, [c for c in needed if c not in strata], what)
    for col in strata:
        _group_column(df, col, what)
    numeric_column(df, duration_col, what, low=0)


def churn_risk(model, df: pd.DataFrame, horizon: float, duration_col="duration") -> pd.Series:
    """P(churn within ``horizon`` | still active after ``duration``) per customer.

    Computed as ``1 - S(t + h | x) / S(t | x)`` from a fitted lifelines regression model
    (Cox or Weibull AFT), with ``t`` the customer's current tenure.

    Parameters
    ----------
    model : lifelines regression model
        From :func:`fit_cox` or :func:`fit_weibull`.
    df : pandas.DataFrame
        The customers: current tenure and the model's covariates (and strata).
    horizon : float
        In the time unit the model was fitted in, > 0.
    duration_col : str
        Current tenure (numbers >= 0).

    Returns
    -------
    pandas.Series
        Indexed like ``df``.

    Raises
    ------
    ParameterError
        A horizon that is not a positive number, or a model that is not a fitted lifelines
        regression model.
    NotFittedError
        A model that is not fitted.
    DataValidationError
        A missing column (the tenure or a covariate of the model), non-numeric, missing or
        infinite covariates, or tenures that are missing, infinite or negative.
    """
    h = check_number("horizon", horizon, 0, low_open=True)
    _prediction_table(model, df, duration_col, "churn_risk")
    surv = model.predict_survival_function(df, times=[h], conditional_after=df[duration_col])
    return pd.Series(1 - surv.to_numpy()[0], index=df.index, name="churn_risk")


def survival_clv(
    model,
    df: pd.DataFrame,
    margin: float | pd.Series,
    months: int = 36,
    annual_discount_rate: float = 0.10,
    duration_col: str = "duration",
) -> pd.Series:
    """Discounted expected margin over the survival curve, per active subscriber.

    ``CLV = sum_{m=1..months} margin * S(t + m | x) / S(t | x) / (1 + d)^(m / 12)``: the margin
    of month ``m`` arrives if the customer is still there, given tenure ``t`` (in months, the
    unit the model was fitted in).

    Parameters
    ----------
    model : lifelines regression model
        From :func:`fit_cox` or :func:`fit_weibull`, fitted on durations in months.
    df : pandas.DataFrame
        The active customers: tenure in ``duration_col`` and the model's covariates.
    margin : float or pandas.Series
        Margin per month: one number, or one per customer (indexed like ``df``).
    months : int
        Number of months counted, 1..600.
    annual_discount_rate : float
        Discount rate per year, as a fraction in [0, 1) (0.10 for 10%).
    duration_col : str
        Current tenure in months.

    Returns
    -------
    pandas.Series
        Indexed like ``df``.

    Raises
    ------
    ParameterError
        Months that are not a whole number in 1..600, a discount rate outside [0, 1), a
        margin that is not a number, or a model that is not a fitted lifelines regression model.
    DataValidationError
        As :func:`churn_risk`, and a margin Series that misses customers of ``df`` or has
        missing values.
    """
    months = check_int("months", months, 1, 600)
    d = check_number(
        "annual_discount_rate",
        annual_discount_rate,
        0,
        1,
        high_open=True,
        fix="it is a rate per year, as a fraction: e.g. 0.10 for 10% a year",
    )
    if isinstance(margin, pd.Series):
        twice = margin.index.duplicated(keep=False)
        if twice.any():
            raise DataValidationError(
                f"margin has more than one value for some customers ({rows(margin.index, twice)}"
                "); pass one margin per customer"
            )
        absent = ~df.index.isin(margin.index)
        if absent.any():
            raise DataValidationError(
                f"margin has no value for {int(absent.sum())} customers of df "
                f"({rows(df.index, absent)}); pass a margin for every customer (a Series "
                "indexed like df) or one number for all"
            )
        per_customer = margin.reindex(df.index).to_frame("margin")
        margin = numeric_column(per_customer, "margin", "the margin Series")
    else:
        margin = check_number("margin", margin)
    _prediction_table(model, df, duration_col, "survival_clv")
    m = np.arange(1, months + 1)
    surv = model.predict_survival_function(df, times=m, conditional_after=df[duration_col])
    disc = (1 + d) ** (-m / 12)
    expected = (surv.to_numpy() * disc[:, None]).sum(axis=0)
    return pd.Series(expected * margin, index=df.index, name="clv")
