"""Loyalty policies as decisions: who qualifies, what they add, what they cost, and where to
set the threshold.

The curriculum's craft-store plan proposes three policies: a 10%-off card for a single purchase
over 88 yuan, a points card once a customer has spent 300 yuan (with a reward for referrals),
and birthday registration with greetings. This module evaluates such policies from a store's
till data when the store ran them as a randomised pilot (each customer in one arm, a control arm
without any policy):

* :func:`customer_outcomes` — visits, spend, discounts, rewards and gross profit per customer;
* :func:`qualifiers` — who reaches a threshold, when, and with which purchase;
* :func:`pilot_effects` — the difference between an arm and the control arm per customer, with
  confidence intervals (Welch's t-test from scipy): incremental visits, spend and profit;
* :func:`referral_value` — what the customers brought in by referrals are worth;
* :func:`break_even_uplift` — how much extra spend a policy needs to pay for itself;
* :func:`stretch_probability` — how often a customer just below the threshold tops up her
  basket to qualify, from the missing baskets just below it;
* :func:`card_response` — the stretch probability and the card holders' visit lift, estimated
  from the pilot;
* :func:`card_replay` and :func:`threshold_sweep` — the expected profit of the discount card at
  other thresholds, by replaying the control customers' purchases under the card's rules;
* :func:`policy_scorecard` — the three policies side by side, as decisions.

The data contracts :data:`STORE_CUSTOMERS` and :data:`STORE_TRANSACTIONS` say what a store's
own files must hold; :func:`load_store` reads (CSV, .xlsx or Parquet) and checks them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from helpers.data.contracts import Column, DataContract
from helpers.data.reading import READ_FORMATS
from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import (
    check_number,
    date_column,
    renamed_parameters,
    require_columns,
    rows,
)

__all__ = [
    "STORE_CUSTOMERS",
    "STORE_TRANSACTIONS",
    "break_even_uplift",
    "card_replay",
    "card_response",
    "customer_outcomes",
    "load_store",
    "pilot_effects",
    "policy_scorecard",
    "qualifiers",
    "referral_value",
    "stretch_probability",
    "threshold_sweep",
]

#: The customers of a store that ran a loyalty pilot.
STORE_CUSTOMERS = DataContract(
    "store customers",
    [
        Column(
            "customer_id",
            "id",
            "customer identifier (membership or phone number)",
            description_zh="客户编号（会员号或手机号）",
        ),
        Column(
            "group",
            "string",
            "customer group, e.g. white-collar women, students",
            description_zh="客户群体，如白领女性、学生",
        ),
        Column(
            "source",
            "string",
            "how the customer found the store, e.g. flyer, referral",
            description_zh="获客渠道，即客户如何得知本店，如传单、转介绍",
        ),
        Column(
            "joined",
            "date",
            "date of the customer's first visit or registration",
            description_zh="客户首次到店或注册的日期",
        ),
        Column(
            "birthday_month",
            "integer",
            "month of the registered birthday, empty when not registered",
            required=False,
            minimum=1,
            maximum=12,
            description_zh="登记的生日所在月份，未登记则为空",
        ),
        Column(
            "arm",
            "string",
            "pilot arm: control, discount card, points card, birthday greetings, or new for a "
            "customer who joined during the pilot",
            description_zh="试点组别：control（对照组）、discount card（折扣卡）、"
            "points card（积分卡）、birthday greetings（生日祝福），试点期间才加入的客户为 new",
        ),
        Column(
            "referred_by",
            "id",
            "customer_id of the member who referred this customer, empty otherwise",
            required=False,
            description_zh="推荐该客户的会员的 customer_id，没有推荐人则为空",
        ),
    ],
    key="customer_id",
)

#: The purchases of the pilot period, one row per purchase.
STORE_TRANSACTIONS = DataContract(
    "store transactions",
    [
        Column(
            "customer_id",
            "id",
            "customer identifier, as in the customer table",
            description_zh="客户编号，与客户表一致",
        ),
        Column("date", "date", "day of the purchase", description_zh="购买日期"),
        Column(
            "amount",
            "number",
            "value of the basket at list prices, yuan",
            minimum=0,
            description_zh="购物篮按标价计的金额，元",
        ),
        Column(
            "discount",
            "number",
            "yuan taken off at the till (discount card)",
            minimum=0,
            description_zh="结账时减免的金额，元（折扣卡）",
        ),
        Column(
            "reward",
            "number",
            "points earned on the purchase, valued in yuan",
            minimum=0,
            description_zh="本次购买获得的积分，折算为元",
        ),
    ],
)

_MEASURES = ["visits", "spend", "discount", "reward", "gross_profit"]


def load_store(
    folder: str | Path,
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a store's customers and transactions and check them.

    Parameters
    ----------
    folder : str or Path
        Either a folder with a ``customers`` and a ``transactions`` file (``.csv``, ``.xlsx``
        or ``.parquet``, one of each), or one Excel workbook (.xlsx) with the sheets
        ``customers`` and ``transactions``; with the columns of :data:`STORE_CUSTOMERS` and
        :data:`STORE_TRANSACTIONS`. Files are read by
        :meth:`~helpers.data.DataContract.read`: encoding and delimiter detected, customer ids
        and ``referred_by`` kept as text (``"0012"`` keeps its zeros; ``"12.0"``, what a
        spreadsheet makes of the number 12, is ``"12"``).
    date_format, dayfirst, decimal
        How the files write dates (``dayfirst=True`` for 05/01/2024 as 5 January,
        ``date_format="%d.%m.%Y"``) and decimals (``decimal=","`` for 3,5); see
        :meth:`helpers.data.DataContract.validate`.
    encoding, sep : str, optional
        Override the detected text encoding and delimiter of CSV files.

    Returns
    -------
    customers, transactions : pandas.DataFrame
        Typed copies; ``customers`` is indexed by ``customer_id``.

    Raises
    ------
    DataValidationError
        A file is missing, unreadable or breaks its contract, a purchase belongs to a customer
        the customer table does not list, or a ``referred_by`` names no customer of the table
        (the referral value would silently leave that customer out).
    """
    folder = Path(folder)
    options = {"date_format": date_format, "dayfirst": dayfirst, "decimal": decimal}
    if folder.is_file() and folder.name.lower().endswith((".xlsx", ".xlsm")):
        customers = STORE_CUSTOMERS.read(folder, sheet_name="customers", **options)
        transactions = STORE_TRANSACTIONS.read(folder, sheet_name="transactions", **options)
    else:
        files = {"encoding": encoding, "sep": sep, **options}
        paths = [_store_file(folder, stem) for stem in ("customers", "transactions")]
        customers = STORE_CUSTOMERS.read(paths[0], **files)
        transactions = STORE_TRANSACTIONS.read(paths[1], **files)
    customers, transactions = _checked(customers.set_index("customer_id"), transactions)
    referrer = customers["referred_by"]
    unknown = referrer.notna().to_numpy() & ~referrer.isin(customers.index).to_numpy()
    if unknown.any():
        raise DataValidationError(
            f"store customers: column 'referred_by' has {int(unknown.sum())} referrer(s) that "
            f"are not customers of the table ({rows(customers.index, unknown, referrer)}); a "
            "referrer must be written exactly as her customer_id (same leading zeros): correct "
            "them, or leave the cell empty when the referrer is not a customer"
        )
    return customers, transactions


