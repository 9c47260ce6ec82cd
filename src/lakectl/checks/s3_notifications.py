"""Every S3 -> Lambda notification has its permission, and waits for it (STK130-STK131).

S3 checks that it may invoke the function when the notification is written: without an
``aws_lambda_permission`` (principal ``s3.amazonaws.com``, ``source_arn`` = the bucket's ARN) the
apply fails, and without ``depends_on`` the two race.

* STK130 (error) no permission lets S3 invoke the notified function from this bucket.
* STK131 (error) the permission exists but the notification does not ``depends_on`` it.
* STK132 (error) a permission for S3 has no ``source_arn``: any bucket, in any account, may invoke the
  function (the apply works, so STK130 does not fire; the access contract is broken all the same).
"""

from __future__ import annotations

from typing import Any

from lakectl.checks._common import bucket_of_arn, function_name_of, text
from lakectl.findings import Finding


def run(ctx: Any) -> list[Finding]:
    stack = ctx.model
    perms = [
        p for p in stack.by_type("aws_lambda_permission") if p.values.get("principal") == "s3.amazonaws.com"
    ]
    out: list[Finding] = []
    for p in perms:
        if p.values.get("source_arn") is None:
            out.append(
                Finding(
                    code="STK132",
                    severity="error",
                    contract="access",
                    address=p.address,
                    resource=function_name_of(p.values.get("function_name")),
                    message=f"{p.address} lets s3.amazonaws.com invoke the function with no source_arn: "
                    "any bucket, in any account, may invoke it",
                    fix=f"in {p.address} ({p.file}:{p.line}) set source_arn = the bucket's ARN "
                    "(e.g. module.s3.raw_bucket_arn) and source_account",
                )
            )
    for note in stack.by_type("aws_s3_bucket_notification"):
        bucket = text(note.values.get("bucket"))
        src = note.meta.get("source", {})
        targets: dict[str | None, list[int]] = {}
        for i, target in enumerate(note.values.get("lambda_function") or []):
            targets.setdefault(function_name_of(target.get("lambda_function_arn")), []).append(i)
        for fn, rules in targets.items():
            matching = [
                p
                for p in perms
                if function_name_of(p.values.get("function_name")) == fn
                and (
                    p.values.get("source_arn") is None or bucket_of_arn(p.values.get("source_arn")) == bucket
                )
                and (p.values.get("action") in (None, "lambda:InvokeFunction"))
            ]
            where = f"{note.address} ({len(rules)} lambda_function rule{'s' if len(rules) > 1 else ''})"
            if not matching:
                arn_src = (src.get("lambda_function") or {}).get("lambda_function_arn") or f'"{fn}"'
                bucket_src = src.get("bucket") or f'"{bucket}"'
                out.append(
                    Finding(
                        code="STK130",
                        severity="error",
                        contract="access",
                        address=note.address,
                        resource=fn,
                        message=f"{where} invokes {fn} but no aws_lambda_permission lets s3.amazonaws.com "
                        f"invoke it from bucket {bucket}",
                        fix="add to terraform/main.tf:\n"
                        'resource "aws_lambda_permission" "s3_invoke" {\n'
                        '  statement_id  = "AllowS3Invoke"\n'
                        '  action        = "lambda:InvokeFunction"\n'
                        f"  function_name = {arn_src}\n"
                        '  principal     = "s3.amazonaws.com"\n'
                        '  source_arn    = "arn:${data.aws_partition.current.partition}:s3:::'
                        f'${{{bucket_src}}}"\n'
                        "}\n"
                        f"and depends_on = [aws_lambda_permission.s3_invoke] in {note.type}.{note.name}",
                    )
                )
                continue
            wanted = {p.resource_address for p in matching}
            modules = {p.module for p in matching if p.module}
            if not (wanted & set(note.depends_on)) and not (modules & set(note.depends_on)):
                first = sorted(wanted)[0]
                out.append(
                    Finding(
                        code="STK131",
                        severity="error",
                        contract="access",
                        address=note.address,
                        resource=fn,
                        message=f"{where} does not depends_on {first}: S3 may validate the "
                        "notification before the permission exists",
                        fix=f'in resource "{note.type}" "{note.name}" ({note.file}:{note.line}) add\n'
                        f"  depends_on = [{_local(first, note.module)}]",
                    )
                )
    return out


def _local(address: str, module: str | None) -> str:
    """An address as written inside ``module`` (depends_on is relative to the module)."""
    return address.removeprefix(f"{module}.") if module else address
