"""lakectl's command line: parse, call the core, render; nothing else.

One module per command (or command group) registers itself on :data:`app` when imported here.
"""

from __future__ import annotations

from lakectl.cli._app import app

# Each import registers its commands on `app`. Keep these modules light (no boto3/pyarrow at import).
from lakectl.cli import build, demo, iam, new, preflight, replay, show, verify  # noqa: E402,F401  isort: skip


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
