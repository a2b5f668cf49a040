"""Prediction intervals of the CLV models from the uncertainty of their parameters.

A fitted model's estimates are asymptotically normal in the optimiser's coordinates (the
log-parameters), with the covariance ``covariance_log_`` from the Hessian of the
log-likelihood. Drawing coordinates from that normal, mapping them back and evaluating a
prediction at every draw gives the prediction's sampling distribution; its percentiles are the
interval. This is the "parameter draws" (simulation) approach of Krinsky and Robb (1986); it
keeps every draw inside the parameter space and needs no derivative of the prediction.

Every model has ``_draw_space() -> (z_hat, cov, to_state)``: ``z_hat`` are the optimiser's
coordinates at the optimum, ``cov`` their covariance and ``to_state(z)`` returns a fitted copy of
the model at coordinates ``z``. The default (``_MLEModel``) is the log-parameters, shifted where
the optimiser shifts them (``GammaGamma(q_constraint=True)`` works on ``log(q - 1)``); a
covariate fit adds its coefficients.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import norm

from helpers.exceptions import ParameterError
from helpers.validation import check_int, check_is_fitted, check_number

__all__ = ["parameter_draws", "prediction_interval"]

_INTERVALS = ("percentile", "normal")


def _draw_space(model) -> tuple[np.ndarray, np.ndarray, Callable]:
    """The model's ``_draw_space()`` (every CLV model has one), as float arrays."""
    check_is_fitted(model, "params_")
    z_hat, cov, to_state = model._draw_space()
    return np.asarray(z_hat, dtype=np.float64), np.asarray(cov, dtype=np.float64), to_state


def _states(model, n_draws: int, rng: np.random.Generator) -> list:
    """``n_draws`` fitted copies of ``model`` at coordinates drawn from their asymptotic
    normal."""
    z_hat, cov, to_state = _draw_space(model)
    if cov.shape != (len(z_hat), len(z_hat)) or not np.all(np.isfinite(cov)):
        raise ParameterError(
            f"{type(model).__name__} has no usable covariance of its estimates (shape "
            f"{cov.shape} for {len(z_hat)} coordinates); refit the model with fit(...)"
        )
    z = rng.multivariate_normal(z_hat, cov, size=n_draws, method="cholesky")
    return [to_state(zi) for zi in z]


def _values(state) -> dict:
    """Natural parameters of a fitted state (``params_`` and, with covariates,
    ``coefficients_``)."""
    out = dict(state.params_)
    coefs = getattr(state, "coefficients_", None)
    if isinstance(coefs, dict):
        out.update(coefs)
    return out


def _check_draw_args(n_draws, random_state) -> tuple[int, np.random.Generator]:
    n = check_int("n_draws", n_draws, 2)
    try:
        rng = np.random.default_rng(random_state)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"random_state must be None, an int or a numpy Generator, got {random_state!r}"
        ) from err
    return n, rng


def parameter_draws(model, n_draws: int = 1000, random_state=None) -> pd.DataFrame:
    """Draws of a fitted model's parameters from the asymptotic normal of its estimates.

    The optimiser's coordinates (the log-parameters for the CLV models) are drawn from the
    normal with mean at the estimates and covariance ``covariance_log_`` (the inverse Hessian
    of the negative log-likelihood), then mapped back, so every draw is a valid parameter set.

    Parameters
    ----------
    model : fitted CLV model
        ``BGNBD``, ``ParetoNBD``, ``GammaGamma``, ``ShiftedBetaGeometric``, ``BGBB`` or any
        model with ``params_`` and ``covariance_log_`` (or a ``_draw_space`` method, see the
        module's notes).
    n_draws : int
        Number of draws, at least 2.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        One row per draw, one column per parameter (and per covariate coefficient).

    Raises
    ------
    NotFittedError
        Before ``fit``.
    ParameterError
        For ``n_draws`` below 2 or a bad ``random_state``.

    Examples
    --------
    >>> from helpers.clv import BGNBD
    >>> from helpers.simulate import simulate_bgnbd_summary
    >>> s = simulate_bgnbd_summary(2000, 0.243, 4.414, 0.793, 2.426, T=39, random_state=1)[0]
    >>> bg = BGNBD().fit(s["summary"])
    >>> d = parameter_draws(bg, n_draws=500, random_state=0)
    >>> d.shape, bool((d > 0).all().all())
    ((500, 4), True)

    References
    ----------
    Krinsky, I. and Robb, A. L. (1986). On approximating the statistical properties of
    elasticities. *The Review of Economics and Statistics* 68(4), 715-719.
    """
    n, rng = _check_draw_args(n_draws, random_state)
    states = _states(model, n, rng)
    return pd.DataFrame([_values(s) for s in states], index=pd.RangeIndex(n, name="draw"))


def _as_frame_values(out, name: str) -> tuple[np.ndarray, pd.Index]:
    """A prediction's values as a 1-D float array and the index of the result."""
    if isinstance(out, pd.Series):
        return out.to_numpy(dtype=np.float64), out.index
    if isinstance(out, pd.DataFrame):
        raise ParameterError(
            f"prediction {name!r} returns a DataFrame; prediction_interval needs a number, an "
            "array or a Series: pass a function that picks one column"
        )
    arr = np.asarray(out, dtype=np.float64)
    if arr.ndim == 0:
        return arr.reshape(1), pd.Index([name])
    if arr.ndim == 1:
        return arr, pd.RangeIndex(len(arr))
    raise ParameterError(
        f"prediction {name!r} returns an array of shape {arr.shape}; prediction_interval needs "
        "a number or a one-dimensional result"
    )


