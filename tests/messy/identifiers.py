"""Messy identifiers: leading zeros, one id written several ways (2, "2", "2 ", "2.0"), empty
and missing ids, numbers with a fraction, referrers written as floats; in tables, in files and
on the DuckDB engine. An id is text: the same customer must be one customer everywhere."""

import numpy as np
import pandas as pd

from helpers.cases.bank import load_customers
from helpers.cases.craft_store import customer_outcomes, load_store, referral_value
from helpers.cases.port_terminal import load_accounts
from helpers.cases.retail import load_purchase_log, value_indicators
from helpers.churn import snapshot_features
from helpers.customer_base import rfm_table, summarize
from helpers.data import validate_transactions
from helpers.exceptions import DataQualityWarning, DataValidationError
from helpers.simulate.bank import bank_customers
from helpers.simulate.terminal import terminal_accounts

E, W = DataValidationError, DataQualityWarning
DATES = pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-07", "2024-01-10", "2024-01-10"])


def log(ids, amounts=(1.0, 2.0, 3.0, 4.0, 5.0)) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({"customer_id": ids, "date": DATES[:n], "amount": list(amounts[:n])})


def put(tmp, name: str, text: str):
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


# One customer "2" written four ways (Jan 1, 3, 7, 10; 1 + 2 + 3 + 4 yuan), and "10" (Jan 10).
SPELLED = log([2, "2", "2 ", "2.0", "10"])
MERGE = r"column 'customer_id' of transactions: 1 id\(s\) were written in more than one way"


def spelled_file(tmp):
    text = (
        "customer_id,date\n2,2024-01-01\n 2,2024-01-03\n2.0,2024-01-07\n2 ,2024-01-10\n"
        "10,2024-01-10\n"
    )
    return put(tmp, "log.csv", text)


def store_folder(tmp, referred_by=("", "", "1.0", "1.0"), ids=("1", "2", "3", "4")):
    """A pilot with customers 1..4 as written by pandas from a float column: referrers "1.0"."""
    customers = pd.DataFrame(
        {
            "customer_id": list(ids),
            "group": "students",
            "source": ["flyer", "flyer", "referral", "referral"],
            "joined": "2024-01-02",
            "birthday_month": "",
            "arm": ["points card", "control", "new", "new"],
            "referred_by": list(referred_by),
        }
    )
    tx = pd.DataFrame(
        {
            "customer_id": [ids[0], ids[1], ids[2], ids[2], ids[3]],
            "date": ["2024-01-10", "2024-01-11", "2024-02-02", "2024-02-20", "2024-02-21"],
            "amount": [100.0, 50.0, 80.0, 40.0, 10.0],
            "discount": 0.0,
            "reward": [3.0, 0.0, 2.0, 1.0, 0.0],
        }
    )
    customers.to_csv(tmp / "customers.csv", index=False)
    tx.to_csv(tmp / "transactions.csv", index=False)
    return tmp


def referral_check(tmp):
    """Referral value from files against the arithmetic: 3 and 4 were referred by 1 (points
    card) and both bought: gross 0.5 * 120 - 3 + 0.5 * 10 - 0 = 62, minus 2 bonuses of 20."""
    customers, tx = load_store(store_folder(tmp))
    value = referral_value(customers, customer_outcomes(customers, tx, 0.5), bonus=20)
    by_hand = (0.5 * 120 - 3) + (0.5 * 10) - 2 * 20
    return value, by_hand, customers


def bank_with_spelled_ids():
    customers = bank_customers(100, random_state=4)[0]["customers"].reset_index()
    customers["customer_id"] = customers["customer_id"].astype(object)
    customers.loc[1, "customer_id"] = f" {customers.loc[0, 'customer_id']} "
    return load_customers(customers)


def accounts_with_spaces():
    raw = terminal_accounts(6, random_state=2)[0]["accounts"].reset_index()
    want = raw["account_id"].astype(str).tolist()
    raw["account_id"] = [f" {a}\u3000" for a in want]  # a full-width space, as IMEs type it
    return load_accounts(raw), want


