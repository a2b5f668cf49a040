"""Seeded simulator of contractual customers (a telecom or membership business).

The lifetimes follow a proportional-hazards model with a Weibull baseline whose hazard ratios
are stated (the truth the chapters recover); usage and complaint logs give the behaviour an
early-warning model can watch, and churned customers carry an exit reason. Two departures from
that smooth model can be switched on: a gamma frailty (customers differ in a hidden way, so the
population hazard falls as the frail leave first) and churn spikes when a contract term ends.
Exit reasons can also be drawn as competing risks, each reason with its own hazard. All three
are off by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.exceptions import ParameterError
from helpers.validation import check_choice, check_date, check_int, check_number

__all__ = [
    "CAUSE_BASELINE_WEIGHTS",
    "CAUSE_HAZARD_RATIOS",
    "EXIT_REASONS",
    "SubscriptionTruth",
    "TRUE_HAZARD_RATIOS",
    "design_matrix",
    "subscriptions",
]

#: Reference level of each categorical covariate (hazard ratio 1).
REFERENCE = {"plan": "monthly", "value_tier": "low", "channel": "store", "age_band": "18-29"}
LEVELS = {
    "plan": (["monthly", "annual", "two-year"], [0.5, 0.3, 0.2]),
    "value_tier": (["low", "medium", "high"], [0.5, 0.3, 0.2]),
    "channel": (["store", "online", "phone"], [0.3, 0.5, 0.2]),
    "age_band": (["18-29", "30-44", "45-59", "60+"], [0.25, 0.35, 0.25, 0.15]),
}

#: True hazard ratios, per design column (categorical: against the reference level;
#: numeric: per unit — monthly_charge per dollar, complaints per complaint in the first
#: 90 days, usage_trend per unit of the change in log usage over the first three months).
TRUE_HAZARD_RATIOS: dict[str, float] = {
    "plan[annual]": 0.55,
    "plan[two-year]": 0.35,
    "value_tier[medium]": 0.85,
    "value_tier[high]": 0.70,
    "channel[online]": 1.25,
    "channel[phone]": 1.00,
    "age_band[30-44]": 0.90,
    "age_band[45-59]": 0.80,
    "age_band[60+]": 0.75,
    "monthly_charge": 1.06 ** (1 / 10),  # 1.06 per $10
    "complaints": 1.30,
    "usage_trend": 0.40,
}

#: Contract term in months of the plans that renew (monthly plans renew every month: no spike).
CONTRACT_MONTHS = {"annual": 12, "two-year": 24}
#: Length of the window before a term ends in which the renewal hazard applies.
RENEWAL_WINDOW_DAYS = 30.0

#: Exit reasons by family (the curriculum's three: our company, related parties, outside).
EXIT_REASONS = {
    "service": "our company",
    "product": "our company",
    "price": "our company",
    "partner or agent": "related parties",
    "moved or closed": "outside anyone's control",
}


#: Competing risks (``exit_reasons="competing"``): the weight of each reason's baseline hazard,
#: ``h0_k(t) = w_k h0(t)``. Chosen so that, with the hazard ratios below, about 27% of exits are
#: for service, 18% product, 22% price, 13% partner or agent and 20% moved or closed, and the
#: all-cause hazard is on average that of the default model (price's weight is small because
#: its hazard ratio applies to the whole charge, about $55 on average).
CAUSE_BASELINE_WEIGHTS: dict[str, float] = {
    "service": 0.27,
    "product": 0.27,
    "price": 0.084,
    "partner or agent": 0.19,
    "moved or closed": 0.22,
}

_SHARED = {k: v for k, v in TRUE_HAZARD_RATIOS.items() if k not in ("complaints", "monthly_charge")}
#: Competing risks: hazard ratios of each reason's own hazard, per design column (a column not
#: listed has ratio 1). Plan, value tier, channel, age and usage act on every reason of our
#: company and of partners; complaints drive service exits, the monthly charge drives price
#: exits, and nothing of the customer drives "moved or closed".
CAUSE_HAZARD_RATIOS: dict[str, dict[str, float]] = {
    "service": {**_SHARED, "complaints": 1.80},
    "product": {**_SHARED, "complaints": 1.10},
    "price": {**_SHARED, "monthly_charge": 1.30 ** (1 / 10)},  # 1.30 per $10
    "partner or agent": {**_SHARED, "complaints": 1.20},
    "moved or closed": {},
}
_EXIT_MODES = ("after_exit", "competing")


@dataclass(frozen=True)
class SubscriptionTruth:
    """What the simulator planted: the model and each customer's uncensored end date.

    ``frailty_variance`` and ``renewal_hazard`` are 0 unless switched on; ``frailty`` holds each
    customer's hidden multiplier (all 1 without frailty). With ``exit_reasons="competing"``,
    ``cause_hazard_ratios`` and ``cause_baseline_weights`` hold each reason's planted hazard
    (``hazard_ratios`` is then empty: the all-cause hazard is a sum, not a proportional-hazards
    model) and ``true_exit_reason`` each customer's uncensored reason; otherwise they are empty
    and None.
    """

    hazard_ratios: dict[str, float]
    weibull_shape: float
    weibull_scale_days: float
    observation_end: pd.Timestamp
    true_end: pd.Series = field(repr=False)
    frailty_variance: float = 0.0
    renewal_hazard: float = 0.0
    frailty: pd.Series | None = field(default=None, repr=False)
    exit_reasons: str = "after_exit"
    cause_hazard_ratios: dict[str, dict[str, float]] = field(default_factory=dict)
    cause_baseline_weights: dict[str, float] = field(default_factory=dict)
    true_exit_reason: pd.Series | None = field(default=None, repr=False)

    @property
    def coefficients(self) -> dict[str, float]:
        """Log hazard ratios (the Cox model's coefficients)."""
        return {k: float(np.log(v)) for k, v in self.hazard_ratios.items()}

    def cause_coefficients(self, reason: str) -> dict[str, float]:
        """Planted log hazard ratios of one reason's own hazard, for every design column.

        Raises
        ------
        ParameterError
            Data simulated without ``exit_reasons="competing"``, or an unknown reason.
        """
        if not self.cause_hazard_ratios:
            raise ParameterError(
                "cause_coefficients: these data were simulated with exit_reasons="
                f"{self.exit_reasons!r}; reasons have their own hazards only with "
                "exit_reasons='competing'"
            )
        if reason not in self.cause_hazard_ratios:
            raise ParameterError(
                f"cause_coefficients: reason {reason!r} is not one of "
                f"{list(self.cause_hazard_ratios)}"
            )
        ratios = self.cause_hazard_ratios[reason]
        return {k: float(np.log(ratios.get(k, 1.0))) for k in TRUE_HAZARD_RATIOS}


def design_matrix(customers: pd.DataFrame) -> pd.DataFrame:
    """Numeric design of the simulator's covariates: dummies against the reference levels,
    named like :data:`TRUE_HAZARD_RATIOS` (``plan[annual]`` ...), plus the numeric columns."""
    parts = []
    for col, ref in REFERENCE.items():
        levels = [lv for lv in LEVELS[col][0] if lv != ref]
        for lv in levels:
            parts.append((customers[col] == lv).astype(float).rename(f"{col}[{lv}]"))
    for col in ("monthly_charge", "complaints", "usage_trend"):
        parts.append(customers[col].astype(float))
    return pd.concat(parts, axis=1)


def subscriptions(
    n: int = 5_000,
    random_state=None,
    start: str = "2021-01-01",
    observation_end: str = "2024-12-31",
    weibull_shape: float = 1.3,
    weibull_scale_days: float = 900.0,
    frailty_variance: float = 0.0,
    renewal_hazard: float = 0.0,
    exit_reasons: str = "after_exit",
) -> tuple[dict[str, pd.DataFrame], SubscriptionTruth]:
    """Simulate subscribers, their monthly usage and complaints, as seen at ``observation_end``.

    Generating process (the truth):

    * sign-up dates are uniform from ``start`` to 60 days before ``observation_end``;
    * covariates: ``plan`` (monthly 50%, annual 30%, two-year 20%), ``monthly_charge``
      (normal, mean $45 + $15 for annual and $25 for two-year plans, sd $15, clipped to
      $10-150), ``value_tier``, ``channel``, ``age_band`` (shares in ``LEVELS``),
      ``complaints`` (support complaints in the first 90 days, Poisson with mean 0.6) and
      ``usage_trend`` (change of log usage over the first three months, normal(0, 0.3));
    * lifetime in days: proportional hazards, ``h(t | x) = h0(t) exp(x'b)`` with Weibull
      baseline ``h0(t) = (k / s) (t / s)^(k - 1)``, ``k = weibull_shape``,
      ``s = weibull_scale_days``, and hazard ratios :data:`TRUE_HAZARD_RATIOS`;
    * optional frailty: with ``frailty_variance`` v > 0 each customer's hazard is also
      multiplied by a hidden ``z ~ Gamma(shape 1/v, scale v)`` (mean 1, variance v). The
      frail leave first, so the hazard of the surviving population falls below the
      individual one and may decline with tenure although each customer's rises;
    * optional renewal spikes: with ``renewal_hazard`` c > 0, customers on an annual or
      two-year plan get an extra cumulative hazard c (times their frailty) spread over the
      30 days before each term ends (months 12, 24, ... or 24, 48, ...): about
      ``1 - exp(-c)`` of those who reach a renewal leave at it;
    * a customer whose lifetime ends after ``observation_end`` is still active then: their
      ``end_date`` is missing (censored), as a CRM system would show it;
    * churned customers get an ``exit_reason`` (service, product, price, partner or agent,
      moved or closed) and its ``exit_family``. With ``exit_reasons="after_exit"`` (the
      default) the reason is drawn after the exit time, from a multinomial in which complaints
      make service, and a high charge makes price, more likely. With
      ``exit_reasons="competing"`` the reasons are competing risks: reason ``k`` has its own
      hazard ``h_k(t | x) = w_k h0(t) exp(x'b_k)`` (weights :data:`CAUSE_BASELINE_WEIGHTS`,
      hazard ratios :data:`CAUSE_HAZARD_RATIOS`), each reason draws a latent time, and the
      customer leaves at the first of them, for that reason. Frailty multiplies every
      reason's hazard (the latent times are independent given the frailty). Renewal spikes
      are price exits: the renewal hazard is added to the price reason's hazard;
    * monthly usage (GB) per complete active month: a customer level (lognormal, median 20)
      times ``exp(usage_trend * min(m, 3) / 3)`` in month ``m`` of tenure (the trend plays out
      over the first three months, then usage is flat), noise sd 0.15 on the log scale, and —
      the warning sign — 40% lower in each of the last four months before the customer leaves;
    * complaints after the first 90 days arrive at a customer rate proportional to
      ``0.2 + complaints`` per year, dated uniformly over the active time.

    Parameters
    ----------
    n : int
        Number of customers.
    random_state : None, int or numpy.random.Generator
    start, observation_end : date-like
        First sign-up date and the date the data are observed.
    weibull_shape, weibull_scale_days : float
        Baseline hazard (shape above 1: the hazard rises with tenure).
    frailty_variance : float
        Variance of the gamma frailty, >= 0; 0 (the default) means no frailty.
    renewal_hazard : float
        Extra cumulative hazard at each contract renewal, >= 0; 0 (the default) means none.
        With both at 0 and ``exit_reasons="after_exit"`` the draws, and so the data, are
        those of earlier versions.
    exit_reasons : {"after_exit", "competing"}
        How exit reasons arise: drawn after the exit (default) or as competing risks with a
        hazard each (see above).

    Returns
    -------
    data : dict of pandas.DataFrame
        ``"customers"`` (one row per customer, indexed by ``customer_id``), ``"usage"``
        (``customer_id, month, usage_gb``; ``month`` is the month's first day, only complete
        months before ``observation_end``) and ``"complaints"`` (``customer_id, date``).
    truth : SubscriptionTruth
        Hazard ratios, baseline, and every customer's uncensored end date (with competing
        risks also each reason's hazard and each customer's uncensored reason).

    Raises
    ------
    ParameterError
        A parameter out of range, or ``exit_reasons`` not one of the two modes.

    References
    ----------
    Putter, H., Fiocco, M. and Geskus, R. B. (2007). Tutorial in biostatistics: competing
    risks and multi-state models. Statistics in Medicine, 26(11), 2389-2430.

    Examples
    --------
    >>> data, truth = subscriptions(1_000, random_state=1, exit_reasons="competing")
    >>> truth.cause_hazard_ratios["service"]["complaints"]
    1.8
    >>> bool((data["customers"]["exit_reason"].dropna()
    ...       == truth.true_exit_reason[data["customers"]["exit_reason"].notna()]).all())
    True
    """
    n = check_int("n", n, 10, 10_000_000)
    k = check_number("weibull_shape", weibull_shape, 0, low_open=True)
    scale = check_number("weibull_scale_days", weibull_scale_days, 0, low_open=True)
    v = check_number("frailty_variance", frailty_variance, 0)
    c_renew = check_number("renewal_hazard", renewal_hazard, 0)
    check_choice(
        "exit_reasons",
        exit_reasons,
        _EXIT_MODES,
        fix="'after_exit' draws the reason after the exit; 'competing' gives each reason its "
        "own hazard",
    )
    competing = exit_reasons == "competing"
    t0, t_end = check_date("start", start), check_date("observation_end", observation_end)
    if (t_end - t0).days < 120:
        raise ParameterError(
            f"observation_end ({t_end.date()}) must be at least 120 days after start "
            f"({t0.date()}) so that customers can sign up and be followed"
        )
    rng = np.random.default_rng(random_state)

    signup = t0 + pd.to_timedelta(rng.integers(0, (t_end - t0).days - 60, n), unit="D")
    cust = pd.DataFrame(index=pd.Index([f"S{i:06d}" for i in range(1, n + 1)], name="customer_id"))
    cust["start_date"] = signup
    for col, (levels, probs) in LEVELS.items():
        cust[col] = rng.choice(levels, size=n, p=probs)
    plan_add = cust["plan"].map({"monthly": 0.0, "annual": 15.0, "two-year": 25.0})
    cust["monthly_charge"] = np.clip(rng.normal(45 + plan_add, 15), 10, 150).round(2)
    cust["complaints"] = rng.poisson(0.6, n)
    cust["usage_trend"] = rng.normal(0, 0.3, n).round(3)

    x = design_matrix(cust)
    beta = np.log(pd.Series(TRUE_HAZARD_RATIOS))[x.columns]
    risk = np.exp(x.to_numpy() @ beta.to_numpy())
    exp_draw = -np.log(rng.random(n))  # unit exponential: the cumulative hazard at leaving
    # Extra draws only when switched on, so that the default data stay as they were.
    z = rng.gamma(1 / v, v, n) if v > 0 else np.ones(n)
    term = cust["plan"].map(CONTRACT_MONTHS).fillna(0).to_numpy() * 30.4375
    if competing:
        life_days, cause = _competing_lifetimes(x, z, k, scale, term, c_renew, rng)
    elif c_renew > 0:
        life_days = _invert_hazard(exp_draw, risk * z, k, scale, term, c_renew * z)
    else:
        life_days = scale * (exp_draw / (risk * z)) ** (1 / k)
    # A very robust customer may draw centuries; cap at 100 years (censored anyway) so the
    # dates stay within what pandas can hold.
    life_days = np.minimum(life_days, 36_525.0)
    true_end = cust["start_date"] + pd.to_timedelta(np.ceil(life_days), unit="D")
    ended = true_end <= t_end
    cust["end_date"] = true_end.where(ended)

    reasons = np.array(list(EXIT_REASONS))
    if not competing:
        # Exit reasons: multinomial with weights tilted by complaints and price.
        w = np.tile([0.25, 0.20, 0.20, 0.15, 0.20], (n, 1))
        w[:, 0] *= 1 + 0.8 * cust["complaints"].to_numpy()
        w[:, 2] *= np.exp((cust["monthly_charge"].to_numpy() - 50) / 30)
        w /= w.sum(axis=1, keepdims=True)
        cause = (rng.random(n)[:, None] > np.cumsum(w, axis=1)).sum(axis=1)
    true_reason = pd.Series(reasons[cause], index=cust.index, name="true_exit_reason")
    cust["exit_reason"] = true_reason.where(ended)
    cust["exit_family"] = cust["exit_reason"].map(EXIT_REASONS)
    cust = cust[
        [
            "start_date",
            "end_date",
            "plan",
            "monthly_charge",
            "value_tier",
            "channel",
            "age_band",
            "complaints",
            "usage_trend",
            "exit_reason",
            "exit_family",
        ]
    ]

    usage = _usage_log(cust, true_end, t_end, rng)
    complaints = _complaint_log(cust, true_end, t_end, rng)
    truth = SubscriptionTruth(
        {} if competing else dict(TRUE_HAZARD_RATIOS),
        k,
        scale,
        t_end,
        true_end.rename("true_end"),
        frailty_variance=v,
        renewal_hazard=c_renew,
        frailty=pd.Series(z, index=cust.index, name="frailty"),
        exit_reasons=exit_reasons,
        cause_hazard_ratios={r: dict(h) for r, h in CAUSE_HAZARD_RATIOS.items()}
        if competing
        else {},
        cause_baseline_weights=dict(CAUSE_BASELINE_WEIGHTS) if competing else {},
        true_exit_reason=true_reason if competing else None,
    )
    return {"customers": cust, "usage": usage, "complaints": complaints}, truth


def _competing_lifetimes(x, z, k, s, term, c_renew, rng):
    """Latent time of each reason (its own Weibull proportional hazard, times the frailty; the
    renewal hazard goes to price), and the first of them with its reason's position."""
    latent = np.empty((len(x), len(EXIT_REASONS)))
    for j, reason in enumerate(EXIT_REASONS):
        ratios = CAUSE_HAZARD_RATIOS[reason]
        beta = np.array([np.log(ratios.get(col, 1.0)) for col in x.columns])
        scale_factor = CAUSE_BASELINE_WEIGHTS[reason] * np.exp(x.to_numpy() @ beta) * z
        target = -np.log(rng.random(len(x)))
        if reason == "price" and c_renew > 0:
            latent[:, j] = _invert_hazard(target, scale_factor, k, s, term, c_renew * z)
        else:
            latent[:, j] = s * (target / scale_factor) ** (1 / k)
    return latent.min(axis=1), latent.argmin(axis=1)


def _renewal_windows(t, term):
    """Renewal windows passed by day ``t``: whole windows plus the fraction of the current one."""
    safe = np.where(term > 0, term, 1.0)
    full = np.floor(t / safe)
    into = t - full * safe  # days into the current term
    part = np.clip((into - (safe - RENEWAL_WINDOW_DAYS)) / RENEWAL_WINDOW_DAYS, 0, 1)
    return np.where(term > 0, full + part, 0.0)


def _invert_hazard(target, scale_factor, k, s, term, spike):
    """Day at which ``scale_factor (t/s)^k + spike * windows(t)`` reaches ``target``.

    The cumulative hazard rises strictly, so bisection finds the day; written by hand because
    the renewal windows make it piecewise and no closed form exists.
    """
    lo = np.zeros_like(target)
    hi = s * (target / scale_factor) ** (1 / k)  # the day without spikes: an upper bound
    for _ in range(60):
        mid = (lo + hi) / 2
        above = scale_factor * (mid / s) ** k + spike * _renewal_windows(mid, term) >= target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return hi


def _usage_log(cust, true_end, t_end, rng) -> pd.DataFrame:
    """One row per customer and complete month of activity before the observation end."""
    first = cust["start_date"].dt.to_period("M") + 1  # first complete month
    stop = true_end.clip(upper=t_end).dt.to_period("M")  # month of leaving (incomplete)
    months = np.clip(
        stop.dt.year * 12 + stop.dt.month - first.dt.year * 12 - first.dt.month, 0, None
    )
    months = months.to_numpy()
    idx = np.repeat(np.arange(len(cust)), months)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(months) - months, months)
    first_month = (first.dt.year * 12 + first.dt.month - 1).to_numpy()[idx] + offset
    level = rng.lognormal(np.log(20), 0.5, len(cust))
    trend = cust["usage_trend"].to_numpy()
    ramp = np.minimum(offset + 1, 3) / 3
    gb = level[idx] * np.exp(trend[idx] * ramp + rng.normal(0, 0.15, len(idx)))
    # The warning sign: usage drops in the last four complete months before leaving.
    left = (true_end <= t_end).to_numpy()[idx]
    months_before_end = months[idx] - offset  # 1 = the last complete month
    gb = np.where(left & (months_before_end <= 4), gb * 0.6, gb)
    return pd.DataFrame(
        {
            "customer_id": cust.index.to_numpy()[idx],
            "month": pd.to_datetime(
                {"year": first_month // 12, "month": first_month % 12 + 1, "day": 1}
            ),
            "usage_gb": gb.round(2),
        }
    )


def _complaint_log(cust, true_end, t_end, rng) -> pd.DataFrame:
    """Complaint dates: the first-90-day count, then a rate of (0.2 + count) per year."""
    start = cust["start_date"].to_numpy()
    stop = true_end.clip(upper=t_end).to_numpy()
    active_days = (stop - start) / np.timedelta64(1, "D")
    early = cust["complaints"].to_numpy()
    rows_id, rows_day = [], []
    # First 90 days (or the whole tenure if shorter): exactly `complaints` events.
    span = np.minimum(active_days, 90.0)
    rid = np.repeat(np.arange(len(cust)), early)
    rows_id.append(rid)
    rows_day.append(rng.random(len(rid)) * span[rid])
    later = np.clip(active_days - 90, 0, None)
    count = rng.poisson((0.2 + early) * later / 365.25)
    rid = np.repeat(np.arange(len(cust)), count)
    rows_id.append(rid)
    rows_day.append(90 + rng.random(len(rid)) * later[rid])
    rid, day = np.concatenate(rows_id), np.concatenate(rows_day)
    dates = start[rid] + (day * 86400).astype("timedelta64[s]")
    out = pd.DataFrame({"customer_id": cust.index.to_numpy()[rid], "date": dates})
    out["date"] = out["date"].dt.floor("D")
    return out.sort_values(["date", "customer_id"], ignore_index=True)