def _interval(
    estimate: np.ndarray, draws: np.ndarray, confidence_level: float, interval: str
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends from the draws (rows = draws)."""
    tail = (1 - confidence_level) / 2
    if interval == "percentile":
        low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
        return low, high
    half = norm.ppf(1 - tail) * np.std(draws, axis=0, ddof=1)
    return estimate - half, estimate + half


def _check_interval_args(confidence_level, interval) -> float:
    level = check_number(
        "confidence_level", confidence_level, 0.0, 1.0, low_open=True, high_open=True
    )
    if interval not in _INTERVALS:
        raise ParameterError(
            f"interval must be one of {list(_INTERVALS)}, got {interval!r}; 'percentile' takes "
            "the percentiles of the predictions over the draws"
        )
    return level


def _resolve(model, prediction) -> tuple[Callable, str]:
    """A function of a fitted state from a method name, a bound method or a function."""
    if isinstance(prediction, str):
        if not callable(getattr(model, prediction, None)) or prediction.startswith("_"):
            raise ParameterError(
                f"prediction {prediction!r} is not a method of {type(model).__name__}; pass the "
                "name of a prediction method, e.g. 'conditional_expected_purchases'"
            )
        return (lambda state, *a, **k: getattr(state, prediction)(*a, **k)), prediction
    owner = getattr(prediction, "__self__", None)
    if owner is model or (owner is not None and isinstance(owner, type(model))):
        name = prediction.__name__  # the same method, called on each drawn copy
        return (lambda state, *a, **k: getattr(state, name)(*a, **k)), name
    if callable(prediction):
        return prediction, getattr(prediction, "__name__", "prediction")
    raise ParameterError(
        f"prediction must be a method name, a bound method of the model or a function of the "
        f"model, got {prediction!r}"
    )


def prediction_interval(
    model,
    prediction,
    *args,
    confidence_level: float = 0.95,
    n_draws: int = 1000,
    interval: str = "percentile",
    random_state=None,
    **kwargs,
) -> pd.DataFrame:
    """Interval of a model's prediction from the uncertainty of its parameters.

    The prediction is evaluated at the estimates and at ``n_draws`` parameter sets drawn by
    :func:`parameter_draws`; the interval holds the central ``confidence_level`` share of the
    drawn predictions. It reflects the estimation error of the parameters only, not the
    randomness of a customer's future purchases.

    Parameters
    ----------
    model : fitted CLV model
    prediction : str, bound method or callable
        A prediction method's name (``"conditional_expected_purchases"``), the bound method
        (``model.probability_alive``) or a function ``f(model, *args, **kwargs)`` returning a
        number, an array or a Series.
    *args, **kwargs
        Passed to the prediction (e.g. ``39, summary``).
    confidence_level : float
        In (0, 1); 0.95 gives a 95% interval, 0.9 a 90% one.
    n_draws : int
        Number of parameter draws (1000 gives ends accurate to about 1% of the interval's
        width).
    interval : {"percentile", "normal"}
        ``"percentile"``: percentiles of the drawn predictions. ``"normal"``: the estimate plus
        or minus the normal quantile times their standard deviation.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        Columns ``estimate`` (at the estimates), ``ci_low``, ``ci_high``; indexed like the
        prediction's Series, or one row named after the prediction for a number.

    Raises
    ------
    NotFittedError
        Before ``fit``.
    ParameterError
        For an unknown prediction, a level outside (0, 1), an unknown interval, fewer than 2
        draws or a prediction that returns a table.

    Examples
    --------
    >>> from helpers.clv import BGNBD
    >>> from helpers.simulate import simulate_bgnbd_summary
    >>> s = simulate_bgnbd_summary(2000, 0.243, 4.414, 0.793, 2.426, T=39, random_state=1)[0]
    >>> bg = BGNBD().fit(s["summary"])
    >>> ci = prediction_interval(bg, "conditional_expected_purchases", 39, s["summary"].head(3),
    ...                          random_state=0)
    >>> list(ci.columns), bool((ci["ci_low"] < ci["estimate"]).all())
    (['estimate', 'ci_low', 'ci_high'], True)

    References
    ----------
    Krinsky, I. and Robb, A. L. (1986). On approximating the statistical properties of
    elasticities. *The Review of Economics and Statistics* 68(4), 715-719.
    """
    check_is_fitted(model, "params_")
    level = _check_interval_args(confidence_level, interval)
    n, rng = _check_draw_args(n_draws, random_state)
    fn, name = _resolve(model, prediction)
    estimate, index = _as_frame_values(fn(model, *args, **kwargs), name)
    states = _states(model, n, rng)
    draws = np.vstack([_as_frame_values(fn(s, *args, **kwargs), name)[0] for s in states])
    low, high = _interval(estimate, draws, level, interval)
    return pd.DataFrame({"estimate": estimate, "ci_low": low, "ci_high": high}, index=index)


def _joint_interval(
    models: list,
    fn: Callable,
    confidence_level: float,
    n_draws: int,
    random_state,
    interval: str = "percentile",
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of ``fn(*states)`` with independent draws of each model (independent fits)."""
    level = _check_interval_args(confidence_level, interval)
    n, rng = _check_draw_args(n_draws, random_state)
    estimate = np.asarray(fn(*models), dtype=np.float64)
    per_model = [_states(m, n, rng) for m in models]
    draws = np.vstack(
        [np.asarray(fn(*group), dtype=np.float64) for group in zip(*per_model, strict=True)]
    )
    return _interval(estimate, draws, level, interval)
