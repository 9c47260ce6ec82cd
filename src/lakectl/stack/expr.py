"""Evaluate HCL expressions (python-hcl2's lark parse tree) with Terraform's semantics.

The dict form of ``hcl2.load`` loses information (quotes inside expressions, heredoc newlines, the
precedence of operators), so the evaluator walks the parse tree itself. python-hcl2's grammar nests
binary operators to the right without precedence, and binds a conditional to the last operand; the
evaluator flattens the chain and applies HCL's precedence (unary, ``* / %``, ``+ -``, comparisons,
equality, ``&&``, ``||``, then ``? :``).

Values: plain Python for what is known; :class:`~lakectl.stack.values.Unknown` (with its origin) and
:class:`~lakectl.stack.values.Template` for what only apply knows. Namespaces (``local``, ``module``,
resource types, ``data``) are :class:`Lazy` objects that evaluate on first access.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lark import Token, Tree

from lakectl.stack.values import Template, Unknown, first_unknown

# Source text of every parsed file by display name: the parse tree drops the `...` of an expanded
# function argument, so the evaluator looks at the text after the last argument.
SOURCES: dict[str, str] = {}


class EvalError(Exception):
    """An expression that cannot be evaluated (with its file and line when known)."""

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.where = where


@dataclass(frozen=True)
class Expr:
    """An unevaluated expression and where it was written."""

    node: Any
    file: str
    line: int
    text: str = ""  # the expression's source text (for fixes that quote it)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


class Lazy:
    """A namespace whose members are computed on first access (``local``, ``module``, ``aws_s3_bucket``)."""

    def __init__(
        self, label: str, getter: Callable[[str], Any], names: Callable[[], list[str]] | None = None
    ):
        self.label = label
        self._getter = getter
        self._names = names

    def get(self, name: str) -> Any:
        return self._getter(name)

    def names(self) -> list[str]:
        return self._names() if self._names else []

    def __repr__(self) -> str:
        return f"<{self.label}>"


class ResourceObject(dict):
    """A resource instance as an expression sees it: its arguments plus the attributes known from them.

    Reading an attribute nobody can know before apply gives ``Unknown("<address>.<attr>")``.
    """

    def __init__(self, address: str, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.address = address

    def __missing__(self, key: str) -> Unknown:
        return Unknown(f"{self.address}.{key}")


PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _is_nl(x: Any) -> bool:
    return isinstance(x, Tree) and x.data == "new_line_or_comment"


def _kids(node: Tree) -> list[Any]:
    """Children without comments/newlines and without anonymous punctuation tokens."""
    return [c for c in node.children if not _is_nl(c)]


def ident(node: Any) -> str:
    """The name of an ``identifier`` node."""
    if isinstance(node, Tree) and node.data == "identifier":
        return str(node.children[0])
    raise EvalError(f"expected an identifier, got {node}")


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | Template):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def format_number(n: int | float) -> str:
    if isinstance(n, float):
        if math.isfinite(n) and n == int(n) and abs(n) < 1e21:
            return str(int(n))
        return repr(n)
    return str(n)


def to_string(value: Any, where: str | None = None) -> str | Template | Unknown:
    """Terraform's implicit conversion to string (interpolation, string arguments)."""
    if isinstance(value, str | Template | Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if value is None:
        raise EvalError("cannot use a null value in a string template", where)
    raise EvalError(f"cannot convert {type_name(value)} to string", where)


def to_number(value: Any, where: str | None = None) -> int | float | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Template):
        return value.unknowns[0]
    if isinstance(value, bool):
        raise EvalError("cannot convert bool to number", where)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            f = float(value)
        except ValueError:
            raise EvalError(f"cannot convert {value!r} to number", where) from None
        return int(f) if f.is_integer() and "e" not in value.lower() and "." not in value else f
    raise EvalError(f"cannot convert {type_name(value)} to number", where)


def to_bool(value: Any, where: str | None = None) -> bool | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Template):
        return value.unknowns[0]
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise EvalError(f"cannot convert {type_name(value)} to bool", where)


