"""The 91 golden cases of tests/golden/transform (format: tests/golden/README.md) through transform."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from lake_etl.contract import parse_contract
from lake_etl.transform import transform

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "transform"
CASES = sorted(GOLDEN.glob("[0-9][0-9]-*.json"))


def load_case(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def case_bytes(case: dict) -> bytes:
    if "input_base64" in case:
        return base64.b64decode(case["input_base64"])
    return case["input"].encode("utf-8")


def encode_value(v, type_str: str, unit: str):
    """A value read back from Parquet, encoded as tests/golden/README.md says."""
    if v is None:
        return None
    if type_str.startswith("array<"):
        inner = type_str[6:-1]
        return [encode_value(e, inner, unit) for e in v]
    if type_str.startswith("decimal("):
        assert isinstance(v, Decimal)
        return format(v, "f")
    if type_str == "date":
        assert isinstance(v, dt.date)
        return v.isoformat()
    if type_str == "timestamp":
        assert isinstance(v, dt.datetime) and v.utcoffset() == dt.timedelta(0)
        frac = f"{v.microsecond:06d}"[: 3 if unit == "ms" else 6]
        return v.strftime("%Y-%m-%dT%H:%M:%S") + "." + frac + "Z"
    return v


def read_rows(data: bytes, contract) -> list[dict]:
    table = pq.read_table(io.BytesIO(data))
    assert table.schema.names == [c.name for c in contract.columns]
    rows = []
    for rec in table.to_pylist():
        rows.append({c.name: encode_value(rec[c.name], c.type, c.unit) for c in contract.columns})
    return rows


def run_case(case: dict):
    contract = parse_contract(json.dumps(case["contract"]).encode(), "v1.json")
    key = f"uploads/{contract.dataset}/2026/11/27/{case['input_name']}"
    sink = io.BytesIO()
    result = transform(case_bytes(case), contract, key, sink)
    return contract, result, sink.getvalue()


@pytest.mark.parametrize("path", CASES, ids=[p.stem[:2] for p in CASES])
def test_golden(path):
    case = load_case(path)
    exp = case["expected"]
    contract, result, data = run_case(case)
    got_errors = [{"record": e["record"], "field": e["field"], "kind": e["kind"]} for e in result.errors]
    assert got_errors == exp["errors"]
    assert result.records_in == exp["records_in"]
    assert result.records_written == exp["records_written"]
    assert result.wrote_parquet == exp["writes_parquet"]
    rows = read_rows(data, contract) if result.wrote_parquet else []
    assert rows == exp["rows"]
    for e in result.errors:
        assert e["message"] and isinstance(e["message"], str)


def test_all_91_cases_present():
    assert len(CASES) == 91
