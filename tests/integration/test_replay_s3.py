"""`lakectl replay` s3 -> s3 against a moto server: idempotency, exit codes, the Lambda's own bytes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from lakectl.cli import app

runner = CliRunner()
RAW, CURATED = "replay-raw", "replay-curated"
FILES = {
    "uploads/things/2026/11/27/good.jsonl": b'{"id": 1, "name": "a"}\n{"id": 2}\n',
    "uploads/things/2026/11/27/mixed one.jsonl": b'{"id": 1}\n{"id": "x"}\n',
    "uploads/things/2026/11/28/empty.json": b"[]",
    "uploads/things/2026/11/28/gz.jsonl.gz": gzip.compress(b'{"id": 9}\n', mtime=0),
    "readme.txt": b"not data",
}


@pytest.fixture
def lake(aws: str, tmp_path: Path):
    s3 = boto3.client("s3")
    for b in (RAW, CURATED):
        s3.create_bucket(Bucket=b)
    for key, data in FILES.items():
        s3.put_object(Bucket=RAW, Key=key, Body=data)
    project = tmp_path / "project"
    d = project / "contracts/datasets/things"
    d.mkdir(parents=True)
    for v, mode in ((1, "reject_file"), (2, "reject_record")):
        (d / f"v{v}.json").write_text(json.dumps({
            "dataset": "things", "version": v, "description": "t", "on_error": mode,
            "columns": [{"name": "id", "type": "bigint", "nullable": False},
                        {"name": "name", "type": "string"}],
        }))
    return s3, project


def replay(project: Path, *args: str):
    return runner.invoke(app, ["--project", str(project), "replay", "--json", *args])


def state(s3, bucket: str) -> dict[str, tuple[bytes, object]]:
    out = {}
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        out[o["Key"]] = (s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read(), o["LastModified"])
    return out


def test_s3_to_s3_then_second_run_all_skipped_and_byte_identical(lake) -> None:
    s3, project = lake
    raw_before = state(s3, RAW)
    first = replay(project, "--raw", f"s3://{RAW}", "--curated", f"s3://{CURATED}", "--workers", "2")
    assert first.exit_code == 1, first.output
    doc = json.loads(first.stdout)
    by = {(f["source"], f["version"]): f["status"] for f in doc["files"]}
    assert by == {
        ("readme.txt", None): "quarantined",
        ("uploads/things/2026/11/27/good.jsonl", 1): "written",
        ("uploads/things/2026/11/27/good.jsonl", 2): "written",
        ("uploads/things/2026/11/27/mixed one.jsonl", 1): "quarantined",
        ("uploads/things/2026/11/27/mixed one.jsonl", 2): "quarantined",
        ("uploads/things/2026/11/28/empty.json", 1): "empty",
        ("uploads/things/2026/11/28/empty.json", 2): "empty",
        ("uploads/things/2026/11/28/gz.jsonl.gz", 1): "written",
        ("uploads/things/2026/11/28/gz.jsonl.gz", 2): "written",
    }
    rpl001 = [x for x in doc["findings"] if x["code"] == "RPL001"]
    assert {x["resource"] for x in rpl001} == {
        f"s3://{CURATED}/quarantine/things/v1/dt=2026-11-27/mixed one.jsonl.error.json",
        f"s3://{CURATED}/quarantine/things/v2/dt=2026-11-27/mixed one.jsonl.error.json",
    }
    before = state(s3, CURATED)
    assert any(k.startswith("_lakectl/replay/") for k in before)

    second = replay(project, "--raw", f"s3://{RAW}", "--curated", f"s3://{CURATED}")
    assert second.exit_code == 1  # the quarantined file is still quarantined
    assert {f["status"] for f in json.loads(second.stdout)["files"]} == {"skipped"}
    assert state(s3, CURATED) == before  # same bytes, nothing rewritten (LastModified unchanged)
    assert state(s3, RAW) == raw_before  # raw never touched


def test_replay_and_the_lambda_handler_write_the_same_bytes(lake, monkeypatch) -> None:
    s3, project = lake
    s3.create_bucket(Bucket="lambda-curated")
    result = replay(project, "--raw", f"s3://{RAW}", "--curated", f"s3://{CURATED}")
    assert result.exit_code == 1

    from lake_etl import handler

    from lakectl.localrun import s3_event

    monkeypatch.setenv("CURATED_BUCKET", "lambda-curated")
    monkeypatch.setenv("CONTRACTS_DIR", str(project / "contracts"))
    handler.reset()
    try:
        handler.lambda_handler(s3_event(RAW, sorted(FILES)), None)
    finally:
        handler.reset()
    ours = {k: v[0] for k, v in state(s3, CURATED).items() if not k.startswith("_lakectl/")}
    theirs = {k: v[0] for k, v in state(s3, "lambda-curated").items()}
    assert ours == theirs and len(ours) == 8


def test_prefixed_roots_local_curated_and_only_clean_files_exit_0(lake, tmp_path: Path) -> None:
    s3, project = lake
    s3.put_object(Bucket=RAW, Key="tenant-a/uploads/things/2026/11/30/ok.json", Body=b'{"id": 3}')
    out = tmp_path / "curated"
    result = replay(project, "--raw", f"s3://{RAW}/tenant-a", "--curated", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(f["source"], f["status"]) for f in doc["files"]] == [
        ("uploads/things/2026/11/30/ok.json", "written"), ("uploads/things/2026/11/30/ok.json", "written")
    ]
    assert (out / "datasets/things/v1/dt=2026-11-30/ok.json.parquet").is_file()


def test_missing_bucket_is_exit_2_and_unreachable_s3_is_exit_3(lake, monkeypatch) -> None:
    _, project = lake
    result = replay(project, "--raw", "s3://no-such-raw", "--curated", f"s3://{CURATED}")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = replay(project, "--raw", f"s3://{RAW}", "--curated", f"s3://{CURATED}")
    assert result.exit_code == 3 and "error:" in result.stderr
