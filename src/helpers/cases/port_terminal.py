"""Allocating the account managers' limited visit hours across business accounts.

The port / oil-terminal case: new competing terminals open, each account may move its business
there, and the account managers' visits lower that risk — with diminishing returns. Which
accounts should get how many hours?

The model
---------
For account ``i`` with value at stake ``V_i`` (the discounted contribution over the planning
horizon, :func:`account_value`) and visit hours ``h_i`` in the coming year:

* the probability that it leaves is ``p_i(h) = p_i × (1 - a_i × (1 - 2 ** (-h / t_i)))``,
  where ``p_i`` is the leave probability with no extra visits (``leave_prob``), ``a_i`` the
  share of that risk that unlimited visits could remove (``max_reduction``) and ``t_i`` the
  hours that remove half of the removable risk (``half_hours``);
* the expected value retained is ``V_i × (1 - p_i(h_i))``, an increasing, concave function of
  the hours: each extra hour is worth less than the one before (diminishing returns);
* the plan maximises the total expected value retained, subject to a total-hours budget and a
  minimum and maximum number of hours per account (by quadrant of the differentiated-service
  matrix, :data:`QUADRANT_HOURS`: Stars and Questions get high-quality visits, Dogs minimal).

The objective is non-linear, so :func:`allocate_hours` replaces each account's curve by a
piecewise-linear one with ``n_segments`` equal segments between 0 and its maximum hours (the
chords of the curve). Because the curve is concave, the slopes of the segments decrease, and a
maximising linear programme fills an account's segments in order without any integer
variables; scipy's ``linprog`` (HiGHS) solves it. The chords lie below the curve, so the value
of the plan on the true curve is at least the programme's objective; the difference is reported
(``approximation_gap``) and shrinks as ``n_segments`` grows.

Assumptions, stated so they can be challenged: accounts leave or stay independently; visits
act only on the account visited (no spill-over within a group of companies); the response
parameters are known (in practice: estimated from past campaigns or the account managers'
judgement, and worth a sensitivity check); an hour of any manager is worth the same everywhere
(no travel time); a departing account takes its whole value with it.

The case's data contract, :data:`PORT_ACCOUNTS`, lives here because it describes exactly what
these functions consume; :func:`helpers.simulate.terminal.terminal_accounts` produces data that
follow it.

References
----------
Lodish, L. M. (1971). CALLPLAN: an interactive salesman's call planning system. *Management
Science* 18(4-II), P25-P40.

Charnes, A. and Lemke, C. E. (1954). Minimization of non-linear separable convex functionals.
*Naval Research Logistics Quarterly* 1(4), 301-312.

Ibaraki, T. and Katoh, N. (1988). *Resource Allocation Problems: Algorithmic Approaches*. MIT
Press. (Greedy marginal allocation is optimal for separable concave objectives.)

Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
*Mathematical Programming Computation* 10, 119-142. (HiGHS.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter
from scipy.optimize import brentq, linprog

from helpers.customer_base.portfolio import RELATIONSHIP_TYPES
from helpers.data.contracts import Column, DataContract
from helpers.exceptions import ConvergenceError, DataValidationError, ParameterError
from helpers.validation import (
    binary_column,
    check_frame,
    check_int,
    check_number,
    numeric_column,
    numeric_values,
    require_columns,
    rows,
)

__all__ = [
    "PORT_ACCOUNTS",
    "QUADRANT_HOURS",
    "Allocation",
    "account_value",
    "allocate_hours",
    "budget_sweep",
    "compare_allocations",
    "draw_departures",
    "even_split",
    "expected_retained",
    "hour_bounds",
    "leave_probability",
    "load_accounts",
    "plan_vs_actual",
    "plot_allocation",
    "plot_budget_sweep",
    "plot_response",
    "proportional_split",
    "simulate_outcomes",
    "value_at_risk",
]

#: The port case's data contract: one row per business account.
PORT_ACCOUNTS = DataContract(
    "port accounts",
    [
        Column("account_id", "id", "account identifier", description_zh="账户编号"),
        Column(
            "kind",
            "category",
            "kind of account",
            choices=("cargo owner", "shipping agent", "trader"),
            description_zh="账户类型",
        ),
        Column(
            "volume",
            "number",
            "thousand tonnes a year shipped through us now",
            minimum=0,
            description_zh="目前每年经我方码头的吞吐量，千吨",
        ),
        Column(
            "potential_volume",
            "number",
            "thousand tonnes a year the account could ship through us",
            minimum=0,
            description_zh="该账户每年可经我方码头运输的潜在吞吐量，千吨",
        ),
        Column(
            "cost_to_serve",
            "number",
            "thousand yuan a year to serve the account",
            minimum=0,
            description_zh="每年服务该账户的成本，千元",
        ),
        Column(
            "relationship_strength",
            "number",
            "strength of the relationship, 0 (none) to 10 (closest)",
            minimum=0,
            maximum=10,
            description_zh="关系强度，0（没有关系）至 10（最紧密）",
        ),
        Column(
            "relationship_type",
            "category",
            "type of relationship",
            choices=RELATIONSHIP_TYPES,
            description_zh="关系类型",
        ),
        Column(
            "unit_margin",
            "number",
            "handling margin, yuan per tonne (= thousand yuan per thousand tonnes)",
            minimum=0,
            description_zh="装卸毛利，元/吨（= 千元/千吨）",
        ),
        Column(
            "growth",
            "number",
            "expected yearly volume growth, as a share",
            minimum=-0.5,
            description_zh="预期的吞吐量年增长率，以比例表示",
        ),
        Column(
            "share_of_wallet",
            "number",
            "share of the account's potential volume it ships through us",
            minimum=0,
            maximum=1,
            description_zh="钱包份额：该账户潜在吞吐量中经我方码头的比例",
        ),
        Column(
            "contract_years_left",
            "integer",
            "years left on the contract",
            minimum=0,
            description_zh="合同剩余年数",
        ),
        Column(
            "leave_prob",
            "number",
            "chance the account moves to a new terminal within a year with no extra visits",
            minimum=0,
            maximum=1,
            description_zh="不增加拜访时，该账户一年内转到新码头的概率",
        ),
        Column(
            "max_reduction",
            "number",
            "share of that chance that unlimited visits could remove",
            minimum=0,
            maximum=1,
            description_zh="无限次拜访最多能消除的该概率的比例",
        ),
        Column(
            "half_hours",
            "number",
            "visit hours a year that remove half of the removable risk",
            minimum=0.1,
            description_zh="消除一半可消除风险所需的每年拜访小时数",
        ),
    ],
    key="account_id",
)

#: Minimum and maximum visit hours a year per account, by service-matrix quadrant: the
#: curriculum's "high-quality visits" for Stars and Questions, "moderate" for Cash cows and
#: "minimal" for Dogs.
QUADRANT_HOURS = pd.DataFrame(
    {"min_hours": [24.0, 12.0, 8.0, 0.0], "max_hours": [160.0, 160.0, 80.0, 24.0]},
    index=pd.Index(["Star", "Question", "Cash cow", "Dog"], name="quadrant"),
)

_RESPONSE = ("leave_prob", "max_reduction", "half_hours")


_ACCOUNTS_FIX = (
    "see PORT_ACCOUNTS for what each column holds (value comes from account_value, "
    "min_hours and max_hours from hour_bounds)"
)


def _column(accounts: pd.DataFrame, col: str, low=None, high=None, why: str = "") -> np.ndarray:
    """A numeric column of accounts in [low, high]; text and True/False are refused."""
    x = numeric_column(accounts, col, "accounts", allow_missing=True)
    bad = np.isnan(x)
    if low is not None:
        bad |= x < low
    if high is not None:
        bad |= x > high
    if bad.any():
        if low is not None and high is not None:
            span = f" (it must be from {low:g} to {high:g})"
        elif low is not None:
            span = f" (it must be at least {low:g})"
        else:
            span = f" (it must be at most {high:g})" if high is not None else ""
        raise DataValidationError(
            f"column {col!r} has {int(bad.sum())} missing or invalid value(s){span} "
            f"({rows(accounts.index, bad, accounts[col])}); "
            f"{why or 'correct or remove those accounts'}"
        )
    return x


def _response(accounts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    check_frame(accounts, "accounts")
    require_columns(accounts, [*_RESPONSE], "accounts", fix=_ACCOUNTS_FIX)
    p = _column(accounts, "leave_prob", 0, 1)
    a = _column(accounts, "max_reduction", 0, 1)
    t = _column(accounts, "half_hours", 0)
    zero = t <= 0
    if zero.any():
        raise DataValidationError(
            f"column 'half_hours' has {int(zero.sum())} value(s) of 0 "
            f"({rows(accounts.index, zero)}); it must be positive: the hours that remove half "
            "of the removable risk"
        )
    return p, a, t


def _hours(accounts: pd.DataFrame, hours) -> np.ndarray:
    """Visit hours per account: one number for all, a Series matched on the account index, or
    a list or array in the row order of accounts."""
    if isinstance(hours, pd.Series):
        if hours.index.has_duplicates:
            dup = hours.index.duplicated(keep=False)
            raise DataValidationError(
                f"hours names some accounts more than once ({rows(hours.index, dup)}); give "
                "each account its hours once"
            )
        extra = ~hours.index.isin(accounts.index)
        if extra.any():
            raise DataValidationError(
                f"hours names {int(extra.sum())} account(s) that are not in accounts "
                f"({rows(hours.index, extra)}); hours are matched on the account index: pass "
                "hours for exactly the accounts given"
            )
        h = hours.reindex(accounts.index)
        if h.isna().any():
            missing = h.isna().to_numpy()
            raise DataValidationError(
                f"hours has no value for {int(missing.sum())} account(s) "
                f"({rows(accounts.index, missing)}); give every account its hours (0 allowed)"
            )
        h = numeric_values(h, "hours").to_numpy()
    elif np.ndim(hours) == 0:
        h = np.full(len(accounts), check_number("hours", hours, 0, fix="visit hours are 0 or more"))
    else:
        h = numeric_values(hours, "hours").to_numpy()
        if len(h) != len(accounts):
            raise DataValidationError(
                f"hours has {len(h)} value(s) for the {len(accounts)} accounts; give one per "
                "account in the row order of accounts, or a Series indexed by account"
            )
    if (h < 0).any():
        bad = h < 0
        raise DataValidationError(
            f"hours has {int(bad.sum())} negative value(s) "
            f"({rows(accounts.index, bad, pd.Series(h))}); visit hours must be 0 or more"
        )
    return h


def load_accounts(
    data: str | Path | pd.DataFrame,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str | None = None,
    decimal: str = ".",
) -> pd.DataFrame:
    """The port case's accounts, checked against :data:`PORT_ACCOUNTS`, indexed by account_id.

    Parameters
    ----------
    data : str, pathlib.Path or pandas.DataFrame
        A CSV, Excel (.xlsx) or Parquet file with the contract's columns, read by
        :meth:`~helpers.data.DataContract.read` (encoding, delimiter and sheet detected;
        account ids kept as text), or a table (``account_id`` as a column or as the index's
        name) such as the output of :func:`helpers.simulate.terminal.terminal_accounts`.
    encoding, sep, sheet_name : str, optional
        Override the detected text encoding and delimiter of a CSV file, or name the sheet of
        a workbook; only with a file.
    decimal : {".", ","}
        The decimal mark of numbers written as text (``","`` for 0,35).

    Returns
    -------
    pandas.DataFrame
        A typed copy, indexed by ``account_id``; columns beyond the contract are kept.

    Raises
    ------
    DataValidationError
        The file is missing or unreadable, or the table breaks the contract (the message names
        the column, the rows and the fix).
    ParameterError
        A file option with a table.

    Examples
    --------
    >>> from helpers.simulate.terminal import terminal_accounts
    >>> accounts = load_accounts(terminal_accounts(12, random_state=1)[0]["accounts"])
    >>> accounts.index.name, len(accounts)
    ('account_id', 12)
    """
    table = PORT_ACCOUNTS.load(
        data, encoding=encoding, sep=sep, sheet_name=sheet_name, decimal=decimal
    )
    return table.set_index("account_id")


def account_value(
    accounts: pd.DataFrame, horizon_years: int = 3, discount_rate: float = 0.08
) -> pd.Series:
    """Value at stake per account: its discounted contribution over the planning horizon.

    ``sum over t = 1..H of (volume × unit_margin × (1 + growth) ** (t - 1) - cost_to_serve)
    / (1 + discount_rate) ** t``, in thousand yuan, floored at 0 (an account that costs more
    than it brings puts nothing at stake when it leaves).

    Parameters
    ----------
    accounts : pandas.DataFrame
        With ``volume``, ``unit_margin``, ``growth`` and ``cost_to_serve``.
    horizon_years : int
        Years the contribution is counted (1 to 30).
    discount_rate : float
        Yearly discount rate (0 to 1).

    Returns
    -------
    pandas.Series
        ``value`` per account, thousand yuan.

    Raises
    ------
    DataValidationError
        A column is missing or holds a negative or missing number.
    ParameterError
        ``horizon_years`` or ``discount_rate`` out of range.

    Examples
    --------
    >>> acc = pd.DataFrame({"volume": [100.0], "unit_margin": [20.0], "growth": [0.0],
    ...                     "cost_to_serve": [200.0]}, index=["A"])
    >>> round(float(account_value(acc, horizon_years=1, discount_rate=0.0).iloc[0]), 1)
    1800.0
    """
    years = check_int("horizon_years", horizon_years, 1, 30)
    d = check_number("discount_rate", discount_rate, 0, 1)
    check_frame(accounts, "accounts")
    require_columns(
        accounts,
        ["volume", "unit_margin", "growth", "cost_to_serve"],
        "accounts",
        fix=_ACCOUNTS_FIX,
    )
    vol = _column(accounts, "volume", 0)
    margin = _column(accounts, "unit_margin", 0)
    growth = _column(accounts, "growth", -0.5)
    cost = _column(accounts, "cost_to_serve", 0)
    t = np.arange(1, years + 1)
    disc = (1 + d) ** -t
    yearly = vol[:, None] * margin[:, None] * (1 + growth[:, None]) ** (t - 1) - cost[:, None]
    value = np.maximum((yearly * disc).sum(axis=1), 0.0)
    return pd.Series(value, index=accounts.index, name="value")


def leave_probability(accounts: pd.DataFrame, hours=0.0) -> pd.Series:
    """Probability that each account leaves within the year, given its visit hours.

    ``leave_prob × (1 - max_reduction × (1 - 2 ** (-hours / half_hours)))``.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With ``leave_prob``, ``max_reduction`` and ``half_hours``.
    hours : float, array-like or pandas.Series
        Visit hours per account: one number for every account, a list or an array in the row
        order of ``accounts``, or a Series matched on the account index (in any order; it must
        name every account and no other).

    Returns
    -------
    pandas.Series
        ``leave_prob`` per account with those hours.

    Raises
    ------
    DataValidationError
        A response column is missing, not numeric or out of range, ``half_hours`` is 0, or
        hours are negative, missing, not numbers, of the wrong length, or name other
        accounts.

    Examples
    --------
    >>> acc = pd.DataFrame({"leave_prob": [0.4], "max_reduction": [0.5], "half_hours": [10.0]})
    >>> leave_probability(acc, [10.0]).round(3).tolist()  # half of the removable half removed
    [0.3]
    """
    p, a, t = _response(accounts)
    h = _hours(accounts, hours)
    prob = p * (1 - a * (1 - np.exp2(-h / t)))
    return pd.Series(prob, index=accounts.index, name="leave_prob")


def expected_retained(accounts: pd.DataFrame, hours=0.0, value_col: str = "value") -> pd.Series:
    """Expected value retained per account: ``value × (1 - leave probability(hours))``.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With the value column and ``leave_prob``, ``max_reduction``, ``half_hours``.
    hours : float, array-like or pandas.Series
        Visit hours per account (a Series is aligned on the index).
    value_col : str
        Column with the value at stake.

    Returns
    -------
    pandas.Series
        ``retained`` per account, in the value's unit.

    Raises
    ------
    DataValidationError
        A column is missing or invalid, or hours are negative or missing.

    Examples
    --------
    >>> acc = pd.DataFrame({"value": [1000.0], "leave_prob": [0.2], "max_reduction": [0.5],
    ...                     "half_hours": [10.0]})
    >>> expected_retained(acc, [10.0]).tolist()
    [850.0]
    """
    check_frame(accounts, "accounts")
    require_columns(accounts, [value_col], "accounts", fix=_ACCOUNTS_FIX)
    v = _column(accounts, value_col, 0)
    return (v * (1 - leave_probability(accounts, hours))).rename("retained")


def value_at_risk(accounts: pd.DataFrame, hours=0.0, value_col: str = "value") -> pd.Series:
    """Value at risk per account: ``value × leave probability(hours)``; its sum is the book's.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With the value column and ``leave_prob``, ``max_reduction``, ``half_hours``.
    hours : float, array-like or pandas.Series
        Visit hours per account; 0 (the default) gives the value at risk if nothing extra is
        done.
    value_col : str
        Column with the value at stake.

    Returns
    -------
    pandas.Series
        ``value_at_risk`` per account.

    Raises
    ------
    DataValidationError
        A column is missing or invalid, or hours are negative or missing.

    Examples
    --------
    >>> acc = pd.DataFrame({"value": [1000.0, 500.0], "leave_prob": [0.2, 0.5],
    ...                     "max_reduction": [0.5, 0.5], "half_hours": [10.0, 10.0]})
    >>> float(value_at_risk(acc).sum())
    450.0
    """
    check_frame(accounts, "accounts")
    require_columns(accounts, [value_col], "accounts", fix=_ACCOUNTS_FIX)
    v = _column(accounts, value_col, 0)
    return (v * leave_probability(accounts, hours)).rename("value_at_risk")


def hour_bounds(quadrant: pd.Series, bounds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Minimum and maximum visit hours per account from its quadrant.

    Parameters
    ----------
    quadrant : pandas.Series
        Quadrant per account (the ``quadrant`` column of :func:`helpers.service_matrix`).
    bounds : pandas.DataFrame, optional
        ``min_hours`` and ``max_hours`` indexed by quadrant; default :data:`QUADRANT_HOURS`.

    Returns
    -------
    pandas.DataFrame
        ``min_hours`` and ``max_hours`` per account.

    Raises
    ------
    ParameterError
        ``bounds`` lacks a quadrant of the data, or has a minimum that is missing, negative
        or above its maximum.
    DataValidationError
        A missing quadrant, or bounds that are not numbers.

    Examples
    --------
    >>> hour_bounds(pd.Series(["Star", "Dog"], index=["a", "b"])).to_dict("list")
    {'min_hours': [24.0, 0.0], 'max_hours': [160.0, 24.0]}
    """
    table = QUADRANT_HOURS if bounds is None else bounds
    if not {"min_hours", "max_hours"} <= set(table.columns):
        raise ParameterError(
            f"bounds must have columns min_hours and max_hours, got {list(table.columns)}"
        )
    lo = numeric_column(table, "min_hours", "bounds", allow_missing=True)
    hi = numeric_column(table, "max_hours", "bounds", allow_missing=True)
    wrong = table.index[~((lo >= 0) & (lo <= hi))]  # NaN fails too
    if len(wrong):
        raise ParameterError(
            f"bounds for {list(wrong)}: min_hours must be between 0 and max_hours (and not missing)"
        )
    q = pd.Series(quadrant)
    missing = q.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"quadrant has {int(missing.sum())} missing value(s) ({rows(q.index, missing)}); "
            "every account needs its quadrant (service_matrix gives one to each)"
        )
    q = q.astype(str)
    unknown = sorted(set(q) - set(table.index))
    if unknown:
        raise ParameterError(
            f"bounds has no row for quadrant(s) {unknown}; its rows are {list(table.index)}"
        )
    out = table.loc[q.to_numpy(), ["min_hours", "max_hours"]].astype(float)
    out.index = q.index
    return out


