"""The fast fitting objective of the Pareto/NBD (``ParetoNBD._objective``).

Its value must equal the row formula ``_loglik_rows`` (the reference), its gradient must be
the derivative of that formula (checked against Richardson-extrapolated central differences
of the reference, independent of the objective's own code), and a fit through it must land
on the same estimates as the old fit through ``_make_loglik`` with numerical gradients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from helpers.clv import ParetoNBD
from helpers.clv._base import _compress
from helpers.clv.paretonbd import _SERIES_MAX_Z, _log_f1_series
from helpers.customer_base.rfm import summarize
from helpers.data import load_cdnow
from helpers.simulate import simulate_paretonbd_summary


class _OldPath(ParetoNBD):
    """The fit before ``_objective`` existed: ``_make_loglik`` and numerical gradients."""

    def _objective_for(self, xu, txu, Tu, wu):
        loglik = self._make_loglik(xu, txu, Tu)
        return (lambda z: -float(np.dot(wu, loglik(np.exp(z))))), None


def _pooled(s: pd.DataFrame):
    x, tx, T = (s[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    (xu, txu, Tu), wu = _compress(x, tx, T, weights=np.ones(len(x)))
    return xu, txu, Tu, wu


@pytest.fixture(scope="module")
def cdnow_weeks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample has 21 duplicate rows, a known quirk
        s = summarize(load_cdnow("sample"), calibration_end="1997-09-30", time_unit="W")
    return _pooled(s)


@pytest.fixture(scope="module")
def simulated():
    """Simulated customers with large frequencies (up to hundreds) and some with t_x == T."""
    rng = np.random.default_rng(11)
    T = rng.integers(1, 105, 4000).astype(np.float64)
    tables, _ = simulate_paretonbd_summary(4000, 2.0, 1.5, 0.5, 20.0, T=T, random_state=rng)
    s = tables["summary"]
    s["recency"] = np.where(s["frequency"] > 0, np.ceil(s["recency"]).clip(1, T), 0.0)
    return _pooled(s)


def _reference_gradient(z, x, tx, T, w, h=1e-3):
    """Gradient of the reference negative log-likelihood in log-parameters: central
    differences at steps h and h/2, Richardson-extrapolated (error of order h^4)."""

    def f(zz):
        with np.errstate(divide="ignore"):
            return -float(np.dot(w, ParetoNBD._loglik_rows(np.exp(zz), x, tx, T)))

    def central(step):
        return np.array([(f(z + e) - f(z - e)) / (2 * step) for e in np.eye(4) * step])

    return (4 * central(h / 2) - central(h)) / 3


def _five_point(bcz, direction, h=1e-3):
    """Derivative of log hyp2f1(1, b, c, z) along ``direction``: five-point stencil."""

    def at(k):
        b, c, z = bcz + k * h * direction
        return np.log(hyp2f1(1.0, b, c, z))

    return (8 * (at(1) - at(-1)) - (at(2) - at(-2))) / (12 * h)


def test_series_of_the_hypergeometric_function_matches_scipy():
    # Value against scipy's hyp2f1; derivatives against five-point differences of it.
    b = np.array([0.05, 0.6, 1.6, 30.6, 400.2, 113.0])
    c = b + np.array([1.2, 0.3, 0.8, 1.6, 2.0, 0.42])
    for z in (0.0, 0.01, 0.3, _SERIES_MAX_Z):
        zs = np.full(len(b), z)
        log_f, d_b, d_c, d_z = _log_f1_series(b, c, zs)
        np.testing.assert_allclose(log_f, np.log(hyp2f1(1.0, b, c, zs)), rtol=1e-13, atol=1e-15)
        for got, direction in ((d_b, (1, 0, 0)), (d_c, (0, 1, 0)), (d_z, (0, 0, 1))):
            want = _five_point(np.array([b, c, zs]), np.array(direction)[:, None])
            np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


# alpha >= beta, alpha < beta, alpha == beta (z = 0), and points far from any optimum where
# the argument of 2F1 exceeds the series' range (scipy and differences there).
POINTS = [
    [0.55, 10.6, 0.61, 11.7],
    [0.55, 14.0, 0.61, 9.0],
    [1.3, 4.0, 0.4, 4.0],
    [2.5, 1.2, 1.7, 35.0],
    [0.2, 30.0, 3.0, 2.0],
]


@pytest.mark.parametrize("data", ["cdnow_weeks", "simulated"])
@pytest.mark.parametrize("theta", POINTS)
def test_objective_value_and_gradient_equal_the_reference(data, theta, request):
    x, tx, T, w = request.getfixturevalue(data)
    if data == "simulated":
        assert x.max() >= 200 and np.any((x > 0) & (tx == T))  # large x and t_x == T present
    z = np.log(theta)
    value, grad = ParetoNBD._objective(x, tx, T, w)
    ref = -float(np.dot(w, ParetoNBD._loglik_rows(np.array(theta), x, tx, T)))
    assert value(z) == pytest.approx(ref, rel=1e-12)
    np.testing.assert_allclose(grad(z), _reference_gradient(z, x, tx, T, w), rtol=1e-6)


def test_objective_gradient_is_small_at_the_published_cdnow_optimum(cdnow_weeks):
    # Fader, Hardie & Lee (2005): r 0.553, alpha 10.578, s 0.606, beta 11.669 (rounded), so
    # the gradient per customer there is near 0 but not exactly 0; away from it, it is not.
    x, tx, T, w = cdnow_weeks
    _, grad = ParetoNBD._objective(x, tx, T, w)
    near = grad(np.log([0.553, 10.578, 0.606, 11.669])) / w.sum()
    far = grad(np.log([0.6, 10.578, 0.606, 11.669])) / w.sum()
    assert np.max(np.abs(near)) < 2e-3
    assert np.max(np.abs(far)) > 2e-2


def test_fit_uses_the_objective_and_matches_the_old_path():
    truth = {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}
    rng = np.random.default_rng(3)
    T = rng.integers(365, 731, 10_000) / 7.0
    s = simulate_paretonbd_summary(10_000, T=T, random_state=rng, **truth)[0]["summary"]
    s["recency"] = np.where(s["frequency"] > 0, np.ceil(s["recency"] * 7).clip(1, T * 7), 0) / 7
    neg_ll, neg_grad = ParetoNBD()._objective_for(*_pooled(s))
    assert neg_grad is not None
    new, old = ParetoNBD().fit(s), _OldPath().fit(s)
    for k in truth:
        assert new.params_[k] == pytest.approx(old.params_[k], rel=1e-5), k
        assert new.standard_errors_[k] == pytest.approx(old.standard_errors_[k], rel=1e-3), k
    assert new.log_likelihood_ == pytest.approx(old.log_likelihood_, abs=1e-6)
