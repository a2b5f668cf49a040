"""Seeded simulator of the MBG/NBD purchase process (Batislam, Denizel & Filiztekin 2007)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.simulate.purchases import PurchaseTruth, _positive, _T_array, _truth
from helpers.validation import check_int

__all__ = ["simulate_mbgnbd_summary"]


def simulate_mbgnbd_summary(
    n_customers: int, r: float, alpha: float, a: float, b: float, T, random_state=None
) -> tuple[dict[str, pd.DataFrame], PurchaseTruth]:
    """Per-customer summary drawn from the MBG/NBD process.

    Each customer buys at rate ``lambda ~ Gamma(r, rate alpha)`` and drops out after each
    purchase, the first one at time 0 included, with probability ``p ~ Beta(a, b)``. A
    customer who survives the first purchase then behaves as in the BG/NBD. Given ``K``
    Poisson purchases in ``(0, T]``, their times are ``K`` sorted uniforms, so recency is drawn
    from the right order statistic.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, a, b : float
        MBG/NBD parameters (``alpha`` in the time unit of ``T``), all > 0.
    T : float or array_like
        Observation length of each customer.
    random_state : None, int or numpy.random.Generator
        Seed or generator, through :func:`numpy.random.default_rng`.

    Returns
    -------
    tables : dict
        ``"summary"``: columns ``frequency`` (int), ``recency``, ``T`` and ``alive`` (bool,
        whether the customer is still active at ``T``, the planted truth that P(alive)
        estimates); index ``customer_id`` 0..n-1.
    truth : PurchaseTruth
        ``params`` ``r``, ``alpha``, ``a``, ``b``.

    Raises
    ------
    ParameterError
        A parameter not > 0, ``n_customers`` not a whole number >= 1, or a negative ``T``.

    Examples
    --------
    >>> tables, truth = simulate_mbgnbd_summary(1000, 0.5, 6.0, 0.9, 1.6, T=39, random_state=1)
    >>> s = tables["summary"]
    >>> bool((s["recency"] <= s["T"]).all()), len(s), truth.model
    (True, 1000, 'MBG/NBD')

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and comparison
    of models for customer base analysis. *International Journal of Research in Marketing*
    24(3), 201-209.
    """
    n = check_int("n_customers", n_customers, 1)
    _positive(r=r, alpha=alpha, a=a, b=b)
    rng = np.random.default_rng(random_state)
    Ts = _T_array(T, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = np.clip(rng.beta(a, b, n), 1e-300, 1.0)
    # Number of purchases, the first included, after which the customer drops out: G >= 1.
    G = rng.geometric(p)
    K = rng.poisson(lam * Ts)  # repeat purchases in (0, T] of a customer who never drops out
    x = np.minimum(K, G - 1)
    alive = K < G - 1
    rec = np.zeros(n)
    pos = x > 0
    rec[pos] = Ts[pos] * rng.beta(x[pos], K[pos] - x[pos] + 1)
    summary = pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": rec, "T": Ts, "alive": alive},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    return {"summary": summary}, _truth("MBG/NBD", r=r, alpha=alpha, a=a, b=b)