def _bounds(accounts: pd.DataFrame, min_col: str, max_col: str) -> tuple[np.ndarray, np.ndarray]:
    check_frame(accounts, "accounts")
    require_columns(accounts, [min_col, max_col], "accounts", fix=_ACCOUNTS_FIX)
    lo = _column(accounts, min_col, 0)
    hi = _column(accounts, max_col, 0)
    bad = lo > hi
    if bad.any():
        raise DataValidationError(
            f"column {min_col!r} is above {max_col!r} for {int(bad.sum())} account(s) "
            f"({rows(accounts.index, bad)}); the minimum hours cannot exceed the maximum"
        )
    return lo, hi


def _budget(budget: float, lo: np.ndarray) -> float:
    b = check_number("budget", budget, 0)
    if b < lo.sum() - 1e-9:
        raise ParameterError(
            f"budget = {b:g} hours is below the {lo.sum():g} hours the accounts' minimums need; "
            "raise the budget or lower the minimum hours (hour_bounds)"
        )
    return b


def _fill(weights_fn, lo: np.ndarray, hi: np.ndarray, budget: float, top: float) -> np.ndarray:
    """Hours clip(weights_fn(c), lo, hi) with c in [0, top] chosen so that they add up to the
    budget, or as close as the rule allows.

    ``top`` must be large enough that ``weights_fn(top)`` reaches every maximum the rule can
    reach. Accounts the rule gives no weight (a value of 0 under a proportional split) stay at
    their minimum for every c, so a budget above what the others can take is not all used:
    the answer is then ``clip(weights_fn(top), lo, hi)``, with fewer hours than the budget.
    """
    if budget <= lo.sum():
        return lo.copy()

    def gap(c: float) -> float:
        return float(np.clip(weights_fn(c), lo, hi).sum() - budget)

    if gap(top) <= 0:  # the rule cannot place the whole budget: its largest allocation
        return np.clip(weights_fn(top), lo, hi)
    c = brentq(gap, 0.0, top, xtol=1e-12, rtol=1e-12)
    return np.clip(weights_fn(c), lo, hi)


