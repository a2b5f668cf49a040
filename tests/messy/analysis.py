"""Messy input to the analysis functions, as a learner brings it: labels in another order,
unscored customers, k-means on too few distinct customers, accounts worth nothing, text
numbers, yes/no outcomes, dates as numbers, gaps and repeats in a KPI history."""

import numpy as np
import pandas as pd

from helpers.cases import port_terminal as port
from helpers.customer_base import (
    BehaviourSegmenter,
    abc_classes,
    choose_k,
    customer_equity,
    gini,
    pareto_table,
    segment_profiles,
    target_customer_matrix,
    top_share,
    value_score,
    value_tiers,
)
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.operations import (
    candidate_pairs,
    cluster_records,
    compare,
    growth_trend,
    merge_customers,
    stage_outcomes,
    standardise,
    time_in_stage,
)
from helpers.service import (
    compare_expectations,
    complaint_kpis,
    csat,
    ipa,
    mean_satisfaction,
    repeat_complaint_rate,
    timeliness_rate,
    zone_of_tolerance,
)
from helpers.strategy import compare_means, compare_proportions, kpi_status

D, P = DataValidationError, ParameterError

# --- inputs, built inline -------------------------------------------------------------------

FEATURES = pd.DataFrame(
    {"spend": [10.0, 20, 30, 40, 50, 60], "visits": [1.0, 2, 3, 4, 5, 6]}, index=list("abcdef")
)
LABELS = pd.Series([0, 0, 1, 1, 2, 2], index=FEATURES.index)
SHUFFLED = LABELS.iloc[[4, 1, 5, 0, 3, 2]]  # same ids, another order
FEW = pd.DataFrame({"a": [1.0, 1, 1, 2, 2, 2, 3, 3, 3, 3], "b": [5.0] * 10})  # 3 distinct rows
SAME = pd.DataFrame({"a": [1.0] * 8, "b": [2.0] * 8})
ACCOUNTS = pd.DataFrame(
    {
        "value": [1000.0, 0.0, 500.0],
        "leave_prob": [0.5, 0.5, 0.2],
        "max_reduction": [1.0, 1.0, 0.5],
        "half_hours": [10.0, 10.0, 10.0],
        "min_hours": [0.0, 0.0, 0.0],
        "max_hours": [40.0, 40.0, 40.0],
    },
    index=["a", "b", "c"],
)
VOLUMES = pd.DataFrame(
    {"volume": [100.0, 10.0], "unit_margin": [20.0, 20.0], "growth": [0.0, 0.0],
     "cost_to_serve": [200.0, 200.0]}, index=["A", "B"],
)  # fmt: skip
PORTFOLIO = pd.DataFrame(
    {"cost_to_serve": [1.0, 2, 3, 4], "volume": [4.0, 3, 2, 1]}, index=list("wxyz")
)
LOG = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b"],
        "received_at": ["2024-03-01 09:00", "2024-03-05 09:00", "2024-03-02 09:00"],
        "closed_at": ["2024-03-01 10:00", "2024-03-08 09:00", None],
        "first_contact_resolution": [True, False, False],
        "satisfaction": [5, 2, None],
        "channel": ["phone", "email", "phone"],
    }
)
RATINGS = pd.DataFrame(
    {
        "respondent_id": [1, 1, 2, 2, 3, 3],
        "attribute": ["speed", "tone"] * 3,
        "importance": [7, 3, 6, 4, 5, 5],
        "perceived": [3, 8, 5, 6, 4, 7],
        "adequate": [5, 4, 5, 4, 5, 4],
        "desired": [8, 6, 8, 6, 8, 6],
        "segment": ["existing", "existing", "potential", "potential", "existing", "existing"],
    }
)
OPPS = pd.DataFrame(
    {
        "opened": ["2024-01-01", "2024-01-01", "2024-01-20"],
        "won": ["2024-01-11", None, None],
        "lost": [None, "2024-01-31", None],
    }
)
TEST = pd.DataFrame(
    {"treated": [1] * 5 + [0] * 5, "retained": [1, 1, 1, 0, 1, 0, 1, 0, 0, 1],
     "revenue": [10.0, 12, 14, 9, 11, 8, 9, 10, 7, 8]},
)  # fmt: skip
HISTORY = pd.DataFrame(
    {"month": pd.date_range("2024-01-01", periods=4, freq="MS"), "csat": [0.70, 0.72, 0.84, 0.86]}
)
RECORDS = pd.DataFrame(
    {
        "name": ["Fang WANG", "wang fang"],
        "phone": [13812345678.0, 13812345678.0],  # a spreadsheet stored the phones as numbers
        "email": [None, None],
        "address": [None, None],
        "postcode": [100081.0, np.nan],
        "birth_date": [None, None],
        "channel": ["web", "branch"],
        "updated_at": ["2024-05-01", "2024-06-01"],
    },
    index=[10, 9],  # integer record ids
)


