"""preflight reports every broken dataset contract as an error finding (STK123), naming file and field."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lakectl.cli import app

runner = CliRunner()


def test_a_contract_with_a_dt_column_is_an_error_finding_naming_file_and_field(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    assert runner.invoke(app, ["new", str(project)]).exit_code == 0
    path = project / "contracts" / "datasets" / "users" / "v1.json"
    doc = json.loads(path.read_text())
    doc["columns"].append({"name": "dt", "type": "string"})
    path.write_text(json.dumps(doc))
    result = runner.invoke(app, ["--project", str(project), "preflight", "--json"])
    assert result.exit_code == 1, result.output
    found = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "STK123"]
    assert len(found) == 1 and found[0]["severity"] == "error"
    assert found[0]["resource"] == "contracts/datasets/users/v1.json"
    assert "(dt).name" in found[0]["message"]


def test_the_shipped_contracts_pass(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    assert runner.invoke(app, ["new", str(project)]).exit_code == 0
    result = runner.invoke(app, ["--project", str(project), "preflight", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["errors"] == 0


def test_a_project_without_lambda_is_checked_against_the_shipped_lake_etl(tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "proj"
    assert runner.invoke(app, ["new", str(project)]).exit_code == 0
    shutil.rmtree(project / "lambda")
    result = runner.invoke(app, ["--project", str(project), "preflight", "--json"])
    assert result.exit_code == 0, result.output
    assert not [f for f in json.loads(result.stdout)["findings"] if f["code"].startswith("PKG")]
