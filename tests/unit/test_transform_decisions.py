"""One test per decision on the open questions of tests/golden/transform/AMBIGUITIES.md.

docs/data-contract.md ("Decisions") states each rule for users; the test names carry its number.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib

import pyarrow.parquet as pq
import pytest
from lake_etl.contract import parse_contract
from lake_etl.transform import transform


def make_contract(columns, on_error="reject_record"):
    doc = {"dataset": "t", "version": 1, "on_error": on_error, "columns": columns}
    return parse_contract(json.dumps(doc).encode())


def run(data, columns, name="x.jsonl", on_error="reject_record"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    c = make_contract(columns, on_error)
    sink = io.BytesIO()
    r = transform(data, c, f"uploads/t/2026/11/27/{name}", sink)
    rows = pq.read_table(io.BytesIO(sink.getvalue())).to_pylist() if r.wrote_parquet else []
    return r, rows


def kinds(r):
    return [(e["record"], e["field"], e["kind"]) for e in r.errors]


def one(value, type_, **col):
    """Coerce one JSON value (written as raw JSON text) into a one-column contract."""
    r, rows = run('{"v": ' + value + "}\n", [{"name": "v", "type": type_, **col}])
    if r.errors:
        assert len(r.errors) == 1
        return ("error", r.errors[0]["kind"])
    return ("ok", rows[0]["v"])


# 1. integral literals above 2^53 into int/bigint ------------------------------------------------


@pytest.mark.parametrize(
    "lit, type_, expected",
    [
        ("9007199254740994.0", "bigint", ("error", "precision_loss")),
        ("1e18", "bigint", ("error", "precision_loss")),
        ("1e19", "bigint", ("error", "out_of_range")),
        ("-9007199254740992.0", "bigint", ("ok", -(2**53))),
        ("9007199254740992.0", "bigint", ("ok", 2**53)),
        ("2147483648.5", "int", ("error", "out_of_range")),
        ("9223372036854775808.5", "bigint", ("error", "out_of_range")),
        ("9007199254740994", "bigint", ("ok", 2**53 + 2)),  # integer literals are exact
    ],
)
def test_d1_integral_literals_above_2pow53(lit, type_, expected):
    assert one(lit, type_) == expected


# 2. limits of double and float ----------------------------------------------------------------


@pytest.mark.parametrize(
    "lit, type_, expected",
    [
        ("1e-400", "double", ("error", "precision_loss")),
        ("-1e-400", "double", ("error", "precision_loss")),
        ("5e-324", "double", ("ok", 5e-324)),  # subnormal: taken as parsed
        ("0.0", "double", ("ok", 0.0)),
        ("1e-50", "float", ("error", "precision_loss")),
        ("0e10", "float", ("ok", 0.0)),
        ("1e-45", "float", ("ok", 1.401298464324817e-45)),  # nearest float32 is the smallest subnormal
        ("3.4028235e38", "float", ("ok", 3.4028234663852886e38)),
        ("3.4028236e38", "float", ("error", "out_of_range")),
        ("-3.4028236e38", "float", ("error", "out_of_range")),
        ("1" + "0" * 400, "double", ("error", "out_of_range")),
        ("1" + "0" * 400, "float", ("error", "out_of_range")),
        # rounded from the literal's exact value: the nearest double of these is the float32 midpoint
        # 1 + 2^-24, where rounding the double would tie to even (1.0)
        ("1.0000000596046447753906250000001", "float", ("ok", 1.0000001192092896)),
        ("1.0000000596046447753906249999999", "float", ("ok", 1.0)),
        ("1.000000059604644775390625", "float", ("ok", 1.0)),  # the exact midpoint: ties to even
        ("340282356779733661637539395458142568448", "float", ("error", "out_of_range")),  # FLT_MAX + half ulp
        ("340282356779733661637539395458142568447", "float", ("ok", 3.4028234663852886e38)),
    ],
)
def test_d2_double_and_float_limits(lit, type_, expected):
    assert one(lit, type_) == expected


# 3. decimal corner cases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "lit, expected",
    [
        ("1234.567", ("error", "out_of_range")),  # both: out_of_range wins
        ("1e2", ("ok", "100.00")),
        ("1.5E-1", ("ok", "0.15")),
        ("1.234e1", ("ok", "12.34")),
        ("1.2345e1", ("error", "precision_loss")),
        ("1e3", ("error", "out_of_range")),
        ('"0012.5"', ("ok", "12.50")),  # leading zeros are not integer digits
        ('"000999.99"', ("ok", "999.99")),
        ('"-000"', ("ok", "0.00")),
    ],
)
def test_d3_decimal_corners(lit, expected):
    got = one(lit, "decimal(5,2)")
    if got[0] == "ok":
        got = ("ok", format(got[1], "f"))
    assert got == expected


# 4. arrays with several bad elements: the first bad element (in array order) gives the kind --------


def test_d4_first_bad_element_gives_the_kind():
    r, _ = run(
        '{"a": [2147483648, 2.5]}\n{"a": [2.5, 2147483648]}\n{"a": ["x", 1e400]}\n',
        [{"name": "a", "type": "array<int>"}],
    )
    assert kinds(r) == [(0, "a", "out_of_range"), (1, "a", "precision_loss"), (2, "a", "type_mismatch")]
    assert "element [0]" in r.errors[0]["message"]


# 5. timestamp and date limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    "lit, type_, expected",
    [
        ('"2026-11-27T08:00:00-00:00"', "timestamp", ("ok", "2026-11-27T08:00:00")),
        ('"0000-01-01"', "date", ("error", "bad_timestamp")),
        ('"0000-01-01T00:00:00Z"', "timestamp", ("error", "bad_timestamp")),
        ('"0001-01-01T00:30:00+01:00"', "timestamp", ("error", "bad_timestamp")),
        ('"0001-01-01T00:30:00-01:00"', "timestamp", ("ok", "0001-01-01T01:30:00")),
        ('"9999-12-31T23:30:00-01:00"', "timestamp", ("error", "bad_timestamp")),
        ('"9999-12-31T23:59:59.999Z"', "timestamp", ("ok", "9999-12-31T23:59:59.999000")),
        ('"0001-01-01"', "date", ("ok", "0001-01-01")),
    ],
)
def test_d5_timestamp_and_date_limits(lit, type_, expected):
    got = one(lit, type_)
    if got[0] == "ok":
        got = ("ok", got[1].isoformat().replace("+00:00", ""))
    assert got == expected


# 6. the too_deep boundary ----------------------------------------------------------------------


def nest(levels, leaf='"x"'):
    return "[" * levels + leaf + "]" * levels


@pytest.mark.parametrize("levels, kind", [(63, "type_mismatch"), (64, "type_mismatch"), (65, "too_deep"),
                                          (66, "too_deep")])
def test_d6_depth_counts_the_value_read(levels, kind):
    # a value of N nested arrays has depth N (a scalar is 0); deeper than 64 is too_deep
    assert one(nest(levels), "string") == ("error", kind)
    obj = '{"a": ' * levels + "1" + "}" * levels
    assert one(obj, "bigint") == ("error", kind)


@pytest.mark.parametrize("levels, kind", [(64, "type_mismatch"), (65, "too_deep")])
def test_d6_array_column_depth_includes_the_array_itself(levels, kind):
    assert one(nest(levels), "array<string>") == ("error", kind)


def test_d6_record_and_path_levels_do_not_count():
    # 64 levels under a 3-segment source path: the value read has depth 64 -> only a type mismatch
    deep = nest(64)
    r, _ = run('{"a": {"b": {"c": ' + deep + "}}}\n", [{"name": "c", "type": "string", "source": "a.b.c"}])
    assert kinds(r) == [(0, "c", "type_mismatch")]


def test_d6_deep_non_object_record_is_not_an_object():
    r, _ = run("[" + nest(100, "1") + ', {"id": 1}]', [{"name": "id", "type": "int"}], name="x.json")
    assert kinds(r) == [(0, None, "not_an_object")]
    assert r.records_written == 1
    r, _ = run('{"id": 1}\n' + nest(5000, "1") + "\n", [{"name": "id", "type": "int"}])
    assert kinds(r) == [(1, None, "not_an_object")]


# 7. path segments that look like indexes are object keys ---------------------------------------


def test_d7_numeric_segment_is_an_object_key():
    cols = [{"name": "n", "type": "string", "source": "items.0.name"}]
    r, rows = run('{"items": {"0": {"name": "a"}}}\n{"items": [{"name": "b"}]}\n', cols)
    assert rows == [{"n": "a"}]
    assert kinds(r) == [(1, "n", "type_mismatch")]
    assert "do not index into arrays" in r.errors[0]["message"]


# 8. a BOM anywhere but the start of the content ------------------------------------------------


def test_d8_bom_at_start_of_gzip_payload_is_ignored():
    data = gzip.compress('\ufeff{"id": 1}\n'.encode(), mtime=0)
    r, rows = run(data, [{"name": "id", "type": "int"}], name="x.jsonl.gz")
    assert rows == [{"id": 1}] and r.errors == []


def test_d8_bom_at_start_of_a_later_line_is_malformed():
    r, rows = run('{"id": 1}\n\ufeff{"id": 2}\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(1, None, "malformed_json")] and rows == [{"id": 1}]


def test_d8_bom_between_tokens_is_malformed():
    r, _ = run('{"id":\ufeff 1}\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(None, None, "malformed_json")]  # the only line: file-level
    r, _ = run('{"id": 1}\n{"id":\ufeff 2}\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(1, None, "malformed_json")]


def test_d8_second_bom_after_the_first_is_malformed():
    r, _ = run(b"\xef\xbb\xbf\xef\xbb\xbf{}", [{"name": "id", "type": "int"}], name="x.json")
    assert kinds(r) == [(None, None, "malformed_json")]


# 9. gzip edge cases ----------------------------------------------------------------------------


GZ = gzip.compress(b'{"id": 1}\n', mtime=0)


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"", "bad_compression"),  # 0-byte .gz: not a gzip stream
        (GZ + b"\0" * 7, None),  # zero padding after the last member is accepted (as gzip(1))
        (GZ + b"\0\0junk", "bad_compression"),
        (GZ + b"junk", "bad_compression"),
        (GZ[:-8] + b"\0\0\0\0" + GZ[-4:], "bad_compression"),  # wrong CRC32
        (GZ[:-4] + b"\x07\0\0\0", "bad_compression"),  # wrong ISIZE
        (GZ + GZ, None),  # multi-member
    ],
)
def test_d9_gzip_edges(data, kind):
    r, rows = run(data, [{"name": "id", "type": "int"}], name="x.jsonl.gz")
    if kind is None:
        assert r.errors == [] and rows and all(row == {"id": 1} for row in rows)
    else:
        assert kinds(r) == [(None, None, kind)] and r.records_in is None


# 10. whitespace and line breaks ----------------------------------------------------------------


@pytest.mark.parametrize("ws", ["\f", "\v", "\u00a0", "\u2028", "\u0085"])
def test_d10_only_json_whitespace_makes_a_line_blank(ws):
    r, rows = run('{"id": 1}\n' + ws + '\n{"id": 2}\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(1, None, "malformed_json")] and r.records_in == 3
    assert rows == [{"id": 1}, {"id": 2}]


def test_d10_lone_cr_is_not_a_line_break():
    r, rows = run('{"id": 1}\n{"id": 2}\r{"id": 3}\n', [{"name": "id", "type": "int"}])
    assert r.records_in == 2 and kinds(r) == [(1, None, "malformed_json")]
    r, _ = run('{"id": 1}\r{"id": 2}\r', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(None, None, "malformed_json")]


def test_d10_unicode_separators_inside_strings_are_content():
    r, rows = run('{"s": "a\u2028b\u0085c"}\n', [{"name": "s", "type": "string"}])
    assert rows == [{"s": "a\u2028b\u0085c"}] and r.errors == []


# 11. fields_ignored: distinct top-level keys no column reads, over every object record ------------


def test_d11_fields_ignored():
    data = (
        '{"id": 1, "x": 1, "address": {"city": "P", "zip": "1"}}\n'
        '{"id": 2, "x": 2, "y": 3}\n'
        '{"id": "bad", "z": 1}\n'  # a failing record still counts
        "[1]\n"
        "{broken\n"
    )
    cols = [{"name": "id", "type": "int"}, {"name": "city", "type": "string", "source": "address.city"}]
    r, _ = run(data, cols)
    assert r.fields_ignored == 3  # x, y, z (not address.zip: only top-level keys)


def test_d11_fields_ignored_zero_on_file_level_error():
    r, _ = run(b'{"id": 1, "x": 2}\n\xff\n', [{"name": "id", "type": "int"}])
    assert r.fields_ignored == 0 and kinds(r) == [(None, None, "encoding")]


# 13. "starts with [" and precedence of file-level kinds --------------------------------------------


def test_d13_whitespace_before_bracket_does_not_matter():
    r, _ = run(' [1]\n{"id": 2}\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(None, None, "malformed_json")] and r.records_in is None
    r, _ = run('\n\n\t[1]\n{"id": 2}\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(None, None, "malformed_json")]
    r, rows = run(' \n [{"id": 1}] \n', [{"name": "id", "type": "int"}])
    assert rows == [{"id": 1}]


def test_d13_encoding_beats_malformed_json():
    # file-level malformed (truncated array) holding a lone surrogate escape
    r, _ = run('[{"id": 1, "s": "\\ud800"}', [{"name": "id", "type": "int"}], name="x.json")
    assert kinds(r) == [(None, None, "encoding")]
    # a malformed line holding one
    r, _ = run('{"id": 1}\n{"id": "\\udc00\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(None, None, "encoding")]


def test_d13_bad_compression_beats_encoding():
    payload = b'{"id": 1}\n\xff\xfe\n' + b'{"id": 2}\n' * 1000
    data = gzip.compress(payload, mtime=0)[:-30]  # truncated, and invalid UTF-8 early on
    r, _ = run(data, [{"name": "id", "type": "int"}], name="x.jsonl.gz")
    assert kinds(r) == [(None, None, "bad_compression")]


def test_escaped_backslash_before_u_is_not_a_surrogate_escape():
    r, rows = run('{"s": "\\\\ud800"}\n', [{"name": "s", "type": "string"}])
    assert r.errors == [] and rows == [{"s": "\\ud800"}]
    r, rows = run('{"s": "\\ud83d\\ude00 \\\\\\ud800"}\n', [{"name": "s", "type": "string"}])
    assert kinds(r) == [(None, None, "encoding")]


def test_surrogate_pair_in_key_and_lone_in_key():
    r, _ = run('{"id": 1, "\\ud83d\\ude00": 1}\n', [{"name": "id", "type": "int"}])
    assert r.errors == [] and r.fields_ignored == 1
    r, _ = run('{"id": 1, "\\ud83d": 1}\n', [{"name": "id", "type": "int"}])
    assert kinds(r) == [(None, None, "encoding")]


# readings the golden cases rely on (confirmed) -----------------------------------------------------


def test_reading_zero_padding_is_not_deflate_garbage():
    # a raw deflate stream (no gzip header) under .gz is not gzip
    r, _ = run(zlib.compress(b'{"id": 1}'), [{"name": "id", "type": "int"}], name="x.json.gz")
    assert kinds(r) == [(None, None, "bad_compression")]