def churn_world(usage_ids=None, extra_usage=0):
    """Customers indexed by whole numbers; usage and complaints logs naming them."""
    customers = pd.DataFrame(
        {
            "start_date": pd.to_datetime(["2023-01-01", "2023-02-01", "2023-03-01"]),
            "end_date": pd.to_datetime([None, "2023-08-15", None]),
            "monthly_charge": [30.0, 45.0, 60.0],
            "plan": ["monthly", "annual", "monthly"],
            "value_tier": ["low", "high", "low"],
        },
        index=pd.Index([7, 8, 9], name="customer_id"),
    )
    months = pd.date_range("2023-01-01", "2023-05-01", freq="MS")
    usage = pd.DataFrame(
        {
            "customer_id": np.repeat([7, 8, 9], len(months)),
            "month": np.tile(months, 3),
            "usage_gb": np.arange(3 * len(months), dtype=float) + 1,
        }
    )
    if usage_ids is not None:
        usage["customer_id"] = usage["customer_id"].map(usage_ids)
    if extra_usage:
        more = usage.head(extra_usage).assign(customer_id="99")
        usage = pd.concat([usage, more], ignore_index=True)
    complaints = pd.DataFrame({"customer_id": ["8", "9.0"], "date": ["2023-05-02", "2023-06-01"]})
    return snapshot_features(customers, usage, complaints, "2023-06-30", 90)


def same_features(f) -> bool:
    want = churn_world()
    return f.equals(want) and f.loc[9, "complaints_total"] == 1


