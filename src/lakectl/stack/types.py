"""Terraform type constraints (``list(string)``, ``object({a = optional(number, 1)})``) and conversion."""

from __future__ import annotations

from typing import Any

from lark import Tree

from lakectl.stack.expr import EvalError, ident, to_bool, to_number, to_string, type_name
from lakectl.stack.values import Template, Unknown

TypeSpec = tuple[Any, ...]
PRIMITIVES = ("string", "number", "bool", "any")


def _inner(node: Any) -> Any:
    while isinstance(node, Tree) and node.data == "expr_term":
        kids = [k for k in node.children if isinstance(k, Tree) and k.data != "new_line_or_comment"]
        if len(kids) != 1:
            break
        node = kids[0]
    return node


def parse_type(node: Any) -> TypeSpec:
    """A type expression's parse tree as a nested tuple: ``("list", ("string",))``."""
    node = _inner(node)
    if isinstance(node, Tree) and node.data == "identifier":
        name = ident(node)
        if name in PRIMITIVES:
            return (name,)
    if isinstance(node, Tree) and node.data == "string":  # legacy "string", "list", "map"
        text = "".join(str(p.children[0]) for p in node.children)
        return {"list": ("list", ("any",)), "map": ("map", ("any",))}.get(
            text, (text,) if text in PRIMITIVES else ("any",)
        )
    if isinstance(node, Tree) and node.data == "function_call":
        kids = [k for k in node.children if isinstance(k, Tree) and k.data != "new_line_or_comment"]
        name = ident(kids[0])
        args = (
            [_inner(a) for a in kids[1].children if isinstance(a, Tree) and a.data != "new_line_or_comment"]
            if len(kids) > 1
            else []
        )
        if name in ("list", "set", "map") and len(args) == 1:
            return (name, parse_type(args[0]))
        if name == "tuple" and args and isinstance(args[0], Tree) and args[0].data == "tuple":
            return (
                "tuple",
                [
                    parse_type(e)
                    for e in args[0].children
                    if isinstance(e, Tree) and e.data != "new_line_or_comment"
                ],
            )
        if name == "object" and args and isinstance(args[0], Tree) and args[0].data == "object":
            attrs: dict[str, Any] = {}
            for elem in args[0].children:
                if isinstance(elem, Tree) and elem.data == "object_elem":
                    key_node = elem.children[0].children[0]
                    key = (
                        ident(key_node)
                        if key_node.data == "identifier"
                        else "".join(str(p.children[0]) for p in key_node.children)
                    )
                    attrs[key] = parse_type(elem.children[-1])
            return ("object", attrs)
        if name == "optional" and args:
            return ("optional", parse_type(args[0]), args[1] if len(args) > 1 else None)
    raise EvalError("unsupported type constraint")


def spec_text(spec: TypeSpec) -> str:
    kind = spec[0]
    if kind in PRIMITIVES:
        return kind
    if kind in ("list", "set", "map"):
        return f"{kind}({spec_text(spec[1])})"
    if kind == "tuple":
        return "tuple([" + ", ".join(spec_text(s) for s in spec[1]) + "])"
    if kind == "object":
        return "object({" + ", ".join(f"{k} = {spec_text(v)}" for k, v in spec[1].items()) + "})"
    if kind == "optional":
        return f"optional({spec_text(spec[1])})"
    return str(kind)


def convert(value: Any, spec: TypeSpec) -> Any:
    """Convert ``value`` to the type, as Terraform does for variables (raises EvalError)."""
    kind = spec[0]
    if value is None or isinstance(value, Unknown):
        return value
    if kind == "optional":
        return convert(value, spec[1])
    if kind == "any":
        return value
    if isinstance(value, Template):
        if kind == "string":
            return value
        return value.unknowns[0]
    if kind == "string":
        if isinstance(value, list | dict):
            raise EvalError(f"string required, got {type_name(value)}")
        return to_string(value)
    if kind == "number":
        return to_number(value)
    if kind == "bool":
        return to_bool(value)
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise EvalError(f"{kind} required, got {type_name(value)}")
        items = [convert(v, spec[1]) for v in value]
        if kind == "set":
            from lakectl.stack.functions import _set_sort

            items = _set_sort(items)
        return items
    if kind == "map":
        if not isinstance(value, dict):
            raise EvalError(f"map required, got {type_name(value)}")
        return {k: convert(v, spec[1]) for k, v in value.items()}
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(spec[1]):
            raise EvalError(f"tuple of {len(spec[1])} elements required")
        return [convert(v, s) for v, s in zip(value, spec[1], strict=True)]
    if kind == "object":
        if not isinstance(value, dict):
            raise EvalError(f"object required, got {type_name(value)}")
        out = {}
        for k, s in spec[1].items():
            if k in value:
                out[k] = convert(value[k], s)
            elif s[0] == "optional":
                default = s[2]
                if default is not None:
                    from lakectl.stack.expr import Evaluator
                    from lakectl.stack.functions import FUNCTIONS

                    def no_refs(name: str) -> Any:
                        raise EvalError(f"optional() defaults cannot refer to {name!r}")

                    out[k] = convert(
                        Evaluator(no_refs, FUNCTIONS, __import__("pathlib").Path(".")).eval(default, {}), s[1]
                    )
                else:
                    out[k] = None
            else:
                raise EvalError(f"attribute {k!r} is required")
        return out
    return value
