"""verify against real Parquet files written with pyarrow to a local curated directory."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake_etl.contract import load_contracts

from lakectl.errors import UsageError
from lakectl.parquet_footer import FooterError, local_reader, read_footer
from lakectl.verify import (
    classify_key,
    compare_schema,
    parse_contract_version,
    select_contracts,
    verify,
)

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = load_contracts(REPO / "contracts")
USERS1 = CONTRACTS["users"][1]
USERS2 = CONTRACTS["users"][2]
EVENTS1 = CONTRACTS["events"][1]

TS = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def rows_for(contract: Any, n: int = 3) -> list[dict[str, Any]]:
    """n rows that fit ``contract`` (every non-nullable column filled)."""
    out = []
    for i in range(n):
        row: dict[str, Any] = {}
        for c in contract.columns:
            t = c.type
            if t in ("int", "bigint"):
                row[c.name] = i + 1
            elif t in ("double", "float"):
                row[c.name] = 1.5 * i
            elif t == "string":
                row[c.name] = f"{c.name}-{i}"
            elif t == "boolean":
                row[c.name] = i % 2 == 0
            elif t == "timestamp":
                row[c.name] = TS + dt.timedelta(seconds=i)
            elif t == "date":
                row[c.name] = dt.date(2026, 11, 27)
            elif t.startswith("decimal"):
                row[c.name] = None
            elif t.startswith("array"):
                row[c.name] = ["a", "b"][: i % 3]
        out.append(row)
    return out


def provenance(contract: Any, source_key: str = "uploads/x/2026/11/27/a.json") -> dict[str, str]:
    return {
        "lakectl.source_key": source_key,
        "lakectl.source_sha256": "0" * 64,
        "lakectl.contract_sha256": contract.sha256,
        "lakectl.lake_etl_version": "0.1.0",
    }


def write_parquet(
    path: Path,
    contract: Any,
    *,
    schema: pa.Schema | None = None,
    rows: list[dict[str, Any]] | None = None,
    metadata: dict[str, str] | None = None,
    n: int = 3,
) -> Path:
    """A real Parquet file at ``path``: the contract's schema (or ``schema``) and provenance metadata."""
    schema = schema if schema is not None else contract.arrow_schema()
    data = rows if rows is not None else rows_for(contract, n)
    table = pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in data], schema=schema)
    table = table.replace_schema_metadata(provenance(contract) if metadata is None else metadata)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy", version="2.6")
    return path


def curated_path(root: Path, contract: Any, day: str, name: str) -> Path:
    return root / "datasets" / contract.dataset / f"v{contract.version}" / f"dt={day}" / name


def replace_field(schema: pa.Schema, name: str, new: pa.Field) -> pa.Schema:
    return schema.set(schema.get_field_index(name), new)


def codes(report: Any) -> list[str]:
    return sorted(f.code for f in report.findings)


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """A curated directory with good files for every contract version."""
    root = tmp_path / "curated"
    write_parquet(curated_path(root, USERS1, "2026-11-27", "signups.json.parquet"), USERS1)
    write_parquet(curated_path(root, USERS2, "2026-11-27", "signups.json.parquet"), USERS2, n=4)
    write_parquet(curated_path(root, EVENTS1, "2026-11-28", "clicks.ndjson.parquet"), EVENTS1, n=5)
    return root


def test_good_files_give_no_findings_and_rows_come_from_footers(lake: Path) -> None:
    report = verify(str(lake), CONTRACTS)
    assert report.findings == []
    assert report.files_checked == 3
    assert report.rows == 3 + 4 + 5
    doc = report.to_json()
    assert doc["summary"] == {
        "errors": 0, "warnings": 0, "infos": 0, "files": 3, "rows": 12, "objects": 3, "tables": 3,
    }
    assert [(t["dataset"], t["version"], t["rows"]) for t in doc["tables"]] == [
        ("events", 1, 5), ("users", 1, 3), ("users", 2, 4),
    ]


def test_dataset_and_version_select_one_table(lake: Path) -> None:
    report = verify(str(lake), CONTRACTS, dataset="users", version="v2")
    assert [(t.dataset, t.version) for t in report.tables] == [("users", 2)]
    assert report.rows == 4


def test_wrong_type_is_VER006(lake: Path) -> None:
    schema = replace_field(USERS1.arrow_schema(), "score", pa.field("score", pa.string()))
    rows = [dict(r, score="1.5") for r in rows_for(USERS1)]
    path = write_parquet(curated_path(lake, USERS1, "2026-11-28", "bad.json.parquet"), USERS1,
                         schema=schema, rows=rows)
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    assert codes(report) == ["VER006"]
    f = report.findings[0]
    assert f.severity == "error" and f.contract == "transform"
    assert f.resource == str(path)
    assert "score: string in the file, the contract wants double" in f.message
    assert f.fix.startswith("rewrite it from the raw file")
    assert "lakectl replay --raw RAW_DIR --curated " in f.fix
    assert "--dataset users --contract-version 1 --since 2026-11-28 --until 2026-11-28 --force" in f.fix
    assert f.address is None


