"""Seeded simulator of a small franchise craft (cross-stitch) store and a loyalty-policy pilot.

The curriculum's student plan opens a cross-stitch franchise store for white-collar women,
students and homemakers, finds customers through flyers, part-time agents and referral chains,
and proposes three loyalty policies: a 10%-off card for a single purchase over 88 yuan, a points
card for customers who have spent over 300 yuan (with a reward for referrals), and birthday
registration with greetings. Real till data of such a store are not public, so this module
simulates one: a year of purchases in which the store runs the policies as a randomised pilot
(each existing customer is assigned to one arm), with the customers' responses planted so that
an evaluation can be checked against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.exceptions import ParameterError
from helpers.validation import check_date, check_int, check_number

__all__ = ["ARMS", "GROUPS", "SOURCES", "StoreTruth", "craft_store"]

#: Customer groups of the store (the curriculum's target groups plus everyone else): share of
#: the customer base, mean visits per year, median basket (yuan, list prices) and the spread of
#: the basket on the log scale.
GROUPS = pd.DataFrame(
    {
        "group": ["white-collar women", "students", "homemakers", "other"],
        "chinese": ["白领女性", "学生", "家庭主妇", "其他"],
        "share": [0.40, 0.30, 0.20, 0.10],
        "visits_per_year": [4.0, 3.0, 6.0, 2.0],
        "basket_median": [75.0, 40.0, 55.0, 60.0],
        "basket_sigma": [0.45, 0.40, 0.40, 0.50],
    }
).set_index("group")

#: Acquisition sources of the existing customers, their shares, and a planted factor on the
#: visit rate (customers who came through a friend are more loyal).
SOURCES = pd.DataFrame(
    {
        "source": ["flyer", "part-time agent", "referral", "walk-in"],
        "share": [0.35, 0.25, 0.25, 0.15],
        "visit_factor": [1.0, 0.9, 1.2, 1.0],
    }
).set_index("source")

#: Arms of the pilot: each existing customer is in exactly one.
ARMS = ("control", "discount card", "points card", "birthday greetings")

#: Shape of the gamma distribution of visit rates within a group (smaller: more spread).
_RATE_SHAPE = 2.0


@dataclass(frozen=True)
class StoreTruth:
    """What the simulator planted: the policies' rules, the responses, and the counterfactual.

    Attributes
    ----------
    discount_threshold, discount_rate : float
        The 10%-off card: a single purchase of at least ``discount_threshold`` yuan earns a card
        that takes ``discount_rate`` off every later purchase.
    stretch_probability, stretch_window, top_up_max : float
        A customer without the card whose basket would fall in
        ``[threshold * (1 - stretch_window), threshold)`` tops it up to qualify with probability
        ``stretch_probability``; the topped-up basket is the threshold plus a uniform amount
        in ``[0, top_up_max)``.
    card_visit_lift : float
        Factor on the visit rate of a discount-card holder for the rest of the year.
    points_threshold, reward_rate : float
        The points card: once a customer's spend in the year reaches ``points_threshold`` yuan
        she is a member and earns points worth ``reward_rate`` of every later purchase.
    points_visit_lift : float
        Factor on a member's visit rate for the rest of the year.
    referral_rate : float
        New customers a member brings per year of membership (Poisson); they join the store
        then, are listed with ``source`` "points referral" and ``referred_by`` set.
    birthday_extra_visits : float
        Mean number of extra visits (Poisson) in the birthday month of a greeted customer.
    start, end : pandas.Timestamp
        First and last day of the pilot year.
    baseline : pandas.DataFrame
        The purchases every existing customer would have made without any policy (same
        columns as the transactions; common random numbers, so observed minus baseline is each
        customer's own effect).
    """

    discount_threshold: float
    discount_rate: float
    stretch_probability: float
    stretch_window: float
    top_up_max: float
    card_visit_lift: float
    points_threshold: float
    reward_rate: float
    points_visit_lift: float
    referral_rate: float
    birthday_extra_visits: float
    start: pd.Timestamp
    end: pd.Timestamp
    baseline: pd.DataFrame = field(repr=False)


def craft_store(
    n_customers: int = 4_000,
    year: int = 2024,
    discount_threshold: float = 88.0,
    discount_rate: float = 0.10,
    points_threshold: float = 300.0,
    reward_rate: float = 0.05,
    stretch_probability: float = 0.4,
    stretch_window: float = 0.2,
    card_visit_lift: float = 1.35,
    points_visit_lift: float = 1.2,
    referral_rate: float = 0.6,
    birthday_extra_visits: float = 0.35,
    registered_share: float = 0.6,
    arm_shares: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25),
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], StoreTruth]:
    """Simulate a year of a cross-stitch store's purchases under a randomised loyalty pilot.

    Generating process (the truth):

    * each existing customer belongs to a group of :data:`GROUPS` and came through a source of
      :data:`SOURCES`; her visit rate per year is gamma distributed (shape 2) around the
      group's mean times the source's factor, and her baskets are lognormal around the group's
      median (list prices in yuan, rounded to 0.1);
    * without any policy she visits at Poisson times over the year (the ``baseline``);
    * she is assigned at random to one arm of :data:`ARMS` with ``arm_shares``;
    * **discount card**: before she holds the card, a basket in the stretch window below
      ``discount_threshold`` is topped up to qualify with probability ``stretch_probability``;
      the first basket at or above the threshold earns the card (no discount on that
      purchase); afterwards every purchase gets ``discount_rate`` off and extra visits arrive
      at ``card_visit_lift - 1`` times her rate;
    * **points card**: when her spend in the year reaches ``points_threshold`` she becomes a
      member; later purchases earn points worth ``reward_rate`` of their value, extra visits
      arrive at ``points_visit_lift - 1`` times her rate, and she brings new customers at
      ``referral_rate`` per year of membership, who buy like a random customer from the day
      they join (they are not in any arm and refer no one within the year);
    * **birthday greetings**: a customer who registered her birthday (``registered_share``
      of all) is greeted in her birthday month and makes extra visits then, Poisson with mean
      ``birthday_extra_visits``;
    * extra visits draw their baskets from the customer's own basket distribution.

    Parameters
    ----------
    n_customers : int
        Existing customers at the start of the year.
    year : int
        Calendar year of the pilot.
    discount_threshold, discount_rate, points_threshold, reward_rate : float
        The policies' rules.
    stretch_probability, stretch_window, card_visit_lift, points_visit_lift, referral_rate,
    birthday_extra_visits : float
        The planted responses (see :class:`StoreTruth`).
    registered_share : float
        Share of customers who registered their birthday.
    arm_shares : tuple of four floats
        Shares of the arms in :data:`ARMS` order; they must sum to 1.
    random_state : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same store.

    Returns
    -------
    data : dict of pandas.DataFrame
        ``"customers"``: one row per customer (indexed by ``customer_id``) with ``group``,
        ``source``, ``joined``, ``birthday_month`` (1-12, missing when not registered), ``arm``
        ("new" for referred customers) and ``referred_by``. ``"transactions"``: one row per
        purchase with ``customer_id``, ``date``, ``amount`` (list value, yuan), ``discount``
        (yuan taken off at the till) and ``reward`` (points earned, in yuan), sorted by date.
    truth : StoreTruth
        The rules, the planted responses and the baseline purchases.

    Raises
    ------
    ParameterError
        For an argument out of range, or arm shares that do not sum to 1.

    Examples
    --------
    >>> data, truth = craft_store(500, random_state=1)
    >>> sorted(data["customers"]["arm"].unique())
    ['birthday greetings', 'control', 'discount card', 'new', 'points card']
    >>> bool((data["transactions"]["amount"] > 0).all())
    True
    """
    n = check_int("n_customers", n_customers, 20, 1_000_000)
    year = check_int("year", year, 1900, 2200)
    T = check_number("discount_threshold", discount_threshold, 0, low_open=True)
    d = check_number("discount_rate", discount_rate, 0, 1, high_open=True)
    P = check_number("points_threshold", points_threshold, 0, low_open=True)
    rr = check_number("reward_rate", reward_rate, 0, 1, high_open=True)
    p = check_number("stretch_probability", stretch_probability, 0, 1)
    w = check_number("stretch_window", stretch_window, 0, 1, high_open=True)
    lift_c = check_number("card_visit_lift", card_visit_lift, 1)
    lift_p = check_number("points_visit_lift", points_visit_lift, 1)
    ref = check_number("referral_rate", referral_rate, 0, 20)
    bday = check_number("birthday_extra_visits", birthday_extra_visits, 0, 20)
    reg = check_number("registered_share", registered_share, 0, 1)
    shares = np.asarray(arm_shares, dtype=float)
    if shares.shape != (len(ARMS),) or (shares < 0).any() or abs(shares.sum() - 1) > 1e-9:
        raise ParameterError(
            f"parameter 'arm_shares' = {arm_shares!r} must be {len(ARMS)} non-negative shares "
            f"(for {', '.join(ARMS)}) that sum to 1"
        )
    rng = np.random.default_rng(random_state)
    start = check_date("year", f"{year}-01-01")
    end = pd.Timestamp(f"{year}-12-31")
    n_days = (end - start).days + 1
    top_up_max = 4.0

    # The customers.
    group = rng.choice(GROUPS.index.to_numpy(), size=n, p=GROUPS["share"].to_numpy())
    source = rng.choice(SOURCES.index.to_numpy(), size=n, p=SOURCES["share"].to_numpy())
    g = GROUPS.loc[group]
    mean_rate = g["visits_per_year"].to_numpy() * SOURCES.loc[source, "visit_factor"].to_numpy()
    rate = rng.gamma(_RATE_SHAPE, mean_rate / _RATE_SHAPE)
    log_median = np.log(g["basket_median"].to_numpy())
    sigma = g["basket_sigma"].to_numpy()
    arm = rng.choice(np.array(ARMS), size=n, p=shares)
    registered = rng.random(n) < reg
    month = np.where(registered, rng.integers(1, 13, n), 0)
    joined = start - pd.to_timedelta(rng.integers(1, 3 * 365, n), unit="D")

    def baskets(who: np.ndarray) -> np.ndarray:
        return np.round(np.exp(rng.normal(log_median[who], sigma[who])), 1)

    # Baseline: Poisson visits at uniform times over the year (time as a fraction of it).
    counts = rng.poisson(rate)
    who = np.repeat(np.arange(n), counts)
    base = pd.DataFrame({"cust": who, "t": rng.random(len(who)), "amount": baskets(who)})
    base = base.sort_values(["cust", "t"], ignore_index=True)
    base["discount"] = 0.0
    base["reward"] = 0.0

    observed = [base[arm[base["cust"]] == a] for a in ("control", "birthday greetings")]

    # Discount card: first qualifying basket (a natural one, or a topped-up near miss).
    dc = base[arm[base["cust"]] == "discount card"].copy()
    near = (dc["amount"] >= T * (1 - w)) & (dc["amount"] < T)
    stretch = near & (rng.random(len(dc)) < p)
    qualifies = (dc["amount"] >= T) | stretch
    before = qualifies.groupby(dc["cust"]).cumsum() - qualifies  # qualifying visits before
    first = qualifies & (before == 0)
    topped = first & stretch
    dc.loc[topped, "amount"] = np.round(T + rng.random(int(topped.sum())) * top_up_max, 1)
    card_at = dc.loc[first].set_index("cust")["t"]
    after = (before > 0).to_numpy()
    dc.loc[after, "discount"] = np.round(d * dc.loc[after, "amount"], 2)
    extra = _extra_visits(rng, card_at, rate, lift_c - 1, baskets)
    extra["discount"] = np.round(d * extra["amount"], 2)
    observed += [dc, extra]

    # Points card: membership from the visit at which the year's spend reaches the threshold.
    pc = base[arm[base["cust"]] == "points card"].copy()
    spent = pc.groupby("cust")["amount"].cumsum()
    member_from = (spent >= P) & ((spent - pc["amount"]) < P)
    member_at = pc.loc[member_from].set_index("cust")["t"]
    later = ((spent - pc["amount"]) >= P).to_numpy()
    pc.loc[later, "reward"] = np.round(rr * pc.loc[later, "amount"], 2)
    extra = _extra_visits(rng, member_at, rate, lift_p - 1, baskets)
    extra["reward"] = np.round(rr * extra["amount"], 2)
    observed += [pc, extra]

    # Birthday greetings: extra visits inside the birthday month.
    greeted = np.flatnonzero((arm == "birthday greetings") & registered)
    k = rng.poisson(bday, len(greeted))
    gw = np.repeat(greeted, k)
    m0 = (pd.to_datetime({"year": year, "month": month[gw], "day": 1}) - start).dt.days
    m_len = pd.to_datetime({"year": year, "month": month[gw], "day": 1}).dt.days_in_month
    day = m0.to_numpy() + np.floor(rng.random(len(gw)) * m_len.to_numpy())
    observed.append(
        pd.DataFrame(
            {
                "cust": gw,
                "t": (day + 0.5) / n_days,
                "amount": baskets(gw),
                "discount": 0.0,
                "reward": 0.0,
            }
        )
    )

    # Referred customers: join during a member's membership, then buy like anyone else.
    members = member_at.index.to_numpy()
    n_ref = rng.poisson(ref * (1 - member_at.to_numpy()))
    referrer = np.repeat(members, n_ref)
    m = len(referrer)
    r_join = member_at.to_numpy().repeat(n_ref)
    r_join = r_join + rng.random(m) * (1 - r_join)
    r_group = rng.choice(GROUPS.index.to_numpy(), size=m, p=GROUPS["share"].to_numpy())
    rg = GROUPS.loc[r_group]
    ids = np.arange(n, n + m)
    rate = np.concatenate([rate, rng.gamma(_RATE_SHAPE, rg["visits_per_year"] / _RATE_SHAPE)])
    log_median = np.concatenate([log_median, np.log(rg["basket_median"].to_numpy())])
    sigma = np.concatenate([sigma, rg["basket_sigma"].to_numpy()])
    r_counts = rng.poisson(rate[ids] * (1 - r_join))
    r_who = np.repeat(ids, r_counts)
    r_t = np.repeat(r_join, r_counts) + rng.random(len(r_who)) * np.repeat(1 - r_join, r_counts)
    observed.append(
        pd.DataFrame(
            {"cust": r_who, "t": r_t, "amount": baskets(r_who), "discount": 0.0, "reward": 0.0}
        )
    )

    names = np.array([f"C{i:05d}" for i in range(1, n + m + 1)])

    def to_log(df: pd.DataFrame) -> pd.DataFrame:
        day = np.minimum(np.floor(df["t"].to_numpy() * n_days), n_days - 1)
        out = pd.DataFrame(
            {
                "customer_id": names[df["cust"].to_numpy()],
                "date": start + pd.to_timedelta(day, unit="D"),
                "amount": df["amount"].to_numpy(),
                "discount": df["discount"].to_numpy(),
                "reward": df["reward"].to_numpy(),
            }
        )
        return out.sort_values(["date", "customer_id"], kind="stable", ignore_index=True)

    join_day = np.floor(r_join * n_days)
    customers = pd.DataFrame(
        {
            "group": np.concatenate([group, r_group]),
            "source": np.concatenate([source, np.full(m, "points referral")]),
            "joined": np.concatenate([joined, start + pd.to_timedelta(join_day, unit="D")]).astype(
                "datetime64[ns]"
            ),
            "birthday_month": pd.array(
                np.concatenate([np.where(month > 0, month, -1), np.full(m, -1)]), dtype="Int64"
            ),
            "arm": np.concatenate([arm, np.full(m, "new")]),
            "referred_by": np.concatenate([np.full(n, None, dtype=object), names[referrer]]),
        },
        index=pd.Index(names, name="customer_id"),
    )
    customers.loc[customers["birthday_month"] < 0, "birthday_month"] = pd.NA
    transactions = to_log(pd.concat(observed, ignore_index=True))
    truth = StoreTruth(
        discount_threshold=T,
        discount_rate=d,
        stretch_probability=p,
        stretch_window=w,
        top_up_max=top_up_max,
        card_visit_lift=lift_c,
        points_threshold=P,
        reward_rate=rr,
        points_visit_lift=lift_p,
        referral_rate=ref,
        birthday_extra_visits=bday,
        start=start,
        end=end,
        baseline=to_log(base),
    )
    return {"customers": customers, "transactions": transactions}, truth


def _extra_visits(rng, since: pd.Series, rate: np.ndarray, extra_rate: float, baskets):
    """Extra visits at ``extra_rate`` times each customer's rate from ``since`` to year end."""
    cust = since.index.to_numpy()
    t0 = since.to_numpy()
    k = rng.poisson(extra_rate * rate[cust] * (1 - t0))
    who = np.repeat(cust, k)
    start = np.repeat(t0, k)
    t = start + rng.random(len(who)) * (1 - start)
    return pd.DataFrame(
        {"cust": who, "t": t, "amount": baskets(who), "discount": 0.0, "reward": 0.0}
    )
