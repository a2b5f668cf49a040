"""The six-step customer value analysis of a retailer: the pieces no other module has.

The curriculum's six steps — purpose and framework, data collection and cleaning,
segmentation, value evaluation, tier strategies, implementation and monitoring — mostly reuse
the course's helpers (:func:`helpers.summarize`, :func:`helpers.rfm_scores`,
:func:`helpers.value_score`, :func:`helpers.value_tiers`, the CLV models of
:mod:`helpers.clv`, :mod:`helpers.customer_base`). This module adds what a case run end to end
needs besides:

* :data:`PURCHASE_LOG` — the data contract of a retailer's purchase log, and
  :func:`load_purchase_log` to read the bundled CDNOW log or a user's file (CSV, .xlsx,
  Parquet) through it;
* :func:`clean_purchase_log` — step 2: a data-quality report that finds missing values, dates
  outside the study window, returns (negative amounts), zero amounts and duplicate rows, and
  says what it removed and why (nothing is dropped silently);
* :func:`value_indicators` — step 4's indicators from the calibration period;
* :data:`TIER_STRATEGIES` and :func:`allocate_budget` — step 5: a strategy per value tier and
  a marketing budget spent where the expected return per yuan (or dollar) is highest, after a
  greeting for every customer;
* :func:`tier_monitoring` — step 6: each tier's predicted against actual purchases and spend
  in the holdout period.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.customer_base.rfm import rfm_table, summarize
from helpers.data.contracts import Column, DataContract
from helpers.data.datasets import load_cdnow
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.language import text
from helpers.validation import (
    check_choice,
    check_date,
    check_frame,
    check_number,
    date_column,
    require_columns,
    rows,
    text_numbers,
)

__all__ = [
    "PURCHASE_LOG",
    "TIER_STRATEGIES",
    "BudgetPlan",
    "QualityReport",
    "allocate_budget",
    "clean_purchase_log",
    "load_purchase_log",
    "tier_monitoring",
    "value_indicators",
]

#: A retailer's purchase log. CDNOW maps onto it directly: its ``customer_id`` (the customer
#: number) is ``customer_id``, its purchase day (``YYYYMMDD``) is ``date`` and its dollar value
#: is ``amount``; its ``quantity`` (number of CDs) is an extra column that is kept but not used.
PURCHASE_LOG = DataContract(
    "purchase log",
    [
        Column(
            "customer_id",
            "id",
            "customer identifier (member number)",
            description_zh="客户编号（会员号）",
        ),
        Column("date", "date", "day of the purchase", description_zh="购买日期"),
        Column(
            "amount",
            "number",
            "value of the purchase in the shop's currency; negative for a return, empty when "
            "unknown (the cleaning step reports and removes those rows)",
            required=False,
            description_zh="购买金额，以商店所用货币计；退货为负数，未知时为空"
            "（数据清洗步骤会报告并删除这些行）",
        ),
    ],
)

#: Value-raising strategy per tier (curriculum §4): what it is, what it costs per customer a
#: year, and the assumed uplift — the share of a customer's predicted value it adds. The costs
#: and uplifts are planning assumptions to replace with the retailer's own figures.
TIER_STRATEGIES = pd.DataFrame(
    {
        "tier": ["high", "medium", "low"],
        "strategy": [
            "dedicated service: personal recommendations, exclusive offers and early access, "
            "their feedback collected",
            "personalised bundles, points and member privileges",
            "good basic service, cross-selling that leads to a second purchase",
        ],
        "cost_per_customer": [2.0, 0.5, 0.2],
        "uplift": [0.20, 0.15, 0.10],
    }
).set_index("tier")

_ORDER = ("missing values", "outside the study window", "negative amounts", "zero amounts")


def load_purchase_log(
    data_path: str | Path = "",
    cdnow_kind: str = "master",
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str | None = None,
    decimal: str = ".",
) -> pd.DataFrame:
    """The purchase log of the case: the bundled CDNOW log, or a file, checked on load.

    Parameters
    ----------
    data_path : str or Path
        Empty for the bundled CDNOW log, else a CSV, Excel (.xlsx) or Parquet file with the
        columns of :data:`PURCHASE_LOG`, read by :meth:`~helpers.data.DataContract.read`
        (encoding, delimiter and sheet detected; customer ids kept as text).
    cdnow_kind : {"master", "sample"}
        Which CDNOW log, when ``data_path`` is empty.
    date_format, dayfirst, decimal
        How the file writes dates (``dayfirst=True`` for 05/01/2024 as 5 January,
        ``date_format="%d.%m.%Y"``, ``"excel"`` for serial numbers) and decimals
        (``decimal=","`` for 3,5); see :meth:`helpers.data.DataContract.validate`.
    encoding, sep, sheet_name : str, optional
        Override the detected text encoding and delimiter of a CSV file, or name the sheet of
        a workbook. Only with ``data_path``.

    Returns
    -------
    pandas.DataFrame
        The log with ``customer_id`` (str), ``date`` (datetime64) and ``amount`` (float) first,
        extra columns after them.

    Raises
    ------
    DataValidationError
        The file is missing, unreadable or breaks the contract (the message names the column,
        the rows and the option or fix).
    ParameterError
        File options without ``data_path``.

    Examples
    --------
    >>> log = load_purchase_log(cdnow_kind="sample")
    >>> log.columns.tolist()[:3], len(log)
    (['customer_id', 'date', 'amount'], 6919)
    """
    options = {
        "date_format": date_format,
        "dayfirst": dayfirst,
        "encoding": encoding,
        "sep": sep,
        "sheet_name": sheet_name,
        "decimal": decimal,
    }
    if str(data_path):
        return PURCHASE_LOG.read(data_path, **options)
    passed = [k for k, v in options.items() if v is not None and (k, v) != ("decimal", ".")]
    if passed:
        raise ParameterError(
            f"{', '.join(f'{k}=' for k in passed)} describe(s) how a file is read, but no "
            "data_path was given (the bundled CDNOW log needs none); pass data_path= too, or "
            "leave them out"
        )
    check_choice("cdnow_kind", cdnow_kind, ["master", "sample"])
    return PURCHASE_LOG.validate(load_cdnow(cdnow_kind))


@dataclass
class QualityReport:
    """Result of :func:`clean_purchase_log`.

    Attributes
    ----------
    clean : pandas.DataFrame
        The rows kept (a copy; the input is not modified).
    table : pandas.DataFrame
        One row per check: ``found`` (rows that fail it), ``removed`` (rows removed by it and
        by no earlier check, so the column adds up to the rows removed), ``action``, ``reason``
        and ``examples`` (the first offending rows).
    before, after : pandas.Series
        ``rows``, ``customers`` and ``revenue`` of the log before and after cleaning.
    """

    clean: pd.DataFrame
    table: pd.DataFrame
    before: pd.Series
    after: pd.Series

    def overview(self) -> pd.DataFrame:
        """Rows, customers and revenue before and after, with the share kept."""
        out = pd.DataFrame({"before": self.before, "after": self.after})
        out["kept"] = out["after"] / out["before"]
        return out


def _totals(log: pd.DataFrame) -> pd.Series:
    return pd.Series(
        {
            "rows": float(len(log)),
            "customers": float(log["customer_id"].nunique()),
            "revenue": float(log["amount"].sum()),
        }
    )


def clean_purchase_log(
    log: pd.DataFrame,
    start=None,
    end=None,
    duplicates: str = "keep",
    zero_amounts: str = "drop",
) -> QualityReport:
    """Step 2 of the value analysis: check a purchase log and say what is removed and why.

    Checks, in this order (a row is removed by the first check it fails):

    1. **missing values** in ``customer_id``, ``date`` or ``amount`` — removed: a purchase
       without a customer, a day or a value cannot be attributed;
    2. **outside the study window** — dates before ``start`` or after ``end``: removed;
    3. **negative amounts** — returns or corrections: removed (net them against their
       purchases at the source if they matter);
    4. **zero amounts** — free items or promotional orders: removed by default (they are not
       purchases of value, and a customer whose repeat purchases are all free breaks the
       spend model), kept with ``zero_amounts="keep"``;
    5. **exact duplicate rows** — kept by default: two identical items bought on one day are
       common in real logs (CDNOW has 255); ``duplicates="drop"`` removes the repeats when
       they are known to be double-loaded records.

    Parameters
    ----------
    log : pandas.DataFrame
        Columns ``customer_id``, ``date`` (datetime64) and ``amount``, e.g. from
        :func:`load_purchase_log`.
    start, end : date-like, optional
        The study window (inclusive); default the log's first and last date.
    duplicates, zero_amounts : {"keep", "drop"}
        What to do with exact duplicate rows and with zero amounts.

    Returns
    -------
    QualityReport
        The clean log, the report table, and totals before and after.

    Raises
    ------
    DataValidationError
        A column is missing, or nothing is left after cleaning.
    ParameterError
        For a bad option or an end before the start.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c", "c"],
    ...                     "date": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-05",
    ...                                             "2024-02-01", "2024-03-01", "2025-01-01"]),
    ...                     "amount": [10.0, 10.0, -4.0, 0.0, 25.0, 8.0]})
    >>> report = clean_purchase_log(log, start="2024-01-01", end="2024-12-31")
    >>> report.table["removed"].tolist()
    [0, 1, 1, 1, 0]
    >>> report.clean["amount"].tolist()
    [10.0, 10.0, 25.0]
    """
    check_choice("duplicates", duplicates, ["keep", "drop"])
    check_choice("zero_amounts", zero_amounts, ["keep", "drop"])
    check_frame(log, "log", allow_empty=True)
    require_columns(
        log,
        PURCHASE_LOG.names,
        "log",
        fix="load it with load_purchase_log (see PURCHASE_LOG for the columns)",
    )
    if not pd.api.types.is_datetime64_any_dtype(log["date"]):
        raise DataValidationError(
            "column 'date' is not a date column; load the log with load_purchase_log, which "
            "parses it"
        )
    dates = log["date"]
    lo = check_date("start", start) if start is not None else dates.min()
    hi = check_date("end", end) if end is not None else dates.max()
    if hi < lo:
        raise ParameterError(f"parameter 'end' = {hi.date()} is before 'start' = {lo.date()}")
    amount = text_numbers(log, "amount", "log")  # "$5" is an error, not a missing value
    missing = (log["customer_id"].isna() | dates.isna() | amount.isna()).to_numpy()
    outside = ((dates < lo) | (dates > hi)).to_numpy() & ~missing
    negative = (amount < 0).to_numpy()
    zero = (amount == 0).to_numpy()
    dup = log.duplicated(keep="first").to_numpy()
    checks = {
        "missing values": (
            missing,
            True,
            text("a purchase without customer, day or value", "缺少客户、日期或金额的购买记录"),
        ),
        "outside the study window": (
            outside,
            True,
            text(
                f"dated outside {lo.date()} to {hi.date()}",
                f"日期不在 {lo.date()} 至 {hi.date()} 之间",
            ),
        ),
        "negative amounts": (
            negative,
            True,
            text("returns or corrections, not purchases", "退货或更正，不是购买"),
        ),
        "zero amounts": (
            zero,
            zero_amounts == "drop",
            text("free items or promotions: no value", "赠品或促销：没有价值")
            if zero_amounts == "drop"
            else text("free items or promotions, kept as visits", "赠品或促销，作为到店保留"),
        ),
        "exact duplicate rows": (
            dup,
            duplicates == "drop",
            text(
                "repeats of an earlier row, treated as double-loaded records",
                "与前面某行完全相同，视为重复导入的记录",
            )
            if duplicates == "drop"
            else text(
                "identical purchases on one day are plausible", "同一天两笔相同的购买是可能的"
            ),
        ),
    }
    gone = np.zeros(len(log), bool)
    records = []
    for name, (mask, drop, reason) in checks.items():
        removed = mask & ~gone if drop else np.zeros(len(log), bool)
        records.append(
            {
                "check": name,
                "found": int(mask.sum()),
                "removed": int(removed.sum()),
                "action": ("removed" if drop else "kept") if mask.any() else "none found",
                "reason": reason,
                "examples": rows(log.index, mask) if mask.any() else "",
            }
        )
        gone |= removed
    clean = log.loc[~gone].copy()
    if len(clean) == 0:
        raise DataValidationError(
            "no purchase is left after cleaning; check the study window and the amounts"
        )
    table = pd.DataFrame(records).set_index("check")
    return QualityReport(clean, table, _totals(log.assign(amount=amount)), _totals(clean))


def value_indicators(log: pd.DataFrame, calibration_end) -> pd.DataFrame:
    """Step 4's indicators per customer, measured in the calibration period.

    * ``capacity``: total spend (purchase capacity);
    * ``frequency``: number of purchase days;
    * ``loyalty``: weeks from the first to the last purchase (how long the customer has
      stayed);
    * ``recency``: minus the weeks since the last purchase, so that higher is better.

    The curriculum's fourth indicator, **influence** (referrals, reviews), is not in a purchase
    log; add it as a column from the CRM system when it is known.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id like :func:`helpers.summarize` with ``calibration_end``
        (customers who first bought after it are not included).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                     "date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-08"]),
    ...                     "amount": [10.0, 30.0, 5.0]})
    >>> ind = value_indicators(log, "2024-01-29")
    >>> ind.columns.tolist()
    ['capacity', 'frequency', 'loyalty', 'recency']
    >>> ind.loc["a"].tolist(), ind.loc["b"].tolist()
    ([40.0, 2.0, 2.0, -2.0], [5.0, 1.0, 0.0, -3.0])
    """
    cal = check_date("calibration_end", calibration_end)
    check_frame(log, "log")
    require_columns(log, PURCHASE_LOG.names, "log")
    inside = log[(date_column(log, "date", "log") <= cal).to_numpy()]
    if len(inside) == 0:
        raise DataValidationError(
            f"no purchase on or before calibration_end {cal.date()}; move it later"
        )
    # Spend and days per customer from the same validated log as the summary (ids written
    # two ways are one customer in both).
    rfm = rfm_table(inside, observation_end=cal, time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # rfm_table has said it already
        s = summarize(inside, amount_col="amount", observation_end=cal, time_unit="W")
    return pd.DataFrame(
        {
            "capacity": rfm["monetary"].to_numpy(),
            "frequency": rfm["frequency"].to_numpy(),
            "loyalty": s["recency"].to_numpy(),
            "recency": -rfm["recency"].to_numpy(),
        },
        index=s.index,
    )


@dataclass
class BudgetPlan:
    """Result of :func:`allocate_budget`.

    Attributes
    ----------
    customers : pandas.DataFrame
        Per customer: ``tier``, ``value``, ``cost`` (of the tier's strategy),
        ``expected_gain`` (uplift × value), ``return_per_cost`` and ``funded``.
    tiers : pandas.DataFrame
        Per tier: ``strategy``, ``customers``, ``funded``, ``share_funded``, ``care_cost``,
        ``strategy_cost``, ``expected_gain`` and ``return_per_cost`` (gain per unit of
        strategy cost).
    budget, care_cost, spent, expected_gain : float
        The budget, what the greetings took, what was spent in all, and the expected gain.
    """

    customers: pd.DataFrame
    tiers: pd.DataFrame
    budget: float
    care_cost: float
    spent: float
    expected_gain: float


def allocate_budget(
    value: pd.Series,
    tiers: pd.Series,
    budget: float,
    strategies: pd.DataFrame | None = None,
    care_cost: float = 0.1,
) -> BudgetPlan:
    """Step 5: spend a marketing budget on the tiers' strategies where it returns most.

    First every customer gets the low-cost care the curriculum asks for all tiers (holiday and
    birthday greetings) at ``care_cost`` each. The rest of the budget funds the tier
    strategies customer by customer: a customer of tier ``t`` costs ``cost_per_customer[t]``
    and is expected to add ``uplift[t] * value`` (value: e.g. the customer's lifetime value).
    Customers are funded in order of expected gain per unit of cost, highest first, while the
    gain exceeds the cost and the budget lasts — the greedy rule, which is optimal for this
    kind of allocation up to the last customer that no longer fits (Dantzig 1957).

    Parameters
    ----------
    value : pandas.Series
        Value of each customer (non-negative), indexed by customer id.
    tiers : pandas.Series
        Tier of each customer (the index of ``strategies``), same index.
    budget : float
        The budget for the year.
    strategies : pandas.DataFrame, optional
        Indexed by tier, with ``strategy``, ``cost_per_customer`` and ``uplift``; default
        :data:`TIER_STRATEGIES`.
    care_cost : float
        Cost of the greetings per customer.

    Returns
    -------
    BudgetPlan

    Raises
    ------
    ParameterError
        A negative budget, or one that does not cover the greetings for every customer.
    DataValidationError
        Values missing or negative, tiers unknown to the strategy table, indexes that differ.

    Examples
    --------
    >>> value = pd.Series([100.0, 50.0, 10.0, 8.0], index=list("abcd"))
    >>> tiers = pd.Series(["high", "high", "medium", "low"], index=value.index)
    >>> plan = allocate_budget(value, tiers, budget=5.0, care_cost=0.5)
    >>> plan.customers["funded"].tolist(), round(plan.spent, 2)
    ([True, False, True, True], 4.7)

    References
    ----------
    Dantzig, G. B. (1957). Discrete-variable extremum problems. *Operations Research* 5(2),
    266-288.
    """
    strategies = TIER_STRATEGIES if strategies is None else strategies
    need = {"strategy", "cost_per_customer", "uplift"}
    if not need <= set(strategies.columns):
        raise DataValidationError(
            f"strategies lack column(s) {sorted(need - set(strategies.columns))}; see "
            "TIER_STRATEGIES for the table's shape"
        )
    b = check_number("budget", budget, 0)
    care = check_number("care_cost", care_cost, 0)
    v = pd.to_numeric(pd.Series(value), errors="coerce")
    bad = (v.isna() | (v < 0)).to_numpy()
    if bad.any():
        raise DataValidationError(
            f"value has {int(bad.sum())} missing or negative value(s) ({rows(v.index, bad)}); "
            "every customer needs a non-negative value"
        )
    t = pd.Series(tiers).astype(str)
    if not t.index.equals(v.index):
        raise DataValidationError("value and tiers must have the same index (one per customer)")
    unknown = ~t.isin(strategies.index).to_numpy()
    if unknown.any():
        raise DataValidationError(
            f"tiers has {int(unknown.sum())} tier(s) without a strategy "
            f"({rows(t.index, unknown, t)}); the strategy table has {list(strategies.index)}"
        )
    care_total = care * len(v)
    if care_total > b:
        raise ParameterError(
            f"parameter 'budget' = {b:g} does not cover the greetings for all {len(v)} "
            f"customers ({care_total:g} at {care:g} each); raise it to at least {care_total:g}"
        )
    cost = strategies.loc[t, "cost_per_customer"].to_numpy(dtype=float)
    gain = strategies.loc[t, "uplift"].to_numpy(dtype=float) * v.to_numpy()
    ratio = np.divide(gain, cost, out=np.full(len(v), np.inf), where=cost > 0)
    order = np.lexsort((np.arange(len(v)), -ratio))  # highest return first, ties in order
    funded = np.zeros(len(v), bool)
    left = b - care_total
    for i in order:
        if gain[i] <= cost[i]:
            break  # the rest return less than they cost
        if cost[i] <= left:
            funded[i] = True
            left -= cost[i]
    customers = pd.DataFrame(
        {
            "tier": t,
            "value": v,
            "cost": cost,
            "expected_gain": gain,
            "return_per_cost": ratio,
            "funded": funded,
        },
        index=v.index,
    )
    f = customers[customers["funded"]]
    by = customers.groupby("tier")
    table = pd.DataFrame(
        {
            "strategy": strategies["strategy"],
            "customers": by.size(),
            "funded": f.groupby("tier").size(),
        }
    ).reindex(strategies.index)
    table["customers"] = table["customers"].fillna(0).astype(int)
    table["funded"] = table["funded"].fillna(0).astype(int)
    table["share_funded"] = table["funded"] / table["customers"].replace(0, np.nan)
    table["care_cost"] = care * table["customers"]
    table["strategy_cost"] = f.groupby("tier")["cost"].sum().reindex(table.index).fillna(0.0)
    table["expected_gain"] = (
        f.groupby("tier")["expected_gain"].sum().reindex(table.index).fillna(0.0)
    )
    table["return_per_cost"] = table["expected_gain"] / table["strategy_cost"].replace(0, np.nan)
    spent = care_total + float(f["cost"].sum())
    return BudgetPlan(customers, table, b, care_total, spent, float(f["expected_gain"].sum()))


def tier_monitoring(
    tiers: pd.Series,
    predicted_purchases: pd.Series,
    actual_purchases: pd.Series,
    predicted_spend: pd.Series | None = None,
    actual_spend: pd.Series | None = None,
) -> pd.DataFrame:
    """Step 6: each tier's predicted against actual holdout behaviour.

    Parameters
    ----------
    tiers : pandas.Series
        Tier of each customer, scored on the calibration period.
    predicted_purchases, actual_purchases : pandas.Series
        Purchases in the holdout period per customer: the model's expectation and what
        happened (e.g. ``frequency_holdout`` of :func:`helpers.summarize`).
    predicted_spend, actual_spend : pandas.Series, optional
        The same for spend.

    Returns
    -------
    pandas.DataFrame
        Per tier (in the tiers' order) and a ``total`` row: ``customers``,
        ``predicted_purchases``, ``actual_purchases``, ``purchases_error_pct`` (predicted vs
        actual, in %), ``active_share`` (share of customers who bought in the holdout) and, with
        spend, ``predicted_spend``, ``actual_spend``, ``spend_error_pct``. Totals, not means.

    Examples
    --------
    >>> tiers = pd.Series(["high", "high", "low"], index=list("abc"))
    >>> table = tier_monitoring(tiers, pd.Series([2.0, 1.0, 0.5], index=list("abc")),
    ...                         pd.Series([3, 0, 1], index=list("abc")))
    >>> table["purchases_error_pct"].round(1).tolist()
    [0.0, -50.0, -12.5]
    """
    t = pd.Series(tiers)
    parts = {"predicted_purchases": predicted_purchases, "actual_purchases": actual_purchases}
    if (predicted_spend is None) != (actual_spend is None):
        raise ParameterError("pass both predicted_spend and actual_spend, or neither")
    if predicted_spend is not None:
        parts |= {"predicted_spend": predicted_spend, "actual_spend": actual_spend}
    frame = pd.DataFrame(index=t.index)
    for name, s in parts.items():
        s = pd.Series(s)
        aligned = s.reindex(t.index)
        bad = aligned.isna().to_numpy()
        if bad.any():
            raise DataValidationError(
                f"{name} has no value for {int(bad.sum())} customer(s) of tiers "
                f"({rows(t.index, bad)}); predict and measure for the same customers"
            )
        frame[name] = aligned.astype(float)
    frame["active"] = (frame["actual_purchases"] > 0).astype(float)
    order = list(t.cat.categories) if isinstance(t.dtype, pd.CategoricalDtype) else None
    g = frame.groupby(t.astype(str), sort=order is None)
    table = g.sum()
    table.insert(0, "customers", g.size())
    if order is not None:
        table = table.reindex([str(c) for c in order]).dropna(how="all")
    table.loc["total"] = frame.sum()
    table.loc["total", "customers"] = len(frame)
    table["active_share"] = table.pop("active") / table["customers"]
    for what in ("purchases", "spend"):
        if f"actual_{what}" in table:
            table[f"{what}_error_pct"] = 100 * (
                table[f"predicted_{what}"] / table[f"actual_{what}"] - 1
            )
    table["customers"] = table["customers"].astype(int)
    table.index.name = "tier"
    cols = ["customers", "predicted_purchases", "actual_purchases", "purchases_error_pct"]
    cols += ["active_share"]
    if predicted_spend is not None:
        cols += ["predicted_spend", "actual_spend", "spend_error_pct"]
    return table[cols]
