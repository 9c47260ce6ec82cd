"""Parse and normalise IAM policy documents.

A document becomes a :class:`Policy` with its statements normalised: single values become tuples,
``Condition`` values become tuples of strings (JSON ``true``/``12`` become ``"true"``/``"12"`` as IAM
reads them), operators are parsed once. Structural problems raise :class:`PolicyError` with the
statement and element named, which the CLI shows as a usage error (exit 2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lakectl.iam.conditions import OPERATORS, parse_operator
from lakectl.iam.match import variable_keys

Kind = Literal["identity", "resource", "boundary"]
VARIABLES_VERSION = "2012-10-17"
_ELEMENTS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
             "NotResource", "Condition"}
_PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}
_ACTION = re.compile(r"^\*$|^[^:\s]+:[^:\s]+$")


class PolicyError(ValueError):
    """A policy document that IAM would refuse (or that is not a policy at all)."""


@dataclass(frozen=True)
class ConditionClause:
    """One ``operator: {key: values}`` pair of a Condition block."""

    operator: str          # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str              # canonical base operator, e.g. "StringLike"
    qualifier: str | None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool
    key: str               # as written
    key_lower: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str | None
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None      # None with not_resources None: no resource element
    not_resources: tuple[str, ...] | None
    principal: dict[str, tuple[str, ...]] | None     # {"*": ("*",)} for "Principal": "*"
    not_principal: dict[str, tuple[str, ...]] | None
    conditions: tuple[ConditionClause, ...]
    referenced_keys: tuple[str, ...]       # condition keys and variable keys, as written, deduplicated

    @property
    def ident(self) -> str | int:
        """The statement's Sid, or its 0-based index when it has none."""
        return self.sid if self.sid else self.index


@dataclass(frozen=True)
class Policy:
    name: str                  # the file path as given, or the managed policy ARN
    kind: Kind
    version: str | None
    statements: tuple[Statement, ...]
    variables: bool = field(default=True)  # policy variables are substituted only in 2012-10-17


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{where} must be a string or a non-empty list of strings")


def _condition_values(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for v in items:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, (int, float)):
            out.append(str(v))
        elif isinstance(v, str):
            out.append(v)
        else:
            raise PolicyError(f"{where}: condition values must be strings, numbers or booleans")
    if not out:
        raise PolicyError(f"{where}: empty list of condition values")
    return tuple(out)


def _principal(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict) or not value:
        raise PolicyError(f'{where} must be "*" or an object such as {{"AWS": "arn:..."}}')
    out: dict[str, tuple[str, ...]] = {}
    for k, v in value.items():
        if k not in _PRINCIPAL_TYPES:
            raise PolicyError(f"{where}: unknown principal type {k!r} (use AWS, Service, Federated, "
                              "CanonicalUser)")
        out[k] = _strings(v, f"{where}.{k}")
    return out


def _statement(raw: Any, index: int, kind: Kind) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be an object")
    unknown = set(raw) - _ELEMENTS
    if unknown:
        raise PolicyError(f"{where}: unknown element(s) {', '.join(sorted(unknown))}")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}.Sid must be a string")
    if sid:
        where = f"Statement {sid!r}"
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'{where}: Effect must be "Allow" or "Deny", not {effect!r}')
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"{where}: exactly one of Action or NotAction is required")
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(f"{where}: Resource and NotResource cannot both be given")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(f"{where}: Principal and NotPrincipal cannot both be given")
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    if kind == "resource":
        if not has_principal:
            raise PolicyError(f"{where}: a resource-based policy statement needs Principal or NotPrincipal")
    else:
        if has_principal:
            raise PolicyError(f"{where}: an identity-based policy or permissions boundary cannot have "
                              "Principal or NotPrincipal")
        if "Resource" not in raw and "NotResource" not in raw:
            raise PolicyError(f"{where}: Resource or NotResource is required")

    actions = _strings(raw["Action"], f"{where}.Action") if "Action" in raw else None
    not_actions = _strings(raw["NotAction"], f"{where}.NotAction") if "NotAction" in raw else None
    for a in actions or not_actions or ():
        if not _ACTION.match(a):
            raise PolicyError(f"{where}: {a!r} is not an action (service:ActionName)")

    resources = _strings(raw["Resource"], f"{where}.Resource") if "Resource" in raw else None
    not_resources = _strings(raw["NotResource"], f"{where}.NotResource") if "NotResource" in raw else None
    principal = _principal(raw["Principal"], f"{where}.Principal") if "Principal" in raw else None
    not_principal = (_principal(raw["NotPrincipal"], f"{where}.NotPrincipal")
                     if "NotPrincipal" in raw else None)

    clauses: list[ConditionClause] = []
    cond = raw.get("Condition", {})
    if not isinstance(cond, dict):
        raise PolicyError(f"{where}.Condition must be an object")
    for op, block in cond.items():
        parsed = parse_operator(op)
        if parsed is None:
            raise PolicyError(f"{where}: unknown condition operator {op!r} (known: "
                              f"{', '.join(sorted(OPERATORS))} with optional IfExists and "
                              "ForAllValues:/ForAnyValue:)")
        base, qualifier, if_exists = parsed
        if not isinstance(block, dict) or not block:
            raise PolicyError(f"{where}.Condition.{op} must be an object of context keys")
        for key, values in block.items():
            clauses.append(ConditionClause(op, base, qualifier, if_exists, key, key.lower(),
                                           _condition_values(values, f"{where}.Condition.{op}.{key}")))

    refs: dict[str, str] = {}
    for c in clauses:
        refs.setdefault(c.key_lower, c.key)
        for v in c.values:
            for k in variable_keys(v):
                refs.setdefault(k.lower(), k)
    for r in (resources or not_resources or ()):
        for k in variable_keys(r):
            refs.setdefault(k.lower(), k)
    return Statement(index, sid or None, effect, actions, not_actions, resources, not_resources,
                     principal, not_principal, tuple(clauses), tuple(refs.values()))


def parse_policy(document: Any, name: str, kind: Kind = "identity") -> Policy:
    """Normalise one policy document (a parsed JSON object)."""
    if not isinstance(document, dict):
        raise PolicyError("a policy document must be a JSON object with a Statement element")
    if "Statement" not in document:
        raise PolicyError("the policy has no Statement element")
    version = document.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        raise PolicyError(f'Version must be "2012-10-17" or "2008-10-17", not {version!r}')
    raw = document["Statement"]
    raws = raw if isinstance(raw, list) else [raw]
    if not raws:
        raise PolicyError("the policy's Statement list is empty")
    statements = tuple(_statement(s, i, kind) for i, s in enumerate(raws))
    return Policy(name, kind, version, statements, variables=version == VARIABLES_VERSION)


def load_policy(source: str, kind: Kind = "identity") -> Policy:
    """A policy from a file path or, for ``arn:aws:iam::aws:policy/...``, a shipped managed policy."""
    if source.startswith("arn:"):
        from lakectl.iam.managed import managed_policy_document

        return parse_policy(managed_policy_document(source), source, kind)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PolicyError("no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError(f"cannot read it: {e}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise PolicyError(f"not valid JSON: {e}") from None
    return parse_policy(document, source, kind)
