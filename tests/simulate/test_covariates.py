"""Tests of helpers.simulate.simulate_covariate_summary: each covariate group's mean number of
purchases against the plain model's closed form at that group's parameters (Monte Carlo),
seeding, and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.clv import BGNBD, MBGNBD, ParetoNBD
from helpers.exceptions import ParameterError
from helpers.simulate import CovariateTruth, simulate_covariate_summary


def _plain(cls, params):
    m = cls()
    m.params_ = dict(params)
    return m


@pytest.mark.parametrize("model", ["BG/NBD", "MBG/NBD", "Pareto/NBD"])
def test_group_means_match_the_closed_form_at_the_group_parameters(model):
    if model != "Pareto/NBD":
        params = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5}
        effects = {"purchase": {"online": 0.6}, "dropout_a": {"online": 0.7}}
    else:
        params = {"r": 0.5, "alpha": 8.0, "s": 0.8, "beta": 12.0}
        effects = {"purchase": {"online": 0.6}, "dropout": {"online": 0.7}}
    tables, truth = simulate_covariate_summary(
        40_000, model, params, T=30.0, online_share=0.3, random_state=7, **effects
    )
    s = tables["summary"]
    assert isinstance(truth, CovariateTruth) and truth.purchase_covariates == ["online"]
    assert s["online"].mean() == pytest.approx(0.3, abs=0.01)
    assert s["age"].std() == pytest.approx(1.0, abs=0.02)
    assert (s["recency"] <= s["T"]).all() and (s.loc[s["frequency"] == 0, "recency"] == 0).all()
    cls = {"BG/NBD": BGNBD, "MBG/NBD": MBGNBD, "Pareto/NBD": ParetoNBD}[model]
    closed = {}
    for online in (0.0, 1.0):
        p = dict(params)
        p["alpha"] *= np.exp(-0.6 * online)
        if model != "Pareto/NBD":
            p["a"] *= np.exp(0.7 * online)
        else:
            p["beta"] *= np.exp(-0.7 * online)
        expected = _plain(cls, p).expected_purchases(30.0)
        closed[online] = expected
        x = s.loc[s["online"] == online, "frequency"]
        se = x.std() / np.sqrt(len(x))
        assert abs(x.mean() - expected) < 4 * se, (online, x.mean(), expected, se)
    # The planted effects show, in the direction the closed forms say (online customers buy
    # more often but leave sooner: the net effect on purchases depends on the model).
    means = s.groupby("online")["frequency"].mean()
    assert (means[1.0] > means[0.0]) == (closed[1.0] > closed[0.0])
    assert abs(means[1.0] - means[0.0]) > 0.05


def test_age_effect_and_truth_names():
    params = {"r": 0.5, "alpha": 8.0, "s": 0.8, "beta": 12.0}
    tables, truth = simulate_covariate_summary(
        20_000, "Pareto/NBD", params, purchase={"age": 0.5}, T=20.0, random_state=1
    )
    assert truth.coefficients == {"purchase[age]": 0.5}
    assert truth.dropout_covariates == []
    s = tables["summary"]
    # The mean rate r / alpha_i grows with age as exp(0.5 age): older halves buy more.
    old = s.loc[s["age"] > 0, "frequency"].mean()
    young = s.loc[s["age"] <= 0, "frequency"].mean()
    assert old > 1.5 * young


def test_seeded_and_bgnbd_truth_lists_both_dropout_blocks():
    params = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5}
    kw = {"purchase": {"online": 0.3}, "dropout_b": {"age": -0.2}, "T": 10.0}
    a, truth = simulate_covariate_summary(100, "BG/NBD", params, random_state=3, **kw)
    b, _ = simulate_covariate_summary(100, "BG/NBD", params, random_state=3, **kw)
    pd.testing.assert_frame_equal(a["summary"], b["summary"])
    assert truth.coefficients == {
        "purchase[online]": 0.3,
        "dropout_a[age]": 0.0,
        "dropout_b[age]": -0.2,
    }


def test_errors():
    bg = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5}
    with pytest.raises(ParameterError, match="'model'"):
        simulate_covariate_summary(10, "BGNBD", bg)
    with pytest.raises(ParameterError, match="keys"):
        simulate_covariate_summary(10, "Pareto/NBD", bg)
    with pytest.raises(ParameterError, match="'income'"):
        simulate_covariate_summary(10, "BG/NBD", bg, purchase={"income": 1.0})
    with pytest.raises(ParameterError, match="dropout_a"):
        simulate_covariate_summary(10, "BG/NBD", bg, dropout={"online": 1.0})
    with pytest.raises(ParameterError, match="must be a dict"):
        simulate_covariate_summary(10, "BG/NBD", bg, purchase=0.5)
    with pytest.raises(ParameterError, match="online_share"):
        simulate_covariate_summary(10, "BG/NBD", bg, online_share=1.5)