def _store_file(folder: Path, stem: str) -> Path:
    """The one ``<stem>.csv`` / ``.xlsx`` / ``.parquet`` ... file of a store's folder."""
    if not folder.is_dir():
        raise DataValidationError(
            f"store folder {str(folder)!r} not found (or it is not a folder); pass the folder "
            f"with {stem}.csv and the other file, or an .xlsx workbook with the two sheets"
        )
    found = [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name.lower() in {stem + ending for ending in READ_FORMATS}
    ]
    if len(found) != 1:
        what = "no" if not found else f"{len(found)} ({', '.join(p.name for p in found)})"
        raise DataValidationError(
            f"store folder {str(folder)!r} has {what} {stem} file(s); it needs exactly one "
            f"{stem}.csv (or {stem}.xlsx, {stem}.parquet)"
        )
    return found[0]


def _checked(customers: pd.DataFrame, transactions: pd.DataFrame):
    """Customers indexed by id, every purchase's customer listed, an arm for everyone."""
    if not isinstance(customers, pd.DataFrame) or not isinstance(transactions, pd.DataFrame):
        raise DataValidationError("customers and transactions must be pandas DataFrames")
    if "customer_id" in customers.columns:
        customers = customers.set_index("customer_id")
    if "arm" not in customers.columns:
        raise DataValidationError(
            "store customers: column 'arm' not found; the table has columns "
            f"{list(customers.columns)} (see STORE_CUSTOMERS)"
        )
    for col in ("customer_id", "date", "amount", "discount", "reward"):
        if col not in transactions.columns:
            raise DataValidationError(
                f"store transactions: column {col!r} not found; the table has columns "
                f"{list(transactions.columns)} (see STORE_TRANSACTIONS)"
            )
    unknown = ~transactions["customer_id"].isin(customers.index).to_numpy()
    if unknown.any():
        raise DataValidationError(
            f"store transactions: column 'customer_id' has {int(unknown.sum())} purchase(s) "
            f"of customers missing from the customer table "
            f"({rows(transactions.index, unknown, transactions['customer_id'])}); add those "
            "customers (with their arm) or remove their purchases"
        )
    return customers, transactions


