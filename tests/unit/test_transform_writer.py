"""The transform's Parquet writer and SHA-256 threads: the same bytes and hash as inline, and a
sink's error still ends the transform with that error."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from lake_etl import transform as tmod
from lake_etl.contract import parse_contract

CONTRACT = parse_contract(json.dumps({"dataset": "w", "version": 1, "on_error": "reject_record", "columns": [
    {"name": "id", "type": "bigint", "nullable": False}, {"name": "s", "type": "string"},
    {"name": "d", "type": "double"}]}).encode(), "v1.json")
KEY = "uploads/w/2026/11/27/w.jsonl"


def _raw(n: int) -> bytes:
    return "".join(
        json.dumps({"id": i, "s": f"név {i}" if i % 7 else None, "d": i / 3, "x": i}) + "\n" for i in range(n)
    ).encode() + b'{"id": "bad"}\n'


def _run(raw: bytes, cpus: int, monkeypatch, sink=None):
    monkeypatch.setattr(tmod.os, "cpu_count", lambda: cpus)
    sink = io.BytesIO() if sink is None else sink
    r = tmod.transform(raw, CONTRACT, KEY, sink)
    res = (r.records_in, r.records_written, r.errors, r.fields_ignored, r.wrote_parquet, r.source_sha256)
    return res, sink.getvalue()


@pytest.mark.parametrize("fast", ["0", "1"])
def test_writer_thread_writes_the_same_bytes(fast, monkeypatch):
    monkeypatch.setenv("LAKE_ETL_FASTPATH", fast)
    monkeypatch.setattr(tmod, "ROW_GROUP_ROWS", 500)
    monkeypatch.setattr(tmod, "READ_BLOCK", 4096)
    raw = _raw(3000)
    inline = _run(raw, 1, monkeypatch)
    threaded = _run(raw, 2, monkeypatch)
    assert threaded == inline
    assert inline[0][:2] == (3001, 3000) and len(inline[0][2]) == 1
    assert inline[0][5] == hashlib.sha256(raw).hexdigest()
    import pyarrow.parquet as pq

    assert pq.ParquetFile(io.BytesIO(threaded[1])).num_row_groups == 6


class _FailingSink(io.BytesIO):
    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def write(self, b) -> int:
        if self.tell() + len(b) > self.limit:
            raise OSError(28, "No space left on device")
        return super().write(b)


@pytest.mark.parametrize("cpus", [1, 2])
def test_a_failing_sink_fails_the_transform(cpus, monkeypatch):
    monkeypatch.setattr(tmod, "ROW_GROUP_ROWS", 500)
    monkeypatch.setattr(tmod, "READ_BLOCK", 4096)
    with pytest.raises(OSError, match="No space left"):
        _run(_raw(3000), cpus, monkeypatch, sink=_FailingSink(20_000))