def even_split(
    accounts: pd.DataFrame, budget: float, min_col: str = "min_hours", max_col: str = "max_hours"
) -> pd.Series:
    """The same hours for every account, as far as its minimum and maximum allow.

    Each account gets ``clip(t, min, max)`` hours with one common ``t`` chosen so that the
    hours add up to the budget (all accounts at their maximum if the budget is larger than
    that).

    Parameters
    ----------
    accounts : pandas.DataFrame
        With the minimum and maximum hours columns.
    budget : float
        Total hours; at least the sum of the minimums.
    min_col, max_col : str
        Column names.

    Returns
    -------
    pandas.Series
        ``hours`` per account.

    Raises
    ------
    ParameterError
        The budget is below the sum of the minimums.
    DataValidationError
        A minimum exceeds its maximum, or a column is missing or invalid.

    Examples
    --------
    >>> acc = pd.DataFrame({"min_hours": [0.0, 0.0, 10.0], "max_hours": [5.0, 50.0, 50.0]})
    >>> even_split(acc, 45).round(6).tolist()
    [5.0, 20.0, 20.0]
    """
    lo, hi = _bounds(accounts, min_col, max_col)
    b = _budget(budget, lo)
    hours = _fill(lambda t: np.full(len(lo), t), lo, hi, b, float(hi.max()) + 1)
    return pd.Series(hours, index=accounts.index, name="hours")


