"""Terraform's built-in functions, with Terraform's semantics, over the model's values.

Each function takes ``(args, evaluator)``. A function given an Unknown argument returns that Unknown
(its origin kept) unless it can do better: ``format``, ``join``, ``jsonencode`` and the string
trimming functions build a :class:`~lakectl.stack.values.Template` around unknown parts.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import json
import math
import os
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lakectl.stack.expr import (
    EvalError,
    ResourceObject,
    format_number,
    hcl_equal,
    normalise_number,
    to_bool,
    to_number,
    to_string,
    type_name,
)
from lakectl.stack.values import Template, Unknown, first_unknown

Fn = Callable[[list[Any], Any], Any]
FUNCTIONS: dict[str, Fn] = {}


def fn(
    name: str, *, nargs: tuple[int, int | None] | None = None, unknown_ok: bool = False
) -> Callable[[Fn], Fn]:
    """Register a function; unless ``unknown_ok``, an Unknown/Template argument makes the result unknown."""

    def deco(f: Fn) -> Fn:
        @functools.wraps(f)
        def wrapper(args: list[Any], ev: Any) -> Any:
            if nargs is not None:
                lo, hi = nargs
                if len(args) < lo or (hi is not None and len(args) > hi):
                    want = str(lo) if lo == hi else f"{lo}..{hi if hi is not None else 'n'}"
                    raise EvalError(f"takes {want} arguments, got {len(args)}")
            if not unknown_ok:
                u = first_unknown(args)
                if u is not None:
                    return u
            try:
                return f(args, ev)
            except MissingFile as e:
                return Unknown(f"{name}({json.dumps(e.path)})")

        FUNCTIONS[name] = wrapper
        return wrapper

    return deco


def _str(v: Any) -> str:
    s = to_string(v)
    if not isinstance(s, str):
        raise EvalError("unknown string")
    return s


def _num(v: Any) -> int | float:
    n = to_number(v)
    if isinstance(n, Unknown):
        raise EvalError("unknown number")
    return n


def _list(v: Any, what: str = "list") -> list[Any]:
    if isinstance(v, list):
        return v
    raise EvalError(f"expected a {what}, got {type_name(v)}")


def _map(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    raise EvalError(f"expected a map or object, got {type_name(v)}")


def _path(ev: Any, p: str) -> Path:
    path = Path(os.path.expanduser(p))
    return path if path.is_absolute() else Path(ev.cwd) / path


def _set_sort(items: list[Any]) -> list[Any]:
    """Unique values in cty's set order (strings lexically, numbers ascending, others as given)."""
    out: list[Any] = []
    for x in items:
        if not any(hcl_equal(x, y) for y in out):
            out.append(x)
    if all(isinstance(x, str) for x in out):
        return sorted(out)
    if all(isinstance(x, int | float) and not isinstance(x, bool) for x in out):
        return sorted(out)
    return out


# -- encoding ---------------------------------------------------------------------------------------
_PH = "@@lakectl-unknown-{}@@"
_PH_RE = re.compile(r'"@@lakectl-whole-(\d+)@@"|@@lakectl-unknown-(\d+)@@')


def _go_json(text: str) -> str:
    # Go's encoding/json (Terraform's jsonencode) escapes <, > and & and the line/paragraph separators.
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@fn("jsonencode", nargs=(1, 1), unknown_ok=True)
def _jsonencode(args: list[Any], ev: Any) -> Any:
    unknowns: list[Unknown] = []

    def prep(v: Any) -> Any:
        if isinstance(v, Unknown):
            unknowns.append(v)
            return f"@@lakectl-whole-{len(unknowns) - 1}@@"
        if isinstance(v, Template):
            parts = []
            for p in v.parts:
                if isinstance(p, Unknown):
                    unknowns.append(p)
                    parts.append(_PH.format(len(unknowns) - 1))
                else:
                    parts.append(p)
            return "".join(parts)
        if isinstance(v, dict):
            return {k: prep(v[k]) for k in sorted(v)}
        if isinstance(v, list):
            return [prep(x) for x in v]
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    text = _go_json(json.dumps(prep(args[0]), ensure_ascii=False, separators=(",", ":")))
    if not unknowns:
        return text
    parts: list[Any] = []
    pos = 0
    for m in _PH_RE.finditer(text):
        parts.append(text[pos : m.start()])
        parts.append(unknowns[int(m.group(1) or m.group(2))])
        pos = m.end()
    parts.append(text[pos:])
    return Template.of(parts)


