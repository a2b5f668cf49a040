"""Churn as time-to-event: survival tables, Cox and Weibull models, early warning, targeting.

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

from .exceptions import DataValidationError, ParameterError
from .params import check_date, check_number
from .rfm import TIME_UNITS

__all__ = [
    "alerts",
    "check_proportional_hazards",
    "churn_risk",
    "fit_cox",
    "fit_weibull",
    "kaplan_meier_by_group",
    "logrank",
    "snapshot_features",
    "survival_clv",
    "survival_table",
    "targeting",
]


def _rows(index: pd.Index, mask) -> str:
    mask = np.asarray(mask)
    shown = ", ".join(str(i) for i in index[mask][:5])
    return f"rows {shown}{', …' if mask.sum() > 5 else ''}"


def _need(df: pd.DataFrame, *cols: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(f"expected a pandas DataFrame, got {type(df).__name__}")
    for col in cols:
        if col not in df.columns:
            raise DataValidationError(
                f"column {col!r} not found; the data has columns {list(df.columns)}"
            )
    if len(df) == 0:
        raise DataValidationError("the table is empty; pass at least one customer")


def survival_table(
    subscriptions: pd.DataFrame,
    start_col: str = "start_date",
    end_col: str = "end_date",
    observation_end=None,
    time_unit: str = "D",
    id_col: str | None = None,
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
    id_col : str, optional
        Column with the customer id; by default the index must be unique.

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
    _need(subscriptions, start_col, end_col, *([id_col] if id_col else []))
    if observation_end is None:
        raise ParameterError("observation_end is required: the date the data describe")
    obs = check_date("observation_end", observation_end)
    if time_unit not in TIME_UNITS:
        raise ParameterError(f"time_unit={time_unit!r} is not one of {sorted(TIME_UNITS)}")
    ids = subscriptions[id_col] if id_col else subscriptions.index.to_series()
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataValidationError(
            f"{'column ' + repr(id_col) if id_col else 'the index'} has duplicated customer "
            f"ids ({_rows(subscriptions.index, dup)}); one row per customer is needed — keep "
            "each customer's latest subscription or give each subscription its own id"
        )
    start = pd.to_datetime(subscriptions[start_col], errors="coerce")
    end = pd.to_datetime(subscriptions[end_col], errors="coerce")
    missing = start.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {start_col!r} has {missing.sum()} missing or unreadable start date(s) "
            f"({_rows(subscriptions.index, missing)}); every subscription needs a start date"
        )
    late = (start > obs).to_numpy()
    if late.any():
        raise DataValidationError(
            f"column {start_col!r} has {late.sum()} start date(s) after observation_end "
            f"{obs.date()} ({_rows(subscriptions.index, late)}); those customers had not "
            "joined yet: remove them or move observation_end"
        )
    backwards = (end < start).to_numpy()
    if backwards.any():
        raise DataValidationError(
            f"column {end_col!r} has {backwards.sum()} end date(s) before the start "
            f"({_rows(subscriptions.index, backwards)}); fix the dates at the source"
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
                f"covariate {col!r} has {bad.sum()} missing value(s) ({_rows(df.index, bad)})"
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
    _need(df, duration_col, event_col, *covariates, *strata)
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
    _need(df, duration_col, event_col, *covariates)
    _covariates(df, covariates)
    data = df[[*covariates, duration_col, event_col]].copy()
    data[duration_col] = data[duration_col].clip(lower=1e-3)
    return WeibullAFTFitter().fit(data, duration_col=duration_col, event_col=event_col)


def check_proportional_hazards(
    model: CoxPHFitter,
    df: pd.DataFrame,
    duration_col: str = "duration",
    event_col: str = "event",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Test each covariate of a fitted Cox model for non-proportional hazards.

    Uses lifelines' scaled-Schoenfeld-residual test against the rank of time. With many
    covariates some p-values fall below ``alpha`` by chance: a flag is a reason to look at the
    covariate (and at a residual plot), not a verdict.

    Returns
    -------
    pandas.DataFrame
        Per covariate, sorted by p: ``test_statistic``, ``p``, ``flagged`` (p < alpha) and the
        ``remedy`` to try for a flagged one — stratify on it (``fit_cox(..., strata=[col])``)
        for a categorical covariate, or add its interaction with time for a numeric one.
    """
    from lifelines.statistics import proportional_hazard_test

    a = check_number("alpha", alpha, 0, 1, low_open=True, high_open=True)
    covariates = list(model.params_.index)
    _need(df, duration_col, event_col, *covariates)
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
    _need(df, group_col, duration_col, event_col)
    out = {}
    for name, g in df.groupby(group_col, sort=True, observed=True):
        out[str(name)] = KaplanMeierFitter(label=str(name)).fit(g[duration_col], g[event_col])
    return out


