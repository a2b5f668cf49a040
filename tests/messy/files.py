"""Messy files, as exports arrive: encodings (GBK, BOM, UTF-16), delimiters, workbooks, Parquet,
empty and broken files, through the one reading path (read_table, DataContract.read, the case
loaders) and through summarize's DuckDB engine.

The fixture files in ``tests/messy/files/`` are copied into the case's own folder before use,
so the runner's check that no input file is modified covers them. They were written once by
this script (run from the repository root), kept here to rebuild them::

    import datetime as dt
    from pathlib import Path
    from openpyxl import Workbook

    out = Path("tests/messy/files")
    LOG = ("customer_id,date,amount,备注\\n000123,2024-01-05,12.5,会员\\n000123,2024-01-09,3.5,"
           "会员\\n000456,2024-01-06,8,新客\\n000789,2024-01-20,20,新客\\n")
    (out / "gbk.csv").write_bytes(LOG.encode("gbk"))
    (out / "bom.csv").write_bytes(LOG.encode("utf-8-sig"))
    (out / "utf16.csv").write_bytes(LOG.replace(",", "\\t").encode("utf-16"))  # "Unicode text"
    book = Workbook(); sheet = book.active; sheet.title = "log"
    for line in LOG.splitlines():
        cells = line.split(",")
        if cells[1][:1].isdigit():
            cells[1], cells[2] = dt.datetime.fromisoformat(cells[1]), float(cells[2])
        sheet.append(cells)  # ids stay text cells: 000123 keeps its zeros
    book.save(out / "one_sheet.xlsx")
    book = Workbook(); customers = book.active; customers.title = "customers"
    customers.append(["customer_id", "group", "source", "joined", "birthday_month", "arm",
                      "referred_by"])
    for row in [[1, "students", "flyer", dt.datetime(2024, 1, 2), 3, "points card", None],
                [2, "students", "flyer", dt.datetime(2024, 1, 3), None, "control", None],
                [3, "other", "referral", dt.datetime(2024, 2, 1), None, "new", 1.0],
                [4, "other", "referral", dt.datetime(2024, 2, 5), 7, "new", 1.0]]:
        customers.append(row)  # numbers, as Excel stores ids typed without an apostrophe
    tx = book.create_sheet("transactions")
    tx.append(["customer_id", "date", "amount", "discount", "reward"])
    for row in [[1, dt.datetime(2024, 1, 10), 100.0, 0.0, 3.0],
                [2, dt.datetime(2024, 1, 11), 50.0, 0.0, 0.0],
                [3, dt.datetime(2024, 2, 2), 80.0, 0.0, 2.0],
                [3, dt.datetime(2024, 2, 20), 40.0, 0.0, 1.0]]:
        tx.append(row)
    book.save(out / "two_sheets.xlsx")
"""

import shutil
from pathlib import Path

import pandas as pd

from helpers.cases.bank import annual_value, load_customers
from helpers.cases.craft_store import customer_outcomes, load_store, referral_value
from helpers.cases.port_terminal import load_accounts
from helpers.cases.retail import PURCHASE_LOG, load_purchase_log
from helpers.customer_base import summarize
from helpers.data import read_table
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.simulate.bank import bank_customers
from helpers.simulate.terminal import terminal_accounts

FILES = Path(__file__).resolve().parent / "files"
E, P, W = DataValidationError, ParameterError, DataQualityWarning

# The fixture log: 000123 buys on Jan 5 (12.5) and Jan 9 (3.5), 000456 on Jan 6 (8), 000789 on
# Jan 20 (20). Summary in days to Jan 20: 000123 frequency 1, recency 4, T 15, monetary 3.5.
LOG = (
    "customer_id,date,amount\n000123,2024-01-05,12.5\n000123,2024-01-09,3.5\n"
    "000456,2024-01-06,8\n000789,2024-01-20,20\n"
)
SUMMARY = {
    "000123": [1, 4.0, 15.0, 3.5],
    "000456": [0, 0.0, 14.0, 0.0],
    "000789": [0, 0.0, 0.0, 0.0],
}


def fixture(tmp, name: str) -> Path:
    """A copy of a fixture file in the case's folder (so the runner hashes it)."""
    return Path(shutil.copy(FILES / name, tmp / name))