def proportional_split(
    accounts: pd.DataFrame,
    budget: float,
    value_col: str = "value",
    min_col: str = "min_hours",
    max_col: str = "max_hours",
) -> pd.Series:
    """Hours in proportion to each account's value, within its minimum and maximum.

    Each account gets ``clip(c × value, min, max)`` hours with one ``c`` chosen so that the
    hours add up to the budget. An account worth 0 gets its minimum whatever the budget, so
    when the budget is more than the accounts with value can take at their maximum, they get
    their maximum and the rest of the budget is not used (the hours add up to less than the
    budget; every account worth 0: every account at its minimum).

    Parameters
    ----------
    accounts : pandas.DataFrame
        With the value column and the minimum and maximum hours columns.
    budget : float
        Total hours; at least the sum of the minimums.
    value_col, min_col, max_col : str
        Column names.

    Returns
    -------
    pandas.Series
        ``hours`` per account.

    Raises
    ------
    ParameterError
        The budget is below the sum of the minimums.
    DataValidationError
        A minimum exceeds its maximum, or a column is missing or invalid.

    Examples
    --------
    >>> acc = pd.DataFrame({"value": [100.0, 300.0], "min_hours": [0.0, 0.0],
    ...                     "max_hours": [100.0, 100.0]})
    >>> proportional_split(acc, 40).round(6).tolist()
    [10.0, 30.0]
    >>> proportional_split(acc.assign(value=[100.0, 0.0]), 150).tolist()  # 50 hours unused
    [100.0, 0.0]
    """
    check_frame(accounts, "accounts")
    require_columns(accounts, [value_col], "accounts", fix=_ACCOUNTS_FIX)
    v = _column(accounts, value_col, 0)
    lo, hi = _bounds(accounts, min_col, max_col)
    b = _budget(budget, lo)
    positive = v > 0
    top = float((hi[positive] / v[positive]).max()) + 1 if positive.any() else 1.0
    hours = _fill(lambda c: c * v, lo, hi, b, top)
    return pd.Series(hours, index=accounts.index, name="hours")


