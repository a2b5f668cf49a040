"""Value tiers for a bank: tiering, differentiated service judged by its return, tier migration.

The bank case of the curriculum tiers customers by value — assets, deposits and loan needs —
and serves each tier differently: a VIP channel and a personal adviser for the top tier,
personalised product offers for the middle one, basic service plus financial education for the
rest. This module turns that policy into numbers:

* **tiering**: a composite value score of the three indicators and its tiers, with
  :func:`helpers.value_score` and :func:`helpers.value_tiers`
  (:func:`assign_tiers`); a later snapshot can be tiered with the *same yardstick* as the first,
  so that moving tiers means a real change and not a change of the ruler;
* **service economics**: the retention response to each service level and its cost per tier,
  measured on a pilot in which service levels were assigned at random
  (:func:`retention_by_service`, :func:`service_costs`);
* **policy evaluation**: expected value retained, service cost, net value and value retained
  per unit of service cost of a policy (a service level per tier), against uniform-service
  baselines (:func:`evaluate_policy`, :func:`compare_policies`, :func:`best_policy`);
* **migration**: the transition matrix between tiers (and out of the bank) from two snapshots,
  with confidence intervals, and a Markov projection of the tier mix and its value over a few
  years (:func:`transition_matrix`, :func:`markov_projection`).

Conventions. Money is in yuan a year. A customer's yearly value is the bank's margin on their
balances (:func:`annual_value`). In the one-year evaluation the service cost is paid for every
customer served, and the value is earned by those who stay. In the projection, year ``t``'s
value is earned by the customers still with the bank at its end, its service cost is paid for
those at its start, and both are discounted by ``(1 + discount_rate) ** t``.

The case's data contract, :data:`BANK_CUSTOMERS`, lives here because it describes what these
functions consume; :func:`helpers.simulate.bank.bank_customers` produces data that follow it.

References
----------
Zeithaml, V. A., Rust, R. T. and Lemon, K. N. (2001). The customer pyramid: creating and serving
profitable customers. *California Management Review* 43(4), 118-142.

Pfeifer, P. E. and Carraway, R. L. (2000). Modeling customer relationships as Markov chains.
*Journal of Interactive Marketing* 14(2), 43-55.

Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*Journal of the American Statistical Association* 22(158), 209-212.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from scipy.stats import binomtest

from helpers.customer_base.segment import value_score, value_tiers
from helpers.data.contracts import Column, DataContract
from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import (
    check_choice,
    check_int,
    check_number,
    renamed_parameters,
    rows,
    text_numbers,
)

__all__ = [
    "BANK_CUSTOMERS",
    "SERVICE_LEVELS",
    "TIERS",
    "CURRICULUM_POLICY",
    "SERVICE_DESCRIPTION",
    "TIER_WEIGHTS",
    "annual_value",
    "assign_tiers",
    "best_policy",
    "compare_policies",
    "evaluate_policy",
    "load_customers",
    "markov_projection",
    "migration_summary",
    "plot_projection",
    "plot_retention",
    "plot_transition_matrix",
    "policy_transition",
    "retention_by_service",
    "service_costs",
    "stayer_moves",
    "tier_profile",
    "transition_matrix",
    "transition_table",
]

#: Value tiers, from the most to the least valuable (the labels of value_tiers).
TIERS = ("high", "medium", "low")
#: The curriculum's three service levels: VIP channel and personal adviser; personalised
#: product offers; basic service with financial education.
SERVICE_LEVELS = ("vip", "personalised", "basic")

_BALANCES = ("assets", "deposits", "loan_need")

#: The bank case's data contract: one row per customer at the first snapshot (y0), with the
#: service received over the following year and the balances a year later (y1).
BANK_CUSTOMERS = DataContract(
    "bank customers",
    [
        Column("customer_id", "id", "customer identifier", description_zh="客户编号"),
        Column(
            "assets_y0",
            "number",
            "financial assets held with the bank at y0, yuan",
            minimum=0,
            description_zh="y0 时在本行持有的金融资产，元",
        ),
        Column(
            "deposits_y0",
            "number",
            "deposits at y0, yuan",
            minimum=0,
            description_zh="y0 时的存款，元",
        ),
        Column(
            "loan_need_y0",
            "number",
            "loan balance or loan need at y0, yuan",
            minimum=0,
            description_zh="y0 时的贷款余额或贷款需求，元",
        ),
        Column(
            "service",
            "category",
            "service level received between y0 and y1",
            choices=SERVICE_LEVELS,
            description_zh="y0 至 y1 期间获得的服务等级",
        ),
        Column(
            "service_cost",
            "number",
            "cost of that service over the year, yuan",
            minimum=0,
            description_zh="这一年提供该服务的成本，元",
        ),
        Column(
            "stayed", "boolean", "still a customer at y1", description_zh="y1 时是否仍是本行客户"
        ),
        Column(
            "assets_y1",
            "number",
            "financial assets at y1, yuan (empty for customers who left)",
            required=False,
            minimum=0,
            description_zh="y1 时的金融资产，元；已流失的客户为空",
        ),
        Column(
            "deposits_y1",
            "number",
            "deposits at y1, yuan (empty if left)",
            False,
            minimum=0,
            description_zh="y1 时的存款，元；已流失则为空",
        ),
        Column(
            "loan_need_y1",
            "number",
            "loan need at y1, yuan (empty if left)",
            False,
            minimum=0,
            description_zh="y1 时的贷款需求，元；已流失则为空",
        ),
    ],
    key="customer_id",
)

#: Default weights of the value score: assets and deposits count twice as much as loan need.
TIER_WEIGHTS = {"assets": 0.4, "deposits": 0.4, "loan_need": 0.2}

#: The curriculum's differentiated-service policy: a service level per value tier.
CURRICULUM_POLICY = {"high": "vip", "medium": "personalised", "low": "basic"}

#: What each service level is.
SERVICE_DESCRIPTION = pd.Series(
    {
        "vip": "VIP channel and a personal adviser",
        "personalised": "personalised product offers, points and member privileges",
        "basic": "good basic service plus financial education",
    },
    name="service",
)


def load_customers(
    data: str | Path | pd.DataFrame,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str | None = None,
    decimal: str = ".",
) -> pd.DataFrame:
    """The bank case's customers, checked against :data:`BANK_CUSTOMERS`, by customer_id.

    Besides the contract's column checks, a customer who stayed must have all three balances at
    y1 and one who left must have none.

    Parameters
    ----------
    data : str, pathlib.Path or pandas.DataFrame
        A CSV, Excel (.xlsx) or Parquet file with the contract's columns, read by
        :meth:`~helpers.data.DataContract.read` (encoding, delimiter and sheet detected;
        customer ids kept as text), or a table (``customer_id`` as a column or as the index's
        name) such as the output of :func:`helpers.simulate.bank.bank_customers`.
    encoding, sep, sheet_name : str, optional
        Override the detected text encoding and delimiter of a CSV file, or name the sheet of
        a workbook; only with a file.
    decimal : {".", ","}
        The decimal mark of balances written as text (``","`` for 1234,5).

    Raises
    ------
    DataValidationError
        The file is missing or unreadable, the table breaks the contract, or the y1 balances
        disagree with ``stayed``.
    ParameterError
        A file option with a table.

    Examples
    --------
    >>> from helpers.simulate.bank import bank_customers
    >>> load_customers(bank_customers(200, random_state=1)[0]["customers"]).index.name
    'customer_id'
    """
    table = BANK_CUSTOMERS.load(
        data, encoding=encoding, sep=sep, sheet_name=sheet_name, decimal=decimal
    )
    y1 = table[[f"{b}_y1" for b in _BALANCES]]
    stayed = table["stayed"].astype(bool).to_numpy()
    ids = pd.Index(table["customer_id"])
    gaps = y1.isna().any(axis=1).to_numpy() & stayed
    if gaps.any():
        raise DataValidationError(
            f"bank customers: {int(gaps.sum())} customer(s) with stayed = true lack a y1 balance "
            f"({rows(ids, gaps)}); fill assets_y1, deposits_y1 and "
            "loan_need_y1 (0 where there is none)"
        )
    ghosts = y1.notna().any(axis=1).to_numpy() & ~stayed
    if ghosts.any():
        raise DataValidationError(
            f"bank customers: {int(ghosts.sum())} customer(s) with stayed = false have y1 "
            f"balances ({rows(ids, ghosts)}); leave them empty for customers "
            "who left, or correct stayed"
        )
    return table.set_index("customer_id")


def _balances(customers: pd.DataFrame, period: str) -> pd.DataFrame:
    if not isinstance(customers, pd.DataFrame):
        raise DataValidationError(
            f"customers must be a pandas DataFrame, got {type(customers).__name__}; load them "
            "with load_customers"
        )
    check_choice("period", period, ("y0", "y1"))
    cols = [f"{b}_{period}" for b in _BALANCES]
    missing = [c for c in cols if c not in customers.columns]
    if missing:
        raise DataValidationError(
            f"column(s) {missing} not found; the customers have columns "
            f"{list(customers.columns)}; see BANK_CUSTOMERS for the columns"
        )
    # Text balances ("1,234", "¥5") are errors naming the column, never a silent NaN.
    out = pd.DataFrame(
        {b: text_numbers(customers, c, "customers") for b, c in zip(_BALANCES, cols, strict=True)}
    )
    neg = (out < 0).any(axis=1).to_numpy()
    if neg.any():
        raise DataValidationError(
            f"negative balances at {period} for {int(neg.sum())} customer(s) "
            f"({rows(customers.index, neg)}); balances are amounts held, 0 or more"
        )
    return out


@renamed_parameters(snapshot="period")
def annual_value(
    customers: pd.DataFrame,
    period: str = "y0",
    asset_fee: float = 0.006,
    deposit_margin: float = 0.015,
    loan_margin: float = 0.02,
) -> pd.Series:
    """The bank's yearly margin on each customer's balances, yuan.

    ``asset_fee × assets + deposit_margin × deposits + loan_margin × loan_need``; missing
    where the balances are (customers who left before the snapshot).

    Parameters
    ----------
    customers : pandas.DataFrame
        With ``assets_<period>``, ``deposits_<period>`` and ``loan_need_<period>``.
    period : {"y0", "y1"}
        Which snapshot's balances: y0 (first) or y1 (a year later); old name ``snapshot``.
    asset_fee, deposit_margin, loan_margin : float
        Yearly margin per yuan of financial assets, deposits and loans (0 to 1).

    Returns
    -------
    pandas.Series
        ``value_<period>`` per customer.

    Raises
    ------
    ParameterError
        A rate out of range or an unknown ``period``.
    DataValidationError
        Balance columns missing or negative.

    Examples
    --------
    >>> c = pd.DataFrame({"assets_y0": [100_000.0], "deposits_y0": [50_000.0],
    ...                   "loan_need_y0": [0.0]})
    >>> annual_value(c).tolist()
    [1350.0]
    """
    rates = {
        "asset_fee": check_number("asset_fee", asset_fee, 0, 1),
        "deposit_margin": check_number("deposit_margin", deposit_margin, 0, 1),
        "loan_margin": check_number("loan_margin", loan_margin, 0, 1),
    }
    bal = _balances(customers, period)
    value = (
        rates["asset_fee"] * bal["assets"]
        + rates["deposit_margin"] * bal["deposits"]
        + rates["loan_margin"] * bal["loan_need"]
    )
    return value.rename(f"value_{period}")


def _pct_against(reference: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Percentile rank of x among the reference values, as pandas' average-rank pct."""
    ref = np.sort(reference)
    below = np.searchsorted(ref, x, side="left")
    equal = np.searchsorted(ref, x, side="right") - below
    return (below + (equal + 1) / 2) / len(ref)


