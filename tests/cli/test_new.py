"""`lakectl new DIR`: copies the shipped project; the copy passes preflight; a non-empty DIR is refused."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lakectl.cli import app
from lakectl.project import new_project, shipped_root


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_new_copies_the_layout_and_passes_preflight(tmp_path: Path) -> None:
    dest = tmp_path / "lake"
    result = run("new", str(dest), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["copied"] == ["terraform", "lambda", "contracts", "examples"]
    assert (dest / "terraform/main.tf").is_file()
    assert (dest / "terraform/modules/glue/main.tf").is_file()
    assert (dest / "lambda/lake_etl/handler.py").is_file()
    assert sorted(p.name for p in (dest / "contracts/datasets").iterdir()) == sorted(
        p.name for p in (shipped_root() / "contracts/datasets").iterdir()
    )
    pre = run("--project", str(dest), "preflight", "--json")
    assert pre.exit_code == 0, pre.output
    assert json.loads(pre.stdout)["summary"]["errors"] == 0


def test_new_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = run("new", str(tmp_path))
    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_new_accepts_an_existing_empty_directory(tmp_path: Path) -> None:
    result = run("new", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "created lake project" in result.stdout


def test_new_leaves_terraform_working_files_behind(tmp_path: Path) -> None:
    src = tmp_path / "bundle"
    for d in (
        "terraform/.terraform/providers",
        "contracts/datasets/x",
        "lambda/lake_etl/__pycache__",
        "examples",
    ):
        (src / d).mkdir(parents=True)
    (src / "terraform/main.tf").write_text("# stack\n")
    (src / "terraform/terraform.tfstate").write_text("{}")
    (src / "terraform/terraform.tfstate.backup").write_text("{}")
    (src / "terraform/terraform.tfvars").write_text('name = "secret"\n')
    (src / "terraform/terraform.tfvars.example").write_text('name = "lakectl"\n')
    (src / "lambda/lake_etl/__pycache__/x.pyc").write_bytes(b"\0")
    dest = tmp_path / "out"
    assert new_project(dest, src) == ["terraform", "lambda", "contracts", "examples"]
    names = sorted(p.name for p in (dest / "terraform").iterdir())
    assert names == ["main.tf", "terraform.tfvars.example"]
    assert not (dest / "lambda/lake_etl/__pycache__").exists()


def test_shipped_root_is_the_checkout_here() -> None:
    root = shipped_root()
    assert (root / "pyproject.toml").is_file() and (root / "terraform/main.tf").is_file()


def test_shipped_root_falls_back_to_the_wheel_bundle(tmp_path: Path) -> None:
    import pytest

    from lakectl.errors import UsageError

    module_file = tmp_path / "site-packages" / "lakectl" / "project.py"
    bundle = module_file.parent / "_bundle"
    with pytest.raises(UsageError, match="_bundle"):
        shipped_root(module_file)
    (bundle / "terraform").mkdir(parents=True)
    (bundle / "terraform/main.tf").write_text("# stack\n")
    (bundle / "contracts").mkdir()
    assert shipped_root(module_file) == bundle.resolve()
