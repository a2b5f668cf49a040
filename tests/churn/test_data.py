"""A user's subscriber base: the contracts of chapters 06 and 07 and load_subscriptions."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from helpers.churn import survival_table
from helpers.churn.data import (
    COMPLAINT_LOG,
    EXIT_REASONS,
    SUBSCRIPTIONS,
    USAGE_LOG,
    load_subscriptions,
)
from helpers.data import datasets_dir
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.simulate import subscriptions
from helpers.simulate.subscriptions import EXIT_REASONS as SIMULATED_REASONS
from helpers.simulate.subscriptions import LEVELS

OBS = "2024-12-31"
BASE = pd.DataFrame(
    {
        "customer_id": ["0001", "0002", "0003"],
        "start_date": ["2024-01-05", "2024-02-10", "2024-11-20"],
        "end_date": ["", "2024-06-30", ""],
        "plan": ["monthly", "annual", "two-year"],
        "monthly_charge": [30.0, 45.5, 60.0],
        "value_tier": ["low", "high", "medium"],
        "channel": ["store", "online", "phone"],
        "age_band": ["18-29", "30-44", "60+"],
        "complaints": [0, 2, 1],
        "usage_trend": [0.1, -0.2, 0.0],
    }
)


def write(tmp_path, df, name="subs.csv", **kwargs):
    path = tmp_path / name
    if name.endswith(".xlsx"):
        df.to_excel(path, index=False)
    elif name.endswith(".parquet"):
        df.to_parquet(path)
    else:
        path.write_bytes(df.to_csv(index=False).encode(kwargs.get("encoding", "utf-8")))
    return path


def load(path, **kwargs):
    return load_subscriptions(path, observation_end=kwargs.pop("observation_end", OBS), **kwargs)


# --- the contracts ----------------------------------------------------------------------------


def test_contract_levels_are_the_simulators():
    for col, (levels, _) in LEVELS.items():
        column = next(c for c in SUBSCRIPTIONS.columns if c.name == col)
        assert tuple(column.choices) == tuple(levels), col
    assert EXIT_REASONS == SIMULATED_REASONS


def test_simulated_customers_fit_the_contract():
    data, _ = subscriptions(200, random_state=1)
    table = SUBSCRIPTIONS.validate(data["customers"].reset_index())
    assert len(table) == 200
    assert USAGE_LOG.validate(data["usage"]).shape == data["usage"].shape
    assert COMPLAINT_LOG.validate(data["complaints"]).shape == data["complaints"].shape


def test_contract_tables_name_every_column():
    text = SUBSCRIPTIONS.to_markdown()
    for name in SUBSCRIPTIONS.names:
        assert f"`{name}`" in text
    assert "(key, unique)" in text and "one of monthly, annual, two-year" in text


# --- reading ----------------------------------------------------------------------------------


def test_example_files_give_the_simulators_analysis():
    """The example files are the simulator's output: read back, the chapter's durations and
    events are the same as on the simulated tables themselves."""
    folder = datasets_dir()
    data = load_subscriptions(
        folder / "example_subscriptions.csv",
        observation_end=OBS,
        usage_path=folder / "example_usage.csv",
        complaints_path=folder / "example_complaints.csv",
    )
    sim, _ = subscriptions(300, random_state=2024, start="2022-01-01", observation_end=OBS)
    mine = survival_table(data["customers"], observation_end=OBS, time_unit="M")
    truth = survival_table(sim["customers"], observation_end=OBS, time_unit="M")
    np.testing.assert_allclose(mine["duration"], truth["duration"])
    assert (mine["event"] == truth["event"]).all()
    assert mine.index.tolist() == truth.index.tolist()
    assert (
        data["customers"]["exit_family"].fillna("") == sim["customers"]["exit_family"].fillna("")
    ).all()
    pd.testing.assert_frame_equal(
        data["usage"],
        sim["usage"].sort_values(["customer_id", "month"], ignore_index=True),
        check_dtype=False,
    )
    assert data["complaints"]["date"].tolist() == sim["complaints"]["date"].tolist()


def test_table_shape_matches_the_simulator(tmp_path):
    customers = load(write(tmp_path, BASE))["customers"]
    assert customers.index.name == "customer_id"
    assert customers.index.tolist() == ["0001", "0002", "0003"]  # text, zeros kept
    assert customers["plan"].dtype == object  # no empty category levels in group-bys
    assert customers["end_date"].isna().tolist() == [True, False, True]
    assert customers["complaints"].dtype == "int64"


def test_missing_column(tmp_path):
    with pytest.raises(
        DataValidationError, match=r"column 'usage_trend' not found in subscriptions"
    ):
        load(write(tmp_path, BASE.drop(columns="usage_trend")))


def test_bad_date(tmp_path):
    bad = BASE.assign(start_date=["2024-01-05", "2024-02-31", "2024-11-20"])
    with pytest.raises(DataValidationError, match=r"'start_date'.*row 1.*2024-02-31"):
        load(write(tmp_path, bad))


def test_day_first_dates_are_read_by_the_column_or_refused(tmp_path):
    day_first = BASE.assign(start_date=["05/01/2024", "10/02/2024", "20/11/2024"])
    customers = load(write(tmp_path, day_first))["customers"]
    assert customers["start_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-05", "2024-02-10", "2024-11-20",
    ]  # fmt: skip
    ambiguous = BASE.assign(start_date=["05/01/2024", "10/02/2024", "11/11/2024"])
    path = write(tmp_path, ambiguous, "ambiguous.csv")
    with pytest.raises(DataValidationError, match=r"'start_date'.*dayfirst=True"):
        load(path)
    assert load(path, dayfirst=True)["customers"]["start_date"].iloc[1] == pd.Timestamp(
        "2024-02-10"
    )


def test_gbk_file_through_read_table(tmp_path):
    notes = BASE.assign(备注=["老客户", "已退订", "新客户"])
    path = write(tmp_path, notes, encoding="gbk")
    customers = load(path)["customers"]
    assert customers["备注"].tolist() == ["老客户", "已退订", "新客户"]
    assert customers.attrs.get("source", {}).get("encoding", "gb18030") == "gb18030"


def test_xlsx_and_parquet_read_like_csv(tmp_path):
    csv = load(write(tmp_path, BASE))["customers"]
    for name in ("subs.xlsx", "subs.parquet"):
        other = load(write(tmp_path, BASE.replace({"end_date": {"": None}}), name))["customers"]
        pd.testing.assert_frame_equal(
            other[SUBSCRIPTIONS.names[1:]], csv[SUBSCRIPTIONS.names[1:]], check_dtype=False
        )
        assert other.index.tolist() == ["0001", "0002", "0003"]


def test_file_is_not_modified(tmp_path):
    path = write(tmp_path, BASE)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    load(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# --- checks against observation_end -----------------------------------------------------------


def test_duplicated_customer(tmp_path):
    twice = pd.concat([BASE, BASE.iloc[[1]]], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"key column 'customer_id' has 2 duplicated"):
        load(write(tmp_path, twice))


def test_end_before_start(tmp_path):
    bad = BASE.assign(end_date=["", "2024-01-30", ""])
    with pytest.raises(DataValidationError, match=r"'end_date' has 1 date\(s\) before the start"):
        load(write(tmp_path, bad))


def test_start_after_observation_end(tmp_path):
    with pytest.raises(
        DataValidationError, match=r"'start_date' has 1 date\(s\) after observation_end"
    ):
        load(write(tmp_path, BASE), observation_end="2024-10-31")


def test_observation_end_long_after_the_data(tmp_path):
    with pytest.raises(
        DataValidationError,
        match=r"latest start or end date in the file is 2024-11-20, 406 days before "
        r"observation_end 2025-12-31.*observation_end='2024-11-20'",
    ):
        load(write(tmp_path, BASE), observation_end="2025-12-31")
    quiet = load(write(tmp_path, BASE), observation_end="2025-12-31", max_quiet_days=500)
    assert len(quiet["customers"]) == 3


def test_end_after_observation_end_is_kept_as_active(tmp_path):
    later = BASE.assign(end_date=["2025-01-31", "2024-06-30", ""])
    with pytest.warns(DataQualityWarning, match=r"1 end date\(s\) are after observation_end"):
        customers = load(write(tmp_path, later))["customers"]
    table = survival_table(customers, observation_end=OBS)
    assert table["event"].tolist() == [0, 1, 0]


# --- exit reasons -----------------------------------------------------------------------------


def test_exit_reason_gives_its_family(tmp_path):
    reasons = BASE.assign(exit_reason=["", "price", ""])
    customers = load(write(tmp_path, reasons))["customers"]
    assert customers["exit_family"].isna().tolist() == [True, False, True]
    assert customers.loc["0002", "exit_family"] == "our company"


def test_unknown_exit_reason(tmp_path):
    reasons = BASE.assign(exit_reason=["", "too expensive", ""])
    with pytest.raises(DataValidationError, match=r"'exit_reason' has 1 value\(s\).*too expensive"):
        load(write(tmp_path, reasons))


def test_exit_reason_of_an_active_customer(tmp_path):
    reasons = BASE.assign(exit_reason=["service", "price", ""])
    with pytest.raises(DataValidationError, match=r"1 customer\(s\) have an exit_reason but no"):
        load(write(tmp_path, reasons))


def test_departure_without_reason_is_kept_with_a_warning(tmp_path):
    two = BASE.assign(end_date=["2024-03-01", "2024-06-30", ""], exit_reason=["", "price", ""])
    with pytest.warns(DataQualityWarning, match=r"1 of the 2 customers who left have no exit"):
        customers = load(write(tmp_path, two))["customers"]
    assert customers["end_date"].notna().sum() == 2


def test_exit_family_must_agree(tmp_path):
    both = BASE.assign(exit_reason=["", "price", ""], exit_family=["", "related parties", ""])
    with pytest.raises(DataValidationError, match=r"'exit_family' disagrees with exit_reason"):
        load(write(tmp_path, both))


# --- usage and complaint logs -----------------------------------------------------------------


def logs(tmp_path, usage=None, complaints=None):
    usage = usage if usage is not None else pd.DataFrame(
        {"customer_id": ["0001", "0001", "0002"], "month": ["2024-02-01", "2024-03-15", "2024-03"],
         "usage_gb": [10.0, 12.5, 3.0]}
    )  # fmt: skip
    complaints = complaints if complaints is not None else pd.DataFrame(
        {"customer_id": ["0002", "0001"], "date": ["2024-03-02 17:45", "2024-02-01"]}
    )  # fmt: skip
    return {
        "usage_path": write(tmp_path, usage, "usage.csv"),
        "complaints_path": write(tmp_path, complaints, "complaints.csv"),
    }


def test_logs_are_read_and_aligned(tmp_path):
    data = load(write(tmp_path, BASE), **logs(tmp_path))
    usage, complaints = data["usage"], data["complaints"]
    assert usage["month"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-02-01", "2024-03-01", "2024-03-01",
    ]  # fmt: skip
    assert complaints["date"].tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-02")]
    assert complaints["customer_id"].tolist() == ["0001", "0002"]


def test_one_log_without_the_other():
    with pytest.raises(ParameterError, match="pass both usage_path and complaints_path"):
        load_subscriptions("x.csv", observation_end=OBS, usage_path="u.csv")


def test_month_given_twice(tmp_path):
    usage = pd.DataFrame(
        {"customer_id": ["0001", "0001"], "month": ["2024-02-01", "2024-02-20"], "usage_gb": [1, 2]}
    )
    with pytest.raises(DataValidationError, match=r"usage log: 2 rows give a month twice"):
        load(write(tmp_path, BASE), **logs(tmp_path, usage=usage))


def test_log_of_an_unknown_customer(tmp_path):
    complaints = pd.DataFrame({"customer_id": ["0001", "1"], "date": ["2024-02-01", "2024-02-02"]})
    with pytest.raises(
        DataValidationError, match=r"complaint log: 1 row\(s\) belong to customers who are not"
    ):
        load(write(tmp_path, BASE), **logs(tmp_path, complaints=complaints))


def test_log_after_observation_end(tmp_path):
    usage = pd.DataFrame({"customer_id": ["0001"], "month": ["2025-01-01"], "usage_gb": [1.0]})
    with pytest.raises(
        DataValidationError, match=r"usage log: column 'month' has 1 date\(s\) after"
    ):
        load(write(tmp_path, BASE), **logs(tmp_path, usage=usage))


def test_negative_usage(tmp_path):
    usage = pd.DataFrame({"customer_id": ["0001"], "month": ["2024-02-01"], "usage_gb": [-1.0]})
    with pytest.raises(DataValidationError, match=r"usage log: column 'usage_gb' has 1 value"):
        load(write(tmp_path, BASE), **logs(tmp_path, usage=usage))
