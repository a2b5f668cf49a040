"""Bundled data: checksums, counts, loaders; validation of transaction logs."""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data import (
    datasets_dir,
    load_cdnow,
    load_cdnow_published_summary,
    load_donations,
    validate_transactions,
)
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError


def _readme_checksums() -> dict[str, str]:
    text = (datasets_dir() / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", text, flags=re.M)
    return dict(rows)


def test_readme_lists_every_data_file_with_its_checksum():
    listed = _readme_checksums()
    on_disk = {p.name for p in datasets_dir().iterdir() if p.name != "README.md"}
    assert set(listed) == on_disk
    for name, expected in listed.items():
        digest = hashlib.sha256((datasets_dir() / name).read_bytes()).hexdigest()
        assert digest == expected, f"{name} changed: sha256 {digest}"


REPO_DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def test_every_file_of_the_repository_datasets_folder_is_listed_and_shipped():
    """The repository's datasets/ itself (whatever datasets_dir() points at): every file, in
    any subfolder and hidden ones too, has its README row, its checksum and a package-data
    pattern that puts it into the wheel."""
    readme = (REPO_DATASETS / "README.md").read_text(encoding="utf-8")
    table = [ln for ln in readme.splitlines() if ln.startswith("| `")]
    listed = {}
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 4, f"README row needs file, content, shape, sha256: {line!r}"
        name, sha = cells[0].strip("`"), cells[3].strip("`")
        assert re.fullmatch(r"[0-9a-f]{64}", sha), f"{name}: not a sha256: {sha!r}"
        assert cells[1] and cells[2], f"{name}: content and shape must be described"
        listed[name] = sha
    on_disk = {
        p.relative_to(REPO_DATASETS).as_posix(): p
        for p in REPO_DATASETS.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert sorted(set(on_disk) - set(listed)) == [], "files in datasets/ missing from README"
    assert sorted(set(listed) - set(on_disk)) == [], "README rows without a file"
    for name, path in on_disk.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == listed[name], f"{name} changed: sha256 {digest}"
    pyproject = tomllib.loads((REPO_DATASETS.parent / "pyproject.toml").read_text("utf-8"))
    shipped = pyproject["tool"]["setuptools"]["package-data"]["helpers.data.files"]
    for name in on_disk:
        assert "/" not in name, f"{name}: package data ships the top folder only"
        assert any(fnmatch.fnmatch(name, pattern) for pattern in shipped), (
            f"{name} matches no package-data pattern {shipped}: it would not ship in the wheel"
        )


def test_example_files_follow_their_contracts():
    """Each example file of a chapter's data_path loads through its contract, unchanged."""
    from helpers.cases.retail import PURCHASE_LOG
    from helpers.churn.data import load_subscriptions

    before = {p.name: p.read_bytes() for p in REPO_DATASETS.glob("example_*")}
    log = PURCHASE_LOG.read(REPO_DATASETS / "example_purchase_log.csv")
    assert log.shape == (657, 3) and log["customer_id"].nunique() == 200
    assert log["customer_id"].iloc[0] == "0001"  # text, leading zeros kept
    master = load_cdnow("sample")
    first = master[master["customer_id"] <= "0200"].reset_index(drop=True)
    pd.testing.assert_series_equal(log["amount"], first["amount"])
    pd.testing.assert_series_equal(log["date"], first["date"])
    data = load_subscriptions(
        REPO_DATASETS / "example_subscriptions.csv",
        observation_end="2024-12-31",
        usage_path=REPO_DATASETS / "example_usage.csv",
        complaints_path=REPO_DATASETS / "example_complaints.csv",
    )
    assert data["customers"].shape[0] == 300 and len(data["usage"]) == 4_113
    assert len(data["complaints"]) == 401
    assert before == {p.name: p.read_bytes() for p in REPO_DATASETS.glob("example_*")}


def test_cdnow_master_counts_and_types():
    tx = load_cdnow("master")
    assert tx.shape == (69_659, 4)
    assert tx["customer_id"].nunique() == 23_570
    assert list(tx.columns) == ["customer_id", "date", "quantity", "amount"]
    assert tx["customer_id"].map(type).eq(str).all()
    assert tx["date"].dtype == "datetime64[ns]"
    assert tx["quantity"].dtype == "int64" and tx["amount"].dtype == "float64"
    assert tx["date"].min() == pd.Timestamp("1997-01-01")
    assert tx["date"].max() == pd.Timestamp("1998-06-30")
    # The cohort joined in the first quarter of 1997.
    assert tx.groupby("customer_id")["date"].min().max() < pd.Timestamp("1997-04-01")
    assert round(tx["amount"].sum(), 2) == 2_500_315.63
    # The known oddities of the real log: zero amounts and exact duplicate rows.
    assert (tx["amount"] == 0).sum() == 80
    assert tx.duplicated().sum() == 255


def test_cdnow_sample_is_a_subset_of_master():
    sample, master = load_cdnow("sample"), load_cdnow("master")
    assert sample.shape == (6_919, 5)
    assert sample["customer_id"].nunique() == 2_357
    assert sample["customer_id"].min() == "0001" and sample["customer_id"].max() == "2357"
    # Each sample customer maps to one master customer, and their purchases are the same rows.
    assert sample.groupby("customer_id")["master_customer_id"].nunique().eq(1).all()
    merged = sample.merge(
        master.rename(columns={"customer_id": "master_customer_id"}),
        on=["master_customer_id", "date", "quantity", "amount"],
        how="left",
        indicator=True,
    )
    assert (merged["_merge"] == "both").all()
    n_master_rows = master["customer_id"].isin(sample["master_customer_id"]).sum()
    assert n_master_rows == len(sample)


def test_published_summary_loader():
    pub = load_cdnow_published_summary()
    assert pub.shape == (2_357, 4)
    assert int((pub["frequency"] > 0).sum()) == 946
    assert pub["T"].min() == 27.00 and pub["T"].max() == 38.86


def test_donations_counts():
    d = load_donations()
    assert list(d.columns) == ["frequency", "recency", "n_periods", "weight"]
    assert d["weight"].sum() == 11_104
    assert (d["n_periods"] == 6).all()
    assert len(d) == 22  # every (x, t_x) pattern possible in 6 periods: 1 + 6*7/2
    assert (d["recency"] >= d["frequency"]).all()
    assert d.loc[d["frequency"] == 0, "weight"].item() == 3_464


def test_unknown_cdnow_kind():
    with pytest.raises(ParameterError, match="kind='master' or kind='sample'"):
        load_cdnow("full")


def test_datasets_dir_override(tmp_path, monkeypatch):
    (tmp_path / "donations.csv").write_bytes((datasets_dir() / "donations.csv").read_bytes())
    monkeypatch.setenv("HELPERS_DATASETS_DIR", str(tmp_path))
    assert datasets_dir() == tmp_path
    assert load_donations()["weight"].sum() == 11_104
    monkeypatch.setenv("HELPERS_DATASETS_DIR", str(tmp_path / "missing"))
    with pytest.raises(
        FileNotFoundError, match=r"HELPERS_DATASETS_DIR=.*missing.* is not a folder"
    ):
        datasets_dir()


# --- validation ---------------------------------------------------------------------------


@pytest.fixture
def log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03", "2024-01-03"]
            ),
            "amount": [10.0, 20.0, 5.0, 0.0, 7.5],
        }
    )


