"""Seeded simulator of a sales-opportunity funnel with known conversion and timing.

Opportunities move through the market-development stages (市场开发) opportunity → visit →
needs confirmed → capability review → contract. The simulator plants the probability of
advancing from each stage, the time spent in each stage (longer for opportunities that end up
lost: deals that drag on tend to die), and a steady monthly growth of new opportunities; at the
snapshot the opportunities still undecided are open, as a CRM system would show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import gamma

from helpers.exceptions import ParameterError
from helpers.operations.funnel import FUNNEL_STAGES
from helpers.validation import (
    check_date,
    check_int,
    check_number,
    check_probability,
    renamed_attribute,
    renamed_parameters,
)

__all__ = [
    "FunnelTruth",
    "TRUE_CONVERSION",
    "TRUE_MEDIAN_DAYS",
    "VolumeTruth",
    "account_volumes",
    "sales_funnel",
]

#: Planted probability of advancing from each stage to the next.
TRUE_CONVERSION: dict[str, float] = {
    "opportunity": 0.70,
    "visit": 0.60,
    "needs_confirmed": 0.75,
    "capability_review": 0.65,
}

#: Planted median days in each stage before advancing (lost ones take longer, see below).
TRUE_MEDIAN_DAYS: dict[str, float] = {
    "opportunity": 14.0,
    "visit": 30.0,
    "needs_confirmed": 21.0,
    "capability_review": 45.0,
}


@dataclass(frozen=True)
class FunnelTruth:
    """What :func:`sales_funnel` planted, and each opportunity's uncensored fate."""

    conversion: dict[str, float]
    median_days: dict[str, float]
    gamma_shape: float
    lost_slowdown: float
    monthly_growth: float
    start: pd.Timestamp
    observation_end: pd.Timestamp
    eventual_outcome: pd.Series = field(repr=False)
    eventual_stage: pd.Series = field(repr=False)

    snapshot = renamed_attribute("observation_end")  # the old name, warns

    @property
    def cumulative(self) -> dict[str, float]:
        """Share of all opportunities that reach each later stage (product of conversions)."""
        out, share = {}, 1.0
        for cur, nxt in zip(FUNNEL_STAGES, FUNNEL_STAGES[1:], strict=False):
            share *= self.conversion[cur]
            out[nxt] = share
        return out

    def days_quantile(self, stage: str, q: float, outcome: str = "advanced") -> float:
        """Planted ``q`` quantile of the whole days spent in ``stage`` before ``outcome``
        (``"advanced"`` or ``"lost"``)."""
        scale = self.median_days[stage] / gamma.median(self.gamma_shape)
        if outcome == "lost":
            scale *= self.lost_slowdown
        # The small offset keeps a quantile of exactly 30 (up to rounding) at 30 days.
        return float(np.ceil(gamma.ppf(q, self.gamma_shape, scale=scale) - 1e-9))


