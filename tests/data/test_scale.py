"""summarize on DuckDB and Spark: the same table as pandas, edge cases, pooling, errors.

The Spark tests run Spark in local mode in this process (one session for the module). They need
pyspark (the spark extra) and a Java runtime; without either they fail, naming the make target
that installs it, rather than being skipped.
"""

from __future__ import annotations

import hashlib
import os
import sys
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

from helpers.clv import BGNBD, GammaGamma
from helpers.customer_base.rfm import summarize
from helpers.data.scale import summary_sql
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.simulate.purchases import simulate_bgnbd_transactions

# --------------------------------------------------------------------------------------------
# Data: a log with every edge case of the convention
# --------------------------------------------------------------------------------------------

CAL, OBS = "2024-01-22", "2024-02-12"


def edge_log() -> pd.DataFrame:
    """Amounts are multiples of 0.25, so every sum is exact in any order: all engines must give
    bit-identical tables."""
    rows = [
        ("A", "2024-01-01 09:00", 10.0),
        ("A", "2024-01-01 17:30", 5.0),  # same day as the first purchase: merged into it
        ("A", "2024-01-15 12:00", 20.0),
        ("A", "2024-01-22 23:59", 2.5),  # on calibration_end, late in the day: calibration
        ("A", "2024-01-23 00:00", 30.0),  # first minute after calibration_end: holdout
        ("A", "2024-02-13 00:00", 100.0),  # day after observation_end: left out
        ("B", "2024-01-08 10:00", 12.0),  # one purchase only
        ("C", "2024-01-29 08:00", 7.0),  # first purchase in the holdout: not in the cohort
        ("C", "2024-02-12 23:00", 9.0),  # on observation_end: inside the window
        ("D", "2024-01-22 00:00", 3.25),  # first purchase on calibration_end: T = 0
        ("D", "2024-02-12 10:00", 4.75),  # its holdout purchase on observation_end
        ("E", "2024-01-02 08:00", 1.0),  # repeat purchases on one day only
        ("E", "2024-01-10 08:00", 2.0),
        ("E", "2024-01-10 20:00", 2.0),
        ("E", "2024-01-10 21:00", 0.0),  # a free item
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def write_parquet(df: pd.DataFrame, path) -> None:
    """Parquet through DuckDB (no pyarrow needed); timestamps in microseconds, as Spark reads."""
    con = duckdb.connect()
    con.register("df", df)
    cols = ", ".join(
        f'CAST("{c}" AS TIMESTAMP) AS "{c}"'
        if pd.api.types.is_datetime64_any_dtype(df[c])
        else f'"{c}"'
        for c in df.columns
    )
    con.execute(f"COPY (SELECT {cols} FROM df) TO '{path}' (FORMAT parquet)")
    con.close()


@pytest.fixture
def log() -> pd.DataFrame:
    return edge_log()


@pytest.fixture
def files(tmp_path, log):
    """The edge log as Parquet and as CSV, in a folder of its own."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_parquet(log, folder / "log.parquet")
    log.to_csv(folder / "log.csv", index=False)
    return folder


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fn(*args, **kwargs)


# --------------------------------------------------------------------------------------------
# Hand-worked expectations, engine by engine
# --------------------------------------------------------------------------------------------

# Worked by hand in days, calibration to Jan 22, observation to Feb 12 (holdout 21 days):
# A: calibration days Jan 1 (15), Jan 15 (20), Jan 22 (2.5): frequency 2, recency 21, T 21,
#    monetary (20 + 2.5) / 2 = 11.25; holdout Jan 23 (30): 1 day, mean 30; Feb 13 left out.
# B: Jan 8 only: frequency 0, recency 0, T 14, monetary 0; no holdout purchase.
# C: first purchase Jan 29 is in the holdout: not in the cohort (warning).
# D: Jan 22 only in calibration: frequency 0, recency 0, T 0; holdout Feb 12 (4.75).
# E: Jan 2 (1), Jan 10 (2 + 2 + 0): frequency 1, recency 8, T 20, monetary 4.
HAND = pd.DataFrame(
    {
        "frequency": [2, 0, 0, 1],
        "recency": [21.0, 0.0, 0.0, 8.0],
        "T": [21.0, 14.0, 0.0, 20.0],
        "monetary_value": [11.25, 0.0, 0.0, 4.0],
        "frequency_holdout": [1, 0, 1, 0],
        "monetary_value_holdout": [30.0, 0.0, 4.75, 0.0],
        "duration_holdout": [21.0, 21.0, 21.0, 21.0],
    },
    index=pd.Index(["A", "B", "D", "E"], name="customer_id"),
)


def source_of(kind: str, log: pd.DataFrame, files):
    return {
        "frame": log,
        "parquet": files / "log.parquet",
        "csv": str(files / "log.csv"),
        "glob": str(files / "*.parquet"),
    }[kind]


@pytest.mark.parametrize("kind", ["frame", "parquet", "csv", "glob"])
def test_duckdb_matches_the_hand_worked_summary(kind, log, files):
    src = source_of(kind, log, files)
    with pytest.warns(DataQualityWarning) as record:
        s = summarize(
            src,
            amount_col="amount",
            calibration_end=CAL,
            observation_end=OBS,
            time_unit="D",
            engine="duckdb",
        )
    messages = " | ".join(str(w.message) for w in record)
    assert "1 transaction(s) are after observation_end (2024-02-12)" in messages
    assert "1 customer(s) made their first purchase after calibration_end" in messages
    pd.testing.assert_frame_equal(s, HAND)


@pytest.mark.parametrize("unit", ["D", "W", "M"])
@pytest.mark.parametrize("calibration", [None, CAL])
@pytest.mark.parametrize("amounts", [None, "amount"])
@pytest.mark.parametrize("kind", ["frame", "parquet", "csv"])
def test_duckdb_equals_pandas(kind, amounts, calibration, unit, log, files):
    kw = dict(amount_col=amounts, calibration_end=calibration, observation_end=OBS, time_unit=unit)
    want = quiet(summarize, log, **kw)
    got = quiet(summarize, source_of(kind, log, files), engine="duckdb", **kw)
    pd.testing.assert_frame_equal(got, want)  # exact: amounts are sums of quarters


@pytest.mark.parametrize("id_kind", ["dense int", "sparse int", "str"])
def test_duckdb_equals_pandas_on_random_logs(id_kind, tmp_path):
    rng = np.random.default_rng(11)
    n = 4_000
    ids = rng.integers(0, 500, n)
    if id_kind == "sparse int":
        ids = ids * 10**12 + 5
    elif id_kind == "str":
        ids = np.char.add("c", ids.astype(str))
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "date": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 300 * 24 * 60, n), unit="min"),
            "amount": rng.gamma(2.0, 15.0, n).round(2),
        }
    )
    write_parquet(tx, tmp_path / "tx.parquet")
    kw = dict(amount_col="amount", calibration_end="2020-07-31", observation_end="2020-10-15")
    want = quiet(summarize, tx, **kw)
    got = quiet(summarize, tmp_path / "tx.parquet", **kw)
    assert got.index.tolist() == want.index.tolist()
    assert got.index.dtype == want.index.dtype
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)  # sums add in another order


def test_default_observation_end_is_the_last_purchase(log, files):
    want = quiet(summarize, log, amount_col="amount", time_unit="W")
    got = quiet(summarize, files / "log.parquet", amount_col="amount", time_unit="W")
    pd.testing.assert_frame_equal(got, want)
    assert got.loc["A", "T"] == pytest.approx(43 / 7)  # Jan 1 -> Feb 13, the last purchase day


# --------------------------------------------------------------------------------------------
# Pooled (compressed) output
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("amounts", [None, "amount"])
def test_compressed_is_the_value_counts_of_the_full_summary(engine, amounts):
    tables, _ = simulate_bgnbd_transactions(
        3_000, 0.25, 4.0, 0.8, 2.5, time_unit="W", spend=(6.0, 4.0, 15.0), random_state=5
    )
    tx = tables["transactions"]
    tx["amount"] = tx["amount"].round(2)
    full = summarize(tx, amount_col=amounts, time_unit="W")
    pooled = summarize(tx, amount_col=amounts, engine=engine, compressed=True, time_unit="W")
    want = full.value_counts().rename("count").reset_index()
    want = want.sort_values(list(full.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(pooled, want, check_exact=engine == "pandas", rtol=1e-12)
    assert pooled["count"].sum() == len(full) == 3_000
    # Customers without repeat purchases differ only in T (spend 0): one pooled row per T.
    once = full[full["frequency"] == 0]
    assert int((pooled["frequency"] == 0).sum()) == once["T"].nunique() <= 90  # days of joining
    # Repeat customers pool only on (frequency, recency, T) without amounts; with amounts their
    # mean spend is (here) unique, so each keeps a row of its own.
    repeaters = len(full) - len(once)
    if amounts is None:
        assert len(pooled) <= repeaters + once["T"].nunique()
    else:
        assert len(pooled) == repeaters + once["T"].nunique()


def test_models_fit_the_same_on_compressed_and_full_tables():
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    tables, _ = simulate_bgnbd_transactions(
        8_000, **truth, end="2025-06-30", time_unit="W", spend=(6.0, 4.0, 15.0), random_state=21
    )
    tx = tables["transactions"]
    full = summarize(tx, amount_col="amount", time_unit="W")
    pooled = summarize(tx, amount_col="amount", compressed=True, engine="duckdb", time_unit="W")
    bg_full = BGNBD().fit(full)
    bg_pooled = BGNBD().fit(pooled, weight_col="count")
    for k in truth:
        assert bg_pooled.params_[k] == pytest.approx(bg_full.params_[k], rel=1e-6)
    assert bg_pooled.log_likelihood_ == pytest.approx(bg_full.log_likelihood_, rel=1e-9)
    # The planted truth lies in the 95% intervals of the fit (fixed seed).
    ci = bg_pooled.confidence_intervals_
    for k, v in truth.items():
        assert ci.loc[k, "ci_low"] <= v <= ci.loc[k, "ci_high"], (k, v, ci.loc[k])
    rep_full, rep_pooled = full[full["frequency"] > 0], pooled[pooled["frequency"] > 0]
    gg_full = GammaGamma().fit(rep_full)
    gg_pooled = GammaGamma().fit(rep_pooled, weight_col="count")
    for k in ("p", "q", "gamma"):
        assert gg_pooled.params_[k] == pytest.approx(gg_full.params_[k], rel=1e-6)


# --------------------------------------------------------------------------------------------
# The one query
# --------------------------------------------------------------------------------------------


def test_the_two_dialects_differ_only_in_day_numbers_and_quoting():
    kw = dict(amount_col="amount", observation_day=19_800, calibration_day=19_700, unit_days=7.0)
    duck = summary_sql("src", dialect="duckdb", **kw)
    spark = summary_sql("src", dialect="spark", **kw)
    duck_day = "(CAST(\"date\" AS DATE) - DATE '1970-01-01')"
    spark_day = "datediff(CAST(`date` AS DATE), DATE '1970-01-01')"
    assert duck_day in duck and spark_day in spark
    normalised = duck.replace(duck_day, "DAY").replace('"', "`")
    assert normalised == spark.replace(spark_day, "DAY")
    with pytest.raises(
        ParameterError, match=r"parameter 'dialect' = 'mysql' is not one of \['duckdb', 'spark'\]"
    ):
        summary_sql("src", dialect="mysql", observation_day=1)


# --------------------------------------------------------------------------------------------
# Inputs: CSV dates, ids, files left alone
# --------------------------------------------------------------------------------------------


def test_csv_with_a_date_format_and_text_ids(tmp_path):
    csv = tmp_path / "tx.csv"
    csv.write_text(
        "customer_id,date,amount\n0001,31/01/2024,10.5\n0001,05/02/2024,4.5\n0002,01/02/2024,3\n"
    )
    s = summarize(str(csv), amount_col="amount", date_format="%d/%m/%Y", time_unit="D")
    assert s.index.tolist() == ["0001", "0002"]  # text ids keep their zeros
    assert s.loc["0001"].tolist() == [1, 5.0, 5.0, 4.5]
    assert s.loc["0002"].tolist() == [0, 0.0, 4.0, 0.0]


def test_a_folder_or_a_list_of_files(tmp_path, log):
    folder = tmp_path / "parts"
    folder.mkdir()
    write_parquet(log.iloc[:7], folder / "part-0.parquet")
    write_parquet(log.iloc[7:], folder / "part-1.parquet")
    want = quiet(summarize, log, amount_col="amount")
    pd.testing.assert_frame_equal(quiet(summarize, folder, amount_col="amount"), want)
    listed = [folder / "part-0.parquet", str(folder / "part-1.parquet")]
    pd.testing.assert_frame_equal(quiet(summarize, listed, amount_col="amount"), want)


def test_inputs_are_not_modified_and_nothing_is_written_beside_them(tmp_path, files, log):
    def digest(folder):
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    before = digest(files)
    spill = tmp_path / "spill"
    frame = log.copy(deep=True)
    for src in (files / "log.parquet", files / "log.csv", frame):
        quiet(summarize, src, amount_col="amount", engine="duckdb", temp_dir=spill)
    assert digest(files) == before
    pd.testing.assert_frame_equal(frame, log)
    assert list(spill.iterdir()) == []  # DuckDB's own spill folder was removed afterwards


def test_memory_settings_are_passed_to_duckdb(files):
    s = quiet(summarize, files / "log.parquet", memory_limit="256MB", threads=1)
    assert len(s) == 5
    with pytest.raises(ParameterError, match=r"DuckDB refused the settings memory_limit='lots'"):
        summarize(files / "log.parquet", memory_limit="lots")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_bad_engine_and_mismatched_inputs(log, files):
    with pytest.raises(ParameterError, match=r"parameter 'engine' = 'polars' is not one of"):
        summarize(log, engine="polars")
    with pytest.raises(ParameterError, match=r"engine='pandas' does not take files"):
        summarize(files / "log.parquet", engine="pandas")
    with pytest.raises(ParameterError, match=r"engine='spark' does not take a pandas DataFrame"):
        summarize(log, engine="spark")
    with pytest.raises(
        ParameterError,
        match=r"'compressed' = 'yes' is not one of \[True, False\]; pass True",
    ):
        summarize(log, compressed="yes")


def test_missing_files_and_unsupported_suffixes(tmp_path, files):
    with pytest.raises(ParameterError, match=r"transactions='.*\*\.parquet' matches no file"):
        summarize(str(tmp_path / "nowhere" / "*.parquet"))
    with pytest.raises(ParameterError, match=r"no such file or folder; check the path"):
        summarize(tmp_path / "missing.parquet")
    (tmp_path / "tx.json").write_text("{}")
    with pytest.raises(ParameterError, match=r"file '.*tx.json' has an unsupported suffix"):
        summarize(tmp_path / "tx.json")
    with pytest.raises(ParameterError, match=r"transactions mixes Parquet and CSV files"):
        summarize(str(files / "log.*"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError, match=r"is a folder without Parquet or CSV files"):
        summarize(tmp_path / "empty")


def test_missing_column(files):
    with pytest.raises(
        DataValidationError,
        match=r"column 'when' not found in transactions \(the date column\); it has columns "
        r"\['customer_id', 'date', 'amount'\]; pass date_col=<name>",
    ):
        summarize(files / "log.parquet", date_col="when")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("customer_id", None, r"column 'customer_id' has 1 missing or empty customer id\(s\)"),
        ("date", None, r"column 'date' has 1 missing date\(s\) \(e\.g\. customer_id 'B' without"),
        (
            "amount",
            -20.0,
            r"column 'amount' has 1 negative value\(s\) \(e\.g\. customer_id 'B' on 2024-01-08 "
            r"10:00:00: -20\.0\); returns must be removed or netted",
        ),
        ("amount", np.nan, r"column 'amount' has 1 missing value\(s\)"),
        ("amount", np.inf, r"column 'amount' has 1 infinite value\(s\)"),
    ],
)
def test_bad_values_in_parquet(tmp_path, log, column, value, message):
    bad = log.copy()
    bad[column] = bad[column].astype(object) if value is None else bad[column]
    bad.loc[6, column] = value  # row 6 is customer B's only purchase
    if column == "date":
        bad["date"] = pd.to_datetime(bad["date"])
    write_parquet(bad, tmp_path / "bad.parquet")
    with pytest.raises(DataValidationError, match=message):
        summarize(tmp_path / "bad.parquet", amount_col="amount")


def test_bad_text_in_csv(tmp_path):
    csv = tmp_path / "tx.csv"
    csv.write_text("customer_id,date,amount\nA,2024-01-01,10\nA,yesterday,5\nB,2024-01-03,$7\n")
    with pytest.raises(
        DataValidationError,
        match=r"column 'date' has 1 value\(s\) that are not dates \(e\.g\. customer_id 'A' on "
        r"yesterday: '5'\); write dates as ISO 8601",
    ):
        summarize(csv, amount_col="amount")
    csv.write_text("customer_id,date,amount\nA,2024-01-01,10\nB,2024-01-03,$7\n")
    with pytest.raises(
        DataValidationError, match=r"column 'amount' has 1 non-numeric value\(s\).*'\$7'"
    ):
        summarize(csv, amount_col="amount")


def test_numeric_dates_and_empty_files(tmp_path):
    write_parquet(pd.DataFrame({"customer_id": [1], "date": [20240101]}), tmp_path / "n.parquet")
    with pytest.raises(DataValidationError, match=r"column 'date' holds BIGINT values, not dates"):
        summarize(tmp_path / "n.parquet")
    (tmp_path / "e.csv").write_text("customer_id,date\n")
    with pytest.raises(DataValidationError, match=r"transactions is empty \(0 rows\)"):
        summarize(tmp_path / "e.csv")


def test_window_errors_as_in_pandas(files):
    with pytest.raises(ParameterError, match="calibration_end .* must be before observation_end"):
        summarize(files / "log.parquet", calibration_end="2024-03-01", observation_end=OBS)
    with pytest.raises(ParameterError, match="calibration_end .* must be before observation_end"):
        summarize(files / "log.parquet", calibration_end="2024-03-01")  # after the last day
    with (
        pytest.raises(DataValidationError, match="no customer made a purchase on or before"),
        pytest.warns(DataQualityWarning, match=r"15 transaction\(s\) are after observation_end"),
    ):
        summarize(files / "log.parquet", observation_end="2023-12-31")


def test_spark_engine_without_pyspark(monkeypatch, files):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ParameterError, match=r"needs pyspark: pip install -e \.\[spark\]"):
        summarize(files / "log.parquet", engine="spark")


# --------------------------------------------------------------------------------------------
# Spark, local mode
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    from spark_env import require_spark  # course/tools: skip without Java, fail under CI

    require_spark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no network: this machine only
    session = (
        SparkSession.builder.master("local[2]")
        .appName("helpers-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("unit", ["D", "W", "M"])
@pytest.mark.parametrize("calibration", [None, CAL])
def test_spark_equals_pandas(spark, files, log, calibration, unit):
    kw = dict(amount_col="amount", calibration_end=calibration, observation_end=OBS, time_unit=unit)
    want = quiet(summarize, log, **kw)
    df = spark.read.parquet(str(files / "log.parquet"))
    got = quiet(summarize, df, **kw)
    pd.testing.assert_frame_equal(got, want)


def test_spark_hand_worked_with_warnings_from_csv_files(spark, files):
    with pytest.warns(DataQualityWarning) as record:
        s = summarize(
            str(files / "log.csv"),
            amount_col="amount",
            calibration_end=CAL,
            observation_end=OBS,
            time_unit="D",
            engine="spark",
        )
    messages = " | ".join(str(w.message) for w in record)
    assert "1 transaction(s) are after observation_end (2024-02-12)" in messages
    assert "1 customer(s) made their first purchase after calibration_end" in messages
    pd.testing.assert_frame_equal(s, HAND)


def test_spark_compressed_and_without_amounts(spark, files, log):
    df = spark.read.parquet(str(files / "log.parquet"))
    want = quiet(summarize, log, observation_end=OBS, compressed=True)
    got = quiet(summarize, df, observation_end=OBS, compressed=True)
    pd.testing.assert_frame_equal(got, want)
    assert got["count"].tolist() == [1, 1, 1, 1, 1] and got["count"].dtype == np.int64


def test_spark_date_format_and_errors(spark, tmp_path):
    csv = tmp_path / "tx.csv"
    csv.write_text("customer_id,date,amount\n0001,31/01/2024,10.5\n0001,05/02/2024,4.5\n")
    s = summarize(
        str(csv), amount_col="amount", date_format="%d/%m/%Y", time_unit="D", engine="spark"
    )
    assert s.index.tolist() == ["0001"] and s.loc["0001"].tolist() == [1, 5.0, 5.0, 4.5]
    csv.write_text("customer_id,date,amount\n0001,2024-01-31,-3\n")
    with pytest.raises(DataValidationError, match=r"column 'amount' has 1 negative value\(s\)"):
        summarize(str(csv), amount_col="amount", engine="spark")
    with pytest.raises(ParameterError, match=r"uses '%j', which the Spark engine cannot"):
        summarize(str(csv), date_format="%Y-%j", engine="spark")
    with pytest.raises(ParameterError, match=r"engine='duckdb' does not take a Spark DataFrame"):
        summarize(spark.read.csv(str(csv), header=True), engine="duckdb")


# --------------------------------------------------------------------------------------------
# CSV files as exported: encodings, delimiters, spellings of ids (issue 14)
# --------------------------------------------------------------------------------------------


def test_a_gb18030_file_is_read_from_a_utf8_copy_that_is_removed(tmp_path, log):
    folder = tmp_path / "in"
    folder.mkdir()
    text = log.assign(备注="会员").to_csv(index=False, sep=";")
    (folder / "log.csv").write_bytes(text.encode("gb18030"))
    before = sorted(p.name for p in folder.iterdir())
    spill = tmp_path / "spill"
    got = quiet(summarize, folder / "log.csv", amount_col="amount", temp_dir=spill)
    pd.testing.assert_frame_equal(got, quiet(summarize, log, amount_col="amount"))
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing beside the input
    assert list(spill.iterdir()) == []  # the copy went with DuckDB's own folder


def test_csv_files_with_different_delimiters_are_refused(tmp_path, log):
    log.to_csv(tmp_path / "a.csv", index=False)
    log.to_csv(tmp_path / "b.csv", index=False, sep=";")
    with pytest.raises(DataValidationError, match=r"the CSV files use different delimiters"):
        summarize([tmp_path / "a.csv", tmp_path / "b.csv"])
    with pytest.raises(ParameterError, match=r"parameter 'encoding' = 'klingon' is not a text"):
        summarize(tmp_path / "a.csv", encoding="klingon")


def test_text_ids_follow_the_pandas_rules_on_duckdb(tmp_path):
    csv = tmp_path / "tx.csv"
    csv.write_text("customer_id,date\n 7,2024-01-01\n7.0,2024-01-03\n007,2024-01-04\n")
    with pytest.warns(DataQualityWarning, match=r"1 id\(s\) were written in more than one way"):
        s = summarize(csv)
    frame = pd.DataFrame(
        {"customer_id": [" 7", "7.0", "007"], "date": ["2024-01-01", "2024-01-03", "2024-01-04"]}
    )
    with pytest.warns(DataQualityWarning, match=r"1 id\(s\) were written in more than one way"):
        want = summarize(frame)
    pd.testing.assert_frame_equal(s, want)
    assert s.index.tolist() == ["007", "7"]


def test_spark_refuses_csv_that_is_not_utf8(spark, tmp_path, log):
    (tmp_path / "log.csv").write_bytes(log.to_csv(index=False).encode("utf-16"))
    with pytest.raises(DataValidationError, match=r"is utf-16 text; the Spark engine reads CSV"):
        summarize(str(tmp_path / "log.csv"), engine="spark")
