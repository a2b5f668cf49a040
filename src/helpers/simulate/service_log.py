"""Seeded simulator of a high-end machine maker's customers, machine usage and repair tickets.

The case of chapter 17 (curriculum §8). What is planted, so the analysis can be checked:

* **failure rate rises with usage**: in a month with ``h`` machine hours a machine fails a
  Poisson number of times with mean ``h / 1000 × rate``, where the rate per 1,000 hours
  depends on the usage band of that month (:data:`FAILURE_RATE`; heavy use wears a machine
  faster per hour, not only in total);
* **repair time depends on the fault type**: a repair of fault type ``f`` takes a gamma
  number of engineer work hours (shape 2) with mean :data:`REPAIR_HOURS` ``[f]``; some
  repairs also wait for a spare part from the factory (:data:`PARTS_SHARE`, a gamma delay with
  mean :data:`PARTS_MEAN_HOURS`), during which the engineer works on other tickets;
* **waiting time depends on the queue position and on priority**: the tickets wait for one of
  ``n_engineers`` engineers; customers with a premium service contract are served first (a
  non-preemptive priority queue, :func:`helpers.cases.manufacturer.simulate_queue`), so
  their tickets wait less — the planted effect of priority on waiting time.

The clock runs in hours, around the clock (a service desk with engineers on shifts). Tickets
still open at the end of the log have no ``closed_at`` (censored); the truth keeps their
complete times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.cases.manufacturer import TIERS, simulate_queue, usage_band
from helpers.validation import check_int

__all__ = [
    "FAILURE_RATE",
    "FAULT_SHARES",
    "PARTS_MEAN_HOURS",
    "PARTS_SHARE",
    "REPAIR_HOURS",
    "ServiceTruth",
    "repair_log",
]

#: Failures per 1,000 machine hours by usage band of the month (planted).
FAILURE_RATE: dict[str, float] = {
    "light (<200 h)": 0.8,
    "medium (200-400 h)": 1.2,
    "heavy (400+ h)": 2.0,
}

#: Mean repair hours (once an engineer has started) by fault type (planted).
REPAIR_HOURS: dict[str, float] = {"software": 4.0, "electrical": 12.0, "mechanical": 36.0}

#: Share of the repairs of each fault type that wait for a spare part from the factory.
PARTS_SHARE: dict[str, float] = {"software": 0.0, "electrical": 0.25, "mechanical": 0.5}

#: Mean hours a repair waits for a spare part (planted).
PARTS_MEAN_HOURS = 120.0

#: Share of failures of each fault type.
FAULT_SHARES: dict[str, float] = {"software": 0.35, "electrical": 0.4, "mechanical": 0.25}

#: Share of the customers of each tier with a premium service contract (served first).
CONTRACT_SHARE: dict[str, float] = {"A": 0.6, "B": 0.2, "C": 0.0}

_HOURS_PER_MONTH = 365.25 * 24 / 12


@dataclass(frozen=True)
class ServiceTruth:
    """What :func:`repair_log` planted.

    Attributes
    ----------
    failure_rate, repair_hours, parts_share, fault_shares, contract_share : dict
        The planted values (see the module constants).
    n_engineers : int
    observation_end : pandas.Timestamp
        End of the log.
    closed_at : pandas.Series
        Every ticket's true closing time, also for tickets still open at the end.
    wait_hours : pandas.Series
        Every ticket's true waiting time before an engineer starts.
    """

    failure_rate: dict
    repair_hours: dict
    parts_share: dict
    parts_mean_hours: float
    fault_shares: dict
    contract_share: dict
    n_engineers: int
    observation_end: pd.Timestamp
    closed_at: pd.Series = field(repr=False)
    wait_hours: pd.Series = field(repr=False)


def repair_log(
    n_customers: int = 120,
    *,
    months: int = 12,
    n_engineers: int = 3,
    start: str = "2025-01-01",
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], ServiceTruth]:
    """Simulate customers, monthly machine usage and repair tickets with planted facts.

    Parameters
    ----------
    n_customers : int
        Customers (each owns 1 to about 8 machines; bigger spenders own more).
    months : int
        Months of usage and tickets.
    n_engineers : int
        Service engineers working in parallel.
    start : str
        First day of the log.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``customers`` (customer_id, yearly_spend in thousand yuan, tier, contract, machines),
        ``usage`` (machine_id, customer_id, month, hours) and ``tickets`` (ticket_id,
        machine_id, customer_id, tier, contract, yearly_spend, fault_type, opened_at,
        started_at, closed_at, work_hours (the engineer's hours on the job), waited_for_part,
        engineer; started_at, closed_at, work_hours and waited_for_part are missing if not
        yet known at the end of the log).
    truth : ServiceTruth

    Examples
    --------
    >>> tables, truth = repair_log(40, months=3, random_state=1)
    >>> sorted(tables)
    ['customers', 'tickets', 'usage']
    >>> tables["customers"]["tier"].value_counts().sort_index().tolist()
    [8, 12, 20]
    """
    n_customers = check_int("n_customers", n_customers, 10, 100_000)
    months = check_int("months", months, 1, 120)
    n_engineers = check_int("n_engineers", n_engineers, 1, 1000)
    rng = np.random.default_rng(random_state)
    origin = pd.Timestamp(start)
    end = origin + pd.DateOffset(months=months)

    # Customers: yearly spend (thousand yuan), tiers by spend rank (ABC: 20% / 30% / 50%).
    spend = np.round(rng.lognormal(np.log(300), 0.9, n_customers), 1)
    rank = pd.Series(spend).rank(ascending=False, method="first").to_numpy()
    tier = np.where(rank <= 0.2 * n_customers, "A", np.where(rank <= 0.5 * n_customers, "B", "C"))
    contract = rng.random(n_customers) < np.array([CONTRACT_SHARE[t] for t in tier])
    n_machines = 1 + rng.poisson(np.clip(spend / 300, 0.2, 7))
    ids = [f"C{i:04d}" for i in range(1, n_customers + 1)]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "yearly_spend": spend,
            "tier": pd.Categorical(tier, categories=TIERS),
            "contract": contract,
            "machines": n_machines,
        }
    )

    # Usage: each machine has its own level of use; months vary around it.
    owner = np.repeat(np.arange(n_customers), n_machines)
    n_mach = len(owner)
    level = rng.gamma(4.0, 75.0, n_mach)  # mean 300 hours a month
    month_starts = pd.date_range(origin, periods=months, freq="MS")
    hours = np.clip(level[:, None] * rng.lognormal(0, 0.25, (n_mach, months)), 0, 720).round(1)
    machine_ids = [f"M{i:05d}" for i in range(1, n_mach + 1)]
    usage = pd.DataFrame(
        {
            "machine_id": np.repeat(machine_ids, months),
            "customer_id": np.repeat(np.array(ids)[owner], months),
            "month": np.tile(month_starts, n_mach),
            "hours": hours.ravel(),
        }
    )

    # Failures: Poisson in each machine-month, rate by the month's usage band.
    band = usage_band(usage["hours"])
    rate = np.asarray(band.map(FAILURE_RATE, na_action=None), dtype=float)
    n_fail = rng.poisson(usage["hours"].to_numpy() / 1000 * rate)
    rows_ = np.repeat(np.arange(len(usage)), n_fail)
    month_len = (
        (usage["month"] + pd.DateOffset(months=1) - usage["month"]).dt.total_seconds() / 3600
    ).to_numpy()
    offset = rng.random(len(rows_)) * month_len[rows_]
    opened = usage["month"].to_numpy()[rows_] + pd.to_timedelta(offset, unit="h").to_numpy()
    faults = list(FAULT_SHARES)
    fault = rng.choice(faults, size=len(rows_), p=list(FAULT_SHARES.values()))
    mean_repair = np.array([REPAIR_HOURS[f] for f in fault])
    service = rng.gamma(2.0, mean_repair / 2.0)
    needs_part = rng.random(len(fault)) < np.array([PARTS_SHARE[f] for f in fault])
    parts = np.where(needs_part, rng.gamma(2.0, PARTS_MEAN_HOURS / 2.0, len(fault)), 0.0)
    cust = owner[rows_ // months]
    order = np.argsort(opened, kind="stable")
    opened, fault, service, parts, cust, rows_ = (
        opened[order],
        fault[order],
        service[order],
        parts[order],
        cust[order],
        rows_[order],
    )

    # The queue: contract customers first, otherwise first come first served.
    arrival = (pd.Series(opened) - origin).dt.total_seconds().to_numpy() / 3600
    wait = simulate_queue(arrival, service, n_engineers, priority=(~contract[cust]).astype(int))
    started = opened + pd.to_timedelta(wait, unit="h").to_numpy()
    closed = started + pd.to_timedelta(service + parts, unit="h").to_numpy()
    engineer = rng.integers(
        1, n_engineers + 1, len(rows_)
    )  # who repaired it (drawn at random; it plays no part in the times)
    n_t = len(rows_)
    ticket_ids = [f"T{i:06d}" for i in range(1, n_t + 1)]
    started_s = pd.Series(started, index=ticket_ids)
    closed_s = pd.Series(closed, index=ticket_ids)
    tickets = pd.DataFrame(
        {
            "ticket_id": ticket_ids,
            "machine_id": usage["machine_id"].to_numpy()[rows_],
            "customer_id": np.array(ids)[cust],
            "tier": pd.Categorical(tier[cust], categories=TIERS),
            "contract": contract[cust],
            "yearly_spend": spend[cust],
            "fault_type": fault,
            "opened_at": opened,
            "started_at": started_s.where(started_s <= end).to_numpy(),
            "closed_at": closed_s.where(closed_s <= end).to_numpy(),
            "work_hours": np.where(closed <= end, service.round(2), np.nan),
            "waited_for_part": pd.array(np.where(closed <= end, parts > 0, None), dtype="boolean"),
            "engineer": [f"E{e}" for e in engineer],
        }
    )
    truth = ServiceTruth(
        failure_rate=dict(FAILURE_RATE),
        repair_hours=dict(REPAIR_HOURS),
        parts_share=dict(PARTS_SHARE),
        parts_mean_hours=PARTS_MEAN_HOURS,
        fault_shares=dict(FAULT_SHARES),
        contract_share=dict(CONTRACT_SHARE),
        n_engineers=n_engineers,
        observation_end=end,
        closed_at=pd.Series(closed, index=pd.Index(ticket_ids, name="ticket_id")),
        wait_hours=pd.Series(wait, index=pd.Index(ticket_ids, name="ticket_id")),
    )
    return {"customers": customers, "usage": usage, "tickets": tickets}, truth
