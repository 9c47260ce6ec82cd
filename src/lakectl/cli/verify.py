"""`lakectl verify`: registered on the app when imported."""

from __future__ import annotations

import sys
from typing import Any

import typer

from lakectl.cli._app import app, emit, settings


@app.command("verify")
def verify_command(
    ctx: typer.Context,
    curated: str = typer.Option(
        ..., "--curated", metavar="URI",
        help="The curated bucket root (s3://BUCKET[/PREFIX]) or a local directory mirroring its keys.",
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Check one dataset (default: every dataset with a contract)."
    ),
    contract_version: str | None = typer.Option(
        None, "--contract-version", metavar="N",
        help="Check one contract version (2 or v2; default: every version with a contract file).",
    ),
    glue_database: str | None = typer.Option(
        None, "--glue-database", metavar="NAME",
        help="Also compare the Glue table <dataset>_v<N> in this database (needs AWS; default: skip).",
    ),
) -> None:
    """Check curated Parquet against its dataset contract by reading footers only.

    Compares column names, order, types (timestamp unit and time zone included) and nullability of
    every object under datasets/<dataset>/v<N>/; reports corrupt files, stray objects Athena would
    read, stale curated/quarantine pairs, missing provenance and, with --glue-database, Glue table
    columns. Exit 0 clean (warnings allowed), 1 error findings, 2 usage, 3 S3 unreachable.
    """
    from lakectl.findings import exit_code_for
    from lakectl.project import load_project_contracts
    from lakectl.verify import verify

    s = settings(ctx)
    contracts = load_project_contracts(s.project)

    def progress(msg: str) -> None:
        if s.verbose:
            sys.stderr.write(msg + "\n")

    report = verify(
        curated, contracts, dataset=dataset, version=contract_version,
        glue_database=glue_database, progress=progress,
    )
    doc = report.to_json()
    emit(ctx, doc, lambda: render_report(report))
    raise typer.Exit(exit_code_for(report.findings))


def render_report(report: Any, console: Any = None) -> None:
    """Human output: one table per dataset version (its findings), then a summary line."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console()
    style = {"error": "bold red", "warning": "yellow", "info": "dim"}
    for t in report.tables:
        title = escape(  # keys, URIs and messages are data, never rich markup
            f"{t.dataset} v{t.version}  ({t.prefix}: {t.objects} objects, {t.files} Parquet files, "
            f"{t.rows} rows)"
        )
        findings = report.by_table.get((t.dataset, t.version), [])
        if all(f.severity == "info" for f in findings):
            console.print(f"[green]ok[/green] {title}")
            for f in findings:
                console.print(f"   [dim]{f.code} {escape(f.message)}[/dim]")
            continue
        table = Table(title=title, title_justify="left", show_lines=False, expand=False)
        table.add_column("severity")
        table.add_column("code")
        table.add_column("resource", overflow="fold")
        table.add_column("message", overflow="fold")
        table.add_column("fix", overflow="fold")
        for f in findings:
            message = f.message
            head, sep, rest = message.partition(": ")
            if sep and f.resource and f.resource.endswith(head):
                message = rest  # the resource column already names the object
            table.add_row(
                f"[{style[f.severity]}]{f.severity}[/]", f.code, escape(f.resource or f.address or ""),
                escape(message), escape(f.fix or ""),
            )
        console.print(table)
    s = report.summary()
    console.print(
        f"{s['files']} Parquet files, {s['rows']} rows checked under {escape(str(report.curated))}: "
        f"{s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos"
    )

