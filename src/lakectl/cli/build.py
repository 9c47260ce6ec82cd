"""`lakectl build`: registered on the app when imported. The core is ``lakectl.artifact``."""

from __future__ import annotations

import sys
from typing import Any

import typer

from lakectl.cli._app import app, emit, settings


@app.command("build")
def build_command(
    ctx: typer.Context,
    runtime: str | None = typer.Option(
        None, "--runtime", metavar="python3.12|python3.13",
        help="Lambda runtime the layer is built for (default: the stack's function, else python3.12).",
    ),
    architecture: str | None = typer.Option(
        None, "--architecture", metavar="x86_64|arm64",
        help="Instruction set the layer is built for (default: the stack's function, else x86_64).",
    ),
    no_layer: bool = typer.Option(
        False, "--no-layer",
        help="Build function.zip only: the dependencies come from another layer (lambda_layer_arn).",
    ),
) -> None:
    """The Lambda artifact, reproducible: function.zip (lake_etl + contracts) and layer.zip (the pinned
    lambda/requirements.txt for the runtime and architecture) in <project>/.lakectl/build, with
    manifest.json (sha256 and base64 sha256 of each zip) and a static handler/import/extension check.

    Downloaded wheels are cached in $LAKECTL_CACHE_DIR/wheels (default ~/.cache/lakectl/wheels), so a
    rebuild needs no network. Exit 0 built, 1 error findings, 2 usage, 3 wheels could not be downloaded.
    """
    from lakectl.artifact import build
    from lakectl.findings import exit_code_for

    s = settings(ctx)

    def progress(msg: str) -> None:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    result = build(
        s.project, stack=s.stack, runtime=runtime, architecture=architecture, layer=not no_layer,
        progress=progress,
    )
    emit(ctx, result.to_json(), lambda: render(result))
    raise typer.Exit(exit_code_for(result.findings))


def render(result: Any, console: Any = None) -> None:
    """Human output: the artifacts (size, sha256), the checks, the findings, one summary line."""
    from rich.console import Console
    from rich.markup import escape

    console = console or Console()
    console.print(f"{result.build_dir} ({result.runtime}, {result.architecture})", highlight=False)
    for a in result.artifacts:
        console.print(
            f"  [bold]{a.name}[/bold]  {_mb(a.size)} ({_mb(a.unzipped_size)} unzipped, {a.files} files)\n"
            f"    sha256 {a.sha256}\n    base64 {a.base64_sha256}",
            highlight=False,
        )
    mark = {"ok": "[green]ok[/green]", "failed": "[red]failed[/red]", "skipped": "[yellow]skipped[/yellow]"}
    for c in result.checks:
        console.print(f"{mark.get(c['status'], c['status'])} {c['name']}: {escape(c['detail'])}",
                      highlight=False)
    for f in result.findings:
        colour = {"error": "red", "warning": "yellow", "info": "blue"}[f.severity]
        where = f" {f.resource}" if f.resource else ""
        console.print(f"[{colour}]{f.severity}[/{colour}] {f.code}{escape(where)}: {escape(f.message)}",
                      highlight=False)
        if f.fix:
            console.print(f"  fix: {f.fix}", highlight=False, markup=False)
    sm = result.summary()
    verdict = "built" if sm["built"] else "NOT usable"
    console.print(
        f"build: {verdict}: {sm['artifacts']} artifact(s), {_mb(sm['unzipped_size'])} unzipped; "
        f"{sm['errors']} errors, {sm['warnings']} warnings; manifest {result.manifest_path}",
        highlight=False,
    )


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.1f} kB"
