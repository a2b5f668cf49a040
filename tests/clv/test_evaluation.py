"""Held-out evaluation helpers against hand computations."""

import numpy as np
import pandas as pd
import pytest

from helpers.clv import BGNBD, by_calibration_frequency, cumulative_tracking, holdout_scorecard
from helpers.exceptions import DataQualityWarning, DataValidationError


def test_scorecard_by_hand():
    actual = pd.Series([0, 1, 5], index=list("abc"))
    preds = {
        "m": pd.Series([1.0, 1.0, 2.0], index=list("abc")),
        "z": pd.Series(0.0, index=list("abc")),
    }
    card = holdout_scorecard(actual, preds)
    # m: errors 1, 0, -3 -> MAE 4/3, RMSE sqrt(10/3); total 4 vs 6 -> -33.3%.
    assert card.loc["m", "MAE"] == pytest.approx(4 / 3)
    assert card.loc["m", "RMSE"] == pytest.approx(np.sqrt(10 / 3))
    assert card.loc["m", "total_error_pct"] == pytest.approx(-100 / 3)
    assert card.loc["z", "MAE"] == pytest.approx(2.0) and np.isnan(card.loc["z", "correlation"])
    assert card.index.tolist() == ["m", "z"]  # sorted by MAE
    # Order of the prediction's index does not matter.
    shuffled = {"m": preds["m"].iloc[::-1]}
    assert holdout_scorecard(actual, shuffled).loc["m", "MAE"] == pytest.approx(4 / 3)
    with pytest.raises(DataValidationError, match="other customers"):
        holdout_scorecard(actual, {"m": pd.Series([1.0], index=["x"])})


def test_by_calibration_frequency_pools_the_top():
    freq = pd.Series([0, 0, 1, 3, 9], index=list("abcde"))
    actual = pd.Series([0, 2, 1, 4, 6], index=list("abcde"))
    pred = {"m": pd.Series([1.0, 1.0, 1.0, 2.0, 4.0], index=list("abcde"))}
    t = by_calibration_frequency(freq, actual, pred, max_frequency=3)
    assert t.index.tolist() == [0, 1, 3]
    assert t.loc[0, "actual"] == 1.0 and t.loc[3, "actual"] == 5.0 and t.loc[3, "m"] == 3.0
    assert t["customers"].tolist() == [2, 1, 2]


def test_cumulative_tracking_counts_and_expectation():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-10", "2024-01-05", "2024-01-20"]
            ),
        }
    )
    model = BGNBD()
    model.params_ = {"r": 0.5, "alpha": 2.0, "a": 0.8, "b": 2.5}
    model.log_likelihood_ = 0.0
    with pytest.warns(DataQualityWarning, match="1 row"):  # two rows of a on Jan 1
        t = cumulative_tracking(model, tx, n_periods=3, time_unit="W")
    # Repeat days: a on Jan 3 (period 1) and Jan 10 (period 2); b on Jan 20 (period 3).
    assert t["actual"].tolist() == [1, 2, 3]
    # Expected at the end of period 2 (day 14): a joined day 0, b day 4, in weeks.
    direct = model.expected_purchases(14 / 7) + model.expected_purchases(10 / 7)
    assert t.loc[2, "expected"] == pytest.approx(direct)
    assert t.loc[1, "period_end"] == pd.Timestamp("2024-01-08")
    # The old way to give the unit still works, with a FutureWarning.
    with pytest.warns(FutureWarning, match="time_unit_days is replaced by time_unit"):
        old = cumulative_tracking(model, tx.drop_duplicates(), n_periods=3, time_unit_days=7.0)
    pd.testing.assert_frame_equal(old, t)
