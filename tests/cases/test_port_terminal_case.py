"""Case 3 (chapter 14, port terminal): headline numbers recomputed independently, the data
contract, a CSV round trip and a second parameter set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.cases.port_terminal import (
    PORT_ACCOUNTS,
    account_value,
    allocate_hours,
    compare_allocations,
    hour_bounds,
    load_accounts,
    value_at_risk,
)
from helpers.customer_base.portfolio import service_matrix
from helpers.exceptions import DataValidationError
from helpers.simulate.terminal import terminal_accounts


def _one(result):
    """The one table and the truth of a simulator's ``(tables, truth)``."""
    tables, truth = result
    (table,) = tables.values()
    return table, truth


# The chapter's default parameters and the smoke profile's.
DEFAULTS = {"n": 40, "new_terminals": 2, "horizon": 3, "rate": 0.08, "budget": 2000.0, "seed": 42}
SMOKE = {"n": 24, "new_terminals": 1, "horizon": 2, "rate": 0.1, "budget": 900.0, "seed": 7}
MIN_MAX = {"Star": (24, 160), "Question": (12, 160), "Cash cow": (8, 80), "Dog": (0, 24)}


def _case(p):
    raw, _ = _one(
        terminal_accounts(p["n"], new_terminals=p["new_terminals"], random_state=p["seed"])
    )
    acc = load_accounts(raw)
    q = service_matrix(acc)["quadrant"]
    acc = acc.assign(value=account_value(acc, p["horizon"], p["rate"])).join(hour_bounds(q))
    return raw, acc, q


def _by_hand(raw: pd.DataFrame, p) -> dict:
    """The case's inputs straight from the raw table with numpy, without the helpers."""
    vol, m = raw["volume"].to_numpy(), raw["unit_margin"].to_numpy()
    g, c = raw["growth"].to_numpy(), raw["cost_to_serve"].to_numpy()
    value = np.zeros(len(raw))
    for t in range(1, p["horizon"] + 1):
        value += (vol * m * (1 + g) ** (t - 1) - c) / (1 + p["rate"]) ** t
    value = np.maximum(value, 0)
    pot, rel = raw["potential_volume"].to_numpy(), raw["relationship_strength"].to_numpy()
    high, strong = pot >= np.median(pot), rel >= np.median(rel)
    quadrant = np.where(
        high, np.where(strong, "Star", "Question"), np.where(strong, "Cash cow", "Dog")
    )
    lo = np.array([MIN_MAX[q][0] for q in quadrant], float)
    hi = np.array([MIN_MAX[q][1] for q in quadrant], float)
    return {"value": value, "quadrant": quadrant, "lo": lo, "hi": hi}


def _kept(raw, value, hours):
    p = raw["leave_prob"].to_numpy()
    a, t = raw["max_reduction"].to_numpy(), raw["half_hours"].to_numpy()
    return float(np.sum(value * (1 - p * (1 - a * (1 - 0.5 ** (hours / t))))))


def _best_by_bisection(raw, hand, budget):
    """The optimum of a concave separable problem: every account's marginal value equals a
    common price, found by bisection on the price (the KKT conditions, solved independently of
    the linear programme)."""
    v, p = hand["value"], raw["leave_prob"].to_numpy()
    a, t = raw["max_reduction"].to_numpy(), raw["half_hours"].to_numpy()
    lo, hi = hand["lo"], hand["hi"]
    k = v * p * a * np.log(2) / t  # marginal value at 0 hours; it decays as 0.5 ** (h / t)

    def hours_at(price):
        h = np.where(k > 0, t * np.log2(np.maximum(k, 1e-300) / price), 0.0)
        return np.clip(h, lo, hi)

    low, high = 1e-12, k.max() + 1
    for _ in range(200):
        mid = np.sqrt(low * high)
        if hours_at(mid).sum() > budget:
            low = mid
        else:
            high = mid
    return hours_at(high), high


