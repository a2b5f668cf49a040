"""Seeded simulators for evaluating a CRM strategy: a retention campaign and a KPI history.

:func:`retention_campaign` simulates one retention offer sent to part of a customer base, with
the effect of the offer planted per customer: the data show only what a firm would see (who got
the offer, who stayed, what they spent), the truth holds both potential outcomes of every
customer, so an estimate can be checked against the effect that really happened.

:func:`kpi_history` simulates the monthly KPIs of a CRM programme — retention, average
lifetime value, satisfaction, complaint handling and the process measures behind the
implementation obstacles of the curriculum — with a planted change when the programme starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit

from helpers.customer_base.equity import retention_clv
from helpers.exceptions import ParameterError
from helpers.validation import check_choice, check_date, check_int, check_number

__all__ = [
    "KPI_AFTER",
    "KPI_BEFORE",
    "CampaignTruth",
    "KPIHistoryTruth",
    "kpi_history",
    "retention_campaign",
]


@dataclass(frozen=True)
class CampaignTruth:
    """What :func:`retention_campaign` planted.

    ``retention_lift`` and ``revenue_lift`` are average effects over the whole base (what a
    randomised test estimates); the ``_treated`` versions average over the customers who got
    the offer (what the campaign as run earned). ``incremental_profit`` and ``roi`` are the
    expected values for the treated customers. ``customers`` holds, per customer, the true
    churn risk, the individual effects and both potential outcomes (retained with and without
    the offer) — what no real data set shows.
    """

    assignment: str
    retention_lift: float
    revenue_lift: float
    retention_lift_treated: float
    revenue_lift_treated: float
    control_retention: float
    offer_cost: float
    margin_rate: float
    n_treated: int
    incremental_profit: float
    roi: float
    customers: pd.DataFrame = field(repr=False)


def _calibrated_risk(score: np.ndarray, mean: float) -> np.ndarray:
    """expit(c + score) with the intercept c chosen so that the risks average exactly ``mean``."""
    c = brentq(lambda c: expit(c + score).mean() - mean, -30.0, 30.0, xtol=1e-12)
    return expit(c + score)


def retention_campaign(
    n: int = 20_000,
    treat_share: float = 0.5,
    retention_lift: float = 0.04,
    spend_lift: float = 0.03,
    base_churn: float = 0.20,
    offer_cost: float = 5.0,
    margin_rate: float = 0.4,
    months: int = 12,
    assignment: str = "random",
    effect: str = "proportional",
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], CampaignTruth]:
    """Simulate a retention offer sent to part of a customer base, with the effect planted.

    Generating process (the truth):

    * a customer's quality ``z`` is standard normal; the monthly ``value`` (revenue before the
      campaign) is lognormal, ``50 * exp(0.7 z)``; ``tenure_months`` is gamma with mean
      ``20 * exp(0.3 z)``;
    * the churn risk over the next ``months`` months without the offer is
      ``expit(c - 0.8 z + 0.6 e)`` (``e`` standard normal), with ``c`` set so the risks average
      exactly ``base_churn``: valuable customers leave less;
    * the firm's own churn score ``predicted_risk`` is the true risk blurred on the logit scale
      (normal noise, sd 0.5) — the only risk a manager can see;
    * the offer lowers customer ``i``'s churn risk by ``retention_lift * risk_i / base_churn``:
      the average effect is exactly ``retention_lift`` and customers who would not have left
      anyway gain least. Outcomes are coupled through one uniform draw per customer, so the
      offer never makes a customer leave;
    * a customer who leaves does so at a uniform time in the window; revenue is
      ``value * months * (share of the window active) * (1 + spend_lift if offered) * g``
      with spending noise ``g`` gamma (mean 1, sd 0.5);
    * assignment: ``"random"`` gives the offer to exactly ``round(n * treat_share)`` customers
      drawn at random; ``"targeted"`` gives it to that many customers with the lowest
      ``predicted_risk`` — the customers the firm expects to keep, a selection that makes the
      naive comparison of offered and not offered customers badly biased.

    With ``effect="segments"`` the effect differs by customer in a way that risk does not
    reveal: the four groups of uplift modelling (Radcliffe, 2007). Two more observable
    features are drawn after ``tenure_months``: ``recent_complaint`` (1 with probability 0.15)
    and ``contacts_last_year`` (marketing contacts, Poisson with mean ``2 * exp(0.3 z)``:
    valuable customers are contacted more). The churn score gains
    ``+ 0.8 * recent_complaint + 1.2 * [contacts_last_year >= 5]`` before the calibration, and
    each customer falls in one ``segment``:

    * ``"sleeping dog"``: ``contacts_last_year >= 5`` (contact fatigue); the offer *raises* the
      churn risk, ``+1.0`` on the logit scale;
    * ``"persuadable"``: otherwise, a recent complaint or ``tenure_months <= 6``; the offer
      lowers the churn risk, ``-2.0`` on the logit scale;
    * ``"lost cause"``: otherwise, a churn risk of at least 0.35; no effect;
    * ``"sure thing"``: everyone else; no effect.

    Then ``retention_lift`` is not used: the average effect is what the segments give, and
    ``truth.retention_lift`` reports it. The default ``effect="proportional"`` draws exactly
    what it drew before this option existed.

    All customer draws come before the assignment, so one seed gives the same customers and the
    same potential outcomes under both assignments.

    Parameters
    ----------
    n : int
        Customers in the base.
    treat_share : float
        Share of customers who get the offer, in (0, 1).
    retention_lift : float
        Planted average absolute lift in retention over the window, in [0, base_churn).
    spend_lift : float
        Planted relative lift in spending of offered customers while they are active (>= 0).
    base_churn : float
        Average churn risk over the window without the offer, in (0, 1).
    offer_cost : float
        Cost of one offer (voucher plus contact), > 0.
    margin_rate : float
        Share of revenue that is margin, in (0, 1].
    months : int
        Length of the evaluation window.
    assignment : {"random", "targeted"}
        How customers are picked for the offer.
    effect : {"proportional", "segments"}
        How the offer's effect varies: in proportion to the churn risk, or by the four segments
        described above.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``"customers"``: indexed by ``customer_id``: ``value``, ``tenure_months``,
        ``predicted_risk``,
        ``treated`` (1 = got the offer), ``retained`` (1 = still a customer at the end of the
        window) and ``revenue`` (over the window); with ``effect="segments"`` also
        ``recent_complaint`` and ``contacts_last_year`` (after ``tenure_months``).
    truth : CampaignTruth
        With ``effect="segments"``, ``truth.customers`` also holds ``segment``.

    Raises
    ------
    ParameterError
        For an argument out of range, or ``retention_lift >= base_churn`` (the offer would have
        to save more customers than leave).

    Examples
    --------
    >>> tables, truth = retention_campaign(2_000, retention_lift=0.05, random_state=1)
    >>> data = tables["customers"]
    >>> int(data["treated"].sum()), truth.retention_lift
    (1000, 0.05)
    >>> round(truth.control_retention, 3)
    0.8

    The four segments, with the offer's average effect in each:

    >>> tables, truth = retention_campaign(20_000, effect="segments", random_state=1)
    >>> hidden = truth.customers
    >>> hidden.groupby("segment")["retention_effect"].mean().round(3).to_dict()
    {'lost cause': 0.0, 'persuadable': 0.209, 'sleeping dog': -0.187, 'sure thing': 0.0}

    References
    ----------
    .. [1] Radcliffe, N. J. (2007). Using control groups to target on predicted lift: building
       and assessing uplift models. Direct Marketing Analytics Journal, 1, 14-21.
    """
    n = check_int("n", n, 10, 10_000_000)
    share = check_number("treat_share", treat_share, 0, 1, low_open=True, high_open=True)
    churn = check_number("base_churn", base_churn, 0, 1, low_open=True, high_open=True)
    lift = check_number("retention_lift", retention_lift, 0)
    if lift >= churn:
        raise ParameterError(
            f"parameter 'retention_lift' = {retention_lift!r} must be below base_churn = "
            f"{churn:g}: the offer cannot save more customers than would leave"
        )
    s = check_number("spend_lift", spend_lift, 0)
    cost = check_number("offer_cost", offer_cost, 0, low_open=True)
    m_rate = check_number("margin_rate", margin_rate, 0, 1, low_open=True)
    months = check_int("months", months, 1, 120)
    check_choice("assignment", assignment, ["random", "targeted"])
    check_choice("effect", effect, ["proportional", "segments"])
    segments = effect == "segments"
    n_treated = round(n * share)
    if not 1 <= n_treated <= n - 1:
        raise ParameterError(
            f"n * treat_share = {n * share:g} leaves an arm empty; raise n or move treat_share "
            "towards 0.5"
        )
    rng = np.random.default_rng(random_state)

    z = rng.standard_normal(n)
    value = np.round(50 * np.exp(0.7 * z), 2)
    tenure = np.ceil(rng.gamma(2.0, 10 * np.exp(0.3 * z))).astype(int)
    score = 0.0
    if segments:  # only this option draws more, so the default draws stay as they were
        complaint = (rng.random(n) < 0.15).astype(int)
        contacts = rng.poisson(2.0 * np.exp(0.3 * z))
        fatigued = contacts >= 5
        score = 0.8 * complaint + 1.2 * fatigued
    risk = _calibrated_risk(-0.8 * z + 0.6 * rng.standard_normal(n) + score, churn)
    predicted = np.round(expit(logit(risk) + rng.normal(0, 0.5, n)), 3)
    if segments:
        persuadable = ~fatigued & ((complaint == 1) | (tenure <= 6))
        lost = ~fatigued & ~persuadable & (risk >= 0.35)
        segment = np.select(
            [fatigued, persuadable, lost],
            ["sleeping dog", "persuadable", "lost cause"],
            "sure thing",
        )
        shift = np.select([fatigued, persuadable], [1.0, -2.0], 0.0)
        effect = np.where(shift == 0, 0.0, risk - expit(logit(risk) + shift))
    else:
        effect = lift * risk / churn
    u = rng.random(n)  # one draw couples the two potential outcomes
    when = rng.random(n)  # share of the window a leaver is still active
    g = rng.gamma(4.0, 0.25, n)  # spending noise, mean 1, sd 0.5

    retained_c = (u >= risk).astype(int)
    retained_t = (u >= risk - effect).astype(int)  # a sleeping dog's effect is negative
    if assignment == "random":
        treated = np.zeros(n, dtype=int)
        treated[rng.permutation(n)[:n_treated]] = 1
    else:
        treated = np.zeros(n, dtype=int)
        treated[np.argsort(predicted, kind="stable")[:n_treated]] = 1

    retained = np.where(treated == 1, retained_t, retained_c)
    active = np.where(retained == 1, 1.0, when)
    revenue = np.round(value * months * active * (1 + s * treated) * g, 2)

    # Expected revenue per arm (the noise g has mean 1, a leaver is active half the window).
    exp_c = value * months * (1 - risk / 2)
    exp_t = value * months * (1 + s) * (1 - (risk - effect) / 2)
    rev_effect = exp_t - exp_c

    ids = pd.Index([f"C{i:06d}" for i in range(1, n + 1)], name="customer_id")
    data = pd.DataFrame(
        {
            "value": value,
            "tenure_months": tenure,
            "predicted_risk": predicted,
            "treated": treated,
            "retained": retained,
            "revenue": revenue,
        },
        index=ids,
    )
    if segments:
        data.insert(2, "recent_complaint", complaint)
        data.insert(3, "contacts_last_year", contacts)
    hidden = pd.DataFrame(
        {
            "churn_risk": risk,
            "retention_effect": effect,
            "revenue_effect": rev_effect,
            "retained_if_control": retained_c,
            "retained_if_treated": retained_t,
        },
        index=ids,
    )
    if segments:
        hidden["segment"] = segment
    on = treated == 1
    profit = n_treated * (m_rate * rev_effect[on].mean() - cost)
    truth = CampaignTruth(
        assignment=assignment,
        retention_lift=float(effect.mean()),
        revenue_lift=float(rev_effect.mean()),
        retention_lift_treated=float(effect[on].mean()),
        revenue_lift_treated=float(rev_effect[on].mean()),
        control_retention=float(1 - risk.mean()),
        offer_cost=cost,
        margin_rate=m_rate,
        n_treated=int(n_treated),
        incremental_profit=float(profit),
        roi=float(profit / (cost * n_treated)),
        customers=hidden,
    )
    return {"customers": data}, truth


#: Levels of the monthly KPIs before the programme (see :func:`kpi_history`).
KPI_BEFORE: dict[str, float] = {
    "retention_rate": 0.975,
    "csat": 0.78,
    "complaints_per_1000": 8.0,
    "complaint_timeliness": 0.82,
    "feedback_days": 6.0,
    "cross_dept_on_time": 0.60,
    "followup_rate": 0.55,
    "shared_record_rate": 0.45,
    "approval_days": 5.0,
}
#: Levels the programme reaches once it has ramped up.
KPI_AFTER: dict[str, float] = {
    "retention_rate": 0.982,
    "csat": 0.86,
    "complaints_per_1000": 6.0,
    "complaint_timeliness": 0.95,
    "feedback_days": 2.0,
    "cross_dept_on_time": 0.70,
    "followup_rate": 0.90,
    "shared_record_rate": 0.88,
    "approval_days": 1.5,
}
_POSITIVE_KPIS = ("complaints_per_1000", "feedback_days", "approval_days")
#: Monthly margin per active customer and monthly discount rate behind ``avg_clv``.
CLV_MARGIN, CLV_DISCOUNT = 20.0, 0.01


@dataclass(frozen=True)
class KPIHistoryTruth:
    """What :func:`kpi_history` planted: the levels before and after the programme (including
    ``avg_clv``), when it started, how long it took to ramp up, and the noise-free level of
    every KPI in every month (``levels``)."""

    programme_start: pd.Timestamp
    ramp_months: int
    before: dict[str, float]
    after: dict[str, float]
    levels: pd.DataFrame = field(repr=False)

    @property
    def effects(self) -> dict[str, float]:
        """Planted change of each KPI, after minus before."""
        return {k: self.after[k] - self.before[k] for k in self.before}


def _levels(name: str, given: dict | None, default: dict[str, float]) -> dict[str, float]:
    out = dict(default)
    for key, val in (given or {}).items():
        if key not in default:
            raise ParameterError(
                f"parameter {name!r} names an unknown KPI {key!r}; the KPIs are {list(default)}"
            )
        out[key] = val
    for key, val in out.items():
        if key in _POSITIVE_KPIS:
            check_number(f"{name}[{key}]", val, 0, low_open=True)
        else:  # a share; a retention rate of 1 would make the lifetime value infinite
            check_number(f"{name}[{key}]", val, 0, 1, high_open=key == "retention_rate")
    return out


def kpi_history(
    n_months: int = 36,
    programme_month: int = 18,
    ramp_months: int = 3,
    start: str = "2022-01-01",
    initial_customers: int = 20_000,
    new_per_month: int = 500,
    levels_before: dict[str, float] | None = None,
    levels_after: dict[str, float] | None = None,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], KPIHistoryTruth]:
    """Simulate the monthly KPI history of a CRM programme, with a planted change at its start.

    Each KPI has a level: :data:`KPI_BEFORE` up to month ``programme_month`` (0-based), then a
    straight ramp that reaches :data:`KPI_AFTER` after ``ramp_months`` months (month
    ``programme_month`` already moves a ``1 / ramp_months`` step). The observed values add the
    noise of counting:

    * ``active_customers``: last month's customers times a binomial draw at the retention level,
      plus ``new_customers`` (Poisson, mean ``new_per_month``); ``retention_rate`` is the share
      of last month's customers still active (the first month uses ``initial_customers``);
    * ``avg_clv``: lifetime value at the month's retention level,
      ``retention_clv(20, r, 0.01)`` (monthly margin 20, monthly discount 1%), times lognormal
      noise (sd 0.02);
    * ``csat``: share of 300 surveyed customers who are satisfied (rating 4 or 5);
    * ``complaints``: Poisson, ``complaints_per_1000`` per thousand active customers;
      ``complaint_timeliness`` (投诉处理及时率): share of them handled within the service
      standard;
    * the process measures behind the implementation obstacles: ``feedback_days`` (median days
      from customer feedback to the department that can act; slow feedback),
      ``cross_dept_on_time`` (share of 60 cases needing two departments closed on time; poor
      cooperation), ``followup_rate`` (share of 200 churn alerts followed up within 7 days;
      weak execution), ``shared_record_rate`` (share of customer records complete and visible
      to every department; silo thinking), ``approval_days`` (median days to approve a
      retention offer; bureaucracy). The two ``_days`` measures carry lognormal noise (sd
      0.15), ``shared_record_rate`` normal noise (sd 0.01).

    Parameters
    ----------
    n_months : int
        Months of history.
    programme_month : int
        Index of the first programme month; at least 6 months before and after it.
    ramp_months : int
        Months the programme takes to reach its full effect (1 = a step).
    start : date-like
        First month.
    initial_customers, new_per_month : int
        Size of the base before the first month, and mean acquisitions per month.
    levels_before, levels_after : dict, optional
        Overrides of :data:`KPI_BEFORE` / :data:`KPI_AFTER`, by KPI name.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``"history"``: one row per month (``month`` is the month's first day);
        ``history.attrs`` holds
        ``programme_start``.
    truth : KPIHistoryTruth

    Examples
    --------
    >>> tables, truth = kpi_history(random_state=1)
    >>> history = tables["history"]
    >>> history.shape, str(truth.programme_start.date())
    ((36, 13), '2023-07-01')
    >>> round(truth.after["avg_clv"] - truth.before["avg_clv"], 1)
    144.3
    """
    n_months = check_int("n_months", n_months, 12, 600)
    prog = check_int("programme_month", programme_month, 6, n_months - 6)
    ramp = check_int("ramp_months", ramp_months, 1, n_months)
    first = check_date("start", start).to_period("M").to_timestamp()
    n0 = check_int("initial_customers", initial_customers, 100)
    lam = check_int("new_per_month", new_per_month, 0)
    before = _levels("levels_before", levels_before, KPI_BEFORE)
    after = _levels("levels_after", levels_after, KPI_AFTER)
    rng = np.random.default_rng(random_state)

    t = np.arange(n_months)
    weight = np.clip((t - prog + 1) / ramp, 0, 1)
    levels = pd.DataFrame({k: before[k] + (after[k] - before[k]) * weight for k in before})
    clv = [retention_clv(CLV_MARGIN, r, CLV_DISCOUNT) for r in levels["retention_rate"]]
    levels["avg_clv"] = clv
    months = pd.date_range(first, periods=n_months, freq="MS")
    levels.index = pd.Index(months, name="month")

    active, rows = n0, []
    for i in range(n_months):
        lv = levels.iloc[i]
        kept = rng.binomial(active, lv["retention_rate"])
        new = rng.poisson(lam)
        complaints = max(rng.poisson(lv["complaints_per_1000"] * active / 1000), 1)
        rows.append(
            {
                "month": months[i],
                "active_customers": kept + new,
                "new_customers": new,
                "retention_rate": kept / active,
                "avg_clv": lv["avg_clv"] * rng.lognormal(0, 0.02),
                "csat": rng.binomial(300, lv["csat"]) / 300,
                "complaints": complaints,
                "complaint_timeliness": rng.binomial(complaints, lv["complaint_timeliness"])
                / complaints,
                "feedback_days": lv["feedback_days"] * rng.lognormal(0, 0.15),
                "cross_dept_on_time": rng.binomial(60, lv["cross_dept_on_time"]) / 60,
                "followup_rate": rng.binomial(200, lv["followup_rate"]) / 200,
                "shared_record_rate": float(
                    np.clip(lv["shared_record_rate"] + rng.normal(0, 0.01), 0, 1)
                ),
                "approval_days": lv["approval_days"] * rng.lognormal(0, 0.15),
            }
        )
        active = kept + new
    history = pd.DataFrame(rows)
    history.attrs["programme_start"] = months[prog]
    truth = KPIHistoryTruth(
        programme_start=months[prog],
        ramp_months=ramp,
        before={
            **before,
            "avg_clv": retention_clv(CLV_MARGIN, before["retention_rate"], CLV_DISCOUNT),
        },
        after={
            **after,
            "avg_clv": retention_clv(CLV_MARGIN, after["retention_rate"], CLV_DISCOUNT),
        },
        levels=levels,
    )
    return {"history": history}, truth
