"""verify against a moto server over HTTP: S3 curated bucket (footers by ranged GETs) and Glue tables."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pytest

from lakectl.errors import IncompleteError, UsageError
from lakectl.verify import verify
from tests.unit.test_verify import CONTRACTS, EVENTS1, USERS1, USERS2, replace_field, write_parquet

BUCKET = "curated-lake"


def put_parquet(s3: Any, tmp_path: Path, key: str, contract: Any, **kw: Any) -> int:
    local = write_parquet(tmp_path / "p" / key, contract, **kw)
    data = local.read_bytes()
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return len(data)


@pytest.fixture
def s3(aws: str) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def recording_client() -> tuple[Any, list[dict[str, Any]]]:
    """An S3 client that records every GetObject's Range header and the bytes it returned."""
    client = boto3.client("s3", region_name="us-east-1")
    gets: list[dict[str, Any]] = []

    def before(params: dict[str, Any], **_: Any) -> None:
        gets.append({"key": params.get("Key"), "range": params.get("Range")})

    def after(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        gets[-1]["length"] = parsed.get("ContentLength")

    client.meta.events.register("provide-client-params.s3.GetObject", before)
    client.meta.events.register("after-call.s3.GetObject", after)
    return client, gets


def test_s3_bucket_findings_match_the_local_ones_and_only_ranged_gets_read_parquet(
    s3: Any, tmp_path: Path
) -> None:
    good = "datasets/users/v1/dt=2026-11-27/signups.json.parquet"
    big_size = put_parquet(s3, tmp_path, good, USERS1, n=20_000)
    put_parquet(s3, tmp_path, "datasets/users/v2/dt=2026-11-27/signups.json.parquet", USERS2)
    schema = replace_field(EVENTS1.arrow_schema(), "event_ts",
                           pa.field("event_ts", pa.timestamp("ms", "UTC"), nullable=False))
    bad = "datasets/events/v1/dt=2026-11-28/ms.jsonl.parquet"
    put_parquet(s3, tmp_path, bad, EVENTS1, schema=schema)
    s3.put_object(Bucket=BUCKET, Key="datasets/users/v2/dt=2026-11-27/_SUCCESS", Body=b"")
    s3.put_object(Bucket=BUCKET, Key="datasets/users/v2/dt=2026-11-27/notes.json", Body=b"{}")
    garbage = "datasets/users/v2/dt=2026-11-28/garbage.json.parquet"
    s3.put_object(Bucket=BUCKET, Key=garbage, Body=os.urandom(300))
    # a stale pair: v2's signups quarantined with nothing written, its Parquet still there
    s3.put_object(
        Bucket=BUCKET, Key="quarantine/users/v2/dt=2026-11-27/signups.json.error.json",
        Body=json.dumps({"records_written": 0, "source": "users/2026/11/27/signups.json"}).encode(),
    )

    client, gets = recording_client()
    report = verify(f"s3://{BUCKET}", CONTRACTS, s3_client=client)

    found = sorted((f.code, f.resource) for f in report.findings)
    assert found == [
        ("VER001", f"{BUCKET}/datasets/users/v2/dt=2026-11-28/garbage.json.parquet"),
        ("VER002", f"{BUCKET}/datasets/users/v2/dt=2026-11-27/notes.json"),
        ("VER003", f"{BUCKET}/datasets/users/v2/dt=2026-11-27/_SUCCESS"),
        ("VER006", f"{BUCKET}/{bad}"),
        ("VER009", f"{BUCKET}/datasets/users/v2/dt=2026-11-27/signups.json.parquet"),
    ]
    fix = {f.code: f.fix for f in report.findings}
    assert fix["VER002"] == f"aws s3 rm s3://{BUCKET}/datasets/users/v2/dt=2026-11-27/notes.json"
    assert "lakectl replay --raw s3://RAW_BUCKET --curated s3://curated-lake --dataset users" in fix["VER009"]
    assert report.rows == 20_000 + 3 + 3
    assert report.files_checked == 3

    parquet_gets = [g for g in gets if g["key"].startswith("datasets/")]
    assert parquet_gets, "footers were read through the recording client"
    assert all(g["range"] and g["range"].startswith("bytes=") for g in parquet_gets)
    big = [g for g in parquet_gets if g["key"] == good]
    assert len(big) == 3 and sum(g["length"] for g in big) < big_size / 20
    # the only whole-object GET is the small quarantine report
    assert [g["key"] for g in gets if not g["range"]] == [
        "quarantine/users/v2/dt=2026-11-27/signups.json.error.json"
    ]


def test_prefix_root_and_default_client(s3: Any, tmp_path: Path) -> None:
    put_parquet(s3, tmp_path, "lake/datasets/users/v1/dt=2026-11-27/a.json.parquet", USERS1)
    report = verify(f"s3://{BUCKET}/lake", CONTRACTS, dataset="users", version=1)
    assert report.findings == [] and report.rows == 3


def test_missing_bucket_is_usage_and_unreachable_s3_is_incomplete(aws: str, monkeypatch: Any) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        verify("s3://no-such-bucket-here", CONTRACTS)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: connection refused
    with pytest.raises(IncompleteError, match="cannot reach S3"):
        verify(f"s3://{BUCKET}", CONTRACTS)


def glue_table(glue: Any, name: str, columns: list[tuple[str, str]], location: str) -> None:
    glue.create_table(
        DatabaseName="lake",
        TableInput={
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": n, "Type": t} for n, t in columns],
                "Location": location,
            },
        },
    )


