"""lake_etl.handler against a moto server over HTTP, with real S3 notification event shapes.

The events copy the structure AWS documents for S3 event notifications (eventVersion 2.1) and for
the s3:TestEvent S3 sends when a notification is configured.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError
from lake_etl import handler
from lake_etl.contract import ContractError

REPO = Path(__file__).resolve().parents[2]
RAW, CURATED = "lake-raw", "lake-curated"

# Exactly the shape of an AWS S3 event notification record (eventVersion 2.1).
RECORD = {
    "eventVersion": "2.1",
    "eventSource": "aws:s3",
    "awsRegion": "us-east-1",
    "eventTime": "2026-11-27T10:15:30.123Z",
    "eventName": "ObjectCreated:Put",
    "userIdentity": {"principalId": "AWS:AIDAJDPLRKLG7UEXAMPLE"},
    "requestParameters": {"sourceIPAddress": "172.16.0.1"},
    "responseElements": {
        "x-amz-request-id": "C3D13FE58DE4C810",
        "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
    },
    "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "raw-uploads-to-etl",
        "bucket": {
            "name": RAW,
            "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
            "arn": f"arn:aws:s3:::{RAW}",
        },
        "object": {
            "key": "REPLACED",
            "size": 1024,
            "eTag": "d41d8cd98f00b204e9800998ecf8427e",
            "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
            "sequencer": "0055AED6DCD90281E5",
        },
    },
}

TEST_EVENT = {
    "Service": "Amazon S3",
    "Event": "s3:TestEvent",
    "Time": "2026-11-27T10:15:30.089Z",
    "Bucket": RAW,
    "RequestId": "5582815E1AEA5ADF",
    "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
}

# The key S3 reports for "uploads/things/2026/11/27/late signup (v1)+ä.jsonl": URL-encoded, space as +.
ODD_KEY = "uploads/things/2026/11/27/late signup (v1)+ä.jsonl"
ODD_KEY_ENCODED = "uploads/things/2026/11/27/late+signup+%28v1%29%2B%C3%A4.jsonl"


class Ctx:
    """A fake Lambda context (no Lambda runtime here): only what the handler reads."""

    aws_request_id = "req-0001"
    function_name = "lake-etl"


def record(key: str, event_name: str = "ObjectCreated:Put", bucket: str = RAW) -> dict:
    r = copy.deepcopy(RECORD)
    r["eventName"] = event_name
    r["s3"]["bucket"]["name"] = bucket
    r["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    r["s3"]["object"]["key"] = key
    if event_name.startswith("ObjectRemoved"):
        for k in ("size", "eTag"):
            r["s3"]["object"].pop(k)
    return r


def write_contract(root: Path, version: int = 1, on_error: str = "reject_file", **extra) -> None:
    d = root / "datasets" / "things"
    d.mkdir(parents=True, exist_ok=True)
    doc = {
        "dataset": "things", "version": version, "description": "test", "on_error": on_error,
        "columns": [{"name": "id", "type": "bigint", "nullable": False}, {"name": "name", "type": "string"}],
        **extra,
    }
    (d / f"v{version}.json").write_text(json.dumps(doc))


@pytest.fixture
def lake(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=RAW)
    s3.create_bucket(Bucket=CURATED)
    contracts = tmp_path / "contracts"
    write_contract(contracts, 1)
    write_contract(contracts, 2, on_error="reject_record")
    monkeypatch.setenv("CURATED_BUCKET", CURATED)
    monkeypatch.setenv("CONTRACTS_DIR", str(contracts))
    handler.reset()
    yield s3
    handler.reset()


def curated_keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=CURATED).get("Contents", []))


def log_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_url_encoded_keys_and_several_records(lake, capsys: pytest.CaptureFixture[str]) -> None:
    s3 = lake
    s3.put_object(Bucket=RAW, Key=ODD_KEY, Body=b'{"id": 1, "name": "a"}\n{"id": 2}\n')
    s3.put_object(Bucket=RAW, Key="uploads/things/2026/11/28/bad.jsonl", Body=b'{"id": "x"}\n{"id": 3}\n')
    event = {"Records": [record(ODD_KEY_ENCODED), record("uploads/things/2026/11/28/bad.jsonl")]}

    result = handler.lambda_handler(event, Ctx())

    got = [(f["source"], f["version"], f["status"], f["records_in"], f["records_written"])
           for f in result["files"]]
    assert got == [
        (ODD_KEY, 1, "written", 2, 2),
        (ODD_KEY, 2, "written", 2, 2),
        ("uploads/things/2026/11/28/bad.jsonl", 1, "quarantined", 2, 0),
        ("uploads/things/2026/11/28/bad.jsonl", 2, "quarantined", 2, 1),
    ]
    assert curated_keys(s3) == [
        "datasets/things/v1/dt=2026-11-27/late signup (v1)+ä.jsonl.parquet",
        "datasets/things/v2/dt=2026-11-27/late signup (v1)+ä.jsonl.parquet",
        "datasets/things/v2/dt=2026-11-28/bad.jsonl.parquet",
        "quarantine/things/v1/dt=2026-11-28/bad.jsonl.error.json",
        "quarantine/things/v2/dt=2026-11-28/bad.jsonl.error.json",
    ]
    body = s3.get_object(Bucket=CURATED, Key=result["files"][0]["output"])["Body"].read()
    assert pq.read_table(pa.BufferReader(body)).column("id").to_pylist() == [1, 2]
    assert pq.read_metadata(pa.BufferReader(body)).metadata[b"lakectl.source_key"] == ODD_KEY.encode()

    lines = log_lines(capsys.readouterr().out)
    assert len(lines) == 4
    for line in lines:
        for k in ("source", "dataset", "version", "status", "records_in", "records_written", "errors",
                  "fields_ignored", "duration_ms", "request_id"):
            assert k in line, (k, line)
        assert line["request_id"] == "req-0001" and line["dataset"] == "things"
    assert [x["errors"] for x in lines] == [0, 0, 1, 1]


def test_test_event_and_removed_events_are_acknowledged_and_ignored(lake, capsys) -> None:
    s3 = lake
    assert handler.lambda_handler(TEST_EVENT, Ctx()) == {"files": []}
    removed = {"Records": [record("uploads/things/2026/11/27/a.jsonl", "ObjectRemoved:Delete")]}
    assert handler.lambda_handler(removed, Ctx()) == {"files": []}
    assert curated_keys(s3) == []
    out = capsys.readouterr().out
    assert "s3:TestEvent" in out and "ObjectRemoved:Delete" in out


def test_deleted_raw_object_is_logged_and_skipped(lake, capsys) -> None:
    s3 = lake
    s3.put_object(Bucket=RAW, Key="uploads/things/2026/11/27/here.jsonl", Body=b'{"id": 1}\n')
    event = {"Records": [record("uploads/things/2026/11/27/gone.jsonl"),
                         record("uploads/things/2026/11/27/here.jsonl")]}
    result = handler.lambda_handler(event, Ctx())
    assert [f["source"] for f in result["files"]] == ["uploads/things/2026/11/27/here.jsonl"] * 2
    missing = [x for x in log_lines(capsys.readouterr().out) if x.get("status") == "missing"]
    assert [x["source"] for x in missing] == ["uploads/things/2026/11/27/gone.jsonl"]


def test_unroutable_key_and_empty_file(lake) -> None:
    s3 = lake
    s3.put_object(Bucket=RAW, Key="uploads/things/2026/11/27/notes.txt", Body=b"hello")
    s3.put_object(Bucket=RAW, Key="uploads/things/2026/11/27/empty.jsonl", Body=b"")
    event = {"Records": [record("uploads/things/2026/11/27/notes.txt"),
                         record("uploads/things/2026/11/27/empty.jsonl")]}
    result = handler.lambda_handler(event, Ctx())
    assert [(f["status"], f["version"], f["records_in"]) for f in result["files"]] == [
        ("quarantined", None, None), ("empty", 1, 0), ("empty", 2, 0)
    ]
    assert curated_keys(s3) == ["quarantine/_unrouted/uploads/things/2026/11/27/notes.txt.error.json"]
    report = json.loads(s3.get_object(Bucket=CURATED, Key=curated_keys(s3)[0])["Body"].read())
    assert report["dataset"] is None and report["errors"][0]["kind"] == "unroutable_key"


def test_missing_raw_or_curated_bucket_raises_so_lambda_retries(lake, monkeypatch) -> None:
    s3 = lake
    with pytest.raises(ClientError) as e:
        handler.lambda_handler({"Records": [record("uploads/things/2026/11/27/a.jsonl", bucket="no-raw")]},
                               Ctx())
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"

    s3.put_object(Bucket=RAW, Key="uploads/things/2026/11/27/a.jsonl", Body=b'{"id": 1}\n')
    monkeypatch.setenv("CURATED_BUCKET", "no-such-curated-bucket")
    handler.reset()
    with pytest.raises(ClientError) as e:
        handler.lambda_handler({"Records": [record("uploads/things/2026/11/27/a.jsonl")]}, Ctx())
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Configuration errors surface at cold start, before any AWS call: no moto needed."""
    write_contract(tmp_path / "contracts", 1)
    monkeypatch.setenv("CURATED_BUCKET", CURATED)
    monkeypatch.setenv("CONTRACTS_DIR", str(tmp_path / "contracts"))
    handler.reset()
    yield
    handler.reset()