def test_timestamp_unit_us_instead_of_ms_is_VER006(lake: Path) -> None:
    schema = replace_field(USERS1.arrow_schema(), "signup_ts",
                           pa.field("signup_ts", pa.timestamp("us", "UTC"), nullable=False))
    write_parquet(curated_path(lake, USERS1, "2026-11-28", "us.json.parquet"), USERS1, schema=schema)
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    assert codes(report) == ["VER006"]
    assert "signup_ts: timestamp unit us instead of ms" in report.findings[0].message


def test_events_contract_wants_us_so_ms_is_wrong(lake: Path) -> None:
    schema = replace_field(EVENTS1.arrow_schema(), "event_ts",
                           pa.field("event_ts", pa.timestamp("ms", "UTC"), nullable=False))
    write_parquet(curated_path(lake, EVENTS1, "2026-11-28", "ms.jsonl.parquet"), EVENTS1, schema=schema)
    report = verify(str(lake), CONTRACTS, dataset="events")
    assert codes(report) == ["VER006"]
    assert "event_ts: timestamp unit ms instead of us" in report.findings[0].message


@pytest.mark.parametrize(
    ("tz", "said"), [(None, "time zone none instead of UTC"), ("Europe/Berlin", "time zone Europe/Berlin")]
)
def test_wrong_time_zone_is_VER006(lake: Path, tz: str | None, said: str) -> None:
    schema = replace_field(USERS2.arrow_schema(), "signup_ts",
                           pa.field("signup_ts", pa.timestamp("ms", tz), nullable=False))
    rows = [dict(r, signup_ts=r["signup_ts"].replace(tzinfo=None)) for r in rows_for(USERS2)]
    path = curated_path(lake, USERS2, "2026-11-28", "tz.json.parquet")
    write_parquet(path, USERS2, schema=schema, rows=rows)
    report = verify(str(lake), CONTRACTS, dataset="users", version=2)
    assert codes(report) == ["VER006"]
    assert said in report.findings[0].message


def test_required_contract_column_stored_optional_is_error_and_reverse_is_warning(lake: Path) -> None:
    schema = USERS1.arrow_schema()
    schema = replace_field(schema, "user_id", pa.field("user_id", pa.int64(), nullable=True))
    schema = replace_field(schema, "email", pa.field("email", pa.string(), nullable=False))
    write_parquet(curated_path(lake, USERS1, "2026-11-28", "null.json.parquet"), USERS1, schema=schema)
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    assert codes(report) == ["VER007", "VER008"]
    by = {f.code: f for f in report.findings}
    assert by["VER007"].severity == "error" and "user_id" in by["VER007"].message
    assert by["VER008"].severity == "warning" and "email" in by["VER008"].message
    assert report.summary()["errors"] == 1 and report.summary()["warnings"] == 1


def test_reordered_columns_is_VER005(lake: Path) -> None:
    s = USERS1.arrow_schema()
    order = ["email", "user_id"] + [n for n in s.names if n not in ("email", "user_id")]
    schema = pa.schema([s.field(n) for n in order])
    write_parquet(curated_path(lake, USERS1, "2026-11-28", "order.json.parquet"), USERS1, schema=schema)
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    assert codes(report) == ["VER005"]
    assert "file has email, user_id," in report.findings[0].message


def test_missing_and_extra_columns_are_VER004(lake: Path) -> None:
    # a v1 file (address_city) in v2's prefix: city and plan missing, address_city extra
    write_parquet(curated_path(lake, USERS2, "2026-11-28", "v1.json.parquet"), USERS1)
    report = verify(str(lake), CONTRACTS, dataset="users", version=2)
    assert "VER004" in codes(report)
    msg = next(f.message for f in report.findings if f.code == "VER004")
    assert "missing city, plan" in msg and "not in the contract address_city" in msg


