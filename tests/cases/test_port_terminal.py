"""Visit-hour allocation: value, response, the linear programme against brute force and greedy."""

from __future__ import annotations

import heapq
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.cases.port_terminal import (  # noqa: E402
    QUADRANT_HOURS,
    account_value,
    allocate_hours,
    budget_sweep,
    compare_allocations,
    draw_departures,
    even_split,
    expected_retained,
    hour_bounds,
    leave_probability,
    load_accounts,
    plan_vs_actual,
    plot_allocation,
    plot_budget_sweep,
    plot_response,
    proportional_split,
    simulate_outcomes,
    value_at_risk,
)
from helpers.customer_base.portfolio import service_matrix  # noqa: E402
from helpers.exceptions import DataValidationError, ParameterError  # noqa: E402
from helpers.simulate.terminal import terminal_accounts  # noqa: E402


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


@pytest.fixture
def three() -> pd.DataFrame:
    """Three accounts with different value, risk and response."""
    return pd.DataFrame(
        {
            "value": [1000.0, 400.0, 2500.0],
            "leave_prob": [0.5, 0.3, 0.1],
            "max_reduction": [0.8, 0.6, 0.5],
            "half_hours": [4.0, 2.0, 6.0],
            "min_hours": [0.0, 1.0, 0.0],
            "max_hours": [8.0, 8.0, 8.0],
        },
        index=["a", "b", "c"],
    )


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    raw, _ = _one(terminal_accounts(40, random_state=42))
    acc = load_accounts(raw)
    q = service_matrix(acc)["quadrant"]
    return acc.assign(value=account_value(acc)).join(hour_bounds(q))


def _true_value(acc: pd.DataFrame, hours) -> float:
    h = np.asarray(hours, float)
    p = acc["leave_prob"] * (1 - acc["max_reduction"] * (1 - 2 ** (-h / acc["half_hours"])))
    return float((acc["value"] * (1 - p)).sum())


def test_account_value_by_hand():
    acc = pd.DataFrame(
        {
            "volume": [100.0, 1.0],
            "unit_margin": [20.0, 10.0],
            "growth": [0.1, 0.0],
            "cost_to_serve": [200.0, 50.0],
        },
        index=["A", "B"],
    )
    v = account_value(acc, horizon_years=2, discount_rate=0.1)
    # A: (2000 - 200) / 1.1 + (2200 - 200) / 1.21; B costs more than it brings -> 0.
    assert v["A"] == pytest.approx(1800 / 1.1 + 2000 / 1.21)
    assert v["B"] == 0.0
    assert "value" not in acc.columns  # the input is untouched
    with pytest.raises(ParameterError, match=r"parameter 'horizon_years' = 0 is out of range"):
        account_value(acc, horizon_years=0)
    with pytest.raises(DataValidationError, match=r"column 'volume' has 1 missing or invalid"):
        account_value(acc.assign(volume=[100.0, -5.0]))


def test_leave_probability_value_at_risk_and_retained_by_hand(three):
    p = leave_probability(three, [0.0, 2.0, 12.0])
    # a: no visits -> 0.5; b: one half-life -> 0.3 (1 - 0.6 / 2) = 0.21;
    # c: two half-lives -> 0.1 (1 - 0.5 * 0.75) = 0.0625.
    np.testing.assert_allclose(p, [0.5, 0.21, 0.0625])
    assert value_at_risk(three).sum() == pytest.approx(1000 * 0.5 + 400 * 0.3 + 2500 * 0.1)
    kept = expected_retained(three, pd.Series({"c": 12.0, "a": 0.0, "b": 2.0}))
    np.testing.assert_allclose(kept, [500.0, 400 * 0.79, 2500 * 0.9375])


