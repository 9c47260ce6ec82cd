"""`lakectl demo` end to end: a real moto server, the local runner in separate interpreters, verify."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from typer.testing import CliRunner

from lakectl.cli import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "uploads"

# examples/README.md, as (source, version) -> status
EXPECTED = {
    ("uploads/users/2026/11/27/signups.json", 1): "written",
    ("uploads/users/2026/11/27/signups.json", 2): "written",
    ("uploads/users/2026/11/27/late signup.json", 1): "written",
    ("uploads/users/2026/11/27/late signup.json", 2): "written",
    ("uploads/users/2026/11/27/truncated.json", 1): "quarantined",
    ("uploads/users/2026/11/27/truncated.json", 2): "quarantined",
    ("uploads/users/2026/11/28/missing-signup.jsonl", 1): "quarantined",
    ("uploads/users/2026/11/28/missing-signup.jsonl", 2): "quarantined",
    ("uploads/users/2026/11/28/empty.jsonl", 1): "empty",
    ("uploads/users/2026/11/28/empty.jsonl", 2): "empty",
    ("uploads/events/2026/11/27/clicks.ndjson", 1): "written",
    ("uploads/events/2026/11/28/purchases.jsonl.gz", 1): "written",
    ("uploads/events/2026/11/28/mixed.jsonl", 1): "quarantined",  # reject_record: 2 rows + a report
}


def refuses(endpoint: str) -> bool:
    u = urlparse(endpoint)
    try:
        socket.create_connection((u.hostname, u.port), timeout=2).close()
    except OSError:
        return True
    return False


@pytest.fixture(scope="module")
def demo_run() -> tuple[Any, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["--project", str(REPO), "demo", "--json"])
    return result, time.perf_counter() - started


def test_demo_exits_0_with_one_json_document_in_under_30_s(demo_run: tuple[Any, float]) -> None:
    result, seconds = demo_run
    assert result.exit_code == 0, (result.stdout[-3000:], result.stderr[-3000:])
    assert seconds < 30
    doc = json.loads(result.stdout)
    assert set(doc) >= {"findings", "summary", "files", "tables"}
    assert doc["summary"]["errors"] == 0 and doc["summary"]["failed"] == 0
    assert doc["summary"]["deployed"] is False
    steps = {s["name"]: s for s in doc["steps"]}
    assert steps["artifact build"]["status"] == "ok", steps["artifact build"]
    assert "function.zip" in steps["artifact build"]["detail"]
    assert "layer not built offline" in steps["artifact build"]["detail"]
    assert "NOT the AWS Lambda runtime" in steps["local runner"]["detail"]
    assert "moto server at" in result.stderr  # progress on stderr, not stdout


def test_every_example_is_accounted_for(demo_run: tuple[Any, float]) -> None:
    doc = json.loads(demo_run[0].stdout)
    got = {(f["source"], f["version"]): f["status"] for f in doc["files"]}
    assert got == EXPECTED
    on_disk = {"uploads/" + p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*") if p.is_file()}
    assert {s for s, _ in got} == on_disk
    uploads = {u["key"]: u for u in doc["uploads"]}
    assert uploads["uploads/users/2026/11/27/late signup.json"]["event_key"].endswith("late+signup.json")
    mixed = next(f for f in doc["files"] if f["source"].endswith("mixed.jsonl"))
    assert mixed["records_written"] == 2
    assert doc["summary"]["uploads"] == len(on_disk)


def test_quarantine_reports_say_why(demo_run: tuple[Any, float]) -> None:
    doc = json.loads(demo_run[0].stdout)
    reports = {(r["source"], r["version"]): r for r in doc["quarantine"]}
    truncated = reports[("uploads/users/2026/11/27/truncated.json", 1)]
    assert [e["kind"] for e in truncated["errors"]] == ["malformed_json"]
    assert truncated["errors"][0]["record"] is None and truncated["records_written"] == 0
    missing = reports[("uploads/users/2026/11/28/missing-signup.jsonl", 2)]
    assert [(e["kind"], e["field"]) for e in missing["errors"]] == [("missing_required", "signup_ts")]
    mixed = reports[("uploads/events/2026/11/28/mixed.jsonl", 1)]
    assert [e["kind"] for e in mixed["errors"]] == ["type_mismatch", "type_mismatch"]
    assert not any("empty.jsonl" in r["source"] for r in doc["quarantine"])


def test_rows_of_users_v1_and_v2_exist_and_verify_passed(demo_run: tuple[Any, float]) -> None:
    doc = json.loads(demo_run[0].stdout)
    rows = {(t["dataset"], t["version"]): t for t in doc["tables"]}
    assert rows[("users", 1)]["rows"] == 4 and rows[("users", 2)]["rows"] == 4
    assert rows[("events", 1)]["rows"] == 5 + 4 + 2
    assert "plan" in rows[("users", 2)]["columns"] and "address_city" in rows[("users", 1)]["columns"]
    assert {r["user_id"] for r in rows[("users", 2)]["sample"]} == {1, 2, 3, 4}
    assert doc["findings"] == []
    assert doc["summary"]["rows"] == 19


def test_moto_server_is_stopped_afterwards(demo_run: tuple[Any, float]) -> None:
    doc = json.loads(demo_run[0].stdout)
    assert doc["server_stopped"] is True
    assert refuses(doc["endpoint"])


def test_server_is_stopped_on_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    import lakectl.demo as demo

    seen: list[str] = []

    def interrupted(*args: Any) -> None:
        endpoint = args[4]
        seen.append(endpoint)
        assert not refuses(endpoint)  # it was up
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_rehearse", interrupted)
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo(REPO)
    assert seen and refuses(seen[0])


def test_a_new_project_demos_its_own_examples_contracts_and_code(tmp_path: Path) -> None:
    import lakectl.demo as demo
    from lakectl.project import new_project

    proj = tmp_path / "lake"
    new_project(proj)
    assert demo.examples_root(proj) == proj / "examples" / "uploads"
    assert demo._contracts_dir(proj, demo.examples_root(proj)) == proj / "contracts"
    assert demo._code_dir(proj) == proj / "lambda"
    # a folder that is no project falls back to the shipped examples
    bare = tmp_path / "bare"
    bare.mkdir()
    assert demo.examples_root(bare) == REPO / "examples" / "uploads"
    assert demo._code_dir(bare) is None
