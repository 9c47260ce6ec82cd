"""`lakectl iam`: registered on the app when imported.

``lakectl iam simulate`` evaluates one request against identity-based policies, a resource-based
policy and a permissions boundary, offline, with AWS's evaluation logic (lakectl.iam). Keep this
module light: the evaluator is stdlib-only and imported inside the command.
"""

from __future__ import annotations

from typing import Any

import typer

from lakectl.cli._app import app, emit
from lakectl.errors import UsageError

iam_app = typer.Typer(
    name="iam",
    help="Offline IAM: evaluate requests against policies with AWS's evaluation logic.",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)
app.add_typer(iam_app, name="iam")


def parse_context(items: list[str]) -> dict[str, list[str]]:
    """``KEY=VALUE`` items -> {key: [values]}; a key repeated (in any case) collects several values."""
    out: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--context {item!r}: expected KEY=VALUE (e.g. aws:SourceIp=203.0.113.7)")
        name = spelled.setdefault(key.lower(), key)
        out.setdefault(name, []).append(value)
    return out


def _load(source: str, kind: str, option: str) -> Any:
    from lakectl.iam.policy import PolicyError, load_policy

    try:
        return load_policy(source, kind)  # type: ignore[arg-type]
    except PolicyError as e:
        raise UsageError(f"{option} {source}: {e}") from None


@iam_app.command("simulate")
def simulate(
    ctx: typer.Context,
    policy: list[str] = typer.Option(
        [], "--policy", metavar="FILE|ARN",
        help="An identity-based policy (JSON file, or an AWS managed policy ARN). Repeatable.",
    ),
    resource_policy: str | None = typer.Option(
        None, "--resource-policy", metavar="FILE",
        help="A resource-based policy (S3 bucket, Lambda function, SQS queue policy); needs --principal.",
    ),
    boundary: str | None = typer.Option(
        None, "--boundary", metavar="FILE|ARN", help="The principal's permissions boundary."
    ),
    principal: str | None = typer.Option(
        None, "--principal", metavar="ARN",
        help="Who makes the request: an IAM user/role ARN, a role session ARN "
        "(arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), an account id, a service principal, "
        "or * (anonymous). "
        "Default: arn:aws:iam::123456789012:role/lakectl-simulated-role.",
    ),
    action: str = typer.Option(..., "--action", metavar="SERVICE:ACTION", help="e.g. s3:GetObject."),
    resource: str = typer.Option("*", "--resource", metavar="ARN", help="The resource ARN (default *)."),
    context: list[str] = typer.Option(
        [], "--context", metavar="KEY=VALUE",
        help="A request context key (repeat a key for several values), e.g. aws:SourceIp=203.0.113.7.",
    ),
) -> None:
    """Evaluate one request: allowed, explicitDeny or implicitDeny, the statements that decided it,
    and the context keys the policies ask for that the request lacks. Exit 0 whenever a decision
    was computed."""
    from lakectl.iam.evaluate import DEFAULT_PRINCIPAL, Request, evaluate, parse_principal

    if resource_policy is not None and principal is None:
        raise UsageError("--resource-policy needs --principal ARN (who makes the request)")
    if action != "*" and (":" not in action or action.startswith(":") or action.endswith(":")):
        raise UsageError(f"--action {action!r}: expected SERVICE:ACTION, e.g. s3:GetObject")
    try:
        who = parse_principal(principal or DEFAULT_PRINCIPAL)
    except ValueError as e:
        raise UsageError(f"--principal: {e}") from None
    ctx_values = parse_context(context)
    identity = [_load(p, "identity", "--policy") for p in policy]
    rp = _load(resource_policy, "resource", "--resource-policy") if resource_policy else None
    bd = _load(boundary, "boundary", "--boundary") if boundary else None

    decision = evaluate(Request(action, resource, who, ctx_values), identity, rp, bd)
    statements = sum(len(p.statements) for p in [*identity, rp, bd] if p is not None)
    document = {
        **decision.to_json(),
        "findings": [],
        "summary": {
            "errors": 0,
            "warnings": 0,
            "infos": 0,
            "policies": len(identity) + (rp is not None) + (bd is not None),
            "statements": statements,
            "principal": who.arn,
            "action": action,
            "resource": resource,
            "reason": decision.reason,
        },
    }

    def human() -> None:
        from rich.console import Console
        from rich.markup import escape

        out = Console(highlight=False, soft_wrap=True)
        colour = {"allowed": "green", "explicitDeny": "red", "implicitDeny": "yellow"}[decision.decision]
        out.print(f"[bold {colour}]{decision.decision}[/]  {escape(action)} on {escape(resource)} "
                  f"by {escape(who.arn)}")
        out.print(f"  reason: {escape(decision.reason)}")
        if decision.matched:
            out.print("  decided by:")
            for m in decision.matched:
                label = f"Sid {m.statement}" if isinstance(m.statement, str) else f"statement #{m.statement}"
                out.print(f"    {m.effect:<5} {escape(m.policy)} {escape(label)} ({m.kind})")
        if decision.missing_context:
            out.print("  missing context keys (absent from the request; pass with --context KEY=VALUE):")
            for key in decision.missing_context:
                out.print(f"    {escape(key)}")

    emit(ctx, document, human)
