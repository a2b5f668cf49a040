"""Seeded simulators of the CLV models' own purchase processes, with known parameters.

They draw customers exactly as each model says customers behave, so a fit on their output
should recover the parameters (the course's parameter-recovery exercises and the tests), and
they give the benchmark realistic data of any size.

* :func:`simulate_bgnbd_summary`, :func:`simulate_paretonbd_summary`: the per-customer summary
  ``(frequency, recency, T)`` in continuous time, drawn directly (fast, exact);
* :func:`simulate_bgnbd_transactions`, :func:`simulate_paretonbd_transactions`: a transaction
  log ``(customer_id, date[, amount])`` with staggered acquisition dates, for
  :func:`helpers.summarize`; amounts follow the Gamma-Gamma model when ``spend`` is given;
* :func:`simulate_gammagamma_spend`: mean spend per repeat purchase given the frequencies;
* :func:`simulate_bgbb`: the discrete-opportunity BG/BB process, as a summary or incidence.

Every function takes ``random_state`` (None, an int seed or a :class:`numpy.random.Generator`)
and draws only from ``numpy.random.default_rng(random_state)``, and returns ``(tables, truth)``:
a dict of DataFrames and a frozen :class:`PurchaseTruth` with the planted parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.exceptions import ParameterError
from helpers.validation import (
    DEFAULT_TIME_UNIT,
    TIME_UNITS,
    check_date,
    check_int,
    check_number,
    check_time_unit,
)

__all__ = [
    "PurchaseTruth",
    "simulate_bgbb",
    "simulate_bgnbd_summary",
    "simulate_bgnbd_transactions",
    "simulate_gammagamma_spend",
    "simulate_paretonbd_summary",
    "simulate_paretonbd_transactions",
]


@dataclass(frozen=True)
class PurchaseTruth:
    """The parameters a purchase simulator planted, to compare with a fit.

    Attributes
    ----------
    model : str
        "BG/NBD", "Pareto/NBD", "Gamma-Gamma" or "BG/BB".
    params : dict of str to float
        The model's parameters, named as in ``params_`` of the matching model in
        :mod:`helpers.clv`.
    spend : dict of str to float, optional
        Gamma-Gamma ``p``, ``q``, ``gamma`` of the amounts, when the log has amounts.
    time_unit : str, optional
        Unit of the rate parameters, for simulated transaction logs.
    """

    model: str
    params: dict = field(default_factory=dict)
    spend: dict | None = None
    time_unit: str | None = None


def _positive(**kw) -> None:
    for name, v in kw.items():
        check_number(name, v, 0.0, low_open=True)


def _T_array(T, n: int) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(f"parameter 'T' must be finite and >= 0 (scalar or {n} values)")
    return arr


def _bgnbd_draws(rng, n, r, alpha, a, b, L):
    """Rates, repeat purchases before dropout, and purchase counts in (0, L]."""
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    J = rng.geometric(np.clip(p, 1e-300, 1.0))  # repeat purchases until the one after which
    K = rng.poisson(lam * L)  # the customer drops out; purchases in the window if never dropping
    return np.minimum(K, J), K


def simulate_bgnbd_summary(
    n_customers: int, r: float, alpha: float, a: float, b: float, T, random_state=None
) -> tuple[dict[str, pd.DataFrame], PurchaseTruth]:
    """Per-customer summary drawn from the BG/NBD process (Fader, Hardie & Lee 2005).

    Each customer buys at rate ``lambda ~ Gamma(r, rate alpha)`` and drops out after each
    repeat purchase with probability ``p ~ Beta(a, b)``. Given ``K`` Poisson purchases in
    ``(0, T]`` their times are ``K`` sorted uniforms, so recency is drawn from the right order
    statistic without drawing every purchase.

    Parameters
    ----------
    n_customers : int
    r, alpha, a, b : float
        BG/NBD parameters (``alpha`` in the time unit of ``T``).
    T : float or array_like
        Observation length of each customer.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``"summary"``: columns ``frequency`` (int), ``recency``, ``T``; index ``customer_id``
        0..n-1.
    truth : PurchaseTruth
        ``params`` ``r``, ``alpha``, ``a``, ``b``.

    Examples
    --------
    >>> tables, truth = simulate_bgnbd_summary(1000, 0.25, 4.0, 0.8, 2.5, T=52, random_state=1)
    >>> s = tables["summary"]
    >>> bool((s["recency"] <= s["T"]).all()), len(s), truth.params["alpha"]
    (True, 1000, 4.0)
    """
    n = check_int("n_customers", n_customers, 1)
    _positive(r=r, alpha=alpha, a=a, b=b)
    rng = np.random.default_rng(random_state)
    Ts = _T_array(T, n)
    x, K = _bgnbd_draws(rng, n, r, alpha, a, b, Ts)
    # Recency = x-th smallest of K uniforms on (0, T]: Beta(x, K - x + 1) times T.
    rec = np.zeros(n)
    pos = x > 0
    rec[pos] = Ts[pos] * rng.beta(x[pos], K[pos] - x[pos] + 1)
    summary = pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": rec, "T": Ts},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    return {"summary": summary}, _truth("BG/NBD", r=r, alpha=alpha, a=a, b=b)


def simulate_paretonbd_summary(
    n_customers: int, r: float, alpha: float, s: float, beta: float, T, random_state=None
) -> tuple[dict[str, pd.DataFrame], PurchaseTruth]:
    """Per-customer summary drawn from the Pareto/NBD process (Schmittlein et al. 1987).

    Each customer buys at rate ``lambda ~ Gamma(r, rate alpha)`` until an exponential lifetime
    with rate ``mu ~ Gamma(s, rate beta)``.

    Parameters
    ----------
    n_customers : int
    r, alpha, s, beta : float
        Pareto/NBD parameters (``alpha``, ``beta`` in the time unit of ``T``).
    T : float or array_like
        Observation length of each customer.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``"summary"``: columns ``frequency`` (int), ``recency``, ``T``; index ``customer_id``
        0..n-1.
    truth : PurchaseTruth
        ``params`` ``r``, ``alpha``, ``s``, ``beta``.

    Examples
    --------
    >>> tables, truth = simulate_paretonbd_summary(500, 0.5, 10.0, 0.6, 12.0, T=39, random_state=2)
    >>> s = tables["summary"]
    >>> int(s["frequency"].min()), bool((s["recency"] <= s["T"]).all()), truth.model
    (0, True, 'Pareto/NBD')
    """
    n = check_int("n_customers", n_customers, 1)
    _positive(r=r, alpha=alpha, s=s, beta=beta)
    rng = np.random.default_rng(random_state)
    Ts = _T_array(T, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    life = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)
    L = np.minimum(life, Ts)
    x = rng.poisson(lam * L)
    rec = np.zeros(n)
    pos = x > 0
    rec[pos] = L[pos] * rng.random(int(pos.sum())) ** (1.0 / x[pos])  # max of x uniforms
    summary = pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": rec, "T": Ts},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    return {"summary": summary}, _truth("Pareto/NBD", r=r, alpha=alpha, s=s, beta=beta)


def simulate_gammagamma_spend(
    frequency, p: float, q: float, gamma: float, random_state=None
) -> tuple[dict[str, pd.DataFrame], PurchaseTruth]:
    """Mean spend per repeat purchase under the Gamma-Gamma model (Fader, Hardie & Lee 2005).

    Each customer's amounts are ``Gamma(p, rate nu)`` with ``nu ~ Gamma(q, rate gamma)``; the
    mean of ``x`` of them is ``Gamma(p x, rate nu x)``. Customers with frequency 0 get 0.

    Parameters
    ----------
    frequency : array_like of int
        Number of repeat purchases of each customer.
    p, q, gamma : float
        Gamma-Gamma parameters.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``"spend"``: columns ``frequency`` and ``monetary_value`` (mean spend of each
        customer, 0 without repeat purchases), indexed like ``frequency`` when it is a Series.
    truth : PurchaseTruth
        ``params`` ``p``, ``q``, ``gamma``.

    Examples
    --------
    >>> tables, truth = simulate_gammagamma_spend([0, 1, 5], 6.0, 4.0, 15.0, random_state=0)
    >>> m = tables["spend"]["monetary_value"]
    >>> float(m[0]), bool((m[1:] > 0).all())
    (0.0, True)
    """
    _positive(p=p, q=q, gamma=gamma)
    x = np.asarray(frequency, dtype=np.float64)
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ParameterError("parameter 'frequency' must hold whole numbers >= 0")
    rng = np.random.default_rng(random_state)
    nu = rng.gamma(q, 1.0 / gamma, x.shape)
    out = np.zeros(x.shape)
    pos = x > 0
    out[pos] = rng.gamma(p * x[pos], 1.0 / (nu[pos] * x[pos]))
    index = (
        frequency.index
        if isinstance(frequency, pd.Series)
        else pd.RangeIndex(x.size, name="customer_id")
    )
    spend = pd.DataFrame({"frequency": x.ravel(), "monetary_value": out.ravel()}, index=index)
    return {"spend": spend}, _truth("Gamma-Gamma", p=p, q=q, gamma=gamma)


def _log_from_times(rng, n, birth, times, start, unit_days, spend, counts):
    """Transaction log from first-purchase days and repeat-purchase times (in time units)."""
    cust = np.concatenate([np.arange(n), np.repeat(np.arange(n), counts)])
    day = np.concatenate(
        [birth, np.repeat(birth, counts) + np.floor(times * unit_days).astype(np.int64)]
    )
    order = np.lexsort((day, cust))
    cust, day = cust[order], day[order]
    data = {
        "customer_id": cust,
        "date": np.datetime64(pd.Timestamp(start).date(), "D") + day.astype("timedelta64[D]"),
    }
    if spend is not None:
        p, q, gamma = spend
        _positive(p=p, q=q, gamma=gamma)
        nu = rng.gamma(q, 1.0 / gamma, n)
        data["amount"] = rng.gamma(p, 1.0 / nu[cust])
    df = pd.DataFrame(data)
    df["date"] = df["date"].astype("datetime64[ns]")
    return df


def _window(n, start, end, acquisition_days, time_unit, rng):
    check_time_unit(time_unit)
    t0 = check_date("start", start).normalize()
    t1 = check_date("end", end).normalize()
    span = (t1 - t0).days
    if span < 1:
        raise ParameterError(f"end ({t1.date()}) must be after start ({t0.date()})")
    acq = (
        span + 1 if acquisition_days is None else check_int("acquisition_days", acquisition_days, 1)
    )
    acq = min(acq, span + 1)
    birth = rng.integers(0, acq, n).astype(np.int64)
    unit = TIME_UNITS[time_unit]
    T = (span - birth + 1) / unit  # repeat purchases may fall on any day up to `end`
    return birth, T, unit


def _sorted_uniform_times(rng, counts, keep, L):
    """For each customer, the first ``keep`` of ``counts`` sorted uniforms on (0, L)."""
    cust = np.repeat(np.arange(len(counts)), counts)
    u = rng.random(len(cust)) * L[cust]
    order = np.lexsort((u, cust))
    cust, u = cust[order], u[order]
    first = np.cumsum(counts) - counts
    rank = np.arange(len(cust)) - first[cust]
    sel = rank < keep[cust]
    return u[sel], keep


def simulate_bgnbd_transactions(
    n_customers: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    start="2024-01-01",
    end="2024-12-31",
    acquisition_days: int | None = 90,
    time_unit: str = DEFAULT_TIME_UNIT,
    spend: tuple[float, float, float] | None = None,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], PurchaseTruth]:
    """Transaction log drawn from the BG/NBD process with staggered acquisition.

    Customer ``i`` makes a first purchase on a day drawn uniformly from the first
    ``acquisition_days`` days after ``start``, then repeat purchases as in
    :func:`simulate_bgnbd_summary` until ``end`` (inclusive). Purchase times are continuous and
    recorded as dates, so purchases on one day merge in :func:`helpers.summarize`.

    Parameters
    ----------
    n_customers : int
    r, alpha, a, b : float
        BG/NBD parameters, ``alpha`` in ``time_unit``.
    start, end : date-like
        First possible purchase day and last day of the log.
    acquisition_days : int or None
        Length of the acquisition window in days (None: the whole log).
    time_unit : {"D", "W", "M"}
        Unit the rate parameters refer to (default days; the CLV chapters use "W").
    spend : (p, q, gamma), optional
        Add an ``amount`` column drawn from the Gamma-Gamma model.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``"transactions"``: columns ``customer_id``, ``date`` (and ``amount``), sorted by
        customer and date.
    truth : PurchaseTruth
        ``params`` ``r``, ``alpha``, ``a``, ``b``; ``spend`` and ``time_unit``.

    Examples
    --------
    >>> tables, truth = simulate_bgnbd_transactions(
    ...     200, 0.25, 4.0, 0.8, 2.5, time_unit="W", random_state=3
    ... )
    >>> log = tables["transactions"]
    >>> int(log["customer_id"].nunique()), str(log["date"].min().date()) >= "2024-01-01"
    (200, True)
    """
    n = check_int("n_customers", n_customers, 1)
    _positive(r=r, alpha=alpha, a=a, b=b)
    rng = np.random.default_rng(random_state)
    birth, T, unit = _window(n, start, end, acquisition_days, time_unit, rng)
    keep, K = _bgnbd_draws(rng, n, r, alpha, a, b, T)
    times, counts = _sorted_uniform_times(rng, K, keep, T)
    log = _log_from_times(rng, n, birth, times, start, unit, spend, counts)
    truth = _truth("BG/NBD", spend, time_unit, r=r, alpha=alpha, a=a, b=b)
    return {"transactions": log}, truth


def simulate_paretonbd_transactions(
    n_customers: int,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    start="2024-01-01",
    end="2024-12-31",
    acquisition_days: int | None = 90,
    time_unit: str = DEFAULT_TIME_UNIT,
    spend: tuple[float, float, float] | None = None,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], PurchaseTruth]:
    """Transaction log drawn from the Pareto/NBD process with staggered acquisition.

    As :func:`simulate_bgnbd_transactions`, with the Pareto/NBD story of
    :func:`simulate_paretonbd_summary`: Poisson purchases until an exponential lifetime.

    Returns
    -------
    tables : dict
        ``"transactions"``: columns ``customer_id``, ``date`` (and ``amount``), sorted by
        customer and date.
    truth : PurchaseTruth
        ``params`` ``r``, ``alpha``, ``s``, ``beta``; ``spend`` and ``time_unit``.

    Examples
    --------
    >>> tables, truth = simulate_paretonbd_transactions(
    ...     100, 0.5, 10.0, 0.6, 12.0, time_unit="W", random_state=4
    ... )
    >>> list(tables["transactions"].columns), truth.time_unit
    (['customer_id', 'date'], 'W')
    """
    n = check_int("n_customers", n_customers, 1)
    _positive(r=r, alpha=alpha, s=s, beta=beta)
    rng = np.random.default_rng(random_state)
    birth, T, unit = _window(n, start, end, acquisition_days, time_unit, rng)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    L = np.minimum(rng.exponential(1.0, n) / np.maximum(mu, 1e-300), T)
    K = rng.poisson(lam * L)
    times, counts = _sorted_uniform_times(rng, K, K, L)
    log = _log_from_times(rng, n, birth, times, start, unit, spend, counts)
    truth = _truth("Pareto/NBD", spend, time_unit, r=r, alpha=alpha, s=s, beta=beta)
    return {"transactions": log}, truth


def simulate_bgbb(
    n_customers: int,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    n_periods: int,
    incidence: bool = False,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], PurchaseTruth]:
    """Customers drawn from the BG/BB process (Fader, Hardie & Shang 2010).

    While alive, a customer transacts at each opportunity with probability ``p ~ Beta(alpha,
    beta)``; before each opportunity an alive customer dies with probability
    ``theta ~ Beta(gamma, delta)``, so they are alive at opportunity ``t`` with probability
    ``(1 - theta) ** t``.

    Parameters
    ----------
    n_customers : int
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    n_periods : int
        Number of transaction opportunities observed.
    incidence : bool
        Also return the 0/1 incidence matrix (one column per opportunity).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``"summary"`` (``frequency``, ``recency``, ``n_periods``; recency is the last
        opportunity with a transaction, 0 without any) and, with ``incidence=True``,
        ``"incidence"`` (columns 1..n_periods).
    truth : PurchaseTruth
        ``params`` ``alpha``, ``beta``, ``gamma``, ``delta``.

    Examples
    --------
    >>> tables, truth = simulate_bgbb(1000, 1.2, 0.75, 0.66, 2.8, n_periods=6, random_state=5)
    >>> s = tables["summary"]
    >>> bool((s["frequency"] <= s["recency"]).all()), int(s["n_periods"].iloc[0])
    (True, 6)
    """
    n = check_int("n_customers", n_customers, 1)
    k = check_int("n_periods", n_periods, 1)
    _positive(alpha=alpha, beta=beta, gamma=gamma, delta=delta)
    rng = np.random.default_rng(random_state)
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive_for = rng.geometric(np.clip(theta, 1e-300, 1.0)) - 1  # opportunities alive
    t = np.arange(1, k + 1)
    inc = (rng.random((n, k)) < p[:, None]) & (t[None, :] <= alive_for[:, None])
    index = pd.RangeIndex(n, name="customer_id")
    freq = inc.sum(axis=1)
    rec = np.where(freq > 0, k - np.argmax(inc[:, ::-1], axis=1), 0)
    tables = {
        "summary": pd.DataFrame(
            {"frequency": freq, "recency": rec, "n_periods": np.full(n, k)}, index=index
        )
    }
    if incidence:
        tables["incidence"] = pd.DataFrame(inc.astype(np.int64), columns=t, index=index)
    truth = _truth("BG/BB", alpha=alpha, beta=beta, gamma=gamma, delta=delta)
    return tables, truth


def _truth(model: str, spend=None, time_unit=None, **params) -> PurchaseTruth:
    gg = None if spend is None else dict(zip(("p", "q", "gamma"), map(float, spend), strict=True))
    return PurchaseTruth(model, {k: float(v) for k, v in params.items()}, gg, time_unit)
