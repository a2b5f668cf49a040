"""helpers.cases.craft_store on small hand-computed examples: outcomes, qualifiers, effects,
break-even,
the stretch estimate, the card replay and the threshold sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.cases.craft_store import (
    STORE_CUSTOMERS,
    STORE_TRANSACTIONS,
    break_even_uplift,
    card_replay,
    card_response,
    customer_outcomes,
    load_store,
    pilot_effects,
    policy_scorecard,
    qualifiers,
    referral_value,
    stretch_probability,
    threshold_sweep,
)
from helpers.exceptions import DataValidationError, ParameterError


@pytest.fixture
def store():
    customers = pd.DataFrame(
        {"arm": ["control", "control", "discount card", "discount card"]},
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "c", "c", "c"],
            "date": pd.to_datetime(
                ["2024-01-03", "2024-02-01", "2024-01-05", "2024-01-20", "2024-03-01"]
            ),
            "amount": [40.0, 100.0, 90.0, 50.0, 60.0],
            "discount": [0.0, 0.0, 0.0, 5.0, 6.0],
            "reward": 0.0,
        }
    )
    return customers, tx


def test_customer_outcomes_by_hand(store):
    customers, tx = store
    out = customer_outcomes(customers, tx, margin_rate=0.5)
    assert out["visits"].tolist() == [2, 0, 3, 0]  # b and d bought nothing: zeros, not gaps
    assert out["spend"].tolist() == [140.0, 0.0, 200.0, 0.0]
    # c: 0.5 * 200 - 11 of discounts.
    assert out["gross_profit"].tolist() == [70.0, 0.0, 89.0, 0.0]
    assert out["arm"].tolist() == customers["arm"].tolist()


def test_customer_outcomes_errors(store):
    customers, tx = store
    stranger = pd.concat([tx, tx.head(1).assign(customer_id="zz")], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"1 purchase\(s\) of customers missing.*'zz'"):
        customer_outcomes(customers, stranger, 0.5)
    with pytest.raises(ParameterError, match="'margin_rate' = 0 is out of range"):
        customer_outcomes(customers, tx, 0)
    with pytest.raises(DataValidationError, match="column 'reward' not found"):
        customer_outcomes(customers, tx.drop(columns="reward"), 0.5)


def test_qualifiers_single_and_cumulative(store):
    _, tx = store
    single = qualifiers(tx, 88)
    assert single.index.tolist() == ["a", "c"]
    assert single["purchase_number"].tolist() == [2, 1]
    assert single.loc["a", "date"] == pd.Timestamp("2024-02-01")
    total = qualifiers(tx, 140, cumulative=True)  # a reaches 140 on her 2nd, c on her 2nd
    assert total["purchase_number"].tolist() == [2, 2]
    assert total["amount"].tolist() == [100.0, 50.0]
    with pytest.raises(ParameterError, match="'threshold' = -5"):
        qualifiers(tx, -5)


def test_pilot_effects_against_welch_by_hand():
    rng = np.random.default_rng(0)
    t = rng.normal(10, 2, 40)
    c = rng.normal(9, 3, 60)
    out = pd.DataFrame(
        {
            "arm": ["card"] * 40 + ["control"] * 60,
            "visits": np.r_[t, c],
            "spend": 0.0,
            "discount": 0.0,
            "reward": 0.0,
            "gross_profit": np.r_[t, c],
        }
    )
    eff = pilot_effects(out, "card", extra_cost=1.5)
    # Welch: se from the two sample variances, Welch-Satterthwaite degrees of freedom.
    va, vb = t.var(ddof=1) / 40, c.var(ddof=1) / 60
    df = (va + vb) ** 2 / (va**2 / 39 + vb**2 / 59)
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    row = eff.loc["visits"]
    assert row["effect"] == pytest.approx(t.mean() - c.mean())
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(
        [t.mean() - c.mean() - half, t.mean() - c.mean() + half]
    )
    assert eff.loc["net_profit", "effect"] == pytest.approx(t.mean() - 1.5 - c.mean())
    assert eff.loc["spend", "p_value"] == 1.0  # no difference at all
    assert eff.attrs["n_treated"] == 40 and eff.attrs["n_control"] == 60


def test_pilot_effects_errors(store):
    customers, tx = store
    out = customer_outcomes(customers, tx, 0.5)
    with pytest.raises(DataValidationError, match="arm 'points card' has 0 customer"):
        pilot_effects(out, "points card")
    with pytest.raises(DataValidationError, match="column 'gross_profit' not found"):
        pilot_effects(out.drop(columns="gross_profit"), "discount card")


def test_referral_value_by_hand():
    customers = pd.DataFrame(
        {
            "arm": ["points card", "points card", "control", "new", "new", "new"],
            "referred_by": [None, None, None, "a", "a", "c"],
        },
        index=list("abcdef"),
    )
    out = pd.DataFrame(
        {"visits": [1, 1, 1, 3, 0, 2], "gross_profit": [5.0, 5, 5, 40, 0, 30]},
        index=customers.index,
    )
    # d and e were referred by a member of the arm (f by a control customer: not counted);
    # d bought, so one bonus of 10 is paid.
    v = referral_value(customers, out, "points card", bonus=10)
    assert v["referred"] == 2 and v["buying"] == 1
    assert v["net_value"] == 30.0 and v["per_arm_customer"] == 15.0
    with pytest.raises(DataValidationError, match="no customer is in arm 'gold'"):
        referral_value(customers, out, "gold")


def test_break_even_uplift():
    # 12 yuan of cost at 40% margin needs 30 yuan more spend: 10% of 300.
    assert break_even_uplift(12.0, 0.4, 300.0) == pytest.approx(0.1)
    with pytest.raises(
        ParameterError, match=r"'baseline' = 0.0 is out of range: it must be in \(0, inf\]"
    ):
        break_even_uplift(12.0, 0.4, 0.0)


def test_stretch_probability_by_hand():
    # First baskets: control 10 of 50 in the window [80, 100), card arm 5 of 50.
    arms = pd.Series(["control"] * 50 + ["discount card"] * 50, index=[f"c{i}" for i in range(100)])
    amounts = np.r_[[90.0] * 10, [50.0] * 40, [90.0] * 5, [50.0] * 45]
    tx = pd.DataFrame({"customer_id": arms.index, "date": "2024-01-01", "amount": amounts})
    # A later purchase must not count: only first purchases enter.
    tx = pd.concat(
        [tx, pd.DataFrame({"customer_id": ["c60"], "date": ["2024-05-01"], "amount": [90.0]})]
    )
    est = stretch_probability(arms, tx, threshold=100, window=0.2)
    assert est["share_control"] == 0.2 and est["share_treated"] == 0.1
    assert est["estimate"] == pytest.approx(0.5)
    se = np.sqrt((1 - 0.1) / 5 + (1 - 0.2) / 10)
    assert est["ci_low"] == pytest.approx(1 - 0.5 * np.exp(1.959964 * se))
    assert est["ci_high"] == pytest.approx(1 - 0.5 * np.exp(-1.959964 * se))
    with pytest.raises(DataValidationError, match="no first purchase of arm 'control'"):
        stretch_probability(arms, tx, threshold=300, window=0.1)


def test_card_replay_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a"] * 4,
            "date": pd.date_range("2024-01-01", periods=4, freq="MS"),
            "amount": [75.0, 60.0, 100.0, 50.0],
        }
    )
    r = card_replay(
        tx,
        ["a", "b"],  # b made no purchase: she counts, with zeros
        88,
        discount_rate=0.1,
        margin_rate=0.5,
        stretch_probability=0.5,
        stretch_window=0.2,
        visit_lift=1.5,
        card_cost=2.0,
        top_up=2.0,
    )
    # Window [70.4, 88): the 75 tops up with p 0.5 (to 90, +15); else the card comes with 100.
    # P(card at 1st) = 0.5, at 3rd = 0.5. Spend after: 210 and 50; visits after: 3 and 1.
    post_spend = 0.5 * 210 + 0.5 * 50
    expected = {
        "card_share": 1.0,
        "topped_up": 0.5,
        "post_card_visits": 0.5 * 3 + 0.5 * 1,
        "extra_visits": 0.5 * (0.5 * 3 + 0.5 * 1),
        "extra_spend": 0.5 * 15 + 0.5 * post_spend,
        "discount": 0.1 * 1.5 * post_spend,
        "card_cost": 2.0,
    }
    expected["profit"] = 0.5 * expected["extra_spend"] - expected["discount"] - 2.0
    for key, value in expected.items():
        assert r[key] == pytest.approx(value / 2), key  # averaged over a and b
    none = card_replay(tx, ["a"], np.inf, margin_rate=0.5)
    assert (none == 0).all()


def test_threshold_sweep_marks_the_best():
    tx = pd.DataFrame(
        {
            "customer_id": ["a"] * 3 + ["b"] * 2,
            "date": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01", "2024-06-01"]
            ),
            "amount": [120.0, 30.0, 30.0, 60.0, 60.0],
        }
    )
    resp = {"margin_rate": 0.5, "discount_rate": 0.1, "visit_lift": 1.0, "card_cost": 1.0}
    sweep = threshold_sweep(tx, ["a", "b"], [150, 100, 50], **resp)
    # No lift: a card only costs. 150: nobody qualifies (0). 100: a, card cost 1 and 10% of
    # her 60 later: -7 / 2. 50: a and b, -7 and -(1 + 6): -14 / 2.
    assert sweep.index.tolist() == [50.0, 100.0, 150.0]
    assert sweep["profit"].tolist() == pytest.approx([-7.0, -3.5, 0.0])
    assert sweep["best"].tolist() == [False, False, True]
    with pytest.raises(ParameterError, match="thresholds is empty"):
        threshold_sweep(tx, ["a"], [])


def test_store_contracts_and_loading(tmp_path, store):
    customers, tx = store
    full = customers.assign(
        group="students", source="flyer", joined="2023-05-01", birthday_month=[3, None, 12, 1]
    ).assign(referred_by=None)
    full.to_csv(tmp_path / "customers.csv")
    tx.to_csv(tmp_path / "transactions.csv", index=False)
    c, t = load_store(tmp_path)
    assert c.index.tolist() == ["a", "b", "c", "d"]
    assert c["birthday_month"].tolist()[0] == 3 and pd.isna(c["birthday_month"].iloc[1])
    assert t["amount"].sum() == 340.0
    assert STORE_CUSTOMERS.key == "customer_id"
    tx.drop(columns="discount").to_csv(tmp_path / "transactions.csv", index=False)
    with pytest.raises(
        DataValidationError, match=r"column 'discount' not found in store transactions"
    ):
        load_store(tmp_path)
    tx.assign(amount=-tx["amount"]).to_csv(tmp_path / "transactions.csv", index=False)
    with pytest.raises(DataValidationError, match="'amount' has 5 value.*below 0"):
        load_store(tmp_path)
    full.assign(birthday_month=13).to_csv(tmp_path / "customers.csv")
    with pytest.raises(DataValidationError, match="'birthday_month' has 4 value.*above 12"):
        STORE_CUSTOMERS.read(tmp_path / "customers.csv")
    tx.assign(customer_id="x").to_csv(tmp_path / "transactions.csv", index=False)
    full.to_csv(tmp_path / "customers.csv")
    with pytest.raises(DataValidationError, match="missing from the customer table"):
        load_store(tmp_path)
    assert STORE_TRANSACTIONS.names == ["customer_id", "date", "amount", "discount", "reward"]


def test_card_response_and_scorecard_errors(store):
    customers, tx = store
    # The only control customer earns the card with her last purchase: no lift to scale.
    with pytest.raises(DataValidationError, match="no control customer makes a purchase after"):
        card_response(customers, tx, 100, window=0.6)
    with pytest.raises(DataValidationError, match="column 'birthday_month' not found"):
        policy_scorecard(customers, tx, 0.5)
    lone = customers.assign(arm="control", birthday_month=None)
    with pytest.raises(DataValidationError, match="no policy arm"):
        policy_scorecard(lone, tx, 0.5)
    with pytest.raises(DataValidationError, match="column 'referred_by' not found"):
        referral_value(customers, customer_outcomes(customers, tx, 0.5), "discount card")
    with pytest.raises(ParameterError, match=r"unknown argument\(s\) \['lift'\]"):
        threshold_sweep(tx, ["a"], [50], lift=1.2)
