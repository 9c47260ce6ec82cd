"""Static properties of the shipped stack: layout, formatting, documentation, ownership, wiring."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.terraform._stack import MODULE_NAMES, MODULES, STACK, blocks, load, tf_files, unwrap


def test_every_tf_file_loads_with_python_hcl2() -> None:
    files = tf_files()
    assert len(files) >= 20
    for p in files:
        doc = load(p)
        assert isinstance(doc, dict), p


def test_terraform_fmt_check_recursive(terraform_bin: Path) -> None:
    r = subprocess.run(
        [str(terraform_bin), "fmt", "-check", "-recursive", "-diff", str(STACK)],
        capture_output=True, text=True, timeout=60,
    )
    assert r.returncode == 0, f"terraform fmt would change:\n{r.stdout}{r.stderr}"


def test_terraform_fmt_check_catches_bad_formatting(terraform_bin: Path, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('locals {\n  a = 1\n  bb = 2\n}\n')
    r = subprocess.run([str(terraform_bin), "fmt", "-check", "-recursive", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_module_has_standard_files(module: str) -> None:
    d = MODULES / module
    for name in ("main.tf", "variables.tf", "outputs.tf", "README.md", "versions.tf"):
        assert (d / name).is_file(), f"modules/{module}/{name} is missing"


def test_root_has_standard_files() -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "providers.tf", "README.md",
                 "terraform.tfvars.example", "backend.tf.example"):
        assert (STACK / name).is_file(), name
    assert "use_lockfile" in (STACK / "backend.tf.example").read_text()


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_no_module_references_another(module: str) -> None:
    for p in sorted((MODULES / module).glob("*.tf")):
        text = p.read_text()
        code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
        assert "module." not in code, f"{p} references another module"
        assert not load(p).get("module"), f"{p} calls a module"


def test_root_calls_every_module_and_holds_no_provider_in_modules() -> None:
    calls = blocks(STACK, "module")
    assert {unwrap(b["source"]) for b in calls.values()} == {f"./modules/{m}" for m in MODULE_NAMES}
    for m in MODULE_NAMES:
        assert not blocks(MODULES / m, "provider"), f"modules/{m} declares a provider"


def test_no_aws_managed_policy_anywhere() -> None:
    pattern = re.compile(r"arn:(aws|\$\{[^}]*\})[a-z-]*:iam::aws:policy/")
    for p in tf_files():
        assert not pattern.search(p.read_text()), f"{p} names an AWS managed policy"
    for d in [STACK, *(MODULES / m for m in MODULE_NAMES)]:
        res = blocks(d, "resource")
        assert not [k for k in res if k.startswith("aws_iam_role_policy_attachment.")], d
        assert not [k for k in res if k.startswith("aws_iam_policy_attachment.")], d
        for k, b in res.items():
            if k.startswith("aws_iam_role."):
                assert "managed_policy_arns" not in b, k


@pytest.mark.parametrize("directory", [STACK, *(MODULES / m for m in MODULE_NAMES)], ids=lambda d: d.name)
def test_variables_typed_described_and_outputs_described(directory: Path) -> None:
    variables = blocks(directory, "variable")
    outputs = blocks(directory, "output")
    assert variables and outputs
    for name, b in variables.items():
        assert b.get("type"), f"variable {name} has no type"
        assert b.get("description", "").strip(), f"variable {name} has no description"
    for name, b in outputs.items():
        assert b.get("description", "").strip(), f"output {name} has no description"
    readme = (directory / "README.md").read_text()
    for name in [*variables, *outputs]:
        assert f"| `{name}` |" in readme, f"{directory.name}/README.md does not document {name}"


@pytest.mark.parametrize(
    ("directory", "variable"),
    [(STACK, v) for v in ("name", "lambda_memory_mb", "lambda_timeout_seconds",
                          "lambda_ephemeral_storage_mb", "log_retention_days",
                          "athena_results_expiration_days", "athena_bytes_scanned_cutoff")]
    + [(MODULES / "lambda", v) for v in ("memory_mb", "timeout_seconds", "ephemeral_storage_mb",
                                         "log_retention_days")],
)
def test_opinionated_variables_are_validated(directory: Path, variable: str) -> None:
    assert blocks(directory, "variable")[variable].get("validation"), f"{variable} has no validation"


def test_versions_and_default_tags() -> None:
    tf = load(STACK / "versions.tf")["terraform"][0]
    assert tf["required_version"] == ">= 1.5"
    assert tf["required_providers"][0]["aws"]["version"] == ">= 6.0, < 7.0"
    provider = load(STACK / "providers.tf")["provider"][0]["aws"]
    assert "lakectl:stack" in str(provider["default_tags"])


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_every_taggable_resource_carries_the_module_tag(module: str) -> None:
    from lakectl.stackschema import load_schema

    schema = load_schema()["resource"]
    locals_ = [b for p in (MODULES / module).glob("*.tf") for b in load(p).get("locals", [])]
    tags = next(b["tags"] for b in locals_ if "tags" in b)
    assert tags == {"lakectl:module": module}
    for key, body in blocks(MODULES / module, "resource").items():
        tf_type = key.split(".")[0]
        if "tags" in schema[tf_type]["a"]:
            assert unwrap(body.get("tags")) == "local.tags", f"{key} does not set tags = local.tags"


def test_notifications_one_per_suffix_after_the_permission() -> None:
    res = blocks(STACK, "resource")
    notification = res["aws_s3_bucket_notification.raw"]
    assert "${aws_lambda_permission.s3_invoke}" in notification["depends_on"]
    dyn = notification["dynamic"][0]["lambda_function"]
    content = dyn["content"][0]
    assert content["filter_prefix"] == "${local.upload_prefix}"
    assert content["events"] == ["s3:ObjectCreated:*"]
    locals_ = load(STACK / "main.tf")["locals"][0]
    assert locals_["upload_prefix"] == "uploads/"
    suffixes = locals_["accepted_suffixes"]
    assert sorted(suffixes) == sorted([".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz"])
    # S3 rejects overlapping rules: no suffix may end another.
    for a in suffixes:
        for b in suffixes:
            assert a == b or not a.endswith(b), (a, b)
    perm = res["aws_lambda_permission.s3_invoke"]
    assert perm["principal"] == "s3.amazonaws.com"
    assert perm["source_arn"] == "${module.s3.raw_bucket_arn}"
    assert "source_account" in perm
    assert "case-sensitive" in (STACK / "main.tf").read_text()


def test_lambda_function_settings() -> None:
    res = blocks(MODULES / "lambda", "resource")
    fn = res["aws_lambda_function.this"]
    assert fn["handler"] == "lake_etl.handler.lambda_handler"
    assert "source_code_hash" in fn and "s3_key" in fn
    assert "CURATED_BUCKET" in fn["environment"][0]["variables"]
    assert "${aws_cloudwatch_log_group.this}" in fn["depends_on"]
    assert blocks(MODULES / "lambda", "variable")["runtime"]["default"] == "python3.12"
    cfg = res["aws_lambda_function_event_invoke_config.this"]
    assert cfg["destination_config"][0]["on_failure"][0]["destination"] == "${aws_sqs_queue.failures.arn}"
    assert "retention_in_days" in res["aws_cloudwatch_log_group.this"]


def test_glue_crawler_only_logs_and_targets_its_table() -> None:
    res = blocks(MODULES / "glue", "resource")
    crawler = res["aws_glue_crawler.this"]
    assert crawler["schema_change_policy"] == [{"delete_behavior": "LOG", "update_behavior": "LOG"}]
    assert crawler["catalog_target"][0]["tables"] == ["${aws_glue_catalog_table.this[each.key].name}"]
    table = res["aws_glue_catalog_table.this"]
    params = table["parameters"]
    assert params["projection.dt.type"] == "date" and params["projection.dt.format"] == "yyyy-MM-dd"
    assert "storage.location.template" in params
    assert table["partition_keys"] == [{"name": "dt", "type": "string",
                                        "comment": "ingestion date of the raw upload (YYYY-MM-DD)"}]
    serde = table["storage_descriptor"][0]["ser_de_info"][0]["serialization_library"]
    assert serde == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def test_athena_workgroup_enforced() -> None:
    wg = blocks(MODULES / "athena", "resource")["aws_athena_workgroup.this"]["configuration"][0]
    assert wg["enforce_workgroup_configuration"] is True
    assert wg["publish_cloudwatch_metrics_enabled"] is True
    assert wg["bytes_scanned_cutoff_per_query"] == "${var.bytes_scanned_cutoff}"
    assert blocks(MODULES / "athena", "variable")["bytes_scanned_cutoff"]["default"] == 1024**3
    enc = wg["result_configuration"][0]["encryption_configuration"][0]
    assert enc["encryption_option"] == "SSE_S3"


def test_no_service_role_may_put_objects_in_raw() -> None:
    """The only PutObject grants in the stack are on curated prefixes and Athena results."""
    etl = blocks(STACK, "data")["aws_iam_policy_document.etl_data"]
    for st in etl["statement"]:
        if "s3:PutObject" in st["actions"]:
            assert all("curated_bucket_arn" in r for r in st["resources"]), st
    raw_policy = blocks(MODULES / "s3", "data")["aws_iam_policy_document.raw"]
    sids = {st["sid"]: st for st in raw_policy["statement"]}
    assert sids["DenyStackRolesWriteRaw"]["effect"] == "Deny"
    assert "s3:PutObject" in sids["DenyStackRolesWriteRaw"]["actions"]
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion"} <= set(sids["DenyDeleteRawExceptAdmins"]["actions"])


@pytest.mark.needs_aws_provider
def test_terraform_validate_with_the_aws_provider(terraform_bin: Path) -> None:
    import os

    if not os.environ.get("LAKECTL_TEST_AWS_PROVIDER"):
        pytest.skip("needs the hashicorp/aws provider (terraform init downloads it; this machine cannot): "
                    "set LAKECTL_TEST_AWS_PROVIDER=1 where it can")
    r = subprocess.run([str(terraform_bin), f"-chdir={STACK}", "init", "-backend=false", "-input=false"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(terraform_bin), f"-chdir={STACK}", "validate"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
