"""summarize: hand-worked cases, the published CDNOW summary, an independent implementation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.customer_base.rfm import summarize
from helpers.data import load_cdnow, load_cdnow_published_summary
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError


@pytest.fixture
def log() -> pd.DataFrame:
    rows = [
        ("A", "2024-01-01", 10.0),
        ("A", "2024-01-01", 5.0),  # same day as the first purchase: merged into it
        ("A", "2024-01-15", 20.0),
        ("A", "2024-01-29", 30.0),
        ("A", "2024-02-13", 100.0),  # after observation_end
        ("B", "2024-01-08", 12.0),  # one purchase only
        ("C", "2024-01-29", 7.0),
        ("C", "2024-02-12", 9.0),  # on observation_end: inside the window
        ("D", "2024-02-20", 50.0),  # only after observation_end
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_hand_worked_summary(log):
    with pytest.warns(DataQualityWarning, match=r"2 transaction\(s\) are after observation_end"):
        s = summarize(log, amount_col="amount", observation_end="2024-02-12", time_unit="W")
    # Worked by hand, in weeks (days / 7):
    # A: purchase days Jan 1 (10 + 5), Jan 15 (20), Jan 29 (30): frequency 2,
    #    recency Jan 1 -> Jan 29 = 28 d = 4 w, T Jan 1 -> Feb 12 = 42 d = 6 w, monetary (20+30)/2.
    # B: one purchase Jan 8: frequency 0, recency 0, T = 35 d = 5 w, monetary 0.
    # C: Jan 29 and Feb 12 (the end date): frequency 1, recency = T = 14 d = 2 w, monetary 9.
    expected = pd.DataFrame(
        {
            "frequency": [2, 0, 1],
            "recency": [4.0, 0.0, 2.0],
            "T": [6.0, 5.0, 2.0],
            "monetary_value": [25.0, 0.0, 9.0],
        },
        index=pd.Index(["A", "B", "C"], name="customer_id"),
    )
    pd.testing.assert_frame_equal(s, expected, check_dtype=False)
    assert s["frequency"].dtype == "int64"


def test_hand_worked_calibration_and_holdout(log):
    with pytest.warns(DataQualityWarning) as record:
        s = summarize(
            log,
            amount_col="amount",
            calibration_end="2024-01-22",
            observation_end="2024-02-12",
            time_unit="W",
        )
    messages = " | ".join(str(w.message) for w in record)
    assert "2 transaction(s) are after observation_end" in messages
    assert "1 customer(s) made their first purchase after calibration_end" in messages
    # A: calibration days Jan 1 (15), Jan 15 (20): frequency 1, recency 2 w, T Jan 1-22 = 3 w,
    #    monetary 20; holdout Jan 29 (30): 1 purchase day, mean 30. Holdout Jan 22 -> Feb 12 = 3 w.
    # B: frequency 0, T Jan 8 -> Jan 22 = 2 w; nothing in the holdout.
    # C: first purchase Jan 29 is after calibration_end: not in the calibration cohort.
    expected = pd.DataFrame(
        {
            "frequency": [1, 0],
            "recency": [2.0, 0.0],
            "T": [3.0, 2.0],
            "monetary_value": [20.0, 0.0],
            "frequency_holdout": [1, 0],
            "monetary_value_holdout": [30.0, 0.0],
            "duration_holdout": [3.0, 3.0],
        },
        index=pd.Index(["A", "B"], name="customer_id"),
    )
    pd.testing.assert_frame_equal(s, expected, check_dtype=False)


def test_time_units(log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        days = summarize(log, observation_end="2024-02-12", time_unit="D")
        months = summarize(log, observation_end="2024-02-12", time_unit="M")
    assert days.loc["A", "T"] == 42.0 and days.loc["A", "recency"] == 28.0
    assert months.loc["A", "T"] == pytest.approx(42 / 30.4375)
    assert "monetary_value" not in days.columns  # no amount column, no monetary value


def test_same_day_purchases_at_different_times_merge():
    df = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "date": pd.to_datetime(["2024-03-01 09:00", "2024-03-01 17:30", "2024-03-08 12:00"]),
            "amount": [1.0, 2.0, 4.0],
        }
    )
    s = summarize(df, amount_col="amount", time_unit="W")
    assert s.loc[1, "frequency"] == 1
    assert s.loc[1, "recency"] == 1.0 and s.loc[1, "T"] == 1.0
    assert s.loc[1, "monetary_value"] == 4.0


def test_default_observation_end_is_last_purchase(log):
    s = summarize(log.iloc[:8], amount_col="amount", time_unit="W")  # last purchase Feb 13
    assert s.loc["A", "T"] == pytest.approx(43 / 7)
    assert s.loc["A", "frequency"] == 3


def test_matches_published_cdnow_summary():
    """Every one of the 2,357 customers against the summary published with the BG/NBD paper."""
    with pytest.warns(DataQualityWarning, match=r"21 row\(s\) are exact duplicates"):
        s = summarize(
            load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30", time_unit="W"
        )
    pub = load_cdnow_published_summary()
    assert len(s) == 2_357
    assert s.index.equals(pub.index)
    assert (s["frequency"] == pub["frequency"]).all()
    assert int((s["frequency"] > 0).sum()) == 946
    for col in ["recency", "T"]:
        mismatch = s[col].round(2) != pub[col]
        assert not mismatch.any(), s.loc[mismatch, [col]].join(pub[col], rsuffix="_published")
    # zbar is published to the cent; the exact mean differs from it by at most half a cent.
    assert ((s["monetary_value"] - pub["monetary_value"]).abs() <= 0.005 + 1e-9).all()
    assert s["T"].min().round(2) == 27.00 and s["T"].max().round(2) == 38.86
    assert (s["duration_holdout"] == 39.0).all()


def test_cdnow_holdout_against_independent_count():
    tx = load_cdnow("sample")
    with pytest.warns(DataQualityWarning):
        s = summarize(tx, amount_col="amount", calibration_end="1997-09-30", time_unit="W")
    hold = tx[tx["date"] > "1997-09-30"]
    days = hold.groupby("customer_id")["date"].nunique()
    spend = hold.groupby("customer_id")["amount"].sum()
    assert s["frequency_holdout"].sum() == days.sum() == 1_882
    got = s.loc[days.index, "monetary_value_holdout"]
    np.testing.assert_allclose(got, spend / days, rtol=1e-12)


def _reference_summary(tx: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """A plain pandas implementation of the convention, written independently for the tests."""
    tx = tx[tx["date"].dt.normalize() <= end]  # boundaries are whole days, inclusive
    daily = tx.assign(day=tx["date"].dt.normalize()).groupby(["customer_id", "day"])["amount"].sum()
    daily = daily.reset_index()
    rows = {}
    for cust, g in daily.groupby("customer_id"):
        g = g.sort_values("day")
        first, last = g["day"].iloc[0], g["day"].iloc[-1]
        repeat = g["amount"].iloc[1:]
        rows[cust] = {
            "frequency": len(g) - 1,
            "recency": (last - first).days / 7,
            "T": (end - first).days / 7,
            "monetary_value": repeat.mean() if len(repeat) else 0.0,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    return out


@pytest.mark.parametrize("id_kind", ["dense int", "sparse int", "str"])
def test_matches_independent_implementation_on_random_logs(id_kind):
    rng = np.random.default_rng(7)
    n = 3_000
    ids = rng.integers(0, 400, n)
    if id_kind == "sparse int":
        ids = ids * 10**12 + 5
    elif id_kind == "str":
        ids = np.char.add("c", ids.astype(str))
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "date": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 200 * 24, n), unit="h"),
            "amount": rng.gamma(2.0, 15.0, n).round(2),
        }
    )
    end = pd.Timestamp("2020-06-30")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        got = summarize(tx, amount_col="amount", observation_end=end, time_unit="W")
    want = _reference_summary(tx, end).sort_index()
    assert got.index.tolist() == want.index.tolist()
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)


def test_agrees_with_lifetimes_on_cdnow_master():
    from lifetimes.utils import summary_data_from_transaction_data

    tx = load_cdnow("master")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = summary_data_from_transaction_data(
            tx,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end="1998-06-30",
            freq="D",
            freq_multiplier=7,
        )
        ours = summarize(tx, amount_col="amount", observation_end="1998-06-30", time_unit="W")
    theirs = theirs.sort_index()
    assert ours.index.tolist() == theirs.index.tolist()
    assert (ours["frequency"].to_numpy() == theirs["frequency"].to_numpy()).all()
    for col in ["recency", "T", "monetary_value"]:
        np.testing.assert_allclose(ours[col], theirs[col], rtol=1e-9, atol=1e-9)


def test_input_is_not_modified(log):
    before = log.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        summarize(log, amount_col="amount", calibration_end="2024-01-22", time_unit="W")
    pd.testing.assert_frame_equal(log, before)


def test_summarize_validates_its_input(log):
    bad = log.copy()
    bad.loc[2, "amount"] = -20.0
    with pytest.raises(
        DataValidationError, match=r"column 'amount' has 1 negative value\(s\) \(row 2\)"
    ):
        summarize(bad, amount_col="amount")
    with pytest.raises(DataValidationError, match="column 'when' not found"):
        summarize(log, date_col="when")


def test_summarize_warns_on_duplicates(log):
    dup = pd.concat([log, log.iloc[[5]]], ignore_index=True)
    with pytest.warns(DataQualityWarning, match=r"1 row\(s\) are exact duplicates"):
        s = summarize(dup, amount_col="amount", observation_end="2024-02-20", time_unit="W")
    assert s.loc["B", "frequency"] == 0  # the duplicate falls on the same day: no new purchase


def test_bad_time_unit(log):
    with pytest.raises(
        ParameterError, match=r"parameter 'time_unit' = 'Y' is not one of \['D', 'W', 'M'\]"
    ):
        summarize(log, time_unit="Y")


def test_calibration_must_precede_observation_end(log):
    with pytest.raises(ParameterError, match="calibration_end .* must be before observation_end"):
        summarize(log, calibration_end="2024-03-01", observation_end="2024-02-12")


def test_unreadable_dates_for_the_window(log):
    with pytest.raises(ParameterError, match=r"parameter 'observation_end' = 'soon' is not a date"):
        summarize(log, observation_end="soon")


def test_window_before_every_first_purchase(log):
    with (
        pytest.raises(DataValidationError, match="no customer made a purchase on or before"),
        pytest.warns(DataQualityWarning, match=r"9 transaction\(s\) are after observation_end"),
    ):
        summarize(log, observation_end="2023-12-31")


# --- reading ids and dates (issue 14) --------------------------------------------------------


def test_rfm_table_counts_merged_ids_as_one_customer():
    # "2", " 2" and 2.0 are one customer: the spend must be added up under that one id (a
    # groupby on the raw column would split it and leave monetary empty).
    log = pd.DataFrame(
        {
            "customer_id": ["2", " 2", 2.0, "7"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-05"]),
            "amount": [1.0, 2.0, 4.0, 8.0],
        }
    )
    from helpers.customer_base.rfm import rfm_table

    with pytest.warns(DataQualityWarning, match=r"1 id\(s\) were written in more than one way"):
        rfm = rfm_table(log, observation_end="2024-01-10")
    assert rfm.index.tolist() == ["2", "7"]
    assert rfm["monetary"].tolist() == [7.0, 8.0]
    assert rfm["frequency"].tolist() == [3, 1]
    assert rfm["recency"].tolist() == [5.0, 5.0]


def test_date_options_on_the_pandas_engine(log):
    want = summarize(log, amount_col="amount")
    day_first = log.assign(date=log["date"].dt.strftime("%d/%m/%Y"))
    got = summarize(day_first, amount_col="amount", dayfirst=True)
    pd.testing.assert_frame_equal(got, want)
    numbers = log.assign(date=log["date"].dt.strftime("%Y%m%d").astype(int))
    got = summarize(numbers, amount_col="amount", date_format="%Y%m%d")
    pd.testing.assert_frame_equal(got, want)
    with pytest.raises(DataValidationError, match=r"they look like YYYYMMDD"):
        summarize(numbers, amount_col="amount")


def test_pyarrow_and_time_zones_give_the_numpy_result(log):
    want = summarize(log, amount_col="amount")
    arrow = log.convert_dtypes(dtype_backend="pyarrow")
    pd.testing.assert_frame_equal(summarize(arrow, amount_col="amount"), want)
    # 23:30 in Shanghai is 15:30 UTC: the purchase day is the local one either way; 00:30 in
    # Shanghai is the day before in UTC, and still the local day here.
    late = log.assign(date=(log["date"] + pd.Timedelta(minutes=30)).dt.tz_localize("Asia/Shanghai"))
    end = pd.Timestamp("2024-02-20 23:00", tz="America/New_York")
    pd.testing.assert_frame_equal(summarize(late, amount_col="amount", observation_end=end), want)


def test_file_options_are_for_files(log):
    with pytest.raises(ParameterError, match=r"encoding= and sep= describe how CSV files are read"):
        summarize(log, sep=";")
