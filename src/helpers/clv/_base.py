"""Machinery shared by the CLV models: input checks, maximum likelihood, standard errors.

Every model maximises its log-likelihood over the logarithms of its (positive) parameters with
scipy's L-BFGS-B, so the optimiser never leaves the parameter space. Standard errors come from a
central-difference Hessian of the negative log-likelihood in log-parameter space, mapped back to
the natural scale with the delta method (``se(theta) = theta * se(log theta)``); the 95%
intervals are computed on the log scale and exponentiated, so they stay positive.

A fit ends in a result the data support or in a :class:`~helpers.exceptions.ConvergenceError`
that names the model, the parameters the data cannot pin down and what to try: data that
cannot identify a model (no repeat purchases, one history for everybody, no one seen to drop
out) are refused before optimising; after optimising, a non-finite log-likelihood, parameters
at the optimiser's bounds or running off to 0 or infinity, and a likelihood that is flat in
some direction (a Hessian that is not positive definite, or a 95% interval wider than a factor
of a million) are refused too.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from helpers.exceptions import ConvergenceError, DataValidationError, ParameterError
from helpers.validation import (
    check_frame,
    check_int,
    check_is_fitted,
    check_number,
    numeric_column,
    require_columns,
    rows,
)

_Z95 = 1.959963984540054

#: The optimiser works on log-parameters within these bounds (e^-20 .. e^20).
_BOUND = 20.0

#: A parameter, divided by its data scale, beyond 1e6 or below 1e-6 has run off to infinity or
#: 0: a shape of a million is a population without heterogeneity, a scale a million times the
#: data's is a rate of 0.
_EXPLODED = np.log(1e6)

#: A standard error of a log-parameter above this makes the 95% interval wider than a factor of
#: a million either way: the data do not pin the parameter down.
_MAX_SD_LOG = np.log(1e6) / _Z95

#: Column names that mark a pooled table (one row per group of identical customers).
_POOLED_NAMES = ("weight", "weights", "count", "counts", "n_customers")


def _underflow_to_zero(method: Callable) -> Callable:
    """Run a prediction with floating-point underflow ignored, nothing else.

    Predictions work in log space; a term that underflows is one whose share of a sum, or a
    probability, is below 1e-308 (P(alive) of a customer who bought often and long ago), so 0
    is the well-defined limit. Overflow, division by zero and invalid values still raise
    under ``np.errstate(all="raise")``.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with np.errstate(under="ignore"):
            return method(*args, **kwargs)

    return wrapper


def _summary_frame(data, what: str, columns: list[str]) -> pd.DataFrame:
    """``data`` checked as a non-empty DataFrame with ``columns`` (a customer summary)."""
    check_frame(data, what, allow_empty=True)
    require_columns(
        data,
        columns,
        what,
        fix=f"pass a summary with columns {columns}, e.g. the output of helpers.summarize, "
        "or rename the column",
    )
    return check_frame(data, what)


def _nonnegative(df: pd.DataFrame, x: np.ndarray, col: str, what: str) -> None:
    bad = x < 0
    if bad.any():
        raise DataValidationError(
            f"column {col!r} of {what} has {int(bad.sum())} negative values "
            f"({rows(df.index, bad)}); counts and durations cannot be negative: fix the "
            "summary (e.g. recompute it with helpers.summarize)"
        )


def _integer(df: pd.DataFrame, x: np.ndarray, col: str, what: str) -> None:
    bad = x != np.round(x)
    if bad.any():
        raise DataValidationError(
            f"column {col!r} of {what} has {int(bad.sum())} non-integer values "
            f"({rows(df.index, bad)}); it counts purchases, so it must hold whole numbers"
        )


def _weights(
    df: pd.DataFrame, weight_col: str | None, what: str, *, pooled_check: bool = False
) -> np.ndarray:
    """Per-row weights (number of customers a row stands for); ones without a weight column.

    With ``pooled_check`` (fits and other aggregates), a table without ``weight_col`` but with
    a column named like a weight ("weight", "count", "n_customers", ...) is refused: fitting it
    as one customer per row would silently be wrong.
    """
    if weight_col is None:
        if pooled_check:
            named = [c for c in df.columns if str(c).strip().lower() in _POOLED_NAMES]
            if named:
                raise DataValidationError(
                    f"{what} has a column {named[0]!r}, so it looks pooled (each row standing "
                    "for several customers), but weight_col is None, which counts every row as "
                    f"one customer; pass weight_col={named[0]!r}, or, if that column is not a "
                    "number of customers, rename it"
                )
        return np.ones(len(df))
    require_columns(
        df, {"weight_col": weight_col}, what, fix="pass weight_col=None for one customer per row"
    )
    w = numeric_column(df, weight_col, what)
    _nonnegative(df, w, weight_col, what)
    if w.sum() <= 0:
        raise DataValidationError(
            f"column {weight_col!r} of {what} sums to 0; at least one row needs a positive weight"
        )
    return w


