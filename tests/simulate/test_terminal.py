"""The terminal-account simulator: contract, reproducibility and the planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from helpers.cases.port_terminal import PORT_ACCOUNTS
from helpers.customer_base.portfolio import service_matrix
from helpers.exceptions import ParameterError
from helpers.simulate.accounts import RELATIONSHIP_TYPES
from helpers.simulate.terminal import (
    HALF_HOURS,
    LEAVE_LOGIT,
    MAX_REDUCTION,
    leave_design,
    terminal_accounts,
)


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


@pytest.fixture(scope="module")
def big():
    return _one(terminal_accounts(3_000, new_terminals=2, random_state=5))


def test_follows_the_contract_and_is_reproducible():
    a, truth = _one(terminal_accounts(40, random_state=42))
    assert a.index.name == "account_id" and a.index[0] == "T001" and len(a) == 40
    checked = PORT_ACCOUNTS.validate(a.reset_index())
    assert list(checked.columns[: len(PORT_ACCOUNTS.names)]) == PORT_ACCOUNTS.names
    b, _ = _one(terminal_accounts(40, random_state=42))
    pd.testing.assert_frame_equal(a, b)
    c, _ = _one(terminal_accounts(40, random_state=43))
    assert not a["leave_prob"].equals(c["leave_prob"])
    assert truth.new_terminals == 2 and len(truth.quadrant) == 40


def test_leave_probability_is_the_planted_logistic_model():
    a, truth = _one(terminal_accounts(25, new_terminals=3, random_state=8))
    # Recompute the log-odds of one account by hand from its columns.
    row = a.iloc[0]
    q = str(truth.quadrant.iloc[0])
    rel = str(row["relationship_type"])
    logit = (
        LEAVE_LOGIT["intercept"]
        + LEAVE_LOGIT.get(f"quadrant[{q}]", 0.0)
        + LEAVE_LOGIT.get(f"relationship[{rel}]", 0.0)
        + LEAVE_LOGIT["distance_advantage_km"] * row["distance_advantage_km"]
        + LEAVE_LOGIT["contract_years_left"] * row["contract_years_left"]
        + LEAVE_LOGIT["new_terminals"] * 3
    )
    assert row["leave_prob"] == pytest.approx(1 / (1 + np.exp(-logit)), rel=1e-12)
    # The quadrant the risk was planted on is the service matrix at median thresholds.
    pd.testing.assert_series_equal(truth.quadrant, service_matrix(a)["quadrant"].rename("quadrant"))
    assert a["max_reduction"].tolist() == [MAX_REDUCTION[str(x)] for x in truth.quadrant]


def test_more_terminals_multiply_the_odds_of_leaving():
    one, _ = _one(terminal_accounts(30, new_terminals=1, random_state=3))
    three, _ = _one(terminal_accounts(30, new_terminals=3, random_state=3))
    odds = lambda p: p / (1 - p)  # noqa: E731
    ratio = odds(three["leave_prob"]) / odds(one["leave_prob"])
    np.testing.assert_allclose(ratio, np.exp(2 * LEAVE_LOGIT["new_terminals"]), rtol=1e-9)


def test_planted_leave_model_recovered_from_simulated_departures(big):
    """Draw who leaves, fit a logistic regression by Newton's method, and check that the
    99.9% Wald intervals cover the planted coefficients."""
    a, truth = big
    x = leave_design(a, truth.quadrant, truth.new_terminals).drop(columns="new_terminals")
    y = np.random.default_rng(0).random(len(a)) < a["leave_prob"].to_numpy()
    X = x.to_numpy()
    beta = np.zeros(X.shape[1])
    for _ in range(25):
        p = 1 / (1 + np.exp(-X @ beta))
        hess = X.T @ (X * (p * (1 - p))[:, None])
        beta += np.linalg.solve(hess, X.T @ (y - p))
    se = np.sqrt(np.diag(np.linalg.inv(hess)))
    planted = pd.Series(LEAVE_LOGIT).drop("new_terminals")
    # With a fixed number of terminals their effect is part of the intercept.
    planted["intercept"] += LEAVE_LOGIT["new_terminals"] * truth.new_terminals
    z = norm.ppf(0.9995)
    assert np.all(np.abs(beta - planted.to_numpy()) <= z * se), (beta, planted.to_numpy(), se)


def test_response_parameters(big):
    a, truth = big
    for kind, median in HALF_HOURS.items():
        got = a.loc[a["kind"] == kind, "half_hours"].median()
        assert got == pytest.approx(median, rel=0.06)
    assert set(a["relationship_type"].astype(str)) <= set(RELATIONSHIP_TYPES)
    assert (a["share_of_wallet"] <= 1).all() and (a["share_of_wallet"] > 0).all()
    # Partnerships and alliances get one and two extra contract years on top of 0-3.
    alliance = a.loc[a["relationship_type"] == "strategic alliance", "contract_years_left"]
    assert alliance.min() >= 2 and alliance.max() <= 5


def test_errors():
    with pytest.raises(ParameterError, match=r"parameter 'n' = 2 is out of range"):
        terminal_accounts(2)
    with pytest.raises(ParameterError, match=r"parameter 'new_terminals' = 9 is out of range"):
        terminal_accounts(20, new_terminals=9)
