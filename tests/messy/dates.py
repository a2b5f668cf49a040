"""Messy dates: day/month order, two-digit years, numbers (YYYYMMDD, Excel serial days), times
with and without zones, pyarrow timestamps, Chinese dates, unreadable end dates; through
summarize, rfm_table, survival_table, snapshot_features, the contracts and DuckDB."""

import pandas as pd

from helpers.cases.retail import load_purchase_log
from helpers.churn import snapshot_features, survival_table
from helpers.customer_base import rfm_table, summarize
from helpers.data import validate_transactions
from helpers.exceptions import DataValidationError, ParameterError
from helpers.simulate.subscriptions import subscriptions

E, P = DataValidationError, ParameterError

# Customer a buys on Jan 5 and Jan 17, b on Jan 13; summary in days to Jan 17:
# a frequency 1, recency 12, T 12; b frequency 0, T 4.
DAYS = ["2024-01-05", "2024-01-17", "2024-01-13"]


def log(dates) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "a", "b"], "date": dates, "amount": [1.0, 2.0, 4.0]})


def is_days(s) -> bool:
    """The summary of customers a and b above."""
    return s.loc["a", ["frequency", "recency", "T"]].tolist() == [1, 12.0, 12.0] and s.loc[
        "b", ["frequency", "recency", "T"]
    ].tolist() == [0, 0.0, 4.0]


def same_as_iso(s, **kw) -> bool:
    return s.equals(summarize(log(pd.to_datetime(DAYS)), **kw))


def put(tmp, name: str, text: str):
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


SUBS = pd.DataFrame(
    {
        "start_date": ["2024-01-01", "2024-02-01", "2024-03-01"],
        "end_date": ["2024-01-31", "", "2024-07-15"],
    },
    index=["a", "b", "c"],
)


def survival(df=SUBS, **kw):
    return survival_table(df, observation_end=kw.pop("observation_end", "2024-06-30"), **kw)


def is_survival(t) -> bool:
    """a ended Jan 31 (30 days, event); b active (151 days to Jun 30); c ends after: censored."""
    return t["duration"].tolist() == [30.0, 150.0, 121.0] and t["event"].tolist() == [1, 0, 0]


def zoned(df: pd.DataFrame, cols, zone="Asia/Shanghai") -> pd.DataFrame:
    return df.assign(**{c: pd.to_datetime(df[c]).dt.tz_localize(zone) for c in cols})


def churn_tables():
    data, truth = subscriptions(600, random_state=5)
    return data["customers"], data["usage"], data["complaints"], truth.observation_end


def snapshot_equal_on_pyarrow():
    customers, usage, complaints, obs = churn_tables()
    want = snapshot_features(customers, usage, complaints, "2023-06-30", 90, obs)
    arrow = [t.convert_dtypes(dtype_backend="pyarrow") for t in (customers, usage, complaints)]
    return snapshot_features(*arrow, "2023-06-30", 90, obs), want


def snapshot_equal_with_zones():
    customers, usage, complaints, obs = churn_tables()
    want = snapshot_features(customers, usage, complaints, "2023-06-30", 90, obs)
    got = snapshot_features(
        zoned(customers, ["start_date", "end_date"], "America/New_York"),
        zoned(usage, ["month"]),
        zoned(complaints, ["date"], "Europe/Berlin"),
        pd.Timestamp("2023-06-30", tz="Asia/Shanghai"),
        90,
        obs,
    )
    return got, want


ISO_LOG = "customer_id,date,amount\na,2024-01-05,1\na,2024-01-17,2\nb,2024-01-13,4\n"