def customer_outcomes(
    customers: pd.DataFrame, transactions: pd.DataFrame, margin_rate: float
) -> pd.DataFrame:
    """Visits, spend, discounts, rewards and gross profit of every customer in the period.

    Gross profit is ``margin_rate * amount - discount - reward``: the margin on the list value
    of the basket, less what the policies gave away (points are costed at face value, as if all
    were redeemed). Customers without a purchase get zeros: they count in every average.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer, indexed by ``customer_id`` (or with that column), with ``arm``.
    transactions : pandas.DataFrame
        Columns ``customer_id``, ``amount``, ``discount``, ``reward`` (and ``date``).
    margin_rate : float
        Share of the list value that is gross margin, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        Indexed like the customers: ``arm``, ``visits``, ``spend``, ``discount``, ``reward``,
        ``gross_profit``.

    Raises
    ------
    DataValidationError
        A column is missing, or a purchase belongs to an unknown customer.
    ParameterError
        ``margin_rate`` outside (0, 1].

    Examples
    --------
    >>> cust = pd.DataFrame({"arm": ["control", "discount card"]}, index=["a", "b"])
    >>> tx = pd.DataFrame({"customer_id": ["b", "b"], "date": ["2024-01-02", "2024-03-01"],
    ...                    "amount": [100.0, 50.0], "discount": [0.0, 5.0], "reward": 0.0})
    >>> customer_outcomes(cust, tx, margin_rate=0.5)[["visits", "spend", "gross_profit"]]
       visits  spend  gross_profit
    a       0    0.0           0.0
    b       2  150.0          70.0
    """
    m = check_number("margin_rate", margin_rate, 0, 1, low_open=True)
    customers, transactions = _checked(customers, transactions)
    g = transactions.groupby("customer_id")
    out = pd.DataFrame(
        {
            "visits": g.size(),
            "spend": g["amount"].sum(),
            "discount": g["discount"].sum(),
            "reward": g["reward"].sum(),
        }
    ).reindex(customers.index, fill_value=0)
    out["visits"] = out["visits"].astype("int64")
    out[["spend", "discount", "reward"]] = out[["spend", "discount", "reward"]].astype(float)
    out["gross_profit"] = m * out["spend"] - out["discount"] - out["reward"]
    out.insert(0, "arm", customers["arm"])
    return out


def qualifiers(transactions: pd.DataFrame, threshold: float, cumulative: bool = False):
    """Who reaches a threshold, on which day, and with which purchase.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Columns ``customer_id``, ``date``, ``amount``.
    threshold : float
        Yuan. A single purchase of at least this much qualifies (the discount card); with
        ``cumulative=True`` the customer qualifies on the purchase that brings her spend in the
        period to at least this much (the points card).
    cumulative : bool
        Single purchase (False) or running total (True).

    Returns
    -------
    pandas.DataFrame
        One row per customer who qualified, indexed by ``customer_id``: ``date`` of the
        qualifying purchase, its ``amount``, and ``purchase_number`` (1 = her first purchase of
        the period). Ties on a day are taken in the order of the rows.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-09",
    ...                                            "2024-03-03"]),
    ...                    "amount": [60.0, 90.0, 30.0, 250.0]})
    >>> qualifiers(tx, 88)["purchase_number"].to_dict()
    {'a': 2, 'c': 1}
    >>> qualifiers(tx, 140, cumulative=True).index.tolist()
    ['a', 'c']
    """
    t = check_number("threshold", threshold, 0, low_open=True)
    tx = _ordered(transactions)
    running = tx.groupby("customer_id")["amount"].cumsum() if cumulative else tx["amount"]
    tx["purchase_number"] = tx.groupby("customer_id").cumcount() + 1
    hit = tx[running >= t]
    first = hit.groupby("customer_id", sort=True).head(1).set_index("customer_id")
    return first[["date", "amount", "purchase_number"]]


def _ordered(transactions: pd.DataFrame) -> pd.DataFrame:
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise DataValidationError(
                f"column {col!r} not found; the transactions have columns "
                f"{list(transactions.columns)} (see STORE_TRANSACTIONS)"
            )
    tx = transactions[["customer_id", "date", "amount"]].copy()
    tx["date"] = date_column(transactions, "date", "store transactions")
    return tx.sort_values(["customer_id", "date"], kind="stable", ignore_index=True)