def _continuous_summary(
    data, what: str, weight_col: str | None, *, pooled_check: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked (frequency, recency, T, weight) of a continuous-time summary (``pooled_check``
    as in :func:`_weights`)."""
    df = _summary_frame(data, what, ["frequency", "recency", "T"])
    x = numeric_column(df, "frequency", what)
    tx = numeric_column(df, "recency", what)
    T = numeric_column(df, "T", what)
    for col, v in (("frequency", x), ("recency", tx), ("T", T)):
        _nonnegative(df, v, col, what)
    _integer(df, x, "frequency", what)
    bad = tx > T
    if bad.any():
        raise DataValidationError(
            f"column 'recency' of {what} exceeds 'T' in {int(bad.sum())} rows "
            f"({rows(df.index, bad)}); recency (first to last purchase) cannot be longer than "
            "T (first purchase to the end of the period): check both use the same time unit"
        )
    bad = (x == 0) & (tx > 0)
    if bad.any():
        raise DataValidationError(
            f"column 'recency' of {what} is positive for {int(bad.sum())} customers with "
            f"frequency 0 ({rows(df.index, bad)}); without repeat purchases recency must be 0: "
            "recompute the summary with helpers.summarize"
        )
    w = _weights(df, weight_col, what, pooled_check=pooled_check)
    return x, tx, T, w


def _compress(*columns: np.ndarray, weights: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the given columns with their summed weights (rows of weight 0 dropped).

    The likelihood of a row depends only on these columns, so fitting on the distinct rows with
    their counts gives the same likelihood with far fewer evaluations. Hash-based (factorize
    each column, then the combined code), so it is linear in the number of rows.
    """
    keep = weights > 0
    cols = [np.asarray(c)[keep] for c in columns]
    w = weights[keep]
    key = np.zeros(len(w), dtype=np.int64)
    size = 1
    for c in cols:
        code, uniq = pd.factorize(c)
        size *= max(len(uniq), 1)
        if size >= 2**62:  # the combined code would overflow: let pandas group instead
            frame = pd.DataFrame({f"c{i}": c for i, c in enumerate(cols)})
            key = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
            break
        key = key * len(uniq) + code
    group, uniq_keys = pd.factorize(key)
    first = np.empty(len(uniq_keys), dtype=np.int64)
    first[group[::-1]] = np.arange(len(group) - 1, -1, -1)
    summed = np.bincount(group, weights=w, minlength=len(uniq_keys))
    return [c[first] for c in cols], summed


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    n = len(x)
    H = np.empty((n, n))
    f0 = f(x)
    step = np.eye(n) * h
    for i in range(n):
        H[i, i] = (f(x + step[i]) - 2 * f0 + f(x - step[i])) / h**2
        for j in range(i):
            H[i, j] = H[j, i] = (
                f(x + step[i] + step[j])
                - f(x + step[i] - step[j])
                - f(x - step[i] + step[j])
                + f(x - step[i] - step[j])
            ) / (4 * h**2)
    return H


def _jacobian_of_gradient(
    g: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Hessian as the symmetrised forward-difference Jacobian of an analytic gradient (one
    gradient per parameter; accurate to about ``h`` relative, ample for standard errors)."""
    n = len(x)
    g0 = g(x)
    H = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        H[:, i] = (g(x + e) - g0) / h
    return (H + H.T) / 2


def _and(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class _MLEModel:
    """Base class: maximum likelihood over log-parameters, standard errors, summary."""

    _param_names: tuple[str, ...] = ()
    #: The model's name in messages ("BG/NBD").
    _label = "model"
    #: What each parameter describes, for messages naming the ones the data cannot pin down.
    _roles: dict[str, str] = {}
    #: What to try when the data do not identify the model (after the penalizer advice).
    _advice = "or fit it on more customers"

    def __init__(self, penalizer: float = 0.0, tol: float = 1e-10, maxiter: int = 2000):
        self.penalizer = penalizer
        self.tol = tol
        self.maxiter = maxiter

    # ----------------------------------------------------------------------------------------
    def _p(self) -> tuple[float, ...]:
        check_is_fitted(self, "params_")
        return tuple(self.params_[k] for k in self._param_names)

    def _check_hyper(self) -> None:
        check_number("penalizer", self.penalizer, 0.0)
        check_number("tol", self.tol, 0.0, low_open=True)
        check_int("maxiter", self.maxiter, 1)

    def _unidentified(self, why: str, fix: str) -> ConvergenceError:
        """The error for data that cannot identify the model, known before optimising."""
        return ConvergenceError(f"{type(self).__name__}.fit: {why} — {self._label} {fix}")

    def _not_pinned_down(self, mask: np.ndarray, what: str) -> ConvergenceError:
        """The error for parameters the optimum does not pin down (named by ``mask``)."""
        names = [k for k, m in zip(self._param_names, mask, strict=True) if m]
        roles = list(dict.fromkeys(self._roles.get(k, k) for k in names))
        cls = type(self).__name__
        return ConvergenceError(
            f"{cls}.fit: {what}; the data do not pin down {_and(names)}, which "
            f"describe{'s' if len(names) == 1 else ''} {_and(roles)} in the "
            f"{self._label} model. Try {'another' if self.penalizer else 'a small'} penalizer "
            f"({cls}(penalizer=0.001)), {self._advice}"
        )

    def _maximise(
        self,
        neg_ll: Callable[[np.ndarray], float],
        x0: np.ndarray,
        total_weight: float,
        neg_grad: Callable[[np.ndarray], np.ndarray] | None = None,
        scale: np.ndarray | None = None,
    ) -> None:
        """Minimise ``neg_ll`` (total negative log-likelihood of log-parameters, with its
        gradient ``neg_grad`` when the model has one) and store the fitted state: params_,
        log_likelihood_, covariance of log-params, standard errors.

        ``scale`` is each parameter's natural scale in the data (the mean ``T`` for a rate's
        scale parameter, 1 for a shape): a parameter beyond a million times it, or below a
        millionth of it, has run off to infinity or 0 and the fit is refused. Floating-point
        warnings of the search are silenced; the result is checked for finiteness instead.
        """
        with np.errstate(all="ignore"):
            self._search_and_store(neg_ll, x0, total_weight, neg_grad, scale)

    def _search_and_store(self, neg_ll, x0, total_weight, neg_grad, scale) -> None:
        pen = float(self.penalizer)
        cls = type(self).__name__
        scale = np.ones(len(x0)) if scale is None else np.asarray(scale, dtype=np.float64)

        def value(z: np.ndarray) -> float:
            v = neg_ll(z) / total_weight
            if pen:
                v += pen * float(np.sum(np.exp(2 * z)))
            return v if np.isfinite(v) else 1e100

        if neg_grad is None:
            objective, jac = value, None
        else:

            def objective(z: np.ndarray):
                v = value(z)
                g = neg_grad(z) / total_weight
                if pen:
                    g = g + 2 * pen * np.exp(2 * z)
                if not np.all(np.isfinite(g)):
                    g = np.zeros_like(z) if v >= 1e100 else np.nan_to_num(g)
                return v, g

            jac = True

        x0 = np.asarray(x0, dtype=np.float64)
        bounds = [(-_BOUND, _BOUND)] * len(x0)
        options = {"maxiter": int(self.maxiter), "ftol": float(self.tol), "gtol": 1e-8}
        res = minimize(objective, x0, jac=jac, method="L-BFGS-B", bounds=bounds, options=options)
        if not res.success:
            # A line-search stop right at the optimum is common with numerical gradients: accept
            # it when the gradient is small, retrying once from where it stopped.
            res2 = minimize(
                objective, res.x, jac=jac, method="L-BFGS-B", bounds=bounds, options=options
            )
            res = res2 if res2.fun <= res.fun else res
            grad_ok = np.max(np.abs(res.jac)) < 1e-4 if res.jac is not None else False
            if not (res.success or grad_ok):
                raise ConvergenceError(
                    f"{cls}.fit did not converge ({res.message}); try other "
                    "starting values (initial_params=...), a small penalizer (e.g. 0.001), a "
                    "larger maxiter, or check the data's time unit (weeks rather than days)"
                )
        if not np.isfinite(res.fun) or res.fun >= 1e100:
            raise ConvergenceError(
                f"{cls}.fit: the log-likelihood is not finite at any parameter values tried; "
                "check the summary for extreme values (a time unit of seconds, amounts in the "
                "billions) or pass initial_params=..."
            )
        z = res.x
        self._check_not_exploded(z, scale)

        def total(zz: np.ndarray) -> float:
            v = neg_ll(zz)
            if pen:
                v += pen * total_weight * float(np.sum(np.exp(2 * zz)))
            return v

        def total_grad(zz: np.ndarray) -> np.ndarray:
            if neg_grad is not None:
                return neg_grad(zz) + (2 * pen * total_weight * np.exp(2 * zz) if pen else 0)
            h = 1e-5
            return np.array(
                [(total(zz + e) - total(zz - e)) / (2 * h) for e in np.eye(len(zz)) * h]
            )

        def hessian(zz: np.ndarray) -> np.ndarray:
            if neg_grad is None:
                return _hessian(total, zz)
            return _jacobian_of_gradient(total_grad, zz)

        # Polish with Newton steps: L-BFGS-B stops on the objective's relative change, which
        # leaves weakly identified directions (e.g. s and beta of the Pareto/NBD) a little short.
        H = hessian(z)
        current = total(z)
        for _ in range(3):
            try:
                step = np.linalg.solve(H, total_grad(z))
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 0.5:
                break
            if np.max(np.abs(step)) < 1e-9:  # already there
                break
            trial = total(z - step)
            if trial > current:
                break
            z, current = z - step, trial  # the Hessian barely changes over such small steps
        log_likelihood = -float(neg_ll(z))
        if not (np.isfinite(log_likelihood) and np.all(np.isfinite(z))):
            raise ConvergenceError(
                f"{cls}.fit: the log-likelihood at the optimum is not finite; check the summary "
                "for extreme values or pass initial_params=..."
            )
        self._check_not_exploded(z, scale)
        sd_log, cov_log = self._check_curvature(H)
        params = np.exp(z)
        self.params_ = dict(zip(self._param_names, params.tolist(), strict=True))
        self.log_likelihood_ = log_likelihood
        self.covariance_log_ = cov_log
        self.standard_errors_ = dict(
            zip(self._param_names, (params * sd_log).tolist(), strict=True)
        )
        lower = np.exp(z - _Z95 * sd_log)
        upper = np.exp(z + _Z95 * sd_log)
        self.confidence_intervals_ = pd.DataFrame(
            {"ci_low": lower, "ci_high": upper}, index=list(self._param_names)
        )
        self.n_iter_ = int(res.nit)

    def _check_not_exploded(self, z: np.ndarray, scale: np.ndarray) -> None:
        """Refuse log-parameters at the optimiser's bounds, or beyond a million times (or below
        a millionth of) their data scale."""
        rel = z - np.log(scale)
        off = (np.abs(z) >= _BOUND - 0.1) | (np.abs(rel) > _EXPLODED)
        if off.any():
            shown = ", ".join(
                f"{k} = {v:.3g} ({'towards 0' if r < 0 else 'towards infinity'})"
                for k, v, r, o in zip(self._param_names, np.exp(z), rel, off, strict=True)
                if o
            )
            raise self._not_pinned_down(off, f"the estimates run off: {shown}")

    def _check_curvature(self, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standard errors of the log-parameters and their covariance, refusing a likelihood
        that is flat (or not at a maximum) in some direction at the optimum."""
        if not np.all(np.isfinite(H)):
            raise self._not_pinned_down(
                np.ones(len(H), dtype=bool),
                "the likelihood's curvature at the optimum is not finite",
            )
        eigval, eigvec = np.linalg.eigh((H + H.T) / 2)
        if eigval[0] <= 0:
            weakest = np.abs(eigvec[:, 0]) >= 0.3
            raise self._not_pinned_down(
                weakest, "the likelihood is flat (or not at a maximum) at the optimum"
            )
        cov_log = np.linalg.inv(H)
        var = np.diag(cov_log)
        sd_log = np.sqrt(np.where(var > 0, var, np.inf))
        wide = sd_log > _MAX_SD_LOG
        if wide.any():
            raise self._not_pinned_down(
                wide, "the 95% intervals of the estimates are wider than a factor of a million"
            )
        return sd_log, cov_log

    def _shift(self) -> np.ndarray:
        """What the optimiser subtracts from each parameter before its logarithm: the natural
        parameters are ``exp(z) + shift`` (0 everywhere: plain log-parameters)."""
        return np.zeros(len(self._param_names))

    def _draw_space(self):
        """``(z_hat, cov, to_state)`` for parameter draws (:func:`helpers.clv.parameter_draws`):
        the optimiser's coordinates at the optimum, their covariance ``covariance_log_``, and
        ``to_state(z)``, a fitted copy of the model at coordinates ``z``."""
        check_is_fitted(self, "params_")
        shift = self._shift()
        z_hat = np.log(np.array([self.params_[k] for k in self._param_names]) - shift)

        def to_state(z):
            state = copy.copy(self)
            values = (np.exp(np.asarray(z, dtype=np.float64)) + shift).tolist()
            state.params_ = dict(zip(self._param_names, values, strict=True))
            return state

        return z_hat, np.array(self.covariance_log_, copy=True), to_state

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals, one row per parameter.

        The standard error is the delta-method one, ``theta * se(log theta)``; the interval is
        ``exp(log theta +/- 1.96 se(log theta))``, which keeps it positive.

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self, "params_")
        return pd.DataFrame(
            {
                "parameter": list(self._param_names),
                "estimate": [self.params_[k] for k in self._param_names],
                "std_error": [self.standard_errors_[k] for k in self._param_names],
                "ci_low": self.confidence_intervals_["ci_low"].to_numpy(),
                "ci_high": self.confidence_intervals_["ci_high"].to_numpy(),
            }
        )

    def save(self, path, metadata: dict | None = None):
        """Write the fitted model to a small JSON file (see :func:`helpers.clv.save_model`).

        Parameters
        ----------
        path : str or pathlib.Path
            The file to write.
        metadata : dict, optional
            JSON-ready facts a later reader needs, e.g. ``{"time_unit": "W"}``.

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ParameterError
            If ``metadata`` cannot be written as JSON.
        """
        from helpers.clv.persistence import save_model

        return save_model(self, path, metadata=metadata)

    @classmethod
    def load(cls, path):
        """Read a model of this class saved by :meth:`save` (see
        :func:`helpers.clv.load_model`).

        Parameters
        ----------
        path : str or pathlib.Path

        Returns
        -------
        The fitted model, with ``metadata_`` holding the file's metadata.

        Raises
        ------
        DataValidationError
            If the file is not a saved model or holds another model class.
        """
        from helpers.clv.persistence import load_model

        return load_model(path, expected_class=cls)

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({shown})"
        return f"{type(self).__name__}(penalizer={self.penalizer})"


