"""`lakectl preflight` on the shipped project and on broken copies of it: each break gives its finding
code at the owning Terraform address, with a concrete fix, and exit code 1."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakectl.cli import app
from lakectl.preflight import PreflightContext, run_preflight
from lakectl.project import new_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "lake"
    new_project(dest)
    return dest


def preflight(project: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["--project", str(project), "preflight", "--json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def codes_at(doc: dict) -> set[tuple[str, str | None]]:
    return {(f["code"], f["address"]) for f in doc["findings"]}


def finding(doc: dict, code: str) -> dict:
    return next(f for f in doc["findings"] if f["code"] == code)


def test_shipped_project_passes(project: Path) -> None:
    code, doc = preflight(project)
    assert code == 0, doc["findings"]
    assert doc["summary"]["errors"] == 0


def test_module_calling_another_module(project: Path) -> None:
    edit(
        project / "terraform/modules/glue/main.tf",
        'resource "aws_glue_catalog_database"',
        'module "s3" {\n  source = "../s3"\n  name   = var.name\n}\n\nresource "aws_glue_catalog_database"',
    )
    code, doc = preflight(project)
    assert code == 1
    assert ("STK101", "module.glue.module.s3") in codes_at(doc)
    assert "terraform/main.tf" in finding(doc, "STK101")["fix"]


def test_module_looking_up_another_systems_resource(project: Path) -> None:
    with (project / "terraform/modules/lambda/main.tf").open("a") as f:
        f.write('\ndata "aws_s3_bucket" "raw" {\n  bucket = var.curated_bucket\n}\n')
    code, doc = preflight(project)
    assert code == 1
    assert ("STK103", "module.lambda.data.aws_s3_bucket.raw") in codes_at(doc)


def test_wiring_inside_a_module(project: Path) -> None:
    with (project / "terraform/modules/lambda/main.tf").open("a") as f:
        f.write(
            '\nresource "aws_lambda_permission" "s3" {\n  action = "lambda:InvokeFunction"\n'
            "  function_name = aws_lambda_function.this.function_name\n"
            '  principal = "s3.amazonaws.com"\n}\n'
        )
    code, doc = preflight(project)
    assert code == 1
    assert ("STK102", "module.lambda.aws_lambda_permission.s3") in codes_at(doc)


def test_missing_lambda_permission(project: Path) -> None:
    main = project / "terraform/main.tf"
    text = main.read_text()
    text = re.sub(r'resource "aws_lambda_permission" "s3_invoke" \{.*?\n\}\n', "", text, flags=re.S)
    text = text.replace("depends_on = [aws_lambda_permission.s3_invoke]", "")
    main.write_text(text)
    code, doc = preflight(project)
    assert code == 1
    assert ("STK130", "aws_s3_bucket_notification.raw") in codes_at(doc)
    assert sum(f["code"] == "STK130" for f in doc["findings"]) == 1  # one per function, not per rule
    f = finding(doc, "STK130")
    assert f["contract"] == "access" and f["resource"] == "lakectl-etl"
    assert 'resource "aws_lambda_permission"' in f["fix"] and 'principal     = "s3.amazonaws.com"' in f["fix"]
    assert "module.lambda.function_arn" in f["fix"]


def test_notification_not_waiting_for_its_permission(project: Path) -> None:
    edit(project / "terraform/main.tf", "depends_on = [aws_lambda_permission.s3_invoke]", "")
    code, doc = preflight(project)
    assert code == 1
    assert ("STK131", "aws_s3_bucket_notification.raw") in codes_at(doc)
    assert "depends_on = [aws_lambda_permission.s3_invoke]" in finding(doc, "STK131")["fix"]


@pytest.mark.parametrize(
    ("handler", "code"),
    [("lake_etl.handlers.lambda_handler", "PKG101"), ("lake_etl.handler.main", "PKG102")],
)
def test_wrong_handler(project: Path, handler: str, code: str) -> None:
    edit(
        project / "terraform/modules/lambda/main.tf",
        '"lake_etl.handler.lambda_handler"',
        f'"{handler}"',
    )
    rc, doc = preflight(project)
    assert rc == 1
    assert (code, "module.lambda.aws_lambda_function.this") in codes_at(doc)
    assert finding(doc, code)["contract"] == "transform"


def test_handler_file_that_does_not_parse(project: Path) -> None:
    (project / "lambda/lake_etl/handler.py").write_text("def lambda_handler(event, context)\n    pass\n")
    rc, doc = preflight(project)
    assert rc == 1
    assert ("PKG103", "module.lambda.aws_lambda_function.this") in codes_at(doc)


def test_table_column_drift(project: Path) -> None:
    edit(project / "terraform/modules/glue/main.tf", "type    = columns.value.type", 'type    = "string"')
    rc, doc = preflight(project)
    assert rc == 1
    drift = {a for c, a in codes_at(doc) if c == "STK120"}
    assert 'module.glue.aws_glue_catalog_table.this["users_v1"]' in drift
    f = next(
        f for f in doc["findings"] if f["address"] == 'module.glue.aws_glue_catalog_table.this["users_v1"]'
    )
    assert f["contract"] == "catalog"
    assert "user_id bigint" in f["message"] and "contracts/datasets/users/v1.json" in f["message"]


def test_contract_without_table(project: Path) -> None:
    src = project / "contracts/datasets/users/v1.json"
    doc = json.loads(src.read_text())
    doc["dataset"], doc["version"] = "orders", 1
    (project / "contracts/datasets/orders").mkdir()
    (project / "contracts/datasets/orders/v1.json").write_text(json.dumps(doc))
    # the stack reads the project's contracts: a new contract gets its table, and no finding
    rc, out = preflight(project)
    assert rc == 0, out["findings"]
    # a stack pointed elsewhere leaves the project's contract without a table
    edit(
        project / "terraform/modules/glue/contracts.tf",
        'fileset(var.contracts_dir, "datasets/*/v*.json")',
        'fileset(var.contracts_dir, "datasets/[ue]*/v*.json")',
    )
    rc, out = preflight(project)
    assert rc == 1
    assert ("STK121", None) in codes_at(out)


def test_missing_ownership_tags(project: Path) -> None:
    lam = project / "terraform/modules/lambda/main.tf"
    text = lam.read_text()
    text = text.replace("  tags                      = local.tags\n", "", 1)  # the SQS queue
    lam.write_text(text)
    edit(project / "terraform/providers.tf", '"lakectl:stack" = var.name', '"owner" = var.name')
    rc, doc = preflight(project)
    assert rc == 1
    assert ("STK110", "module.lambda.aws_sqs_queue.failures") in codes_at(doc)
    assert ("STK112", None) in codes_at(doc)
    assert '"lakectl:module" = "lambda"' in finding(doc, "STK110")["fix"]


def test_unreadable_stack_exits_2(project: Path) -> None:
    with (project / "terraform/main.tf").open("a") as f:
        f.write("\nlocals {\n  broken = [1,\n}\n")
    result = CliRunner().invoke(app, ["--project", str(project), "preflight", "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "main.tf" in result.stderr


def test_preflight_takes_under_a_second_of_cpu_on_the_shipped_stack(project: Path) -> None:
    run_preflight(project, project / "terraform")  # warm imports and the parser
    start = time.process_time()
    run_preflight(project, project / "terraform")
    assert time.process_time() - start < 1.0


def test_context_loads_the_model_once(project: Path) -> None:
    ctx = PreflightContext(project, project / "terraform")
    assert ctx.model is ctx.model


def test_variable_validation_and_precondition_failures(project: Path) -> None:
    (project / "terraform/terraform.tfvars").write_text("lambda_memory_mb = 100\n")
    contract = project / "contracts/datasets/events/v1.json"
    doc = json.loads(contract.read_text())
    doc["columns"][0]["type"] = "varchar"
    contract.write_text(json.dumps(doc))
    rc, out = preflight(project)
    assert rc == 1
    stk140 = finding(out, "STK140")
    assert "lambda_memory_mb" in stk140["message"] and "terraform.tfvars" in stk140["message"]
    assert ("STK141", 'module.glue.aws_glue_catalog_table.this["events_v1"]') in codes_at(out)


def test_missing_build_artifacts_are_an_info(project: Path) -> None:
    rc, out = preflight(project)
    infos = [f for f in out["findings"] if f["code"] == "STK142"]
    assert rc == 0
    assert any(".lakectl/build/function.zip," in f["message"] for f in infos)
    assert all(f["severity"] == "info" and f["fix"] == "lakectl build" for f in infos)


def test_the_whole_command_takes_under_a_second_of_cpu(project: Path) -> None:
    import resource
    import subprocess
    import sys

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "lakectl", "--project", str(project), "preflight", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 1.0, f"lakectl preflight used {cpu:.2f} s of CPU"