@renamed_parameters(confidence="confidence_level")
def pilot_effects(
    outcomes: pd.DataFrame,
    treated: str,
    control: str = "control",
    extra_cost: float | pd.Series = 0.0,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Per-customer difference between a pilot arm and the control arm, with intervals.

    Because the arms were assigned at random, the difference of the arm means estimates what
    the policy did per customer offered it (the intention-to-treat effect), whether or not she
    qualified. Intervals are Welch's (unequal variances), from :func:`scipy.stats.ttest_ind`.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Output of :func:`customer_outcomes` (column ``arm`` and the measures).
    treated, control : str
        The two arms to compare.
    extra_cost : float or pandas.Series
        Costs of the policy outside the till, per treated customer (a printed card, a greeting
        card): a number for everyone or a Series by customer id. They are subtracted in the
        ``net_profit`` row.
    confidence_level : float
        Level of the intervals (old name ``confidence``, which still works).

    Returns
    -------
    pandas.DataFrame
        Rows ``visits``, ``spend``, ``discount``, ``reward``, ``gross_profit`` and
        ``net_profit``; columns ``treated``, ``control`` (arm means), ``effect`` (the
        difference), ``ci_low``, ``ci_high``, ``p_value``. ``attrs`` holds the arm sizes.

    Raises
    ------
    DataValidationError
        An arm with fewer than two customers, or a missing column.

    Examples
    --------
    >>> out = pd.DataFrame({"arm": ["control"] * 3 + ["card"] * 3,
    ...                     "visits": [1, 2, 3, 3, 4, 5], "spend": [10.0, 20, 30, 40, 50, 60],
    ...                     "discount": 0.0, "reward": 0.0,
    ...                     "gross_profit": [5.0, 10, 15, 20, 25, 30]})
    >>> pilot_effects(out, "card", extra_cost=2.0).loc[["visits", "net_profit"], "effect"]
    visits         2.0
    net_profit    13.0
    Name: effect, dtype: float64
    """
    lvl = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    require_columns(
        outcomes, ["arm", *_MEASURES], "outcomes", fix="build them with customer_outcomes"
    )
    arms = {}
    for name in (treated, control):
        arms[name] = outcomes[outcomes["arm"] == name]
        if len(arms[name]) < 2:
            raise DataValidationError(
                f"arm {name!r} has {len(arms[name])} customer(s); the comparison needs at least "
                f"two in each arm (the arms are {sorted(outcomes['arm'].unique())})"
            )
    t, c = arms[treated], arms[control]
    if isinstance(extra_cost, pd.Series):
        cost = extra_cost.reindex(t.index, fill_value=0.0).to_numpy(dtype=float)
    else:
        cost = np.full(len(t), check_number("extra_cost", extra_cost, 0))
    columns = {m: (t[m].to_numpy(float), c[m].to_numpy(float)) for m in _MEASURES}
    columns["net_profit"] = (columns["gross_profit"][0] - cost, columns["gross_profit"][1])
    rows = {}
    for name, (a, b) in columns.items():
        rows[name] = _welch(a, b, lvl)
    table = pd.DataFrame(rows).T
    table.attrs.update({"n_treated": len(t), "n_control": len(c), "confidence_level": lvl})
    return table


def _welch(a: np.ndarray, b: np.ndarray, level: float) -> dict:
    effect = a.mean() - b.mean()
    if a.std() == 0 and b.std() == 0:
        low = high = effect
        p = 0.0 if effect else 1.0
    else:
        res = stats.ttest_ind(a, b, equal_var=False)
        ci = res.confidence_interval(level)
        low, high, p = float(ci.low), float(ci.high), float(res.pvalue)
    return {
        "treated": a.mean(),
        "control": b.mean(),
        "effect": effect,
        "ci_low": low,
        "ci_high": high,
        "p_value": p,
    }


def referral_value(
    customers: pd.DataFrame,
    outcomes: pd.DataFrame,
    referrer_arm: str = "points card",
    bonus: float = 20.0,
) -> pd.Series:
    """What the customers referred by an arm's members brought in during the period.

    A referred customer is one whose ``referred_by`` names a customer of ``referrer_arm``; the
    referrer earns ``bonus`` yuan (in points) per referred customer who made a purchase.

    Returns
    -------
    pandas.Series
        ``referred`` (customers), ``buying`` (who bought), ``gross_profit`` (theirs),
        ``bonus_cost``, ``net_value`` and ``per_arm_customer`` (net value divided by the
        customers of the arm).

    Examples
    --------
    >>> cust = pd.DataFrame({"arm": ["points card", "points card", "new", "new"],
    ...                      "referred_by": [None, None, "a", "a"]}, index=list("abcd"))
    >>> out = pd.DataFrame({"arm": cust["arm"], "visits": [1, 0, 2, 0],
    ...                     "gross_profit": [10.0, 0, 30, 0]}, index=cust.index)
    >>> referral_value(cust, out, bonus=5)[["referred", "buying", "net_value"]].tolist()
    [2.0, 1.0, 25.0]
    """
    b = check_number("bonus", bonus, 0)
    if "referred_by" not in customers.columns:
        raise DataValidationError("column 'referred_by' not found in the customer table")
    members = customers.index[customers["arm"] == referrer_arm]
    if len(members) == 0:
        raise DataValidationError(f"no customer is in arm {referrer_arm!r}")
    referred = customers.index[customers["referred_by"].isin(members)]
    o = outcomes.reindex(referred)
    buying = int((o["visits"] > 0).sum())
    gross = float(o["gross_profit"].sum())
    net = gross - b * buying
    return pd.Series(
        {
            "referred": float(len(referred)),
            "buying": float(buying),
            "gross_profit": gross,
            "bonus_cost": b * buying,
            "net_value": net,
            "per_arm_customer": net / len(members),
        }
    )


def break_even_uplift(cost: float, margin_rate: float, baseline: float) -> float:
    """The relative uplift a policy needs to pay for itself.

    A policy that costs ``cost`` per customer pays when the extra gross margin it brings,
    ``margin_rate * uplift * baseline``, covers it, so the break-even uplift is
    ``cost / (margin_rate * baseline)``. With ``baseline`` the spend per customer without the
    policy, the result is the spend increase needed (0.05 = 5% more spend); with ``baseline``
    the spend of one visit, ``uplift * 1`` is the number of extra visits needed.

    Examples
    --------
    >>> break_even_uplift(cost=6.0, margin_rate=0.5, baseline=240.0)
    0.05
    """
    c = check_number("cost", cost, 0)
    m = check_number("margin_rate", margin_rate, 0, 1, low_open=True)
    base = check_number("baseline", baseline, 0, low_open=True)
    return c / (m * base)


@renamed_parameters(confidence="confidence_level")
def stretch_probability(
    arms: pd.Series,
    transactions: pd.DataFrame,
    threshold: float,
    window: float = 0.2,
    treated: str = "discount card",
    control: str = "control",
    confidence_level: float = 0.95,
) -> pd.Series:
    """How often a customer just below the threshold topped up her basket to qualify.

    Compares each customer's **first purchase of the pilot** across the two arms: nobody holds
    a card yet, and the arms were assigned at random, so the baskets come from the same
    distribution — except that in the card arm a share ``p`` of the baskets in the window
    ``[threshold * (1 - window), threshold)`` were topped up past the threshold. The share of
    first baskets in the window is then ``(1 - p)`` times the control arm's:
    ``p = 1 - share_card / share_control``. The interval comes from the delta method on the
    log of the ratio of the two shares (independent binomial shares).

    Parameters
    ----------
    arms : pandas.Series
        Arm of each customer, indexed by ``customer_id`` (e.g. ``customers["arm"]``).
    transactions : pandas.DataFrame
        Columns ``customer_id``, ``date``, ``amount``.
    threshold : float
        The card's threshold, yuan.
    window : float
        Depth of the window below the threshold, as a share of it (0.2: the 20% below).
    treated, control : str
        The card arm and the control arm.
    confidence_level : float
        Level of the interval (old name ``confidence``, which still works).

    Returns
    -------
    pandas.Series
        ``estimate``, ``ci_low``, ``ci_high``, ``share_treated``, ``share_control`` and the
        numbers of first purchases ``n_treated``, ``n_control``.

    Raises
    ------
    DataValidationError
        When the control arm has no first purchase in the window.

    References
    ----------
    Kleven, H. J. (2016). Bunching. *Annual Review of Economics* 8, 435-464 (the idea of
    reading a behavioural response from the mass missing just below a threshold).
    """
    t = check_number("threshold", threshold, 0, low_open=True)
    w = check_number("window", window, 0, 1, low_open=True, high_open=True)
    lvl = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    first = _ordered(transactions).groupby("customer_id").head(1)
    arm = pd.Series(arms).reindex(first["customer_id"]).to_numpy()
    inside = ((first["amount"] >= t * (1 - w)) & (first["amount"] < t)).to_numpy()
    counts = {}
    for name in (treated, control):
        sel = arm == name
        counts[name] = (int(inside[sel].sum()), int(sel.sum()))
    (kt, nt), (kc, nc) = counts[treated], counts[control]
    if kc == 0 or nt == 0:
        raise DataValidationError(
            f"no first purchase of arm {control!r} (or none of {treated!r}) lies in the window "
            f"[{t * (1 - w):g}, {t:g}) yuan; widen the window or check the arms"
        )
    st, sc = kt / nt, kc / nc
    ratio = st / sc
    z = stats.norm.ppf(0.5 + lvl / 2)
    if kt == 0:
        low_ratio = 0.0
        high_ratio = min(1.0, 3.0 / nt / sc)  # rule of three for an empty window
    else:
        se = np.sqrt((1 - st) / kt + (1 - sc) / kc)
        low_ratio, high_ratio = ratio * np.exp(-z * se), ratio * np.exp(z * se)
    return pd.Series(
        {
            "estimate": 1 - ratio,
            "ci_low": 1 - high_ratio,
            "ci_high": 1 - low_ratio,
            "share_treated": st,
            "share_control": sc,
            "n_treated": float(nt),
            "n_control": float(nc),
        }
    )


def card_replay(
    transactions: pd.DataFrame,
    customers,
    threshold: float,
    *,
    discount_rate: float = 0.10,
    margin_rate: float = 0.45,
    stretch_probability: float = 0.0,
    stretch_window: float = 0.2,
    visit_lift: float = 1.0,
    card_cost: float = 0.0,
    top_up: float = 2.0,
) -> pd.Series:
    """Expected effect of a discount card at ``threshold``, per customer, by replaying purchases.

    The customers' purchases without a card (the control arm of a pilot) are replayed in order
    under the card's rules. At each purchase a customer without the card qualifies with
    probability ``q``: 1 for a basket at or above the threshold, ``stretch_probability`` for a
    basket in the window below it (it is then topped up to ``threshold + top_up``), 0 otherwise.
    From the purchase that earns the card, every later purchase gets ``discount_rate`` off and
    the visits that follow are multiplied by ``visit_lift`` (extra visits with the customer's
    later baskets on average). The expectation over the qualifying chances is exact: it is a sum
    over purchases of ``P(card earned at purchase j)``, so no random numbers are drawn.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Purchases without the card (columns ``customer_id``, ``date``, ``amount``).
    customers : index-like
        The customers to average over, including those without a purchase (who add 0).
    threshold : float
        Yuan; ``numpy.inf`` means no card at all.
    discount_rate, margin_rate, stretch_probability, stretch_window, visit_lift, card_cost,
    top_up : float
        The card's rules and the customers' response; ``card_cost`` is the cost of issuing one
        card (printing, admin).

    Returns
    -------
    pandas.Series
        Means per customer: ``card_share`` (share who earn the card), ``topped_up`` (share who
        top up to earn it), ``post_card_visits`` (visits after the card, without the lift),
        ``extra_visits``, ``extra_spend`` (list value), ``discount``, ``card_cost`` and
        ``profit`` (= margin on the extra spend - discount - card cost).

    Examples
    --------
    One customer, baskets 50 then 100, card at 88 yuan, no stretching and no lift: she earns
    the card with her second purchase and nothing follows it, so the card only costs its print.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-02-01"],
    ...                    "amount": [50.0, 100.0]})
    >>> card_replay(tx, ["a"], 88, card_cost=3.0)[["card_share", "discount", "profit"]].tolist()
    [1.0, 0.0, -3.0]
    """
    ids = pd.Index(customers)
    if len(ids) == 0:
        raise DataValidationError("customers is empty; pass the customers to average over")
    return _replay(
        _replay_frame(transactions, ids),
        len(ids),
        threshold,
        discount_rate=discount_rate,
        margin_rate=margin_rate,
        stretch_probability=stretch_probability,
        stretch_window=stretch_window,
        visit_lift=visit_lift,
        card_cost=card_cost,
        top_up=top_up,
    )


_REPLAY = [
    "card_share",
    "topped_up",
    "post_card_visits",
    "extra_visits",
    "extra_spend",
    "discount",
    "card_cost",
    "profit",
]


def _replay_frame(transactions: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """The customers' purchases in order, with the spend and visits that follow each one."""
    tx = _ordered(transactions)
    tx = tx[tx["customer_id"].isin(ids)].reset_index(drop=True)
    g = tx.groupby("customer_id", sort=False)
    tx["later_spend"] = g["amount"].transform("sum") - g["amount"].cumsum()
    tx["later_visits"] = g["amount"].transform("size") - g.cumcount() - 1
    return tx