def test_valid_log_report(log):
    check = validate_transactions(log, amount_col="amount")
    assert check.n_rows == 5 and check.n_customers == 3
    assert check.first_date == pd.Timestamp("2024-01-01")
    assert check.last_date == pd.Timestamp("2024-01-05")
    assert check.n_duplicate_rows == 0 and check.n_zero_amounts == 1


def test_validation_does_not_modify_input(log):
    text = log.copy()
    text["date"] = text["date"].dt.strftime("%Y-%m-%d")
    text["amount"] = text["amount"].astype(str)
    before = text.copy(deep=True)
    validate_transactions(text, amount_col="amount")
    pd.testing.assert_frame_equal(text, before)


def test_missing_column(log):
    with pytest.raises(DataValidationError, match=r"column 'value' not found.*amount_col="):
        validate_transactions(log, amount_col="value")
    with pytest.raises(DataValidationError, match=r"column 'cust' not found.*customer_col="):
        validate_transactions(log, customer_col="cust")


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        validate_transactions([("a", "2024-01-01")])


def test_empty_log(log):
    with pytest.raises(DataValidationError, match="empty"):
        validate_transactions(log.iloc[:0])


def test_unparseable_dates(log):
    bad = log.astype({"date": str})
    bad.loc[[1, 3], "date"] = ["2024-13-45", "yesterday"]
    with pytest.raises(
        DataValidationError,
        match=r"column 'date' of transactions has 2 value\(s\) that are not dates \(rows 1: ",
    ):
        validate_transactions(bad)


