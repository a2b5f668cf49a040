"""The subscription simulator's optional frailty and renewal spikes recover what they plant."""

import functools

import numpy as np
import pandas as pd
import pytest

from helpers.churn import survival_table
from helpers.exceptions import ParameterError
from helpers.simulate import EXIT_REASONS, design_matrix, subscriptions

OBS = "2024-12-31"


def _monthly_hazard(table, months):
    """Share of the customers reaching month m (whole months of tenure) who leave in it."""
    m = np.floor(table["duration"]).astype(int)
    return np.array(
        [((m == i) & (table["event"] == 1)).sum() / (m >= i).sum() for i in range(months)]
    )


def _table(**kwargs):
    data, truth = subscriptions(
        20_000, random_state=7, start="2019-01-01", observation_end=OBS, **kwargs
    )
    table = survival_table(data["customers"], observation_end=OBS, time_unit="M")
    return table.assign(plan=data["customers"]["plan"]), truth


def test_defaults_plant_no_frailty_and_no_spikes():
    _, truth = subscriptions(500, random_state=1)
    assert truth.frailty_variance == 0 and truth.renewal_hazard == 0
    assert (truth.frailty == 1).all()
    again, _ = subscriptions(500, random_state=1, frailty_variance=0.0, renewal_hazard=0.0)
    first, _ = subscriptions(500, random_state=1)
    pd.testing.assert_frame_equal(first["customers"], again["customers"])


def test_renewal_spikes_sit_in_the_month_a_term_ends():
    table, truth = _table(renewal_hazard=0.5)
    assert truth.renewal_hazard == 0.5
    expected = 1 - np.exp(-0.5)  # share leaving at a renewal, before the smooth hazard
    annual = _monthly_hazard(table[table["plan"] == "annual"], 36)
    assert annual[[11, 23, 35]] == pytest.approx([expected] * 3, abs=0.06)
    assert annual[[9, 10, 13, 20]].max() < 0.06
    two_year = _monthly_hazard(table[table["plan"] == "two-year"], 25)
    assert two_year[11] < 0.06 and two_year[23] == pytest.approx(expected, abs=0.06)
    monthly = _monthly_hazard(table[table["plan"] == "monthly"], 25)
    assert monthly.max() < 0.1  # monthly plans renew every month: no spike


def test_gamma_frailty_has_the_planted_variance_and_bends_the_population_hazard_down():
    table, truth = _table(frailty_variance=1.0)
    assert truth.frailty.mean() == pytest.approx(1.0, abs=0.03)
    assert truth.frailty.var() == pytest.approx(1.0, abs=0.1)
    haz = _monthly_hazard(table, 48)
    # Each customer's hazard rises with tenure (shape 1.3); the population's falls late on.
    assert haz[36:48].mean() < 0.8 * haz[9:15].mean()
    plain, _ = _table()
    assert _monthly_hazard(plain, 48)[36:48].mean() > haz[9:15].mean()


@pytest.mark.parametrize("name", ["frailty_variance", "renewal_hazard"])
def test_negative_frailty_or_renewal_hazard_is_refused(name):
    with pytest.raises(ParameterError, match=name):
        subscriptions(100, random_state=1, **{name: -0.1})


# --- planted truth, checked exactly -----------------------------------------------------------


@functools.cache
def _sim(seed=11, **kwargs):
    """Simulated once per setting (read-only)."""
    data, truth = subscriptions(
        20_000, random_state=seed, start="2019-01-01", observation_end=OBS, **kwargs
    )
    customers = data["customers"]
    life = (truth.true_end - customers["start_date"]).dt.days  # uncensored, whole days
    return customers, design_matrix(customers), life.to_numpy(), truth


def _risk(x, ratios):
    return np.exp(x.to_numpy() @ np.log([ratios.get(c, 1.0) for c in x.columns]))


def _within(observed, expected, n, sds=3.0):
    """A share is within `sds` binomial standard errors of its expected value."""
    se = np.sqrt(expected * (1 - expected) / n)
    return np.abs(observed - expected) < sds * se


