"""The exceptions lakectl's core raises; the CLI maps them to exit codes in one place.

Findings are data (``lakectl.findings``), not exceptions. An exception means the command could not
do its job: a usage error (exit 2) or something it could not complete (exit 3).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


class LakectlError(Exception):
    """An error to show the user as one line, with the exit code it maps to."""

    exit_code = EXIT_INCOMPLETE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(LakectlError):
    """Bad flags, an unreadable or invalid input file (a contract, a plan): exit 2."""

    exit_code = EXIT_USAGE


class IncompleteError(LakectlError):
    """The command could not complete: Terraform failed, AWS unreachable, bad credentials: exit 3."""

    exit_code = EXIT_INCOMPLETE
