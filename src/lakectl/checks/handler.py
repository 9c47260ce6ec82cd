"""The function's ``handler`` names code that exists (PKG101-PKG103), proved statically with ``ast``.

``handler = "lake_etl.handler.lambda_handler"`` must name a module under ``<project>/lambda/``
(``lake_etl/handler.py`` or ``lake_etl/handler/__init__.py``) that defines ``lambda_handler`` at top
level. Nothing is imported: the code is parsed, so this works for a runtime this machine lacks.

* PKG101 (error) the module file does not exist under ``<project>/lambda/``.
* PKG102 (error) the module does not define the callable at top level (def, assignment or import).
* PKG103 (error) the module does not parse (a syntax error Lambda would hit at import).

Bad: ``handler = "lake_etl.handlers.lambda_handler"`` (no ``handlers.py``). Good: the dotted path of a
top-level ``def lambda_handler(event, context)``.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from lakectl.findings import Finding


def _defines(tree: ast.Module, name: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return True
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return True
        if isinstance(node, ast.ImportFrom | ast.Import):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return True
    return False


def check_handler(code_root: Path, handler: str) -> tuple[str, str] | None:
    """None when ``handler`` resolves under ``code_root``; else ``(code, message)``."""
    module, _, func = handler.rpartition(".")
    if not module or not func:
        return "PKG101", f"handler {handler!r} is not <module>.<callable>"
    rel = Path(*module.split("."))
    candidates = [code_root / rel.with_suffix(".py"), code_root / rel / "__init__.py"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return "PKG101", f"handler module {module!r} not found: no {candidates[0]} or {candidates[1]}"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as e:
        return "PKG103", f"{path} does not parse: {e}"
    if not _defines(tree, func):
        return "PKG102", f"{path} defines no top-level {func!r}"
    return None


def run(ctx: Any) -> list[Finding]:
    out: list[Finding] = []
    code_root = ctx.project / "lambda"
    if not (code_root / "lake_etl" / "__init__.py").is_file():
        # no lambda/ of its own: `lakectl build` packs the lake_etl shipped with lakectl (design §2)
        import lake_etl

        code_root = Path(lake_etl.__file__).resolve().parent.parent
    for fn in ctx.model.by_type("aws_lambda_function"):
        handler = fn.values.get("handler")
        if not isinstance(handler, str):
            continue  # container images have no handler; unknown handlers cannot be checked offline
        problem = check_handler(code_root, handler)
        if problem is None:
            continue
        code, message = problem
        src = fn.meta.get("source", {}).get("handler", "")
        out.append(
            Finding(
                code=code,
                severity="error",
                contract="transform",
                address=fn.address,
                resource=str(fn.values.get("function_name")) if fn.values.get("function_name") else None,
                message=f"{message} (handler = {src or json.dumps(handler)} at {fn.file}:{fn.line})",
                fix='set handler = "lake_etl.handler.lambda_handler" (design §3) in '
                f"{fn.file}, or add the callable to the code under {code_root.as_posix()}/",
            )
        )
    return out
