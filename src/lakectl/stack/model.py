"""The typed model of a stack: what the HCL says, evaluated, as frozen dataclasses.

A :class:`Stack` holds every module instance (root first) and every resource and data source
instance with its full address (``module.glue.aws_glue_crawler.this["users_v1"]``) after ``count`` and
``for_each`` expansion. Values are plain Python where known; see :mod:`lakectl.stack.values` for
what only apply knows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakectl.stack.values import Unknown, iter_unknowns


def format_index(key: int | str) -> str:
    """``[0]`` or ``["users_v1"]``, as Terraform writes instance keys."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    return "[" + json.dumps(str(key), ensure_ascii=False) + "]"


@dataclass(frozen=True)
class Variable:
    name: str
    type: str | None
    default: Any
    description: str | None
    sensitive: bool
    value: Any
    # "default", "terraform.tfvars", "prod.auto.tfvars", "-var-file=x", "TF_VAR_x", "module call", ...
    source: str
    validation_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    name: str
    value: Any
    description: str | None
    sensitive: bool


@dataclass(frozen=True)
class Resource:
    """One resource (mode "managed") or data source (mode "data") instance."""

    address: str
    mode: str
    type: str
    name: str
    module: str | None
    index: int | str | None
    values: dict[str, Any]  # evaluated arguments; nested blocks are lists of dicts
    attributes: dict[str, Any]  # arguments plus what is known from them (arn, id, ...)
    depends_on: tuple[str, ...]  # absolute addresses (resources without index, or module calls)
    references: tuple[str, ...]  # what its arguments refer to: "var.x", "module.s3", "aws_iam_role.this", ...
    provider: str
    file: str
    line: int
    meta: dict[str, Any] = field(default_factory=dict)  # lifecycle etc., unevaluated source text

    @property
    def resource_address(self) -> str:
        """The address without the instance key (what ``depends_on`` names)."""
        prefix = f"{self.module}." if self.module else ""
        mode = "data." if self.mode == "data" else ""
        return f"{prefix}{mode}{self.type}.{self.name}"

    def get(self, name: str, default: Any = None) -> Any:
        return self.attributes.get(name, default)


@dataclass(frozen=True)
class ModuleCall:
    name: str
    address: str  # module.glue, module.x["a"], module.a.module.b[0]
    parent: str | None
    source: str
    index: int | str | None
    inputs: dict[str, Any]
    depends_on: tuple[str, ...]
    references: tuple[str, ...]
    file: str
    line: int


@dataclass(frozen=True)
class Module:
    """One module instance (the root has address None)."""

    address: str | None
    dir: Path
    source: str | None
    variables: dict[str, Variable]
    locals: dict[str, Any]
    outputs: dict[str, Output]
    calls: tuple[ModuleCall, ...]
    resources: tuple[Resource, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class Provider:
    name: str
    alias: str | None
    config: dict[str, Any]
    module: str | None
    file: str
    line: int


@dataclass(frozen=True)
class Stack:
    root_dir: Path
    modules: tuple[Module, ...]
    resources: tuple[Resource, ...]
    providers: tuple[Provider, ...]
    required_providers: dict[str, Any]
    assume: dict[str, str]
    missing_files: tuple[str, ...] = ()  # files the stack reads that do not exist yet (build artifacts)

    @property
    def root(self) -> Module:
        return self.modules[0]

    def module(self, address: str | None) -> Module | None:
        return next((m for m in self.modules if m.address == address), None)

    def resource(self, address: str) -> Resource | None:
        return next((r for r in self.resources if r.address == address), None)

    def by_type(self, type_: str, mode: str = "managed") -> list[Resource]:
        return [r for r in self.resources if r.type == type_ and r.mode == mode]

    def unknowns(self) -> Iterator[tuple[str, str, Unknown]]:
        """``(address, argument, Unknown)`` for every unknown in every argument and output."""
        for r in self.resources:
            for k, v in r.values.items():
                for u in iter_unknowns(v):
                    yield r.address, k, u
        for m in self.modules:
            for name, o in m.outputs.items():
                for u in iter_unknowns(o.value):
                    yield (f"{m.address}.output.{name}" if m.address else f"output.{name}"), "value", u


def decode_json(value: Any) -> Any:
    """A JSON argument (a policy, ``jsonencode`` output) as data; unknown parts stay Templates/Unknowns.

    ``aws_iam_role_policy.x.values["policy"]`` -> ``{"Version": ..., "Statement": [...]}`` whose ARNs are
    Templates over the apply-time account, region and partition.
    """
    if isinstance(value, str):
        return json.loads(value)
    from lakectl.stack.values import Template

    if isinstance(value, Template):
        from lakectl.stack.functions import decode_json_template

        return decode_json_template(value)
    return value
