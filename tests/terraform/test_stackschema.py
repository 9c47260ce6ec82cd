"""The offline provider-schema check (STK001-003) on the shipped stack and on negative fixtures."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from lakectl.errors import UsageError
from lakectl.stackschema import check_stack_schema, discover_modules, load_schema
from tests.terraform._stack import FIXTURES, REPO, STACK

SCHEMA_FILE = REPO / "src" / "lakectl" / "data" / "aws_provider_schema.json.gz"


def test_shipped_schema_is_provider_6_25_0_and_small() -> None:
    schema = load_schema()
    assert schema["version"] == "6.25.0"
    assert schema["source"].startswith("@cdktf/provider-aws@")
    assert len(schema["resource"]) > 1500 and len(schema["data"]) > 600
    assert SCHEMA_FILE.stat().st_size < 3 * 1024 * 1024
    # Names come from the registry anchors, not from camelCase: these differ from naive snake_case.
    assert "address_line_1" in schema["resource"]["aws_account_alternate_contact"]["a"] or any(
        "address_line_1" in b["a"] for b in schema["resource"].values()
    )
    # Required flags and nested blocks are there.
    fn = schema["resource"]["aws_lambda_function"]
    assert fn["a"]["function_name"] == 1 and fn["a"]["role"] == 1 and fn["a"]["handler"] == 0
    assert fn["b"]["ephemeral_storage"]["max"] == 1
    assert schema["resource"]["aws_s3_bucket_versioning"]["b"]["versioning_configuration"]["min"] == 1
    # Computed-only attributes are not arguments; meta-arguments are not provider arguments.
    assert "arn" not in fn["a"] and "count" not in fn["a"]


def test_shipped_stack_passes() -> None:
    assert check_stack_schema(STACK) == []


def test_every_resource_type_of_the_stack_is_checked() -> None:
    """The stack uses only aws_* types, so nothing escapes the check."""
    mods = discover_modules(STACK)
    addresses = {m.address for m, _ in mods}
    assert addresses == {"", "module.s3.", "module.lambda.", "module.glue.", "module.athena."}
    types = {t for _, files in mods for _, doc in files for e in doc.get("resource", []) for t in e}
    assert types and all(t.startswith("aws_") for t in types)


def test_seed_bad_policy_is_caught() -> None:
    findings = check_stack_schema(FIXTURES / "seed_bad_policy")
    assert [(f.code, f.address) for f in findings] == [("STK002", "module.etl.aws_iam_policy.etl")]
    f = findings[0]
    assert f.severity == "error" and f.contract == "access"
    assert "'role'" in f.message and "modules/etl/main.tf" in f.message
    assert "aws_iam_role_policy" in f.fix


def _by_address(findings):  # type: ignore[no-untyped-def]
    out: dict[str, list] = {}
    for f in findings:
        out.setdefault(f.address, []).append(f)
    return out


def test_seed_bad_schema_every_defect_reported_once() -> None:
    found = _by_address(check_stack_schema(FIXTURES / "seed_bad_schema"))
    codes = {a: sorted(f.code for f in fs) for a, fs in found.items()}
    assert codes == {
        "aws_s3_buckett.typo_type": ["STK001"],
        "data.aws_iam_policy_documnt.typo_data": ["STK001"],
        "aws_glue_catalog_table.nested_typo": ["STK002", "STK003"],
        "aws_lambda_function_event_invoke_config.missing_block_arg": ["STK003"],
        "aws_s3_bucket_versioning.missing_block": ["STK003"],
        "aws_s3_bucket_notification.dynamic_unknown": ["STK002", "STK002"],
    }
    assert "'aws_s3_bucket'" in found["aws_s3_buckett.typo_type"][0].fix
    assert "'aws_iam_policy_document'" in found["data.aws_iam_policy_documnt.typo_data"][0].fix
    nested = {f.code: f for f in found["aws_glue_catalog_table.nested_typo"]}
    assert "storage_descriptor.columns" in nested["STK002"].message and "'name'" in nested["STK002"].fix
    assert "'name'" in nested["STK003"].message
    assert "versioning_configuration" in found["aws_s3_bucket_versioning.missing_block"][0].message
    dyn = sorted(f.fix for f in found["aws_s3_bucket_notification.dynamic_unknown"])
    assert any("'lambda_function'" in x for x in dyn) and any("'filter_suffix'" in x for x in dyn)
    assert found["aws_s3_buckett.typo_type"][0].contract == "storage"
    assert found["aws_glue_catalog_table.nested_typo"][0].contract == "catalog"


def test_typo_in_the_shipped_stack_is_caught_with_its_module_address(tmp_path: Path) -> None:
    stack = tmp_path / "terraform"
    shutil.copytree(STACK, stack, ignore=shutil.ignore_patterns(".terraform*"))
    main = stack / "modules" / "athena" / "main.tf"
    text = main.read_text()
    assert "bytes_scanned_cutoff_per_query" in text
    main.write_text(text.replace("bytes_scanned_cutoff_per_query", "bytes_scaned_cutoff_per_query", 1))
    findings = check_stack_schema(stack)
    assert [(f.code, f.address) for f in findings] == [("STK002", "module.athena.aws_athena_workgroup.this")]
    assert "'bytes_scanned_cutoff_per_query'" in findings[0].fix
    assert findings[0].contract == "query"


def test_module_call_name_comes_from_the_root_not_the_directory(tmp_path: Path) -> None:
    (tmp_path / "mods" / "x").mkdir(parents=True)
    (tmp_path / "main.tf").write_text('module "storage" {\n  source = "./mods/x"\n}\n')
    (tmp_path / "mods" / "x" / "main.tf").write_text('resource "aws_s3_bucket" "this" {\n  buckt = "b"\n}\n')
    findings = check_stack_schema(tmp_path)
    assert [f.address for f in findings] == ["module.storage.aws_s3_bucket.this"]


def test_unparseable_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n')
    with pytest.raises(UsageError, match="cannot parse"):
        check_stack_schema(tmp_path)


def test_missing_stack_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        check_stack_schema(tmp_path / "nope")


def test_schema_argument_overrides_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_thing" "x" {\n  size = 1\n}\n')
    schema = {"version": "t", "resource": {"aws_thing": {"a": {"size": 0, "name": 1}}}, "data": {}}
    findings = check_stack_schema(tmp_path, schema=schema)
    assert [(f.code, "'name'" in f.message) for f in findings] == [("STK003", True)]


def test_schema_file_is_deterministic_gzip() -> None:
    raw = SCHEMA_FILE.read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00", "gzip mtime must be 0 (reproducible)"
    json.loads(gzip.decompress(raw))


def test_provider_block_and_block_counts_are_checked(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
provider "aws" {
  alias  = "moto"
  regoin = "eu-west-1"
  s3_use_path_style = true
  s3_us_east_1_regional_endpoint = "regional"

  endpoints {
    s3control = "http://127.0.0.1:5000"
    lambdas   = "http://127.0.0.1:5000"
  }
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "r"

  ephemeral_storage {
    size = 512
  }

  ephemeral_storage {
    size = 1024
  }

  dynamic "environment" {
    for_each = [1]
    content {
      variables = {}
    }
  }
}
""")
    found = sorted(((f.code, f.address, f.message) for f in check_stack_schema(tmp_path)), key=str)
    assert len(found) == 3, found
    provider = [f for f in found if f[1] is None]
    assert any("'regoin'" in m for _, _, m in provider) and any("'lambdas'" in m for _, _, m in provider)
    assert [m for c, a, m in found if a == "aws_lambda_function.f"] == [
        "main.tf: aws_lambda_function takes at most one 'ephemeral_storage' block, not 2"
    ]
