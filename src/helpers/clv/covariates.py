"""Time-invariant covariates for the BG/NBD, MBG/NBD and Pareto/NBD models.

A covariate is a numeric column of the customer summary (an acquisition channel coded 0/1, a
standardised age). It shifts the parameters of each customer's mixing distributions, as in
Fader & Hardie (2007, note 019) and in the R package CLVTools (Bachmann et al.):

* purchase process (both models): ``alpha_i = alpha * exp(-gamma_purchase . z_i)``, so a
  positive coefficient means a higher mean purchase rate ``r / alpha_i``;
* Pareto/NBD dropout: ``beta_i = beta * exp(-gamma_dropout . z_i)``, so a positive coefficient
  means a higher mean dropout rate ``s / beta_i``;
* BG/NBD dropout: ``a_i = a * exp(gamma_a . z_i)`` and ``b_i = b * exp(gamma_b . z_i)``, with
  one coefficient each (as pymc-marketing). CLVTools ties the two (``gamma_a = gamma_b``);
  that special case cannot move the mean dropout probability ``a_i / (a_i + b_i)``, only its
  spread, so the two are kept free here. A positive ``gamma_a`` (or a negative ``gamma_b``)
  means more dropout. The MBG/NBD takes covariates in the same way as the BG/NBD.

The models' prediction formulas hold for each customer at their own parameters, so every
prediction on a covariate fit is made per covariate pattern by a plain model copy
(:func:`for_covariates`). The likelihood is written here per row, with per-row parameters;
scipy's special functions do the work. The tests check it row by row against the plain
models.

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/

Bachmann, P., Meierer, M. and Naef, J. (2021). The role of time-varying contextual factors in
latent attrition models for customer base analysis. *Marketing Science* 40(4), 783-809
(the CLVTools package).
"""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln, hyp2f1

from helpers.clv._base import (
    _Z95,
    _compress,
    _continuous_summary,
    _initial,
)
from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import check_frame, check_is_fitted

__all__ = ["for_covariates"]

#: Fitted attributes that only a covariate fit has (cleared by a plain refit).
COVARIATE_ATTRIBUTES = (
    "purchase_covariates_",
    "dropout_covariates_",
    "coefficients_",
    "coefficient_standard_errors_",
    "coefficient_intervals_",
    "covariance_",
)


# ------------------------------------------------------------------------------------------
# Which model, which parameters
def _kind(model) -> str:
    from helpers.clv.bgnbd import BGNBD
    from helpers.clv.paretonbd import ParetoNBD

    if isinstance(model, BGNBD):
        return "bgnbd"
    if isinstance(model, ParetoNBD):
        return "pnbd"
    if type(model).__name__ == "MBGNBD" and model._param_names == ("r", "alpha", "a", "b"):
        return "mbgnbd"
    raise ParameterError(
        f"{type(model).__name__}.fit does not take covariates; purchase_covariates and "
        "dropout_covariates work with BGNBD, MBGNBD and ParetoNBD: fit one of those, or drop "
        "the covariate arguments"
    )


def _names(kind: str, purchase: list[str], dropout: list[str]) -> list[str]:
    """Names of the coefficients, in the order of the optimiser's coordinates."""
    names = [f"purchase[{c}]" for c in purchase]
    if kind != "pnbd":
        names += [f"dropout_a[{c}]" for c in dropout]
        names += [f"dropout_b[{c}]" for c in dropout]
    else:
        names += [f"dropout[{c}]" for c in dropout]
    return names


def _as_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    try:
        out = list(value)
    except TypeError:
        out = None
    if out is None or not all(isinstance(c, str) and c for c in out):
        raise ParameterError(
            f"parameter {name!r} = {value!r} must be a list of column names, e.g. ['online']"
        )
    if len(set(out)) != len(out):
        raise ParameterError(f"parameter {name!r} = {value!r} names a column twice")
    return out


def covariate_lists(purchase, dropout) -> tuple[list[str], list[str]]:
    """The two covariate lists, checked (names, no repeats)."""
    return _as_list(purchase, "purchase_covariates"), _as_list(dropout, "dropout_covariates")


