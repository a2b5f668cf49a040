"""Channel by audience: the response analysis recovers the planted rates and best channels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.exceptions import DataValidationError
from helpers.simulate.channels import (
    AGE_BANDS,
    CHANNELS,
    CONTACT_COST,
    MARGIN_PER_RESPONSE,
    channel_test,
)
from helpers.strategy.channels import best_channels, channel_response


@pytest.fixture(scope="module")
def contacts():
    tables, truth = channel_test(300_000, random_state=11)
    df = tables["contacts"].assign(margin=lambda d: d["value_tier"].map(MARGIN_PER_RESPONSE))
    return df, truth


def test_rates_cover_the_planted_rates(contacts):
    df, truth = contacts
    table = channel_response(df, ["age_band", "value_tier"])
    inside = [
        row.ci_low <= truth.rate(channel, age, tier) <= row.ci_high
        for (age, tier, channel), row in table.iterrows()
    ]
    assert len(inside) == len(AGE_BANDS) * 3 * len(CHANNELS)
    assert np.mean(inside) >= 0.85  # 95% intervals: a few of 36 may miss


def test_best_channel_by_age_band_is_the_planted_one(contacts):
    df, truth = contacts
    best = best_channels(channel_response(df, "age_band"), "rate")
    planted = {a: max(CHANNELS, key=lambda c: truth.rate(c, a)) for a in AGE_BANDS}
    assert best["best"].to_dict() == planted
    assert best["clear"].all()


def test_profit_per_contact_is_margin_times_rate_minus_cost(contacts):
    df, truth = contacts
    table = channel_response(df, "value_tier", margin_col="margin", cost=CONTACT_COST)
    got = table.loc[("high", "phone")]
    expected = got["rate"] * MARGIN_PER_RESPONSE["high"] - CONTACT_COST["phone"]
    assert got["profit_per_contact"] == pytest.approx(expected)


def test_bad_input_is_refused():
    df = pd.DataFrame(
        {"age_band": ["a", "b", None], "channel": ["x", "y", "x"], "responded": [1, 0, 1]}
    )
    with pytest.raises(DataValidationError, match=r"column 'age_band' of contacts has 1 missing"):
        channel_response(df, "age_band")
    ok = df.dropna()
    with pytest.raises(DataValidationError, match=r"needs both margin_col"):
        channel_response(ok, "age_band", cost={"x": 1.0})
    with pytest.raises(DataValidationError, match=r"cost has no value for channel\(s\) \['y'\]"):
        channel_response(ok.assign(m=1.0), "age_band", margin_col="m", cost={"x": 1.0})
    with pytest.raises(DataValidationError, match=r"responded"):
        channel_response(ok.assign(responded=["yes", "no"]), "age_band")
