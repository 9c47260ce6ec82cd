"""What Terraform itself would refuse at plan, found offline (STK140-STK142).

* STK140 (error) a variable's value fails its ``validation`` block.
* STK141 (error) a resource's ``lifecycle { precondition }`` is false (e.g. a contract column type the
  glue module cannot map).
* STK142 (info) the stack reads a file that does not exist yet (a build artifact): run ``lakectl build``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lakectl.checks._common import contract_for
from lakectl.findings import Finding


def run(ctx: Any) -> list[Finding]:
    stack = ctx.model
    out: list[Finding] = []
    for module in stack.modules:
        for var in module.variables.values():
            for message in var.validation_errors:
                where = f"module {module.address}" if module.address else "the root module"
                out.append(
                    Finding(
                        code="STK140",
                        severity="error",
                        contract=contract_for("", module.address),
                        address=None,
                        message=f"variable {var.name} of {where} (from {var.source}): {message}",
                        fix=f"set {var.name} to a valid value in terraform/terraform.tfvars"
                        if module.address is None
                        else f'pass a valid {var.name} in the module "{module.address.split(".")[-1]}" call',
                    )
                )
    for r in stack.resources:
        for message in r.meta.get("precondition_errors", ()):
            out.append(
                Finding(
                    code="STK141",
                    severity="error",
                    contract=contract_for(r.type, r.module),
                    address=r.address,
                    message=f"precondition fails: {message}",
                    fix=f"fix the input the precondition of {r.type}.{r.name} ({r.file}:{r.line}) checks",
                )
            )
    for path in stack.missing_files:
        full = Path(os.path.normpath(ctx.stack / path))
        try:
            path = full.relative_to(Path(os.path.normpath(ctx.project))).as_posix()
        except ValueError:
            path = str(full)
        out.append(
            Finding(
                code="STK142",
                severity="info",
                contract="transform",
                address=None,
                message=f"the stack reads {path}, which does not exist yet; plan needs it",
                fix="lakectl build",
            )
        )
    return out