def test_glue_tables_are_compared_with_the_contract(s3: Any, tmp_path: Path) -> None:
    put_parquet(s3, tmp_path, "datasets/users/v1/dt=2026-11-27/a.json.parquet", USERS1)
    put_parquet(s3, tmp_path, "datasets/users/v2/dt=2026-11-27/a.json.parquet", USERS2)
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": "lake"})
    glue_table(glue, "users_v1", [(c.name, c.type) for c in USERS1.columns],
               f"s3://{BUCKET}/datasets/users/v1/")
    # v2 drifted: a console edit turned score into string and dropped plan
    cols = [(c.name, "string" if c.name == "score" else c.type) for c in USERS2.columns if c.name != "plan"]
    glue_table(glue, "users_v2", cols, f"s3://{BUCKET}/datasets/users/v2/")
    # events has no table

    report = verify(f"s3://{BUCKET}", CONTRACTS, glue_database="lake")
    by = {f.code: f for f in report.findings if f.contract == "catalog"}
    assert sorted(by) == ["VER012", "VER013"]
    assert by["VER012"].address == 'module.glue.aws_glue_catalog_table.this["users_v2"]'
    assert by["VER012"].resource == "lake.users_v2"
    assert "missing plan" in by["VER012"].message and "score string (contract double)" in by["VER012"].message
    assert by["VER013"].address == 'module.glue.aws_glue_catalog_table.this["events_v1"]'
    assert by["VER013"].severity == "warning"


def test_glue_unreachable_is_one_warning_not_a_failure(tmp_path: Path, monkeypatch: Any) -> None:
    root = tmp_path / "c"
    write_parquet(root / "datasets/users/v1/dt=2026-11-27/a.json.parquet", USERS1)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    report = verify(str(root), CONTRACTS, dataset="users", glue_database="lake")
    glue = [f for f in report.findings if f.contract == "catalog"]
    assert [f.code for f in glue] == ["VER014"]
    assert report.summary()["errors"] == 0


def test_local_and_s3_agree_on_rows(s3: Any, tmp_path: Path) -> None:
    key = "datasets/events/v1/dt=2026-11-27/clicks.ndjson.parquet"
    put_parquet(s3, tmp_path, key, EVENTS1, n=7)
    s3_report = verify(f"s3://{BUCKET}", CONTRACTS, dataset="events")
    local_report = verify(str(tmp_path / "p"), CONTRACTS, dataset="events")
    assert s3_report.rows == local_report.rows == 7
    assert s3_report.findings == [] and local_report.findings == []


def test_uncontracted_prefixes_on_s3(s3: Any, tmp_path: Path) -> None:
    put_parquet(s3, tmp_path, "datasets/users/v1/dt=2026-11-27/a.json.parquet", USERS1)
    put_parquet(s3, tmp_path, "datasets/users/v9/dt=2026-11-27/a.json.parquet", USERS1)
    report = verify(f"s3://{BUCKET}", CONTRACTS)
    ver016 = [f for f in report.findings if f.code == "VER016"]
    assert [f.resource for f in ver016] == [f"{BUCKET}/datasets/users/v9/"]
    assert ver016[0].fix.endswith(f"aws s3 rm --recursive s3://{BUCKET}/datasets/users/v9/")
