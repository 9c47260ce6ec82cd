"""`lakectl new DIR`: start a lake project from the shipped stack, Lambda code and example contracts."""

from __future__ import annotations

from pathlib import Path

import typer

from lakectl.cli._app import app, emit


@app.command()
def new(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="The new project's directory (absent or empty)."),
) -> None:
    """Start a lake project: copy terraform/, lambda/, contracts/ and examples/ into DIR."""
    from lakectl.findings import summarize
    from lakectl.project import new_project, shipped_root

    source = shipped_root()
    copied = new_project(directory, source)
    document = {
        "project": str(directory),
        "source": str(source),
        "copied": copied,
        "findings": [],
        "summary": summarize([], copied=len(copied)),
    }

    def human() -> None:
        typer.echo(f"created lake project {directory} ({', '.join(copied)})")
        typer.echo("next:")
        typer.echo(f"  cd {directory}")
        typer.echo("  cp terraform/terraform.tfvars.example terraform/terraform.tfvars   # and adjust")
        typer.echo("  lakectl preflight")

    emit(ctx, document, human)