@pytest.mark.parametrize("p", [DEFAULTS, SMOKE], ids=["defaults", "smoke"])
def test_headline_numbers_recomputed_independently(p):
    raw, acc, q = _case(p)
    hand = _by_hand(raw, p)
    np.testing.assert_allclose(acc["value"], hand["value"], rtol=1e-12)
    assert q.astype(str).tolist() == hand["quadrant"].tolist()
    np.testing.assert_allclose(acc["min_hours"], hand["lo"])
    at_risk = float(np.sum(hand["value"] * raw["leave_prob"].to_numpy()))
    assert value_at_risk(acc).sum() == pytest.approx(at_risk, rel=1e-12)

    summary, hours = compare_allocations(acc, p["budget"])
    best_hours, price = _best_by_bisection(raw, hand, p["budget"])
    best = _kept(raw, hand["value"], best_hours)
    lp = summary.loc["optimised (LP)", "value_retained"]
    assert lp == pytest.approx(best, rel=2e-5)
    assert lp <= best + 1e-6 * best  # the true optimum cannot be beaten
    # Hours agree to within one linear piece (160 / 40 = 4 hours).
    np.testing.assert_allclose(hours["optimised (LP)"], best_hours, atol=4.0)
    # The shadow price is the common marginal value of an hour at the optimum.
    assert allocate_hours(acc, p["budget"]).shadow_price == pytest.approx(price, rel=0.02)
    # Even split by hand: one common number of hours t, clipped to each account's limits.
    grid = np.arange(0, 160.0005, 0.0005)
    used = np.clip(grid[:, None], hand["lo"], hand["hi"]).sum(axis=1)
    t_even = grid[np.argmax(used >= p["budget"])]
    even = _kept(raw, hand["value"], np.clip(t_even, hand["lo"], hand["hi"]))
    assert summary.loc["even split", "value_retained"] == pytest.approx(even, rel=1e-5)
    # The optimised plan beats the even split by a clear margin on the simulated book.
    assert lp - even > 0.05 * (lp - _kept(raw, hand["value"], np.zeros(len(raw))))


def test_contract_accepts_the_default_data_and_rejects_a_wrong_file(tmp_path):
    raw, _ = _one(terminal_accounts(40, random_state=42))
    checked = PORT_ACCOUNTS.validate(raw.reset_index())
    assert len(checked) == 40
    wrong = tmp_path / "wrong.csv"
    raw.drop(columns="leave_prob").to_csv(wrong)
    with pytest.raises(
        DataValidationError, match=r"column 'leave_prob' not found in port accounts"
    ):
        load_accounts(wrong)
    bad = raw.copy()
    bad.iloc[[3, 7], bad.columns.get_loc("leave_prob")] = [1.4, -0.1]
    bad.to_csv(wrong)
    with pytest.raises(
        DataValidationError, match=r"column 'leave_prob' has 1 value\(s\) below 0 \(row 7"
    ):
        load_accounts(wrong)
    unknown = raw.copy()
    unknown["kind"] = unknown["kind"].replace("trader", "broker")
    unknown.to_csv(wrong)
    with pytest.raises(DataValidationError, match=r"column 'kind' has \d+ value\(s\) outside"):
        load_accounts(wrong)


def test_csv_round_trip_gives_the_same_plan(tmp_path):
    raw, acc, q = _case(DEFAULTS)
    path = tmp_path / "accounts.csv"
    raw.to_csv(path)
    again = load_accounts(path)
    q2 = service_matrix(again)["quadrant"]
    again = again.assign(value=account_value(again, 3, 0.08)).join(hour_bounds(q2))
    s1, h1 = compare_allocations(acc, 2000.0)
    s2, h2 = compare_allocations(again, 2000.0)
    pd.testing.assert_frame_equal(s1, s2, rtol=1e-9)
    pd.testing.assert_frame_equal(h1, h2, rtol=1e-9)


def test_accounts_from_a_workbook_with_two_sheets(tmp_path):
    raw, acc, _ = _case(DEFAULTS)
    path = tmp_path / "accounts.xlsx"
    with pd.ExcelWriter(path) as book:
        raw.to_excel(book, sheet_name="accounts")
        raw.head(2).to_excel(book, sheet_name="notes")
    with pytest.raises(DataValidationError, match=r"has 2 sheets with data .*pass sheet_name="):
        load_accounts(path)
    again = load_accounts(path, sheet_name="accounts")
    assert again.index.tolist() == acc.index.tolist()
    pd.testing.assert_frame_equal(
        again[raw.columns], acc[raw.columns], check_dtype=False, check_categorical=False
    )
