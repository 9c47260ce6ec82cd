"""Acceptance: the handler on held-out S3 event payloads, as AWS sends them, against a moto server.

New inputs (not the golden cases): a contract reading nested sources, keys with spaces, ``+``, ``%``
and non-ASCII characters (URL-encoded as S3 encodes them), several records per event, a folder
marker, a raw object deleted before the event is handled, ``ObjectRemoved:Delete`` and
``s3:TestEvent``. Checks: outputs equal replay's bytes, and one JSON log line per file carrying
every field design §3 names, whatever happened to the file.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import quote_plus

import boto3
import pytest
from lake_etl import handler
from lake_etl.process import process_key
from lake_etl.stores import LocalStore

RAW, CURATED = "acc-raw", "acc-curated"
LOG_FIELDS = ("source", "dataset", "version", "status", "records_in", "records_written", "errors",
              "fields_ignored", "duration_ms", "request_id")
ODD = "uploads/probe/2026/03/14/my file+plus%25 ü.ndjson"


def s3_record(key: str, name: str = "ObjectCreated:Put", size: int = 0) -> dict:
    """One record exactly as S3 sends it (eventVersion 2.1), the key URL-encoded with + for spaces."""
    obj = {"key": quote_plus(key, safe="/"), "sequencer": "0065F1A2B3C4D5E6F7"}
    if name.startswith("ObjectCreated"):
        obj.update(size=size, eTag="9b2cf535f27731c974343645a3985328")
    return {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-03-14T10:11:12.345Z", "eventName": name,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.7"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8x"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "raw-to-etl",
               "bucket": {"name": RAW, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                          "arn": f"arn:aws:s3:::{RAW}"},
               "object": obj},
    }


class Ctx:
    aws_request_id = "acc-req-1"


@pytest.fixture
def lake(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=RAW)
    s3.create_bucket(Bucket=CURATED)
    d = tmp_path / "contracts" / "datasets" / "probe"
    d.mkdir(parents=True)
    cols = [{"name": "id", "type": "bigint", "nullable": False},
            {"name": "at", "type": "timestamp", "unit": "us", "nullable": False, "source": "t.at"},
            {"name": "amount", "type": "decimal(6,2)", "source": "money.amount"}]
    for v, on_error in ((1, "reject_file"), (2, "reject_record")):
        (d / f"v{v}.json").write_text(json.dumps({"dataset": "probe", "version": v, "on_error": on_error,
                                                  "columns": cols}, indent=2))
    monkeypatch.setenv("CURATED_BUCKET", CURATED)
    monkeypatch.setenv("CONTRACTS_DIR", str(tmp_path / "contracts"))
    handler.reset()
    yield s3, tmp_path
    handler.reset()


def run(event: dict) -> tuple[dict, list[dict]]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        result = handler.lambda_handler(event, Ctx())
    return result, [json.loads(x) for x in buf.getvalue().splitlines()]


def test_real_event_payloads_outputs_and_one_full_log_line_per_file(lake) -> None:
    s3, tmp = lake
    body = (b'{"id": 1, "t": {"at": "2026-03-14T10:00:00.000001+01:00"}, "money": {"amount": "12.5"}}\r\n'
            b'{"id": 2, "t": {"at": "2026-03-14T10:00:00"}}\r\n')
    s3.put_object(Bucket=RAW, Key=ODD, Body=body)
    s3.put_object(Bucket=RAW, Key="uploads/probe/2026/03/14/folder/", Body=b"")
    event = {"Records": [
        s3_record(ODD, "ObjectCreated:CompleteMultipartUpload", len(body)),
        s3_record("uploads/probe/2026/03/14/folder/"),
        s3_record("uploads/probe/2026/03/14/gone.json"),  # deleted before the function ran
        s3_record(ODD, "ObjectRemoved:Delete"),
    ]}
    result, lines = run(event)

    assert [(f["source"], f["version"], f["status"], f["records_in"], f["records_written"])
            for f in result["files"]] == [(ODD, 1, "quarantined", 2, 0), (ODD, 2, "quarantined", 2, 1)]
    per_file = [x for x in lines if "source" in x]
    assert [x["status"] for x in per_file] == ["quarantined", "quarantined", "ignored", "missing"]
    for line in per_file:
        missing = [k for k in LOG_FIELDS if k not in line]
        assert not missing, (missing, line)
        assert line["request_id"] == "acc-req-1"
    assert any("ObjectRemoved:Delete" in x.get("message", "") for x in lines)

    # The Lambda's outputs are byte for byte what replay's code writes from the same bytes.
    raw_dir = tmp / "raw"
    (raw_dir / ODD).parent.mkdir(parents=True)
    (raw_dir / ODD).write_bytes(body)
    local = LocalStore(tmp / "curated")
    contracts = handler.load_config()["contracts"]
    process_key(LocalStore(raw_dir), local, ODD, contracts)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=CURATED)["Contents"])
    assert keys == sorted(k for k in local.list() if not k.startswith("_"))
    for k in keys:
        assert s3.get_object(Bucket=CURATED, Key=k)["Body"].read() == local.read_bytes(k), k


def test_s3_test_event_is_acknowledged(lake) -> None:
    event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-03-14T10:11:12.345Z",
             "Bucket": RAW, "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwc"}
    result, lines = run(event)
    assert result == {"files": []}
    assert len(lines) == 1 and "s3:TestEvent" in lines[0]["message"]


@pytest.mark.parametrize("event", [
    {"Records": "x"},
    {"Records": [1, None, {"s3": 5}, {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": RAW},
                                                                                "object": {"key": 5}}}]},
    {"version": "0", "detail-type": "Object Created", "source": "aws.s3", "detail": {}},  # EventBridge
])
def test_event_shapes_that_are_not_s3_notifications_are_logged_and_ignored(lake, event: dict) -> None:
    # Raising would make Lambda retry an event no retry can fix; design §3: acknowledged and ignored.
    result, lines = run(event)
    assert result == {"files": []}
    assert lines and all(x["message"].startswith("ignored") for x in lines)


def test_an_event_from_the_curated_bucket_is_ignored_not_looped(lake) -> None:
    # Processing it would write quarantine/_unrouted/<key> into the curated bucket, which would notify
    # again: a recursive loop. The line says why, and nothing is written.
    s3, _ = lake
    s3.put_object(Bucket=CURATED, Key="datasets/probe/v1/dt=2026-03-14/a.json.parquet", Body=b"PAR1")
    rec = s3_record("datasets/probe/v1/dt=2026-03-14/a.json.parquet")
    rec["s3"]["bucket"]["name"] = CURATED
    result, lines = run({"Records": [rec]})
    assert result == {"files": []}
    assert [x["status"] for x in lines] == ["ignored"] and "curated bucket" in lines[0]["message"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=CURATED)["Contents"]] == [
        "datasets/probe/v1/dt=2026-03-14/a.json.parquet"]
