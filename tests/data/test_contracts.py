"""Data contracts: typed copies, clear errors, inputs left alone."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data.contracts import Column, DataContract, contract_of
from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError

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
            r"column 'assets' of accounts has 1 value\(s\) that are not numbers \(row 1: 'many'\)",
        ),
        (
            lambda d: d.assign(opened=["2020-01-31", "soon", None]),
            r"column 'opened' of accounts has 1 value\(s\) that are not dates \(row 1: 'soon'\)",
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


def test_read_checks_the_file_and_never_writes_it(tmp_path):
    path = tmp_path / "accounts.csv"
    _good().to_csv(path, index=False)
    content = path.read_bytes()
    out = CONTRACT.read(path)
    assert len(out) == 3 and path.read_bytes() == content
    assert out["account_id"].tolist() == ["101", "102", "103"]
    assert out.attrs["source"]["encoding"] == "utf-8"
    with pytest.raises(DataValidationError, match=r"^accounts: file .*nope.csv' not found"):
        CONTRACT.read(tmp_path / "nope.csv")


def test_read_csv_is_a_deprecated_alias_of_read(tmp_path):
    path = tmp_path / "accounts.csv"
    _good().to_csv(path, index=False)
    with pytest.warns(FutureWarning, match=r"read_csv is renamed DataContract.read"):
        old = CONTRACT.read_csv(path)
    pd.testing.assert_frame_equal(old, CONTRACT.read(path))


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
    assert md[9].startswith("Kinds: *string*: text; *integer*: a whole number; *number*:")
    assert "*id*" not in md[9]  # only the kinds the contract uses


IDS = DataContract(
    "orders",
    [
        Column("order_id", "id", "order number"),
        Column("customer_id", "id", "customer"),
        Column("referred_by", "id", "referrer", required=False),
        Column("amount", "number", "value", minimum=0),
        Column("placed", "date", "day of the order"),
    ],
    key="order_id",
)


def _orders(**change) -> pd.DataFrame:
    base = {
        "order_id": ["000123", "000124", "7"],
        "customer_id": [1, "2", " 3 "],
        "referred_by": [None, "1.0", ""],
        "amount": [1.5, 2.0, 3.0],
        "placed": ["2024-01-05", "2024-01-06", "2024-01-07"],
    }
    return pd.DataFrame({**base, **change})


def test_id_columns_are_trimmed_text_that_keeps_zeros():
    df = _orders()
    before = df.copy()
    out = IDS.validate(df)
    pd.testing.assert_frame_equal(df, before)
    assert out["order_id"].tolist() == ["000123", "000124", "7"]
    assert out["customer_id"].tolist() == ["1", "2", "3"]
    assert out["referred_by"].tolist() == [None, "1", None]  # "" is no referrer
    assert IDS.id_columns == ["order_id", "customer_id", "referred_by"]
    assert "| `order_id` (key, unique) | id | yes |" in IDS.to_markdown()
    assert "*id*: an identifier, kept as text" in IDS.to_markdown()


def test_id_errors_and_merges():
    with pytest.raises(DataValidationError, match=r"'customer_id' of orders has 1 missing or em"):
        IDS.validate(_orders(customer_id=["1", " ", "3"]))
    with pytest.raises(DataValidationError, match=r"'customer_id' of orders holds numbers with"):
        IDS.validate(_orders(customer_id=[1.0, 2.5, 3.0]))
    # Two spellings of one order: merged with a warning, then refused as a duplicate key.
    with (
        pytest.warns(DataQualityWarning, match=r"'order_id' of orders: 1 id\(s\) were written"),
        pytest.raises(DataValidationError, match=r"key column 'order_id' has 2 duplicated"),
    ):
        IDS.validate(_orders(order_id=["7", "8", "7.0"]))


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (["3,5", "2", "1"], r"1 value\(s\) written with a decimal comma \(row 0: '3,5'\); pass"),
        (["1,234.50", "2", "1"], r"written with a thousands separator \(row 0: '1,234.50'\)"),
        (["¥12", "2", "1"], r"written with a currency sign or code \(row 0: '¥12'\)"),
        (["12 元", "2", "1"], r"currency sign or code \(row 0: '12 元'\)"),
        (["5%", "2", "1"], r"written with a percent sign"),
        ([True, False, True], r"'amount' of orders holds True/False values"),
        (["inf", "2", "1"], r"'amount' of orders has 1 infinite value"),
    ],
)
def test_numbers_as_text_are_refused_with_what_they_look_like(amounts, message):
    with pytest.raises(DataValidationError, match=message):
        IDS.validate(_orders(amount=amounts))


def test_decimal_comma_option_and_blank_numbers():
    out = IDS.validate(_orders(amount=["3,5", "2", " 1,25 "]), decimal=",")
    assert out["amount"].tolist() == [3.5, 2.0, 1.25]
    with pytest.raises(DataValidationError, match=r"1 value\(s\) with a '.' \(row 0: '1.234,5'\)"):
        IDS.validate(_orders(amount=["1.234,5", "2", "1"]), decimal=",")
    with pytest.raises(ParameterError, match=r"'decimal' = ';' is not one of"):
        IDS.validate(_orders(), decimal=";")
    # An empty text cell is a missing value: refused because amount is required.
    with pytest.raises(DataValidationError, match=r"'amount' has 1 missing value\(s\) \(row 1\)"):
        IDS.validate(_orders(amount=["1", " ", "2"]))


def test_date_options_reach_the_date_columns():
    ambiguous = _orders(placed=["05/01/2024", "06/01/2024", "07/01/2024"])
    with pytest.raises(DataValidationError, match=r"'placed' of orders has dates such as '05/01/"):
        IDS.validate(ambiguous)
    days = IDS.validate(ambiguous, dayfirst=True)["placed"].dt.strftime("%Y-%m-%d").tolist()
    assert days == ["2024-01-05", "2024-01-06", "2024-01-07"]
    months = IDS.validate(ambiguous, date_format="%m/%d/%Y")["placed"].dt.month.tolist()
    assert months == [5, 6, 7]
    serial = IDS.validate(_orders(placed=[45296, 45297, 45298]), date_format="excel")
    assert serial["placed"].iloc[0] == pd.Timestamp("2024-01-05")
    with pytest.raises(DataValidationError, match=r"date_format='excel'"):
        IDS.validate(_orders(placed=[45296, 45297, 45298]))


def test_load_takes_a_file_or_a_table(tmp_path):
    table = _orders()
    via_index = IDS.load(table.set_index("order_id"))
    pd.testing.assert_frame_equal(via_index, IDS.validate(table))
    path = tmp_path / "orders.csv"
    table.to_csv(path, index=False, sep=";")
    from_file = IDS.load(path)
    assert from_file["order_id"].tolist() == ["000123", "000124", "7"]
    assert from_file.attrs["source"]["sep"] == ";"
    with pytest.raises(ParameterError, match=r"orders: encoding= describe\(s\) how a file is read"):
        IDS.load(table, encoding="gbk")
    with pytest.raises(ParameterError, match=r"must be the path of a CSV, .xlsx or Parquet file"):
        IDS.load(42)


SMALL = DataContract(
    "visits",
    [
        Column("shop_id", "id", "shop", description_zh="门店编号"),
        Column(
            "visits",
            "integer",
            "visits a week",
            minimum=0,
            maximum=50,
            description_zh="每周到访次数",
        ),
        Column("tier", "category", "value tier", False, ("A", "B"), description_zh="价值层级"),
    ],
    key="shop_id",
)


@pytest.fixture
def chinese():
    """The chapter language set to Chinese for one test, English again afterwards."""
    import matplotlib.pyplot as plt

    from helpers.language import set_language

    with plt.rc_context():  # set_language("zh") sets a font; keep it out of other tests
        try:
            set_language("zh")
            yield
        finally:
            set_language("en")


def test_markdown_table_in_english_is_unchanged():
    assert SMALL.to_markdown() == (
        "| column | kind | required | description |\n"
        "|---|---|---|---|\n"
        "| `shop_id` (key, unique) | id | yes | shop |\n"
        "| `visits` | integer | yes | visits a week (≥ 0; ≤ 50) |\n"
        "| `tier` | category | no | value tier (one of A, B) |\n"
        "\n"
        "Kinds: *id*: an identifier, kept as text: 000123 keeps its zeros; spaces around it and "
        "a trailing .0 are dropped (2, '2 ' and '2.0' are one id, with a warning); *integer*: a "
        "whole number; *category*: one of the listed values."
    )


def test_markdown_table_in_chinese(chinese):
    assert SMALL.to_markdown() == (
        "| 列 | 类型 | 必填 | 说明 |\n"
        "|---|---|---|---|\n"
        "| `shop_id`（主键，唯一） | 标识符（`id`） | 是 | 门店编号 |\n"
        "| `visits` | 整数（`integer`） | 是 | 每周到访次数（≥ 0；≤ 50） |\n"
        "| `tier` | 类别（`category`） | 否 | 价值层级（取值之一：A、B） |\n"
        "\n"
        "类型说明：**标识符**（`id`）：按文本保存，000123 保留开头的 0；首尾的空格和末尾的 .0 "
        "会被去掉（2、'2 ' 和 '2.0' 视为同一个标识符，并给出警告）。"
        "**整数**（`integer`）：不带小数部分的数。**类别**（`category`）：所列取值之一。"
    )


def test_chinese_table_refuses_a_column_without_description_zh(chinese):
    with pytest.raises(ParameterError, match=r"contract 'accounts': column\(s\) 'account_id', "):
        CONTRACT.to_markdown()
    half = contract_of("t", [("a", "string", "a", True, None, None, None, "甲"), ("b", "id", "b")])
    with pytest.raises(
        ParameterError, match=r"contract 't': column\(s\) 'b' have no description_zh"
    ):
        half.to_markdown()
    # English needs no Chinese descriptions.
    from helpers.language import set_language

    set_language("en")
    assert half.to_markdown().splitlines()[3] == "| `b` | id | yes | b |"


def _package_contracts() -> dict[str, DataContract]:
    """Every DataContract defined at module level in the package's case and churn modules."""
    import importlib

    found = {}
    for module in (
        "helpers.cases.bank",
        "helpers.cases.craft_store",
        "helpers.cases.retail",
        "helpers.cases.port_terminal",
        "helpers.churn.data",
    ):
        for name, value in vars(importlib.import_module(module)).items():
            if isinstance(value, DataContract):
                found[name] = value
    return found


def test_every_contract_of_the_package_has_every_description_zh(chinese):
    contracts = _package_contracts()
    assert sorted(contracts) == [
        "BANK_CUSTOMERS",
        "COMPLAINT_LOG",
        "PORT_ACCOUNTS",
        "PURCHASE_LOG",
        "STORE_CUSTOMERS",
        "STORE_TRANSACTIONS",
        "SUBSCRIPTIONS",
        "USAGE_LOG",
    ]
    missing = [
        f"{name}.{c.name}"
        for name, contract in contracts.items()
        for c in contract.columns
        if not c.description_zh or c.description_zh == c.description
    ]
    assert missing == []
    for contract in contracts.values():
        lines = contract.to_markdown().splitlines()
        assert lines[0] == "| 列 | 类型 | 必填 | 说明 |"
        assert len(lines) == len(contract.columns) + 4
        assert lines[-1].startswith("类型说明：**标识符**（`id`）：")
