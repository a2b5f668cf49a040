"""Seeded BG/NBD and Pareto/NBD customer summaries with planted covariate effects.

Each customer has a 0/1 acquisition channel ``online`` and a standardised ``age`` (standard
normal). The covariates shift each customer's parameters exactly as
:mod:`helpers.clv.covariates` models them (the CLVTools parametrisation), so a covariate fit
on the output should recover the planted coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.exceptions import ParameterError
from helpers.simulate.purchases import _T_array
from helpers.validation import check_int, check_number

__all__ = ["CovariateTruth", "simulate_covariate_summary"]

#: The covariate columns the simulator draws.
COVARIATES = ("online", "age")

_BASE = {
    "BG/NBD": ("r", "alpha", "a", "b"),
    "MBG/NBD": ("r", "alpha", "a", "b"),
    "Pareto/NBD": ("r", "alpha", "s", "beta"),
}


@dataclass(frozen=True)
class CovariateTruth:
    """The parameters :func:`simulate_covariate_summary` planted.

    Attributes
    ----------
    model : str
        "BG/NBD", "MBG/NBD" or "Pareto/NBD".
    params : dict of str to float
        Base parameters, named as ``params_`` of the matching model.
    coefficients : dict of str to float
        Coefficients named as ``coefficients_`` of a covariate fit (``purchase[online]``,
        ``dropout[age]``, ``dropout_a[online]`` ...), zeros included.
    purchase_covariates, dropout_covariates : list of str
        The columns to pass to ``fit``.
    online_share : float
        Probability that a customer is online.
    """

    model: str
    params: dict = field(default_factory=dict)
    coefficients: dict = field(default_factory=dict)
    purchase_covariates: list = field(default_factory=list)
    dropout_covariates: list = field(default_factory=list)
    online_share: float = 0.5


def _effects(name: str, value) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParameterError(
            f"parameter {name!r} = {value!r} must be a dict of covariate to coefficient, "
            "e.g. {'online': 0.5}"
        )
    out = {}
    for c, v in value.items():
        if c not in COVARIATES:
            raise ParameterError(
                f"parameter {name!r} names covariate {c!r}; the simulator draws {list(COVARIATES)}"
            )
        out[c] = check_number(f"{name}[{c}]", v)
    return out


def simulate_covariate_summary(
    n_customers: int,
    model: str,
    params: dict,
    *,
    purchase: dict | None = None,
    dropout: dict | None = None,
    dropout_a: dict | None = None,
    dropout_b: dict | None = None,
    T=52.0,
    online_share: float = 0.5,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], CovariateTruth]:
    """Per-customer summary of a BG/NBD or Pareto/NBD base with covariate effects.

    Customer ``i`` with covariates ``z_i`` buys at rate ``lambda_i ~ Gamma(r, rate alpha_i)``
    with ``alpha_i = alpha * exp(-purchase . z_i)``. Pareto/NBD: the lifetime is exponential
    with rate ``mu_i ~ Gamma(s, rate beta_i)``, ``beta_i = beta * exp(-dropout . z_i)``.
    BG/NBD: after each repeat purchase the customer leaves with probability
    ``p_i ~ Beta(a_i, b_i)``, ``a_i = a * exp(dropout_a . z_i)``, ``b_i = b * exp(dropout_b .
    z_i)``. The MBG/NBD (Batislam et al. 2007) is the BG/NBD whose customers may also leave
    right after their first purchase. The summary is drawn as in
    :func:`helpers.simulate.simulate_bgnbd_summary` and
    :func:`helpers.simulate.simulate_paretonbd_summary`.

    Parameters
    ----------
    n_customers : int
    model : {"BG/NBD", "MBG/NBD", "Pareto/NBD"}
    params : dict
        Base parameters: ``r, alpha, a, b`` or ``r, alpha, s, beta``.
    purchase : dict, optional
        Purchase coefficients by covariate (``"online"``, ``"age"``); positive means buying
        more often.
    dropout : dict, optional
        Pareto/NBD dropout coefficients; positive means dropping out sooner.
    dropout_a, dropout_b : dict, optional
        BG/NBD (and MBG/NBD) coefficients of ``a`` and ``b``; a positive ``dropout_a`` (or negative
        ``dropout_b``) means dropping out sooner.
    T : float or array_like
        Observation length of each customer.
    online_share : float
        Probability that a customer is online (else acquired in store).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``"summary"``: columns ``frequency``, ``recency``, ``T``, ``online`` (0/1 float),
        ``age`` (standard normal); index ``customer_id`` 0..n-1.
    truth : CovariateTruth

    Raises
    ------
    ParameterError
        Unknown model, missing or non-positive base parameters, an unknown covariate, or
        dropout coefficients of the other model.

    Examples
    --------
    >>> tables, truth = simulate_covariate_summary(
    ...     1000, "Pareto/NBD", {"r": 0.5, "alpha": 10.0, "s": 0.8, "beta": 12.0},
    ...     purchase={"online": 0.5}, dropout={"online": 0.4}, T=52, random_state=1)
    >>> list(tables["summary"].columns)
    ['frequency', 'recency', 'T', 'online', 'age']
    >>> truth.coefficients
    {'purchase[online]': 0.5, 'dropout[online]': 0.4}

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
    Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/

    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and comparison
    of models for customer base analysis. *International Journal of Research in Marketing*
    24(3), 201-209.
    """
    if model not in _BASE:
        raise ParameterError(
            f"parameter 'model' = {model!r} must be 'BG/NBD', 'MBG/NBD' or 'Pareto/NBD'"
        )
    names = _BASE[model]
    if not isinstance(params, dict) or set(params) != set(names):
        raise ParameterError(f"parameter 'params' must be a dict with keys {list(names)}")
    base = {k: check_number(k, params[k], 0.0, low_open=True) for k in names}
    n = check_int("n_customers", n_customers, 1)
    share = check_number("online_share", online_share, 0.0, 1.0)
    gp = _effects("purchase", purchase)
    if model != "Pareto/NBD":
        if dropout:
            raise ParameterError(
                f"the {model} has no 'dropout' coefficients: use dropout_a and dropout_b"
            )
        ga, gb = _effects("dropout_a", dropout_a), _effects("dropout_b", dropout_b)
        drop_cols = [c for c in COVARIATES if c in ga or c in gb]
    else:
        if dropout_a or dropout_b:
            raise ParameterError("the Pareto/NBD has no dropout_a/dropout_b: use dropout")
        gd = _effects("dropout", dropout)
        drop_cols = [c for c in COVARIATES if c in gd]
    purch_cols = [c for c in COVARIATES if c in gp]
    rng = np.random.default_rng(random_state)
    Ts = _T_array(T, n)
    Z = {"online": (rng.random(n) < share).astype(np.float64), "age": rng.standard_normal(n)}

    def lin(effects: dict) -> np.ndarray:
        return sum((v * Z[c] for c, v in effects.items()), np.zeros(n))

    alpha_i = base["alpha"] * np.exp(-lin(gp))
    lam = rng.gamma(base["r"], 1.0 / alpha_i)
    rec = np.zeros(n)
    if model != "Pareto/NBD":
        p = rng.beta(base["a"] * np.exp(lin(ga)), base["b"] * np.exp(lin(gb)))
        # Repeat purchases before dropout: the BG/NBD draws the coin after each repeat
        # purchase, the MBG/NBD also right after the first purchase.
        J = rng.geometric(np.clip(p, 1e-300, 1.0)) - (model == "MBG/NBD")
        K = rng.poisson(lam * Ts)
        x = np.minimum(K, J)
        pos = x > 0
        rec[pos] = Ts[pos] * rng.beta(x[pos], K[pos] - x[pos] + 1)
        coefs = {f"purchase[{c}]": gp[c] for c in purch_cols}
        coefs |= {f"dropout_a[{c}]": ga.get(c, 0.0) for c in drop_cols}
        coefs |= {f"dropout_b[{c}]": gb.get(c, 0.0) for c in drop_cols}
    else:
        mu = rng.gamma(base["s"], 1.0 / (base["beta"] * np.exp(-lin(gd))))
        life = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)
        L = np.minimum(life, Ts)
        x = rng.poisson(lam * L)
        pos = x > 0
        rec[pos] = L[pos] * rng.random(int(pos.sum())) ** (1.0 / x[pos])
        coefs = {f"purchase[{c}]": gp[c] for c in purch_cols}
        coefs |= {f"dropout[{c}]": gd[c] for c in drop_cols}
    summary = pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": rec, "T": Ts, **Z},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    truth = CovariateTruth(model, base, coefs, purch_cols, drop_cols, share)
    return {"summary": summary}, truth