def put(tmp, name: str, content) -> Path:
    path = tmp / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def is_log(df) -> bool:
    """The fixture log, read and typed: ids with their zeros, dates, amounts."""
    return (
        df["customer_id"].tolist() == ["000123", "000123", "000456", "000789"]
        and df["date"].dt.day.tolist() == [5, 9, 6, 20]
        and df["amount"].tolist() == [12.5, 3.5, 8.0, 20.0]
    )


def is_summary(s) -> bool:
    cols = ["frequency", "recency", "T", "monetary_value"]
    return {k: s.loc[k, cols].tolist() for k in s.index} == SUMMARY


def parquet(tmp, df: pd.DataFrame, name: str = "log.parquet") -> Path:
    df.to_parquet(tmp / name, index=False)
    return tmp / name


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["000123", "000123", "000456", "000789"],
            "date": pd.to_datetime(["2024-01-05", "2024-01-09", "2024-01-06", "2024-01-20"]),
            "amount": [12.5, 3.5, 8.0, 20.0],
        }
    )


def store_value(tmp):
    """Referral value of the two-sheet workbook: referrer 1 (points card) brought 3 and 4; 3
    bought 120 yuan with 3 yuan of rewards: 0.5 * 120 - 3 = 57, minus a 20 yuan bonus."""
    customers, tx = load_store(fixture(tmp, "two_sheets.xlsx"))
    return referral_value(customers, customer_outcomes(customers, tx, 0.5), bonus=20)


def bank_file(tmp, sep=";", decimal=","):
    customers = bank_customers(100, random_state=3)[0]["customers"].reset_index()
    path = tmp / "bank.csv"
    customers.to_csv(path, sep=sep, decimal=decimal, index=False)
    return path, customers


def bank_with_decimal_comma(tmp, **options):
    path, raw = bank_file(tmp)
    loaded = load_customers(path, **options)
    return loaded, raw


def accounts_frame():
    return terminal_accounts(6, random_state=2)[0]["accounts"]