def logrank(df: pd.DataFrame, group_col: str, duration_col="duration", event_col="event"):
    """Log-rank test that the groups share one survival curve (lifelines' result object)."""
    _need(df, group_col, duration_col, event_col)
    return multivariate_logrank_test(df[duration_col], df[group_col], df[event_col])


def churn_risk(model, df: pd.DataFrame, horizon: float, duration_col="duration") -> pd.Series:
    """P(churn within ``horizon`` | still active after ``duration``) per customer.

    Computed as ``1 - S(t + h | x) / S(t | x)`` from a fitted lifelines regression model
    (Cox or Weibull AFT), with ``t`` the customer's current tenure.
    """
    h = check_number("horizon", horizon, 0, low_open=True)
    _need(df, duration_col)
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


def snapshot_features(
    customers: pd.DataFrame,
    usage: pd.DataFrame,
    complaints: pd.DataFrame,
    snapshot,
    horizon_days: int = 90,
    observation_end=None,
) -> pd.DataFrame:
    """Early-warning features at a snapshot date, and the churn label after it.

    Only behaviour *before* the snapshot enters the features: usage months that ended before
    it and complaints dated on or before it. The population is the customers active at the
    snapshot (started on or before it, not ended on or before it); the label ``churned`` is 1
    when the customer left in (snapshot, snapshot + horizon].

    Features: ``tenure_months``, ``usage_last3`` (mean GB of the last three complete months),
    ``usage_change`` (log ratio of the last three months to the three before; 0 when there is
    not enough history), ``complaints_90d``, ``complaints_total``, ``days_since_complaint``
    (999 without any), plus the customer table's ``monthly_charge`` and 0/1 columns for plan and
    value tier.

    Raises
    ------
    ParameterError
        When ``snapshot + horizon`` is after ``observation_end``: the label would be unknown.
    """
    _need(customers, "start_date", "end_date", "monthly_charge", "plan", "value_tier")
    _need(usage, "customer_id", "month", "usage_gb")
    snap = check_date("snapshot", snapshot)
    h = int(check_number("horizon_days", horizon_days, 1))
    label_end = snap + pd.Timedelta(days=h)
    if observation_end is not None and label_end > check_date("observation_end", observation_end):
        raise ParameterError(
            f"snapshot {snap.date()} + {h} days is after observation_end; the label would be "
            "unknown: move the snapshot earlier or shorten the horizon"
        )
    active = (customers["start_date"] <= snap) & ~(customers["end_date"] <= snap)
    pop = customers[active]
    feat = pd.DataFrame(index=pop.index)
    feat["tenure_months"] = (snap - pop["start_date"]).dt.days / 30.4375
    # Usage: months that ended before the snapshot (month start + 1 month <= snapshot).
    u = usage[(usage["month"] + pd.offsets.MonthBegin(1)) <= snap]
    u = u[u["customer_id"].isin(pop.index)].sort_values(["customer_id", "month"])
    u = u.assign(order=u.groupby("customer_id").cumcount(ascending=False))
    last3 = u[u["order"] < 3].groupby("customer_id")["usage_gb"].mean()
    prev3 = u[(u["order"] >= 3) & (u["order"] < 6)].groupby("customer_id")["usage_gb"].mean()
    feat["usage_last3"] = last3.reindex(feat.index).fillna(0.0)
    change = np.log(last3.reindex(feat.index) / prev3.reindex(feat.index))
    feat["usage_change"] = change.replace([np.inf, -np.inf], np.nan).fillna(0.0)
    c = complaints[(complaints["date"] <= snap) & complaints["customer_id"].isin(pop.index)]
    feat["complaints_90d"] = (
        c[c["date"] > snap - pd.Timedelta(days=90)].groupby("customer_id").size()
    ).reindex(feat.index, fill_value=0)
    feat["complaints_total"] = c.groupby("customer_id").size().reindex(feat.index, fill_value=0)
    last_c = c.groupby("customer_id")["date"].max().reindex(feat.index)
    feat["days_since_complaint"] = (snap - last_c).dt.days.fillna(999).astype(float)
    feat["monthly_charge"] = pop["monthly_charge"]
    for col, ref in (("plan", "monthly"), ("value_tier", "low")):
        for level in sorted(set(customers[col]) - {ref}):
            feat[f"{col}[{level}]"] = (pop[col] == level).astype(float)
    end = pop["end_date"]
    feat["churned"] = ((end > snap) & (end <= label_end)).astype(int)
    # Time from the snapshot to churn, censored at the horizon (for survival models).
    feat["time_to_churn"] = ((end.where(feat["churned"] == 1, label_end) - snap).dt.days).astype(
        float
    )
    return feat


