"""Funnel KPIs: conversion with open opportunities, time in stage, new-customer growth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter
from scipy.stats import norm

from helpers.exceptions import DataValidationError, ParameterError
from helpers.operations.funnel import (
    growth_trend,
    new_customer_growth,
    plot_funnel,
    stage_conversion,
    stage_outcomes,
    time_in_stage,
)
from helpers.simulate.funnel import sales_funnel

STAGES = ["opportunity", "visit", "contract"]
SNAP = "2024-03-31"


def _opps(result):
    """The opportunities table and the truth of a sales_funnel run."""
    tables, truth = result
    return tables["opportunities"], truth


@pytest.fixture
def opps() -> pd.DataFrame:
    """Six opportunities worked out by hand in the tests below."""
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "opportunity": d(["2024-01-01", "2024-01-01", "2024-01-01", "2024-03-01",
                              "2024-03-16", "2024-01-01"]),
            "visit": d(["2024-01-11", None, "2024-01-06", "2024-03-21", None, "2024-01-31"]),
            "contract": d(["2024-01-31", None, None, None, None, "2024-03-01"]),
            "lost": d([None, "2024-01-21", "2024-02-05", None, None, None]),
        },
        index=list("ABCDEF"),
    )  # fmt: skip


def test_stage_outcomes_by_hand(opps):
    out = stage_outcomes(opps, SNAP, stages=STAGES).set_index(["opportunity", "stage"])
    # A: visit after 10 days, contract 20 days later. B: lost after 20 days in the first stage.
    # C: visit after 5 days, lost 30 days later. D: visit after 20 days, open there for 10.
    # E: open in the first stage for 15 days. F: visit after 30 days, contract 30 days later
    # (2024 is a leap year: Jan 31 -> Mar 1 is 30 days).
    first = out.xs("opportunity", level="stage")
    assert first["days"].to_dict() == {"A": 10, "B": 20, "C": 5, "D": 20, "E": 15, "F": 30}
    assert first["outcome"].to_dict() == {
        "A": "advanced",
        "B": "lost",
        "C": "advanced",
        "D": "advanced",
        "E": "open",
        "F": "advanced",
    }
    visit = out.xs("visit", level="stage")
    assert visit["days"].to_dict() == {"A": 20, "C": 30, "D": 10, "F": 30}
    assert visit["outcome"].to_dict() == {
        "A": "advanced",
        "C": "lost",
        "D": "open",
        "F": "advanced",
    }


def test_conversion_three_ways_by_hand(opps):
    before = opps.copy()
    naive = stage_conversion(opps, SNAP, stages=STAGES, method="naive")
    decided = stage_conversion(opps, SNAP, stages=STAGES, method="decided")
    aj = stage_conversion(opps, SNAP, stages=STAGES)
    pd.testing.assert_frame_equal(opps, before)  # the input is untouched
    assert naive[["entered", "advanced", "lost", "open"]].to_numpy().tolist() == [
        [6, 4, 1, 1],
        [4, 2, 1, 1],
    ]
    # Naive: open ones count as failures (4/6, 2/4); decided: open ones left out (4/5, 2/3).
    assert naive["conversion"].tolist() == pytest.approx([4 / 6, 2 / 4])
    assert decided["conversion"].tolist() == pytest.approx([4 / 5, 2 / 3])
    # Aalen-Johansen, first stage. Times: 5 adv (6 at risk), 10 adv (5), 15 open, 20 adv and
    # 20 lost (3 at risk), 30 adv (1 at risk):
    # F = 1/6 + (5/6)(1/5) + (4/6)(1/3) + (4/6)(1/3)(1/1) = 7/9.
    # Visit stage: 10 open, 20 adv (3 at risk), 30 adv and lost (2 at risk):
    # F = 1/3 + (2/3)(1/2) = 2/3.
    assert aj["conversion"].tolist() == pytest.approx([7 / 9, 2 / 3])
    assert aj["cumulative"].tolist() == pytest.approx([7 / 9, 14 / 27])
    assert list(aj.index) == ["opportunity", "visit"]
    assert aj["to"].tolist() == ["visit", "contract"]
    assert (aj["ci_low"] <= aj["conversion"]).all() and (aj["conversion"] <= aj["ci_high"]).all()


def test_wilson_interval_by_hand(opps):
    naive = stage_conversion(opps, SNAP, stages=STAGES, method="naive", confidence_level=0.9)
    # Wilson interval for 4 of 6: centre (p + z^2/2n) / (1 + z^2/n), half-width
    # z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n).
    z, n, p = norm.ppf(0.95), 6, 4 / 6
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert naive.loc["opportunity", "ci_low"] == pytest.approx(centre - half)
    assert naive.loc["opportunity", "ci_high"] == pytest.approx(centre + half)


def test_aalen_johansen_matches_lifelines_without_ties():
    rng = np.random.default_rng(0)
    n = 60
    days = rng.permutation(np.arange(1, 400))[:n]  # distinct: lifelines would jitter ties
    outcome = rng.choice(["advanced", "lost", "open"], n, p=[0.5, 0.3, 0.2])
    opened = pd.Timestamp("2023-01-01")
    end = opened + pd.to_timedelta(days, unit="D")
    opps = pd.DataFrame(
        {
            "opened": opened,
            # np.where(mask, dates, pd.NaT) would give nanosecond numbers, which are refused
            "won": pd.Series(end).where(outcome == "advanced"),
            "lost": pd.Series(end).where(outcome == "lost"),
        }
    )
    # Open ones are censored at the snapshot, so each must be open for exactly its days.
    snap = opened + pd.Timedelta(days=500)
    opps.loc[outcome == "open", "opened"] = snap - pd.to_timedelta(days[outcome == "open"], "D")
    ours = stage_conversion(opps, snap, stages=["opened", "won"]).iloc[0]
    codes = pd.Series(outcome).map({"advanced": 1, "lost": 2, "open": 0})
    ref = AalenJohansenFitter(calculate_variance=True).fit(days, codes, event_of_interest=1)
    assert ours["conversion"] == pytest.approx(ref.cumulative_density_.iloc[-1, 0])
    bounds = sorted(ref.confidence_interval_.iloc[-1])
    assert [ours["ci_low"], ours["ci_high"]] == pytest.approx(bounds)


def test_time_in_stage_by_hand(opps):
    t = time_in_stage(opps, SNAP, stages=STAGES)
    # First stage: F(t)/F(inf) = 3/14, 6/14, 10/14, 1 at t = 5, 10, 20, 30.
    assert t.loc["opportunity", ["25%", "50%", "75%"]].tolist() == [10.0, 20.0, 30.0]
    # Visit: F(t)/F(inf) = 1/2 at 20, 1 at 30.
    assert t.loc["visit", ["25%", "50%", "75%"]].tolist() == [20.0, 20.0, 30.0]
    assert t["advanced"].tolist() == [4, 2]
    q = time_in_stage(opps, SNAP, stages=STAGES, quantiles=[0.9])
    assert list(q.columns) == ["advanced", "90%"]


def test_new_customer_growth_by_hand():
    opps = pd.DataFrame(
        {"contract": pd.to_datetime(["2024-01-31", "2024-03-02", "2024-03-30", None, "2024-04-02"])}
    )
    g = new_customer_growth(opps, "2024-04-29")  # April is incomplete: left out
    assert [str(p) for p in g.index] == ["2024-01", "2024-02", "2024-03"]
    assert g["new_customers"].tolist() == [1, 0, 2]
    # Feb: (0 - 1) / 1 = -1; March after a month with none: no rate.
    assert g["growth_rate"].iloc[1] == -1.0
    assert g["growth_rate"].isna().tolist() == [True, False, True]
    full = new_customer_growth(opps, "2024-04-30", start="2023-12-01")
    assert full["new_customers"].tolist() == [0, 1, 0, 2, 1]
    quarters = new_customer_growth(opps, "2024-06-30", freq="Q")
    assert quarters["new_customers"].tolist() == [3, 1]
    assert quarters["growth_rate"].iloc[1] == pytest.approx(-2 / 3)


def test_growth_trend_by_hand():
    # Exact exponential counts are fitted exactly: the rate is their ratio.
    assert growth_trend([10, 20, 40])["rate"] == pytest.approx(1.0, abs=1e-6)
    assert growth_trend(pd.Series([100, 90, 81, 72.9]))["rate"] == pytest.approx(-0.1, abs=1e-6)
    # With mu = y = (10, 20, 40) at centred times (-1, 0, 1) the Fisher information is
    # [[70, 30], [30, 50]], so var(slope) = 70 / (70 * 50 - 30^2) = 70 / 2600.
    out = growth_trend([10, 20, 40], confidence_level=0.9)
    half = norm.ppf(0.95) * np.sqrt(70 / 2600)
    assert out["ci_low"] == pytest.approx(np.exp(np.log(2) - half) - 1, rel=1e-5)
    assert out["ci_high"] == pytest.approx(np.exp(np.log(2) + half) - 1, rel=1e-5)
    assert out["periods"] == 3


@pytest.fixture(scope="module")
def simulated():
    return _opps(sales_funnel(3_000, random_state=42))


def test_conversion_intervals_cover_planted_probabilities(simulated):
    opps, truth = simulated
    planted = pd.Series(truth.conversion)
    # Four stages: all inside their 99% intervals, at least three inside the 95% ones.
    wide = stage_conversion(opps, truth.observation_end, confidence_level=0.99)
    assert ((wide["ci_low"] <= planted) & (planted <= wide["ci_high"])).all(), wide
    aj = stage_conversion(opps, truth.observation_end)
    assert ((aj["ci_low"] <= planted) & (planted <= aj["ci_high"])).sum() >= 3, aj
    # The cumulative share that signs is the product of the planted conversions.
    assert aj["cumulative"].iloc[-1] == pytest.approx(truth.cumulative["contract"], rel=0.1)
    # The usual shortcuts miss on this funnel: counting open ones as failures is too low in
    # every stage, and leaving them out is too high where lost deals take long to die.
    naive = stage_conversion(opps, truth.observation_end, method="naive")
    decided = stage_conversion(opps, truth.observation_end, method="decided")
    assert (naive["ci_high"] < planted).sum() >= 3
    assert (decided["conversion"] > aj["conversion"]).all()
    assert decided.loc["capability_review", "conversion"] > planted["capability_review"] + 0.02


def test_time_in_stage_recovers_planted_medians(simulated):
    opps, truth = simulated
    t = time_in_stage(opps, truth.observation_end)
    for stage in truth.median_days:
        assert t.loc[stage, "50%"] == pytest.approx(truth.days_quantile(stage, 0.5), rel=0.12)
        assert t.loc[stage, "75%"] == pytest.approx(truth.days_quantile(stage, 0.75), rel=0.12)


def test_growth_trend_covers_planted_growth(simulated):
    opps, truth = simulated
    g = new_customer_growth(opps, truth.observation_end)
    trend = growth_trend(g.iloc[6:])  # after the first half-year the funnel is full
    assert trend["ci_low"] <= truth.monthly_growth <= trend["ci_high"], trend


def test_plot_funnel(opps):
    aj = stage_conversion(opps, SNAP, stages=STAGES)
    naive = stage_conversion(opps, SNAP, stages=STAGES, method="naive")
    ax = plot_funnel(aj, compare=naive, color="#3a7d44")
    bars = ax.patches
    assert len(bars) == 6  # three stages, twice
    widths = [b.get_width() for b in bars[:3]]
    assert widths == pytest.approx([1.0, 7 / 9, 14 / 27])
    assert [b.get_width() for b in bars[3:]] == pytest.approx([1.0, 4 / 6, 4 / 6 * 2 / 4])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["opportunity", "visit", "contract"]
    fig, own = plt.subplots()
    assert plot_funnel(aj, ax=own) is own
    plt.close("all")
    with pytest.raises(DataValidationError, match="column 'cumulative' not found"):
        plot_funnel(aj.drop(columns="cumulative"))


def test_funnel_data_errors(opps):
    kw = {"observation_end": SNAP, "stages": STAGES}
    gap = opps.copy()
    gap.loc["B", "contract"] = pd.Timestamp("2024-02-01")
    with pytest.raises(DataValidationError, match=r"'contract' has 1 date\(s\) for opportunities"
                       r" that never entered 'visit' \(row B\)"):  # fmt: skip
        stage_conversion(gap, **kw)
    back = opps.copy()
    back.loc["A", "visit"] = pd.Timestamp("2023-12-01")
    with pytest.raises(DataValidationError, match=r"'visit' has 1 date\(s\) before the "
                       r"'opportunity' date \(row A\)"):  # fmt: skip
        stage_conversion(back, **kw)
    first = opps.copy()
    first.loc["E", "opportunity"] = pd.NaT
    with pytest.raises(
        DataValidationError, match=r"'opportunity' has 1 missing date\(s\) \(row E\)"
    ):
        stage_conversion(first, **kw)
    with pytest.raises(
        DataValidationError, match=r"dates after observation_end 2024-02-15 \(rows D, E, F\)"
    ):
        stage_conversion(opps, observation_end="2024-02-15", stages=STAGES)
    both = opps.copy()
    both.loc["A", "lost"] = pd.Timestamp("2024-02-01")
    with pytest.raises(
        DataValidationError,
        match=r"reached 'contract' \(row A\); an opportunity is either won or lost",
    ):
        stage_conversion(both, **kw)
    early = opps.copy()
    early.loc["C", "lost"] = pd.Timestamp("2024-01-03")
    with pytest.raises(
        DataValidationError,
        match=r"'lost' has 1 date\(s\) before the opportunity's last stage date \(row C\)",
    ):
        stage_conversion(early, **kw)
    text = opps.astype(object)
    text.loc["D", "visit"] = "next week"
    with pytest.raises(
        DataValidationError,
        match=r"'visit' of opportunities has 1 value\(s\) that are not dates \(row D: 'next ",
    ):
        stage_conversion(text, **kw)
    with pytest.raises(DataValidationError, match="column 'won' not found"):
        stage_conversion(opps, observation_end=SNAP, stages=["opportunity", "won"])
    with pytest.raises(DataValidationError, match="opportunities is empty"):
        stage_conversion(opps.iloc[:0], **kw)
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        stage_conversion(opps.to_numpy(), **kw)


def test_funnel_parameter_errors(opps):
    kw = {"observation_end": SNAP, "stages": STAGES}
    with pytest.raises(ParameterError, match=r"method='km' is not one of \['aalen-johansen'"):
        stage_conversion(opps, method="km", **kw)
    with pytest.raises(
        ParameterError, match=r"'confidence_level' = 1.2 is out of range: it must be in \(0, 1\)"
    ):
        stage_conversion(opps, confidence_level=1.2, **kw)
    with pytest.raises(ParameterError, match="must name at least two distinct date columns"):
        stage_conversion(opps, observation_end=SNAP, stages=["visit"])
    with pytest.raises(ParameterError, match=r"'observation_end' = 'soon' is not a date"):
        stage_conversion(opps, observation_end="soon", stages=STAGES)
    with pytest.raises(ParameterError, match=r"'quantiles' = 1.5 is out of range"):
        time_in_stage(opps, quantiles=[0.5, 1.5], **kw)


def test_growth_errors(opps):
    with pytest.raises(ParameterError, match=r"freq='W' is not one of \['M', 'Q', 'Y'\]"):
        new_customer_growth(opps, SNAP, freq="W")
    with pytest.raises(
        DataValidationError,
        match=r"'contract' has 1 date\(s\) after observation_end 2024-02-15 \(row F\)",
    ):
        new_customer_growth(opps, "2024-02-15")
    with pytest.raises(DataValidationError, match="no contract in a complete month"):
        new_customer_growth(opps, "2024-03-15", start="2024-03-01")
    with pytest.raises(DataValidationError, match="column 'signed' not found"):
        new_customer_growth(opps, SNAP, date_col="signed")
    with pytest.raises(ParameterError, match=r"'confidence_level' = 0 is out of range"):
        growth_trend([5, 6, 7], confidence_level=0)
    with pytest.raises(DataValidationError, match="a trend needs at least 3 consecutive periods"):
        growth_trend([5, 6])
    with pytest.raises(
        DataValidationError, match=r"column 'counts' of the input has 1 value\(s\) below 0"
    ):
        growth_trend([5, -1, 6])
    with pytest.raises(DataValidationError, match="counts are all 0"):
        growth_trend([0, 0, 0])
    with pytest.raises(DataValidationError, match="all new customers are in the last of the 3"):
        growth_trend([0, 0, 5])
    with pytest.raises(DataValidationError, match=r"counts' of the input has 1 missing value"):
        growth_trend([1, None, 3])
    with pytest.raises(DataValidationError, match="not numeric"):
        growth_trend(["1", "2", "3"])


def test_old_names_still_work(simulated):
    opps, truth = simulated
    with pytest.warns(FutureWarning, match="is renamed"):
        old = stage_conversion(opps, snapshot=truth.observation_end, confidence=0.9)
    new = stage_conversion(opps, observation_end=truth.observation_end, confidence_level=0.9)
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(FutureWarning, match="observation_end"):
        assert truth.snapshot == truth.observation_end


# --- new customers' share of volume (curriculum §7) ------------------------------------------


def test_new_customer_share_by_hand_and_on_planted_volumes():
    from helpers.operations.funnel import new_customer_share
    from helpers.simulate.funnel import account_volumes

    v = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "a", "c"],
            "month": pd.PeriodIndex(
                ["2024-01", "2024-01", "2024-02", "2024-02", "2024-02"], freq="M"
            ),
            "acquired": pd.PeriodIndex(
                ["2020-01", "2023-12", "2023-12", "2020-01", "2024-01"], freq="M"
            ),
            "volume": [30, 10, 20, 20, 10],
        }
    )
    got = new_customer_share(v, new_within=1)
    assert got["new_share"].tolist() == [0.25, 0.2]  # b new in January only; c new in February
    assert got["new_customers"].tolist() == [1, 1]
    assert new_customer_share(v, new_within=2)["new_share"].tolist() == [0.25, 0.6]
    with pytest.raises(DataValidationError, match=r"order before the customer was won"):
        new_customer_share(v.assign(acquired=v["month"] + 1))
    with pytest.raises(DataValidationError, match=r"must hold pandas Periods"):
        new_customer_share(v.assign(month=v["month"].dt.to_timestamp()))
    # planted: no existing customers, so every customer is new for new_within months
    contracts = pd.Series(pd.to_datetime(["2024-01-15"] * 50), index=[f"o{i}" for i in range(50)])
    tables, truth = account_volumes(contracts, "2024-12-31", n_existing=0, random_state=5)
    share = new_customer_share(tables["volumes"], new_within=12)
    assert (share["new_share"] == 1.0).all() and (share["new_customers"] == 50).all()
    assert abs(tables["volumes"]["volume"].mean() - truth.volume.mean()) < 1.0