def test_hour_bounds():
    q = pd.Series(["Dog", "Star", "Question"], index=["x", "y", "z"])
    b = hour_bounds(q)
    assert b.loc["x"].tolist() == [0.0, 24.0] and b.loc["y"].tolist() == [24.0, 160.0]
    custom = QUADRANT_HOURS.assign(min_hours=[1.0, 2.0, 3.0, 4.0])
    assert hour_bounds(q, custom).loc["x", "min_hours"] == 4.0
    with pytest.raises(ParameterError, match=r"no row for quadrant\(s\) \['Unicorn'\]"):
        hour_bounds(pd.Series(["Unicorn"]))
    with pytest.raises(ParameterError, match="min_hours must be between 0 and max_hours"):
        hour_bounds(q, QUADRANT_HOURS.assign(min_hours=500.0))


def test_even_and_proportional_splits_by_hand(three):
    # Even: min(t, 8) for a and c, max(1, min(t, 8)) for b; 3 t = 12 -> t = 4.
    assert even_split(three, 12).tolist() == pytest.approx([4.0, 4.0, 4.0])
    # Budget above the maximums: everyone at the maximum.
    assert even_split(three, 100).tolist() == [8.0, 8.0, 8.0]
    # Proportional: c * (1000, 400, 2500) with b held at its minimum 1: 3500 c + 1 = 7.
    prop = proportional_split(three, 7)
    assert prop.sum() == pytest.approx(7)
    assert prop["b"] == pytest.approx(1.0)  # held at its minimum
    assert prop["c"] / prop["a"] == pytest.approx(2.5)
    with pytest.raises(ParameterError, match=r"budget = 0.5 hours is below the 1 hours"):
        even_split(three, 0.5)


def test_lp_equals_brute_force_on_whole_hours(three):
    """With one-hour segments the piecewise-linear curve is exact at whole hours, so the
    programme's optimum equals the best of all whole-hour plans within the budget."""
    budget = 10
    plan = allocate_hours(three, budget, n_segments=8)
    best = max(
        _true_value(three, h)
        for h in itertools.product(range(9), repeat=3)
        if sum(h) <= budget and h[1] >= 1
    )
    assert plan.lp_objective == pytest.approx(best, rel=1e-9)
    assert plan.hours.sum() == pytest.approx(budget)
    assert plan.hours["b"] >= 1.0 - 1e-9
    assert plan.approximation_gap >= -1e-9


def _greedy(acc: pd.DataFrame, budget: float, step: float) -> float:
    """Greedy marginal allocation in small steps (optimal for concave separable objectives):
    first every account's minimum, then each step to the account whose next step adds most."""
    h = acc["min_hours"].to_numpy(float).copy()
    hi = acc["max_hours"].to_numpy(float)
    v, p = acc["value"].to_numpy(), acc["leave_prob"].to_numpy()
    a, t = acc["max_reduction"].to_numpy(), acc["half_hours"].to_numpy()

    def kept(i, hours):
        return v[i] * (1 - p[i] * (1 - a[i] * (1 - 2 ** (-hours / t[i]))))

    heap = [(-(kept(i, h[i] + step) - kept(i, h[i])), i) for i in range(len(h)) if h[i] < hi[i]]
    heapq.heapify(heap)
    left = budget - h.sum()
    while left >= step - 1e-12 and heap:
        _, i = heapq.heappop(heap)
        h[i] += step
        left -= step
        if h[i] + step <= hi[i] + 1e-9:
            heapq.heappush(heap, (-(kept(i, h[i] + step) - kept(i, h[i])), i))
    return _true_value(acc, h)


def test_lp_matches_greedy_and_beats_the_splits_on_simulated_accounts(book):
    budget = 2000.0
    plan = allocate_hours(book, budget, n_segments=40)
    greedy = _greedy(book, budget, step=0.5)
    assert plan.expected_value == pytest.approx(greedy, rel=2e-4)
    assert plan.expected_value >= greedy - 1.0  # thousand yuan
    assert (plan.hours >= book["min_hours"] - 1e-9).all()
    assert (plan.hours <= book["max_hours"] + 1e-9).all()
    even = _true_value(book, even_split(book, budget))
    prop = _true_value(book, proportional_split(book, budget))
    assert plan.expected_value > even + 1000  # the plan keeps over 1 m yuan more
    assert plan.expected_value > prop
    # Finer segments bring the programme closer to the curve.
    coarse = allocate_hours(book, budget, n_segments=5)
    assert coarse.approximation_gap > plan.approximation_gap >= 0


