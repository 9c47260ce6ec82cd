"""`lakectl show` on hand-written documents of each format: JSON shape (design §6) and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakectl.cli import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "tfjson"


def run(*args: str):
    return CliRunner().invoke(app, list(args), terminal_width=200)


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("plan-0.1.json", "plan", 3),
        ("plan-0.2.json", "plan", 3),
        ("plan-1.2-deposed.json", "plan", 3),
        ("state-1.1.json", "state", 4),
        ("raw-v4-each.tfstate", "state", 5),
    ],
)
def test_json_document_shape(name: str, kind: str, count: int) -> None:
    result = run("show", str(FIX / name), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["kind"] == kind and doc["findings"] == []
    assert len(doc["resources"]) == count
    for r in doc["resources"]:
        assert {"address", "mode", "type", "name", "module", "index", "actions"} <= set(r)
        assert (r["actions"] is None) == (kind == "state")
    assert {"errors", "warnings", "infos", "resources"} <= set(doc["summary"])


def test_deposed_entry_carries_its_key() -> None:
    doc = json.loads(run("show", str(FIX / "plan-1.2-deposed.json"), "--json").stdout)
    assert [r.get("deposed") for r in doc["resources"]] == [None, "00000001", None]
    assert doc["summary"]["replace"] == 1 and doc["summary"]["delete"] == 1


def test_human_output_has_a_table_per_module() -> None:
    result = run("show", str(FIX / "state-1.1.json"))
    assert result.exit_code == 0
    for title in ("root module", "module.glue", "module.glue.module.inner[1]"):
        assert title in result.stdout
    assert "deposed a1b2c3d4" in result.stdout


def test_v3_state_refused_with_exit_2() -> None:
    result = run("show", str(FIX / "raw-v3.tfstate"), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "state format version 3 is from Terraform < 0.12" in result.stderr


@pytest.mark.parametrize("name", ["garbage.txt", "not-terraform.json", "missing.json"])
def test_unreadable_file_exit_2_without_traceback(name: str) -> None:
    result = run("show", str(FIX / name))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
