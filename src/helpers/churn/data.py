"""A subscriber base brought by the user: the contracts of chapters 06 and 07, and their loader.

Chapters 06 (survival) and 07 (early warning) run on the seeded simulator
(:func:`helpers.simulate.subscriptions`) by default. A researcher can point them at their own
tables instead: one row per subscriber (:data:`SUBSCRIPTIONS`), and, for the early-warning
features of chapter 07, monthly usage (:data:`USAGE_LOG`) and dated complaints
(:data:`COMPLAINT_LOG`). The contracts name the simulator's columns, so every later cell of
the chapters runs unchanged on either.

:func:`load_subscriptions` reads the files through :func:`helpers.data.read_table` (CSV in
UTF-8 or GB18030, ``.xlsx``, Parquet; ids kept as text), checks each against its contract, and
then checks the tables against the date the data describe (``observation_end``) and against
each other. Anything that would give a wrong duration, a wrong churn label or a customer
counted twice is an error that names the rows and the fix; what is kept but worth knowing is a
:class:`~helpers.exceptions.DataQualityWarning`. The files are only read.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from helpers.data.contracts import Column, DataContract
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.validation import check_date, check_int, rows

__all__ = [
    "COMPLAINT_LOG",
    "EXIT_REASONS",
    "SUBSCRIPTIONS",
    "USAGE_LOG",
    "load_subscriptions",
]

#: Exit reasons and their family (the curriculum's three: our company, related parties,
#: outside anyone's control); the values an ``exit_reason`` column may hold.
EXIT_REASONS: dict[str, str] = {
    "service": "our company",
    "product": "our company",
    "price": "our company",
    "partner or agent": "related parties",
    "moved or closed": "outside anyone's control",
}

#: One row per subscriber: what chapters 06 and 07 model. The levels of the categories are the
#: simulator's; the first level of each is the reference of the hazard ratios. A file may hold
#: more columns (kept); an ``exit_reason`` column (one of :data:`EXIT_REASONS`, empty while
#: active) feeds chapter 07's termination analysis when present.
SUBSCRIPTIONS = DataContract(
    "subscriptions",
    [
        Column(
            "customer_id",
            "id",
            "customer identifier (text: leading zeros are kept)",
            description_zh="客户编号（按文本保存，开头的 0 会保留）",
        ),
        Column(
            "start_date", "date", "day the subscription started", description_zh="订阅开始的日期"
        ),
        Column(
            "end_date",
            "date",
            "day it ended; empty while the customer is still subscribed",
            required=False,
            description_zh="订阅结束的日期；客户仍在订阅时为空",
        ),
        Column(
            "plan",
            "category",
            "contract length",
            choices=("monthly", "annual", "two-year"),
            description_zh="合同期限",
        ),
        Column(
            "monthly_charge",
            "number",
            "charge per month, in the currency",
            minimum=0,
            description_zh="每月费用，以所用货币计",
        ),
        Column(
            "value_tier",
            "category",
            "value tier",
            choices=("low", "medium", "high"),
            description_zh="价值层级",
        ),
        Column(
            "channel",
            "category",
            "sign-up channel",
            choices=("store", "online", "phone"),
            description_zh="注册渠道",
        ),
        Column(
            "age_band",
            "category",
            "age band",
            choices=("18-29", "30-44", "45-59", "60+"),
            description_zh="年龄段",
        ),
        Column(
            "complaints",
            "integer",
            "support complaints in the first 90 days",
            minimum=0,
            description_zh="前 90 天内的客服投诉次数",
        ),
        Column(
            "usage_trend",
            "number",
            "change of log monthly usage over the first three months (log of month 3 over "
            "month 1; 0 when flat)",
            description_zh="前三个月月使用量的对数变化"
            "（第 3 个月与第 1 个月之比的对数；持平时为 0）",
        ),
    ],
    key="customer_id",
)

#: Monthly usage per subscriber (chapter 07): any day of a month names that month.
USAGE_LOG = DataContract(
    "usage log",
    [
        Column(
            "customer_id",
            "id",
            "customer identifier, as in the subscriptions",
            description_zh="客户编号，与订阅表一致",
        ),
        Column(
            "month",
            "date",
            "the month (its first day, or any day of it)",
            description_zh="月份（该月第一天，或该月的任意一天）",
        ),
        Column(
            "usage_gb",
            "number",
            "usage in that month (GB, or the unit of the service)",
            minimum=0,
            description_zh="当月使用量（GB，或该服务的计量单位）",
        ),
    ],
)

#: One row per complaint (chapter 07).
COMPLAINT_LOG = DataContract(
    "complaint log",
    [
        Column(
            "customer_id",
            "id",
            "customer identifier, as in the subscriptions",
            description_zh="客户编号，与订阅表一致",
        ),
        Column(
            "date",
            "date",
            "day of the complaint (a time of day is dropped)",
            description_zh="投诉日期（一天中的时刻会被舍去）",
        ),
    ],
)


def _quiet_gap(customers: pd.DataFrame, obs: pd.Timestamp, max_quiet_days: int) -> None:
    """Refuse an observation_end long after the last event in the file: every customer without
    an end date would silently be counted as staying until then."""
    ends = customers["end_date"]
    latest = pd.concat([customers["start_date"], ends[ends <= obs]]).max()
    gap = (obs - latest).days
    if gap > max_quiet_days:
        raise DataValidationError(
            f"subscriptions: the latest start or end date in the file is {latest.date()}, "
            f"{gap} days before observation_end {obs.date()}; customers without an end date "
            "would be counted as staying until observation_end. Pass observation_end= the day "
            f"the data were exported (e.g. observation_end='{latest.date()}'), or, if nobody "
            f"joined or left in those {gap} days, raise max_quiet_days"
        )


def _check_customers(customers: pd.DataFrame, obs: pd.Timestamp, max_quiet_days: int) -> None:
    start, end = customers["start_date"], customers["end_date"]
    late = (start > obs).to_numpy()
    if late.any():
        raise DataValidationError(
            f"subscriptions: column 'start_date' has {int(late.sum())} date(s) after "
            f"observation_end {obs.date()} ({rows(customers.index, late, start)}); those "
            "customers had not joined yet: remove them, or pass the day the data were exported "
            "as observation_end"
        )
    backwards = (end < start).to_numpy()
    if backwards.any():
        raise DataValidationError(
            f"subscriptions: column 'end_date' has {int(backwards.sum())} date(s) before the "
            f"start_date ({rows(customers.index, backwards, end)}); correct the dates at the "
            "source"
        )
    announced = (end > obs).to_numpy()
    if announced.any():
        warnings.warn(
            f"subscriptions: {int(announced.sum())} end date(s) are after observation_end "
            f"{obs.date()} ({rows(customers.index, announced, end)}); those customers are "
            "counted as still subscribed on observation_end (a cancellation announced ahead)",
            DataQualityWarning,
            stacklevel=3,
        )
    _quiet_gap(customers, obs, max_quiet_days)


def _exit_reasons(customers: pd.DataFrame, obs: pd.Timestamp) -> pd.DataFrame:
    """Check the optional exit_reason column and add its exit_family."""
    raw = customers["exit_reason"]
    reason = raw.astype(object).where(raw.notna(), None)
    reason = reason.map(lambda v: v.strip() if isinstance(v, str) else v)
    reason = reason.where(reason != "", None)
    given = reason.notna().to_numpy()
    unknown = given & ~reason.isin(list(EXIT_REASONS)).to_numpy()
    if unknown.any():
        raise DataValidationError(
            f"subscriptions: column 'exit_reason' has {int(unknown.sum())} value(s) that are "
            f"not one of {list(EXIT_REASONS)} ({rows(customers.index, unknown, raw)}); map "
            "each reason to one of them, or leave the cell empty"
        )
    left = (customers["end_date"] <= obs).to_numpy()
    active_with_reason = given & ~left
    if active_with_reason.any():
        raise DataValidationError(
            f"subscriptions: {int(active_with_reason.sum())} customer(s) have an exit_reason "
            f"but no end_date on or before observation_end "
            f"({rows(customers.index, active_with_reason, raw)}); add the end date, or empty "
            "the reason"
        )
    family = reason.map(EXIT_REASONS, na_action="ignore")
    if "exit_family" in customers.columns:
        stated = customers["exit_family"].astype(object)
        stated = stated.map(lambda v: v.strip() if isinstance(v, str) else v)
        differ = given & (stated.to_numpy() != family.to_numpy())
        if differ.any():
            raise DataValidationError(
                f"subscriptions: column 'exit_family' disagrees with exit_reason in "
                f"{int(differ.sum())} row(s) ({rows(customers.index, differ, stated)}); the "
                f"families are {EXIT_REASONS}: correct it, or leave the column out (it is "
                "derived from exit_reason)"
            )
    missing = left & ~given
    if missing.any():
        warnings.warn(
            f"subscriptions: {int(missing.sum())} of the {int(left.sum())} customers who left "
            f"have no exit_reason ({rows(customers.index, missing)}); they are kept, and the "
            "termination analysis counts only the departures with a reason",
            DataQualityWarning,
            stacklevel=3,
        )
    out = customers.copy()
    out["exit_reason"] = reason
    out["exit_family"] = family
    return out


def _check_log(
    log: pd.DataFrame, name: str, date_col: str, customers: pd.DataFrame, obs: pd.Timestamp
) -> None:
    unknown = ~log["customer_id"].isin(customers.index).to_numpy()
    if unknown.any():
        raise DataValidationError(
            f"{name}: {int(unknown.sum())} row(s) belong to customers who are not in the "
            f"subscriptions ({rows(log.index, unknown, log['customer_id'])}); every row must "
            "belong to a listed subscriber: add the customers, or remove those rows"
        )
    late = (log[date_col] > obs).to_numpy()
    if late.any():
        raise DataValidationError(
            f"{name}: column {date_col!r} has {int(late.sum())} date(s) after observation_end "
            f"{obs.date()} ({rows(log.index, late, log[date_col])}); the data must describe "
            "the same day: remove those rows or move observation_end"
        )


def load_subscriptions(
    data_path: str | Path,
    *,
    observation_end,
    usage_path: str | Path | None = None,
    complaints_path: str | Path | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    max_quiet_days: int = 90,
) -> dict[str, pd.DataFrame]:
    """Read a user's subscriber base (and its usage and complaint logs) and check it.

    Parameters
    ----------
    data_path : str or Path
        A CSV, ``.xlsx`` or Parquet file of :data:`SUBSCRIPTIONS`.
    observation_end : date-like
        The day the data describe (the export date). Customers without an end date are still
        subscribed on it.
    usage_path, complaints_path : str or Path, optional
        Files of :data:`USAGE_LOG` and :data:`COMPLAINT_LOG` (chapter 07); give both or
        neither.
    date_format, dayfirst, decimal
        How the files write dates that are not ``YYYY-MM-DD`` (``dayfirst=True`` for
        05/01/2024 as 5 January, ``date_format="%d.%m.%Y"``) and decimals (``decimal=","`` for
        3,5), for all the files: see :meth:`helpers.data.DataContract.validate`.
    encoding, sep : str, optional
        Override the detected text encoding and delimiter of CSV files.
    max_quiet_days : int
        The longest time, in days, between the last start or end date in the file and
        ``observation_end`` that is accepted (a longer one usually means a wrong
        ``observation_end``).

    Returns
    -------
    dict of pandas.DataFrame
        As :func:`helpers.simulate.subscriptions` returns them: ``"customers"`` (indexed by
        ``customer_id``; the categories as text; ``exit_reason`` and ``exit_family`` when the
        file has an ``exit_reason`` column), and with the logs ``"usage"`` (``customer_id,
        month, usage_gb``; ``month`` is the month's first day) and ``"complaints"``
        (``customer_id, date``; sorted by date).

    Raises
    ------
    DataValidationError
        A file cannot be read or breaks its contract; a start date after
        ``observation_end``, an end date before the start, ``observation_end`` more than
        ``max_quiet_days`` after the last event; an ``exit_reason`` outside
        :data:`EXIT_REASONS` or given for an active customer; a usage month twice for one
        customer; a log row of an unknown customer or dated after ``observation_end``.
    ParameterError
        Only one of ``usage_path`` and ``complaints_path`` given, or a bad option.

    Warns
    -----
    DataQualityWarning
        End dates after ``observation_end`` (counted as still subscribed), departures without
        an exit reason (kept), and what :func:`helpers.data.read_table` reports.

    Examples
    --------
    >>> from helpers.data import datasets_dir
    >>> data = load_subscriptions(datasets_dir() / "example_subscriptions.csv",
    ...                           observation_end="2024-12-31")
    >>> customers = data["customers"]
    >>> customers.index[0], customers["start_date"].dtype, int(customers["end_date"].notna().sum())
    ('S000001', dtype('<M8[ns]'), 113)
    """
    obs = check_date("observation_end", observation_end)
    quiet = check_int("max_quiet_days", max_quiet_days, 0)
    if (usage_path is None) != (complaints_path is None):
        raise ParameterError(
            "pass both usage_path and complaints_path (the early-warning features need both "
            "logs), or neither"
        )
    options = {
        "date_format": date_format,
        "dayfirst": dayfirst,
        "encoding": encoding,
        "sep": sep,
        "decimal": decimal,
    }
    table = SUBSCRIPTIONS.read(data_path, **options)
    categories = [c.name for c in SUBSCRIPTIONS.columns if c.kind == "category"]
    # The categories as text, like the simulator's table (no empty levels in group-bys).
    table = table.astype({c: object for c in categories})
    customers = table.set_index("customer_id")
    _check_customers(customers, obs, quiet)
    if "exit_reason" in customers.columns:
        customers = _exit_reasons(customers, obs)
    data = {"customers": customers}
    if usage_path is None:
        return data

    usage = USAGE_LOG.read(usage_path, **options)
    usage = usage.assign(month=usage["month"].dt.to_period("M").dt.to_timestamp())
    _check_log(usage, "usage log", "month", customers, obs)
    twice = usage.duplicated(["customer_id", "month"], keep=False).to_numpy()
    if twice.any():
        raise DataValidationError(
            f"usage log: {int(twice.sum())} rows give a month twice for one customer "
            f"({rows(usage.index, twice, usage['customer_id'])}); one row per customer and "
            "month is needed: add up each month's usage at the source (a day of the month "
            "names its month)"
        )
    complaints = COMPLAINT_LOG.read(complaints_path, **options)
    complaints = complaints.assign(date=complaints["date"].dt.normalize())
    _check_log(complaints, "complaint log", "date", customers, obs)
    data["usage"] = usage.sort_values(["customer_id", "month"], ignore_index=True)
    data["complaints"] = complaints.sort_values(["date", "customer_id"], ignore_index=True)
    return data