def test_shadow_price_is_the_value_of_one_more_hour(book):
    plan = allocate_hours(book, 2000.0)
    more = allocate_hours(book, 2000.01)
    slope = (more.lp_objective - plan.lp_objective) / 0.01
    assert plan.shadow_price == pytest.approx(slope, rel=1e-6)
    # Unused budget is worth nothing.
    assert allocate_hours(book, 10_000.0).shadow_price == pytest.approx(0.0, abs=1e-9)


def test_compare_allocations_and_sweep(book):
    summary, hours = compare_allocations(book, 1500.0)
    assert list(summary.index) == ["optimised (LP)", "even split", "value-proportional"]
    np.testing.assert_allclose(summary["hours_used"], 1500.0)
    for plan in summary.index:
        assert summary.loc[plan, "value_retained"] == pytest.approx(_true_value(book, hours[plan]))
    total = book["value"].sum()
    np.testing.assert_allclose(summary["value_at_risk"], total - summary["value_retained"])
    assert summary.loc["even split", "gain_vs_even"] == 0
    sweep = budget_sweep(book, [1000.0, 1500.0, 3000.0])
    assert sweep.loc[1500.0, "optimised (LP)"] == pytest.approx(
        summary.loc["optimised (LP)", "value_retained"]
    )
    assert sweep["optimised (LP)"].is_monotonic_increasing
    assert sweep["shadow_price"].is_monotonic_decreasing


def test_simulated_outcomes_average_to_the_value_at_risk(book):
    hours = allocate_hours(book, 2000.0).hours
    sims = simulate_outcomes(book, hours, n_draws=20_000, random_state=1)
    expected = value_at_risk(book, hours).sum()
    se = sims["value_lost"].std() / np.sqrt(len(sims))
    assert abs(sims["value_lost"].mean() - expected) < 4 * se
    assert sims["accounts_lost"].mean() == pytest.approx(
        leave_probability(book, hours).sum(), abs=4 * sims["accounts_lost"].std() / 141
    )
    left = draw_departures(book, hours, random_state=3)
    assert left.dtype == bool and left.index.equals(book.index)


def test_plan_vs_actual_by_hand(three):
    left = pd.Series({"a": True, "b": False, "c": False})
    groups = pd.Series({"a": "Star", "b": "Star", "c": "Dog"})
    t = plan_vs_actual(three, 0.0, left, groups)
    assert list(t.index) == ["Star", "Dog", "all"]
    assert t.loc["Star", "expected_departures"] == pytest.approx(0.8)
    assert t.loc["Star", "actual_value_lost"] == 1000.0
    assert t.loc["all", "expected_value_lost"] == pytest.approx(500 + 120 + 250)
    assert t.loc["all", "accounts"] == 3
    with pytest.raises(
        DataValidationError, match=r"left has no value for 1 account\(s\) \(row c\)"
    ):
        plan_vs_actual(three, 0.0, left.drop("c"), groups)


def test_errors(three):
    with pytest.raises(DataValidationError, match=r"column 'half_hours' not found in accounts"):
        allocate_hours(three.drop(columns="half_hours"), 10)
    with pytest.raises(
        DataValidationError, match=r"column 'leave_prob' has 1 missing or invalid value\(s\)"
    ):
        allocate_hours(three.assign(leave_prob=[0.5, 1.5, 0.1]), 10)
    with pytest.raises(DataValidationError, match=r"column 'half_hours' has 1 value\(s\) of 0"):
        leave_probability(three.assign(half_hours=[4.0, 0.0, 6.0]))
    with pytest.raises(DataValidationError, match=r"'min_hours' is above 'max_hours'.*\(row a\)"):
        allocate_hours(three.assign(min_hours=[9.0, 1.0, 0.0]), 20)
    with pytest.raises(ParameterError, match=r"budget = 0.5 hours is below the 1 hours"):
        allocate_hours(three, 0.5)
    with pytest.raises(ParameterError, match=r"parameter 'n_segments' = 0 is out of range"):
        allocate_hours(three, 10, n_segments=0)
    with pytest.raises(DataValidationError, match=r"hours has 1 negative value"):
        leave_probability(three, [1.0, -1.0, 0.0])
    with pytest.raises(DataValidationError, match="accounts must be a pandas DataFrame"):
        value_at_risk([1, 2, 3])