def _replay(tx: pd.DataFrame, n: int, threshold: float, **response) -> pd.Series:
    T = check_number("threshold", threshold, 0, low_open=True) if np.isfinite(threshold) else None
    d = check_number("discount_rate", response["discount_rate"], 0, 1)
    m = check_number("margin_rate", response["margin_rate"], 0, 1, low_open=True)
    p = check_number("stretch_probability", response["stretch_probability"], 0, 1)
    w = check_number("stretch_window", response["stretch_window"], 0, 1, high_open=True)
    lift = check_number("visit_lift", response["visit_lift"], 0)
    cc = check_number("card_cost", response["card_cost"], 0)
    up = check_number("top_up", response["top_up"], 0)
    if T is None or len(tx) == 0:
        return pd.Series(0.0, index=_REPLAY)
    b = tx["amount"].to_numpy()
    near = (b >= T * (1 - w)) & (b < T)
    q = np.where(b >= T, 1.0, np.where(near, p, 0.0))
    # P(no card before purchase j) = product of (1 - q) over the customer's earlier purchases.
    survive = pd.Series(1 - q, index=tx.index).groupby(tx["customer_id"].to_numpy()).cumprod()
    before = _shifted(survive, tx["customer_id"])
    earn = before * q
    topped = before * np.where(near, p, 0.0)
    post_spend = (earn * tx["later_spend"].to_numpy()).sum()
    post_visits = (earn * tx["later_visits"].to_numpy()).sum()
    cards = earn.sum()
    result = pd.Series(
        {
            "card_share": cards / n,
            "topped_up": topped.sum() / n,
            "post_card_visits": post_visits / n,
            "extra_visits": (lift - 1) * post_visits / n,
            "extra_spend": ((topped * (T + up - b)).sum() + (lift - 1) * post_spend) / n,
            "discount": d * lift * post_spend / n,
            "card_cost": cc * cards / n,
        }
    )
    result["profit"] = m * result["extra_spend"] - result["discount"] - result["card_cost"]
    return result[_REPLAY]