def hcl_equal(a: Any, b: Any) -> bool:
    """Terraform's ``==``: no conversion between types (``1 == "1"`` is false; ``true == 1`` too)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(hcl_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(hcl_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def normalise_number(n: float | int) -> int | float:
    if isinstance(n, float) and n.is_integer() and abs(n) < 2**63:
        return int(n)
    return n


class Evaluator:
    """Evaluates expressions of one module instance.

    ``root(name)`` resolves the first name of a traversal (``var``, ``local``, ``module``, ``data``,
    ``path``, a resource type, ...); ``functions`` maps names to callables ``(args, ctx)``; ``cwd`` is
    where relative file paths resolve (Terraform's working directory: the root module).
    """

    def __init__(
        self, root: Callable[[str], Any], functions: dict[str, Callable[..., Any]], cwd: Path
    ) -> None:
        self.root = root
        self.functions = functions
        self.cwd = cwd

    # -- entry points -------------------------------------------------------------------------------
    _text: str | None = None

    def eval_expr(self, expr: Expr, env: dict[str, Any] | None = None) -> Any:
        saved, self._text = self._text, SOURCES.get(expr.file)
        try:
            return self.eval(expr.node, env or {}, expr.where)
        finally:
            self._text = saved

    def eval(self, node: Any, env: dict[str, Any], where: str | None = None) -> Any:
        try:
            return self._eval(node, env, where)
        except EvalError as e:
            if e.where is None and where is not None:
                raise EvalError(e.message, where) from None
            raise
        except RecursionError:
            raise EvalError("expression nests too deeply", where) from None
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError) as e:
            raise EvalError(str(e) or type(e).__name__, self._where(node, where)) from None

    def _where(self, node: Any, where: str | None) -> str | None:
        line = getattr(getattr(node, "meta", None), "line", None)
        if where and line and ":" in where:
            return where.rsplit(":", 1)[0] + f":{line}"
        return where

    # -- dispatch -----------------------------------------------------------------------------------
    def _eval(self, node: Any, env: dict[str, Any], where: str | None) -> Any:
        if isinstance(node, Token):
            raise EvalError(f"unexpected token {node!s}", where)
        kind = node.data
        method = getattr(self, f"_e_{kind}", None)
        if method is None:
            raise EvalError(f"unsupported expression ({kind})", self._where(node, where))
        return method(node, env, where)

    def _e_expr_term(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        kids = _kids(node)
        if isinstance(kids[0], Token) and kids[0].type == "LPAR":
            return self._eval(kids[1], env, where)
        return self._eval(kids[0], env, where)

    def _e_int_lit(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        return int("".join(str(t) for t in node.children))

    def _e_float_lit(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        return normalise_number(float("".join(str(t) for t in node.children)))

    def _e_identifier(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        name = ident(node)
        if name in env:
            return env[name]
        if name == "true":
            return True
        if name == "false":
            return False
        if name == "null":
            return None
        try:
            return self.root(name)
        except EvalError as e:
            raise EvalError(e.message, e.where or self._where(node, where)) from None

    def _e_tuple(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        return [self._eval(c, env, where) for c in _kids(node) if isinstance(c, Tree)]

    def _e_object(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        out: dict[str, Any] = {}
        for elem in _kids(node):
            if not (isinstance(elem, Tree) and elem.data == "object_elem"):
                continue
            key_node, value_node = elem.children[0], elem.children[-1]
            key = self._object_key(key_node, env, where)
            value = self._eval(value_node, env, where)
            if isinstance(key, Unknown | Template):
                return first_unknown([key])
            out[key] = value
        return out

    def _object_key(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        inner = node.children[0]
        if inner.data == "identifier":
            return ident(inner)
        if inner.data == "object_elem_key_dot_accessor":
            return ".".join(ident(c) for c in inner.children if isinstance(c, Tree))
        if inner.data == "object_elem_key_expression":
            expr = [c for c in inner.children if isinstance(c, Tree) and not _is_nl(c)][0]
            value = self._eval(expr, env, where)
        else:
            value = self._eval(inner, env, where)
        return to_string(value, self._where(node, where))

    # -- strings ------------------------------------------------------------------------------------
    def _e_string(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        if len(node.children) == 1 and isinstance(node.children[0].children[0], Tree):
            # "${x}" alone keeps x's type in Terraform
            inner = [c for c in node.children[0].children[0].children if isinstance(c, Tree)][0]
            return self._eval(inner, env, where)
        parts: list[Any] = []
        for part in node.children:
            piece = part.children[0]
            if isinstance(piece, Token):
                if piece.type == "ESCAPED_INTERPOLATION":
                    parts.append(str(piece)[1:])
                else:
                    text = unescape(str(piece), self._where(node, where))
                    if "%{" in text.replace("%%{", ""):
                        return self._quoted_template(node, env, where)
                    parts.append(text.replace("%%{", "%{"))
            else:  # interpolation
                expr = [c for c in piece.children if isinstance(c, Tree)][0]
                parts.append(self._interp(self._eval(expr, env, where), where))
        return Template.of(parts)

    def _quoted_template(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        """A quoted string with ``%{...}`` directives: render its source text as a template."""
        start = getattr(node.meta, "start_pos", None)
        end = getattr(node.meta, "end_pos", None)
        text = self._text
        if text is None or start is None or end is None or text[start] != '"' or text[end - 1] != '"':
            raise EvalError("template directives (%{...}) in this string are not supported", where)
        return self.template(text[start + 1 : end - 1], env, self._where(node, where), quoted=True)

    def _interp(self, value: Any, where: str | None) -> Any:
        if isinstance(value, Unknown | Template):
            return value
        return to_string(value, where)

    def _e_heredoc_template(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        return self._heredoc(str(node.children[0]), False, env, self._where(node, where))

    def _e_heredoc_template_trim(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        return self._heredoc(str(node.children[0]), True, env, self._where(node, where))

    def _heredoc(self, text: str, trim: bool, env: dict[str, Any], where: str | None) -> Any:
        lines = text.split("\n")
        body = lines[1:-2]  # first line is <<EOT, the last two are the marker and ""
        if trim:
            indents = [len(ln) - len(ln.lstrip(" \t")) for ln in body if ln.strip()]
            cut = min(indents) if indents else 0
            body = [ln[cut:] for ln in body]
        content = "\n".join(body) + "\n" if body else ""
        return self.template(content, env, where)

    def template(self, content: str, env: dict[str, Any], where: str | None, quoted: bool = False) -> Any:
        """Evaluate raw template text (a heredoc, a ``templatefile``).

        ``${...}`` interpolations and the ``%{if}/%{else}/%{endif}`` and ``%{for}/%{endfor}``
        directives, with ``~`` strip markers; ``$${`` and ``%%{`` are literals.
        """
        tokens = _template_tokens(content, where, quoted)
        parts, i, stop = self._render(tokens, 0, env, where, ())
        if stop is not None:
            raise EvalError(f"unexpected %{{{stop}}} in template", where)
        return Template.of(parts)

    def _template_expr(self, text: str, env: dict[str, Any], where: str | None) -> Any:
        saved, self._text = self._text, f"__x = {text}\n"
        try:
            return self._eval(parse_expression(text, where), env, where)
        finally:
            self._text = saved

    def _render(
        self,
        tokens: list[tuple[str, str]],
        i: int,
        env: dict[str, Any],
        where: str | None,
        stops: tuple[str, ...],
        dry: bool = False,
    ) -> tuple[list[Any], int, str | None]:
        if dry:
            return _skip(tokens, i, stops, where)
        parts: list[Any] = []
        while i < len(tokens):
            kind, text = tokens[i]
            i += 1
            if kind == "lit":
                parts.append(text)
            elif kind == "interp":
                parts.append(self._interp(self._template_expr(text, env, where), where))
            else:
                word = text.split(None, 1)[0] if text else ""
                if word in stops:
                    return parts, i, word
                if word == "if":
                    cond = to_bool(self._template_expr(text[2:].strip(), env, where), where)
                    then, i, stop = self._render(tokens, i, env, where, ("else", "endif"))
                    other: list[Any] = []
                    if stop == "else":
                        other, i, stop = self._render(tokens, i, env, where, ("endif",))
                    if stop != "endif":
                        raise EvalError("%{if} without %{endif}", where)
                    if isinstance(cond, Unknown):
                        return [*parts, cond], len(tokens), None
                    parts.extend(then if cond else other)
                elif word == "for":
                    m = re.fullmatch(r"for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+(.+)", text, re.S)
                    if not m:
                        raise EvalError(f"bad template directive %{{{text}}}", where)
                    coll = self._template_expr(m.group(3), env, where)
                    body_start = i
                    _, i, stop = self._render(tokens, i, {}, where, ("endfor",), dry=True)
                    if stop != "endfor":
                        raise EvalError("%{for} without %{endfor}", where)
                    if isinstance(coll, Unknown | Template):
                        return [*parts, first_unknown([coll])], len(tokens), None
                    names = [n for n in (m.group(1), m.group(2)) if n]
                    for binding in self._iterate(coll, names, where):
                        body, _, _ = self._render(tokens, body_start, {**env, **binding}, where, ("endfor",))
                        parts.extend(body)
                else:
                    raise EvalError(f"unexpected template directive %{{{text}}}", where)
        return parts, i, None

    # -- traversals ---------------------------------------------------------------------------------
    def _e_get_attr_expr_term(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        base = self._eval(node.children[0], env, where)
        return self.get_attr(base, ident(node.children[1].children[0]), self._where(node, where))

    def _e_index_expr_term(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        base = self._eval(node.children[0], env, where)
        return self.index(base, self._index_key(node.children[1], env, where), self._where(node, where))

    def _index_key(self, index: Tree, env: dict[str, Any], where: str | None) -> Any:
        kids = _kids(index)
        if all(isinstance(k, Token) for k in kids):  # legacy a.0
            return int("".join(str(k) for k in kids))
        return self._eval([k for k in kids if isinstance(k, Tree)][0], env, where)

    def get_attr(self, base: Any, name: str, where: str | None) -> Any:
        if isinstance(base, Lazy):
            try:
                return base.get(name)
            except EvalError as e:
                if e.where is None:
                    raise EvalError(e.message, where) from None
                raise
        if isinstance(base, Unknown):
            return Unknown(f"{base.origin}.{name}")
        if isinstance(base, dict):
            if isinstance(base, ResourceObject):
                return base[name]
            if name in base:
                return base[name]
            raise EvalError(f"this object has no attribute {name!r}", where)
        if base is None:
            raise EvalError(f"attempt to get attribute {name!r} from a null value", where)
        raise EvalError(f"cannot get attribute {name!r} of a {type_name(base)}", where)

    def index(self, base: Any, key: Any, where: str | None) -> Any:
        if isinstance(base, Unknown):
            return Unknown(f"{base.origin}[{key!r}]".replace("'", '"'))
        if isinstance(key, Unknown | Template):
            return first_unknown([key])
        if isinstance(base, Lazy):
            return base.get(str(key))
        if isinstance(base, list):
            k = to_number(key, where)
            if not isinstance(k, int) or isinstance(k, bool):
                raise EvalError(f"invalid list index {key!r}", where)
            if not 0 <= k < len(base):
                raise EvalError(f"index {k} out of range for a list of {len(base)} elements", where)
            return base[k]
        if isinstance(base, dict):
            k = to_string(key, where)
            if isinstance(base, ResourceObject):
                return base[k]
            if k not in base:
                raise EvalError(f"the given key {k!r} does not identify an element in this collection", where)
            return base[k]
        if base is None:
            raise EvalError("attempt to index a null value", where)
        raise EvalError(f"cannot index a {type_name(base)}", where)

    def _splat(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        base = self._eval(node.children[0], env, where)
        steps = node.children[1].children
        if isinstance(base, Unknown):
            return base
        if base is None:
            return []
        items = base if isinstance(base, list) else [base]
        out = []
        for item in items:
            v = item
            for step in steps:
                if step.data == "get_attr":
                    v = self.get_attr(v, ident(step.children[0]), where)
                else:
                    v = self.index(v, self._index_key(step, env, where), where)
            out.append(v)
        return out

    _e_attr_splat_expr_term = _splat
    _e_full_splat_expr_term = _splat

    # -- functions ----------------------------------------------------------------------------------
    def _e_function_call(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        kids = _kids(node)
        name = ident(kids[0])
        arg_nodes = [c for c in _kids(kids[1]) if isinstance(c, Tree)] if len(kids) > 1 else []
        here = self._where(node, where)
        if name in ("try", "can"):
            return self._try_can(name, arg_nodes, env, here)
        fn = self.functions.get(name)
        if fn is None:
            raise EvalError(f"call to unknown function {name!r}", here)
        args = [self._eval(a, env, where) for a in arg_nodes]
        if arg_nodes and self._expands_last(arg_nodes[-1], node):
            last = args.pop()
            if isinstance(last, Unknown | Template):
                return first_unknown([last])
            if not isinstance(last, list):
                raise EvalError(f"{name}(): the argument expanded with ... must be a list", here)
            args.extend(last)
        try:
            return fn(args, self)
        except EvalError as e:
            raise EvalError(f"{name}(): {e.message}", e.where or here) from None
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError) as e:
            raise EvalError(f"{name}(): {e}", here) from None

    def _expands_last(self, last: Any, call: Tree) -> bool:
        """Whether the call's last argument is followed by ``...`` (python-hcl2 drops that token)."""
        text = self._text
        end = getattr(getattr(last, "meta", None), "end_pos", None)
        stop = getattr(getattr(call, "meta", None), "end_pos", None)
        if text is None or end is None or stop is None:
            return False
        return "..." in text[end:stop]

    def _try_can(self, name: str, arg_nodes: list[Any], env: dict[str, Any], where: str | None) -> Any:
        if name == "can":
            if len(arg_nodes) != 1:
                raise EvalError("can() takes exactly one argument", where)
            try:
                v = self._eval(arg_nodes[0], env, where)
            except EvalError:
                return False
            return v if isinstance(v, Unknown) else True
        last: EvalError | None = None
        for a in arg_nodes:
            try:
                return self._eval(a, env, where)
            except EvalError as e:
                last = e
        raise EvalError(f"try(): no expression succeeded ({last.message if last else 'no arguments'})", where)

    def _e_provider_function_call(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        raise EvalError("provider-defined functions are not supported", self._where(node, where))

    # -- for expressions ----------------------------------------------------------------------------
    def _for_parts(self, node: Tree) -> tuple[list[str], Any, list[Any], Any, bool]:
        intro = next(c for c in node.children if isinstance(c, Tree) and c.data == "for_intro")
        names: list[str] = []
        coll = None
        seen_in = False
        for c in intro.children:
            if isinstance(c, Token) and str(c) == "in":
                seen_in = True
            elif isinstance(c, Tree) and c.data == "identifier" and not seen_in:
                names.append(ident(c))
            elif isinstance(c, Tree) and not _is_nl(c) and seen_in and coll is None:
                coll = c
        body = [
            c
            for c in node.children
            if isinstance(c, Tree) and c.data not in ("for_intro", "for_cond") and not _is_nl(c)
        ]
        cond = next((c for c in node.children if isinstance(c, Tree) and c.data == "for_cond"), None)
        cond_expr = [c for c in cond.children if isinstance(c, Tree) and not _is_nl(c)][0] if cond else None
        grouping = any(isinstance(c, Token) and str(c) == "..." for c in node.children)
        return names, coll, body, cond_expr, grouping

    def _iterate(self, coll: Any, names: list[str], where: str | None) -> list[dict[str, Any]]:
        if isinstance(coll, dict) and not isinstance(coll, ResourceObject | Lazy):
            pairs = [(k, coll[k]) for k in sorted(coll)]
        elif isinstance(coll, list):
            pairs = list(enumerate(coll))
        elif isinstance(coll, dict):
            pairs = [(k, coll[k]) for k in sorted(coll)]
        else:
            raise EvalError(f"a for expression cannot iterate over a {type_name(coll)}", where)
        if len(names) == 1:
            return [{names[0]: v} for _, v in pairs]
        return [{names[0]: k, names[1]: v} for k, v in pairs]

    def _e_for_tuple_expr(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        names, coll_node, body, cond, _ = self._for_parts(node)
        coll = self._eval(coll_node, env, where)
        if isinstance(coll, Unknown):
            return coll
        out = []
        for binding in self._iterate(coll, names, self._where(node, where)):
            scope = {**env, **binding}
            if cond is not None:
                ok = to_bool(self._eval(cond, scope, where), where)
                if isinstance(ok, Unknown):
                    return ok
                if not ok:
                    continue
            out.append(self._eval(body[0], scope, where))
        return out

    def _e_for_object_expr(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        names, coll_node, body, cond, grouping = self._for_parts(node)
        coll = self._eval(coll_node, env, where)
        if isinstance(coll, Unknown):
            return coll
        out: dict[str, Any] = {}
        here = self._where(node, where)
        for binding in self._iterate(coll, names, here):
            scope = {**env, **binding}
            if cond is not None:
                ok = to_bool(self._eval(cond, scope, where), where)
                if isinstance(ok, Unknown):
                    return ok
                if not ok:
                    continue
            key = to_string(self._eval(body[0], scope, where), here)
            if isinstance(key, Unknown | Template):
                return first_unknown([key])
            value = self._eval(body[1], scope, where)
            if grouping:
                out.setdefault(key, []).append(value)
            elif key in out:
                raise EvalError(f"duplicate object key {key!r} in a for expression (use ... to group)", here)
            else:
                out[key] = value
        return out

    # -- operators ----------------------------------------------------------------------------------
    def _e_conditional(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        pred, then, other = _kids(node)
        return self._conditional(self._eval(pred, env, where), then, other, env, where)

    def _conditional(self, pred: Any, then: Any, other: Any, env: dict[str, Any], where: str | None) -> Any:
        p = to_bool(pred, where)
        if isinstance(p, Unknown):
            return p
        return self._eval(then if p else other, env, where)

    def _e_unary_op(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        op = str(node.children[0])
        value = self._eval(node.children[1], env, where)
        if op == "!":
            b = to_bool(value, where)
            return b if isinstance(b, Unknown) else not b
        n = to_number(value, where)
        return n if isinstance(n, Unknown) else -n

    def _flatten(self, node: Any, operands: list[Any], ops: list[str]) -> Any:
        """Flatten python-hcl2's right-nested chain; return a trailing conditional node, if any."""
        while isinstance(node, Tree) and node.data == "binary_op":
            left = node.children[0]
            tail = self._flatten(left, operands, ops)
            if tail is not None:  # pragma: no cover - the grammar never puts a conditional on the left
                raise EvalError("ambiguous conditional: add parentheses")
            term = node.children[1]
            ops.append(str(term.children[0].children[0]))
            node = [c for c in term.children[1:] if isinstance(c, Tree) and not _is_nl(c)][0]
        if isinstance(node, Tree) and node.data == "conditional":
            pred, then, other = _kids(node)
            if operands:
                self._flatten(pred, operands, ops)
                return (then, other)
            operands.append(node)
            return None
        operands.append(node)
        return None

    def _e_binary_op(self, node: Tree, env: dict[str, Any], where: str | None) -> Any:
        operands: list[Any] = []
        ops: list[str] = []
        cond = self._flatten(node, operands, ops)
        # precedence climbing over the flat list into (op, left, right) trees of nodes
        out: list[Any] = [operands[0]]
        stack: list[str] = []
        for op, operand in zip(ops, operands[1:], strict=True):
            while stack and PRECEDENCE[stack[-1]] >= PRECEDENCE[op]:
                b, a = out.pop(), out.pop()
                out.append((stack.pop(), a, b))
            stack.append(op)
            out.append(operand)
        while stack:
            b, a = out.pop(), out.pop()
            out.append((stack.pop(), a, b))
        result = self._eval_op(out[0], env, where, self._where(node, where))
        if cond is not None:
            return self._conditional(result, cond[0], cond[1], env, where)
        return result

    def _eval_op(self, tree: Any, env: dict[str, Any], where: str | None, here: str | None) -> Any:
        if not isinstance(tree, tuple):
            return self._eval(tree, env, where)
        op, left, right = tree
        a = self._eval_op(left, env, where, here)
        if op in ("&&", "||"):
            x = to_bool(a, here)
            if (op == "&&" and x is False) or (op == "||" and x is True):
                return x  # short-circuit, so `var.x == null || var.x > 0` works
        return self._binary(op, a, self._eval_op(right, env, where, here), here)

    def _binary(self, op: str, a: Any, b: Any, where: str | None) -> Any:
        if op in ("==", "!="):
            u = first_unknown([a, b])
            if u is not None:
                return u
            eq = hcl_equal(a, b)
            return eq if op == "==" else not eq
        if op in ("&&", "||"):
            x, y = to_bool(a, where), to_bool(b, where)
            if op == "&&":
                if x is False or y is False:
                    return False
            elif x is True or y is True:
                return True
            u = first_unknown([x, y])
            if u is not None:
                return u
            return (x and y) if op == "&&" else (x or y)
        x, y = to_number(a, where), to_number(b, where)
        u = first_unknown([x, y])
        if u is not None:
            return u
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            if y == 0:
                raise EvalError("division by zero", where)
            return normalise_number(x / y) if isinstance(x, int) and isinstance(y, int) else x / y
        if op == "%":
            if y == 0:
                raise EvalError("modulo by zero", where)
            return math.fmod(x, y) if isinstance(x, float) or isinstance(y, float) else int(math.fmod(x, y))
        if op == "<":
            return x < y
        if op == "<=":
            return x <= y
        if op == ">":
            return x > y
        if op == ">=":
            return x >= y
        raise EvalError(f"unsupported operator {op}", where)


def unescape(text: str, where: str | None = None) -> str:
    """HCL quoted-string escapes: ``\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN``."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u":
            out.append(chr(int(text[i + 2 : i + 6], 16)))
            i += 6
        elif nxt == "U":
            out.append(chr(int(text[i + 2 : i + 10], 16)))
            i += 10
        else:
            raise EvalError(f"invalid escape sequence \\{nxt}", where)
    return "".join(out)


def _template_tokens(content: str, where: str | None, quoted: bool = False) -> list[tuple[str, str]]:
    """Split template text into ("lit", text), ("interp", expr) and ("dir", directive) tokens."""
    tokens: list[tuple[str, str]] = []
    buf: list[str] = []
    strip_next = False
    i, n = 0, len(content)
    while i < n:
        if content.startswith("$${", i) or content.startswith("%%{", i):
            buf.append(content[i + 1 : i + 3])
            i += 3
            continue
        if content.startswith("${", i) or content.startswith("%{", i):
            end = _matching_brace(content, i + 2)
            if end < 0:
                raise EvalError(f"unterminated {content[i : i + 2]} in template", where)
            inner = content[i + 2 : end]
            lit = "".join(buf)
            if strip_next:
                lit = lit.lstrip()
            if inner.startswith("~"):
                inner, lit = inner[1:], lit.rstrip()
            strip_next = inner.endswith("~")
            if strip_next:
                inner = inner[:-1]
            tokens.append(("lit", unescape(lit, where) if quoted else lit))
            buf = []
            tokens.append(("interp" if content[i] == "$" else "dir", inner.strip()))
            i = end + 1
            continue
        buf.append(content[i])
        i += 1
    lit = "".join(buf)
    lit = lit.lstrip() if strip_next else lit
    tokens.append(("lit", unescape(lit, where) if quoted else lit))
    return tokens


def _skip(
    tokens: list[tuple[str, str]], i: int, stops: tuple[str, ...], where: str | None
) -> tuple[list[Any], int, str | None]:
    depth = 0
    while i < len(tokens):
        kind, text = tokens[i]
        i += 1
        if kind != "dir":
            continue
        word = text.split(None, 1)[0] if text else ""
        if word in ("if", "for"):
            depth += 1
        elif word in ("endif", "endfor"):
            if depth == 0:
                if word in stops:
                    return [], i, word
                raise EvalError(f"unexpected %{{{word}}} in template", where)
            depth -= 1
        elif word == "else" and depth == 0 and word in stops:
            return [], i, word
    return [], i, None


def _matching_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing an interpolation opened just before ``start`` (skips strings)."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def parse_expression(text: str, where: str | None = None) -> Any:
    """Parse one expression (used for interpolations in heredocs and template files)."""
    from hcl2.parser import parser

    try:
        tree = parser().parse(f"__x = {text}\n")
    except Exception as e:  # lark's errors share no useful base with a message
        raise EvalError(f"cannot parse expression {text!r}: {str(e).splitlines()[0]}", where) from None
    attr = tree.children[0].children[0]
    if not isinstance(attr, Tree) or attr.data != "attribute":
        attr = next(c for c in tree.children[0].children if isinstance(c, Tree) and c.data == "attribute")
    return attr.children[-1]