CASES = [
    # Leading zeros.
    ("000123 in a CSV keeps its zeros", "identifier",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", "customer_id,date,amount\n"
                                       "000123,2024-01-05,1\n00123,2024-01-06,2\n")),
     ("ok", lambda r: r["customer_id"].tolist() == ["000123", "00123"])),
    ("000123 on duckdb keeps its zeros", "identifier",
     lambda tmp: summarize(put(tmp, "log.csv", "customer_id,date\n000123,2024-01-05\n"
                               "123,2024-01-06\n")),
     ("ok", lambda r: r.index.tolist() == ["000123", "123"] and r["T"].tolist() == [1.0, 0.0])),
    ("000123 in a table stays a distinct id", "identifier",
     lambda tmp: summarize(log(["000123", "123", "000123"])),
     ("ok", lambda r: r.index.tolist() == ["000123", "123"] and r["frequency"].tolist() == [1, 0])),
    # One customer written several ways: merged, with a warning that counts them.
    ("2, '2', '2 ', '2.0' in summarize", "identifier",
     lambda tmp: summarize(SPELLED),
     ("warn", W, MERGE + r" and are counted as one customer each \(2 = '2' = '2 ' = '2.0'\)",
      lambda r: r.index.tolist() == ["10", "2"] and r.loc["2", "frequency"] == 3
      and r.loc["2", "recency"] == 9.0)),
    ("2, '2', '2 ', '2.0' in validate_transactions", "identifier",
     lambda tmp: validate_transactions(SPELLED),
     ("warn", W, MERGE, lambda r: r.n_customers == 2 and r.n_rows == 5)),
    ("2, '2', '2 ', '2.0' in rfm_table", "identifier",
     lambda tmp: rfm_table(SPELLED),
     ("warn", W, MERGE, lambda r: r.loc["2", "frequency"] == 4 and r.loc["2", "monetary"] == 10.0
      and r.loc["10", "monetary"] == 5.0)),
    ("' 2', '2.0', '2 ' in a CSV on duckdb", "identifier",
     lambda tmp: summarize(spelled_file(tmp)),
     ("warn", W, MERGE + r" and are counted as one customer each \('2'\)",
      lambda r: r.index.tolist() == ["10", "2"] and r.loc["2", "frequency"] == 3)),
    ("' 2' and '2.0' in a CSV through the loader", "identifier",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", "customer_id,date,amount\n"
                                       " 2,2024-01-01,1\n2.0,2024-01-02,1\n")),
     ("warn", W, r"column 'customer_id' of file 'log.csv': 1 id\(s\) were written in more than "
      r"one way", lambda r: r["customer_id"].tolist() == ["2", "2"])),
    ("'2' and '2 ' in the retail value indicators", "identifier",
     lambda tmp: value_indicators(SPELLED, "2024-01-31"),
     ("warn", W, MERGE, lambda r: r.loc["2", "capacity"] == 10.0 and r.loc["2", "frequency"] == 4
      and r.loc["10", "capacity"] == 5.0)),
    # Empty and missing ids.
    ("empty id in a table", "identifier",
     lambda tmp: summarize(log(["a", "", "b"])),
     ("error", E, r"column 'customer_id' of transactions has 1 missing or empty id\(s\) \(row 1\); "
      r"every row needs an id")),
    ("blank id (spaces only)", "identifier",
     lambda tmp: summarize(log(["a", "  ", "b"])),
     ("error", E, r"1 missing or empty id\(s\) \(row 1\)")),
    ("NaN id", "identifier",
     lambda tmp: summarize(log(["a", np.nan, "b"])),
     ("error", E, r"column 'customer_id' of transactions has 1 missing or empty id\(s\) "
      r"\(row 1\)")),
    ("missing id in a nullable integer column", "identifier",
     lambda tmp: summarize(log(pd.array([1, None, 2], dtype="Int64"))),
     ("error", E, r"1 missing or empty id\(s\) \(row 1\)")),
    ("empty id in a CSV", "identifier",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", "customer_id,date,amount\n"
                                       ",2024-01-05,1\n7,2024-01-06,2\n")),
     ("error", E, r"column 'customer_id' of purchase log has 1 missing or empty id\(s\) "
      r"\(row 0\)")),
    ("empty id in a CSV on duckdb", "identifier",
     lambda tmp: summarize(put(tmp, "log.csv", "customer_id,date\n ,2024-01-05\n7,2024-01-06\n")),
     ("error", E, r"column 'customer_id' has 1 missing or empty customer id\(s\) \(e.g. "
      r"customer_id ' ' on 2024-01-05\)")),
    # Numbers that are not ids.
    ("float ids with a fraction", "identifier",
     lambda tmp: summarize(log([1.5, 2.0, 1.5])),
     ("error", E, r"column 'customer_id' of transactions holds numbers with a fraction, not ids "
      r"\(rows 0: 1.5, 2: 1.5\)")),
    ("whole float ids (a column with gaps, filled)", "identifier",
     lambda tmp: summarize(log([1.0, 2.0, 1.0])),
     ("ok", lambda r: r.index.tolist() == ["1", "2"] and r.loc["1", "frequency"] == 1)),
    ("True/False as ids", "identifier",
     lambda tmp: summarize(log([True, False, True])),
     ("error", E, r"column 'customer_id' of transactions holds True/False values, not "
      r"identifiers")),
    ("whole-number ids keep their numbers", "identifier",
     lambda tmp: summarize(log([10, 2, 10])),
     ("ok", lambda r: r.index.tolist() == [2, 10] and r.loc[10, "frequency"] == 1)),
    ("pyarrow string ids", "identifier",
     lambda tmp: summarize(log(["b", "a", "b"]).convert_dtypes(dtype_backend="pyarrow")),
     ("ok", lambda r: r.equals(summarize(log(["b", "a", "b"]))))),
    ("pyarrow integer ids", "identifier",
     lambda tmp: summarize(log([10, 2, 10]).convert_dtypes(dtype_backend="pyarrow")),
     ("ok", lambda r: r.equals(summarize(log([10, 2, 10]))))),
    # Referrers and keys in the case loaders.
    ("referred_by '1.0' for customer '1'", "identifier",
     referral_check,
     ("ok", lambda r: r[0]["referred"] == 2 and r[0]["buying"] == 2
      and r[0]["net_value"] == r[1] == 22.0
      and r[2]["referred_by"].tolist() == [None, None, "1", "1"])),
    ("referrer that is no customer ('01' for '1')", "identifier",
     lambda tmp: load_store(store_folder(tmp, referred_by=("", "", "01", "1"))),
     ("error", E, r"column 'referred_by' has 1 referrer\(s\) that are not customers of the table "
      r"\(row 3: '01'\); a referrer must be written exactly as her customer_id")),
    ("referrer '0001' written '1.0' (zeros lost)", "identifier",
     lambda tmp: load_store(store_folder(tmp, ids=("0001", "2", "3", "4"))),
     ("error", E, r"referrer\(s\) that are not customers of the table")),
    ("one bank customer written twice", "identifier",
     lambda tmp: bank_with_spelled_ids(),
     ("error", E, r"bank customers: key column 'customer_id' has 2 duplicated values")),
    ("account ids with spaces around them", "identifier",
     lambda tmp: accounts_with_spaces(),
     ("ok", lambda r: r[0].index.tolist() == r[1])),
    # Ids across tables of the churn chapters.
    ("usage ids as text, customers as numbers", "identifier",
     lambda tmp: churn_world(usage_ids=lambda i: f"{i}"),
     ("ok", same_features)),
    ("usage ids as floats ('7.0')", "identifier",
     lambda tmp: churn_world(usage_ids=lambda i: float(i)),
     ("ok", same_features)),
    ("usage of a customer the table does not list", "identifier",
     lambda tmp: churn_world(extra_usage=2),
     ("warn", W, r"2 row\(s\) of usage name customers that the customer table does not list; "
      r"they are left out", same_features)),
]  # fmt: skip
