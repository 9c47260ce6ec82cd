#!/usr/bin/env python3
"""Extract a compact AWS provider schema from the ``.jsii`` assembly of ``@cdktf/provider-aws``.

lakectl validates the stack offline (``lakectl preflight``, code ``STK``): every resource and data
source type, argument and nested block must exist in the provider's schema, and every required
argument must be set. The hashicorp/aws provider cannot be downloaded everywhere, but its schema is
published inside the npm package ``@cdktf/provider-aws`` as a jsii assembly. This script turns that
assembly into ``src/lakectl/data/aws_provider_schema.json.gz`` (shipped as package data, so users
need neither npm nor the provider).

How to run (the package version must be the one generated from the provider version we target;
``npm view @cdktf/provider-aws@21.22.0 cdktf`` says ``hashicorp/aws 6.25.0``, as does its README)::

    cd "$(mktemp -d)"
    npm pack @cdktf/provider-aws@21.22.0 --silent
    tar -xzf cdktf-provider-aws-21.22.0.tgz package/.jsii
    python /path/to/repo/scripts/extract_aws_schema.py package/.jsii \\
        -o /path/to/repo/src/lakectl/data/aws_provider_schema.json.gz

How jsii encodes a Terraform schema (what this script relies on):

* each resource is a class whose ``base`` is ``cdktf.TerraformResource`` (data sources:
  ``cdktf.TerraformDataSource``); its docs link to the registry page
  ``.../docs/resources/<name>`` (``.../docs/data-sources/<name>``), so the Terraform type is
  ``aws_<name>``;
* the class initializer takes a ``config`` of type ``<Name>Config``: an interface whose properties
  are the arguments a configuration may set (``optional`` absent = required). Computed-only
  attributes are not in it. It extends ``cdktf.TerraformMetaArguments`` (count, for_each,
  depends_on, provider, lifecycle, connection, provisioners), which are Terraform's own, not the
  provider's, and are not extracted;
* a property whose docs summary says ``"<name> block."`` and whose type is (a list of) another
  interface is a nested block; that interface's properties are the block's arguments. A required
  block property means at least one block (min items 1); a non-list block type means at most one;
* property names are camelCase; the Terraform name is the anchor of the registry link in the
  property's docs (``{@link https://...#bucket_prefix S3Bucket#bucket_prefix}``). Only where a
  property has no link do we convert camelCase to snake_case ourselves (and drop the ``Attribute``
  suffix cdktf adds to names that clash with its own, e.g. ``countAttribute``).

Output (gzip'd JSON, sorted keys, no whitespace)::

    {"provider": "registry.terraform.io/hashicorp/aws", "version": "6.25.0",
     "source": "@cdktf/provider-aws@21.22.0",
     "resource": {"aws_s3_bucket": BLOCK, ...}, "data": {"aws_iam_policy_document": BLOCK, ...},
     "provider_config": BLOCK}
    BLOCK = {"a": {"<argument>": 1 if required else 0}, "b": {"<block>": {"min": n, "max": 0|1, ...BLOCK}},
             "digits": 1 where names without a registry anchor hold a digit (match them ignoring
             underscores beside digits; only the provider's own configuration has such names)}
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

LINK = re.compile(r"\{@link https://registry\.terraform\.io/providers/hashicorp/aws/([^/]+)/docs/"
                  r"(resources|data-sources)/([A-Za-z0-9_]+)(?:#([A-Za-z0-9_]+))?")
RESERVED_SUFFIX = "Attribute"
MAX_DEPTH = 16


def snake(name: str) -> str:
    """camelCase -> snake_case, the fallback when a property has no registry link."""
    if name.endswith(RESERVED_SUFFIX) and len(name) > len(RESERVED_SUFFIX):
        name = name[: -len(RESERVED_SUFFIX)]
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return s.lower()


def _docs_text(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    return f"{docs.get('summary', '')} {docs.get('remarks', '')}"


def tf_name(prop: dict[str, Any], stats: dict[str, int]) -> str:
    m = LINK.search(_docs_text(prop))
    if m and m.group(4):
        if m.group(4) != snake(prop["name"]):
            stats["anchor_differs_from_snake_case"] += 1
        return m.group(4)
    stats["no_anchor"] += 1
    return snake(prop["name"])


def _block_fqn(type_: dict[str, Any]) -> tuple[str | None, bool]:
    """(fqn of the block interface, is it a list) for a property type, or (None, False)."""
    if "fqn" in type_:
        return type_["fqn"], False
    if "collection" in type_:
        el = type_["collection"]["elementtype"]
        if "fqn" in el:
            return el["fqn"], True
        return None, False
    if "union" in type_:
        for t in type_["union"]["types"]:
            fqn, many = _block_fqn(t)
            if fqn and fqn != "cdktf.IResolvable":
                return fqn, many
    return None, False


def build_block(types: dict[str, Any], fqn: str, stats: dict[str, int], depth: int = 0) -> dict[str, Any]:
    iface = types[fqn]
    attrs: dict[str, int] = {}
    blocks: dict[str, Any] = {}
    approximate = False
    for prop in iface.get("properties", []):
        name = tf_name(prop, stats)
        required = 0 if prop.get("optional") else 1
        if not LINK.search(_docs_text(prop)) and re.search(r"[0-9]", prop["name"]):
            # No anchor and a digit: camelCase lost whether an underscore stood beside the digit
            # (s3Control is "s3control", s3UsEast1RegionalEndpoint "s3_us_east_1_regional_endpoint").
            # Mark the block: names in it match with underscores beside digits ignored.
            approximate = True
        sub, many = _block_fqn(prop["type"])
        is_block = (
            sub is not None
            and sub in types
            and types[sub].get("kind") == "interface"
            and prop.get("docs", {}).get("summary", "").strip().endswith("block.")
        )
        if is_block and depth < MAX_DEPTH:
            assert sub is not None
            nested = build_block(types, sub, stats, depth + 1)
            nested["min"] = required
            nested["max"] = 0 if many else 1
            blocks[name] = nested
        else:
            attrs[name] = required
    out: dict[str, Any] = {"a": attrs}
    if blocks:
        out["b"] = blocks
    if approximate:
        out["digits"] = 1
    return out


def extract(assembly: dict[str, Any]) -> dict[str, Any]:
    types = assembly["types"]
    stats = {"anchor_differs_from_snake_case": 0, "no_anchor": 0}
    out: dict[str, Any] = {"resource": {}, "data": {}}
    version = None
    for cls in types.values():
        base = cls.get("base")
        if cls.get("kind") == "class" and base == "cdktf.TerraformProvider":
            params = cls.get("initializer", {}).get("parameters", [])
            config = next(p for p in params if p["name"] == "config")
            out["provider_config"] = build_block(types, config["type"]["fqn"], stats)
            out["provider_config"]["a"].pop("alias", None)  # a meta-argument, as for resources
            continue
        if cls.get("kind") != "class" or base not in ("cdktf.TerraformResource", "cdktf.TerraformDataSource"):
            continue
        m = LINK.search(cls.get("docs", {}).get("summary", ""))
        if not m:
            raise SystemExit(f"no registry link in the docs of {cls['fqn']}")
        version = version or m.group(1)
        kind = "resource" if m.group(2) == "resources" else "data"
        tf_type = f"aws_{m.group(3)}"
        params = cls.get("initializer", {}).get("parameters", [])
        config = next((p for p in params if p["name"] == "config"), None)
        if config is None:
            out[kind][tf_type] = {"a": {}}
            continue
        out[kind][tf_type] = build_block(types, config["type"]["fqn"], stats)
    out.update(
        provider="registry.terraform.io/hashicorp/aws",
        version=version,
        source=f"{assembly['name']}@{assembly['version']}",
    )
    print(
        f"{len(out['resource'])} resources, {len(out['data'])} data sources from {out['source']} "
        f"(provider {version}); {stats['anchor_differs_from_snake_case']} names differ from plain "
        f"snake_case, {stats['no_anchor']} without a registry anchor",
        file=sys.stderr,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("jsii", type=Path, help="the .jsii file from the unpacked npm package")
    default_out = Path(__file__).resolve().parents[1] / "src/lakectl/data/aws_provider_schema.json.gz"
    ap.add_argument("-o", "--output", type=Path, default=default_out)
    args = ap.parse_args(argv)
    schema = extract(json.loads(args.jsii.read_text(encoding="utf-8")))
    data = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 and a fixed file name in the gzip header: the same input gives the same bytes.
    with open(args.output, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                        compresslevel=9) as gz:
        gz.write(data)
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size} bytes, {len(data)} uncompressed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
