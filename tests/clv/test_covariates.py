"""Tests of time-invariant covariates for the BG/NBD and Pareto/NBD (helpers.clv.covariates):
the likelihood against the plain models row by row, the reduction to the plain model at zero
coefficients, planted effects recovered inside their 95% intervals, interval coverage over
replications, predictions per covariate pattern, and every documented error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.clv import BGNBD, MBGNBD, ParetoNBD
from helpers.clv import covariates as cov
from helpers.exceptions import DataValidationError, NotFittedError, ParameterError
from helpers.simulate import simulate_covariate_summary

BG_PARAMS = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5}
PNBD_PARAMS = {"r": 0.5, "alpha": 8.0, "s": 0.8, "beta": 12.0}


def _bg_data(n, seed, **effects):
    effects = effects or {
        "purchase": {"online": 0.5, "age": 0.2},
        "dropout_a": {"online": 0.6},
        "dropout_b": {"online": -0.3},
    }
    return simulate_covariate_summary(n, "BG/NBD", BG_PARAMS, T=52, random_state=seed, **effects)


def _fit(cls, summary, truth):
    return cls().fit(
        summary,
        purchase_covariates=truth.purchase_covariates,
        dropout_covariates=truth.dropout_covariates,
    )


@pytest.fixture(scope="module")
def bg_fit():
    tables, truth = _bg_data(4000, 3)
    return _fit(BGNBD, tables["summary"], truth), tables["summary"], truth


@pytest.fixture(scope="module")
def pnbd_fit():
    tables, truth = simulate_covariate_summary(
        4000,
        "Pareto/NBD",
        PNBD_PARAMS,
        purchase={"online": 0.5, "age": 0.2},
        dropout={"online": 0.5},
        T=52,
        random_state=3,
    )
    return _fit(ParetoNBD, tables["summary"], truth), tables["summary"], truth


# ------------------------------------------------------------------------------------------
# The likelihood
def _random_rows(seed, n=40):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 15, n).astype(float)
    T = rng.uniform(5, 60, n)
    tx = np.where(x > 0, T * rng.uniform(0, 1, n), 0.0)
    tx[:3] = np.where(x[:3] > 0, T[:3], 0.0)  # last purchase at T: no dropout term
    return x, tx, T, rng


def test_bgnbd_likelihood_equals_plain_model_row_by_row():
    x, tx, T, rng = _random_rows(1)
    r = 0.4
    alpha, a, b = rng.uniform(1, 20, len(x)), rng.uniform(0.3, 3, len(x)), rng.uniform(0.5, 6, 40)
    ours = cov.bgnbd_loglik_rows(r, alpha, a, b, x, tx, T)
    plain = [
        BGNBD._loglik_rows((r, alpha[i], a[i], b[i]), x[i : i + 1], tx[i : i + 1], T[i : i + 1])[0]
        for i in range(len(x))
    ]
    np.testing.assert_allclose(ours, plain, rtol=1e-12)


def test_paretonbd_likelihood_equals_plain_model_row_by_row():
    x, tx, T, rng = _random_rows(2)
    r, s = 0.6, 0.9
    alpha, beta = rng.uniform(1, 20, len(x)), rng.uniform(1, 20, len(x))  # both branches
    ours = cov.paretonbd_loglik_rows(r, alpha, s, beta, x, tx, T)
    plain = [
        ParetoNBD._loglik_rows(
            (r, alpha[i], s, beta[i]), x[i : i + 1], tx[i : i + 1], T[i : i + 1]
        )[0]
        for i in range(len(x))
    ]
    np.testing.assert_allclose(ours, plain, rtol=1e-10)


@pytest.mark.parametrize("kind", ["bgnbd", "mbgnbd", "pnbd"])
def test_objective_maps_coefficients_to_per_row_parameters(kind):
    """Total likelihood at coordinates z = the plain models' likelihoods at the per-row
    parameters built by hand from the published parametrisation."""
    x, tx, T, rng = _random_rows(3)
    n = len(x)
    Zp = np.column_stack([rng.integers(0, 2, n), rng.standard_normal(n)]).astype(float)
    Zd = Zp[:, :1]
    w = rng.integers(1, 4, n).astype(float)
    if kind != "pnbd":
        cls = BGNBD if kind == "bgnbd" else MBGNBD
        base = (0.4, 6.0, 0.9, 2.0)
        g = np.array([0.3, -0.2, 0.5, -0.4])  # purchase online, age; dropout_a, dropout_b
        z = np.concatenate([np.log(base), g])
        alpha_i = 6.0 * np.exp(-(0.3 * Zp[:, 0] - 0.2 * Zp[:, 1]))
        a_i, b_i = 0.9 * np.exp(0.5 * Zd[:, 0]), 2.0 * np.exp(-0.4 * Zd[:, 0])
        plain = [
            cls._loglik_rows((0.4, alpha_i[i], a_i[i], b_i[i]), *(v[i : i + 1] for v in (x, tx, T)))
            for i in range(n)
        ]
    else:
        base = (0.6, 6.0, 0.9, 10.0)
        g = np.array([0.3, -0.2, 0.5])
        z = np.concatenate([np.log(base), g])
        alpha_i = 6.0 * np.exp(-(0.3 * Zp[:, 0] - 0.2 * Zp[:, 1]))
        beta_i = 10.0 * np.exp(-0.5 * Zd[:, 0])
        plain = [
            ParetoNBD._loglik_rows(
                (0.6, alpha_i[i], 0.9, beta_i[i]), *(v[i : i + 1] for v in (x, tx, T))
            )
            for i in range(n)
        ]
    neg_ll, neg_grad = cov._objective(kind, x, tx, T, w, Zp, Zd)
    assert neg_ll(z) == pytest.approx(-float(np.dot(w, np.concatenate(plain))), rel=1e-11)
    if neg_grad is not None:  # analytic gradient against central differences
        h = 1e-6
        fd = [(neg_ll(z + e) - neg_ll(z - e)) / (2 * h) for e in np.eye(len(z)) * h]
        np.testing.assert_allclose(neg_grad(z), fd, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls", [BGNBD, ParetoNBD])
def test_zero_coefficients_reduce_to_the_plain_model(cls, bg_fit, pnbd_fit):
    model, summary, _ = bg_fit if cls is BGNBD else pnbd_fit
    plain = cls().fit(summary[["frequency", "recency", "T"]])
    z_hat, _, to_state = model._draw_space()
    z0 = np.concatenate([np.log(list(plain.params_.values())), np.zeros(len(z_hat) - 4)])
    at_zero = to_state(z0)
    kind = "bgnbd" if cls is BGNBD else "pnbd"
    Z = summary[["online", "age"]].to_numpy()
    some = summary.iloc[:100]
    Zd = summary[["online"]].to_numpy()
    x, tx, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    neg_ll, _ = cov._objective(kind, x, tx, T, np.ones(len(x)), Z, Zd)
    assert -neg_ll(z0) == pytest.approx(plain.log_likelihood_, rel=1e-10)
    pd.testing.assert_series_equal(
        at_zero.conditional_expected_purchases(10, some),
        plain.conditional_expected_purchases(10, some),
        rtol=1e-10,
    )
    # The covariates improve the fit: the likelihood-ratio statistic is large.
    assert 2 * (model.log_likelihood_ - plain.log_likelihood_) > 50


def test_plain_fit_is_unchanged_after_a_covariate_fit(bg_fit):
    _, summary, _ = bg_fit
    plain = BGNBD().fit(summary[["frequency", "recency", "T"]])
    m = BGNBD().fit(summary, purchase_covariates=["online"])
    assert "purchase[online]" in m.coefficients_
    m.fit(summary)  # refit without covariates clears the covariate state
    assert m.params_ == plain.params_
    assert not hasattr(m, "coefficients_") and not hasattr(m, "covariance_")
    assert len(m.summary()) == 4


# ------------------------------------------------------------------------------------------
# Planted effects
def _check_recovered(model, truth, max_se):
    table = model.summary().set_index("parameter")
    planted = truth.params | truth.coefficients
    assert list(table.index) == list(planted)
    for k, v in planted.items():
        assert table.loc[k, "ci_low"] < v < table.loc[k, "ci_high"], (k, v, table.loc[k].tolist())
    for k in truth.coefficients:
        assert table.loc[k, "std_error"] < max_se, (k, table.loc[k, "std_error"])


def test_bgnbd_recovers_planted_covariate_effects(bg_fit):
    model, _, truth = bg_fit
    _check_recovered(model, truth, max_se=0.35)
    assert model.coefficients_["purchase[online]"] == pytest.approx(0.5, abs=0.12)
    assert model.coefficients_["purchase[age]"] == pytest.approx(0.2, abs=0.06)
    assert model.covariance_.shape == (8, 8)
    assert np.all(np.linalg.eigvalsh(model.covariance_) > 0)


def test_mbgnbd_recovers_planted_covariate_effects():
    tables, truth = simulate_covariate_summary(
        4000,
        "MBG/NBD",
        {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6},
        purchase={"online": 0.5},
        dropout_a={"online": 0.6},
        T=52,
        random_state=5,
    )
    model = _fit(MBGNBD, tables["summary"], truth)
    _check_recovered(model, truth, max_se=0.3)
    on = model.for_covariates({"online": 1})
    assert isinstance(on, MBGNBD) and on.params_["a"] > model.params_["a"]


def test_paretonbd_recovers_planted_covariate_effects(pnbd_fit):
    model, _, truth = pnbd_fit
    _check_recovered(model, truth, max_se=0.15)
    assert model.coefficients_["dropout[online]"] == pytest.approx(0.5, abs=0.25)


def test_intervals_cover_the_planted_coefficients():
    """Nominal 95% intervals of 2 coefficients over 40 replications of 800 customers."""
    hits = []
    for seed in range(40):
        tables, truth = _bg_data(
            800, 100 + seed, purchase={"online": 0.5}, dropout_a={"online": 0.5}
        )
        m = _fit(BGNBD, tables["summary"], truth)
        ci = m.coefficient_intervals_
        for k in ("purchase[online]", "dropout_a[online]"):
            hits.append(ci.loc[k, "ci_low"] < truth.coefficients[k] < ci.loc[k, "ci_high"])
    assert 0.85 <= np.mean(hits) <= 1.0, np.mean(hits)


# ------------------------------------------------------------------------------------------
# Predictions
@pytest.mark.parametrize("which", ["bg", "pnbd"])
def test_predictions_run_per_covariate_pattern(which, bg_fit, pnbd_fit):
    model, summary, _ = bg_fit if which == "bg" else pnbd_fit
    s = summary.iloc[:300].sample(frac=1.0, random_state=0)  # shuffled order
    s["age"] = s["age"].round(0)  # a few patterns: predictions loop over them
    got = model.conditional_expected_purchases(20, s)
    alive = model.probability_alive(s)
    assert got.index.equals(s.index) and alive.index.equals(s.index)
    for pattern, rows in s.groupby(["online", "age"]).groups.items():
        plain = model.for_covariates({"online": pattern[0], "age": pattern[1]})
        sub = s.loc[rows]
        np.testing.assert_allclose(got.loc[rows], plain.conditional_expected_purchases(20, sub))
        np.testing.assert_allclose(alive.loc[rows], plain.probability_alive(sub))
    counts = model.expected_frequency_counts(s, max_n=5)
    assert counts["observed"].sum() == len(s)
    assert counts["expected"].sum() == pytest.approx(len(s))


def test_for_covariates_applies_the_parametrisation(bg_fit, pnbd_fit):
    m, _, _ = bg_fit
    g = m.coefficients_
    p = m.for_covariates({"online": 1, "age": -0.5}).params_
    assert p["alpha"] == pytest.approx(
        m.params_["alpha"] * np.exp(-(g["purchase[online]"] - 0.5 * g["purchase[age]"]))
    )
    assert p["a"] == pytest.approx(m.params_["a"] * np.exp(g["dropout_a[online]"]))
    assert p["b"] == pytest.approx(m.params_["b"] * np.exp(g["dropout_b[online]"]))
    assert p["r"] == m.params_["r"]
    q, _, _ = pnbd_fit
    gq = q.coefficients_
    pq = q.for_covariates(pd.Series({"online": 1.0, "age": 0.0})).params_
    assert pq["beta"] == pytest.approx(q.params_["beta"] * np.exp(-gq["dropout[online]"]))
    assert pq["s"] == q.params_["s"]
    # Online customers buy more often (positive planted purchase effect).
    on = q.for_covariates({"online": 1, "age": 0}).expected_purchases(52)
    off = q.for_covariates({"online": 0, "age": 0}).expected_purchases(52)
    assert on > off


def test_draw_space_round_trips(bg_fit):
    m, summary, _ = bg_fit
    z_hat, c, to_state = m._draw_space()
    assert c.shape == (len(z_hat), len(z_hat))
    np.testing.assert_allclose(
        np.sqrt(np.diag(c))[4:], list(m.coefficient_standard_errors_.values())
    )
    s = summary.iloc[:50]
    pd.testing.assert_series_equal(
        to_state(z_hat).probability_alive(s), m.probability_alive(s), rtol=1e-12
    )
    moved = to_state(z_hat + np.r_[np.zeros(4), 0.3, np.zeros(len(z_hat) - 5)])
    assert moved.coefficients_["purchase[online]"] == pytest.approx(
        m.coefficients_["purchase[online]"] + 0.3
    )
    assert m.coefficients_["purchase[online]"] != moved.coefficients_["purchase[online]"]


# ------------------------------------------------------------------------------------------
# Errors
def test_covariate_errors(bg_fit):
    m, summary, _ = bg_fit
    s = summary.iloc[:500].copy()
    s["channel"] = np.where(s["online"] > 0, "online", "store")
    with pytest.raises(DataValidationError, match=r"'channel'.*not numeric.*get_dummies"):
        BGNBD().fit(s, purchase_covariates=["channel"])
    with pytest.raises(DataValidationError, match=r"no column 'region'"):
        BGNBD().fit(s, dropout_covariates=["region"])
    s2 = s.copy()
    s2.loc[s2.index[:2], "age"] = np.nan
    with pytest.raises(DataValidationError, match=r"'age'.*2 missing"):
        BGNBD().fit(s2, purchase_covariates=["age"])
    s2["one"] = 1.0
    with pytest.raises(DataValidationError, match=r"'one'.*same value"):
        BGNBD().fit(s2, purchase_covariates=["one"])
    with pytest.raises(ParameterError, match="penalizer"):
        BGNBD(penalizer=0.01).fit(s, purchase_covariates=["online"])
    with pytest.raises(ParameterError, match="list of column names"):
        BGNBD().fit(s, purchase_covariates=[1])
    with pytest.raises(ParameterError, match="twice"):
        BGNBD().fit(s, purchase_covariates=["online", "online"])
    # Predictions need the covariate columns and values.
    with pytest.raises(DataValidationError, match=r"no column 'age'.*covariate"):
        m.probability_alive(s[["frequency", "recency", "T", "online"]])
    with pytest.raises(ParameterError, match="for_covariates"):
        m.expected_purchases(10)
    with pytest.raises(ParameterError, match="no value for covariate 'age'"):
        m.for_covariates({"online": 1})
    with pytest.raises(ParameterError, match="finite"):
        m.for_covariates({"online": 1, "age": "old"})
    with pytest.raises(ParameterError, match="without covariates"):
        BGNBD().fit(s).for_covariates({"online": 1})
    with pytest.raises(NotFittedError):
        BGNBD().for_covariates({"online": 1})


def test_parameter_draws_use_the_covariate_coordinates(bg_fit):
    """helpers.clv.uncertainty draws through _draw_space: the coefficients' spread over the
    draws matches their standard errors (2000 draws: within 10%)."""
    uncertainty = pytest.importorskip("helpers.clv.uncertainty")
    m, _, _ = bg_fit
    draws = uncertainty.parameter_draws(m, n_draws=2000, random_state=0)
    for k, se in m.coefficient_standard_errors_.items():
        assert draws[k].std() == pytest.approx(se, rel=0.1), k
