"""Competing exit reasons: cumulative incidence and cause-specific Cox against planted truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter
from scipy.integrate import quad

from helpers.churn import (
    cumulative_incidence,
    fit_cause_specific_cox,
    plot_cumulative_incidence,
    survival_table,
)
from helpers.exceptions import DataValidationError, ParameterError
from helpers.simulate import design_matrix, subscriptions
from helpers.simulate.subscriptions import EXIT_REASONS

OBS = "2024-12-31"
DAYS = np.array([180.0, 365.0, 730.0, 1095.0, 1460.0])


@pytest.fixture(scope="module")
def base():
    """20,000 customers followed from 2019 with competing exit reasons (durations in days)."""
    data, truth = subscriptions(
        20_000, random_state=5, start="2019-01-01", observation_end=OBS, exit_reasons="competing"
    )
    customers = data["customers"]
    x = design_matrix(customers)
    table = survival_table(customers, observation_end=OBS)
    table = table.drop(columns=[c for c in x.columns if c in table]).join(x)
    return table, x, truth


@pytest.fixture(scope="module")
def fits(base):
    """Cause-specific Cox models of three reasons, on every design column."""
    table, x, _ = base
    reasons = ("service", "price", "moved or closed")
    return {r: fit_cause_specific_cox(table, r, list(x.columns)) for r in reasons}


def _risks(x, truth):
    """Each customer's cause-specific risk score w_k exp(x'b_k), per reason."""
    out = {}
    for reason in EXIT_REASONS:
        ratios = truth.cause_hazard_ratios[reason]
        beta = np.array([np.log(ratios.get(c, 1.0)) for c in x.columns])
        out[reason] = truth.cause_baseline_weights[reason] * np.exp(x.to_numpy() @ beta)
    return out


def _true_incidence(x, truth, reason, days):
    """Closed form: F_k(t | x) = (r_k / R) (1 - exp(-(t/s)^k R)), averaged over customers."""
    r = _risks(x, truth)
    total = sum(r.values())
    h = (np.asarray(days)[:, None] / truth.weibull_scale_days) ** truth.weibull_shape
    return (r[reason] / total * (1 - np.exp(-h * total))).mean(axis=1)


def _naive_target(x, truth, reason, t):
    """What 1 - KM with the other reasons censored estimates: 1 - exp(-Lambda_k(t)), with the
    population cause-specific hazard E[h_k(u|X) S(u|X)] / E[S(u|X)] integrated by quadrature."""
    r = _risks(x, truth)
    total = sum(r.values())
    k, s = truth.weibull_shape, truth.weibull_scale_days

    def hazard(u):
        surv = np.exp(-((u / s) ** k) * total)
        return (k / s) * (u / s) ** (k - 1) * (r[reason] * surv).mean() / surv.mean()

    return 1 - np.exp(-quad(hazard, 0, t, limit=200)[0])


def test_aalen_johansen_covers_the_true_cumulative_incidence(base):
    table, x, truth = base
    est = cumulative_incidence(table, times=DAYS)
    assert list(est.columns) == ["time", "cause", "incidence", "ci_low", "ci_high"]
    assert sorted(est["cause"].unique()) == sorted(EXIT_REASONS)
    life = (truth.true_end - table["start_date"]).dt.days
    inside = 0
    for reason, g in est.groupby("cause"):
        low, high = g["ci_low"].to_numpy(), g["ci_high"].to_numpy()
        # The share of the whole population that left for the reason by t (the uncensored
        # truth) lies inside every 95% band.
        whole = [((life <= t) & (truth.true_exit_reason == reason)).mean() for t in DAYS]
        assert ((low <= whole) & (whole <= high)).all(), reason
        # The planted model (closed form, averaged over these customers) also carries the
        # sampling noise of the population: inside the 95% band at most points (the 25
        # points are pointwise and correlated), and within 3 standard errors at all.
        closed = _true_incidence(x, truth, reason, DAYS)
        inside += ((low <= closed) & (closed <= high)).sum()
        z = np.abs(g["incidence"].to_numpy() - closed) / ((high - low) / (2 * 1.96))
        assert (z < 3).all(), reason
    assert inside >= 20
    # The curves of all reasons add up to 1 - all-cause Kaplan-Meier.
    km = KaplanMeierFitter().fit(table["duration"], table["event"])
    total = est.groupby("time")["incidence"].sum().to_numpy()
    assert total == pytest.approx(1 - km.survival_function_at_times(DAYS).to_numpy(), abs=1e-12)


def test_one_minus_kaplan_meier_per_reason_overstates_the_incidence(base):
    table, x, truth = base
    aj = cumulative_incidence(table, times=DAYS).set_index(["cause", "time"])
    naive = cumulative_incidence(table, times=DAYS, method="kaplan-meier")
    naive = naive.set_index(["cause", "time"])
    assert (naive["incidence"] > aj["incidence"]).all()
    for reason in ("service", "price", "moved or closed"):
        late = (reason, 1460.0)
        target = _naive_target(x, truth, reason, 1460.0)
        # The naive curve estimates a world without the other reasons: its own target, found
        # by quadrature, within 3 standard errors (0.5 to 2.3 at this seed); that target
        # overstates the true incidence by 60% or more.
        se = (naive.loc[late, "ci_high"] - naive.loc[late, "ci_low"]) / (2 * 1.96)
        assert abs(naive.loc[late, "incidence"] - target) < 3 * se
        true_value = _true_incidence(x, truth, reason, [1460.0])[0]
        assert target / true_value > 1.6
        assert naive.loc[late, "incidence"] / aj.loc[late, "incidence"] > 1.6


@pytest.mark.parametrize("reason", ["service", "price", "moved or closed"])
def test_cause_specific_cox_recovers_the_planted_hazard_ratios(base, fits, reason):
    table, _, truth = base
    model = fits[reason]
    planted = pd.Series(truth.cause_coefficients(reason))[model.params_.index]
    summary = model.summary
    assert (summary["coef lower 95%"] <= planted).all()
    assert (planted <= summary["coef upper 95%"]).all()
    assert model.event_observed.sum() == (table["exit_reason"] == reason).sum()


def test_the_driving_covariate_differs_by_reason(fits):
    service, price = fits["service"].hazard_ratios_, fits["price"].hazard_ratios_
    assert service["complaints"] == pytest.approx(1.8, abs=0.08)
    assert price["complaints"] == pytest.approx(1.0, abs=0.08)
    assert price["monthly_charge"] ** 10 == pytest.approx(1.3, abs=0.03)
    assert service["monthly_charge"] ** 10 == pytest.approx(1.0, abs=0.03)


def test_matches_lifelines_aalen_johansen_without_ties():
    rng = np.random.default_rng(0)
    n = 400
    t1, t2, cens = rng.exponential(10, n), rng.exponential(15, n), rng.uniform(0, 25, n)
    duration = np.minimum.reduce([t1, t2, cens])
    code = np.select([duration == t1, duration == t2], [1, 2], 0)
    df = pd.DataFrame(
        {
            "duration": duration,
            "event": (code > 0).astype(int),
            "why": pd.Series(np.where(code == 1, "a", "b")).where(code > 0),
        }
    )
    ajf = AalenJohansenFitter().fit(duration, code, event_of_interest=1)
    times = ajf.cumulative_density_.index.to_numpy()[1:]
    ours = cumulative_incidence(df, cause_col="why", times=times)
    ours = ours[ours["cause"] == "a"]
    assert ours["incidence"].to_numpy() == pytest.approx(
        ajf.cumulative_density_.iloc[1:, 0].to_numpy(), abs=1e-12
    )
    # lifelines 0.30 names its two bound columns the wrong way round: take the row-wise bounds.
    band = ajf.confidence_interval_.iloc[1:].to_numpy()
    low, high = band.min(axis=1), band.max(axis=1)
    ok = np.isfinite(low)
    assert ours["ci_low"].to_numpy()[ok] == pytest.approx(low[ok], abs=1e-9)
    assert ours["ci_high"].to_numpy()[ok] == pytest.approx(high[ok], abs=1e-9)


@pytest.fixture
def small():
    return pd.DataFrame(
        {
            "duration": [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "event": [1, 1, 1, 0, 1, 0, 1, 0],
            "exit_reason": ["price", "service", "price", None, "price", None, "service", None],
            "x": [0.0, 1.0, 0.5, 0.2, 0.1, 0.9, 0.4, 0.3],
        }
    )


def test_errors_name_the_column_and_the_fix(small):
    with pytest.raises(DataValidationError, match="column 'reason' not found"):
        cumulative_incidence(small, cause_col="reason")
    gap = small.assign(exit_reason=small["exit_reason"].where(small.index != 1))
    with pytest.raises(DataValidationError, match=r"'exit_reason'.*missing for 1 .*row.*1"):
        cumulative_incidence(gap)
    with pytest.raises(DataValidationError, match=r"missing for 1"):
        fit_cause_specific_cox(gap, "price", ["x"])
    with pytest.raises(DataValidationError, match=r"never occurs.*found are \['price', 'service'"):
        fit_cause_specific_cox(small, "moved or closed", ["x"])
    with pytest.raises(DataValidationError, match="no exit"):
        cumulative_incidence(small.assign(event=0))
    with pytest.raises(DataValidationError, match=r"value\(s\) other than 0 and 1"):
        cumulative_incidence(small.assign(event=small["event"] + 1))
    with pytest.raises(ParameterError, match="times"):
        cumulative_incidence(small, times=[-1, 2])
    with pytest.raises(ParameterError, match="method"):
        cumulative_incidence(small, method="naive")
    with pytest.raises(ParameterError, match="confidence_level"):
        cumulative_incidence(small, confidence_level=95)


def test_censored_rows_may_carry_any_cause_and_times_are_steps(small):
    noisy = small.assign(exit_reason=small["exit_reason"].fillna("still here"))
    pd.testing.assert_frame_equal(cumulative_incidence(small), cumulative_incidence(noisy))
    est = cumulative_incidence(small, times=[0, 1.5, 100])
    price = est[est["cause"] == "price"]["incidence"].to_numpy()
    assert price == pytest.approx([0.0, 1 / 8, 1 / 8 + 7 / 8 * 1 / 7 + 5 / 8 / 4])


def test_plot_draws_one_curve_per_cause(small):
    est = cumulative_incidence(small)
    fig, ax = plt.subplots()
    out = plot_cumulative_incidence(est, ax=ax, labels={"price": "Preis"})
    assert out is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Preis", "service"]
    assert len(ax.get_lines()) == 2
    plt.close(fig)
    with pytest.raises(DataValidationError, match="ci_low"):
        plot_cumulative_incidence(est.drop(columns="ci_low"))
