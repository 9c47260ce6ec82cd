"""transform edge cases beyond the golden cases: extreme literals, deep input, odd layouts."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from lake_etl import transform as tmod
from lake_etl._jsonscan import depth_exceeds, find_lone_surrogate, iterparse, loads
from lake_etl.contract import parse_contract
from lake_etl.transform import transform

NUM_COLS = [
    {"name": "i", "type": "int"},
    {"name": "b", "type": "bigint"},
    {"name": "d", "type": "double"},
    {"name": "f", "type": "float"},
    {"name": "m", "type": "decimal(5,2)"},
    {"name": "a", "type": "array<double>"},
]


def run(data, columns, name="x.jsonl", on_error="reject_record"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    doc = {"dataset": "t", "version": 1, "on_error": on_error, "columns": columns}
    c = parse_contract(json.dumps(doc).encode())
    sink = io.BytesIO()
    r = transform(data, c, f"uploads/t/2026/11/27/{name}", sink)
    rows = pq.read_table(io.BytesIO(sink.getvalue())).to_pylist() if r.wrote_parquet else []
    return r, rows


@pytest.mark.parametrize(
    "lit, kind",
    [
        ("1e99999999999999999999", "out_of_range"),  # exponent beyond what Decimal holds
        ("-1e99999999999999999999", "out_of_range"),
        ("1e-99999999999999999999", "precision_loss"),
        ("1" * 5000, "out_of_range"),  # beyond Python's int/str digit limit
        ("1" * 5000 + ".5", "out_of_range"),
    ],
)
def test_extreme_number_literals_never_crash(lit, kind):
    line = "{" + ", ".join(f'"{c["name"]}": {lit}' for c in NUM_COLS[:-1]) + f', "a": [{lit}]}}'
    r, _ = run(line + "\n", NUM_COLS)
    assert [(e["field"], e["kind"]) for e in r.errors] == [(c["name"], kind) for c in NUM_COLS]


def test_zero_with_extreme_exponent_is_zero():
    r, rows = run('{"d": 0e99999999999999999999, "m": -0.0e-99999999999999999999}\n', NUM_COLS)
    assert r.errors == [] and rows[0]["d"] == 0.0 and str(rows[0]["m"]) == "0.00"


def test_deep_value_in_read_column_5000_levels():
    deep = "[" * 5000 + "]" * 5000
    r, rows = run('{"id": 1, "s": ' + deep + '}\n{"id": 2, "s": "ok", "junk": ' + deep + "}\n",
                  [{"name": "id", "type": "int"}, {"name": "s", "type": "string"}])
    assert [(e["record"], e["field"], e["kind"]) for e in r.errors] == [(0, "s", "too_deep")]
    assert rows == [{"id": 2, "s": "ok"}]


def test_deep_whole_file_value():
    deep = "[" * 3000 + "]" * 3000
    r, rows = run('[{"id": 1, "junk": ' + deep + "}]", [{"name": "id", "type": "int"}], name="x.json")
    assert rows == [{"id": 1}] and r.errors == []
    r, _ = run('{"id": 1, "junk": ' + deep, [{"name": "id", "type": "int"}], name="x.json")
    assert [e["kind"] for e in r.errors] == ["malformed_json"] and r.records_in is None


def test_pretty_printed_object_is_one_record_in_any_name():
    data = json.dumps({"id": 1, "o": {"x": [1, 2]}}, indent=2)
    for name in ("a.json", "a.jsonl", "a.ndjson"):
        r, rows = run(data, [{"name": "id", "type": "int"}], name=name)
        assert rows == [{"id": 1}] and r.records_in == 1


def test_long_first_line_across_read_blocks(monkeypatch):
    monkeypatch.setattr(tmod, "READ_BLOCK", 64)
    first = json.dumps({"id": 1, "pad": "x" * 1000})
    r, rows = run(first + "\n" + '{"id": 2}\n', [{"name": "id", "type": "int"}])
    assert rows == [{"id": 1}, {"id": 2}]
    r, rows = run(json.dumps([{"id": 1, "pad": "y" * 500}, {"id": 3}]), [{"name": "id", "type": "int"}])
    assert rows == [{"id": 1}, {"id": 3}]


def test_multibyte_characters_split_across_blocks(monkeypatch):
    monkeypatch.setattr(tmod, "READ_BLOCK", 3)
    r, rows = run('\ufeff{"s": "Zürich 😀 é"}\n{"s": "日本"}\n', [{"name": "s", "type": "string"}])
    assert rows == [{"s": "Zürich 😀 é"}, {"s": "日本"}] and r.errors == []


def test_truncated_utf8_at_end_is_encoding():
    r, _ = run(b'{"s": "a"}\n{"s": "\xc3', [{"name": "s", "type": "string"}])
    assert [(e["record"], e["kind"]) for e in r.errors] == [(None, "encoding")]


def test_single_scalar_and_single_null_file():
    r, _ = run("null", [{"name": "id", "type": "int"}], name="x.json")
    assert (r.records_in, [e["kind"] for e in r.errors]) == (1, ["not_an_object"])
    r, _ = run('"text"\n', [{"name": "id", "type": "int"}], name="x.json")
    assert (r.records_in, [e["kind"] for e in r.errors]) == (1, ["not_an_object"])


def test_no_trailing_newline_and_crlf_last_line():
    r, rows = run('{"id": 1}\r\n{"id": 2}\r\n\r\n   \r\n{"id": 3}', [{"name": "id", "type": "int"}])
    assert rows == [{"id": 1}, {"id": 2}, {"id": 3}] and r.records_in == 3


def test_non_nullable_missing_through_path_and_type_mismatch_on_path():
    cols = [{"name": "x", "type": "int", "source": "a.b", "nullable": False}]
    r, _ = run('{"a": null}\n{"a": {}}\n{"a": 5}\n{"a": [1]}\n{"a": {"b": 1}}\n', cols)
    assert [(e["record"], e["kind"]) for e in r.errors] == [
        (0, "missing_required"), (1, "missing_required"), (2, "type_mismatch"), (3, "type_mismatch")]
    assert "'a' is number 5, not an object" in r.errors[2]["message"]


def test_decimal_and_timestamp_arrays_and_dates():
    cols = [{"name": "m", "type": "array<decimal(4,1)>"}, {"name": "d", "type": "array<date>"},
            {"name": "t", "type": "array<timestamp>", "unit": "us"}]
    r, rows = run('{"m": ["1.5", 2, null], "d": ["2024-02-29"], "t": ["2026-01-01T00:00:00.000001+00:00"]}\n',
                  cols)
    assert r.errors == []
    assert [str(x) if x is not None else None for x in rows[0]["m"]] == ["1.5", "2.0", None]
    assert rows[0]["d"][0].isoformat() == "2024-02-29"
    assert rows[0]["t"][0].isoformat() == "2026-01-01T00:00:00.000001+00:00"


def test_helpers():
    assert depth_exceeds([[1]], 1) and not depth_exceeds([[1]], 2) and not depth_exceeds(5, 0)
    assert depth_exceeds({"a": {}}, 1) and not depth_exceeds({}, 1)
    assert find_lone_surrogate('"\\ud83d\\ude00"') is None
    assert find_lone_surrogate('"\\ud83d"') == "\\ud83d"
    assert find_lone_surrogate('"\\ude00\\ud83d"') == "\\ude00"
    assert find_lone_surrogate('"\\ud83d\\ud83d\\ude00"') == "\\ud83d"
    assert find_lone_surrogate('"\\\\\\\\ud800"') is None
    assert iterparse(' {"a": [1, 2.5, {"b": null}], "a": true} ') == {"a": True}
    assert loads("1.5") == iterparse("1.5")
    for bad in ("NaN", "[1,]", '{"a" 1}', "01", "1.", "[", "", '"\x01"', "-Infinity", "tru"):
        with pytest.raises(ValueError):
            iterparse(bad)
        with pytest.raises(ValueError):
            loads(bad)
