"""Bank value tiers: tiering, service economics, policies, migration and projection by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy.stats import norm  # noqa: E402

from helpers.cases.bank import (  # noqa: E402
    CURRICULUM_POLICY,
    annual_value,
    assign_tiers,
    best_policy,
    compare_policies,
    evaluate_policy,
    load_customers,
    markov_projection,
    migration_summary,
    plot_projection,
    plot_retention,
    plot_transition_matrix,
    policy_transition,
    retention_by_service,
    service_costs,
    stayer_moves,
    tier_profile,
    transition_matrix,
    transition_table,
)
from helpers.customer_base.segment import value_score, value_tiers  # noqa: E402
from helpers.exceptions import DataValidationError, ParameterError  # noqa: E402
from helpers.simulate.bank import bank_customers  # noqa: E402

LEVELS = ["vip", "personalised", "basic"]
RETENTION = pd.DataFrame(
    [[0.9, 0.8, 0.6], [0.9, 0.85, 0.78], [0.8, 0.75, 0.7]],
    index=["high", "medium", "low"],
    columns=LEVELS,
)


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


COST = pd.DataFrame([[100.0, 20.0, 5.0]] * 3, index=RETENTION.index, columns=LEVELS)
VALUE = pd.Series([1000.0, 2000.0, 300.0, 50.0], index=list("abcd"))
TIER = pd.Series(["high", "high", "medium", "low"], index=list("abcd"))


def _ladder(n: int = 10) -> pd.DataFrame:
    x = np.arange(1.0, n + 1)
    return pd.DataFrame(
        {
            "assets_y0": x,
            "deposits_y0": x,
            "loan_need_y0": 0.0,
            "assets_y1": x,
            "deposits_y1": x,
            "loan_need_y1": 0.0,
        },
        index=[f"c{i}" for i in range(n)],
    )


def _wilson(k: int, n: int, level: float) -> tuple[float, float]:
    z = norm.ppf(0.5 + level / 2)
    centre = (k + z**2 / 2) / (n + z**2)
    half = z / (n + z**2) * np.sqrt(k * (n - k) / n + z**2 / 4)
    return centre - half, centre + half


def test_annual_value_by_hand():
    c = pd.DataFrame(
        {
            "assets_y1": [100_000.0, np.nan],
            "deposits_y1": [20_000.0, np.nan],
            "loan_need_y1": [1e6, np.nan],
        }
    )
    v = annual_value(c, "y1", asset_fee=0.01, deposit_margin=0.02, loan_margin=0.03)
    assert v.iloc[0] == pytest.approx(1000 + 400 + 30_000)
    assert np.isnan(v.iloc[1]) and v.name == "value_y1"
    with pytest.raises(ParameterError, match=r"parameter 'period' = 'y2' is not one of"):
        annual_value(c, "y2")
    with pytest.raises(ParameterError, match=r"parameter 'asset_fee' = 2 is out of range"):
        annual_value(c, "y1", asset_fee=2)
    with pytest.raises(DataValidationError, match=r"column\(s\) \['assets_y0'"):
        annual_value(c)


def test_assign_tiers_and_the_fixed_yardstick():
    c = _ladder()
    t0 = assign_tiers(c, "y0", cuts=(0.1, 0.4))
    assert t0.astype(str).tolist() == ["low"] * 6 + ["medium"] * 3 + ["high"]
    # c0 becomes the wealthiest customer at y1, nobody else changes.
    c.loc["c0", ["assets_y1", "deposits_y1"]] = 20.0
    relative = assign_tiers(c, "y1", cuts=(0.1, 0.4))
    fixed = assign_tiers(c, "y1", cuts=(0.1, 0.4), reference="y0")
    # Re-cut on its own, y1 still has one high customer, so c9 is pushed down to medium;
    # with the y0 yardstick both c0 and c9 are high.
    assert relative["c9"] == "medium" and relative["c0"] == "high"
    assert fixed[["c0", "c9"]].astype(str).tolist() == ["high", "high"]
    assert fixed[["c1", "c6"]].astype(str).tolist() == ["low", "medium"]
    # A customer without balances gets no tier.
    c.loc["c3", ["assets_y1", "deposits_y1", "loan_need_y1"]] = np.nan
    assert pd.isna(assign_tiers(c, "y1", reference="y0")["c3"])


def test_reference_on_itself_is_plain_value_tiers():
    c, _ = _one(bank_customers(2_000, random_state=3))
    weights = {"assets": 0.5, "deposits": 0.3, "loan_need": 0.2}
    plain = assign_tiers(c, "y0", weights=weights, cuts=(0.15, 0.5))
    own = assign_tiers(c, "y0", weights=weights, cuts=(0.15, 0.5), reference="y0")
    indicators = c[["assets_y0", "deposits_y0", "loan_need_y0"]].set_axis(
        ["assets", "deposits", "loan_need"], axis=1
    )
    direct = value_tiers(value_score(indicators, weights), (0.15, 0.5))
    assert (plain.astype(str) == direct.astype(str)).all()
    assert (own.astype(str) == plain.astype(str)).all()
    # The fixed yardstick applied to y1 is computed from y0's boundaries, not y1's own ranks.
    moved = assign_tiers(c, "y1", weights=weights, cuts=(0.15, 0.5), reference="y0")
    assert moved.notna().sum() == c["stayed"].sum()


def test_tier_profile_by_hand():
    c = _ladder(4).iloc[:, :3]
    tiers = pd.Series(["low", "low", "medium", "high"], index=c.index)
    value = pd.Series([1.0, 1.0, 2.0, 6.0], index=c.index, name="value_y0")
    p = tier_profile(c, tiers, value)
    assert p["customers"].tolist() == [1, 1, 2]
    assert p["value_share"].tolist() == pytest.approx([0.6, 0.2, 0.2])
    assert p.loc["low", "assets"] == 1.5 and p.loc["low", "mean_value"] == 1.0


def test_retention_by_service_and_costs_by_hand():
    tiers = pd.Series(["high"] * 4 + ["low"] * 3)
    service = pd.Series(["vip"] * 4 + ["basic"] * 3)
    stayed = pd.Series([True, True, True, False, True, True, False])
    t = retention_by_service(tiers, service, stayed, confidence_level=0.9)
    assert t.loc[("high", "vip"), ["customers", "stayed"]].tolist() == [4, 3]
    assert t.loc[("high", "vip"), "retention"] == 0.75
    lo, hi = _wilson(3, 4, 0.9)
    assert t.loc[("high", "vip"), "ci_low"] == pytest.approx(lo)
    assert t.loc[("high", "vip"), "ci_high"] == pytest.approx(hi)
    assert t.loc[("low", "basic"), "retention"] == pytest.approx(2 / 3)
    assert t.loc[("medium", "vip"), "customers"] == 0 and np.isnan(
        t.loc[("medium", "vip"), "retention"]
    )
    costs = service_costs(tiers, service, pd.Series([10.0, 20.0, 30.0, 40.0, 1.0, 2.0, 3.0]))
    assert costs.loc["high", "vip"] == 25.0 and costs.loc["low", "basic"] == 2.0
    assert np.isnan(costs.loc["medium", "basic"])
    with pytest.raises(DataValidationError, match=r"stayed has 1 missing value"):
        retention_by_service(tiers, service, stayed.where(stayed.index != 2))


def test_evaluate_compare_and_best_policy_by_hand():
    e = evaluate_policy(VALUE, TIER, CURRICULUM_POLICY, RETENTION, COST)
    # high: 3000 x 0.9 kept for 2 x 100; medium: 300 x 0.85 for 20; low: 50 x 0.7 for 5.
    assert e.loc["high", "value_retained"] == pytest.approx(2700.0)
    assert e.loc["all", ["value_retained", "service_cost", "net_value"]].astype(float).tolist() == (
        pytest.approx([2990.0, 225.0, 2765.0])
    )
    assert e.loc["all", "value_per_cost"] == pytest.approx(2990 / 225)
    assert e.loc["all", "retention"] == pytest.approx(2990 / 3350)
    cmp = compare_policies(VALUE, TIER, RETENTION, COST, baseline="basic")
    # uniform basic: 3000 x 0.6 + 300 x 0.78 + 50 x 0.7 = 2069 kept for 4 x 5 = 20.
    assert cmp.loc["uniform basic", "value_retained"] == pytest.approx(2069.0)
    assert cmp.loc["differentiated", "extra_value"] == pytest.approx(921.0)
    assert cmp.loc["differentiated", "extra_cost"] == pytest.approx(205.0)
    assert cmp.loc["differentiated", "extra_net_value"] == pytest.approx(716.0)
    assert cmp.loc["differentiated", "extra_value_per_extra_cost"] == pytest.approx(921 / 205)
    assert np.isnan(cmp.loc["uniform basic", "extra_value_per_extra_cost"])
    # Per tier: high vip 2500 > 2360 > 1790; medium personalised 235 > 229 > 170;
    # low basic 30 > 17.5 > -60.
    assert best_policy(VALUE, TIER, RETENTION, COST) == CURRICULUM_POLICY


def test_policy_errors():
    with pytest.raises(ParameterError, match=r"must give each tier"):
        evaluate_policy(VALUE, TIER, {"high": "vip", "low": "basic"}, RETENTION, COST)
    with pytest.raises(ParameterError, match=r"must give each tier"):
        evaluate_policy(VALUE, TIER, {**CURRICULUM_POLICY, "low": "gold"}, RETENTION, COST)
    holes = RETENTION.copy()
    holes.loc["medium", "personalised"] = np.nan
    with pytest.raises(
        DataValidationError, match=r"no retention rate or cost for tier 'medium' with service"
    ):
        evaluate_policy(VALUE, TIER, CURRICULUM_POLICY, holes, COST)
    with pytest.raises(ParameterError, match=r"baseline = 'gold' is not one of"):
        compare_policies(VALUE, TIER, RETENTION, COST, baseline="gold")


def test_transition_matrix_and_table_by_hand():
    before = pd.Series(["high", "high", "medium", "medium", "low", "low", "low", "low"])
    after = pd.Series(["high", None, "high", "medium", "low", "low", "medium", None])
    m = transition_matrix(before, after)
    assert m.loc["high"].tolist() == [0.5, 0.0, 0.0, 0.5]
    assert m.loc["medium"].tolist() == [0.5, 0.5, 0.0, 0.0]
    assert m.loc["low"].tolist() == [0.0, 0.25, 0.5, 0.25]
    t = transition_table(before, after, confidence_level=0.95)
    assert t.loc[("low", "left"), ["customers", "of"]].tolist() == [1, 4]
    lo, hi = _wilson(1, 4, 0.95)
    assert t.loc[("low", "left"), ["ci_low", "ci_high"]].tolist() == pytest.approx([lo, hi])
    moves = stayer_moves(m)
    assert moves.loc["low"].tolist() == pytest.approx([0.0, 1 / 3, 2 / 3])
    with pytest.raises(DataValidationError, match=r"before has 1 value\(s\) that are not tiers"):
        transition_matrix(before.where(before.index != 4, "gold"), after)
    with pytest.raises(
        DataValidationError, match=r"after has 2 value\(s\) that are neither.*rows 3"
    ):
        transition_matrix(before, after.replace("medium", "gold"))


def test_policy_transition_and_markov_projection_by_hand():
    moves = pd.DataFrame(
        [[0.9, 0.1, 0.0], [0.1, 0.8, 0.1], [0.0, 0.1, 0.9]],
        index=["high", "medium", "low"],
        columns=["high", "medium", "low"],
    )
    p = policy_transition(moves, CURRICULUM_POLICY, RETENTION)
    assert p.loc["high"].tolist() == pytest.approx([0.81, 0.09, 0.0, 0.1])
    assert p.loc["medium", "left"] == pytest.approx(0.15)
    # A two-tier chain: counts, value, cost and discounting worked out on paper.
    P = pd.DataFrame(
        {"high": [0.8, 0.2], "low": [0.1, 0.6], "left": [0.1, 0.2]}, index=["high", "low"]
    )
    proj = markov_projection(
        P,
        pd.Series({"high": 100.0, "low": 200.0}),
        years=2,
        values=pd.Series({"high": 10.0, "low": 1.0}),
        costs=pd.Series({"high": 2.0, "low": 0.5}),
        discount_rate=0.1,
    )
    np.testing.assert_allclose(
        proj[["high", "low", "left"]], [[100, 200, 0], [120, 130, 50], [122, 90, 88]]
    )
    assert proj["value"].tolist() == pytest.approx([0, 1330, 1310])
    assert proj["cost"].tolist() == pytest.approx([0, 300, 305])
    assert proj["cumulative_discounted"].iloc[-1] == pytest.approx(1030 / 1.1 + 1005 / 1.21)
    with pytest.raises(DataValidationError, match=r"rows \['low'\] are not probabilities"):
        markov_projection(P.assign(left=[0.1, 0.5]), pd.Series({"high": 1.0}))
    with pytest.raises(ParameterError, match=r"parameter 'years' = 0 is out of range"):
        markov_projection(P, pd.Series({"high": 1.0}), years=0)


def test_migration_summary_by_hand():
    before = pd.Series(["high", "high", "low"], index=list("xyz"))
    after = pd.Series(["high", None, "high"], index=list("xyz"))
    s = migration_summary(
        before,
        after,
        pd.Series([10.0, 20.0, 1.0], index=list("xyz")),
        pd.Series([12.0, np.nan, 8.0], index=list("xyz")),
    )
    assert list(s.index) == [("high", "high"), ("high", "left"), ("low", "high")]
    assert s.loc[("high", "left"), "total_change"] == -20.0
    assert s.loc[("low", "high"), "mean_value_after"] == 8.0


def test_load_customers_checks_consistency(tmp_path):
    raw, _ = _one(bank_customers(300, random_state=2))
    c = load_customers(raw)
    assert c.index.name == "customer_id" and c["stayed"].dtype == bool
    path = tmp_path / "bank.csv"
    raw.to_csv(path)
    pd.testing.assert_frame_equal(
        load_customers(path), c, check_dtype=False, check_categorical=False
    )
    stayer = raw.index[raw["stayed"]][0]
    gap = raw.copy()
    gap.loc[stayer, "assets_y1"] = np.nan
    with pytest.raises(
        DataValidationError, match=rf"stayed = true lack a y1 balance \(row {stayer}\)"
    ):
        load_customers(gap)
    leaver = raw.index[~raw["stayed"]][0]
    ghost = raw.copy()
    ghost.loc[leaver, "deposits_y1"] = 5.0
    with pytest.raises(
        DataValidationError, match=rf"stayed = false have y1 balances \(row {leaver}\)"
    ):
        load_customers(ghost)


def test_plots_draw_what_they_show():
    before = pd.Series(["high", "medium", "low", "low"])
    after = pd.Series(["high", "low", "low", None])
    ax = plot_transition_matrix(transition_matrix(before, after))
    assert [t.get_text() for t in ax.texts][:4] == ["100.0%", "0.0%", "0.0%", "0.0%"]
    table = retention_by_service(
        pd.Series(["high", "medium", "low"] * 3), pd.Series(LEVELS * 3), pd.Series([True] * 9)
    )
    ax = plot_retention(table)
    assert len(ax.get_legend().get_texts()) == 3
    P = pd.DataFrame({"high": [0.5], "left": [0.5]}, index=["high"])
    ax = plot_projection(markov_projection(P, pd.Series({"high": 8.0}), years=3))
    assert ax.get_legend().get_texts()[0].get_text() == "high"
    plt.close("all")


def test_old_parameter_names_still_work():
    before = pd.Series(["high", "low", "low", "low"])
    after = pd.Series(["high", "left", "low", "high"])
    with pytest.warns(FutureWarning, match="confidence_level"):
        old = transition_table(before, after, level=0.9)
    pd.testing.assert_frame_equal(old, transition_table(before, after, confidence_level=0.9))


def test_load_customers_from_parquet_and_excel(tmp_path):
    raw, _ = _one(bank_customers(120, random_state=5))
    want = load_customers(raw)
    raw.to_parquet(tmp_path / "bank.parquet")
    raw.to_excel(tmp_path / "bank.xlsx")
    for name in ("bank.parquet", "bank.xlsx"):
        got = load_customers(tmp_path / name)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False)
    with pytest.raises(ParameterError, match=r"encoding= describe\(s\) how a file is read"):
        load_customers(raw, encoding="gbk")