def test_gamma_frailty_population_survival_follows_the_closed_form():
    _, x, life, truth = _sim(frailty_variance=1.0)
    v, k, s = truth.frailty_variance, truth.weibull_shape, truth.weibull_scale_days
    r = _risk(x, truth.hazard_ratios)
    days = np.array([180, 365, 730, 1460, 2920])
    h = (days[:, None] / s) ** k * r  # each customer's cumulative hazard without frailty
    frail = ((1 + v * h) ** (-1 / v)).mean(axis=1)  # population survival, gamma frailty
    smooth = np.exp(-h).mean(axis=1)  # what the same customers would show without it
    observed = np.array([(life > t).mean() for t in days])
    assert _within(observed, frail, len(life)).all()
    # Frailty keeps more customers in the long run: 0.249 against 0.110 at 8 years.
    assert frail[-1] - smooth[-1] > 0.1
    assert not _within(observed[-2:], smooth[-2:], len(life)).any()


@pytest.mark.parametrize("months", [12, 24])
def test_renewal_spike_share_follows_one_minus_exp_of_the_renewal_hazard(months):
    customers, x, life, truth = _sim(seed=2, renewal_hazard=0.5)
    c, k, s = truth.renewal_hazard, truth.weibull_shape, truth.weibull_scale_days
    term = months * 30.4375
    start = term - 30.0  # the renewal window: the 30 days before the term ends
    at_risk = (customers["plan"] == "annual").to_numpy() & (life > start)
    r = _risk(x, truth.hazard_ratios)[at_risk]
    smooth = r * ((term / s) ** k - (start / s) ** k)
    expected = (1 - np.exp(-(c + smooth))).mean()  # spike plus the smooth hazard
    left = (life[at_risk] <= term).mean()
    assert _within(left, expected, at_risk.sum())
    # The spike alone: survivors are exp(-c) times those the smooth hazard alone would keep,
    # so 1 - exp(-0.5) = 0.393 of those who reach a renewal leave because of it.
    spike = 1 - (1 - left) / np.exp(-smooth).mean()
    assert _within(spike, 1 - np.exp(-0.5), at_risk.sum())


def test_exit_reasons_after_exit_is_the_default_and_plants_no_cause_hazards():
    first, truth = subscriptions(500, random_state=1)
    again, _ = subscriptions(500, random_state=1, exit_reasons="after_exit")
    pd.testing.assert_frame_equal(first["customers"], again["customers"])
    assert truth.exit_reasons == "after_exit" and truth.cause_hazard_ratios == {}
    assert truth.true_exit_reason is None
    with pytest.raises(ParameterError, match="exit_reasons='competing'"):
        truth.cause_coefficients("service")
    with pytest.raises(ParameterError, match="exit_reasons.*'competing'"):
        subscriptions(100, random_state=1, exit_reasons="competing risks")


def test_competing_reasons_follow_their_planted_hazards():
    customers, x, life, truth = _sim(exit_reasons="competing")
    assert truth.hazard_ratios == {}  # the all-cause hazard is a sum, not one Cox model
    assert set(truth.cause_hazard_ratios) == set(EXIT_REASONS)
    ended = customers["end_date"].notna()
    assert (customers.loc[ended, "exit_reason"] == truth.true_exit_reason[ended]).all()
    assert customers.loc[~ended, "exit_reason"].isna().all()
    assert (customers["exit_family"] == customers["exit_reason"].map(EXIT_REASONS))[ended].all()
    # Without frailty a customer's reason is k with probability w_k r_k / sum_j w_j r_j, at
    # every tenure: the shares of the uncensored reasons follow.
    r = {
        k: truth.cause_baseline_weights[k] * _risk(x, truth.cause_hazard_ratios[k])
        for k in EXIT_REASONS
    }
    total = sum(r.values())
    for reason in EXIT_REASONS:
        expected = (r[reason] / total).mean()
        observed = (truth.true_exit_reason == reason).mean()
        assert _within(observed, expected, len(life)), reason
    # Complaints drive service exits only: among customers with 3+ early complaints the
    # service share is far above the rest's.
    many = (customers["complaints"] >= 3).to_numpy()
    service = (truth.true_exit_reason == "service").to_numpy()
    assert service[many].mean() > 1.8 * service[~many].mean()
    assert set(truth.cause_coefficients("moved or closed").values()) == {0.0}


def test_competing_renewal_spikes_are_price_exits():
    customers, _, life, truth = _sim(exit_reasons="competing", renewal_hazard=1.0)
    term = 12 * 30.4375
    annual = (customers["plan"] == "annual").to_numpy()
    window = annual & (life > term - 30) & (life <= term)
    before = annual & (life > term - 90) & (life <= term - 60)  # a month without renewal
    price = (truth.true_exit_reason == "price").to_numpy()
    assert price[window].mean() > 0.8  # 1 - exp(-1) = 0.63 of those reaching it leave for price
    assert price[before].mean() < 0.4
    assert window.sum() > 5 * before.sum()
