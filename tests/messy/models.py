"""Messy input to the models: CLV fits (BG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma, sBG), the CLV
value functions and the survival models (Cox, Weibull, Kaplan-Meier, log-rank).

Kinds: "model" for data that cannot identify a model or a fit that runs off, "coding" for event
columns coded other than 0/1, "value" / "type" / "structure" for bad values, types and
tables (a pooled table fitted as one customer per row, a missing column).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from helpers.churn import (
    check_proportional_hazards,
    churn_risk,
    fit_cox,
    fit_weibull,
    kaplan_meier_by_group,
    logrank,
    survival_clv,
)
from helpers.clv import (
    BGBB,
    BGNBD,
    GammaGamma,
    ParetoNBD,
    ShiftedBetaGeometric,
    cohort_retention_clv,
    customer_lifetime_value,
    historical_clv,
)
from helpers.data import load_donations
from helpers.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    NotFittedError,
    ParameterError,
)
from helpers.simulate import simulate_bgnbd_summary, simulate_gammagamma_spend

DVE, PE, CE = DataValidationError, ParameterError, ConvergenceError


def _s(x, tx, T, **extra) -> pd.DataFrame:
    """A continuous-time summary."""
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, **extra})


def _b(x, tx, n, **extra) -> pd.DataFrame:
    """A discrete-time (BG/BB) summary."""
    return pd.DataFrame({"frequency": x, "recency": tx, "n_periods": n, **extra})


@functools.cache
def _sim(n: int) -> pd.DataFrame:
    """A BG/NBD summary of n simulated customers (r 0.3, alpha 5, a 0.8, b 2.5; T = 30)."""
    return simulate_bgnbd_summary(n, 0.3, 5.0, 0.8, 2.5, T=30, random_state=1)[0]["summary"]


@functools.cache
def _spend() -> pd.DataFrame:
    """Mean spend of 400 simulated repeat customers (p 6, q 4, gamma 15), ids text."""
    x = np.random.default_rng(1).integers(1, 8, 400)
    d = simulate_gammagamma_spend(x, 6, 4, 15, 2)[0]["spend"]
    return d.set_axis([f"c{i}" for i in range(len(d))])


@functools.cache
def _models():
    """BG/NBD and Gamma-Gamma fitted once, for the value functions."""
    return BGNBD().fit(_sim(500)), GammaGamma().fit(_spend())


def _clv_summary() -> pd.DataFrame:
    return _sim(500).head(20).assign(monetary_value=lambda d: np.where(d["frequency"] > 0, 30, 0))


@functools.cache
def _surv(n: int = 300) -> pd.DataFrame:
    """Durations with a planted covariate effect (hazard ratio e^0.5 per unit of x)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    t = rng.exponential(10 * np.exp(-0.5 * x))
    c = rng.uniform(0, 20, n)
    return pd.DataFrame(
        {
            "x": x,
            "duration": np.minimum(t, c).round(2) + 0.01,
            "event": (t <= c).astype(int),
            "plan": np.where(rng.random(n) < 0.5, "annual", "monthly"),
        }
    )


def _coef(model) -> np.ndarray:
    return model.params_.to_numpy()


def _zero_censored() -> pd.DataFrame:
    d = _surv().copy()
    d.loc[:2, ["duration", "event"]] = 0
    return d


# The "1/2" coding of R's survival package: 1 = censored, 2 = event.
_R_CODED = r"column 'status' .*values found are \[1, 2\].*\(df\['status'\] == 2\)\.astype\(int\)"

