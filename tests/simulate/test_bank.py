"""The bank simulator: contract, reproducibility and the planted truth recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.cases.bank import BANK_CUSTOMERS, assign_tiers, retention_by_service, transition_table
from helpers.exceptions import ParameterError
from helpers.simulate.bank import (
    BALANCE_MEDIANS,
    SERVICE_COST,
    TIER_SHARES,
    TIERS,
    TRUE_MOVES,
    TRUE_RETENTION,
    bank_customers,
)


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


@pytest.fixture(scope="module")
def world():
    return _one(bank_customers(30_000, random_state=11))


def test_follows_the_contract_and_is_reproducible():
    a, truth = _one(bank_customers(500, random_state=4))
    checked = BANK_CUSTOMERS.validate(a.reset_index())
    assert list(checked.columns) == BANK_CUSTOMERS.names
    b, _ = _one(bank_customers(500, random_state=4))
    pd.testing.assert_frame_equal(a, b)
    # Leavers have no balances at y1, stayers have all three.
    y1 = a[["assets_y1", "deposits_y1", "loan_need_y1"]]
    assert y1[~a["stayed"]].isna().all().all() and y1[a["stayed"]].notna().all().all()
    assert (truth.tier_y1[~a["stayed"]] == "left").all()
    assert truth.transition().sum(axis=1).to_numpy() == pytest.approx([1.0, 1.0, 1.0])


def test_tier_shares_and_balances(world):
    c, truth = world
    shares = truth.tier_y0.value_counts(normalize=True)
    for tier, share in TIER_SHARES.items():
        se = np.sqrt(share * (1 - share) / len(c))
        assert abs(shares[tier] - share) < 4 * se
    for tier in TIERS:
        members = (truth.tier_y0 == tier).to_numpy()
        for col in ("assets", "deposits"):
            got = c.loc[members, f"{col}_y0"].median()
            assert got == pytest.approx(BALANCE_MEDIANS.loc[tier, col], rel=0.05)


def test_planted_retention_recovered_with_intervals(world):
    """Retention by true tier and service: Wilson intervals with 99.9% simultaneous coverage
    of the nine cells (Bonferroni: each at 1 - 0.001 / 9) cover the truth."""
    c, truth = world
    table = retention_by_service(
        truth.tier_y0, c["service"], c["stayed"], confidence_level=1 - 0.001 / 9
    )
    for (tier, service), row in table.iterrows():
        planted = TRUE_RETENTION.loc[tier, service]
        assert row["ci_low"] <= planted <= row["ci_high"], (tier, service, row.to_dict())
        assert row["ci_high"] - row["ci_low"] < 0.11


def test_planted_transitions_recovered_with_intervals(world):
    c, truth = world
    # 99.9% simultaneous coverage of the twelve cells (Bonferroni).
    after = truth.tier_y1.where(truth.tier_y1 != "left")
    cells = transition_table(truth.tier_y0, after, confidence_level=1 - 0.001 / 12)
    planted = truth.transition()
    for (src, dst), row in cells.iterrows():
        assert row["ci_low"] <= planted.loc[src, dst] <= row["ci_high"], (src, dst, row.to_dict())
    # Among stayers the moves follow TRUE_MOVES.
    stay = c["stayed"].to_numpy()
    moves = pd.crosstab(truth.tier_y0[stay], truth.tier_y1[stay], normalize="index")
    np.testing.assert_allclose(moves.loc[list(TIERS), list(TIERS)], TRUE_MOVES, atol=0.02)


def test_service_costs_and_persistence(world):
    c, truth = world
    for level, mean in SERVICE_COST.items():
        x = c.loc[c["service"] == level, "service_cost"]
        assert abs(x.mean() - mean) < 4 * x.std() / np.sqrt(len(x))
    # Customers who kept their tier: log-asset deviations correlate with the persistence 0.8.
    same = (truth.tier_y0 == truth.tier_y1).to_numpy()
    med = np.log(BALANCE_MEDIANS["assets"])
    d0 = np.log(c.loc[same, "assets_y0"]) - med.reindex(truth.tier_y0[same]).to_numpy()
    d1 = np.log(c.loc[same, "assets_y1"]) - med.reindex(truth.tier_y1[same]).to_numpy()
    assert np.corrcoef(d0, d1)[0, 1] == pytest.approx(truth.persistence, abs=0.03)


def test_the_tiering_rule_finds_the_planted_tiers(world):
    c, truth = world
    observed = assign_tiers(c, "y0", cuts=(0.1, 0.4)).astype(str)
    agree = (observed == truth.tier_y0).groupby(truth.tier_y0).mean()
    assert (agree > 0.93).all(), agree


def test_errors():
    with pytest.raises(ParameterError, match=r"parameter 'n' = 10 is out of range"):
        bank_customers(10)
    with pytest.raises(ParameterError, match=r"parameter 'persistence' = 1.5 is out of range"):
        bank_customers(1000, persistence=1.5)