def test_invalid_contract_raises(offline, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "bad"
    write_contract(bad, 1)
    doc = json.loads((bad / "datasets/things/v1.json").read_text())
    doc["columns"][0]["name"] = "dt"
    (bad / "datasets/things/v1.json").write_text(json.dumps(doc))
    monkeypatch.setenv("CONTRACTS_DIR", str(bad))
    handler.reset()
    with pytest.raises(ContractError, match="v1.json"):
        handler.lambda_handler(TEST_EVENT, Ctx())


def test_curated_bucket_is_required_at_cold_start(offline, monkeypatch) -> None:
    monkeypatch.delenv("CURATED_BUCKET")
    handler.reset()
    with pytest.raises(RuntimeError, match="CURATED_BUCKET"):
        handler.lambda_handler(TEST_EVENT, Ctx())


def test_default_contracts_dir_is_beside_the_package() -> None:
    assert handler.default_contracts_dir() == Path(handler.__file__).resolve().parent.parent / "contracts"


def test_local_runner_in_separate_interpreters(lake) -> None:
    from lakectl.localrun import run_event, s3_event

    s3 = lake
    s3.put_object(Bucket=RAW, Key=ODD_KEY, Body=b'{"id": 7, "name": "z"}\n')
    event = s3_event(RAW, [ODD_KEY])
    assert event["Records"][0]["s3"]["object"]["key"] == ODD_KEY_ENCODED

    run = run_event(event, curated_bucket=CURATED, contracts_dir=os.environ["CONTRACTS_DIR"],
                    code_dir=REPO / "lambda")

    assert run.ok, run.logs
    assert [(f["version"], f["status"]) for f in run.result["files"]] == [(1, "written"), (2, "written")]
    assert "NOT the AWS Lambda runtime" in run.notice
    assert any("FakeLambdaContext" in line for line in run.logs)
    recs = [r for r in run.log_records if r.get("status") == "written"]
    assert len(recs) == 2 and all(r["request_id"].startswith("local-") for r in recs)
    assert "datasets/things/v1/dt=2026-11-27/late signup (v1)+ä.jsonl.parquet" in curated_keys(s3)

    # The module itself: the event on stdin, the result alone on stdout.
    s3.put_object(Bucket=RAW, Key="uploads/things/2026/11/27/a.jsonl", Body=b'{"id": "bad"}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "lake_etl.local_runner"],
        input=json.dumps({"Records": [record("uploads/things/2026/11/27/a.jsonl")]}),
        capture_output=True, text=True, env=dict(os.environ), timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # stdout holds only the result
    assert [f["status"] for f in doc["files"]] == ["quarantined", "quarantined"]
    assert "not the aws lambda runtime" in proc.stderr.lower()
    bad = subprocess.run([sys.executable, "-m", "lake_etl.local_runner"], input="{not json",
                         capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert bad.returncode == 2 and "cannot read the event" in bad.stderr