def _matrix(df: pd.DataFrame, cols: list[str], what: str, hint: str = "") -> np.ndarray:
    """Numeric, finite covariate columns of ``df`` as a float matrix (n_rows, len(cols))."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{what} has no column {missing[0]!r}, which the model uses as a covariate; add "
            "it to the summary (one value per customer, e.g. joined from the customer table)" + hint
        )
    out = np.empty((len(df), len(cols)))
    for j, c in enumerate(cols):
        col = df[c]
        if col.dtype == bool:
            col = col.astype(np.float64)
        if not pd.api.types.is_numeric_dtype(col):
            raise DataValidationError(
                f"column {c!r} of {what} is not numeric (dtype {col.dtype}); covariates must "
                "be numbers: code categories as 0/1 dummies, e.g. with pandas.get_dummies("
                f"summary, columns=[{c!r}], drop_first=True, dtype=float)"
            )
        v = col.to_numpy(dtype=np.float64)
        bad = ~np.isfinite(v)
        if bad.any():
            rows = ", ".join(str(i) for i in df.index[bad][:3])
            raise DataValidationError(
                f"column {c!r} of {what} has {int(bad.sum())} missing or infinite values "
                f"(rows {rows}); fill them (e.g. with a 0/1 'unknown' dummy) or drop those "
                "customers before fitting"
            )
        out[:, j] = v
    return out


# ------------------------------------------------------------------------------------------
# Per-row log-likelihoods
def bgnbd_loglik_rows(r, alpha, a, b, x, tx, T, grad: bool = False):
    """BG/NBD log-likelihood of each row at per-row ``alpha``, ``a``, ``b`` (arrays or floats).

    Fader, Hardie & Lee (2005), eq. 6, in log space. With ``grad``, also the derivatives of
    each row's value with respect to ``r``, ``alpha``, ``a``, ``b`` (shape (4, n)).
    """
    rep = x > 0
    xm1 = np.where(rep, x - 1, 0.0)
    la_T = np.log(alpha + T)
    la_tx = np.log(alpha + tx)
    alive = betaln(a, b + x) - (r + x) * la_T
    dead = np.where(rep, betaln(a + 1, b + xm1) - (r + x) * la_tx, -np.inf)
    m = np.logaddexp(alive, dead)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b) + m
    if not grad:
        return ll
    wd = np.exp(dead - m)
    wa = 1.0 - wd
    psi_abx = digamma(a + b + x)
    psi_ab = digamma(a + b)
    g = np.empty((4, len(ll)))
    g[0] = digamma(r + x) - digamma(r) + np.log(alpha) - wa * la_T - wd * la_tx
    g[1] = r / alpha - (r + x) * (wa / (alpha + T) + wd / (alpha + tx))
    g[2] = psi_ab - digamma(a) + wa * (digamma(a) - psi_abx) + wd * (digamma(a + 1) - psi_abx)
    g[3] = (
        psi_ab
        - digamma(b)
        + wa * (digamma(b + x) - psi_abx)
        + wd * np.where(rep, digamma(b + xm1) - psi_abx, 0.0)
    )
    return ll, g


def _pnbd_tail(r, alpha, s, beta, x, t):
    """log of ``2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+x)`` per
    row (Fader & Hardie 2005, note 009), after Euler's transformation, in the branch that keeps
    the argument in [0, 1)."""
    c = r + s + x + 1
    ge = alpha >= beta
    out = np.empty(np.broadcast(alpha, beta, x, t).shape)
    alpha, beta, x, t = np.broadcast_arrays(alpha, beta, x, t)
    i = ge
    z = (alpha[i] - beta[i]) / (alpha[i] + t[i])
    out[i] = (
        -(r + x[i]) * np.log(alpha[i] + t[i])
        - s * np.log(beta[i] + t[i])
        + np.log(hyp2f1(1, r + x[i], c[i], z))
    )
    i = ~ge
    z = (beta[i] - alpha[i]) / (beta[i] + t[i])
    out[i] = (
        (1 - r - x[i]) * np.log(alpha[i] + t[i])
        - (s + 1) * np.log(beta[i] + t[i])
        + np.log(hyp2f1(1, s + 1, c[i], z))
    )
    return out


def paretonbd_loglik_rows(r, alpha, s, beta, x, tx, T):
    """Pareto/NBD log-likelihood of each row at per-row ``alpha`` and ``beta``.

    Fader & Hardie (2005, note 009), eq. 22, in log space.
    """
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), np.shape(x))
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), np.shape(x))
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    k_tx = _pnbd_tail(r, alpha, s, beta, x, tx)
    k_T = _pnbd_tail(r, alpha, s, beta, x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.minimum(k_T - k_tx, 0.0)
        dead = np.log(s / (r + s + x)) + k_tx + np.log(-np.expm1(d))
    dead = np.where(tx < T, dead, -np.inf)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return common + np.logaddexp(alive, dead)


# ------------------------------------------------------------------------------------------
# Coordinates: log base parameters, then raw coefficients
def _split(kind: str, z: np.ndarray, kp: int, kd: int):
    base = np.exp(z[:4])
    gp = z[4 : 4 + kp]
    rest = z[4 + kp :]
    if kind != "pnbd":
        return base, gp, (rest[:kd], rest[kd:])
    return base, gp, (rest,)


def row_parameters(kind: str, base, gp, gd, Zp, Zd) -> tuple:
    """Per-row parameters ``(r, alpha_i, a_i, b_i)`` or ``(r, alpha_i, s, beta_i)``."""
    r, alpha, third, fourth = base
    alpha_i = alpha * np.exp(-(Zp @ gp))
    if kind != "pnbd":
        return r, alpha_i, third * np.exp(Zd @ gd[0]), fourth * np.exp(Zd @ gd[1])
    return r, alpha_i, third, fourth * np.exp(-(Zd @ gd[0]))


def _mbgnbd_rows(r, alpha, a, b, x, tx, T, grad: bool = False):
    """MBG/NBD row log-likelihood (and gradient) at per-row parameters: the model's own row
    formulas, which broadcast over per-row ``alpha``, ``a``, ``b``."""
    from helpers.clv.mbgnbd import MBGNBD

    params = (r, alpha, a, b)
    ll = MBGNBD._loglik_rows(params, x, tx, T)
    return (ll, MBGNBD._loglik_grad_rows(params, x, tx, T)) if grad else ll


def _objective(kind, x, tx, T, w, Zp, Zd):
    """Total negative log-likelihood of the coordinates (and its gradient for BG/NBD and
    MBG/NBD)."""
    kp, kd = Zp.shape[1], Zd.shape[1]
    rows_ll = _mbgnbd_rows if kind == "mbgnbd" else bgnbd_loglik_rows

    def rows(z):
        base, gp, gd = _split(kind, z, kp, kd)
        return base, gp, gd, row_parameters(kind, base, gp, gd, Zp, Zd)

    if kind == "pnbd":

        def neg_ll(z):
            *_, (r, al, s, be) = rows(z)
            return -float(np.dot(w, paretonbd_loglik_rows(r, al, s, be, x, tx, T)))

        return neg_ll, None

    def neg_ll(z):
        *_, (r, al, a, b) = rows(z)
        return -float(np.dot(w, rows_ll(r, al, a, b, x, tx, T)))

    def neg_grad(z):
        *_, (r, al, a, b) = rows(z)
        _, g = rows_ll(r, al, a, b, x, tx, T, grad=True)
        d_al = g[1] * al * w  # d/d log alpha_i, weighted
        d_a = g[2] * a * w
        d_b = g[3] * b * w
        out = np.concatenate(
            [
                [np.dot(w, g[0]) * r, d_al.sum(), d_a.sum(), d_b.sum()],
                -(Zp.T @ d_al),
                Zd.T @ d_a,
                Zd.T @ d_b,
            ]
        )
        return -out

    return neg_ll, neg_grad


# ------------------------------------------------------------------------------------------
def fit(model, summary, weight_col, initial_params, purchase: list[str], dropout: list[str]):
    """Fit ``model`` with covariates (called by ``fit`` of the BG/NBD and Pareto/NBD)."""
    kind = _kind(model)
    model._check_hyper()
    cls = type(model).__name__
    if model.penalizer:
        raise ParameterError(
            f"{cls}(penalizer={model.penalizer!r}) cannot be combined with covariates (the "
            "penalty is defined on the base parameters only); use penalizer=0"
        )
    what = f"the summary passed to {cls}.fit"
    x, tx, T, w = _continuous_summary(summary, what, weight_col, pooled_check=True)
    Zp = _matrix(summary, purchase, what)
    Zd = _matrix(summary, dropout, what)
    for c, v in zip(purchase + dropout, np.hstack([Zp, Zd]).T, strict=True):
        if np.ptp(v[w > 0]) == 0:
            raise DataValidationError(
                f"column {c!r} of {what} has the same value for every customer, so its effect "
                "cannot be told apart from the base parameters; drop it from the covariates"
            )
    cols, wu = _compress(x, tx, T, *Zp.T, *Zd.T, weights=w)
    xu, txu, Tu = cols[:3]
    kp, kd = len(purchase), len(dropout)
    Zpu = np.column_stack(cols[3 : 3 + kp]) if kp else np.zeros((len(wu), 0))
    Zdu = np.column_stack(cols[3 + kp :]) if kd else np.zeros((len(wu), 0))
    (xa, txa, Ta), wa = _compress(x, tx, T, weights=w)
    model._check_identifiable(xa, txa, Ta, wa)
    names = _names(kind, purchase, dropout)
    z0 = np.concatenate(
        [
            _initial(initial_params, model._param_names, model._default_start(x, T, w)),
            np.zeros(len(names)),
        ]
    )
    neg_ll, neg_grad = _objective(kind, xu, txu, Tu, wu, Zpu, Zdu)
    mean_T = max(float(np.dot(wu, Tu) / wu.sum()), 1e-12)
    base_names = tuple(model._param_names)
    scale = np.array([mean_T if k in model._time_scaled else 1.0 for k in base_names])
    scale = np.concatenate([scale, np.ones(len(names))])
    # The shared optimiser stores exp(coordinate) under each name; the coefficients are read
    # back from their logarithms below.
    model._param_names = base_names + tuple(names)
    try:
        model._maximise(neg_ll, z0, float(wu.sum()), neg_grad, scale)
    finally:
        del model._param_names
    stored = np.array([model.params_[k] for k in base_names + tuple(names)])
    z = np.log(stored)
    cov = model.covariance_log_
    sd = np.sqrt(np.diag(cov))
    k = len(base_names)
    model.params_ = dict(zip(base_names, stored[:k].tolist(), strict=True))
    model.standard_errors_ = dict(zip(base_names, (stored[:k] * sd[:k]).tolist(), strict=True))
    model.confidence_intervals_ = model.confidence_intervals_.iloc[:k].copy()
    model.covariance_log_ = cov[:k, :k].copy()
    model.covariance_ = cov
    model.coefficients_ = dict(zip(names, z[k:].tolist(), strict=True))
    model.coefficient_standard_errors_ = dict(zip(names, sd[k:].tolist(), strict=True))
    model.coefficient_intervals_ = pd.DataFrame(
        {"ci_low": z[k:] - _Z95 * sd[k:], "ci_high": z[k:] + _Z95 * sd[k:]}, index=names
    )
    model.purchase_covariates_ = list(purchase)
    model.dropout_covariates_ = list(dropout)
    model.n_customers_ = float(w.sum())
    model.n_distinct_rows_ = len(wu)
    return model


def has_covariates(model) -> bool:
    """Whether ``model`` was fitted with covariates."""
    return bool(getattr(model, "coefficients_", None))


def covariate_columns(model) -> list[str]:
    """The distinct covariate columns a covariate fit reads, in order."""
    return list(dict.fromkeys(model.purchase_covariates_ + model.dropout_covariates_))


def _at(model, z: np.ndarray, Zp: np.ndarray, Zd: np.ndarray):
    """A plain copy of ``model`` at coordinates ``z`` for one covariate pattern."""
    kind = _kind(model)
    kp, kd = len(model.purchase_covariates_), len(model.dropout_covariates_)
    base, gp, gd = _split(kind, np.asarray(z, dtype=np.float64), kp, kd)
    values = row_parameters(kind, base, gp, gd, Zp, Zd)
    plain = copy.copy(model)
    for attr in (
        *COVARIATE_ATTRIBUTES,
        "standard_errors_",
        "confidence_intervals_",
        "covariance_log_",
    ):
        plain.__dict__.pop(attr, None)
    plain.params_ = {
        k: float(np.ravel(v)[0]) for k, v in zip(model._param_names, values, strict=True)
    }
    return plain


def coordinates(model) -> np.ndarray:
    """The optimiser's coordinates of a covariate fit: log base parameters, coefficients."""
    base = np.log([model.params_[k] for k in model._param_names])
    return np.concatenate([base, list(model.coefficients_.values())])


