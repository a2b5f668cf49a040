"""summarize on a DataFrame: the polars path against the numpy path and a brute-force loop.

With polars installed, ``summarize`` sorts the log once with polars and works on the sorted rows;
without it, the numpy path of ``helpers.data.transactions`` runs. Both must give the same table
and the same warnings. A plain Python loop over the purchases is the independent reference.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.customer_base import rfm
from helpers.customer_base.rfm import summarize
from helpers.exceptions import DataQualityWarning


def _log(n_rows: int, n_customers: int, seed: int, ids: str = "dense") -> pd.DataFrame:
    """A random log over 120 days with same-day repeats, a time of day and some zero amounts."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_customers, n_rows)
    day = rng.integers(0, 120, n_rows)
    repeat = rng.random(n_rows) < 0.15  # a second purchase on the day of the row before
    cust[1:][repeat[1:]] = cust[:-1][repeat[1:]]
    day[1:][repeat[1:]] = day[:-1][repeat[1:]]
    stamp = np.datetime64("2024-01-01", "s") + (day * 86400 + rng.integers(0, 86400, n_rows))
    amount = np.round(rng.gamma(2.0, 20.0, n_rows), 2)
    amount[rng.random(n_rows) < 0.05] = 0.0
    if ids == "dense":
        customer = cust + 1000
    elif ids == "sparse":  # a range far wider than the number of rows: codes by sorting
        customer = cust.astype(np.int64) * 7_919_000_003 + 5
    else:
        customer = np.array([f"c{c:05d}" for c in cust], dtype=object)
    return pd.DataFrame(
        {"customer_id": customer, "date": stamp.astype("datetime64[ns]"), "amount": amount}
    )