@renamed_parameters(snapshot="period")
def assign_tiers(
    customers: pd.DataFrame,
    period: str = "y0",
    weights: dict[str, float] | None = None,
    cuts: tuple[float, float] = (0.1, 0.4),
    reference: str | None = None,
) -> pd.Series:
    """Value tiers (high / medium / low) from assets, deposits and loan need.

    The value score is :func:`helpers.value_score` — the weighted mean of each
    indicator's percentile rank — and the tiers are :func:`helpers.value_tiers`: the
    top ``cuts[0]`` of customers high, the next ones up to ``cuts[1]`` medium, the rest low.

    With ``reference`` (another snapshot of the same customers), the percentile ranks are taken
    among the reference snapshot's balances and the tier boundaries are the reference's score
    boundaries: the second snapshot is judged with the first one's yardstick, so tier shares
    can change and a move between tiers is a real change of value.

    Parameters
    ----------
    customers : pandas.DataFrame
        With ``assets_<period>``, ``deposits_<period>`` and ``loan_need_<period>``.
    period : {"y0", "y1"}
        Which snapshot's balances: y0 (first) or y1 (a year later); old name ``snapshot``.
    weights : dict, optional
        Weight per indicator (``assets``, ``deposits``, ``loan_need``); default
        :data:`TIER_WEIGHTS`.
    cuts : (float, float)
        Shares of customers in the high tier and in the high and medium tiers together.
    reference : {"y0", "y1"}, optional
        Snapshot whose distribution and tier boundaries are the yardstick.

    Returns
    -------
    pandas.Series
        Ordered categorical ``tier`` (high, medium, low); missing for customers without
        balances at the snapshot (they had left).

    Raises
    ------
    ParameterError
        Bad weights or cuts (from value_score / value_tiers), or an unknown ``period``.
    DataValidationError
        Balance columns missing or negative.

    Examples
    --------
    >>> c = pd.DataFrame({"assets_y0": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...                   "deposits_y0": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...                   "loan_need_y0": [0.0] * 10})
    >>> assign_tiers(c).astype(str).tolist()
    ['low', 'low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'medium', 'high']
    """
    w = dict(TIER_WEIGHTS if weights is None else weights)
    bal = _balances(customers, period)
    present = bal.notna().all(axis=1)
    tiers = pd.Series(
        pd.Categorical([None] * len(bal), categories=list(TIERS), ordered=True),
        index=bal.index,
        name="tier",
    )
    if not present.any():
        raise DataValidationError(f"no customer has all three balances at {period}")
    if reference is None or reference == period:
        score = value_score(bal[present], w)
        tiers[present] = value_tiers(score, cuts).astype(str)
        return tiers
    ref = _balances(customers, reference)
    ref = ref[ref.notna().all(axis=1)]
    ref_score = value_score(ref, w)
    ref_tiers = value_tiers(ref_score, cuts)
    total = sum(w.values())
    score = sum(
        _pct_against(ref[k].to_numpy(float), bal.loc[present, k].to_numpy(float)) * (v / total)
        for k, v in w.items()
    )
    eps = 1e-12
    high = ref_score[ref_tiers == "high"].min()
    medium = ref_score[ref_tiers == "medium"].min()
    label = np.where(score >= high - eps, "high", np.where(score >= medium - eps, "medium", "low"))
    tiers[present] = label
    return tiers