@dataclass
class Allocation:
    """An optimised visit plan (output of :func:`allocate_hours`).

    Attributes
    ----------
    hours : pandas.Series
        Visit hours per account.
    retained : pandas.Series
        Expected value retained per account with those hours (on the true curve).
    expected_value : float
        Total expected value retained (thousand yuan).
    shadow_price : float
        Expected value one more hour of budget would retain (the linear programme's dual value
        of the budget constraint; 0 when the budget is not used up).
    lp_objective : float
        The programme's objective (value on the piecewise-linear curves).
    approximation_gap : float
        ``expected_value - lp_objective`` (at least 0: the chords lie below the curves).
    budget, hours_used : float
    n_segments : int
    """

    hours: pd.Series
    retained: pd.Series = field(repr=False)
    expected_value: float
    shadow_price: float
    lp_objective: float
    approximation_gap: float
    budget: float
    hours_used: float
    n_segments: int


def allocate_hours(
    accounts: pd.DataFrame,
    budget: float,
    value_col: str = "value",
    min_col: str = "min_hours",
    max_col: str = "max_hours",
    n_segments: int = 40,
) -> Allocation:
    """Visit hours per account that maximise the expected value retained (linear programme).

    Solves, with scipy's ``linprog`` (HiGHS),
    ``max sum_i sum_k s_ik x_ik`` subject to ``0 <= x_ik <= w_i``, ``sum_ik x_ik <= budget`` and
    ``sum_k x_ik >= min_i``, where account ``i``'s hours ``h_i = sum_k x_ik`` are split into
    ``n_segments`` segments of width ``w_i = max_i / n_segments`` and ``s_ik`` is the slope of
    the chord of ``value_i × (1 - leave probability(h))`` over segment ``k``. See the module
    docstring for the model and its assumptions.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With ``leave_prob``, ``max_reduction``, ``half_hours``, the value column and the minimum
        and maximum hours columns.
    budget : float
        Total visit hours available in the year; at least the sum of the minimums.
    value_col, min_col, max_col : str
        Column names.
    n_segments : int
        Segments of each piecewise-linear curve (1 to 1,000).

    Returns
    -------
    Allocation

    Raises
    ------
    DataValidationError
        A column is missing or invalid, or a minimum exceeds its maximum.
    ParameterError
        ``budget`` below the sum of the minimums, or ``n_segments`` out of range.
    ConvergenceError
        If HiGHS does not report an optimal solution.

    Examples
    --------
    >>> acc = pd.DataFrame({"value": [1000.0, 1000.0], "leave_prob": [0.5, 0.1],
    ...                     "max_reduction": [1.0, 1.0], "half_hours": [10.0, 10.0],
    ...                     "min_hours": [0.0, 0.0], "max_hours": [40.0, 40.0]}, index=["a", "b"])
    >>> plan = allocate_hours(acc, budget=20, n_segments=4)
    >>> plan.hours.round(6).to_dict()  # the riskier account first
    {'a': 20.0, 'b': 0.0}
    """
    k = check_int("n_segments", n_segments, 1, 1_000)
    p, a, t = _response(accounts)
    check_frame(accounts, "accounts")
    require_columns(accounts, [value_col], "accounts", fix=_ACCOUNTS_FIX)
    v = _column(accounts, value_col, 0)
    lo, hi = _bounds(accounts, min_col, max_col)
    b = _budget(budget, lo)
    n = len(accounts)
    width = hi / k
    edges = width[:, None] * np.arange(k + 1)[None, :]
    curve = v[:, None] * (1 - p[:, None] * (1 - a[:, None] * (1 - np.exp2(-edges / t[:, None]))))
    gain = np.diff(curve, axis=1)  # value added by filling each segment (decreasing in k)
    safe = np.where(width > 0, width, 1.0)
    slope = gain / safe[:, None]
    c = -slope.ravel()  # linprog minimises
    a_budget = np.ones((1, n * k))
    a_min = np.zeros((n, n * k))
    for i in range(n):
        a_min[i, i * k : (i + 1) * k] = -1.0
    res = linprog(
        c,
        A_ub=np.vstack([a_budget, a_min]),
        b_ub=np.concatenate([[b], -lo]),
        bounds=np.column_stack([np.zeros(n * k), np.repeat(width, k)]),
        method="highs",
    )
    if res.status != 0:
        raise ConvergenceError(f"linprog (HiGHS) did not find the optimum: {res.message}")
    hours = np.clip(res.x.reshape(n, k).sum(axis=1), lo, hi)
    base = v * (1 - p)
    lp_value = float(base.sum() - res.fun)
    hours_s = pd.Series(hours, index=accounts.index, name="hours")
    retained = expected_retained(accounts, hours_s, value_col)
    total = float(retained.sum())
    return Allocation(
        hours=hours_s,
        retained=retained,
        expected_value=total,
        shadow_price=float(-res.ineqlin.marginals[0]),
        lp_objective=lp_value,
        approximation_gap=total - lp_value,
        budget=b,
        hours_used=float(hours.sum()),
        n_segments=k,
    )


