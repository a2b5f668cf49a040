"""Concentration measures against hand computations and limits."""

import numpy as np
import pandas as pd
import pytest

from helpers.customer_base.concentration import (
    abc_classes,
    gini,
    lorenz_curve,
    pareto_table,
    top_share,
)
from helpers.data import load_cdnow
from helpers.exceptions import DataValidationError, ParameterError


def test_gini_limits_and_hand_value():
    assert gini(np.full(50, 7.0)) == 0.0
    # One customer takes all: (n - 1) / n, approaching 1.
    for n in (10, 1000, 100_000):
        v = np.zeros(n)
        v[0] = 1.0
        assert gini(v) == pytest.approx((n - 1) / n)
    # By hand for 1, 2, 3, 4: sum_i (2i - 5) x_i / (4 * 10) = (-3 - 2 + 3 + 12) / 40 = 0.25.
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)


def test_gini_is_twice_the_area_between_diagonal_and_lorenz_curve():
    rng = np.random.default_rng(3)
    v = rng.lognormal(3, 1.2, 2_000)
    curve = lorenz_curve(v)
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    assert gini(v) == pytest.approx(1 - 2 * area, abs=1e-12)


def test_pareto_table_on_cdnow_sums_to_100_percent():
    revenue = load_cdnow().groupby("customer_id")["amount"].sum()
    table = pareto_table(revenue)
    assert len(table) == 23_570
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["cum_value_share"].iloc[-1] == pytest.approx(1.0)
    assert table["cum_customer_share"].iloc[-1] == 1.0
    assert table["value"].is_monotonic_decreasing
    # The top-20% share read off the table agrees with top_share (n divisible by 5? no: interpolate)
    k = int(0.2 * len(table))
    assert table["cum_value_share"].iloc[k - 1] <= top_share(revenue, 0.2)
    assert table["cum_value_share"].iloc[k] >= top_share(revenue, 0.2)


def test_top_share_interpolates_pro_rata():
    assert top_share([70, 10, 10, 5, 5], 0.2) == pytest.approx(0.70)
    # Top 10% of 5 customers is half of the largest one.
    assert top_share([70, 10, 10, 5, 5], 0.1) == pytest.approx(0.35)
    assert top_share([1, 1, 1, 1], 0.5) == pytest.approx(0.5)
    with pytest.raises(
        ParameterError, match=r"parameter 'share' = 1.5 is out of range: it must be in \(0, 1\]"
    ):
        top_share([1, 2], 1.5)


def test_abc_classes_by_hand():
    v = pd.Series([5, 50, 15, 30], index=["d", "a", "c", "b"])
    # Ranked a 50 (before 0%), b 30 (before 50%), c 15 (before 80%: not < 80%), d 5 (before 95%).
    assert abc_classes(v).to_dict() == {"d": "C", "a": "A", "c": "B", "b": "A"}
    assert abc_classes(v, cuts=(0.5, 0.9)).to_dict() == {"d": "C", "a": "A", "c": "B", "b": "B"}
    with pytest.raises(ParameterError, match="cuts"):
        abc_classes(v, cuts=(0.9, 0.8))


def test_errors_name_the_problem():
    with pytest.raises(DataValidationError, match="empty"):
        gini([])
    with pytest.raises(
        DataValidationError, match=r"column 'revenue' has 1 negative value\(s\) \(row b: -2.0\)"
    ):
        gini(pd.Series([1.0, -2.0], index=["a", "b"], name="revenue"))
    with pytest.raises(DataValidationError, match=r"has 1 missing value\(s\) \(row 1\)"):
        pareto_table([1.0, np.nan])
    with pytest.raises(DataValidationError, match="sums to 0"):
        lorenz_curve([0, 0])


def test_text_booleans_and_frames_are_refused():
    with pytest.raises(DataValidationError, match=r"not numeric \(dtype object\)"):
        gini(["10", "20"])
    with pytest.raises(DataValidationError, match=r"not numeric \(dtype bool\)"):
        top_share([True, False, True])
    with pytest.raises(DataValidationError, match=r"select the column, e.g. df\['revenue'\]"):
        gini(pd.DataFrame({"revenue": [1.0, 2.0]}))
    with pytest.raises(DataValidationError, match=r"infinite value\(s\) \(row 1\)"):
        abc_classes([1.0, np.inf])
    assert gini([7.0]) == 0.0 and abc_classes([7.0]).tolist() == ["A"]
