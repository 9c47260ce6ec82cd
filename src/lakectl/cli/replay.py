"""`lakectl replay`: registered on the app when imported."""

from __future__ import annotations

import sys
from typing import Any

import typer

from lakectl.cli._app import app, emit, settings


@app.command("replay")
def replay_command(
    ctx: typer.Context,
    raw: str = typer.Option(
        ..., "--raw", metavar="URI",
        help="The raw bucket root (s3://BUCKET[/PREFIX]) or a local directory mirroring its keys.",
    ),
    curated: str = typer.Option(
        ..., "--curated", metavar="URI",
        help="The curated bucket root (s3://BUCKET[/PREFIX]) or a local directory (created if missing).",
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", metavar="NAME", help="Replay one dataset (default: all)."
    ),
    contract_version: str | None = typer.Option(
        None, "--contract-version", metavar="N",
        help="Write one contract version (2 or v2), even an inactive one (default: every active version).",
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="YYYY-MM-DD", help="First key date to replay (inclusive)."
    ),
    until: str | None = typer.Option(
        None, "--until", metavar="YYYY-MM-DD", help="Last key date to replay (inclusive)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", metavar="N", help="Parallel workers (default: the CPU count)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would be written; write nothing."),
    force: bool = typer.Option(False, "--force", help="Rewrite even what is up to date."),
) -> None:
    """Run raw uploads through the Lambda's own lake_etl code into curated Parquet, idempotently.

    One entry per (raw file, contract version): written, skipped (already up to date: nothing is
    rewritten), quarantined, empty, failed or planned (--dry-run). Unroutable keys are reported only
    without --since/--until. Exit 0; 1 when any selected file is quarantined (now or by an earlier
    run); 3 when any file failed; 2 for bad flags, URIs or contracts.
    """
    from lakectl.errors import UsageError
    from lakectl.replay import ReplayOptions, parse_contract_version, parse_day, replay

    s = settings(ctx)
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers}: give at least 1")
    opts = ReplayOptions(
        raw=raw, curated=curated, project=s.project, dataset=dataset,
        contract_version=parse_contract_version(contract_version),
        since=parse_day(since, "--since"), until=parse_day(until, "--until"),
        workers=workers, dry_run=dry_run, force=force,
    )
    with _progress() as progress:
        report = replay(opts, progress=progress)
    emit(ctx, report.to_json(), lambda: render_report(report, verbose=s.verbose))
    raise typer.Exit(report.exit_code)


class _progress:
    """A rich progress bar on stderr, only when stderr is a terminal; else a no-op callback."""

    def __enter__(self) -> Any:
        from rich.console import Console

        console = Console(stderr=True)
        if not console.is_terminal:
            self._bar = None
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("replay"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             console=console, transient=True)
        task = self._bar.add_task("replay", total=None)
        started = False

        def update(done: int, total: int) -> None:
            nonlocal started
            if not started:
                self._bar.start()
                started = True
            self._bar.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


_STYLE = {"written": "green", "skipped": "dim", "quarantined": "bold red", "empty": "yellow",
          "failed": "bold red", "planned": "cyan"}


def render_report(report: Any, console: Any = None, verbose: int = 0) -> None:
    """Human output: a table of the files (all when few or -v; else those needing attention), totals."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console()
    rows = report.files
    if len(rows) > 50 and not verbose:
        rows = [f for f in rows if f["status"] not in ("written", "skipped") or f["quarantine"]]
    if rows:
        # Keys, URIs and messages are data: escaped, so a key holding "[/]" is shown, not parsed as markup.
        table = Table(title=escape(f"replay {report.raw} -> {report.curated}"), title_justify="left")
        columns = [("source", "left"), ("v", "right"), ("status", "left"), ("in", "right"),
                   ("written", "right"), ("errors", "right")]
        if verbose:
            columns.append(("output", "left"))
        for col, just in columns:
            table.add_column(col, justify=just, overflow="fold")
        for f in rows:
            cells = [
                escape(f["source"]), "" if f["version"] is None else str(f["version"]),
                f"[{_STYLE[f['status']]}]{f['status']}[/]",
                "" if f["records_in"] is None else str(f["records_in"]),
                "" if f["records_written"] is None else str(f["records_written"]),
                str(f["errors"] or ""),
            ]
            if verbose:
                cells.append(escape(f.get("quarantine") or f.get("output") or ""))
            table.add_row(*cells)
        console.print(table)
    for note in report.notes:
        console.print(f"[dim]{escape(note)}[/dim]")
    for fnd in report.findings:
        console.print(f"[bold red]{fnd.code}[/] {escape(fnd.message)}\n  fix: {escape(fnd.fix or '')}",
                      highlight=False)
    s = report.summary()
    statuses = ("written", "skipped", "quarantined", "empty", "failed", "planned")
    parts = [f"{s[k]} {k}" for k in statuses if s[k]]
    console.print(
        f"{s['files']} file versions ({', '.join(parts) or 'nothing to do'}); "
        f"{s['records_in']} records in, {s['records_written']} written"
        + ("; dry run: nothing written" if report.dry_run else ""),
        highlight=False,
    )
    sys.stdout.flush()