def _profile_equal(result, expected):
    pd.testing.assert_frame_equal(result, expected)
    return True


def _pairs_of_int_ids(tmp):
    std = standardise(RECORDS)
    scored = compare(std, candidate_pairs(std))
    return cluster_records(std.index, scored, 0.6)


def _tiers_of_named_scores(tmp):
    return value_tiers(pd.Series([0.9, 0.1, 0.5, 0.3, 0.7], index=list("vwxyz")), (0.2, 0.6))


# --- the cases ------------------------------------------------------------------------------

CASES = [
    # 1. Segment profiles: a labels Series is matched on the index, a list is positional.
    ("profiles: labels Series in another order", "analysis",
     lambda tmp: segment_profiles(FEATURES, SHUFFLED),
     ("ok", lambda r: _profile_equal(r, segment_profiles(FEATURES, LABELS)))),
    ("profiles: shuffled labels, value shares", "analysis",
     lambda tmp: segment_profiles(FEATURES, SHUFFLED, value_col="spend"),
     ("ok", lambda r: r["value_share"].round(4).tolist() == [0.1429, 0.3333, 0.5238])),
    ("profiles: labels indexed 0..5 for rows a..f", "analysis",
     lambda tmp: segment_profiles(FEATURES, pd.Series([0, 0, 1, 1, 2, 2])),
     ("error", D, r"index does not match the rows of features: 6 row\(s\) of features have no "
      r"label \(rows a, b, c, d, e, …\)")),
    ("profiles: list of labels is positional", "analysis",
     lambda tmp: segment_profiles(FEATURES, [0, 0, 1, 1, 2, 2]),
     ("ok", lambda r: r["spend"].tolist() == [15.0, 35.0, 55.0])),
    ("profiles: too few labels", "structure",
     lambda tmp: segment_profiles(FEATURES, [0, 1]),
     ("error", D, r"labels has 2 entries for the 6 rows of features")),
    ("profiles: a missing label", "value",
     lambda tmp: segment_profiles(FEATURES, [0, 0, 1, np.nan, 2, 2]),
     ("error", D, r"labels has 1 missing segment label\(s\) \(row d\)")),
    # 2. Value tiers and scores.
    ("tiers: NaN score", "analysis",
     lambda tmp: value_tiers(pd.Series([0.1, np.nan, 0.5, 0.9], index=list("wxyz"))),
     ("error", D, r"has 1 missing value\(s\) \(row x\)")),
    ("tiers: scores as text", "type",
     lambda tmp: value_tiers(pd.Series(["0.9", "10", "2"], name="score")),
     ("error", D, r"column 'score' of score is not numeric \(dtype object\)")),
    ("tiers: empty score", "structure", lambda tmp: value_tiers(pd.Series([], dtype=float)),
     ("error", D, r"score is empty")),
    ("tiers: a list and a Series keep their order", "analysis", _tiers_of_named_scores,
     ("ok", lambda r: r.to_dict() == {"v": "high", "w": "low", "x": "medium", "y": "low",
                                      "z": "medium"})),  # fmt: skip
    ("score: NaN indicator", "value",
     lambda tmp: value_score(FEATURES.assign(visits=[1.0, np.nan, 3, 4, 5, 6]), {"visits": 1}),
     ("error", D, r"column 'visits' of indicators has 1 missing value\(s\) \(row b\)")),
    ("score: weight for an unknown column", "structure",
     lambda tmp: value_score(FEATURES, {"spend": 1, "loyalty": 1}),
     ("error", D, r"column 'loyalty' not found in indicators.*weights may only name columns")),
    ("score: negative weight", "parameter",
     lambda tmp: value_score(FEATURES, {"spend": 1, "visits": -1}),
     ("error", P, r"weights\['visits'\]\" = -1 is out of range")),
    ("score: weight as text", "type", lambda tmp: value_score(FEATURES, {"spend": "3"}),
     ("error", P, r"weights\['spend'\]\" = '3' is not a number")),
    ("score: weights 3:1 need not sum to 1", "analysis",
     lambda tmp: value_score(FEATURES, {"spend": 3, "visits": 1}),
     ("ok", lambda r: np.allclose(r, value_score(FEATURES, {"spend": 0.75, "visits": 0.25})))),
    ("score: constant indicator ranks nobody differently", "value",
     lambda tmp: value_score(FEATURES.assign(visits=1.0), {"spend": 1, "visits": 1}),
     ("ok", lambda r: r.is_monotonic_increasing and np.isfinite(r).all())),
    # 3. k-means on degenerate features.
    ("choose_k: identical customers", "analysis", lambda tmp: choose_k(SAME, range(2, 4)),
     ("error", D, r"all 8 customers have identical features")),
    ("choose_k: k above the distinct customers", "analysis",
     lambda tmp: choose_k(FEW, range(2, 6)),
     ("error", P, r"k=5 \(in k_range\) is more than the 3 distinct customers among the 10")),
    ("segmenter: k above the distinct customers", "analysis",
     lambda tmp: BehaviourSegmenter(k=4).fit(FEW),
     ("error", P, r"k=4 is more than the 3 distinct customers.*keep k at or below 3")),
    ("segmenter: k equal to the distinct customers", "analysis",
     lambda tmp: BehaviourSegmenter(k=3, random_state=0).fit(FEW).labels_,
     ("ok", lambda r: r.nunique() == 3 and r.groupby(FEW["a"]).nunique().eq(1).all())),
    ("choose_k: k = 1", "parameter", lambda tmp: choose_k(FEATURES, range(1, 3)),
     ("error", P, r"parameter 'k_range' = 1 is out of range: it must be in \[2, inf\]")),
    ("choose_k: k as a float", "type", lambda tmp: choose_k(FEATURES, [2.5]),
     ("error", P, r"'k_range' = 2.5 is not a whole number")),
    ("segmenter: k not below the customers", "parameter",
     lambda tmp: BehaviourSegmenter(k=6).fit(FEATURES),
     ("error", P, r"k=6 must be smaller than the 6 customers")),
    ("choose_k: infinite feature", "value",
     lambda tmp: choose_k(FEATURES.assign(spend=[1, np.inf, 3, 4, 5, 6]), [2]),
     ("error", D, r"column 'spend' of features has 1 infinite value\(s\) \(row b\)")),
    ("choose_k: numbers as text", "type",
     lambda tmp: choose_k(FEATURES.assign(spend=["1", "2", "3", "4", "5", "6"]), [2]),
     ("error", D, r"column 'spend' of features is not numeric \(dtype object\)")),
    ("segmenter: negative spend with log=True", "value",
     lambda tmp: BehaviourSegmenter(k=2).fit(FEATURES.assign(spend=[-5.0, 2, 3, 4, 5, 6])),
     ("error", D, r"column 'spend' has 1 negative value\(s\) \(row a: -5.0\) and log=True")),
    # 4. The port case.
    ("port: an account worth 0 in a proportional split", "analysis",
     lambda tmp: port.proportional_split(ACCOUNTS, 100),
     ("ok", lambda r: r.tolist() == [40.0, 0.0, 40.0])),
    ("port: every account worth 0", "analysis",
     lambda tmp: port.proportional_split(ACCOUNTS.assign(value=0.0, min_hours=5.0), 30),
     ("ok", lambda r: r.tolist() == [5.0, 5.0, 5.0])),
    ("port: compare plans with an account worth 0", "analysis",
     lambda tmp: port.compare_allocations(ACCOUNTS, 100)[0],
     ("ok", lambda r: r.loc["value-proportional", "hours_used"] == 80.0
      and r.loc["optimised (LP)", "value_retained"] >= r.loc["even split", "value_retained"])),
    ("port: a single account", "structure",
     lambda tmp: port.compare_allocations(ACCOUNTS.iloc[[0]], 20)[0],
     ("ok", lambda r: np.allclose(r["value_retained"], 875.0))),
    ("port: negative volume", "value",
     lambda tmp: port.account_value(VOLUMES.assign(volume=[100.0, -5.0])),
     ("error", D, r"column 'volume' has 1 missing or invalid value\(s\) \(it must be at least "
      r"0\) \(row B: -5.0\)")),
    ("port: missing margin", "value",
     lambda tmp: port.account_value(VOLUMES.assign(unit_margin=[20.0, np.nan])),
     ("error", D, r"column 'unit_margin' has 1 missing or invalid value\(s\).*\(row B: nan\)")),
    ("port: hours for other accounts", "structure",
     lambda tmp: port.leave_probability(ACCOUNTS, pd.Series([1.0, 2, 3])),
     ("error", D, r"hours names 3 account\(s\) that are not in accounts \(rows 0, 1, 2\)")),
    ("port: hours of the wrong length", "structure",
     lambda tmp: port.leave_probability(ACCOUNTS, [1.0, 2.0]),
     ("error", D, r"hours has 2 value\(s\) for the 3 accounts")),
    ("port: who left coded yes/no", "coding",
     lambda tmp: port.plan_vs_actual(ACCOUNTS, 0.0, pd.Series(["yes", "no", "no"],
                                     index=ACCOUNTS.index), pd.Series("Dog", ACCOUNTS.index)),
     ("error", D, r"column 'left' of left holds 3 value\(s\) other than 0 and 1.*\['no', 'yes'\]")),
    ("port: groups not aligned", "structure",
     lambda tmp: port.plan_vs_actual(ACCOUNTS, 0.0, [True, False, True], pd.Series(["A"] * 3)),
     ("error", D, r"groups has no value for 3 account\(s\) \(rows a, b, c\)")),
    # 5. Concentration.
    ("gini: negative value", "value",
     lambda tmp: gini(pd.Series([5.0, -2.0, 3.0], name="revenue")),
     ("error", D, r"column 'revenue' has 1 negative value\(s\) \(row 1: -2.0\)")),
    ("pareto: all zeros", "value", lambda tmp: pareto_table([0, 0, 0]),
     ("error", D, r"sums to 0 over its 3 customer\(s\)")),
    ("top_share: NaN", "value", lambda tmp: top_share([5.0, np.nan, 1.0]),
     ("error", D, r"has 1 missing value\(s\) \(row 1\)")),
    ("gini: a single customer", "structure", lambda tmp: gini([120.0]),
     ("ok", lambda r: r == 0.0)),
    ("abc: numbers as text", "type", lambda tmp: abc_classes(["1,200", "300", "50"]),
     ("error", D, r"is not numeric \(dtype object\)")),
    ("pareto: a DataFrame instead of a column", "structure",
     lambda tmp: pareto_table(pd.DataFrame({"revenue": [1.0, 2.0]})),
     ("error", D, r"not a DataFrame with columns \['revenue'\]; select the column")),
    ("target matrix: threshold NaN", "parameter",
     lambda tmp: target_customer_matrix(PORTFOLIO, cost_threshold=float("nan")),
     ("error", P, r"'cost_threshold' = nan is not finite")),
    ("target matrix: infinite volume", "value",
     lambda tmp: target_customer_matrix(PORTFOLIO.assign(volume=[np.inf, 3, 2, 1])),
     ("error", D, r"column 'volume' of accounts has 1 infinite value\(s\) \(row w\)")),
    ("equity: discount rate typed as a percentage", "parameter",
     lambda tmp: customer_equity(discount_rate=10),
     ("error", P, r"'discount_rate' = 10 is out of range.*0.10 for 10% a year")),
    ("equity: integer discount rate 0", "type",
     lambda tmp: customer_equity(discount_rate=0, horizon=2),
     ("ok", lambda r: r["discount_factor"].tolist() == [1.0, 1.0])),
    # 6. Service.
    ("csat: blank answers in a list", "value", lambda tmp: csat([5, 4, None, 2], random_state=0),
     ("ok", lambda r: r["csat"] == 2 / 3 and r["n"] == 3)),
    ("satisfaction outside the scale", "value",
     lambda tmp: mean_satisfaction(LOG.assign(satisfaction=[5, 6, None])),
     ("error", D, r"'satisfaction' has 1 score\(s\) outside the scale 1-5 \(row 1: 6")),
    ("satisfaction scale given as text", "parameter",
     lambda tmp: mean_satisfaction(LOG, scale="1-5"),
     ("error", P, r"'scale' = '1-5' must be a pair \(lowest, highest\)")),
    ("complaint closed before it was received", "analysis",
     lambda tmp: timeliness_rate(LOG.assign(closed_at=["2024-03-01 08:00", None, None]), 24),
     ("error", D, r"'closed_at' is before 'received_at' in 1 complaint\(s\) \(row 0\)")),
    ("complaints received after observation_end", "date",
     lambda tmp: timeliness_rate(LOG, 24, observation_end="2024-03-03"),
     ("warn", DataQualityWarning, r"1 complaint\(s\) received after observation_end",
      lambda r: r == 1.0)),
    ("complaint times with and without a time zone", "date",
     lambda tmp: complaint_kpis(LOG.assign(received_at=pd.to_datetime(LOG["received_at"])
                                           .dt.tz_localize("Asia/Shanghai")), 24),
     ("ok", lambda r: r.loc["all", "median_handling_hours"] == 36.5)),
    ("repeat complaints without customer ids", "identifier",
     lambda tmp: repeat_complaint_rate(LOG.assign(customer_id=["a", None, "b"])),
     ("error", D, r"'customer_id' has 1 missing customer id\(s\) \(row 1\)")),
    ("KPIs by a channel with blanks", "value",
     lambda tmp: complaint_kpis(LOG.assign(channel=["phone", None, "phone"]), 24, by="channel"),
     ("error", D, r"column 'channel' has 1 missing value\(s\) \(row 1\); those complaints would")),
    ("IPA: importance as text", "type",
     lambda tmp: ipa(RATINGS.assign(importance=RATINGS["importance"].astype(str))),
     ("error", D, r"column 'importance' of ratings is not numeric")),
    ("zone: a rating without its attribute", "value",
     lambda tmp: zone_of_tolerance(RATINGS.assign(attribute=["speed", None] * 3)),
     ("error", D, r"'attribute' of ratings has 3 missing value\(s\) \(rows 1, 3, 5\)")),
    ("expectations: the same group twice", "parameter",
     lambda tmp: compare_expectations(RATINGS, groups=("existing", "existing")),
     ("error", P, r"names the same group twice")),
    # 6. Operations.
    ("funnel: dates as numbers", "date",
     lambda tmp: stage_outcomes(OPPS.assign(opened=[20240101, 20240101, 20240120]),
                                "2024-01-31", stages=["opened", "won"]),
     ("error", D, r"'opened' of opportunities holds numbers.*date_format='%Y%m%d'")),
    ("funnel: stages in the wrong order", "analysis",
     lambda tmp: stage_outcomes(OPPS.assign(won=["2023-12-01", None, None]), "2024-01-31",
                                stages=["opened", "won"]),
     ("error", D, r"'won' has 1 date\(s\) before the 'opened' date \(row 0\)")),
    ("funnel: stages given as one string", "parameter",
     lambda tmp: stage_outcomes(OPPS, "2024-01-31", stages="opened"),
     ("error", P, r"stages='opened' must be a list of date columns in funnel order")),
    ("funnel: one quantile on its own", "parameter",
     lambda tmp: time_in_stage(OPPS, "2024-01-31", stages=["opened", "won"], quantiles=0.5),
     ("ok", lambda r: r.loc["opened", "50%"] == 10.0)),
    ("growth: every new customer in the last period", "analysis",
     lambda tmp: growth_trend([0, 0, 5]),
     ("error", D, r"all new customers are in the last of the 3 periods")),
    ("customer view: phones stored as numbers, integer ids", "type", _pairs_of_int_ids,
     ("ok", lambda r: r.to_dict() == {10: "C00001", 9: "C00001"})),
    ("customer view: clusters with a missing id", "identifier",
     lambda tmp: merge_customers(standardise(RECORDS), pd.Series(["C1", None], index=[10, 9])),
     ("error", D, r"clusters has 1 missing customer id\(s\) \(row 9\)")),
    ("customer view: a record without its channel", "value",
     lambda tmp: standardise(RECORDS.assign(channel=["web", None])),
     ("error", D, r"'channel' of records has 1 missing value\(s\) \(row 9\)")),
    # 6. Strategy.
    ("experiment: an empty arm", "structure",
     lambda tmp: compare_proportions(TEST.assign(treated=1)),
     ("error", D, r"the control arm \(treated == 0\) has 0 customer\(s\)")),
    ("experiment: 0/1 outcome coded yes/no", "coding",
     lambda tmp: compare_proportions(TEST.assign(
         retained=np.where(TEST["retained"] == 1, "yes", "no"))),
     ("error", D, r"'retained' of data holds 10 value\(s\) other than 0 and 1.*\['no', 'yes'\]")),
    ("experiment: outcome as True/False", "coding",
     lambda tmp: compare_proportions(TEST.assign(retained=TEST["retained"].astype(bool))),
     ("ok", lambda r: round(r.estimate, 10) == 0.4)),
    ("experiment: revenue as text", "type",
     lambda tmp: compare_means(TEST.assign(revenue=TEST["revenue"].astype(str))),
     ("error", D, r"'revenue' of data is not numeric \(dtype object\)")),
    ("experiment: revenue that never varies", "value",
     lambda tmp: compare_means(TEST.assign(revenue=5.0)),
     ("error", D, r"'revenue' does not vary within either arm")),
    ("dashboard: a month without a value", "value",
     lambda tmp: kpi_status(HISTORY.assign(csat=[0.7, 0.72, np.nan, 0.86]), {"csat": 0.8}, 2),
     ("error", D, r"'csat' of the KPI history has no value for 1 month\(s\) of the current "
      r"window \(2024-03-01\)")),
    ("dashboard: target as a percentage", "parameter",
     lambda tmp: kpi_status(HISTORY, {"csat": 80}, window=2),
     ("error", P, r"target of 'csat' = 80 is not a share.*0.8 for 80%")),
    ("dashboard: a month twice", "structure",
     lambda tmp: kpi_status(pd.concat([HISTORY, HISTORY.tail(1)], ignore_index=True),
                            {"csat": 0.8}, window=2),
     ("error", D, r"column 'month' of the KPI history has 2 rows with a repeated date")),
    ("dashboard: window before the programme start", "analysis",
     lambda tmp: kpi_status(HISTORY, {"csat": 0.8}, window=3, programme_start="2024-03-01"),
     ("error", P, r"the last 3 months reach back before programme_start 2024-03-01.*window <= 2")),
]  # fmt: skip
