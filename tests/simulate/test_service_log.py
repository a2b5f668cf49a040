"""The repair-log simulator: shapes, seeds, and the planted facts recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.cases.manufacturer import failure_rates, repair_durations
from helpers.exceptions import ParameterError
from helpers.simulate.service_log import (
    FAILURE_RATE,
    PARTS_MEAN_HOURS,
    PARTS_SHARE,
    REPAIR_HOURS,
    repair_log,
)


@pytest.fixture(scope="module")
def log():
    return repair_log(300, months=12, n_engineers=6, random_state=7)


def test_tables_and_columns(log):
    tables, truth = log
    assert set(tables) == {"customers", "usage", "tickets"}
    customers, usage, tickets = tables["customers"], tables["usage"], tables["tickets"]
    assert len(customers) == 300
    assert customers["customer_id"].is_unique and tickets["ticket_id"].is_unique
    # ABC tiers by spend rank: 20% / 30% / 50%, and every A spends more than every B.
    assert customers["tier"].value_counts().sort_index().tolist() == [60, 90, 150]
    spend = customers.groupby("tier", observed=True)["yearly_spend"]
    assert spend.min()["A"] >= spend.max()["B"] and spend.min()["B"] >= spend.max()["C"]
    assert len(usage) == customers["machines"].sum() * 12
    assert (usage["hours"] >= 0).all() and (usage["hours"] <= 720).all()
    assert truth.n_engineers == 6
    assert truth.observation_end == pd.Timestamp("2026-01-01")


def test_same_seed_same_log():
    a, _ = repair_log(30, months=2, random_state=3)
    b, _ = repair_log(30, months=2, random_state=3)
    c, _ = repair_log(30, months=2, random_state=4)
    pd.testing.assert_frame_equal(a["tickets"], b["tickets"])
    assert not a["usage"]["hours"].equals(c["usage"]["hours"])


def test_times_are_ordered_and_open_tickets_are_censored(log):
    tables, truth = log
    t = tables["tickets"]
    closed = t["closed_at"].notna()
    assert (t.loc[closed, "started_at"] >= t.loc[closed, "opened_at"]).all()
    assert (t.loc[closed, "closed_at"] >= t.loc[closed, "started_at"]).all()
    assert (t["opened_at"] < truth.observation_end).all()
    # Open tickets are exactly those whose true closing time falls after the end.
    late = (truth.closed_at > truth.observation_end).to_numpy()
    np.testing.assert_array_equal(~closed.to_numpy(), late)
    np.testing.assert_array_equal(
        t.loc[closed, "closed_at"].to_numpy(), truth.closed_at[~late].to_numpy()
    )


def test_planted_failure_rates_are_recovered(log):
    tables, truth = log
    rates = failure_rates(tables["usage"], tables["tickets"], confidence_level=0.99)
    for band, rate in truth.failure_rate.items():
        row = rates.loc[band]
        assert row["ci_low"] < rate < row["ci_high"], band
        assert row["rate_per_1000h"] == pytest.approx(rate, rel=0.1)
    assert truth.failure_rate == FAILURE_RATE


def test_planted_repair_hours_by_fault_are_recovered(log):
    tables, _ = log
    t = tables["tickets"].dropna(subset=["closed_at"])
    mean = t.groupby("fault_type")["work_hours"].mean()
    for fault, planted in REPAIR_HOURS.items():
        assert mean[fault] == pytest.approx(planted, rel=0.1), fault
    # Closing = start + work + the wait for a part; the part waits recover the planted values.
    parts = (t["closed_at"] - t["started_at"]).dt.total_seconds() / 3600 - t["work_hours"]
    waited = t["waited_for_part"].astype(bool)
    assert (parts[~waited].abs() < 0.01).all()
    share = waited.groupby(t["fault_type"]).mean()
    for fault, planted in PARTS_SHARE.items():
        assert share[fault] == pytest.approx(planted, abs=0.06), fault
    assert parts[waited].mean() == pytest.approx(PARTS_MEAN_HOURS, rel=0.15)


def test_planted_priority_shortens_the_wait(log):
    tables, truth = log
    t = tables["tickets"]
    wait = truth.wait_hours.to_numpy()
    contract = t["contract"].to_numpy()
    assert wait[contract].mean() < 0.5 * wait[~contract].mean()
    # Time to repair = wait + repair: the closed tickets' durations add up.
    dur = repair_durations(t, truth.observation_end)
    closed = dur["closed"].to_numpy()
    repair = ((t["closed_at"] - t["started_at"]).dt.total_seconds() / 3600).to_numpy()
    assert (repair[closed] >= t["work_hours"].to_numpy()[closed] - 0.01).all()
    np.testing.assert_allclose(dur["hours"][closed], wait[closed] + repair[closed], atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_customers": 5}, "n_customers"),
        ({"n_customers": 50, "months": 0}, "months"),
        ({"n_customers": 50, "n_engineers": 0}, "n_engineers"),
        ({"n_customers": 50.5}, "whole number"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        repair_log(**kwargs)
