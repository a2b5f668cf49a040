"""Predictions at the edges: no FloatingPointError under np.errstate(all="raise") where the
answer is a well-defined limit (P(alive) of a customer who surely left underflows to 0)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.clv import BGBB, BGNBD, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from helpers.customer_base import summarize
from helpers.data import load_cdnow, load_donations

# Just acquired; new with a huge T; many purchases long ago; many purchases, the last at T;
# one purchase at once and then a million weeks of silence.
EXTREME = pd.DataFrame(
    {
        "frequency": [0, 0, 200, 200, 1],
        "recency": [0.0, 0.0, 2.0, 1e4, 1e-6],
        "T": [0.0, 1e6, 1e5, 1e4, 1e6],
        "monetary_value": [0.0, 0.0, 1e6, 1e-3, 5.0],
    },
    index=["new", "new_long_ago", "gone", "loyal", "one_and_gone"],
)
DISCRETE = pd.DataFrame(
    {
        "frequency": [0, 0, 100, 500],
        "recency": [0, 0, 1000, 501],
        "n_periods": [1, 2000, 10000, 5000],
    },
    index=["new", "never", "gone", "gone_later"],
)


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = summarize(
            load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30", time_unit="W"
        )
    return {
        "bgnbd": BGNBD().fit(s),
        "paretonbd": ParetoNBD().fit(s),
        "gammagamma": GammaGamma().fit(s[s["frequency"] > 0]),
        "bgbb": BGBB().fit(load_donations(), weight_col="weight"),
        "sbg": ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241, 223, 207]),
    }


@pytest.mark.parametrize("name", ["bgnbd", "paretonbd"])
def test_continuous_models_reach_their_limits_without_floating_point_errors(fitted, name):
    m = fitted[name]
    with np.errstate(all="raise"):
        alive = m.probability_alive(EXTREME)
        cond = m.conditional_expected_purchases(10.0, EXTREME)
        expected = m.expected_purchases(np.array([0.0, 1e-9, 1e6]))
        pmf = m.probability_of_purchases(1e6, [0, 1, 500])
        counts = m.expected_frequency_counts(EXTREME[["frequency", "recency", "T"]])
    assert alive["new"] == pytest.approx(1.0)
    assert alive["gone"] == 0.0  # underflows: 200 purchases, the last 99,998 weeks ago
    assert cond["gone"] == 0.0
    assert cond["new"] == pytest.approx(m.expected_purchases(10.0), rel=1e-9)
    assert expected[0] == 0.0 and np.all(np.isfinite(expected))
    assert np.all((pmf >= 0) & (pmf <= 1))
    assert counts["expected"].sum() == pytest.approx(len(EXTREME))


def test_gammagamma_reaches_its_limits_without_floating_point_errors(fitted):
    gg = fitted["gammagamma"]
    with np.errstate(all="raise"):
        spend = gg.conditional_expected_average_spend(EXTREME)
    # Without repeat purchases the expected spend is the population mean.
    assert spend["new"] == pytest.approx(gg.population_mean_spend())
    assert np.all(np.isfinite(spend)) and spend["gone"] > 1e5


def test_bgbb_reaches_its_limits_without_floating_point_errors(fitted):
    bb = fitted["bgbb"]
    with np.errstate(all="raise"):
        alive = bb.probability_alive(DISCRETE)
        cond = bb.conditional_expected_purchases(10, DISCRETE)
        expected = bb.expected_purchases(100_000)
        pmf = bb.probability_of_purchases(300, [0, 1, 300])
    assert alive["gone"] < 1e-100 and cond["gone"] < 1e-100
    assert 0 < alive["new"] < 1 and np.isfinite(expected)
    assert np.all((pmf >= 0) & (pmf <= 1))


def test_sbg_reaches_its_limits_without_floating_point_errors(fitted):
    m = fitted["sbg"]
    with np.errstate(all="raise"):
        survival = m.survival([0, 10**7])
        retention = m.retention([1, 10**7])
        derl = m.derl(0.1, 10**6)
        life = m.expected_lifetime(10**6)
    assert survival[0] == 1.0 and 0 <= survival[1] < 1e-3
    assert 0 < retention[0] < retention[1] <= 1.0
    assert np.isfinite(derl) and np.isfinite(life)