def for_covariates(model, values) -> object:
    """A plain model (no covariates) with the parameters of customers with ``values``.

    Parameters
    ----------
    model : BGNBD or ParetoNBD
        Fitted with covariates.
    values : dict or pandas.Series
        One number per covariate column, e.g. ``{"online": 1}``.

    Returns
    -------
    BGNBD or ParetoNBD
        Same class, ``params_`` at the pattern's ``alpha_i`` (and ``a_i``, ``b_i`` or
        ``beta_i``); it carries point estimates only (no standard errors).

    Raises
    ------
    NotFittedError
        Before ``fit``.
    ParameterError
        If the model has no covariates, or a covariate is missing or not a finite number.

    Examples
    --------
    >>> from helpers.clv import BGNBD
    >>> from helpers.simulate import simulate_covariate_summary
    >>> tables, truth = simulate_covariate_summary(
    ...     2000, "BG/NBD", {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5},
    ...     purchase={"online": 0.5}, T=52, random_state=1)
    >>> m = BGNBD().fit(tables["summary"], purchase_covariates=["online"])
    >>> round(m.coefficients_["purchase[online]"], 2)
    0.6
    >>> online = for_covariates(m, {"online": 1})  # or m.for_covariates(...)
    >>> bool(online.params_["alpha"] < m.params_["alpha"])  # online customers buy more often
    True
    >>> bool(online.expected_purchases(52) > m.for_covariates({"online": 0}).expected_purchases(52))
    True

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
    Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/
    """
    check_is_fitted(model, "params_")
    if not has_covariates(model):
        raise ParameterError(
            f"this {type(model).__name__} was fitted without covariates; use it directly, or "
            "refit with purchase_covariates=[...] and/or dropout_covariates=[...]"
        )
    cols = covariate_columns(model)
    if isinstance(values, pd.Series):
        values = values.to_dict()
    if not isinstance(values, dict):
        raise ParameterError(
            f"parameter 'values' = {values!r} must be a dict of covariate values, e.g. "
            f"{ {c: 0 for c in cols} }"
        )
    missing = [c for c in cols if c not in values]
    if missing:
        raise ParameterError(
            f"parameter 'values' has no value for covariate {missing[0]!r}; pass one number "
            f"for each of {cols}"
        )
    try:
        v = {c: float(values[c]) for c in cols}
    except (TypeError, ValueError):
        v = {c: np.nan for c in cols}
    if not all(np.isfinite(list(v.values()))):
        raise ParameterError(f"parameter 'values' = {values!r} must hold finite numbers")
    Zp = np.array([[v[c] for c in model.purchase_covariates_]]).reshape(1, -1)
    Zd = np.array([[v[c] for c in model.dropout_covariates_]]).reshape(1, -1)
    return _at(model, coordinates(model), Zp, Zd)


