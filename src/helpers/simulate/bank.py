"""Seeded simulator of a bank's retail customers at two yearly snapshots.

The bank of the curriculum tiers its customers by value — assets, deposits and loan needs — and
serves each tier differently. This simulator plants everything the case needs to recover:

* each customer's **true tier** at the first snapshot (shares :data:`TIER_SHARES`), from which
  the balances are drawn (medians :data:`BALANCE_MEDIANS`);
* a year-long **service pilot**: every customer received one of three service levels at random
  (:data:`SERVICE_LEVELS`), at a cost around :data:`SERVICE_COST`;
* the **retention response**: the chance of still being a customer a year later depends on the
  true tier and the service received (:data:`TRUE_RETENTION`);
* **tier migration** among the customers who stay (:data:`TRUE_MOVES`), with balances at the
  second snapshot drawn from the new tier and correlated with the old ones.

The table follows :data:`helpers.cases.bank.BANK_CUSTOMERS`, the data contract of the bank case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.cases.bank import SERVICE_LEVELS, TIERS
from helpers.exceptions import ParameterError
from helpers.validation import check_int, check_number

__all__ = [
    "BALANCE_MEDIANS",
    "BankTruth",
    "SERVICE_COST",
    "SERVICE_LEVELS",
    "TIERS",
    "TIER_SHARES",
    "TRUE_MOVES",
    "TRUE_RETENTION",
    "bank_customers",
]

#: Share of customers in each true tier at the first snapshot.
TIER_SHARES = {"high": 0.10, "medium": 0.30, "low": 0.60}
#: Mean yearly cost of serving one customer at each level, yuan.
SERVICE_COST = {"vip": 3000.0, "personalised": 400.0, "basic": 60.0}

#: Median balances (yuan) by true tier; loan_need is the median among customers with a loan.
BALANCE_MEDIANS = pd.DataFrame(
    {
        "assets": [3_000_000.0, 400_000.0, 40_000.0],
        "deposits": [1_000_000.0, 150_000.0, 15_000.0],
        "loan_need": [2_000_000.0, 300_000.0, 50_000.0],
    },
    index=pd.Index(TIERS, name="tier"),
)
#: Share of each tier with no loan need at all.
NO_LOAN_SHARE = {"high": 0.05, "medium": 0.10, "low": 0.30}

#: P(still a customer a year later | true tier, service level received).
TRUE_RETENTION = pd.DataFrame(
    {
        "vip": [0.96, 0.94, 0.92],
        "personalised": [0.90, 0.92, 0.91],
        "basic": [0.80, 0.84, 0.89],
    },
    index=pd.Index(TIERS, name="tier"),
)

#: P(tier a year later | tier now), among the customers who stay (rows sum to 1).
TRUE_MOVES = pd.DataFrame(
    [[0.88, 0.11, 0.01], [0.05, 0.87, 0.08], [0.005, 0.045, 0.95]],
    index=pd.Index(TIERS, name="from"),
    columns=pd.Index(TIERS, name="to"),
)

_SD = 0.45  # log-scale spread of a balance within its tier
_SHARED = 0.6  # weight of the customer's common wealth factor in each balance


@dataclass(frozen=True)
class BankTruth:
    """What the simulator planted.

    Attributes
    ----------
    tier_shares, service_cost : dict
    retention, moves, balance_medians : pandas.DataFrame
        :data:`TRUE_RETENTION`, :data:`TRUE_MOVES`, :data:`BALANCE_MEDIANS`.
    persistence : float
        Correlation of a customer's log-balance deviations between the snapshots.
    tier_y0, tier_y1 : pandas.Series
        Each customer's true tier at the snapshots (``"left"`` at y1 for leavers).
    """

    tier_shares: dict[str, float]
    service_cost: dict[str, float]
    retention: pd.DataFrame
    moves: pd.DataFrame
    balance_medians: pd.DataFrame
    persistence: float
    tier_y0: pd.Series = field(repr=False)
    tier_y1: pd.Series = field(repr=False)

    def transition(self, service_share: dict[str, float] | None = None) -> pd.DataFrame:
        """True one-year transition matrix, tiers → tiers and ``left``.

        ``P[t, j] = r_t × moves[t, j]`` and ``P[t, left] = 1 - r_t``, with ``r_t`` the
        retention of tier ``t`` averaged over the service levels with weights
        ``service_share`` (default: the pilot's equal thirds).
        """
        share = service_share or {s: 1 / len(SERVICE_LEVELS) for s in SERVICE_LEVELS}
        r = sum(self.retention[s] * w for s, w in share.items())
        out = self.moves.mul(r, axis=0)
        out["left"] = 1 - r
        out.columns.name = "to"
        return out


def _balances(rng, tiers: np.ndarray, dev: np.ndarray | None, rho: float) -> np.ndarray:
    """Log-balances (n, 3) around the tier medians; with ``dev`` (the previous deviations)
    they keep a correlation ``rho`` with them."""
    n = len(tiers)
    common = rng.standard_normal((n, 1))
    fresh = _SD * (_SHARED * common + np.sqrt(1 - _SHARED**2) * rng.standard_normal((n, 3)))
    new_dev = fresh if dev is None else rho * dev + np.sqrt(1 - rho**2) * fresh
    medians = BALANCE_MEDIANS.loc[tiers].to_numpy()
    return np.log(medians) + new_dev


def bank_customers(
    n: int = 10_000, persistence: float = 0.8, random_state=None
) -> tuple[dict[str, pd.DataFrame], BankTruth]:
    """Simulate a bank's customers at two snapshots a year apart, with a service pilot.

    Generating process (the truth):

    * true tier at y0 with the shares of :data:`TIER_SHARES`;
    * balances at y0 (yuan): ``assets`` (financial assets held with the bank), ``deposits`` and
      ``loan_need`` are lognormal around the tier's :data:`BALANCE_MEDIANS` (sd 0.45 on the log
      scale, correlated through a common wealth factor); a share :data:`NO_LOAN_SHARE` of each
      tier has no loan need (0);
    * ``service``: the level received during the year, drawn at random (a third each) — the
      pilot that lets the case measure the retention response; ``service_cost`` is the level's
      :data:`SERVICE_COST` times a lognormal factor with mean 1 (sd 0.25 on the log scale);
    * ``stayed`` ~ Bernoulli(:data:`TRUE_RETENTION` of the true tier and the service);
    * for the customers who stay, the true tier at y1 is drawn from the row of
      :data:`TRUE_MOVES`; balances at y1 are drawn around the new tier's medians with log
      deviations correlated ``persistence`` with those at y0; 80% keep their loan status, the
      others draw it afresh; leavers have no balances at y1 (missing).

    Parameters
    ----------
    n : int
        Number of customers at y0 (100 to 2,000,000).
    persistence : float
        Correlation of a customer's log-balance deviations between the snapshots (0 to 1).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``"customers"``: indexed by ``customer_id``, with the columns of
        :data:`helpers.cases.bank.BANK_CUSTOMERS`.
    truth : BankTruth

    Raises
    ------
    ParameterError
        ``n`` or ``persistence`` out of range.

    Examples
    --------
    >>> tables, truth = bank_customers(500, random_state=1)
    >>> customers = tables["customers"]
    >>> customers.shape
    (500, 9)
    >>> truth.transition().sum(axis=1).round(12).tolist()
    [1.0, 1.0, 1.0]
    """
    n = check_int("n", n, 100, 2_000_000)
    rho = check_number("persistence", persistence, 0, 1)
    if not np.isclose(sum(TIER_SHARES.values()), 1):
        raise ParameterError("TIER_SHARES must add up to 1")
    rng = np.random.default_rng(random_state)
    tiers = np.array(TIERS)
    tier0 = rng.choice(tiers, size=n, p=[TIER_SHARES[t] for t in TIERS])
    log0 = _balances(rng, tier0, None, rho)
    no_loan = pd.Series(tier0).map(NO_LOAN_SHARE).to_numpy()
    has_loan0 = rng.random(n) >= no_loan
    bal0 = np.exp(log0)
    bal0[:, 2] *= has_loan0

    service = rng.choice(np.array(SERVICE_LEVELS), size=n)
    cost_mean = pd.Series(service).map(SERVICE_COST).to_numpy()
    sigma = 0.25
    cost = cost_mean * rng.lognormal(-(sigma**2) / 2, sigma, n)
    r = TRUE_RETENTION.to_numpy()[
        pd.Index(TIERS).get_indexer(tier0), pd.Index(SERVICE_LEVELS).get_indexer(service)
    ]
    stayed = rng.random(n) < r

    moves = TRUE_MOVES.to_numpy()
    cum = moves.cumsum(axis=1)[pd.Index(TIERS).get_indexer(tier0)]
    pick = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, len(TIERS) - 1)
    tier1 = tiers[pick]
    dev0 = log0 - np.log(BALANCE_MEDIANS.loc[tier0].to_numpy())
    log1 = _balances(rng, tier1, dev0, rho)
    redraw = rng.random(n) < 0.2
    fresh_loan = rng.random(n) >= pd.Series(tier1).map(NO_LOAN_SHARE).to_numpy()
    has_loan1 = np.where(redraw, fresh_loan, has_loan0)
    bal1 = np.exp(log1)
    bal1[:, 2] *= has_loan1
    bal1[~stayed] = np.nan

    index = pd.Index([f"C{i:06d}" for i in range(1, n + 1)], name="customer_id")
    customers = pd.DataFrame(
        {
            "assets_y0": bal0[:, 0].round(0),
            "deposits_y0": bal0[:, 1].round(0),
            "loan_need_y0": bal0[:, 2].round(0),
            "service": pd.Categorical(service, list(SERVICE_LEVELS)),
            "service_cost": cost.round(2),
            "stayed": stayed,
            "assets_y1": bal1[:, 0].round(0),
            "deposits_y1": bal1[:, 1].round(0),
            "loan_need_y1": bal1[:, 2].round(0),
        },
        index=index,
    )
    truth = BankTruth(
        tier_shares=dict(TIER_SHARES),
        service_cost=dict(SERVICE_COST),
        retention=TRUE_RETENTION.copy(),
        moves=TRUE_MOVES.copy(),
        balance_medians=BALANCE_MEDIANS.copy(),
        persistence=rho,
        tier_y0=pd.Series(tier0, index=index, name="tier_y0"),
        tier_y1=pd.Series(np.where(stayed, tier1, "left"), index=index, name="tier_y1"),
    )
    return {"customers": customers}, truth
