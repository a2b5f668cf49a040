"""After-sales case: repair times with censoring, failure rates, the service queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.cases.manufacturer import (
    compare_queues,
    failure_rates,
    maintenance_list,
    repair_durations,
    simulate_queue,
    time_to_repair,
    usage_band,
)
from helpers.exceptions import DataValidationError, ParameterError
from helpers.simulate.service_log import repair_log


def _tickets(opened, closed, tier="A"):
    return pd.DataFrame(
        {
            "opened_at": pd.to_datetime(opened),
            "closed_at": pd.to_datetime(closed),
            "tier": tier,
        }
    )


# --- time to repair -----------------------------------------------------------------------


def test_repair_durations_by_hand():
    t = _tickets(["2025-01-01 00:00", "2025-01-01 12:00"], ["2025-01-01 05:00", None])
    dur = repair_durations(t, "2025-01-02 00:00")
    assert dur["hours"].tolist() == [5.0, 12.0]
    assert dur["closed"].tolist() == [True, False]


def test_kaplan_meier_median_by_hand():
    # Times 1, 2 (open), 3, 4, 5 hours: S(1) = 4/5, S(3) = 4/5 × 2/3 = 8/15 > 0.5,
    # S(4) = 8/15 × 1/2 = 4/15 ≤ 0.5, so the median is 4; the closed-only median is 3.5.
    start = pd.Timestamp("2025-01-01")
    opened = [start] * 4 + [start + pd.Timedelta(hours=8)]
    closed = [start + pd.Timedelta(hours=h) for h in (1, 3, 4, 5)] + [None]
    t = _tickets(opened, closed)
    table = time_to_repair(t, start + pd.Timedelta(hours=10))
    assert table.loc["A", "open"] == 1
    assert table.loc["A", "km_median_hours"] == 4.0
    assert table.loc["A", "closed_only_median_hours"] == 3.5


def test_kaplan_meier_beats_closed_only_on_a_recent_window():
    tables, truth = repair_log(200, months=6, n_engineers=6, random_state=11)
    t = tables["tickets"]
    end = truth.observation_end
    recent = t[t["opened_at"] >= end - pd.Timedelta(days=7)]
    table = time_to_repair(recent.assign(all="all"), end, group_col="all").loc["all"]
    full = (
        truth.closed_at[recent["ticket_id"]] - recent["opened_at"].to_numpy()
    ).dt.total_seconds()
    true_median = float(np.median(full / 3600))
    assert table["open"] > 0
    assert table["closed_only_median_hours"] < true_median
    assert abs(table["km_median_hours"] - true_median) < abs(
        table["closed_only_median_hours"] - true_median
    )


def test_time_to_repair_errors():
    t = _tickets(["2025-01-02"], ["2025-01-01"])
    with pytest.raises(DataValidationError, match="close before they open"):
        repair_durations(t, "2025-01-03")
    with pytest.raises(DataValidationError, match="after observation_end"):
        repair_durations(_tickets(["2025-01-01"], ["2025-01-05"]), "2025-01-03")
    with pytest.raises(DataValidationError, match="not a date-time"):
        repair_durations(
            pd.DataFrame({"opened_at": ["2025-01-01"], "closed_at": [None]}), "2025-01-03"
        )
    with pytest.raises(DataValidationError, match="column 'segment' not found"):
        time_to_repair(_tickets(["2025-01-01"], [None]), "2025-01-03", group_col="segment")
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        time_to_repair([1, 2], "2025-01-03")


# --- failure rates ------------------------------------------------------------------------


def test_usage_band_edges():
    assert list(usage_band([0, 199.9, 200, 399.9, 400, 720])) == [
        "light (<200 h)",
        "light (<200 h)",
        "medium (200-400 h)",
        "medium (200-400 h)",
        "heavy (400+ h)",
        "heavy (400+ h)",
    ]


def _usage():
    return pd.DataFrame(
        {
            "machine_id": ["M1", "M1", "M2", "M2"],
            "month": pd.to_datetime(["2025-01-01", "2025-02-01"] * 2),
            "hours": [100.0, 300.0, 500.0, 500.0],
        }
    )


def test_failure_rates_by_hand():
    tickets = pd.DataFrame(
        {
            "machine_id": ["M1", "M2", "M2", "M2"],
            "opened_at": pd.to_datetime(["2025-02-03", "2025-01-09", "2025-02-01", "2025-02-20"]),
        }
    )
    rates = failure_rates(_usage(), tickets)
    assert rates["hours"].tolist() == [100.0, 300.0, 1000.0]
    assert rates["failures"].tolist() == [0, 1, 3]
    np.testing.assert_allclose(rates["rate_per_1000h"], [0.0, 1000 / 300, 3.0])
    # Exact Poisson interval for 3 events in 1,000 hours (Garwood): 0.619 to 8.767.
    assert rates.loc["heavy (400+ h)", "ci_low"] == pytest.approx(0.6187, abs=1e-3)
    assert rates.loc["heavy (400+ h)", "ci_high"] == pytest.approx(8.7673, abs=1e-3)
    by_machine = failure_rates(_usage(), tickets, by="machine_id")
    assert by_machine["rate_per_1000h"].tolist() == [2.5, 3.0]


def test_failure_rates_errors():
    stray = pd.DataFrame({"machine_id": ["M9"], "opened_at": pd.to_datetime(["2025-01-09"])})
    with pytest.raises(DataValidationError, match="no machine-month in usage"):
        failure_rates(_usage(), stray)
    with pytest.raises(DataValidationError, match="column 'hours' of usage has 1 value"):
        failure_rates(_usage().assign(hours=[-1.0, 1, 1, 1]), stray.iloc[:0])
    with pytest.raises(ParameterError, match="confidence_level"):
        failure_rates(_usage(), stray.iloc[:0], confidence_level=95)
    with pytest.raises(DataValidationError, match="column 'site' not found"):
        failure_rates(_usage(), stray.iloc[:0], by="site")


def test_maintenance_list_by_hand():
    rates = failure_rates(
        _usage(), pd.DataFrame({"machine_id": [], "opened_at": pd.to_datetime([])})
    )
    rates["rate_per_1000h"] = [1.0, 2.0, 4.0]
    out = maintenance_list(_usage(), rates, last_months=1, top=5)
    # Last month: M2 500 h (heavy, 4 per 1,000 h) → 2.0; M1 300 h (medium, 2) → 0.6.
    assert out["expected_failures"].round(6).to_dict() == {"M2": 2.0, "M1": 0.6}
    two = maintenance_list(_usage(), rates, last_months=2, top=1)
    assert two.index.tolist() == ["M2"] and two["mean_hours"].iloc[0] == 500.0
    with pytest.raises(DataValidationError, match="rate_per_1000h"):
        maintenance_list(_usage(), pd.DataFrame({"x": [1]}))
    with pytest.raises(ParameterError, match="top"):
        maintenance_list(_usage(), rates, top=0)


# --- the queue ----------------------------------------------------------------------------


def test_queue_by_hand_one_engineer():
    assert simulate_queue([0, 1, 2], [3, 3, 3], 1).tolist() == [0.0, 2.0, 4.0]
    assert simulate_queue([0, 1, 2], [3, 3, 3], 1, priority=[1, 1, 0]).tolist() == [0, 5, 1]
    # Arrivals out of order, and an idle gap: the clock jumps to the next arrival.
    assert simulate_queue([10, 0], [1, 2], 1).tolist() == [0.0, 0.0]


def test_queue_by_hand_two_engineers():
    # Engineers free at 0, 0; tickets at 0 (4 h), 0 (4 h), 1 (1 h, C), 2 (1 h, A).
    waits = simulate_queue([0, 0, 1, 2], [4, 4, 1, 1], 2, priority=[2, 2, 2, 0])
    # At hour 4 both engineers free up: A (arrived 2) waits 2, C (arrived 1) waits 3.
    assert waits.tolist() == [0.0, 0.0, 3.0, 2.0]
    fcfs = simulate_queue([0, 0, 1, 2], [4, 4, 1, 1], 2)
    assert fcfs.tolist() == [0.0, 0.0, 3.0, 2.0]
    # Many engineers: nobody waits.
    assert simulate_queue([0, 0, 0], [5, 5, 5], 3).tolist() == [0.0, 0.0, 0.0]


def test_queue_conserves_work_and_priority_helps_the_first_class():
    rng = np.random.default_rng(0)
    arrival = np.cumsum(rng.exponential(1.0, 3000))
    service = rng.exponential(1.6, 3000)
    prio = rng.integers(0, 3, 3000)
    fcfs = simulate_queue(arrival, service, 2)
    pq = simulate_queue(arrival, service, 2, priority=prio)
    # Same work in the same system: total wait changes little (exponential repairs), but
    # class 0 waits much less and class 2 more.
    assert pq.mean() == pytest.approx(fcfs.mean(), rel=0.1)
    assert pq[prio == 0].mean() < 0.5 * fcfs[prio == 0].mean()
    assert pq[prio == 2].mean() > fcfs[prio == 2].mean()


def test_queue_errors():
    with pytest.raises(DataValidationError, match="same length"):
        simulate_queue([0, 1], [1], 1)
    with pytest.raises(DataValidationError, match="not negative"):
        simulate_queue([0, 1], [1, -1], 1)
    with pytest.raises(ParameterError, match="n_engineers"):
        simulate_queue([0], [1], 0)
    with pytest.raises(DataValidationError, match="one value per ticket"):
        simulate_queue([0, 1], [1, 1], 1, priority=[0])


def test_compare_queues_by_hand():
    t = pd.DataFrame(
        {
            "opened_at": pd.to_datetime(
                ["2025-01-01 00:00", "2025-01-01 01:00", "2025-01-01 02:00"]
            ),
            "tier": ["C", "C", "A"],
            "yearly_spend": [100.0, 100.0, 800.0],
        }
    )
    t["closed_at"] = t["opened_at"] + pd.Timedelta(hours=30)  # history's times do not matter
    t["work_hours"] = 3.0
    by_tier, overall = compare_queues(t, 1)
    # FCFS waits 0, 2, 4; value-based 0, 5, 1; weights 100, 100, 800.
    assert overall.loc["first come first served", "value_weighted_wait_h"] == pytest.approx(3.4)
    assert overall.loc["value-based priority", "value_weighted_wait_h"] == pytest.approx(1.3)
    assert by_tier.loc["C", ("value-based priority", "mean_wait_h")] == 2.5
    assert by_tier.loc["A", ("first come first served", "p90_wait_h")] == 4.0
    with pytest.raises(DataValidationError, match="tiers A, B, C"):
        compare_queues(t.assign(tier=["C", "C", "gold"]), 1)
    with pytest.raises(DataValidationError, match="column 'yearly_spend' not found"):
        compare_queues(t.drop(columns="yearly_spend"), 1)
    with pytest.raises(DataValidationError, match="pass work_col=<name>"):
        compare_queues(t.drop(columns="work_hours"), 1)
    with pytest.raises(DataValidationError, match="column 'work_hours' of tickets has 1 value"):
        compare_queues(t.assign(work_hours=[3.0, -1.0, 3.0]), 1)


def test_compare_queues_on_the_simulated_log():
    tables, truth = repair_log(150, months=12, n_engineers=3, random_state=5)
    by_tier, overall = compare_queues(tables["tickets"], truth.n_engineers)
    fcfs, pq = "first come first served", "value-based priority"
    assert by_tier.loc["A", (pq, "mean_wait_h")] < 0.5 * by_tier.loc["A", (fcfs, "mean_wait_h")]
    assert by_tier.loc["C", (pq, "mean_wait_h")] > by_tier.loc["C", (fcfs, "mean_wait_h")]
    assert overall.loc[pq, "value_weighted_wait_h"] < overall.loc[fcfs, "value_weighted_wait_h"]