def draw_space(model):
    """``(z_hat, cov, to_state)`` of a covariate fit, for parameter draws.

    ``z_hat`` are the optimiser's coordinates (log base parameters, then the raw
    coefficients), ``cov`` their asymptotic covariance, and ``to_state(z)`` a fitted copy of
    the model at coordinates ``z`` (its predictions use the covariates as the original's do).
    """
    z_hat = coordinates(model)
    names = list(model.coefficients_)
    k = len(model._param_names)

    def to_state(z):
        z = np.asarray(z, dtype=np.float64)
        state = copy.copy(model)
        state.params_ = dict(zip(model._param_names, np.exp(z[:k]).tolist(), strict=True))
        state.coefficients_ = dict(zip(names, z[k:].tolist(), strict=True))
        return state

    return z_hat, np.array(model.covariance_, copy=True), to_state


def coefficient_rows(model) -> pd.DataFrame:
    """Rows of ``summary()`` for the coefficients (the interval is estimate +/- 1.96 se)."""
    names = list(model.coefficients_)
    return pd.DataFrame(
        {
            "parameter": names,
            "estimate": [model.coefficients_[k] for k in names],
            "std_error": [model.coefficient_standard_errors_[k] for k in names],
            "ci_low": model.coefficient_intervals_["ci_low"].to_numpy(),
            "ci_high": model.coefficient_intervals_["ci_high"].to_numpy(),
        }
    )


