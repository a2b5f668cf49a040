"""Case 1, the retailer's six-step value analysis on the full CDNOW log (notebook 12): the
headline numbers recomputed directly from the raw log with pandas, and the data contract
(the bundled log accepted, a wrong file refused, the same result from a CSV file)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.cases.retail import (
    PURCHASE_LOG,
    allocate_budget,
    clean_purchase_log,
    load_purchase_log,
    tier_monitoring,
    value_indicators,
)
from helpers.clv import BGNBD
from helpers.customer_base.concentration import top_share
from helpers.customer_base.rfm import summarize
from helpers.customer_base.segment import value_score, value_tiers
from helpers.data import load_cdnow
from helpers.exceptions import DataQualityWarning, DataValidationError

# The notebook's defaults.
CAL, START, END = "1997-09-30", "1997-01-01", "1998-06-30"
WEIGHTS = {"capacity": 0.4, "frequency": 0.3, "loyalty": 0.2, "recency": 0.1}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        yield


def _case(log: pd.DataFrame):
    """The notebook's pipeline, steps 2 to 6, with helpers only."""
    report = clean_purchase_log(log, start=START, end=END)
    clean = report.clean
    summary = summarize(clean, amount_col="amount", calibration_end=CAL, time_unit="W")
    tiers = value_tiers(value_score(value_indicators(clean, CAL), WEIGHTS), (0.2, 0.5))
    tiers = tiers.reindex(summary.index)
    bg = BGNBD().fit(summary)
    horizon = float(summary["duration_holdout"].iloc[0])
    predicted = bg.conditional_expected_purchases(horizon, summary)
    actual_spend = summary["frequency_holdout"] * summary["monetary_value_holdout"]
    monitor = tier_monitoring(
        tiers, predicted, summary["frequency_holdout"], predicted * 30.0, actual_spend
    )
    return report, clean, tiers, monitor


@pytest.fixture(scope="module")
def raw():
    return load_cdnow("master")


@pytest.fixture(scope="module")
def master(raw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return _case(load_purchase_log(cdnow_kind="master"))


def test_contract_accepts_the_bundled_log(raw):
    log = load_purchase_log(cdnow_kind="master")
    assert log.columns.tolist() == ["customer_id", "date", "amount", "quantity"]
    assert len(log) == len(raw) == 69_659
    assert log["amount"].sum() == pytest.approx(raw["amount"].sum())


@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_a_wrong_file_is_refused(tmp_path, raw):
    # The CDNOW file layout as it ships (no header names of the contract) is refused by name.
    path = tmp_path / "cdnow.csv"
    raw.head(50).rename(columns={"customer_id": "id", "amount": "dollars"}).to_csv(path)
    with pytest.raises(
        DataValidationError,
        match=r"'customer_id' not found in purchase log.*all missing: \['customer_id', 'amount'\]",
    ):
        load_purchase_log(path)
    raw.head(50).assign(date="soon").to_csv(path, index=False)
    with pytest.raises(
        DataValidationError,
        match=r"column 'date' of purchase log has 50 value\(s\) that are not dates",
    ):
        load_purchase_log(path)


def test_quality_report_against_the_raw_log(raw, master):
    report, clean, _, _ = master
    t = report.table
    zero = int((raw["amount"] == 0).sum())
    dup = int(raw.duplicated().sum())
    assert (zero, dup) == (80, 255)
    assert t.loc["zero amounts", ["found", "removed"]].tolist() == [zero, zero]
    assert t.loc["exact duplicate rows", ["found", "removed"]].tolist() == [dup, 0]
    assert (
        t.loc[["missing values", "outside the study window", "negative amounts"], "found"].sum()
        == 0
    )
    kept = raw[raw["amount"] != 0]
    assert len(clean) == len(kept) == 69_579
    assert report.after["customers"] == kept["customer_id"].nunique()
    assert report.after["revenue"] == pytest.approx(kept["amount"].sum())


def test_monitoring_actuals_against_the_raw_log(raw, master):
    _, _, tiers, monitor = master
    kept = raw[raw["amount"] != 0]
    hold = kept[kept["date"] > CAL]
    hold = hold[hold["customer_id"].isin(tiers.index)]
    tier = hold["customer_id"].map(tiers.astype(str))
    days = hold.drop_duplicates(["customer_id", "date"]).assign(tier=tier)
    purchases = days.groupby("tier").size()
    spend = hold.assign(tier=tier).groupby("tier")["amount"].sum()
    for name in ("high", "medium", "low"):
        assert monitor.loc[name, "actual_purchases"] == purchases[name]
        assert monitor.loc[name, "actual_spend"] == pytest.approx(spend[name])
        buyers = hold[tier == name]["customer_id"].nunique()
        assert monitor.loc[name, "active_share"] == pytest.approx(buyers / (tiers == name).sum())
    assert monitor.loc["total", "customers"] == len(tiers)
    # The tiers were cut at 20% and 50% of the scored customers.
    share = tiers.value_counts(normalize=True)
    assert share["high"] == pytest.approx(0.2, abs=0.002)
    assert share["medium"] == pytest.approx(0.3, abs=0.002)


def test_eighty_twenty_against_a_sort(master):
    _, clean, _, _ = master
    revenue = clean.groupby("customer_id")["amount"].sum()
    v = np.sort(revenue.to_numpy())[::-1]
    k = 0.2 * len(v)
    whole = int(np.floor(k))
    direct = (v[:whole].sum() + (k - whole) * v[whole]) / v.sum()
    assert top_share(revenue, 0.2) == pytest.approx(direct)
    assert 0.6 < direct < 0.75


def test_budget_plan_follows_the_ranking(master):
    _, _, tiers, _ = master
    rng = np.random.default_rng(0)
    value = pd.Series(rng.gamma(0.8, 15.0, len(tiers)), index=tiers.index)
    plan = allocate_budget(value, tiers, budget=8_000.0)
    c = plan.customers
    assert plan.spent <= 8_000.0 + 1e-9
    assert plan.care_cost == pytest.approx(0.1 * len(tiers))
    # Ranked by gain per cost, funding is a prefix of the worthwhile customers until the money
    # runs out (costs here are multiples of 0.1, so nothing later fits in the remainder).
    ranked = c[c["expected_gain"] > c["cost"]].sort_values(
        "return_per_cost", ascending=False, kind="stable"
    )
    within = ranked["cost"].cumsum() <= 8_000.0 - plan.care_cost + 1e-9
    assert c.loc[ranked.index[within], "funded"].all()
    assert not c.loc[ranked.index[~within], "funded"].any()
    by_tier = c[c["funded"]].groupby("tier")["expected_gain"].sum()
    for name, gain in by_tier.items():
        assert plan.tiers.loc[name, "expected_gain"] == pytest.approx(gain)


def test_csv_round_trip_gives_the_same_result(tmp_path):
    sample = load_purchase_log(cdnow_kind="sample")
    path = tmp_path / "log.csv"
    sample.assign(date=sample["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    from_csv = load_purchase_log(path)
    assert PURCHASE_LOG.names == from_csv.columns.tolist()[:3]
    a, b = _case(sample), _case(from_csv)
    pd.testing.assert_frame_equal(a[0].table, b[0].table)
    pd.testing.assert_frame_equal(a[3], b[3])
    pd.testing.assert_series_equal(a[2], b[2])