def tier_profile(customers: pd.DataFrame, tiers: pd.Series, value: pd.Series) -> pd.DataFrame:
    """Size, value and median balances per tier (customers with a tier only).

    Parameters
    ----------
    customers : pandas.DataFrame
        With the balance columns of the snapshot.
    tiers : pandas.Series
        Tier per customer (missing: left out).
    value : pandas.Series
        Yearly value per customer, from :func:`annual_value`.

    Returns
    -------
    pandas.DataFrame
        Indexed by tier: ``customers``, ``customer_share``, ``value`` (total yearly value),
        ``value_share``, ``mean_value`` and the median ``assets``, ``deposits``, ``loan_need``
        of the snapshot the value was computed on (taken from the value's name, e.g.
        ``value_y1``; y0 otherwise).
    """
    period = "y1" if str(value.name).endswith("y1") else "y0"
    bal = _balances(customers, period)
    t = pd.Series(tiers, index=customers.index)
    keep = t.notna().to_numpy()
    t, v, bal = t[keep], value.reindex(customers.index)[keep], bal[keep]
    out = pd.DataFrame(
        {
            "customers": t.value_counts().reindex(list(TIERS)),
            "value": v.groupby(t, observed=False).sum().reindex(list(TIERS)),
        }
    )
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["value_share"] = out["value"] / out["value"].sum()
    out["mean_value"] = out["value"] / out["customers"]
    med = bal.groupby(t, observed=False).median().reindex(list(TIERS))
    out = out.join(med)
    out.index.name = "tier"
    cols = ["customers", "customer_share", "value", "value_share", "mean_value", *_BALANCES]
    return out[cols]