def test_load_accounts_from_frame_and_csv(tmp_path):
    raw, _ = _one(terminal_accounts(12, random_state=1))
    from_frame = load_accounts(raw)
    path = tmp_path / "accounts.csv"
    raw.to_csv(path)
    from_csv = load_accounts(path)
    pd.testing.assert_frame_equal(from_frame, from_csv, check_dtype=False, check_categorical=False)
    with pytest.raises(DataValidationError, match=r"file .*missing.csv' not found"):
        load_accounts(tmp_path / "missing.csv")


def test_plots_draw_what_they_show(book, three):
    ax = plot_response(three, ["a", "b"], n_segments=4, max_hours=8, labels=["A", "B"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]
    assert len(ax.lines) == 4  # a curve and its linear pieces per account
    _, hours = compare_allocations(book, 1500.0)
    q = service_matrix(book)["quadrant"]
    ax = plot_allocation(hours, q)
    assert len(ax.patches) == 3 * q.nunique()
    heights = [p.get_height() for p in ax.containers[0]]
    assert sum(heights) == pytest.approx(1500.0)
    ax = plot_budget_sweep(budget_sweep(book, [1000.0, 2000.0]))
    assert len(ax.lines) == 3
    with pytest.raises(ParameterError, match="labels has 1 entries for 2 accounts"):
        plot_response(three, ["a", "b"], labels=["A"])
    plt.close("all")


def test_accounts_worth_nothing_get_their_minimum(three):
    # b is worth 0: it keeps its minimum 1 h; a and c share the rest in proportion 1000:2500.
    zero = three.assign(value=[1000.0, 0.0, 2500.0])
    prop = proportional_split(zero, 8)
    assert prop.tolist() == pytest.approx([2.0, 1.0, 5.0])
    # A budget above what a and c can take: both at their maximum, 100 - 17 hours unused.
    assert proportional_split(zero, 100).tolist() == [8.0, 1.0, 8.0]
    # Nothing is worth anything: everyone at the minimum, whatever the budget.
    assert proportional_split(three.assign(value=0.0), 20).tolist() == [0.0, 1.0, 0.0]
    summary, hours = compare_allocations(zero, 20)
    assert summary.loc["value-proportional", "hours_used"] == 17.0
    assert hours.loc["b", "value-proportional"] == 1.0


def test_hours_must_name_the_accounts(three):
    with pytest.raises(DataValidationError, match=r"hours names 1 account\(s\) that are not in"):
        leave_probability(three, pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd")))
    with pytest.raises(DataValidationError, match=r"hours has 2 value\(s\) for the 3 accounts"):
        leave_probability(three, [1.0, 2.0])
    with pytest.raises(DataValidationError, match=r"'hours' of the input is not numeric"):
        leave_probability(three, ["1", "2", "3"])
    shuffled = pd.Series([8.0, 0.0, 4.0], index=["c", "a", "b"])
    assert leave_probability(three, shuffled).tolist() == pytest.approx(
        leave_probability(three, [0.0, 4.0, 8.0]).tolist()
    )
    with pytest.raises(DataValidationError, match=r"'value' of accounts is not numeric"):
        expected_retained(three.assign(value=["1", "2", "3"]), 0.0)
    with pytest.raises(DataValidationError, match=r"'left' of left holds 3 value\(s\) other than"):
        plan_vs_actual(three, 0.0, pd.Series(["y", "n", "n"], index=three.index), ["A"] * 3)
    with pytest.raises(DataValidationError, match=r"groups has no value for 3 account\(s\)"):
        plan_vs_actual(three, 0.0, [True, False, False], pd.Series(["A"] * 3))
    with pytest.raises(ParameterError, match=r"account_ids names \['z'\]"):
        plot_response(three, ["z"])
