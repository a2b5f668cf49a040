"""Data contracts: typed copies, clear errors, inputs left alone."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data.contracts import Column, DataContract, contract_of
from helpers.exceptions import DataValidationError, ParameterError

CONTRACT = DataContract(
    "accounts",
    [
        Column("account_id", "string", "identifier"),
        Column("opened", "date", "date the account was opened"),
        Column("assets", "number", "assets under management, yuan", minimum=0),
        Column("products", "integer", "products held", minimum=0, maximum=20),
        Column("tier", "category", "value tier", choices=("A", "B", "C")),
        Column("vip", "boolean", "has a personal adviser", required=False),
    ],
    key="account_id",
)


def _good() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [101, 102, 103],
            "opened": ["2020-01-31", "2021-06-01", "2019-12-24"],
            "assets": ["1500.5", 0, 2.25e6],
            "products": [1, 3.0, 2],
            "tier": ["B", "C", "A"],
            "vip": ["yes", None, "no"],
            "note": ["x", "y", "z"],
        }
    )


def test_validate_returns_typed_copy_and_keeps_extra_columns():
    df = _good()
    before = df.copy()
    out = CONTRACT.validate(df)
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert out.columns.tolist() == [*CONTRACT.names, "note"]
    assert out["account_id"].tolist() == ["101", "102", "103"]
    assert (
        out["opened"].tolist()
        == pd.to_datetime(["2020-01-31", "2021-06-01", "2019-12-24"]).tolist()
    )
    assert out["assets"].dtype == "float64" and out["assets"].sum() == pytest.approx(2_251_500.5)
    assert out["products"].dtype == "int64" and out["products"].tolist() == [1, 3, 2]
    assert list(out["tier"].cat.categories) == ["A", "B", "C"]
    assert out["vip"].tolist()[0] is True and pd.isna(out["vip"].iloc[1])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.drop(columns="assets"),
            r"column 'assets' not found in accounts.*all missing: \['assets'\]; rename",
        ),
        (lambda d: d.iloc[:0], r"empty \(0 rows\)"),
        (
            lambda d: d.assign(assets=["1", "many", "2"]),
            r"'assets' must hold number.*row 1: 'many'",
        ),
        (
            lambda d: d.assign(opened=["2020-01-31", "soon", None]),
            r"'opened' must hold date.*row 1",
        ),
        (
            lambda d: d.assign(opened=["2020-01-31", None, "2020-01-01"]),
            r"'opened' has 1 missing.*row 1.*required",
        ),
        (lambda d: d.assign(assets=[1, -5, 2]), r"'assets' has 1 value\(s\) below 0 \(row 1: -5\)"),
        (lambda d: d.assign(products=[1, 21, 2]), r"'products' has 1 value\(s\) above 20"),
        (
            lambda d: d.assign(products=[1, 2.5, 2]),
            r"'products' must hold whole numbers.*row 1: 2.5",
        ),
        (
            lambda d: d.assign(tier=["A", "D", "B"]),
            r"'tier' has 1 value\(s\) outside \['A', 'B', 'C'\] \(row 1: 'D'\)",
        ),
        (
            lambda d: d.assign(vip=["yes", "perhaps", None]),
            r"'vip' must hold boolean.*row 1: 'perhaps'",
        ),
        (
            lambda d: d.assign(account_id=[7, 8, 7]),
            r"key column 'account_id' has 2 duplicated.*rows 0: '7', 2: '7'",
        ),
    ],
)
def test_errors_name_the_column_rows_and_fix(change, message):
    with pytest.raises(DataValidationError, match=message):
        CONTRACT.validate(change(_good()))


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame, got list"):
        CONTRACT.validate([1, 2])


def test_read_csv_checks_the_file_and_never_writes_it(tmp_path):
    path = tmp_path / "accounts.csv"
    _good().to_csv(path, index=False)
    content = path.read_bytes()
    out = CONTRACT.read_csv(path)
    assert len(out) == 3 and path.read_bytes() == content
    with pytest.raises(DataValidationError, match="file .*nope.csv' not found.*account_id, opened"):
        CONTRACT.read_csv(tmp_path / "nope.csv")


def test_bad_contracts():
    with pytest.raises(ParameterError, match="kind 'text' is not one of"):
        Column("x", "text", "")
    with pytest.raises(ParameterError, match="lists a column twice"):
        contract_of("t", [("a", "string", ""), ("a", "number", "")])
    with pytest.raises(ParameterError, match="key 'b' is not a column"):
        contract_of("t", [("a", "string", "")], key="b")


def test_markdown_table():
    md = CONTRACT.to_markdown().splitlines()
    assert md[0] == "| column | kind | required | description |"
    assert md[2] == "| `account_id` (key, unique) | string | yes | identifier |"
    assert "one of A, B, C" in md[6] and "≥ 0; ≤ 20" in md[5]
    assert md[7].startswith("| `vip` | boolean | no |")