def _initial(initial_params, names: tuple[str, ...], default: np.ndarray) -> np.ndarray:
    """Log of the starting values: the user's dict, or the model's data-based default."""
    if initial_params is None:
        return np.log(default)
    if not isinstance(initial_params, dict) or set(initial_params) != set(names):
        raise ParameterError(
            f"initial_params must be a dict with keys {list(names)}, got {initial_params!r}"
        )
    try:
        vals = np.array([float(initial_params[k]) for k in names])
    except (TypeError, ValueError):
        vals = np.array([np.nan])
    if not np.all(np.isfinite(vals) & (vals > 0)):
        raise ParameterError(
            f"initial_params must all be positive and finite, got {initial_params!r}"
        )
    return np.log(vals)


def _discount_rate(value, per: str, example: str, *, allow_zero: bool = True) -> float:
    """A discount rate per period, in [0, 1) (or (0, 1)): a rate of 1 or more per period (100%)
    is never meant; 10 is usually 10% written as a percentage.

    ``per`` says what the period is, ``example`` gives a sensible value, both for the message.
    """
    return check_number(
        "discount_rate",
        value,
        0.0,
        1.0,
        low_open=not allow_zero,
        high_open=True,
        fix=f"it is a rate per {per}, as a fraction: e.g. {example}; write 10% as 0.10",
    )


