"""`lakectl demo` without moto: exit 3 and how to get it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakectl.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_demo_without_moto_exits_3_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto.server", None)  # `from moto.server import ...` fails
    result = CliRunner().invoke(app, ["--project", str(REPO), "demo", "--json"])
    assert result.exit_code == 3
    assert "install lakectl[local]" in result.stderr
    assert result.stdout == ""


def test_demo_help_says_nothing_is_deployed() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert result.exit_code == 0
    assert "nothing is deployed" in result.stdout


def test_a_broken_contract_stops_the_demo_before_the_rehearsal(tmp_path) -> None:
    import json as _json

    from typer.testing import CliRunner

    from lakectl.cli import app

    runner = CliRunner()
    project = tmp_path / "proj"
    assert runner.invoke(app, ["new", str(project)]).exit_code == 0
    path = project / "contracts" / "datasets" / "events" / "v1.json"
    doc = _json.loads(path.read_text())
    doc["columns"][0]["type"] = "varchar"
    path.write_text(_json.dumps(doc))
    result = runner.invoke(app, ["--project", str(project), "demo", "--json"])
    assert result.exit_code == 2, result.output
    assert "events/v1.json" in result.stderr and "varchar" in result.stderr
    assert "moto server" not in result.stderr  # stopped before starting anything
