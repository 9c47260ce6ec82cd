"""Modules create, root connects (design §1): STK101-STK105.

* STK101 (error) a module calls another module of the stack: modules never reference each other;
  the root passes outputs as inputs.
* STK102 (error) a module holds cross-system wiring (an S3 notification, a Lambda permission, an
  event source mapping): wiring belongs in the root ``main.tf``.
* STK103 (error) a module looks another system's resource up with a data source (or reads remote
  state): that is a hidden reference between modules; take it as a variable instead.
* STK104 (error) a module grants a role it does not create (``aws_iam_role_policy`` /
  ``_attachment`` on ``var.role``): a cross-module grant, which belongs in the root.
* STK105 (warning) the root creates a resource that is not wiring: it belongs in a module.

Bad (in ``modules/lambda/main.tf``)::

    resource "aws_lambda_permission" "s3" { ... source_arn = var.raw_bucket_arn }

Good: the same resource in ``terraform/main.tf`` with ``function_name = module.lambda.function_name``
and ``source_arn = module.s3.raw_bucket_arn``.
"""

from __future__ import annotations

from typing import Any

from lakectl.checks._common import contract_for, module_name
from lakectl.findings import Finding

WIRING_TYPES = {
    "aws_s3_bucket_notification": "S3 -> Lambda notification",
    "aws_lambda_permission": "Lambda invoke permission",
    "aws_lambda_event_source_mapping": "event source mapping",
}
# What the root may create: the wiring, and the grants and resource policies that connect systems.
ROOT_TYPES = set(WIRING_TYPES) | {
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_policy",
    "aws_s3_bucket_policy",
    "aws_sqs_queue_policy",
    "aws_lambda_function_event_invoke_config",
}
LOOKUP_DATA = {
    "aws_s3_bucket",
    "aws_lambda_function",
    "aws_glue_catalog_table",
    "aws_glue_catalog_database",
    "aws_iam_role",
    "aws_sqs_queue",
    "aws_athena_workgroup",
    "aws_cloudwatch_log_group",
    "aws_kms_key",
    "terraform_remote_state",
}
GRANT_TYPES = ("aws_iam_role_policy", "aws_iam_role_policy_attachment")


def run(ctx: Any) -> list[Finding]:
    stack = ctx.model
    out: list[Finding] = []
    for module in stack.modules[1:]:
        for call in module.calls:
            if call.source.startswith(("./", "../")):
                out.append(
                    Finding(
                        code="STK101",
                        severity="error",
                        contract=contract_for("", module.address),
                        address=call.address,
                        message=f"{module.address} calls module {call.name!r} ({call.source}): modules must "
                        "not reference each other",
                        fix=f'remove `module "{call.name}"` from {call.file} and call it from '
                        "terraform/main.tf, "
                        f"passing its outputs to {module.address} as variables",
                    )
                )
    for r in stack.resources:
        if r.module is None:
            if r.mode == "managed" and r.type not in ROOT_TYPES:
                out.append(
                    Finding(
                        code="STK105",
                        severity="warning",
                        contract=contract_for(r.type),
                        address=r.address,
                        message=f"the root module creates {r.type}: "
                        "the root holds module calls and wiring only",
                        fix=f"move {r.type}.{r.name} ({r.file}:{r.line}) "
                        "into the module that owns this system "
                        "and pass what the root needs as an output",
                    )
                )
            continue
        mod = module_name(r.module)
        if r.mode == "managed" and r.type in WIRING_TYPES:
            out.append(
                Finding(
                    code="STK102",
                    severity="error",
                    contract="access",
                    address=r.address,
                    message=f"{r.module} holds wiring ({WIRING_TYPES[r.type]}, {r.file}:{r.line}): "
                    "cross-system wiring belongs in the root module",
                    fix=f'move resource "{r.type}" "{r.name}" to terraform/main.tf and give it '
                    f"module.{mod}'s outputs (function name/ARN, bucket ARN) instead of variables",
                )
            )
        elif r.mode == "data" and r.type in LOOKUP_DATA:
            out.append(
                Finding(
                    code="STK103",
                    severity="error",
                    contract=contract_for(r.type, r.module),
                    address=r.address,
                    message=f"{r.module} looks up {r.type} ({r.file}:{r.line}): a module must not reach into "
                    "another system's resources",
                    fix=f'delete data "{r.type}" "{r.name}"; add a variable to module {mod} and pass the '
                    "other module's output to it in terraform/main.tf",
                )
            )
        elif r.mode == "managed" and r.type in GRANT_TYPES:
            role_refs = _role_refs(r)
            if role_refs and all(ref.startswith("var.") for ref in role_refs):
                out.append(
                    Finding(
                        code="STK104",
                        severity="error",
                        contract="access",
                        address=r.address,
                        message=f"{r.module} grants a role it does not create ({', '.join(role_refs)}): "
                        "a cross-module grant",
                        fix=f'move resource "{r.type}" "{r.name}" to terraform/main.tf with '
                        "role = module.<owner>.role_name",
                    )
                )
    return out


def _role_refs(r: Any) -> list[str]:
    src = r.meta.get("source", {}).get("role", "")
    return [ref for ref in r.references if ref in src]
