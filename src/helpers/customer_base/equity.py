"""Customer equity: the value of a customer base, projected period by period.

The value of the customer base (客户基础价值) is the value of one customer times the size of the
base, summed over the customers the firm has and the ones it will acquire. This module is a
small, transparent cash-flow model of that idea, built so that each of the five sources of value
creation of the curriculum is a lever on one input:

========================================  ===================================================
source of value creation                  input it moves
========================================  ===================================================
grow spend (cross-sell, up-sell)          ``spend_growth``: margin growth per period of tenure
dig out high-value customers              ``margin``: average margin per active customer
attract profitable new customers          ``acquisition_rate`` (and ``acquisition_cost``)
retain customers                          ``retention_rate``
cut the cost of serving costly customers  ``cost_to_serve``
========================================  ===================================================

Timing convention (stated once, used everywhere): a period's margin and service cost arrive at
its end and are discounted by ``(1 + discount_rate) ** t``. The customers the firm has at time 0
must be retained to be active in period 1; a customer acquired at the start of period ``k``
(acquisition cost paid then) is active in period ``k`` and retained with ``retention_rate``
after that.

Written by hand because it is a teaching model of a few lines: no library has this exact
convention, and learners should be able to read every step.

References
----------
Gupta, S., Lehmann, D. R. and Stuart, J. A. (2004). Valuing customers. *Journal of Marketing
Research* 41(1), 7-18.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from helpers.exceptions import ParameterError
from helpers.validation import check_int, check_number, check_probability

__all__ = ["EquityInputs", "customer_equity", "lever_effects", "retention_clv"]

#: The discount rate is per period (a year by default), as a share: a rate of 1 or more (100%
#: a period) cannot be meant, and is usually a percentage typed as a number (10 for 10%).
_DISCOUNT_FIX = "give the rate per period as a share below 1, e.g. 0.10 for 10% a year"


def retention_clv(
    margin: float, retention_rate: float, discount_rate: float, spend_growth: float = 0.0
) -> float:
    """Lifetime value of one existing customer under constant retention (infinite horizon).

    ``margin * r / (1 + d - r)`` without growth: the margin arrives at the end of each period
    the customer survives, surviving each period with probability ``r``. With margin growing by
    ``g`` per period: ``margin * r / (1 + d - r * (1 + g))``.

    Assumptions: constant retention and margin (or constant growth), a customer who leaves never
    returns, and an infinite horizon.

    Raises
    ------
    ParameterError
        If the rates are out of range or ``r * (1 + g) >= 1 + d`` (the sum diverges).

    Examples
    --------
    >>> round(retention_clv(100, 0.8, 0.1), 2)
    266.67
    """
    r = check_probability("retention_rate", retention_rate)
    d = check_number("discount_rate", discount_rate, 0.0, 1.0, high_open=True, fix=_DISCOUNT_FIX)
    g = check_number("spend_growth", spend_growth, -1.0)
    m = check_number("margin", margin)
    if r * (1 + g) >= 1 + d:
        raise ParameterError(
            f"retention_rate * (1 + spend_growth) = {r * (1 + g):.3f} is not below "
            f"1 + discount_rate = {1 + d:.3f}: the lifetime value is infinite; lower the growth "
            "or retention, or use a finite horizon with customer_equity"
        )
    return m * r / (1 + d - r * (1 + g))


@dataclass(frozen=True)
class EquityInputs:
    """Inputs of :func:`customer_equity`; every rate is per period (a year by default)."""

    n_customers: float = 10_000  # customers at time 0
    margin: float = 100.0  # margin per active customer in the first period of tenure
    retention_rate: float = 0.75  # share of active customers still active one period later
    discount_rate: float = 0.10  # cost of capital per period
    horizon: int = 10  # periods projected
    n_prospects: float = 50_000  # prospects the firm can reach each period
    acquisition_rate: float = 0.05  # share of prospects won each period
    acquisition_cost: float = 80.0  # cost of winning one new customer
    spend_growth: float = 0.0  # growth of the margin per period of tenure (cross-/up-sell)
    cost_to_serve: float = 20.0  # service cost per active customer per period

    def validated(self) -> EquityInputs:
        """Return self after checking every input; raises ParameterError naming the bad one."""
        for name in ("n_customers", "n_prospects", "acquisition_cost", "cost_to_serve"):
            check_number(name, getattr(self, name), 0.0)
        check_number("margin", self.margin)
        check_probability("retention_rate", self.retention_rate)
        check_probability("acquisition_rate", self.acquisition_rate, allow_one=True)
        check_number(
            "discount_rate", self.discount_rate, 0.0, 1.0, high_open=True, fix=_DISCOUNT_FIX
        )
        check_number("spend_growth", self.spend_growth, -1.0, low_open=True)
        check_int("horizon", self.horizon, 1, 1000)
        return self


def _inputs(inputs) -> EquityInputs:
    if inputs is None:
        return EquityInputs()
    if not isinstance(inputs, EquityInputs):
        raise ParameterError(
            f"inputs must be an EquityInputs, got {type(inputs).__name__}; pass "
            "EquityInputs(margin=..., ...), or give the inputs by name: "
            "customer_equity(margin=..., ...)"
        )
    return inputs


def customer_equity(inputs: EquityInputs | None = None, **overrides) -> pd.DataFrame:
    """Project the customer base period by period and value it.

    Parameters
    ----------
    inputs : EquityInputs, optional
        The model inputs; defaults to ``EquityInputs()``.
    **overrides
        Inputs to change, by name (``retention_rate=0.8``).

    Returns
    -------
    pandas.DataFrame
        One row per period 1..horizon: ``existing`` and ``acquired`` active customers (from the
        base at time 0 and from later acquisition), ``active``, ``new_customers``, ``margin``,
        ``service_cost``, ``acquisition_spend``, ``cash_flow``, ``discount_factor``,
        ``present_value`` and ``cumulative_value``. ``df.attrs["equity"]`` is the total present
        value, ``df.attrs["existing_value"]`` the part from the customers at time 0.

    Raises
    ------
    ParameterError
        For an unknown input name or an input out of range.

    Examples
    --------
    >>> proj = customer_equity(horizon=5)
    >>> round(proj.attrs["equity"])
    2198656
    """
    inputs = _inputs(inputs)
    known = {f.name for f in fields(EquityInputs)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ParameterError(f"unknown input(s) {unknown}; the model takes {sorted(known)}")
    p = replace(inputs, **overrides).validated()

    t = np.arange(1, p.horizon + 1)
    r, g, d = float(p.retention_rate), float(p.spend_growth), float(p.discount_rate)
    new = p.acquisition_rate * p.n_prospects
    # Existing customers: N r^t active in period t, margin grown over t-1 periods of tenure.
    existing = p.n_customers * r**t
    existing_margin = existing * p.margin * (1 + g) ** (t - 1)
    # Cohort acquired at the start of period k has r^(t-k) of its members active in period t,
    # with t-k periods of tenure behind them.
    lag = t[:, None] - t[None, :]  # t - k
    alive = np.where(lag >= 0, r ** np.clip(lag, 0, None), 0.0)
    acquired = new * alive.sum(axis=1)
    acquired_margin = new * p.margin * (alive * (1 + g) ** np.clip(lag, 0, None)).sum(axis=1)

    active = existing + acquired
    df = pd.DataFrame(
        {
            "period": t,
            "existing": existing,
            "acquired": acquired,
            "active": active,
            "new_customers": np.full(p.horizon, new),
            "margin": existing_margin + acquired_margin,
            "service_cost": active * p.cost_to_serve,
        }
    ).set_index("period")
    # Acquisition is paid at the start of the period: one period less of discounting.
    df["acquisition_spend"] = new * p.acquisition_cost
    df["discount_factor"] = (1 + d) ** -t
    df["present_value"] = (df["margin"] - df["service_cost"]) * df["discount_factor"] - df[
        "acquisition_spend"
    ] * (1 + d) ** -(t - 1)
    df["cash_flow"] = df["margin"] - df["service_cost"] - df["acquisition_spend"]
    df["cumulative_value"] = df["present_value"].cumsum()
    df.attrs["equity"] = float(df["present_value"].sum())
    existing_pv = (existing_margin - existing * p.cost_to_serve) * df["discount_factor"]
    df.attrs["existing_value"] = float(existing_pv.sum())
    return df


def lever_effects(inputs: EquityInputs | None = None, **changes: float) -> pd.DataFrame:
    """Customer equity when one input at a time is moved, against the base case.

    Parameters
    ----------
    inputs : EquityInputs, optional
        The base case.
    **changes
        New value per input name, e.g. ``retention_rate=0.80, cost_to_serve=18``.

    Returns
    -------
    pandas.DataFrame
        One row per changed input, sorted by effect: ``base``, ``new`` (the input's values),
        ``equity``, ``change`` (money) and ``change_pct`` (% of base equity).

    Examples
    --------
    >>> lever_effects(retention_rate=0.80).loc["retention_rate", "change_pct"].round(1)
    np.float64(20.1)
    """
    inputs = _inputs(inputs).validated()
    if not changes:
        raise ParameterError("name at least one input to change, e.g. retention_rate=0.8")
    base = customer_equity(inputs).attrs["equity"]
    rows = []
    for name, value in changes.items():
        eq = customer_equity(inputs, **{name: value}).attrs["equity"]
        rows.append(
            {
                "input": name,
                "base": getattr(inputs, name),
                "new": value,
                "equity": eq,
                "change": eq - base,
                "change_pct": 100 * (eq - base) / abs(base) if base else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("input").sort_values("change", ascending=False)