@renamed_parameters(snapshot="observation_end")
def sales_funnel(
    n_opportunities: int = 3_000,
    start="2023-01-01",
    observation_end="2024-12-31",
    conversion: dict[str, float] | None = None,
    median_days: dict[str, float] | None = None,
    gamma_shape: float = 2.0,
    lost_slowdown: float = 2.0,
    monthly_growth: float = 0.05,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], FunnelTruth]:
    """Simulate sales opportunities and the dates they entered each funnel stage.

    Generating process (the truth):

    * opening dates fall between ``start`` and ``observation_end`` with a density that grows by
      ``monthly_growth`` a month (so the number of new opportunities, and after the first
      months the number of new customers, grows at that rate);
    * in each stage an opportunity advances to the next with probability ``conversion[stage]``
      (default :data:`TRUE_CONVERSION`), otherwise it is lost; the decision does not depend on
      the past stages;
    * the whole days until the decision are ``ceil(Gamma(gamma_shape, scale))``, with the scale
      set so that the median time to advance is ``median_days[stage]`` (default
      :data:`TRUE_MEDIAN_DAYS`); the time until a loss is ``lost_slowdown`` times longer;
    * what has not happened by ``observation_end`` is not in the data: those opportunities are open.

    Parameters
    ----------
    n_opportunities : int
        Number of opportunities opened between ``start`` and ``observation_end``.
    start, observation_end : date-like
        First opening date and the date the data describe (at least 90 days apart);
        ``observation_end`` was called ``snapshot``, which still works.
    conversion, median_days : dict, optional
        Per stage but the last; override the defaults.
    gamma_shape : float
        Shape of the time-in-stage distribution (larger: less spread).
    lost_slowdown : float
        How much longer a loss takes to be decided than an advance.
    monthly_growth : float
        Growth of new opportunities per month (0.05 = 5%; may be negative, above -1).
    random_state : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same funnel.

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``"opportunities"``: indexed by ``opportunity_id`` ("O00001", ...), with one date
        column per stage of :data:`helpers.operations.FUNNEL_STAGES` (empty when not reached
        by ``observation_end``),
        ``lost`` (date lost, or empty), ``status`` ("won", "lost" or "open") and ``stage``
        (last stage entered).
    truth : FunnelTruth
        The planted conversion and timing, and every opportunity's eventual outcome and stage
        had it been followed to the end.

    Raises
    ------
    ParameterError
        For an out-of-range argument or a stage missing from ``conversion``/``median_days``.

    Examples
    --------
    >>> tables, truth = sales_funnel(500, random_state=1)
    >>> opps = tables["opportunities"]
    >>> len(opps), sorted(opps["status"].unique())
    (500, ['lost', 'open', 'won'])
    >>> round(truth.cumulative["contract"], 5)
    0.20475
    """
    n = check_int("n_opportunities", n_opportunities, 10, 10_000_000)
    t0, snap = check_date("start", start), check_date("observation_end", observation_end)
    if (snap - t0).days < 90:
        raise ParameterError(
            f"observation_end ({snap.date()}) must be at least 90 days after start "
            f"({t0.date()}) so that opportunities can move through the funnel"
        )
    conv = _per_stage("conversion", conversion, TRUE_CONVERSION)
    for s, p in conv.items():
        check_probability(f"conversion[{s!r}]", p, allow_one=True)
    med = _per_stage("median_days", median_days, TRUE_MEDIAN_DAYS)
    for s, m in med.items():
        check_number(f"median_days[{s!r}]", m, 0, 365, low_open=True)
    k = check_number("gamma_shape", gamma_shape, 0.2, 50)
    slow = check_number("lost_slowdown", lost_slowdown, 0.1, 10)
    g = check_number("monthly_growth", monthly_growth, -1, 1, low_open=True)
    rng = np.random.default_rng(random_state)

    # Opening dates: density proportional to (1 + g)^(months since start), by inverse CDF.
    span = (snap - t0).days + 1
    lam = np.log1p(g) / 30.4375
    u = rng.random(n)
    day = u * span if abs(lam) < 1e-12 else np.log1p(u * np.expm1(lam * span)) / lam
    opened = t0 + pd.to_timedelta(np.floor(day).astype(int), unit="D")
    opened = pd.DatetimeIndex(np.sort(opened.to_numpy()))

    stages = list(FUNNEL_STAGES)
    true_dates = np.full((n, len(stages)), np.datetime64("NaT"), dtype="datetime64[ns]")
    true_dates[:, 0] = opened.to_numpy()
    true_lost = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    alive = np.ones(n, dtype=bool)
    for j, s in enumerate(stages[:-1]):
        scale = med[s] / gamma.median(k)
        advance = rng.random(n) < conv[s]
        days = np.ceil(rng.gamma(k, scale, n) * np.where(advance, 1.0, slow)).astype(int)
        when = true_dates[:, j] + days.astype("timedelta64[D]")
        true_dates[:, j + 1] = np.where(alive & advance, when, np.datetime64("NaT"))
        true_lost = np.where(alive & ~advance, when, true_lost)
        alive &= advance

    ids = pd.Index([f"O{i:05d}" for i in range(1, n + 1)], name="opportunity_id")
    reached = (~np.isnat(true_dates)).sum(axis=1) - 1
    eventual_stage = pd.Series(np.array(stages)[reached], index=ids, name="eventual_stage")
    eventual = pd.Series(np.where(alive, "won", "lost"), index=ids, name="eventual_outcome")

    # What the CRM system shows at the snapshot.
    seen = np.where(true_dates <= np.datetime64(snap), true_dates, np.datetime64("NaT"))
    lost = np.where(true_lost <= np.datetime64(snap), true_lost, np.datetime64("NaT"))
    opps = pd.DataFrame(seen, index=ids, columns=stages)
    opps["lost"] = lost
    won = opps[stages[-1]].notna()
    opps["status"] = np.where(won, "won", np.where(opps["lost"].notna(), "lost", "open"))
    opps["stage"] = np.array(stages)[opps[stages].notna().to_numpy().sum(axis=1) - 1]
    truth = FunnelTruth(
        conversion=conv,
        median_days=med,
        gamma_shape=k,
        lost_slowdown=slow,
        monthly_growth=g,
        start=t0,
        observation_end=snap,
        eventual_outcome=eventual,
        eventual_stage=eventual_stage,
    )
    return {"opportunities": opps}, truth