def _from_json(v: Any) -> Any:
    if isinstance(v, float):
        return normalise_number(v)
    if isinstance(v, dict):
        return {k: _from_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_json(x) for x in v]
    return v


@fn("jsondecode", nargs=(1, 1))
def _jsondecode(args: list[Any], ev: Any) -> Any:
    try:
        return _from_json(json.loads(_str(args[0])))
    except json.JSONDecodeError as e:
        raise EvalError(f"invalid JSON: {e}") from None


@fn("yamlencode", nargs=(1, 1))
def _yamlencode(args: list[Any], ev: Any) -> Any:
    raise EvalError("yamlencode is not supported by lakectl's evaluator")


@fn("base64encode", nargs=(1, 1))
def _b64e(args: list[Any], ev: Any) -> Any:
    return base64.b64encode(_str(args[0]).encode()).decode()


@fn("base64decode", nargs=(1, 1))
def _b64d(args: list[Any], ev: Any) -> Any:
    try:
        return base64.b64decode(_str(args[0]), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as e:
        raise EvalError(f"invalid base64: {e}") from None


@fn("urlencode", nargs=(1, 1))
def _urlencode(args: list[Any], ev: Any) -> Any:
    from urllib.parse import quote

    return quote(_str(args[0]), safe="-._~")


for _name, _algo in (("md5", "md5"), ("sha1", "sha1"), ("sha256", "sha256"), ("sha512", "sha512")):

    def _make(algo: str) -> Fn:
        return lambda args, ev: hashlib.new(algo, _str(args[0]).encode()).hexdigest()

    fn(_name, nargs=(1, 1))(_make(_algo))
    fn(f"file{_name}", nargs=(1, 1))(
        (lambda algo: lambda args, ev: hashlib.new(algo, _read_bytes(ev, args[0])).hexdigest())(_algo)
    )


@fn("base64sha256", nargs=(1, 1))
def _b64sha256(args: list[Any], ev: Any) -> Any:
    return base64.b64encode(hashlib.sha256(_str(args[0]).encode()).digest()).decode()


@fn("base64sha512", nargs=(1, 1))
def _b64sha512(args: list[Any], ev: Any) -> Any:
    return base64.b64encode(hashlib.sha512(_str(args[0]).encode()).digest()).decode()


@fn("filebase64sha256", nargs=(1, 1))
def _fb64sha256(args: list[Any], ev: Any) -> Any:
    return base64.b64encode(hashlib.sha256(_read_bytes(ev, args[0])).digest()).decode()


@fn("filebase64", nargs=(1, 1))
def _fb64(args: list[Any], ev: Any) -> Any:
    return base64.b64encode(_read_bytes(ev, args[0])).decode()


# -- files ------------------------------------------------------------------------------------------
class MissingFile(EvalError):
    """A file that does not exist yet (a build artifact): an Unknown when the evaluator is lenient."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no such file: {path}")
        self.path = path


def _read_bytes(ev: Any, p: Any) -> bytes:
    path = _path(ev, _str(p))
    if not path.exists() and getattr(ev, "missing_files", None) is not None:
        ev.missing_files.append(str(p))
        raise MissingFile(str(p))
    try:
        return path.read_bytes()
    except OSError as e:
        raise EvalError(f"cannot read {path}: {e.strerror or e}") from None


@fn("file", nargs=(1, 1))
def _file(args: list[Any], ev: Any) -> Any:
    data = _read_bytes(ev, args[0])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalError(f"{args[0]} is not valid UTF-8 (use filebase64)") from None


@fn("fileexists", nargs=(1, 1))
def _fileexists(args: list[Any], ev: Any) -> Any:
    return _path(ev, _str(args[0])).is_file()


@fn("fileset", nargs=(2, 2))
def _fileset(args: list[Any], ev: Any) -> Any:
    base = _path(ev, _str(args[0]))
    pattern = _str(args[1])
    if not base.is_dir():
        return []
    out = []
    for p in base.glob(pattern):
        if p.is_file():
            out.append(p.relative_to(base).as_posix())
    return sorted(set(out))


@fn("templatefile", nargs=(2, 2))
def _templatefile(args: list[Any], ev: Any) -> Any:
    text = _file([args[0]], ev)
    variables = _map(args[1])
    return ev.template(text, dict(variables), str(args[0]))


@fn("abspath", nargs=(1, 1))
def _abspath(args: list[Any], ev: Any) -> Any:
    return os.path.normpath(_path(ev, _str(args[0]))).replace(os.sep, "/")


@fn("pathexpand", nargs=(1, 1))
def _pathexpand(args: list[Any], ev: Any) -> Any:
    return os.path.expanduser(_str(args[0]))


@fn("basename", nargs=(1, 1))
def _basename(args: list[Any], ev: Any) -> Any:
    s = _str(args[0]).rstrip("/")
    return posixpath.basename(s) if s else ("/" if args[0] else ".")


@fn("dirname", nargs=(1, 1))
def _dirname(args: list[Any], ev: Any) -> Any:
    s = _str(args[0])
    d = posixpath.dirname(s.rstrip("/") if s != "/" else s)
    return d or "."


# -- strings ----------------------------------------------------------------------------------------
_FMT = re.compile(r"%(?P<flags>[-+ #0]*)(?P<width>\d+)?(?:\.(?P<prec>\d+))?(?P<verb>[%sdvqftbxXoeEgG])")


@fn("format", nargs=(1, None), unknown_ok=True)
def _format(args: list[Any], ev: Any) -> Any:
    if isinstance(args[0], Unknown | Template):
        return first_unknown(args[:1])
    spec = _str(args[0])
    values = list(args[1:])
    parts: list[Any] = []
    pos = 0
    i = 0
    for m in _FMT.finditer(spec):
        parts.append(spec[pos : m.start()])
        pos = m.end()
        verb = m.group("verb")
        if verb == "%":
            parts.append("%")
            continue
        if i >= len(values):
            raise EvalError(f"not enough arguments for {spec!r}")
        v = values[i]
        i += 1
        if isinstance(v, Unknown | Template):
            if verb not in "sv":
                return first_unknown([v])
            parts.append(v)
            continue
        parts.append(_format_one(m, v))
    parts.append(spec[pos:])
    if i < len(values):
        raise EvalError(f"too many arguments for {spec!r}")
    return Template.of(parts)


def _format_one(m: re.Match[str], v: Any) -> str:
    flags, width, prec, verb = m.group("flags"), m.group("width"), m.group("prec"), m.group("verb")
    if verb in "sv":
        text = _str(v) if not isinstance(v, list | dict) else _jsonencode([v], None)
    elif verb == "q":
        text = json.dumps(_str(v), ensure_ascii=False)
    elif verb == "t":
        b = to_bool(v)
        text = "true" if b else "false"
    else:
        n = _num(v)
        if verb in "dbxXo":
            if not float(n).is_integer():
                raise EvalError(f"%{verb} needs an integer, got {format_number(n)}")
            text = format(int(n), {"d": "d", "b": "b", "x": "x", "X": "X", "o": "o"}[verb])
            if "+" in flags and n >= 0:
                text = "+" + text
        else:
            py = verb if verb in "eEgG" else "f"
            text = format(float(n), f"{'+' if '+' in flags else ''}.{prec if prec is not None else 6}{py}")
    if width:
        w = int(width)
        if "-" in flags:
            text = text.ljust(w)
        elif "0" in flags and verb not in "sqvt":
            sign = text[0] if text[:1] in "+-" else ""
            text = sign + text[len(sign) :].rjust(w - len(sign), "0")
        else:
            text = text.rjust(w)
    return text


@fn("formatlist", nargs=(1, None))
def _formatlist(args: list[Any], ev: Any) -> Any:
    lists = [a for a in args[1:] if isinstance(a, list)]
    n = len(lists[0]) if lists else 1
    if any(len(x) != n for x in lists):
        raise EvalError("all list arguments must have the same length")
    return [_format([args[0]] + [a[j] if isinstance(a, list) else a for a in args[1:]], ev) for j in range(n)]


@fn("join", nargs=(2, None), unknown_ok=True)
def _join(args: list[Any], ev: Any) -> Any:
    u = first_unknown(args)
    if isinstance(args[0], Unknown) or any(isinstance(a, Unknown) for a in args[1:]):
        return u
    sep = args[0]
    parts: list[Any] = []
    for lst in args[1:]:
        for item in _list(lst):
            if parts:
                parts.append(sep)
            parts.append(item if isinstance(item, Unknown | Template) else _str(item))
    return Template.of(parts)


@fn("split", nargs=(2, 2))
def _split(args: list[Any], ev: Any) -> Any:
    sep, s = _str(args[0]), _str(args[1])
    return s.split(sep) if sep else list(s)


@fn("lower", nargs=(1, 1))
def _lower(args: list[Any], ev: Any) -> Any:
    return _str(args[0]).lower()


@fn("upper", nargs=(1, 1))
def _upper(args: list[Any], ev: Any) -> Any:
    return _str(args[0]).upper()


@fn("title", nargs=(1, 1))
def _title(args: list[Any], ev: Any) -> Any:
    return re.sub(r"\b[a-z]", lambda m: m.group(0).upper(), _str(args[0]))


@fn("trimspace", nargs=(1, 1))
def _trimspace(args: list[Any], ev: Any) -> Any:
    return _str(args[0]).strip()


@fn("chomp", nargs=(1, 1))
def _chomp(args: list[Any], ev: Any) -> Any:
    return re.sub(r"(\r\n|\n|\r)+$", "", _str(args[0]))


@fn("trim", nargs=(2, 2))
def _trim(args: list[Any], ev: Any) -> Any:
    return _str(args[0]).strip(_str(args[1]))


def _template_edge(v: Any, fix: Callable[[str], str], first: bool) -> Any:
    """Apply a trim to the known first/last part of a Template."""
    parts = list(v.parts)
    idx = 0 if first else len(parts) - 1
    if not isinstance(parts[idx], str):
        return first_unknown([v])
    parts[idx] = fix(parts[idx])
    return Template.of(parts)


@fn("trimsuffix", nargs=(2, 2), unknown_ok=True)
def _trimsuffix(args: list[Any], ev: Any) -> Any:
    s, suffix = args
    if isinstance(suffix, Unknown | Template) or isinstance(s, Unknown):
        return first_unknown([s, suffix])
    if isinstance(s, Template):
        return _template_edge(s, lambda t: t[: -len(suffix)] if suffix and t.endswith(suffix) else t, False)
    s, suffix = _str(s), _str(suffix)
    return s[: -len(suffix)] if suffix and s.endswith(suffix) else s


@fn("trimprefix", nargs=(2, 2), unknown_ok=True)
def _trimprefix(args: list[Any], ev: Any) -> Any:
    s, prefix = args
    if isinstance(prefix, Unknown | Template) or isinstance(s, Unknown):
        return first_unknown([s, prefix])
    if isinstance(s, Template):
        return _template_edge(s, lambda t: t[len(prefix) :] if t.startswith(prefix) else t, True)
    s, prefix = _str(s), _str(prefix)
    return s[len(prefix) :] if s.startswith(prefix) else s


@fn("startswith", nargs=(2, 2))
def _startswith(args: list[Any], ev: Any) -> Any:
    return _str(args[0]).startswith(_str(args[1]))


@fn("endswith", nargs=(2, 2))
def _endswith(args: list[Any], ev: Any) -> Any:
    return _str(args[0]).endswith(_str(args[1]))


@fn("strcontains", nargs=(2, 2))
def _strcontains(args: list[Any], ev: Any) -> Any:
    return _str(args[1]) in _str(args[0])


@fn("strrev", nargs=(1, 1))
def _strrev(args: list[Any], ev: Any) -> Any:
    return _str(args[0])[::-1]


@fn("indent", nargs=(2, 2))
def _indent(args: list[Any], ev: Any) -> Any:
    pad = " " * int(_num(args[0]))
    return ("\n" + pad).join(_str(args[1]).split("\n"))


@fn("substr", nargs=(3, 3))
def _substr(args: list[Any], ev: Any) -> Any:
    s, offset, length = _str(args[0]), int(_num(args[1])), int(_num(args[2]))
    if offset < 0:
        offset = max(len(s) + offset, 0)
    if offset > len(s):
        raise EvalError("offset is beyond the end of the string")
    return s[offset:] if length < 0 else s[offset : offset + length]


def _go_regex(pattern: str) -> re.Pattern[str]:
    # RE2 named groups (?P<n>...) are Python's too; RE2 also accepts (?<n>...).
    try:
        return re.compile(re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern))
    except re.error as e:
        raise EvalError(f"invalid regular expression {pattern!r}: {e}") from None


def _match_value(rx: re.Pattern[str], m: re.Match[str]) -> Any:
    if rx.groupindex:
        return {name: m.group(name) for name in rx.groupindex}
    if rx.groups:
        return list(m.groups(""))
    return m.group(0)


@fn("regex", nargs=(2, 2))
def _regex(args: list[Any], ev: Any) -> Any:
    rx = _go_regex(_str(args[0]))
    m = rx.search(_str(args[1]))
    if m is None:
        raise EvalError("pattern did not match any part of the given string")
    return _match_value(rx, m)


@fn("regexall", nargs=(2, 2))
def _regexall(args: list[Any], ev: Any) -> Any:
    rx = _go_regex(_str(args[0]))
    return [_match_value(rx, m) for m in rx.finditer(_str(args[1]))]


@fn("replace", nargs=(3, 3))
def _replace(args: list[Any], ev: Any) -> Any:
    s, sub, rep = _str(args[0]), _str(args[1]), _str(args[2])
    if len(sub) > 1 and sub.startswith("/") and sub.endswith("/"):
        rx = _go_regex(sub[1:-1])
        py_rep = re.sub(
            r"\$\{(\w+)\}|\$(\w+)", lambda m: f"\\g<{m.group(1) or m.group(2)}>", rep.replace("\\", "\\\\")
        )
        return rx.sub(py_rep, s)
    return s.replace(sub, rep)


# -- conversions ------------------------------------------------------------------------------------
@fn("tostring", nargs=(1, 1))
def _tostring(args: list[Any], ev: Any) -> Any:
    if args[0] is None:
        return None
    if isinstance(args[0], list | dict):
        raise EvalError(f"cannot convert {type_name(args[0])} to string")
    return _str(args[0])


@fn("tonumber", nargs=(1, 1))
def _tonumber(args: list[Any], ev: Any) -> Any:
    return None if args[0] is None else _num(args[0])


@fn("tobool", nargs=(1, 1))
def _tobool(args: list[Any], ev: Any) -> Any:
    return None if args[0] is None else to_bool(args[0])


@fn("tolist", nargs=(1, 1))
def _tolist(args: list[Any], ev: Any) -> Any:
    return list(_list(args[0], "list or set"))


@fn("toset", nargs=(1, 1))
def _toset(args: list[Any], ev: Any) -> Any:
    items = _list(args[0], "list or set")
    if any(isinstance(x, Unknown | Template) for x in items):
        return first_unknown(items)
    if any(isinstance(x, str) for x in items):  # a set of mixed primitives is a set of strings
        items = [_str(x) if x is not None else None for x in items]
    return _set_sort(items)


@fn("tomap", nargs=(1, 1))
def _tomap(args: list[Any], ev: Any) -> Any:
    return dict(_map(args[0]))


# -- collections ------------------------------------------------------------------------------------
@fn("length", nargs=(1, 1))
def _length(args: list[Any], ev: Any) -> Any:
    v = args[0]
    if isinstance(v, str):
        return len(v)
    if isinstance(v, list | dict):
        return len(v)
    raise EvalError(f"cannot take the length of {type_name(v)}")


@fn("keys", nargs=(1, 1))
def _keys(args: list[Any], ev: Any) -> Any:
    return sorted(_map(args[0]))


@fn("values", nargs=(1, 1))
def _values(args: list[Any], ev: Any) -> Any:
    m = _map(args[0])
    return [m[k] for k in sorted(m)]


@fn("lookup", nargs=(2, 3))
def _lookup(args: list[Any], ev: Any) -> Any:
    m, key = _map(args[0]), _str(args[1])
    if key in m and not isinstance(m, ResourceObject):
        return m[key]
    if isinstance(m, ResourceObject):
        return m[key]
    if len(args) == 3:
        return args[2]
    raise EvalError(f"the given key {key!r} does not exist in the map and no default was given")


@fn("merge", nargs=(0, None))
def _merge(args: list[Any], ev: Any) -> Any:
    out: dict[str, Any] = {}
    for a in args:
        if a is None:
            continue
        out.update(_map(a))
    return out


@fn("concat", nargs=(0, None))
def _concat(args: list[Any], ev: Any) -> Any:
    out: list[Any] = []
    for a in args:
        out.extend(_list(a))
    return out


@fn("flatten", nargs=(1, 1), unknown_ok=True)
def _flatten(args: list[Any], ev: Any) -> Any:
    def walk(v: Any) -> list[Any]:
        if isinstance(v, Unknown):
            raise _UnknownFound(v)
        if isinstance(v, list):
            return [y for x in v for y in walk(x)]
        return [v]

    if isinstance(args[0], Unknown):
        return args[0]
    try:
        return [y for x in _list(args[0]) for y in walk(x)]
    except _UnknownFound as u:
        return u.unknown


class _UnknownFound(Exception):
    def __init__(self, unknown: Unknown) -> None:
        self.unknown = unknown


@fn("contains", nargs=(2, 2))
def _contains(args: list[Any], ev: Any) -> Any:
    items = _list(args[0], "list or set")
    if any(isinstance(x, Unknown | Template) for x in items):
        if any(hcl_equal(x, args[1]) for x in items):
            return True
        return first_unknown(items)
    return any(hcl_equal(x, args[1]) for x in items)


@fn("index", nargs=(2, 2))
def _index(args: list[Any], ev: Any) -> Any:
    for i, x in enumerate(_list(args[0])):
        if hcl_equal(x, args[1]):
            return i
    raise EvalError("item not found")


@fn("distinct", nargs=(1, 1))
def _distinct(args: list[Any], ev: Any) -> Any:
    out: list[Any] = []
    for x in _list(args[0]):
        if not any(hcl_equal(x, y) for y in out):
            out.append(x)
    return out


@fn("element", nargs=(2, 2))
def _element(args: list[Any], ev: Any) -> Any:
    items = _list(args[0])
    if not items:
        raise EvalError("cannot use element function with an empty list")
    i = int(_num(args[1]))
    if i < 0:
        raise EvalError("cannot use element function with a negative index")
    return items[i % len(items)]


@fn("coalesce", nargs=(1, None), unknown_ok=True)
def _coalesce(args: list[Any], ev: Any) -> Any:
    for a in args:
        if isinstance(a, Unknown | Template):
            return first_unknown([a])
        if a is not None and a != "":
            return a
    raise EvalError("no non-null, non-empty-string arguments")


@fn("coalescelist", nargs=(1, None))
def _coalescelist(args: list[Any], ev: Any) -> Any:
    for a in args:
        if _list(a):
            return a
    raise EvalError("no non-empty list arguments")


@fn("compact", nargs=(1, 1))
def _compact(args: list[Any], ev: Any) -> Any:
    return [x for x in _list(args[0]) if x is not None and x != ""]


@fn("reverse", nargs=(1, 1))
def _reverse(args: list[Any], ev: Any) -> Any:
    return list(reversed(_list(args[0])))


@fn("slice", nargs=(3, 3))
def _slice(args: list[Any], ev: Any) -> Any:
    items, a, b = _list(args[0]), int(_num(args[1])), int(_num(args[2]))
    if not 0 <= a <= b <= len(items):
        raise EvalError("invalid slice indices")
    return items[a:b]


@fn("chunklist", nargs=(2, 2))
def _chunklist(args: list[Any], ev: Any) -> Any:
    items, n = _list(args[0]), int(_num(args[1]))
    if n <= 0:
        return [items]
    return [items[i : i + n] for i in range(0, len(items), n)]


@fn("sort", nargs=(1, 1))
def _sort(args: list[Any], ev: Any) -> Any:
    return sorted(_str(x) for x in _list(args[0]))


@fn("zipmap", nargs=(2, 2))
def _zipmap(args: list[Any], ev: Any) -> Any:
    ks, vs = _list(args[0]), _list(args[1])
    if len(ks) != len(vs):
        raise EvalError("the number of keys and values must match")
    return {_str(k): v for k, v in zip(ks, vs, strict=True)}


@fn("one", nargs=(1, 1))
def _one(args: list[Any], ev: Any) -> Any:
    items = _list(args[0], "list or set")
    if len(items) > 1:
        raise EvalError("must be a list, set, or tuple value with either zero or one elements")
    return items[0] if items else None


@fn("alltrue", nargs=(1, 1))
def _alltrue(args: list[Any], ev: Any) -> Any:
    vals = [to_bool(x) for x in _list(args[0])]
    if any(v is False for v in vals):
        return False
    return first_unknown(vals) or True


@fn("anytrue", nargs=(1, 1))
def _anytrue(args: list[Any], ev: Any) -> Any:
    vals = [to_bool(x) for x in _list(args[0])]
    if any(v is True for v in vals):
        return True
    return first_unknown(vals) or False


@fn("setproduct", nargs=(1, None))
def _setproduct(args: list[Any], ev: Any) -> Any:
    return [list(t) for t in itertools.product(*(_list(a) for a in args))]


@fn("setunion", nargs=(1, None))
def _setunion(args: list[Any], ev: Any) -> Any:
    return _set_sort([x for a in args for x in _list(a)])


@fn("setintersection", nargs=(1, None))
def _setintersection(args: list[Any], ev: Any) -> Any:
    first = _list(args[0])
    return _set_sort([x for x in first if all(any(hcl_equal(x, y) for y in _list(a)) for a in args[1:])])


@fn("setsubtract", nargs=(2, 2))
def _setsubtract(args: list[Any], ev: Any) -> Any:
    b = _list(args[1])
    return _set_sort([x for x in _list(args[0]) if not any(hcl_equal(x, y) for y in b)])


@fn("range", nargs=(1, 3))
def _range(args: list[Any], ev: Any) -> Any:
    nums = [_num(a) for a in args]
    start, step = 0, 1
    if len(nums) == 1:
        limit = nums[0]
    elif len(nums) == 2:
        start, limit = nums
    else:
        start, limit, step = nums
    if step == 0:
        raise EvalError("step must not be zero")
    out = []
    x = start
    while (x < limit) if step > 0 else (x > limit):
        out.append(normalise_number(x))
        x += step
        if len(out) > 1024:
            raise EvalError("more than 1024 values")
    return out


@fn("transpose", nargs=(1, 1))
def _transpose(args: list[Any], ev: Any) -> Any:
    out: dict[str, list[str]] = {}
    for k in sorted(_map(args[0])):
        for v in _list(args[0][k]):
            out.setdefault(_str(v), []).append(k)
    return {k: sorted(v) for k, v in out.items()}


# -- numbers ----------------------------------------------------------------------------------------
@fn("min", nargs=(1, None))
def _min(args: list[Any], ev: Any) -> Any:
    return min(_num(a) for a in args)


@fn("max", nargs=(1, None))
def _max(args: list[Any], ev: Any) -> Any:
    return max(_num(a) for a in args)


@fn("sum", nargs=(1, 1))
def _sum(args: list[Any], ev: Any) -> Any:
    return normalise_number(sum(_num(a) for a in _list(args[0])))


@fn("abs", nargs=(1, 1))
def _abs(args: list[Any], ev: Any) -> Any:
    return abs(_num(args[0]))


@fn("ceil", nargs=(1, 1))
def _ceil(args: list[Any], ev: Any) -> Any:
    return math.ceil(_num(args[0]))


@fn("floor", nargs=(1, 1))
def _floor(args: list[Any], ev: Any) -> Any:
    return math.floor(_num(args[0]))


@fn("pow", nargs=(2, 2))
def _pow(args: list[Any], ev: Any) -> Any:
    return normalise_number(math.pow(_num(args[0]), _num(args[1])))


@fn("signum", nargs=(1, 1))
def _signum(args: list[Any], ev: Any) -> Any:
    n = _num(args[0])
    return (n > 0) - (n < 0)


@fn("parseint", nargs=(2, 2))
def _parseint(args: list[Any], ev: Any) -> Any:
    try:
        return int(_str(args[0]), int(_num(args[1])))
    except ValueError:
        raise EvalError(f"cannot parse {args[0]!r} as a base {args[1]} integer") from None


# -- apply-time only --------------------------------------------------------------------------------
@fn("timestamp", nargs=(0, 0))
def _timestamp(args: list[Any], ev: Any) -> Any:
    return Unknown("timestamp()")


@fn("uuid", nargs=(0, 0))
def _uuid(args: list[Any], ev: Any) -> Any:
    return Unknown("uuid()")


# -- dates ------------------------------------------------------------------------------------------
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE_TOKENS = re.compile(
    r"'[^']*'|YYYY|YY|MMMM|MMM|MM|M|DD|D|EEEE|EEE|hh|h|HH|H|AA|aa|mm|m|ss|s|ZZZZZ|ZZZZ|ZZZ|Z|."
)


def _parse_rfc3339(text: str) -> Any:
    import datetime as dt

    m = _RFC3339.match(text)
    if not m:
        raise EvalError(f"not a valid RFC3339 timestamp: {text!r}")
    y, mo, d, h, mi, s, frac, off = m.groups()
    if off in ("Z", "z"):
        tz = dt.UTC
    else:
        sign = 1 if off[0] == "+" else -1
        tz = dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[4:6])))
    try:
        micro = int((frac or ".0")[1:7].ljust(6, "0"))
        return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tz)
    except ValueError as e:
        raise EvalError(f"not a valid timestamp: {text!r} ({e})") from None


@fn("formatdate", nargs=(2, 2))
def _formatdate(args: list[Any], ev: Any) -> Any:
    spec, t = _str(args[0]), _parse_rfc3339(_str(args[1]))
    out = []
    for tok in _DATE_TOKENS.findall(spec):
        off = t.utcoffset()
        mins = int(off.total_seconds() // 60) if off else 0
        sign = "+" if mins >= 0 else "-"
        hh, mm = divmod(abs(mins), 60)
        table = {
            "YYYY": f"{t.year:04d}",
            "YY": f"{t.year % 100:02d}",
            "MMMM": t.strftime("%B"),
            "MMM": t.strftime("%b"),
            "MM": f"{t.month:02d}",
            "M": str(t.month),
            "DD": f"{t.day:02d}",
            "D": str(t.day),
            "EEEE": t.strftime("%A"),
            "EEE": t.strftime("%a"),
            "hh": f"{t.hour:02d}",
            "h": str(t.hour),
            "HH": f"{(t.hour % 12) or 12:02d}",
            "H": str((t.hour % 12) or 12),
            "AA": "AM" if t.hour < 12 else "PM",
            "aa": "am" if t.hour < 12 else "pm",
            "mm": f"{t.minute:02d}",
            "m": str(t.minute),
            "ss": f"{t.second:02d}",
            "s": str(t.second),
            "ZZZZZ": f"{sign}{hh:02d}:{mm:02d}",
            "ZZZZ": f"{sign}{hh:02d}{mm:02d}",
            "ZZZ": "UTC" if mins == 0 else f"{sign}{hh:02d}{mm:02d}",
            "Z": "Z" if mins == 0 else f"{sign}{hh:02d}:{mm:02d}",
        }
        if tok.startswith("'"):
            out.append(tok[1:-1] if tok != "''" else "'")
        elif tok in table:
            out.append(table[tok])
        elif tok.isalpha():
            raise EvalError(f"invalid date format verb {tok!r}")
        else:
            out.append(tok)
    return "".join(out)


@fn("timeadd", nargs=(2, 2))
def _timeadd(args: list[Any], ev: Any) -> Any:
    import datetime as dt

    t = _parse_rfc3339(_str(args[0]))
    total = 0.0
    for num, unit in re.findall(r"(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", _str(args[1])):
        total += (
            float(num) * {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[unit]
        )
    r = (t + dt.timedelta(seconds=total)).astimezone(dt.UTC)
    return r.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- JSON text with unknown parts ---------------------------------------------------------------------
def decode_json_template(t: Template) -> Any:
    """``jsondecode`` of JSON text with unknown parts (a policy built from ARNs with the account id)."""
    whole: dict[str, Unknown] = {}
    inner: dict[str, Unknown] = {}
    text: list[str] = []
    in_string = False
    for p in t.parts:
        if isinstance(p, str):
            i = 0
            while i < len(p):
                c = p[i]
                if in_string and c == "\\":
                    i += 2
                    continue
                if c == '"':
                    in_string = not in_string
                i += 1
            text.append(p)
        else:
            key = f"@@lakectl-{len(whole) + len(inner)}@@"
            if in_string:
                inner[key] = p
                text.append(key)
            else:
                whole[key] = p
                text.append(json.dumps(key))
    try:
        data = json.loads("".join(text))
    except json.JSONDecodeError as e:
        raise EvalError(f"invalid JSON: {e}") from None

    def back(v: Any) -> Any:
        if isinstance(v, str):
            if v in whole:
                return whole[v]
            if "@@lakectl-" in v:
                pieces = re.split(r"(@@lakectl-\d+@@)", v)
                return Template.of(inner.get(x, x) if x.startswith("@@lakectl-") else x for x in pieces)
            return v
        if isinstance(v, dict):
            return {k: back(x) for k, x in v.items()}
        if isinstance(v, list):
            return [back(x) for x in v]
        return _from_json(v)

    return back(data)


_plain_jsondecode = FUNCTIONS["jsondecode"]


@fn("jsondecode", nargs=(1, 1), unknown_ok=True)
def _jsondecode_any(args: list[Any], ev: Any) -> Any:
    if isinstance(args[0], Template):
        return decode_json_template(args[0])
    if isinstance(args[0], Unknown):
        return args[0]
    return _plain_jsondecode(args, ev)
