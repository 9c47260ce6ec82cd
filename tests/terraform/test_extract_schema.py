"""scripts/extract_aws_schema.py on a small jsii assembly shaped like @cdktf/provider-aws's."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

from tests.terraform._stack import REPO

_SCRIPT = REPO / "scripts" / "extract_aws_schema.py"
_spec = importlib.util.spec_from_file_location("extract_aws_schema", _SCRIPT)
assert _spec and _spec.loader
extract_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(extract_mod)

REG = "https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs"


def _prop(name: str, anchor: str | None, type_: dict, optional: bool = True, block: bool = False,
          page: str = "resources/widget") -> dict:
    link = f"{{@link {REG}/{page}#{anchor} Widget#{anchor}}}" if anchor else ""
    docs = ({"summary": f"{anchor} block.", "remarks": f"Docs at Terraform Registry: {link}"} if block
            else {"summary": f"Docs at Terraform Registry: {link}."})
    p = {"name": name, "docs": docs, "type": type_}
    if optional:
        p["optional"] = True
    return p


def _assembly() -> dict:
    P = "@cdktf/provider-aws"
    return {
        "name": P, "version": "21.22.0",
        "types": {
            f"{P}.widget.Widget": {
                "kind": "class", "base": "cdktf.TerraformResource", "fqn": f"{P}.widget.Widget",
                "docs": {"summary": f"Represents a {{@link {REG}/resources/widget aws_widget}}."},
                "initializer": {"parameters": [
                    {"name": "scope", "type": {"fqn": "constructs.Construct"}},
                    {"name": "id", "type": {"primitive": "string"}},
                    {"name": "config", "type": {"fqn": f"{P}.widget.WidgetConfig"}},
                ]},
            },
            f"{P}.widget.WidgetConfig": {
                "kind": "interface", "datatype": True, "interfaces": ["cdktf.TerraformMetaArguments"],
                "properties": [
                    _prop("name", "name", {"primitive": "string"}, optional=False),
                    _prop("addressLine1", "address_line_1", {"primitive": "string"}),
                    _prop("equalTo", "equals", {"primitive": "string"}),
                    _prop("countAttribute", None, {"primitive": "number"}),
                    _prop("rule", "rule", {"union": {"types": [
                        {"fqn": "cdktf.IResolvable"},
                        {"collection": {"kind": "array", "elementtype": {"fqn": f"{P}.widget.WidgetRule"}}},
                    ]}}, optional=False, block=True),
                    _prop("timeouts", "timeouts", {"fqn": f"{P}.widget.WidgetTimeouts"}, block=True),
                    _prop("settings", "settings", {"fqn": f"{P}.widget.WidgetSettings"}),
                ],
            },
            f"{P}.widget.WidgetRule": {"kind": "interface", "properties": [
                _prop("ruleId", "rule_id", {"primitive": "string"}, optional=False)]},
            f"{P}.widget.WidgetTimeouts": {"kind": "interface", "properties": [
                _prop("create", "create", {"primitive": "string"})]},
            f"{P}.widget.WidgetSettings": {"kind": "interface", "properties": []},
            f"{P}.dataAwsWidget.DataAwsWidget": {
                "kind": "class", "base": "cdktf.TerraformDataSource",
                "docs": {"summary": f"Represents a {{@link {REG}/data-sources/widget aws_widget}}."},
                "initializer": {"parameters": [{"name": "config", "optional": True,
                                                "type": {"fqn": f"{P}.widget.WidgetTimeouts"}}]},
            },
            f"{P}.widget.WidgetRuleList": {"kind": "class", "base": "cdktf.ComplexList"},
            f"{P}.provider.AwsProvider": {
                "kind": "class", "base": "cdktf.TerraformProvider",
                "docs": {"summary": f"Represents a {{@link {REG} aws}}."},
                "initializer": {"parameters": [{"name": "config", "optional": True,
                                                "type": {"fqn": f"{P}.provider.AwsProviderConfig"}}]},
            },
            f"{P}.provider.AwsProviderConfig": {"kind": "interface", "properties": [
                {"name": "alias", "optional": True, "docs": {"summary": "Alias name."},
                 "type": {"primitive": "string"}},
                {"name": "region", "optional": True, "docs": {"summary": "The region."},
                 "type": {"primitive": "string"}},
                {"name": "s3UsePathStyle", "optional": True, "docs": {"summary": "Path style."},
                 "type": {"primitive": "boolean"}},
            ]},
        },
    }


def test_extract_encodes_arguments_blocks_and_names() -> None:
    out = extract_mod.extract(_assembly())
    assert out["version"] == "6.25.0" and out["source"] == "@cdktf/provider-aws@21.22.0"
    w = out["resource"]["aws_widget"]
    # Registry anchors are the true names; camelCase conversion only without one (cdktf's
    # "Attribute" suffix for clashing names dropped).
    assert w["a"] == {"name": 1, "address_line_1": 0, "equals": 0, "count": 0, "settings": 0}
    assert w["b"]["rule"] == {"a": {"rule_id": 1}, "min": 1, "max": 0}
    assert w["b"]["timeouts"] == {"a": {"create": 0}, "min": 0, "max": 1}
    assert out["data"]["aws_widget"] == {"a": {"create": 0}}
    # The provider's own configuration has no registry anchors: camelCase fallback, alias dropped
    # (a meta-argument), and the block marked so names match ignoring underscores beside digits.
    assert out["provider_config"] == {"a": {"region": 0, "s3_use_path_style": 0}, "digits": 1}


def test_main_writes_reproducible_gzip(tmp_path: Path) -> None:
    src = tmp_path / ".jsii"
    src.write_text(json.dumps(_assembly()))
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    assert extract_mod.main([str(src), "-o", str(a)]) == 0
    assert extract_mod.main([str(src), "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(gzip.decompress(a.read_bytes()))["resource"]["aws_widget"]["a"]["name"] == 1


def test_snake_fallback() -> None:
    assert extract_mod.snake("bucketPrefix") == "bucket_prefix"
    assert extract_mod.snake("forEachAttribute") == "for_each"
    assert extract_mod.snake("ipv6CidrBlock") == "ipv6_cidr_block"


def test_shipped_extract_matches_the_jsii_when_given(tmp_path: Path) -> None:
    """With LAKECTL_CDKTF_JSII=<package/.jsii of @cdktf/provider-aws@21.22.0>, the extract is re-made
    and must equal the shipped file byte for byte (npm is not needed otherwise)."""
    import os

    import pytest

    jsii = os.environ.get("LAKECTL_CDKTF_JSII")
    if not jsii:
        pytest.skip("needs the .jsii of @cdktf/provider-aws@21.22.0 (npm pack; see the script's docstring): "
                    "set LAKECTL_CDKTF_JSII")
    out = tmp_path / "schema.json.gz"
    assert extract_mod.main([jsii, "-o", str(out)]) == 0
    shipped = REPO / "src" / "lakectl" / "data" / "aws_provider_schema.json.gz"
    assert out.read_bytes() == shipped.read_bytes()