def _shifted(survive: pd.Series, key: pd.Series) -> np.ndarray:
    """P(no card before j) as the previous row's survival within the customer (1 at the first)."""
    return survive.groupby(key.to_numpy()).shift(1, fill_value=1.0).to_numpy()


@renamed_parameters(confidence="confidence_level")
def card_response(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    threshold: float,
    window: float = 0.2,
    top_up: float = 2.0,
    treated: str = "discount card",
    control: str = "control",
    confidence_level: float = 0.95,
) -> pd.Series:
    """The customers' response to the discount card, estimated from the pilot.

    Two numbers drive :func:`card_replay`:

    * the **stretch probability**, from the first purchases (:func:`stretch_probability`);
    * the **visit lift** of a card holder: the pilot's extra visits per customer offered the
      card (:func:`pilot_effects`) divided by the visits that follow the card when the control
      customers' purchases are replayed under the card's rules without a lift
      (``post_card_visits``): ``lift = 1 + extra visits / post_card_visits``. Its interval
      carries the interval of the extra visits (the replay is taken as exact).

    Returns
    -------
    pandas.Series
        ``stretch_probability``, ``stretch_ci_low``, ``stretch_ci_high``, ``visit_lift``,
        ``lift_ci_low``, ``lift_ci_high``, ``extra_visits`` and ``post_card_visits``.

    Raises
    ------
    DataValidationError
        When no control customer would have earned the card (nothing to scale the lift by).
    """
    customers, transactions = _checked(customers, transactions)
    st = stretch_probability(
        customers["arm"], transactions, threshold, window, treated, control, confidence_level
    )
    visits = customers.assign(
        visits=transactions.groupby("customer_id").size().reindex(customers.index, fill_value=0)
    )
    out = customer_outcomes(customers, transactions, margin_rate=1.0)
    eff = pilot_effects(out, treated, control, confidence_level=confidence_level).loc["visits"]
    ids = visits.index[visits["arm"] == control]
    replay = card_replay(
        transactions,
        ids,
        threshold,
        stretch_probability=float(np.clip(st["estimate"], 0, 1)),
        stretch_window=window,
        top_up=top_up,
    )
    post = replay["post_card_visits"]
    if post <= 0:
        raise DataValidationError(
            f"no control customer makes a purchase after earning a card at {threshold:g} yuan; "
            "the visit lift cannot be estimated: lower the threshold or check the arms"
        )
    return pd.Series(
        {
            "stretch_probability": st["estimate"],
            "stretch_ci_low": st["ci_low"],
            "stretch_ci_high": st["ci_high"],
            "visit_lift": 1 + eff["effect"] / post,
            "lift_ci_low": 1 + eff["ci_low"] / post,
            "lift_ci_high": 1 + eff["ci_high"] / post,
            "extra_visits": eff["effect"],
            "post_card_visits": post,
        }
    )