def _run(df: pd.DataFrame, **kwargs) -> tuple[pd.DataFrame, list[tuple[type, str]]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = summarize(df, **kwargs)
    return out, [(w.category, str(w.message)) for w in caught]


def _numpy_path(monkeypatch, df: pd.DataFrame, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(rfm, "_polars", lambda: None)
        return _run(df, **kwargs)


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same index (values, dtype, name), columns and dtypes, and bit-identical floats: a pooled
    table (``compressed=True``) groups on the floats, so a last-bit difference between the two
    paths would pool different rows."""
    pd.testing.assert_index_equal(a.index, b.index, exact=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


CASES = {
    "weeks, amounts, observation_end": dict(
        amount_col="amount", observation_end="2024-04-10", time_unit="W"
    ),
    "holdout with late rows and new customers": dict(
        amount_col="amount", calibration_end="2024-02-15", observation_end="2024-04-20"
    ),
    "holdout, months, no amounts": dict(calibration_end="2024-03-01", time_unit="M"),
    "compressed": dict(amount_col="amount", compressed=True, time_unit="W"),
    "compressed holdout": dict(calibration_end="2024-02-01", compressed=True),
}


@pytest.mark.parametrize("ids", ["dense", "sparse", "text"])
@pytest.mark.parametrize("case", list(CASES))
def test_polars_path_equals_numpy_path(monkeypatch, ids, case):
    df = _log(3000, 400, seed=len(case) + len(ids), ids=ids)
    kwargs = CASES[case]
    fast, fast_warnings = _run(df, **kwargs)
    slow, slow_warnings = _numpy_path(monkeypatch, df, **kwargs)
    _assert_same(fast, slow)
    assert fast_warnings == slow_warnings
    assert len(fast) > 100


def test_planted_warnings_are_the_same_on_both_paths(monkeypatch):
    df = _log(2000, 300, seed=3)
    # Exact duplicates of 7 rows (one of them twice): 8 duplicate rows.
    dups = df.iloc[[5, 17, 17, 300, 901, 1200, 1500, 1999]]
    # Same customer, day and amount as a row but another time of day: not a duplicate.
    near = df.iloc[[40, 41]].assign(date=lambda d: d["date"].dt.normalize())
    near = near[~near["date"].isin(df["date"])]
    wide = pd.concat([df, dups, near], ignore_index=True)
    assert wide.duplicated().sum() == 8  # the independent count
    kwargs = dict(amount_col="amount", calibration_end="2024-02-01", observation_end="2024-04-01")
    fast, fast_warnings = _run(wide, **kwargs)
    slow, slow_warnings = _numpy_path(monkeypatch, wide, **kwargs)
    _assert_same(fast, slow)
    assert fast_warnings == slow_warnings
    messages = [m for _, m in fast_warnings]
    assert any(m.startswith("8 row(s) are exact duplicates") for m in messages), messages
    assert any("after observation_end" in m for m in messages)
    assert any("after calibration_end" in m for m in messages)


def test_id_spellings_and_time_zones_are_the_same_on_both_paths(monkeypatch):
    df = _log(1500, 200, seed=11, ids="text")
    df.loc[::50, "customer_id"] = df.loc[::50, "customer_id"] + " "  # merged, with a warning
    df["date"] = df["date"].dt.tz_localize("Asia/Shanghai")
    fast, fast_warnings = _run(df, amount_col="amount")
    slow, slow_warnings = _numpy_path(monkeypatch, df, amount_col="amount")
    _assert_same(fast, slow)
    assert fast_warnings == slow_warnings
    assert any("more than one way" in m for _, m in fast_warnings)


def test_two_column_sort_equals_packed_sort(monkeypatch):
    df = _log(3000, 400, seed=5)
    kwargs = dict(amount_col="amount", calibration_end="2024-02-15")
    packed, _ = _run(df, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(rfm, "_PACK_BITS", 0)  # no packed key fits: the two-column sort runs
        two_columns, _ = _run(df, **kwargs)
    _assert_same(packed, two_columns)


def test_without_polars_installed_the_numpy_path_runs(monkeypatch):
    df = _log(1000, 100, seed=8)
    fast, _ = _run(df, amount_col="amount")
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars now raises ImportError
    assert rfm._polars() is None
    slow, _ = _run(df, amount_col="amount")
    _assert_same(fast, slow)


def _brute_force(df: pd.DataFrame, cal: pd.Timestamp, obs: pd.Timestamp, unit: float):
    """The summary by a loop over customers and their purchase days (no numpy grouping)."""
    spend: dict = {}
    for cid, stamp, amount in df[["customer_id", "date", "amount"]].itertuples(index=False):
        day = pd.Timestamp(stamp).normalize()
        if day <= obs:
            spend.setdefault(cid, {}).setdefault(day, 0.0)
            spend[cid][day] += amount
    rows = {}
    for cid, by_day in spend.items():
        cal_days = sorted(d for d in by_day if d <= cal)
        hold_days = [d for d in by_day if d > cal]
        if not cal_days:
            continue
        repeat = [by_day[d] for d in cal_days[1:]]
        rows[cid] = {
            "frequency": len(cal_days) - 1,
            "recency": (cal_days[-1] - cal_days[0]).days / unit,
            "T": (cal - cal_days[0]).days / unit,
            "monetary_value": sum(repeat) / len(repeat) if repeat else 0.0,
            "frequency_holdout": len(hold_days),
            "monetary_value_holdout": (
                sum(by_day[d] for d in hold_days) / len(hold_days) if hold_days else 0.0
            ),
            "duration_holdout": (obs - cal).days / unit,
        }
    out = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    out.index.name = "customer_id"
    return out


@pytest.mark.parametrize("ids", ["dense", "text"])
def test_polars_path_equals_brute_force(ids):
    df = _log(2500, 300, seed=21, ids=ids)
    cal, obs = pd.Timestamp("2024-02-20"), pd.Timestamp("2024-04-05")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        s = summarize(
            df, amount_col="amount", calibration_end=cal, observation_end=obs, time_unit="W"
        )
    expected = _brute_force(df, cal, obs, 7.0)
    assert list(s.index) == list(expected.index)
    np.testing.assert_array_equal(s["frequency"], expected["frequency"])
    np.testing.assert_array_equal(s["frequency_holdout"], expected["frequency_holdout"])
    for col in ("recency", "T", "monetary_value", "monetary_value_holdout", "duration_holdout"):
        np.testing.assert_allclose(s[col], expected[col], rtol=1e-12, atol=1e-12, err_msg=col)
    assert (s["frequency"] > 0).sum() > 100 and (s["frequency_holdout"] > 0).sum() > 50


def test_cdnow_duplicate_rows_are_counted_as_published():
    # The CDNOW log has 255 exact duplicate rows (helpers.data.validate_transactions).
    from helpers.data import load_cdnow

    cdnow = load_cdnow()
    _, caught = _run(cdnow, amount_col="amount")
    assert int(cdnow.duplicated().sum()) == 255  # the independent count
    assert any(m.startswith("255 row(s) are exact duplicates") for _, m in caught), caught
