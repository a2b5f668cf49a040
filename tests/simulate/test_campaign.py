"""Tests of helpers.simulate.campaign: seeding, the planted truth, potential outcomes, and the
KPI history's levels against the noise of counting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.exceptions import ParameterError
from helpers.simulate.campaign import KPI_AFTER, KPI_BEFORE, kpi_history, retention_campaign


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


def _close(sample: np.ndarray, expected: float, k: float = 4.0) -> None:
    se = sample.std(ddof=1) / np.sqrt(len(sample))
    assert abs(sample.mean() - expected) < k * se, (sample.mean(), expected, se)


def test_same_seed_same_campaign_and_generators_accepted():
    a, ta = _one(retention_campaign(3_000, random_state=5))
    b, _ = _one(retention_campaign(3_000, random_state=np.random.default_rng(5)))
    pd.testing.assert_frame_equal(a, b)
    c, _ = _one(retention_campaign(3_000, random_state=6))
    assert not a.equals(c)
    assert list(a.columns) == [
        "value",
        "tenure_months",
        "predicted_risk",
        "treated",
        "retained",
        "revenue",
    ]
    assert a.index.is_unique and a.index[0] == "C000001"


def test_planted_averages_are_exact():
    data, truth = _one(
        retention_campaign(
            5_000, treat_share=0.3, retention_lift=0.05, base_churn=0.25, random_state=1
        )
    )
    # The risks are calibrated to average base_churn exactly, and the individual effects are
    # proportional to risk with mean retention_lift.
    assert truth.control_retention == pytest.approx(0.75, abs=1e-9)
    assert truth.retention_lift == pytest.approx(0.05, abs=1e-9)
    assert truth.customers["churn_risk"].mean() == pytest.approx(0.25, abs=1e-9)
    eff = truth.customers["retention_effect"]
    np.testing.assert_allclose(eff, 0.05 * truth.customers["churn_risk"] / 0.25)
    assert data["treated"].sum() == truth.n_treated == 1_500


def test_potential_outcomes_are_consistent_and_the_offer_never_hurts():
    data, truth = _one(retention_campaign(4_000, random_state=2))
    h = truth.customers
    expected = np.where(data["treated"] == 1, h["retained_if_treated"], h["retained_if_control"])
    np.testing.assert_array_equal(data["retained"], expected)
    assert (h["retained_if_treated"] >= h["retained_if_control"]).all()
    # Customers who stay have revenue for the whole window at least in expectation; leavers
    # never pay more than value * months * noise: a leaver's mean is about half a stayer's.
    stay = data.loc[(data["retained"] == 1) & (data["treated"] == 0)]
    leave = data.loc[(data["retained"] == 0) & (data["treated"] == 0)]
    ratio_stay = (stay["revenue"] / (12 * stay["value"])).mean()
    ratio_leave = (leave["revenue"] / (12 * leave["value"])).mean()
    assert ratio_stay == pytest.approx(1.0, abs=0.03)
    assert ratio_leave == pytest.approx(0.5, abs=0.05)


def test_outcomes_match_the_planted_rates_within_monte_carlo_error():
    data, truth = _one(retention_campaign(200_000, retention_lift=0.04, random_state=3))
    h = truth.customers
    _close(h["retained_if_control"].to_numpy(float), 0.80)
    _close((h["retained_if_treated"] - h["retained_if_control"]).to_numpy(float), 0.04)
    # Expected revenue of the control arm, from the hidden risks: value * 12 * (1 - risk / 2).
    control = data["treated"] == 0
    expected = (data["value"] * 12 * (1 - h["churn_risk"] / 2))[control].mean()
    _close(data.loc[control, "revenue"].to_numpy(), expected)
    # Revenue lift by hand for one customer: spend lift 3% and the retention effect.
    v, r, e = data["value"].iloc[0], h["churn_risk"].iloc[0], h["retention_effect"].iloc[0]
    by_hand = v * 12 * 1.03 * (1 - (r - e) / 2) - v * 12 * (1 - r / 2)
    assert h["revenue_effect"].iloc[0] == pytest.approx(by_hand)


def test_roi_truth_by_hand():
    _, truth = _one(retention_campaign(2_000, offer_cost=4.0, margin_rate=0.5, random_state=4))
    treated_effect = truth.revenue_lift_treated
    profit = truth.n_treated * (0.5 * treated_effect - 4.0)
    assert truth.incremental_profit == pytest.approx(profit)
    assert truth.roi == pytest.approx(profit / (4.0 * truth.n_treated))


def test_targeted_assignment_picks_the_safest_customers_and_biases_the_naive_comparison():
    rand, truth_r = _one(retention_campaign(20_000, random_state=7))
    targ, truth_t = _one(retention_campaign(20_000, assignment="targeted", random_state=7))
    # Same customers and same potential outcomes under both assignments.
    pd.testing.assert_frame_equal(
        rand[["value", "predicted_risk"]], targ[["value", "predicted_risk"]]
    )
    pd.testing.assert_frame_equal(truth_r.customers, truth_t.customers)
    offered = targ["treated"] == 1
    assert targ.loc[offered, "predicted_risk"].max() <= targ.loc[~offered, "predicted_risk"].min()
    # The offer helps low-risk customers least, so the effect on the treated is below average...
    assert truth_t.retention_lift_treated < truth_t.retention_lift
    # ...while the naive comparison is many times larger: it measures who was picked.
    naive = targ.loc[offered, "retained"].mean() - targ.loc[~offered, "retained"].mean()
    assert naive > 4 * truth_t.retention_lift_treated


def test_campaign_errors():
    with pytest.raises(ParameterError, match="must be below base_churn"):
        retention_campaign(100, retention_lift=0.2, base_churn=0.2)
    with pytest.raises(ParameterError, match="parameter 'treat_share' = 1.0 is out of range"):
        retention_campaign(100, treat_share=1.0)
    with pytest.raises(ParameterError, match="parameter 'assignment' = 'best' is not one of"):
        retention_campaign(100, assignment="best")
    with pytest.raises(ParameterError, match="parameter 'offer_cost' = 0 is out of range"):
        retention_campaign(100, offer_cost=0)
    with pytest.raises(ParameterError, match="leaves an arm empty"):
        retention_campaign(10, treat_share=0.01)


def test_default_effect_draws_exactly_what_it_drew_before_the_segments_option():
    # Numbers pinned from the simulator before effect= existed (chapter 11 relies on them).
    data, truth = _one(retention_campaign(20_000, random_state=11))
    assert int(data["retained"].sum()) == 16_465
    assert data["revenue"].sum() == pytest.approx(14_614_000.54, abs=0.01)
    assert data["predicted_risk"].sum() == pytest.approx(4_169.826, abs=1e-6)
    np.testing.assert_allclose(
        truth.customers["churn_risk"].iloc[:3], [0.0991022834601, 0.0773094536096, 0.0560166911035]
    )
    assert truth.incremental_profit == pytest.approx(78_207.3505127928, rel=1e-12)
    same, _ = _one(retention_campaign(20_000, effect="proportional", random_state=11))
    pd.testing.assert_frame_equal(data, same)


def test_segments_plant_the_four_groups_by_their_rules():
    data, truth = _one(retention_campaign(60_000, effect="segments", random_state=3))
    h = truth.customers
    assert list(data.columns) == [
        "value",
        "tenure_months",
        "recent_complaint",
        "contacts_last_year",
        "predicted_risk",
        "treated",
        "retained",
        "revenue",
    ]
    # The customers drawn before the new features are those of the default option.
    plain, _ = _one(retention_campaign(60_000, random_state=3))
    pd.testing.assert_frame_equal(
        data[["value", "tenure_months"]], plain[["value", "tenure_months"]]
    )
    # Each segment from its documented rule, recomputed from the features and the risk.
    risk = h["churn_risk"].to_numpy()
    dog = data["contacts_last_year"].to_numpy() >= 5
    persuadable = ~dog & ((data["recent_complaint"] == 1) | (data["tenure_months"] <= 6)).to_numpy()
    lost = ~dog & ~persuadable & (risk >= 0.35)
    expected = np.select(
        [dog, persuadable, lost], ["sleeping dog", "persuadable", "lost cause"], "sure thing"
    )
    np.testing.assert_array_equal(h["segment"], expected)
    # The effect: a logit shift of +1.0 (sleeping dogs) or -2.0 (persuadables), else none.
    logit_r = np.log(risk / (1 - risk))
    treated_risk = np.select(
        [dog, persuadable],
        [1 / (1 + np.exp(-(logit_r + 1))), 1 / (1 + np.exp(-(logit_r - 2)))],
        risk,
    )
    np.testing.assert_allclose(h["retention_effect"], risk - treated_risk, atol=1e-12)
    gain = h["retained_if_treated"] - h["retained_if_control"]
    assert (gain[dog] <= 0).all() and (gain[dog] < 0).any()
    assert (gain[persuadable] >= 0).all() and (gain[persuadable] > 0).any()
    assert (gain[~dog & ~persuadable] == 0).all()
    # Risk calibrated to base_churn exactly; the features' planted rates within Monte Carlo error.
    assert risk.mean() == pytest.approx(0.20, abs=1e-9)
    _close(data["recent_complaint"].to_numpy(float), 0.15)
    _close(data["contacts_last_year"].to_numpy(float), 2 * np.exp(0.3**2 / 2))
    _close(gain.to_numpy(float), truth.retention_lift)
    # Risk and effect only weakly related (Spearman 0.21 here); sleeping dogs are riskier than
    # the sure things, so ranking by risk contacts them.
    assert 0.0 < h["churn_risk"].corr(h["retention_effect"], method="spearman") < 0.35
    by = h.groupby("segment")["churn_risk"].mean()
    assert by["sleeping dog"] > 1.5 * by["sure thing"]
    shares = h["segment"].value_counts(normalize=True)
    assert shares["persuadable"] == pytest.approx(0.25, abs=0.02)
    assert shares["sleeping dog"] == pytest.approx(0.075, abs=0.01)
    with pytest.raises(ParameterError, match="parameter 'effect' = 'uplift' is not one of"):
        retention_campaign(100, effect="uplift")


def test_kpi_history_shape_levels_and_ramp():
    history, truth = _one(kpi_history(random_state=1))
    assert history.shape == (36, 13)
    assert history["month"].iloc[0] == pd.Timestamp("2022-01-01")
    assert history.attrs["programme_start"] == truth.programme_start == pd.Timestamp("2023-07-01")
    lv = truth.levels
    # Before the start: the 'before' levels; a 3-month ramp: 1/3, 2/3, then the 'after' levels.
    assert lv["csat"].iloc[17] == KPI_BEFORE["csat"]
    assert lv["csat"].iloc[18] == pytest.approx(0.78 + (0.86 - 0.78) / 3)
    assert lv["csat"].iloc[19] == pytest.approx(0.78 + 2 * (0.86 - 0.78) / 3)
    np.testing.assert_allclose(lv["csat"].iloc[20:], KPI_AFTER["csat"])
    # Average CLV from the retention formula: 20 * r / (1.01 - r).
    assert truth.before["avg_clv"] == pytest.approx(20 * 0.975 / 0.035)
    assert truth.after["avg_clv"] == pytest.approx(20 * 0.982 / 0.028)
    assert truth.effects["approval_days"] == pytest.approx(1.5 - 5.0)


def test_kpi_history_customer_accounting():
    history, _ = _one(kpi_history(random_state=2))
    prev = np.r_[20_000, history["active_customers"].to_numpy()[:-1]]
    kept = history["active_customers"] - history["new_customers"]
    np.testing.assert_allclose(kept, history["retention_rate"] * prev, atol=1e-6)


def test_kpi_history_observed_means_match_the_levels():
    history, truth = _one(kpi_history(200, programme_month=100, ramp_months=1, random_state=3))
    after = history.iloc[100:]
    before = history.iloc[:100]
    for col in ("csat", "followup_rate", "cross_dept_on_time", "complaint_timeliness"):
        _close(before[col].to_numpy(), truth.before[col])
        _close(after[col].to_numpy(), truth.after[col])
    _close(after["retention_rate"].to_numpy(), truth.after["retention_rate"])
    # Lognormal noise with sd 0.15 on the log scale: the median is the level.
    assert np.median(after["approval_days"]) == pytest.approx(1.5, rel=0.05)


def test_kpi_history_overrides_and_errors():
    _, truth = _one(kpi_history(levels_after={"cross_dept_on_time": 0.85}, random_state=4))
    assert truth.after["cross_dept_on_time"] == 0.85
    assert truth.before["cross_dept_on_time"] == KPI_BEFORE["cross_dept_on_time"]
    with pytest.raises(ParameterError, match="unknown KPI 'nps'"):
        kpi_history(levels_after={"nps": 40})
    with pytest.raises(ParameterError, match=r"'levels_before\[csat\]' = 1.2 is out of range"):
        kpi_history(levels_before={"csat": 1.2})
    with pytest.raises(ParameterError, match="parameter 'programme_month' = 3 is out of range"):
        kpi_history(programme_month=3)
    with pytest.raises(
        ParameterError, match=r"'levels_after\[retention_rate\]' = 1.0 is out of range"
    ):
        kpi_history(levels_after={"retention_rate": 1.0})
