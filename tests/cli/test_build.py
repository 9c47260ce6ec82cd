"""`lakectl build` through the CLI: exit codes 0/1/2/3, one JSON document on stdout, progress and
errors on stderr. Offline: the layer comes from a wheel built in the test and fed through the cache."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakectl.cli import app
from tests.unit.test_artifact import UNREACHABLE_INDEX, make_project, make_wheel

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _isolated_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_NO_INDEX"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", UNREACHABLE_INDEX)  # these tests never use the network
    monkeypatch.setenv("LAKECTL_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "wheels"


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_build_json_offline_layer(tmp_path: Path, _isolated_pip: Path) -> None:
    make_wheel(_isolated_pip)
    project = make_project(tmp_path / "p", requirements="tinydep==0.1.0\n")
    result = run("build", "--project", str(project), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["findings"] == []
    assert doc["summary"] == {"errors": 0, "warnings": 0, "infos": 0, "artifacts": 2,
                              "unzipped_size": doc["summary"]["unzipped_size"], "built": True}
    names = [a["name"] for a in doc["artifacts"]]
    assert names == ["function.zip", "layer.zip"]
    build_dir = project / ".lakectl" / "build"
    for a in doc["artifacts"]:
        assert Path(a["path"]) == (build_dir / a["name"]).resolve()
        assert len(a["sha256"]) == 64 and a["base64_sha256"].endswith("=")
    assert {c["name"]: c["status"] for c in doc["checks"]} == {
        "target": "ok", "layer": "ok", "handler": "ok", "imports": "ok", "extensions": "ok", "size": "ok"}
    assert json.loads((build_dir / "manifest.json").read_text())["artifacts"]["function.zip"]["sha256"] == (
        doc["artifacts"][0]["sha256"])
    assert "Saved" in result.stderr  # pip's progress goes to stderr, never into the JSON


def test_build_human_output_and_no_layer(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    result = run("--project", str(project), "build", "--no-layer")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "function.zip" in out and "sha256 " in out and "base64 " in out
    assert "ok handler: lake_etl.handler.lambda_handler" in out
    assert "skipped layer" in out and "build: built" in out
    assert not (project / ".lakectl" / "build" / "layer.zip").exists()


def test_build_error_findings_exit_1(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", requirements="pyarrow\n",
                           handler="def main(event, context):\n    return {}\n")
    result = run("build", "--project", str(project), "--json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert sorted(f["code"] for f in doc["findings"]) == ["PKG102", "PKG201"]
    assert doc["summary"]["errors"] == 2 and doc["summary"]["built"] is False
    f = next(f for f in doc["findings"] if f["code"] == "PKG201")
    assert f["contract"] == "transform" and f["resource"] == "lambda/requirements.txt:1" and "==" in f["fix"]


def test_build_usage_error_exit_2(tmp_path: Path) -> None:
    result = run("build", "--project", str(tmp_path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and "not a lake project" in result.stderr
    result = run("build", "--project", str(make_project(tmp_path / "p")), "--architecture", "sparc")
    assert result.exit_code == 2 and "--architecture" in result.stderr


def test_build_cannot_download_exit_3(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", requirements="tinydep==0.1.0\n")
    result = run("build", "--project", str(project), "--json")
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and "unreachable" in lines[0] and "127.0.0.1" in lines[0]


def test_build_the_shipped_project_reads_the_stack_handler(tmp_path: Path) -> None:
    """The repository's own project: handler, runtime and architecture come from its stack."""
    project = tmp_path / "lake"
    for name in ("lambda", "contracts", "terraform"):
        shutil.copytree(REPO / name, project / name,
                        ignore=shutil.ignore_patterns(".terraform*", "__pycache__", "*.tfstate*"))
    result = run("build", "--project", str(project), "--no-layer", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [f["code"] for f in doc["findings"]] == ["PKG209"]  # the stack publishes layer.zip
    checks = {c["name"]: c["detail"] for c in doc["checks"]}
    assert "modules/lambda/main.tf" in checks["handler"]
    assert checks["target"] == "python3.12 (the stack), x86_64 (the stack)"
    with zipfile.ZipFile(project / ".lakectl" / "build" / "function.zip") as zf:
        names = zf.namelist()
    assert "lake_etl/handler.py" in names and "contracts/datasets/users/v1.json" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_manifest_hashes_equal_what_terraform_computes(tmp_path: Path, terraform_bin: Path) -> None:
    """The stack hashes the zips with filesha256/filebase64sha256: the real binary agrees with the
    manifest (so doctor can compare Lambda's CodeSha256 with it)."""
    import subprocess

    project = make_project(tmp_path / "p")
    result = run("build", "--project", str(project), "--no-layer", "--json")
    assert result.exit_code == 0, result.output
    zip_path = project / ".lakectl" / "build" / "function.zip"
    expr = f'"${{filesha256("{zip_path}")}} ${{filebase64sha256("{zip_path}")}}"\n'
    work = tmp_path / "tf"
    work.mkdir()
    out = subprocess.run([str(terraform_bin), "console"], input=expr, cwd=work, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    sha, b64 = out.stdout.strip().strip('"').split()
    manifest = json.loads((project / ".lakectl" / "build" / "manifest.json").read_text())
    assert manifest["artifacts"]["function.zip"]["sha256"] == sha
    assert manifest["artifacts"]["function.zip"]["base64_sha256"] == b64
