"""Complaint management: the process KPIs and the link from complaint handling to retention.

The curriculum's complaint-management process (客户投诉管理) runs receive → propose a remedy →
handle → is the customer satisfied? → analyse → improve. Its KPIs, computed here from a
complaint log with one row per complaint:

* handling timeliness rate (投诉处理及时率): complaints closed within the service-level target
  over the complaints counted (:func:`timeliness_rate` says how open ones are counted);
* first-contact resolution rate: complaints resolved in the first contact, over all complaints;
* mean satisfaction after resolution, over the customers who answered;
* repeat-complaint rate: complaints that follow an earlier complaint of the same customer
  within a window;

all together, overall or by month or channel, in :func:`complaint_kpis`. The link to retention
(:func:`retention_by_complaint`) is a landmark analysis: customers still active on a landmark
date are grouped by what happened to their complaints before it and followed from then on, so
no group gets credit for time it had to survive to be in the group. The survival curves are
lifelines' Kaplan-Meier estimates (:func:`helpers.churn.kaplan_meier_by_group`) and the test
is the log-rank test (:func:`helpers.churn.logrank`).

References
----------
Anderson, J. R., Cain, K. C. and Gelber, R. D. (1983). Analysis of survival by tumor response.
*Journal of Clinical Oncology* 1(11), 710-719 (the landmark method).
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.churn import fit_cox, kaplan_meier_by_group, logrank
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.service.satisfaction import _scale_arg, _scores
from helpers.validation import (
    DEFAULT_TIME_UNIT,
    TIME_UNITS,
    check_choice,
    check_columns,
    check_date,
    check_number,
    check_time_unit,
    date_column,
    renamed_parameters,
    rows,
)

__all__ = [
    "GROUPS",
    "OUTCOMES",
    "complaint_kpis",
    "first_contact_resolution_rate",
    "handling_hours",
    "hazard_ratios_by_group",
    "mean_satisfaction",
    "plot_retention_by_complaint",
    "repeat_complaint_rate",
    "retention_by_complaint",
    "timeliness_rate",
]

#: Outcomes a closed complaint can have, from the best to the worst.
OUTCOMES = ("resolved well", "resolved badly", "unresolved")
#: Landmark groups of :func:`retention_by_complaint`, reference first.
GROUPS = ("no complaint", *OUTCOMES)
_GROUP_COLOURS = dict(zip(GROUPS, ["#2f6690", "#3a7d44", "#f18f01", "#c73e1d"], strict=True))


def _timestamps(df: pd.DataFrame, col: str, required: bool) -> pd.Series:
    """A timestamp column read by :func:`helpers.validation.date_column` (time zones keep
    their wall-clock time, ambiguous day/month text and numbers are refused)."""
    if df[col].isna().all():  # e.g. every complaint still open: nothing to read
        ts = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]", name=col)
    else:
        ts = date_column(df, col, "complaints", allow_missing=True)
    if required and ts.isna().any():
        bad = ts.isna().to_numpy()
        raise DataValidationError(
            f"column {col!r} has {bad.sum()} missing timestamp(s) ({rows(df.index, bad)}); "
            "every complaint needs the time it was received"
        )
    return ts


def _log_times(
    complaints: pd.DataFrame, received_col: str, closed_col: str
) -> tuple[pd.Series, pd.Series]:
    """Received and closed timestamps, checked: every complaint received, none closed before."""
    check_columns(complaints, [received_col, closed_col], "complaints")
    received = _timestamps(complaints, received_col, required=True)
    closed = _timestamps(complaints, closed_col, required=False)
    backwards = (closed < received).to_numpy()
    if backwards.any():
        raise DataValidationError(
            f"column {closed_col!r} is before {received_col!r} in {backwards.sum()} complaint(s) "
            f"({rows(complaints.index, backwards)}); a complaint cannot close before it "
            "arrives: fix the timestamps at the source (time zones?)"
        )
    return received, closed


def _observation_end(observation_end, received: pd.Series, closed: pd.Series) -> pd.Timestamp:
    """The extraction time (by default the log's latest timestamp); complaints received after
    it are left out of the KPIs with a DataQualityWarning."""
    if observation_end is None:
        observation_end = (
            max(received.max(), closed.max()) if closed.notna().any() else received.max()
        )
    end = check_date("observation_end", observation_end)
    later = (received > end).to_numpy()
    if later.any():
        warnings.warn(
            f"{int(later.sum())} complaint(s) received after observation_end {end} "
            f"({rows(received.index, later)}) are left out: they did not exist yet; move "
            "observation_end later to count them",
            DataQualityWarning,
            stacklevel=3,
        )
    return end


def handling_hours(
    complaints: pd.DataFrame, received_col: str = "received_at", closed_col: str = "closed_at"
) -> pd.Series:
    """Hours from receiving each complaint to closing it (missing while it is open).

    Raises
    ------
    DataValidationError
        A missing column, a missing or unreadable received time, or a complaint closed before
        it was received (naming the rows).

    Examples
    --------
    >>> log = pd.DataFrame({"received_at": ["2024-03-01 09:00", "2024-03-01 10:00"],
    ...                     "closed_at": ["2024-03-02 21:00", None]})
    >>> handling_hours(log).tolist()
    [36.0, nan]
    """
    received, closed = _log_times(complaints, received_col, closed_col)
    return ((closed - received).dt.total_seconds() / 3600).rename("handling_hours")


def _counts(
    received: pd.Series, closed: pd.Series, target: float, end: pd.Timestamp
) -> tuple[int, int, int, int]:
    """(on time, closed, open and overdue, open within target) at ``end``, over the
    complaints received by then."""
    known = (received <= end).to_numpy()
    received, closed = received[known], closed[known]
    hours = (closed - received).dt.total_seconds() / 3600
    is_open = hours.isna() | (closed > end)
    age = (end - received).dt.total_seconds() / 3600
    on_time = int(((~is_open) & (hours <= target)).sum())
    n_closed = int((~is_open).sum())
    overdue = int((is_open & (age > target)).sum())
    return on_time, n_closed, overdue, int(is_open.sum()) - overdue


@renamed_parameters(as_of="observation_end")
def timeliness_rate(
    complaints: pd.DataFrame,
    target_hours: float,
    observation_end=None,
    open_policy: str = "late",
    received_col: str = "received_at",
    closed_col: str = "closed_at",
) -> float:
    """Handling timeliness rate (投诉处理及时率): the share of complaints closed within target.

    ``rate = closed within target_hours / complaints counted``. Closed complaints are always
    counted. Open complaints (not closed, or closed after ``observation_end``) are counted by
    ``open_policy``:

    * ``"late"`` (default): an open complaint already older than the target is certainly
      late and counts as a miss; one still within the target is left out (its result is not
      known yet). Leaving the overdue ones out would reward a team for *not* closing them.
    * ``"exclude"``: the textbook ratio over closed complaints only.

    Parameters
    ----------
    complaints : pandas.DataFrame
        One row per complaint with received and closed timestamps.
    target_hours : float
        The service-level target, in hours (e.g. 24 or 48).
    observation_end : date-like, optional
        When the log was extracted (old name ``as_of``); by default its latest received or
        closed timestamp.
    open_policy : {"late", "exclude"}
    received_col, closed_col : str

    Returns
    -------
    float
        The rate, between 0 and 1 (NaN if no complaint is counted).

    Raises
    ------
    DataValidationError
        As :func:`handling_hours`.
    ParameterError
        ``target_hours`` not positive, an unknown ``open_policy`` or a bad ``observation_end``.

    Warns
    -----
    DataQualityWarning
        Complaints received after ``observation_end`` are left out (they did not exist yet).

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "received_at": pd.to_datetime(["2024-03-01 09:00", "2024-03-01 10:00",
    ...                                    "2024-03-02 08:00", "2024-03-04 08:00"]),
    ...     "closed_at": pd.to_datetime(["2024-03-01 17:00", "2024-03-03 10:00", None, None])})
    >>> # 1 on time / (2 closed + 1 overdue):
    >>> timeliness_rate(log, 24, observation_end="2024-03-04 12:00")
    0.3333333333333333
    >>> timeliness_rate(log, 24, observation_end="2024-03-04 12:00", open_policy="exclude")
    0.5
    """
    target = check_number("target_hours", target_hours, 0, low_open=True)
    check_choice("open_policy", open_policy, ["late", "exclude"])
    received, closed = _log_times(complaints, received_col, closed_col)
    end = _observation_end(observation_end, received, closed)
    on_time, n_closed, overdue, _ = _counts(received, closed, target, end)
    counted = n_closed + (overdue if open_policy == "late" else 0)
    return on_time / counted if counted else float("nan")


def first_contact_resolution_rate(
    complaints: pd.DataFrame, fcr_col: str = "first_contact_resolution"
) -> float:
    """Share of all complaints resolved in the first contact (open ones count as not).

    Parameters
    ----------
    complaints : pandas.DataFrame
        One row per complaint.
    fcr_col : str
        Yes/no column: was the complaint resolved in the first contact?

    Returns
    -------
    float
        The first-contact resolution rate, between 0 and 1.

    Raises
    ------
    DataValidationError
        A missing column, or values that are not yes/no (naming the rows).

    Examples
    --------
    >>> first_contact_resolution_rate(pd.DataFrame({"first_contact_resolution": [1, 0, 1, 0]}))
    0.5
    """
    check_columns(complaints, [fcr_col], "complaints")
    x = complaints[fcr_col]
    bad = ~x.isin([True, False, 0, 1]).to_numpy()
    if bad.any():
        raise DataValidationError(
            f"column {fcr_col!r} has {bad.sum()} value(s) that are not yes/no "
            f"({rows(complaints.index, bad, x.astype(object))}); code it as True/False (or 1/0)"
        )
    return float(x.astype(bool).mean())


def mean_satisfaction(
    complaints: pd.DataFrame, satisfaction_col: str = "satisfaction", scale=(1, 5)
) -> float:
    """Mean satisfaction after resolution over the complaints with an answer.

    Parameters
    ----------
    complaints : pandas.DataFrame
        One row per complaint.
    satisfaction_col : str
        The answer to the survey after closing (missing when the customer did not answer).
    scale : (int, int)
        Lowest and highest answer of the question.

    Returns
    -------
    float
        The mean answer (NaN when nobody answered).

    Raises
    ------
    DataValidationError
        A missing column, or answers that are not numbers, not whole or outside ``scale``
        (naming the rows), as for :func:`helpers.service.csat`.
    ParameterError
        ``scale`` not a pair (lowest, highest).

    Examples
    --------
    >>> mean_satisfaction(pd.DataFrame({"satisfaction": [5, 4, None, 1]}))
    3.3333333333333335
    """
    check_columns(complaints, [satisfaction_col], "complaints")
    low, high = _scale_arg("scale", scale)
    x = _scores(complaints[satisfaction_col], "satisfaction", low, high, allow_none=True)
    return float(x.mean()) if len(x) else float("nan")


def _repeat_flags(complaints, window_days, customer_col, received_col) -> pd.Series:
    w = check_number("window_days", window_days, 0, low_open=True)
    check_columns(complaints, [customer_col, received_col], "complaints")
    received = _timestamps(complaints, received_col, required=True)
    no_id = complaints[customer_col].isna().to_numpy()
    if no_id.any():
        raise DataValidationError(
            f"column {customer_col!r} has {int(no_id.sum())} missing customer id(s) "
            f"({rows(complaints.index, no_id)}); a repeat complaint is found by its customer: "
            "fill the ids from the source or remove those complaints"
        )
    d = pd.DataFrame({"c": complaints[customer_col], "t": received}, index=complaints.index)
    d = d.sort_values(["c", "t"], kind="stable")
    gap = d.groupby("c")["t"].diff()
    return (gap <= pd.Timedelta(days=w)).reindex(complaints.index)


def repeat_complaint_rate(
    complaints: pd.DataFrame,
    window_days: float = 30,
    customer_col: str = "customer_id",
    received_col: str = "received_at",
) -> float:
    """Share of complaints received within ``window_days`` after the same customer's previous
    complaint (a customer's first complaint in the log is never a repeat).

    Parameters
    ----------
    complaints : pandas.DataFrame
        One row per complaint, in any order.
    window_days : float
        A complaint this many days or less after the previous one is a repeat.
    customer_col, received_col : str

    Returns
    -------
    float
        The repeat-complaint rate, between 0 and 1.

    Raises
    ------
    DataValidationError
        A missing column, a missing customer id, or a missing or unreadable received time.
    ParameterError
        ``window_days`` not positive.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c", "c"],
    ...                     "received_at": pd.to_datetime(["2024-01-01", "2024-01-20",
    ...                         "2024-04-01", "2024-01-05", "2024-02-01", "2024-02-10"])})
    >>> repeat_complaint_rate(log)  # a's second and c's second: 2 of 6
    0.3333333333333333
    """
    return float(_repeat_flags(complaints, window_days, customer_col, received_col).mean())


@renamed_parameters(as_of="observation_end")
def complaint_kpis(
    complaints: pd.DataFrame,
    target_hours: float,
    by: str | None = None,
    observation_end=None,
    open_policy: str = "late",
    repeat_window_days: float = 30,
    customer_col: str = "customer_id",
    received_col: str = "received_at",
    closed_col: str = "closed_at",
    fcr_col: str = "first_contact_resolution",
    satisfaction_col: str = "satisfaction",
) -> pd.DataFrame:
    """All complaint KPIs, overall or by group.

    Parameters
    ----------
    complaints : pandas.DataFrame
        One row per complaint.
    target_hours : float
        Service-level target of the timeliness rate.
    by : str, optional
        ``"month"`` (month the complaint was received), or a column such as ``"channel"``;
        ``None`` gives one row, ``"all"``.
    observation_end, open_policy
        As in :func:`timeliness_rate`.
    repeat_window_days : float
        Window of :func:`repeat_complaint_rate`; repeats are found over the whole log, so a
        March complaint that follows a February one counts in March.
    customer_col, received_col, closed_col, fcr_col, satisfaction_col : str

    Returns
    -------
    pandas.DataFrame
        One row per group: ``complaints``, ``closed``, ``open_overdue``, ``timeliness_rate``,
        ``median_handling_hours``, ``fcr_rate``, ``mean_satisfaction``,
        ``satisfaction_answers``, ``repeat_rate``.

    Raises
    ------
    DataValidationError, ParameterError
        As the single KPIs; an unknown ``by`` column, or one with missing values (those
        complaints would fall out of every group), is a DataValidationError.

    Warns
    -----
    DataQualityWarning
        Complaints received after ``observation_end`` are left out (they did not exist yet).

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b"], "channel": ["phone", "email", "phone"],
    ...     "received_at": pd.to_datetime(["2024-03-01 09:00", "2024-03-05 09:00",
    ...                                    "2024-03-02 09:00"]),
    ...     "closed_at": pd.to_datetime(["2024-03-01 10:00", "2024-03-08 09:00",
    ...                                  "2024-03-02 12:00"]),
    ...     "first_contact_resolution": [True, False, False], "satisfaction": [5, 2, None]})
    >>> k = complaint_kpis(log, target_hours=24, by="channel")
    >>> cols = ["complaints", "timeliness_rate", "fcr_rate", "repeat_rate"]
    >>> k[cols]  # doctest: +NORMALIZE_WHITESPACE
             complaints  timeliness_rate  fcr_rate  repeat_rate
    channel
    phone             2              1.0       0.5          0.0
    email             1              0.0       0.0          1.0
    """
    check_columns(
        complaints,
        [customer_col, received_col, closed_col, fcr_col, satisfaction_col],
        "complaints",
    )
    target = check_number("target_hours", target_hours, 0, low_open=True)
    check_choice("open_policy", open_policy, ["late", "exclude"])
    received, closed = _log_times(complaints, received_col, closed_col)
    hours = (closed - received).dt.total_seconds() / 3600
    end = _observation_end(observation_end, received, closed)
    repeat = _repeat_flags(complaints, repeat_window_days, customer_col, received_col)
    if by is None:
        keys = pd.Series("all", index=complaints.index, name="group")
    elif by == "month" and "month" not in complaints.columns:
        keys = received.dt.to_period("M").rename("month")
    else:
        check_columns(complaints, [by], "complaints")
        keys = complaints[by]
        no_group = keys.isna().to_numpy()
        if no_group.any():
            raise DataValidationError(
                f"column {by!r} has {int(no_group.sum())} missing value(s) "
                f"({rows(complaints.index, no_group)}); those complaints would be left out of "
                f"every group: fill them (e.g. with 'unknown') or remove those rows"
            )
    out_rows = {}
    for key, idx in complaints.groupby(keys, sort=by is not None and by == "month").groups.items():
        part = complaints.loc[idx]
        on_time, n_closed, overdue, _ = _counts(received.loc[idx], closed.loc[idx], target, end)
        counted = n_closed + (overdue if open_policy == "late" else 0)
        sat = part[satisfaction_col]
        out_rows[key] = {
            "complaints": len(part),
            "closed": n_closed,
            "open_overdue": overdue,
            "timeliness_rate": on_time / counted if counted else np.nan,
            "median_handling_hours": h.median() if (h := hours.loc[idx]).notna().any() else np.nan,
            "fcr_rate": first_contact_resolution_rate(part, fcr_col),
            "mean_satisfaction": mean_satisfaction(part, satisfaction_col),
            "satisfaction_answers": int(sat.notna().sum()),
            "repeat_rate": float(repeat.loc[idx].mean()),
        }
    out = pd.DataFrame.from_dict(out_rows, orient="index")
    out.index.name = keys.name
    return out


# --------------------------------------------------------------------------- retention


def retention_by_complaint(
    customers: pd.DataFrame,
    complaints: pd.DataFrame,
    landmark,
    observation_end,
    time_unit: str = DEFAULT_TIME_UNIT,
    end_col: str = "end_date",
    customer_col: str = "customer_id",
    received_col: str = "received_at",
    closed_col: str = "closed_at",
    outcome_col: str = "outcome",
) -> pd.DataFrame:
    """Survival table of the customers active at ``landmark``, grouped by their complaints.

    A customer's ``group`` is "no complaint" when they filed none before the landmark, else
    the outcome of their latest complaint received on or before it, as it stood on the
    landmark: a complaint still open then (not closed, or closed after the landmark) counts
    as "unresolved". ``duration`` runs from the landmark to churn (``event`` 1) or to
    ``observation_end`` (``event`` 0, censored), in ``time_unit``.

    Parameters
    ----------
    customers : pandas.DataFrame
        Indexed by customer id, with the churn date ``end_col`` (missing while active).
    complaints : pandas.DataFrame
        The complaint log.
    landmark, observation_end : date-like
    time_unit : {"D", "W", "M"}
    end_col, customer_col, received_col, closed_col, outcome_col : str

    Returns
    -------
    pandas.DataFrame
        Indexed like ``customers`` (active customers only): ``group`` (categorical, in the
        order of :data:`GROUPS`), ``duration`` and ``event``.

    Raises
    ------
    DataValidationError
        Missing columns, complaints by customers not in ``customers``, closed complaints
        with an outcome not in :data:`OUTCOMES`, or a complaint closed before it was received.
    ParameterError
        ``landmark`` not before ``observation_end``, or an unknown ``time_unit``.

    Examples
    --------
    >>> customers = pd.DataFrame({"end_date": pd.to_datetime([None, "2024-08-01", None,
    ...                           "2024-05-01"])}, index=["a", "b", "c", "d"])
    >>> log = pd.DataFrame({"customer_id": ["b", "c", "c"],
    ...     "received_at": pd.to_datetime(["2024-03-01", "2024-02-01", "2024-06-20"]),
    ...     "closed_at": pd.to_datetime(["2024-03-02", "2024-02-02", "2024-07-15"]),
    ...     "outcome": ["resolved badly", "resolved well", "resolved well"]})
    >>> t = retention_by_complaint(customers, log, "2024-07-01", "2024-12-31", time_unit="D")
    >>> # d left before the landmark; c's latest complaint was still open on it
    >>> t  # doctest: +NORMALIZE_WHITESPACE
                group  duration  event
    a  no complaint     183.0      0
    b  resolved badly    31.0      1
    c      unresolved   183.0      0
    """
    check_columns(customers, [end_col], "customers")
    check_columns(complaints, [customer_col, received_col, closed_col, outcome_col], "complaints")
    mark = check_date("landmark", landmark)
    end = check_date("observation_end", observation_end)
    if not mark < end:
        raise ParameterError(
            f"parameter 'landmark' = {mark.date()} must be before observation_end "
            f"{end.date()}: the customers are followed from the landmark on"
        )
    check_time_unit(time_unit)
    received, closed = _log_times(complaints, received_col, closed_col)
    ids = complaints[customer_col]
    unknown = ~ids.isin(customers.index).to_numpy()
    if unknown.any():
        raise DataValidationError(
            f"column {customer_col!r} names {unknown.sum()} complaint(s) by customers not in "
            f"customers ({rows(complaints.index, unknown, ids.astype(object))}); "
            "pass the full customer table (its index holds the customer ids)"
        )
    outcome = complaints[outcome_col]
    bad = (closed.notna() & ~outcome.isin(OUTCOMES)).to_numpy()
    if bad.any():
        raise DataValidationError(
            f"column {outcome_col!r} has {bad.sum()} closed complaint(s) with an outcome not in "
            f"{list(OUTCOMES)} ({rows(complaints.index, bad, outcome.astype(object))}); map "
            "your codes to these outcomes first"
        )
    if customers[end_col].isna().all():  # nobody has left
        ends = pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]")
    else:
        ends = date_column(customers, end_col, "customers", allow_missing=True)
    active = customers.index[~(ends <= mark).to_numpy()]
    before = complaints[(received <= mark).to_numpy()].assign(
        _received=received, _state=outcome.where(closed <= mark, "unresolved")
    )
    latest = before.sort_values("_received", kind="stable").groupby(customer_col)["_state"].last()
    group = latest.reindex(active).fillna("no complaint")
    stop = ends.reindex(active)
    event = stop.notna() & (stop <= end)
    stop = stop.where(event, end)
    out = pd.DataFrame(
        {
            "group": pd.Categorical(group, categories=list(GROUPS)),
            "duration": (stop - mark).dt.days / TIME_UNITS[time_unit],
            "event": event.astype(int),
        },
        index=active,
    )
    return out


def hazard_ratios_by_group(table: pd.DataFrame, reference: str = "no complaint") -> pd.DataFrame:
    """Cox hazard ratio of each complaint group against ``reference``, with 95% intervals.

    Fits :func:`helpers.churn.fit_cox` on 0/1 indicators of the groups of
    :func:`retention_by_complaint` (other than the reference).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`retention_by_complaint`.
    reference : str
        The group the others are compared with.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``hazard_ratio``, ``ci_low``, ``ci_high``, ``p``, ``customers``.

    Raises
    ------
    DataValidationError
        Missing columns, or a group with no customer.
    ParameterError
        A ``reference`` that is not one of the groups.

    Examples
    --------
    >>> from helpers.simulate.complaints import complaint_log
    >>> data, truth = complaint_log(3_000, random_state=1)
    >>> table = retention_by_complaint(data["customers"], data["complaints"],
    ...                                truth.landmark, truth.observation_end)
    >>> hr = hazard_ratios_by_group(table)
    >>> list(hr.index)
    ['resolved well', 'resolved badly', 'unresolved']
    >>> bool(hr.loc["unresolved", "hazard_ratio"] > 1 > hr.loc["resolved well", "hazard_ratio"])
    True
    """
    check_columns(table, ["group", "duration", "event"], "table")
    g = table["group"]
    groups = (
        list(g.cat.categories) if isinstance(g.dtype, pd.CategoricalDtype) else sorted(g.unique())
    )
    check_choice("reference", reference, groups)
    sizes = table["group"].value_counts()
    empty = [g for g in groups if sizes.get(g, 0) == 0]
    if empty:
        raise DataValidationError(
            f"group(s) {empty} have no customer; a hazard ratio needs customers in each group "
            "(use a longer complaint window or a larger sample)"
        )
    others = [g for g in groups if g != reference]
    design = pd.DataFrame(
        {g: (table["group"] == g).astype(float) for g in others}, index=table.index
    ).join(table[["duration", "event"]])
    cox = fit_cox(design, others)
    s = cox.summary
    out = pd.DataFrame(
        {
            "hazard_ratio": s["exp(coef)"],
            "ci_low": s["exp(coef) lower 95%"],
            "ci_high": s["exp(coef) upper 95%"],
            "p": s["p"],
            "customers": [int(sizes[g]) for g in others],
        }
    )
    out.index.name = "group"
    return out


def plot_retention_by_complaint(
    table: pd.DataFrame, ax: Axes | None = None, ci_show: bool = True, **kwargs
) -> Axes:
    """Kaplan-Meier curves of the complaint groups after the landmark, with the log-rank p.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`retention_by_complaint`.
    ax : matplotlib Axes, optional
    ci_show : bool
        Draw the 95% confidence bands.
    **kwargs
        Passed to lifelines' ``plot_survival_function``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DataValidationError
        If ``table`` lacks the ``group``, ``duration`` or ``event`` column.

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["no complaint"] * 3 + ["unresolved"] * 3,
    ...                       "duration": [5, 8, 12, 1, 2, 6], "event": [0, 1, 0, 1, 1, 1]})
    >>> ax = plot_retention_by_complaint(table)
    >>> ax.get_xlabel()
    'time since the landmark'
    """
    check_columns(table, ["group", "duration", "event"], "table")
    ax = plt.subplots(figsize=(8, 4.5))[1] if ax is None else ax
    sizes = table["group"].value_counts()
    for name, km in kaplan_meier_by_group(table, "group").items():
        km.plot_survival_function(
            ax=ax,
            ci_show=ci_show,
            color=_GROUP_COLOURS.get(name),
            label=f"{name} (n = {sizes[name]:,})",
            **kwargs,
        )
    p = logrank(table, "group").p_value
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    ax.set(
        xlabel="time since the landmark",
        ylabel="share still customers",
        title=f"Retention by complaint outcome (log-rank {p_text})",
    )
    ax.legend(loc="lower left", frameon=True)
    return ax
