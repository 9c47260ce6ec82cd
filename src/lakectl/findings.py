"""Findings: what every check reports (design §6), and the summary and exit code derived from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
CONTRACTS = ("storage", "transform", "catalog", "query", "access", "state")


@dataclass(frozen=True)
class Finding:
    """One result of one check.

    code      stable id with its area prefix (ETL, VER, STK, PKG, IAM, TF, DRF, DOC, RPL) and a number
    contract  the contract it belongs to (design §1): storage, transform, catalog, query, access, state
    address   the Terraform address of the resource instance whose check failed, or None
    resource  the AWS identifier (ARN, bucket/key, name), or None
    fix       concrete: a command, or the HCL to add, and where
    """

    code: str
    severity: Severity
    contract: str
    message: str
    fix: str | None = None
    address: str | None = None
    resource: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: d[k] for k in ("code", "severity", "contract", "address", "resource", "message", "fix")}


def summarize(findings: Iterable[Finding], **counts: Any) -> dict[str, Any]:
    """``{"errors": n, "warnings": n, "infos": n}`` plus command-specific counts."""
    findings = list(findings)
    summary: dict[str, Any] = {
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "infos": sum(f.severity == "info" for f in findings),
    }
    summary.update(counts)
    return summary


def exit_code_for(findings: Iterable[Finding]) -> int:
    """0 when no finding is an error, 1 otherwise."""
    return 1 if any(f.severity == "error" for f in findings) else 0


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.code, f.address or "", f.resource or ""))