# ------------------------------------------------------------------------------------------
# Predictions, one covariate pattern at a time
def predict_by_pattern(model, method, args, kwargs):
    """Run ``method`` (a prediction taking ``summary``) per covariate pattern of the summary.

    Each pattern's rows go to a plain copy at the pattern's parameters. Results indexed like
    their rows (Series, DataFrames, arrays with one entry per row) are put back in the
    summary's order; other results (tables such as expected frequency counts) are summed.
    The loop runs once per distinct pattern: a few for dummies, one per customer for a
    continuous covariate (slower on large tables; rounding such a covariate helps).
    """
    bound = inspect.signature(method).bind(model, *args, **kwargs)
    summary = bound.arguments["summary"]
    name = method.__name__
    what = f"the summary passed to {name}"
    check_frame(summary, what)
    cols = covariate_columns(model)
    example = {c: 0 for c in cols}
    hint = f", or use model.for_covariates({example}) for the customers of one covariate pattern"
    Z = _matrix(summary, cols, what, hint)
    zhat = coordinates(model)
    codes, uniq = pd.factorize(pd.MultiIndex.from_arrays(Z.T) if len(cols) > 1 else Z[:, 0])
    pos = {c: i for i, c in enumerate(cols)}
    parts, where = [], []
    for g in range(len(uniq)):
        idx = np.flatnonzero(codes == g)
        row = Z[idx[0]]
        Zp = row[[pos[c] for c in model.purchase_covariates_]].reshape(1, -1)
        Zd = row[[pos[c] for c in model.dropout_covariates_]].reshape(1, -1)
        arguments = dict(bound.arguments)
        arguments["self"] = _at(model, zhat, Zp, Zd)
        arguments["summary"] = summary.iloc[idx]
        call = inspect.BoundArguments(bound.signature, arguments)
        parts.append(method(*call.args, **call.kwargs))
        where.append(idx)
    if not parts:
        return method(*bound.args, **bound.kwargs)
    first = parts[0]
    per_row = all(
        (isinstance(p, (pd.Series, pd.DataFrame)) and p.index.equals(summary.index[i]))
        or (isinstance(p, np.ndarray) and p.ndim >= 1 and len(p) == len(i))
        for p, i in zip(parts, where, strict=True)
    )
    order = np.argsort(np.concatenate(where), kind="stable")
    if per_row and isinstance(first, (pd.Series, pd.DataFrame)):
        return pd.concat(parts).iloc[order]
    if per_row:
        return np.concatenate(parts)[order]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total
