"""Case 4 (chapter 15, bank tiers): headline numbers recomputed independently with numpy and
scipy, the data contract, a CSV round trip and a second parameter set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import percentileofscore, rankdata

from helpers.cases.bank import (
    BANK_CUSTOMERS,
    CURRICULUM_POLICY,
    annual_value,
    assign_tiers,
    compare_policies,
    evaluate_policy,
    load_customers,
    markov_projection,
    policy_transition,
    retention_by_service,
    service_costs,
    stayer_moves,
    tier_profile,
    transition_matrix,
)
from helpers.exceptions import DataValidationError
from helpers.simulate.bank import bank_customers


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


TIERS, LEVELS = ["high", "medium", "low"], ["vip", "personalised", "basic"]
BALANCES = ["assets", "deposits", "loan_need"]
# The chapter's default parameters and the smoke profile's.
DEFAULTS = {
    "n": 10_000,
    "seed": 42,
    "weights": (0.4, 0.4, 0.2),
    "cuts": (0.1, 0.4),
    "rates": (0.006, 0.015, 0.02),
    "baseline": "personalised",
    "years": 5,
    "discount": 0.08,
}
SMOKE = {
    "n": 3_000,
    "seed": 7,
    "weights": (0.5, 0.3, 0.2),
    "cuts": (0.15, 0.45),
    "rates": (0.005, 0.012, 0.025),
    "baseline": "basic",
    "years": 3,
    "discount": 0.05,
}


def _tiers_by_hand(score: np.ndarray, cuts) -> np.ndarray:
    n = len(score)
    share_above = (n - rankdata(score, method="max") + 1) / n
    return np.where(
        share_above <= cuts[0] + 1e-12,
        "high",
        np.where(share_above <= cuts[1] + 1e-12, "medium", "low"),
    )


def _by_hand(c: pd.DataFrame, p) -> dict:
    w = np.array(p["weights"]) / sum(p["weights"])
    x0 = c[[f"{b}_y0" for b in BALANCES]].to_numpy()
    x1 = c[[f"{b}_y1" for b in BALANCES]].to_numpy()
    rates = np.array(p["rates"])
    v0, v1 = x0 @ rates, x1 @ rates
    n = len(c)
    pct0 = np.column_stack([rankdata(x0[:, j], method="average") / n for j in range(3)])
    score0 = pct0 @ w
    t0 = _tiers_by_hand(score0, p["cuts"])
    # y1 with y0's yardstick: percentile among the y0 values, y0's score boundaries.
    stay = c["stayed"].to_numpy()
    pct1 = np.column_stack(
        [percentileofscore(x0[:, j], x1[stay, j], kind="mean") / 100 + 0.5 / n for j in range(3)]
    )
    score1 = pct1 @ w
    high_min, med_min = score0[t0 == "high"].min(), score0[t0 == "medium"].min()
    t1 = np.full(n, "left", dtype=object)
    t1[stay] = np.where(
        score1 >= high_min - 1e-12, "high", np.where(score1 >= med_min - 1e-12, "medium", "low")
    )
    svc = c["service"].astype(str).to_numpy()
    kept = c["stayed"].to_numpy(float)
    cost = c["service_cost"].to_numpy()
    r = pd.DataFrame(index=TIERS, columns=LEVELS, dtype=float)
    k = r.copy()
    for tier in TIERS:
        for level in LEVELS:
            m = (t0 == tier) & (svc == level)
            r.loc[tier, level] = kept[m].sum() / m.sum()
            k.loc[tier, level] = cost[m].sum() / m.sum()
    return {"v0": v0, "v1": v1, "t0": t0, "t1": t1, "r": r, "cost": k}


def _policy_totals(values, tiers, policy, r, k):
    kept, spent = 0.0, 0.0
    for tier, level in policy.items():
        m = (tiers == tier) & ~np.isnan(values)
        kept += values[m].sum() * r.loc[tier, level]
        spent += m.sum() * k.loc[tier, level]
    return kept, spent


@pytest.mark.parametrize("p", [DEFAULTS, SMOKE], ids=["defaults", "smoke"])
def test_headline_numbers_recomputed_independently(p):
    raw, _ = _one(bank_customers(p["n"], random_state=p["seed"]))
    c = load_customers(raw)
    weights = dict(zip(BALANCES, p["weights"], strict=True))
    rates = dict(zip(["asset_fee", "deposit_margin", "loan_margin"], p["rates"], strict=True))
    hand = _by_hand(c, p)

    value_y0 = annual_value(c, "y0", **rates)
    value_y1 = annual_value(c, "y1", **rates)
    np.testing.assert_allclose(value_y0, hand["v0"], rtol=1e-12)
    tiers_y0 = assign_tiers(c, "y0", weights=weights, cuts=p["cuts"])
    tiers_y1 = assign_tiers(c, "y1", weights=weights, cuts=p["cuts"], reference="y0")
    assert (tiers_y0.astype(str).to_numpy() == hand["t0"]).all()
    assert (tiers_y1.astype(object).fillna("left").to_numpy() == hand["t1"]).all()

    profile = tier_profile(c, tiers_y0, value_y0)
    top = hand["t0"] == "high"
    assert profile.loc["high", "value_share"] == pytest.approx(
        hand["v0"][top].sum() / hand["v0"].sum()
    )

    r = retention_by_service(tiers_y0, c["service"], c["stayed"])["retention"].unstack()
    costs = service_costs(tiers_y0, c["service"], c["service_cost"])
    pd.testing.assert_frame_equal(
        r.reindex(index=TIERS, columns=LEVELS), hand["r"], check_names=False, rtol=1e-12
    )
    pd.testing.assert_frame_equal(
        costs.reindex(index=TIERS, columns=LEVELS), hand["cost"], check_names=False, rtol=1e-12
    )

    cmp = compare_policies(value_y0, tiers_y0, r, costs, baseline=p["baseline"])
    kept_d, cost_d = _policy_totals(
        hand["v0"], hand["t0"], CURRICULUM_POLICY, hand["r"], hand["cost"]
    )
    uniform = dict.fromkeys(TIERS, p["baseline"])
    kept_b, cost_b = _policy_totals(hand["v0"], hand["t0"], uniform, hand["r"], hand["cost"])
    diff = cmp.loc["differentiated"]
    assert diff["value_retained"] == pytest.approx(kept_d, rel=1e-12)
    assert diff["service_cost"] == pytest.approx(cost_d, rel=1e-12)
    assert diff["extra_value"] == pytest.approx(kept_d - kept_b, rel=1e-9)
    assert diff["extra_value_per_extra_cost"] == pytest.approx(
        (kept_d - kept_b) / (cost_d - cost_b), rel=1e-9
    )
    # The curriculum's policy is worth its cost against the uniform baseline.
    assert diff["extra_net_value"] > 0

    matrix = transition_matrix(tiers_y0, tiers_y1)
    for src in TIERS:
        for dst in [*TIERS, "left"]:
            m = hand["t0"] == src
            assert matrix.loc[src, dst] == pytest.approx(np.mean(hand["t1"][m] == dst))

    # Re-tiering gain: next year's net value by new tiers minus by old tiers.
    fresh = evaluate_policy(value_y1, tiers_y1, CURRICULUM_POLICY, r, costs).loc["all", "net_value"]
    stale = evaluate_policy(value_y1, tiers_y0, CURRICULUM_POLICY, r, costs).loc["all", "net_value"]
    t1_live = np.where(hand["t1"] == "left", "none", hand["t1"])
    kf, cf = _policy_totals(hand["v1"], t1_live, CURRICULUM_POLICY, hand["r"], hand["cost"])
    ks, cs = _policy_totals(hand["v1"], hand["t0"], CURRICULUM_POLICY, hand["r"], hand["cost"])
    assert fresh - stale == pytest.approx((kf - cf) - (ks - cs), rel=1e-9)

    # Markov projection of the high tier under the differentiated policy, by matrix power.
    trans = policy_transition(stayer_moves(matrix), CURRICULUM_POLICY, r)
    start = pd.Series(hand["t0"]).value_counts().reindex(TIERS).to_numpy(float)
    q = np.zeros((4, 4))
    q[:3] = trans.loc[TIERS, [*TIERS, "left"]].to_numpy()
    q[3, 3] = 1.0
    ends = np.append(start, 0) @ np.linalg.matrix_power(q, p["years"])
    proj = markov_projection(trans, pd.Series(start, index=TIERS), p["years"])
    np.testing.assert_allclose(proj.iloc[-1][[*TIERS, "left"]], ends, rtol=1e-10)


def test_contract_accepts_the_default_data_and_rejects_a_wrong_file(tmp_path):
    raw, _ = _one(bank_customers(10_000, random_state=42))
    assert len(BANK_CUSTOMERS.validate(raw.reset_index())) == 10_000
    wrong = tmp_path / "wrong.csv"
    raw.drop(columns="stayed").to_csv(wrong)
    with pytest.raises(DataValidationError, match=r"column 'stayed' not found in bank customers"):
        load_customers(wrong)
    bad = raw.astype({"service": object})
    bad.iloc[5, bad.columns.get_loc("service")] = "gold"
    bad.to_csv(wrong)
    with pytest.raises(
        DataValidationError, match=r"column 'service' has 1 value\(s\) outside .*\(row 5: 'gold'\)"
    ):
        load_customers(wrong)
    negative = raw.copy()
    negative.iloc[2, negative.columns.get_loc("deposits_y0")] = -10.0
    negative.to_csv(wrong)
    with pytest.raises(DataValidationError, match=r"column 'deposits_y0' has 1 value\(s\) below 0"):
        load_customers(wrong)


def test_csv_round_trip_gives_the_same_policy_numbers(tmp_path):
    raw, _ = _one(bank_customers(4_000, random_state=5))
    path = tmp_path / "bank.csv"
    raw.to_csv(path)
    results = []
    for data in (raw, path):
        c = load_customers(data)
        v = annual_value(c, "y0")
        t = assign_tiers(c, "y0")
        r = retention_by_service(t, c["service"], c["stayed"])["retention"].unstack()
        k = service_costs(t, c["service"], c["service_cost"])
        results.append(compare_policies(v, t, r, k))
    pd.testing.assert_frame_equal(results[0], results[1], rtol=1e-12)