def threshold_sweep(transactions: pd.DataFrame, customers, thresholds, **response) -> pd.DataFrame:
    """:func:`card_replay` at each threshold; the profit-maximising one is marked.

    Parameters
    ----------
    transactions, customers
        As in :func:`card_replay`.
    thresholds : iterable of float
        Thresholds to try, yuan.
    **response
        The other arguments of :func:`card_replay`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``threshold``, the columns of :func:`card_replay` and ``best`` (True on the
        threshold with the highest expected profit per customer).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a"] * 4, "date": pd.date_range("2024-01-01",
    ...                    periods=4, freq="MS"), "amount": [60.0, 80.0, 95.0, 70.0]})
    >>> sweep = threshold_sweep(tx, ["a"], [50, 90, 120], margin_rate=0.5, visit_lift=1.5)
    >>> sweep["card_share"].tolist(), int(sweep.index[sweep["best"]][0])
    ([1.0, 1.0, 0.0], 50)
    """
    values = sorted(float(t) for t in thresholds)
    if not values:
        raise ParameterError("thresholds is empty; pass the thresholds to compare")
    ids = pd.Index(customers)
    if len(ids) == 0:
        raise DataValidationError("customers is empty; pass the customers to average over")
    settings = {
        "discount_rate": 0.10,
        "margin_rate": 0.45,
        "stretch_probability": 0.0,
        "stretch_window": 0.2,
        "visit_lift": 1.0,
        "card_cost": 0.0,
        "top_up": 2.0,
    }
    unknown = set(response) - set(settings)
    if unknown:
        raise ParameterError(
            f"unknown argument(s) {sorted(unknown)}; card_replay takes {sorted(settings)}"
        )
    settings.update(response)
    frame = _replay_frame(transactions, ids)
    table = pd.DataFrame({t: _replay(frame, len(ids), t, **settings) for t in values}).T
    table.index.name = "threshold"
    table["best"] = table.index == table["profit"].idxmax()
    return table