def _per_stage(name: str, given: dict | None, default: dict) -> dict[str, float]:
    if given is None:
        return dict(default)
    missing = [s for s in default if s not in given]
    extra = [s for s in given if s not in default]
    if missing or extra:
        raise ParameterError(
            f"{name} must give a value for each of the stages {list(default)}; "
            f"missing {missing}, unknown {extra}"
        )
    return {s: float(given[s]) for s in default}


@dataclass(frozen=True)
class VolumeTruth:
    """What :func:`account_volumes` planted."""

    n_existing: int
    monthly_churn: float
    mean_volume: float
    volume: pd.Series = field(repr=False)  # each customer's mean monthly volume


def account_volumes(
    contracts: pd.Series,
    observation_end,
    n_existing: int = 1_500,
    monthly_churn: float = 0.01,
    mean_volume: float = 10.0,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], VolumeTruth]:
    """Monthly order volumes of the existing customers and of those the funnel wins.

    The volume that new customers bring is what the curriculum's second market-development KPI
    measures (new customers' share of volume). Customers won by the funnel order from the
    month after they sign; ``n_existing`` older customers (won one to ten years before the
    first contract) order from the start and leave at ``monthly_churn`` a month. Each
    customer's mean monthly volume is drawn from a lognormal distribution with mean
    ``mean_volume`` (spread 0.8 on the log scale), and each month's order is Poisson around it.

    Parameters
    ----------
    contracts : pandas.Series
        Contract date of each opportunity (missing if not won), e.g. ``opportunities["contract"]``
        of :func:`sales_funnel`; its index names the new customers.
    observation_end : date-like
        Volumes run to the last complete month before it.
    n_existing : int
        Customers the firm already had when the contracts window opened.
    monthly_churn : float
        Monthly probability that an existing customer leaves.
    mean_volume : float
        Mean monthly volume per customer (units).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``{"volumes": DataFrame}`` with one row per customer and month: ``customer_id``,
        ``month`` (a monthly Period), ``acquired`` (the month the customer was won; before the
        window for existing customers) and ``volume``.
    truth : VolumeTruth

    Examples
    --------
    >>> c = pd.Series(pd.to_datetime(["2024-01-10", None, "2024-02-20"]), index=["o1", "o2", "o3"])
    >>> tables, truth = account_volumes(c, "2024-04-01", n_existing=2, random_state=1)
    >>> sorted(tables["volumes"]["customer_id"].unique())
    ['E0001', 'E0002', 'o1', 'o3']
    """
    end = check_date("observation_end", observation_end)
    n_existing = check_int("n_existing", n_existing, 0, 10_000_000)
    monthly_churn = check_probability("monthly_churn", monthly_churn)
    mean_volume = check_number("mean_volume", mean_volume, 0, low_open=True)
    if not isinstance(contracts, pd.Series):
        raise ParameterError("contracts must be a pandas Series of contract dates")
    rng = np.random.default_rng(random_state)
    won = pd.to_datetime(contracts).dropna()
    last = (end + pd.Timedelta(days=1)).to_period("M") - 1  # the last complete month
    first = won.min().to_period("M") if len(won) else last
    sd = 0.8
    ids = [f"E{i:04d}" for i in range(1, n_existing + 1)] + list(won.index)
    mean = rng.lognormal(np.log(mean_volume) - sd**2 / 2, sd, len(ids))
    # existing customers were won 1 to 10 years before the window opened
    acquired = [first - int(k) for k in rng.integers(13, 121, n_existing)] + [
        d.to_period("M") for d in won
    ]
    # existing customers leave after a geometric number of months
    stay = np.concatenate(
        [
            rng.geometric(monthly_churn, n_existing)
            if monthly_churn > 0
            else np.full(n_existing, 10**9),
            np.full(len(won), 10**9),
        ]
    )
    rows_out = []
    for k, cid in enumerate(ids):
        start = acquired[k] + 1
        for j, m in enumerate(pd.period_range(max(start, first), last, freq="M")):
            if j >= stay[k]:
                break
            rows_out.append((cid, m, acquired[k], mean[k]))
    df = pd.DataFrame(rows_out, columns=["customer_id", "month", "acquired", "mean"])
    df["volume"] = rng.poisson(df["mean"].to_numpy())
    truth = VolumeTruth(
        n_existing=n_existing,
        monthly_churn=monthly_churn,
        mean_volume=mean_volume,
        volume=pd.Series(mean, index=pd.Index(ids, name="customer_id")),
    )
    return {"volumes": df.drop(columns="mean")}, truth
