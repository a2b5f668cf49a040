"""Seeded simulator of a port / oil-terminal operator's business accounts facing new competitors.

The book of accounts comes from :func:`helpers.simulate.accounts.b2b_accounts` (its current
accounts: cargo owners, shipping agents and traders who ship with us now); this module adds what
the case of new competing terminals needs — margin, growth, share of wallet, contract and
distance — and plants two pieces of truth:

* the probability that an account moves (part of) its business to a new terminal within a year
  if the account team does nothing extra (``leave_prob``), a logistic function of the account's
  quadrant in the differentiated-service matrix, its relationship type, how much closer the new
  terminals are, the years left on its contract and the number of new terminals;
* the response of that probability to the account managers' visit hours, with diminishing
  returns: ``leave_prob(h) = leave_prob × (1 - max_reduction × (1 - 2 ** (-h / half_hours)))``.

The accounts table follows :data:`helpers.cases.port_terminal.PORT_ACCOUNTS`, the data
contract of the
port case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.customer_base.portfolio import RELATIONSHIP_TYPES, service_matrix
from helpers.simulate.accounts import b2b_accounts
from helpers.validation import check_int

__all__ = [
    "HALF_HOURS",
    "LEAVE_LOGIT",
    "MAX_REDUCTION",
    "TerminalTruth",
    "leave_design",
    "terminal_accounts",
]

#: Log-odds of leaving within a year with no extra visits: the intercept, effects against the
#: reference levels (quadrant Star, relationship type transactional) and per-unit effects.
LEAVE_LOGIT: dict[str, float] = {
    "intercept": -1.6,
    "quadrant[Question]": 0.7,
    "quadrant[Cash cow]": -0.4,
    "quadrant[Dog]": 0.3,
    "relationship[preferred supplier]": -0.4,
    "relationship[partnership]": -0.9,
    "relationship[strategic alliance]": -1.6,
    "distance_advantage_km": 0.05,  # per km the nearest new terminal is closer than ours
    "contract_years_left": -0.35,  # per year left on the throughput contract
    "new_terminals": 0.5,  # per competing terminal that opens
}

#: Share of the leave probability that unlimited visits could remove, by quadrant: visits win
#: most where the relationship is weak but the potential high (Question).
MAX_REDUCTION: dict[str, float] = {"Star": 0.6, "Question": 0.75, "Cash cow": 0.5, "Dog": 0.3}

#: Median visit hours a year that remove half of the removable risk, by kind of account
#: (each account draws its own value around it).
HALF_HOURS: dict[str, float] = {"cargo owner": 30.0, "shipping agent": 18.0, "trader": 12.0}

#: Median handling margin in yuan per tonne (= thousand yuan per thousand tonnes), by kind.
_UNIT_MARGIN = {"cargo owner": 18.0, "shipping agent": 14.0, "trader": 22.0}


@dataclass(frozen=True)
class TerminalTruth:
    """What the simulator planted.

    Attributes
    ----------
    leave_logit : dict
        The coefficients of :data:`LEAVE_LOGIT` used.
    max_reduction, half_hours : dict
        The response of the leave probability to visits (:data:`MAX_REDUCTION`, and the
        medians of :data:`HALF_HOURS`).
    new_terminals : int
        Competing terminals that open.
    quadrant : pandas.Series
        Each account's quadrant of the differentiated-service matrix (median thresholds), on
        which the leave probability was planted.
    """

    leave_logit: dict[str, float]
    max_reduction: dict[str, float]
    half_hours: dict[str, float]
    new_terminals: int
    quadrant: pd.Series = field(repr=False)


def leave_design(accounts: pd.DataFrame, quadrant: pd.Series, new_terminals: int) -> pd.DataFrame:
    """Design matrix of the planted leave model: one column per key of :data:`LEAVE_LOGIT`.

    ``accounts`` needs ``relationship_type``, ``distance_advantage_km`` and
    ``contract_years_left``; ``quadrant`` is the account's service-matrix quadrant. The planted
    log-odds are ``leave_design(...) @ pandas.Series(LEAVE_LOGIT)``.

    Parameters
    ----------
    accounts : pandas.DataFrame
        The simulated accounts (or accounts with the same columns).
    quadrant : pandas.Series
        Quadrant per account.
    new_terminals : int
        Competing terminals that open.

    Returns
    -------
    pandas.DataFrame
        One row per account, one column per coefficient.

    Examples
    --------
    >>> tables, truth = terminal_accounts(10, random_state=2)
    >>> accounts = tables["accounts"]
    >>> list(leave_design(accounts, truth.quadrant, 2).columns) == list(LEAVE_LOGIT)
    True
    """
    rel = accounts["relationship_type"].astype(str)
    quad = pd.Series(quadrant, index=accounts.index).astype(str)
    cols = {"intercept": np.ones(len(accounts))}
    for q in ("Question", "Cash cow", "Dog"):
        cols[f"quadrant[{q}]"] = (quad == q).to_numpy(float)
    for t in RELATIONSHIP_TYPES[1:]:
        cols[f"relationship[{t}]"] = (rel == t).to_numpy(float)
    cols["distance_advantage_km"] = accounts["distance_advantage_km"].to_numpy(float)
    cols["contract_years_left"] = accounts["contract_years_left"].to_numpy(float)
    cols["new_terminals"] = np.full(len(accounts), float(new_terminals))
    return pd.DataFrame(cols, index=accounts.index)[list(LEAVE_LOGIT)]


def terminal_accounts(
    n: int = 40, new_terminals: int = 2, random_state=None
) -> tuple[dict[str, pd.DataFrame], TerminalTruth]:
    """Simulate a terminal operator's current business accounts as new terminals open.

    Generating process (the truth):

    * the accounts are the first ``n`` *current* accounts of
      :func:`~helpers.simulate.accounts.b2b_accounts` (kind, ``volume`` in thousand tonnes a
      year, ``potential_volume``, ``cost_to_serve`` in thousand yuan a year,
      ``relationship_strength`` 0-10 and ``relationship_type``), renumbered ``T001``, ...;
    * ``unit_margin`` (yuan per tonne, i.e. thousand yuan per thousand tonnes) is lognormal
      around 18 for cargo owners, 14 for shipping agents and 22 for traders (sd 0.2 on the log
      scale); ``growth`` (expected yearly volume growth) is normal(0.03, 0.04) clipped to
      [-0.10, 0.15]; ``share_of_wallet`` is the volume over the potential volume, capped at 1;
    * ``contract_years_left`` is uniform on 0-3 years, plus one for partnerships and two for
      strategic alliances; ``distance_advantage_km`` (how much closer the nearest new terminal
      is than ours; negative: ours is closer) is normal(5, 12);
    * ``leave_prob`` = logistic(design · :data:`LEAVE_LOGIT`) with the quadrant of
      :func:`helpers.service_matrix` at its median thresholds;
    * ``max_reduction`` is :data:`MAX_REDUCTION` of the quadrant; ``half_hours`` is
      :data:`HALF_HOURS` of the kind times a lognormal factor (median 1, sd 0.25).

    Parameters
    ----------
    n : int
        Number of accounts (a few dozen is the case; 5 to 5,000 are allowed).
    new_terminals : int
        Competing terminals that open (0 to 5); each raises the log-odds of leaving by 0.5.
    random_state : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same book.

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``"accounts"``: indexed by ``account_id``, with the columns of
        :data:`helpers.cases.port_terminal.PORT_ACCOUNTS` plus ``distance_advantage_km``.
    truth : TerminalTruth

    Raises
    ------
    ParameterError
        If ``n`` or ``new_terminals`` is out of range.

    Examples
    --------
    >>> tables, truth = terminal_accounts(30, random_state=3)
    >>> accounts = tables["accounts"]
    >>> accounts.shape, truth.new_terminals
    ((30, 15), 2)
    >>> bool(accounts["leave_prob"].between(0, 1).all())
    True
    """
    n = check_int("n", n, 5, 5_000)
    new_terminals = check_int("new_terminals", new_terminals, 0, 5)
    rng = np.random.default_rng(random_state)
    book = b2b_accounts(2 * n + 20, random_state=rng)
    current = book[book["status"] == "current"]
    while len(current) < n:  # rare: fewer current accounts than asked for
        more = b2b_accounts(2 * n + 20, random_state=rng)
        current = pd.concat([current, more[more["status"] == "current"]])
    acc = current.iloc[:n].drop(columns=["status"]).reset_index(drop=True)
    acc.index = pd.Index([f"T{i:03d}" for i in range(1, n + 1)], name="account_id")
    kind = acc["kind"].to_numpy()

    unit_margin = pd.Series(kind).map(_UNIT_MARGIN).to_numpy() * rng.lognormal(0, 0.2, n)
    growth = np.clip(rng.normal(0.03, 0.04, n), -0.10, 0.15)
    wallet = np.minimum(acc["volume"] / acc["potential_volume"], 1.0)
    rel_rank = acc["relationship_type"].cat.codes.to_numpy()
    contract = rng.integers(0, 4, n) + np.select([rel_rank == 2, rel_rank == 3], [1, 2], 0)
    distance = rng.normal(5, 12, n)
    acc["unit_margin"] = unit_margin.round(2)
    acc["growth"] = growth.round(3)
    acc["share_of_wallet"] = wallet.round(3)
    acc["contract_years_left"] = contract.astype("int64")
    acc["distance_advantage_km"] = distance.round(1)

    quadrant = service_matrix(acc)["quadrant"]
    design = leave_design(acc, quadrant, new_terminals)
    logit = design.to_numpy() @ np.array(list(LEAVE_LOGIT.values()))
    acc["leave_prob"] = 1 / (1 + np.exp(-logit))
    acc["max_reduction"] = quadrant.astype(str).map(MAX_REDUCTION).astype(float).to_numpy()
    half = pd.Series(kind).map(HALF_HOURS).to_numpy() * rng.lognormal(0, 0.25, n)
    acc["half_hours"] = half.round(1)
    order = [
        "kind",
        "volume",
        "potential_volume",
        "cost_to_serve",
        "relationship_strength",
        "relationship_type",
        "years_with_us",
        "unit_margin",
        "growth",
        "share_of_wallet",
        "contract_years_left",
        "distance_advantage_km",
        "leave_prob",
        "max_reduction",
        "half_hours",
    ]
    truth = TerminalTruth(
        leave_logit=dict(LEAVE_LOGIT),
        max_reduction=dict(MAX_REDUCTION),
        half_hours=dict(HALF_HOURS),
        new_terminals=new_terminals,
        quadrant=quadrant.rename("quadrant"),
    )
    return {"accounts": acc[order]}, truth
