"""lake_etl.contract: parsing, every validation rule of design §4, and the one type map."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pytest
from lake_etl.contract import (
    Column,
    ContractError,
    arrow_type,
    glue_type,
    load_contract,
    load_contracts,
    parse_contract,
)

BASE = {
    "dataset": "users",
    "version": 1,
    "description": "one row per user signup",
    "active": True,
    "on_error": "reject_file",
    "columns": [
        {"name": "user_id", "type": "bigint", "nullable": False},
        {"name": "signup_ts", "type": "timestamp", "nullable": False, "source": "signup.at"},
        {"name": "address_city", "type": "string", "source": "address.city"},
        {"name": "score", "type": "double"},
        {"name": "tags", "type": "array<string>"},
    ],
}


def _bytes(doc) -> bytes:
    return json.dumps(doc).encode()


def _with(**kw):
    d = json.loads(json.dumps(BASE))
    d.update(kw)
    return d


def _col(i, **kw):
    d = json.loads(json.dumps(BASE))
    d["columns"][i].update(kw)
    return d


def test_design_example_parses():
    data = _bytes(BASE)
    c = parse_contract(data, "contracts/datasets/users/v1.json")
    assert (c.dataset, c.version, c.active, c.on_error) == ("users", 1, True, "reject_file")
    assert c.sha256 == hashlib.sha256(data).hexdigest()
    assert c.path == "contracts/datasets/users/v1.json"
    assert c.columns[0] == Column("user_id", "bigint", False, ("user_id",), "ms")
    assert c.columns[1].source == ("signup", "at")
    assert c.columns[2].nullable is True
    assert c.columns[4].type == "array<string>"


def test_defaults():
    d = {"dataset": "x", "version": 3, "columns": [{"name": "a", "type": "string"}]}
    c = parse_contract(_bytes(d))
    assert c.active is True and c.on_error == "reject_file" and c.description == ""
    assert c.columns[0].nullable is True and c.columns[0].source == ("a",) and c.path is None


def test_utf8_bom_accepted():
    c = parse_contract(b"\xef\xbb\xbf" + _bytes(BASE))
    assert c.dataset == "users"


@pytest.mark.parametrize(
    "doc, field",
    [
        (_col(0, name="UserId"), "columns[0] (UserId).name"),
        (_col(0, name="1abc"), "columns[0] (1abc).name"),
        (_col(0, name="dt"), "columns[0] (dt).name"),
        (_col(1, name="user_id"), "columns[1] (user_id).name"),
        (_col(0, type="varchar"), "columns[0] (user_id).type"),
        (_col(0, type="array<array<int>>"), "columns[0] (user_id).type"),
        (_col(0, type="decimal(39,2)"), "columns[0] (user_id).type"),
        (_col(0, type="decimal(5,6)"), "columns[0] (user_id).type"),
        (_col(0, type="decimal"), "columns[0] (user_id).type"),
        (_col(0, nullable="no"), "columns[0] (user_id).nullable"),
        (_col(0, source=""), "columns[0] (user_id).source"),
        (_col(0, source="a..b"), "columns[0] (user_id).source"),
        (_col(0, nulable=False), "columns[0] (user_id).nulable"),
        (_col(0, unit="us"), "columns[0] (user_id).unit"),
        (_col(1, unit="ns"), "columns[1] (signup_ts).unit"),
        (_with(on_error="skip"), "on_error"),
        (_with(active="yes"), "active"),
        (_with(version=0), "version"),
        (_with(version=True), "version"),
        (_with(version=2), "version"),  # file is v1.json
        (_with(dataset="Users"), "dataset"),
        (_with(columns=[]), "columns"),
        (_with(owner="me"), "owner"),
    ],
)
def test_rule_violations_name_file_and_field(doc, field):
    with pytest.raises(ContractError) as ei:
        parse_contract(_bytes(doc), "contracts/datasets/users/v1.json")
    msg = str(ei.value)
    assert msg.startswith("contracts/datasets/users/v1.json: ")
    assert field in msg


@pytest.mark.parametrize(
    "data", [b"{", b"[]", b'{"dataset": "a", "dataset": "b"}', b"\xff\xfe", b'{"version": NaN}']
)
def test_not_a_contract(data):
    with pytest.raises(ContractError, match="c.json"):
        parse_contract(data, "c.json")


def test_missing_dataset_and_version():
    with pytest.raises(ContractError, match="dataset"):
        parse_contract(b'{"version": 1, "columns": [{"name": "a", "type": "int"}]}')
    with pytest.raises(ContractError, match="version"):
        parse_contract(b'{"dataset": "a", "columns": [{"name": "a", "type": "int"}]}')


def test_type_normalised_and_mapped():
    d = _col(3, type=" DECIMAL( 10 , 2 ) ")
    d["columns"][4]["type"] = "Array< TimeStamp >"
    d["columns"][4]["unit"] = "us"
    c = parse_contract(_bytes(d))
    assert c.columns[3].type == "decimal(10,2)"
    assert c.columns[4].type == "array<timestamp>" and c.columns[4].unit == "us"
    schema = c.arrow_schema()
    assert schema.field("score").type == pa.decimal128(10, 2)
    assert schema.field("tags").type == pa.list_(pa.timestamp("us", tz="UTC"))
    assert schema.field("user_id").nullable is False
    assert schema.field("address_city").nullable is True


@pytest.mark.parametrize(
    "t, unit, expected",
    [
        ("string", "ms", pa.string()),
        ("boolean", "ms", pa.bool_()),
        ("int", "ms", pa.int32()),
        ("bigint", "ms", pa.int64()),
        ("float", "ms", pa.float32()),
        ("double", "ms", pa.float64()),
        ("decimal(38,0)", "ms", pa.decimal128(38, 0)),
        ("date", "ms", pa.date32()),
        ("timestamp", "ms", pa.timestamp("ms", tz="UTC")),
        ("timestamp", "us", pa.timestamp("us", tz="UTC")),
        ("array<bigint>", "ms", pa.list_(pa.int64())),
    ],
)
def test_arrow_type(t, unit, expected):
    assert arrow_type(t, unit) == expected


def test_glue_type():
    assert glue_type("DECIMAL(10, 2)") == "decimal(10,2)"
    assert glue_type("array<string>") == "array<string>"
    assert glue_type("bigint") == "bigint"
    with pytest.raises(ValueError):
        glue_type("text")


def _write(root, dataset, fname, doc):
    p = root / "datasets" / dataset
    p.mkdir(parents=True, exist_ok=True)
    (p / fname).write_bytes(_bytes(doc))
    return p / fname


def test_load_contracts(tmp_path):
    _write(tmp_path, "users", "v1.json", BASE)
    _write(tmp_path, "users", "v2.json", _with(version=2, active=False))
    _write(tmp_path, "events", "v1.json", _with(dataset="events"))
    (tmp_path / "datasets" / "users" / "README.md").write_text("notes")
    got = load_contracts(tmp_path)
    assert sorted(got) == ["events", "users"]
    assert sorted(got["users"]) == [1, 2]
    assert got["users"][2].active is False
    assert got["users"][1].path.endswith("v1.json")
    assert load_contract(tmp_path / "datasets" / "users" / "v1.json") == got["users"][1]


def test_load_contracts_mismatches(tmp_path):
    _write(tmp_path, "users", "v1.json", _with(dataset="people"))
    with pytest.raises(ContractError, match="folder"):
        load_contracts(tmp_path)


def test_load_contracts_version_file_name(tmp_path):
    _write(tmp_path, "users", "v3.json", BASE)
    with pytest.raises(ContractError, match="v3.json"):
        load_contracts(tmp_path)


def test_load_contracts_bad_file_name(tmp_path):
    _write(tmp_path, "users", "users.json", BASE)
    with pytest.raises(ContractError, match="v<N>.json"):
        load_contracts(tmp_path)


def test_load_contracts_missing_dir(tmp_path):
    with pytest.raises(ContractError, match="not found"):
        load_contracts(tmp_path / "nope")
    assert load_contracts(tmp_path) == {}


def test_load_contract_unreadable(tmp_path):
    with pytest.raises(ContractError, match="cannot read"):
        load_contract(tmp_path / "v1.json")


def test_a_column_may_carry_a_description_and_every_broken_file_is_listed(tmp_path):
    import json as _json

    from lake_etl.contract import contract_errors, load_contracts

    ds = tmp_path / "datasets" / "users"
    ds.mkdir(parents=True)
    good = {"dataset": "users", "version": 1,
            "columns": [{"name": "id", "type": "bigint", "description": "the user's id"}]}
    (ds / "v1.json").write_text(_json.dumps(good))
    assert load_contracts(tmp_path)["users"][1].columns[0].name == "id"
    bad = {**good, "version": 2, "columns": [{"name": "dt", "type": "string"}]}
    (ds / "v2.json").write_text(_json.dumps(bad))
    (ds / "v3.json").write_text(_json.dumps({**good, "version": 4}))
    errors = contract_errors(tmp_path)
    assert [p.name for p, _ in errors] == ["v2.json", "v3.json"]
    assert "dt" in str(errors[0][1]) and "version" in str(errors[1][1])