def test_missing_dates(log):
    bad = log.copy()
    bad.loc[2, "date"] = pd.NaT
    with pytest.raises(
        DataValidationError, match=r"column 'date' has 1 missing date\(s\) \(row 2\)"
    ):
        validate_transactions(bad)


def test_numeric_dates_are_refused(log):
    bad = log.assign(date=log["date"].dt.strftime("%Y%m%d").astype(int))
    with pytest.raises(DataValidationError, match=r"holds numbers.*format='%Y%m%d'"):
        validate_transactions(bad)


def test_missing_customer_ids(log):
    bad = log.copy()
    bad.loc[[0, 4], "customer_id"] = None
    with pytest.raises(
        DataValidationError,
        match=r"column 'customer_id' of transactions has 2 missing or empty id\(s\) \(rows 0, 4\)",
    ):
        validate_transactions(bad)


def test_non_numeric_amounts(log):
    bad = log.astype({"amount": object})
    bad.loc[1, "amount"] = "$20"
    with pytest.raises(
        DataValidationError,
        match=r"column 'amount' of transactions has 1 value\(s\) written with a currency sign or "
        r"code \(row 1: '\$20'\); remove it",
    ):
        validate_transactions(bad, amount_col="amount")


def test_numeric_text_amounts_are_accepted(log):
    text = log.assign(amount=log["amount"].astype(str))
    assert validate_transactions(text, amount_col="amount").n_zero_amounts == 1


def test_nan_amounts(log):
    bad = log.copy()
    bad.loc[3, "amount"] = np.nan
    with pytest.raises(
        DataValidationError, match=r"column 'amount' has 1 missing value\(s\) \(row 3\)"
    ):
        validate_transactions(bad, amount_col="amount")


def test_infinite_amounts(log):
    bad = log.copy()
    bad.loc[[0, 2], "amount"] = [np.inf, -np.inf]
    with pytest.raises(DataValidationError, match=r"2 infinite value\(s\) \(rows 0, 2\)"):
        validate_transactions(bad, amount_col="amount")


def test_negative_amounts_are_returns(log):
    bad = log.copy()
    bad.loc[[1, 2, 4], "amount"] = [-20.0, -5.0, -1.0]
    with pytest.raises(
        DataValidationError,
        match=r"column 'amount' has 3 negative value\(s\) \(rows 1, 2, 4\); returns must be",
    ):
        validate_transactions(bad, amount_col="amount")


def test_error_shows_at_most_five_rows(log):
    many = pd.concat([log] * 4, ignore_index=True)
    many["amount"] = -1.0
    with pytest.raises(
        DataValidationError, match=r"20 negative value\(s\) \(rows 0, 1, 2, 3, 4, …\)"
    ):
        validate_transactions(many, amount_col="amount")


def test_duplicates_are_kept_and_reported(log):
    dup = pd.concat([log, log.iloc[[1, 1, 3]]], ignore_index=True)
    with pytest.warns(DataQualityWarning, match=r"3 row\(s\) are exact duplicates"):
        check = validate_transactions(dup, amount_col="amount")
    assert check.n_duplicate_rows == 3 and check.n_rows == 8


def test_same_day_different_amount_is_not_a_duplicate(log):
    # Customer c bought twice on 2024-01-03 with different amounts: legitimate, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        assert validate_transactions(log, amount_col="amount").n_duplicate_rows == 0


def test_duplicate_count_matches_pandas_on_cdnow():
    tx = load_cdnow("master")
    with pytest.warns(DataQualityWarning, match="255 row"):
        check = validate_transactions(tx, amount_col="amount")
    assert check.n_duplicate_rows == tx.duplicated().sum() == 255


def test_timezone_aware_dates_use_local_days(log):
    aware = log.assign(date=log["date"].dt.tz_localize("Asia/Shanghai"))
    check = validate_transactions(aware)
    assert check.first_date == pd.Timestamp("2024-01-01")
    assert check.last_date == pd.Timestamp("2024-01-05")
