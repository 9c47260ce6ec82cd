"""Acceptance: `lakectl replay` on held-out inputs (not the golden cases), checked with pyarrow directly.

A contract with every type (timestamps in ms and us, decimals, arrays of several element types,
nested sources, non-nullable columns), an inactive version and two active ones under both
``on_error`` modes, and raw files in every shape. Checks: the Parquet schema equals the contract
exactly, values, provenance, every record accounted for, the report format, a second run
byte-identical and ``skipped``, and that a non-regular file in a local raw tree fails instead of
hanging the run.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

LAKECTL = Path(sys.prefix) / "bin" / "lakectl"
DAY = "uploads/probe/2026/03/14/"

COLUMNS = [
    {"name": "id", "type": "bigint", "nullable": False},
    {"name": "small", "type": "int"},
    {"name": "ratio", "type": "float"},
    {"name": "value", "type": "double"},
    {"name": "amount", "type": "DECIMAL(12, 3)"},
    {"name": "ok", "type": "boolean"},
    {"name": "name", "type": "string", "source": "meta.name"},
    {"name": "day", "type": "date"},
    {"name": "at_ms", "type": "timestamp", "nullable": False, "source": "t.at"},
    {"name": "at_us", "type": "timestamp", "unit": "us", "source": "t.precise"},
    {"name": "tags", "type": "array<string>"},
    {"name": "prices", "type": "array<decimal(6,2)>"},
    {"name": "stamps", "type": "array<timestamp>", "unit": "us"},
    {"name": "days", "type": "array<date>"},
]
SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False), pa.field("small", pa.int32()),
    pa.field("ratio", pa.float32()),
    pa.field("value", pa.float64()), pa.field("amount", pa.decimal128(12, 3)), pa.field("ok", pa.bool_()),
    pa.field("name", pa.string()), pa.field("day", pa.date32()),
    pa.field("at_ms", pa.timestamp("ms", "UTC"), nullable=False),
    pa.field("at_us", pa.timestamp("us", "UTC")),
    pa.field("tags", pa.list_(pa.string())), pa.field("prices", pa.list_(pa.decimal128(6, 2))),
    pa.field("stamps", pa.list_(pa.timestamp("us", "UTC"))), pa.field("days", pa.list_(pa.date32())),
])


def rec(i: int, **over) -> dict:
    r = {"id": i, "small": -5, "ratio": 0.5, "value": 2.5, "amount": "123456789.125", "ok": True,
         "meta": {"name": f"n{i} 😀"}, "day": "2024-02-29",
         "t": {"at": "2026-03-14T10:00:01.123+02:00", "precise": "2026-03-14T23:59:59.123456Z"},
         "tags": ["a", None], "prices": [1.5, "2.25"], "stamps": ["2026-01-01T00:00:00.000001Z"],
         "days": ["2026-03-14"], "extra": 1}
    r.update(over)
    return r


def nd(*recs: dict, eol: str = "\n") -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + eol for r in recs).encode()


RAW = {
    DAY + "obj.json": b"\xef\xbb\xbf" + json.dumps(rec(1)).encode(),
    DAY + "arr.json": json.dumps([rec(2), rec(3)], indent=2).encode(),
    DAY + "crlf.ndjson": nd(rec(4), rec(5), eol="\r\n") + b"  \r\n",
    DAY + "UP.JSONL.GZ": gzip.compress(nd(rec(6)), mtime=0),
    DAY + "mixed.ndjson": nd(rec(7), rec(8, small="3"), rec(9)) + b"[1]\n",
    DAY + "blank.jsonl": b"\n \t\r\n",
    DAY + "trunc.json": json.dumps([rec(10), rec(11)]).encode()[:-30],
}


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "project" / "contracts" / "datasets" / "probe"
    d.mkdir(parents=True)
    docs = [
        {"dataset": "probe", "version": 1, "active": False, "columns": [{"name": "id", "type": "bigint"}]},
        {"dataset": "probe", "version": 2, "on_error": "reject_file", "columns": COLUMNS},
        {"dataset": "probe", "version": 3, "on_error": "reject_record", "columns": COLUMNS},
    ]
    for doc in docs:
        (d / f"v{doc['version']}.json").write_text(json.dumps(doc, indent=2))
    raw = tmp_path / "raw"
    for key, data in RAW.items():
        (raw / key).parent.mkdir(parents=True, exist_ok=True)
        (raw / key).write_bytes(data)
    return {"project": tmp_path / "project", "raw": raw, "curated": tmp_path / "curated", "contracts": d}


def lakectl(p: dict[str, Path], *args: str, timeout: float = 60) -> tuple[int, dict]:
    proc = subprocess.run([str(LAKECTL), "--project", str(p["project"]), "--json", "replay", "--raw",
                           str(p["raw"]), "--curated", str(p["curated"]), "--workers", "1", *args],
                          capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def snapshot(root: Path) -> dict[str, bytes]:
    return {f.relative_to(root).as_posix(): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()}


def test_held_out_replay_schema_values_reports_and_idempotency(project: dict[str, Path]) -> None:
    code, doc = lakectl(project)
    assert code == 1
    by = {(f["source"].rsplit("/", 1)[1], f["version"]): f for f in doc["files"]}
    assert {v for _, v in by} == {2, 3}  # the inactive v1 is not written
    assert {k: (f["status"], f["records_in"], f["records_written"]) for k, f in by.items()} == {
        ("obj.json", 2): ("written", 1, 1), ("obj.json", 3): ("written", 1, 1),
        ("arr.json", 2): ("written", 2, 2), ("arr.json", 3): ("written", 2, 2),
        ("crlf.ndjson", 2): ("written", 2, 2), ("crlf.ndjson", 3): ("written", 2, 2),
        ("UP.JSONL.GZ", 2): ("written", 1, 1), ("UP.JSONL.GZ", 3): ("written", 1, 1),
        ("mixed.ndjson", 2): ("quarantined", 4, 0), ("mixed.ndjson", 3): ("quarantined", 4, 2),
        ("blank.jsonl", 2): ("empty", 0, 0), ("blank.jsonl", 3): ("empty", 0, 0),
        ("trunc.json", 2): ("quarantined", None, 0), ("trunc.json", 3): ("quarantined", None, 0),
    }
    assert by[("obj.json", 2)]["fields_ignored"] == 1
    cur = project["curated"]

    for f in sorted((cur / "datasets").rglob("*.parquet")):
        rel = f.relative_to(cur).as_posix()
        assert pq.read_schema(f).remove_metadata().equals(SCHEMA), rel
        kv = pq.read_metadata(f).metadata
        source = DAY + f.name[: -len(".parquet")]
        version = rel.split("/")[2]
        assert kv[b"lakectl.source_key"] == source.encode()
        assert kv[b"lakectl.source_sha256"].decode() == hashlib.sha256(RAW[source]).hexdigest()
        contract_bytes = (project["contracts"] / f"{version}.json").read_bytes()
        assert kv[b"lakectl.contract_sha256"].decode() == hashlib.sha256(contract_bytes).hexdigest()

    row = pq.read_table(cur / "datasets/probe/v2/dt=2026-03-14/obj.json.parquet").to_pylist()[0]
    utc = UTC
    assert row == {
        "id": 1, "small": -5, "ratio": 0.5, "value": 2.5, "amount": Decimal("123456789.125"), "ok": True,
        "name": "n1 😀", "day": date(2024, 2, 29),
        "at_ms": datetime(2026, 3, 14, 8, 0, 1, 123000, tzinfo=utc),
        "at_us": datetime(2026, 3, 14, 23, 59, 59, 123456, tzinfo=utc), "tags": ["a", None],
        "prices": [Decimal("1.50"), Decimal("2.25")],
        "stamps": [datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=utc)],
        "days": [date(2026, 3, 14)],
    }
    kept = pq.read_table(cur / "datasets/probe/v3/dt=2026-03-14/mixed.ndjson.parquet").column("id")
    assert kept.to_pylist() == [7, 9]

    for rep in sorted((cur / "quarantine").rglob("*.error.json")):
        data = rep.read_bytes()
        report = json.loads(data)
        assert data == (json.dumps(report, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
        assert set(report) == {"source", "source_sha256", "dataset", "version", "contract_sha256",
                               "lake_etl_version", "records_in", "records_written", "errors"}
        if report["records_in"] is not None and report["version"] == 3:  # reject_record: every record
            bad = {e["record"] for e in report["errors"]}
            assert report["records_in"] == report["records_written"] + len(bad)
    mixed = json.loads((cur / "quarantine/probe/v3/dt=2026-03-14/mixed.ndjson.error.json").read_text())
    assert [(e["record"], e["field"], e["kind"]) for e in mixed["errors"]] == [
        (1, "small", "type_mismatch"), (3, None, "not_an_object")]

    first = snapshot(cur)
    code2, doc2 = lakectl(project)
    assert code2 == 1 and doc2["summary"]["skipped"] == doc2["summary"]["files"] == 14
    assert snapshot(cur) == first
    code3, _ = lakectl(project, "--force")
    assert code3 == 1 and snapshot(cur) == first


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX) to make a FIFO")
def test_a_fifo_in_a_local_raw_tree_fails_instead_of_hanging(project: dict[str, Path]) -> None:
    fifo = project["raw"] / DAY / "pipe.json"
    os.mkfifo(fifo)
    code, doc = lakectl(project, "--dataset", "probe", "--contract-version", "2", timeout=30)
    assert code == 3
    failed = [f for f in doc["files"] if f["status"] == "failed"]
    assert [f["source"] for f in failed] == [DAY + "pipe.json"]
    assert "not a regular file" in failed[0]["message"]


def test_keys_that_look_like_rich_markup_are_shown_verbatim(project: dict[str, Path]) -> None:
    # Raw keys are data: "[bold]" in a key must be printed, not swallowed as a style (nor crash on "[/]").
    for name in ("q[bold]z.json", "[red]n.json"):
        (project["raw"] / DAY / name).write_bytes(json.dumps(rec(1, small="x")).encode())
    stray = project["curated"] / "datasets/probe/v2/dt=2026-03-14/x[red]y.csv"
    stray.parent.mkdir(parents=True)
    stray.write_text("x")
    env = {**os.environ, "COLUMNS": "400"}
    base = [str(LAKECTL), "--project", str(project["project"])]
    proc = subprocess.run([*base, "replay", "--raw", str(project["raw"]),
                           "--curated", str(project["curated"]),
                           "--workers", "1", "--contract-version", "2"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert DAY + "q[bold]z.json" in proc.stdout and DAY + "[red]n.json" in proc.stdout
    proc = subprocess.run([*base, "verify", "--curated", str(project["curated"])],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "x[red]y.csv" in proc.stdout


def test_a_project_without_contracts_is_a_usage_error_and_writes_nothing(project: dict[str, Path]) -> None:
    # A wrong --project must not route every raw key to quarantine/_unrouted as an unknown dataset.
    empty = project["project"].parent / "empty-project"
    (empty / "contracts" / "datasets").mkdir(parents=True)
    for args in (["replay", "--raw", str(project["raw"]), "--curated", str(project["curated"])],
                 ["verify", "--curated", str(project["curated"])]):
        proc = subprocess.run([str(LAKECTL), "--project", str(empty), *args],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: no contracts under ") and "Traceback" not in proc.stderr
    assert not project["curated"].exists()
