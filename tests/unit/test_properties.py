"""Property tests of the transform: never crash, every record accounted for, same bytes twice."""

from __future__ import annotations

import gzip
import io
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lake_etl._jsonscan import JSONDecodeError, find_lone_surrogate, iterparse, loads
from lake_etl.contract import parse_contract
from lake_etl.transform import transform

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COLUMNS = [
    {"name": "id", "type": "int", "nullable": False},
    {"name": "s", "type": "string"},
    {"name": "d", "type": "double"},
    {"name": "f", "type": "float"},
    {"name": "dec", "type": "decimal(5,2)"},
    {"name": "b", "type": "boolean"},
    {"name": "day", "type": "date"},
    {"name": "ts", "type": "timestamp"},
    {"name": "arr", "type": "array<bigint>"},
    {"name": "nested", "type": "bigint", "source": "o.x"},
]


def contract(on_error):
    doc = {"dataset": "p", "version": 1, "on_error": on_error, "columns": COLUMNS}
    return parse_contract(json.dumps(doc).encode())


CONTRACTS = {m: contract(m) for m in ("reject_record", "reject_file")}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["2026-11-27", "2026-02-30", "2026-11-27T08:00:00Z", "2026-11-27T08:00:00.1234+01:00",
                       "12.5", "-0", "1e2"])
)
json_values = st.recursive(
    scalars,
    lambda ch: st.lists(ch, max_size=4) | st.dictionaries(st.text(max_size=4), ch, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from([c["name"] for c in COLUMNS] + ["o", "other", "x"])
records = st.dictionaries(keys, json_values | st.fixed_dictionaries({"x": json_values}), max_size=8)
record_or_value = records | json_values


def run(data: bytes, on_error: str, name="f.jsonl"):
    sink = io.BytesIO()
    r = transform(data, CONTRACTS[on_error], f"uploads/p/2026/11/27/{name}", sink)
    return r, sink.getvalue()


def check_accounting(r, data_bytes, on_error):
    if r.records_in is None:  # a file-level error: the only error
        assert len(r.errors) == 1 and r.errors[0]["record"] is None and r.errors[0]["field"] is None
        assert r.records_written == 0 and not r.wrote_parquet
        return
    bad = {e["record"] for e in r.errors}
    assert all(isinstance(i, int) and 0 <= i < r.records_in for i in bad)
    if on_error == "reject_record":
        assert r.records_in == r.records_written + len(bad)
    else:
        assert r.records_written == (0 if bad else r.records_in)
    assert r.wrote_parquet == (r.records_written > 0)
    # errors ordered by record, then contract column (record-level errors alone in their record)
    order = {c["name"]: i for i, c in enumerate(COLUMNS)}
    keyed = [(e["record"], -1 if e["field"] is None else order[e["field"]]) for e in r.errors]
    assert keyed == sorted(keyed) and len(set(keyed)) == len(keyed)


@pytest.mark.parametrize("on_error", ["reject_record", "reject_file"])
@SETTINGS
@given(value=st.lists(record_or_value, max_size=6) | record_or_value)
def test_one_json_value(on_error, value):
    data = json.dumps(value).encode()
    r, b1 = run(data, on_error, "f.json")
    check_accounting(r, data, on_error)
    assert r.records_in == (len(value) if isinstance(value, list) else 1)
    r2, b2 = run(data, on_error, "f.json")
    assert b1 == b2 and r2 == r


@pytest.mark.parametrize("on_error", ["reject_record", "reject_file"])
@SETTINGS
@given(lines=st.lists(record_or_value | st.sampled_from(["{", "", "  ", "NaN", '{"id": 1} {}']), max_size=8),
       crlf=st.booleans())
def test_json_lines(on_error, lines, crlf):
    text = "\n".join(x if isinstance(x, str) and x in ("{", "", "  ", "NaN", '{"id": 1} {}')
                     else json.dumps(x) for x in lines)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode()
    r, b1 = run(data, on_error)
    check_accounting(r, data, on_error)
    r2, b2 = run(data, on_error)
    assert b1 == b2 and r2 == r
    # the same content gzipped reads the same
    rg, bg = run(gzip.compress(data, mtime=0), on_error, "f.jsonl.gz")
    assert (rg.records_in, rg.records_written, rg.errors) == (r.records_in, r.records_written, r.errors)


@SETTINGS
@given(data=st.binary(max_size=200))
def test_any_bytes(data):
    for name in ("f.jsonl", "f.jsonl.gz"):
        r, _ = run(data, "reject_record", name)
        check_accounting(r, data, "reject_record")


@SETTINGS
@given(value=json_values, indent=st.sampled_from([None, 1]))
def test_iterative_parser_agrees_with_json(value, indent):
    text = json.dumps(value, indent=indent)
    assert iterparse(text) == json.loads(text, parse_float=Decimal) == loads(text)


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list('{}[]",:0123456789.eE-+ \t\n\rtruefalsnul\\xa')),
               max_size=30))
