"""The stack model on fixture stacks: count/for_each expansion, nested modules, tfvars precedence,
depends_on, derived attributes, and the errors a user sees (exit 2 with file and line)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lakectl.stack.loader import StackError, load_stack
from lakectl.stack.values import Template, Unknown, is_apply_time, render

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stacks"
BASIC = FIXTURES / "model_basic"


@pytest.fixture(scope="module")
def basic():
    return load_stack(BASIC, env={})


def test_count_and_for_each_expand_to_full_addresses(basic) -> None:
    addresses = [r.address for r in basic.resources if r.mode == "managed"]
    assert "aws_s3_bucket.data[0]" in addresses and "aws_s3_bucket.data[1]" in addresses
    assert 'aws_sqs_queue.per_dataset["users_v2"]' in addresses
    assert 'module.app.module.leaf["events_v1"].aws_cloudwatch_log_group.this' in addresses
    bucket = basic.resource("aws_s3_bucket.data[1]")
    assert (bucket.index, bucket.module, bucket.values["bucket"]) == (1, None, "lake-data-1")
    queue = basic.resource('aws_sqs_queue.per_dataset["events_v1"]')
    assert queue.index == "events_v1" and queue.values["name"] == "lake-events-v1"


def test_nested_modules_have_addresses_and_inputs(basic) -> None:
    assert [m.address for m in basic.modules] == [
        None,
        "module.app",
        'module.app.module.leaf["events_v1"]',
        'module.app.module.leaf["users_v1"]',
        'module.app.module.leaf["users_v2"]',
    ]
    app = basic.module("module.app")
    assert app.variables["buckets"].value == ["lake-data-0", "lake-data-1"]
    assert app.variables["datasets"].value == ["events_v1", "users_v1", "users_v2"]  # set(string): sorted
    assert basic.root.outputs["leaf_names"].value == {
        "events_v1": "/lake/lake-events_v1",
        "users_v1": "/lake/lake-users_v1",
        "users_v2": "/lake/lake-users_v2",
    }
    leaf = basic.resource('module.app.module.leaf["users_v1"].aws_cloudwatch_log_group.this')
    assert leaf.module == 'module.app.module.leaf["users_v1"]' and leaf.index is None


def test_optional_object_attributes_take_their_defaults(basic) -> None:
    assert basic.root.variables["datasets"].value == {
        "users": {"versions": [1, 2], "owner": "data"},
        "events": {"versions": [1], "owner": "ops"},
    }


def test_variable_precedence_follows_terraform() -> None:
    env = {"TF_VAR_from_default": "env", "TF_VAR_from_env": "env", "TF_VAR_from_tfvars": "env"}
    stack = load_stack(BASIC, env=env, var_files=[BASIC / "extra.tfvars.in"])
    v = stack.root.variables
    assert (v["from_default"].value, v["from_default"].source) == ("env", "TF_VAR_from_default")
    # terraform.tfvars beats TF_VAR_*; *.auto.tfvars beat it, in lexical order; -var-file beats those
    assert (v["from_env"].value, v["from_env"].source) == ("tfvars", "terraform.tfvars")
    assert (v["from_auto"].value, v["from_auto"].source) == ("b.auto", "b.auto.tfvars")
    assert v["from_var_file"].value == "var-file"
    assert v["from_var_file"].source.startswith("-var-file=")
    # -var beats everything
    stack = load_stack(BASIC, env=env, variables={"from_auto": "cli", "replicas": "3"})
    assert stack.root.variables["from_auto"].value == "cli"
    assert len(stack.by_type("aws_s3_bucket")) == 3


def test_depends_on_and_references(basic) -> None:
    note = basic.resource("aws_s3_bucket_notification.data")
    assert note.depends_on == ("aws_lambda_permission.invoke",)
    assert "module.app" in note.references and "aws_s3_bucket.data" in note.references
    fn = basic.resource("module.app.aws_lambda_function.this")
    assert "aws_iam_role.this" in fn.references and "var.buckets" in fn.references


def test_derived_attributes_are_templates_over_apply_time_values(basic) -> None:
    perm = basic.resource("aws_lambda_permission.invoke")
    assert perm.values["function_name"] == "lake-fn"
    assert str(perm.values["source_arn"]) == "arn:${data.aws_partition.current.partition}:s3:::lake-data-0"
    fn = basic.resource("module.app.aws_lambda_function.this")
    assert str(fn.values["role"]) == (
        "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}"
        ":role/lake-app"
    )
    region = fn.values["environment"][0]["variables"]["REGION"]
    assert region == Unknown("module.app.data.aws_region.current.region")
    assert all(is_apply_time(u.origin) for _, _, u in basic.unknowns())


def test_assume_resolves_apply_time_values() -> None:
    stack = load_stack(
        BASIC, env={}, assume={"account_id": "123456789012", "region": "eu-west-1", "partition": "aws"}
    )
    assert list(stack.unknowns()) == []
    q = stack.root.outputs["queue_arns"].value
    assert q["users_v1"] == "arn:aws:sqs:eu-west-1:123456789012:lake-users-v1"


def test_unknown_computed_attribute_keeps_its_origin(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_object" "o" {\n  bucket = "b"\n  key = "k"\n}\n'
        'output "etag" {\n  value = "etag=${aws_s3_object.o.etag}"\n}\n'
    )
    value = load_stack(tmp_path, env={}).root.outputs["etag"].value
    assert value == Template(("etag=", Unknown("aws_s3_object.o.etag")))
    assert not is_apply_time("aws_s3_object.o.etag")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("locals {\n  a = [1,\n}\n", "main.tf:"),
        ("locals {\n  a = local.b\n  b = local.a\n}\n", "cycle"),
        ('variable "x" {\n  type = string\n}\n', "variable 'x' has no value"),
        ("locals {\n  a = nosuchfn(1)\n}\n", "unknown function 'nosuchfn'"),
        (
            "locals {\n  a = 1\n}\nlocals {\n  b = local.c\n}\n",
            "main.tf:5: reference to undeclared local value 'c'",
        ),
        ('resource "aws_s3_bucket" "b" {\n  count = "x"\n}\n', "count"),
    ],
)
def test_unreadable_stack_is_a_usage_error_with_a_location(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "main.tf").write_text(source)
    with pytest.raises(StackError) as e:
        load_stack(tmp_path, env={})
    assert e.value.exit_code == 2
    assert message in e.value.message


def test_variable_validation_failures_are_recorded(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "n" {\n  type = number\n  default = 5\n  validation {\n'
        '    condition = var.n < 3\n    error_message = "n must be < 3."\n  }\n}\n'
    )
    assert load_stack(tmp_path, env={}).root.variables["n"].validation_errors == ("n must be < 3.",)


def test_missing_build_artifacts_are_unknown_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('locals {\n  h = filesha256("${path.module}/build/f.zip")\n}\n')
    stack = load_stack(tmp_path, env={})
    assert isinstance(stack.root.locals["h"], Unknown)
    assert stack.missing_files == ("./build/f.zip",)
    with pytest.raises(StackError, match="no such file|cannot read"):
        load_stack(tmp_path, env={}, lenient_files=False)


def test_render_is_json_friendly(basic) -> None:
    out = render(basic.root.outputs["queue_arns"].value)
    assert all(isinstance(v, str) for v in out.values())


def test_registry_module_outputs_are_unknown(tmp_path: Path) -> None:
    shutil.copytree(BASIC / "modules", tmp_path / "modules")
    (tmp_path / "main.tf").write_text(
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
        'output "id" {\n  value = module.vpc.vpc_id\n}\n'
    )
    assert load_stack(tmp_path, env={}).root.outputs["id"].value == Unknown("module.vpc.vpc_id")


def test_arns_derived_from_arguments(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
resource "aws_glue_catalog_database" "db" {
  name = "lake"
}
resource "aws_glue_catalog_table" "t" {
  name          = "users_v1"
  database_name = aws_glue_catalog_database.db.name
}
resource "aws_glue_crawler" "c" {
  name          = "lake-users-v1"
  database_name = aws_glue_catalog_database.db.name
  role          = aws_iam_role.r.arn
}
resource "aws_iam_role" "r" {
  name = "lake-crawler"
  path = "/svc/"
}
resource "aws_cloudwatch_log_group" "g" {
  name = "/aws/lambda/lake-etl"
}
resource "aws_athena_workgroup" "w" {
  name = "lake"
}
output "arns" {
  value = {
    db       = aws_glue_catalog_database.db.arn
    table    = aws_glue_catalog_table.t.arn
    crawler  = aws_glue_crawler.c.arn
    role     = aws_glue_crawler.c.role
    logs     = aws_cloudwatch_log_group.g.arn
    wg       = aws_athena_workgroup.w.arn
    table_id = aws_glue_catalog_table.t.id
  }
}
"""
    )
    assume = {"account_id": "123456789012", "region": "eu-west-1", "partition": "aws"}
    arns = load_stack(tmp_path, env={}, assume=assume).root.outputs["arns"].value
    assert arns == {
        "db": "arn:aws:glue:eu-west-1:123456789012:database/lake",
        "table": "arn:aws:glue:eu-west-1:123456789012:table/lake/users_v1",
        "crawler": "arn:aws:glue:eu-west-1:123456789012:crawler/lake-users-v1",
        "role": "arn:aws:iam::123456789012:role/svc/lake-crawler",
        "logs": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/lake-etl",
        "wg": "arn:aws:athena:eu-west-1:123456789012:workgroup/lake",
        "table_id": "123456789012:lake:users_v1",
    }


