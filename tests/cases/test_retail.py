"""helpers.cases.retail: the data-quality report, indicators, budget allocation, monitoring."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from helpers.cases.retail import (
    PURCHASE_LOG,
    TIER_STRATEGIES,
    allocate_budget,
    clean_purchase_log,
    load_purchase_log,
    tier_monitoring,
    value_indicators,
)
from helpers.exceptions import DataValidationError, ParameterError


@pytest.fixture
def log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", None, "c", "c", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-02",
                    "2024-01-02",  # exact duplicate of the row before
                    "2024-03-01",
                    "2023-12-31",  # before the window
                    "2024-02-10",
                    "2024-02-11",  # no customer
                    "2024-04-01",
                    "2024-04-02",
                    "2024-05-05",
                ]
            ),
            "amount": [10.0, 10.0, 20.0, 5.0, -3.0, 7.0, 0.0, np.nan, 40.0],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17, 18],
    )


def test_quality_report_by_hand(log):
    before = log.copy()
    report = clean_purchase_log(log, start="2024-01-01", end="2024-12-31")
    pd.testing.assert_frame_equal(log, before)  # the input is untouched
    t = report.table
    # missing: rows 15 (customer) and 17 (amount); outside: 13; negative: 14; zero: 16;
    # duplicate: 11, kept by default.
    assert t["found"].tolist() == [2, 1, 1, 1, 1]
    assert t["removed"].tolist() == [2, 1, 1, 1, 0]
    assert t["action"].tolist() == ["removed", "removed", "removed", "removed", "kept"]
    assert t.loc["missing values", "examples"] == "rows 15, 17"
    assert t.loc["exact duplicate rows", "examples"] == "row 11"
    assert report.clean.index.tolist() == [10, 11, 12, 18]
    # Totals before (revenue of the readable amounts) and after.
    assert report.before.tolist() == [9.0, 4.0, 89.0]
    assert report.after.tolist() == [4.0, 2.0, 80.0]
    assert report.overview().loc["rows", "kept"] == pytest.approx(4 / 9)
    # The removed rows add up.
    assert t["removed"].sum() == len(log) - len(report.clean)


def test_quality_report_options(log):
    strict = clean_purchase_log(log, duplicates="drop", zero_amounts="keep")
    t = strict.table
    # Default window = the log's own first and last date: nothing is outside.
    assert t.loc["outside the study window", "action"] == "none found"
    assert t.loc["zero amounts", "removed"] == 0 and t.loc["zero amounts", "action"] == "kept"
    assert t.loc["exact duplicate rows", "removed"] == 1
    assert strict.clean.index.tolist() == [10, 12, 13, 16, 18]


def test_quality_report_errors(log):
    with pytest.raises(DataValidationError, match="column 'amount' not found"):
        clean_purchase_log(log.drop(columns="amount"))
    with pytest.raises(DataValidationError, match="column 'date' is not a date column"):
        clean_purchase_log(log.assign(date=log["date"].astype(str)))
    with pytest.raises(ParameterError, match="'end' = 2023-01-01 is before 'start'"):
        clean_purchase_log(log, start="2024-01-01", end="2023-01-01")
    with pytest.raises(ParameterError, match="parameter 'duplicates' = 'remove' is not one of"):
        clean_purchase_log(log, duplicates="remove")
    with pytest.raises(DataValidationError, match="no purchase is left"):
        clean_purchase_log(log, start="2030-01-01", end="2030-12-31")
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        clean_purchase_log([1, 2])


def test_contract_and_loading(tmp_path):
    assert PURCHASE_LOG.names == ["customer_id", "date", "amount"]
    good = tmp_path / "log.csv"
    pd.DataFrame(
        {"customer_id": [7, 8], "date": ["2024-01-05", "2024-02-01"], "amount": ["12.5", ""]}
    ).to_csv(good, index=False)
    loaded = load_purchase_log(good)
    assert loaded["customer_id"].tolist() == ["7", "8"]
    assert loaded["amount"].iloc[0] == 12.5 and np.isnan(loaded["amount"].iloc[1])
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"id": [1], "day": ["2024-01-01"], "value": [3]}).to_csv(bad, index=False)
    with pytest.raises(
        DataValidationError, match=r"column 'customer_id' not found in purchase log"
    ):
        load_purchase_log(bad)
    with pytest.raises(DataValidationError, match="file .* not found"):
        load_purchase_log(tmp_path / "nothing.csv")
    with pytest.raises(ParameterError, match="'cdnow_kind' = 'full'"):
        load_purchase_log(cdnow_kind="full")


def test_value_indicators_leave_out_later_customers():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-22", "2024-03-01", "2024-02-15"]),
            "amount": [10.0, 30.0, 99.0, 5.0],
        }
    )
    ind = value_indicators(log, "2024-01-29")
    # b first bought after the calibration end; a's March purchase is not counted.
    assert ind.index.tolist() == ["a"]
    assert ind.loc["a"].tolist() == [40.0, 2.0, 3.0, -1.0]
    with pytest.raises(DataValidationError, match="no purchase on or before calibration_end"):
        value_indicators(log, "2023-12-31")


def test_allocate_budget_by_hand():
    value = pd.Series([100.0, 40.0, 30.0, 12.0, 1.0], index=list("abcde"))
    tiers = pd.Series(["high", "high", "medium", "low", "low"], index=value.index)
    strategies = pd.DataFrame(
        {"strategy": ["H", "M", "L"], "cost_per_customer": [5.0, 2.0, 1.0], "uplift": [0.2] * 3},
        index=["high", "medium", "low"],
    )
    # gains 20, 8, 6, 2.4, 0.2; ratios 4, 1.6, 3, 2.4, 0.2. Greetings 5 x 1 = 5; 10 left:
    # a (5, left 5), c (2, left 3), d (1, left 2), b costs 5 and does not fit; e does not pay.
    plan = allocate_budget(value, tiers, budget=15, strategies=strategies, care_cost=1.0)
    assert plan.customers["funded"].tolist() == [True, False, True, True, False]
    assert plan.care_cost == 5.0 and plan.spent == 13.0
    assert plan.expected_gain == pytest.approx(20 + 6 + 2.4)
    t = plan.tiers
    assert t["funded"].tolist() == [1, 1, 1]
    assert t["strategy_cost"].tolist() == [5.0, 2.0, 1.0]
    assert t.loc["high", "return_per_cost"] == pytest.approx(4.0)
    assert t.loc["high", "share_funded"] == pytest.approx(0.5)


def test_allocate_budget_is_close_to_the_best_subset():
    rng = np.random.default_rng(3)
    value = pd.Series(rng.gamma(1.0, 30.0, 10))
    tiers = pd.Series(rng.choice(["high", "medium", "low"], 10))
    plan = allocate_budget(value, tiers, budget=6.0, care_cost=0.1)
    cost = TIER_STRATEGIES.loc[tiers, "cost_per_customer"].to_numpy()
    gain = TIER_STRATEGIES.loc[tiers, "uplift"].to_numpy() * value.to_numpy()
    left = 6.0 - 1.0
    worth = [i for i in range(10) if gain[i] > cost[i]]
    best = max(
        gain[list(s)].sum()
        for k in range(len(worth) + 1)
        for s in itertools.combinations(worth, k)
        if cost[list(s)].sum() <= left
    )
    f = plan.customers["funded"].to_numpy()
    assert cost[f].sum() <= left + 1e-12
    assert (gain[f] > cost[f]).all()
    # Greedy by ratio is optimal up to the last item that does not fit (Dantzig's bound).
    assert gain[f].sum() <= best + 1e-12
    assert gain[f].sum() >= best - gain[worth].max()


def test_allocate_budget_errors():
    value = pd.Series([10.0, 5.0], index=["a", "b"])
    tiers = pd.Series(["high", "low"], index=value.index)
    with pytest.raises(ParameterError, match="does not cover the greetings for all 2"):
        allocate_budget(value, tiers, budget=0.1, care_cost=0.1)
    with pytest.raises(DataValidationError, match="without a strategy.*'gold'"):
        allocate_budget(value, tiers.replace("low", "gold"), budget=10)
    with pytest.raises(DataValidationError, match="1 missing or negative value"):
        allocate_budget(value.replace(5.0, -1.0), tiers, budget=10)
    with pytest.raises(DataValidationError, match="same index"):
        allocate_budget(value, tiers.set_axis(["x", "y"]), budget=10)
    with pytest.raises(DataValidationError, match=r"lack column\(s\) \['uplift'\]"):
        allocate_budget(value, tiers, 10, strategies=TIER_STRATEGIES.drop(columns="uplift"))
    with pytest.raises(ParameterError, match="'budget' = -1"):
        allocate_budget(value, tiers, budget=-1)


def test_tier_monitoring_by_hand():
    dtype = pd.CategoricalDtype(["high", "medium", "low"], ordered=True)
    tiers = pd.Series(["low", "high", "high", "low"], index=list("abcd")).astype(dtype)
    pred = pd.Series([0.5, 2.0, 1.5, 0.5], index=list("abcd"))
    actual = pd.Series([0, 3, 1, 1], index=list("abcd"))
    pspend = pred * 10
    aspend = pd.Series([0.0, 40.0, 5.0, 10.0], index=list("abcd"))
    t = tier_monitoring(tiers, pred, actual, pspend, aspend)
    assert t.index.tolist() == ["high", "low", "total"]  # empty medium tier left out
    assert t["customers"].tolist() == [2, 2, 4]
    assert t["predicted_purchases"].tolist() == [3.5, 1.0, 4.5]
    assert t["actual_purchases"].tolist() == [4.0, 1.0, 5.0]
    assert t["purchases_error_pct"].tolist() == pytest.approx([-12.5, 0.0, -10.0])
    assert t["active_share"].tolist() == [1.0, 0.5, 0.75]
    assert t["spend_error_pct"].tolist() == pytest.approx(
        [100 * (35 / 45 - 1), 0.0, 100 * (45 / 55 - 1)]
    )


def test_tier_monitoring_errors():
    tiers = pd.Series(["high", "low"], index=["a", "b"])
    with pytest.raises(DataValidationError, match="predicted_purchases has no value for 1"):
        tier_monitoring(tiers, pd.Series([1.0], index=["a"]), pd.Series([1, 0], index=["a", "b"]))
    with pytest.raises(ParameterError, match="pass both predicted_spend and actual_spend"):
        s = pd.Series([1.0, 0.0], index=["a", "b"])
        tier_monitoring(tiers, s, s, predicted_spend=s)


def test_the_loader_reads_workbooks_parquet_and_gbk_alike(tmp_path):
    table = pd.DataFrame(
        {
            "customer_id": ["000123", "000123", "45"],
            "date": pd.to_datetime(["2024-01-05", "2024-01-09", "2024-01-06"]),
            "amount": [12.5, 3.5, 8.0],
            "门店": ["北京", "北京", "上海"],
        }
    )
    table.to_excel(tmp_path / "log.xlsx", index=False)
    table.to_parquet(tmp_path / "log.parquet", index=False)
    (tmp_path / "log.csv").write_bytes(table.to_csv(index=False, sep=";").encode("gbk"))
    for name in ("log.xlsx", "log.parquet", "log.csv"):
        loaded = load_purchase_log(tmp_path / name)
        pd.testing.assert_frame_equal(loaded, table, check_dtype=False)
        assert loaded["customer_id"].tolist() == ["000123", "000123", "45"]
    assert load_purchase_log(tmp_path / "log.csv").attrs["source"]["encoding"] == "gb18030"


def test_the_loader_passes_the_reading_options_on(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id;date;amount\n7;05/01/2024;12,5\n8;06/01/2024;3\n")
    with pytest.raises(DataValidationError, match=r"can be swapped .* dayfirst=True"):
        load_purchase_log(path)
    with pytest.raises(DataValidationError, match=r"written with a decimal comma"):
        load_purchase_log(path, dayfirst=True)
    loaded = load_purchase_log(path, dayfirst=True, decimal=",")
    assert loaded["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-06"]
    assert loaded["amount"].tolist() == [12.5, 3.0]
    us = load_purchase_log(path, date_format="%m/%d/%Y", decimal=",")
    assert us["date"].dt.month.tolist() == [5, 6]
    with pytest.raises(ParameterError, match=r"sep= describe\(s\) how a file is read, but no"):
        load_purchase_log(sep=";")
