"""Complaint KPIs, the complaint simulator, and complaint outcomes against churn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers.churn import kaplan_meier_by_group, logrank
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.service.complaints import (
    GROUPS,
    complaint_kpis,
    first_contact_resolution_rate,
    handling_hours,
    hazard_ratios_by_group,
    mean_satisfaction,
    plot_retention_by_complaint,
    repeat_complaint_rate,
    retention_by_complaint,
    timeliness_rate,
)
from helpers.simulate.complaints import (
    OUTCOMES,
    REPEAT_PROBABILITY,
    TRUE_HAZARD_RATIOS,
    complaint_log,
)


@pytest.fixture
def log() -> pd.DataFrame:
    """Five complaints, extracted on 2024-03-05 12:00."""
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "c", "d"],
            "received_at": pd.to_datetime(
                [
                    "2024-03-01 09:00",  # closed after 2 h, at first contact
                    "2024-03-01 10:00",  # closed after 30 h
                    "2024-03-02 08:00",  # open, 76.5 h old at extraction: overdue
                    "2024-03-05 08:00",  # open, 4 h old: not due yet
                    "2024-03-03 12:00",  # closed after exactly 24 h
                ]
            ),
            "closed_at": pd.to_datetime(
                ["2024-03-01 11:00", "2024-03-02 16:00", None, None, "2024-03-04 12:00"]
            ),
            "channel": ["phone", "email", "phone", "store", "phone"],
            "first_contact_resolution": [True, False, False, False, False],
            "outcome": ["resolved well", "resolved badly", None, None, "resolved well"],
            "satisfaction": [5, 2, np.nan, np.nan, 4],
        },
        index=pd.Index(["k1", "k2", "k3", "k4", "k5"], name="complaint_id"),
    )


AS_OF = "2024-03-05 12:00"


def test_handling_hours_by_hand(log):
    h = handling_hours(log)
    assert h.iloc[[0, 1, 4]].tolist() == [2.0, 30.0, 24.0]
    assert h.iloc[[2, 3]].isna().all()
    assert "handling_hours" not in log.columns


def test_timeliness_rate_by_hand(log):
    # Target 24 h: on time k1 (2 h) and k5 (24 h, on the target); closed 3; k3 is open and
    # 76 h old, so already late; k4 is open but only 4 h old, so it is left out.
    assert timeliness_rate(log, 24, observation_end=AS_OF) == pytest.approx(2 / 4)
    assert timeliness_rate(log, 24, observation_end=AS_OF, open_policy="exclude") == pytest.approx(
        2 / 3
    )
    # Target 48 h: k2 is on time too, and k3 (76 h) is still overdue.
    assert timeliness_rate(log, 48, observation_end=AS_OF) == pytest.approx(3 / 4)
    # Target 2 h: only k1; k4 (4 h old) is now overdue as well.
    assert timeliness_rate(log, 2, observation_end=AS_OF) == pytest.approx(1 / 5)
    # Without observation_end, the log's latest timestamp (k4's receipt, 08:00) is the
    # extraction time:
    # k3 is 72 h old then.
    assert timeliness_rate(log, 24) == pytest.approx(2 / 4)
    assert timeliness_rate(log, 80) == pytest.approx(3 / 3)
    # A complaint closed after observation_end was still open then.
    assert timeliness_rate(log, 48, observation_end="2024-03-02 12:00") == pytest.approx(1 / 1)


def test_other_kpis_by_hand(log):
    assert first_contact_resolution_rate(log) == pytest.approx(1 / 5)
    assert mean_satisfaction(log) == pytest.approx((5 + 2 + 4) / 3)
    # a complained on 1 March and again on 2 March: 1 repeat out of 5 complaints.
    assert repeat_complaint_rate(log) == pytest.approx(1 / 5)
    assert repeat_complaint_rate(log, window_days=0.5) == 0.0


def test_repeat_rate_does_not_depend_on_row_order():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c", "c"],
            "received_at": pd.to_datetime(
                ["2024-04-01", "2024-01-20", "2024-01-01", "2024-01-05", "2024-02-10", "2024-02-01"]
            ),
        }
    )
    # a: 1 Jan, 20 Jan (19 days later: a repeat), 1 Apr (72 days: not); c: 9 days: a repeat.
    assert repeat_complaint_rate(log) == pytest.approx(2 / 6)
    assert repeat_complaint_rate(log, window_days=10) == pytest.approx(1 / 6)
    assert repeat_complaint_rate(log, window_days=100) == pytest.approx(3 / 6)


def test_complaint_kpis_by_group_by_hand(log):
    by = complaint_kpis(log, target_hours=24, by="channel", observation_end=AS_OF)
    assert list(by.index) == ["phone", "email", "store"]
    phone = by.loc["phone"]
    # phone: k1 (on time), k3 (open, overdue), k5 (on time) -> 2 / 3.
    assert phone["complaints"] == 3 and phone["closed"] == 2 and phone["open_overdue"] == 1
    assert phone["timeliness_rate"] == pytest.approx(2 / 3)
    assert phone["fcr_rate"] == pytest.approx(1 / 3)
    assert phone["mean_satisfaction"] == pytest.approx(4.5)
    assert phone["median_handling_hours"] == pytest.approx(13.0)
    assert phone["repeat_rate"] == pytest.approx(1 / 3)
    assert by.loc["email", "timeliness_rate"] == 0.0
    assert np.isnan(by.loc["store", "timeliness_rate"])  # nothing counted yet
    overall = complaint_kpis(log, target_hours=24, observation_end=AS_OF)
    assert overall.index.tolist() == ["all"]
    assert overall.loc["all", "timeliness_rate"] == pytest.approx(timeliness_rate(log, 24, AS_OF))
    months = complaint_kpis(log, target_hours=24, by="month", observation_end=AS_OF)
    assert [str(m) for m in months.index] == ["2024-03"]


@pytest.mark.parametrize(
    ("change", "call", "error", "match"),
    [
        ({"closed_at": pd.to_datetime(["2024-03-01 08:00", None, None, None, None])},
         "hours", DataValidationError,
         r"column 'closed_at' is before 'received_at' in 1 complaint\(s\) \(row k1\)"),
        ({"received_at": pd.to_datetime([None, "2024-03-01", "2024-03-02", "2024-03-05",
                                          "2024-03-03"])},
         "hours", DataValidationError, r"1 missing timestamp\(s\) \(row k1\)"),
        ({"received_at": ["2024-03-01", "soon", "2024-03-02", "2024-03-05", "2024-03-03"]},
         "hours", DataValidationError,
         r"received_at' of complaints has 1 value\(s\) that are not dates \(row k2: 'soon'\)"),
        ({"first_contact_resolution": [True, "maybe", False, False, False]},
         "fcr", DataValidationError, r"not yes/no \(row k2: 'maybe'\)"),
        ({"satisfaction": [5, 7, np.nan, np.nan, 4]},
         "satisfaction", DataValidationError, r"outside the scale 1-5 \(row k2: 7.0\)"),
    ],
)  # fmt: skip
def test_data_errors(log, change, call, error, match):
    bad = log.assign(**change)
    fn = {
        "hours": lambda d: timeliness_rate(d, 24),
        "fcr": first_contact_resolution_rate,
        "satisfaction": mean_satisfaction,
    }[call]
    with pytest.raises(error, match=match):
        fn(bad)


def test_parameter_errors(log):
    with pytest.raises(ParameterError, match=r"parameter 'target_hours' = 0 is out of range"):
        timeliness_rate(log, 0)
    with pytest.raises(ParameterError, match=r"parameter 'target_hours' = -4 is out of range"):
        complaint_kpis(log, -4)
    with pytest.raises(ParameterError, match=r"parameter 'open_policy' = 'ignore' is not one of"):
        timeliness_rate(log, 24, open_policy="ignore")
    with pytest.raises(
        ParameterError, match=r"parameter 'observation_end' = 'yesterday' is not a date"
    ):
        timeliness_rate(log, 24, observation_end="yesterday")
    with pytest.raises(ParameterError, match=r"parameter 'window_days' = 0 is out of range"):
        repeat_complaint_rate(log, window_days=0)
    with pytest.raises(DataValidationError, match="column 'closed_at' not found in complaints"):
        timeliness_rate(log.drop(columns="closed_at"), 24)
    with pytest.raises(DataValidationError, match="column 'region' not found"):
        complaint_kpis(log, 24, by="region")


# --------------------------------------------------------------------------- retention


@pytest.fixture
def small_world():
    customers = pd.DataFrame(
        {"end_date": pd.to_datetime([None, "2024-08-01", None, "2024-05-01", "2024-10-01"])},
        index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"),
    )
    complaints = pd.DataFrame(
        {
            "customer_id": ["b", "c", "c", "e", "e"],
            "received_at": pd.to_datetime(
                ["2024-03-01", "2024-02-01", "2024-06-20", "2024-01-10", "2024-07-20"]
            ),
            "closed_at": pd.to_datetime(
                ["2024-03-02", "2024-02-02", "2024-07-15", "2024-01-11", "2024-07-21"]
            ),
            "outcome": [
                "resolved badly",
                "resolved well",
                "resolved well",
                "resolved well",
                "unresolved",
            ],
        }
    )
    return customers, complaints


def test_retention_by_complaint_by_hand(small_world):
    customers, complaints = small_world
    before = complaints.copy()
    t = retention_by_complaint(customers, complaints, "2024-07-01", "2024-12-31", time_unit="D")
    pd.testing.assert_frame_equal(complaints, before)  # the input is untouched
    # d left before the landmark. c's latest complaint before it was still open on it:
    # unresolved. e's complaint after the landmark does not count: resolved well.
    assert list(t.index) == ["a", "b", "c", "e"]
    assert t["group"].astype(str).tolist() == [
        "no complaint",
        "resolved badly",
        "unresolved",
        "resolved well",
    ]
    assert t["duration"].tolist() == [183.0, 31.0, 183.0, 92.0]
    assert t["event"].tolist() == [0, 1, 0, 1]
    assert list(t["group"].cat.categories) == list(GROUPS)
    months = retention_by_complaint(
        customers, complaints, "2024-07-01", "2024-12-31", time_unit="M"
    )
    assert months.loc["b", "duration"] == pytest.approx(31 / (365.25 / 12))


def test_retention_errors(small_world):
    customers, complaints = small_world
    stranger = complaints.assign(customer_id=["b", "c", "zz", "e", "e"])
    with pytest.raises(DataValidationError, match=r"customers not in customers \(row 2: 'zz'\)"):
        retention_by_complaint(customers, stranger, "2024-07-01", "2024-12-31")
    odd = complaints.assign(outcome=["fixed", *complaints["outcome"][1:]])
    with pytest.raises(DataValidationError, match=r"outcome not in .* \(row 0: 'fixed'\)"):
        retention_by_complaint(customers, odd, "2024-07-01", "2024-12-31")
    with pytest.raises(ParameterError, match="must be before observation_end"):
        retention_by_complaint(customers, complaints, "2025-01-01", "2024-12-31")
    with pytest.raises(ParameterError, match=r"'time_unit' = 'Y' is not one of"):
        retention_by_complaint(customers, complaints, "2024-07-01", "2024-12-31", time_unit="Y")
    with pytest.raises(DataValidationError, match="column 'end_date' not found in customers"):
        retention_by_complaint(
            customers.rename(columns={"end_date": "left"}), complaints, "2024-07-01", "2024-12-31"
        )


# --------------------------------------------------------------------------- the simulator


@pytest.fixture(scope="module")
def world():
    return complaint_log(20_000, random_state=7)


def test_simulated_log_is_consistent(world):
    data, truth = world
    c, customers = data["complaints"], data["customers"]
    assert c.index.is_unique and c["customer_id"].isin(customers.index).all()
    assert (c["received_at"] >= truth.start).all() and (c["received_at"] < truth.landmark).all()
    closed = c["closed_at"].notna()
    assert (c.loc[closed, "closed_at"] >= c.loc[closed, "received_at"]).all()
    assert (c.loc[closed, "closed_at"] < truth.landmark).all()
    assert c.loc[closed, "outcome"].isin(OUTCOMES).all() and c.loc[~closed, "outcome"].isna().all()
    assert not c.loc[~closed, "first_contact_resolution"].any()
    assert c.loc[~closed, "satisfaction"].isna().all()
    assert c["satisfaction"].dropna().between(1, 5).all()
    # Nobody complains after leaving, and churn dates are censored at observation_end.
    ends = customers.loc[c["customer_id"], "end_date"].to_numpy()
    assert not (c["received_at"].to_numpy() > ends).any()
    assert (customers["end_date"].dropna() <= truth.observation_end).all()
    assert customers["end_date"].isna().sum() == (truth.true_end > truth.observation_end).sum()


def test_same_seed_same_log():
    a, _ = complaint_log(300, random_state=5)
    b, _ = complaint_log(300, random_state=5)
    pd.testing.assert_frame_equal(a["complaints"], b["complaints"])
    pd.testing.assert_frame_equal(a["customers"], b["customers"])


def test_kpis_recover_the_simulated_truth(world):
    data, truth = world
    c = data["complaints"]
    # Complaints received 30+ days before the extraction have had time to close: the share
    # closed within 48 h matches the planted handling-time mixture.
    early = c[c["received_at"] < truth.landmark - pd.Timedelta(days=30)]
    n = len(early)
    rate = timeliness_rate(early, 48, observation_end=truth.landmark, open_policy="exclude")
    on_time = (handling_hours(early) <= 48).mean()  # never-closed ones count as not on time
    p = truth.p_closed_within(48)
    assert on_time == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n))
    assert rate > on_time  # excluding the open ones flatters the rate
    fcr = first_contact_resolution_rate(early)
    f = truth.first_contact_resolution
    assert fcr == pytest.approx(f, abs=4 * np.sqrt(f * (1 - f) / n))
    for outcome, mean in truth.mean_satisfaction.items():
        answers = c.loc[c["outcome"] == outcome, "satisfaction"].dropna()
        assert answers.mean() == pytest.approx(mean, abs=4 * answers.std() / np.sqrt(len(answers)))
    # Badly handled complaints come back more often.
    nxt = c.sort_values("received_at").groupby("customer_id")["received_at"].shift(-1)
    came_back = c.assign(back=nxt.reindex(c.index).notna())
    by_outcome = came_back[came_back["received_at"] < truth.landmark - pd.Timedelta(days=90)]
    share = by_outcome.groupby("outcome")["back"].mean()
    assert share["resolved well"] < share["resolved badly"] < share["unresolved"]
    assert share["resolved well"] == pytest.approx(REPEAT_PROBABILITY["resolved well"], abs=0.02)


def test_survival_groups_ordered_as_planted(world):
    data, truth = world
    table = retention_by_complaint(
        data["customers"], data["complaints"], truth.landmark, truth.observation_end, time_unit="M"
    )
    km = kaplan_meier_by_group(table, "group")
    s12 = {g: float(k.predict(12.0)) for g, k in km.items()}
    assert s12["resolved well"] > s12["no complaint"] > s12["resolved badly"] > s12["unresolved"]
    for g in GROUPS:
        # Each Kaplan-Meier curve's 95% band at 12 months holds the planted survival.
        band = km[g].confidence_interval_survival_function_
        row = band[band.index <= 12.0].iloc[-1]
        assert row.iloc[0] < truth.survival(g, 12.0) < row.iloc[1], g
    assert logrank(table, "group").p_value < 1e-10
    hr = hazard_ratios_by_group(table)
    for g, row in hr.iterrows():
        assert row["ci_low"] < TRUE_HAZARD_RATIOS[g] < row["ci_high"], g
    assert hr["customers"].sum() + (table["group"] == "no complaint").sum() == len(table)


def test_simulator_parameter_errors():
    with pytest.raises(ParameterError, match="start < landmark < observation_end"):
        complaint_log(100, landmark="2023-06-30")
    with pytest.raises(ParameterError, match=r"parameter 'monthly_churn' = 1.2 is out of range"):
        complaint_log(100, monthly_churn=1.2)
    with pytest.raises(ParameterError, match=r"parameter 'n_customers' = 3 is out of range"):
        complaint_log(3)
    _, truth = complaint_log(20, random_state=0)
    with pytest.raises(ParameterError, match=r"parameter 'group' = 'angry' is not one of"):
        truth.survival("angry", 12)


def test_hazard_ratio_errors_and_plot(world):
    data, truth = world
    table = retention_by_complaint(
        data["customers"], data["complaints"], truth.landmark, truth.observation_end, time_unit="M"
    )
    with pytest.raises(ParameterError, match=r"parameter 'reference' = 'angry' is not one of"):
        hazard_ratios_by_group(table, reference="angry")
    empty = table[table["group"] != "unresolved"]
    with pytest.raises(DataValidationError, match=r"group\(s\) \['unresolved'\] have no customer"):
        hazard_ratios_by_group(empty)
    ax = plot_retention_by_complaint(table)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [lab.split(" (")[0] for lab in labels] == list(GROUPS)
    assert "log-rank p < 0.001" in ax.get_title()
    plt.close("all")


def test_messy_complaint_logs(log):
    # Complaints received after observation_end did not exist yet: left out, with a warning.
    with pytest.warns(DataQualityWarning, match=r"2 complaint\(s\) received after"):
        assert timeliness_rate(log, 48, observation_end="2024-03-02 12:00") == 1.0
    # A time zone on one column only: both read as wall-clock times.
    zoned = log.assign(received_at=log["received_at"].dt.tz_localize("Asia/Shanghai"))
    assert handling_hours(zoned).tolist()[:2] == [2.0, 30.0]
    # Every complaint still open: an empty closed column read as floats.
    still_open = log.assign(closed_at=np.nan)
    assert handling_hours(still_open).isna().all()
    with pytest.raises(DataValidationError, match=r"'received_at' of complaints holds numbers"):
        handling_hours(log.assign(received_at=[20240301, 20240301, 20240302, 20240305, 20240303]))
    with pytest.raises(DataValidationError, match=r"1 missing customer id\(s\) \(row k2\)"):
        repeat_complaint_rate(log.assign(customer_id=["a", None, "a", "c", "d"]))
    with pytest.raises(DataValidationError, match=r"'channel' has 1 missing value\(s\) \(row k4\)"):
        complaint_kpis(log.assign(channel=["phone", "email", "phone", None, "phone"]), 24,
                       by="channel", observation_end=AS_OF)  # fmt: skip
    with pytest.raises(DataValidationError, match=r"not whole numbers \(row k1: 4.5\)"):
        mean_satisfaction(log.assign(satisfaction=[4.5, 2, np.nan, np.nan, 4]))
    with pytest.raises(ParameterError, match=r"'scale' = \(5, 1\): the lowest must be below"):
        mean_satisfaction(log, scale=(5, 1))
    assert np.isnan(mean_satisfaction(log.assign(satisfaction=np.nan)))
