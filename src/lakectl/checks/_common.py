"""Helpers the stack checks share: which contract a resource belongs to, which module owns it."""

from __future__ import annotations

import re
from typing import Any

from lakectl.stack.values import Template, Unknown

_TYPE_CONTRACT = (
    ("aws_iam_", "access"),
    ("aws_lambda_permission", "access"),
    ("aws_s3", "storage"),
    ("aws_lambda_", "transform"),
    ("aws_sqs_", "transform"),
    ("aws_cloudwatch_log_", "transform"),
    ("aws_glue_", "catalog"),
    ("aws_athena_", "query"),
)
_MODULE_CONTRACT = {"s3": "storage", "lambda": "transform", "glue": "catalog", "athena": "query"}


def module_name(address: str | None) -> str | None:
    """``module.glue`` -> ``glue``; ``module.a["x"].module.b[0]`` -> ``b``; root -> None."""
    if not address:
        return None
    last = address.rsplit("module.", 1)[-1]
    return re.sub(r"\[.*\]$", "", last)


def contract_for(type_: str, module: str | None = None) -> str:
    name = module_name(module)
    if name in _MODULE_CONTRACT and not type_.startswith(("aws_iam_", "aws_lambda_permission")):
        return _MODULE_CONTRACT[name]
    for prefix, contract in _TYPE_CONTRACT:
        if type_.startswith(prefix):
            return contract
    return _MODULE_CONTRACT.get(name or "", "state")


def text(value: Any) -> str | None:
    """A value as text (``${...}`` for unknown parts), None for non-strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, Template | Unknown):
        return str(value)
    return None


def function_name_of(value: Any) -> str | None:
    """The function name in a name, a function ARN (qualified or not), or None."""
    s = text(value)
    if s is None:
        return None
    m = re.search(r":function:([^:]+)(?::[^:]+)?$", s)
    return m.group(1) if m else s


def bucket_of_arn(value: Any) -> str | None:
    s = text(value)
    if s is None:
        return None
    m = re.search(r":s3:::([^/]+)$", s)
    return m.group(1) if m else None