def alerts(
    model: CoxPHFitter,
    features: pd.DataFrame,
    risk: pd.Series,
    threshold: float,
    top_causes: int = 2,
) -> pd.DataFrame:
    """Customers whose risk is at least ``threshold``, with the covariates that drive it.

    A driver's contribution is ``coef * (x - mean x)`` on the log-hazard scale (the Cox
    model's mean is its reference); the largest positive contributions are the causes to
    analyse first.

    Returns
    -------
    pandas.DataFrame
        Sorted by risk: ``risk``, ``cause_1`` … ``cause_k`` (driver names) and the customer's
        feature values, ready to export for account managers.
    """
    t = check_number("threshold", threshold, 0, 1)
    coef = model.params_
    x = features[coef.index]
    contrib = (x - model._norm_mean[coef.index]) * coef  # noqa: SLF001 - lifelines' centring
    flagged = risk[risk >= t].sort_values(ascending=False)
    out = pd.DataFrame({"risk": flagged})
    ranked = contrib.loc[flagged.index].apply(
        lambda row: list(row[row > 0].sort_values(ascending=False).index[:top_causes]), axis=1
    )
    for i in range(top_causes):
        out[f"cause_{i + 1}"] = ranked.map(lambda r, i=i: r[i] if len(r) > i else "")
    return out.join(x.loc[flagged.index])


def targeting(
    risk: pd.Series, clv: pd.Series, offer_cost: float, success_rate: float
) -> pd.DataFrame:
    """Value at risk and the expected profit of a retention offer, per customer.

    ``value_at_risk = risk * clv``; an offer that costs ``offer_cost`` and keeps a customer who
    would have left with probability ``success_rate`` has expected profit
    ``success_rate * risk * clv - offer_cost``. Customers with a positive expected profit are
    the ones to target (``target``); ``cumulative_profit`` along the ranking gives the profit
    curve against the budget ``cumulative_cost``.
    """
    c = check_number("offer_cost", offer_cost, 0)
    s = check_number("success_rate", success_rate, 0, 1)
    df = pd.DataFrame({"risk": risk, "clv": clv.reindex(risk.index)})
    if df["clv"].isna().any():
        raise DataValidationError("clv has no value for some customers of risk; align the two")
    df["value_at_risk"] = df["risk"] * df["clv"]
    df["expected_profit"] = s * df["value_at_risk"] - c
    df = df.sort_values("expected_profit", ascending=False)
    df["target"] = df["expected_profit"] > 0
    df["cumulative_cost"] = c * np.arange(1, len(df) + 1)
    df["cumulative_profit"] = df["expected_profit"].cumsum()
    return df
