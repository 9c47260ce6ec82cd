"""`lakectl verify` through the CLI: --json document, human tables, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
from typer.testing import CliRunner

from lakectl.cli import app
from tests.unit.test_verify import USERS1, USERS2, curated_path, replace_field, write_parquet

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["--project", str(REPO), *args])


def good_lake(tmp_path: Path) -> Path:
    root = tmp_path / "curated"
    write_parquet(curated_path(root, USERS1, "2026-11-27", "a.json.parquet"), USERS1)
    write_parquet(curated_path(root, USERS2, "2026-11-27", "a.json.parquet"), USERS2, n=5)
    return root


def test_clean_lake_exits_0_with_one_json_document(tmp_path: Path) -> None:
    root = good_lake(tmp_path)
    result = run("verify", "--curated", str(root), "--dataset", "users", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["findings"] == []
    assert doc["summary"]["errors"] == 0 and doc["summary"]["files"] == 2 and doc["summary"]["rows"] == 8
    assert [(t["dataset"], t["version"]) for t in doc["tables"]] == [("users", 1), ("users", 2)]


def test_error_findings_exit_1_and_json_findings_have_the_design_shape(tmp_path: Path) -> None:
    root = good_lake(tmp_path)
    schema = replace_field(USERS2.arrow_schema(), "signup_ts",
                           pa.field("signup_ts", pa.timestamp("us", "UTC"), nullable=False))
    write_parquet(curated_path(root, USERS2, "2026-11-28", "us.json.parquet"), USERS2, schema=schema)
    (root / "datasets/users/v2/dt=2026-11-28/extra.csv").write_text("x\n")
    # shared options after the command work too
    result = run("verify", "--json", "--curated", str(root), "--contract-version", "v2")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert sorted(f["code"] for f in doc["findings"]) == ["VER002", "VER006"]
    for f in doc["findings"]:
        assert list(f) == ["code", "severity", "contract", "address", "resource", "message", "fix"]
        assert f["address"] is None and f["fix"]
    assert doc["summary"]["errors"] == 2
    # --contract-version alone selects v2 of every dataset that has one: only users
    assert [(t["dataset"], t["version"]) for t in doc["tables"]] == [("users", 2)]


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    root = good_lake(tmp_path)
    write_parquet(curated_path(root, USERS1, "2026-11-28", "b.json.parquet"), USERS1, metadata={})
    result = run("verify", "--curated", str(root), "--dataset", "users", "--contract-version", "1", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [f["code"] for f in doc["findings"]] == ["VER010"]
    assert doc["summary"]["warnings"] == 1


def test_human_output_is_a_table_per_dataset_version(tmp_path: Path) -> None:
    root = good_lake(tmp_path)
    (root / "datasets/users/v1/dt=2026-11-27/_SUCCESS").write_text("")
    result = run("verify", "--curated", str(root), "--dataset", "users")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ok users v2" in out
    assert "users v1" in out and "VER003" in out and "_SUCCESS" in out
    assert "2 Parquet files, 8 rows checked" in out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    r = run("verify", "--curated", str(tmp_path / "missing"))
    assert r.exit_code == 2 and "error: --curated" in r.stderr
    r = run("verify", "--curated", str(tmp_path), "--contract-version", "two")
    assert r.exit_code == 2 and "write N or vN" in r.stderr
    r = run("verify", "--curated", str(tmp_path), "--dataset", "orders")
    assert r.exit_code == 2 and "no contract for it" in r.stderr
    r = run("verify")
    assert r.exit_code == 2  # --curated is required
    assert not r.stdout.strip().startswith("{")


def test_broken_contract_is_a_usage_error(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(REPO / "contracts", project / "contracts")
    (project / "contracts/datasets/users/v2.json").write_text('{"dataset": "users", "version": 3}')
    r = runner.invoke(app, ["--project", str(project), "verify", "--curated", str(tmp_path)])
    assert r.exit_code == 2
    assert "v2.json" in r.stderr and "Traceback" not in r.output


def test_unreachable_s3_exits_3(monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    r = run("verify", "--curated", "s3://some-bucket", "--json")
    assert r.exit_code == 3
    assert "error: cannot reach S3" in r.stderr
    assert r.stdout == ""