@renamed_parameters(confidence="confidence_level")
def policy_scorecard(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    margin_rate: float,
    discount_threshold: float = 88.0,
    points_threshold: float = 300.0,
    card_cost: float = 0.0,
    greeting_cost: float = 0.0,
    referral_bonus: float = 0.0,
    confidence_level: float = 0.95,
    greetings_base: str = "arm",
) -> pd.DataFrame:
    """The three pilot policies side by side: effect, cost and profit per customer offered.

    * **discount card**: arm ``discount card`` against ``control``; the extra cost is
      ``card_cost`` per card issued (a purchase of at least ``discount_threshold``);
    * **points card**: arm ``points card`` against ``control``, plus the net value of the
      customers its members referred (:func:`referral_value`), spread over the arm;
    * **birthday greetings**: with ``greetings_base="arm"`` (the default) every customer of
      arm ``birthday greetings`` against every customer of ``control``, so that all three rows
      are per customer of the arm; the extra cost is ``greeting_cost`` per greeted (registered)
      customer. With ``greetings_base="registered"`` only the customers with a registered
      birthday are compared, in both arms: the effect per greeted customer.

    Parameters
    ----------
    greetings_base : {"arm", "registered"}
        The base of the greetings row, as above. The other rows are always per customer of
        the arm.

    Returns
    -------
    pandas.DataFrame
        One row per policy: ``customers`` (offered it), ``qualified`` (share who earned the
        card or, for greetings, were greeted), ``base`` (what a row is per),
        ``extra_visits``, ``extra_spend`` (list value, per customer offered), ``policy_cost``
        (discounts, points, cards, greetings and
        referral bonuses per customer), ``profit`` per customer with ``ci_low`` and ``ci_high``
        (referral value is added without sampling error), ``break_even_uplift`` (relative
        spend increase the cost needs, against the control arm's spend) and ``observed_uplift``.

    Raises
    ------
    DataValidationError
        The customer table has no ``birthday_month``, a purchase belongs to an unknown
        customer, or no policy arm has two customers.
    """
    m = check_number("margin_rate", margin_rate, 0, 1, low_open=True)
    if greetings_base not in ("arm", "registered"):
        raise ParameterError(
            f"greetings_base={greetings_base!r} is not known; use 'arm' (per customer of the "
            "arm, like the other rows) or 'registered' (per greeted customer)"
        )
    if greetings_base not in ("arm", "registered"):
        raise ParameterError(
            f"greetings_base={greetings_base!r} is not known; use 'arm' (per customer of the "
            "arm, like the other rows) or 'registered' (per greeted customer)"
        )
    customers, transactions = _checked(customers, transactions)
    if "birthday_month" not in customers.columns:
        raise DataValidationError("column 'birthday_month' not found in the customer table")
    out = customer_outcomes(customers, transactions, m)
    arms = customers["arm"]
    rows = {}
    for policy in ("discount card", "points card", "birthday greetings"):
        if (arms == policy).sum() < 2:
            continue
        offered = out[arms == policy]
        base = out
        extra = pd.Series(0.0, index=offered.index)
        if policy == "discount card":
            cards = qualifiers(
                transactions[transactions["customer_id"].isin(offered.index)], discount_threshold
            )
            extra.loc[cards.index] = card_cost
            qualified = len(cards) / len(offered)
        elif policy == "points card":
            members = qualifiers(
                transactions[transactions["customer_id"].isin(offered.index)],
                points_threshold,
                cumulative=True,
            )
            qualified = len(members) / len(offered)
        else:
            registered = customers["birthday_month"].notna()
            greeted = offered.index[registered.reindex(offered.index).to_numpy()]
            qualified = len(greeted) / len(offered)
            if greetings_base == "registered":
                base = out[registered]
                offered = base[base["arm"] == policy]
            extra = pd.Series(0.0, index=offered.index)
            extra.loc[greeted] = greeting_cost
        eff = pilot_effects(
            base, policy, "control", extra_cost=extra, confidence_level=confidence_level
        )
        net = eff.loc["net_profit"]
        bonus = 0.0
        profit, low, high = net["effect"], net["ci_low"], net["ci_high"]
        if policy == "points card":
            ref = referral_value(customers, out, policy, referral_bonus)
            profit, low, high = (v + ref["per_arm_customer"] for v in (profit, low, high))
            bonus = ref["bonus_cost"] / len(offered)
        cost = (
            eff.loc["discount", "effect"]
            + eff.loc["reward", "effect"]
            + float(extra.reindex(offered.index, fill_value=0).mean())
            + bonus
        )
        control_spend = eff.loc["spend", "control"]
        rows[policy] = {
            "base": (
                "greeted customer"
                if policy == "birthday greetings" and greetings_base == "registered"
                else "customer of the arm"
            ),
            "customers": len(offered),
            "qualified": qualified,
            "extra_visits": eff.loc["visits", "effect"],
            "extra_spend": eff.loc["spend", "effect"],
            "policy_cost": cost,
            "profit": profit,
            "ci_low": low,
            "ci_high": high,
            "break_even_uplift": break_even_uplift(cost, m, control_spend),
            "observed_uplift": eff.loc["spend", "effect"] / control_spend,
        }
    if not rows:
        raise DataValidationError(
            "no policy arm (discount card, points card, birthday greetings) has two customers"
        )
    table = pd.DataFrame(rows).T.rename_axis("policy")
    numbers = table.columns.drop("base")
    table[numbers] = table[numbers].astype(float)
    return table
