"""Ownership tags (design §1): STK110-STK112.

lakectl tells owned, foreign and unmanaged resources apart by two tags: ``lakectl:stack`` from the
AWS provider's ``default_tags`` and ``lakectl:module`` on every taggable resource of a module.

* STK110 (error) a resource of a module whose type takes tags has no ``lakectl:module`` tag.
* STK111 (warning) its ``lakectl:module`` tag names another module.
* STK112 (error) the root's ``provider "aws"`` has no ``default_tags`` with ``lakectl:stack``.

Bad::

    resource "aws_sqs_queue" "failures" { name = "x" }

Good::

    resource "aws_sqs_queue" "failures" {
      name = "x"
      tags = { "lakectl:module" = "lambda" }
    }
"""

from __future__ import annotations

from typing import Any

from lakectl.checks._common import module_name
from lakectl.findings import Finding
from lakectl.stack.values import Template, Unknown

# Used when the provider schema is not available.
TAGGABLE = {
    "aws_s3_bucket",
    "aws_s3_object",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_lambda_function",
    "aws_cloudwatch_log_group",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_glue_catalog_database",
    "aws_glue_crawler",
    "aws_glue_job",
    "aws_athena_workgroup",
    "aws_kms_key",
    "aws_lambda_layer_version",
}


def taggable(type_: str) -> bool:
    try:
        from lakectl.stackschema import load_schema

        block = load_schema()["resource"].get(type_)
    except Exception:  # no schema shipped: fall back to the list
        block = None
    if block is None:
        return type_ in TAGGABLE
    return "tags" in block.get("a", {})


def run(ctx: Any) -> list[Finding]:
    stack = ctx.model
    out: list[Finding] = []
    for r in stack.resources:
        if r.mode != "managed" or r.module is None or not taggable(r.type):
            continue
        mod = module_name(r.module)
        tags = r.values.get("tags")
        value = tags.get("lakectl:module") if isinstance(tags, dict) else None
        if isinstance(tags, Unknown | Template):
            continue
        if value is None:
            out.append(
                Finding(
                    code="STK110",
                    severity="error",
                    contract="state",
                    address=r.address,
                    message=f"{r.type} in {r.module} has no lakectl:module tag: "
                    "lakectl cannot tell it is owned",
                    fix=f'in resource "{r.type}" "{r.name}" ({r.file}:{r.line}) add\n'
                    f'  tags = {{ "lakectl:module" = "{mod}" }}\n'
                    "(or merge it into the existing tags, e.g. tags = local.tags with local.tags = "
                    f'{{ "lakectl:module" = "{mod}" }})',
                )
            )
        elif isinstance(value, str) and value != mod:
            out.append(
                Finding(
                    code="STK111",
                    severity="warning",
                    contract="state",
                    address=r.address,
                    message=f"{r.type} in {r.module} is tagged lakectl:module = {value!r}",
                    fix=f'set "lakectl:module" = "{mod}" in the tags of {r.type}.{r.name} '
                    f"({r.file}:{r.line})",
                )
            )
    out.extend(_default_tags(stack))
    return out


def _default_tags(stack: Any) -> list[Finding]:
    aws = [p for p in stack.providers if p.name == "aws"]
    if not aws:
        if not any(r.provider == "aws" for r in stack.resources):
            return []
        aws_missing = 'the root module has no provider "aws" block'
    else:
        for p in aws:
            for dt in p.config.get("default_tags") or []:
                tags = dt.get("tags")
                if isinstance(tags, dict) and "lakectl:stack" in tags:
                    return []
                if isinstance(tags, Unknown | Template):
                    return []
        aws_missing = f'provider "aws" ({aws[0].file}:{aws[0].line}) has no default_tags with lakectl:stack'
    return [
        Finding(
            code="STK112",
            severity="error",
            contract="state",
            address=None,
            message=aws_missing + ": resources of this stack cannot be told from foreign ones",
            fix='in terraform/providers.tf, inside provider "aws":\n'
            '  default_tags {\n    tags = {\n      "lakectl:stack" = var.name\n    }\n  }',
        )
    ]
