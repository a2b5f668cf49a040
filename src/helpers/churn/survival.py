"""Churn as time-to-event: survival tables, Kaplan-Meier, Cox and Weibull models, survival CLV.

Survival analysis is lifelines' (Kaplan-Meier, log-rank, Cox, Weibull AFT) and the
classifiers are scikit-learn's; this module holds only the CRM glue no library has: turning
subscription records into durations with honest censoring, snapshot features without
leakage, churn risk at a horizon, alerts with their causes, value at risk and the targeting
decision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter, WeibullAFTFitter
from lifelines.statistics import multivariate_logrank_test

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import (
    CONFIDENCE_FROM_ALPHA,
    DEFAULT_TIME_UNIT,
    TIME_UNITS,
    check_columns,
    check_date,
    check_number,
    check_time_unit,
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
) -> pd.DataFrame:
    """Durations and churn events of subscriptions observed up to ``observation_end``.

    ``event`` is 1 when the subscription ended on or before ``observation_end`` and 0 when the
    customer was still active then (censored at ``observation_end``); an end date after
    ``observation_end`` (a cancellation already announced, say) counts as still active.

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        One row per customer with start and (possibly missing) end dates.
    start_col, end_col : str
        Date columns.
    observation_end : date-like
        The date the data describe.
    time_unit : {"D", "W", "M"}
        Unit of ``duration``: days, weeks, months (30.4375 days).
    customer_col : str, optional
        Column with the customer id (``id_col`` is its old name); by default the index
        must be unique.

    Returns
    -------
    pandas.DataFrame
        A copy of the input with ``duration`` and ``event`` added; the input is not modified.

    Raises
    ------
    DataValidationError
        Naming the rows, for: a missing start date, an end before the start, a start after
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
    start = pd.to_datetime(subscriptions[start_col], errors="coerce")
    end = pd.to_datetime(subscriptions[end_col], errors="coerce")
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


def _covariates(df: pd.DataFrame, covariates: list[str]) -> None:
    for col in covariates:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise DataValidationError(
                f"covariate {col!r} is not numeric ({df[col].dtype}); encode categories as "
                "0/1 columns first (pd.get_dummies, or helpers.simulate.design_matrix)"
            )
        bad = df[col].isna().to_numpy()
        if bad.any():
            raise DataValidationError(
                f"covariate {col!r} has {bad.sum()} missing value(s) ({rows(df.index, bad)})"
            )


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
    """
    strata = list(strata or [])
    check_columns(df, [duration_col, event_col, *covariates, *strata])
    _covariates(df, covariates)
    check_number("penalizer", penalizer, 0)
    if (df[duration_col] < 0).any():
        raise DataValidationError(f"column {duration_col!r} has negative durations")
    data = df[[*covariates, *strata, duration_col, event_col]]
    return CoxPHFitter(penalizer=penalizer).fit(
        data, duration_col=duration_col, event_col=event_col, strata=strata or None
    )


def fit_weibull(
    df: pd.DataFrame, covariates: list[str], duration_col="duration", event_col="event"
) -> WeibullAFTFitter:
    """Weibull accelerated-failure-time model (lifelines), for projecting beyond the data.

    Durations of 0 are moved to a small positive value (a Weibull lifetime is positive).
    """
    check_columns(df, [duration_col, event_col, *covariates])
    _covariates(df, covariates)
    data = df[[*covariates, duration_col, event_col]].copy()
    data[duration_col] = data[duration_col].clip(lower=1e-3)
    return WeibullAFTFitter().fit(data, duration_col=duration_col, event_col=event_col)


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

    Returns
    -------
    pandas.DataFrame
        Per covariate, sorted by p: ``test_statistic``, ``p``, ``flagged``
        (p < 1 - confidence_level) and the ``remedy`` to try for a flagged one — stratify on
        it (``fit_cox(..., strata=[col])``) for a categorical covariate, or add its interaction
        with time for a numeric one.
    """
    from lifelines.statistics import proportional_hazard_test

    cl = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    a = round(1.0 - cl, 12)  # the test's significance level; rounded so 0.95 gives 0.05
    covariates = list(model.params_.index)
    check_columns(df, [duration_col, event_col, *covariates])
    data = df[[*covariates, duration_col, event_col]]
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
    """One fitted Kaplan-Meier estimator (with 95% bands) per group, in sorted group order."""
    check_columns(df, [group_col, duration_col, event_col])
    out = {}
    for name, g in df.groupby(group_col, sort=True, observed=True):
        out[str(name)] = KaplanMeierFitter(label=str(name)).fit(g[duration_col], g[event_col])
    return out


def logrank(df: pd.DataFrame, group_col: str, duration_col="duration", event_col="event"):
    """Log-rank test that the groups share one survival curve (lifelines' result object)."""
    check_columns(df, [group_col, duration_col, event_col])
    return multivariate_logrank_test(df[duration_col], df[group_col], df[event_col])


def churn_risk(model, df: pd.DataFrame, horizon: float, duration_col="duration") -> pd.Series:
    """P(churn within ``horizon`` | still active after ``duration``) per customer.

    Computed as ``1 - S(t + h | x) / S(t | x)`` from a fitted lifelines regression model
    (Cox or Weibull AFT), with ``t`` the customer's current tenure.
    """
    h = check_number("horizon", horizon, 0, low_open=True)
    check_columns(df, [duration_col])
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
    """
    months = int(check_number("months", months, 1, 600))
    d = check_number("annual_discount_rate", annual_discount_rate, 0)
    m = np.arange(1, months + 1)
    surv = model.predict_survival_function(df, times=m, conditional_after=df[duration_col])
    disc = (1 + d) ** (-m / 12)
    expected = (surv.to_numpy() * disc[:, None]).sum(axis=0)
    margin = margin.reindex(df.index).to_numpy() if isinstance(margin, pd.Series) else margin
    return pd.Series(expected * margin, index=df.index, name="clv")
