"""Load a Terraform root module and its local modules into the typed :class:`~lakectl.stack.model.Stack`.

Parsing uses python-hcl2's lark grammar (``hcl2.parser``); evaluation is lakectl's own
(:mod:`lakectl.stack.expr`), lazy and per name like Terraform's graph: a local, a variable of a child
module, a module output or a resource is evaluated when something first refers to it.

Root variables take their values in Terraform's precedence, lowest first: the declaration's
``default``, ``TF_VAR_<name>``, ``terraform.tfvars``, ``terraform.tfvars.json``, ``*.auto.tfvars`` and
``*.auto.tfvars.json`` in lexical order, then each ``-var-file`` in order, then ``-var`` values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Token, Tree

from lakectl.errors import UsageError
from lakectl.stack import derived
from lakectl.stack.expr import SOURCES, EvalError, Evaluator, Expr, Lazy, ResourceObject, ident, to_bool
from lakectl.stack.functions import FUNCTIONS, decode_json_template
from lakectl.stack.model import (
    Module,
    ModuleCall,
    Output,
    Provider,
    Resource,
    Stack,
    Variable,
    format_index,
)
from lakectl.stack.types import TypeSpec, convert, parse_type, spec_text
from lakectl.stack.values import Template, Unknown

META_ARGS = ("count", "for_each", "depends_on", "provider", "providers", "source", "version")
SKIP_BLOCKS = ("lifecycle", "provisioner", "connection")


class StackError(UsageError):
    """The stack cannot be read: a syntax error, an expression lakectl cannot evaluate, a missing value."""


# -- parsing --------------------------------------------------------------------------------------------
@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    attrs: dict[str, Expr]
    blocks: list[Block]
    file: str
    line: int

    def all(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]

    def first(self, type_: str) -> Block | None:
        return next((b for b in self.blocks if b.type == type_), None)


_PARSE_CACHE: dict[tuple[str, int, int], Block] = {}


def _label(node: Any) -> str:
    if isinstance(node, Tree) and node.data == "identifier":
        return ident(node)
    from lakectl.stack.expr import unescape

    return "".join(unescape(str(p.children[0])) for p in node.children if isinstance(p.children[0], Token))


def _source(node: Any, text: str) -> str:
    meta = getattr(node, "meta", None)
    start, end = getattr(meta, "start_pos", None), getattr(meta, "end_pos", None)
    if start is None or end is None:
        return ""
    return text[start:end].strip()


def _body(body: Tree, file: str, text: str = "") -> tuple[dict[str, Expr], list[Block]]:
    attrs: dict[str, Expr] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = ident(child.children[0])
            expr = child.children[-1]
            attrs[name] = Expr(expr, file, getattr(child.meta, "line", 0), _source(expr, text))
        elif child.data == "block":
            kids = [k for k in child.children if isinstance(k, Tree) and k.data != "new_line_or_comment"]
            inner = kids[-1]
            labels = tuple(_label(k) for k in kids[1:-1])
            a, b = _body(inner, file, text)
            blocks.append(Block(ident(kids[0]), labels, a, b, file, getattr(child.meta, "line", 0)))
    return attrs, blocks


def parse_hcl(path: Path, display: str) -> Block:
    """Parse one ``.tf`` (or ``.tfvars``) file into a :class:`Block` of type ``""``."""
    try:
        st = path.stat()
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise StackError(f"cannot read {display}: {e}") from None
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    SOURCES[display] = text + "\n"
    if key in _PARSE_CACHE and _PARSE_CACHE[key].file == display:
        return _PARSE_CACHE[key]
    from lark.exceptions import LarkError

    from lakectl.stack.hclparse import parse_tree

    try:
        _, tree = parse_tree(path)
    except (OSError, UnicodeDecodeError) as e:
        raise StackError(f"cannot read {display}: {e}") from None
    except LarkError as e:
        line = getattr(e, "line", "?")
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StackError(f"{display}:{line}: HCL syntax error: {first}") from None
    body = tree.children[0] if tree.children and isinstance(tree.children[0], Tree) else tree
    attrs, blocks = _body(body, display, text + "\n")
    result = Block("", (), attrs, blocks, display, 1)
    _PARSE_CACHE[key] = result
    return result


@dataclass
class ModuleConfig:
    dir: Path
    display: str
    files: list[str]
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Expr] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    calls: dict[str, Block] = field(default_factory=dict)
    resources: dict[tuple[str, str, str], Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    terraform: list[Block] = field(default_factory=list)

    @property
    def resource_types(self) -> set[str]:
        return {t for (mode, t, _) in self.resources if mode == "managed"}


# Labels of the top-level blocks (what Terraform refuses as "Missing name for resource" etc.).
_LABELS = {
    "resource": ("type", "name"),
    "data": ("type", "name"),
    "variable": ("name",),
    "output": ("name",),
    "module": ("name",),
    "provider": ("name",),
    "locals": (),
    "terraform": (),
}


def load_module_config(directory: Path, display: str) -> ModuleConfig:
    if not directory.is_dir():
        raise StackError(f"{display}: no such directory")
    files = sorted(p for p in directory.iterdir() if p.suffix == ".tf" and p.is_file())
    cfg = ModuleConfig(
        directory, display, [f"{display}/{p.name}" if display != "." else p.name for p in files]
    )
    for p, shown in zip(files, cfg.files, strict=True):
        top = parse_hcl(p, shown)
        for b in top.blocks:
            where = f"{b.file}:{b.line}"
            wanted = _LABELS.get(b.type)
            if wanted is not None and len(b.labels) != len(wanted):
                raise StackError(
                    f"{where}: a {b.type} block takes {len(wanted)} label{'s' if len(wanted) > 1 else ''} "
                    f"({', '.join(wanted)}), not {len(b.labels)}"
                )
            if b.type == "variable" and len(b.labels) == 1:
                cfg.variables[b.labels[0]] = b
            elif b.type == "locals":
                for k, e in b.attrs.items():
                    if k in cfg.locals:
                        raise StackError(f"{where}: duplicate local value {k!r}")
                    cfg.locals[k] = e
            elif b.type == "output" and len(b.labels) == 1:
                cfg.outputs[b.labels[0]] = b
            elif b.type == "module" and len(b.labels) == 1:
                cfg.calls[b.labels[0]] = b
            elif b.type in ("resource", "data") and len(b.labels) == 2:
                mode = "managed" if b.type == "resource" else "data"
                key = (mode, b.labels[0], b.labels[1])
                if key in cfg.resources:
                    raise StackError(f"{where}: duplicate {b.type} {b.labels[0]}.{b.labels[1]}")
                cfg.resources[key] = b
            elif b.type == "provider" and b.labels:
                cfg.providers.append(b)
            elif b.type == "terraform":
                cfg.terraform.append(b)
    return cfg


# -- static analysis of expressions -----------------------------------------------------------------------
def traversal_text(node: Any) -> str | None:
    """``aws_lambda_permission.s3_invoke`` for a plain traversal expression (depends_on, iterator)."""
    if isinstance(node, Tree):
        if node.data == "expr_term":
            kids = [k for k in node.children if isinstance(k, Tree) and k.data != "new_line_or_comment"]
            return traversal_text(kids[0]) if len(kids) == 1 else None
        if node.data == "identifier":
            return ident(node)
        if node.data == "get_attr_expr_term":
            base = traversal_text(node.children[0])
            return f"{base}.{ident(node.children[1].children[0])}" if base else None
        if node.data == "index_expr_term":
            return traversal_text(node.children[0])
    return None


def _chain(node: Tree) -> list[str] | None:
    names: list[str] = []
    while isinstance(node, Tree):
        if node.data == "get_attr_expr_term":
            names.append(ident(node.children[1].children[0]))
            node = node.children[0]
        elif node.data == "index_expr_term":
            node = node.children[0]
        elif node.data in ("attr_splat_expr_term", "full_splat_expr_term"):
            node = node.children[0]
        elif node.data == "expr_term":
            kids = [k for k in node.children if isinstance(k, Tree) and k.data != "new_line_or_comment"]
            if len(kids) != 1 or any(isinstance(k, Token) for k in node.children):
                return None
            node = kids[0]
        elif node.data == "identifier":
            names.append(ident(node))
            return list(reversed(names))
        else:
            return None
    return None


def references(nodes: Sequence[Any], resource_types: set[str]) -> tuple[str, ...]:
    """What the expressions refer to: ``var.x``, ``local.x``, ``module.x``, ``data.t.n``, ``t.n``."""
    found: list[str] = []

    def add(ref: str) -> None:
        if ref not in found:
            found.append(ref)

    def walk(n: Any) -> None:
        if not isinstance(n, Tree):
            return
        if n.data in (
            "get_attr_expr_term",
            "attr_splat_expr_term",
            "full_splat_expr_term",
            "index_expr_term",
        ):
            chain = _chain(n)
            if chain and len(chain) >= 2:
                root = chain[0]
                if root in ("var", "local", "module", "path"):
                    add(f"{root}.{chain[1]}")
                elif root == "data" and len(chain) >= 3:
                    add(f"data.{chain[1]}.{chain[2]}")
                elif root in resource_types:
                    add(f"{root}.{chain[1]}")
        for c in n.children:
            walk(c)

    for node in nodes:
        walk(node)
    return tuple(found)


def _block_nodes(b: Block) -> list[Any]:
    nodes = [e.node for k, e in b.attrs.items() if k != "depends_on"]
    for c in b.blocks:
        if c.type not in SKIP_BLOCKS:
            nodes.extend(_block_nodes(c))
    return nodes


# -- evaluation -----------------------------------------------------------------------------------------
class _Ctx:
    """What every module instance of one load shares."""

    def __init__(self, root_dir: Path, assume: dict[str, str], lenient_files: bool) -> None:
        self.root_dir = root_dir
        self.assume = assume
        self.missing_files: list[str] | None = [] if lenient_files else None
        self.configs: dict[Path, ModuleConfig] = {}

    def config(self, directory: Path) -> ModuleConfig:
        directory = directory.resolve()
        if directory not in self.configs:
            try:
                display = directory.relative_to(self.root_dir.resolve()).as_posix() or "."
            except ValueError:
                display = os.path.relpath(directory, self.root_dir).replace(os.sep, "/")
            self.configs[directory] = load_module_config(directory, display)
        return self.configs[directory]


def _err(e: EvalError, fallback: str | None = None) -> StackError:
    where = e.where or fallback
    return StackError(f"{where}: {e.message}" if where else e.message)


class ModuleRuntime:
    """One module instance being evaluated."""

    def __init__(
        self,
        ctx: _Ctx,
        config: ModuleConfig,
        address: str | None,
        source: str | None,
        inputs: dict[str, tuple[Any, str]] | None = None,
        input_exprs: dict[str, tuple[Expr, ModuleRuntime, dict[str, Any]]] | None = None,
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.address = address
        self.source = source
        self._inputs = inputs or {}
        self._input_exprs = input_exprs or {}
        self.ev = Evaluator(self._root, FUNCTIONS, ctx.root_dir)
        self.ev.missing_files = ctx.missing_files  # type: ignore[attr-defined]
        self._vars: dict[str, tuple[Any, str]] = {}
        self._locals: dict[str, Any] = {}
        self._outputs: dict[str, Any] = {}
        self._values: dict[tuple[str, str, str], Any] = {}
        self._instances: dict[tuple[str, str, str], list[Resource]] = {}
        self._children: dict[str, list[tuple[int | str | None, ModuleRuntime | None]]] = {}
        self._busy: set[str] = set()
        self.prefix = f"{address}." if address else ""
        rel = os.path.relpath(config.dir, ctx.root_dir).replace(os.sep, "/")
        self.path_ns = {"module": rel, "root": ".", "cwd": str(ctx.root_dir)}
        self._var_ns = Lazy("var", self.var)
        self._local_ns = Lazy("local", self.local)
        self._module_ns = Lazy("module", self.module_value)
        self._data_ns = Lazy(
            "data", lambda t: Lazy(f"data.{t}", lambda n: self.resource_value(("data", t, n)))
        )

    # -- names ------------------------------------------------------------------------------------------
    def _root(self, name: str) -> Any:
        if name == "var":
            return self._var_ns
        if name == "local":
            return self._local_ns
        if name == "module":
            return self._module_ns
        if name == "data":
            return self._data_ns
        if name == "path":
            return self.path_ns
        if name == "terraform":
            return {"workspace": "default"}
        if name in ("each", "count", "self"):
            raise EvalError(f"{name!r} is not available here")
        if name in self.config.resource_types:
            return Lazy(name, lambda n: self.resource_value(("managed", name, n)))
        raise EvalError(f"reference to undeclared resource type or name {name!r}")

    def _guard(self, key: str) -> None:
        if key in self._busy:
            raise EvalError(f"cycle: {self.prefix}{key} refers to itself")
        self._busy.add(key)

    def var(self, name: str) -> Any:
        return self.var_entry(name)[0]

    def var_entry(self, name: str) -> tuple[Any, str]:
        if name in self._vars:
            return self._vars[name]
        block = self.config.variables.get(name)
        if block is None:
            raise EvalError(f"reference to undeclared input variable {name!r}")
        self._guard(f"var.{name}")
        try:
            spec = self.var_type(block)
            if name in self._input_exprs:
                expr, parent, env = self._input_exprs[name]
                raw, source = parent.ev.eval_expr(expr, env), "module call"
            elif name in self._inputs:
                raw, source = self._inputs[name]
            elif "default" in block.attrs:
                raw, source = self.ev.eval_expr(block.attrs["default"]), "default"
            elif self.address is None:
                raise EvalError(
                    f"variable {name!r} has no value: "
                    f"set it in terraform.tfvars, a -var-file or TF_VAR_{name}",
                    f"{block.file}:{block.line}",
                )
            else:
                raise EvalError(f"{self.address}: required variable {name!r} is not set by the module call")
            try:
                value = convert(raw, spec)
            except EvalError as e:
                raise EvalError(f"variable {name!r}: {e.message}", f"{block.file}:{block.line}") from None
            if value is None and "default" in block.attrs and source == "module call":
                nullable = block.attrs.get("nullable")
                if nullable is not None and self.ev.eval_expr(nullable) is False:
                    value = convert(self.ev.eval_expr(block.attrs["default"]), spec)
            self._vars[name] = (value, source)
            return self._vars[name]
        finally:
            self._busy.discard(f"var.{name}")

    def var_type(self, block: Block) -> TypeSpec:
        if "type" not in block.attrs:
            return ("any",)
        return parse_type(block.attrs["type"].node)

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        expr = self.config.locals.get(name)
        if expr is None:
            raise EvalError(f"reference to undeclared local value {name!r}")
        self._guard(f"local.{name}")
        try:
            self._locals[name] = self.ev.eval_expr(expr)
        finally:
            self._busy.discard(f"local.{name}")
        return self._locals[name]

    def output(self, name: str) -> Any:
        if name in self._outputs:
            return self._outputs[name]
        block = self.config.outputs.get(name)
        if block is None:
            raise EvalError(f"{self.address or 'the root module'} has no output {name!r}")
        self._guard(f"output.{name}")
        try:
            expr = block.attrs.get("value")
            self._outputs[name] = self.ev.eval_expr(expr) if expr else None
        finally:
            self._busy.discard(f"output.{name}")
        return self._outputs[name]

    # -- expansion ----------------------------------------------------------------------------------------
    def _expand(self, block: Block) -> list[tuple[int | str | None, dict[str, Any]]]:
        if "count" in block.attrs and "for_each" in block.attrs:
            raise EvalError("count and for_each cannot both be set", f"{block.file}:{block.line}")
        if "count" in block.attrs:
            n = self.ev.eval_expr(block.attrs["count"])
            if isinstance(n, Unknown | Template):
                raise EvalError(
                    f"count depends on a value known only after apply ({n})", block.attrs["count"].where
                )
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise EvalError(f"count must be a whole number >= 0, got {n!r}", block.attrs["count"].where)
            return [(i, {"count": {"index": i}}) for i in range(n)]
        if "for_each" in block.attrs:
            fe = self.ev.eval_expr(block.attrs["for_each"])
            where = block.attrs["for_each"].where
            if isinstance(fe, Unknown | Template):
                raise EvalError(f"for_each depends on a value known only after apply ({fe})", where)
            if isinstance(fe, dict):
                return [(k, {"each": {"key": k, "value": fe[k]}}) for k in sorted(fe)]
            if isinstance(fe, list):
                if not all(isinstance(x, str) for x in fe):
                    if any(isinstance(x, Unknown | Template) for x in fe):
                        raise EvalError("for_each set holds values known only after apply", where)
                    raise EvalError("for_each takes a map or a set of strings", where)
                return [(k, {"each": {"key": k, "value": k}}) for k in sorted(set(fe))]
            raise EvalError(f"for_each takes a map or a set of strings, got {fe!r}", where)
        return [(None, {})]

    def eval_body(self, block: Block, env: dict[str, Any], skip: Sequence[str] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, expr in block.attrs.items():
            if name in skip:
                continue
            out[name] = self.ev.eval_expr(expr, env)
        for b in block.blocks:
            if b.type in SKIP_BLOCKS and skip:
                continue
            if b.type == "dynamic" and b.labels:
                label = b.labels[0]
                it = label
                if "iterator" in b.attrs:
                    it = traversal_text(b.attrs["iterator"].node) or label
                fe = self.ev.eval_expr(b.attrs["for_each"], env) if "for_each" in b.attrs else []
                if isinstance(fe, Unknown | Template):
                    raise EvalError(
                        f"dynamic {label!r}: for_each known only after apply ({fe})", f"{b.file}:{b.line}"
                    )
                content = b.first("content")
                items = (
                    [(k, fe[k]) for k in sorted(fe)] if isinstance(fe, dict) else list(enumerate(fe or []))
                )
                lst = out.setdefault(label, [])
                for k, v in items:
                    if content is not None:
                        lst.append(self.eval_body(content, {**env, it: {"key": k, "value": v}}))
            else:
                out.setdefault(b.type, []).append(self.eval_body(b, env))
        return out

    # -- resources ----------------------------------------------------------------------------------------
    def instances(self, key: tuple[str, str, str]) -> list[Resource]:
        if key in self._instances:
            return self._instances[key]
        block = self.config.resources.get(key)
        mode, type_, name = key
        if block is None:
            kind = "data source" if mode == "data" else "resource"
            raise EvalError(
                f"reference to undeclared {kind} {'data.' if mode == 'data' else ''}{type_}.{name}"
            )
        self._guard(f"{type_}.{name}")
        try:
            out = []
            for idx, env in self._expand(block):
                out.append(self._instance(block, mode, type_, name, idx, env))
            self._instances[key] = out
        finally:
            self._busy.discard(f"{type_}.{name}")
        return out

    def _instance(
        self, block: Block, mode: str, type_: str, name: str, idx: int | str | None, env: dict[str, Any]
    ) -> Resource:
        base = f"{self.prefix}{'data.' if mode == 'data' else ''}{type_}.{name}"
        address = base + (format_index(idx) if idx is not None else "")
        values = self.eval_body(block, env, skip=META_ARGS)
        if mode == "managed":
            extra = derived.derive(type_, values, self.ctx.assume)
        else:
            policy = self._policy_json(values) if type_ == "aws_iam_policy_document" else None
            extra = derived.derive_data(type_, address, values, self.ctx.assume, policy)
        attributes = {**extra, **values} if mode == "managed" else {**values, **extra}
        depends = []
        if "depends_on" in block.attrs:
            node = block.attrs["depends_on"].node
            for item in _tuple_items(node):
                text = traversal_text(item)
                if text:
                    depends.append(f"{self.prefix}{text}")
        provider = traversal_text(block.attrs["provider"].node) if "provider" in block.attrs else None
        return Resource(
            address=address,
            mode=mode,
            type=type_,
            name=name,
            module=self.address,
            index=idx,
            values=values,
            attributes=attributes,
            depends_on=tuple(depends),
            references=references(_block_nodes(block), self.config.resource_types),
            provider=provider or type_.split("_", 1)[0],
            file=block.file,
            line=block.line,
            meta={
                "lifecycle": bool(block.first("lifecycle")),
                "source": _sources(block),
                "precondition_errors": self._preconditions(block, env),
            },
        )

    def _preconditions(self, block: Block, env: dict[str, Any]) -> tuple[str, ...]:
        """The error messages of ``lifecycle { precondition }`` blocks whose condition is false."""
        errors: list[str] = []
        for lc in block.all("lifecycle"):
            for pre in lc.all("precondition"):
                cond = pre.attrs.get("condition")
                if cond is None:
                    continue
                try:
                    ok = to_bool(self.ev.eval_expr(cond, env))
                    if ok is False:
                        msg = (
                            self.ev.eval_expr(pre.attrs["error_message"], env)
                            if "error_message" in pre.attrs
                            else ""
                        )
                        errors.append(str(msg) or f"precondition at {cond.where} fails")
                except EvalError as e:
                    errors.append(f"precondition at {cond.where} cannot be evaluated: {e.message}")
        return tuple(errors)

    def _policy_json(self, values: dict[str, Any]) -> Any:
        doc = derived.policy_document(values)
        merged: list[Any] = []

        def statements_of(src: Any) -> list[Any] | Unknown:
            if isinstance(src, Unknown):
                return src
            parsed = decode_json_template(src) if isinstance(src, Template) else json.loads(src)
            st = parsed.get("Statement", []) if isinstance(parsed, dict) else []
            return st if isinstance(st, list) else [st]

        for src in values.get("source_policy_documents") or []:
            st = statements_of(src)
            if isinstance(st, Unknown):
                return st
            merged.extend(st)
        for s in doc["Statement"]:
            sid = s.get("Sid")
            merged = [m for m in merged if not (sid and isinstance(m, dict) and m.get("Sid") == sid)]
            merged.append(s)
        for src in values.get("override_policy_documents") or []:
            st = statements_of(src)
            if isinstance(st, Unknown):
                return st
            for s in st:
                sid = s.get("Sid") if isinstance(s, dict) else None
                idx = next((i for i, m in enumerate(merged) if sid and m.get("Sid") == sid), None)
                if idx is None:
                    merged.append(s)
                else:
                    merged[idx] = s
        doc["Statement"] = merged
        return FUNCTIONS["jsonencode"]([doc], self.ev)

    def resource_value(self, key: tuple[str, str, str]) -> Any:
        if key in self._values:
            return self._values[key]
        insts = self.instances(key)
        block = self.config.resources[key]
        objs = [ResourceObject(r.address, r.attributes) for r in insts]
        if "count" in block.attrs:
            value: Any = objs
        elif "for_each" in block.attrs:
            value = {r.index: o for r, o in zip(insts, objs, strict=True)}
        else:
            value = objs[0]
        self._values[key] = value
        return value

    # -- module calls -------------------------------------------------------------------------------------
    def children(self, name: str) -> list[tuple[int | str | None, ModuleRuntime | None]]:
        if name in self._children:
            return self._children[name]
        block = self.config.calls.get(name)
        if block is None:
            raise EvalError(f"reference to undeclared module {name!r}")
        self._guard(f"module.{name}")
        try:
            src_expr = block.attrs.get("source")
            source = self.ev.eval_expr(src_expr) if src_expr else None
            if not isinstance(source, str):
                raise EvalError(f"module {name!r} needs a literal source", f"{block.file}:{block.line}")
            out: list[tuple[int | str | None, ModuleRuntime | None]] = []
            for idx, env in self._expand(block):
                address = f"{self.prefix}module.{name}" + (format_index(idx) if idx is not None else "")
                if not source.startswith(("./", "../")):
                    out.append((idx, None))
                    continue
                cfg = self.ctx.config(self.config.dir / source)
                exprs = {k: (e, self, env) for k, e in block.attrs.items() if k not in META_ARGS}
                for k in exprs:
                    if k not in cfg.variables:
                        raise EvalError(
                            f"module {name!r}: {cfg.display} has no variable {k!r}", exprs[k][0].where
                        )
                out.append((idx, ModuleRuntime(self.ctx, cfg, address, source, input_exprs=exprs)))
            self._children[name] = out
        finally:
            self._busy.discard(f"module.{name}")
        return out

    def module_value(self, name: str) -> Any:
        block = self.config.calls.get(name)
        kids = self.children(name)

        def ns(idx: int | str | None, child: ModuleRuntime | None) -> Lazy:
            address = f"{self.prefix}module.{name}" + (format_index(idx) if idx is not None else "")
            if child is None:
                return Lazy(address, lambda out: Unknown(f"{address}.{out}"))
            return Lazy(address, child.output, lambda: list(child.config.outputs))

        if block is not None and "count" in block.attrs:
            return [ns(i, c) for i, c in kids]
        if block is not None and "for_each" in block.attrs:
            return {i: ns(i, c) for i, c in kids}
        return ns(*kids[0])

    def call_model(self, name: str) -> list[ModuleCall]:
        block = self.config.calls[name]
        calls = []
        for idx, child in self.children(name):
            inputs = {k: child.var(k) for k in block.attrs if k not in META_ARGS} if child else {}
            deps = []
            if "depends_on" in block.attrs:
                deps = [
                    f"{self.prefix}{t}"
                    for t in (traversal_text(i) for i in _tuple_items(block.attrs["depends_on"].node))
                    if t
                ]
            calls.append(
                ModuleCall(
                    name=name,
                    address=f"{self.prefix}module.{name}" + (format_index(idx) if idx is not None else ""),
                    parent=self.address,
                    source=str(child.source if child else self.ev.eval_expr(block.attrs["source"])),
                    index=idx,
                    inputs=inputs,
                    depends_on=tuple(deps),
                    references=references(
                        [e.node for k, e in block.attrs.items() if k != "depends_on"],
                        self.config.resource_types,
                    ),
                    file=block.file,
                    line=block.line,
                )
            )
        return calls


def _sources(block: Block) -> dict[str, Any]:
    """Source text of the arguments, and of the arguments of nested (and dynamic content) blocks."""
    out: dict[str, Any] = {k: e.text for k, e in block.attrs.items()}
    for b in block.blocks:
        if b.type == "dynamic" and b.labels:
            content = b.first("content")
            if content is not None:
                out.setdefault(b.labels[0], {k: e.text for k, e in content.attrs.items()})
        elif b.type not in SKIP_BLOCKS:
            out.setdefault(b.type, {k: e.text for k, e in b.attrs.items()})
    return out


def _tuple_items(node: Any) -> list[Any]:
    while isinstance(node, Tree) and node.data == "expr_term":
        kids = [k for k in node.children if isinstance(k, Tree) and k.data != "new_line_or_comment"]
        if len(kids) != 1:
            break
        node = kids[0]
    if isinstance(node, Tree) and node.data == "tuple":
        return [k for k in node.children if isinstance(k, Tree) and k.data != "new_line_or_comment"]
    return []


# -- root variables ------------------------------------------------------------------------------------
def _no_refs(name: str) -> Any:
    raise EvalError(f"variables files cannot refer to {name!r}")


def read_tfvars(path: Path, display: str) -> dict[str, Any]:
    """The values of a ``.tfvars`` (HCL, constants only) or ``.tfvars.json`` file."""
    if path.name.endswith(".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise StackError(f"cannot read {display}: {e}") from None
        if not isinstance(data, dict):
            raise StackError(f"{display}: expected a JSON object")
        return data
    top = parse_hcl(path, display)
    ev = Evaluator(_no_refs, FUNCTIONS, path.parent)
    out = {}
    for k, e in top.attrs.items():
        try:
            out[k] = ev.eval_expr(e)
        except EvalError as err:
            raise _err(err) from None
    if top.blocks:
        b = top.blocks[0]
        raise StackError(f"{b.file}:{b.line}: blocks are not allowed in a variables file")
    return out


def _parse_cli_value(raw: str, spec: TypeSpec) -> Any:
    if spec[0] in ("string", "number", "bool", "any"):
        return raw
    from lakectl.stack.expr import parse_expression

    ev = Evaluator(_no_refs, FUNCTIONS, Path("."))
    return ev.eval(parse_expression(raw), {})


# -- the entry point ----------------------------------------------------------------------------------------
def load_stack(
    root: Path | str,
    *,
    var_files: Sequence[Path | str] = (),
    variables: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    assume: Mapping[str, str] | None = None,
    lenient_files: bool = True,
) -> Stack:
    """Load and evaluate the root module at ``root`` with its local modules.

    ``assume`` supplies apply-time values (``account_id``, ``region``, ``partition``); without it they
    stay symbolic Unknowns. With ``lenient_files`` a file function on a file that does not exist yet
    (a build artifact) gives an Unknown instead of failing. Raises :class:`StackError` (exit 2).
    """
    root_dir = Path(root)
    if not root_dir.is_dir():
        raise StackError(f"{root_dir}: the stack directory does not exist")
    ctx = _Ctx(root_dir, dict(assume or {}), lenient_files)
    cfg = ctx.config(root_dir)
    if not cfg.files:
        raise StackError(f"{root_dir}: no .tf files (is this a Terraform root module?)")
    env = os.environ if env is None else env
    inputs = _root_inputs(root_dir, cfg, var_files, variables or {}, env)
    rt = ModuleRuntime(ctx, cfg, None, None, inputs=inputs)
    try:
        modules = _build(rt)
        providers = tuple(
            Provider(
                name=b.labels[0],
                alias=rt.eval_body(b, {}).get("alias"),
                config=rt.eval_body(b, {}),
                module=None,
                file=b.file,
                line=b.line,
            )
            for b in cfg.providers
        )
        required: dict[str, Any] = {}
        for t in cfg.terraform:
            for rp in t.all("required_providers"):
                required.update(rt.eval_body(rp, {}))
    except EvalError as e:
        raise _err(e) from None
    resources = tuple(r for m in modules for r in m.resources)
    return Stack(
        root_dir=root_dir,
        modules=tuple(modules),
        resources=resources,
        providers=providers,
        required_providers=required,
        assume=dict(assume or {}),
        missing_files=tuple(dict.fromkeys(ctx.missing_files or [])),
    )


def _root_inputs(
    root_dir: Path,
    cfg: ModuleConfig,
    var_files: Sequence[Path | str],
    variables: Mapping[str, Any],
    env: Mapping[str, str],
) -> dict[str, tuple[Any, str]]:
    inputs: dict[str, tuple[Any, str]] = {}
    for name, block in cfg.variables.items():
        raw = env.get(f"TF_VAR_{name}")
        if raw is not None:
            spec = parse_type(block.attrs["type"].node) if "type" in block.attrs else ("any",)
            try:
                inputs[name] = (_parse_cli_value(raw, spec), f"TF_VAR_{name}")
            except EvalError as e:
                raise StackError(f"TF_VAR_{name}: {e.message}") from None
    files: list[tuple[Path, str]] = []
    for fname in ("terraform.tfvars", "terraform.tfvars.json"):
        if (root_dir / fname).is_file():
            files.append((root_dir / fname, fname))
    autos = sorted(
        p.name
        for p in root_dir.iterdir()
        if p.is_file() and (p.name.endswith(".auto.tfvars") or p.name.endswith(".auto.tfvars.json"))
    )
    files.extend((root_dir / n, n) for n in autos)
    for f in var_files:
        p = Path(f)
        if not p.is_file():
            raise StackError(f"-var-file {f}: no such file")
        files.append((p, f"-var-file={f}"))
    for path, label in files:
        for k, v in read_tfvars(path, label).items():
            if k in cfg.variables:
                inputs[k] = (v, label)
    for k, v in variables.items():
        if k not in cfg.variables:
            raise StackError(f"-var {k}: the root module declares no variable {k!r}")
        if isinstance(v, str):
            spec = (
                parse_type(cfg.variables[k].attrs["type"].node)
                if "type" in cfg.variables[k].attrs
                else ("any",)
            )
            try:
                v = _parse_cli_value(v, spec)
            except EvalError as e:
                raise StackError(f"-var {k}: {e.message}") from None
        inputs[k] = (v, "-var")
    return inputs


def _validate(rt: ModuleRuntime, name: str, block: Block) -> tuple[str, ...]:
    errors = []
    for v in block.all("validation"):
        cond = v.attrs.get("condition")
        if cond is None:
            continue
        try:
            ok = to_bool(rt.ev.eval_expr(cond))
        except EvalError as e:
            errors.append(f"validation could not be evaluated: {e.message}")
            continue
        if ok is False:
            msg = rt.ev.eval_expr(v.attrs["error_message"]) if "error_message" in v.attrs else "invalid value"
            errors.append(str(msg))
    return tuple(errors)


def _build(rt: ModuleRuntime) -> list[Module]:
    cfg = rt.config
    resources: list[Resource] = []
    for key in cfg.resources:
        resources.extend(rt.instances(key))
    calls: list[ModuleCall] = []
    children: list[Module] = []
    for name in cfg.calls:
        calls.extend(rt.call_model(name))
        for _, child in rt.children(name):
            if child is not None:
                children.extend(_build(child))
    variables = {}
    for name, block in cfg.variables.items():
        value, source = rt.var_entry(name)
        spec = rt.var_type(block)
        default = rt.ev.eval_expr(block.attrs["default"]) if "default" in block.attrs else None
        desc = rt.ev.eval_expr(block.attrs["description"]) if "description" in block.attrs else None
        sens = bool(rt.ev.eval_expr(block.attrs["sensitive"])) if "sensitive" in block.attrs else False
        variables[name] = Variable(
            name,
            spec_text(spec) if "type" in block.attrs else None,
            default,
            desc,
            sens,
            value,
            source,
            _validate(rt, name, block),
        )
    local_values = {k: rt.local(k) for k in cfg.locals}
    outputs = {}
    for name, block in cfg.outputs.items():
        desc = rt.ev.eval_expr(block.attrs["description"]) if "description" in block.attrs else None
        sens = bool(rt.ev.eval_expr(block.attrs["sensitive"])) if "sensitive" in block.attrs else False
        outputs[name] = Output(name, rt.output(name), desc, sens)
    me = Module(
        address=rt.address,
        dir=cfg.dir,
        source=rt.source,
        variables=variables,
        locals=local_values,
        outputs=outputs,
        calls=tuple(calls),
        resources=tuple(resources),
        files=tuple(cfg.files),
    )
    return [me, *children]
