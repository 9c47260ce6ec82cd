"""`lakectl show` on plans and states the real Terraform binary writes (null provider, offline).

One session-scoped stack: null_resource with count and for_each (keys with dots, spaces and brackets),
a nested module two levels deep, and a null_data_source. Terraform inits, plans to a file, shows the
plan as JSON, applies, shows the state as JSON; the raw terraform.tfstate is read too.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakectl.cli import app
from lakectl.stack.tfjson import load_tfjson

ROOT = """
terraform {
  required_providers {
    null = { source = "hashicorp/null" }
  }
}

resource "null_resource" "counted" {
  count = 2
}

resource "null_resource" "keyed" {
  for_each = toset(["a", "b.c"])
}

data "null_data_source" "info" {
  inputs = { x = "y" }
}

module "child" {
  source = "./child"
}
"""

CHILD = """
resource "null_resource" "inner" {
  for_each = { "k.e y" = 1, "br[0]" = 2 }
}

module "grand" {
  source = "./grand"
  n      = 1
}
"""

GRAND = """
variable "n" {
  type = number
}

resource "null_resource" "leaf" {
  count = var.n
}
"""

EXPECTED = {
    "null_resource.counted[0]": (None, 0, "managed"),
    "null_resource.counted[1]": (None, 1, "managed"),
    'null_resource.keyed["a"]': (None, "a", "managed"),
    'null_resource.keyed["b.c"]': (None, "b.c", "managed"),
    "data.null_data_source.info": (None, None, "data"),
    'module.child.null_resource.inner["k.e y"]': ("module.child", "k.e y", "managed"),
    'module.child.null_resource.inner["br[0]"]': ("module.child", "br[0]", "managed"),
    "module.child.module.grand.null_resource.leaf[0]": ("module.child.module.grand", 0, "managed"),
}


def _tf(binary: Path, cwd: Path, *args: str) -> str:
    proc = subprocess.run([str(binary), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"terraform {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def documents(terraform_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("show-stack")
    (work / "main.tf").write_text(ROOT)
    (work / "child").mkdir()
    (work / "child" / "main.tf").write_text(CHILD)
    (work / "child" / "grand").mkdir()
    (work / "child" / "grand" / "main.tf").write_text(GRAND)
    _tf(terraform_bin, work, "init", "-input=false", "-no-color")
    _tf(terraform_bin, work, "plan", "-input=false", "-no-color", "-out=plan.tfplan")
    (work / "plan.json").write_text(_tf(terraform_bin, work, "show", "-json", "plan.tfplan"))
    _tf(terraform_bin, work, "apply", "-input=false", "-no-color", "plan.tfplan")
    (work / "state.json").write_text(_tf(terraform_bin, work, "show", "-json"))
    return {
        "plan": work / "plan.json",
        "state": work / "state.json",
        "raw": work / "terraform.tfstate",
        "binary_plan": work / "plan.tfplan",
    }


def _show(path: Path) -> dict:
    result = CliRunner().invoke(app, ["show", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plan_json_one_entry_per_resource_change(documents: dict[str, Path]) -> None:
    out = _show(documents["plan"])
    assert out["kind"] == "plan"
    assert out["findings"] == []
    by_address = {r["address"]: r for r in out["resources"]}
    # Terraform 1.0 plans the data source at plan time: no resource_change for it
    managed = {a: e for a, e in EXPECTED.items() if e[2] == "managed"}
    assert set(by_address) == set(managed)
    for address, (module, index, mode) in managed.items():
        r = by_address[address]
        assert (r["module"], r["index"], r["mode"], r["actions"]) == (module, index, mode, ["create"])
        assert r["type"] == "null_resource"
    assert out["summary"]["create"] == len(managed)
    assert out["summary"]["errors"] == 0


def test_state_json_one_entry_per_instance_across_child_modules(documents: dict[str, Path]) -> None:
    out = _show(documents["state"])
    assert out["kind"] == "state"
    got = {r["address"]: (r["module"], r["index"], r["mode"]) for r in out["resources"]}
    assert got == EXPECTED
    assert all(r["actions"] is None for r in out["resources"])
    assert out["summary"]["data"] == 1 and out["summary"]["managed"] == len(EXPECTED) - 1


def test_raw_tfstate_v4_matches_the_state_json(documents: dict[str, Path]) -> None:
    raw = load_tfjson(documents["raw"])
    shown = load_tfjson(documents["state"])
    assert raw.source == "raw-state" and raw.format_version == "4"
    assert sorted((i.address, i.module, i.index, i.mode) for i in raw.items) == sorted(
        (i.address, i.module, i.index, i.mode) for i in shown.items
    )
    ids = {i.address: i.values["id"] for i in raw.items if i.mode == "managed"}
    assert ids == {i.address: i.values["id"] for i in shown.items if i.mode == "managed"}


def test_human_output_groups_by_module(documents: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["show", str(documents["plan"])], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "root module" in out and "module.child.module.grand" in out
    assert out.index("root module") < out.index("module.child")
    assert "create" in out


def test_binary_plan_file_is_a_usage_error_with_the_command_to_run(documents: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["show", str(documents["binary_plan"])])
    assert result.exit_code == 2
    assert "binary plan file" in result.stderr and "terraform show -json" in result.stderr