def _as_time(t, name: str = "t") -> np.ndarray:
    """A horizon (scalar or array) as a float array of non-negative values."""
    arr = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(f"parameter {name!r} = {t!r} must be finite and non-negative")
    return arr


def _scalar_or_array(v: np.ndarray):
    v = np.asarray(v, dtype=np.float64)
    return float(v) if v.ndim == 0 else v


def _per_covariate_pattern(method: Callable) -> Callable:
    """Route a prediction that takes ``summary`` through the covariate patterns on a
    covariate fit; a plain fit calls it unchanged."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if not getattr(self, "coefficients_", None):
            return method(self, *args, **kwargs)
        from helpers.clv.covariates import predict_by_pattern

        return predict_by_pattern(self, method, args, kwargs)

    wrapper._per_pattern = True
    return wrapper


class _ContinuousTimeModel(_MLEModel):
    """Shared fit and predictions of the continuous-time non-contractual models (BG/NBD,
    Pareto/NBD): subclasses supply the per-row log-likelihood and the model's formulas."""

    #: Parameters measured in the data's time unit (their natural scale is the mean ``T``).
    _time_scaled: tuple[str, ...] = ()
    #: The parameters of the dropout process, for messages.
    _dropout: str = ""

    def __init_subclass__(cls, **kwargs):
        # Predictions of a covariate fit run per covariate pattern (helpers.clv.covariates):
        # every public method with a ``summary`` argument, except fit, is routed there.
        super().__init_subclass__(**kwargs)
        for name in dir(cls):
            if name.startswith("_") or name == "fit":
                continue
            method = getattr(cls, name)
            if not inspect.isfunction(method) or getattr(method, "_per_pattern", False):
                continue
            params = list(inspect.signature(method).parameters)
            if params[:1] == ["self"] and "summary" in params:
                setattr(cls, name, _per_covariate_pattern(method))

    def fit(
        self,
        summary: pd.DataFrame,
        weight_col: str | None = None,
        initial_params=None,
        *,
        purchase_covariates=None,
        dropout_covariates=None,
    ):
        """Fit by maximum likelihood on a per-customer summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency`` (repeat purchases, whole numbers), ``recency`` (first to last
            purchase, 0 without repeats) and ``T`` (first purchase to the end of the period),
            in one time unit, e.g. the output of :func:`helpers.summarize`. A customer with
            repeat purchases and recency 0 (all on the first day's time stamp) is valid.
        weight_col : str, optional
            Column with the number of customers each row stands for (pooled data). A table
            with a column named "weight", "weights", "count", "counts" or "n_customers" is
            refused without it: it looks pooled.
        initial_params : dict, optional
            Starting values, one per parameter; by default ones, with the scale parameters
            set from the mean frequency and ``T`` so that the time unit does not matter.
        purchase_covariates, dropout_covariates : list of str, optional
            Numeric columns of ``summary`` (time-invariant covariates, e.g. a 0/1 acquisition
            channel) that shift the purchase and the dropout process of each customer; see
            :mod:`helpers.clv.covariates` for the parametrisation (that of CLVTools). The fit
            then also has ``coefficients_``, their ``coefficient_standard_errors_`` and
            ``coefficient_intervals_``, ``covariance_`` of all coordinates (log base
            parameters, then coefficients) and one ``summary()`` row per coefficient; every
            prediction reads the covariate columns from the summary it is given, and
            :meth:`for_covariates` gives a plain model for one covariate pattern.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            Not a DataFrame, a missing column, missing/non-numeric/negative values,
            non-integer frequency, ``recency > T``, positive recency with frequency 0, bad
            weights, or a pooled-looking table without ``weight_col``; a covariate column that
            is missing, not numeric, has missing values or is constant; the message names the
            column and the fix.
        ParameterError
            Bad hyper-parameters or ``initial_params``; covariates with a penalizer.
        ConvergenceError
            If the data cannot identify the model (no repeat purchases; every customer with
            the same history; no repeat buyer whose last purchase is before ``T``, so that no
            one is seen to drop out), if the optimiser does not converge, or if the estimates
            run off to 0 or infinity or are not pinned down; the message says what to try.
        """
        from helpers.clv import covariates as _cov

        purchase, dropout = _cov.covariate_lists(purchase_covariates, dropout_covariates)
        for attr in _cov.COVARIATE_ATTRIBUTES:  # a refit starts clean
            self.__dict__.pop(attr, None)
        if purchase or dropout:
            return _cov.fit(self, summary, weight_col, initial_params, purchase, dropout)
        self._check_hyper()
        what = f"the summary passed to {type(self).__name__}.fit"
        x, tx, T, w = _continuous_summary(summary, what, weight_col, pooled_check=True)
        (xu, txu, Tu), wu = _compress(x, tx, T, weights=w)
        self._check_identifiable(xu, txu, Tu, wu)
        self.n_customers_ = float(w.sum())
        self.n_distinct_rows_ = len(wu)
        default = self._default_start(x, T, w)
        z0 = _initial(initial_params, self._param_names, default)
        neg_ll, neg_grad = self._objective_for(xu, txu, Tu, wu)
        mean_T = max(float(np.dot(wu, Tu) / wu.sum()), 1e-12)
        scale = np.array([mean_T if k in self._time_scaled else 1.0 for k in self._param_names])
        self._maximise(neg_ll, z0, float(wu.sum()), neg_grad, scale)
        return self

    def _check_identifiable(self, x, tx, T, w) -> None:
        """Refuse, before optimising, pooled data that cannot identify the model.

        From the likelihood: without repeat purchases it is ``(alpha / (alpha + T))^r`` (times
        the probability of staying alive), maximal as the purchase rate goes to 0, with the
        dropout parameters free; when every repeat buyer's last purchase is at ``T``, no one is
        seen to drop out and the dropout probability runs to 0; one distinct history says
        nothing about how customers differ.
        """
        n = float(w.sum())
        if len(w) == 1:
            who = "a single customer" if n == 1 else f"all {n:g} customers have the same history"
            raise self._unidentified(
                f"{who} (frequency {x[0]:g}, recency {tx[0]:g}, T {T[0]:g})",
                "describes how customers differ in purchase rate and dropout, which one history "
                "cannot show: fit it on the whole customer base (hundreds of customers or more)",
            )
        rep = x > 0
        if not rep.any():
            raise self._unidentified(
                f"no repeat purchases (frequency is 0 for all {n:g} customers)",
                f"cannot estimate the dropout process ({self._dropout}), and the purchase rate "
                "runs to 0: use a longer calibration period, or check that frequency counts the "
                "repeat purchases (purchases after the first)",
            )
        if not np.any(tx[rep] < T[rep]):
            raise self._unidentified(
                f"every repeat buyer's last purchase is at the end of their period (recency == T "
                f"for all {float(w[rep].sum()):g} customers with frequency > 0), so no one is seen "
                "to drop out",
                f"cannot estimate the dropout process ({self._dropout}): check that recency is "
                "the time from the first to the last purchase (not the time from the first "
                "purchase to the end, which is T), e.g. recompute the summary with "
                "helpers.summarize",
            )

    def _objective_for(self, xu, txu, Tu, wu):
        """Total negative log-likelihood of log-parameters on pooled rows, and its gradient
        (None when the model has no analytic one)."""
        if hasattr(self, "_objective"):
            # The model's own fast objective (value and gradient of the log-parameters).
            return self._objective(xu, txu, Tu, wu)
        if hasattr(self, "_make_loglik"):
            loglik = self._make_loglik(xu, txu, Tu)
        else:

            def loglik(theta: np.ndarray) -> np.ndarray:
                return self._loglik_rows(theta, xu, txu, Tu)

        def neg_ll(z: np.ndarray) -> float:
            return -float(np.dot(wu, loglik(np.exp(z))))

        neg_grad = None
        if hasattr(self, "_loglik_grad_rows"):

            def neg_grad(z: np.ndarray) -> np.ndarray:
                theta = np.exp(z)
                return -(self._loglik_grad_rows(theta, xu, txu, Tu) @ wu) * theta

        return neg_ll, neg_grad

    # covariates -------------------------------------------------------------------------------
    def _p(self) -> tuple[float, ...]:
        check_is_fitted(self, "params_")
        if getattr(self, "coefficients_", None):
            raise ParameterError(
                f"this {type(self).__name__} was fitted with covariates, so this prediction "
                "needs covariate values: use model.for_covariates({...}) for one pattern, e.g. "
                f"model.for_covariates({ {c: 0 for c in self.purchase_covariates_} }), or a "
                "method that takes a summary with the covariate columns"
            )
        return tuple(self.params_[k] for k in self._param_names)

    def for_covariates(self, values):
        """A plain model with the parameters of customers with covariate ``values``.

        See :func:`helpers.clv.covariates.for_covariates`. Predictions that take no summary
        (``expected_purchases(t)``, ``probability_of_purchases``) need it on a covariate fit.

        Parameters
        ----------
        values : dict or pandas.Series
            One number per covariate column, e.g. ``{"online": 1}``.

        Returns
        -------
        model
            Same class, without covariates.
        """
        from helpers.clv.covariates import for_covariates

        return for_covariates(self, values)

    def _draw_space(self):
        """As :meth:`_MLEModel._draw_space`; a covariate fit draws the log base parameters and
        the covariate coefficients together."""
        from helpers.clv import covariates as _cov

        check_is_fitted(self, "params_")
        if _cov.has_covariates(self):
            return _cov.draw_space(self)
        return super()._draw_space()

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals, one row per parameter.

        As :meth:`_MLEModel.summary`; a covariate fit adds one row per coefficient, whose
        interval is ``estimate +/- 1.96 se`` (coefficients are not restricted in sign).

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        table = super().summary()
        if not getattr(self, "coefficients_", None):
            return table
        from helpers.clv.covariates import coefficient_rows

        return pd.concat([table, coefficient_rows(self)], ignore_index=True)

    # predictions ------------------------------------------------------------------------------
    def _rows_of(self, summary: pd.DataFrame, method: str):
        check_is_fitted(self, "params_")
        x, tx, T, _ = _continuous_summary(summary, f"the summary passed to {method}", None)
        return x, tx, T

    @_underflow_to_zero
    def expected_purchases(self, t):
        """Expected number of repeat purchases of a new customer in ``(0, t]``.

        Parameters
        ----------
        t : float or array_like
            Length of the period, in the time unit of the data the model was fitted on.

        Returns
        -------
        float or numpy.ndarray
        """
        check_is_fitted(self, "params_")
        return _scalar_or_array(self._expected(_as_time(t)))

    @_underflow_to_zero
    def conditional_expected_purchases(self, t, summary: pd.DataFrame) -> pd.Series:
        """Expected purchases of each customer in the next ``t`` time units given the history.

        Parameters
        ----------
        t : float
            Length of the future period, in the time unit of the data.
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T`` (e.g. from :func:`helpers.summarize`).

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        x, tx, T = self._rows_of(summary, "conditional_expected_purchases")
        t = float(_as_time(t, "t"))
        return pd.Series(self._cond_expected(t, x, tx, T), index=summary.index, name="expected")

    @_underflow_to_zero
    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of their period ``T``.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T``.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        x, tx, T = self._rows_of(summary, "probability_alive")
        p = np.exp(self._log_p_alive(x, tx, T))
        return pd.Series(p, index=summary.index, name="p_alive")

    @_underflow_to_zero
    def probability_of_purchases(self, t, n):
        """``P(X(t) = n)``: probability that a new customer makes ``n`` repeat purchases in
        ``(0, t]``.

        Parameters
        ----------
        t : float
            Length of the period.
        n : int or array_like of int
            Numbers of purchases.

        Returns
        -------
        float or numpy.ndarray
        """
        check_is_fitted(self, "params_")
        t = float(_as_time(t, "t"))
        n_arr = np.asarray(n)
        if not np.all(n_arr == np.round(n_arr)) or np.any(n_arr < 0):
            raise ParameterError(f"parameter 'n' = {n!r} must be whole numbers >= 0")
        return _scalar_or_array(self._pmf(t, n_arr.astype(np.int64)))

    @_underflow_to_zero
    def expected_frequency_counts(
        self, summary: pd.DataFrame, max_n: int = 7, weight_col: str | None = None
    ) -> pd.DataFrame:
        """Observed and expected number of customers with 0, 1, ... repeat purchases.

        Each customer is observed for their own ``T``; the expected count of ``n`` purchases
        is ``sum_i P(X(T_i) = n)``. The last row, ``max_n``, counts ``max_n`` *or more*
        purchases. This is the "period transactions" histogram of model checking.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T`` (and the weight column if given).
        max_n : int
            The last (pooled) class.
        weight_col : str, optional
            Column with the number of customers each row stands for (required when the table
            has a column named like one, as in :meth:`fit`).

        Returns
        -------
        pandas.DataFrame
            Index ``n`` = 0 .. max_n, columns ``observed`` and ``expected``.
        """
        check_is_fitted(self, "params_")
        max_n = check_int("max_n", max_n, 1)
        what = "the summary passed to expected_frequency_counts"
        x, _, T, w = _continuous_summary(summary, what, weight_col, pooled_check=True)
        (Tu,), wu = _compress(T, weights=w)
        ns = np.arange(max_n)
        P = np.array([self._pmf(float(t), ns) for t in Tu])
        expected = np.empty(max_n + 1)
        expected[:max_n] = wu @ P if len(Tu) else 0.0
        expected[max_n] = wu.sum() - expected[:max_n].sum()
        observed = np.bincount(
            np.minimum(x, max_n).astype(np.int64), weights=w, minlength=max_n + 1
        )
        return pd.DataFrame(
            {"observed": observed, "expected": expected}, index=pd.Index(range(max_n + 1), name="n")
        )

    # conditional distribution, P(alive) grid and path ---------------------------------------
    @_underflow_to_zero
    def conditional_probability_of_purchases(self, t, n, summary: pd.DataFrame):
        """``P(X(T, T+t] = n | frequency, recency, T)``: each customer's probability of ``n``
        purchases in the next ``t`` time units, given their history.

        A customer who is alive at ``T`` buys on with the posterior purchase rate (and
        dropout) given their history; one who has dropped out buys nothing. So the answer is
        ``(1 - P(alive)) [n = 0] + P(alive) P(Y(t) = n | alive)``, with ``Y`` the count of a
        customer alive at ``T`` (closed form for the BG/NBD and MBG/NBD, one quadrature over
        the death time for the Pareto/NBD, as for :meth:`probability_of_purchases`).

        Parameters
        ----------
        t : float
            Length of the future period, in the time unit of the data.
        n : int or array_like of int
            Numbers of purchases (whole numbers >= 0).
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T`` (e.g. from :func:`helpers.summarize`).

        Returns
        -------
        pandas.Series or pandas.DataFrame
            For a single ``n``, a Series indexed like ``summary``; for several, a DataFrame
            with one column per ``n`` (columns named ``n``). Summed over all ``n`` it is 1, and
            ``sum_n n P(n)`` is :meth:`conditional_expected_purchases`.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ParameterError
            ``t`` not a single finite number >= 0, or ``n`` not whole numbers >= 0.
        DataValidationError
            A summary that fails the checks of :meth:`fit`.

        Examples
        --------
        >>> import pandas as pd
        >>> from helpers.clv import BGNBD
        >>> from helpers.simulate import simulate_bgnbd_summary
        >>> tables, _ = simulate_bgnbd_summary(2000, 0.25, 4.0, 0.8, 2.5, T=39, random_state=1)
        >>> m = BGNBD().fit(tables["summary"])
        >>> h = pd.DataFrame({"frequency": [0, 5], "recency": [0.0, 38.0], "T": [39.0, 39.0]})
        >>> p = m.conditional_probability_of_purchases(39, range(200), h)
        >>> p.shape, bool(abs(p.sum(axis=1) - 1).max() < 1e-8)
        ((2, 200), True)

        References
        ----------
        Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2007). Computing P(alive) and the
        conditional pmf of the BG/NBD model. http://brucehardie.com/notes/013/

        Fader, P. S. and Hardie, B. G. S. (2006). Deriving an expression for P(X(t) = x) under
        the Pareto/NBD model. http://brucehardie.com/notes/012/
        """
        x, tx, T = self._rows_of(summary, "conditional_probability_of_purchases")
        if np.ndim(t) != 0:
            raise ParameterError(
                f"parameter 't' = {t!r} must be a single number (the length of the future "
                "period); call the method once per horizon"
            )
        t = float(_as_time(t, "t"))
        n_arr = np.asarray(n)
        scalar = n_arr.ndim == 0
        n_flat = np.atleast_1d(n_arr).ravel()
        if (
            n_flat.size == 0
            or not np.issubdtype(n_flat.dtype, np.number)
            or not np.all(np.isfinite(n_flat))
            or not np.all(n_flat == np.round(n_flat))
            or np.any(n_flat < 0)
        ):
            raise ParameterError(
                f"parameter 'n' = {n!r} must be whole numbers >= 0 (numbers of purchases), "
                "e.g. 2 or range(10)"
            )
        n_flat = n_flat.astype(np.int64)
        P = self._cond_pmf(t, n_flat, x, tx, T)
        if scalar:
            return pd.Series(P[:, 0], index=summary.index, name="probability")
        return pd.DataFrame(P, index=summary.index, columns=pd.Index(n_flat, name="n"))

    def probability_alive_matrix(self, T, max_frequency: int = 20, recency=None) -> pd.DataFrame:
        """P(alive) at ``T`` over a grid of frequency (rows) and recency (columns).

        The table behind the usual P(alive) heat map: every history ``(frequency, recency)``
        of customers observed for the same time ``T``.

        Parameters
        ----------
        T : float
            Time from the first purchase to the end of the period (the same for the whole
            grid), in the time unit of the data, > 0.
        max_frequency : int
            The last row: frequencies 0, 1, ..., ``max_frequency`` repeat purchases.
        recency : array_like of float, optional
            Times of the last purchase, each in ``[0, T]``; by default every whole time unit
            0, 1, ..., ``floor(T)``.

        Returns
        -------
        pandas.DataFrame
            Index ``frequency``, columns ``recency``. Cells of impossible histories are NaN:
            frequency 0 with recency > 0 (without a repeat purchase the last purchase is the
            first, at 0). Frequency > 0 with recency 0 (repeat purchases at the time stamp of
            the first) is possible and has a value, as in :meth:`fit`.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ParameterError
            ``T`` not > 0, ``max_frequency`` not a whole number >= 0, or a recency outside
            ``[0, T]``.

        Examples
        --------
        >>> from helpers.clv import BGNBD
        >>> from helpers.simulate import simulate_bgnbd_summary
        >>> tables, _ = simulate_bgnbd_summary(2000, 0.25, 4.0, 0.8, 2.5, T=39, random_state=1)
        >>> m = BGNBD().fit(tables["summary"])
        >>> grid = m.probability_alive_matrix(39, max_frequency=10)
        >>> grid.shape, float(grid.loc[0, 0]), bool(grid.loc[0, 1:].isna().all())
        ((11, 40), 1.0, True)
        """
        check_is_fitted(self, "params_")
        T = check_number("T", T, 0.0, low_open=True)
        max_frequency = check_int("max_frequency", max_frequency, 0)
        if recency is None:
            rec = np.arange(0.0, np.floor(T) + 1)
        else:
            rec = np.atleast_1d(np.asarray(recency, dtype=np.float64)).ravel()
            bad = ~np.isfinite(rec) | (rec < 0) | (rec > T)
            if rec.size == 0 or bad.any():
                raise ParameterError(
                    f"parameter 'recency' must hold times in [0, T] = [0, {T:g}]"
                    + (f"; {rec[bad][:5].tolist()} are not" if bad.any() else ", got none")
                    + ": recency is the time of the last purchase, measured from the first"
                )
        freq = np.arange(max_frequency + 1, dtype=np.float64)
        X, R = np.meshgrid(freq, rec, indexing="ij")
        valid = (X > 0) | (R == 0)
        rows_ = pd.DataFrame({"frequency": X[valid], "recency": R[valid], "T": T})
        out = np.full(X.shape, np.nan)
        out[valid] = self.probability_alive(rows_).to_numpy()
        return pd.DataFrame(
            out,
            index=pd.Index(freq.astype(np.int64), name="frequency"),
            columns=pd.Index(rec, name="recency"),
        )

    def probability_alive_path(self, purchase_times, T, step: float = 1.0) -> pd.DataFrame:
        """One customer's P(alive) over calendar time, from the first purchase to ``T``.

        At each time ``t`` the history so far (repeat purchases up to ``t``, the last of them,
        and ``T = t``) gives P(alive) at ``t``. Between purchases it falls; at a purchase it
        jumps up. In the Pareto/NBD it jumps to 1: a customer who buys is alive. In the BG/NBD
        and MBG/NBD a customer may drop out right after a purchase, so it jumps to the
        posterior chance of not doing so, ``(b+x-1)/(a+b+x-1)`` and ``(b+x)/(a+b+x)``.

        Parameters
        ----------
        purchase_times : array_like of float
            Times of the customer's purchases, measured from the first (so the first is 0), in
            the model's time unit, in increasing order. Equal times count as one purchase, as
            same-day purchases do in :func:`helpers.summarize`.
        T : float
            End of the path, at or after the last purchase.
        step : float
            Spacing of the time grid ``0, step, 2 step, ...``; ``T`` and the purchase times are
            added to the grid, so the path shows each jump.

        Returns
        -------
        pandas.DataFrame
            Columns ``t``, ``frequency``, ``recency``, ``p_alive``, one row per grid time.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ParameterError
            Empty, non-finite, negative or unsorted purchase times, a first time other than 0,
            ``T`` before the last purchase, or ``step`` not > 0.

        Examples
        --------
        >>> from helpers.clv import BGNBD
        >>> from helpers.simulate import simulate_bgnbd_summary
        >>> tables, _ = simulate_bgnbd_summary(2000, 0.25, 4.0, 0.8, 2.5, T=39, random_state=1)
        >>> m = BGNBD().fit(tables["summary"])
        >>> path = m.probability_alive_path([0, 2.5, 6], T=20, step=2)
        >>> path[path["t"] >= 6].head(3).round(3).to_numpy().tolist()
        [[6.0, 2.0, 6.0, 0.791], [8.0, 2.0, 6.0, 0.712], [10.0, 2.0, 6.0, 0.633]]
        """
        check_is_fitted(self, "params_")
        times = np.atleast_1d(np.asarray(purchase_times, dtype=np.float64)).ravel()
        if times.size == 0 or not np.all(np.isfinite(times)):
            raise ParameterError(
                "parameter 'purchase_times' must be a non-empty list of finite times, the first "
                f"purchase at 0; got {purchase_times!r}"
            )
        if np.any(np.diff(times) < 0):
            raise ParameterError(
                "parameter 'purchase_times' must be in increasing order; sort the times first "
                "(e.g. sorted(times))"
            )
        if times[0] != 0:
            raise ParameterError(
                f"parameter 'purchase_times' must start at 0 (the first purchase); it starts at "
                f"{times[0]:g}: measure the times from the first purchase (subtract {times[0]:g})"
            )
        T = check_number("T", T, 0.0)
        if T < times[-1]:
            raise ParameterError(
                f"parameter 'T' = {T:g} is before the last purchase at {times[-1]:g}; T is the "
                "end of the path and must be at or after every purchase"
            )
        step = check_number("step", step, 0.0, low_open=True)
        times = np.unique(times)
        grid = np.arange(0.0, T + step * 1e-9, step)
        grid = np.unique(np.concatenate([grid[grid <= T], times, [T]]))
        k = np.searchsorted(times, grid, side="right") - 1
        frame = pd.DataFrame({"t": grid, "frequency": k.astype(np.int64), "recency": times[k]})
        p = self.probability_alive(frame.rename(columns={"t": "T"})).to_numpy()
        return frame.assign(p_alive=p)

    def probability_alive_path_from_log(
        self,
        transactions: pd.DataFrame,
        customer,
        customer_col: str = "customer_id",
        date_col: str = "date",
        observation_end=None,
        time_unit: str = "D",
        step: float = 1.0,
    ) -> pd.DataFrame:
        """:meth:`probability_alive_path` of one customer of a transaction log.

        Dates and ids are read as :func:`helpers.summarize` reads them: purchases on the same
        day are one purchase, and times are whole days divided by the length of
        ``time_unit``. So each row equals the summary that :func:`helpers.summarize` gives
        with ``observation_end`` set to the row's date.

        Parameters
        ----------
        transactions : pandas.DataFrame
            One row per purchase, with ``customer_col`` and ``date_col``.
        customer : str or int
            The customer's id (ids are text: ``7`` and ``"7"`` are the same customer).
        customer_col, date_col : str
            Column names.
        observation_end : date, optional
            End of the path; by default the last date of the whole log. Purchases after it
            are ignored.
        time_unit : {"D", "W", "M"}
            The unit the model was fitted in (days, weeks or months).
        step : float
            Spacing of the time grid, in ``time_unit``.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`probability_alive_path` and ``date`` (the day of each row).

        Raises
        ------
        NotFittedError
            Before ``fit``.
        DataValidationError
            Not a DataFrame, a missing column, unreadable dates, or a customer who is not in
            the log or has no purchase on or before ``observation_end``.
        ParameterError
            An unknown ``time_unit``, an unreadable ``observation_end`` or ``step`` not > 0.

        Examples
        --------
        >>> import pandas as pd
        >>> from helpers.clv import BGNBD
        >>> from helpers.simulate import simulate_bgnbd_summary
        >>> tables, _ = simulate_bgnbd_summary(2000, 0.25, 4.0, 0.8, 2.5, T=39, random_state=1)
        >>> m = BGNBD().fit(tables["summary"])
        >>> log = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
        ...                     "date": ["2024-01-01", "2024-01-15", "2024-01-15", "2024-01-02"]})
        >>> path = m.probability_alive_path_from_log(log, "a", observation_end="2024-02-12",
        ...                                          time_unit="W")
        >>> path[["date", "t", "frequency"]].iloc[[0, 2, -1]].astype(str).to_numpy().tolist()
        [['2024-01-01', '0.0', '0'], ['2024-01-15', '2.0', '1'], ['2024-02-12', '6.0', '1']]
        """
        from helpers.validation import (
            TIME_UNITS,
            check_date,
            check_time_unit,
            date_column,
            id_column,
        )

        check_is_fitted(self, "params_")
        what = "the transactions passed to probability_alive_path_from_log"
        df = check_frame(transactions, what)
        require_columns(
            df,
            {"customer_col": customer_col, "date_col": date_col},
            what,
            fix="pass customer_col=... and date_col=... naming the log's columns",
        )
        unit = TIME_UNITS[check_time_unit(time_unit)]
        want = id_column(pd.DataFrame({"id": [customer]}), "id", "parameter 'customer'").iloc[0]
        mine = (id_column(df, customer_col, what, allow_missing=True) == want).to_numpy()
        if not mine.any():
            raise DataValidationError(
                f"customer {want!r} is not in column {customer_col!r} of {what}; check the id "
                "(ids are compared as text)"
            )
        days = date_column(df.loc[mine], date_col, what).dt.normalize()
        if observation_end is None:
            end = date_column(df, date_col, what).max().normalize()
        else:
            end = check_date("observation_end", observation_end).normalize()
        days = np.sort(days[days <= end].unique())
        if days.size == 0:
            raise DataValidationError(
                f"customer {want!r} has no purchase on or before observation_end "
                f"({end.date()}); pass a later observation_end"
            )
        first = pd.Timestamp(days[0])
        times = ((pd.DatetimeIndex(days) - first).days / unit).to_numpy(dtype=np.float64)
        path = self.probability_alive_path(times, (end - first).days / unit, step)
        path.insert(0, "date", (first + pd.to_timedelta(path["t"] * unit, unit="D")).dt.floor("D"))
        return path
