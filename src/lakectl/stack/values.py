"""Values of the stack model: what an HCL expression evaluates to before apply.

Known values are plain Python (str, int, float, bool, None, list, dict). What only apply can know is an
:class:`Unknown` that keeps its origin (the Terraform address and attribute it comes from), and a
string built from known text and unknowns is a :class:`Template` (``arn:${data.aws_partition.current.
partition}:s3:::raw``): never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# Data sources whose values only apply knows, and the key of ``assume=`` that supplies each.
APPLY_TIME = {
    ("aws_caller_identity", "account_id"): "account_id",
    ("aws_partition", "partition"): "partition",
    ("aws_region", "name"): "region",
    ("aws_region", "region"): "region",
    ("aws_region", "id"): "region",
}


@dataclass(frozen=True)
class Unknown:
    """A value only apply can know, e.g. ``Unknown("data.aws_caller_identity.current.account_id")``."""

    origin: str

    def __str__(self) -> str:
        return "${" + self.origin + "}"


@dataclass(frozen=True)
class Template:
    """A string whose parts are known text and unknowns."""

    parts: tuple[str | Unknown, ...]

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else str(p) for p in self.parts)

    @property
    def unknowns(self) -> tuple[Unknown, ...]:
        return tuple(p for p in self.parts if isinstance(p, Unknown))

    @staticmethod
    def of(parts: Iterable[Any]) -> str | Template:
        """Join parts (str, Unknown, Template) into a str when all are known, else a Template."""
        out: list[str | Unknown] = []
        for p in parts:
            items: Iterable[Any] = p.parts if isinstance(p, Template) else (p,)
            for q in items:
                if isinstance(q, str):
                    if q == "":
                        continue
                    if out and isinstance(out[-1], str):
                        out[-1] = out[-1] + q
                    else:
                        out.append(q)
                else:
                    out.append(q)
        if all(isinstance(p, str) for p in out):
            return "".join(out)  # type: ignore[arg-type]
        return Template(tuple(out))


def is_known(value: Any) -> bool:
    """True when ``value`` holds no Unknown or Template anywhere."""
    return next(iter_unknowns(value), None) is None


def iter_unknowns(value: Any) -> Iterator[Unknown]:
    """Every Unknown inside ``value`` (in Templates, lists and maps too)."""
    if isinstance(value, Unknown):
        yield value
    elif isinstance(value, Template):
        yield from value.unknowns
    elif isinstance(value, dict):
        for v in value.values():
            yield from iter_unknowns(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from iter_unknowns(v)


def first_unknown(values: Iterable[Any]) -> Unknown | None:
    """The first value that is itself Unknown (or a Template, whose first unknown is returned)."""
    for v in values:
        if isinstance(v, Unknown):
            return v
        if isinstance(v, Template):
            return v.unknowns[0]
    return None


def is_apply_time(origin: str) -> bool:
    """Whether ``origin`` names one of the apply-time data sources (caller identity, partition, region)."""
    parts = origin.split(".")
    for i in range(len(parts) - 3):
        if parts[i] == "data" and (parts[i + 1], parts[i + 3]) in APPLY_TIME:
            return True
    return False


def render(value: Any) -> Any:
    """A JSON-friendly copy: Unknown and Template become their ``${...}`` text."""
    if isinstance(value, Unknown | Template):
        return str(value)
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v) for v in value]
    return value
