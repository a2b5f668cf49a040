"""Survey analytics: CSAT, NPS, importance-performance analysis, zone of tolerance."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.exceptions import DataValidationError, ParameterError
from helpers.service.satisfaction import (
    QUADRANTS,
    compare_expectations,
    csat,
    derived_importance,
    ipa,
    nps,
    plot_ipa,
    plot_zone_of_tolerance,
    service_tiers,
    service_triggers,
    zone_of_tolerance,
)
from helpers.simulate.surveys import survey_responses


@pytest.fixture(scope="module")
def survey():
    data, truth = survey_responses(2_000, random_state=42)
    ratings = data["ratings"]
    return data["respondents"], ratings, ratings[ratings["segment"] == "existing"], truth


# --------------------------------------------------------------------------- CSAT and NPS


def test_csat_by_hand():
    scores = pd.Series([5, 4, 4, 3, 2, 5, 1, 4, np.nan], name="csat")
    r = csat(scores, random_state=0)
    # 5 of the 8 answers are 4 or 5; the blank is left out.
    assert r["csat"] == 5 / 8 and r["n"] == 8
    assert r["ci_low"] < 5 / 8 < r["ci_high"]
    assert csat(scores, top_box=5, random_state=0)["csat"] == 2 / 8
    # On a 1-7 scale with the top two boxes (6, 7): 2 of 5.
    assert csat([7, 6, 5, 1, 4], top_box=6, scale=(1, 7), random_state=0)["csat"] == 2 / 5
    assert "csat" not in scores.index  # the input is untouched
    assert scores.isna().sum() == 1


def test_csat_interval_matches_the_normal_approximation():
    x = np.r_[np.full(700, 5), np.full(300, 2)]  # p = 0.7, n = 1000
    r = csat(x, random_state=1)
    half = 1.96 * np.sqrt(0.7 * 0.3 / 1000)  # 0.0284
    assert r["ci_low"] == pytest.approx(0.7 - half, abs=0.005)
    assert r["ci_high"] == pytest.approx(0.7 + half, abs=0.005)
    # Same seed, same interval; a 99% interval is wider.
    assert csat(x, random_state=1)["ci_low"] == r["ci_low"]
    wide = csat(x, confidence_level=0.99, random_state=1)
    assert wide["ci_low"] < r["ci_low"] and wide["ci_high"] > r["ci_high"]


def test_csat_all_the_same_gives_a_point_interval():
    r = csat([5, 5, 4], random_state=0)
    assert (r["csat"], r["ci_low"], r["ci_high"]) == (1.0, 1.0, 1.0)


def test_nps_by_hand():
    r = nps([10, 9, 9, 8, 7, 6, 3, 10, 0, 9, np.nan], random_state=0)
    # Promoters 10, 9, 9, 10, 9 = 5 of 10; passives 8, 7 = 2; detractors 6, 3, 0 = 3.
    assert (r["promoters"], r["passives"], r["detractors"]) == (0.5, 0.2, 0.3)
    assert r["nps"] == pytest.approx(20.0)
    assert r["n"] == 10
    assert r["ci_low"] < 20 < r["ci_high"]
    assert nps([6, 6, 0], random_state=0)["nps"] == -100.0


def test_nps_interval_matches_the_normal_approximation():
    # 40% promoters, 35% passives, 25% detractors of 2000: NPS 15, and the variance of one
    # answer (+1, 0, -1) is p + d - (p - d)^2 = 0.65 - 0.0225.
    x = np.r_[np.full(800, 10), np.full(700, 8), np.full(500, 3)]
    r = nps(x, random_state=3)
    half = 100 * 1.96 * np.sqrt((0.65 - 0.15**2) / 2000)
    assert r["nps"] == pytest.approx(15.0)
    assert r["ci_low"] == pytest.approx(15 - half, abs=0.4)
    assert r["ci_high"] == pytest.approx(15 + half, abs=0.4)


def test_intervals_cover_the_simulated_truth(survey):
    resp, _, _, truth = survey
    c = csat(resp["csat"], random_state=42)
    n = nps(resp["recommend"], random_state=42)
    assert c["n"] == n["n"] == (resp["segment"] == "existing").sum()
    assert c["ci_low"] < truth.csat < c["ci_high"]
    assert n["ci_low"] < truth.nps < n["ci_high"]
    # Intervals of a sample this size are a few points wide, not more.
    assert c["ci_high"] - c["ci_low"] < 0.06
    assert n["ci_high"] - n["ci_low"] < 12


@pytest.mark.parametrize(
    ("scores", "kwargs", "error", "match"),
    [
        (pd.Series([5, 4, 6, 2], name="csat"), {}, DataValidationError,
         r"column 'csat' has 1 score\(s\) outside the scale 1-5 \(row 2: 6\)"),
        ([4.5, 3], {}, DataValidationError, r"not whole numbers \(row 0: 4.5\)"),
        (pd.Series(["good", "bad"]), {}, DataValidationError, "is not numeric"),
        ([np.nan, np.nan], {}, DataValidationError, "has no answered score"),
        (pd.DataFrame({"csat": [1, 2]}), {}, DataValidationError, "not a DataFrame"),
        ([4, 5], {"top_box": 6}, ParameterError, r"parameter 'top_box' = 6 is out of range"),
        ([4, 5], {"scale": (5, 1)}, ParameterError, "the lowest must be below the highest"),
        ([4, 5], {"confidence_level": 1.5}, ParameterError, "'confidence_level' = 1.5"),
        ([4, 5], {"n_resamples": 10}, ParameterError, "'n_resamples' = 10 is out of range"),
    ],
)  # fmt: skip
def test_csat_errors(scores, kwargs, error, match):
    with pytest.raises(error, match=match):
        csat(scores, **kwargs)


def test_nps_errors():
    with pytest.raises(DataValidationError, match=r"outside the scale 0-10 \(rows 1: 11, 2: -1\)"):
        nps(pd.Series([3, 11, -1], name="ltr"))


# --------------------------------------------------------------------------- importance


def _wide_to_long(wide: pd.DataFrame) -> pd.DataFrame:
    return (
        wide.rename_axis("respondent_id")
        .reset_index()
        .melt(id_vars="respondent_id", var_name="attribute", value_name="perceived")
    )


def test_derived_importance_by_hand():
    wide = pd.DataFrame(
        {"speed": [1, 2, 3, 4, 5, 6], "tone": [2, 1, 2, 1, 2, 1]}, index=list("abcdef")
    )
    overall = wide["speed"] + 3 * wide["tone"]  # an exact linear relation
    ratings = _wide_to_long(wide)
    reg = derived_importance(ratings, overall)
    # A standardised coefficient is the raw coefficient times sd(x) / sd(y).
    sd = wide.std()
    assert reg["speed"] == pytest.approx(1 * sd["speed"] / overall.std())
    assert reg["tone"] == pytest.approx(3 * sd["tone"] / overall.std())
    assert reg.attrs["n"] == 6
    cor = derived_importance(ratings, overall, method="correlation")
    assert cor["speed"] == pytest.approx(np.corrcoef(wide["speed"], overall)[0, 1])
    assert list(cor.index) == ["speed", "tone"]


def test_derived_importance_uses_complete_respondents_only():
    wide = pd.DataFrame(
        {"speed": [1, 2, 3, 4, 5, 6, 7], "tone": [2, 1, 2, 1, 2, 1, np.nan]},
        index=list("abcdefg"),
    )
    overall = pd.Series([3, 4, 9, 7, 11, 8, 10], index=list("abcdefg"))
    used = derived_importance(_wide_to_long(wide), overall, method="correlation")
    assert used.attrs["n"] == 6
    assert used["speed"] == pytest.approx(np.corrcoef(wide["speed"][:6], overall[:6])[0, 1])


def test_derived_importance_recovers_the_planted_order(survey):
    resp, _, existing, truth = survey
    reg = derived_importance(existing, resp["csat"])
    cor = derived_importance(existing, resp["csat"], method="correlation")
    true = pd.Series(truth.weights)[reg.index]
    # Regression recovers the order of the planted weights: the top three exactly, and a rank
    # correlation near 1 (the last ones differ by 0.03 or less).
    assert list(reg.nlargest(3).index) == truth.weight_order[:3]
    assert stats.spearmanr(reg, true).statistic >= 0.9
    # Correlations credit tone (weight 0) with the effect of the staff attributes it moves
    # with, and rank the attributes worse than the regression does.
    assert stats.spearmanr(cor, true).statistic < stats.spearmanr(reg, true).statistic
    assert cor["tone"] > cor["responsiveness"]
    assert reg["tone"] < reg["responsiveness"]


def test_ipa_by_hand():
    ratings = pd.DataFrame(
        {
            "respondent_id": [1, 1, 1, 1, 2, 2, 2, 2],
            "attribute": ["a", "b", "c", "d"] * 2,
            "importance": [7, 6, 2, 3, 5, 6, 2, 1],
            "perceived": [3, 8, 2, 9, 3, 6, 4, 9],
        }
    )
    # Means: importance a 6, b 6, c 2, d 2; performance a 3, b 7, c 3, d 9.
    t = ipa(ratings)
    assert t["importance"].tolist() == [6, 6, 2, 2]
    assert t["performance"].tolist() == [3, 7, 3, 9]
    assert t.attrs["importance_cut"] == 4 and t.attrs["performance_cut"] == 5.5
    assert t["quadrant"].tolist() == [
        "Concentrate here",
        "Keep up the good work",
        "Low priority",
        "Possible overkill",
    ]
    # Given cuts: with performance cut at 3, a and c are on it and count as high.
    fixed = ipa(ratings, cut=(4, 3))
    assert fixed.loc["a", "quadrant"] == "Keep up the good work"
    assert fixed.loc["c", "quadrant"] == "Possible overkill"
    median = ipa(ratings, cut="median")
    assert median.attrs["performance_cut"] == 5.0
    assert set(QUADRANTS.values()) == set(t["quadrant"])


def test_ipa_on_the_survey_follows_the_planted_truth(survey):
    resp, _, existing, truth = survey
    stated = ipa(existing)
    derived = ipa(existing, resp["csat"], importance="derived")
    assert derived.attrs["importance"] == "derived (regression)"
    # The truth's own grid: planted weights against planted mean perceptions, cut at the means.
    w = pd.Series(truth.weights)
    p = truth.means.loc["existing", "perceived"]
    expected = {a: QUADRANTS[(w[a] >= w.mean(), p[a] >= p.mean())] for a in w.index}
    assert derived["quadrant"].to_dict() == expected
    # Stated importance tells another story: attitude, which drives satisfaction, is stated
    # as unimportant; process convenience, which hardly matters, is stated as important.
    assert stated.loc["attitude", "quadrant"] == "Possible overkill"
    assert stated.loc["process convenience", "quadrant"] == "Concentrate here"
    assert stated["importance"].to_dict() == pytest.approx(
        truth.means.loc["existing", "importance"].to_dict(), abs=0.1
    )
    assert set(derived["dimension"]) == {"procedural", "personal"}


def test_ipa_errors(survey):
    _, _, existing, _ = survey
    with pytest.raises(ParameterError, match="parameter 'overall' is required"):
        ipa(existing, importance="derived")
    with pytest.raises(ParameterError, match=r"parameter 'importance' = 'felt' is not one of"):
        ipa(existing, importance="felt")
    with pytest.raises(ParameterError, match=r"parameter 'cut' = 'mode'"):
        ipa(existing, cut="mode")
    with pytest.raises(ParameterError, match="must be 'mean', 'median' or a pair"):
        ipa(existing, cut=(1, 2, 3))
    with pytest.raises(DataValidationError, match="column 'importance' not found in ratings"):
        ipa(existing.drop(columns="importance"))
    potential = pd.DataFrame({"attribute": ["a"], "importance": [5], "perceived": [np.nan]})
    with pytest.raises(DataValidationError, match=r"attribute\(s\) \['a'\] have no answered"):
        ipa(potential)


def test_derived_importance_errors():
    wide = pd.DataFrame({"speed": [1, 2, 3, 4, 5], "tone": [3, 3, 3, 3, 3]}, index=list("abcde"))
    overall = pd.Series([1, 2, 3, 5, 4], index=list("abcde"))
    ratings = _wide_to_long(wide)
    with pytest.raises(DataValidationError, match=r"scores of \['tone'\] do not vary"):
        derived_importance(ratings, overall)
    with pytest.raises(DataValidationError, match="at least 4"):
        derived_importance(ratings, overall.iloc[:1])
    with pytest.raises(DataValidationError, match="rate the same attribute more than once"):
        derived_importance(pd.concat([ratings, ratings.iloc[:1]], ignore_index=True), overall)
    with pytest.raises(DataValidationError, match="overall must be a pandas Series"):
        derived_importance(ratings, overall.to_frame())
    with pytest.raises(ParameterError, match="'method' = 'shapley' is not one of"):
        derived_importance(ratings, overall, method="shapley")


# --------------------------------------------------------------------------- zone of tolerance


def test_zone_of_tolerance_by_hand():
    r = pd.DataFrame(
        {
            "segment": ["x", "x", "x", "x", "y", "y"],
            "attribute": ["speed", "speed", "tone", "tone", "speed", "tone"],
            "adequate": [5, 7, 4, 4, 3, 2],
            "desired": [8, 8, 6, 7, 9, 4],
            "perceived": [5, 4, 6, 5, np.nan, np.nan],
        }
    )
    before = r.copy()
    z = zone_of_tolerance(r[r["segment"] == "x"])
    # speed: adequate (5+7)/2 = 6, desired 8, perceived 4.5 -> MSA -1.5, MSS -3.5: below.
    # tone: adequate 4, desired 6.5, perceived 5.5 -> MSA 1.5, MSS -1: inside.
    assert z.loc["speed", ["adequate", "desired", "perceived", "msa", "mss"]].tolist() == [
        6.0,
        8.0,
        4.5,
        -1.5,
        -3.5,
    ]
    assert z.loc["tone", ["msa", "mss", "zone_width"]].tolist() == [1.5, -1.0, 2.5]
    assert z["position"].tolist() == ["below the zone", "inside the zone"]
    by = zone_of_tolerance(r, by="segment")
    assert by.loc[("y", "speed"), "position"] == "no perception"
    assert by.loc[("y", "speed"), "zone_width"] == 6
    pd.testing.assert_frame_equal(r, before)  # the input is untouched
    above = r.iloc[:2].assign(perceived=[9, 9])
    assert zone_of_tolerance(above).loc["speed", "position"] == "above the zone"


def test_zone_of_tolerance_on_the_survey(survey):
    _, ratings, _, truth = survey
    z = zone_of_tolerance(ratings, by="segment")
    t = truth.means
    for col in ("adequate", "desired"):
        assert (z[col] - t[col]).abs().max() < 0.15
    ex = z.loc["existing"]
    assert (ex["perceived"] - t.loc["existing", "perceived"]).abs().max() < 0.15
    # Planted: waiting and problem solving fall short of the floor; information beats wishes.
    assert ex.loc["waiting time", "position"] == "below the zone"
    assert ex.loc["problem solving", "position"] == "below the zone"
    assert ex.loc["information", "position"] == "above the zone"
    assert (z.loc["potential", "position"] == "no perception").all()
    # The gaps are means of per-answer gaps: equal to the gaps of the means when complete.
    assert ex["msa"].to_numpy() == pytest.approx((ex["perceived"] - ex["adequate"]).to_numpy())


def test_zone_of_tolerance_errors():
    r = pd.DataFrame(
        {"attribute": ["a", "b"], "adequate": [5, 6], "desired": [7, 4], "perceived": [6, 6]}
    )
    with pytest.raises(
        DataValidationError,
        match=r"'desired' is below column 'adequate' in 1 answer\(s\) \(row 1\)",
    ):
        zone_of_tolerance(r)
    with pytest.raises(
        DataValidationError, match=r"column 'perceived' has 1 value\(s\) outside the scale 1-9"
    ):
        zone_of_tolerance(r.assign(desired=[7, 8], perceived=[6, 12]))
    with pytest.raises(DataValidationError, match="column 'desired' not found"):
        zone_of_tolerance(r.drop(columns="desired"))
    with pytest.raises(ParameterError, match="must be a pair"):
        zone_of_tolerance(r, scale=9)


# --------------------------------------------------------------------------- expectations


def test_compare_expectations_by_hand():
    r = pd.DataFrame(
        {"segment": ["a"] * 4 + ["b"] * 3, "attribute": ["speed"] * 7,
         "desired": [8, 7, 8, 9, 6, 7, 5]}
    )  # fmt: skip
    out = compare_expectations(r, groups=("a", "b"), measures=("desired",))
    row = out.loc[("desired", "speed")]
    assert (row["mean_a"], row["mean_b"], row["difference"]) == (8.0, 6.0, 2.0)
    # Welch: standard error from each group's variance, Welch-Satterthwaite degrees of freedom.
    va, vb = np.var([8, 7, 8, 9], ddof=1) / 4, np.var([6, 7, 5], ddof=1) / 3
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 2)
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    assert row["ci_low"] == pytest.approx(2 - half)
    assert row["ci_high"] == pytest.approx(2 + half)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(2 / np.sqrt(va + vb), df))
    assert row["p_adjusted"] == pytest.approx(row["p_value"])  # a single comparison


def test_compare_expectations_finds_the_planted_differences(survey):
    _, ratings, _, truth = survey
    out = compare_expectations(ratings, confidence_level=0.999)
    t = truth.means
    true_diff = pd.concat(
        {m: t.loc["existing", m] - t.loc["potential", m] for m in ("adequate", "desired")}
    )
    true_diff = true_diff.reindex(out.index)
    assert ((out["ci_low"] < true_diff) & (true_diff < out["ci_high"])).all()
    planted = true_diff.abs() > 0.4
    assert planted.sum() == 6
    assert (out.loc[planted, "p_adjusted"] < 0.001).all()
    assert (np.sign(out.loc[planted, "difference"]) == np.sign(true_diff[planted])).all()


def test_compare_expectations_errors(survey):
    _, ratings, _, _ = survey
    with pytest.raises(ParameterError, match="names 'lapsed', which is not in column 'segment'"):
        compare_expectations(ratings, groups=("existing", "lapsed"))
    with pytest.raises(ParameterError, match="must name exactly two groups"):
        compare_expectations(ratings, groups=("existing",))
    tiny = pd.DataFrame({"segment": ["a", "a", "b"], "attribute": "x", "desired": [5, 6, 7]})
    with pytest.raises(DataValidationError, match="fewer than two 'desired' answers in group 'b'"):
        compare_expectations(tiny, groups=("a", "b"), measures=("desired",))


# --------------------------------------------------------------------------- plots


def test_plots_return_axes(survey):
    resp, _, existing, _ = survey
    table = ipa(existing, resp["csat"], importance="derived")
    ax = plot_ipa(table)
    assert len(ax.collections[0].get_offsets()) == len(table)
    texts = {t.get_text().strip() for t in ax.texts}
    assert set(QUADRANTS.values()) <= texts and set(table.index) <= texts
    assert "derived (regression)" in ax.get_ylabel()
    zone = zone_of_tolerance(existing)
    fig, axes = plt.subplots(1, 2)
    assert plot_zone_of_tolerance(zone, ax=axes[1]) is axes[1]
    assert [t.get_text() for t in axes[1].get_yticklabels()] == list(zone.index[::-1])
    with pytest.raises(ParameterError, match="holds several groups"):
        plot_zone_of_tolerance(zone_of_tolerance(existing, by="segment"))
    plt.close("all")


def test_messy_survey_answers():
    # A list keeps None as a blank answer, left out like NaN.
    assert csat([5, 4, None, 2], random_state=0)["n"] == 3
    with pytest.raises(DataValidationError, match=r"one column of scores .* shape \(2, 2\)"):
        csat(np.array([[5, 4], [3, 2]]))
    r = pd.DataFrame({"respondent_id": [1, 1, 2, 2], "attribute": ["speed", "tone"] * 2,
                      "importance": [7, 3, 6, 4], "perceived": [3, 8, 5, 6],
                      "adequate": [5, 4, 5, 4], "desired": [8, 6, 8, 6],
                      "segment": ["a", "a", "b", "b"]})  # fmt: skip
    with pytest.raises(DataValidationError, match=r"'importance' of ratings is not numeric"):
        ipa(r.assign(importance=r["importance"].astype(str)))
    with pytest.raises(DataValidationError, match=r"'attribute' of ratings has 1 missing value"):
        ipa(r.assign(attribute=["speed", None, "speed", "tone"]))
    with pytest.raises(DataValidationError, match=r"'attribute' of ratings has 1 missing value"):
        zone_of_tolerance(r.assign(attribute=["speed", None, "speed", "tone"]))
    with pytest.raises(DataValidationError, match=r"'adequate' of ratings is not numeric"):
        zone_of_tolerance(r.assign(adequate=r["adequate"].astype(str)))
    with pytest.raises(ParameterError, match="names the same group twice"):
        compare_expectations(r, groups=("a", "a"))
    with pytest.raises(ParameterError, match=r"'measures' = 'desired' must be a sequence"):
        compare_expectations(r, groups=("a", "b"), measures="desired")


# --- service tiers and satisfaction triggers ---------------------------------------------------


def test_service_tiers_place_each_attribute_by_importance_and_expectation():
    r = pd.DataFrame(
        {
            "attribute": ["speed", "tone", "decor", "menu"] * 2,
            "importance": [7, 6, 2, 3, 7, 6, 2, 3],
            "adequate": [5, 3, 2, 4, 5, 3, 2, 4],
            "desired": [9, 6, 8, 5, 8, 6, 8, 5],
        }
    )
    tiers = service_tiers(r)
    assert tiers["tier"].str[:1].to_dict() == {"speed": "1", "tone": "2", "decor": "3", "menu": "4"}
    assert tiers.loc["speed", ["importance", "expectation", "zone_width"]].tolist() == [7, 8.5, 3.5]
    # importance from elsewhere (e.g. derived) replaces the stated one
    flipped = service_tiers(
        r, importance=pd.Series({"speed": 0.1, "tone": 0.2, "decor": 0.9, "menu": 0.8})
    )
    assert flipped["tier"].str[:1].to_dict() == {
        "decor": "1",
        "menu": "2",
        "speed": "3",
        "tone": "4",
    }
    with pytest.raises(DataValidationError, match=r"importance must be a pandas Series indexed by"):
        service_tiers(r, importance=pd.Series({"speed": 1.0}))


def test_service_triggers_recover_planted_penalties_and_rewards():
    rng = np.random.default_rng(7)
    n = 3000
    planted = {"speed": (-1.2, 0.3), "tone": (-0.4, 0.6)}
    parts, overall = [], np.full(n, 3.0)
    for attribute, (penalty, reward) in planted.items():
        u = rng.random(n)
        below, above = u < 0.3, u > 0.7
        parts.append(
            pd.DataFrame(
                {
                    "respondent_id": np.arange(n),
                    "attribute": attribute,
                    "adequate": 5,
                    "desired": 7,
                    "perceived": np.where(below, 4, np.where(above, 8, 6)),
                }
            )
        )
        overall += penalty * below + reward * above
    overall += rng.normal(0, 0.5, n)
    got = service_triggers(pd.concat(parts), pd.Series(overall, index=np.arange(n)))
    assert got.attrs["n"] == n
    for attribute, (penalty, reward) in planted.items():
        row = got.loc[attribute]
        assert abs(row["penalty"] - penalty) < 3 * row["penalty_se"]
        assert abs(row["reward"] - reward) < 3 * row["reward_se"]
        assert 0.27 < row["share_negative"] < 0.33 and 0.27 < row["share_positive"] < 0.33


def test_service_triggers_refuse_too_few_respondents_and_other_ids():
    r = pd.DataFrame(
        {"respondent_id": [1, 2], "attribute": "speed", "adequate": 5, "desired": 7,
         "perceived": [4, 8]}
    )  # fmt: skip
    with pytest.raises(DataValidationError, match=r"only 2 respondent\(s\) answered every part"):
        service_triggers(r, pd.Series([2.0, 4.0], index=[1, 2]))
    with pytest.raises(DataValidationError, match=r"only 0 respondent\(s\)"):
        service_triggers(r, pd.Series([2.0, 4.0], index=["a", "b"]))
