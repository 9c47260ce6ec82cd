"""`lakectl preflight`: offline checks of a lake project, no AWS and no Terraform state.

A check is a function ``(ctx: PreflightContext) -> list[Finding]``. :data:`CHECKS` is the registry:
checks run in its order; add a check with one line. Each check imports what it needs inside itself,
so this module stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lakectl.findings import Finding, sort_findings


@dataclass(frozen=True)
class PreflightContext:
    """What a check may look at: the lake project and its Terraform root module."""

    project: Path
    stack: Path


def check_provider_schema(ctx: PreflightContext) -> list[Finding]:
    """STK001-003: every resource, data source, argument and block exists in the AWS provider schema."""
    from lakectl.stackschema import check_stack_schema

    return check_stack_schema(ctx.stack)


Check = Callable[[PreflightContext], list[Finding]]

CHECKS: list[Check] = [
    check_provider_schema,
]


def run_preflight(project: Path, stack: Path, checks: list[Check] | None = None) -> list[Finding]:
    """Run every registered check in order; the findings, sorted (errors first)."""
    ctx = PreflightContext(project=project, stack=stack)
    findings: list[Finding] = []
    for check in CHECKS if checks is None else checks:
        findings.extend(check(ctx))
    return sort_findings(findings)
