"""Messy own-data files for the chapters' ``data_path`` (06, 07 through load_subscriptions; 02-04
and 08 through the purchase-log contract): how real exports arrive, and what each one gives."""

import pandas as pd

from helpers.cases.retail import PURCHASE_LOG
from helpers.churn import load_subscriptions, survival_table
from helpers.customer_base import summarize
from helpers.data import datasets_dir
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError

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
USAGE = pd.DataFrame(
    {
        "customer_id": ["0001", "0002"],
        "month": ["2024-02-01", "2024-03-01"],
        "usage_gb": [10.0, 3.0],
    }
)
COMPLAINTS = pd.DataFrame({"customer_id": ["0002"], "date": ["2024-03-02"]})


def text(df: pd.DataFrame, sep: str = ",") -> str:
    return df.to_csv(index=False, sep=sep)


def put(tmp, name: str, content) -> str:
    """Write a file of the case; ``content`` is text (UTF-8), bytes or a DataFrame."""
    path = tmp / name
    if isinstance(content, pd.DataFrame):
        if name.endswith(".xlsx"):
            content.to_excel(path, index=False)
        else:
            content.to_parquet(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def subs(content=None, name="subs.csv", **kwargs):
    """A call: write the subscriptions file, load it; ``usage``/``complaints`` add the logs."""
    usage = kwargs.pop("usage", None)
    complaints = kwargs.pop("complaints", None)
    observation_end = kwargs.pop("observation_end", OBS)

    def call(tmp):
        body = text(BASE) if content is None else content
        paths = {}
        if usage is not None:
            paths["usage_path"] = put(tmp, "usage.csv", usage)
            paths["complaints_path"] = put(
                tmp, "complaints.csv", text(COMPLAINTS) if complaints is None else complaints
            )
        return load_subscriptions(
            put(tmp, name, body), observation_end=observation_end, **paths, **kwargs
        )

    return call


def customers(check):
    return lambda data: check(data["customers"])


def ids_are(*ids):
    return customers(lambda c: c.index.tolist() == list(ids))


E, P, W = DataValidationError, ParameterError, DataQualityWarning
ALL3 = ids_are("0001", "0002", "0003")
GBK = BASE.assign(备注=["老客户", "已退订", "新客户"])
DAY_FIRST = BASE.assign(start_date=["05/01/2024", "10/02/2024", "20/11/2024"])
REASON = ["", "price", ""]
AMBIGUOUS = BASE.assign(start_date=["05/01/2024", "10/02/2024", "11/11/2024"])

CASES = [
    # --- file: how the export was saved --------------------------------------------------------
    ("subscriptions GBK csv from Excel on Chinese Windows", "file",
     subs(text(GBK).encode("gbk")),
     ("ok", customers(lambda c: c["备注"].tolist() == ["老客户", "已退订", "新客户"]))),
    ("subscriptions with a UTF-8 byte-order mark", "file", subs(text(BASE).encode("utf-8-sig")),
     ("ok", ALL3)),
    ("subscriptions UTF-16 (Excel unicode text, tabs)", "file",
     subs(text(BASE, sep="\t").encode("utf-16"), name="subs.txt"), ("ok", ALL3)),
    ("subscriptions with semicolons", "file", subs(text(BASE, sep=";")), ("ok", ALL3)),
    ("subscriptions as xlsx", "file", subs(BASE, name="subs.xlsx"),
     ("ok", customers(lambda c: c.loc["0002", "end_date"] == pd.Timestamp("2024-06-30")))),
    ("subscriptions as parquet", "file",
     subs(BASE.replace({"end_date": {"": None}}), name="subs.parquet"),
     ("ok", customers(lambda c: c["end_date"].isna().sum() == 2))),
    ("subscriptions as old xls", "file", subs(b"\xd0\xcf\x11\xe0", name="subs.xls"),
     ("error", E, r"old Excel workbook \(\.xls\).*save it as \.xlsx")),
    ("subscriptions file empty", "file", subs(""), ("error", E, r"is empty")),
    ("subscriptions header only", "file", subs(",".join(BASE.columns) + "\n"),
     ("error", E, r"has a header but no rows")),
    ("subscriptions path is missing", "file",
     lambda tmp: load_subscriptions(tmp / "nowhere.csv", observation_end=OBS),
     ("error", E, r"not found; check the path")),
    ("usage log tab-separated", "file",
     subs(usage=text(USAGE, sep="\t")),
     ("ok", lambda d: d["usage"]["usage_gb"].tolist() == [10.0, 3.0])),
    ("example purchase log: ids keep their zeros", "file",
     lambda tmp: PURCHASE_LOG.read(datasets_dir() / "example_purchase_log.csv"),
     ("ok", lambda log: log["customer_id"].iloc[0] == "0001" and len(log) == 657)),
    ("example subscriptions with their logs", "file",
     lambda tmp: load_subscriptions(
         datasets_dir() / "example_subscriptions.csv", observation_end=OBS,
         usage_path=datasets_dir() / "example_usage.csv",
         complaints_path=datasets_dir() / "example_complaints.csv"),
     ("ok", lambda d: (len(d["customers"]), int(d["customers"]["end_date"].notna().sum()))
      == (300, 113))),
    # --- structure: columns and rows -------------------------------------------------------------
    ("subscriptions without usage_trend", "structure",
     subs(text(BASE.drop(columns="usage_trend"))),
     ("error", E, r"column 'usage_trend' not found in subscriptions")),
    ("customer id column named otherwise", "structure",
     subs(text(BASE.rename(columns={"customer_id": "客户编号"}))),
     ("error", E, r"column 'customer_id' not found in subscriptions.*rename your columns")),
    ("headers with spaces around (ids without zeros)", "structure",
     subs(text(BASE.assign(customer_id=["1", "2", "3"]).rename(columns=lambda c: f" {c} "))),
     ("ok", ids_are("1", "2", "3"))),
    ("ids written 1 and 1.0 are one customer, listed twice", "structure",
     subs(text(BASE.assign(customer_id=["1", "1.0", "3"]))),
     ("error", E, r"key column 'customer_id' has 2 duplicated values")),
    ("empty customer id", "structure", subs(text(BASE.assign(customer_id=["0001", "", "0003"]))),
     ("error", E, r"column 'customer_id' of subscriptions has 1 missing or empty id")),
    ("extra columns are kept", "structure", subs(text(BASE.assign(region=["N", "S", "E"]))),
     ("ok", customers(lambda c: c["region"].tolist() == ["N", "S", "E"]))),
    ("a customer listed twice", "structure",
     subs(text(pd.concat([BASE, BASE.iloc[[0]]], ignore_index=True))),
     ("error", E, r"key column 'customer_id' has 2 duplicated values")),
    ("usage log without complaint log", "structure",
     lambda tmp: load_subscriptions(put(tmp, "s.csv", text(BASE)), observation_end=OBS,
                                    usage_path=put(tmp, "u.csv", text(USAGE))),
     ("error", P, r"pass both usage_path and complaints_path")),
    ("usage month twice (two days of one month)", "structure",
     subs(usage=text(pd.concat([USAGE, USAGE.assign(month=["2024-02-15", "2024-03-20"])]))),
     ("error", E, r"usage log: 4 rows give a month twice for one customer")),
    ("complaint of a customer not in the subscriptions", "structure",
     subs(usage=text(USAGE), complaints=text(COMPLAINTS.assign(customer_id=["9999"]))),
     ("error", E, r"complaint log: 1 row\(s\) belong to customers who are not in the subs")),
    ("usage ids lost their zeros elsewhere", "structure",
     subs(usage=text(USAGE.assign(customer_id=["1", "2"]))),
     ("error", E, r"usage log: 2 row\(s\) belong to customers who are not")),
    ("exit_family contradicts exit_reason", "structure",
     subs(text(BASE.assign(exit_reason=REASON, exit_family=["", "related parties", ""]))),
     ("error", E, r"'exit_family' disagrees with exit_reason in 1 row")),
    # --- value: what the cells hold --------------------------------------------------------------
    ("plan spelt with a capital", "value",
     subs(text(BASE.assign(plan=["Monthly", "annual", "two-year"]))),
     ("error", E, r"column 'plan' has 1 value\(s\) outside.*Monthly")),
    ("decimal comma in a ';' file", "value",
     subs(BASE.to_csv(index=False, sep=";", decimal=",")),
     ("error", E, r"'monthly_charge'.*decimal=','")),
    ("decimal comma in a ';' file, decimal=','", "value",
     subs(BASE.to_csv(index=False, sep=";", decimal=","), decimal=","),
     ("ok", customers(lambda c: c["monthly_charge"].tolist() == [30.0, 45.5, 60.0]
                      and c.loc["0002", "usage_trend"] == -0.2))),
    ("negative monthly charge", "value",
     subs(text(BASE.assign(monthly_charge=[30.0, -5.0, 60.0]))),
     ("error", E, r"column 'monthly_charge' has 1 value\(s\) below 0")),
    ("complaints with a fraction", "value", subs(text(BASE.assign(complaints=[0, 1.5, 1]))),
     ("error", E, r"column 'complaints' must hold whole numbers")),
    ("missing start date", "value",
     subs(text(BASE.assign(start_date=["2024-01-05", "", "2024-11-20"]))),
     ("error", E, r"'start_date'.*1 missing")),
    ("impossible date", "value",
     subs(text(BASE.assign(start_date=["2024-01-05", "2024-02-31", "2024-11-20"]))),
     ("error", E, r"'start_date'.*2024-02-31")),
    ("end before start", "value", subs(text(BASE.assign(end_date=["", "2024-01-30", ""]))),
     ("error", E, r"'end_date' has 1 date\(s\) before the start_date \(row 0002")),
    ("start after observation_end", "value", subs(observation_end="2024-10-31"),
     ("error", E, r"'start_date' has 1 date\(s\) after observation_end 2024-10-31")),
    ("observation_end left at a default long after the export", "value",
     subs(observation_end="2027-12-31"),
     ("error", E, r"latest start or end date in the file is 2024-11-20, 1136 days before")),
    ("cancellation announced after observation_end", "value",
     subs(text(BASE.assign(end_date=["2025-01-31", "2024-06-30", ""]))),
     ("warn", W, r"1 end date\(s\) are after observation_end 2024-12-31",
      lambda d: survival_table(d["customers"], observation_end=OBS)["event"].tolist()
      == [0, 1, 0])),
    ("exit reason outside the list", "value",
     subs(text(BASE.assign(exit_reason=["", "too expensive", ""]))),
     ("error", E, r"'exit_reason' has 1 value\(s\) that are not one of")),
    ("exit reason of an active customer", "value",
     subs(text(BASE.assign(exit_reason=["service", "price", ""]))),
     ("error", E, r"1 customer\(s\) have an exit_reason but no end_date")),
    ("departure without a reason", "value",
     subs(text(BASE.assign(end_date=["2024-03-01", "2024-06-30", ""], exit_reason=REASON))),
     ("warn", W, r"1 of the 2 customers who left have no exit_reason",
      customers(lambda c: c.loc["0002", "exit_family"] == "our company"))),
    ("day/month order decided by the column", "value", subs(text(DAY_FIRST)),
     ("ok", customers(lambda c: c.loc["0003", "start_date"] == pd.Timestamp("2024-11-20")))),
    ("day/month order ambiguous", "value", subs(text(AMBIGUOUS)),
     ("error", E, r"'start_date'.*dayfirst=True \(day/month/year\)")),
    ("day/month order given", "value", subs(text(AMBIGUOUS), dayfirst=True),
     ("ok", customers(lambda c: c.loc["0002", "start_date"] == pd.Timestamp("2024-02-10")))),
    ("negative usage", "value", subs(usage=text(USAGE.assign(usage_gb=[10.0, -3.0]))),
     ("error", E, r"usage log: column 'usage_gb' has 1 value\(s\) below 0")),
    ("usage month after observation_end", "value",
     subs(usage=text(USAGE.assign(month=["2024-02-01", "2025-01-01"]))),
     ("error", E, r"usage log: column 'month' has 1 date\(s\) after observation_end")),
    ("usage month as YYYY-MM and mid-month days", "value",
     subs(usage=text(USAGE.assign(month=["2024-02", "2024-03-17"]))),
     ("ok", lambda d: d["usage"]["month"].dt.day.tolist() == [1, 1])),
    ("complaint with a time of day", "value",
     subs(usage=text(USAGE), complaints=text(COMPLAINTS.assign(date=["2024-03-02 23:30"]))),
     ("ok", lambda d: d["complaints"]["date"].iloc[0] == pd.Timestamp("2024-03-02"))),
    ("purchase log calibration_end before the first purchase", "value",
     lambda tmp: summarize(PURCHASE_LOG.read(datasets_dir() / "example_purchase_log.csv"),
                           calibration_end="1996-12-31", time_unit="W"),
     ("error", E, r"no customer made a purchase on or before 1996-12-31")),
]  # fmt: skip
