"""Churn early warning: snapshot features without leakage, alerts with causes, targeting."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

from helpers.churn.survival import survival_clv
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

__all__ = ["CAUSES", "alerts", "retained_value", "snapshot_features", "targeting"]

#: Reference level of the categorical features (the level with no 0/1 column); plan and value
#: tier are the snapshot features, channel and age band the simulator's other covariates.
REFERENCE_LEVELS = {"plan": "monthly", "value_tier": "low", "channel": "store", "age_band": "18-29"}

#: Readable causes and the lever each maps to (the curriculum's service, product and price).
#: Numeric features: (words when the value is above the baseline customer's, words when below,
#: lever). Categorical features, by level: (words, lever). The lever is empty when the firm
#: holds none (an age band, say).
CAUSES: dict[str, dict] = {
    "numeric": {
        "tenure_months": ("long-standing customer", "new customer", "price"),
        "usage_last3": ("heavy recent usage", "low usage in the last three months", "product"),
        "usage_change": ("usage rose recently", "usage fell in the last three months", "product"),
        "complaints_90d": ("complaints in the last 90 days", "no recent complaints", "service"),
        "complaints_total": ("many complaints since joining", "few complaints", "service"),
        "days_since_complaint": ("no complaint for a long time", "a recent complaint", "service"),
        "monthly_charge": ("high monthly charge", "low monthly charge", "price"),
        "complaints": ("complaints in the first 90 days", "few early complaints", "service"),
        "usage_trend": (
            "usage grew in the first months",
            "usage fell in the first months",
            "product",
        ),
    },
    "categorical": {
        "plan": {
            "monthly": ("monthly contract (no commitment)", "price"),
            "annual": ("annual contract", "price"),
            "two-year": ("two-year contract", "price"),
        },
        "value_tier": {
            "low": ("low value tier", "product"),
            "medium": ("medium value tier", "product"),
            "high": ("high value tier", "product"),
        },
        "channel": {
            "store": ("joined in a store", "service"),
            "online": ("joined online", "service"),
            "phone": ("joined by phone", "service"),
        },
        "age_band": {},
    },
}


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
    for col in ("plan", "value_tier"):
        ref = REFERENCE_LEVELS[col]
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


def _cause_words(group: str, level, above: bool) -> tuple[str, str]:
    """Readable words and the lever for a feature (numeric) or a level (categorical)."""
    if level is None:  # numeric
        high, low, lever = CAUSES["numeric"].get(group, (f"high {group}", f"low {group}", ""))
        return (high if above else low), lever
    words, lever = CAUSES["categorical"].get(group, {}).get(level, (f"{group}: {level}", ""))
    return words, lever


def alerts(
    model: CoxPHFitter,
    features: pd.DataFrame,
    risk: pd.Series,
    threshold: float,
    top_causes: int = 2,
    baseline: pd.Series | None = None,
) -> pd.DataFrame:
    """Customers whose risk is at least ``threshold``, with the causes that raise it.

    A cause is a feature that raises *this* customer's hazard above that of a baseline
    customer: its contribution ``coef * (x - baseline)`` on the log-hazard scale is positive.
    The baseline is the average customer of the data the model was fitted on (lifelines'
    centring) unless ``baseline`` gives one. The 0/1 columns of one categorical feature
    (``plan[annual]``, ``plan[two-year]``) are summed into one contribution and named by the
    customer's own level, so a customer on a monthly plan reads "monthly contract (no
    commitment)", never "plan[two-year]". Each cause is written in words (:data:`CAUSES`) and
    mapped to the lever that answers it: service, product or price (empty when the firm holds
    no lever, such as an age band).

    Returns
    -------
    pandas.DataFrame
        Sorted by risk: ``risk``, ``cause_1``, ``lever_1`` … ``cause_k``, ``lever_k`` (empty
        strings when fewer causes raise the risk) and the customer's feature values, ready to
        export for account managers.
    """
    t = check_number("threshold", threshold, 0, 1)
    coef = model.params_
    x = features[coef.index]
    base = model._norm_mean[coef.index] if baseline is None else baseline.reindex(coef.index)  # noqa: SLF001
    if base.isna().any():
        raise DataValidationError(
            f"baseline has no value for {list(base.index[base.isna()])}; give one per feature"
        )
    contrib = (x - base) * coef
    groups = pd.Series({c: c.split("[", 1)[0] if c.endswith("]") else c for c in coef.index})
    by_group = contrib.T.groupby(groups).sum().T  # one contribution per feature
    flagged = risk[risk >= t].sort_values(ascending=False)
    out = pd.DataFrame({"risk": flagged})
    causes = {i: [] for i in range(top_causes)}
    for cid in flagged.index:
        row = by_group.loc[cid]
        row = row[row > 0].sort_values(ascending=False)
        named = []
        for group in row.index[:top_causes]:
            dummies = [c for c in coef.index if groups[c] == group and c != group]
            if dummies:  # categorical: the customer's own level
                on = [c for c in dummies if x.loc[cid, c] == 1]
                level = (
                    on[0][len(group) + 1 : -1] if on else REFERENCE_LEVELS.get(group, "reference")
                )
                named.append(_cause_words(group, level, True))
            else:
                named.append(_cause_words(group, None, x.loc[cid, group] > base[group]))
        for i in range(top_causes):
            causes[i].append(named[i] if i < len(named) else ("", ""))
    for i in range(top_causes):
        out[f"cause_{i + 1}"] = [c[0] for c in causes[i]]
        out[f"lever_{i + 1}"] = [c[1] for c in causes[i]]
    return out.join(x.loc[flagged.index])


def retained_value(
    model,
    df: pd.DataFrame,
    margin: float | pd.Series,
    horizon_months: float,
    months: int = 36,
    annual_discount_rate: float = 0.10,
    duration_col: str = "duration",
) -> pd.Series:
    """What a customer is worth if they do *not* leave within the horizon.

    Value at risk multiplies the chance of leaving within the horizon by what is lost when the
    customer leaves. A survival-based CLV already discounts for leaving in the horizon, so
    ``risk * CLV`` would count that churn twice. The value lost is instead the CLV
    *conditional on staying through the horizon*: the full margin of the horizon months (the
    customer stays for sure), plus the survival-weighted margin after it, with survival
    counted from the end of the horizon:

    ``sum_{m <= h} margin (1+d)^(-m/12)
    + sum_{h < m <= months} margin S(t+m)/S(t+h) (1+d)^(-m/12)``

    Parameters
    ----------
    model : lifelines regression model
        Fitted on durations in months (as for :func:`helpers.churn.survival_clv`).
    df : pandas.DataFrame
        The active customers: tenure (months) in ``duration_col`` and the model's covariates.
    margin : float or pandas.Series
        Margin per month.
    horizon_months : float
        The horizon of the churn risk, in months (90 days is about 2.96 months); at most
        ``months``.
    months : int
        Months of margin counted in all, as in :func:`helpers.churn.survival_clv`.
    annual_discount_rate : float
        Discount rate per year.
    duration_col : str
        Current tenure in months.

    Returns
    -------
    pandas.Series
        Indexed like ``df``; at least the CLV of :func:`helpers.churn.survival_clv`.
    """
    months = int(check_number("months", months, 1))
    h = check_number("horizon_months", horizon_months, 0, months)
    d = check_number("annual_discount_rate", annual_discount_rate, 0, 1)
    whole = int(np.floor(h))
    if isinstance(margin, pd.Series):
        margin = margin.reindex(df.index)
    sure = sum((1 + d) ** (-m / 12) for m in range(1, whole + 1))
    if whole >= months:
        return pd.Series(margin * sure, index=df.index, dtype=float)
    # Survival-weighted margin of months whole+1 .. months, counted from tenure t + whole:
    later = df.assign(**{duration_col: df[duration_col] + whole})
    after = survival_clv(
        model,
        later,
        margin,
        months=months - whole,
        annual_discount_rate=annual_discount_rate,
        duration_col=duration_col,
    )
    return (margin * sure + after * (1 + d) ** (-whole / 12)).astype(float)


def targeting(
    risk: pd.Series, clv: pd.Series, offer_cost: float, success_rate: float
) -> pd.DataFrame:
    """Value at risk and the expected profit of a retention offer, per customer.

    ``value_at_risk = risk * clv``, where ``clv`` must be the value the customer brings if
    they stay through the horizon of ``risk`` (:func:`retained_value`), not a CLV that already
    discounts for leaving in that horizon (that would count the churn twice). An offer that
    costs ``offer_cost`` and keeps a customer who would have left with probability
    ``success_rate`` has expected profit ``success_rate * risk * clv - offer_cost``. Customers
    with a positive expected profit are the ones to target (``target``); ``cumulative_profit``
    along the ranking gives the profit curve against the budget ``cumulative_cost``.
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
