"""Seeded simulator of a complaint log and of the churn that follows, with a known truth.

A firm's customers are followed from ``start``. During the complaint window, up to the
``landmark`` date, some of them complain: each complaint arrives through a channel, has a
category, is handled (resolved at first contact, or worked on for hours or days, or never
closed), ends with an outcome and, sometimes, a satisfaction answer. A badly handled complaint
is often followed by another one from the same customer. The complaint log is extracted on the
landmark date, so complaints still being worked on then are open in it.

Churn follows a proportional-hazards model with a constant baseline hazard whose hazard ratio
depends on the customer's complaint state: no complaint (1), a complaint being worked on or
unresolved, resolved badly, or resolved well (below 1: a complaint handled well leaves the
customer more loyal than one who never complained — the curriculum's "a complaint is a gift").
From the landmark on, the hazard ratio stays that of the customer's state at the landmark, so
that the survival curves of the landmark groups are known exactly (:meth:`ComplaintTruth.survival`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from helpers.exceptions import ParameterError
from helpers.validation import check_date, check_int, check_number

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "OUTCOMES",
    "REPEAT_PROBABILITY",
    "TRUE_HAZARD_RATIOS",
    "ComplaintTruth",
    "complaint_log",
]

#: Complaint outcomes, from the best to the worst.
OUTCOMES = ("resolved well", "resolved badly", "unresolved")

#: Hazard ratio of churn by complaint state (against customers with no complaint).
TRUE_HAZARD_RATIOS: dict[str, float] = {
    "no complaint": 1.0,
    "resolved well": 0.8,
    "resolved badly": 1.8,
    "unresolved": 2.8,
}

#: Channel: (share of complaints, P(resolved at first contact), median hours when not).
CHANNELS: dict[str, tuple[float, float, float]] = {
    "phone": (0.40, 0.55, 20.0),
    "online form": (0.25, 0.25, 30.0),
    "email": (0.15, 0.15, 40.0),
    "store": (0.10, 0.60, 24.0),
    "social media": (0.10, 0.30, 16.0),
}

#: Category: (share of complaints, multiplier of the handling time when not resolved at once).
CATEGORIES: dict[str, tuple[float, float]] = {
    "billing": (0.30, 1.0),
    "service delay": (0.25, 1.0),
    "product fault": (0.20, 1.6),
    "staff attitude": (0.15, 0.8),
    "information": (0.10, 0.6),
}

_FCR_HOURS = (1.0, 0.5)  # median and log-sd of the handling time at first contact
_HOURS_SIGMA = 0.9  # log-sd of the handling time otherwise
_SLOW_HOURS = 72.0  # handling slower than this makes a bad outcome more likely
_P_ABANDONED = 0.04  # share of complaints not solved at once that are never closed
#: Outcome probabilities (well, badly, unresolved) by handling.
_OUTCOME_P = {
    "first contact": (0.90, 0.08, 0.02),
    "fast": (0.70, 0.20, 0.10),
    "slow": (0.40, 0.35, 0.25),
}
#: Satisfaction after resolution (1-5) by outcome, and the chance of an answer.
_SATISFACTION_P = {
    "resolved well": (0.02, 0.03, 0.10, 0.35, 0.50),
    "resolved badly": (0.25, 0.35, 0.25, 0.10, 0.05),
    "unresolved": (0.60, 0.25, 0.10, 0.04, 0.01),
}
_P_ANSWER = 0.6
#: Chance of a repeat complaint after each outcome (abandoned complaints: "unresolved").
REPEAT_PROBABILITY = {"resolved well": 0.05, "resolved badly": 0.30, "unresolved": 0.45}
_REPEAT_DAYS = 20.0  # mean delay of a repeat complaint after the previous one closed
_DAY = 86_400.0


@dataclass(frozen=True)
class ComplaintTruth:
    """What the simulator planted.

    Attributes
    ----------
    hazard_ratios : dict
        Churn hazard ratio per complaint state, against "no complaint".
    monthly_hazard : float
        Baseline churn hazard per month (of 365.25 / 12 days) of a customer with no complaint.
    repeat_probability : dict
        Chance of another complaint after each outcome.
    start, landmark, observation_end : pandas.Timestamp
        Start of the follow-up, end of the complaint window (and extraction date of the log),
        end of the churn follow-up.
    true_end : pandas.Series
        Every customer's uncensored churn date.
    """

    hazard_ratios: dict[str, float]
    monthly_hazard: float
    repeat_probability: dict[str, float]
    start: pd.Timestamp
    landmark: pd.Timestamp
    observation_end: pd.Timestamp
    true_end: pd.Series = field(repr=False)

    @property
    def first_contact_resolution(self) -> float:
        """Probability that a complaint is resolved at first contact."""
        return float(sum(share * p for share, p, _ in CHANNELS.values()))

    @property
    def mean_satisfaction(self) -> dict[str, float]:
        """Expected satisfaction after resolution (1-5) per outcome."""
        k = np.arange(1, 6)
        return {o: float(k @ np.array(p)) for o, p in _SATISFACTION_P.items()}

    def p_closed_within(self, hours: float) -> float:
        """Probability that a complaint is closed within ``hours`` of being received (a
        complaint never closed counts as not closed)."""
        h = check_number("hours", hours, 0)
        if h == 0:
            return 0.0
        fcr_median, fcr_sigma = _FCR_HOURS
        p_fcr = norm.cdf((np.log(h) - np.log(fcr_median)) / fcr_sigma)
        total = 0.0
        for c_share, c_fcr, c_median in CHANNELS.values():
            for k_share, k_mult in CATEGORIES.values():
                slow = norm.cdf((np.log(h) - np.log(c_median * k_mult)) / _HOURS_SIGMA)
                closed = c_fcr * p_fcr + (1 - c_fcr) * (1 - _P_ABANDONED) * slow
                total += c_share * k_share * closed
        return float(total)

    def survival(self, group: str, months) -> np.ndarray:
        """Probability that a customer of a landmark group is still a customer ``months``
        after the landmark: ``exp(-monthly_hazard * hazard_ratio * months)``."""
        if group not in self.hazard_ratios:
            raise ParameterError(
                f"parameter 'group' = {group!r} is not one of {list(self.hazard_ratios)}"
            )
        t = np.asarray(months, dtype=float)
        return np.exp(-self.monthly_hazard * self.hazard_ratios[group] * t)


def _draw_complaints(who, when, rng) -> pd.DataFrame:
    """Channel, category, handling and outcome of complaints by customers ``who`` at ``when``."""
    n = len(who)
    ch_names = list(CHANNELS)
    ch = rng.choice(len(ch_names), n, p=[v[0] for v in CHANNELS.values()])
    cat_names = list(CATEGORIES)
    cat = rng.choice(len(cat_names), n, p=[v[0] for v in CATEGORIES.values()])
    p_fcr = np.array([v[1] for v in CHANNELS.values()])[ch]
    fcr = rng.random(n) < p_fcr
    median = np.array([v[2] for v in CHANNELS.values()])[ch]
    median = median * np.array([v[1] for v in CATEGORIES.values()])[cat]
    hours = np.where(
        fcr,
        rng.lognormal(np.log(_FCR_HOURS[0]), _FCR_HOURS[1], n),
        rng.lognormal(np.log(median), _HOURS_SIGMA, n),
    )
    abandoned = ~fcr & (rng.random(n) < _P_ABANDONED)
    kind = np.where(fcr, "first contact", np.where(hours <= _SLOW_HOURS, "fast", "slow"))
    u = rng.random(n)
    outcome = np.empty(n, dtype=object)
    for k, probs in _OUTCOME_P.items():
        m = kind == k
        outcome[m] = np.array(OUTCOMES)[(u[m, None] > np.cumsum(probs)[:-1]).sum(axis=1)]
    outcome[abandoned] = "unresolved"
    return pd.DataFrame(
        {
            "customer": who,
            "received": when,
            "channel": np.array(ch_names)[ch],
            "category": np.array(cat_names)[cat],
            "fcr": fcr,
            "hours": hours,
            "abandoned": abandoned,
            "outcome": outcome,
        }
    )


def complaint_log(
    n_customers: int = 5_000,
    random_state=None,
    start: str = "2024-01-01",
    landmark: str = "2024-07-01",
    observation_end: str = "2025-12-31",
    complaint_rate: float = 0.6,
    monthly_churn: float = 0.015,
) -> tuple[dict[str, pd.DataFrame], ComplaintTruth]:
    """Simulate customers, their complaints up to ``landmark`` and their churn after it.

    Generating process (the truth):

    * every customer is active at ``start`` (signed up in the three years before);
    * a customer's first complaint arrives after an exponential time with rate
      ``complaint_rate`` per year; complaints received on or after ``landmark`` are not in the
      log (it is extracted on that date);
    * channel and category are drawn with the shares of :data:`CHANNELS` and
      :data:`CATEGORIES`; the complaint is resolved at first contact with the channel's
      probability (handling time lognormal, median 1 hour) or else handled in a lognormal time
      (the channel's median times the category's multiplier, log-sd 0.9), and 4% of those are
      never closed;
    * outcome ("resolved well", "resolved badly", "unresolved"): probabilities 0.90/0.08/0.02
      at first contact, 0.70/0.20/0.10 when handled within 72 hours, 0.40/0.35/0.25 when
      slower; a complaint never closed is unresolved;
    * 60% of closed complaints get a satisfaction answer (1-5) whose distribution depends on
      the outcome (:attr:`ComplaintTruth.mean_satisfaction`);
    * after a complaint closes (or, if it is never closed, after it is received), another one
      from the same customer follows with :data:`REPEAT_PROBABILITY` of its outcome, after an
      exponential delay with mean 20 days;
    * churn: constant hazard ``-log(1 - monthly_churn)`` per month times the hazard ratio of
      the customer's state (:data:`TRUE_HAZARD_RATIOS`): "no complaint" until the first
      complaint, "unresolved" while a complaint is open, then the outcome's; from the
      landmark on, the state at the landmark (a complaint open then counts as unresolved).
      Complaints after a customer has left are dropped; churn after ``observation_end`` is
      censored (``end_date`` missing).

    Parameters
    ----------
    n_customers : int
    random_state : None, int or numpy.random.Generator
    start, landmark, observation_end : date-like
        Start of the follow-up, end of the complaint window, end of the churn follow-up.
    complaint_rate : float
        First complaints per customer per year.
    monthly_churn : float
        Churn probability per month of a customer with no complaint.

    Returns
    -------
    data : dict of pandas.DataFrame
        ``"customers"``: indexed by ``customer_id``, with ``signup_date`` and ``end_date``.
        ``"complaints"``: one row per complaint, indexed by ``complaint_id``, with
        ``customer_id``, ``received_at``, ``closed_at`` (missing while open), ``channel``,
        ``category``, ``first_contact_resolution`` (bool), ``outcome`` (missing while open)
        and ``satisfaction`` (1-5, missing without an answer).
    truth : ComplaintTruth

    Raises
    ------
    ParameterError
        Bad sizes or rates, or dates not in the order start < landmark < observation_end.

    Examples
    --------
    >>> data, truth = complaint_log(500, random_state=1)
    >>> list(data["complaints"].columns)  # doctest: +NORMALIZE_WHITESPACE
    ['customer_id', 'received_at', 'closed_at', 'channel', 'category',
     'first_contact_resolution', 'outcome', 'satisfaction']
    >>> round(truth.first_contact_resolution, 3)
    0.395
    """
    n = check_int("n_customers", n_customers, 10, 10_000_000)
    rate = check_number("complaint_rate", complaint_rate, 0, 50, low_open=True)
    churn = check_number("monthly_churn", monthly_churn, 0, 1, low_open=True, high_open=True)
    t0, t_mark, t_end = (
        check_date("start", start),
        check_date("landmark", landmark),
        check_date("observation_end", observation_end),
    )
    if not t0 < t_mark < t_end:
        raise ParameterError(
            f"the dates must be in order start < landmark < observation_end; got {t0.date()}, "
            f"{t_mark.date()}, {t_end.date()}"
        )
    rng = np.random.default_rng(random_state)
    window = (t_mark - t0).total_seconds() / _DAY
    ids = np.array([f"C{i:05d}" for i in range(1, n + 1)])

    # Complaint chains: each round draws the next complaint of the customers still in a chain.
    rounds = []
    who = np.arange(n)
    when = rng.exponential(365.25 / rate, n)
    while len(who):
        keep = when < window
        who, when = who[keep], when[keep]
        if not len(who):
            break
        c = _draw_complaints(who, when, rng)
        rounds.append(c)
        after = np.where(c["abandoned"], c["received"], c["received"] + c["hours"] / 24)
        again = rng.random(len(c)) < c["outcome"].map(REPEAT_PROBABILITY).to_numpy()
        who = c["customer"].to_numpy()[again]
        when = after[again] + rng.exponential(_REPEAT_DAYS, again.sum())
    log = (
        pd.concat(rounds, ignore_index=True)
        if rounds
        else _draw_complaints(np.array([], int), np.array([]), rng)
    )
    log = log.sort_values(["customer", "received"], ignore_index=True)

    # Churn: invert the piecewise-constant cumulative hazard at an Exp(1) draw per customer.
    base = -np.log1p(-churn) / (365.25 / 12)  # per day
    hr = TRUE_HAZARD_RATIOS
    target = rng.exponential(1.0, n)
    life = target / base  # customers without complaints
    for cust, g in log.groupby("customer", sort=False):
        # State changes (day, hazard ratio) up to the landmark; the last one holds after it.
        changes = [(0.0, hr["no complaint"])]
        for rec, hours, abandoned, outcome in zip(
            g["received"], g["hours"], g["abandoned"], g["outcome"], strict=True
        ):
            changes.append((rec, hr["unresolved"]))
            closed = rec + hours / 24
            if not abandoned and closed < window:
                changes.append((closed, hr[outcome]))
        used, t_prev, h_prev = 0.0, 0.0, changes[0][1]
        out = None
        for t, h in changes[1:] + [(np.inf, None)]:
            step = base * h_prev * (t - t_prev)
            if used + step >= target[cust]:
                out = t_prev + (target[cust] - used) / (base * h_prev)
                break
            used, t_prev, h_prev = used + step, t, h
        life[cust] = out

    # Drop complaints received after the customer left.
    log = log[log["received"] < life[log["customer"].to_numpy()]].reset_index(drop=True)
    received = t0 + pd.to_timedelta(log["received"] * _DAY, unit="s")
    closed = received + pd.to_timedelta(log["hours"] * 3600, unit="s")
    is_closed = ~log["abandoned"].to_numpy() & (closed < t_mark).to_numpy()
    satisfaction = np.full(len(log), np.nan)
    for outcome, probs in _SATISFACTION_P.items():
        m = is_closed & (log["outcome"] == outcome).to_numpy() & (rng.random(len(log)) < _P_ANSWER)
        satisfaction[m] = rng.choice(np.arange(1, 6), m.sum(), p=probs)
    complaints = pd.DataFrame(
        {
            "customer_id": ids[log["customer"].to_numpy()],
            "received_at": received.dt.floor("min"),
            "closed_at": closed.dt.floor("min").where(is_closed),
            "channel": log["channel"],
            "category": log["category"],
            "first_contact_resolution": log["fcr"].to_numpy() & is_closed,
            "outcome": log["outcome"].where(is_closed),
            "satisfaction": satisfaction,
        }
    )
    complaints = complaints.sort_values(["received_at", "customer_id"], ignore_index=True)
    complaints.index = pd.Index(
        [f"K{i:06d}" for i in range(1, len(complaints) + 1)], name="complaint_id"
    )

    true_end = t0 + pd.to_timedelta(np.ceil(life), unit="D")
    signup = t0 - pd.to_timedelta(rng.integers(1, 3 * 365, n), unit="D")
    customers = pd.DataFrame(
        {"signup_date": signup, "end_date": true_end.where(true_end <= t_end)},
        index=pd.Index(ids, name="customer_id"),
    )
    truth = ComplaintTruth(
        hazard_ratios=dict(TRUE_HAZARD_RATIOS),
        monthly_hazard=float(base * 365.25 / 12),
        repeat_probability=dict(REPEAT_PROBABILITY),
        start=t0,
        landmark=t_mark,
        observation_end=t_end,
        true_end=pd.Series(true_end, index=customers.index, name="true_end"),
    )
    return {"customers": customers, "complaints": complaints}, truth