def test_iterative_parser_accepts_exactly_what_json_accepts(text):
    try:
        expected = ("ok", json.loads(text, parse_float=Decimal, parse_constant=lambda c: 1 / 0))
    except (ValueError, ZeroDivisionError):
        expected = ("error",)
    try:
        got = ("ok", iterparse(text))
    except JSONDecodeError:
        got = ("error",)
    assert got == expected


valid_records = st.fixed_dictionaries(
    {
        "id": st.integers(min_value=-(2**31), max_value=2**31 - 1),
        "s": st.text(max_size=10) | st.none(),
        "b": st.booleans(),
        "arr": st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.none(), max_size=3),
        "ts": st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(
            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
        ),
        "o": st.fixed_dictionaries({"x": st.integers(min_value=-(2**63), max_value=2**63 - 1)}),
    }
)


@SETTINGS
@given(recs=st.lists(valid_records, min_size=1, max_size=5))
def test_valid_records_round_trip(recs):
    import pyarrow.parquet as pq

    lines = []
    for rec in recs:
        t = rec["ts"]
        ts = f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t:%H:%M:%S}.{t.microsecond // 1000:03d}Z"
        doc = dict(rec, ts=ts)
        lines.append(json.dumps(doc))
    data = "\n".join(lines).encode()
    r, b = run(data, "reject_file")
    assert r.errors == [] and r.records_written == len(recs)
    rows = pq.read_table(io.BytesIO(b)).to_pylist()
    for rec, row in zip(recs, rows, strict=True):
        assert (row["id"], row["s"], row["b"], row["arr"], row["nested"]) == (
            rec["id"], rec["s"], rec["b"], rec["arr"], rec["o"]["x"])
        assert row["ts"] == rec["ts"]


@SETTINGS
@given(
    value=st.lists(record_or_value, max_size=6) | records,
    cut=st.integers(min_value=0, max_value=400) | st.none(),
    junk=st.sampled_from(["", "x", ",", "]", "\\ud800", '"', "1.", " 1e"]),
    block=st.integers(min_value=1, max_value=40),
    indent=st.sampled_from([None, 2]),
)
def test_results_do_not_depend_on_block_size(value, cut, junk, block, indent):
    from lake_etl import transform as tmod

    text = json.dumps(value, indent=indent)
    if cut is not None:
        text = text[: min(cut, len(text))] + junk + text[min(cut, len(text)):]
    data = text.encode()
    whole, b1 = run(data, "reject_record", "f.json")
    saved = tmod.READ_BLOCK
    tmod.READ_BLOCK = block
    try:
        small, b2 = run(data, "reject_record", "f.json")
    finally:
        tmod.READ_BLOCK = saved
    def summary(r):
        return r.records_in, r.records_written, [(e["record"], e["field"], e["kind"]) for e in r.errors]

    assert summary(small) == summary(whole)
    assert b1 == b2
    # and agrees with parsing the whole text at once
    try:
        parsed = json.loads(text, parse_constant=lambda c: 1 / 0)
        ok = text.lstrip(" \t\r\n").startswith("[")
    except (ValueError, ZeroDivisionError):
        parsed, ok = None, False
    if ok and find_lone_surrogate(text) is None:
        assert whole.records_in == len(parsed)
    elif text.lstrip(" \t\r\n").startswith("["):
        assert whole.records_in is None and whole.errors[0]["kind"] in ("malformed_json", "encoding")
