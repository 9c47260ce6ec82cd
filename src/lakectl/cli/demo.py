"""`lakectl demo`: registered on the app when imported."""

from __future__ import annotations

import sys
from typing import Any

import typer

from lakectl.cli._app import app, emit, settings


@app.command("demo")
def demo_command(ctx: typer.Context) -> None:
    """A local rehearsal of the whole data path, offline: nothing is deployed.

    Starts a moto server on 127.0.0.1, creates the raw and curated buckets, uploads the bundled
    example files (good and deliberately bad), runs one S3 event per upload through the Lambda's
    lake_etl code in a separate local interpreter (not the Lambda runtime), verifies the curated
    Parquet, shows rows and quarantine reports, and stops the server. Needs lakectl[local] (moto).
    Exit 0 when the rehearsal ran, 1 when the ETL failed on an event or wrote Parquet verify rejects,
    3 when it could not run.
    """
    from lakectl.demo import run_demo

    s = settings(ctx)

    def progress(msg: str) -> None:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    result = run_demo(
        s.project, stack=s.stack if s.stack.is_dir() else None, progress=progress, verbose=bool(s.verbose)
    )
    emit(ctx, result.to_json(), lambda: render(result))
    raise typer.Exit(result.exit_code)


def render(result: Any, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    console.print(
        "[bold]lakectl demo[/bold]: a local rehearsal of the data path on a moto server "
        "(a local AWS stand-in). [bold]Nothing is deployed.[/bold]"
    )
    colour = {"ok": "green", "skipped": "yellow", "failed": "red"}
    steps = Table(title="steps", title_justify="left")
    steps.add_column("step")
    steps.add_column("status")
    steps.add_column("detail", overflow="fold")
    for st in result.steps:
        steps.add_row(st.name, f"[{colour.get(st.status, 'white')}]{st.status}[/]", st.detail)
    console.print(steps)

    files = Table(title="files (one per upload and contract version)", title_justify="left")
    for c in ("source", "v", "status", "in", "written", "output"):
        files.add_column(c, overflow="fold")
    status_colour = {"written": "green", "quarantined": "yellow", "empty": "dim", "failed": "red"}
    for f in result.files:
        st = str(f.get("status"))
        files.add_row(
            _n(f.get("source")), str(f.get("version")), f"[{status_colour.get(st, 'white')}]{st}[/]",
            _n(f.get("records_in")), _n(f.get("records_written")), _n(f.get("output")),
        )
    console.print(files)
    for fe in result.failed_events:
        console.print(f"[red]local runner failed[/red] on {_n(fe['key'])} (exit {fe['returncode']}):")
        for line in fe["log_tail"]:
            console.print(f"  {line}", markup=False, highlight=False)

    for t in result.tables:
        title = f"{t['dataset']} v{t['version']}: {t['rows']} rows in {t['files']} files"
        if not t["sample"]:
            console.print(f"{title}")
            continue
        table = Table(title=f"{title} (first {len(t['sample'])})", title_justify="left")
        for c in t["columns"]:
            table.add_column(c, overflow="fold")
        for row in t["sample"]:
            table.add_row(*[_n(row.get(c)) for c in t["columns"]])
        console.print(table)

    if result.quarantine:
        q = Table(title="quarantine reports", title_justify="left")
        for c in ("source", "v", "record", "field", "kind", "message"):
            q.add_column(c, overflow="fold")
        for rep in result.quarantine:
            errors = rep["errors"] or [{}]
            for i, e in enumerate(errors):
                q.add_row(
                    _n(rep.get("source")) if i == 0 else "", _n(rep.get("version")) if i == 0 else "",
                    _n(e.get("record")), _n(e.get("field")), _n(e.get("kind")), _n(e.get("message")),
                )
        console.print(q)

    if result.findings:
        vt = Table(title="verify findings on the curated bucket", title_justify="left")
        for c in ("severity", "code", "resource", "message"):
            vt.add_column(c, overflow="fold")
        for f in result.findings:
            vt.add_row(f.severity, f.code, _n(f.resource), _n(f.message))
        console.print(vt)
    sm = result.summary()
    console.print(
        f"rehearsal finished in {sm['seconds']} s: {sm['uploads']} uploads, {sm['written']} written, "
        f"{sm['quarantined']} quarantined, {sm['empty']} empty, {sm['failed']} failed; verify: "
        f"{sm['errors']} errors, {sm['warnings']} warnings. Nothing was deployed; the moto server at "
        f"{result.endpoint} is stopped."
    )


def _n(v: Any) -> str:
    """A data value as a table cell: escaped, so "[...]" in a key or a row is shown, not parsed as markup."""
    from rich.markup import escape

    return "" if v is None else escape(str(v))
