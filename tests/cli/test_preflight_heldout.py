"""Held-out acceptance of `lakectl preflight --json` on broken copies of the shipped stack.

Each case copies the project `lakectl new` makes, breaks it the way a user would, and expects an
error finding with the right code, at the right Terraform address (module.<call>.<type>.<name>[key]),
naming the offending argument, with exit code 1. Unreadable stacks exit 2 with file and line.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakectl.cli import app
from lakectl.project import new_project

LAMBDA = "terraform/modules/lambda/main.tf"
GLUE = "terraform/modules/glue/main.tf"
S3 = "terraform/modules/s3/main.tf"
ROOT = "terraform/main.tf"
HANDLER = '"lake_etl.handler.lambda_handler"'
PERMISSION = re.compile(r'resource "aws_lambda_permission" "s3_invoke" \{.*?\n\}\n', re.S)
DEPENDS = "depends_on = [aws_lambda_permission.s3_invoke]"
LAYER = 'resource "aws_lambda_layer_version" "this" {\n  count = var.layer_arn == null ? 1 : 0'


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("heldout") / "lake"
    new_project(dest)
    return dest


@pytest.fixture
def project(base: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "lake"
    shutil.copytree(base, dest)
    return dest


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))


def append(project: Path, rel: str, text: str) -> None:
    path = project / rel
    path.write_text(path.read_text() + text)


def drop(project: Path, rel: str, pattern: re.Pattern[str]) -> None:
    path = project / rel
    text, n = pattern.subn("", path.read_text(), count=1)
    assert n == 1
    path.write_text(text)


def add_column(project: Path, dataset: str, version: int, column: dict) -> None:
    path = project / f"contracts/datasets/{dataset}/v{version}.json"
    doc = json.loads(path.read_text())
    doc["columns"].append(column)
    path.write_text(json.dumps(doc, indent=2))


def run(project: Path, *args: str):
    return CliRunner().invoke(app, ["--project", str(project), "preflight", *args])


# name -> (break the project, expected code, expected address, text the message must hold)
CASES = {
    "unknown argument": (
        lambda p: edit(
            p, S3, 'resource "aws_s3_bucket" "raw" {', 'resource "aws_s3_bucket" "raw" {\n  colour = "blue"'
        ),
        "STK002",
        "module.s3.aws_s3_bucket.raw",
        "'colour'",
    ),
    "misspelt argument": (
        lambda p: edit(
            p,
            S3,
            'resource "aws_s3_bucket_versioning" "raw" {\n  bucket',
            'resource "aws_s3_bucket_versioning" "raw" {\n  bukcet',
        ),
        "STK002",
        "module.s3.aws_s3_bucket_versioning.raw",
        "'bukcet'",
    ),
    "misspelt argument leaves the required one unset": (
        lambda p: edit(
            p,
            S3,
            'resource "aws_s3_bucket_versioning" "raw" {\n  bucket',
            'resource "aws_s3_bucket_versioning" "raw" {\n  bukcet',
        ),
        "STK003",
        "module.s3.aws_s3_bucket_versioning.raw",
        "'bucket'",
    ),
    "misspelt nested block": (
        lambda p: edit(p, LAMBDA, "  ephemeral_storage {", "  ephemeral_storag {"),
        "STK002",
        "module.lambda.aws_lambda_function.this",
        "'ephemeral_storag'",
    ),
    "misspelt block inside a block": (
        lambda p: edit(p, GLUE, "    ser_de_info {", "    ser_de_inf {"),
        "STK002",
        'module.glue.aws_glue_catalog_table.this["users_v1"]',
        "'ser_de_inf'",
    ),
    "missing required argument": (
        lambda p: edit(p, LAMBDA, "  role             = aws_iam_role.this.arn\n", ""),
        "STK003",
        "module.lambda.aws_lambda_function.this",
        "'role'",
    ),
    "unknown resource type": (
        lambda p: append(
            p, S3, '\nresource "aws_s3_bucket_versionin" "extra" {\n  bucket = aws_s3_bucket.raw.id\n}\n'
        ),
        "STK001",
        "module.s3.aws_s3_bucket_versionin.extra",
        "'aws_s3_bucket_versionin'",
    ),
    "misspelt resource type that others refer to": (
        lambda p: edit(
            p, LAMBDA, 'resource "aws_sqs_queue" "failures"', 'resource "aws_sqs_queu" "failures"'
        ),
        "STK001",
        "module.lambda.aws_sqs_queu.failures",
        "'aws_sqs_queu'",
    ),
    "references to the misspelt resource": (
        lambda p: edit(
            p, LAMBDA, 'resource "aws_sqs_queue" "failures"', 'resource "aws_sqs_queu" "failures"'
        ),
        "STK004",
        "module.lambda.data.aws_iam_policy_document.failures",
        "'aws_sqs_queue'",
    ),
    "handler module path": (
        lambda p: edit(p, LAMBDA, HANDLER, '"lake_etl.handlr.lambda_handler"'),
        "PKG101",
        "module.lambda.aws_lambda_function.this",
        "lake_etl.handlr",
    ),
    "handler function name": (
        lambda p: edit(p, LAMBDA, HANDLER, '"lake_etl.handler.handle"'),
        "PKG102",
        "module.lambda.aws_lambda_function.this",
        "'handle'",
    ),
    "handler through a variable default": (
        lambda p: (
            edit(p, LAMBDA, HANDLER, "var.handler"),
            append(
                p,
                "terraform/modules/lambda/variables.tf",
                '\nvariable "handler" {\n  type    = string\n  default = "lake_etl.handler.nope"\n}\n',
            ),
        ),
        "PKG102",
        "module.lambda.aws_lambda_function.this",
        "'nope'",
    ),
    "handler through a variable set by the root": (
        lambda p: (
            edit(p, LAMBDA, HANDLER, "var.handler"),
            append(
                p, "terraform/modules/lambda/variables.tf", '\nvariable "handler" {\n  type = string\n}\n'
            ),
            edit(
                p,
                ROOT,
                "  curated_bucket        = module.s3.curated_bucket_id\n",
                "  curated_bucket        = module.s3.curated_bucket_id\n"
                '  handler = "lake_etl.handler.missing_fn"\n',
            ),
        ),
        "PKG102",
        "module.lambda.aws_lambda_function.this",
        "'missing_fn'",
    ),
    "dropped lambda permission": (
        lambda p: (drop(p, ROOT, PERMISSION), edit(p, ROOT, DEPENDS, "")),
        "STK130",
        "aws_s3_bucket_notification.raw",
        "aws_lambda_permission",
    ),
    "dropped lambda permission, depends_on left behind": (
        lambda p: drop(p, ROOT, PERMISSION),
        "STK130",
        "aws_s3_bucket_notification.raw",
        "aws_lambda_permission",
    ),
    "permission for another bucket": (
        lambda p: edit(
            p,
            ROOT,
            "source_arn     = module.s3.raw_bucket_arn",
            "source_arn     = module.s3.curated_bucket_arn",
        ),
        "STK130",
        "aws_s3_bucket_notification.raw",
        "aws_lambda_permission",
    ),
    "permission without source_arn": (
        lambda p: edit(p, ROOT, "  source_arn     = module.s3.raw_bucket_arn\n", ""),
        "STK132",
        "aws_lambda_permission.s3_invoke",
        "source_arn",
    ),
    "misspelt lifecycle argument": (
        lambda p: edit(
            p,
            GLUE,
            "  lifecycle {\n    precondition {",
            "  lifecycle {\n    prevent_destroi = true\n    precondition {",
        ),
        "STK002",
        'module.glue.aws_glue_catalog_table.this["users_v2"]',
        "'prevent_destroi'",
    ),
    "permission without depends_on": (
        lambda p: edit(p, ROOT, DEPENDS, ""),
        "STK131",
        "aws_s3_bucket_notification.raw",
        "depends_on",
    ),
    "misspelt argument in the permission": (
        lambda p: edit(
            p,
            ROOT,
            "  function_name  = module.lambda.function_name",
            "  functon_name   = module.lambda.function_name",
        ),
        "STK002",
        "aws_lambda_permission.s3_invoke",
        "'functon_name'",
    ),
    "cross-module reference to a module": (
        lambda p: edit(
            p,
            "terraform/modules/athena/main.tf",
            "s3://${var.results_bucket}/",
            "s3://${module.s3.athena_results_bucket_id}/",
        ),
        "STK004",
        "module.athena.aws_athena_workgroup.this",
        "module 's3'",
    ),
    "cross-module reference to a resource": (
        lambda p: edit(
            p,
            "terraform/modules/athena/main.tf",
            "s3://${var.results_bucket}/",
            "s3://${aws_s3_bucket.athena_results.id}/",
        ),
        "STK004",
        "module.athena.aws_athena_workgroup.this",
        "'aws_s3_bucket'",
    ),
    "glue column drift": (
        lambda p: edit(
            p,
            GLUE,
            "for_each = local.columns[each.key]",
            'for_each = [for c in local.columns[each.key] : c if c.name != "email"]',
        ),
        "STK120",
        'module.glue.aws_glue_catalog_table.this["users_v2"]',
        "email",
    ),
    "contract column of a type Glue lacks": (
        lambda p: add_column(p, "users", 2, {"name": "nickname", "type": "varchar(10)"}),
        "STK141",
        'module.glue.aws_glue_catalog_table.this["users_v2"]',
        "not a Glue type",
    ),
    "misspelt argument in a dynamic block": (
        lambda p: edit(
            p, GLUE, "        comment = columns.value.comment", "        coment  = columns.value.comment"
        ),
        "STK002",
        'module.glue.aws_glue_catalog_table.this["events_v1"]',
        "'coment'",
    ),
    "misspelt argument in a root dynamic block": (
        lambda p: edit(
            p,
            ROOT,
            "      filter_suffix       = lambda_function.value",
            "      filter_sufix        = lambda_function.value",
        ),
        "STK002",
        "aws_s3_bucket_notification.raw",
        "'filter_sufix'",
    ),
    "unknown argument in a counted resource": (
        lambda p: edit(
            p,
            LAMBDA,
            LAYER,
            LAYER + "\n  runtimes = []",
        ),
        "STK002",
        "module.lambda.aws_lambda_layer_version.this[0]",
        "'runtimes'",
    ),
    "unknown argument in a for_each resource": (
        lambda p: edit(
            p,
            GLUE,
            'resource "aws_glue_crawler" "this" {',
            'resource "aws_glue_crawler" "this" {\n  schedul = "x"',
        ),
        "STK002",
        'module.glue.aws_glue_crawler.this["users_v1"]',
        "'schedul'",
    ),
    "misspelt argument in a data source": (
        lambda p: edit(p, ROOT, 'sid       = "ListRaw"', 'sid       = "ListRaw"\n    efect     = "Allow"'),
        "STK002",
        "data.aws_iam_policy_document.etl_data",
        "'efect'",
    ),
    "argument of a resource on a provider alias": (
        lambda p: (
            append(
                p,
                S3,
                '\nresource "aws_s3_bucket_accelerate_configuration" "raw" {\n  provider = aws.replica\n'
                '  bucket   = aws_s3_bucket.raw.id\n  statuss  = "Enabled"\n}\n',
            ),
            edit(
                p,
                "terraform/modules/s3/versions.tf",
                "source",
                "configuration_aliases = [aws.replica]\n      source",
            ),
            edit(
                p,
                ROOT,
                'module "s3" {\n  source = "./modules/s3"\n',
                'module "s3" {\n  source = "./modules/s3"\n  providers = {\n    aws         = aws\n'
                "    aws.replica = aws.replica\n  }\n",
            ),
            append(
                p,
                "terraform/providers.tf",
                '\nprovider "aws" {\n  alias  = "replica"\n  region = "eu-west-1"\n}\n',
            ),
        ),
        "STK002",
        "module.s3.aws_s3_bucket_accelerate_configuration.raw",
        "'statuss'",
    ),
    "unknown argument in a module call": (
        lambda p: edit(
            p,
            ROOT,
            "  name                           = var.name",
            "  nme                            = var.name",
        ),
        "STK004",
        "module.s3",
        "'nme'",
    ),
    "module call without a required argument": (
        lambda p: edit(p, ROOT, "  name                           = var.name\n", ""),
        "STK004",
        "module.s3",
        "'name'",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_broken_copy_gives_an_error_finding_at_the_address(project: Path, name: str) -> None:
    breaker, code, address, text = CASES[name]
    breaker(project)
    result = run(project, "--json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    matching = [f for f in doc["findings"] if f["code"] == code and f["address"] == address]
    assert matching, [(f["code"], f["address"], f["message"][:120]) for f in doc["findings"]]
    f = matching[0]
    assert f["severity"] == "error" and text in f["message"], f
    assert f["fix"] and f["contract"] in {"storage", "transform", "catalog", "query", "access", "state"}
    assert set(f) == {"code", "severity", "contract", "address", "resource", "message", "fix"}
    assert doc["summary"]["errors"] >= 1


def test_for_each_finding_names_every_instance(project: Path) -> None:
    CASES["unknown argument in a for_each resource"][0](project)
    doc = json.loads(run(project, "--json").stdout)
    addrs = sorted(f["address"] for f in doc["findings"] if f["code"] == "STK002")
    assert addrs == [
        f'module.glue.aws_glue_crawler.this["{k}"]' for k in ("events_v1", "users_v1", "users_v2")
    ]


def test_a_valid_extra_contract_column_flows_into_its_table(project: Path) -> None:
    # Terraform derives the Glue columns from the contract (design §1, catalog): no drift, no finding
    add_column(project, "users", 2, {"name": "nickname", "type": "string", "description": "display name"})
    result = run(project, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["errors"] == 0


@pytest.mark.parametrize(
    ("rel", "text", "where"),
    [
        (GLUE, '\nresource "aws_glue_job" "x" {\n  name = "a"\n', "line "),
        ("terraform/modules/athena/main.tf", None, "line 25"),
        (S3, '\nresource "aws_s3_bucket" {\n}\n', "main.tf:"),
    ],
)
def test_stack_that_does_not_parse_exits_2_with_file_and_line(
    project: Path, rel: str, text, where: str
) -> None:
    if text is None:  # an attribute defined twice
        edit(
            project,
            rel,
            'resource "aws_athena_workgroup" "this" {',
            'resource "aws_athena_workgroup" "this" {\n  description = "twice"',
        )
    else:
        append(project, rel, text)
    result = run(project, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and Path(rel).name in result.stderr and where in result.stderr
    assert "Traceback" not in result.output


def test_missing_stack_dir_exits_2(project: Path, tmp_path: Path) -> None:
    result = run(project, "--stack", str(tmp_path / "nowhere"), "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "nowhere" in result.stderr


def test_shipped_stack_exits_0_within_a_second(base: Path) -> None:
    cmd = [sys.executable, "-m", "lakectl", "--project", str(base), "preflight", "--json"]
    walls, cpus = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["errors"] == 0
    assert min(cpus) < 1.0, f"lakectl preflight used {min(cpus):.2f} s of CPU"
    # wall time is the acceptance bar; on a machine busier than its cores it measures the others
    if os.getloadavg()[0] <= (os.cpu_count() or 1):
        assert min(walls) < 1.0, f"lakectl preflight took {min(walls):.2f} s"


def test_an_edit_between_two_runs_in_one_process_is_seen(project: Path) -> None:
    # the loader and the schema check share one parse per file, cached by path, mtime and size
    assert run(project, "--json").exit_code == 0
    edit(project, S3, 'resource "aws_s3_bucket" "raw" {', 'resource "aws_s3_bucket" "raw" {\n  colour = "x"')
    result = run(project, "--json")
    assert result.exit_code == 1
    assert ("STK002", "module.s3.aws_s3_bucket.raw") in {
        (f["code"], f["address"]) for f in json.loads(result.stdout)["findings"]
    }
    edit(project, S3, '  colour = "x"\n', "")
    assert run(project, "--json").exit_code == 0