CASES = [
    # --- model: data that cannot identify a CLV model -----------------------------------------
    ("bgnbd_no_repeat_purchases", "model",
     lambda _: BGNBD().fit(_s([0] * 5, [0.0] * 5, [10.0, 20, 30, 40, 50])),
     ("error", CE, r"BGNBD\.fit: no repeat purchases .*5 customers.*BG/NBD cannot estimate the "
                   r"dropout process \(a, b\)")),
    ("paretonbd_no_repeat_purchases", "model",
     lambda _: ParetoNBD().fit(_s([0] * 5, [0.0] * 5, [10.0, 20, 30, 40, 50])),
     ("error", CE, r"no repeat purchases.*Pareto/NBD cannot estimate the dropout process "
                   r"\(s, beta\)")),
    ("bgnbd_single_customer", "model",
     lambda _: BGNBD().fit(_s([3], [10.0], [20.0])),
     ("error", CE, r"a single customer \(frequency 3, recency 10, T 20\).*whole customer base")),
    ("paretonbd_every_customer_same_history", "model",
     lambda _: ParetoNBD().fit(_s([2] * 50, [5.0] * 50, [20.0] * 50)),
     ("error", CE, r"all 50 customers have the same history")),
    ("bgnbd_same_history_pooled", "model",
     lambda _: BGNBD().fit(_s([2], [5.0], [20.0], weight=[400]), weight_col="weight"),
     ("error", CE, r"all 400 customers have the same history")),
    ("bgnbd_recency_equals_T", "model",
     lambda _: BGNBD().fit(_s([1, 3, 2, 0], [8.0, 12, 30, 0], [8.0, 12, 30, 40])),
     ("error", CE, r"recency == T for all 3 customers with frequency > 0.*no one is seen to "
                   r"drop out.*dropout process \(a, b\)")),
    ("paretonbd_recency_equals_T", "model",
     lambda _: ParetoNBD().fit(_s([1, 3, 2], [8.0, 12, 30], [8.0, 12, 30])),
     ("error", CE, r"no one is seen to drop out — Pareto/NBD cannot estimate the dropout "
                   r"process \(s, beta\)")),
    ("bgnbd_small_sample_runs_off", "model",
     lambda _: BGNBD().fit(_sim(200)),
     ("error", CE, r"run off: a = .* \(towards infinity\), b = .*do not pin down a and b, which "
                   r"describe the dropout.*BGNBD\(penalizer=0\.001\)")),
    ("bgnbd_small_sample_with_penalizer", "model",
     lambda _: BGNBD(penalizer=0.001).fit(_sim(200)).params_,
     ("ok", lambda p: list(p.values()) == pytest.approx([0.189, 3.447, 0.462, 1.305], abs=1e-3))),
    ("paretonbd_small_sample_not_pinned_down", "model",
     lambda _: ParetoNBD().fit(_sim(50)),
     ("error", CE, r"wider than a factor of a million.*s and beta, which describe the "
                   r"lifetimes.*use the BG/NBD")),
    ("bgnbd_optimiser_stops", "model",
     lambda _: BGNBD(maxiter=1).fit(_sim(200)),
     ("error", CE, r"BGNBD\.fit did not converge.*penalizer.*maxiter")),
    ("bgbb_no_transactions", "model",
     lambda _: BGBB().fit(_b([0, 0], [0, 0], [6, 3], w=[10, 5]), weight_col="w"),
     ("error", CE, r"no transactions \(frequency is 0 for all 15 customers\).*\(gamma, delta\)")),
    ("bgbb_all_at_last_opportunity", "model",
     lambda _: BGBB().fit(_b([1, 3, 6], [6, 6, 6], [6, 6, 6])),
     ("error", CE, r"recency == n_periods for all 3 customers.*no one is seen to lapse")),
    ("bgbb_one_history", "model",
     lambda _: BGBB().fit(_b([1], [3], [6])),
     ("error", CE, r"BGBB\.fit: a single customer \(frequency 1, recency 3, n_periods 6\)")),
    ("gammagamma_one_repeat_customer", "model",
     lambda _: GammaGamma().fit(_spend().head(1)),
     ("error", CE, r"GammaGamma\.fit: a single repeat customer")),
    ("gammagamma_same_spend_for_everyone", "model",
     lambda _: GammaGamma().fit(_spend().assign(monetary_value=25.0)),
     ("error", CE, r"same mean spend \(monetary_value 25 for all 400\).*own mean amount")),
    ("gammagamma_two_customers_run_off", "model",
     lambda _: GammaGamma().fit(_spend().head(2)),
     ("error", CE, r"GammaGamma\.fit: .*do not pin down .*the spread of spend across "
                   r"customers in the Gamma-Gamma model")),
    ("sbg_one_period", "model",
     lambda _: ShiftedBetaGeometric().fit([1000, 600]),
     ("error", CE, r"one period \(1000 -> 600\).*40\.0%.*at least two periods.*retention rate "
                   r"of 0\.6")),
    ("sbg_no_one_churns", "model",
     lambda _: ShiftedBetaGeometric().fit([500, 500, 500]),
     ("error", CE, r"no customer churned \(500 active in every period\)")),
    ("sbg_everyone_churns_at_once", "model",
     lambda _: ShiftedBetaGeometric().fit([500, 0, 0]),
     ("error", CE, r"every customer churned in the first period \(500 -> 0\)")),
    ("sbg_churn_too_rare_to_pin_down", "model",
     lambda _: ShiftedBetaGeometric().fit([1000, 999, 998, 997]),
     ("error", CE, r"wider than a factor of a million.*alpha and beta.*cohort_retention_clv")),
    ("sbg_published_cohort", "model",
     lambda _: ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241]).params_,
     ("ok", lambda p: (round(p["alpha"], 3), round(p["beta"], 3)) == (0.704, 1.182))),
    # --- model: survival regressions ----------------------------------------------------------
    ("cox_no_churn_event", "model",
     lambda _: fit_cox(_surv().assign(event=0), ["x"]),
     ("error", CE, r"fit_cox: column 'event' .*no churn event \(all 300 rows are 0")),
    ("weibull_no_churn_event", "model",
     lambda _: fit_weibull(_surv().assign(event=0), ["x"]),
     ("error", CE, r"fit_weibull: column 'event' .*no churn event")),
    ("cox_constant_covariate", "model",
     lambda _: fit_cox(_surv().assign(vip=1.0), ["x", "vip"]),
     ("error", CE, r"covariate 'vip' has the same value \(1\.0\) in every row.*drop it")),
    ("cox_covariate_separates_churners", "model",
     lambda _: fit_cox(_surv().assign(flag=lambda d: d["event"] * 1.0), ["x", "flag"]),
     ("error", CE, r"covariate\(s\) 'flag' \(coefficient .*\) runs off.*separates.*penalizer")),
    ("weibull_covariate_separates_churners", "model",
     lambda _: fit_weibull(_surv().assign(flag=lambda d: d["event"] * 1.0), ["x", "flag"]),
     ("error", CE, r"fit_weibull: the effect of covariate\(s\) 'flag'")),
    ("cox_separation_with_penalizer", "model",
     lambda _: fit_cox(_surv().assign(flag=lambda d: d["event"] * 1.0), ["x", "flag"],
                       penalizer=0.1).params_,
     ("ok", lambda p: 0 < p["flag"] < 7)),
    ("cox_recovers_planted_effect", "model",
     lambda _: fit_cox(_surv(), ["x"]).params_,
     ("ok", lambda p: abs(p["x"] - 0.5) < 0.15)),
    # --- coding: event columns ----------------------------------------------------------------
    ("cox_event_coded_1_2", "coding",
     lambda _: fit_cox(_surv().assign(status=lambda d: d["event"] + 1), ["x"], event_col="status"),
     ("error", DVE, _R_CODED)),
    ("weibull_event_coded_1_2", "coding",
     lambda _: fit_weibull(_surv().assign(status=lambda d: d["event"] + 1), ["x"],
                           event_col="status"),
     ("error", DVE, _R_CODED)),
    ("kaplan_meier_event_coded_1_2", "coding",
     lambda _: kaplan_meier_by_group(_surv().assign(status=lambda d: d["event"] + 1), "plan",
                                     event_col="status"),
     ("error", DVE, _R_CODED)),
    ("logrank_event_coded_1_2", "coding",
     lambda _: logrank(_surv().assign(status=lambda d: d["event"] + 1), "plan",
                       event_col="status"),
     ("error", DVE, _R_CODED)),
    ("ph_check_event_coded_1_2", "coding",
     lambda _: check_proportional_hazards(
         fit_cox(_surv(), ["x"]), _surv().assign(event=lambda d: d["event"] + 1)),
     ("error", DVE, r"column 'event' .*values found are \[1, 2\]")),
    ("cox_event_as_words", "coding",
     lambda _: fit_cox(_surv().assign(event=lambda d: d["event"].map({0: "active", 1: "left"})),
                       ["x"]),
     ("error", DVE, r"column 'event' .*values found are \['active', 'left'\].*== <the value "
                    r"that means 1>")),
    ("cox_event_as_text_digits", "coding",
     lambda _: fit_cox(_surv().assign(event=lambda d: d["event"].astype(str)), ["x"]),
     ("error", DVE, r"values found are \['0', '1'\].*text: convert them with .*pd\.to_numeric")),
    ("cox_event_minus_one", "coding",
     lambda _: fit_cox(_surv().assign(event=lambda d: d["event"].replace(0, -1)), ["x"]),
     ("error", DVE, r"values found are \[-1, 1\]")),
    ("cox_event_missing", "coding",
     lambda _: fit_cox(_surv().assign(event=lambda d: d["event"].where(d.index != 7)), ["x"]),
     ("error", DVE, r"column 'event' .*1 missing value\(s\) \(row 7\); every row needs 0 or 1")),
    ("cox_event_boolean", "coding",
     lambda _: _coef(fit_cox(_surv().assign(event=lambda d: d["event"] == 1), ["x"])),
     ("ok", lambda c: np.allclose(c, _coef(fit_cox(_surv(), ["x"]))))),
    ("kaplan_meier_event_float", "coding",
     lambda _: kaplan_meier_by_group(_surv().assign(event=lambda d: d["event"] * 1.0), "plan"),
     ("ok", lambda km: list(km) == ["annual", "monthly"]
      and km["annual"].event_observed.sum() == _surv().query("plan == 'annual'")["event"].sum())),
    # --- value ----------------------------------------------------------------------------------
    ("gammagamma_zero_spend", "value",
     lambda _: GammaGamma().fit(_spend().assign(monetary_value=lambda d: d["monetary_value"]
                                                .where(d.index != "c3", 0.0))),
     ("error", DVE, r"column 'monetary_value' .* is 0 for 1 customers with repeat purchases "
                    r"\(row c3\); .*positive spend.*summary\[summary\['monetary_value'\] > 0\]")),
    ("gammagamma_negative_spend", "value",
     lambda _: GammaGamma().fit(_spend().assign(monetary_value=lambda d: d["monetary_value"]
                                                .where(d.index != "c5", -12.5))),
     ("error", DVE, r"is negative for 1 customers .*\(row c5: -12\.5\); returns must be removed")),
    ("gammagamma_missing_spend_of_repeat_buyer", "value",
     lambda _: GammaGamma().fit(_spend().assign(monetary_value=lambda d: d["monetary_value"]
                                                .where(d.index != "c9"))),
     ("error", DVE, r"1 missing value\(s\) for customers with repeat purchases \(row c9\)")),
    ("gammagamma_infinite_spend", "value",
     lambda _: GammaGamma().fit(_spend().assign(monetary_value=lambda d: d["monetary_value"]
                                                .where(d.index != "c9", np.inf))),
     ("error", DVE, r"'monetary_value' .*1 infinite value\(s\) \(row c9\)")),
    ("gammagamma_blank_spend_of_one_time_buyer", "value",
     lambda _: GammaGamma().fit(pd.concat(
         [_spend(), pd.DataFrame({"frequency": [0.0], "monetary_value": [np.nan]}, ["new"])])
     ).params_,
     ("warn", DataQualityWarning, r"1 customer\(s\) with frequency 0",
      lambda p: p == pytest.approx(GammaGamma().fit(_spend()).params_, rel=1e-9))),
    ("clv_discount_rate_as_percent", "value",
     lambda _: customer_lifetime_value(*_models(), _clv_summary(), discount_rate=10),
     ("error", PE, r"'discount_rate' = 10 is out of range: it must be in \[0, 1\); it is a rate "
                   r"per period of period_length time units.*0\.01 a month.*0\.10")),
    ("clv_discount_rate_of_one", "value",
     lambda _: customer_lifetime_value(*_models(), _clv_summary(), discount_rate=1.0),
     ("error", PE, r"'discount_rate' = 1\.0 is out of range")),
    ("clv_monthly_discount_rate", "value",
     lambda _: customer_lifetime_value(*_models(), _clv_summary(), horizon=2, discount_rate=0.5),
     ("ok", lambda v: np.allclose(v, _models()[1].conditional_expected_average_spend(
         _clv_summary()) * (_models()[0].conditional_expected_purchases(1.0, _clv_summary()) / 1.5
          + (_models()[0].conditional_expected_purchases(2.0, _clv_summary())
             - _models()[0].conditional_expected_purchases(1.0, _clv_summary())) / 2.25)))),
    ("historical_clv_discount_rate_as_percent", "value",
     lambda _: historical_clv(_clv_summary(), discount_rate=12),
     ("error", PE, r"'discount_rate' = 12 .*\[0, 1\)")),
    ("cohort_retention_clv_discount_rate_as_percent", "value",
     lambda _: cohort_retention_clv([1000, 800, 640], margin=1.0, discount_rate=10),
     ("error", PE, r"'discount_rate' = 10 .*rate per period of the counts.*0\.10 a year")),
    ("sbg_derl_discount_rate_as_percent", "value",
     lambda _: ShiftedBetaGeometric().fit([1000, 631, 468, 382]).derl(10),
     ("error", PE, r"'discount_rate' = 10 is out of range: it must be in \(0, 1\)")),
    ("survival_clv_discount_rate_as_percent", "value",
     lambda _: survival_clv(fit_cox(_surv(), ["x"]), _surv().head(3), 10.0,
                            annual_discount_rate=10),
     ("error", PE, r"'annual_discount_rate' = 10 .*\[0, 1\); it is a rate per year")),
    ("survival_clv_margin_misses_customers", "value",
     lambda _: survival_clv(fit_cox(_surv(), ["x"]), _surv().head(3), pd.Series({0: 5.0})),
     ("error", DVE, r"margin has no value for 2 customers of df \(rows 1, 2\)")),
    ("bgnbd_negative_frequency", "value",
     lambda _: BGNBD().fit(_sim(500).assign(frequency=lambda d: d["frequency"].where(
         d.index != 4, -1))),
     ("error", DVE, r"column 'frequency' .*1 negative values \(row 4\)")),
    ("bgnbd_recency_beyond_T", "value",
     lambda _: BGNBD().fit(_sim(500).assign(recency=lambda d: d["recency"].where(
         d.index != 0, 31.0))),
     ("error", DVE, r"'recency' .* exceeds 'T' in 1 rows \(row 0\).*same time unit")),
    ("cox_negative_duration", "value",
     lambda _: fit_cox(_surv().assign(duration=lambda d: d["duration"].where(d.index != 4, -3.0)),
                       ["x"]),
     ("error", DVE, r"column 'duration' .*1 value\(s\) below 0 \(row 4: -3\.0\)")),
    ("logrank_missing_duration", "value",
     lambda _: logrank(_surv().assign(duration=lambda d: d["duration"].where(d.index != 4)),
                       "plan"),
     ("error", DVE, r"column 'duration' .*1 missing value\(s\) \(row 4\)")),
    ("weibull_churn_at_duration_zero", "value",
     lambda _: fit_weibull(_surv().assign(duration=lambda d: d["duration"].where(
         d["event"] == 0, 0.0)), ["x"]),
     ("error", DVE, r"'duration' .* is 0 for \d+ customers who churned.*finer unit")),
    ("weibull_active_at_duration_zero", "value",
     lambda _: _coef(fit_weibull(_zero_censored(), ["x"])),
     ("warn", DataQualityWarning, r"3 customer\(s\) still active at duration 0 \(rows 0, 1, 2\)",
      lambda c: np.allclose(c, _coef(fit_weibull(_zero_censored().iloc[3:], ["x"]))))),
    ("cox_active_at_duration_zero", "value",
     lambda _: _coef(fit_cox(_zero_censored(), ["x"])),
     ("ok", lambda c: np.allclose(c, _coef(fit_cox(_zero_censored().iloc[3:], ["x"]))))),
    ("churn_risk_missing_covariate_value", "value",
     lambda _: churn_risk(fit_cox(_surv(), ["x"]), _surv().head(3).assign(x=[0.1, np.nan, 2.0]),
                          5.0),
     ("error", DVE, r"column 'x' of the table passed to churn_risk has 1 missing value\(s\)")),
    # --- structure ------------------------------------------------------------------------------
    ("bgbb_pooled_table_without_weight_col", "structure",
     lambda _: BGBB().fit(load_donations()),
     ("error", DVE, r"has a column 'weight', so it looks pooled.*weight_col is None.*pass "
                    r"weight_col='weight'.*rename it")),
    ("bgbb_pooled_table_with_weight_col", "structure",
     lambda _: BGBB().fit(load_donations(), weight_col="weight").params_,
     ("ok", lambda p: [round(v, 3) for v in p.values()] == [1.204, 0.75, 0.657, 2.783])),
    ("bgnbd_count_column_without_weight_col", "structure",
     lambda _: BGNBD().fit(_sim(500).value_counts().rename("count").reset_index()),
     ("error", DVE, r"column 'count', so it looks pooled.*weight_col='count'")),
    ("bgnbd_count_column_with_weight_col", "structure",
     lambda _: BGNBD().fit(_sim(500).value_counts().rename("count").reset_index(),
                           weight_col="count").params_,
     ("ok", lambda p: p == pytest.approx(_models()[0].params_, rel=1e-5))),
    ("gammagamma_n_customers_column", "structure",
     lambda _: GammaGamma().fit(_spend().assign(N_Customers=1)),
     ("error", DVE, r"column 'N_Customers', so it looks pooled.*weight_col='N_Customers'")),
    ("frequency_counts_pooled_without_weight_col", "structure",
     lambda _: _models()[0].expected_frequency_counts(_s([0, 1], [0.0, 3.0], [30.0, 30.0],
                                                         weights=[900, 100])),
     ("error", DVE, r"expected_frequency_counts has a column 'weights'")),
    ("bgnbd_missing_T_column", "structure",
     lambda _: BGNBD().fit(_sim(500).rename(columns={"T": "age"})),
     ("error", DVE, r"column 'T' not found .*it has columns \['frequency', 'recency', 'age'\]")),
    ("cox_missing_event_column", "structure",
     lambda _: fit_cox(_surv().drop(columns="event"), ["x"]),
     ("error", DVE, r"column 'event' not found in the table passed to fit_cox")),
    ("churn_risk_missing_covariate_column", "structure",
     lambda _: churn_risk(fit_cox(_surv(), ["x"]), _surv().drop(columns="x"), 5.0),
     ("error", DVE, r"column 'x' not found in the table passed to churn_risk")),
    ("kaplan_meier_missing_group", "structure",
     lambda _: kaplan_meier_by_group(_surv().assign(plan=lambda d: d["plan"].where(d.index > 1)),
                                     "plan"),
     ("error", DVE, r"'plan' .*2 missing value\(s\) \(rows 0, 1\); those customers would "
                    r"silently be left out")),
    ("logrank_one_group", "structure",
     lambda _: logrank(_surv().assign(plan="annual"), "plan"),
     ("error", DVE, r"'plan' .*has 1 group\(s\); the log-rank test compares two or more")),
    # --- type -----------------------------------------------------------------------------------
    ("bgnbd_T_as_text", "type",
     lambda _: BGNBD().fit(_sim(500).assign(T=lambda d: d["T"].astype(str))),
     ("error", DVE, r"column 'T' .*is not numeric \(dtype object\).*pd\.to_numeric")),
    ("bgnbd_frequency_as_booleans", "type",
     lambda _: BGNBD().fit(_sim(500).assign(frequency=lambda d: d["frequency"] > 0)),
     ("error", DVE, r"column 'frequency' .*is not numeric \(dtype bool\)")),
    ("gammagamma_spend_as_text", "type",
     lambda _: GammaGamma().fit(_spend().assign(monetary_value=lambda d: d["monetary_value"]
                                                .map("{:.2f}".format))),
     ("error", DVE, r"'monetary_value' .*is not numeric")),
    ("cox_duration_as_text", "type",
     lambda _: fit_cox(_surv().assign(duration=lambda d: d["duration"].astype(str)), ["x"]),
     ("error", DVE, r"column 'duration' .*is not numeric \(dtype object\)")),
    ("cox_text_covariate", "type",
     lambda _: fit_cox(_surv(), ["x", "plan"]),
     ("error", DVE, r"covariate 'plan' is not numeric.*pd\.get_dummies")),
    ("churn_risk_model_not_fitted", "type",
     lambda _: churn_risk(CoxPHFitter(), _surv(), 5.0),
     ("error", NotFittedError, r"CoxPHFitter is not fitted yet")),
    ("survival_clv_model_is_text", "type",
     lambda _: survival_clv("weibull", _surv(), 1.0),
     ("error", PE, r"model must be a fitted lifelines regression model.*got str")),
    ("sbg_counts_as_text", "type",
     lambda _: ShiftedBetaGeometric().fit("1000, 600, 400"),
     ("error", DVE, r"sequence of customer counts")),
    ("initial_params_as_text", "type",
     lambda _: BGNBD().fit(_sim(500), initial_params={"r": "1", "alpha": 1, "a": 1, "b": "x"}),
     ("error", PE, r"initial_params must all be positive and finite")),
    ("clv_spend_model_of_wrong_kind", "type",
     lambda _: customer_lifetime_value(_models()[0], _models()[0], _clv_summary()),
     ("error", PE, r"spend_model must be a fitted GammaGamma, got BGNBD")),
]  # fmt: skip
