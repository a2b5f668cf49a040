"""The unified customer view: standardising, blocking, matching, merging, information quality,
and the messy-records simulator whose truth the matching is scored against."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.operations.customer_view import (
    accuracy_flags,
    candidate_pairs,
    cluster_records,
    compare,
    completeness,
    match_quality,
    match_quality_by_threshold,
    merge_customers,
    parse_dates,
    quality_report,
    standardise,
    standardise_address,
    standardise_email,
    standardise_name,
    standardise_phone,
    timeliness,
)
from helpers.simulate.records import CHANNELS, FIELDS, MISSING, UPDATE_AGE_DAYS, customer_records

#: The bars the chapter states for the default simulation (600 people, seed 42, threshold 0.6).
PRECISION_BAR, RECALL_BAR, THRESHOLD = 0.95, 0.90, 0.6


def _records(result):
    """The records table and the truth of a customer_records run."""
    tables, truth = result
    return tables["records"], truth


def _raw(**overrides) -> pd.DataFrame:
    """Three records, two of one person (Wang Fang) typed differently, one of Li Wei."""
    data = {
        "name": ["Wang Fang", "FANG  wang", "Li Wei"],
        "phone": ["138-1234-5678", "+86 138 1234 5678", "13900001111"],
        "email": ["wang.fang@example.com", " Wang.Fang@Example.COM", None],
        "address": ["No. 5 Renmin Road, Haidian District, Beijing", None, "#9 Xinhua St."],
        "postcode": ["100081", None, "200000"],
        "birth_date": ["1985-03-07", "07/03/1985", "1900-01-01"],
        "channel": ["branch", "web", "mail"],
        "updated_at": ["2023-05-01", "2024-06-01 10:00", "2022-01-01"],
    }
    data.update(overrides)
    return pd.DataFrame(data, index=pd.Index(["BR1", "WB1", "ML1"], name="record_id"))


def test_standardisers_by_hand():
    phones = pd.Series(
        [
            "13812345678",
            "138-1234-5678",
            "138 1234 5678",
            "+86 138 1234 5678",
            "+86-13812345678",
            "0086 13812345678",
            "(+86)13812345678",
            " ",
            None,
        ]
    )
    std = standardise_phone(phones)
    assert std.iloc[:7].tolist() == ["13812345678"] * 7
    assert std.iloc[7:].isna().all()
    assert standardise_phone(pd.Series(["8613812345678", "1381234567"])).tolist() == [
        "13812345678",
        "1381234567",  # a digit short stays visible for the accuracy check
    ]
    assert standardise_name(pd.Series([" WANG  Fang", "wang fang\t"])).tolist() == ["wang fang"] * 2
    assert standardise_email(pd.Series(["Wang.Fang@Example.COM ", "a b@x.cn"])).tolist() == [
        "wang.fang@example.com",
        "ab@x.cn",
    ]
    addresses = pd.Series(
        [
            "No. 5 Renmin Rd., Haidian Dist., Beijing",
            "#5 RENMIN ROAD HAIDIAN DISTRICT BEIJING",
            "no 5  renmin rd haidian district, beijing",
        ]
    )
    assert standardise_address(addresses).nunique() == 1
    assert standardise_address(addresses).iloc[0] == "no 5 renmin road haidian district beijing"
    dates = pd.Series(["1985-03-07", "1985/3/7", "19850307", "07/03/1985", "7 Mar 1985", "x", None])
    parsed = parse_dates(dates)
    assert (parsed.iloc[:5] == pd.Timestamp("1985-03-07")).all()
    assert parsed.iloc[5:].isna().all()


def test_standardise_table_and_input_untouched():
    raw = _raw()
    before = raw.copy()
    std = standardise(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert list(std.index) == ["BR1", "WB1", "ML1"]
    assert std.loc["BR1", "phone"] == std.loc["WB1", "phone"] == "13812345678"
    assert std.loc["BR1", "email"] == std.loc["WB1", "email"]
    assert (
        std.loc["BR1", "birth_date"] == std.loc["WB1", "birth_date"] == pd.Timestamp("1985-03-07")
    )
    assert std.loc["BR1", "name_key"] == std.loc["WB1", "name_key"] == "fang wang"
    assert std.loc["WB1", "updated_at"] == pd.Timestamp("2024-06-01 10:00")
    renamed = raw.rename(columns={"phone": "mobile"})
    pd.testing.assert_frame_equal(standardise(renamed, columns={"phone": "mobile"}), std)


def test_blocking_by_hand():
    std = standardise(_raw())
    pairs = candidate_pairs(std)
    # BR1 and WB1 share phone, e-mail, name key and birth date; ML1 shares nothing.
    assert pairs.to_dict("records") == [
        {"left": "BR1", "right": "WB1", "keys": "phone+email+name_key+birth_date"}
    ]
    crowded = pd.DataFrame({"phone": ["0"] * 4 + ["1", "1"]}, index=list("abcdef"))
    with pytest.warns(DataQualityWarning, match=r"'phone': 1 value\(s\) shared by more than 3"):
        small = candidate_pairs(crowded, keys=["phone"], max_block_size=3)
    assert small[["left", "right"]].to_numpy().tolist() == [["e", "f"]]


def test_compare_by_hand():
    std = standardise(
        _raw(
            name=["Wang Fang", "Wang Fagn", "Li Wei"],  # a swapped pair of letters
            phone=["13812345678", "13812345679", None],  # one digit wrong
            email=["wang@example.com", "wanf@example.com", None],
            address=["No. 5 Renmin Road", "No. 5 Renmin Rd.", None],
            postcode=["100081", "100082", None],
            birth_date=["1985-03-07", "1900-01-01", None],  # a placeholder: not compared
        )
    )
    out = compare(std, pd.DataFrame({"left": ["BR1"], "right": ["WB1"]})).iloc[0]
    # Name: token-sorted "fang wang" vs "fagn wang" differ by 2 insertions/deletions in
    # 9 + 9 characters (Indel similarity 1 - 2/18). Phone: one substitution in 11 digits
    # (Levenshtein 1 - 1/11). E-mail: 1 - 2/32. Address: equal after standardising.
    assert out["name"] == pytest.approx(1 - 2 / 18)
    assert out["phone"] == pytest.approx(1 - 1 / 11)
    assert out["email"] == pytest.approx(1 - 2 / 32)
    assert out["address"] == 1.0
    assert out["postcode"] == 0.0
    assert np.isnan(out["birth_date"])
    expected = (
        0.25 * (16 / 18) + 0.25 * (10 / 11) + 0.20 * (30 / 32) + 0.10 * 1 + 0.05 * 0 + 0.15 * 0.4
    )
    assert out["score"] == pytest.approx(expected)
    # Below the cutoff a similarity counts as 0: unrelated values share letters by chance.
    far = compare(
        standardise(_raw(phone=["13812345678", "13998765432", None])),
        pd.DataFrame({"left": ["BR1"], "right": ["WB1"]}),
    )
    assert far.loc[0, "phone"] == 0.0
    kept = compare(std, pd.DataFrame({"left": ["BR1"], "right": ["WB1"]}), skip_invalid=False)
    assert kept.loc[0, "birth_date"] == 0.0
    only = compare(std, pd.DataFrame({"left": ["BR1"], "right": ["WB1"]}), weights={"phone": 1})
    assert only.loc[0, "score"] == pytest.approx(10 / 11)


def test_cluster_is_transitive_and_match_quality_by_hand():
    scored = pd.DataFrame(
        {"left": ["r1", "r2", "r4"], "right": ["r2", "r3", "r5"], "score": [0.9, 0.7, 0.95]}
    )
    ids = ["r1", "r2", "r3", "r4", "r5"]
    low = cluster_records(ids, scored, 0.6)
    assert low.tolist() == ["C00001", "C00001", "C00001", "C00002", "C00002"]
    high = cluster_records(ids, scored, 0.8)
    assert high.tolist() == ["C00001", "C00001", "C00002", "C00003", "C00003"]
    truth = pd.Series(["P1", "P1", "P2", "P2", "P2"], index=ids)
    # True pairs: r1-r2, r3-r4, r3-r5, r4-r5 (4). Predicted at 0.6: r1-r2, r1-r3, r2-r3, r4-r5
    # (4), of which r1-r2 and r4-r5 are right: precision 2/4, recall 2/4.
    q = match_quality(low, truth)
    assert (q["precision"], q["recall"], q["f1"]) == pytest.approx((0.5, 0.5, 0.5))
    assert (q["true_pairs"], q["predicted_pairs"], q["correct_pairs"]) == (4, 4, 2)
    # At 0.8: predicted r1-r2 and r4-r5, both right: precision 1, recall 2/4.
    q = match_quality(high, truth)
    assert (q["precision"], q["recall"]) == pytest.approx((1.0, 0.5))
    curve = match_quality_by_threshold(ids, scored, truth, [0.6, 0.8])
    assert curve["precision"].tolist() == pytest.approx([0.5, 1.0])
    assert curve["customers"].tolist() == [2, 3]
    # Labels are matched by record id, not by position.
    assert match_quality(high.iloc[::-1], truth)["precision"] == 1.0


def test_merge_rules_and_provenance_by_hand():
    raw = pd.DataFrame(
        {
            "name": ["Wang Fang", "Wang Fagn", "Wang Fang"],
            "phone": ["13812345678", None, "1381234567"],  # the newest phone is a digit short
            "email": [None, "wf@example.com", None],
            "address": ["1 Old Road", "9 New Road", None],
            "postcode": ["100081", "100082", "100083"],
            "birth_date": ["1985-03-07", None, None],
            "channel": ["branch", "web", "mail"],
            "updated_at": ["2020-01-01", "2023-01-01", "2024-01-01"],
        },
        index=["BR1", "WB1", "ML1"],
    )
    std = standardise(raw)
    before = std.copy()
    one = pd.Series("C1", index=std.index)
    customers, provenance = merge_customers(std, one)
    pd.testing.assert_frame_equal(std, before)
    row = customers.loc["C1"]
    assert row["address"] == "9 new road"  # the most recent address
    assert row["postcode"] == "100083"  # the most recent postcode
    assert row["phone"] == "13812345678"  # the newer one breaks the format rule
    assert row["name"] == "wang fang"  # mail is newest
    assert row["birth_date"] == pd.Timestamp("1985-03-07")
    assert row["n_records"] == 3 and row["channels"] == "branch, mail, web"
    assert row["last_updated"] == pd.Timestamp("2024-01-01")
    prov = provenance.set_index("field")
    assert prov.loc["address", ["record_id", "channel"]].tolist() == ["WB1", "web"]
    assert prov.loc["phone", "record_id"] == "BR1"
    assert set(prov.index) == set(FIELDS)
    # Priority: the branch is trusted first, whatever its age.
    by_channel, _ = merge_customers(std, one, rule="priority", channel_priority=["branch", "web"])
    assert by_channel.loc["C1", ["address", "postcode", "name"]].tolist() == [
        "1 old road",
        "100081",
        "wang fang",
    ]
    # Frequent: two of three records spell the name "wang fang"; priority for the address.
    mixed, prov2 = merge_customers(
        std, one, rule={"name": "frequent", "address": "priority"}, channel_priority=["web"]
    )
    assert mixed.loc["C1", ["name", "address", "postcode"]].tolist() == [
        "wang fang",
        "9 new road",
        "100083",
    ]
    assert prov2.set_index("field").loc["name", "rule"] == "frequent"
    raw_phone, _ = merge_customers(std, one, skip_invalid=False)
    assert raw_phone.loc["C1", "phone"] == "1381234567"


def test_quality_by_hand():
    raw = _raw()
    comp = completeness(raw)
    assert comp.loc["all", "email"] == pytest.approx(2 / 3)
    assert comp.loc["web", "address"] == 0.0 and comp.loc["branch", "address"] == 1.0
    flags = accuracy_flags(raw)
    # ML1's birth date is the placeholder 1900-01-01; its e-mail is missing.
    assert bool(flags.loc["ML1", "birth_date"])
    assert pd.isna(flags.loc["ML1", "email"])
    assert not flags.loc[["BR1", "WB1"]].fillna(False).to_numpy(bool).any()
    unreadable = accuracy_flags(_raw(birth_date=["1985-03-07", "March 1985", None]))
    assert bool(unreadable.loc["WB1", "birth_date"])
    late = accuracy_flags(_raw(birth_date=["2085-03-07", None, None]))
    assert bool(late.loc["BR1", "birth_date"])  # born after the record was written
    t = timeliness(raw, "2024-12-31", max_age_days=365)
    # Ages in whole days: branch 610, web 212 (213 days less 10 hours), mail 1095.
    assert t.loc[["branch", "web", "mail"], "median_age_days"].tolist() == [610.0, 212.0, 1095.0]
    assert t.loc["all", "share_current"] == pytest.approx(1 / 3)
    report = quality_report(raw, "2024-12-31")
    assert report.accuracy.loc["mail", "birth_date"] == 0.0
    assert report.accuracy.loc["all", "birth_date"] == pytest.approx(2 / 3)
    assert np.isnan(report.accuracy.loc["mail", "email"])  # nothing to check
    summary = report.summary()
    assert list(summary.columns) == ["completeness", "accuracy", "share_current", "median_age_days"]


# --- the simulated records -------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    records, truth = _records(customer_records(600, random_state=42))
    std = standardise(records)
    pairs = candidate_pairs(std)
    scored = compare(std, pairs)
    return records, truth, std, pairs, scored


def test_simulator_seeding_and_shape():
    a, ta = _records(customer_records(80, random_state=3))
    b, tb = _records(customer_records(80, random_state=np.random.default_rng(3)))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_series_equal(ta.person_id, tb.person_id)
    c, _ = _records(customer_records(80, random_state=4))
    assert not a.equals(c)
    assert list(a.columns) == ["channel", *FIELDS, "updated_at"]
    assert "person_id" not in a.columns  # the truth is kept apart from what a matcher sees
    assert a.index.is_unique and ta.person_id.index.equals(a.index)
    assert set(a["channel"]) <= set(CHANNELS)
    assert ta.invalid.index.equals(a.index) and list(ta.invalid.columns) == list(FIELDS)


def test_simulated_mess_is_there(world):
    records, truth, std, _, _ = world
    pid = truth.person_id
    # Same person twice in one channel, under two record ids.
    per_channel = pd.DataFrame({"p": pid, "c": records["channel"]}).value_counts()
    assert (per_channel > 1).sum() > 20
    # Stale addresses: a record of a mover written before the move shows the old address.
    people = truth.people.loc[pid]
    movers = people["moved_on"].notna().to_numpy() & records["address"].notna().to_numpy()
    stale = movers & (records["updated_at"].to_numpy() < people["moved_on"].to_numpy())
    old = standardise_address(people["old_address"].reset_index(drop=True))
    shown = std["address"].reset_index(drop=True)
    assert stale.sum() > 20 and (shown[stale] == old[stale]).all()
    # Different people can share a name.
    assert truth.people["name"].duplicated().sum() > 5
    # Several phone formats and name spellings of one person survive to the raw data.
    assert records["phone"].str.startswith("+86").sum() > 50
    assert (records["name"] != records["name"].str.title()).sum() > 100


def test_completeness_matches_planted_missing_rates(world):
    records, truth, _, _, _ = world
    comp = completeness(records)
    for channel, rates in MISSING.items():
        n = (records["channel"] == channel).sum()
        for field, p_missing in rates.items():
            p = 1 - p_missing
            se = np.sqrt(max(p * (1 - p), 0.01) / n)
            assert abs(comp.loc[channel, field] - p) < 4 * se, (channel, field)


def test_accuracy_flags_find_exactly_the_planted_errors(world):
    records, truth, _, _, _ = world
    flags = accuracy_flags(records)
    for field in ["phone", "email", "postcode", "birth_date"]:
        found = flags[field].fillna(False).to_numpy(bool)
        planted = truth.invalid[field].to_numpy()
        assert planted.sum() > 5
        assert (found == planted).all(), field


def test_timeliness_matches_planted_update_ages(world):
    records, truth, _, _, _ = world
    t = timeliness(records, truth.observation_end)
    for channel, mean_age in UPDATE_AGE_DAYS.items():
        # Exponential ages capped at six years: median mean * ln 2 (the cap is far above it).
        n = t.loc[channel, "records"]
        median = mean_age * np.log(2)
        # SE of a sample median of an exponential: mean / sqrt(n) (density 1/(2 mean) there).
        assert abs(t.loc[channel, "median_age_days"] - median) < 4 * mean_age / np.sqrt(n)
    assert t.loc["mail", "share_current"] < t.loc["web", "share_current"]


def test_blocking_keeps_almost_all_true_pairs(world):
    _, truth, std, pairs, _ = world
    pid = truth.person_id
    same = pid.loc[pairs["left"]].to_numpy() == pid.loc[pairs["right"]].to_numpy()
    true_pairs = int((pid.value_counts() * (pid.value_counts() - 1) // 2).sum())
    assert same.sum() / true_pairs > 0.97
    n = len(std)
    assert len(pairs) < 0.01 * n * (n - 1) / 2  # far fewer comparisons than all pairs


def test_matching_meets_the_stated_bars(world):
    _, truth, std, _, scored = world
    clusters = cluster_records(std.index, scored, THRESHOLD)
    q = match_quality(clusters, truth.person_id)
    assert q["precision"] >= PRECISION_BAR and q["recall"] >= RECALL_BAR, q
    # The trade-off: a stricter threshold merges fewer people by mistake but splits more.
    strict = match_quality(cluster_records(std.index, scored, 0.8), truth.person_id)
    assert strict["precision"] >= q["precision"] and strict["recall"] < q["recall"] - 0.2
    loose = match_quality(cluster_records(std.index, scored, 0.45), truth.person_id)
    assert loose["precision"] < q["precision"] - 0.05
    assert abs(clusters.nunique() - truth.n_people) < 0.1 * truth.n_people


def test_merge_keeps_provenance_and_resolves_stale_addresses(world):
    records, truth, std, _, scored = world
    clusters = cluster_records(std.index, scored, THRESHOLD)
    customers, provenance = merge_customers(std, clusters)
    assert len(customers) == clusters.nunique()
    assert customers["n_records"].sum() == len(records)
    # Every surviving value is the standardised value of the record it names, in that
    # record's channel and customer.
    for field, rows in provenance.groupby("field"):
        src = std.loc[rows["record_id"]]
        assert list(src[field]) == list(rows["value"]), field
        assert (src["channel"].to_numpy() == rows["channel"].to_numpy()).all()
        assert (clusters.loc[rows["record_id"]].to_numpy() == rows["customer_id"].to_numpy()).all()
    # Against the truth: customers whose records are all one person get the current address.
    owner = pd.DataFrame({"c": clusters, "p": truth.person_id}).groupby("c")["p"]
    pure = owner.nunique() == 1
    people = truth.people.loc[owner.first()[pure]]
    merged = customers.loc[pure[pure].index, "address"].to_numpy()
    current = standardise_address(people["address"].reset_index(drop=True)).to_numpy()
    has = pd.notna(merged)
    assert (merged[has] == current[has]).mean() > 0.9
    # Channel priority with the (stale-prone) mail first does worse on addresses.
    by_mail, _ = merge_customers(
        std, clusters, rule="priority", channel_priority=["mail", "branch", "account_rep"]
    )
    mail_first = by_mail.loc[pure[pure].index, "address"].to_numpy()
    assert (mail_first[has] == current[has]).mean() < (merged[has] == current[has]).mean()


# --- errors ----------------------------------------------------------------------------------


def test_simulator_parameter_errors():
    with pytest.raises(ParameterError, match=r"'n_people' = 1 is out of range"):
        customer_records(1)
    with pytest.raises(ParameterError, match=r"'typo_rate' = 1.5 is out of range"):
        customer_records(50, typo_rate=1.5)
    with pytest.raises(ParameterError, match=r"'observation_end' = 'someday' is not a date"):
        customer_records(50, observation_end="someday")


def test_standardise_errors():
    raw = _raw()
    with pytest.raises(
        DataValidationError,
        match=r"column 'phone' not found in records.*the phone field: pass columns=",
    ):
        standardise(raw.drop(columns="phone"))
    with pytest.raises(ParameterError, match=r"maps unknown fields \['mobile'\]"):
        standardise(raw, columns={"mobile": "phone"})
    with pytest.raises(DataValidationError, match=r"duplicated record ids \(rows BR1, BR1\)"):
        standardise(raw.rename(index={"WB1": "BR1"}))
    with pytest.raises(DataValidationError, match=r"'updated_at' of records has 1 value\(s\) "
                       r"that are not dates \(row WB1: 'yesterday'\)"):  # fmt: skip
        standardise(_raw(updated_at=["2023-05-01", "yesterday", "2022-01-01"]))
    with pytest.raises(DataValidationError, match="records is empty"):
        standardise(raw.iloc[:0])
    with pytest.raises(DataValidationError, match="records must be a pandas DataFrame"):
        standardise([1, 2])
    with pytest.raises(DataValidationError, match=r"'updated_at' has 1 timestamp\(s\) after "
                       r"observation_end 2024-01-01 \(row WB1\)"):  # fmt: skip
        timeliness(raw, "2024-01-01")


def test_matching_errors():
    std = standardise(_raw())
    pairs = candidate_pairs(std)
    with pytest.raises(DataValidationError, match=r"column 'phone_std' not found in std"):
        candidate_pairs(std, keys=["phone_std"])
    with pytest.raises(ParameterError, match=r"'max_block_size' = 1 is out of range"):
        candidate_pairs(std, max_block_size=1)
    with pytest.raises(ParameterError, match=r"weights name unknown fields \['age'\]"):
        compare(std, pairs, weights={"age": 1.0})
    with pytest.raises(ParameterError, match=r"\"weights\['name'\]\" = -1 is out of range"):
        compare(std, pairs, weights={"name": -1})
    with pytest.raises(ParameterError, match="weights sum to 0"):
        compare(std, pairs, weights={"name": 0})
    with pytest.raises(ParameterError, match=r"'missing_similarity' = 2 is out of range"):
        compare(std, pairs, missing_similarity=2)
    with pytest.raises(ParameterError, match=r"cutoffs name unknown fields \['age'\]"):
        compare(std, pairs, cutoffs={"age": 0.5})
    with pytest.raises(ParameterError, match=r"\"cutoffs\['phone'\]\" = 80 is out of range"):
        compare(std, pairs, cutoffs={"phone": 80})
    with pytest.raises(DataValidationError, match=r"record id\(s\) not in the standardised"):
        compare(std, pd.DataFrame({"left": ["BR1"], "right": ["XX9"]}))
    scored = compare(std, pairs)
    with pytest.raises(ParameterError, match=r"'threshold' = 1.5 is out of range"):
        cluster_records(std.index, scored, 1.5)
    with pytest.raises(DataValidationError, match="not in record_ids"):
        cluster_records(["BR1"], scored, 0.5)
    clusters = cluster_records(std.index, scored, 0.5)
    truth = pd.Series(["P1", "P1", "P2"], index=std.index)
    with pytest.raises(DataValidationError, match="1 record\\(s\\) only in predicted_clusters"):
        match_quality(clusters, truth.iloc[:2])
    with pytest.raises(DataValidationError, match=r"truth has 1 missing label\(s\) \(row ML1\)"):
        match_quality(clusters, truth.where(truth.index != "ML1"))
    with pytest.raises(DataValidationError, match="must be a pandas Series"):
        match_quality(clusters.to_numpy(), truth)


def test_merge_errors():
    std = standardise(_raw())
    clusters = pd.Series(["C1", "C1", "C2"], index=std.index)
    with pytest.raises(ParameterError, match=r"rule for 'name' = 'oldest' is not one of"):
        merge_customers(std, clusters, rule="oldest")
    with pytest.raises(ParameterError, match=r"rule names unknown fields \['age'\]"):
        merge_customers(std, clusters, rule={"age": "recent"})
    with pytest.raises(ParameterError, match="rule 'priority' needs channel_priority"):
        merge_customers(std, clusters, rule="priority")
    with pytest.raises(DataValidationError, match="labelling every record of std exactly once"):
        merge_customers(std, clusters.iloc[:2])


def test_numbers_and_integer_ids_from_a_spreadsheet():
    raw = _raw(
        phone=[13812345678.0, 13812345678.0, 13900001111.0],  # phones stored as numbers
        postcode=[100081.0, np.nan, 200000.0],
    ).set_axis(pd.Index([3, 1, 2], name="record_id"))
    std = standardise(raw)
    assert std["phone"].tolist() == ["13812345678", "13812345678", "13900001111"]
    assert std["postcode"].tolist()[::2] == ["100081", "200000"]
    pairs = candidate_pairs(std)
    assert pairs[["left", "right"]].values.tolist() == [[1, 3]]  # integer ids stay integers
    clusters = cluster_records(std.index, compare(std, pairs), 0.6)
    assert clusters.loc[1] == clusters.loc[3] != clusters.loc[2]
    with pytest.raises(DataValidationError, match=r"'channel' of records has 1 missing value"):
        completeness(raw.assign(channel=["web", None, "mail"]))
    with pytest.raises(DataValidationError, match=r"record_ids has duplicated ids"):
        cluster_records([1, 1, 2], compare(std, pairs), 0.6)
    with pytest.raises(DataValidationError, match=r"clusters has 1 missing customer id"):
        merge_customers(std, pd.Series(["C1", None, "C1"], index=std.index))
    with pytest.raises(ParameterError, match=r"channel_priority='web' must be a list"):
        merge_customers(std, clusters, rule="priority", channel_priority="web")


# --- the business customer's record (curriculum §2) --------------------------------------------


def test_record_completeness_counts_fields_and_complete_records_by_group():
    from helpers.operations.customer_view import record_completeness

    r = pd.DataFrame(
        {
            "name": ["a", "b", "c", "d", "e"],
            "phone": ["1", None, " ", "4", "5"],
            "outlets": [3, np.nan, 2, 1, np.nan],
            "tier": ["key", "key", "other", "other", "other"],
        }
    )
    got = record_completeness(r, ["name", "phone", "outlets"], by="tier")
    assert got.loc["key"].tolist() == [1.0, 0.5, 0.5, 0.5]
    assert got.loc["other"].round(4).tolist() == [1.0, 0.6667, 0.6667, 0.3333]
    assert got.loc["all"].tolist() == [1.0, 0.6, 0.6, 0.4]
    with pytest.raises(DataValidationError, match=r"column 'tier' of records has 1 missing"):
        record_completeness(
            r.assign(tier=["key", None, "other", "other", "other"]), ["name"], by="tier"
        )


def test_business_records_plant_their_fill_rates():
    from helpers.operations.customer_view import BUSINESS_RECORD, record_completeness
    from helpers.simulate.records import BUSINESS_FILL, business_records

    assert set(BUSINESS_FILL) == set(BUSINESS_RECORD)
    tables, truth = business_records(20_000, random_state=3)
    accounts = tables["accounts"]
    assert (accounts["tier"] == "key").mean() == truth.key_share == 0.2
    kpi = record_completeness(accounts, by="tier")
    for field, (p_key, p_other) in truth.fill.items():
        assert abs(kpi.loc["key", field] - p_key) < 0.025, field
        assert abs(kpi.loc["other", field] - p_other) < 0.015, field
    # every field held with its own probability: a complete record is their product
    expected = np.prod([p for p, _ in truth.fill.values()])
    assert abs(kpi.loc["key", "complete_record"] - expected) < 0.02
