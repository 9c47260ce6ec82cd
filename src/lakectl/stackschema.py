"""Offline validation of the stack against the AWS provider's schema (``lakectl preflight``, STK001-003).

The hashicorp/aws provider cannot always be downloaded, and ``terraform validate`` needs it. lakectl
ships a compact extract of its schema instead (``lakectl/data/aws_provider_schema.json.gz``, made by
``scripts/extract_aws_schema.py`` from the jsii assembly of ``@cdktf/provider-aws``, provider 6.25.0)
and checks every ``.tf`` file of the root module and of the local modules it calls:

* STK001 a resource or data source type the provider does not have;
* STK002 an argument or nested block the type (or block) does not have, with a close match in ``fix``;
* STK003 a required argument or block that is not set.

Bad (``role`` is not an argument of aws_iam_policy; ``policy`` is required)::

    resource "aws_iam_policy" "etl" {
      role = aws_iam_role.etl.name
    }

Good: an ``aws_iam_role_policy`` (which has ``role``), or ``aws_iam_policy`` plus an
``aws_iam_role_policy_attachment``.

Only the ``aws_*`` types are checked; other providers' types (and Terraform's own, ``terraform_data``)
are left alone. Meta-arguments (count, for_each, depends_on, provider, lifecycle, connection,
provisioner) are Terraform's and always allowed; ``dynamic "x"`` counts as block ``x``.
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lakectl.errors import UsageError
from lakectl.findings import Finding

SCHEMA_RESOURCE = "aws_provider_schema.json.gz"
DATA_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})
RESOURCE_META = DATA_META | {"connection", "provisioner"}
PROVIDER_META = frozenset({"alias", "version"})
LIFECYCLE_KEYS = frozenset({
    "create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by",
    "precondition", "postcondition", "action_trigger", "enabled",
})
_BESIDE_DIGIT = re.compile(r"_(?=[0-9])|(?<=[0-9])_")



@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The shipped provider schema: ``{"version", "resource": {type: BLOCK}, "data": {type: BLOCK}}``."""
    data = resources.files("lakectl").joinpath("data", SCHEMA_RESOURCE).read_bytes()
    return json.loads(gzip.decompress(data))


@dataclass(frozen=True)
class ModuleDir:
    """A directory of .tf files and the address prefix of its resources (``""`` for the root)."""

    path: Path
    address: str
    name: str | None  # the module call name (None for the root)


def _load_dir(path: Path) -> list[tuple[Path, dict[str, Any]]]:
    from hcl2.api import transform

    from lakectl.stack.hclparse import parse_tree

    out = []
    for tf in sorted(path.glob("*.tf")):
        try:
            out.append((tf, transform(parse_tree(tf)[1])))  # the loader reuses the same parse
        except Exception as e:  # lark raises several types; any of them means "cannot parse"
            raise UsageError(f"cannot parse {tf}: {_parse_error_text(e)}") from None
    return out


def _parse_error_text(e: Exception) -> str:
    """One line naming what is wrong and where: lark's VisitError wraps the real error (e.g. an
    attribute defined twice) under a first line that says neither."""
    orig = getattr(e, "orig_exc", None)
    if orig is None:
        return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    obj = getattr(e, "obj", None)
    line = getattr(getattr(obj, "meta", None), "line", None)
    name = text.split(" ", 1)[0] if text.endswith("already defined") else None
    seen = 0
    for child in getattr(obj, "children", []) if name else []:
        try:
            ident = child.children[0].children[0]
            if getattr(child, "data", None) == "attribute" and str(ident) == name:
                seen += 1
                if seen == 2:
                    line = child.meta.line
                    break
        except (AttributeError, IndexError):
            continue
    return f"line {line}: {text}" if line else text


def _local_source(source: Any) -> str | None:
    if isinstance(source, str) and (source.startswith("./") or source.startswith("../")):
        return source
    return None


def discover_modules(stack_dir: Path) -> list[tuple[ModuleDir, list[tuple[Path, dict[str, Any]]]]]:
    """The root and every local module it calls (recursively), each with its parsed files.

    The module call name comes from the root's ``module "<name>" { source = "./modules/x" }`` blocks.
    Directories under ``modules/`` that no call reaches are checked too, addressed as in a root.
    """
    stack_dir = stack_dir.resolve()
    seen: set[tuple[Path, str]] = set()
    out = []
    queue = [ModuleDir(stack_dir, "", None)]
    while queue:
        mod = queue.pop(0)
        if (mod.path, mod.address) in seen:
            continue
        seen.add((mod.path, mod.address))
        files = _load_dir(mod.path)
        out.append((mod, files))
        for _, doc in files:
            for call in doc.get("module", []):
                for name, body in call.items():
                    source = _local_source(body.get("source"))
                    if source is None:
                        continue
                    target = (mod.path / source).resolve()
                    if target.is_dir():
                        queue.append(ModuleDir(target, f"{mod.address}module.{name}.", name))
    reached = {m.path for m, _ in out}
    modules_root = stack_dir / "modules"
    if modules_root.is_dir():
        for d in sorted(p for p in modules_root.iterdir() if p.is_dir() and p.resolve() not in reached):
            if any(d.glob("*.tf")):
                out.append((ModuleDir(d.resolve(), "", d.name), _load_dir(d)))
    return out


