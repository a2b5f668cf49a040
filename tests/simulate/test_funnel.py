"""The sales-funnel simulator: seeding, consistency of the snapshot, and the planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import gamma

from helpers.exceptions import ParameterError
from helpers.operations.funnel import FUNNEL_STAGES, growth_trend, stage_outcomes
from helpers.simulate.funnel import TRUE_CONVERSION, TRUE_MEDIAN_DAYS, sales_funnel

STAGES = list(FUNNEL_STAGES)


def _opps(result):
    """The opportunities table and the truth of a sales_funnel run."""
    tables, truth = result
    return tables["opportunities"], truth


@pytest.fixture(scope="module")
def big():
    return _opps(sales_funnel(20_000, random_state=7))


def test_same_seed_same_funnel_and_generators_accepted():
    a, _ = _opps(sales_funnel(400, random_state=5))
    b, _ = _opps(sales_funnel(400, random_state=np.random.default_rng(5)))
    pd.testing.assert_frame_equal(a, b)
    c, _ = _opps(sales_funnel(400, random_state=6))
    assert not a.equals(c)


def test_snapshot_is_consistent(big):
    opps, truth = big
    assert list(opps.columns) == [*STAGES, "lost", "status", "stage"]
    assert opps.index.is_unique and opps.index.name == "opportunity_id"
    dates = opps[[*STAGES, "lost"]]
    assert (dates.max(axis=1) <= truth.observation_end).all()
    assert (opps["opportunity"] >= truth.start).all()
    # Stages are entered in order and without gaps; the status follows the dates.
    entered = opps[STAGES].notna().to_numpy()
    assert (np.diff(entered.astype(int), axis=1) <= 0).all()
    for prev, cur in zip(STAGES, STAGES[1:], strict=False):
        both = opps[cur].notna()
        assert (opps.loc[both, cur] > opps.loc[both, prev]).all()  # at least one day
    won = opps["contract"].notna()
    lost = opps["lost"].notna()
    assert not (won & lost).any()
    assert (opps["status"] == np.where(won, "won", np.where(lost, "lost", "open"))).all()
    # What is seen is what happened, cut at the snapshot.
    assert (truth.eventual_outcome[won] == "won").all()
    assert (truth.eventual_outcome[lost] == "lost").all()
    last_seen = pd.Series(STAGES).iloc[entered.sum(axis=1) - 1].to_numpy()
    assert (opps["stage"].to_numpy() == last_seen).all()
    # stage_outcomes accepts the simulator's output as it is.
    assert len(stage_outcomes(opps, truth.observation_end)) == entered[:, :-1].sum()


def test_eventual_conversion_matches_planted(big):
    _, truth = big
    n = len(truth.eventual_stage)
    reached = pd.Categorical(truth.eventual_stage, STAGES, ordered=True).codes
    share = 1.0
    for k, stage in enumerate(STAGES[:-1]):
        share *= TRUE_CONVERSION[stage]
        seen = (reached >= k + 1).mean()
        assert abs(seen - share) < 4 * np.sqrt(share * (1 - share) / n), (stage, seen, share)
    assert truth.cumulative["contract"] == pytest.approx(0.7 * 0.6 * 0.75 * 0.65)


def test_time_in_stage_of_old_opportunities_matches_planted(big):
    opps, truth = big
    # Opportunities opened in the first half-year are all decided long before the snapshot
    # (ten times the slowest median), so their observed times are uncensored draws.
    old = opps[opps["opportunity"] < truth.start + pd.Timedelta(days=180)]
    out = stage_outcomes(old, truth.observation_end)
    assert (out["outcome"] != "open").mean() > 0.999
    for stage, median in TRUE_MEDIAN_DAYS.items():
        scale = median / gamma.median(2.0)
        for outcome, stretch in (("advanced", 1.0), ("lost", 2.0)):
            days = out.loc[(out["stage"] == stage) & (out["outcome"] == outcome), "days"]
            # Whole days are ceil(Gamma(2, scale)), losses twice as slow: the share of
            # times at or below the planted quantile q is P(X <= ceil(q)), within 4 SE.
            q = truth.days_quantile(stage, 0.5, outcome)
            p = gamma.cdf(q, 2.0, scale=scale * stretch)
            se = np.sqrt(p * (1 - p) / len(days))
            assert abs((days <= q).mean() - p) < 4 * se, (stage, outcome)
        assert truth.days_quantile(stage, 0.5) == np.ceil(median)
    scale = TRUE_MEDIAN_DAYS["visit"] / gamma.median(2.0)
    assert truth.days_quantile("visit", 0.9) == np.ceil(gamma.ppf(0.9, 2.0, scale=scale))


def test_new_opportunities_grow_at_planted_rate(big):
    opps, truth = big
    per_month = opps["opportunity"].dt.to_period("M").value_counts().sort_index()
    trend = growth_trend(per_month)
    assert trend["ci_low"] <= truth.monthly_growth <= trend["ci_high"], trend
    flat, _ = _opps(sales_funnel(20_000, monthly_growth=0.0, random_state=8))
    counts = flat["opportunity"].dt.to_period("M").value_counts().sort_index()
    assert abs(growth_trend(counts)["rate"]) < 0.01


def test_custom_conversion_and_timing():
    opps, truth = _opps(
        sales_funnel(
            2_000,
            conversion={s: 1.0 for s in TRUE_CONVERSION},
            median_days={s: 5.0 for s in TRUE_MEDIAN_DAYS},
            random_state=1,
        )
    )
    assert not opps["lost"].notna().any()
    assert (truth.eventual_outcome == "won").all()
    assert truth.median_days == {s: 5.0 for s in TRUE_MEDIAN_DAYS}


def test_parameter_errors():
    with pytest.raises(ParameterError, match=r"'n_opportunities' = 5 is out of range"):
        sales_funnel(5)
    with pytest.raises(ParameterError, match="must be at least 90 days after start"):
        sales_funnel(100, start="2024-11-01", observation_end="2024-12-31")
    with pytest.raises(ParameterError, match=r"missing \['capability_review'\]"):
        sales_funnel(100, conversion={"opportunity": 0.5, "visit": 0.5, "needs_confirmed": 0.5})
    with pytest.raises(ParameterError, match=r"parameter \"conversion\['visit'\]\" = 1.5"):
        sales_funnel(100, conversion={**TRUE_CONVERSION, "visit": 1.5})
    with pytest.raises(ParameterError, match=r"'monthly_growth' = -1 is out of range"):
        sales_funnel(100, monthly_growth=-1)
    with pytest.raises(ParameterError, match=r"median_days\['opportunity'\]"):
        sales_funnel(100, median_days={**TRUE_MEDIAN_DAYS, "opportunity": 0})