POLICIES = ("optimised (LP)", "even split", "value-proportional")


def compare_allocations(
    accounts: pd.DataFrame,
    budget: float,
    value_col: str = "value",
    min_col: str = "min_hours",
    max_col: str = "max_hours",
    n_segments: int = 40,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The optimised plan against an even split and a value-proportional split.

    All three respect the same budget and per-account minimum and maximum hours, and all are
    judged on the same (true, non-linearised) response curves.

    Parameters
    ----------
    accounts, budget, value_col, min_col, max_col, n_segments
        As for :func:`allocate_hours`.

    Returns
    -------
    summary : pandas.DataFrame
        One row per plan: ``hours_used``, ``value_retained``, ``value_at_risk`` (what is still
        expected to be lost), ``saved_by_visits`` (value retained beyond what zero hours would
        keep) and ``gain_vs_even``.
    hours : pandas.DataFrame
        Hours per account (rows) and plan (columns).

    Raises
    ------
    DataValidationError, ParameterError
        As for :func:`allocate_hours`.

    Examples
    --------
    >>> acc = pd.DataFrame({"value": [1000.0, 200.0], "leave_prob": [0.5, 0.5],
    ...                     "max_reduction": [1.0, 1.0], "half_hours": [10.0, 10.0],
    ...                     "min_hours": [0.0, 0.0], "max_hours": [40.0, 40.0]})
    >>> summary, hours = compare_allocations(acc, 20)
    >>> bool(summary.loc["optimised (LP)", "gain_vs_even"] > 0)
    True
    """
    plan = allocate_hours(accounts, budget, value_col, min_col, max_col, n_segments)
    hours = pd.DataFrame(
        {
            POLICIES[0]: plan.hours,
            POLICIES[1]: even_split(accounts, budget, min_col, max_col),
            POLICIES[2]: proportional_split(accounts, budget, value_col, min_col, max_col),
        }
    )
    total = float(_column(accounts, value_col, 0).sum())
    nothing = float(expected_retained(accounts, 0.0, value_col).sum())
    rows = {}
    for name in POLICIES:
        kept = float(expected_retained(accounts, hours[name], value_col).sum())
        rows[name] = {
            "hours_used": float(hours[name].sum()),
            "value_retained": kept,
            "value_at_risk": total - kept,
            "saved_by_visits": kept - nothing,
        }
    summary = pd.DataFrame(rows).T
    summary["gain_vs_even"] = summary["value_retained"] - summary.loc[POLICIES[1], "value_retained"]
    summary.index.name = "plan"
    summary.attrs["shadow_price"] = plan.shadow_price
    return summary, hours


def budget_sweep(
    accounts: pd.DataFrame,
    budgets,
    value_col: str = "value",
    min_col: str = "min_hours",
    max_col: str = "max_hours",
    n_segments: int = 40,
) -> pd.DataFrame:
    """Value retained by each plan, and the shadow price of an hour, for several budgets.

    Parameters
    ----------
    accounts : pandas.DataFrame
        As for :func:`allocate_hours`.
    budgets : iterable of float
        Hours budgets to solve for; each at least the sum of the minimum hours.
    value_col, min_col, max_col : str
        Column names.
    n_segments : int
        Segments of each piecewise-linear curve.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``budget``: one column of value retained per plan and ``shadow_price``.
    """
    rows = []
    for b in budgets:
        summary, _ = compare_allocations(accounts, b, value_col, min_col, max_col, n_segments)
        row = summary["value_retained"].to_dict()
        row["shadow_price"] = summary.attrs["shadow_price"]
        row["budget"] = float(b)
        rows.append(row)
    return pd.DataFrame(rows).set_index("budget")


def simulate_outcomes(
    accounts: pd.DataFrame,
    hours,
    n_draws: int = 2_000,
    value_col: str = "value",
    random_state=None,
) -> pd.DataFrame:
    """Possible futures of a plan: which accounts leave, drawn independently per account.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With the value and response columns.
    hours : float, array-like or pandas.Series
        The plan's visit hours.
    n_draws : int
        Simulated years (1 to 1,000,000).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        One row per draw: ``value_retained``, ``value_lost`` and ``accounts_lost``.

    Raises
    ------
    ParameterError
        ``n_draws`` out of range.

    Examples
    --------
    >>> acc = pd.DataFrame({"value": [100.0, 50.0], "leave_prob": [0.0, 1.0],
    ...                     "max_reduction": [0.0, 0.0], "half_hours": [1.0, 1.0]})
    >>> simulate_outcomes(acc, 0.0, n_draws=3, random_state=0)["value_lost"].tolist()
    [50.0, 50.0, 50.0]
    """
    draws = check_int("n_draws", n_draws, 1, 1_000_000)
    prob = leave_probability(accounts, hours).to_numpy()
    check_frame(accounts, "accounts")
    require_columns(accounts, [value_col], "accounts", fix=_ACCOUNTS_FIX)
    v = _column(accounts, value_col, 0)
    rng = np.random.default_rng(random_state)
    lost = rng.random((draws, len(prob))) < prob
    value_lost = lost.astype(float) @ v
    return pd.DataFrame(
        {
            "value_retained": v.sum() - value_lost,
            "value_lost": value_lost,
            "accounts_lost": lost.sum(axis=1),
        }
    )


def draw_departures(accounts: pd.DataFrame, hours, random_state=None) -> pd.Series:
    """One simulated year of a plan: ``True`` for each account that leaves.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With ``leave_prob``, ``max_reduction`` and ``half_hours``.
    hours : float, array-like or pandas.Series
        The plan's visit hours.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    pandas.Series
        Boolean ``left`` per account.

    Examples
    --------
    >>> acc = pd.DataFrame({"leave_prob": [0.0, 1.0], "max_reduction": [0.0, 0.0],
    ...                     "half_hours": [1.0, 1.0]}, index=["stays", "goes"])
    >>> draw_departures(acc, 0.0, random_state=1).to_dict()
    {'stays': False, 'goes': True}
    """
    prob = leave_probability(accounts, hours)
    rng = np.random.default_rng(random_state)
    return pd.Series(rng.random(len(prob)) < prob.to_numpy(), index=accounts.index, name="left")


def plan_vs_actual(
    accounts: pd.DataFrame,
    hours,
    left: pd.Series,
    groups: pd.Series,
    value_col: str = "value",
) -> pd.DataFrame:
    """Monitoring: expected against actual departures and value lost, per group of accounts.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With the value and response columns.
    hours : float, array-like or pandas.Series
        The hours the plan gave.
    left : pandas.Series, list or array
        ``True`` (or 1) for the accounts that actually left, ``False`` (or 0) for the others;
        a Series is matched on the account index, a list is in the row order of ``accounts``.
    groups : pandas.Series, list or array
        Group of each account, e.g. its quadrant (matched in the same way).

    Returns
    -------
    pandas.DataFrame
        Per group and in total (``all``): ``accounts``, ``expected_departures``,
        ``actual_departures``, ``expected_value_lost`` and ``actual_value_lost``.

    Raises
    ------
    DataValidationError
        ``left`` or ``groups`` misses an account, ``left`` is not coded 0/1 or True/False
        ("yes"/"no" is refused with the recoding), or a column is missing or invalid.

    Examples
    --------
    >>> acc = pd.DataFrame({"value": [100.0, 300.0], "leave_prob": [0.5, 0.5],
    ...                     "max_reduction": [0.0, 0.0], "half_hours": [1.0, 1.0]})
    >>> t = plan_vs_actual(acc, 0.0, pd.Series([True, False]), pd.Series(["A", "A"]))
    >>> t.loc["all", ["expected_value_lost", "actual_value_lost"]].tolist()
    [200.0, 100.0]
    """
    check_frame(accounts, "accounts")
    require_columns(accounts, [value_col], "accounts", fix=_ACCOUNTS_FIX)
    v = pd.Series(_column(accounts, value_col, 0), index=accounts.index)
    went = _per_account(accounts, left, "left", "record for every account whether it left")
    went = pd.Series(
        binary_column(went.to_frame("left"), "left", "left", meaning="1 = left, 0 = stayed"),
        index=accounts.index,
    )
    g = _per_account(
        accounts, groups, "groups", "give every account its group, e.g. its quadrant"
    ).astype(str)
    g = g.to_numpy()
    prob = leave_probability(accounts, hours)
    frame = pd.DataFrame(
        {
            "accounts": 1,
            "expected_departures": prob,
            "actual_departures": went.astype(int),
            "expected_value_lost": v * prob,
            "actual_value_lost": v * went,
        }
    )
    out = frame.groupby(g).sum()
    order = [q for q in QUADRANT_HOURS.index if q in out.index] + [
        q for q in out.index if q not in QUADRANT_HOURS.index
    ]
    out = out.reindex(order)
    out.loc["all"] = frame.sum()
    out[["accounts", "actual_departures"]] = out[["accounts", "actual_departures"]].astype(int)
    out.index.name = "group"
    return out


def _per_account(accounts: pd.DataFrame, values, name: str, fix: str) -> pd.Series:
    """One value per account: a Series matched on the account index, or a list or array in
    the row order of accounts; missing values refused."""
    if isinstance(values, pd.Series):
        if values.index.has_duplicates:
            raise DataValidationError(
                f"{name} names some accounts more than once "
                f"({rows(values.index, values.index.duplicated(keep=False))}); {fix}"
            )
        out = values.reindex(accounts.index)
    else:
        arr = np.asarray(values, dtype=object)
        if arr.ndim != 1 or len(arr) != len(accounts):
            raise DataValidationError(
                f"{name} has {arr.size} value(s) for the {len(accounts)} accounts; give one "
                "per account in the row order of accounts, or a Series indexed by account"
            )
        out = pd.Series(arr, index=accounts.index)
    missing = out.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"{name} has no value for {int(missing.sum())} account(s) "
            f"({rows(accounts.index, missing)}); {fix} (a Series is matched on the index)"
        )
    return out


def plot_response(
    accounts: pd.DataFrame,
    account_ids,
    n_segments: int | None = None,
    max_hours: float = 160.0,
    labels=None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Leave probability against visit hours for a few accounts, with the linear pieces.

    Parameters
    ----------
    accounts : pandas.DataFrame
        With the response columns.
    account_ids : list
        Accounts to draw.
    n_segments : int, optional
        Also draw the piecewise-linear approximation with this many segments (dashed).
    max_hours : float
        Right end of the hours axis.
    labels : list of str, optional
        Legend entries (default: the account ids).
    ax : matplotlib Axes, optional
    **kwargs
        Passed to the curves' ``plot``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        ``labels`` does not have one entry per account.
    """
    ax = plt.subplots()[1] if ax is None else ax
    grid = np.linspace(0, max_hours, 200)
    ids = list(account_ids)
    names = [str(a) for a in ids] if labels is None else [str(x) for x in labels]
    if len(names) != len(ids):
        raise ParameterError(f"labels has {len(names)} entries for {len(ids)} accounts")
    unknown = [a for a in ids if a not in accounts.index]
    if unknown:
        raise ParameterError(
            f"account_ids names {unknown[:5]} that are not in the index of accounts; pass ids "
            f"such as {list(accounts.index[:3])}"
        )
    for i, (acc_id, name) in enumerate(zip(ids, names, strict=True)):
        one = accounts.loc[[acc_id]]
        curve = [float(leave_probability(one, h).iloc[0]) for h in grid]
        line = ax.plot(grid, curve, label=name, color=f"C{i}", **kwargs)[0]
        if n_segments:
            knots = np.linspace(0, max_hours, n_segments + 1)
            pts = [float(leave_probability(one, h).iloc[0]) for h in knots]
            ax.plot(knots, pts, ls="--", marker="o", ms=3, color=line.get_color(), lw=1)
    ax.set(
        xlabel="visit hours in the year",
        ylabel="probability of leaving",
        title="Diminishing returns of visits",
        xlim=(0, max_hours),
        ylim=(0, None),
    )
    ax.legend(title="account", frameon=False)
    return ax


def plot_allocation(
    hours: pd.DataFrame, quadrant: pd.Series, ax: Axes | None = None, **kwargs
) -> Axes:
    """Total visit hours per quadrant for each plan, as grouped bars.

    Parameters
    ----------
    hours : pandas.DataFrame
        Hours per account (rows) and plan (columns): the ``hours`` of
        :func:`compare_allocations`.
    quadrant : pandas.Series
        Quadrant per account.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made when missing.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar` for every plan's bars.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = plt.subplots()[1] if ax is None else ax
    q = pd.Series(quadrant).reindex(hours.index).astype(str)
    order = [x for x in QUADRANT_HOURS.index if x in set(q)]
    table = hours.groupby(q.to_numpy()).sum().reindex(order)
    n_plans = table.shape[1]
    x = np.arange(len(order))
    w = 0.8 / n_plans
    for j, plan in enumerate(table.columns):
        style = {"width": w, "label": plan, "color": f"C{j}", **kwargs}
        ax.bar(x + (j - (n_plans - 1) / 2) * w, table[plan], **style)
    ax.set_xticks(x, order)
    ax.set(ylabel="visit hours in the year", title="Where the hours go, by quadrant")
    ax.legend(frameon=False)
    return ax


def plot_budget_sweep(sweep: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """Value retained against the hours budget, one line per plan.

    Parameters
    ----------
    sweep : pandas.DataFrame
        Output of :func:`budget_sweep`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made when missing.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for every plan's line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = plt.subplots()[1] if ax is None else ax
    for j, plan in enumerate(c for c in sweep.columns if c != "shadow_price"):
        style = {"marker": "o", "ms": 4, "label": plan, "color": f"C{j}", **kwargs}
        ax.plot(sweep.index, sweep[plan], **style)
    ax.set(
        xlabel="visit hours budget (a year)",
        ylabel="expected value retained (thousand yuan)",
        title="What more account-manager time is worth",
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:,.0f}"))
    ax.legend(frameon=False)
    return ax
