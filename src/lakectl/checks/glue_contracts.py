"""Each Glue table's columns equal its dataset contract (design §1, catalog): STK120-STK122.

The table for ``contracts/datasets/<dataset>/v<N>.json`` is found by its for_each key or name
``<dataset>_v<N>``, or by its ``lakectl.contract`` parameter. Types compare as the glue module
normalises them (lower case, no whitespace).

* STK120 (error) the table's columns differ from the contract (names, order or types).
* STK121 (error) an active contract version has no table.
* STK122 (warning) a table names a contract file that does not exist.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lakectl.findings import Finding


def _norm(t: Any) -> str:
    return re.sub(r"\s+", "", str(t)).lower()


def _contracts(project: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    out = {}
    for p in sorted((project / "contracts" / "datasets").glob("*/v*.json")):
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a broken contract is the contract validator's finding, not this one's
        if isinstance(doc, dict) and isinstance(doc.get("columns"), list):
            out[f"{p.parent.name}_{p.stem}"] = (p, doc)
    return out


def _table_key(table: Any) -> str | None:
    param = (table.values.get("parameters") or {}).get("lakectl.contract")
    if isinstance(param, str):
        m = re.fullmatch(r"datasets/([^/]+)/(v\d+)\.json", param)
        if m:
            return f"{m.group(1)}_{m.group(2)}"
    for candidate in (table.index, table.values.get("name")):
        if isinstance(candidate, str) and re.fullmatch(r".+_v\d+", candidate):
            return candidate
    return None


def _columns(table: Any) -> list[tuple[str, str]] | None:
    sd = table.values.get("storage_descriptor")
    if not isinstance(sd, list) or not sd:
        return None
    cols = sd[0].get("columns")
    if not isinstance(cols, list):
        return None
    return [(str(c.get("name")), _norm(c.get("type"))) for c in cols]


def run(ctx: Any) -> list[Finding]:
    contracts = _contracts(ctx.project)
    tables = ctx.model.by_type("aws_glue_catalog_table")
    out: list[Finding] = []
    seen: set[str] = set()
    for table in tables:
        key = _table_key(table)
        if key is None:
            continue
        if key not in contracts:
            param = (table.values.get("parameters") or {}).get("lakectl.contract")
            if param:
                out.append(
                    Finding(
                        code="STK122",
                        severity="warning",
                        contract="catalog",
                        address=table.address,
                        message=f"table names contract {param} which does not exist under contracts/",
                        fix=f"add contracts/{param} or remove the table",
                    )
                )
            continue
        seen.add(key)
        path, doc = contracts[key]
        want = [(str(c.get("name")), _norm(c.get("type"))) for c in doc["columns"]]
        got = _columns(table)
        if got is None or got == want:
            continue
        rel = path.relative_to(ctx.project).as_posix()
        missing = [f"{n} {t}" for n, t in want if (n, t) not in got]
        extra = [f"{n} {t}" for n, t in got if (n, t) not in want]
        detail = []
        if missing:
            detail.append("missing " + ", ".join(missing))
        if extra:
            detail.append("not in the contract " + ", ".join(extra))
        if not detail:
            detail.append("column order differs")
        out.append(
            Finding(
                code="STK120",
                severity="error",
                contract="catalog",
                address=table.address,
                resource=str(table.values.get("name")),
                message=f"Glue table columns differ from {rel}: " + "; ".join(detail),
                fix="build the columns from the contract, as modules/glue does:\n"
                '  dynamic "columns" {\n    for_each = each.value.columns\n'
                "    content {\n      name = columns.value.name\n"
                "      type = columns.value.type\n    }\n  }\n"
                f'with each.value = jsondecode(file("<contracts_dir>/{rel.removeprefix("contracts/")}"))',
            )
        )
    for key, (path, doc) in contracts.items():
        if key in seen or doc.get("active", True) is False or not tables:
            continue
        rel = path.relative_to(ctx.project).as_posix()
        out.append(
            Finding(
                code="STK121",
                severity="error",
                contract="catalog",
                address=None,
                message=f"active contract {rel} has no Glue table {key} in the stack",
                fix=f'point module "glue" (contracts_dir) at {ctx.project / "contracts"}, '
                f'or set "active": false in {rel}',
            )
        )
    return out
