"""`lakectl show FILE`: summarise a plan or state, grouped by module."""

from __future__ import annotations

from pathlib import Path

import typer

from lakectl.cli._app import app, emit


@app.command()
def show(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="`terraform show -json` output (plan or state) or a terraform.tfstate."
    ),
) -> None:
    """Summarise a Terraform plan or state (every format_version; raw .tfstate v4), grouped by module."""
    from lakectl.findings import summarize
    from lakectl.stack.tfjson import load_tfjson

    doc = load_tfjson(file)
    document = {
        "kind": doc.kind,
        "format_version": doc.format_version,
        "terraform_version": doc.terraform_version,
        "resources": [i.to_json() for i in doc.items],
        "findings": [],
        "summary": summarize([], **doc.summary()),
    }
    emit(ctx, document, lambda: _render(doc, file))


def _render(doc, file: Path) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    version = f", Terraform {doc.terraform_version}" if doc.terraform_version else ""
    head = (
        f"[bold]{escape(str(file))}[/bold]: {doc.kind}, format {escape(doc.format_version)}{escape(version)}"
    )
    console.print(head, highlight=False)
    groups: dict[str | None, list] = {}
    for item in doc.items:
        groups.setdefault(item.module, []).append(item)
    colours = {"create": "green", "delete": "red", "replace": "magenta", "update": "yellow", "read": "cyan"}
    for module in sorted(groups, key=lambda m: (m is not None, m or "")):
        # addresses are text, never markup: a for_each key may hold "[/]" or "[bold]"
        table = Table(title=escape(module or "root module"), title_justify="left", show_lines=False)
        table.add_column("address", overflow="fold")
        table.add_column("type")
        table.add_column("actions" if doc.kind == "plan" else "mode")
        for item in groups[module]:
            if doc.kind == "plan":
                word = item.action or ""
                colour = colours.get(word)
                third = f"[{colour}]{word}[/{colour}]" if colour else word
            else:
                third = item.mode
            if item.deposed:
                third += f" (deposed {escape(item.deposed)})"
            table.add_row(escape(item.address), escape(item.type), third)
        console.print(table)
    counts = doc.summary()
    shown = ", ".join(f"{n} {k}" for k, n in counts.items() if n and k != "resources")
    console.print(
        f"{counts['resources']} resource instances" + (f": {shown}" if shown else ""), highlight=False
    )
