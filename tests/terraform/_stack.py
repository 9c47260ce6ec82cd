"""Helpers for the stack tests: the shipped stack, its modules, parsed with python-hcl2."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "terraform"
MODULES = STACK / "modules"
MODULE_NAMES = ("s3", "lambda", "glue", "athena")
FIXTURES = REPO / "tests" / "fixtures" / "stacks"


def tf_files(root: Path = STACK) -> list[Path]:
    return sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)


@cache
def load(path: Path) -> dict[str, Any]:
    import hcl2

    with path.open(encoding="utf-8") as fh:
        return hcl2.load(fh)


def blocks(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    """``{"<type>.<name>": body}`` for resource/data, ``{"<name>": body}`` for variable/output/module."""
    out: dict[str, dict[str, Any]] = {}
    for p in sorted(directory.glob("*.tf")):
        for entry in load(p).get(kind, []):
            for key, body in entry.items():
                if kind in ("resource", "data"):
                    for name, b in body.items():
                        out[f"{key}.{name}"] = b
                else:
                    out[key] = body
    return out


def unwrap(expr: Any) -> Any:
    """``"${x}"`` -> ``"x"`` (python-hcl2 wraps expressions)."""
    if isinstance(expr, str):
        m = re.fullmatch(r"\$\{(.*)\}", expr, re.S)
        return m.group(1) if m else expr
    return expr
