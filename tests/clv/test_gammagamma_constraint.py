"""GammaGamma(q_constraint=True): the fit restricted to q > 1 (helpers/clv/gammagamma.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from helpers.clv import GammaGamma, parameter_draws
from helpers.exceptions import ConvergenceError, ParameterError
from helpers.simulate import simulate_gammagamma_spend


def _spend(q: float, n: int, seed: int) -> pd.DataFrame:
    """Repeat customers' mean spend with p = 3, gamma = 10 and the given q."""
    x = np.random.default_rng(seed).integers(1, 8, size=n)
    return simulate_gammagamma_spend(x, 3.0, q, 10.0, random_state=seed)[0]["spend"]


def _bounded_fit(data: pd.DataFrame) -> np.ndarray:
    """Independent constrained fit: scipy L-BFGS-B on the natural scale with q >= 1."""
    x = data["frequency"].to_numpy(dtype=float)
    m = data["monetary_value"].to_numpy()

    def neg_ll(theta):
        return -GammaGamma._loglik_rows(theta, x, m).sum() / len(x)

    res = minimize(
        neg_ll,
        np.array([2.0, 2.0, 20.0]),
        method="L-BFGS-B",
        bounds=[(1e-6, None), (1.0, None), (1e-6, None)],
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000},
    )
    assert res.success
    return res.x


@pytest.fixture(scope="module")
def cdnow_repeat(cdnow_summary):
    s = cdnow_summary
    return s[s["frequency"] > 0]


def test_cdnow_constrained_fit_equals_the_unconstrained_one(cdnow_repeat):
    # Published (Fader, Hardie & Lee 2005): p = 6.25, q = 3.74, gamma = 15.44; q > 1, so the
    # restriction is not binding and both fits must agree.
    free = GammaGamma().fit(cdnow_repeat)
    fixed = GammaGamma(q_constraint=True).fit(cdnow_repeat)
    assert fixed.n_customers_ == 946
    assert {k: round(v, 2) for k, v in fixed.params_.items()} == {
        "p": 6.25,
        "q": 3.74,
        "gamma": 15.44,
    }
    assert fixed.params_ == pytest.approx(free.params_, rel=1e-7)
    assert fixed.log_likelihood_ == pytest.approx(free.log_likelihood_, abs=1e-8)
    # Same Hessian in other coordinates: the delta-method errors agree.
    assert fixed.standard_errors_ == pytest.approx(free.standard_errors_, rel=1e-3)
    # sd(log(q - 1)) = sd(log q) * q / (q - 1) to first order.
    q = free.params_["q"]
    sd_free = np.sqrt(free.covariance_log_[1, 1])
    assert np.sqrt(fixed.covariance_log_[1, 1]) == pytest.approx(sd_free * q / (q - 1), rel=1e-3)
    ci = fixed.confidence_intervals_.loc["q"]
    assert 1 < ci["ci_low"] < q < ci["ci_high"]
    assert fixed.population_mean_spend() == pytest.approx(free.population_mean_spend(), rel=1e-7)


def test_constrained_fit_matches_an_independent_bounded_optimisation():
    # q = 1.5 planted: q > 1 in the data, both fits agree with scipy's bounded optimum.
    data = _spend(1.5, 3000, 11)
    fixed = GammaGamma(q_constraint=True).fit(data)
    expected = _bounded_fit(data)
    got = np.array([fixed.params_[k] for k in ("p", "q", "gamma")])
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert fixed.params_["q"] > 1


def test_data_favouring_q_below_one_are_refused_with_the_reason():
    data = _spend(0.8, 3000, 5)
    free = GammaGamma().fit(data)
    assert free.params_["q"] < 1  # the planted q = 0.8 is recovered below 1
    assert free.population_mean_spend() == float("inf")
    # The bounded optimisation on the natural scale ends on the boundary q = 1: the
    # restricted likelihood has no maximum inside q > 1.
    assert _bounded_fit(data)[1] == pytest.approx(1.0, abs=1e-6)
    # A profile over q above 1 falls steadily (independent of the optimiser).
    x = data["frequency"].to_numpy(dtype=float)
    m = data["monetary_value"].to_numpy()
    profile = []
    for q in (1.001, 1.1, 1.5, 2.0):

        def neg_ll(v, q=q):
            return -GammaGamma._loglik_rows(np.array([np.exp(v[0]), q, np.exp(v[1])]), x, m).sum()

        res = minimize(
            neg_ll,
            np.log([2.0, 20.0]),
            method="Nelder-Mead",
            options={"xatol": 1e-8, "fatol": 1e-8},
        )
        profile.append(-res.fun)
    assert np.all(np.diff(profile) < 0)
    with pytest.raises(ConvergenceError, match=r"favour q = 0\.\d+ <= 1.*q_constraint=False"):
        GammaGamma(q_constraint=True).fit(data)


def test_constrained_draws_keep_q_above_one():
    # Few customers and q near 1: the unconstrained normal in log q puts draws below 1.
    data = _spend(1.15, 300, 2)
    free = GammaGamma().fit(data)
    fixed = GammaGamma(q_constraint=True).fit(data)
    assert fixed.params_ == pytest.approx(free.params_, rel=1e-6)
    d_free = parameter_draws(free, 2000, random_state=0)
    d_fixed = parameter_draws(fixed, 2000, random_state=0)
    assert free.confidence_intervals_.loc["q", "ci_low"] < 1
    assert (d_free["q"] <= 1).mean() > 0.02
    assert (d_fixed["q"] > 1).all()
    # Draws of log(q - 1) have the stored covariance's spread (standard error 1.6% at 2000).
    sd = np.sqrt(fixed.covariance_log_[1, 1])
    assert np.log(d_fixed["q"] - 1).std() == pytest.approx(sd, rel=0.05)


def test_bad_constraint_arguments():
    data = _spend(1.5, 200, 1)
    with pytest.raises(ParameterError, match="q_constraint must be True or False"):
        GammaGamma(q_constraint="yes").fit(data)
    with pytest.raises(ParameterError, match=r"initial_params\['q'\] = 0.5 must be above 1"):
        GammaGamma(q_constraint=True).fit(data, initial_params={"p": 1, "q": 0.5, "gamma": 5})
    fitted = GammaGamma(q_constraint=True).fit(
        data, initial_params={"p": 1.0, "q": 2.0, "gamma": 5.0}
    )
    assert fitted.params_ == pytest.approx(GammaGamma().fit(data).params_, rel=1e-6)
