"""Chapters on a user's own file: each chapter with a ``data_path`` runs end to end on the example
file of its contract (datasets/example_*), and prints numbers that the test computes again,
independently, from the file itself with plain pandas.

The runs are marked ``notebooks`` (papermill, 10-35 s each); the example files are small.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError
from runner import NOTEBOOKS

DATASETS = NOTEBOOKS.parent / "datasets"
# Paths as a user passes them: relative to the folder the chapter runs in.
LOG = "../datasets/example_purchase_log.csv"
SUBSCRIPTIONS = {
    "data_path": "../datasets/example_subscriptions.csv",
    "usage_path": "../datasets/example_usage.csv",
    "complaints_path": "../datasets/example_complaints.csv",
}


def _run(chapter: str, tmp_path, parameters: dict) -> str:
    """Execute a chapter with papermill; return everything its cells printed."""
    out = tmp_path / f"{chapter}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{chapter}.ipynb"),
        str(out),
        parameters=parameters,
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    nb = nbformat.read(out, as_version=4)
    return "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not printed:\n{text}"
    return float(found.group(1).replace(",", ""))


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return pd.read_csv(
        DATASETS / "example_purchase_log.csv", dtype={"customer_id": str}, parse_dates=["date"]
    )


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return pd.read_csv(
        DATASETS / "example_subscriptions.csv", parse_dates=["start_date", "end_date"]
    )


@pytest.mark.notebooks
def test_02_segmentation_on_the_example_log(tmp_path, log):
    text = _run("02_segmentation", tmp_path, {"data_path": LOG, "k_max": 5, "n_accounts": 60})
    revenue = log.groupby("customer_id")["amount"].sum()
    top = revenue.nlargest(int(0.2 * len(revenue))).sum() / revenue.sum()  # 40 of 200
    assert _number(r"top 20% of customers: ([\d.]+)% of revenue", text) == round(100 * top, 1)


@pytest.mark.notebooks
def test_03_customer_value_on_the_example_log(tmp_path, log):
    text = _run("03_customer_value", tmp_path, {"data_path": LOG})
    found = re.search(
        r"step 2: ([\d,]+) purchases of ([\d,]+) customers, (\d+) duplicate rows kept, "
        r"(\d+) zero amounts",
        text,
    )
    assert found, text
    assert [int(g.replace(",", "")) for g in found.groups()] == [
        len(log),
        log["customer_id"].nunique(),
        int(log.duplicated().sum()),
        int((log["amount"] == 0).sum()),
    ]


@pytest.mark.notebooks
def test_04_clv_models_on_the_example_log(tmp_path, log):
    text = _run("04_clv_models", tmp_path, {"data_path": LOG, "clv_months": 6})
    days = log.drop_duplicates(["customer_id", "date"])
    # Repeat purchases: purchase days after each customer's first, over the whole log.
    repeat = len(days) - log["customer_id"].nunique()
    assert (
        _number(r"BG/NBD: [\d,]+ cumulative repeat purchases by week \d+ vs ([\d,]+) actual", text)
        == repeat
    )
    calibration = days[days["date"] <= "1997-09-30"].groupby("customer_id").size() - 1
    table = re.search(r"frequency\s*\n((?:\d+\s+\d+.*\n)+)", text)
    assert table, text
    printed = {int(r.split()[0]): int(r.split()[1]) for r in table.group(1).splitlines()}
    expected = calibration.clip(upper=7).value_counts().to_dict()
    assert printed == expected


@pytest.mark.notebooks
def test_08_silent_churn_on_the_example_log(tmp_path, log):
    text = _run("08_churn_noncontractual", tmp_path, {"data_path": LOG, "inactivity_weeks": 8})
    n = log["customer_id"].nunique()
    again = log[log["date"] > "1997-09-30"]["customer_id"].nunique() / n
    assert _number(r"customers: ([\d,]+);", text) == n
    assert _number(r"bought again in the \d+-week holdout: ([\d.]+)%", text) == round(
        100 * again, 1
    )


@pytest.mark.notebooks
def test_06_survival_on_the_example_subscriptions(tmp_path, customers):
    text = _run(
        "06_churn_survival",
        tmp_path,
        {"data_path": SUBSCRIPTIONS["data_path"], "clv_months": 24, "projection_months": 60},
    )
    active = customers["end_date"].isna() | (customers["end_date"] > "2024-12-31")
    assert _number(r"still active \(censored\): ([\d.]+)%", text) == round(100 * active.mean(), 1)
    assert _number(r"active subscribers: ([\d,]+);", text) == active.sum()
    assert "no planted truth in your own data" in text  # the simulator comparisons are skipped


@pytest.mark.notebooks
def test_07_early_warning_on_the_example_files(tmp_path, customers):
    text = _run("07_churn_early_warning", tmp_path, {**SUBSCRIPTIONS, "top_k": 20})
    snap, label_end = pd.Timestamp("2023-06-30"), pd.Timestamp("2023-06-30") + pd.Timedelta(days=90)
    end = customers["end_date"]
    active = (customers["start_date"] <= snap) & ~(end <= snap)
    churned = active & (end > snap) & (end <= label_end)
    assert _number(r"train snapshot 2023-06-30: ([\d,]+) active customers", text) == active.sum()
    share = _number(r"train snapshot 2023-06-30: [\d,]+ active customers, ([\d.]+)% leave", text)
    assert share == round(100 * churned.sum() / active.sum(), 1)
    left = customers[end.notna()]
    ours = np.isin(left["exit_reason"], ["service", "product", "price"]).mean()
    assert _number(r"our company\s+([\d.]+)", text) == round(ours, 3)


@pytest.mark.notebooks
def test_a_wrong_file_stops_at_the_load_with_the_contracts_message(tmp_path, log):
    wrong = tmp_path / "log.csv"
    log.drop(columns="amount").to_csv(wrong, index=False)
    with pytest.raises(PapermillExecutionError) as info:
        _run("08_churn_noncontractual", tmp_path, {"data_path": str(wrong)})
    assert info.value.ename == "DataValidationError"
    assert "column 'amount' not found in purchase log" in info.value.evalue


@pytest.mark.notebooks
def test_early_warning_needs_all_three_files(tmp_path):
    with pytest.raises(PapermillExecutionError) as info:
        _run("07_churn_early_warning", tmp_path, {"data_path": SUBSCRIPTIONS["data_path"]})
    assert info.value.ename == "ParameterError"
    assert "data_path, usage_path and complaints_path go together" in info.value.evalue


@pytest.mark.notebooks
def test_08_on_an_excel_export_from_chinese_windows(tmp_path, log):
    """The same log as Excel on Chinese Windows saves it: GBK text, semicolons, day/month/year
    dates and decimal commas, with a Chinese column that is not used. The chapter gives the
    numbers of the clean file once told the date order and the decimal mark."""
    messy = log.assign(
        date=log["date"].dt.strftime("%d/%m/%Y"),
        amount=log["amount"].map(lambda a: f"{a:.2f}".replace(".", ",")),
        门店="上海",
    )
    path = tmp_path / "导出.csv"
    path.write_bytes(messy.to_csv(index=False, sep=";").encode("gbk"))
    text = _run(
        "08_churn_noncontractual",
        tmp_path,
        {"data_path": str(path), "inactivity_weeks": 8, "dayfirst": True, "decimal": ","},
    )
    n = log["customer_id"].nunique()
    again = log[log["date"] > "1997-09-30"]["customer_id"].nunique() / n
    assert _number(r"customers: ([\d,]+);", text) == n
    assert _number(r"bought again in the \d+-week holdout: ([\d.]+)%", text) == round(
        100 * again, 1
    )
