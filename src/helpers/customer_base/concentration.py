"""How concentrated customer value is: Pareto tables, Lorenz curve, Gini, ABC classes.

The curriculum's 80/20 rule says that about 80% of revenue comes from about 20% of customers.
These functions measure the concentration instead of assuming it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import check_number, numeric_values, rows

__all__ = ["abc_classes", "gini", "lorenz_curve", "pareto_table", "top_share"]


def _values(values, name: str = "values") -> pd.Series:
    """Validated non-negative finite values as a float Series (index kept).

    Text (even "1200"), True/False, missing and infinite values are refused by
    :func:`helpers.validation.numeric_values`; negative values and an all-zero total have no
    concentration to measure.
    """
    num = numeric_values(values, name)
    label = f"column {num.name!r}" if num.name is not None else name
    if len(num) == 0:
        raise DataValidationError(f"{label} is empty; pass at least one customer's value")
    neg = (num < 0).to_numpy()
    if neg.any():
        raise DataValidationError(
            f"{label} has {int(neg.sum())} negative value(s) ({rows(num.index, neg, num)}); "
            "concentration measures need non-negative values such as revenue per customer: "
            "net returns against purchases per customer, or leave those customers out"
        )
    if num.sum() == 0:
        raise DataValidationError(
            f"{label} sums to 0 over its {len(num)} customer(s); there is no value to be "
            "concentrated (check that the column holds the customers' values)"
        )
    return num


def pareto_table(values) -> pd.DataFrame:
    """Customers sorted by value, with the cumulative share of customers and of value.

    Parameters
    ----------
    values : pandas.Series or array-like
        One non-negative value per customer (e.g. revenue); a Series keeps its index.

    Returns
    -------
    pandas.DataFrame
        Sorted by value, largest first (ties in index order): ``value``, ``share`` (of the
        total), ``cum_customer_share`` and ``cum_value_share`` (both reach 1.0 at the end).

    Examples
    --------
    >>> pareto_table([50, 30, 20])["cum_value_share"].tolist()
    [0.5, 0.8, 1.0]
    """
    v = _values(values)
    order = np.lexsort((np.arange(len(v)), -v.to_numpy()))  # value desc, then original order
    v = v.iloc[order]
    total = v.sum()
    return pd.DataFrame(
        {
            "value": v,
            "share": v / total,
            "cum_customer_share": np.arange(1, len(v) + 1) / len(v),
            "cum_value_share": v.cumsum() / total,
        }
    )


def lorenz_curve(values) -> pd.DataFrame:
    """Points of the Lorenz curve: share of customers (poorest first) vs share of value.

    Returns
    -------
    pandas.DataFrame
        ``customer_share`` and ``value_share``, from (0, 0) to (1, 1), one row per customer
        plus the origin.
    """
    v = np.sort(_values(values).to_numpy())
    n = len(v)
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / n,
            "value_share": np.concatenate([[0.0], np.cumsum(v) / v.sum()]),
        }
    )


def gini(values) -> float:
    """Gini coefficient of the values: 0 when all are equal, (n-1)/n when one has everything.

    Computed as ``sum_i (2i - n - 1) x_(i) / (n sum x)`` over the values sorted ascending,
    i.e. twice the area between the Lorenz curve and the diagonal (no small-sample correction).

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 10])
    0.75
    """
    v = np.sort(_values(values).to_numpy())
    n = len(v)
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * v).sum() / (n * v.sum()))


def top_share(values, share: float = 0.2) -> float:
    """Share of the total value held by the top ``share`` of customers.

    Read off the Lorenz curve with linear interpolation, so a fraction of a customer counts
    pro rata: ``top_share(v, 0.2)`` is the curriculum's "80/20" figure, measured.

    Examples
    --------
    >>> top_share([70, 10, 10, 5, 5], 0.2)
    0.7
    """
    check_number("share", share, 0, 1, low_open=True, fix="pass e.g. 0.2 for the top 20%")
    curve = lorenz_curve(values)
    below = np.interp(1 - share, curve["customer_share"], curve["value_share"])
    return float(1 - below)


def abc_classes(values, cuts: tuple[float, float] = (0.8, 0.95)) -> pd.Series:
    """ABC classes by cumulative value share, largest customers first.

    A customer is in class A while the value of the customers ranked before them is below
    ``cuts[0]`` of the total (so the customer who crosses the cut is still A), B while it is
    below ``cuts[1]``, and C after that.

    Returns
    -------
    pandas.Series
        Categorical "A" / "B" / "C", in the input's order and index.

    Examples
    --------
    >>> abc_classes([50, 30, 15, 5]).tolist()
    ['A', 'A', 'B', 'C']
    """
    try:
        a, b = (float(c) for c in cuts)
    except (TypeError, ValueError):
        raise ParameterError(
            f"cuts={cuts!r} must be two numbers (A-cut, B-cut), e.g. (0.8, 0.95)"
        ) from None
    if not 0 < a < b <= 1:
        raise ParameterError(f"cuts={cuts!r} must satisfy 0 < A-cut < B-cut <= 1, e.g. (0.8, 0.95)")
    v = _values(values)
    x = v.to_numpy()
    order = np.lexsort((np.arange(len(x)), -x))  # same order as pareto_table
    before = (np.cumsum(x[order]) - x[order]) / x.sum()
    ranked = np.where(before < a - 1e-12, "A", np.where(before < b - 1e-12, "B", "C"))
    labels = np.empty(len(x), dtype=object)
    labels[order] = ranked
    dtype = pd.CategoricalDtype(["A", "B", "C"], ordered=True)
    return pd.Series(labels, index=v.index, name="abc_class").astype(dtype)
