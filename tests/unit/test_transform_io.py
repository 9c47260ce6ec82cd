"""transform: determinism, provenance, writer settings, reports, chunk boundaries, bounded memory."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tracemalloc

import lake_etl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake_etl import transform as tmod
from lake_etl.contract import parse_contract
from lake_etl.keys import Unroutable
from lake_etl.transform import FileResult, quarantine_report, transform, unrouted_report

KEY = "uploads/events/2026/11/27/e.jsonl"
CONTRACT = {
    "dataset": "events",
    "version": 1,
    "description": "d",
    "on_error": "reject_record",
    "columns": [
        {"name": "id", "type": "bigint", "nullable": False},
        {"name": "ts", "type": "timestamp"},
        {"name": "tsu", "type": "timestamp", "unit": "us"},
        {"name": "amount", "type": "decimal(10,2)"},
        {"name": "score", "type": "double", "source": "stats.score"},
        {"name": "tags", "type": "array<string>"},
    ],
}


def contract(**kw):
    doc = dict(CONTRACT, **kw)
    return parse_contract(json.dumps(doc).encode(), "contracts/datasets/events/v1.json")


def rec(i: int, bad: bool = False) -> str:
    d = {
        "id": "x" if bad else i,
        "ts": "2026-11-27T08:00:00.123Z",
        "tsu": "2026-11-27T08:00:00.123456+01:00",
        "amount": f"{i}.25",
        "stats": {"score": i / 7},
        "tags": ["a", None, str(i)],
        "extra": i,
    }
    return json.dumps(d)


def ndjson(n: int, bad=()) -> bytes:
    return "".join(rec(i, i in bad) + "\n" for i in range(n)).encode()


def run(data, c=None, key=KEY, **kw):
    sink = io.BytesIO()
    r = transform(data, c or contract(), key, sink, **kw)
    return r, sink.getvalue()


def test_same_input_same_bytes():
    data = ndjson(500, bad={3, 400})
    r1, b1 = run(data)
    r2, b2 = run(io.BytesIO(data))
    assert b1 == b2 and r1 == r2 and r1.wrote_parquet
    assert r1.records_written == 498


def test_bytes_do_not_depend_on_chunking(monkeypatch):
    data = ndjson(300, bad={0, 17, 150, 299})
    r1, b1 = run(data)
    monkeypatch.setattr(tmod, "CHUNK_RECORDS", 7)
    monkeypatch.setattr(tmod, "READ_BLOCK", 13)
    r2, b2 = run(data)
    assert b1 == b2
    assert r1 == r2
    assert [e["record"] for e in r2.errors] == [0, 17, 150, 299]


def test_gzip_small_blocks(monkeypatch):
    data = gzip.compress(ndjson(200, bad={50, 199}), mtime=0)
    r1, b1 = run(data, key=KEY + ".gz")
    monkeypatch.setattr(tmod, "READ_BLOCK", 11)
    monkeypatch.setattr(tmod, "GUNZIP_BLOCK", 5)
    monkeypatch.setattr(tmod, "CHUNK_RECORDS", 3)
    r2, b2 = run(data, key=KEY + ".gz")
    assert b1 == b2 and r1 == r2 and [e["record"] for e in r2.errors] == [50, 199]


def test_errors_across_chunks_have_file_record_indices(monkeypatch):
    monkeypatch.setattr(tmod, "CHUNK_RECORDS", 10)
    lines = []
    for i in range(35):
        lines.append(rec(i, bad=i in (9, 10, 21)))
        if i % 4 == 0:
            lines.append("   ")  # blank lines do not count
    lines[30] = "[1]"
    r, _ = run(("\n".join(lines) + "\n").encode())
    non_blank = [ln for ln in lines if ln.strip()]
    assert r.records_in == len(non_blank) == 35
    expected = sorted({non_blank.index(rec(i, True)) for i in (9, 10, 21)} | {non_blank.index("[1]")})
    assert [e["record"] for e in r.errors] == expected


def test_more_than_one_row_group_and_writer_settings():
    c = parse_contract(json.dumps({"dataset": "n", "version": 1, "columns": [
        {"name": "id", "type": "bigint"}, {"name": "ts", "type": "timestamp", "unit": "us"}]}).encode())
    n = tmod.ROW_GROUP_ROWS + 5
    data = "".join(f'{{"id": {i}, "ts": "2026-11-27T08:00:00Z"}}\n' for i in range(n)).encode()
    r, b = run(data, c, key="uploads/n/2026/11/27/n.jsonl")
    assert r.records_written == n
    md = pq.read_metadata(io.BytesIO(b))
    assert md.format_version == "2.6"
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == [tmod.ROW_GROUP_ROWS, 5]
    col = md.row_group(0).column(0)
    assert col.compression == "SNAPPY"
    assert col.is_stats_set and col.statistics.min == 0 and col.statistics.max == tmod.ROW_GROUP_ROWS - 1
    schema = pq.read_schema(io.BytesIO(b))
    assert schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert "timeUnit=microseconds" in str(md.schema.column(1).logical_type)


def test_schema_is_the_contract_schema():
    c = contract()
    _, b = run(ndjson(3), c)
    t = pq.read_table(io.BytesIO(b))
    assert t.schema.remove_metadata() == c.arrow_schema()
    assert t.schema.field("ts").type == pa.timestamp("ms", tz="UTC")
    assert t.column("ts").to_pylist()[0].isoformat() == "2026-11-27T08:00:00.123000+00:00"
    assert t.column("tsu").to_pylist()[0].isoformat() == "2026-11-27T07:00:00.123456+00:00"


def test_provenance_metadata():
    data = ndjson(3)
    c = contract()
    r, b = run(data, c)
    kv = pq.read_metadata(io.BytesIO(b)).metadata
    assert kv[b"lakectl.source_key"] == KEY.encode()
    assert kv[b"lakectl.source_sha256"] == hashlib.sha256(data).hexdigest().encode()
    assert kv[b"lakectl.contract_sha256"] == c.sha256.encode()
    assert kv[b"lakectl.lake_etl_version"] == lake_etl.__version__.encode()
    assert r.source_sha256 == hashlib.sha256(data).hexdigest()


def test_source_sha_is_of_the_stored_bytes():
    data = gzip.compress(ndjson(3), mtime=0)
    r, b = run(io.BytesIO(data), key=KEY + ".gz")
    assert r.source_sha256 == hashlib.sha256(data).hexdigest()
    assert pq.read_metadata(io.BytesIO(b)).metadata[b"lakectl.source_sha256"] == r.source_sha256.encode()
    # file-level errors still hash every byte
    r, _ = run(io.BytesIO(b"\xff" * 5_000_000))
    assert r.source_sha256 == hashlib.sha256(b"\xff" * 5_000_000).hexdigest()


def test_gzip_flag_overrides_the_name():
    data = gzip.compress(ndjson(2), mtime=0)
    r, _ = run(data, key=KEY, gzip=True)
    assert r.records_written == 2
    r, _ = run(ndjson(2), key=KEY + ".gz", gzip=False)
    assert r.records_written == 2


def test_reject_file_writes_nothing_and_lists_every_error():
    data = ndjson(40, bad={1, 39})
    r, _ = run(data, contract(on_error="reject_file"))
    assert (r.records_in, r.records_written, r.wrote_parquet) == (40, 0, False)
    assert [(e["record"], e["field"], e["kind"]) for e in r.errors] == [(1, "id", "type_mismatch"),
                                                                         (39, "id", "type_mismatch")]


def test_reject_file_error_after_a_written_row_group(monkeypatch):
    monkeypatch.setattr(tmod, "ROW_GROUP_ROWS", 10)
    data = ndjson(50, bad={45})
    r, _ = run(data, contract(on_error="reject_file"))
    assert r.wrote_parquet is False and r.records_written == 0
    assert [e["record"] for e in r.errors] == [45]


def test_error_message_says_what_where_and_how():
    data = b'{"id": 1, "stats": {"score": "12"}}\n'
    r, _ = run(data)
    msg = r.errors[0]["message"]
    assert msg.startswith("column 'score' (source 'stats.score'): expected a number, got string \"12\";")
    assert "contract" in msg


def test_quarantine_report_bytes():
    c = contract()
    r = FileResult(
        records_in=2,
        records_written=1,
        errors=[{"record": 1, "field": "id", "kind": "type_mismatch", "message": "column 'id': é"}],
        fields_ignored=1,
        source_sha256="ab" * 32,
        wrote_parquet=True,
    )
    got = quarantine_report(r, source_key=KEY, contract=c)
    expected = (
        "{\n"
        '  "contract_sha256": "' + c.sha256 + '",\n'
        '  "dataset": "events",\n'
        '  "errors": [\n'
        "    {\n"
        '      "field": "id",\n'
        '      "kind": "type_mismatch",\n'
        "      \"message\": \"column 'id': é\",\n"
        '      "record": 1\n'
        "    }\n"
        "  ],\n"
        f'  "lake_etl_version": "{lake_etl.__version__}",\n'
        '  "records_in": 2,\n'
        '  "records_written": 1,\n'
        f'  "source": "{KEY}",\n'
        '  "source_sha256": "' + "ab" * 32 + '",\n'
        '  "version": 1\n'
        "}\n"
    ).encode("utf-8")
    assert got == expected


def test_quarantine_report_file_level_and_deterministic():
    r, _ = run(b"\xff")
    a = quarantine_report(r, source_key=KEY, contract=contract())
    b = quarantine_report(run(b"\xff")[0], source_key=KEY, contract=contract())
    assert a == b
    doc = json.loads(a)
    assert doc["records_in"] is None and doc["records_written"] == 0
    msg = r.errors[0]["message"]
    assert doc["errors"] == [{"record": None, "field": None, "kind": "encoding", "message": msg}]


def test_unrouted_report():
    u = Unroutable(key="uploads/x/2026/13/01/a.json", kind="unroutable_key", message="bad date")
    doc = json.loads(unrouted_report(u, "cd" * 32))
    assert doc == {
        "source": u.key,
        "source_sha256": "cd" * 32,
        "dataset": None,
        "version": None,
        "contract_sha256": None,
        "lake_etl_version": lake_etl.__version__,
        "records_in": None,
        "records_written": 0,
        "errors": [{"record": None, "field": None, "kind": "unroutable_key", "message": "bad date"}],
    }


class LazySource(io.RawIOBase):
    """A source produced on the fly (head, n x line, tail), so the test itself holds no big buffer."""

    def __init__(self, n: int, line: bytes, head: bytes = b"", tail: bytes = b""):
        self.n, self.line, self.i, self.buf, self.tail = n, line, 0, head, tail
        self.max_read = 0

    def readable(self):
        return True

    def read(self, size=-1):
        self.max_read = max(self.max_read, size)
        while len(self.buf) < size and (self.i < self.n or self.tail):
            if self.i < self.n:
                k = min(2000, self.n - self.i)
                self.buf += self.line * k
                self.i += k
            else:
                self.buf += self.tail
                self.tail = b""
        out, self.buf = self.buf[:size], self.buf[size:]
        return out


@pytest.mark.parametrize(
    "on_error, layout",
    [("reject_record", "ndjson"), ("reject_file", "ndjson"), ("reject_record", "array")],
)
def test_memory_is_flat_in_file_size(on_error, layout, monkeypatch):
    monkeypatch.setattr(tmod, "CHUNK_RECORDS", 500)
    monkeypatch.setattr(tmod, "ROW_GROUP_ROWS", 2000)
    monkeypatch.setattr(tmod, "READ_BLOCK", 1 << 14)
    c = parse_contract(json.dumps({"dataset": "m", "version": 1, "on_error": on_error, "columns": [
        {"name": "id", "type": "bigint"}, {"name": "s", "type": "string"}]}).encode())
    rec = b'{"id": 1, "s": "abcdefghij", "junk": [1, 2, 3], "pad": "' + b"x" * 300 + b'"}'

    def peak(n):
        if layout == "ndjson":
            src = LazySource(n, rec + b"\n")
        else:
            src = LazySource(n - 1, rec + b",\n", head=b"[\n", tail=rec + b"\n]\n")
        tracemalloc.start()
        try:
            r = transform(src, c, "uploads/m/2026/11/27/m.json", io.BytesIO())
            return tracemalloc.get_traced_memory()[1], r, src
        finally:
            tracemalloc.stop()

    peak(100)  # warm up: first imports and caches are not the file's memory
    small, r1, _ = peak(6_000)
    big, r2, src = peak(24_000)
    assert r2.records_in == 24_000 and r2.records_written == 24_000 and src.max_read <= tmod.READ_BLOCK
    assert big < small * 1.3 + 500_000, (small, big)


def test_non_nullable_columns_are_required_parquet_fields():
    _, b = run(ndjson(2))
    schema = pq.read_metadata(io.BytesIO(b)).schema
    assert schema.column(0).max_definition_level == 0  # id: required
    assert schema.column(1).max_definition_level == 1  # ts: optional


def test_broken_first_line_of_a_big_file_is_not_loaded_whole(monkeypatch):
    monkeypatch.setattr(tmod, "READ_BLOCK", 1 << 14)
    doc = {"dataset": "m", "version": 1, "columns": [{"name": "id", "type": "int"}]}
    c = parse_contract(json.dumps(doc).encode())
    line = b'{"id": 1, "pad": "' + b"x" * 200 + b'"}\n'
    for head in (b'{"id": tru\n', b'{\n"id": 1,\n"x": [1, 2}\n', b'{"id": "unterminated\n'):
        src = LazySource(40_000, line, head=head)  # ~9 MB
        tracemalloc.start()
        try:
            r = transform(src, c, "uploads/m/2026/11/27/m.json", io.BytesIO())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert [(e["record"], e["kind"]) for e in r.errors] == [(None, "malformed_json")]
        assert src.i == 40_000  # read to the end all the same (the hash covers every byte)
        assert peak < 3_000_000, peak


def test_malformed_line_message_names_the_physical_line(monkeypatch):
    monkeypatch.setattr(tmod, "READ_BLOCK", 16)
    data = b'{"id": 1}\n\n   \n{"id": 2}\n{"id": \n'
    r, _ = run(data)
    assert r.errors[0]["record"] == 2
    assert r.errors[0]["message"].startswith("line 5 is not one JSON value (Expecting value at column 8)")