def test_policy_document_json_merges_source_documents(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
data "aws_partition" "current" {}
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "A"
    actions   = ["s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::b/*"]
  }
}
data "aws_iam_policy_document" "full" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid     = "B"
    effect  = "Deny"
    actions = ["s3:DeleteObject", "s3:PutObject"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
output "policy" {
  value = jsondecode(data.aws_iam_policy_document.full.json)
}
"""
    )
    policy = load_stack(tmp_path, env={}, assume={"partition": "aws"}).root.outputs["policy"].value
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {
                "Sid": "B",
                "Effect": "Deny",
                "Action": ["s3:DeleteObject", "s3:PutObject"],
                "Resource": "*",
                "Principal": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    symbolic = load_stack(tmp_path, env={}).root.outputs["policy"].value
    assert str(symbolic["Statement"][0]["Resource"]) == "arn:${data.aws_partition.current.partition}:s3:::b/*"


def test_preconditions_are_evaluated_per_instance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
resource "aws_sqs_queue" "q" {
  for_each = { ok = 1, bad = 0 }
  name     = each.key
  lifecycle {
    precondition {
      condition     = each.value > 0
      error_message = "queue ${each.key} needs a positive value"
    }
  }
}
"""
    )
    stack = load_stack(tmp_path, env={})
    assert stack.resource('aws_sqs_queue.q["bad"]').meta["precondition_errors"] == (
        "queue bad needs a positive value",
    )
    assert stack.resource('aws_sqs_queue.q["ok"]').meta["precondition_errors"] == ()