def _contract(tf_type: str, module: str | None) -> str:
    """The contract a finding belongs to (design §1): the one mapping the stack checks share."""
    from lakectl.checks._common import contract_for

    return contract_for(tf_type, module)


def _canonical(name: str, attrs: dict[str, int], blocks: dict[str, Any], digits: bool) -> str:
    """The schema's spelling of ``name``; in a ``digits`` block, underscores beside digits don't count."""
    if not digits or name in attrs or name in blocks:
        return name
    want = _BESIDE_DIGIT.sub("", name)
    for known in (*attrs, *blocks):
        if _BESIDE_DIGIT.sub("", known) == want:
            return known
    return name


def _suggest(name: str, candidates: list[str]) -> str | None:
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return match[0] if match else None


class _Checker:
    def __init__(self, schema: dict[str, Any], stack_dir: Path) -> None:
        self.schema = schema
        self.stack_dir = stack_dir.resolve()
        self.version = schema.get("version", "?")
        self.findings: list[Finding] = []
        self.kind = "resource"
        self.used: set[str] = set()

    def rel(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.stack_dir))
        except ValueError:
            return str(path)

    def check_file(self, mod: ModuleDir, path: Path, doc: dict[str, Any]) -> None:
        provider_schema = self.schema.get("provider_config")
        for entry in doc.get("provider", []) if provider_schema else []:
            body = entry.get("aws")
            if isinstance(body, dict):
                self.used = set()
                alias = body.get("alias")
                label = 'provider "aws"' + (f" (alias {alias})" if isinstance(alias, str) else "")
                self.check_block(None, "state", self.rel(path), label, provider_schema, body, [],
                                 PROVIDER_META)
        for mode, key, meta in (("managed", "resource", RESOURCE_META), ("data", "data", DATA_META)):
            for entry in doc.get(key, []):
                for tf_type, named in entry.items():
                    for name, body in named.items():
                        self.check_resource(mod, path, mode, tf_type, name, body, meta)

    def check_resource(self, mod: ModuleDir, path: Path, mode: str, tf_type: str, name: str,
                       body: Any, meta: frozenset[str]) -> None:
        if not tf_type.startswith("aws_"):
            return
        kind = "resource" if mode == "managed" else "data"
        address = f"{mod.address}{'data.' if mode == 'data' else ''}{tf_type}.{name}"
        contract = _contract(tf_type, mod.name)
        where = self.rel(path)
        block = self.schema[kind].get(tf_type)
        if block is None:
            guess = _suggest(tf_type, list(self.schema[kind]))
            what = "resource type" if kind == "resource" else "data source"
            self.findings.append(Finding(
                code="STK001", severity="error", contract=contract, address=address,
                message=f"{where}: the AWS provider {self.version} has no {what} {tf_type!r}",
                fix=(f"use {guess!r} in {where}" if guess
                     else f"check the type name in {where} against the AWS provider {self.version} docs"),
            ))
            return
        if not isinstance(body, dict):
            return
        self.kind = kind
        lifecycles = body.get("lifecycle") if "lifecycle" in meta else None
        for lc in lifecycles if isinstance(lifecycles, list) else [lifecycles] if lifecycles else []:
            for key in sorted(k for k in (lc if isinstance(lc, dict) else {}) if not k.startswith("__")):
                if key not in LIFECYCLE_KEYS:
                    guess = _suggest(key, sorted(LIFECYCLE_KEYS))
                    self.findings.append(Finding(
                        code="STK002", severity="error", contract=contract, address=address,
                        message=f"{where}: a lifecycle block has no argument or block {key!r}",
                        fix=(f"use {guess!r} in the lifecycle block of {address} ({where})" if guess
                             else f"remove {key} from the lifecycle block of {address} ({where})"),
                    ))
        self.used = {k for k in body if k not in meta and k != "dynamic" and not k.startswith("__")}
        self.check_block(address, contract, where, tf_type, block, body, [], meta)

    def check_block(self, address: str | None, contract: str, where: str, tf_type: str, block: dict[str, Any],
                    body: dict[str, Any], path: list[str], meta: frozenset[str]) -> None:
        attrs: dict[str, int] = block.get("a", {})
        blocks: dict[str, Any] = block.get("b", {})
        digits = bool(block.get("digits"))
        counts: dict[str, int] = {}
        inside = f" in block {'.'.join(path)}" if path else ""
        present: set[str] = set()
        nested: list[tuple[str, dict[str, Any]]] = []
        for key, value in body.items():
            if key.startswith("__"):
                continue
            if key in meta:
                present.add(key)
                continue
            if key == "dynamic":
                for dyn in value if isinstance(value, list) else [value]:
                    for dname, dbody in (dyn or {}).items():
                        dname = _canonical(dname, attrs, blocks, digits)
                        self._known_or_report(address, contract, where, tf_type, dname, attrs, blocks, path,
                                              inside, dynamic=True)
                        present.add(dname)
                        content = (dbody or {}).get("content") if isinstance(dbody, dict) else None
                        for c in content if isinstance(content, list) else [content] if content else []:
                            if isinstance(c, dict) and dname in blocks:
                                nested.append((dname, c))
                continue
            key = _canonical(key, attrs, blocks, digits)
            if not self._known_or_report(address, contract, where, tf_type, key, attrs, blocks, path, inside):
                continue
            present.add(key)
            if key in blocks:
                items = [i for i in (value if isinstance(value, list) else [value]) if isinstance(i, dict)]
                nested.extend((key, item) for item in items)
                counts[key] = counts.get(key, 0) + len(items)
        for bname, n in sorted(counts.items()):
            if n > 1 and blocks.get(bname, {}).get("max") == 1:
                self.findings.append(Finding(
                    code="STK002", severity="error", contract=contract, address=address,
                    message=f"{where}: {tf_type} takes at most one {bname!r} block{inside}, not {n}",
                    fix=f"merge the {bname} blocks into one in {address or tf_type} ({where})",
                ))
        for arg, required in sorted(attrs.items()):
            if required and arg not in present:
                self.findings.append(Finding(
                    code="STK003", severity="error", contract=contract, address=address,
                    message=f"{where}: required argument {arg!r}{inside} of {tf_type} is not set",
                    fix=f"set {arg} = ...{inside} in {address or tf_type} ({where})",
                ))
        for bname, spec in sorted(blocks.items()):
            if spec.get("min", 0) > 0 and bname not in present:
                self.findings.append(Finding(
                    code="STK003", severity="error", contract=contract, address=address,
                    message=f"{where}: required block {bname!r}{inside} of {tf_type} is missing",
                    fix=f"add a {bname} {{ ... }} block{inside} to {address or tf_type} ({where})",
                ))
        for bname, item in nested:
            self.check_block(
                address, contract, where, tf_type, blocks[bname], item, [*path, bname], frozenset()
            )

    def _known_or_report(self, address: str | None, contract: str, where: str, tf_type: str, key: str,
                         attrs: dict[str, int], blocks: dict[str, Any], path: list[str], inside: str,
                         dynamic: bool = False) -> bool:
        if key in attrs or key in blocks:
            if dynamic and key not in blocks:
                self.findings.append(Finding(
                    code="STK002", severity="error", contract=contract, address=address,
                    message=f"{where}: dynamic {key!r}{inside}: {key} is an argument of {tf_type}, "
                    "not a block",
                    fix=f"set {key} = ... as an argument in {address or tf_type} ({where})",
                ))
                return False
            return True
        guess = _suggest(key, sorted([*attrs, *blocks]))
        what = "block" if dynamic else "argument or block"
        sibling = None if path or dynamic or guess else self._sibling_type(tf_type)
        if guess:
            fix = f"did you mean {guess!r}? rename {'.'.join([*path, key])} in {address or tf_type} ({where})"
        elif sibling:
            fix = (f"{sibling} takes every argument used here, {key} included: did you mean "
                   f"{'resource' if self.kind == 'resource' else 'data'} \"{sibling}\"? ({where})")
        else:
            fix = (f"remove {'.'.join([*path, key])} from {address or tf_type} ({where}); "
                   f"see the {tf_type} docs")
        self.findings.append(Finding(
            code="STK002", severity="error", contract=contract, address=address,
            message=(f"{where}: {tf_type} has no {what} {key!r}{inside} "
                     f"(AWS provider {self.version})"),
            fix=fix,
        ))
        return False

    def _sibling_type(self, tf_type: str) -> str | None:
        """A type of the same service that takes every top-level argument used (aws_iam_policy + role
        -> aws_iam_role_policy): the usual mistake is the type, not the arguments."""
        service = "_".join(tf_type.split("_")[:2]) + "_"
        types = self.schema[self.kind]
        fits = [
            t for t, b in types.items()
            if t != tf_type and t.startswith(service) and self.used <= {*b.get("a", {}), *b.get("b", {})}
        ]
        match = difflib.get_close_matches(tf_type, fits, n=1, cutoff=0.0)
        return match[0] if match else None


def check_stack_schema(stack_dir: Path, schema: dict[str, Any] | None = None) -> list[Finding]:
    """Check every resource and data source of the stack (root + local modules) against the schema."""
    stack_dir = Path(stack_dir)
    if not stack_dir.is_dir():
        raise UsageError(f"no Terraform stack at {stack_dir}")
    checker = _Checker(schema if schema is not None else load_schema(), stack_dir)
    for mod, files in discover_modules(stack_dir):
        for path, doc in files:
            checker.check_file(mod, path, doc)
    return checker.findings
