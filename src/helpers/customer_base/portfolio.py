"""Portfolio matrices for business customers: whom to target, and how to serve each account.

Two 2 x 2 matrices of the curriculum, with thresholds as parameters (default: the medians of
the book, so half the accounts fall on each side):

* the **target-customer matrix** (目标客户确定方法): total cost to serve × current or potential
  volume → key target (重点目标客户), target (目标客户) or non-target (非目标客户);
* the **differentiated-service matrix**: potential volume × relationship strength → Star
  (明星类), Question (问题类), Cash cow (现金牛类) or Dog (瘦狗类), each with a service policy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exceptions import DataValidationError
from helpers.validation import check_frame, check_number, numeric_column, require_columns, rows

__all__ = [
    "RELATIONSHIP_TYPES",
    "SERVICE_POLICY",
    "TARGET_POLICY",
    "service_matrix",
    "target_customer_matrix",
]

#: The four relationship types of business accounts, from the loosest to the closest.
RELATIONSHIP_TYPES = ["transactional", "preferred supplier", "partnership", "strategic alliance"]

TARGET_POLICY = pd.DataFrame(
    {
        "volume": ["large", "large", "small", "small"],
        "cost": ["low", "high", "low", "high"],
        "class": ["key target", "target", "target", "non-target"],
        "policy": [
            "first call on sales and service time; win and keep at almost any reasonable effort",
            "worth the volume: keep it, cut the cost to serve (standard processes, self-service)",
            "cheap to serve: grow the volume with cross-selling and regular contact",
            "serve with standard, low-cost channels only; do not invest in acquisition",
        ],
    }
)

SERVICE_POLICY = pd.DataFrame(
    {
        "quadrant": ["Star", "Question", "Cash cow", "Dog"],
        "chinese": ["明星类", "问题类", "现金牛类", "瘦狗类"],
        "potential": ["high", "high", "low", "low"],
        "relationship": ["strong", "weak", "strong", "weak"],
        "visits": ["high-quality, frequent", "high-quality", "moderate", "minimal"],
        "goal": [
            "keep the relationship and hold our position",
            "improve the relationship and win the customer's support",
            "hold position, stimulate volume where possible",
            "serve at the lowest cost; reconsider the account",
        ],
    }
).set_index("quadrant")


def _numeric(accounts: pd.DataFrame, col: str, role: str) -> pd.Series:
    """A non-negative numeric column; text, True/False, missing and infinite values refused."""
    check_frame(accounts, "accounts", allow_empty=True)
    require_columns(accounts, {role: col}, "accounts")
    check_frame(accounts, "accounts")
    x = numeric_column(accounts, col, "accounts", allow_missing=True)
    bad = np.isnan(x) | (x < 0)
    if bad.any():
        raise DataValidationError(
            f"column {col!r} has {int(bad.sum())} missing or negative value(s) "
            f"({rows(accounts.index, bad, accounts[col])}); "
            "fill them with an estimate or leave those accounts out"
        )
    return pd.Series(x, index=accounts.index)


def _threshold(name: str, value, data: pd.Series) -> float:
    """A given threshold (a finite number), or the median of the data."""
    if value is None:
        return float(data.median())
    return check_number(
        name, value, fix="pass a number in the unit of the column, or None for the median"
    )


def target_customer_matrix(
    accounts: pd.DataFrame,
    cost_col: str = "cost_to_serve",
    volume_col: str = "volume",
    cost_threshold: float | None = None,
    volume_threshold: float | None = None,
) -> pd.DataFrame:
    """Classify accounts by total cost to serve and (current or potential) volume.

    Large volume and low cost: key target; large volume and high cost, or small volume and
    low cost: target; small volume and high cost: non-target. A value equal to a threshold
    counts as high / large.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account.
    cost_col, volume_col : str
        Columns with the yearly total cost to serve and the volume; use the potential volume
        column to target prospects.
    cost_threshold, volume_threshold : float, optional
        Where low turns high and small turns large; default the medians.

    Returns
    -------
    pandas.DataFrame
        ``cost`` (low/high), ``volume`` (small/large), ``target_class`` and ``policy``, with the
        thresholds used in ``.attrs``.
    """
    cost = _numeric(accounts, cost_col, "cost_col")
    vol = _numeric(accounts, volume_col, "volume_col")
    ct = _threshold("cost_threshold", cost_threshold, cost)
    vt = _threshold("volume_threshold", volume_threshold, vol)
    out = pd.DataFrame(
        {
            "cost": np.where(cost >= ct, "high", "low"),
            "volume": np.where(vol >= vt, "large", "small"),
        },
        index=accounts.index,
    )
    merged = out.merge(TARGET_POLICY, on=["volume", "cost"], how="left")
    out["target_class"] = pd.Categorical(
        merged["class"].to_numpy(), ["key target", "target", "non-target"], ordered=True
    )
    out["policy"] = merged["policy"].to_numpy()
    out.attrs.update(
        cost_threshold=ct, volume_threshold=vt, cost_col=cost_col, volume_col=volume_col
    )
    return out


def service_matrix(
    accounts: pd.DataFrame,
    potential_col: str = "potential_volume",
    relationship_col: str = "relationship_strength",
    potential_threshold: float | None = None,
    relationship_threshold: float | None = None,
) -> pd.DataFrame:
    """Place accounts in the differentiated-service matrix.

    High potential and strong relationship: Star; high potential, weak relationship:
    Question; low potential, strong relationship: Cash cow; low and weak: Dog. A value equal to
    a threshold counts as high / strong.

    Returns
    -------
    pandas.DataFrame
        ``potential`` (high/low), ``relationship`` (strong/weak), ``quadrant``, ``visits`` and
        ``goal`` from :data:`SERVICE_POLICY`, with the thresholds used in ``.attrs``.
    """
    pot = _numeric(accounts, potential_col, "potential_col")
    rel = _numeric(accounts, relationship_col, "relationship_col")
    pt = _threshold("potential_threshold", potential_threshold, pot)
    rt = _threshold("relationship_threshold", relationship_threshold, rel)
    high, strong = pot >= pt, rel >= rt
    quadrant = np.select(
        [high & strong, high & ~strong, ~high & strong], ["Star", "Question", "Cash cow"], "Dog"
    )
    out = pd.DataFrame(
        {
            "potential": np.where(high, "high", "low"),
            "relationship": np.where(strong, "strong", "weak"),
            "quadrant": pd.Categorical(quadrant, list(SERVICE_POLICY.index)),
        },
        index=accounts.index,
    )
    out["visits"] = SERVICE_POLICY["visits"].reindex(quadrant).to_numpy()
    out["goal"] = SERVICE_POLICY["goal"].reindex(quadrant).to_numpy()
    out.attrs.update(
        potential_threshold=pt,
        relationship_threshold=rt,
        potential_col=potential_col,
        relationship_col=relationship_col,
    )
    return out
