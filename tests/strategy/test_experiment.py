"""Tests of helpers.strategy (campaign effects, ROI, power and sample size) and
helpers.strategy (KPI status, obstacle checks, the dashboard figure)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from helpers.exceptions import DataValidationError, ParameterError  # noqa: E402
from helpers.simulate.campaign import kpi_history, retention_campaign  # noqa: E402
from helpers.strategy.dashboard import (  # noqa: E402
    IMPLEMENTATION_OBSTACLES,
    kpi_status,
    obstacle_checks,
    plot_kpi_dashboard,
)
from helpers.strategy.experiment import (  # noqa: E402
    campaign_roi,
    compare_means,
    compare_proportions,
    minimum_detectable_lift,
    plot_campaign_effect,
    power_proportions,
    sample_size_proportions,
)


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


@pytest.fixture
def small() -> pd.DataFrame:
    # 100 offered customers of whom 90 stay, 100 in control of whom 80 stay.
    return pd.DataFrame(
        {
            "treated": [1] * 100 + [0] * 100,
            "retained": [1] * 90 + [0] * 10 + [1] * 80 + [0] * 20,
        }
    )


def test_difference_in_proportions_by_hand(small):
    before = small.copy()
    e = compare_proportions(small)
    pd.testing.assert_frame_equal(small, before)  # the input is untouched
    # Wald: se = sqrt(0.9 * 0.1 / 100 + 0.8 * 0.2 / 100) = sqrt(0.0025) = 0.05.
    assert (e.control_mean, e.treated_mean) == (0.8, 0.9)
    assert e.estimate == pytest.approx(0.1)
    assert e.ci_low == pytest.approx(0.1 - 1.959964 * 0.05, abs=1e-6)
    assert e.ci_high == pytest.approx(0.1 + 1.959964 * 0.05, abs=1e-6)
    # Pooled z-test: same p-value as the chi-square test of the 2x2 table without correction.
    table = [[90, 10], [80, 20]]
    chi2 = stats.chi2_contingency(table, correction=False)
    assert e.p_value == pytest.approx(chi2.pvalue, rel=1e-9)
    assert (e.n_treated, e.n_control, e.kind) == (100, 100, "proportion")
    assert e.covers(0.05) and not e.covers(0.25)
    # A True/False outcome is read as 1/0.
    assert compare_proportions(small.astype({"retained": bool})).estimate == pytest.approx(0.1)


def test_bootstrap_proportion_interval_is_seeded_and_close_to_the_normal_one():
    data, _ = _one(retention_campaign(8_000, random_state=11))
    normal = compare_proportions(data)
    boot = compare_proportions(data, method="bootstrap", n_resamples=1000, random_state=3)
    again = compare_proportions(data, method="bootstrap", n_resamples=1000, random_state=3)
    assert (boot.ci_low, boot.ci_high) == (again.ci_low, again.ci_high)
    assert boot.ci_low == pytest.approx(normal.ci_low, abs=0.004)
    assert boot.ci_high == pytest.approx(normal.ci_high, abs=0.004)
    assert boot.p_value == normal.p_value


def test_welch_difference_in_means_by_hand():
    df = pd.DataFrame({"treated": [1, 1, 1, 0, 0, 0], "revenue": [12.0, 14, 16, 9, 10, 11]})
    e = compare_means(df, confidence_level=0.90)
    # Variances 4 and 1, n = 3 each: se^2 = 4/3 + 1/3 = 5/3; Welch-Satterthwaite degrees of
    # freedom (5/3)^2 / ((4/3)^2 / 2 + (1/3)^2 / 2) = 50/17.
    se = math.sqrt(5 / 3)
    df_ws = (5 / 3) ** 2 / ((4 / 3) ** 2 / 2 + (1 / 3) ** 2 / 2)
    assert df_ws == pytest.approx(50 / 17)
    q = stats.t.ppf(0.95, df_ws)
    assert e.estimate == 4.0
    assert e.ci_low == pytest.approx(4 - q * se)
    assert e.ci_high == pytest.approx(4 + q * se)
    assert e.p_value == pytest.approx(2 * stats.t.sf(4 / se, df_ws))
    assert e.confidence_level == pytest.approx(0.90)


def test_randomised_intervals_cover_the_planted_effects():
    data, truth = _one(retention_campaign(20_000, random_state=42))
    ret = compare_proportions(data)
    rev = compare_means(data)
    roi = campaign_roi(data, truth.margin_rate, truth.offer_cost, n_resamples=1000, random_state=1)
    assert ret.covers(truth.retention_lift)
    assert rev.covers(truth.revenue_lift)
    assert roi.roi_ci[0] <= truth.roi <= roi.roi_ci[1]
    assert roi.profit_ci[0] <= truth.incremental_profit <= roi.profit_ci[1]
    assert ret.p_value < 1e-6  # a 4-point lift on 10,000 per arm is unmistakable


def test_the_normal_interval_covers_about_95_percent_of_the_time():
    hits = []
    for seed in range(300):
        data, truth = _one(retention_campaign(2_000, retention_lift=0.05, random_state=seed))
        hits.append(compare_proportions(data).covers(truth.retention_lift))
    # 300 replications: 95% coverage gives 285 on average, sd about 3.8.
    assert 0.91 <= np.mean(hits) <= 0.98


def test_targeted_offer_naive_comparison_misses_the_truth():
    data, truth = _one(retention_campaign(20_000, assignment="targeted", random_state=42))
    naive = compare_proportions(data)
    assert not naive.covers(truth.retention_lift_treated)
    assert naive.ci_low > 4 * truth.retention_lift_treated


def test_campaign_roi_by_hand():
    df = pd.DataFrame({"treated": [1, 1, 0, 0], "revenue": [130.0, 150.0, 100.0, 120.0]})
    r = campaign_roi(df, margin_rate=0.5, offer_cost=5.0, random_state=0)
    # Lift 140 - 110 = 30 per treated customer; margin 0.5 * 30 * 2 = 30; cost 2 * 5 = 10.
    assert (r.revenue_lift, r.incremental_margin, r.campaign_cost) == (30.0, 30.0, 10.0)
    assert (r.incremental_profit, r.roi) == (20.0, 2.0)
    # The ROI interval is the bootstrap interval of the lift mapped through (0.5 d - 5) / 5.
    boot = compare_means(df, method="bootstrap", random_state=0)
    assert r.roi_ci == pytest.approx(((0.5 * boot.ci_low - 5) / 5, (0.5 * boot.ci_high - 5) / 5))
    s = r.as_series()
    assert s["roi_ci_low"] == r.roi_ci[0] and s["n_treated"] == 2


def test_roi_interval_agrees_with_welch_on_a_large_campaign():
    data, truth = _one(retention_campaign(20_000, random_state=5))
    r = campaign_roi(data, 0.4, 5.0, n_resamples=1000, random_state=2)
    w = compare_means(data)
    welch_roi = ((0.4 * w.ci_low - 5) / 5, (0.4 * w.ci_high - 5) / 5)
    assert r.roi_ci == pytest.approx(welch_roi, abs=0.1)


def test_sample_size_against_the_textbook_formula():
    # R's power.prop.test(p1 = .50, p2 = .75, power = .90) solves the same equation; written out:
    # pbar = 0.625; z_.975 sqrt(2 * 0.625 * 0.375) = 1.959964 * 0.684653 = 1.341877;
    # z_.90 sqrt(0.25 + 0.1875) = 1.281552 * 0.661438 = 0.847667; (2.189544 / 0.25)^2 = 76.71.
    n = (1.959964 * math.sqrt(0.46875) + 1.281552 * math.sqrt(0.4375)) ** 2 / 0.25**2
    assert n == pytest.approx(76.71, abs=0.01)
    assert (
        sample_size_proportions(0.50, 0.25, confidence_level=0.95, power=0.90) == math.ceil(n) == 77
    )
    # Independent approximation: Cohen's arcsine effect size h; 2 asin(sqrt(p)) has variance
    # 1 / n, so a difference of two arms needs n = 2 ((z_a + z_b) / h)^2 per arm.
    h = 2 * math.asin(math.sqrt(0.75)) - 2 * math.asin(math.sqrt(0.5))
    assert 2 * ((1.959964 + 1.281552) / h) ** 2 == pytest.approx(n, rel=0.01)
    # Fleiss-Tytun-Ury continuity correction: n / 4 * (1 + sqrt(1 + 4 / (n * 0.25)))^2 = 84.5.
    cc = n / 4 * (1 + math.sqrt(1 + 4 / (n * 0.25))) ** 2
    assert sample_size_proportions(0.5, 0.25, power=0.9, continuity_correction=True) == 85
    assert math.ceil(cc) == 85


def test_sample_size_and_power_are_inverse():
    for p0, lift in ((0.80, 0.04), (0.30, 0.02), (0.5, 0.1)):
        n = sample_size_proportions(p0, lift, power=0.8)
        assert power_proportions(n, p0, lift) >= 0.8 > power_proportions(n - 1, p0, lift)
        assert minimum_detectable_lift(n, p0, power=0.8) <= lift
        assert minimum_detectable_lift(n - 1, p0, power=0.8) > lift
    # Halving the lift roughly quadruples the sample.
    ratio = sample_size_proportions(0.8, 0.02) / sample_size_proportions(0.8, 0.04)
    assert 3.8 < ratio < 4.2


def test_power_by_simulation():
    p0, lift = 0.5, 0.1
    n = sample_size_proportions(p0, lift, power=0.8)
    rng = np.random.default_rng(0)
    reps = 4_000
    x0 = rng.binomial(n, p0, reps)
    x1 = rng.binomial(n, p0 + lift, reps)
    pooled = (x0 + x1) / (2 * n)
    z = (x1 - x0) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    rejected = np.abs(z) > stats.norm.ppf(0.975)
    # 4,000 replications: standard error of the share about 0.006.
    assert rejected.mean() == pytest.approx(power_proportions(n, p0, lift), abs=0.025)
    assert rejected.mean() == pytest.approx(0.8, abs=0.03)


def test_data_errors(small):
    with pytest.raises(DataValidationError, match=r"the control arm \(treated == 0\) has 0"):
        compare_proportions(small.assign(treated=1))
    with pytest.raises(DataValidationError, match=r"the treated arm \(treated == 1\) has 1"):
        compare_means(small.assign(treated=[1] + [0] * 199), outcome_col="retained")
    bad = small.copy()
    bad.loc[3, "retained"] = 2
    with pytest.raises(
        DataValidationError,
        match=r"'retained' of data holds 1 value\(s\) other than 0 and 1 \(row 3\)",
    ):
        compare_proportions(bad)
    gap = small.astype({"retained": float})
    gap.loc[[5, 150], "retained"] = np.nan
    with pytest.raises(DataValidationError, match=r"2 missing value\(s\) \(rows 5"):
        compare_proportions(gap)
    arm = small.astype({"treated": object})
    arm.loc[7, "treated"] = "yes"
    with pytest.raises(
        DataValidationError, match=r"'treated' has 1 value\(s\) other than 0 and 1 \(row 7: 'yes'"
    ):
        compare_proportions(arm)
    with pytest.raises(DataValidationError, match="column 'churned' not found"):
        compare_proportions(small, outcome_col="churned")
    with pytest.raises(DataValidationError, match="data must be a pandas DataFrame"):
        compare_means([1, 2, 3])
    text = pd.DataFrame({"treated": [1, 1, 0, 0], "revenue": [1.0, "n/a", 2.0, 3.0]})
    with pytest.raises(
        DataValidationError, match=r"column 'revenue' of data is not numeric \(dtype object\)"
    ):
        campaign_roi(text, 0.5, 1.0)


def test_parameter_errors(small):
    with pytest.raises(
        ParameterError, match=r"parameter 'confidence_level' = 1.5 is out of range: .*\(0, 1\)"
    ):
        compare_proportions(small, confidence_level=1.5)
    with pytest.raises(ParameterError, match="parameter 'confidence_level' = 0 is out of range"):
        compare_means(small, outcome_col="retained", confidence_level=0)
    with pytest.raises(ParameterError, match="parameter 'method' = 'exact' is not one of"):
        compare_proportions(small, method="exact")
    with pytest.raises(ParameterError, match="parameter 'lift' = 0 is out of range"):
        sample_size_proportions(0.8, 0)
    with pytest.raises(ParameterError, match="parameter 'lift' = -0.02 is out of range"):
        power_proportions(100, 0.8, -0.02)
    with pytest.raises(ParameterError, match="p_control \\+ lift = 1.05 is not below 1"):
        sample_size_proportions(0.95, 0.1)
    with pytest.raises(ParameterError, match="parameter 'power' = 1 is out of range"):
        sample_size_proportions(0.8, 0.04, power=1)
    with pytest.raises(ParameterError, match="parameter 'p_control' = 0 is out of range"):
        sample_size_proportions(0, 0.04)
    with pytest.raises(ParameterError, match="cannot reach power 0.99"):
        minimum_detectable_lift(3, 0.5, power=0.99)
    with pytest.raises(ParameterError, match="parameter 'offer_cost' = 0 is out of range"):
        campaign_roi(small, 0.5, 0, revenue_col="retained")
    with pytest.raises(ParameterError, match="parameter 'margin_rate' = 1.2 is out of range"):
        campaign_roi(small, 1.2, 1.0, revenue_col="retained")
    with pytest.raises(ParameterError, match="parameter 'n_resamples' = 10 is out of range"):
        compare_means(small, outcome_col="retained", method="bootstrap", n_resamples=10)


def test_plot_campaign_effect(small):
    e = compare_proportions(small)
    ax = plot_campaign_effect({"test A": e, "test B": e}, truth={"test A": 0.1})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["test A", "test B"]
    # Estimates at 0.1 on rows y = 1 and 0; the truth only on the first row.
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), [0.1, 0.1])
    offsets = ax.collections[-1].get_offsets()
    assert np.asarray(offsets).tolist() == [[0.1, 1.0]]
    assert "points" in ax.get_xlabel()
    plt.close("all")
    with pytest.raises(ParameterError, match="effects must be an EffectEstimate"):
        plot_campaign_effect({"a": 0.1})


def test_kpi_status_by_hand():
    h = pd.DataFrame(
        {
            "month": pd.date_range("2024-01-01", periods=6, freq="MS"),
            "csat": [0.70, 0.72, 0.74, 0.84, 0.86, 0.88],
            "approval_days": [5.0, 4.0, 6.0, 3.0, 2.0, 1.0],
        }
    )
    s = kpi_status(
        h, {"csat": 0.9, "approval_days": ("<=", 2.5)}, window=2, programme_start="2024-04-01"
    )
    # csat: last two months (0.86 + 0.88) / 2 = 0.87 < 0.9; before April: (0.72 + 0.74) / 2.
    assert s.loc["csat", "current"] == pytest.approx(0.87)
    assert s.loc["csat", "baseline"] == pytest.approx(0.73)
    assert s.loc["csat", "status"] == "not met"
    # approval days: (2 + 1) / 2 = 1.5 <= 2.5; before: (4 + 6) / 2 = 5.
    assert s.loc["approval_days", ["current", "baseline", "change"]].tolist() == [1.5, 5.0, -3.5]
    assert (s.loc["approval_days", "status"], s.loc["approval_days", "target"]) == ("met", "≤ 2.5")
    # Without a programme start there is no baseline.
    assert np.isnan(kpi_status(h, {"csat": 0.5}).loc["csat", "baseline"])


def test_kpi_status_errors():
    h = pd.DataFrame({"month": ["2024-01-01", "2024-02-01"], "csat": [0.7, 0.8]})
    with pytest.raises(DataValidationError, match="column 'nps' not found in the KPI history"):
        kpi_status(h, {"nps": 40})
    with pytest.raises(ParameterError, match="operator '>'"):
        kpi_status(h, {"csat": (">", 0.8)})
    with pytest.raises(ParameterError, match="target of 'csat' = 'high' is not a finite number"):
        kpi_status(h, {"csat": "high"})
    with pytest.raises(ParameterError, match="parameter 'window' = 0 is out of range"):
        kpi_status(h, {"csat": 0.8}, window=0)
    with pytest.raises(
        DataValidationError,
        match=r"column 'month' of the KPI history has 1 value\(s\) that are not dates",
    ):
        kpi_status(h.assign(month=["2024-01-01", "soon"]), {"csat": 0.8})


def test_obstacle_checks_follow_the_planted_levels():
    history, truth = _one(kpi_history(random_state=42))
    checks = obstacle_checks(history, window=6)
    assert list(checks.index) == [
        "slow feedback",
        "poor cooperation",
        "weak execution",
        "silo thinking",
        "bureaucracy",
    ]
    for ob in IMPLEMENTATION_OBSTACLES:
        level = truth.after[ob.metric]
        planted_ok = level >= ob.threshold if ob.op == ">=" else level <= ob.threshold
        assert (checks.loc[ob.name, "status"] == "met") == planted_ok, ob.name
        assert checks.loc[ob.name, "baseline"] == pytest.approx(truth.before[ob.metric], rel=0.2)
    # The simulated programme fixes feedback, execution and approvals but not the silos or
    # the cooperation between departments.
    assert checks["status"].tolist() == ["met", "not met", "met", "not met", "met"]


def test_plot_kpi_dashboard():
    history, truth = _one(kpi_history(random_state=1))
    axes = plot_kpi_dashboard(history, targets={"csat": 0.85, "retention_rate": (">=", 0.98)})
    fig = axes[0].figure
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4 and visible == axes
    csat = next(ax for ax in visible if "CSAT" in ax.get_title())
    ys = [ln.get_ydata()[0] for ln in csat.lines if ln.get_linestyle() == "--"]
    assert ys == [0.85]
    start = [ln for ln in csat.lines if ln.get_linestyle() == ":"]
    assert len(start) == 1
    plt.close(fig)
    # Three panels on a 2 x 2 grid: the fourth is hidden.
    axes = plot_kpi_dashboard(history, metrics=["csat", "avg_clv", "approval_days"])
    fig = axes[0].figure
    assert [ax.get_visible() for ax in fig.axes] == [True, True, True, False]
    plt.close(fig)
    with pytest.raises(DataValidationError, match="column 'nps' not found"):
        plot_kpi_dashboard(history, metrics=["nps"])
    assert truth.programme_start == history.attrs["programme_start"]


def test_old_parameter_names_still_work():
    df = pd.DataFrame({"treated": [1, 1, 1, 0, 0, 0], "revenue": [5.0, 7, 9, 1, 2, 3]})
    with pytest.warns(FutureWarning, match="confidence_level"):
        old = compare_means(df, alpha=0.10)
    assert old == compare_means(df, confidence_level=0.90)
    with pytest.warns(FutureWarning, match="confidence_level"):
        assert old.confidence == 0.90
    with pytest.warns(FutureWarning, match="n_resamples"):
        a = compare_means(df, method="bootstrap", n_boot=200, random_state=1)
    assert a == compare_means(df, method="bootstrap", n_resamples=200, random_state=1)
    with pytest.warns(FutureWarning, match="confidence_level"):
        assert sample_size_proportions(0.5, 0.25, alpha=0.05, power=0.9) == 77


def test_plot_kpi_dashboard_draws_on_given_axes():
    history, _ = _one(kpi_history(random_state=1))
    fig, grid = plt.subplots(1, 2)
    axes = plot_kpi_dashboard(history, metrics=["csat", "avg_clv"], ax=grid, color="red")
    assert axes == list(grid) and axes[0].lines[0].get_color() == "red"
    with pytest.raises(ParameterError, match="ax has 2 Axes for 1 KPIs"):
        plot_kpi_dashboard(history, metrics=["csat"], ax=grid)
    plt.close(fig)


def test_messy_campaign_data(small):
    yes_no = small.assign(retained=np.where(small["retained"] == 1, "yes", "no"))
    with pytest.raises(DataValidationError, match=r"the values found are \['no', 'yes'\]"):
        compare_proportions(yes_no)
    flags = compare_proportions(small.assign(retained=small["retained"].astype(bool)))
    assert flags.estimate == compare_proportions(small).estimate
    with pytest.raises(DataValidationError, match=r"'revenue' does not vary within either arm"):
        compare_means(small.assign(revenue=3.0))
    with pytest.raises(DataValidationError, match=r"'revenue' of data has 1 infinite value"):
        compare_means(small.assign(revenue=[np.inf] + [1.0] * (len(small) - 1)))


def test_messy_kpi_history():
    h = pd.DataFrame(
        {
            "month": pd.date_range("2024-01-01", periods=4, freq="MS"),
            "csat": [0.7, 0.72, 0.84, 0.86],
        }
    )
    with pytest.raises(DataValidationError, match=r"no value for 1 month\(s\) of the current"):
        kpi_status(h.assign(csat=[0.7, 0.72, np.nan, 0.86]), {"csat": 0.8}, window=2)
    with pytest.raises(DataValidationError, match=r"no value for 1 month\(s\) of the baseline"):
        kpi_status(h.assign(csat=[np.nan, 0.72, 0.84, 0.86]), {"csat": 0.8}, 2, "2024-03-01")
    with pytest.raises(DataValidationError, match="2 rows with a repeated date"):
        kpi_status(pd.concat([h, h.tail(1)], ignore_index=True), {"csat": 0.8}, window=2)
    with pytest.raises(DataValidationError, match=r"'month' of the KPI history holds numbers"):
        kpi_status(h.assign(month=[202401, 202402, 202403, 202404]), {"csat": 0.8}, window=2)
    with pytest.raises(ParameterError, match=r"target of 'csat' = 80 is not a share"):
        kpi_status(h, {"csat": 80}, window=2)
    with pytest.raises(ParameterError, match=r"'window' = 5 is more months than the 4"):
        kpi_status(h, {"csat": 0.8}, window=5)
    with pytest.raises(ParameterError, match=r"reach back before programme_start 2024-03-01"):
        kpi_status(h, {"csat": 0.8}, window=3, programme_start="2024-03-01")
    with pytest.raises(DataValidationError, match=r"'csat' of the KPI history is not numeric"):
        plot_kpi_dashboard(h.assign(csat=h["csat"].astype(str)), metrics=["csat"])
