"""lake_etl.process over local stores: routing, versions, and the stale-counterpart rules (design §3)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import lake_etl
import pyarrow.parquet as pq
import pytest
from lake_etl.contract import load_contracts
from lake_etl.process import current_outcome, parquet_provenance, process_key
from lake_etl.stores import LocalStore, ObjectMissing, RangeFile

DAY = "uploads/things/2026/11/27"
CKEY = "datasets/things/v{v}/dt=2026-11-27/{f}.parquet"
QKEY = "quarantine/things/v{v}/dt=2026-11-27/{f}.error.json"

GOOD = b'{"id": 1, "name": "a", "extra": true}\n{"id": 2, "name": "b"}\n'
MIXED = b'{"id": 1, "name": "a"}\n{"id": "x", "name": "b"}\n{"id": null}\n'
ALL_BAD = b'{"id": "x"}\n{"name": "no id"}\n'


def contract(version: int, *, on_error: str = "reject_file", active: bool = True) -> dict:
    return {
        "dataset": "things", "version": version, "description": "test", "active": active,
        "on_error": on_error,
        "columns": [
            {"name": "id", "type": "bigint", "nullable": False},
            {"name": "name", "type": "string"},
        ],
    }


def make_contracts(root: Path, *docs: dict) -> dict:
    for doc in docs:
        d = root / "datasets" / doc["dataset"]
        d.mkdir(parents=True, exist_ok=True)
        (d / f"v{doc['version']}.json").write_text(json.dumps(doc, indent=2))
    return load_contracts(root)


@pytest.fixture
def env(tmp_path: Path):
    raw = LocalStore(tmp_path / "raw")
    cur = LocalStore(tmp_path / "curated")
    return raw, cur, tmp_path


def snapshot(store: LocalStore) -> dict[str, bytes]:
    return {k: store.read_bytes(k) for k in store.list()}


def test_passing_file_writes_parquet_with_provenance_and_deletes_old_report(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    raw.put_bytes(f"{DAY}/a.jsonl", GOOD)
    cur.put_bytes(QKEY.format(v=1, f="a.jsonl"), b'{"stale": true}\n')

    [e] = process_key(raw, cur, f"{DAY}/a.jsonl", contracts)

    assert e["status"] == "written"
    assert (e["records_in"], e["records_written"], e["errors"]) == (2, 2, 0)
    assert e["fields_ignored"] == 1
    assert e["output"] == CKEY.format(v=1, f="a.jsonl") and e["quarantine"] is None
    assert not cur.exists(QKEY.format(v=1, f="a.jsonl"))
    table = pq.read_table(tmp / "curated" / e["output"])
    assert table.column("id").to_pylist() == [1, 2]
    prov = parquet_provenance(cur, e["output"])
    assert prov["source_key"] == f"{DAY}/a.jsonl"
    assert prov["contract_sha256"] == contracts["things"][1].sha256
    assert prov["lake_etl_version"] == lake_etl.__version__


def test_failing_file_writes_report_and_deletes_old_curated_object(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    raw.put_bytes(f"{DAY}/a.jsonl", MIXED)
    cur.put_bytes(CKEY.format(v=1, f="a.jsonl"), b"old parquet")

    [e] = process_key(raw, cur, f"{DAY}/a.jsonl", contracts)

    assert e["status"] == "quarantined"
    assert (e["records_in"], e["records_written"], e["errors"]) == (3, 0, 2)
    assert not cur.exists(CKEY.format(v=1, f="a.jsonl"))
    report = json.loads(cur.read_bytes(QKEY.format(v=1, f="a.jsonl")))
    assert report["source"] == f"{DAY}/a.jsonl" and report["version"] == 1
    assert [(x["record"], x["field"]) for x in report["errors"]] == [(1, "id"), (2, "id")]


def test_zero_record_file_deletes_both_sides(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    raw.put_bytes(f"{DAY}/a.jsonl", b"\n  \n")
    cur.put_bytes(CKEY.format(v=1, f="a.jsonl"), b"old parquet")
    cur.put_bytes(QKEY.format(v=1, f="a.jsonl"), b"old report")

    [e] = process_key(raw, cur, f"{DAY}/a.jsonl", contracts)

    assert e["status"] == "empty" and e["records_in"] == 0 and e["output"] is None
    assert list(cur.list()) == []


def test_reject_record_with_good_and_bad_records_keeps_both(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1, on_error="reject_record"))
    raw.put_bytes(f"{DAY}/a.jsonl", MIXED)

    [e] = process_key(raw, cur, f"{DAY}/a.jsonl", contracts)

    assert e["status"] == "quarantined"
    assert (e["records_in"], e["records_written"], e["errors"]) == (3, 1, 2)
    assert e["output"] == CKEY.format(v=1, f="a.jsonl")
    assert e["quarantine"] == QKEY.format(v=1, f="a.jsonl")
    assert pq.read_table(tmp / "curated" / e["output"]).num_rows == 1
    report = json.loads(cur.read_bytes(e["quarantine"]))
    # every record accounted for: written, or listed in the report
    assert e["records_written"] + len({x["record"] for x in report["errors"]}) == e["records_in"]


def test_reject_record_with_no_good_record_writes_no_parquet_and_removes_old_one(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1, on_error="reject_record"))
    raw.put_bytes(f"{DAY}/a.jsonl", ALL_BAD)
    cur.put_bytes(CKEY.format(v=1, f="a.jsonl"), b"old parquet")

    [e] = process_key(raw, cur, f"{DAY}/a.jsonl", contracts)

    assert e["status"] == "quarantined" and e["records_written"] == 0
    assert sorted(cur.list()) == [QKEY.format(v=1, f="a.jsonl")]


def test_key_outside_the_layout_gets_an_unrouted_report_with_nulls(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    key = "uploads/things/2026/02/30/a.json"
    raw.put_bytes(key, GOOD)

    [e] = process_key(raw, cur, key, contracts)

    assert e["status"] == "quarantined" and e["version"] is None and e["dataset"] is None
    assert e["output"] == f"quarantine/_unrouted/{key}.error.json"
    report = json.loads(cur.read_bytes(e["output"]))
    assert report["dataset"] is None and report["version"] is None
    assert report["contract_sha256"] is None and report["records_in"] is None
    assert report["errors"][0]["kind"] == "unroutable_key"
    assert sorted(cur.list()) == [e["output"]]


def test_unknown_dataset_is_unrouted_until_a_contract_exists(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    key = "uploads/others/2026/11/27/a.jsonl"
    raw.put_bytes(key, GOOD)

    [e] = process_key(raw, cur, key, contracts)
    report = json.loads(cur.read_bytes(e["output"]))
    assert report["errors"][0]["kind"] == "unknown_dataset"
    assert "others" in report["errors"][0]["message"]

    # A contract for the dataset appears: the old unrouted report is stale and goes.
    doc = contract(1)
    doc["dataset"] = "others"
    contracts = make_contracts(tmp / "c", doc)
    [e2] = process_key(raw, cur, key, contracts)
    assert e2["status"] == "written"
    assert sorted(cur.list()) == ["datasets/others/v1/dt=2026-11-27/a.jsonl.parquet"]


def test_folder_marker_is_ignored(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    assert process_key(raw, cur, f"{DAY}/", contracts) == []
    assert list(cur.list()) == []


def test_every_active_version_is_written_and_inactive_ones_are_left_alone(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(
        tmp / "c", contract(1), contract(2, on_error="reject_record"), contract(3, active=False)
    )
    raw.put_bytes(f"{DAY}/a.jsonl", MIXED)
    stale_v3 = QKEY.format(v=3, f="a.jsonl")
    cur.put_bytes(stale_v3, b"left as it is")

    entries = process_key(raw, cur, f"{DAY}/a.jsonl", contracts)

    assert [(e["version"], e["status"], e["records_written"]) for e in entries] == [
        (1, "quarantined", 0), (2, "quarantined", 1)
    ]
    assert cur.read_bytes(stale_v3) == b"left as it is"
    assert not cur.exists(CKEY.format(v=3, f="a.jsonl"))
    assert cur.exists(CKEY.format(v=2, f="a.jsonl")) and not cur.exists(CKEY.format(v=1, f="a.jsonl"))


def test_a_named_inactive_version_is_processed_alone(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1), contract(3, active=False))
    raw.put_bytes(f"{DAY}/a.jsonl", GOOD)

    entries = process_key(raw, cur, f"{DAY}/a.jsonl", contracts, version=3)

    assert [(e["version"], e["status"]) for e in entries] == [(3, "written")]
    assert sorted(cur.list()) == [CKEY.format(v=3, f="a.jsonl")]


def test_missing_raw_object_raises_object_missing(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    with pytest.raises(ObjectMissing):
        process_key(raw, cur, f"{DAY}/gone.jsonl", contracts)


def test_raw_is_never_modified(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1), contract(2, on_error="reject_record"))
    for name, data in (("a.jsonl", GOOD), ("b.jsonl", MIXED), ("c.jsonl", b""), ("d.json", b"[")):
        raw.put_bytes(f"{DAY}/{name}", data)
    raw.put_bytes("stray.txt", b"x")
    before = snapshot(raw)
    for key in list(raw.list()):
        process_key(raw, cur, key, contracts)
    assert snapshot(raw) == before


def test_skip_current_rewrites_nothing_and_notices_changed_raw_bytes(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1), contract(2, on_error="reject_record"))
    raw.put_bytes(f"{DAY}/a.jsonl", MIXED)
    raw.put_bytes(f"{DAY}/e.jsonl", b"")
    for key in list(raw.list()):
        process_key(raw, cur, key, contracts, skip_current=True, manifests=True)
    before = {k: (cur.read_bytes(k), os.stat(tmp / "curated" / k).st_mtime_ns) for k in cur.list()}
    assert any(k.startswith("_lakectl/replay/") for k in before)  # the empty outcome's manifest

    again = [e for k in list(raw.list()) for e in process_key(raw, cur, k, contracts, skip_current=True,
                                                              manifests=True)]
    assert {e["status"] for e in again} == {"skipped"}
    v2 = next(e for e in again if e["source"].endswith("a.jsonl") and e["version"] == 2)
    assert (v2["records_in"], v2["records_written"], v2["errors"], v2["fields_ignored"]) == (3, 1, 2, 0)
    after = {k: (cur.read_bytes(k), os.stat(tmp / "curated" / k).st_mtime_ns) for k in cur.list()}
    assert after == before

    # New raw bytes under the same key: outputs no longer match the source sha256.
    raw.put_bytes(f"{DAY}/a.jsonl", GOOD)
    entries = process_key(raw, cur, f"{DAY}/a.jsonl", contracts, skip_current=True, manifests=True)
    assert [e["status"] for e in entries] == ["written", "written"]
    assert not cur.exists(QKEY.format(v=1, f="a.jsonl")) and not cur.exists(QKEY.format(v=2, f="a.jsonl"))


def test_current_outcome_rejects_a_tampered_or_missing_output(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1, on_error="reject_record"))
    raw.put_bytes(f"{DAY}/a.jsonl", MIXED)
    process_key(raw, cur, f"{DAY}/a.jsonl", contracts, manifests=True)
    from lake_etl import keys
    from lake_etl.process import RawFile

    rk = keys.parse_raw_key(f"{DAY}/a.jsonl")
    c = contracts["things"][1]
    with RawFile(raw, rk.key) as rf:
        sha = rf.sha256
    assert current_outcome(cur, rk, c, sha) is not None
    assert current_outcome(cur, rk, c, "0" * 64) is None  # other raw bytes
    cur.delete(CKEY.format(v=1, f="a.jsonl"))  # the manifest says Parquet should stand
    assert current_outcome(cur, rk, c, sha) is None
    process_key(raw, cur, f"{DAY}/a.jsonl", contracts, manifests=True)
    cur.put_bytes(CKEY.format(v=1, f="a.jsonl"), b"not parquet at all")
    assert current_outcome(cur, rk, c, sha) is None


def test_dry_run_writes_nothing(env) -> None:
    raw, cur, tmp = env
    contracts = make_contracts(tmp / "c", contract(1))
    raw.put_bytes(f"{DAY}/a.jsonl", GOOD)
    raw.put_bytes("nowhere.json", GOOD)
    entries = [e for k in list(raw.list()) for e in process_key(raw, cur, k, contracts, dry_run=True,
                                                                skip_current=True, manifests=True)]
    assert {e["status"] for e in entries} == {"planned"}
    assert list(cur.list()) == []


# ------------------------------------------------------------------------------------------- stores


def test_local_store_writes_atomically_and_lists_by_prefix(tmp_path: Path) -> None:
    s = LocalStore(tmp_path)
    s.put_file("a/b/c.bin", io.BytesIO(b"0123456789"))
    s.put_bytes("a/x y.json", b"{}")
    s.put_bytes("b/z", b"z")
    assert list(s.list()) == ["a/b/c.bin", "a/x y.json", "b/z"]
    assert list(s.list("a/b")) == ["a/b/c.bin"]
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["c.bin"]  # no temp file left behind
    assert s.size("a/b/c.bin") == 10 and s.read_range("a/b/c.bin", 3, 4) == b"3456"
    f = RangeFile(s, "a/b/c.bin")
    f.seek(-3, io.SEEK_END)
    assert f.read() == b"789"
    s.delete("a/b/c.bin")
    s.delete("a/b/c.bin")  # absent: no error
    assert not (tmp_path / "a" / "b").exists()  # empty folders tidied, as a bucket has none
    with pytest.raises(ObjectMissing):
        s.read_bytes("a/b/c.bin")
    with pytest.raises(ValueError):
        s.put_bytes("../escape", b"x")


class CountingStore(LocalStore):
    """A LocalStore that counts the reads a skip check makes."""

    reads = 0

    def open(self, key: str):
        type(self).reads += 1
        return super().open(key)

    def exists(self, key: str) -> bool:
        type(self).reads += 1
        return super().exists(key)

    def size(self, key: str) -> int:
        type(self).reads += 1
        return super().size(key)


def test_known_keys_spare_requests_for_absent_outputs(env) -> None:
    raw, _, tmp = env
    cur = CountingStore(tmp / "counted")
    contracts = make_contracts(tmp / "c", contract(1), contract(2, on_error="reject_record"))
    raw.put_bytes(f"{DAY}/a.jsonl", MIXED)
    CountingStore.reads = 0
    process_key(raw, cur, f"{DAY}/a.jsonl", contracts, skip_current=True, known=frozenset())
    assert CountingStore.reads == 0
    process_key(raw, cur, f"{DAY}/a.jsonl", contracts, skip_current=True)
    assert CountingStore.reads > 0  # without the listing every candidate output is asked for
    CountingStore.reads = 0
    again = process_key(raw, cur, f"{DAY}/a.jsonl", contracts, skip_current=True,
                        known=frozenset(cur.list()))
    assert {e["status"] for e in again} == {"skipped"}


def test_an_upload_whose_dataset_has_no_active_version_is_reported_not_dropped(tmp_path):
    import json as _json

    from lake_etl.contract import load_contracts
    from lake_etl.process import process_key
    from lake_etl.stores import LocalStore

    cdir = tmp_path / "contracts" / "datasets" / "users"
    cdir.mkdir(parents=True)
    (cdir / "v1.json").write_text(_json.dumps({
        "dataset": "users", "version": 1, "active": False,
        "columns": [{"name": "id", "type": "bigint"}],
    }))
    contracts = load_contracts(tmp_path / "contracts")
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    key = "uploads/users/2026/11/27/a.json"
    (raw / key).parent.mkdir(parents=True)
    (raw / key).write_text('{"id": 1}\n')
    entries = process_key(LocalStore(raw), LocalStore(curated), key, contracts)
    assert [e["status"] for e in entries] == ["quarantined"]
    report = _json.loads((curated / "quarantine/_unrouted" / (key + ".error.json")).read_text())
    assert report["errors"][0]["kind"] == "unknown_dataset"
    assert "no active contract version" in report["errors"][0]["message"]
    # naming the inactive version writes it
    entries = process_key(LocalStore(raw), LocalStore(curated), key, contracts, version=1)
    assert [e["status"] for e in entries] == ["written"]
