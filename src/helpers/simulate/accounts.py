"""Seeded simulator of business (B2B) accounts for the portfolio-matrix material.

Modelled loosely on a port / oil-terminal operator: few, large and complex customers (cargo
owners, shipping agents, traders) at different stages of the relationship.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.customer_base.portfolio import RELATIONSHIP_TYPES
from helpers.exceptions import ParameterError

__all__ = ["RELATIONSHIP_TYPES", "STATUSES", "b2b_accounts"]

#: Account statuses and their shares in the simulated book.
STATUSES = {"current": 0.6, "intent": 0.15, "potential": 0.15, "terminated": 0.1}
#: Relationship strength (0-10) at which each type after the first begins.
TYPE_CUTS = (3.5, 6.0, 8.5)


def b2b_accounts(n: int = 150, random_state=None) -> pd.DataFrame:
    """Simulate a book of business accounts.

    The generating process (the known truth):

    * ``status`` is drawn with the shares of :data:`STATUSES`; ``kind`` is a cargo owner (50%),
      shipping agent (30%) or trader (20%);
    * a current account's yearly ``volume`` (thousand tonnes) is lognormal with median 80
      (cargo owners twice as large as agents and traders); intent, potential and terminated
      accounts ship nothing with us now (volume 0);
    * ``potential_volume`` is what the account could ship with us: for current accounts their
      volume times a lognormal growth factor (median 1.5); for the others lognormal with median
      100 (terminated: what they shipped before they left);
    * ``cost_to_serve`` (thousand yuan a year) = 40 fixed + 0.6 per thousand tonnes of
      potential volume + 60 for agents (more coordination) + an account-specific complexity
      cost, lognormal with median 80 (special handling, paperwork, disputes);
    * ``relationship_strength`` (0-10) is normal around 6.5 for current, 4.5 for intent, 2.5 for
      potential and 2.0 for terminated accounts (sd 1.8), clipped to [0, 10];
    * ``relationship_type`` follows the strength, cut at :data:`TYPE_CUTS`.

    Parameters
    ----------
    n : int
        Number of accounts.
    random_state : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same book.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``account_id`` ("A001", ...), with ``kind``, ``status``, ``volume``,
        ``potential_volume``, ``cost_to_serve``, ``relationship_strength``,
        ``relationship_type`` (ordered categorical) and ``years_with_us``.

    Examples
    --------
    >>> book = b2b_accounts(200, random_state=1)
    >>> book.shape
    (200, 8)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(f"n={n!r} must be a positive whole number of accounts")
    rng = np.random.default_rng(random_state)
    status = rng.choice(list(STATUSES), size=n, p=list(STATUSES.values()))
    kind = rng.choice(["cargo owner", "shipping agent", "trader"], size=n, p=[0.5, 0.3, 0.2])
    size = np.where(kind == "cargo owner", 2.0, 1.0)
    current = status == "current"

    base = rng.lognormal(np.log(80 / 1.4), 0.8, n) * size
    volume = np.where(current, base, 0.0)
    potential = np.where(
        current, base * rng.lognormal(np.log(1.5), 0.4, n), rng.lognormal(np.log(100), 0.9, n)
    )
    cost = (
        40
        + 0.6 * potential
        + np.where(kind == "shipping agent", 60.0, 0.0)
        + rng.lognormal(np.log(80), 0.7, n)
    )
    centre = pd.Series(status).map(
        {"current": 6.5, "intent": 4.5, "potential": 2.5, "terminated": 2.0}
    )
    strength = np.clip(rng.normal(centre.to_numpy(), 1.8), 0, 10)
    rtype = pd.Categorical.from_codes(
        np.searchsorted(TYPE_CUTS, strength, side="right"), RELATIONSHIP_TYPES, ordered=True
    )
    years = np.where(current | (status == "terminated"), rng.integers(1, 16, n), 0)
    return pd.DataFrame(
        {
            "kind": kind,
            "status": pd.Categorical(status, list(STATUSES)),
            "volume": volume.round(1),
            "potential_volume": potential.round(1),
            "cost_to_serve": cost.round(1),
            "relationship_strength": strength.round(2),
            "relationship_type": rtype,
            "years_with_us": years,
        },
        index=pd.Index([f"A{i:03d}" for i in range(1, n + 1)], name="account_id"),
    )
