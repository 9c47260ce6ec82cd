"""`lakectl preflight` runs the provider-schema check: findings with code, address and fix."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lakectl.cli import app
from lakectl.preflight import CHECKS, check_provider_schema
from tests.terraform._stack import FIXTURES, REPO

runner = CliRunner()


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_schema_check_is_registered() -> None:
    assert check_provider_schema in CHECKS


def test_preflight_json_on_the_shipped_stack_has_no_stk_schema_finding() -> None:
    result = _invoke("preflight", "--project", str(REPO), "--json")
    doc = json.loads(result.stdout)
    assert set(doc) >= {"findings", "summary"}
    assert {"errors", "warnings", "infos"} <= set(doc["summary"])
    codes = [f["code"] for f in doc["findings"]]
    assert not [c for c in codes if c in ("STK001", "STK002", "STK003")], doc["findings"]
    assert result.exit_code == (1 if doc["summary"]["errors"] else 0)


def test_preflight_json_on_the_seed_bad_policy_fails_with_the_address() -> None:
    stack = FIXTURES / "seed_bad_policy"
    result = _invoke("preflight", "--project", str(stack), "--stack", str(stack), "--json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    stk = [f for f in doc["findings"] if f["code"] == "STK002"]
    assert len(stk) == 1
    f = stk[0]
    assert f["address"] == "module.etl.aws_iam_policy.etl"
    assert f["severity"] == "error" and f["contract"] == "access"
    assert "role" in f["message"] and "aws_iam_role_policy" in f["fix"]
    assert set(f) == {"code", "severity", "contract", "address", "resource", "message", "fix"}
    assert doc["summary"]["errors"] >= 1


def test_preflight_human_output_names_code_and_address() -> None:
    stack = FIXTURES / "seed_bad_policy"
    result = _invoke("preflight", "--stack", str(stack), "--project", str(stack))
    assert result.exit_code == 1
    assert "STK002" in result.stdout and "module.etl.aws_iam_policy.etl" in result.stdout


def test_preflight_without_a_stack_is_a_usage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = _invoke("preflight", "--project", str(tmp_path))
    assert result.exit_code == 2
    assert "error:" in result.stderr
