"""Survey simulator: shape of the data, its scales, and the truth it reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from helpers.exceptions import ParameterError
from helpers.simulate.surveys import (
    ATTRIBUTES,
    CSAT_CUTPOINTS,
    TRUE_WEIGHTS,
    survey_responses,
)


@pytest.fixture(scope="module")
def big():
    return survey_responses(60_000, random_state=2024)


def test_tables_and_scales():
    data, _ = survey_responses(300, random_state=1)
    resp, ratings = data["respondents"], data["ratings"]
    assert resp.index.name == "respondent_id" and resp.index.is_unique
    assert len(ratings) == 300 * len(ATTRIBUTES)
    assert set(ratings["attribute"]) == set(ATTRIBUTES)
    assert ratings.groupby("respondent_id").size().eq(len(ATTRIBUTES)).all()
    # Each attribute keeps its side of service quality.
    sides = ratings.groupby("attribute")["dimension"].agg(set)
    assert all(sides[a] == {d} for a, d in ATTRIBUTES.items())
    assert ratings["importance"].between(1, 7).all()
    for col in ("adequate", "desired"):
        assert ratings[col].between(1, 9).all()
    assert (ratings["adequate"] <= ratings["desired"]).all()
    for col in ("importance", "adequate", "desired"):
        assert (ratings[col] == ratings[col].round()).all()


def test_potential_customers_have_no_experience():
    data, _ = survey_responses(500, random_state=3)
    resp, ratings = data["respondents"], data["ratings"]
    pot = resp["segment"] == "potential"
    assert 0 < pot.sum() < len(resp)
    assert resp.loc[pot, ["csat", "recommend"]].isna().all().all()
    assert resp.loc[~pot, "csat"].between(1, 5).all()
    assert resp.loc[~pot, "recommend"].between(0, 10).all()
    seen = ratings["segment"] == "existing"
    assert ratings.loc[~seen, "perceived"].isna().all()
    assert ratings.loc[seen, "perceived"].between(1, 9).all()
    # The segment column of the ratings agrees with the respondent table.
    assert (ratings["segment"] == resp.loc[ratings["respondent_id"], "segment"].to_numpy()).all()


def test_same_seed_same_survey():
    a, _ = survey_responses(100, random_state=7)
    b, _ = survey_responses(100, random_state=7)
    c, _ = survey_responses(100, random_state=8)
    pd.testing.assert_frame_equal(a["ratings"], b["ratings"])
    assert not a["ratings"]["desired"].equals(c["ratings"]["desired"])
    only_existing, _ = survey_responses(50, share_existing=1.0, random_state=1)
    assert (only_existing["respondents"]["segment"] == "existing").all()


def test_truth_csat_and_nps_match_a_large_sample(big):
    data, truth = big
    resp = data["respondents"].dropna(subset=["csat"])
    n = len(resp)
    share = (resp["csat"] >= 4).mean()
    assert share == pytest.approx(truth.csat, abs=4 * np.sqrt(truth.csat * (1 - truth.csat) / n))
    promoters = (resp["recommend"] >= 9).mean()
    detractors = (resp["recommend"] <= 6).mean()
    assert promoters == pytest.approx(truth.promoters, abs=0.01)
    assert detractors == pytest.approx(truth.detractors, abs=0.01)
    assert truth.nps == pytest.approx(100 * (truth.promoters - truth.detractors))
    # The CSAT share follows from the documented model: U is normal with mean 0; its variance
    # adds the weighted halo (sd 0.8, all attributes), the staff impression (sd 0.6, personal
    # attributes), the attributes' own noise (sd 1 procedural, 0.8 personal) and the
    # satisfaction noise (sd 0.6).
    w = pd.Series(TRUE_WEIGHTS)
    personal = pd.Series(ATTRIBUTES)[w.index] == "personal"
    own = np.where(personal, 0.8, 1.0)
    var_u = (
        0.8**2 * w.sum() ** 2 + 0.6**2 * w[personal].sum() ** 2 + ((own * w) ** 2).sum() + 0.6**2
    )
    sd_u = np.sqrt(var_u)
    assert truth.csat == pytest.approx(norm.sf(CSAT_CUTPOINTS[2] / sd_u))
    assert truth.top_box_share(5) == pytest.approx(norm.sf(CSAT_CUTPOINTS[3] / sd_u))
    assert sum(truth.csat_shares.values()) == pytest.approx(1.0)
    shares = resp["csat"].value_counts(normalize=True).sort_index()
    assert shares.to_numpy() == pytest.approx(list(truth.csat_shares.values()), abs=0.01)


def test_truth_means_match_a_large_sample(big):
    data, truth = big
    est = (
        data["ratings"]
        .groupby(["segment", "attribute"])[["importance", "adequate", "desired", "perceived"]]
        .mean()
    )
    diff = (est - truth.means.loc[est.index]).abs()
    # With about 18,000 to 42,000 answers per cell the standard errors are below 0.01.
    assert diff.max().max() < 0.03, diff.max()
    # Planted differences in expectations come through: existing customers expect a higher
    # floor on waiting time, potential customers want more information.
    m = truth.means
    assert (
        m.loc[("existing", "waiting time"), "adequate"]
        > m.loc[("potential", "waiting time"), "adequate"] + 0.5
    )
    assert (
        m.loc[("potential", "information"), "desired"]
        > m.loc[("existing", "information"), "desired"] + 0.5
    )


def test_truth_weight_order():
    _, truth = survey_responses(20, random_state=0)
    assert truth.weight_order[0] == "problem solving"
    assert truth.weight_order[-1] == "tone"
    assert [truth.weights[a] for a in truth.weight_order] == sorted(TRUE_WEIGHTS.values())[::-1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 5}, r"parameter 'n' = 5 is out of range"),
        ({"share_existing": 0.0}, r"parameter 'share_existing' = 0.0 is out of range"),
        ({"share_existing": 1.5}, r"parameter 'share_existing' = 1.5 is out of range"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        survey_responses(**kwargs)
