"""Churn early warning: snapshot features without leakage, alerts with causes, targeting."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.validation import (
    check_columns,
    check_date,
    check_number,
    date_column,
    id_column,
    numeric_column,
    renamed_parameters,
    rows,
)

__all__ = ["alerts", "snapshot_features", "targeting"]


@renamed_parameters(snapshot="calibration_end")
def snapshot_features(
    customers: pd.DataFrame,
    usage: pd.DataFrame,
    complaints: pd.DataFrame,
    calibration_end,
    horizon_days: int = 90,
    observation_end=None,
) -> pd.DataFrame:
    """Early-warning features at a snapshot date, and the churn label after it.

    The snapshot date is ``calibration_end`` (its old name ``snapshot`` still works): features
    come from before it, the label from the ``horizon_days`` after it.

    Only behaviour *before* the snapshot enters the features: usage months that ended before
    it and complaints dated on or before it. The population is the customers active at the
    snapshot (started on or before it, not ended on or before it); the label ``churned`` is 1
    when the customer left in (snapshot, snapshot + horizon].

    Features: ``tenure_months``, ``usage_last3`` (mean GB of the last three complete months),
    ``usage_change`` (log ratio of the last three months to the three before; 0 when there is
    not enough history), ``complaints_90d``, ``complaints_total``, ``days_since_complaint``
    (999 without any), plus the customer table's ``monthly_charge`` and 0/1 columns for plan and
    value tier.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer, indexed by customer id, with ``start_date``, ``end_date`` (empty
        while active), ``monthly_charge``, ``plan`` and ``value_tier``.
    usage : pandas.DataFrame
        ``customer_id``, ``month`` (first day of the month) and ``usage_gb``.
    complaints : pandas.DataFrame
        ``customer_id`` and ``date``.
    calibration_end : date-like
        The snapshot date.
    horizon_days : int
        Length of the label window.
    observation_end : date-like, optional
        The last date the data describe; the label window must end by then.

    Returns
    -------
    pandas.DataFrame
        One row per active customer, indexed like ``customers``.

    Notes
    -----
    Dates are read by :func:`helpers.validation.date_column` (a time zone keeps the local
    wall-clock date; text dates are parsed; numbers refused), customer ids of the three tables
    are matched as text by :func:`helpers.validation.id_column` (the id 7 of the customer table
    is ``"7"`` and ``"7.0"`` of the usage log), so pyarrow-backed tables and tables read from
    files give the same features as the simulated ones.

    Raises
    ------
    ParameterError
        When ``calibration_end + horizon_days`` is after ``observation_end``: the label
        would be unknown.
    DataValidationError
        For a missing column, a date or number that cannot be read, a missing start date, or
        a customer listed twice (the message names the table, the column and the rows).

    Warns
    -----
    DataQualityWarning
        When usage rows or complaints name customers that the customer table does not list;
        they are left out, and counted in the warning.
    """
    check_columns(
        customers, ["start_date", "end_date", "monthly_charge", "plan", "value_tier"], "customers"
    )
    check_columns(usage, ["customer_id", "month", "usage_gb"], "usage", allow_empty=True)
    check_columns(complaints, ["customer_id", "date"], "complaints", allow_empty=True)
    snap = check_date("calibration_end", calibration_end)
    h = int(check_number("horizon_days", horizon_days, 1))
    label_end = snap + pd.Timedelta(days=h)
    if observation_end is not None and label_end > check_date("observation_end", observation_end):
        raise ParameterError(
            f"calibration_end {snap.date()} + {h} days is after observation_end; the label "
            "would be unknown: move calibration_end earlier or shorten horizon_days"
        )
    # Customer ids as text on all three tables, so that 7, "7" and "7.0" meet.
    ids = customers.index.to_frame(index=False, name="customer_id")
    key = pd.Index(id_column(ids, "customer_id", "customers (index)"), name="customer_id")
    dup = key.duplicated(keep=False)
    if dup.any():
        raise DataValidationError(
            f"customers: the index has duplicated customer ids ({rows(customers.index, dup)}); "
            "one row per customer is needed"
        )
    start = date_column(customers, "start_date", "customers").to_numpy()
    end_all = date_column(customers, "end_date", "customers", allow_missing=True).to_numpy()
    charge = numeric_column(customers, "monthly_charge", "customers")
    u = pd.DataFrame(
        {
            "customer_id": id_column(usage, "customer_id", "usage").to_numpy(),
            "month": date_column(usage, "month", "usage").to_numpy(),
            "usage_gb": numeric_column(usage, "usage_gb", "usage"),
        }
    )
    c = pd.DataFrame(
        {
            "customer_id": id_column(complaints, "customer_id", "complaints").to_numpy(),
            "date": date_column(complaints, "date", "complaints").to_numpy(),
        }
    )
    strangers = {
        name: int((~table["customer_id"].isin(key)).sum())
        for name, table in (("usage", u), ("complaints", c))
    }
    if any(strangers.values()):
        counts = " and ".join(f"{n} row(s) of {name}" for name, n in strangers.items() if n)
        warnings.warn(
            f"{counts} name customers that the customer table does not list; they are left "
            "out of the features. Check that the ids are written alike in the tables",
            DataQualityWarning,
            stacklevel=3,
        )
    active = (start <= snap) & ~(end_all <= snap)  # NaT compares False: still active
    pop = key[active]
    feat = pd.DataFrame(index=pop)
    feat["tenure_months"] = (snap - pd.DatetimeIndex(start[active])).days / 30.4375
    # Usage: months that ended before the snapshot (month start + 1 month <= snapshot).
    u = u[(u["month"] + pd.offsets.MonthBegin(1)) <= snap]
    u = u[u["customer_id"].isin(pop)].sort_values(["customer_id", "month"])
    u = u.assign(order=u.groupby("customer_id").cumcount(ascending=False))
    last3 = u[u["order"] < 3].groupby("customer_id")["usage_gb"].mean()
    prev3 = u[(u["order"] >= 3) & (u["order"] < 6)].groupby("customer_id")["usage_gb"].mean()
    feat["usage_last3"] = last3.reindex(feat.index).fillna(0.0)
    change = np.log(last3.reindex(feat.index) / prev3.reindex(feat.index))
    feat["usage_change"] = change.replace([np.inf, -np.inf], np.nan).fillna(0.0)
    c = c[(c["date"] <= snap) & c["customer_id"].isin(pop)]
    feat["complaints_90d"] = (
        c[c["date"] > snap - pd.Timedelta(days=90)].groupby("customer_id").size()
    ).reindex(feat.index, fill_value=0)
    feat["complaints_total"] = c.groupby("customer_id").size().reindex(feat.index, fill_value=0)
    last_c = c.groupby("customer_id")["date"].max().reindex(feat.index)
    feat["days_since_complaint"] = (snap - last_c).dt.days.fillna(999).astype(float)
    feat["monthly_charge"] = charge[active]
    for col, ref in (("plan", "monthly"), ("value_tier", "low")):
        values = customers[col].astype(object).to_numpy()
        for level in sorted(set(values) - {ref}):
            feat[f"{col}[{level}]"] = (values[active] == level).astype(float)
    end = pd.Series(end_all[active], index=feat.index)
    feat["churned"] = ((end > snap) & (end <= label_end)).astype(int)
    # Time from the snapshot to churn, censored at the horizon (for survival models).
    feat["time_to_churn"] = ((end.where(feat["churned"] == 1, label_end) - snap).dt.days).astype(
        float
    )
    feat.index = customers.index[active]  # the customer table's own labels
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