def _wilson(k: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.full(len(k), np.nan), np.full(len(k), np.nan)
    for i, (kk, nn) in enumerate(zip(k, n, strict=True)):
        if nn > 0:
            ci = binomtest(int(kk), int(nn)).proportion_ci(level, method="wilson")
            lo[i], hi[i] = ci.low, ci.high
    return lo, hi


@renamed_parameters(level="confidence_level")
def retention_by_service(
    tiers: pd.Series, service: pd.Series, stayed: pd.Series, confidence_level: float = 0.95
) -> pd.DataFrame:
    """Share of customers still with the bank a year later, by tier and service level received.

    Meant for a pilot in which the service levels were assigned at random within each tier:
    then the difference between two levels is their effect. With service given by policy,
    the comparison is confounded (the tiers served best may be loyal anyway).

    Parameters
    ----------
    tiers, service, stayed : pandas.Series
        Tier at y0, service level received and whether the customer stayed (aligned on the
        index).
    confidence_level : float
        Confidence level of the Wilson intervals (old name ``level``, which still works).

    Returns
    -------
    pandas.DataFrame
        Indexed by (tier, service): ``customers``, ``stayed``, ``retention`` and its ``ci_low``
        and ``ci_high`` confidence bounds (missing where no customer had that combination).

    Examples
    --------
    >>> t = pd.Series(["high"] * 4 + ["low"] * 4)
    >>> s = pd.Series(["vip", "vip", "basic", "basic"] * 2)
    >>> kept = pd.Series([True, True, True, False, True, False, True, True])
    >>> retention_by_service(t, s, kept)["retention"].dropna().tolist()
    [1.0, 0.5, 0.5, 1.0]
    """
    conf = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    df = pd.DataFrame(
        {"tier": tiers, "service": service, "stayed": pd.Series(stayed).astype(float)}
    )
    bad = df["stayed"].isna().to_numpy()
    if bad.any():
        raise DataValidationError(
            f"stayed has {int(bad.sum())} missing value(s) ({rows(df.index, bad)}); "
            "every customer must be known to have stayed or left"
        )
    df = df[df["tier"].notna()]
    grid = pd.MultiIndex.from_product(
        [list(TIERS), list(SERVICE_LEVELS)], names=["tier", "service"]
    )
    g = df.groupby([df["tier"].astype(str), df["service"].astype(str)])["stayed"]
    out = pd.DataFrame({"customers": g.size(), "stayed": g.sum()}).reindex(grid)
    out = out.fillna({"customers": 0, "stayed": 0}).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["retention"] = out["stayed"] / out["customers"].where(out["customers"] > 0)
    out["ci_low"], out["ci_high"] = _wilson(
        out["stayed"].to_numpy(), out["customers"].to_numpy(), conf
    )
    return out


def service_costs(tiers: pd.Series, service: pd.Series, cost: pd.Series) -> pd.DataFrame:
    """Mean yearly service cost per customer, by tier (rows) and service level (columns).

    Parameters
    ----------
    tiers, service, cost : pandas.Series
        Tier, service level received and its cost per customer (aligned on the index).

    Returns
    -------
    pandas.DataFrame
        Mean cost; missing where no customer of the tier received the level.

    Examples
    --------
    >>> t = pd.Series(["high", "high", "low"])
    >>> s = pd.Series(["vip", "vip", "basic"])
    >>> float(service_costs(t, s, pd.Series([2900.0, 3100.0, 50.0])).loc["high", "vip"])
    3000.0
    """
    df = pd.DataFrame({"tier": tiers, "service": service, "cost": pd.to_numeric(cost)})
    df = df[df["tier"].notna()]
    table = df.groupby([df["tier"].astype(str), df["service"].astype(str)])["cost"].mean()
    out = table.unstack().reindex(index=list(TIERS), columns=list(SERVICE_LEVELS))
    out.index.name, out.columns.name = "tier", "service"
    return out


def _policy(policy: dict) -> dict:
    unknown = {k: v for k, v in policy.items() if k not in TIERS or v not in SERVICE_LEVELS}
    missing = [t for t in TIERS if t not in policy]
    if unknown or missing:
        raise ParameterError(
            f"policy {policy!r} must give each tier {list(TIERS)} one of the service levels "
            f"{list(SERVICE_LEVELS)}"
        )
    return dict(policy)


def evaluate_policy(
    value: pd.Series,
    tiers: pd.Series,
    policy: dict[str, str],
    retention: pd.DataFrame,
    cost: pd.DataFrame,
) -> pd.DataFrame:
    """One year of a service policy: value retained, service cost and their ratio, per tier.

    Parameters
    ----------
    value : pandas.Series
        Yearly value per customer (:func:`annual_value`).
    tiers : pandas.Series
        Tier per customer (customers without a tier are left out).
    policy : dict
        Service level per tier, e.g. :data:`CURRICULUM_POLICY`.
    retention, cost : pandas.DataFrame
        Retention rate and cost per customer by tier (rows) and service level (columns), e.g.
        ``retention_by_service(...)["retention"].unstack()`` and :func:`service_costs`.

    Returns
    -------
    pandas.DataFrame
        Rows high, medium, low and ``all``: ``service``, ``customers``, ``value`` (yearly value
        before any loss), ``retention``, ``value_retained``, ``service_cost``, ``net_value``
        (retained minus cost) and ``value_per_cost`` (retained per yuan of service).

    Raises
    ------
    ParameterError
        A policy that misses a tier or names an unknown level.
    DataValidationError
        No retention rate or cost for a (tier, level) the policy uses.

    Examples
    --------
    >>> v = pd.Series([1000.0, 100.0]); t = pd.Series(["high", "low"])
    >>> r = pd.DataFrame(0.9, index=["high", "medium", "low"],
    ...                  columns=["vip", "personalised", "basic"])
    >>> c = pd.DataFrame(10.0, index=r.index, columns=r.columns)
    >>> evaluate_policy(v, t, {"high": "vip", "medium": "vip", "low": "basic"}, r, c).loc[
    ...     "all", ["value_retained", "service_cost", "net_value"]].astype(float).tolist()
    [990.0, 20.0, 970.0]
    """
    pol = _policy(policy)
    t = pd.Series(tiers).astype(object)
    v = pd.Series(value).reindex(t.index)
    keep = t.notna().to_numpy() & v.notna().to_numpy()
    t, v = t[keep], v[keep]
    rows = {}
    for tier in TIERS:
        level = pol[tier]
        members = (t == tier).to_numpy()
        r = retention.loc[tier, level] if tier in retention.index else np.nan
        c = cost.loc[tier, level] if tier in cost.index else np.nan
        if members.any() and (pd.isna(r) or pd.isna(c)):
            raise DataValidationError(
                f"no retention rate or cost for tier {tier!r} with service {level!r}; the data "
                "hold no customer of that tier who received that service: estimate it another "
                "way or choose another policy"
            )
        n = int(members.sum())
        total = float(v[members].sum())
        rows[tier] = {
            "service": level,
            "customers": n,
            "value": total,
            "retention": float(r) if n else np.nan,
            "value_retained": total * float(r) if n else 0.0,
            "service_cost": n * float(c) if n else 0.0,
        }
    out = pd.DataFrame(rows).T
    for col in ("customers", "value", "retention", "value_retained", "service_cost"):
        out[col] = pd.to_numeric(out[col])
    all_row = out[["customers", "value", "value_retained", "service_cost"]].sum()
    out.loc["all"] = {
        "service": "",
        "customers": all_row["customers"],
        "value": all_row["value"],
        "retention": all_row["value_retained"] / all_row["value"],
        "value_retained": all_row["value_retained"],
        "service_cost": all_row["service_cost"],
    }
    out["customers"] = out["customers"].astype(int)
    out["net_value"] = out["value_retained"] - out["service_cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value_per_cost"] = out["value_retained"] / out["service_cost"].where(
            out["service_cost"] > 0
        )
    out.index.name = "tier"
    return out


def compare_policies(
    value: pd.Series,
    tiers: pd.Series,
    retention: pd.DataFrame,
    cost: pd.DataFrame,
    policies: dict[str, dict[str, str]] | None = None,
    baseline: str = "personalised",
) -> pd.DataFrame:
    """Service policies side by side, each against a uniform-service baseline.

    Parameters
    ----------
    value, tiers, retention, cost
        As for :func:`evaluate_policy`.
    policies : dict, optional
        Named policies; default the curriculum's differentiated policy
        (``"differentiated"``) and one uniform policy per service level
        (``"uniform vip"``, ...).
    baseline : str
        Service level of the uniform baseline that every policy is compared with.

    Raises
    ------
    ParameterError
        An unknown baseline or a bad policy.
    DataValidationError
        As for :func:`evaluate_policy`.

    Returns
    -------
    pandas.DataFrame
        One row per policy: ``service_cost``, ``value_retained``, ``net_value``,
        ``value_per_cost`` and, against the baseline, ``extra_value``, ``extra_cost``,
        ``extra_net_value`` and ``extra_value_per_extra_cost`` (the return on each extra yuan of
        service; missing when the extra cost is 0).
    """
    if baseline not in SERVICE_LEVELS:
        raise ParameterError(f"baseline = {baseline!r} is not one of {list(SERVICE_LEVELS)}")
    named = dict(policies) if policies is not None else {"differentiated": CURRICULUM_POLICY}
    uniform = {f"uniform {s}": dict.fromkeys(TIERS, s) for s in SERVICE_LEVELS}
    for name, pol in uniform.items():
        named.setdefault(name, pol)
    base_name = f"uniform {baseline}"
    rows = {}
    for name, pol in {**named, base_name: uniform[base_name]}.items():
        total = evaluate_policy(value, tiers, pol, retention, cost).loc["all"]
        rows[name] = {
            "service_cost": total["service_cost"],
            "value_retained": total["value_retained"],
            "net_value": total["net_value"],
            "value_per_cost": total["value_per_cost"],
        }
    out = pd.DataFrame(rows).T.astype(float)
    base = out.loc[base_name]
    out["extra_value"] = out["value_retained"] - base["value_retained"]
    out["extra_cost"] = out["service_cost"] - base["service_cost"]
    out["extra_net_value"] = out["net_value"] - base["net_value"]
    out["extra_value_per_extra_cost"] = out["extra_value"] / out["extra_cost"].where(
        out["extra_cost"].abs() > 1e-9
    )
    out.index.name = "policy"
    out.attrs["baseline"] = base_name
    return out


def best_policy(
    value: pd.Series, tiers: pd.Series, retention: pd.DataFrame, cost: pd.DataFrame
) -> dict[str, str]:
    """The service level that maximises each tier's net value (value retained − cost).

    Tiers are independent in a one-year evaluation, so the best policy is the best level of
    each tier; levels without a retention rate or cost are skipped.

    Parameters
    ----------
    value, tiers, retention, cost
        As for :func:`evaluate_policy`.

    Returns
    -------
    dict
        Service level per tier.

    Raises
    ------
    DataValidationError
        A tier has no level with both a retention rate and a cost.

    Examples
    --------
    >>> r = pd.DataFrame([[0.9, 0.8, 0.7]] * 3, index=["high", "medium", "low"],
    ...                  columns=["vip", "personalised", "basic"])
    >>> c = pd.DataFrame([[50.0, 10.0, 1.0]] * 3, index=r.index, columns=r.columns)
    >>> best_policy(pd.Series([1000.0, 100.0, 10.0]), pd.Series(["high", "medium", "low"]), r, c)
    {'high': 'vip', 'medium': 'personalised', 'low': 'basic'}
    """
    t = pd.Series(tiers).astype(object)
    v = pd.Series(value).reindex(t.index)
    best = {}
    for tier in TIERS:
        members = (t == tier).to_numpy() & v.notna().to_numpy()
        n, total = int(members.sum()), float(v[members].sum())
        nets = {
            s: total * retention.loc[tier, s] - n * cost.loc[tier, s]
            for s in SERVICE_LEVELS
            if pd.notna(retention.loc[tier, s]) and pd.notna(cost.loc[tier, s])
        }
        if not nets:
            raise DataValidationError(f"no retention rate and cost for any service of {tier!r}")
        best[tier] = max(nets, key=nets.get)
    return best


def _states(before: pd.Series, after: pd.Series, exit_state: str) -> pd.DataFrame:
    b = pd.Series(before).astype(object)
    a = pd.Series(after).reindex(b.index).astype(object)
    b_bad = ~b.isin(TIERS).to_numpy()
    if b_bad.any():
        raise DataValidationError(
            f"before has {int(b_bad.sum())} value(s) that are not tiers {list(TIERS)} "
            f"({rows(b.index, b_bad, b)}); tier every customer at the first snapshot"
        )
    a = a.where(a.notna(), exit_state)
    a_bad = ~a.isin([*TIERS, exit_state]).to_numpy()
    if a_bad.any():
        raise DataValidationError(
            f"after has {int(a_bad.sum())} value(s) that are neither tiers nor "
            f"{exit_state!r} ({rows(a.index, a_bad, a)})"
        )
    return pd.DataFrame({"from": b, "to": a})


def transition_matrix(
    before: pd.Series, after: pd.Series, exit_state: str = "left"
) -> pd.DataFrame:
    """One-period transition matrix between tiers, with leaving the bank as a column.

    Parameters
    ----------
    before, after : pandas.Series
        Tier per customer at the two snapshots; a missing ``after`` means the customer left.
    exit_state : str
        Name of the column for customers who left.

    Returns
    -------
    pandas.DataFrame
        Rows: tier before; columns: tier after and ``exit_state``; each row is the share of
        the tier's customers that went where (rows sum to 1; missing for an empty tier).

    Raises
    ------
    DataValidationError
        A value of ``before`` is not a tier, or one of ``after`` is neither a tier nor
        missing or ``exit_state``.

    Examples
    --------
    >>> b = pd.Series(["high", "high", "low", "low"])
    >>> a = pd.Series(["high", None, "medium", "low"])
    >>> transition_matrix(b, a).loc["high"].tolist()
    [0.5, 0.0, 0.0, 0.5]
    """
    s = _states(before, after, exit_state)
    counts = pd.crosstab(s["from"], s["to"]).reindex(
        index=list(TIERS), columns=[*TIERS, exit_state], fill_value=0
    )
    shares = counts.div(counts.sum(axis=1).where(counts.sum(axis=1) > 0), axis=0)
    shares.index.name, shares.columns.name = "from", "to"
    return shares


@renamed_parameters(level="confidence_level")
def transition_table(
    before: pd.Series, after: pd.Series, confidence_level: float = 0.95, exit_state: str = "left"
) -> pd.DataFrame:
    """Every cell of the transition matrix with its count and Wilson confidence interval.

    Parameters
    ----------
    before, after : pandas.Series
        As for :func:`transition_matrix`.
    confidence_level : float
        Confidence level of the Wilson intervals (old name ``level``, which still works).
    exit_state : str

    Returns
    -------
    pandas.DataFrame
        Indexed by (from, to): ``customers`` (moving that way), ``of`` (in the from-tier),
        ``share``, ``ci_low``, ``ci_high``.

    Raises
    ------
    DataValidationError
        As for :func:`transition_matrix`.
    """
    conf = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    s = _states(before, after, exit_state)
    counts = pd.crosstab(s["from"], s["to"]).reindex(
        index=list(TIERS), columns=[*TIERS, exit_state], fill_value=0
    )
    long = counts.stack().rename("customers").to_frame()
    long.index.names = ["from", "to"]
    long["of"] = counts.sum(axis=1).reindex(long.index.get_level_values("from")).to_numpy()
    long["share"] = long["customers"] / long["of"].where(long["of"] > 0)
    long["ci_low"], long["ci_high"] = _wilson(
        long["customers"].to_numpy(), long["of"].to_numpy(), conf
    )
    return long


def stayer_moves(transition: pd.DataFrame) -> pd.DataFrame:
    """Tier moves among the customers who stay: the tier columns of a transition matrix,
    rescaled so each row sums to 1.

    Parameters
    ----------
    transition : pandas.DataFrame
        Output of :func:`transition_matrix`.

    Returns
    -------
    pandas.DataFrame
        Tiers (rows) to tiers (columns), rows summing to 1.

    Examples
    --------
    >>> m = pd.DataFrame({"high": [0.6, 0.0, 0.0], "medium": [0.2, 0.9, 0.1],
    ...                   "low": [0.0, 0.0, 0.8], "left": [0.2, 0.1, 0.1]},
    ...                  index=["high", "medium", "low"])
    >>> stayer_moves(m).loc["high"].round(6).tolist()
    [0.75, 0.25, 0.0]
    """
    moves = transition[list(TIERS)]
    return moves.div(moves.sum(axis=1), axis=0)


def policy_transition(
    moves: pd.DataFrame,
    policy: dict[str, str],
    retention: pd.DataFrame,
    exit_state: str = "left",
) -> pd.DataFrame:
    """Transition matrix under a service policy: each tier keeps its customers with the
    retention of the level it gets, and those who stay move as in ``moves``.

    ``P[t, j] = r(t, policy[t]) × moves[t, j]`` and ``P[t, exit] = 1 - r(t, policy[t])``.

    Parameters
    ----------
    moves : pandas.DataFrame
        Tier moves among stayers (:func:`stayer_moves`).
    policy : dict
        Service level per tier.
    retention : pandas.DataFrame
        Retention by tier (rows) and service level (columns).
    exit_state : str

    Returns
    -------
    pandas.DataFrame
        Tiers (rows) to tiers and ``exit_state`` (columns), rows summing to 1.

    Raises
    ------
    ParameterError
        A bad policy.
    DataValidationError
        No retention rate for a tier's level.
    """
    pol = _policy(policy)
    r = pd.Series({t: float(retention.loc[t, pol[t]]) for t in TIERS})
    if r.isna().any():
        raise DataValidationError(f"no retention rate for {list(r.index[r.isna()])} under {pol}")
    out = moves.loc[list(TIERS), list(TIERS)].mul(r, axis=0)
    out[exit_state] = 1 - r
    out.index.name, out.columns.name = "from", "to"
    return out


def markov_projection(
    transition: pd.DataFrame,
    start: pd.Series,
    years: int = 5,
    values: pd.Series | None = None,
    costs: pd.Series | None = None,
    discount_rate: float = 0.0,
) -> pd.DataFrame:
    """Project the tier mix and its value year by year with a transition matrix.

    The rows of ``transition`` are the live states (tiers); columns that are not rows (such as
    ``left``) are absorbing: customers who reach them stay there. No new customers are added.

    Parameters
    ----------
    transition : pandas.DataFrame
        Rows sum to 1 (e.g. :func:`transition_matrix` or :func:`policy_transition`).
    start : pandas.Series
        Customers in each live state now.
    years : int
        Years to project (1 to 100).
    values : pandas.Series, optional
        Yearly value of one customer in each live state, earned by those in the state at the
        end of the year.
    costs : pandas.Series, optional
        Yearly service cost of one customer in each live state, paid for those in the state at
        the start of the year.
    discount_rate : float
        Year ``t``'s value and cost are divided by ``(1 + discount_rate) ** t``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year`` (0 = now): customers in every state, and with ``values``:
        ``value``, ``cost``, ``net_value``, ``discounted_net_value`` and
        ``cumulative_discounted`` (0 in year 0).

    Examples
    --------
    >>> P = pd.DataFrame({"high": [0.5], "left": [0.5]}, index=["high"])
    >>> proj = markov_projection(P, pd.Series({"high": 100.0}), years=2,
    ...                          values=pd.Series({"high": 10.0}))
    >>> proj[["high", "left", "value"]].values.tolist()
    [[100.0, 0.0, 0.0], [50.0, 50.0, 500.0], [25.0, 75.0, 250.0]]
    """
    n_years = check_int("years", years, 1, 100)
    d = check_number("discount_rate", discount_rate, 0, 1)
    if not isinstance(transition, pd.DataFrame):
        raise DataValidationError("transition must be a pandas DataFrame (rows: states now)")
    live = list(transition.index)
    missing = [s for s in live if s not in transition.columns]
    if missing:
        raise DataValidationError(
            f"transition has rows {missing} without a column; every live state must also be a "
            "column (the share that stays in it)"
        )
    p = transition.astype(float)
    off = ~np.isclose(p.sum(axis=1), 1.0, atol=1e-6) | (p < 0).any(axis=1) | p.isna().any(axis=1)
    if off.any():
        raise DataValidationError(
            f"transition rows {list(p.index[off.to_numpy()])} are not probabilities adding up "
            "to 1; check the matrix (an empty tier gives a missing row)"
        )
    absorbing = [c for c in p.columns if c not in live]
    order = [*live, *absorbing]
    full = np.zeros((len(order), len(order)))
    full[: len(live)] = p[order].to_numpy()
    full[len(live) :, len(live) :] = np.eye(len(absorbing))
    counts = np.zeros((n_years + 1, len(order)))
    counts[0, : len(live)] = pd.Series(start, dtype=float).reindex(live).fillna(0).to_numpy()
    for year in range(1, n_years + 1):
        counts[year] = counts[year - 1] @ full
    out = pd.DataFrame(counts, columns=order, index=pd.RangeIndex(n_years + 1, name="year"))
    if values is not None:
        val = pd.Series(values, dtype=float).reindex(live).fillna(0).to_numpy()
        cst = (
            np.zeros(len(live))
            if costs is None
            else pd.Series(costs, dtype=float).reindex(live).fillna(0).to_numpy()
        )
        live_counts = counts[:, : len(live)]
        value = live_counts @ val
        cost = np.concatenate([[0.0], live_counts[:-1] @ cst])
        value[0] = 0.0
        disc = (1 + d) ** -np.arange(n_years + 1)
        out["value"] = value
        out["cost"] = cost
        out["net_value"] = value - cost
        out["discounted_net_value"] = out["net_value"] * disc
        out["cumulative_discounted"] = out["discounted_net_value"].cumsum()
    return out


def migration_summary(
    before: pd.Series, after: pd.Series, value_before: pd.Series, value_after: pd.Series
) -> pd.DataFrame:
    """What tier moves mean for value: customers and mean yearly value before and after, by
    (tier before, tier after); customers who left have a value after of 0.

    Parameters
    ----------
    before, after : pandas.Series
        Tiers at the two snapshots (missing ``after``: left).
    value_before, value_after : pandas.Series
        Yearly value per customer at the two snapshots.

    Returns
    -------
    pandas.DataFrame
        Indexed by (from, to): ``customers``, ``mean_value_before``, ``mean_value_after`` and
        ``total_change`` (sum after minus sum before).

    Raises
    ------
    DataValidationError
        As for :func:`transition_matrix`.
    """
    s = _states(before, after, "left")
    s["value_before"] = pd.Series(value_before).reindex(s.index).astype(float)
    s["value_after"] = pd.Series(value_after).reindex(s.index).astype(float).fillna(0.0)
    g = s.groupby(["from", "to"])
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_value_before": g["value_before"].mean(),
            "mean_value_after": g["value_after"].mean(),
        }
    )
    out["total_change"] = g["value_after"].sum() - g["value_before"].sum()
    order = [*TIERS, "left"]
    idx = sorted(out.index, key=lambda k: (order.index(k[0]), order.index(k[1])))
    return out.reindex(pd.MultiIndex.from_tuples(idx, names=["from", "to"]))


