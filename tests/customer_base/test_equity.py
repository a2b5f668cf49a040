"""Customer-equity model against closed forms worked out independently."""

import numpy as np
import pytest

from helpers.customer_base.equity import EquityInputs, customer_equity, lever_effects, retention_clv
from helpers.exceptions import ParameterError


def test_retention_clv_formula():
    assert retention_clv(100, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    # With growth g: sum_t m (1+g)^(t-1) r^t / (1+d)^t, summed numerically.
    t = np.arange(1, 2000)
    direct = (120 * 1.03 ** (t - 1) * 0.7**t / 1.12**t).sum()
    assert retention_clv(120, 0.7, 0.12, spend_growth=0.03) == pytest.approx(direct)


def test_retention_clv_diverges():
    with pytest.raises(ParameterError, match="lifetime value is infinite"):
        retention_clv(100, 0.95, 0.0, spend_growth=0.1)


def test_existing_base_converges_to_closed_form():
    proj = customer_equity(horizon=600, acquisition_rate=0, cost_to_serve=0)
    assert proj.attrs["equity"] == pytest.approx(10_000 * retention_clv(100, 0.75, 0.10))
    assert proj.attrs["existing_value"] == pytest.approx(proj.attrs["equity"])


def test_acquired_cohorts_match_closed_form():
    # Cohort k: A/(1+d)^(k-1) * (-c + m/(1+d-r)), for k = 1..H.
    a, p, c, m, r, d, h = 0.04, 40_000, 90.0, 80.0, 0.6, 0.08, 12
    proj = customer_equity(
        n_customers=0,
        n_prospects=p,
        acquisition_rate=a,
        acquisition_cost=c,
        margin=m,
        retention_rate=r,
        discount_rate=d,
        horizon=h,
        cost_to_serve=0,
    )
    # Finite horizon: cohort k earns in periods k..h only.
    expected = sum(
        a
        * p
        * (-c / (1 + d) ** (k - 1) + sum(m * r ** (t - k) / (1 + d) ** t for t in range(k, h + 1)))
        for k in range(1, h + 1)
    )
    assert proj.attrs["equity"] == pytest.approx(expected)


def test_customer_counts_and_cash_flows():
    proj = customer_equity(
        horizon=3, retention_rate=0.5, n_customers=1000, n_prospects=1000, acquisition_rate=0.1
    )
    np.testing.assert_allclose(proj["existing"], [500, 250, 125])
    np.testing.assert_allclose(proj["acquired"], [100, 150, 175])
    row = proj.loc[2]
    assert row["margin"] == pytest.approx(400 * 100)
    assert row["service_cost"] == pytest.approx(400 * 20)
    assert row["cash_flow"] == pytest.approx(400 * 100 - 400 * 20 - 100 * 80)
    assert proj["cumulative_value"].iloc[-1] == pytest.approx(proj.attrs["equity"])


def test_levers_move_equity_in_the_right_direction():
    eff = lever_effects(
        retention_rate=0.8, margin=110, spend_growth=0.05, acquisition_rate=0.055, cost_to_serve=18
    )
    assert (eff["change"] > 0).all()
    base = customer_equity().attrs["equity"]
    assert eff.loc["margin", "equity"] == pytest.approx(customer_equity(margin=110).attrs["equity"])
    assert eff.loc["retention_rate", "change_pct"] == pytest.approx(
        100 * (customer_equity(retention_rate=0.8).attrs["equity"] / base - 1)
    )
    # Moving the acquisition cost up lowers equity by exactly the discounted extra spend.
    extra = lever_effects(acquisition_cost=90).loc["acquisition_cost", "change"]
    inputs = EquityInputs()
    spend = 10 * inputs.acquisition_rate * inputs.n_prospects
    assert extra == pytest.approx(-sum(spend / 1.1**k for k in range(inputs.horizon)))


def test_bad_inputs_are_named():
    with pytest.raises(ParameterError, match="parameter 'retention_rate' = 1.5 is out of range"):
        customer_equity(retention_rate=1.5)
    with pytest.raises(ParameterError, match=r"unknown input\(s\) \['churn'\]"):
        customer_equity(churn=0.2)
    with pytest.raises(ParameterError, match="name at least one input"):
        lever_effects()


def test_discount_rate_is_a_share_per_period():
    with pytest.raises(ParameterError, match=r"'discount_rate' = 10 is out of range.*0.10 for 10%"):
        customer_equity(discount_rate=10)
    with pytest.raises(ParameterError, match=r"'discount_rate' = 1 is out of range"):
        retention_clv(100, 0.8, 1)
    # Whole-number rates (0, a growth of 0) are numbers like any other.
    flat = customer_equity(discount_rate=0, spend_growth=0, horizon=3)
    assert flat["discount_factor"].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ParameterError, match="inputs must be an EquityInputs"):
        customer_equity({"margin": 100.0})
