"""`lakectl replay` through the CLI over local directories: JSON, idempotency, filters, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakectl.cli import app

runner = CliRunner()
LAKECTL = Path(sys.prefix) / "bin" / "lakectl"

GOOD = b'{"id": 1, "name": "a", "extra": 1}\n{"id": 2, "name": "b"}\n'
MIXED = b'{"id": 1, "name": "a"}\n{"id": "x"}\n{"id": null, "name": "c"}\n{"id": 4}\n'
RAW_FILES = {
    "uploads/things/2026/11/27/good.jsonl": GOOD,
    "uploads/things/2026/11/27/mixed.jsonl": MIXED,
    "uploads/things/2026/11/28/array.json": b'[{"id": 5}, {"id": 6, "name": "f"}]',
    "uploads/things/2026/11/28/empty.jsonl": b"",
    "uploads/things/2026/11/29/broken.json": b'[{"id": 7}',
    "uploads/things/2026/11/29/not-a-date/x.json": GOOD,
    "uploads/others/2026/11/27/a.json": GOOD,
}


def contract(version: int, on_error: str, active: bool = True) -> dict:
    return {
        "dataset": "things", "version": version, "description": "t", "on_error": on_error, "active": active,
        "columns": [{"name": "id", "type": "bigint", "nullable": False}, {"name": "name", "type": "string"}],
    }


@pytest.fixture
def lake(tmp_path: Path) -> dict[str, Path]:
    project = tmp_path / "project"
    d = project / "contracts" / "datasets" / "things"
    d.mkdir(parents=True)
    for doc in (contract(1, "reject_file"), contract(2, "reject_record"), contract(3, "reject_file", False)):
        (d / f"v{doc['version']}.json").write_text(json.dumps(doc, indent=2))
    raw = tmp_path / "raw"
    for key, data in RAW_FILES.items():
        (raw / key).parent.mkdir(parents=True, exist_ok=True)
        (raw / key).write_bytes(data)
    return {"project": project, "raw": raw, "curated": tmp_path / "curated"}


def replay(lake: dict[str, Path], *args: str):
    return runner.invoke(app, ["--project", str(lake["project"]), "replay", "--raw", str(lake["raw"]),
                               "--curated", str(lake["curated"]), *args])


def replay_json(lake: dict[str, Path], *args: str) -> tuple[int, dict]:
    result = replay(lake, "--json", *args)
    assert result.exit_code in (0, 1, 3), result.output
    return result.exit_code, json.loads(result.stdout)


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_json_document_accounts_for_every_record_and_exits_1_on_quarantine(lake) -> None:
    code, doc = replay_json(lake, "--workers", "1")
    assert code == 1
    files = doc["files"]
    assert files == sorted(files, key=lambda f: (f["source"], -1 if f["version"] is None else f["version"]))
    for f in files:
        for k in ("source", "version", "status", "output", "records_in", "records_written", "fields_ignored"):
            assert k in f
    got = {(f["source"].split("/", 5)[-1], f["version"]): f["status"] for f in files}
    assert got == {
        ("good.jsonl", 1): "written", ("good.jsonl", 2): "written",
        ("mixed.jsonl", 1): "quarantined", ("mixed.jsonl", 2): "quarantined",
        ("array.json", 1): "written", ("array.json", 2): "written",
        ("empty.jsonl", 1): "empty", ("empty.jsonl", 2): "empty",
        ("broken.json", 1): "quarantined", ("broken.json", 2): "quarantined",
        ("not-a-date/x.json", None): "quarantined",  # folders below the day: unroutable
        ("a.json", None): "quarantined",  # uploads/others/...: unknown dataset
    }
    s = doc["summary"]
    assert s["files"] == len(files) == 12
    assert (s["written"], s["quarantined"], s["empty"], s["skipped"], s["failed"]) == (4, 6, 2, 0, 0)
    assert s["errors"] == len(doc["findings"]) == 6 and s["warnings"] == 0 and s["infos"] == 0
    assert s["records_in"] == sum(f["records_in"] or 0 for f in files)
    assert s["records_written"] == sum(f["records_written"] or 0 for f in files)
    assert next(f for f in files if f["source"].endswith("good.jsonl"))["fields_ignored"] == 1

    # Every record is accounted for: written to curated or listed in the quarantine report.
    quarantined_records = 0
    for f in files:
        if f["version"] is None or f["records_in"] is None:
            continue
        if f["quarantine"]:
            report = json.loads((lake["curated"] / f["quarantine"]).read_bytes())
            bad = {e["record"] for e in report["errors"]}
            if f["version"] == 2:  # reject_record: good records written, bad ones listed
                assert f["records_written"] + len(bad) == f["records_in"], f
            else:  # reject_file: the whole file is quarantined, nothing written
                assert f["records_written"] == 0 and bad, f
            quarantined_records += f["records_in"] - f["records_written"]
    total_in = sum(f["records_in"] for f in files if f["records_in"] is not None)
    assert total_in == s["records_written"] + quarantined_records

    # reject_file writes nothing of the mixed file; reject_record writes its two good records.
    mixed = {f["version"]: f for f in files if f["source"].endswith("mixed.jsonl")}
    assert (mixed[1]["records_written"], mixed[2]["records_written"]) == (0, 2)
    assert not (lake["curated"] / "datasets/things/v1/dt=2026-11-27/mixed.jsonl.parquet").exists()
    assert (lake["curated"] / "datasets/things/v2/dt=2026-11-27/mixed.jsonl.parquet").exists()
    assert not (lake["curated"] / "datasets/things/v3").exists()  # inactive: not written

    codes = sorted(x["code"] for x in doc["findings"])
    assert codes == ["RPL001"] * 4 + ["RPL002"] * 2
    for x in doc["findings"]:
        assert x["severity"] == "error" and x["contract"] == "transform" and x["fix"]
        assert Path(x["resource"]).is_file(), x  # the quarantine report itself
    unknown = next(x for x in doc["findings"] if "others" in x["message"])
    assert "contracts/datasets/others/v1.json" in unknown["fix"]
    # Bookkeeping lives outside every table prefix.
    assert all(not p.name.endswith(".json") or "_lakectl" in p.parts or "quarantine" in p.parts
               for p in (lake["curated"]).rglob("*") if p.is_file())


def test_second_run_skips_everything_and_changes_no_byte(lake) -> None:
    code1, first = replay_json(lake)
    before = snapshot(lake["curated"])
    code2, second = replay_json(lake)
    assert (code1, code2) == (1, 1)  # quarantined by an earlier run still counts
    assert {f["status"] for f in second["files"]} == {"skipped"}
    assert snapshot(lake["curated"]) == before
    assert second["summary"]["skipped"] == 12 and second["summary"]["errors"] == 6
    strip = ("status",)
    assert [{k: v for k, v in f.items() if k not in strip} for f in second["files"]] == \
        [{k: v for k, v in f.items() if k not in strip} for f in first["files"]]

    # --force rewrites, with the same bytes.
    code3, third = replay_json(lake, "--force")
    assert code3 == 1 and "skipped" not in {f["status"] for f in third["files"]}
    after = snapshot(lake["curated"])
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}


def test_changed_contract_rewrites_only_its_version(lake) -> None:
    replay_json(lake)
    v2 = lake["project"] / "contracts/datasets/things/v2.json"
    doc = json.loads(v2.read_text())
    doc["description"] = "changed"
    v2.write_text(json.dumps(doc))
    _, again = replay_json(lake)
    by = {(f["source"], f["version"]): f["status"] for f in again["files"]}
    assert by[("uploads/things/2026/11/27/good.jsonl", 1)] == "skipped"
    assert by[("uploads/things/2026/11/27/good.jsonl", 2)] == "written"


def test_dry_run_writes_nothing(lake) -> None:
    code, doc = replay_json(lake, "--dry-run")
    assert code == 0
    assert {f["status"] for f in doc["files"]} == {"planned"}
    assert snapshot(lake["curated"]) == {}
    replay_json(lake)
    before = snapshot(lake["curated"])
    code, doc = replay_json(lake, "--dry-run", "--force")
    assert {f["status"] for f in doc["files"]} == {"planned"}
    assert snapshot(lake["curated"]) == before


def test_since_until_select_on_the_key_date_and_drop_unroutable(lake) -> None:
    code, doc = replay_json(lake, "--since", "2026-11-28", "--until", "2026-11-28")
    assert code == 0
    assert sorted({f["source"] for f in doc["files"]}) == [
        "uploads/things/2026/11/28/array.json", "uploads/things/2026/11/28/empty.jsonl"
    ]
    code, doc = replay_json(lake, "--since", "2026-11-29")
    assert code == 1 and {f["source"] for f in doc["files"]} == {"uploads/things/2026/11/29/broken.json"}


def test_dataset_and_contract_version_even_inactive(lake) -> None:
    code, doc = replay_json(lake, "--dataset", "things", "--contract-version", "v3", "--until", "2026-11-28")
    assert {f["version"] for f in doc["files"]} == {3}
    assert (lake["curated"] / "datasets/things/v3/dt=2026-11-27/good.jsonl.parquet").exists()
    assert not (lake["curated"] / "datasets/things/v1").exists()
    # --dataset keeps unroutable keys only under uploads/<dataset>/
    _, doc = replay_json(lake, "--dataset", "things", "--contract-version", "2")
    sources = {f["source"] for f in doc["files"]}
    assert "uploads/things/2026/11/29/not-a-date/x.json" in sources
    assert "uploads/others/2026/11/27/a.json" not in sources


def test_all_good_exits_0_with_a_human_summary(lake) -> None:
    for key in list(RAW_FILES):
        if key != "uploads/things/2026/11/27/good.jsonl":
            (lake["raw"] / key).unlink()
    result = replay(lake)
    assert result.exit_code == 0, result.output
    assert "good.jsonl" in result.stdout and "2 written" in result.stdout
    assert "4 records in, 4 written" in result.stdout


def test_infrastructure_failure_is_failed_and_exit_3(lake) -> None:
    # A directory where the curated object must go: the write fails, the rest goes on.
    (lake["curated"] / "datasets/things/v1/dt=2026-11-27/good.jsonl.parquet").mkdir(parents=True)
    code, doc = replay_json(lake)
    assert code == 3
    failed = [f for f in doc["files"] if f["status"] == "failed"]
    assert [(f["source"], f["version"]) for f in failed] == [
        ("uploads/things/2026/11/27/good.jsonl", 1), ("uploads/things/2026/11/27/good.jsonl", 2)
    ]
    assert "message" in failed[0]
    assert any(x["code"] == "RPL003" for x in doc["findings"])
    assert doc["summary"]["failed"] == 2 and doc["summary"]["written"] == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--raw", "s3a://bucket"], "unsupported scheme"),
        (["--raw", "s3://"], "names no bucket"),
        (["--curated", "s3://UPPER"], "not a valid S3 bucket name"),
        (["--raw", "/no/such/dir"], "no such directory"),
        (["--since", "2026-02-30"], "--since"),
        (["--until", "27-11-2026"], "--until"),
        (["--since", "2026-11-28", "--until", "2026-11-27"], "after --until"),
        (["--contract-version", "two"], "--contract-version"),
        (["--contract-version", "9"], "v9.json"),
        (["--dataset", "nope"], "no contract"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_bad_flags_and_uris_exit_2(lake, args: list[str], needle: str) -> None:
    base = {"--raw": str(lake["raw"]), "--curated": str(lake["curated"])}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for kv in base.items() for x in kv]
    result = runner.invoke(app, ["--project", str(lake["project"]), "replay", *flat])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "error:" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_contract_is_exit_2_naming_file_and_field(lake) -> None:
    v1 = lake["project"] / "contracts/datasets/things/v1.json"
    doc = json.loads(v1.read_text())
    doc["columns"][1]["type"] = "varchar"
    v1.write_text(json.dumps(doc))
    result = replay(lake)
    assert result.exit_code == 2
    assert "v1.json" in result.stderr and "type" in result.stderr
    assert not lake["curated"].exists()


def test_processes_and_threads_write_the_same_bytes(lake, tmp_path: Path) -> None:
    from lakectl.replay import ReplayOptions
    from lakectl.replay import replay as core

    results = {}
    for mode in ("inline", "process", "thread"):
        out = tmp_path / f"cur-{mode}"
        rep = core(ReplayOptions(raw=str(lake["raw"]), curated=str(out), project=lake["project"],
                                 workers=2, executor=mode))
        assert rep.executor == mode
        results[mode] = ({k: v[0] for k, v in snapshot(out).items()}, rep.files)
    assert results["inline"] == results["process"] == results["thread"]


def test_installed_binary_runs_replay(lake) -> None:
    env = dict(os.environ)
    proc = subprocess.run(
        [str(LAKECTL), "replay", "--raw", str(lake["raw"]), "--curated", str(lake["curated"]),
         "--project", str(lake["project"]), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["files"] == 12 and doc["summary"]["written"] == 4
    assert proc.stderr == ""  # no progress bar without a terminal


def test_dry_run_warns_about_keys_it_cannot_route(tmp_path) -> None:
    import json as _json

    from typer.testing import CliRunner

    from lakectl.cli import app

    project = tmp_path / "proj"
    assert CliRunner().invoke(app, ["new", str(project)]).exit_code == 0
    raw = tmp_path / "raw"
    (raw / "uploads/users/2026/13/01").mkdir(parents=True)
    (raw / "uploads/users/2026/13/01/a.json").write_text('{"id": 1}')
    result = CliRunner().invoke(app, ["--project", str(project), "replay", "--raw", str(raw),
                                      "--curated", str(tmp_path / "cur"), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    doc = _json.loads(result.stdout)
    assert [f["code"] for f in doc["findings"]] == ["RPL004"]
    assert doc["files"][0]["status"] == "planned"
    assert not (tmp_path / "cur" / "quarantine").exists()