def test_stray_objects_success_marker_csv_bad_dates_and_nesting(lake: Path) -> None:
    day = lake / "datasets" / "users" / "v1" / "dt=2026-11-27"
    (day / "_SUCCESS").write_bytes(b"")
    (day / "export.csv").write_text("a,b\n1,2\n")
    (day / "report.json").write_text("{}")
    bad_date = lake / "datasets" / "users" / "v1" / "dt=2026-02-30" / "x.json.parquet"
    write_parquet(bad_date, USERS1)
    nested = lake / "datasets" / "users" / "v1" / "dt=2026-11-27" / "sub" / "y.json.parquet"
    write_parquet(nested, USERS1)
    (lake / "datasets" / "users" / "v1" / "loose.parquet").write_bytes(b"x")
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    by_res = {Path(f.resource).relative_to(lake).as_posix(): f for f in report.findings}
    assert by_res["datasets/users/v1/dt=2026-11-27/_SUCCESS"].code == "VER003"
    assert by_res["datasets/users/v1/dt=2026-11-27/_SUCCESS"].severity == "warning"
    for stray in ("dt=2026-11-27/export.csv", "dt=2026-11-27/report.json", "dt=2026-02-30/x.json.parquet",
                  "dt=2026-11-27/sub/y.json.parquet", "loose.parquet"):
        f = by_res[f"datasets/users/v1/{stray}"]
        assert (f.code, f.severity, f.contract) == ("VER002", "error", "query")
        assert f.fix.startswith("rm ") and stray.split("/")[-1] in f.fix
    assert len(report.findings) == 6
    assert report.files_checked == 1  # strays are not read


@pytest.mark.parametrize("content", [os.urandom(4096), b"PAR1", b"", b"PAR1" + b"\0" * 20 + b"PAR1"])
def test_corrupt_or_non_parquet_object_is_VER001(lake: Path, content: bytes) -> None:
    path = curated_path(lake, USERS1, "2026-11-28", "corrupt.json.parquet")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    assert codes(report) == ["VER001"]
    f = report.findings[0]
    assert f.severity == "error" and f.resource == str(path)
    assert f.fix.startswith("rm ") and "lakectl replay" in f.fix
    assert report.files_checked == 1  # the good one


def test_truncated_parquet_is_VER001(lake: Path) -> None:
    good = write_parquet(curated_path(lake, USERS1, "2026-11-28", "t.json.parquet"), USERS1)
    data = good.read_bytes()
    good.write_bytes(data[: len(data) - 5])
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    assert codes(report) == ["VER001"]
    assert "PAR1" in report.findings[0].message


def test_stale_curated_and_quarantine_pair_is_VER009(lake: Path) -> None:
    q = lake / "quarantine" / "users" / "v1" / "dt=2026-11-27" / "signups.json.error.json"
    q.parent.mkdir(parents=True)
    q.write_text(json.dumps({"source": "users/2026/11/27/signups.json", "records_written": 0,
                             "records_in": 3, "errors": []}))
    report = verify(str(lake), CONTRACTS)
    assert codes(report) == ["VER009"]
    f = report.findings[0]
    assert f.resource.endswith("datasets/users/v1/dt=2026-11-27/signups.json.parquet")
    assert "quarantine/users/v1/dt=2026-11-27/signups.json.error.json" in f.message
    assert "--dataset users --contract-version 1 --since 2026-11-27 --until 2026-11-27 --force" in f.fix


def test_reject_record_partial_write_beside_its_report_is_fine(lake: Path) -> None:
    q = lake / "quarantine" / "events" / "v1" / "dt=2026-11-28" / "clicks.ndjson.error.json"
    q.parent.mkdir(parents=True)
    q.write_text(json.dumps({"records_written": 5, "records_in": 7, "errors": [{}, {}]}))
    # a report of another file in the same day is no twin
    other = lake / "quarantine" / "users" / "v1" / "dt=2026-11-27" / "other.json.error.json"
    other.parent.mkdir(parents=True)
    other.write_text(json.dumps({"records_written": 0}))
    assert verify(str(lake), CONTRACTS).findings == []


def test_missing_provenance_and_other_contract_revision_are_warnings(lake: Path) -> None:
    write_parquet(curated_path(lake, USERS1, "2026-11-28", "noprov.json.parquet"), USERS1, metadata={})
    old = dict(provenance(USERS1), **{"lakectl.contract_sha256": "f" * 64})
    write_parquet(curated_path(lake, USERS1, "2026-11-29", "old.json.parquet"), USERS1, metadata=old)
    report = verify(str(lake), CONTRACTS, dataset="users", version=1)
    assert codes(report) == ["VER010", "VER011"]
    assert all(f.severity == "warning" for f in report.findings)
    by = {f.code: f for f in report.findings}
    assert "lakectl.source_key" in by["VER010"].message and "lakectl.lake_etl_version" in by["VER010"].message
    assert "ffffffffffff" in by["VER011"].message
    assert report.summary()["errors"] == 0


