"""The shipped stack (terraform/ at the repository root) resolves completely in the model."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lakectl.stack.loader import load_stack
from lakectl.stack.values import is_apply_time

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "terraform"


LAYER = "arn:aws:lambda:eu-west-1:336392948345:layer:AWSSDKPandas-Python312:16"


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    for name in ("function.zip", "layer.zip"):
        (tmp_path / name).write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return tmp_path


def test_shipped_stack_has_no_unknowns_but_apply_time_values(build_dir: Path) -> None:
    stack = load_stack(STACK, env={}, variables={"build_dir": str(build_dir), "lambda_layer_arn": LAYER})
    assert stack.missing_files == ()
    unknown = sorted({u.origin for _, _, u in stack.unknowns() if not is_apply_time(u.origin)})
    assert unknown == []
    assert len(stack.resources) > 50


def test_published_layer_version_is_the_only_other_unknown(build_dir: Path) -> None:
    stack = load_stack(STACK, env={}, variables={"build_dir": str(build_dir)})
    unknown = {u.origin for _, _, u in stack.unknowns() if not is_apply_time(u.origin)}
    assert unknown == {"module.lambda.aws_lambda_layer_version.this[0].arn"}  # its version number


def test_shipped_stack_resolves_with_assumed_account_and_tables_match_contracts(build_dir: Path) -> None:
    stack = load_stack(
        STACK,
        env={},
        variables={"build_dir": str(build_dir), "lambda_layer_arn": LAYER},
        assume={"account_id": "123456789012", "region": "eu-west-1", "partition": "aws"},
    )
    assert list(stack.unknowns()) == []
    raw = stack.resource("module.s3.aws_s3_bucket.raw")
    assert raw.attributes["arn"] == "arn:aws:s3:::lakectl-raw-123456789012-eu-west-1"
    perm = stack.resource("aws_lambda_permission.s3_invoke")
    assert perm.values["source_arn"] == raw.attributes["arn"]
    for contract in sorted((REPO / "contracts" / "datasets").glob("*/v*.json")):
        doc = json.loads(contract.read_text())
        key = f"{doc['dataset']}_v{doc['version']}"
        table = stack.resource(f'module.glue.aws_glue_catalog_table.this["{key}"]')
        assert table is not None, key
        cols = [(c["name"], c["type"]) for c in table.values["storage_descriptor"][0]["columns"]]
        assert cols == [(c["name"], c["type"]) for c in doc["columns"]]


def test_shipped_stack_loads_fast() -> None:
    load_stack(STACK, env={})  # warm the parser
    start = time.process_time()
    load_stack(STACK, env={})
    assert time.process_time() - start < 1.0


def test_role_policies_decode_to_statements_with_symbolic_arns() -> None:
    from lakectl.stack.model import decode_json
    from lakectl.stack.values import Template

    stack = load_stack(STACK, env={})
    policy = decode_json(stack.resource("aws_iam_role_policy.etl_data").values["policy"])
    sids = [s["Sid"] for s in policy["Statement"]]
    assert "ReadRawUploads" in sids and "WriteCuratedAndQuarantine" in sids
    read = next(s for s in policy["Statement"] if s["Sid"] == "ReadRawUploads")
    resource = read["Resource"] if isinstance(read["Resource"], list) else [read["Resource"]]
    assert all(isinstance(r, Template) for r in resource)
    assert str(resource[0]).startswith("arn:${data.aws_partition.current.partition}:s3:::lakectl-raw-")
    assert str(resource[0]).endswith("/uploads/*")
