"""The Glue columns Terraform computes from the contracts equal the contracts (catalog contract).

modules/glue/contracts.tf uses no provider, so the real Terraform binary evaluates it here (offline)
with the module's own variables.tf: the columns, types and locations below are what the Glue tables
get, compared with lake_etl's own type map.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terraform._stack import MODULES, REPO

OUTPUTS = """
output "columns" {
  value = local.columns
}

output "location" {
  value = local.location
}

output "database_name" {
  value = local.database_name
}
"""


def evaluate(terraform_bin: Path, workdir: Path, contracts_dir: Path) -> dict:
    for name in ("contracts.tf", "variables.tf"):
        shutil.copy2(MODULES / "glue" / name, workdir / name)
    (workdir / "outputs.tf").write_text(OUTPUTS)
    tf = [str(terraform_bin), f"-chdir={workdir}"]
    for args in (["init", "-input=false", "-no-color"],
                 ["apply", "-auto-approve", "-input=false", "-no-color",
                  f"-var=contracts_dir={contracts_dir}", "-var=curated_bucket=cur-bucket",
                  "-var=name=lake-test"]):
        r = subprocess.run([*tf, *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([*tf, "output", "-json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return {k: v["value"] for k, v in json.loads(r.stdout).items()}


def test_glue_columns_equal_the_shipped_contracts(terraform_bin: Path, tmp_path: Path) -> None:
    from lake_etl.contract import glue_type, load_contracts

    out = evaluate(terraform_bin, tmp_path, REPO / "contracts")
    contracts = load_contracts(REPO / "contracts")
    expected_keys = {f"{ds}_v{v}" for ds, versions in contracts.items() for v in versions}
    assert expected_keys and set(out["columns"]) == expected_keys
    for ds, versions in contracts.items():
        for v, c in versions.items():
            key = f"{ds}_v{v}"
            got = [(col["name"], col["type"]) for col in out["columns"][key]]
            assert got == [(col.name, glue_type(col.type)) for col in c.columns], key
            assert "dt" not in [name for name, _ in got]
            assert out["location"][key] == f"s3://cur-bucket/datasets/{ds}/v{v}/"
    assert out["database_name"] == "lake_test"


def test_type_map_normalises_like_lake_etl_and_flags_unknown_types(
    terraform_bin: Path, tmp_path: Path
) -> None:
    from lake_etl.contract import glue_type

    contracts = tmp_path / "contracts"
    (contracts / "datasets" / "odd").mkdir(parents=True)
    cols = [
        {"name": "a", "type": "BIGINT"},
        {"name": "b", "type": "Array< String >"},
        {"name": "c", "type": "decimal(10, 2)"},
        {"name": "d", "type": "array<decimal(5,1)>"},
        {"name": "e", "type": "timestamp", "unit": "us"},
        {"name": "f", "type": "varchar"},
        {"name": "g", "type": "array<map>"},
    ]
    (contracts / "datasets" / "odd" / "v3.json").write_text(
        json.dumps({"dataset": "odd", "version": 3, "columns": cols})
    )
    work = tmp_path / "work"
    work.mkdir()
    out = evaluate(terraform_bin, work, contracts)
    got = {c["name"]: c["type"] for c in out["columns"]["odd_v3"]}
    for name in "abcde":
        expected = glue_type(next(c["type"] for c in cols if c["name"] == name))
        assert got[name] == expected, name
    # Not Glue types: "" makes the table's precondition fail at plan time.
    assert got["f"] == "" and got["g"] == ""


@pytest.mark.parametrize("module", ["s3", "lambda", "glue", "athena", None])
def test_variable_blocks_are_valid_terraform(terraform_bin: Path, tmp_path: Path, module: str | None) -> None:
    """variables.tf alone needs no provider: Terraform itself checks types, defaults and validations."""
    src = MODULES / module if module else MODULES.parent
    shutil.copy2(src / "variables.tf", tmp_path / "variables.tf")
    tf = [str(terraform_bin), f"-chdir={tmp_path}"]
    r = subprocess.run([*tf, "init", "-input=false", "-no-color"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([*tf, "validate", "-no-color"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_validation_rejects_a_bad_value(terraform_bin: Path, tmp_path: Path) -> None:
    shutil.copy2(MODULES / "lambda" / "variables.tf", tmp_path / "variables.tf")
    tf = [str(terraform_bin), f"-chdir={tmp_path}"]
    subprocess.run([*tf, "init", "-input=false"], capture_output=True, text=True, timeout=120, check=True)
    r = subprocess.run(
        [*tf, "plan", "-input=false", "-no-color", "-var=name=lake", "-var=artifacts_bucket=a",
         "-var=function_zip=f.zip", "-var=curated_bucket=c", "-var=memory_mb=100"],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode != 0
    assert "memory_mb must be a whole number between 512 and 10240" in r.stdout + r.stderr
