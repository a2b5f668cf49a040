"""Tests of the history-based predictions shared by BG/NBD, MBG/NBD and Pareto/NBD:
P(X(T, T+t] = n | history), the P(alive) matrix and a customer's P(alive) path."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.clv import BGNBD, MBGNBD, ParetoNBD
from helpers.customer_base.rfm import summarize
from helpers.data import load_cdnow
from helpers.exceptions import DataValidationError, NotFittedError, ParameterError

MODELS = (BGNBD, MBGNBD, ParetoNBD)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample has 21 duplicate rows, a known quirk
        return summarize(
            load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30", time_unit="W"
        )


@pytest.fixture(scope="module")
def fitted(cdnow) -> dict:
    return {M: M().fit(cdnow) for M in MODELS}


HISTORIES = pd.DataFrame(
    {
        "frequency": [0, 0, 1, 2, 6, 15],
        "recency": [0.0, 0.0, 1.7, 30.43, 20.0, 38.0],
        "T": [1.0, 38.86, 38.86, 38.86, 38.0, 38.5],
    },
    index=pd.Index(list("abcdef"), name="customer_id"),
)


@pytest.mark.parametrize("M", MODELS)
def test_conditional_pmf_sums_to_one_and_its_mean_is_the_conditional_expectation(M, fitted):
    m = fitted[M]
    n = np.arange(400)
    P = m.conditional_probability_of_purchases(39.0, n, HISTORIES)
    assert isinstance(P, pd.DataFrame) and P.index.equals(HISTORIES.index)
    assert list(P.columns) == list(n) and P.columns.name == "n"
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-8)
    assert (P.to_numpy() >= 0).all()
    np.testing.assert_allclose(
        P.to_numpy() @ n, m.conditional_expected_purchases(39.0, HISTORIES), rtol=1e-6
    )
    one = m.conditional_probability_of_purchases(39.0, 2, HISTORIES)
    assert isinstance(one, pd.Series) and one.index.equals(HISTORIES.index)
    np.testing.assert_allclose(one, P[2], rtol=1e-10)
    # Zero purchases: at least the chance of having dropped out already.
    assert (P[0] >= 1 - m.probability_alive(HISTORIES) - 1e-12).all()


@pytest.mark.parametrize("M", MODELS)
def test_just_acquired_customer_reduces_to_the_unconditional_pmf(M, fitted):
    m = fitted[M]
    new = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [1e-12]})
    n = np.arange(12)
    got = m.conditional_probability_of_purchases(20.0, n, new).to_numpy()[0]
    np.testing.assert_allclose(got, m.probability_of_purchases(20.0, n), rtol=1e-9, atol=1e-13)
    # A horizon of 0 means no purchase for sure.
    zero = m.conditional_probability_of_purchases(0.0, [0, 1], HISTORIES)
    np.testing.assert_allclose(zero.to_numpy(), [[1.0, 0.0]] * len(HISTORIES), atol=1e-12)


def _posterior_monte_carlo(m, x, tx, T, t, n_draws, rng):
    """Counts in (T, T+t] simulated from the individual-level process, weighted by the
    likelihood of the history (self-normalised importance sampling from the priors): an
    independent route that uses only the story of each model, no closed form."""
    p = m.params_
    lam = rng.gamma(p["r"], 1 / p["alpha"], n_draws)
    log_lam = x * np.log(lam)
    if isinstance(m, ParetoNBD):
        mu = rng.gamma(p["s"], 1 / p["beta"], n_draws)
        alive = np.exp(log_lam - (lam + mu) * T)
        gone = np.exp(-(lam + mu) * tx) - np.exp(-(lam + mu) * T)  # died in (tx, T]
        dead = np.exp(log_lam) * mu / (lam + mu) * gone
        remaining = rng.exponential(1.0, n_draws) / mu
        future = rng.poisson(lam * np.minimum(remaining, t))
    else:
        q = rng.beta(p["a"], p["b"], n_draws)  # dropout probability after a purchase
        extra = 1 if isinstance(m, MBGNBD) else 0  # the MBG/NBD's drop after the first purchase
        alive = (1 - q) ** (x + extra) * np.exp(log_lam - lam * T)
        if x + extra > 0:
            dead = q * (1 - q) ** (x + extra - 1) * np.exp(log_lam - lam * tx)
        else:
            dead = np.zeros(n_draws)
        # Alive at T: Poisson purchases until the geometric(q)-th, after which they drop out.
        future = np.minimum(rng.poisson(lam * t), rng.geometric(q))
    w = alive + dead
    is_alive = rng.random(n_draws) < alive / w
    counts = np.where(is_alive, future, 0)
    w = w / w.sum()
    return np.bincount(counts, weights=w, minlength=10)[:10], 1.0 / np.sum(w**2)


@pytest.mark.parametrize("M", MODELS)
@pytest.mark.parametrize(("x", "tx", "T"), [(0, 0.0, 30.0), (2, 10.0, 30.0), (5, 28.0, 30.0)])
def test_conditional_pmf_matches_monte_carlo_of_the_posterior_process(M, fitted, x, tx, T):
    m = fitted[M]
    rng = np.random.default_rng(2024)
    mc, ess = _posterior_monte_carlo(m, x, tx, T, 26.0, 200_000, rng)
    h = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    got = m.conditional_probability_of_purchases(26.0, np.arange(10), h).to_numpy()[0]
    tol = 4.5 * np.sqrt(got * (1 - got) / ess) + 1e-4
    assert (np.abs(got - mc) < tol).all(), (got, mc, ess)


def test_conditional_pmf_errors(fitted):
    m = fitted[BGNBD]
    with pytest.raises(ParameterError, match="'n'"):
        m.conditional_probability_of_purchases(10.0, -1, HISTORIES)
    with pytest.raises(ParameterError, match="'n'"):
        m.conditional_probability_of_purchases(10.0, [0, 1.5], HISTORIES)
    with pytest.raises(ParameterError, match="'t'.*single number"):
        m.conditional_probability_of_purchases([10.0, 20.0], 1, HISTORIES)
    with pytest.raises(ParameterError, match="'t'"):
        m.conditional_probability_of_purchases(-1.0, 1, HISTORIES)
    with pytest.raises(NotFittedError):
        BGNBD().conditional_probability_of_purchases(10.0, 1, HISTORIES)


# --------------------------------------------------------------------------------------------
# P(alive) matrix
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("M", MODELS)
def test_probability_alive_matrix_equals_probability_alive_row_by_row(M, fitted):
    m = fitted[M]
    grid = m.probability_alive_matrix(38.86, max_frequency=12)
    assert grid.index.name == "frequency" and list(grid.index) == list(range(13))
    assert grid.columns.name == "recency" and list(grid.columns) == list(range(39))
    # Frequency 0 with a positive recency is no possible history.
    assert grid.loc[0, 1:].isna().all() and grid.loc[1:].notna().all().all()
    for x in (0, 1, 7, 12):
        for tx in (0, 5, 38):
            if x == 0 and tx > 0:
                continue
            row = pd.DataFrame({"frequency": [x], "recency": [float(tx)], "T": [38.86]})
            assert grid.loc[x, tx] == pytest.approx(m.probability_alive(row).iloc[0], rel=1e-12)
    custom = m.probability_alive_matrix(10.0, max_frequency=2, recency=[0.0, 2.5, 10.0])
    assert list(custom.columns) == [0.0, 2.5, 10.0] and custom.shape == (3, 3)


def test_probability_alive_matrix_errors(fitted):
    m = fitted[BGNBD]
    with pytest.raises(ParameterError, match="'recency'.*\\[0, T\\]"):
        m.probability_alive_matrix(10.0, recency=[0.0, 11.0])
    with pytest.raises(ParameterError, match="'T'"):
        m.probability_alive_matrix(0.0)
    with pytest.raises(ParameterError, match="'max_frequency'"):
        m.probability_alive_matrix(10.0, max_frequency=-1)
    with pytest.raises(NotFittedError):
        MBGNBD().probability_alive_matrix(10.0)


# --------------------------------------------------------------------------------------------
# P(alive) path
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("M", MODELS)
def test_probability_alive_path_equals_brute_force_summaries(M, fitted):
    m = fitted[M]
    times = [0.0, 3.0, 3.0, 7.5, 20.0]  # two purchases at 3.0 count as one, as in summarize
    path = m.probability_alive_path(times, T=30.0, step=2.0)
    assert list(path.columns) == ["t", "frequency", "recency", "p_alive"]
    assert path["t"].iloc[0] == 0.0 and path["t"].iloc[-1] == 30.0
    assert {3.0, 7.5, 20.0} <= set(path["t"]) and set(np.arange(0, 31, 2.0)) <= set(path["t"])
    for _, row in path.iterrows():
        past = sorted({u for u in times if u <= row["t"]})
        summary = pd.DataFrame(
            {"frequency": [len(past) - 1], "recency": [past[-1]], "T": [row["t"]]}
        )
        assert row["frequency"] == len(past) - 1 and row["recency"] == past[-1]
        assert row["p_alive"] == pytest.approx(m.probability_alive(summary).iloc[0], rel=1e-12)


def test_probability_alive_path_jumps_at_purchases(fitted):
    times = [0.0, 4.0, 9.0]
    at = {}
    for M in MODELS:
        path = fitted[M].probability_alive_path(times, T=15.0, step=1.0).set_index("t")
        at[M] = path["p_alive"]
        # Between purchases P(alive) falls; at each purchase it jumps up.
        assert (np.diff(at[M].loc[4.0:8.0]) < 0).all() and (np.diff(at[M].loc[9.0:]) < 0).all()
        assert at[M].loc[9.0] > at[M].loc[8.0]
        if M is not BGNBD:  # a BG/NBD customer cannot leave before a repeat purchase
            assert at[M].loc[4.0] > at[M].loc[3.0]
    # Pareto/NBD: a customer who just bought is alive.
    assert at[ParetoNBD].loc[[0.0, 4.0, 9.0]].tolist() == [1.0, 1.0, 1.0]
    # BG/NBD: right after the x-th repeat purchase they stayed with chance (b+x-1)/(a+b+x-1),
    # a posterior mean of 1 - p; before any repeat purchase they are alive for sure.
    p = fitted[BGNBD].params_
    for t, x in ((4.0, 1), (9.0, 2)):
        want = (p["b"] + x - 1) / (p["a"] + p["b"] + x - 1)
        assert at[BGNBD].loc[t] == pytest.approx(want, rel=1e-12)
    assert at[BGNBD].loc[3.0] == 1.0
    # MBG/NBD: the first purchase counts too, so (b+x)/(a+b+x), also at time 0.
    p = fitted[MBGNBD].params_
    for t, x in ((0.0, 0), (4.0, 1), (9.0, 2)):
        want = (p["b"] + x) / (p["a"] + p["b"] + x)
        assert at[MBGNBD].loc[t] == pytest.approx(want, rel=1e-12)


def test_probability_alive_path_errors(fitted):
    m = fitted[ParetoNBD]
    with pytest.raises(ParameterError, match="increasing order"):
        m.probability_alive_path([0.0, 5.0, 3.0], T=10.0)
    with pytest.raises(ParameterError, match="start at 0.*subtract 2"):
        m.probability_alive_path([2.0, 5.0], T=10.0)
    with pytest.raises(ParameterError, match="start at 0"):
        m.probability_alive_path([-1.0, 0.0], T=10.0)
    with pytest.raises(ParameterError, match="'T' = 4 is before the last purchase at 5"):
        m.probability_alive_path([0.0, 5.0], T=4.0)
    with pytest.raises(ParameterError, match="'step'"):
        m.probability_alive_path([0.0, 5.0], T=10.0, step=0)
    with pytest.raises(ParameterError, match="non-empty"):
        m.probability_alive_path([], T=10.0)
    with pytest.raises(NotFittedError):
        BGNBD().probability_alive_path([0.0], T=1.0)


def test_probability_alive_path_from_log_equals_summarize_at_each_date(fitted):
    m = fitted[MBGNBD]
    log = load_cdnow("sample")
    # The CDNOW customer with the most purchase days in the first 39 weeks.
    ids = log["customer_id"].astype(str)
    who = ids[log["date"] <= "1997-09-30"].value_counts().index[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's duplicate rows
        path = m.probability_alive_path_from_log(
            log, who, observation_end="1997-09-30", time_unit="W", step=3.0
        )
    assert list(path.columns) == ["date", "t", "frequency", "recency", "p_alive"]
    assert path["frequency"].iloc[-1] >= 5
    for _, row in path.iloc[:: max(len(path) // 8, 1)].iterrows():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = summarize(log, observation_end=row["date"], time_unit="W")
        one = s.loc[[str(who)], ["frequency", "recency", "T"]]
        assert row["t"] == pytest.approx(one["T"].iloc[0], abs=1e-12)
        assert row["frequency"] == one["frequency"].iloc[0]
        assert row["recency"] == pytest.approx(one["recency"].iloc[0], abs=1e-12)
        assert row["p_alive"] == pytest.approx(m.probability_alive(one).iloc[0], rel=1e-12)


def test_probability_alive_path_from_log_errors(fitted):
    m = fitted[BGNBD]
    log = pd.DataFrame({"customer_id": ["a", "b"], "date": ["2024-01-05", "2024-01-01"]})
    with pytest.raises(DataValidationError, match="customer 'zz' is not in column"):
        m.probability_alive_path_from_log(log, "zz")
    with pytest.raises(DataValidationError, match="no purchase on or before observation_end"):
        m.probability_alive_path_from_log(log, "a", observation_end="2024-01-02")
    with pytest.raises(DataValidationError, match="column 'when' not found"):
        m.probability_alive_path_from_log(log, "a", date_col="when")
    with pytest.raises(ParameterError, match="time_unit"):
        m.probability_alive_path_from_log(log, "a", time_unit="fortnight")
