"""Churn helpers: survival tables, hazard-ratio recovery, snapshot features, targeting."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from helpers.churn import (
    alerts,
    check_proportional_hazards,
    churn_risk,
    fit_cox,
    fit_weibull,
    kaplan_meier_by_group,
    logrank,
    snapshot_features,
    survival_clv,
    survival_table,
    targeting,
)
from helpers.churn.early_warning import retained_value
from helpers.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    ParameterError,
)
from helpers.simulate import EXIT_REASONS, TRUE_HAZARD_RATIOS, design_matrix, subscriptions


@pytest.fixture
def subs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "start_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01", "2024-02-01"]),
            "end_date": pd.to_datetime(["2024-01-31", "2024-06-30", None, "2024-09-15"]),
        },
        index=["a", "b", "c", "d"],
    )


def test_survival_table_by_hand(subs):
    t = survival_table(subs, observation_end="2024-06-30")
    # a: ended Jan 31 -> 30 days, event. b: ended exactly on observation_end -> event, 181 days.
    # c: still active -> censored at Jun 30, 121 days. d: ends after observation_end -> still
    # active then, censored at 150 days.
    assert t["duration"].tolist() == [30.0, 181.0, 121.0, 150.0]
    assert t["event"].tolist() == [1, 1, 0, 0]
    assert "duration" not in subs.columns  # the input is untouched
    weeks = survival_table(subs, observation_end="2024-06-30", time_unit="W")
    assert weeks.loc["a", "duration"] == pytest.approx(30 / 7)


def test_survival_table_errors(subs):
    bad = subs.copy()
    bad.loc["c", "end_date"] = pd.Timestamp("2024-02-01")  # before its start
    with pytest.raises(DataValidationError, match=r"1 end date\(s\) before the start \(row c\)"):
        survival_table(bad, observation_end="2024-06-30")
    with pytest.raises(DataValidationError, match=r"start date\(s\) after observation_end"):
        survival_table(subs, observation_end="2024-02-15")
    missing = subs.copy()
    missing.loc["b", "start_date"] = pd.NaT
    with pytest.raises(
        DataValidationError, match=r"1 missing or unreadable start date\(s\) \(row b\)"
    ):
        survival_table(missing, observation_end="2024-06-30")
    dup = subs.rename(index={"b": "a"})
    with pytest.raises(DataValidationError, match=r"duplicated customer ids \(rows a, a\)"):
        survival_table(dup, observation_end="2024-06-30")
    with pytest.raises(DataValidationError, match="column 'stop' not found"):
        survival_table(subs, end_col="stop", observation_end="2024-06-30")
    with pytest.raises(ParameterError, match="observation_end is required"):
        survival_table(subs)


@pytest.fixture(scope="module")
def world():
    data, truth = subscriptions(6_000, random_state=11)
    table = survival_table(data["customers"], observation_end=truth.observation_end)
    design = design_matrix(table)
    return data, truth, design.join(table[["duration", "event"]])


def test_hazard_ratios_recovered(world):
    _, truth, df = world
    cph = fit_cox(df, list(TRUE_HAZARD_RATIOS))
    est = cph.params_
    se = cph.standard_errors_
    z = (est - pd.Series(truth.coefficients)[est.index]) / se
    # 12 coefficients: all within 99% intervals, and at least 10 within the 95% ones.
    assert (z.abs() < norm.ppf(0.995)).all(), z
    assert (z.abs() < norm.ppf(0.975)).sum() >= 10, z
    # A sign error or a wrong reference level would be far outside.
    assert est["plan[two-year]"] < est["plan[annual]"] < 0 < est["complaints"]


def test_weibull_shape_recovered(world):
    _, truth, df = world
    aft = fit_weibull(df, list(TRUE_HAZARD_RATIOS))
    rho = float(np.exp(aft.params_.loc[("rho_", "Intercept")]))
    assert rho == pytest.approx(truth.weibull_shape, rel=0.05)


def test_kaplan_meier_and_logrank(world):
    data, _, df = world
    plans = df.join(data["customers"]["plan"])
    km = kaplan_meier_by_group(plans, "plan")
    assert list(km) == ["annual", "monthly", "two-year"]
    # Planted order of hazards: monthly > annual > two-year, so survival at 1 year is reversed.
    s365 = {k: float(v.predict(365)) for k, v in km.items()}
    assert s365["two-year"] > s365["annual"] > s365["monthly"]
    assert logrank(plans, "plan").p_value < 1e-10


def test_churn_risk_matches_direct_survival_ratio(world):
    _, _, df = world
    cph = fit_cox(df, list(TRUE_HAZARD_RATIOS))
    sample = df[df["event"] == 0].head(5)
    risk = churn_risk(cph, sample, horizon=90)
    for cid, row in sample.iterrows():
        t = row["duration"]
        s = cph.predict_survival_function(row.to_frame().T, times=[t, t + 90]).to_numpy()[:, 0]
        assert risk[cid] == pytest.approx(1 - s[1] / s[0], rel=1e-6)
    assert ((risk > 0) & (risk < 1)).all()


def test_survival_clv_against_the_weibull_formula():
    data, _ = subscriptions(4_000, random_state=3)
    table = survival_table(data["customers"], observation_end="2024-12-31", time_unit="M")
    df = table[["duration", "event"]]
    aft = fit_weibull(df.assign(x=np.random.default_rng(0).normal(size=len(df))), ["x"])
    rho = float(np.exp(aft.params_.loc[("rho_", "Intercept")]))
    lam = float(np.exp(aft.params_.loc[("lambda_", "Intercept")]))
    x0 = df.assign(x=0.0).head(3)
    m = np.arange(1, 25)
    # With x = 0 the survival function is exp(-(t / lam)^rho): sum the discounted margins.
    for d in (0.0, 0.12):
        clv = survival_clv(aft, x0, margin=10.0, months=24, annual_discount_rate=d)
        direct = [
            10 * (np.exp(-(((t + m) / lam) ** rho) + (t / lam) ** rho) / (1 + d) ** (m / 12)).sum()
            for t in x0["duration"]
        ]
        np.testing.assert_allclose(clv.to_numpy(), direct, rtol=1e-6)


def test_snapshot_features_use_nothing_after_the_snapshot(world):
    data, truth, _ = world
    snap = pd.Timestamp("2023-06-30")
    base = snapshot_features(
        data["customers"], data["usage"], data["complaints"], snap, 90, truth.observation_end
    )
    # Change everything after the snapshot: usage after it, complaints after it, end dates
    # after the label window. Features must not move; only labels inside the window may.
    usage = data["usage"].copy()
    after = usage["month"] >= snap
    usage.loc[after, "usage_gb"] = usage.loc[after, "usage_gb"] * 100
    complaints = pd.concat(
        [
            data["complaints"],
            pd.DataFrame({"customer_id": base.index[:200], "date": snap + pd.Timedelta(days=1)}),
        ]
    )
    customers = data["customers"].copy()
    late = customers["end_date"] > snap + pd.Timedelta(days=90)
    customers.loc[late, "end_date"] = customers.loc[late, "end_date"] + pd.Timedelta(days=30)
    moved = snapshot_features(customers, usage, complaints, snap, 90, truth.observation_end)
    features = [c for c in base.columns if c not in ("churned", "time_to_churn")]
    pd.testing.assert_frame_equal(base[features], moved[features])
    pd.testing.assert_series_equal(base["churned"], moved["churned"])


def test_snapshot_population_and_label(world):
    data, _, _ = world
    c = data["customers"]
    snap = pd.Timestamp("2023-06-30")
    f = snapshot_features(c, data["usage"], data["complaints"], snap, 90)
    expected_pop = (c["start_date"] <= snap) & ~(c["end_date"] <= snap)
    assert set(f.index) == set(c.index[expected_pop])
    ends = c.loc[f.index, "end_date"]
    assert (f["churned"] == ((ends > snap) & (ends <= snap + pd.Timedelta(days=90)))).all()
    with pytest.raises(ParameterError, match="label would be unknown"):
        snapshot_features(c, data["usage"], data["complaints"], "2024-12-01", 90, "2024-12-31")


def test_targeting_picks_exactly_the_profitable_customers():
    risk = pd.Series([0.5, 0.1, 0.9, 0.3], index=list("abcd"))
    clv = pd.Series([100.0, 1000.0, 10.0, 50.0], index=list("abcd"))
    t = targeting(risk, clv, offer_cost=5, success_rate=0.2)
    # Expected profit = 0.2 * risk * clv - 5: a 5, b 15, c -3.2, d -2.
    assert t["expected_profit"].to_dict() == pytest.approx({"a": 5, "b": 15, "c": -3.2, "d": -2})
    assert set(t.index[t["target"]]) == {"a", "b"}
    assert t.index.tolist() == ["b", "a", "d", "c"]
    assert t["cumulative_profit"].max() == pytest.approx(20.0)
    with pytest.raises(ParameterError, match="success_rate"):
        targeting(risk, clv, 5, 1.5)


def test_alerts_list_risky_customers_with_causes(world):
    _, _, df = world
    cph = fit_cox(df, list(TRUE_HAZARD_RATIOS))
    risk = churn_risk(cph, df.head(500), 180)
    a = alerts(cph, df.head(500), risk, threshold=0.4)
    assert (a["risk"] >= 0.4).all() and a["risk"].is_monotonic_decreasing
    assert len(a) == int((risk >= 0.4).sum())
    # Causes are words, never raw design names, and each maps to a lever (or none).
    causes = set(a["cause_1"]) | set(a["cause_2"])
    assert causes and not any("[" in c for c in causes)
    assert set(a["lever_1"]) | set(a["lever_2"]) <= {"service", "product", "price", ""}
    # Only a plan the customer is on can be a cause: two-year plans lower the hazard.
    on_two_year = a["plan[two-year]"] == 1
    assert not (a.loc[on_two_year, ["cause_1", "cause_2"]] == "two-year contract").any().any()


def test_alert_causes_raise_the_risk_above_the_baseline_and_name_the_own_level():
    # A stand-in for a fitted Cox model: coefficients and the centring (baseline) customer.
    cols = ["plan[annual]", "plan[two-year]", "complaints_90d", "usage_change", "monthly_charge"]
    model = SimpleNamespace(
        params_=pd.Series([-0.6, -1.0, 0.5, -2.0, 0.01], index=cols),
        _norm_mean=pd.Series([0.3, 0.2, 0.2, 0.0, 50.0], index=cols),
    )
    x = pd.DataFrame(
        [[0, 0, 0, -0.5, 50], [0, 1, 2, 0.2, 80], [1, 0, 0, 0, 50]], index=list("abc"), columns=cols
    )
    risk = pd.Series([0.9, 0.6, 0.1], index=list("abc"))
    a = alerts(model, x, risk, threshold=0.5)
    assert a.index.tolist() == ["a", "b"]
    # a: usage fell (+1.0) and the monthly plan (0.18 + 0.2 against the average plan mix).
    assert a.loc["a", ["cause_1", "lever_1", "cause_2", "lever_2"]].tolist() == [
        "usage fell in the last three months",
        "product",
        "monthly contract (no commitment)",
        "price",
    ]
    # b: complaints (+0.9) and the charge (+0.3); the two-year plan lowers the risk: no cause.
    assert a.loc["b", ["cause_1", "lever_1", "cause_2", "lever_2"]].tolist() == [
        "complaints in the last 90 days",
        "service",
        "high monthly charge",
        "price",
    ]
    # Against a baseline customer with a high charge, the charge no longer raises b's risk.
    base = model._norm_mean.copy()
    base["monthly_charge"] = 100.0
    b = alerts(model, x, risk, threshold=0.5, baseline=base)
    assert b.loc["b", "cause_2"] == ""
    with pytest.raises(DataValidationError, match="baseline has no value"):
        alerts(model, x, risk, threshold=0.5, baseline=base.drop("usage_change"))


def test_retained_value_counts_the_horizon_in_full_and_survival_after_it(world):
    data, _, _ = world
    table = survival_table(data["customers"], observation_end="2024-12-31", time_unit="M")
    df = design_matrix(table).join(table[["duration", "event"]])
    covariates = ["plan[annual]", "plan[two-year]", "complaints"]
    model = fit_weibull(df, covariates)
    active = df[df["event"] == 0].head(50)
    clv = survival_clv(model, active, 10.0, months=24, annual_discount_rate=0.1)
    # A horizon of zero months: nothing is certain, the value is the survival CLV.
    assert retained_value(model, active, 10.0, 0, months=24).to_numpy() == pytest.approx(
        clv.to_numpy()
    )
    kept = retained_value(model, active, 10.0, 3, months=24, annual_discount_rate=0.1)
    assert (kept > clv).all()
    # By hand for one customer: three sure months, then survival counted from t + 3.
    row = active.iloc[[0]]
    t = float(row["duration"].iloc[0])
    s = model.predict_survival_function(row, times=t + np.arange(3, 25)).iloc[:, 0].to_numpy()
    m = np.arange(1, 25)
    disc = 1.1 ** (-m / 12)
    expected = 10 * disc[:3].sum() + (10 * s[1:] / s[0] * disc[3:]).sum()
    assert kept.iloc[0] == pytest.approx(expected, rel=1e-6)
    # A horizon as long as the months counted: every month is certain.
    assert retained_value(model, active, 10.0, 24, months=24).iloc[0] == pytest.approx(
        10 * disc.sum()
    )


def test_simulator_truth_and_shapes():
    data, truth = subscriptions(2_000, random_state=5)
    c = data["customers"]
    again, _ = subscriptions(2_000, random_state=5)
    pd.testing.assert_frame_equal(c, again["customers"])
    # The observed end date is the true one when it falls inside the window, missing otherwise.
    inside = truth.true_end <= truth.observation_end
    assert (c["end_date"].dropna() == truth.true_end[inside]).all()
    assert c["end_date"].isna().sum() == (~inside).sum()
    assert set(c["exit_reason"].dropna()) <= set(EXIT_REASONS)
    assert c["exit_reason"].notna().sum() == inside.sum()
    assert (data["usage"]["month"] < truth.observation_end).all()
    assert (data["complaints"]["date"] <= truth.observation_end).all()
    # Complaints in the first 90 days of the log equal the covariate.
    first90 = data["complaints"].merge(c["start_date"], left_on="customer_id", right_index=True)
    first90 = first90[(first90["date"] - first90["start_date"]).dt.days < 90]
    counts = first90.groupby("customer_id").size().reindex(c.index, fill_value=0)
    assert (counts <= c["complaints"]).all()
    assert (counts == c["complaints"]).mean() > 0.95
    with pytest.raises(ParameterError, match="at least 120 days"):
        subscriptions(100, start="2024-01-01", observation_end="2024-02-01")


def test_proportional_hazards_check_flags_a_planted_violation():
    # Two groups whose hazard ratio flips over time: early the "b" group leaves faster, later
    # the "a" group does. Exponential pieces: rate 2/1 before t=1, 0.25/2 after.
    rng = np.random.default_rng(8)
    n = 3_000
    g = rng.integers(0, 2, n).astype(float)
    early = rng.exponential(1 / np.where(g == 1, 2.0, 1.0))
    late = 1 + rng.exponential(1 / np.where(g == 1, 0.25, 2.0))
    t = np.where(early < 1, early, late)
    df = pd.DataFrame({"g": g, "x": rng.normal(size=n), "duration": np.minimum(t, 4.0)})
    df["event"] = (t < 4.0).astype(int)
    cph = fit_cox(df, ["g", "x"])
    check = check_proportional_hazards(cph, df)
    assert bool(check.loc["g", "flagged"]) and check.loc["g", "p"] < 1e-6
    assert check.loc["g", "remedy"] == "stratify on the variable"
    assert not bool(check.loc["x", "flagged"])
    with pytest.raises(ParameterError, match="confidence_level"):
        check_proportional_hazards(cph, df, confidence_level=1.5)
    # The old significance parameter still works: alpha=0.05 is confidence_level=0.95.
    with pytest.warns(FutureWarning, match="confidence_level"):
        old = check_proportional_hazards(cph, df, alpha=0.05)
    pd.testing.assert_frame_equal(old, check)
    with pytest.raises(ParameterError, match="alpha"):
        check_proportional_hazards(cph, df, alpha=1.5)


def test_survival_table_old_id_col_still_works():
    subs = pd.DataFrame(
        {"id": ["a", "b"], "start_date": ["2024-01-01", "2024-02-01"], "end_date": [None, None]}
    )
    with pytest.warns(FutureWarning, match="customer_col"):
        old = survival_table(subs, observation_end="2024-06-30", id_col="id")
    new = survival_table(subs, observation_end="2024-06-30", customer_col="id")
    pd.testing.assert_frame_equal(old, new)


# --------------------------------------------------------------------------------------------
# Event coding, durations and fits the data cannot identify (issue 14)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 300
    x = rng.normal(size=n)
    t = rng.exponential(10 * np.exp(-0.5 * x))
    c = rng.uniform(0, 20, n)
    return pd.DataFrame(
        {
            "x": x,
            "duration": np.minimum(t, c) + 0.01,
            "event": (t <= c).astype(int),
            "plan": np.where(rng.random(n) < 0.5, "annual", "monthly"),
        }
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda d: fit_cox(d, ["x"], event_col="status"),
        lambda d: fit_weibull(d, ["x"], event_col="status"),
        lambda d: kaplan_meier_by_group(d, "plan", event_col="status"),
        lambda d: logrank(d, "plan", event_col="status"),
        lambda d: check_proportional_hazards(fit_cox(d, ["x"]), d, event_col="status"),
    ],
    ids=["fit_cox", "fit_weibull", "kaplan_meier_by_group", "logrank", "ph_check"],
)
def test_events_coded_1_2_are_refused_everywhere(small, call):
    d = small.assign(status=small["event"] + 1)  # R's survival: 1 censored, 2 event
    with pytest.raises(DataValidationError, match=r"'status' .*\[1, 2\].*\(df\['status'\] == 2\)"):
        call(d)
    recoded = d.assign(status=(d["status"] == 2).astype(int))
    call(recoded)  # the advised recoding works


def test_boolean_and_float_events_equal_integer_events(small):
    ref = fit_cox(small, ["x"]).params_
    for event in (small["event"] == 1, small["event"] * 1.0):
        got = fit_cox(small.assign(event=event), ["x"]).params_
        pd.testing.assert_series_equal(got, ref)


def test_durations_must_be_numbers_of_zero_or_more(small):
    for bad, pattern in [
        (small["duration"].where(small.index != 3, -1.0), r"below 0 \(row 3: -1\.0\)"),
        (small["duration"].where(small.index != 3), r"missing value\(s\) \(row 3\)"),
        (small["duration"].where(small.index != 3, np.inf), r"infinite value\(s\) \(row 3\)"),
        (small["duration"].astype(str), r"not numeric \(dtype object\)"),
    ]:
        for call in (
            lambda d: fit_cox(d, ["x"]),
            lambda d: fit_weibull(d, ["x"]),
            lambda d: kaplan_meier_by_group(d, "plan"),
            lambda d: logrank(d, "plan"),
        ):
            with pytest.raises(DataValidationError, match=pattern):
                call(small.assign(duration=bad))


def test_weibull_leaves_out_customers_active_at_zero_and_refuses_churn_at_zero(small):
    d = small.copy()
    d.loc[:1, ["duration", "event"]] = 0
    with pytest.warns(DataQualityWarning, match=r"2 customer\(s\) still active at duration 0"):
        got = fit_weibull(d, ["x"])
    # Surviving to time 0 is certain: leaving those rows out is the same likelihood.
    pd.testing.assert_series_equal(got.params_, fit_weibull(d.iloc[2:], ["x"]).params_)
    d.loc[0, "event"] = 1
    with pytest.raises(DataValidationError, match=r"is 0 for 1 customers who churned \(row 0\)"):
        fit_weibull(d, ["x"])
    assert (d["duration"] == 0).sum() == 2  # the input is untouched


def test_survival_regressions_the_data_cannot_identify(small):
    with pytest.raises(ConvergenceError, match="no churn event"):
        fit_cox(small.assign(event=0), ["x"])
    with pytest.raises(ConvergenceError, match="'one' has the same value"):
        fit_weibull(small.assign(one=1), ["x", "one"])
    separated = small.assign(flag=small["event"].astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # lifelines' own warnings do not leak with the error
        with pytest.raises(ConvergenceError, match="'flag' .*separates.*penalizer"):
            fit_cox(separated, ["x", "flag"])
    collinear = small.assign(x2=2 * small["x"])
    with pytest.raises(ConvergenceError, match="collinear|runs off"):
        fit_cox(collinear, ["x", "x2"])


def test_group_labels_must_be_present(small):
    d = small.assign(plan=small["plan"].where(small.index != 4))
    for call in (lambda: kaplan_meier_by_group(d, "plan"), lambda: logrank(d, "plan")):
        with pytest.raises(DataValidationError, match=r"'plan' .*\(row 4\); those customers"):
            call()
    with pytest.raises(DataValidationError, match="two or more groups"):
        logrank(small.assign(plan="annual"), "plan")


def test_predictions_check_the_model_and_the_table(small):
    cox = fit_cox(small, ["x"])
    with pytest.raises(DataValidationError, match="column 'x' not found in the table passed to"):
        churn_risk(cox, small.drop(columns="x"), 30)
    with pytest.raises(DataValidationError, match=r"'duration' .*below 0"):
        churn_risk(cox, small.assign(duration=-small["duration"]), 30)
    with pytest.raises(ParameterError, match="fitted lifelines regression model"):
        survival_clv(object(), small, 1.0)
    with pytest.raises(ParameterError, match="'annual_discount_rate' = 10 .*rate per year"):
        survival_clv(cox, small, 1.0, annual_discount_rate=10)
    with pytest.raises(ParameterError, match="'months'"):
        survival_clv(cox, small, 1.0, months=12.5)
    with pytest.raises(DataValidationError, match="margin has no value for 1 customers"):
        survival_clv(cox, small.head(3), pd.Series([1.0, 2.0], index=small.index[:2]))
    margin = pd.Series([1.0, 2.0, 3.0], index=small.index[:3])
    per_customer = survival_clv(cox, small.head(3), margin)
    flat = survival_clv(cox, small.head(3), 1.0)
    np.testing.assert_allclose(per_customer, flat * margin.to_numpy())


def test_proportional_hazards_check_of_a_stratified_model(small):
    cox = fit_cox(small, ["x"], strata=["plan"])
    out = check_proportional_hazards(cox, small)
    assert list(out.index) == ["x"] and 0 <= out.loc["x", "p"] <= 1
    with pytest.raises(ParameterError, match="fitted Cox model"):
        check_proportional_hazards(fit_weibull(small, ["x"]), small)


# --- dates as users bring them (issue 14) ----------------------------------------------------


def test_survival_table_never_reads_a_bad_end_date_as_still_active(subs):
    text = subs.assign(
        start_date=subs["start_date"].dt.strftime("%Y-%m-%d"),
        end_date=["2024-01-31", "2024-06-30", "", "ended"],  # d would have been "still active"
    )
    with pytest.raises(
        DataValidationError,
        match=r"column 'end_date' of subscriptions has 1 value\(s\) that are not dates \(row d: "
        r"'ended'\)",
    ):
        survival_table(text, observation_end="2024-06-30")
    serial = subs.assign(end_date=[45322.0, None, None, None])
    with pytest.raises(DataValidationError, match=r"pass date_format='excel'"):
        survival_table(serial, observation_end="2024-06-30")


def test_survival_table_with_zones_and_pyarrow_equals_the_plain_table(subs):
    want = survival_table(subs, observation_end="2024-06-30")
    zoned = subs.apply(lambda s: s.dt.tz_localize("Asia/Shanghai"))
    end = pd.Timestamp("2024-06-30 20:00", tz="America/New_York")
    got = survival_table(zoned, observation_end=end)
    pd.testing.assert_frame_equal(got[["duration", "event"]], want[["duration", "event"]])
    arrow = subs.convert_dtypes(dtype_backend="pyarrow")
    got = survival_table(arrow, observation_end="2024-06-30")
    pd.testing.assert_frame_equal(got[["duration", "event"]], want[["duration", "event"]])


def test_snapshot_features_match_ids_written_as_text_or_floats(world):
    data, truth, _ = world
    snap = pd.Timestamp("2023-06-30")
    want = snapshot_features(data["customers"], data["usage"], data["complaints"], snap, 90)
    usage = data["usage"].assign(customer_id=" " + data["usage"]["customer_id"] + " ")
    got = snapshot_features(data["customers"], usage, data["complaints"], snap, 90)
    pd.testing.assert_frame_equal(got, want)
    stranger = pd.concat([data["complaints"], pd.DataFrame({"customer_id": ["X"], "date": [snap]})])
    with pytest.warns(DataQualityWarning, match=r"1 row\(s\) of complaints name customers"):
        got = snapshot_features(data["customers"], data["usage"], stranger, snap, 90)
    pd.testing.assert_frame_equal(got, want)