CASES = [
    # Encodings: GBK (Excel's "CSV" on Chinese Windows), UTF-8 with BOM, UTF-16 "Unicode text".
    ("gbk csv through read_table", "file",
     lambda tmp: read_table(fixture(tmp, "gbk.csv"), date_cols=["date"]),
     ("ok", lambda r: is_log(r) and r["备注"].tolist() == ["会员", "会员", "新客", "新客"]
      and r.attrs["source"]["encoding"] == "gb18030")),
    ("gbk csv through the retail loader", "file",
     lambda tmp: load_purchase_log(fixture(tmp, "gbk.csv")),
     ("ok", lambda r: is_log(r)
      and r.columns.tolist() == ["customer_id", "date", "amount", "备注"])),
    ("gbk csv through summarize on duckdb", "file",
     lambda tmp: summarize(fixture(tmp, "gbk.csv"), amount_col="amount"),
     ("ok", is_summary)),
    ("gbk csv with encoding='utf-8' forced", "file",
     lambda tmp: load_purchase_log(fixture(tmp, "gbk.csv"), encoding="utf-8"),
     ("error", E, r"^purchase log: file '.*gbk.csv' is not valid utf-8 text: byte \d+ cannot be "
      r"read \(it looks like gb18030\); pass the file's encoding with encoding=")),
    ("gbk csv on duckdb with encoding='utf-8' forced", "file",
     lambda tmp: summarize(fixture(tmp, "gbk.csv"), amount_col="amount", encoding="utf-8"),
     ("error", E, r"gbk.csv: DuckDB could not read it .*; the file is not UTF-8 throughout.*"
      r"encoding='gb18030'")),
    ("bom csv: the first column keeps its name", "file",
     lambda tmp: read_table(fixture(tmp, "bom.csv"), date_cols=["date"]),
     ("ok", lambda r: is_log(r) and r.columns[0] == "customer_id")),
    ("bom csv through summarize on duckdb", "file",
     lambda tmp: summarize(fixture(tmp, "bom.csv"), amount_col="amount"),
     ("ok", is_summary)),
    ("utf-16 tab-separated text", "file",
     lambda tmp: load_purchase_log(fixture(tmp, "utf16.csv")),
     ("ok", lambda r: is_log(r) and r["备注"].iloc[2] == "新客")),
    ("utf-16 through summarize on duckdb (transcoded copy)", "file",
     lambda tmp: summarize(fixture(tmp, "utf16.csv"), amount_col="amount"),
     ("ok", is_summary)),
    # Workbooks and Parquet.
    ("xlsx with one sheet", "file",
     lambda tmp: load_purchase_log(fixture(tmp, "one_sheet.xlsx")),
     ("ok", lambda r: is_log(r) and r.attrs["source"]["sheet"] == "log")),
    ("xlsx with two sheets and no sheet_name", "file",
     lambda tmp: read_table(fixture(tmp, "two_sheets.xlsx")),
     ("error", E, r"has 2 sheets with data \(\['customers', 'transactions'\]\); pass sheet_name=")),
    ("xlsx with two sheets, sheet named", "file",
     lambda tmp: read_table(fixture(tmp, "two_sheets.xlsx"), sheet_name="transactions"),
     ("ok", lambda r: r["customer_id"].tolist() == ["1", "2", "3", "3"]
      and r["amount"].sum() == 270.0)),
    ("xlsx sheet that does not exist", "file",
     lambda tmp: load_purchase_log(fixture(tmp, "one_sheet.xlsx"), sheet_name="Sheet1"),
     ("error", E, r"has no sheet 'Sheet1'; its sheets are \['log'\]")),
    ("craft store as one workbook: referral value", "file",
     store_value,
     ("ok", lambda r: r[["referred", "buying", "gross_profit", "net_value"]].tolist()
      == [2.0, 1.0, 57.0, 37.0])),
    ("parquet with text ids", "file",
     lambda tmp: load_purchase_log(parquet(tmp, frame())),
     ("ok", is_log)),
    ("parquet through summarize on duckdb", "file",
     lambda tmp: summarize(parquet(tmp, frame()), amount_col="amount"),
     ("ok", is_summary)),
    ("parquet that is not parquet", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.parquet", LOG)),
     ("error", E, r"is not a readable Parquet file .*; write it again with df.to_parquet")),
    # Empty and broken files.
    ("empty file (0 bytes)", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", b"")),
     ("error", E, r"^purchase log: file '.*log.csv' is empty \(0 bytes\); export the table again")),
    ("empty file on duckdb", "file",
     lambda tmp: summarize(put(tmp, "log.csv", b"\n"), amount_col="amount"),
     ("error", E, r"file '.*log.csv' is empty; export the table again, with a header line")),
    ("header only", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", "customer_id,date,amount\n")),
     ("error", E, r"has a header but no rows; export the table again with its data")),
    ("header only on duckdb", "file",
     lambda tmp: summarize(put(tmp, "log.csv", "customer_id,date,amount\n"), amount_col="amount"),
     ("error", E, r"transactions is empty \(0 rows\)")),
    ("wrong header", "structure",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG.replace("customer_id", "客户编号"))),
     ("error", E, r"column 'customer_id' not found in purchase log; it has columns \['客户编号', "
      r"'date', 'amount'\]; all missing: \['customer_id'\]; rename your columns")),
    # Delimiters.
    ("semicolon file", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG.replace(",", ";"))),
     ("ok", is_log)),
    ("semicolon file on duckdb", "file",
     lambda tmp: summarize(put(tmp, "log.csv", LOG.replace(",", ";")), amount_col="amount"),
     ("ok", is_summary)),
    ("semicolon file with decimal commas", "value",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG.replace(",", ";").replace(".", ","))),
     ("error", E, r"column 'amount' of purchase log has 2 value\(s\) written with a decimal comma "
      r"\(rows 0: '12,5', 1: '3,5'\); pass decimal=','")),
    ("semicolon file with decimal=','", "value",
     lambda tmp: load_purchase_log(
         put(tmp, "log.csv", LOG.replace(",", ";").replace(".", ",")), decimal=","),
     ("ok", is_log)),
    ("bank balances with decimal commas", "value",
     lambda tmp: bank_with_decimal_comma(tmp),
     ("error", E, r"column 'assets_y0' of bank customers has \d+ value\(s\) written with a "
      r"decimal comma .*; pass decimal=','")),
    ("bank balances with decimal=','", "value",
     lambda tmp: bank_with_decimal_comma(tmp, decimal=","),
     ("ok", lambda r: r[0]["assets_y0"].tolist() == r[1]["assets_y0"].tolist()
      and r[0].index.tolist() == r[1]["customer_id"].astype(str).tolist())),
    ("bank balances as text with thousands separators", "value",
     lambda tmp: annual_value(bank_file(tmp)[1].assign(assets_y0="1,234")),
     ("error", E, r"column 'assets_y0' of customers has 100 value\(s\) written with a thousands "
      r"separator")),
    ("sep given wrongly", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG), sep=";"),
     ("error", E, r"column 'customer_id' not found in purchase log; it has columns "
      r"\['customer_id,date,amount'\]")),
    ("sep of two characters", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG), sep=";;"),
     ("error", P, r"parameter 'sep' = ';;' must be one character")),
    ("trailing comma on every line", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG.replace("\n", ",\n"))),
     ("warn", W, r"1 empty column\(s\) without a header were left out", is_log)),
    ("trailing comma on every line on duckdb", "file",
     lambda tmp: summarize(put(tmp, "log.csv", LOG.replace("\n", ",\n")), amount_col="amount"),
     ("ok", is_summary)),
    ("trailing comma on some lines", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG.replace("3.5\n", "3.5,\n"))),
     ("error", E, r"\(read with sep=',', encoding utf-8\): Expected 3 fields in line 3, saw 4; "
      r"each line must have as many fields as the header")),
    ("trailing comma on some lines on duckdb", "file",
     lambda tmp: summarize(put(tmp, "log.csv", LOG.replace("3.5\n", "3.5,\n")),
                           amount_col="amount"),
     ("error", E, r"log.csv: DuckDB could not read it \(.*\); each line must have as many fields "
      r"as the header")),
    ("thousands separator in a quoted amount", "value",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG.replace("20\n", '"1,020.00"\n'))),
     ("error", E, r"'amount' of purchase log has 1 value\(s\) written with a thousands separator "
      r"\(row 3: '1,020.00'\)")),
    ("currency sign in amounts", "value",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", LOG.replace(",8\n", ",¥8\n"))),
     ("error", E, r"'amount' of purchase log has 1 value\(s\) written with a currency sign or "
      r"code \(row 2: '¥8'\)")),
    # File names, paths, folders.
    ("old .xls workbook", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.xls", b"\xd0\xcf\x11\xe0")),
     ("error", E, r"is an old Excel workbook \(.xls\), which is not read; open it in Excel or "
      r"LibreOffice and save it as .xlsx")),
    ("unknown ending", "file",
     lambda tmp: load_purchase_log(put(tmp, "log.json", "{}")),
     ("error", E, r"has an ending that is not read; use one of .csv, .csv.gz")),
    ("missing file", "file",
     lambda tmp: load_purchase_log(tmp / "nope.csv"),
     ("error", E, r"^purchase log: file '.*nope.csv' not found; check the path")),
    ("a folder instead of a file", "file",
     lambda tmp: load_purchase_log(tmp),
     ("error", E, r"is a folder, not a file; pass the path of the file itself")),
    ("store folder without a transactions file", "file",
     lambda tmp: load_store(put(tmp, "customers.csv", "customer_id\n1\n").parent),
     ("error", E, r"store folder '.*' has no transactions file\(s\); it needs exactly one "
      r"transactions.csv")),
    # Options in the wrong place, old names.
    ("file options without a file", "structure",
     lambda tmp: load_purchase_log(encoding="gbk"),
     ("error", P, r"encoding= describe\(s\) how a file is read, but no data_path was given")),
    ("file options with a table", "structure",
     lambda tmp: load_accounts(accounts_frame(), sep=";"),
     ("error", P, r"port accounts: sep= describe\(s\) how a file is read, but a DataFrame was "
      r"passed")),
    ("dayfirst on the duckdb engine", "structure",
     lambda tmp: summarize(put(tmp, "log.csv", LOG), dayfirst=True),
     ("error", P, r"dayfirst= is read by the pandas engine; the duckdb engine reads text dates "
      r"with date_format=")),
    ("encoding for a DataFrame", "structure",
     lambda tmp: summarize(frame(), encoding="gbk"),
     ("error", P, r"encoding= and sep= describe how CSV files are read")),
    ("the old read_csv name", "structure",
     lambda tmp: PURCHASE_LOG.read_csv(put(tmp, "log.csv", LOG)),
     ("warn", FutureWarning, r"DataContract.read_csv is renamed DataContract.read", is_log)),
]  # fmt: skip
