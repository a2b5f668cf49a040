"""RFM scores, k-means segments, value scores and tiers."""

import numpy as np
import pandas as pd
import pytest

from helpers.customer_base.rfm import DEFAULT_SEGMENT_RULES, rfm_scores, rfm_table
from helpers.customer_base.segment import (
    BehaviourSegmenter,
    choose_k,
    segment_profiles,
    value_score,
    value_tiers,
)
from helpers.exceptions import (
    DataQualityWarning,
    DataValidationError,
    NotFittedError,
    ParameterError,
)


@pytest.fixture
def small() -> pd.DataFrame:
    # Ten customers; scores worked out by hand with bins=5 (two customers per level when no ties).
    return pd.DataFrame(
        {
            "recency": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "frequency": [9, 1, 1, 1, 5, 5, 2, 3, 4, 8],
            "monetary": [100, 10, 20, 30, 40, 50, 60, 70, 80, 90],
        },
        index=list("abcdefghij"),
    )


def test_scores_by_hand(small):
    s = rfm_scores(small)
    # Recency: smallest is best -> a, b get 5; i, j get 1.
    assert s["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # Frequency ranks (ties share their lowest rank): 1,1,1 -> rank 1 -> score 1;
    # 2 -> rank 4 -> 1 + floor(5*3/10) = 2; 3 -> rank 5 -> 3; 4 -> rank 6 -> 3;
    # 5,5 -> rank 7 -> 4; 8 -> rank 9 -> 5; 9 -> rank 10 -> 5.
    assert s["f_score"].tolist() == [5, 1, 1, 1, 4, 4, 2, 3, 3, 5]
    assert s["m_score"].tolist() == [5, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert s.loc["a", "rfm_score"] == "555"
    assert s.loc["a", "segment"] == "champions"
    assert s.loc["b", "segment"] == "new"  # R 5, F 1
    assert s.loc["j", "segment"] == "at risk"  # R 1, F 5
    assert s.loc["d", "segment"] == "new"  # R 4, F 1


def test_scores_do_not_depend_on_row_order(small):
    shuffled = small.sample(frac=1, random_state=4)
    a = rfm_scores(small)
    b = rfm_scores(shuffled).loc[small.index]
    pd.testing.assert_frame_equal(a, b)


def test_recency_direction_recent_is_high():
    df = pd.DataFrame({"recency": [0, 400], "frequency": [1, 1], "monetary": [5, 5]})
    s = rfm_scores(df, bins=2, rules=DEFAULT_SEGMENT_RULES.assign(r_max=2, f_max=2))
    assert s["r_score"].tolist() == [2, 1]


def test_default_rules_cover_every_score_pair():
    grid = [(r, f) for r in range(1, 6) for f in range(1, 6)]
    for r, f in grid:
        hits = DEFAULT_SEGMENT_RULES.query("r_min <= @r <= r_max and f_min <= @f <= f_max")
        assert len(hits) >= 1, (r, f)


def test_custom_rules_and_unclassified_warning(small):
    rules = pd.DataFrame(
        [("best", 5, 5, 5, 5)], columns=["segment", "r_min", "r_max", "f_min", "f_max"]
    )
    with pytest.warns(DataQualityWarning, match=r"9 customer\(s\) match no segment rule"):
        s = rfm_scores(small, rules=rules)
    assert s["segment"].value_counts().to_dict() == {"unclassified": 9, "best": 1}


def test_rfm_score_errors(small):
    with pytest.raises(DataValidationError, match=r"column 'monetary' not found.*rfm_table"):
        rfm_scores(small.drop(columns="monetary"))
    bad = small.copy()
    bad.loc["c", "recency"] = -1
    with pytest.raises(DataValidationError, match=r"column 'recency' has 1 missing or negative"):
        rfm_scores(bad)
    with pytest.raises(ParameterError, match="default segment rules are written for bins=5"):
        rfm_scores(small, bins=4)
    with pytest.raises(
        ParameterError,
        match=r"'bins' = 1 is out of range: it must be in \[2, 10\]",
    ):
        rfm_scores(small, bins=1)
    with pytest.raises(DataValidationError, match=r"rules lack column\(s\) \['f_max'\]"):
        rfm_scores(small, rules=DEFAULT_SEGMENT_RULES.drop(columns="f_max"))


def test_rfm_table_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["x", "x", "x", "y"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
            "amount": [3.0, 4.0, 5.0, 8.0],
        }
    )
    t = rfm_table(tx, observation_end="2024-01-31")
    assert t.loc["x"].tolist() == [20.0, 2, 12.0]  # 20 days since last, 2 purchase days, $12
    assert t.loc["y"].tolist() == [26.0, 1, 8.0]


def _features(seed=0, n=600):
    rng = np.random.default_rng(seed)
    centres = np.array([[10, 8, 300], [100, 3, 80], [400, 1, 20]], dtype=float)
    group = rng.integers(0, 3, n)
    x = centres[group] * rng.lognormal(0, 0.15, (n, 3))
    return pd.DataFrame(x, columns=["recency", "frequency", "monetary"]), group


def test_kmeans_segments_are_identical_across_runs_and_ordered_by_value():
    x, _ = _features()
    a = BehaviourSegmenter(3, random_state=11, order_by="monetary").fit(x)
    b = BehaviourSegmenter(3, random_state=11, order_by="monetary").fit(x)
    pd.testing.assert_series_equal(a.labels_, b.labels_)
    assert a.centers_["monetary"].is_monotonic_decreasing
    pd.testing.assert_series_equal(a.predict(x), a.labels_)


def test_kmeans_recovers_planted_groups():
    x, group = _features()
    labels = BehaviourSegmenter(3, random_state=0, order_by="monetary").fit(x).labels_
    # Planted group 0 has the highest spend, so it must be segment 0, and so on.
    assert (labels.to_numpy() == group).mean() > 0.99


def test_choose_k_finds_the_planted_number():
    x, _ = _features()
    evidence = choose_k(x, range(2, 7), random_state=0)
    assert evidence.index[evidence["silhouette_best"]].tolist() == [3]
    assert evidence.index[evidence["elbow"]].tolist() == [3]
    assert evidence["inertia"].is_monotonic_decreasing


def test_segment_errors():
    x, _ = _features(n=50)
    with pytest.raises(NotFittedError, match="call fit"):
        BehaviourSegmenter(3).predict(x)
    with pytest.raises(ParameterError, match=r"parameter 'k' = 1 is out of range"):
        BehaviourSegmenter(1).fit(x)
    with pytest.raises(ParameterError, match="k_range"):
        choose_k(x, range(1, 4))
    with pytest.raises(DataValidationError, match=r"column 'monetary' of features has 1 missing"):
        BehaviourSegmenter(2).fit(x.assign(monetary=x["monetary"].where(x.index != 3)))
    with pytest.raises(DataValidationError, match=r"negative value\(s\) .* and log=True"):
        BehaviourSegmenter(2).fit(x.assign(recency=-x["recency"]))


def test_profiles_sum_up():
    x, group = _features()
    prof = segment_profiles(x, group, value_col="monetary")
    assert prof["customers"].sum() == len(x)
    assert prof["customer_share"].sum() == pytest.approx(1.0)
    assert prof["value_share"].sum() == pytest.approx(1.0)
    assert prof.loc[0, "monetary"] == pytest.approx(x["monetary"][group == 0].mean())


def test_value_score_by_hand_and_tiers():
    df = pd.DataFrame({"spend": [10, 20, 30, 40], "visits": [4, 3, 2, 1]})
    # Percentile ranks: spend .25 .5 .75 1; visits 1 .75 .5 .25; weights 3:1.
    score = value_score(df, {"spend": 3, "visits": 1})
    assert score.tolist() == pytest.approx([0.4375, 0.5625, 0.6875, 0.8125])
    scores = pd.Series(np.arange(10.0))
    tiers = value_tiers(scores, cuts=(0.2, 0.5))
    assert tiers.value_counts().to_dict() == {"low": 5, "medium": 3, "high": 2}
    assert tiers.iloc[-1] == "high" and tiers.iloc[0] == "low"
    tied = value_tiers(pd.Series([1.0, 1.0, 1.0, 0.0]), cuts=(0.2, 0.5))
    assert tied.iloc[:3].nunique() == 1  # ties share a tier
    with pytest.raises(ParameterError, match=r"weights\['spend'\]\" = -1 is out of range"):
        value_score(df, {"spend": -1})
    with pytest.raises(DataValidationError, match=r"column 'loyalty' not found in indicators"):
        value_score(df, {"loyalty": 1})
    with pytest.raises(ParameterError, match="cuts"):
        value_tiers(scores, cuts=(0.5, 0.2))


def test_segmenter_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    x, group = _features(n=60)
    seg = BehaviourSegmenter(3, log=False, order_by="monetary", random_state=1)
    assert seg.get_params() == {
        "columns": None,
        "k": 3,
        "log": False,
        "order_by": "monetary",
        "random_state": 1,
    }
    twin = clone(seg)
    assert twin is not seg and twin.get_params() == seg.get_params()
    assert not hasattr(twin, "labels_")
    labels = seg.fit_predict(x)  # ClusterMixin: fit, then labels_
    pd.testing.assert_series_equal(labels, seg.labels_)
    pd.testing.assert_series_equal(seg.predict(x), seg.labels_)
    assert clone(seg).set_params(k=2).fit(x).centers_.shape[0] == 2
    with pytest.raises(NotFittedError) as err:
        twin.predict(x)
    assert isinstance(err.value, ValueError) and isinstance(err.value, AttributeError)


def test_profiles_match_a_labels_series_on_its_index():
    x, group = _features(n=90)
    x.index = [f"c{i}" for i in range(len(x))]
    labels = pd.Series(group, index=x.index)
    shuffled = labels.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(
        segment_profiles(x, shuffled, value_col="monetary"),
        segment_profiles(x, labels, value_col="monetary"),
    )
    # A list or an array is positional.
    pd.testing.assert_frame_equal(segment_profiles(x, group), segment_profiles(x, labels))
    with pytest.raises(DataValidationError, match=r"index does not match the rows of features"):
        segment_profiles(x, pd.Series(group))
    with pytest.raises(DataValidationError, match=r"labels has 2 entries for the 90 rows"):
        segment_profiles(x, [0, 1])
    with pytest.raises(DataValidationError, match=r"1 missing segment label\(s\) \(row c4\)"):
        segment_profiles(x, labels.astype(float).where(labels.index != "c4"))
    with pytest.raises(DataValidationError, match="sums to 0"):
        segment_profiles(x.assign(monetary=0.0), labels, value_col="monetary")


def test_value_tiers_refuse_missing_scores_and_take_lists():
    with pytest.raises(DataValidationError, match=r"has 1 missing value\(s\) \(row b\)"):
        value_tiers(pd.Series([0.3, np.nan, 0.9], index=list("abc")))
    with pytest.raises(DataValidationError, match="not numeric"):
        value_tiers(pd.Series(["0.3", "0.9"]))
    assert value_tiers([3.0, 1.0, 2.0], cuts=(0.34, 0.67)).tolist() == ["high", "low", "medium"]
    with pytest.raises(ParameterError, match="must be two numbers"):
        value_tiers([1.0, 2.0], cuts=0.2)


def test_kmeans_needs_as_many_distinct_customers_as_segments():
    same = pd.DataFrame({"a": [1.0] * 8, "b": [2.0] * 8})
    with pytest.raises(DataValidationError, match="all 8 customers have identical features"):
        BehaviourSegmenter(2).fit(same)
    with pytest.raises(DataValidationError, match="all 8 customers have identical features"):
        choose_k(same, range(2, 4))
    three = pd.DataFrame({"a": [1.0, 1, 2, 2, 3, 3, 3, 3], "b": 1.0})
    with pytest.raises(ParameterError, match=r"k=4 is more than the 3 distinct customers"):
        BehaviourSegmenter(4).fit(three)
    with pytest.raises(ParameterError, match=r"k=4 \(in k_range\) is more than the 3 distinct"):
        choose_k(three, range(2, 5))
    labels = BehaviourSegmenter(3, random_state=0).fit(three).labels_
    assert labels.groupby(three["a"]).nunique().eq(1).all() and labels.nunique() == 3
    with pytest.raises(DataValidationError, match=r"'a' of features is not numeric"):
        choose_k(three.assign(a=three["a"].astype(str)), [2])