CASES = [
    # Day and month order.
    ("05/01/2024: day and month can be swapped", "date",
     lambda tmp: summarize(log(["05/01/2024", "07/01/2024", "06/01/2024"])),
     ("error", E, r"column 'date' of transactions has dates such as '05/01/2024' in which the day "
      r"and the month can be swapped \(no day is above 12\); say which comes first: "
      r"dayfirst=True")),
    ("05/01/2024 with dayfirst=True", "date",
     lambda tmp: summarize(log(["05/01/2024", "17/01/2024", "13/01/2024"]), dayfirst=True),
     ("ok", is_days)),
    ("13/01/2024: the column shows day first", "date",
     lambda tmp: summarize(log(["05/01/2024", "17/01/2024", "13/01/2024"])),
     ("ok", is_days)),
    ("01/13/2024: the column shows month first", "date",
     lambda tmp: summarize(log(["01/05/2024", "01/17/2024", "01/13/2024"])),
     ("ok", is_days)),
    ("dayfirst=False against a day-first column", "date",
     lambda tmp: summarize(log(["05/01/2024", "17/01/2024", "13/01/2024"]), dayfirst=False),
     ("error", E, r"dayfirst=False does not fit 2 date\(s\) \(rows 1: '17/01/2024', 2: "
      r"'13/01/2024'\); check the order of day and month, or pass dayfirst=True")),
    ("mixed orders in one column", "date",
     lambda tmp: summarize(log(["13/01/2024", "01/17/2024", "05/01/2024"])),
     ("error", E, r"mixes day/month/year \(row 0: '13/01/2024'\) and month/day/year \(row 1: "
      r"'01/17/2024'\) dates")),
    ("05/01/2024 in a file through the loader", "date",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", "customer_id,date,amount\na,05/01/2024,1\n")
                                   ),
     ("error", E, r"column 'date' of purchase log has dates such as '05/01/2024'.*dayfirst=True")),
    ("05/01/2024 in a file with dayfirst=True", "date",
     lambda tmp: load_purchase_log(put(tmp, "log.csv", "customer_id,date,amount\na,05/01/2024,1\n"),
                                   dayfirst=True),
     ("ok", lambda r: r["date"].tolist() == [pd.Timestamp("2024-01-05")])),
    ("05/01/2024 in a CSV on duckdb", "date",
     lambda tmp: summarize(put(tmp, "log.csv", ISO_LOG.replace("2024-01-05", "05/01/2024"))),
     ("error", E, r"column 'date' has 1 value\(s\) that are not dates \(e.g. customer_id 'a' on "
      r"05/01/2024\); write dates as ISO 8601 .* date_format='%d/%m/%Y' \(day first\) or "
      r"date_format='%m/%d/%Y' \(month first\)")),
    ("05/01/2024 on duckdb with date_format", "date",
     lambda tmp: summarize(put(tmp, "log.csv", "customer_id,date\na,05/01/2024\na,17/01/2024\n"
                               "b,13/01/2024\n"), date_format="%d/%m/%Y"),
     ("ok", is_days)),
    ("date_format that the dates do not match", "date",
     lambda tmp: summarize(log(["2024-01-05", "2024-01-17", "2024-01-13"]), date_format="%d/%m/%Y"),
     ("error", E, r"3 value\(s\) that are not dates .*they do not match date_format='%d/%m/%Y'")),
    # Years, numbers.
    ("two-digit years", "date",
     lambda tmp: summarize(log(["05/01/24", "17/01/24", "13/01/24"])),
     ("error", E, r"has dates with a two-digit year \(rows 0: '05/01/24', .*\); the century is "
      r"not known: pass date_format= with the full pattern, e.g. date_format='%d/%m/%y'")),
    ("two-digit years with date_format", "date",
     lambda tmp: summarize(log(["05/01/24", "17/01/24", "13/01/24"]), date_format="%d/%m/%y"),
     ("ok", is_days)),
    ("YYYYMMDD integers", "date",
     lambda tmp: summarize(log([20240105, 20240117, 20240113])),
     ("error", E, r"column 'date' of transactions holds numbers \(int64\), not dates \(rows 0: "
      r"20240105, .*\); they look like YYYYMMDD: pass date_format='%Y%m%d'")),
    ("YYYYMMDD integers with date_format", "date",
     lambda tmp: summarize(log([20240105, 20240117, 20240113]), date_format="%Y%m%d"),
     ("ok", is_days)),
    ("Excel serial days", "date",
     lambda tmp: summarize(log([45296, 45308, 45304])),
     ("error", E, r"holds numbers \(int64\), not dates .*if they are Excel serial dates \(days "
      r"since 1899-12-30.*\), pass date_format='excel'")),
    ("Excel serial days with date_format='excel'", "date",
     lambda tmp: summarize(log([45296, 45308, 45304]), date_format="excel"),
     ("ok", is_days)),
    ("Excel serial days in a survival table", "date",
     lambda tmp: survival(SUBS.assign(end_date=[45322, None, 45488])),
     ("error", E, r"column 'end_date' of subscriptions holds numbers \(float64\), not dates.*"
      r"date_format='excel'")),
    ("Excel serial days in a survival table, accepted", "date",
     lambda tmp: survival(pd.DataFrame({"start_date": [45292, 45323, 45352],
                                        "end_date": [45322, None, 45488]}, index=list("abc")),
                          date_format="excel"),
     ("ok", is_survival)),
    ("observation_end as a number", "date",
     lambda tmp: summarize(log(DAYS), observation_end=20240117),
     ("error", P, r"parameter 'observation_end' = 20240117 is a number, not a date")),
    ("observation_end as 05/01/2024", "date",
     lambda tmp: rfm_table(log(DAYS), observation_end="05/01/2024"),
     ("error", P, r"parameter 'observation_end' = '05/01/2024' reads as day/month or as "
      r"month/day")),
    # Times and zones.
    ("dates with and without a time", "date",
     lambda tmp: summarize(log(["2024-01-05 23:59:59", "2024-01-17", "2024-01-13T08:30"])),
     ("ok", is_days)),
    ("text with +08:00 keeps the local day", "date",
     lambda tmp: summarize(log(["2024-01-05T02:00:00+08:00", "2024-01-17T00:10:00+08:00",
                                "2024-01-13 12:00:00Z"])),
     ("ok", is_days)),
    ("text with +08:00 on duckdb keeps the local day", "date",
     lambda tmp: summarize(put(tmp, "log.csv", "customer_id,date\na,2024-01-05T02:00:00+08:00\n"
                               "a,2024-01-17T00:10:00+08:00\nb,2024-01-13 12:00:00Z\n")),
     ("ok", is_days)),
    ("timezone-aware column", "date",
     lambda tmp: summarize(zoned(log(["2024-01-05 23:30", "2024-01-17 00:10", "2024-01-13 12:00"]),
                                 ["date"])),
     ("ok", is_days)),
    ("timezone-aware column in rfm_table", "date",
     lambda tmp: rfm_table(zoned(log(["2024-01-05 23:30", "2024-01-17 00:10", "2024-01-13 12:00"]),
                                 ["date"]), observation_end="2024-01-20"),
     ("ok", lambda r: r.equals(rfm_table(log(pd.to_datetime(DAYS)), observation_end="2024-01-20"))
      and r.loc["a", "recency"] == 3.0)),
    ("timezone-aware observation_end in rfm_table", "date",
     lambda tmp: rfm_table(log(pd.to_datetime(DAYS)),
                           observation_end=pd.Timestamp("2024-01-20 23:00", tz="Asia/Shanghai")),
     ("ok", lambda r: r.loc["a", "recency"] == 3.0 and r.loc["b", "recency"] == 7.0)),
    ("timezone-aware dates in a survival table", "date",
     lambda tmp: survival(zoned(SUBS.replace("", None), ["start_date", "end_date"])),
     ("ok", is_survival)),
    ("timezone-aware observation_end in a survival table", "date",
     lambda tmp: survival(observation_end=pd.Timestamp("2024-06-30 22:00", tz="America/New_York")),
     ("ok", is_survival)),
    # pyarrow-backed tables.
    ("pyarrow timestamps in summarize", "date",
     lambda tmp: summarize(log(pd.to_datetime(DAYS)).convert_dtypes(dtype_backend="pyarrow"),
                           amount_col="amount"),
     ("ok", lambda r: same_as_iso(r, amount_col="amount"))),
    ("pyarrow timestamps in rfm_table", "date",
     lambda tmp: rfm_table(log(pd.to_datetime(DAYS)).convert_dtypes(dtype_backend="pyarrow")),
     ("ok", lambda r: r.equals(rfm_table(log(pd.to_datetime(DAYS)))))),
    ("pyarrow timestamps with a zone in summarize", "date",
     lambda tmp: summarize(zoned(log(DAYS), ["date"]).convert_dtypes(dtype_backend="pyarrow")),
     ("ok", is_days)),
    ("pyarrow dates in a survival table", "date",
     lambda tmp: survival(SUBS.replace("", None).apply(pd.to_datetime)
                          .convert_dtypes(dtype_backend="pyarrow")),
     ("ok", is_survival)),
    ("pyarrow tables in snapshot_features", "date",
     lambda tmp: snapshot_equal_on_pyarrow(),
     ("ok", lambda r: r[0].equals(r[1]) and len(r[0]) > 100)),
    ("time zones in snapshot_features", "date",
     lambda tmp: snapshot_equal_with_zones(),
     ("ok", lambda r: r[0].equals(r[1]))),
    # Other layouts.
    ("2024年1月5日", "date",
     lambda tmp: summarize(log(["2024年1月5日", "2024年1月17日", "2024年01月13日"])),
     ("ok", is_days)),
    ("2024/01/05", "date",
     lambda tmp: summarize(log(["2024/01/05", "2024/1/17", "2024/01/13"])),
     ("ok", is_days)),
    ("5 Jan 2024", "date",
     lambda tmp: summarize(log(["5 Jan 2024", "17 Jan 2024", "Jan 13, 2024"])),
     ("ok", is_days)),
    ("30 February", "date",
     lambda tmp: summarize(log(["2024-01-05", "2024-02-30", "2024-01-13"])),
     ("error", E, r"column 'date' of transactions has 1 value\(s\) that are not dates \(row 1: "
      r"'2024-02-30'\)")),
    ("empty date cell", "date",
     lambda tmp: validate_transactions(log(["2024-01-05", "", "2024-01-13"])),
     ("error", E, r"column 'date' has 1 missing date\(s\) \(row 1\); fill them from the source")),
    # Survival tables: an unreadable end date is not "still active".
    ("unreadable end date in a survival table", "date",
     lambda tmp: survival(SUBS.assign(end_date=["2024-01-31", "soon", "2024-07-15"])),
     ("error", E, r"column 'end_date' of subscriptions has 1 value\(s\) that are not dates \(row "
      r"b: 'soon'\)")),
    ("end date 31/01/2024 among ISO dates", "date",
     lambda tmp: survival(SUBS.assign(end_date=["31/01/2024", "", "2024-07-15"])),
     ("ok", is_survival)),
    ("empty end dates as text", "date",
     lambda tmp: survival(),
     ("ok", is_survival)),
    ("end before start (kept)", "date",
     lambda tmp: survival(SUBS.assign(end_date=["2023-12-31", "", ""])),
     ("error", E, r"column 'end_date' has 1 end date\(s\) before the start \(row a\)")),
    ("start after observation_end (kept)", "date",
     lambda tmp: survival(observation_end="2024-02-15"),
     ("error", E, r"column 'start_date' has 1 start date\(s\) after observation_end 2024-02-15 "
      r"\(row c\)")),
]  # fmt: skip
