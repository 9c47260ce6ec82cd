"""The typer app, the shared options and the one place where errors become exit codes.

Keep this module (and every ``lakectl.cli`` module) free of heavy imports: ``lakectl --help`` must
not import boto3 or pyarrow. Command bodies import the core they call inside the function.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperGroup

from lakectl import __version__
from lakectl.errors import EXIT_USAGE, LakectlError

# Shared options are accepted before or after the command (design §5). The group moves them to the
# front before click parses, so every command sees them through the callback.
_GLOBAL_FLAGS = {"--json", "-v", "--verbose"}
_GLOBAL_VALUED = {"--project", "--stack"}
SHARED_OPTIONS_EPILOG = (
    "Shared options, before or after the command: --project DIR, --stack DIR, --json (one JSON "
    "document on stdout), -v. Exit 2: usage error; 3: could not complete."
)


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move the shared options (``--project DIR``, ``--stack DIR``, ``--json``, ``-v``) to the front."""
    front: list[str] = []
    rest: list[str] = []
    it = iter(range(len(args)))
    args = list(args)
    for i in it:
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        name = a.split("=", 1)[0]
        if a in _GLOBAL_FLAGS or (a.startswith("-v") and set(a[1:]) == {"v"}):  # -v, -vv, -vvv
            front.append(a)
        elif name in _GLOBAL_VALUED and "=" in a:
            front.append(a)
        elif a in _GLOBAL_VALUED and i + 1 < len(args):
            front.extend([a, args[i + 1]])
            next(it, None)
        else:
            rest.append(a)
    return front + rest


class LakectlGroup(TyperGroup):
    """Hoists shared options and maps :class:`LakectlError` to its exit code, once for every command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None and not cmd.epilog:
            cmd.epilog = SHARED_OPTIONS_EPILOG
            if isinstance(cmd, click.Group):
                for sub in cmd.commands.values():
                    sub.epilog = sub.epilog or SHARED_OPTIONS_EPILOG
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LakectlError as e:
            fail(e.message, code=e.exit_code, hint=e.hint)


@dataclass
class Settings:
    """What the shared options say, resolved once."""

    project: Path
    stack: Path
    json: bool = False
    verbose: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def fail(message: str, *, code: int = EXIT_USAGE, hint: str | None = None) -> None:
    """Print ``error: message`` (and the hint) on stderr and exit with ``code``."""
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"  hint: {hint}\n")
    sys.stderr.flush()
    raise typer.Exit(code)


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def emit(ctx: typer.Context, document: dict[str, Any], human: Callable[[], None]) -> None:
    """Write ``document`` as the one JSON document on stdout under ``--json``; else call ``human()``."""
    if settings(ctx).json:
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n")
        sys.stdout.flush()
    else:
        human()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lakectl {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=LakectlGroup,
    name="lakectl",
    help=(
        "Ship and check a serverless data lake on AWS built with Terraform: raw S3 -> Lambda ETL -> "
        "curated Parquet -> Glue -> Athena. Every finding names the contract it breaks and the "
        "Terraform address that owns the fix."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    project: Path = typer.Option(
        Path("."), "--project", help="The lake project to work on (default: the current directory).",
        file_okay=False,
    ),
    stack: Path | None = typer.Option(
        None, "--stack", help="The Terraform root module (default: <project>/terraform).", file_okay=False
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Write one JSON document on stdout and nothing else there."
    ),
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help="More detail on stderr."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    ctx.obj = Settings(
        project=project,
        stack=stack if stack is not None else project / "terraform",
        json=json_output,
        verbose=verbose,
    )
