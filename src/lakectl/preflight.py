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


def check_contracts(ctx: PreflightContext) -> list[Finding]:
    """STK123: every dataset contract follows design §4. Deployed, a broken contract fails every S3
    event of the function (the handler treats it as a broken deployment); replay and verify refuse it."""
    from lake_etl.contract import contract_errors

    out = []
    for path, err in contract_errors(ctx.project / "contracts"):
        rel = path.relative_to(ctx.project) if path.is_relative_to(ctx.project) else path
        out.append(Finding(
            code="STK123", severity="error", contract="transform", resource=str(rel),
            message=f"invalid dataset contract: {err}",
            fix=f"correct {rel} (the format: docs/data-contract.md), then run lakectl preflight again",
        ))
    return out


def check_provider_schema(ctx: PreflightContext) -> list[Finding]:
    """STK001-003: every resource, data source, argument and block exists in the AWS provider schema."""
    from lakectl.stackschema import check_stack_schema

    return _per_instance(ctx, check_stack_schema(ctx.stack))


def _per_instance(ctx: PreflightContext, findings: list[Finding]) -> list[Finding]:
    """A finding on a resource with count/for_each (or in such a module), once per instance, at the
    instance's address (design §6); at the resource's address when the stack cannot be evaluated or
    the resource has no instance (count = 0)."""
    import dataclasses
    import re

    from lakectl.stack.loader import StackError

    if not any(f.address for f in findings):
        return findings
    try:
        resources = ctx.model.resources
    except StackError:
        return findings
    keys = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]')
    instances: dict[str, list[str]] = {}
    for r in resources:
        if r.index is None and (r.module is None or "[" not in r.module):
            continue
        config = keys.sub("", r.address)
        instances.setdefault(config, []).append(r.address)
    out: list[Finding] = []
    for f in findings:
        if f.address in instances:
            out.extend(dataclasses.replace(f, address=a) for a in instances[f.address])
        else:
            out.append(f)
    return out


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
    """STK130-132: every S3 -> Lambda notification has its permission (with a source_arn), depends_on it."""
    from lakectl.checks import s3_notifications

    return s3_notifications.run(ctx)


def check_conditions(ctx: PreflightContext) -> list[Finding]:
    """STK140-142: variable validations, resource preconditions, files the stack reads that are missing."""
    from lakectl.checks import conditions

    return conditions.run(ctx)


Check = Callable[[PreflightContext], list[Finding]]

CHECKS: list[Check] = [
    check_contracts,
    check_provider_schema,
    check_module_boundaries,
    check_ownership_tags,
    check_handler,
    check_glue_contracts,
    check_s3_notifications,
    check_conditions,
]


def run_preflight(project: Path, stack: Path, checks: list[Check] | None = None) -> list[Finding]:
    """Run every registered check in order; the findings, sorted (errors first).

    A configuration error Terraform itself refuses (:data:`_REFUSED`: a reference to something not
    declared, e.g. after a misspelt resource type; a module argument its module does not declare, or
    a required one not set) is a finding (STK004) at the resource or module call that holds it, not an
    unreadable stack: the checks that do not need the evaluated model still report, so a misspelt type
    itself is named (STK001). Any other :class:`~lakectl.stack.loader.StackError` (a syntax error, an
    expression lakectl cannot evaluate) stays a usage error (exit 2).
    """
    from lakectl.stack.loader import StackError

    ctx = PreflightContext(project=project, stack=stack)
    findings: list[Finding] = []
    refused: str | None = None
    for check in CHECKS if checks is None else checks:
        try:
            findings.extend(check(ctx))
        except StackError as e:
            if not any(m in str(e) for m in _REFUSED):
                raise
            if refused is None:
                refused = str(e)
                findings.append(_refused_finding(stack, refused))
    return sort_findings(findings)


# Configuration errors Terraform itself refuses (not expressions lakectl cannot evaluate): findings.
_REFUSED = (
    "reference to undeclared",
    "has no variable",
    "is not set by the module call",
    "has no output",
    "duplicate ",
)


def _refused_finding(stack: Path, message: str) -> Finding:
    """STK004 at the resource whose expression holds the reference (``file:line`` in ``message``)."""
    import re

    from lakectl.checks._common import contract_for
    from lakectl.stackschema import discover_modules

    address: str | None = None
    module: str | None = None
    type_ = ""
    where = re.match(r"(?P<file>[^:]+\.tf):(?P<line>\d+): ", message)
    if where:
        target = (stack / where["file"]).resolve()
        line = int(where["line"])
        try:
            mods = discover_modules(stack)
        except Exception:  # noqa: BLE001 -- only a better address is at stake
            mods = []
        for mod, files in mods:
            if target.parent != mod.path or not any(tf.resolve() == target for tf, _ in files):
                continue
            module = mod.address.rstrip(".") or (f"module.{mod.name}" if mod.name else None)
            from lakectl.stack.loader import parse_hcl

            enclosing = [b for b in parse_hcl(target, where["file"]).blocks if b.line <= line]
            if enclosing and enclosing[-1].type == "module" and len(enclosing[-1].labels) == 1:
                address = (
                    f"{module}.module.{enclosing[-1].labels[0]}"
                    if module
                    else f"module.{enclosing[-1].labels[0]}"
                )
                module = address
            elif enclosing and enclosing[-1].type in ("resource", "data") and len(enclosing[-1].labels) == 2:
                b = enclosing[-1]
                type_ = b.labels[0]
                local = f"{'data.' if b.type == 'data' else ''}{b.labels[0]}.{b.labels[1]}"
                address = f"{module}.{local}" if module else local
            break
    call = re.search(
        r": (module\.[^:\s]+): required variable '([^']+)' is not set by the module call", message
    )
    fix = "declare what is referenced, or correct the reference (a misspelt resource type or name?)"
    if call:
        address = module = call[1]
        fix = f"set {call[2]} = ... in the {call[1]} block (or give the variable a default in its module)"
    elif "has no variable" in message:
        fix = (
            f"remove the argument from the {address or 'module'} block, or declare the variable in its module"
        )
    if module and "undeclared module" in message:
        fix = (
            "a module never references another module (design §1): declare a variable in this module "
            "and pass the other module's output to it from terraform/main.tf"
        )
    return Finding(
        code="STK004",
        severity="error",
        contract=contract_for(type_, module),
        address=address,
        message=f"{message}; Terraform refuses the stack, and the checks that evaluate it did not run",
        fix=fix,
    )
