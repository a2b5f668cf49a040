"""After-sales service of a high-end machine maker: repair times, failure rates, service queues.

The high-end manufacturer case (curriculum §8): usage and repair records give key customers
faster after-sales service. Three analyses, each on the tables of
:func:`helpers.simulate.service_log.repair_log` (or your own tables with the same columns):

* **time to repair** per value tier, where tickets still open at the end of the log are
  *censored* (their repair time is known only to be longer than what has passed): the
  Kaplan-Meier estimator of lifelines uses them correctly (:func:`time_to_repair`);
* **failure rate per 1,000 usage hours** by usage band, with an exact Poisson confidence
  interval, and the machines expected to fail most next month — the list for predictive
  maintenance (:func:`failure_rates`, :func:`maintenance_list`);
* a **queue simulation** that replays the same tickets with the same repair durations under
  first-come-first-served and under a value-based priority queue (key customers first), and
  compares the waiting times per tier and the value-weighted waiting time
  (:func:`simulate_queue`, :func:`compare_queues`).

The queue is written by hand because no maintained library does a non-preemptive multi-server
priority queue on given arrival and service times; it is a short event loop (the next free
engineer takes the waiting ticket of the highest priority, the earliest first within a
priority), checked in the tests against hand-computed cases.

References
----------
Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from incomplete observations.
*Journal of the American Statistical Association* 53(282), 457-481.

Davidson-Pilon, C. (2019). lifelines: survival analysis in Python. *Journal of Open Source
Software* 4(40), 1317.

Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28, 437-442.

Kleinrock, L. (1976). *Queueing Systems, Volume II: Computer Applications*. Wiley. (Priority
queues: serving a class first shortens its wait and lengthens the others'.)
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy.stats import chi2

from helpers.exceptions import DataValidationError
from helpers.validation import (
    check_frame,
    check_int,
    check_number,
    numeric_column,
    require_columns,
    rows,
)

__all__ = [
    "TIERS",
    "USAGE_BANDS",
    "compare_queues",
    "failure_rates",
    "maintenance_list",
    "repair_durations",
    "simulate_queue",
    "time_to_repair",
    "usage_band",
]

#: Value tiers from yearly spend, most valuable first (A: top 20%, B: next 30%, C: the rest).
TIERS: tuple[str, ...] = ("A", "B", "C")

#: Usage bands by machine hours in a month: (label, lower edge, upper edge).
USAGE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("light (<200 h)", 0.0, 200.0),
    ("medium (200-400 h)", 200.0, 400.0),
    ("heavy (400+ h)", 400.0, np.inf),
)


def _times(tickets: pd.DataFrame, col: str, *, allow_missing: bool) -> pd.Series:
    """A date-time column of tickets, refusing text and (unless allowed) missing values."""
    s = tickets[col]
    if not pd.api.types.is_datetime64_any_dtype(s):
        raise DataValidationError(
            f"column {col!r} of tickets is not a date-time (dtype {s.dtype}); convert it with "
            f"pd.to_datetime(tickets[{col!r}])"
        )
    missing = s.isna().to_numpy()
    if missing.any() and not allow_missing:
        raise DataValidationError(
            f"column {col!r} of tickets has {missing.sum()} missing value(s) "
            f"({rows(tickets.index, missing)}); every ticket needs one"
        )
    return s


def repair_durations(tickets: pd.DataFrame, observation_end) -> pd.DataFrame:
    """Time to repair of each ticket in hours, with an event flag for closed tickets.

    A ticket still open at ``observation_end`` (no ``closed_at``) is *censored*: its time to
    repair is at least ``observation_end - opened_at``.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Columns ``opened_at`` and ``closed_at`` (date-times; ``closed_at`` missing if open).
    observation_end : date
        End of the log.

    Returns
    -------
    pandas.DataFrame
        ``hours`` (time to repair, or time open so far) and ``closed`` (True = repaired).

    Raises
    ------
    DataValidationError
        If a column is missing or not a date-time, or a ticket closes before it opens or
        after ``observation_end``.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": pd.to_datetime(["2025-01-01", "2025-01-02"]),
    ...                   "closed_at": pd.to_datetime(["2025-01-01 06:00", None])})
    >>> repair_durations(t, "2025-01-03")
       hours  closed
    0    6.0    True
    1   24.0   False
    """
    check_frame(tickets, "tickets")
    require_columns(tickets, ["opened_at", "closed_at"], "tickets")
    end = pd.Timestamp(observation_end)
    opened = _times(tickets, "opened_at", allow_missing=False)
    closed_at = _times(tickets, "closed_at", allow_missing=True)
    closed = closed_at.notna().to_numpy()
    stop = closed_at.where(closed_at.notna(), end)
    hours = ((stop - opened).dt.total_seconds() / 3600).to_numpy()
    bad = hours < 0
    if bad.any():
        raise DataValidationError(
            f"{bad.sum()} ticket(s) close before they open, or open after observation_end "
            f"({rows(tickets.index, bad)}); correct the dates or the observation_end"
        )
    late = closed & (closed_at > end).to_numpy()
    if late.any():
        raise DataValidationError(
            f"{late.sum()} ticket(s) close after observation_end ({rows(tickets.index, late)}); "
            "pass the end of the log as observation_end"
        )
    return pd.DataFrame({"hours": hours, "closed": closed}, index=tickets.index)


def time_to_repair(
    tickets: pd.DataFrame, observation_end, *, group_col: str = "tier"
) -> pd.DataFrame:
    """Median time to repair per group: Kaplan-Meier (open tickets censored) and naive.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Columns ``opened_at``, ``closed_at`` and ``group_col``.
    observation_end : date
        End of the log; tickets without ``closed_at`` are still open then.
    group_col : str
        Column to group by (the value tier by default).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``tickets``, ``open`` (censored), ``km_median_hours`` (Kaplan-Meier
        median, NaN if more than half are still open), ``closed_only_median_hours`` (the
        median of closed tickets only, which leaves out the long open ones and is too low)
        and ``km_share_within_24h`` (share repaired within 24 hours, Kaplan-Meier).

    Raises
    ------
    DataValidationError
        As :func:`repair_durations`, or if ``group_col`` is missing.

    Examples
    --------
    >>> t = pd.DataFrame({
    ...     "opened_at": pd.to_datetime(["2025-01-01"] * 4),
    ...     "closed_at": pd.to_datetime(["2025-01-01 02:00", "2025-01-01 04:00", None, None]),
    ...     "tier": ["A"] * 4})
    >>> row = time_to_repair(t, "2025-01-01 10:00").loc["A"]
    >>> row[["open", "km_median_hours", "closed_only_median_hours"]].tolist()
    [2.0, 4.0, 3.0]
    """
    check_frame(tickets, "tickets")
    require_columns(tickets, {"group_col": group_col}, "tickets")
    dur = repair_durations(tickets, observation_end)
    out = {}
    for name, part in dur.groupby(tickets[group_col], observed=True, sort=True):
        km = KaplanMeierFitter().fit(part["hours"], part["closed"])
        median = float(km.median_survival_time_)
        out[name] = {
            "tickets": len(part),
            "open": int((~part["closed"]).sum()),
            "km_median_hours": median if np.isfinite(median) else np.nan,
            "closed_only_median_hours": float(part.loc[part["closed"], "hours"].median()),
            "km_share_within_24h": float(1 - km.survival_function_at_times(24.0).iloc[0]),
        }
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index.name = group_col
    return table


def usage_band(hours) -> pd.Categorical:
    """The usage band (:data:`USAGE_BANDS`) of monthly machine hours.

    Examples
    --------
    >>> list(usage_band([50, 200, 450]))
    ['light (<200 h)', 'medium (200-400 h)', 'heavy (400+ h)']
    """
    edges = [b[1] for b in USAGE_BANDS] + [np.inf]
    labels = [b[0] for b in USAGE_BANDS]
    return pd.cut(np.asarray(hours, dtype=float), edges, right=False, labels=labels)


def failure_rates(
    usage: pd.DataFrame,
    tickets: pd.DataFrame,
    *,
    by: str = "band",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Failures per 1,000 usage hours, with an exact Poisson confidence interval.

    Each failure ticket is matched to its machine-month in ``usage``; the rate of a group is
    its failures divided by its usage hours, times 1,000.

    Parameters
    ----------
    usage : pandas.DataFrame
        One row per machine and month: ``machine_id``, ``month`` and ``hours``.
    tickets : pandas.DataFrame
        One row per failure: ``machine_id`` and ``opened_at``.
    by : str
        ``"band"`` groups machine-months by usage band (:func:`usage_band`); any other
        column of ``usage`` (e.g. ``"machine_id"``) groups by that column.
    confidence_level : float
        Of the exact (Garwood) interval.

    Returns
    -------
    pandas.DataFrame
        ``hours``, ``failures``, ``rate_per_1000h``, ``ci_low``, ``ci_high``.

    Raises
    ------
    DataValidationError
        If a column is missing, hours are negative, or a ticket falls outside every
        machine-month of ``usage``.

    Examples
    --------
    >>> usage = pd.DataFrame({"machine_id": ["M1", "M2"],
    ...                       "month": pd.to_datetime(["2025-01-01"] * 2),
    ...                       "hours": [100.0, 500.0]})
    >>> tickets = pd.DataFrame({"machine_id": ["M2", "M2"],
    ...                         "opened_at": pd.to_datetime(["2025-01-05", "2025-01-20"])})
    >>> rates = failure_rates(usage, tickets)
    >>> rates["failures"].tolist(), rates["rate_per_1000h"].tolist()
    ([0, 0, 2], [0.0, nan, 4.0])
    """
    check_frame(usage, "usage")
    check_frame(tickets, "tickets", allow_empty=True)
    require_columns(usage, ["machine_id", "month", "hours"], "usage")
    require_columns(tickets, ["machine_id", "opened_at"], "tickets")
    level = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    hours = numeric_column(usage, "hours", "usage", low=0)
    if by != "band":
        require_columns(usage, {"by": by}, "usage")
    month = pd.to_datetime(usage["month"]).dt.to_period("M")
    key = pd.DataFrame({"machine_id": usage["machine_id"].to_numpy(), "month": month.to_numpy()})
    key["group"] = usage_band(hours) if by == "band" else usage[by].to_numpy()
    key["hours"] = hours
    opened = _times(tickets, "opened_at", allow_missing=False)
    t = pd.DataFrame(
        {"machine_id": tickets["machine_id"].to_numpy(), "month": opened.dt.to_period("M")}
    )
    matched = t.merge(key, on=["machine_id", "month"], how="left", indicator=True)
    lost = (matched["_merge"] != "both").to_numpy()
    if lost.any():
        raise DataValidationError(
            f"{lost.sum()} ticket(s) have no machine-month in usage "
            f"({rows(tickets.index, lost)}); usage needs a row for every machine and month in "
            "which a ticket opens"
        )
    table = pd.DataFrame(
        {
            "hours": key.groupby("group", observed=False)["hours"].sum(),
            "failures": matched.groupby("group", observed=False).size(),
        }
    ).fillna({"failures": 0})
    table["failures"] = table["failures"].astype(int)
    table.index.name = by
    k, exposure = table["failures"].to_numpy(), table["hours"].to_numpy() / 1000
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rate_per_1000h"] = np.where(exposure > 0, k / exposure, np.nan)
        low = np.where(k > 0, chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        high = chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
        table["ci_low"] = np.where(exposure > 0, low / exposure, np.nan)
        table["ci_high"] = np.where(exposure > 0, high / exposure, np.nan)
    return table


def maintenance_list(
    usage: pd.DataFrame, rates: pd.DataFrame, *, last_months: int = 3, top: int = 10
) -> pd.DataFrame:
    """The machines expected to fail most next month: candidates for a preventive visit.

    A machine's expected failures next month = its mean monthly hours over the last
    ``last_months`` months × the failure rate of that usage band / 1,000.

    Parameters
    ----------
    usage : pandas.DataFrame
        ``machine_id``, ``month``, ``hours`` (and any other machine columns, e.g.
        ``customer_id`` and ``tier``, which are kept).
    rates : pandas.DataFrame
        From :func:`failure_rates` with ``by="band"``.
    last_months, top : int
        Months averaged, and machines returned.

    Returns
    -------
    pandas.DataFrame
        ``mean_hours``, ``band``, ``expected_failures``, sorted, the ``top`` first.

    Examples
    --------
    >>> usage = pd.DataFrame({"machine_id": ["M1", "M2"],
    ...                       "month": pd.to_datetime(["2025-01-01"] * 2),
    ...                       "hours": [100.0, 500.0]})
    >>> rates = pd.DataFrame({"rate_per_1000h": [1.0, 2.0, 4.0]},
    ...                      index=[b[0] for b in USAGE_BANDS])
    >>> maintenance_list(usage, rates, top=2)["expected_failures"].to_dict()
    {'M2': 2.0, 'M1': 0.1}
    """
    check_frame(usage, "usage")
    require_columns(usage, ["machine_id", "month", "hours"], "usage")
    check_frame(rates, "rates")
    require_columns(rates, ["rate_per_1000h"], "rates", fix="pass the output of failure_rates")
    last_months = check_int("last_months", last_months, 1)
    top = check_int("top", top, 1)
    numeric_column(usage, "hours", "usage", low=0)
    month = pd.to_datetime(usage["month"])
    recent = usage[month > month.max() - pd.DateOffset(months=last_months)]
    mean = recent.groupby("machine_id")["hours"].mean().rename("mean_hours")
    band = pd.Series(usage_band(mean), index=mean.index, name="band")
    rate = band.astype(str).map(rates["rate_per_1000h"])
    out = pd.DataFrame({"mean_hours": mean, "band": band, "expected_failures": mean * rate / 1000})
    return out.sort_values("expected_failures", ascending=False, kind="stable").head(top)


def simulate_queue(arrival_hours, service_hours, n_engineers: int, priority=None) -> np.ndarray:
    """Waiting time of each ticket in a queue served by ``n_engineers`` engineers.

    Non-preemptive: a repair, once started, is finished. When an engineer becomes free, she
    takes the waiting ticket with the smallest ``priority`` value (0 = first), the earliest
    arrival first within a priority. With ``priority=None`` this is first-come-first-served.

    Parameters
    ----------
    arrival_hours, service_hours : array-like of float
        When each ticket arrives (hours from any origin) and how long its repair takes.
    n_engineers : int
        Engineers working in parallel.
    priority : array-like of int, optional
        Priority class of each ticket, 0 served first.

    Returns
    -------
    numpy.ndarray
        Hours each ticket waits before its repair starts.

    Examples
    --------
    One engineer; three repairs of 3 hours arriving at hours 0, 1 and 2; the last one belongs
    to a key customer.

    >>> simulate_queue([0, 1, 2], [3, 3, 3], 1).tolist()
    [0.0, 2.0, 4.0]
    >>> simulate_queue([0, 1, 2], [3, 3, 3], 1, priority=[1, 1, 0]).tolist()
    [0.0, 5.0, 1.0]
    """
    arrival = np.asarray(arrival_hours, dtype=float)
    service = np.asarray(service_hours, dtype=float)
    n_engineers = check_int("n_engineers", n_engineers, 1)
    if arrival.shape != service.shape or arrival.ndim != 1:
        raise DataValidationError(
            "arrival_hours and service_hours must be 1-D and of the same length; got shapes "
            f"{arrival.shape} and {service.shape}"
        )
    if not (np.isfinite(arrival).all() and np.isfinite(service).all()) or (service < 0).any():
        raise DataValidationError(
            "arrival_hours must be finite and service_hours finite and not negative; remove "
            "the tickets without a repair time first"
        )
    prio = np.zeros(len(arrival), dtype=int) if priority is None else np.asarray(priority)
    if prio.shape != arrival.shape:
        raise DataValidationError("priority must have one value per ticket")
    order = np.argsort(arrival, kind="stable")
    wait = np.zeros(len(arrival))
    free = [0.0] * n_engineers  # the time each engineer becomes free
    heapq.heapify(free)
    waiting: list[tuple] = []
    nxt = 0
    for _ in range(len(arrival)):
        t = heapq.heappop(free)
        if nxt < len(order) and not waiting:
            t = max(t, arrival[order[nxt]])
        while nxt < len(order) and arrival[order[nxt]] <= t:
            i = order[nxt]
            heapq.heappush(waiting, (prio[i], arrival[i], nxt, i))
            nxt += 1
        _, arr, _, i = heapq.heappop(waiting)
        start = max(t, arr)
        wait[i] = start - arr
        heapq.heappush(free, start + service[i])
    return wait


def compare_queues(
    tickets: pd.DataFrame,
    n_engineers: int,
    *,
    value_col: str = "yearly_spend",
    tier_col: str = "tier",
    work_col: str = "work_hours",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replay the closed tickets under first-come-first-served and a value-based priority.

    Both runs use the same arrivals and the same engineer work hours per ticket
    (``work_col``); only the order in which waiting tickets are served differs. The
    value-based queue serves tier A first, then B, then C. Time waiting for spare parts is
    not engineer time and does not hold up the queue.

    Parameters
    ----------
    tickets : pandas.DataFrame
        ``opened_at``, ``closed_at``, ``work_col``, ``tier_col`` and ``value_col`` (the
        customer's yearly spend). Tickets without ``closed_at`` are left out.
    n_engineers : int
    value_col, tier_col, work_col : str

    Returns
    -------
    by_tier : pandas.DataFrame
        Rows: tiers; columns: a MultiIndex (queue, ``mean_wait_h`` / ``p90_wait_h``).
    overall : pandas.DataFrame
        Per queue: ``mean_wait_h`` over all tickets and ``value_weighted_wait_h`` (each
        ticket's wait weighted by its customer's yearly spend).

    Examples
    --------
    >>> t = pd.DataFrame({
    ...     "opened_at": pd.to_datetime(["2025-01-01 00:00", "2025-01-01 01:00",
    ...                                  "2025-01-01 02:00"]),
    ...     "tier": ["C", "C", "A"], "yearly_spend": [100.0, 100.0, 800.0]})
    >>> t["closed_at"] = t["opened_at"] + pd.Timedelta(hours=3)
    >>> t["work_hours"] = 3.0
    >>> by_tier, overall = compare_queues(t, 1)
    >>> overall["value_weighted_wait_h"].round(2).to_dict()
    {'first come first served': 3.4, 'value-based priority': 1.3}
    >>> float(by_tier.loc["A", ("value-based priority", "mean_wait_h")])
    1.0
    """
    check_frame(tickets, "tickets")
    require_columns(tickets, ["opened_at", "closed_at"], "tickets")
    require_columns(
        tickets, {"value_col": value_col, "tier_col": tier_col, "work_col": work_col}, "tickets"
    )
    n_engineers = check_int("n_engineers", n_engineers, 1)
    done = tickets[tickets["closed_at"].notna()]
    opened = _times(done, "opened_at", allow_missing=False)
    value = numeric_column(done, value_col, "tickets", low=0)
    tier = done[tier_col].astype(str).to_numpy()
    unknown = ~np.isin(tier, TIERS)
    if unknown.any():
        raise DataValidationError(
            f"column {tier_col!r} of tickets has values other than {list(TIERS)} "
            f"({rows(done.index, unknown)}); use the tiers A, B, C"
        )
    origin = opened.min()
    arrival = ((opened - origin).dt.total_seconds() / 3600).to_numpy()
    service = numeric_column(done, work_col, "tickets", low=0)
    rank = np.array([TIERS.index(x) for x in tier])
    waits = {
        "first come first served": simulate_queue(arrival, service, n_engineers),
        "value-based priority": simulate_queue(arrival, service, n_engineers, priority=rank),
    }
    by_tier = {}
    overall = {}
    for name, w in waits.items():
        s = pd.Series(w, index=done.index)
        g = s.groupby(tier)
        by_tier[(name, "mean_wait_h")] = g.mean()
        by_tier[(name, "p90_wait_h")] = g.quantile(0.9)
        overall[name] = {
            "mean_wait_h": float(w.mean()),
            "value_weighted_wait_h": float(np.average(w, weights=value))
            if value.sum() > 0
            else float("nan"),
        }
    by_tier = pd.DataFrame(by_tier)
    by_tier.index.name = tier_col
    return by_tier, pd.DataFrame.from_dict(overall, orient="index")
