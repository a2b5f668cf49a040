"""Case 2, the craft store (notebook 13): headline numbers recomputed independently with pandas,
the planted responses recovered, the replay checked against the simulator's counterfactual, and
the data contracts (defaults accepted, a wrong file refused, the same result from CSV files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.cases.craft_store import (
    STORE_CUSTOMERS,
    STORE_TRANSACTIONS,
    card_replay,
    card_response,
    customer_outcomes,
    load_store,
    pilot_effects,
    policy_scorecard,
    referral_value,
    stretch_probability,
    threshold_sweep,
)
from helpers.customer_base.concentration import top_share
from helpers.exceptions import DataValidationError, ParameterError
from helpers.simulate.store import craft_store

# The notebook's defaults.
N, SEED, MARGIN, CARD, GREETING, BONUS = 4_000, 42, 0.5, 8.0, 3.0, 20.0


@pytest.fixture(scope="module")
def store():
    data, truth = craft_store(N, random_state=SEED)
    return data["customers"], data["transactions"], truth


@pytest.fixture(scope="module")
def scorecard(store):
    customers, tx, _ = store
    return policy_scorecard(
        customers, tx, MARGIN, card_cost=CARD, greeting_cost=GREETING, referral_bonus=BONUS
    )


def _per_customer(customers, tx):
    """Plain pandas: one row per customer with zeros for those who bought nothing."""
    sums = tx.pivot_table(
        index="customer_id", values=["amount", "discount", "reward"], aggfunc="sum"
    )
    out = sums.reindex(customers.index).fillna(0.0)
    out["visits"] = tx["customer_id"].value_counts().reindex(customers.index).fillna(0)
    out["arm"] = customers["arm"]
    return out


def test_contracts_accept_the_simulated_store(store):
    customers, tx, _ = store
    checked = STORE_CUSTOMERS.validate(customers.reset_index())
    assert len(checked) == len(customers)
    assert STORE_TRANSACTIONS.validate(tx)["amount"].sum() == pytest.approx(tx["amount"].sum())


def test_scorecard_against_plain_pandas(store, scorecard):
    customers, tx, _ = store
    per = _per_customer(customers, tx)
    mean = per.groupby("arm").mean(numeric_only=True)
    profit = MARGIN * per["amount"] - per["discount"] - per["reward"]
    # Discount card: cards issued = customers of the arm with a purchase of 88 yuan or more.
    arm = per[per["arm"] == "discount card"].index
    big = tx[(tx["amount"] >= 88) & tx["customer_id"].isin(arm)]["customer_id"].nunique()
    row = scorecard.loc["discount card"]
    assert row["customers"] == len(arm)
    assert row["qualified"] == pytest.approx(big / len(arm))
    assert row["extra_spend"] == pytest.approx(
        mean.loc["discount card", "amount"] - mean.loc["control", "amount"]
    )
    assert row["extra_visits"] == pytest.approx(
        mean.loc["discount card", "visits"] - mean.loc["control", "visits"]
    )
    assert row["policy_cost"] == pytest.approx(
        mean.loc["discount card", "discount"] + CARD * big / len(arm)
    )
    control_profit = profit[per["arm"] == "control"].mean()
    assert row["profit"] == pytest.approx(
        profit[arm].mean() - CARD * big / len(arm) - control_profit
    )
    assert row["break_even_uplift"] == pytest.approx(
        row["policy_cost"] / (MARGIN * mean.loc["control", "amount"])
    )
    # Points card: its members' referrals count, net of the bonus for each who bought.
    arm = per[per["arm"] == "points card"].index
    referred = customers.index[customers["referred_by"].isin(arm)]
    buying = int((per.loc[referred, "visits"] > 0).sum())
    referral = (MARGIN * per.loc[referred, "amount"].sum() - BONUS * buying) / len(arm)
    assert scorecard.loc["points card", "profit"] == pytest.approx(
        profit[arm].mean() - control_profit + referral
    )
    # Birthday greetings, default base: the whole arm, a greeting cost per registered customer.
    registered = customers["birthday_month"].notna()
    arm = per.index[per["arm"] == "birthday greetings"]
    greeted = per.index[registered & (per["arm"] == "birthday greetings")]
    assert (scorecard["base"] == "customer of the arm").all()
    assert scorecard.loc["birthday greetings", "customers"] == len(arm)
    assert scorecard.loc["birthday greetings", "qualified"] == pytest.approx(
        len(greeted) / len(arm)
    )
    assert scorecard.loc["birthday greetings", "profit"] == pytest.approx(
        profit[arm].mean() - GREETING * len(greeted) / len(arm) - control_profit
    )
    # Registered base: registered customers only, greeting cost per greeted customer.
    reg = policy_scorecard(
        customers,
        tx,
        MARGIN,
        card_cost=CARD,
        greeting_cost=GREETING,
        referral_bonus=BONUS,
        greetings_base="registered",
    )
    reg_control = per.index[registered & (per["arm"] == "control")]
    assert reg.loc["birthday greetings", "base"] == "greeted customer"
    assert reg.loc["birthday greetings", "customers"] == len(greeted)
    assert reg.loc["birthday greetings", "profit"] == pytest.approx(
        profit[greeted].mean() - GREETING - profit[reg_control].mean()
    )
    assert reg.loc["discount card", "profit"] == pytest.approx(
        scorecard.loc["discount card", "profit"]
    )
    with pytest.raises(ParameterError, match="greetings_base"):
        policy_scorecard(customers, tx, MARGIN, greetings_base="greeted")


def test_eighty_twenty_against_a_sort(store):
    customers, tx, _ = store
    spend = tx.groupby("customer_id")["amount"].sum()
    v = np.sort(spend.to_numpy())[::-1]
    k = 0.2 * len(v)
    whole = int(np.floor(k))
    direct = (v[:whole].sum() + (k - whole) * v[whole]) / v.sum()
    assert top_share(spend, 0.2) == pytest.approx(direct)


def test_planted_responses_recovered(store):
    customers, tx, truth = store
    r = card_response(customers, tx, truth.discount_threshold, window=truth.stretch_window)
    assert r["stretch_ci_low"] < truth.stretch_probability < r["stretch_ci_high"]
    assert r["lift_ci_low"] < truth.card_visit_lift < r["lift_ci_high"]
    # The stretch estimate from first purchases, recomputed directly.
    first = tx.sort_values("date", kind="stable").groupby("customer_id").head(1)
    first = first.assign(arm=first["customer_id"].map(customers["arm"]))
    low, high = truth.discount_threshold * (1 - truth.stretch_window), truth.discount_threshold
    share = first.groupby("arm")["amount"].apply(lambda a: ((a >= low) & (a < high)).mean())
    est = stretch_probability(customers["arm"], tx, truth.discount_threshold)
    assert est["estimate"] == pytest.approx(1 - share["discount card"] / share["control"])
    # Birthday greetings: extra visits of greeted customers cover the planted mean.
    registered = customers["birthday_month"].notna()
    out = customer_outcomes(
        customers[registered], tx[tx["customer_id"].isin(customers.index[registered])], MARGIN
    )
    eff = pilot_effects(out, "birthday greetings").loc["visits"]
    assert eff["ci_low"] < truth.birthday_extra_visits < eff["ci_high"]
    # Points card: the visit lift and referrals make members buy more than controls would.
    assert (
        pilot_effects(customer_outcomes(customers, tx, MARGIN), "points card").loc[
            "reward", "effect"
        ]
        > 0
    )


def test_replay_matches_the_counterfactual(store):
    customers, tx, truth = store
    arm = customers.index[customers["arm"] == "discount card"]
    base = truth.baseline
    # What each customer of the arm did, minus what she would have done without the card.
    obs = _per_customer(customers.loc[arm], tx[tx["customer_id"].isin(arm)])
    cf = _per_customer(customers.loc[arm], base[base["customer_id"].isin(arm)])
    effect = obs[["visits", "amount", "discount"]] - cf[["visits", "amount", "discount"]]
    replay = card_replay(
        base,
        arm,
        truth.discount_threshold,
        discount_rate=truth.discount_rate,
        margin_rate=MARGIN,
        stretch_probability=truth.stretch_probability,
        stretch_window=truth.stretch_window,
        visit_lift=truth.card_visit_lift,
        top_up=truth.top_up_max / 2,
    )
    se = effect.std() / np.sqrt(len(effect))
    for col, key in (
        ("visits", "extra_visits"),
        ("amount", "extra_spend"),
        ("discount", "discount"),
    ):
        assert abs(replay[key] - effect[col].mean()) < 3 * se[col], (
            col,
            replay[key],
            effect[col].mean(),
        )


def test_sweep_with_the_planted_response_prefers_a_moderate_threshold(store):
    customers, tx, truth = store
    control = customers.index[customers["arm"] == "control"]
    sweep = threshold_sweep(
        tx,
        control,
        np.arange(40, 255, 5),
        discount_rate=truth.discount_rate,
        margin_rate=MARGIN,
        stretch_probability=truth.stretch_probability,
        stretch_window=truth.stretch_window,
        visit_lift=truth.card_visit_lift,
        card_cost=CARD,
    )
    best = sweep.index[sweep["best"]][0]
    # A very low threshold hands a card to nearly everyone; a very high one to nearly nobody.
    assert 60 <= best <= 150
    assert sweep.loc[best, "profit"] > sweep.loc[40, "profit"]
    assert sweep.loc[best, "profit"] > sweep.loc[250, "profit"]


def test_csv_round_trip_gives_the_same_scorecard(store, scorecard, tmp_path):
    customers, tx, _ = store
    customers.to_csv(tmp_path / "customers.csv")
    tx.to_csv(tmp_path / "transactions.csv", index=False)
    c, t = load_store(tmp_path)
    again = policy_scorecard(
        c, t, MARGIN, card_cost=CARD, greeting_cost=GREETING, referral_bonus=BONUS
    )
    pd.testing.assert_frame_equal(again, scorecard, rtol=1e-9)


def test_a_wrong_file_is_refused(tmp_path, store):
    customers, tx, _ = store
    customers.drop(columns="arm").to_csv(tmp_path / "customers.csv")
    tx.to_csv(tmp_path / "transactions.csv", index=False)
    with pytest.raises(DataValidationError, match=r"column 'arm' not found in store customers"):
        load_store(tmp_path)
    with pytest.raises(DataValidationError, match=r"store folder '.*elsewhere' not found"):
        load_store(tmp_path / "elsewhere")


def test_referral_value_from_files_with_float_referrers(tmp_path, store):
    # pandas writes a referrer column with gaps as floats: the ids 1, 2, ... as "1.0", "2.0".
    # They must still name the customers "1", "2", ... or the referral value silently drops.
    customers, tx, _ = store
    numbers = {cid: i + 1 for i, cid in enumerate(customers.index)}
    renamed = customers.rename(index=numbers)
    renamed["referred_by"] = renamed["referred_by"].map(numbers).astype(float)
    renamed.to_csv(tmp_path / "customers.csv")
    tx.assign(customer_id=tx["customer_id"].map(numbers)).to_csv(
        tmp_path / "transactions.csv", index=False
    )
    assert ",1.0\n" in (tmp_path / "customers.csv").read_text().replace("\r", "") or any(
        f",{i}.0\n" in (tmp_path / "customers.csv").read_text() for i in numbers.values()
    )
    c, t = load_store(tmp_path)
    got = referral_value(c, customer_outcomes(c, t, MARGIN), bonus=BONUS)
    want = referral_value(customers, customer_outcomes(customers, tx, MARGIN), bonus=BONUS)
    pd.testing.assert_series_equal(got, want)
    # Independently: customers whose referrer is in the points-card arm, and what they bought.
    arm = set(customers.index[customers["arm"] == "points card"])
    referred = customers.index[customers["referred_by"].isin(arm)]
    bought = tx[tx["customer_id"].isin(referred)]
    gross = MARGIN * bought["amount"].sum() - bought["discount"].sum() - bought["reward"].sum()
    assert got["referred"] == len(referred) > 0
    assert got["net_value"] == pytest.approx(gross - BONUS * bought["customer_id"].nunique())


def test_store_files_in_other_formats(tmp_path, store):
    customers, tx, _ = store
    customers.to_parquet(tmp_path / "customers.parquet")
    tx.to_excel(tmp_path / "transactions.xlsx", index=False)
    c, t = load_store(tmp_path)
    assert c.index.tolist() == customers.index.tolist()
    assert t["amount"].sum() == pytest.approx(tx["amount"].sum())
    tx.to_csv(tmp_path / "transactions.csv", index=False)
    with pytest.raises(DataValidationError, match=r"has 2 \(transactions.csv, transactions.xlsx\)"):
        load_store(tmp_path)
