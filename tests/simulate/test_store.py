"""helpers.simulate.store: seeding, the policies' rules in the data, and the planted behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.exceptions import ParameterError
from helpers.simulate.store import ARMS, GROUPS, SOURCES, craft_store


@pytest.fixture(scope="module")
def world():
    return craft_store(3_000, random_state=7)


def test_same_seed_same_store():
    a, _ = craft_store(300, random_state=5)
    b, _ = craft_store(300, random_state=np.random.default_rng(5))
    c, _ = craft_store(300, random_state=6)
    pd.testing.assert_frame_equal(a["transactions"], b["transactions"])
    pd.testing.assert_frame_equal(a["customers"], b["customers"])
    assert not a["transactions"].equals(c["transactions"])


def test_tables(world):
    data, truth = world
    customers, tx = data["customers"], data["transactions"]
    assert customers.columns.tolist() == [
        "group",
        "source",
        "joined",
        "birthday_month",
        "arm",
        "referred_by",
    ]
    assert tx.columns.tolist() == ["customer_id", "date", "amount", "discount", "reward"]
    assert tx["customer_id"].isin(customers.index).all()
    assert tx["date"].between(truth.start, truth.end).all()
    assert tx["date"].is_monotonic_increasing
    existing = customers[customers["arm"] != "new"]
    assert len(existing) == 3_000 and set(existing["arm"]) == set(ARMS)
    assert set(existing["group"]) == set(GROUPS.index)
    assert set(existing["source"]) == set(SOURCES.index)
    assert (existing["joined"] < truth.start).all()
    month = customers["birthday_month"].dropna()
    assert month.between(1, 12).all()


def test_rules_of_the_policies_hold_in_the_data(world):
    data, truth = world
    customers, tx = data["customers"], data["transactions"]
    arm = tx["customer_id"].map(customers["arm"])
    # Only card holders get discounts, only members earn points.
    assert (tx.loc[arm != "discount card", "discount"] == 0).all()
    assert (tx.loc[arm != "points card", "reward"] == 0).all()
    tx = tx.sort_values(["customer_id", "date"], kind="stable")
    card = tx[tx["customer_id"].map(customers["arm"]) == "discount card"]
    for _, rows in card.groupby("customer_id"):
        amounts = rows["amount"].to_numpy()
        discounted = rows["discount"].to_numpy() > 0
        hit = np.flatnonzero(amounts >= truth.discount_threshold)
        if discounted.any():
            # Discounts start after a qualifying purchase and are 10% of the basket.
            first_discounted = np.flatnonzero(discounted)[0]
            assert hit.size and hit[0] < first_discounted
            np.testing.assert_allclose(
                rows["discount"].to_numpy()[discounted],
                np.round(truth.discount_rate * amounts[discounted], 2),
            )
    points = tx[tx["customer_id"].map(customers["arm"]) == "points card"]
    for _, rows in points.groupby("customer_id"):
        rewarded = rows["reward"].to_numpy() > 0
        if rewarded.any():
            spent_before = rows["amount"].cumsum().to_numpy() - rows["amount"].to_numpy()
            # Points only once the year's spend before the purchase reached the threshold.
            assert (spent_before[rewarded] >= truth.points_threshold - 1e-9).all()
            assert (spent_before[~rewarded] < truth.points_threshold).all()


def test_control_and_baseline_agree(world):
    data, truth = world
    customers, tx = data["customers"], data["transactions"]
    control = customers.index[customers["arm"] == "control"]

    def sorted_log(df):
        df = df[df["customer_id"].isin(control)]
        return df.sort_values(["customer_id", "date", "amount"], ignore_index=True)

    # Common random numbers: without a policy, what happened is the baseline.
    pd.testing.assert_frame_equal(sorted_log(tx), sorted_log(truth.baseline))
    # Birthday greetings only add visits, and only in the birthday month.
    greeted = customers.index[customers["arm"] == "birthday greetings"]
    obs = tx[tx["customer_id"].isin(greeted)]
    base = truth.baseline[truth.baseline["customer_id"].isin(greeted)]
    extra = pd.concat([obs, base]).drop_duplicates(keep=False)
    assert len(obs) - len(base) == len(extra) > 0
    assert (extra["date"].dt.month == extra["customer_id"].map(customers["birthday_month"])).all()


def test_planted_visit_rates_and_baskets():
    data, truth = craft_store(40_000, random_state=1, arm_shares=(1.0, 0.0, 0.0, 0.0))
    customers, tx = data["customers"], data["transactions"]
    visits = tx.groupby("customer_id").size().reindex(customers.index, fill_value=0)
    rate = GROUPS["visits_per_year"]
    for (group, source), v in visits.groupby([customers["group"], customers["source"]]):
        expected = rate[group] * SOURCES.loc[source, "visit_factor"]
        # Gamma-Poisson: variance = mean + mean^2 / shape (shape 2).
        se = np.sqrt((expected + expected**2 / 2) / len(v))
        assert abs(v.mean() - expected) < 4 * se, (group, source, v.mean(), expected)
    median = tx.groupby(tx["customer_id"].map(customers["group"]))["amount"].median()
    np.testing.assert_allclose(median, GROUPS.loc[median.index, "basket_median"], rtol=0.03)
    assert len(customers) == 40_000  # no members, so no referrals


def test_referrals_follow_the_planted_rate():
    data, truth = craft_store(20_000, random_state=2, arm_shares=(0.0, 0.0, 1.0, 0.0))
    customers, tx = data["customers"], data["transactions"]
    new = customers[customers["arm"] == "new"]
    assert (new["source"] == "points referral").all()
    assert new["referred_by"].map(customers["arm"]).eq("points card").all()
    # Every referral joined after her referrer became a member, and bought only after joining.
    first = tx.groupby("customer_id")["date"].min()
    assert (first.reindex(new.index).dropna() >= new["joined"].reindex(first.index).dropna()).all()
    # Expected referrals: rate x the members' remaining share of the year.
    spent = tx[tx["customer_id"].map(customers["arm"]) == "points card"].copy()
    spent["total"] = spent.groupby("customer_id")["amount"].cumsum()
    joined = spent[spent["total"] >= truth.points_threshold].groupby("customer_id")["date"].min()
    remaining = ((truth.end - joined).dt.days + 1) / 366
    expected = truth.referral_rate * remaining.sum()
    assert abs(len(new) - expected) < 4 * np.sqrt(expected) + 0.02 * expected


def test_errors():
    with pytest.raises(ParameterError, match="'arm_shares'.*sum to 1"):
        craft_store(100, arm_shares=(0.5, 0.5, 0.5, 0.0))
    with pytest.raises(ParameterError, match="'n_customers' = 5 is out of range"):
        craft_store(5)
    with pytest.raises(ParameterError, match="'stretch_probability' = 1.5"):
        craft_store(100, stretch_probability=1.5)
