"""Portfolio matrices and the B2B account simulator."""

import numpy as np
import pandas as pd
import pytest

from helpers.customer_base.portfolio import SERVICE_POLICY, service_matrix, target_customer_matrix
from helpers.exceptions import DataValidationError, ParameterError
from helpers.simulate import RELATIONSHIP_TYPES, STATUSES, b2b_accounts


@pytest.fixture
def four() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "volume": [900, 900, 10, 10],
            "cost_to_serve": [50, 500, 50, 500],
            "potential_volume": [900, 900, 10, 10],
            "relationship_strength": [9, 1, 9, 1],
        },
        index=["big-cheap", "big-costly", "small-cheap", "small-costly"],
    )


def test_target_matrix_quadrants(four):
    m = target_customer_matrix(four, cost_threshold=100, volume_threshold=100)
    assert m["target_class"].astype(str).to_dict() == {
        "big-cheap": "key target",
        "big-costly": "target",
        "small-cheap": "target",
        "small-costly": "non-target",
    }
    assert m.attrs["cost_threshold"] == 100


def test_target_matrix_default_thresholds_are_medians(four):
    m = target_customer_matrix(four)
    assert m.attrs["volume_threshold"] == 455.0 and m.attrs["cost_threshold"] == 275.0
    # On the threshold counts as large / high.
    edge = target_customer_matrix(four, cost_threshold=50, volume_threshold=900)
    assert edge.loc["big-cheap", "target_class"] == "target"


def test_service_matrix_quadrants_and_policy(four):
    m = service_matrix(four, potential_threshold=100, relationship_threshold=5)
    assert m["quadrant"].astype(str).tolist() == ["Star", "Question", "Cash cow", "Dog"]
    assert m.loc["big-costly", "goal"] == SERVICE_POLICY.loc["Question", "goal"]
    assert m.loc["small-costly", "visits"] == "minimal"


def test_matrix_errors(four):
    with pytest.raises(DataValidationError, match=r"column 'revenue' not found.*volume_col="):
        target_customer_matrix(four, volume_col="revenue")
    bad = four.assign(cost_to_serve=[50, -1, 50, np.nan])
    with pytest.raises(
        DataValidationError, match=r"column 'cost_to_serve' has 2 missing or negative"
    ):
        target_customer_matrix(bad)


def test_simulator_is_seeded_and_follows_its_process():
    a = b2b_accounts(3_000, random_state=5)
    pd.testing.assert_frame_equal(a, b2b_accounts(3_000, random_state=5))
    assert not a.equals(b2b_accounts(3_000, random_state=6))
    shares = a["status"].value_counts(normalize=True)
    for status, p in STATUSES.items():
        # Binomial standard error at n = 3000 is at most 0.009; allow 4 of them.
        assert shares[status] == pytest.approx(p, abs=0.036)
    assert (a.loc[a["status"] != "current", "volume"] == 0).all()
    assert (a.loc[a["status"] == "current", "volume"] > 0).all()
    current = a[a["status"] == "current"]
    assert (current["potential_volume"] >= 0).all()
    assert np.median(current["potential_volume"] / current["volume"]) == pytest.approx(
        1.5, rel=0.05
    )
    # Relationship type follows strength: the mean strength rises type by type.
    means = a.groupby("relationship_type", observed=True)["relationship_strength"].mean()
    assert list(means.index) == RELATIONSHIP_TYPES
    assert means.is_monotonic_increasing
    order = a.groupby("status", observed=True)["relationship_strength"].mean()
    assert order["current"] > order["intent"] > order["potential"]
    with pytest.raises(ParameterError, match="n=0 must be"):
        b2b_accounts(0)
