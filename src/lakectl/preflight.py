"""`lakectl preflight`: offline checks of a lake project, no AWS and no Terraform state.

A check is a function ``(ctx: PreflightContext) -> list[Finding]``. :data:`CHECKS` is the registry:
checks run in its order; add a check with one line. Each check imports what it needs inside itself,
so this module stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lakectl.findings import Finding, sort_findings

if TYPE_CHECKING:
    from lakectl.stack.model import Stack


@dataclass(frozen=True)
class PreflightContext:
    """What a check may look at: the lake project, its Terraform root module, and the stack model.

    ``model`` is loaded on first use (and once): an unreadable stack raises
    :class:`lakectl.stack.loader.StackError`, a usage error (exit 2).
    """

    project: Path
    stack: Path

    @cached_property
    def model(self) -> Stack:
        from lakectl.stack.loader import load_stack

        return load_stack(self.stack)


def check_provider_schema(ctx: PreflightContext) -> list[Finding]:
    """STK001-003: every resource, data source, argument and block exists in the AWS provider schema."""
    from lakectl.stackschema import check_stack_schema

    return check_stack_schema(ctx.stack)


def check_module_boundaries(ctx: PreflightContext) -> list[Finding]:
    """STK101-105: modules create, root connects (no module references another; wiring in root)."""
    from lakectl.checks import module_boundaries

    return module_boundaries.run(ctx)


def check_ownership_tags(ctx: PreflightContext) -> list[Finding]:
    """STK110-112: lakectl:module on every taggable resource of a module; lakectl:stack in default_tags."""
    from lakectl.checks import ownership_tags

    return ownership_tags.run(ctx)


def check_handler(ctx: PreflightContext) -> list[Finding]:
    """PKG101-103: each function's handler names a module and callable under <project>/lambda/."""
    from lakectl.checks import handler

    return handler.run(ctx)


def check_glue_contracts(ctx: PreflightContext) -> list[Finding]:
    """STK120-122: each Glue table's columns equal its dataset contract."""
    from lakectl.checks import glue_contracts

    return glue_contracts.run(ctx)


def check_s3_notifications(ctx: PreflightContext) -> list[Finding]:
    """STK130-131: every S3 -> Lambda notification has its permission and depends_on it."""
    from lakectl.checks import s3_notifications

    return s3_notifications.run(ctx)


def check_conditions(ctx: PreflightContext) -> list[Finding]:
    """STK140-142: variable validations, resource preconditions, files the stack reads that are missing."""
    from lakectl.checks import conditions

    return conditions.run(ctx)


Check = Callable[[PreflightContext], list[Finding]]

CHECKS: list[Check] = [
    check_provider_schema,
    check_module_boundaries,
    check_ownership_tags,
    check_handler,
    check_glue_contracts,
    check_s3_notifications,
    check_conditions,
]


def run_preflight(project: Path, stack: Path, checks: list[Check] | None = None) -> list[Finding]:
    """Run every registered check in order; the findings, sorted (errors first)."""
    ctx = PreflightContext(project=project, stack=stack)
    findings: list[Finding] = []
    for check in CHECKS if checks is None else checks:
        findings.extend(check(ctx))
    return sort_findings(findings)
