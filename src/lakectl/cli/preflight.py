"""`lakectl preflight`: registered on the app when imported.

Offline checks of the project (design §5): the registry is ``lakectl.preflight.CHECKS``.
"""

from __future__ import annotations

import typer

from lakectl.cli._app import app, emit, settings
from lakectl.errors import UsageError


@app.command()
def preflight(ctx: typer.Context) -> None:
    """Offline checks, no AWS and no state: contracts, provider schema, stack lint, handler, Glue tables vs
    contracts, S3 notifications vs their Lambda permission. (IAM simulation of each role is `lakectl iam
    simulate` for now.)"""
    from lakectl.findings import exit_code_for, summarize
    from lakectl.preflight import CHECKS, run_preflight

    s = settings(ctx)
    if not s.stack.is_dir():
        raise UsageError(f"no Terraform stack at {s.stack}", hint="pass --stack DIR or --project DIR")
    findings = run_preflight(s.project, s.stack)
    document = {
        "findings": [f.to_json() for f in findings],
        "summary": summarize(findings, checks=len(CHECKS)),
    }

    def human() -> None:
        from rich.console import Console
        from rich.markup import escape

        console = Console()
        for f in findings:
            colour = {"error": "red", "warning": "yellow", "info": "blue"}[f.severity]
            where = f" {f.address}" if f.address else ""
            head = f"[{colour}]{f.severity}[/{colour}] {f.code}{escape(where)}"
            console.print(f"{head}: {escape(f.message)}", highlight=False)
            if f.fix:
                console.print(f"  fix: {f.fix}", highlight=False, markup=False)
        sm = document["summary"]
        console.print(
            f"preflight: {sm['errors']} errors, {sm['warnings']} warnings, {sm['infos']} infos "
            f"({sm['checks']} checks)",
            highlight=False,
        )

    emit(ctx, document, human)
    raise typer.Exit(exit_code_for(findings))