def plot_transition_matrix(matrix: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """Heatmap of a transition matrix with the shares written in the cells.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Output of :func:`transition_matrix` (or any matrix of shares).
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = plt.subplots(figsize=(6, 3.6))[1] if ax is None else ax
    opts = {"annot": True, "fmt": ".1%", "cmap": "Blues", "vmin": 0, "vmax": 1, "cbar": False}
    opts.update(kwargs)
    sns.heatmap(matrix.astype(float), ax=ax, **opts)
    ax.set(xlabel="a year later", ylabel="tier now", title="Tier migration in one year")
    ax.tick_params(axis="y", rotation=0)
    return ax


def plot_projection(projection: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """Stacked customers per tier over the projected years.

    Parameters
    ----------
    projection : pandas.DataFrame
        Output of :func:`markov_projection`.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.stackplot`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = plt.subplots()[1] if ax is None else ax
    live = [t for t in TIERS if t in projection.columns]
    colors = {"high": "#2f6690", "medium": "#f18f01", "low": "#3a7d44"}
    ax.stackplot(
        projection.index,
        *[projection[t] for t in live],
        labels=live,
        colors=[colors[t] for t in live],
        alpha=0.85,
        **kwargs,
    )
    ax.set(xlabel="year", ylabel="customers still with the bank", title="Projected tier mix")
    ax.set_xticks(list(projection.index))
    ax.legend(title="tier", loc="upper right", frameon=False)
    return ax


def plot_retention(table: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """Retention by tier and service level, as points with their confidence intervals
    (output of retention_by_service); points rather than bars, because the axis does not
    start at 0.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`retention_by_service`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made when missing.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` for every service level's points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = plt.subplots()[1] if ax is None else ax
    x = np.arange(len(TIERS))
    step = 0.22
    for j, level in enumerate(SERVICE_LEVELS):
        rows = table.xs(level, level="service").reindex(list(TIERS))
        pos = x + (j - (len(SERVICE_LEVELS) - 1) / 2) * step
        err = np.vstack([rows["retention"] - rows["ci_low"], rows["ci_high"] - rows["retention"]])
        style = {"fmt": "o", "ms": 7, "capsize": 4, "label": level, "color": f"C{j}", **kwargs}
        ax.errorbar(pos, rows["retention"], yerr=err, **style)
    ax.set_xticks(x, list(TIERS))
    ax.set_xlim(-0.6, len(TIERS) - 0.4)
    ax.set(
        xlabel="value tier",
        ylabel="still a customer a year later",
        title="Retention by tier and service level (95% intervals)",
    )
    ax.legend(title="service", frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax
