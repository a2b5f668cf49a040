"""Tests of helpers.simulate.purchases: seeding, shapes, and moments against closed forms with
tolerances from the Monte Carlo error."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from helpers.customer_base.rfm import summarize
from helpers.exceptions import ParameterError
from helpers.simulate import (
    simulate_bgbb,
    simulate_bgnbd_summary,
    simulate_bgnbd_transactions,
    simulate_gammagamma_spend,
    simulate_paretonbd_summary,
    simulate_paretonbd_transactions,
)
from helpers.simulate.purchases import PurchaseTruth

BG = {"r": 0.3, "alpha": 5.0, "a": 0.8, "b": 2.5}
PNBD = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}


def _close(sample: np.ndarray, expected: float, k: float = 4.0) -> None:
    se = sample.std(ddof=1) / np.sqrt(len(sample))
    assert abs(sample.mean() - expected) < k * se, (sample.mean(), expected, se)


def test_same_seed_same_draws_and_generators_accepted():
    a, truth = simulate_bgnbd_summary(1000, T=30.0, random_state=5, **BG)
    b, _ = simulate_bgnbd_summary(1000, T=30.0, random_state=np.random.default_rng(5), **BG)
    pd.testing.assert_frame_equal(a["summary"], b["summary"])
    c, _ = simulate_bgnbd_summary(1000, T=30.0, random_state=6, **BG)
    assert not a["summary"].equals(c["summary"])
    assert truth == PurchaseTruth("BG/NBD", BG)
    log1, _ = simulate_paretonbd_transactions(300, time_unit="W", random_state=1, **PNBD)
    log2, _ = simulate_paretonbd_transactions(300, time_unit="W", random_state=1, **PNBD)
    pd.testing.assert_frame_equal(log1["transactions"], log2["transactions"])


def test_paretonbd_summary_mean_matches_closed_form():
    r, alpha, s, beta = PNBD.values()
    t = 39.0
    x = simulate_paretonbd_summary(300_000, T=t, random_state=2, **PNBD)[0]["summary"]["frequency"]
    # Schmittlein et al. (1987): E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)].
    _close(x.to_numpy(float), r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1)))


def test_bgnbd_summary_zero_share_matches_closed_form():
    r, alpha, a, b = BG.values()
    t, n = 30.0, 300_000
    tables, _ = simulate_bgnbd_summary(n, T=t, random_state=3, **BG)
    x = tables["summary"]["frequency"].to_numpy()
    # P(X(t) = 0) = (alpha / (alpha + t))^r for the BG/NBD (no dropout before a purchase).
    p0 = (alpha / (alpha + t)) ** r
    assert abs((x == 0).mean() - p0) < 4 * np.sqrt(p0 * (1 - p0) / n)


def test_summary_recency_is_consistent():
    for s in (
        simulate_bgnbd_summary(5000, T=np.linspace(1, 50, 5000), random_state=4, **BG)[0][
            "summary"
        ],
        simulate_paretonbd_summary(5000, T=np.linspace(1, 50, 5000), random_state=4, **PNBD)[0][
            "summary"
        ],
    ):
        assert (s["recency"] <= s["T"]).all()
        assert (s.loc[s["frequency"] == 0, "recency"] == 0).all()
        assert (s.loc[s["frequency"] > 0, "recency"] > 0).all()
        assert s["frequency"].dtype == np.int64


def test_transaction_log_summarises_like_the_process():
    tables, truth = simulate_bgnbd_transactions(
        4000,
        start="2024-01-01",
        end="2024-12-31",
        acquisition_days=60,
        time_unit="W",
        spend=(6, 4, 15),
        random_state=8,
        **BG,
    )
    log = tables["transactions"]
    assert truth == PurchaseTruth("BG/NBD", BG, {"p": 6.0, "q": 4.0, "gamma": 15.0}, "W")
    assert list(log.columns) == ["customer_id", "date", "amount"]
    assert log["date"].min() >= pd.Timestamp("2024-01-01")
    assert log["date"].max() <= pd.Timestamp("2024-12-31")
    firsts = log.groupby("customer_id")["date"].min()
    assert firsts.max() < pd.Timestamp("2024-03-01")  # acquired within 60 days
    assert (log["amount"] > 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = summarize(log, amount_col="amount", observation_end="2024-12-31", time_unit="W")
    assert len(s) == 4000
    # Same-day purchases merge, so the log's repeat count is at least the summary's.
    assert len(log) - 4000 >= s["frequency"].sum() > 0.9 * (len(log) - 4000)


def test_gammagamma_spend_mean_and_variance():
    p, q, gamma = 6.0, 4.0, 15.0
    x = np.full(200_000, 3)
    tables, truth = simulate_gammagamma_spend(x, p, q, gamma, random_state=9)
    m = tables["spend"]["monetary_value"].to_numpy()
    # E[mean spend] = p gamma / (q - 1) whatever the number of purchases.
    _close(m, p * gamma / (q - 1))
    assert truth.params == {"p": p, "q": q, "gamma": gamma}
    zero, _ = simulate_gammagamma_spend(pd.Series([0, 0], index=["a", "b"]), p, q, gamma)
    assert zero["spend"]["monetary_value"].tolist() == [0.0, 0.0]
    assert zero["spend"].index.tolist() == ["a", "b"]


def test_bgbb_expected_transactions_match_closed_form():
    al, be, ga, de, n = 1.2, 0.75, 0.66, 2.8, 6
    tables, truth = simulate_bgbb(300_000, al, be, ga, de, n_periods=n, random_state=10)
    s = tables["summary"]
    assert truth.params == {"alpha": al, "beta": be, "gamma": ga, "delta": de}
    # Fader, Hardie & Shang (2010), eq. (9).
    e = (
        al
        / (al + be)
        * de
        / (ga - 1)
        * (
            1
            - np.exp(
                gammaln(ga + de) + gammaln(1 + de + n) - gammaln(ga + de + n) - gammaln(1 + de)
            )
        )
    )
    _close(s["frequency"].to_numpy(float), e)
    assert (s["recency"] >= s["frequency"]).all() and (s["recency"] <= n).all()


def test_bgbb_incidence_agrees_with_summary():
    args = (2000, 1.2, 0.75, 0.66, 2.8)
    both, _ = simulate_bgbb(*args, n_periods=5, incidence=True, random_state=11)
    inc = both["incidence"]
    s = simulate_bgbb(*args, n_periods=5, random_state=11)[0]["summary"]
    pd.testing.assert_frame_equal(both["summary"], s)
    assert list(inc.columns) == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(inc.sum(axis=1), s["frequency"])
    last = inc.to_numpy() * np.arange(1, 6)
    np.testing.assert_array_equal(last.max(axis=1), s["recency"])


def test_simulator_parameter_errors():
    with pytest.raises(ParameterError, match="'alpha'"):
        simulate_bgnbd_summary(10, 0.3, -1.0, 0.8, 2.5, T=10)
    with pytest.raises(ParameterError, match="'n_customers'"):
        simulate_paretonbd_summary(0, T=10, **PNBD)
    with pytest.raises(ParameterError, match="'T'"):
        simulate_paretonbd_summary(10, T=-1.0, **PNBD)
    with pytest.raises(ParameterError, match="time_unit"):
        simulate_bgnbd_transactions(10, time_unit="Y", **BG)
    with pytest.raises(ParameterError, match="must be after start"):
        simulate_paretonbd_transactions(10, start="2024-02-01", end="2024-01-01", **PNBD)
    with pytest.raises(ParameterError, match="'frequency'"):
        simulate_gammagamma_spend([1.5], 6, 4, 15)
    with pytest.raises(ParameterError, match="'n_periods'"):
        simulate_bgbb(10, 1, 1, 1, 1, n_periods=0)