def test_empty_prefix_is_an_info(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    report = verify(str(tmp_path / "c"), CONTRACTS, dataset="events")
    assert codes(report) == ["VER015"]
    assert report.findings[0].severity == "info"


def test_usage_errors() -> None:
    with pytest.raises(UsageError, match="--dataset nope"):
        select_contracts(CONTRACTS, "nope", None)
    with pytest.raises(UsageError, match="no contract v7"):
        select_contracts(CONTRACTS, "users", 7)
    with pytest.raises(UsageError, match="write N or vN"):
        parse_contract_version("version2")
    assert parse_contract_version("v2") == parse_contract_version("2") == parse_contract_version(2) == 2
    with pytest.raises(UsageError, match="no such directory"):
        verify("/nonexistent/curated/dir", CONTRACTS)
    with pytest.raises(UsageError, match="unsupported scheme"):
        verify("s3a://bucket", CONTRACTS)


def test_version_without_dataset_applies_to_every_dataset_that_has_it() -> None:
    chosen = select_contracts(CONTRACTS, None, 1)
    assert [(c.dataset, c.version) for c in chosen] == [("events", 1), ("users", 1)]


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("dt=2026-11-27/a.json.parquet", "parquet"),
        ("dt=2026-11-27/a b.json.parquet", "parquet"),
        ("dt=2026-11-27/.parquet", "hidden"),
        ("dt=2026-11-27/_SUCCESS", "hidden"),
        ("dt=2026-11-27/", "marker"),
        ("dt=2026-11-27/a.csv", "stray"),
        ("dt=2026-11-31/a.parquet", "stray"),
        ("dt=26-11-27/a.parquet", "stray"),
        ("date=2026-11-27/a.parquet", "stray"),
        ("a.parquet", "stray"),
        ("dt=2026-11-27/x/a.parquet", "stray"),
    ],
)
def test_classify_key(rel: str, kind: str) -> None:
    assert classify_key(rel) == kind


def test_compare_schema_ignores_list_item_names_but_not_item_nullability() -> None:
    exp = pa.schema([pa.field("tags", pa.list_(pa.string()))])
    element = pa.schema([pa.field("tags", pa.list_(pa.field("element", pa.string())))])
    assert compare_schema(exp, element) == []
    strict = pa.schema([pa.field("tags", pa.list_(pa.field("item", pa.string(), nullable=False)))])
    assert [c for c, _, _ in compare_schema(exp, strict)] == ["VER006"]
    dec = pa.schema([pa.field("tags", pa.decimal128(10, 3))])
    want = pa.schema([pa.field("tags", pa.decimal128(10, 2))])
    assert "decimal128(10, 3) in the file" in compare_schema(want, dec)[0][2]


def test_footer_is_read_with_three_small_reads_never_the_whole_file(tmp_path: Path) -> None:
    rows = rows_for(USERS1, 50_000)
    path = write_parquet(tmp_path / "big.parquet", USERS1, rows=rows)
    read, size = local_reader(str(path))
    calls: list[tuple[int, int]] = []

    def counting(start: int, length: int) -> bytes:
        calls.append((start, length))
        return read(start, length)

    md = read_footer(counting, size)
    assert md.num_rows == 50_000
    assert len(calls) == 3
    assert calls[0] == (size - 8, 8) and calls[2] == (0, 4)
    assert sum(n for _, n in calls) < size / 20
    with pytest.raises(FooterError, match="too small"):
        read_footer(counting, 5)


def test_what_lake_etl_writes_passes_verify(tmp_path: Path) -> None:
    """The real writer and verify agree (one type map): no findings, provenance and sha match."""
    from lake_etl.transform import transform

    raw = (REPO / "examples/uploads/users/2026/11/27/signups.json").read_bytes()
    root = tmp_path / "curated"
    for contract in (USERS1, USERS2):
        out = curated_path(root, contract, "2026-11-27", "signups.json.parquet")
        out.parent.mkdir(parents=True)
        with open(out, "wb") as sink:
            result = transform(raw, contract, "uploads/users/2026/11/27/signups.json", sink)
        assert result.wrote_parquet
    report = verify(str(root), CONTRACTS, dataset="users")
    assert report.findings == []
    assert report.rows == 6


def test_folders_no_contract_describes_are_VER016_only_without_a_filter(lake: Path) -> None:
    write_parquet(lake / "datasets/users/v3/dt=2026-11-27/a.json.parquet", USERS2)
    write_parquet(lake / "datasets/orders/v1/dt=2026-11-27/a.json.parquet", USERS1)
    report = verify(str(lake), CONTRACTS)
    found = {Path(f.resource).relative_to(lake).as_posix(): f for f in report.findings}
    assert sorted(found) == ["datasets/orders", "datasets/users/v3"]
    assert all(f.code == "VER016" and f.severity == "warning" for f in found.values())
    assert "contracts/datasets/users/v3.json is missing" in found["datasets/users/v3"].message
    assert found["datasets/orders"].fix.endswith(f"rm -r {lake}/datasets/orders")
    assert verify(str(lake), CONTRACTS, dataset="users").findings == []
