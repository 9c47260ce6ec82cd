"""Wildcard and ARN matching, and policy variables, as IAM does them.

A pattern string is tokenised once (cached) into literal runs, ``*``, ``?`` and policy variables
(``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``, and the fixed ``${*}``, ``${?}``,
``${$}``). Matching substitutes the variables from the request context (their values are literal,
never wildcards), builds a regular expression and caches the compiled form, so evaluating the same
policy again costs a dictionary lookup per pattern.

Rules (IAM User Guide):

* actions: ``service:Action`` matched case-insensitively, ``*`` any run, ``?`` one character;
* resources and ``Arn*`` condition operators: case-sensitive and segment-aware -- within the first
  five colon-separated segments (``arn:partition:service:region:account``) a wildcard stays inside
  its segment, the sixth segment (the resource part, which may itself contain colons) is matched as
  one string, and a ``*`` that ends a pattern's last segment may span the colons that follow
  ("If the * wildcard is the last character of a resource ARN segment, it can expand to match
  beyond the colon boundaries");
* ``StringLike``: one glob over the whole string; ``StringEquals``: ``*`` and ``?`` are literal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

# A token: a str is a literal run; the singletons below are wildcards; a tuple is a variable.
STAR = object()
QMARK = object()

_VAR = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]*?)\s*,\s*'([^']*)'\s*$")
_FIXED = {"*": "*", "?": "?", "$": "$"}

Token = object  # str | STAR | QMARK | ("var", key_lower, key_as_written, default | None)
Context = Mapping[str, Sequence[str]]


class Unresolved(Exception):  # noqa: N818 - a signal, not an error shown to users
    """A policy variable names a key the request context does not have (and has no default)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@lru_cache(maxsize=4096)
def tokenize(pattern: str, variables: bool = True) -> tuple[Token, ...]:
    """Split ``pattern`` into literal runs, wildcards and (when ``variables``) policy variables."""
    tokens: list[Token] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            tokens.append("".join(buf))
            buf.clear()

    def plain(text: str) -> None:
        for ch in text:
            if ch == "*":
                flush()
                tokens.append(STAR)
            elif ch == "?":
                flush()
                tokens.append(QMARK)
            else:
                buf.append(ch)

    pos = 0
    if variables:
        for m in _VAR.finditer(pattern):
            plain(pattern[pos : m.start()])
            inner = m.group(1)
            if inner in _FIXED:
                buf.append(_FIXED[inner])
            else:
                dm = _DEFAULT.match(inner)
                key, default = (dm.group(1), dm.group(2)) if dm else (inner.strip(), None)
                flush()
                tokens.append(("var", key.lower(), key, default))
            pos = m.end()
    plain(pattern[pos:])
    flush()
    return tuple(tokens)


def variable_keys(pattern: str) -> list[str]:
    """The context keys (as written) that the policy variables in ``pattern`` read."""
    return [t[2] for t in tokenize(pattern) if isinstance(t, tuple)]


def has_variables(tokens: tuple[Token, ...]) -> bool:
    return any(isinstance(t, tuple) for t in tokens)


def resolve(tokens: tuple[Token, ...], context: Context | None) -> tuple[Token, ...]:
    """Replace every variable token by its literal value; raise :class:`Unresolved` if it has none.

    A variable reads a single-valued key; a key with several values does not resolve (IAM does not
    substitute multivalued keys), nor does an absent key without a default.
    """
    if not has_variables(tokens):
        return tokens
    out: list[Token] = []
    for t in tokens:
        if isinstance(t, tuple):
            values = context.get(t[1]) if context is not None else None
            if values is not None and len(values) == 1:
                out.append(values[0])
            elif t[3] is not None and not values:
                out.append(t[3])
            else:
                raise Unresolved(t[2])
        else:
            out.append(t)
    return tuple(out)


# --- regular expressions ------------------------------------------------------------------------


def _glob_regex(tokens: tuple[Token, ...], star: str = ".*", qmark: str = ".") -> str:
    parts = []
    for t in tokens:
        if t is STAR:
            parts.append(star)
        elif t is QMARK:
            parts.append(qmark)
        else:
            parts.append(re.escape(t))  # type: ignore[arg-type]
    return "".join(parts)


@lru_cache(maxsize=8192)
def _compile(regex: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(regex, flags | re.DOTALL)


def _arn_regex(tokens: tuple[Token, ...]) -> str:
    """Segment-aware regex for an ARN pattern (see the module docstring)."""
    # Split the token list on the first five literal colons.
    segments: list[list[Token]] = [[]]
    for t in tokens:
        if isinstance(t, str) and ":" in t and len(segments) < 6:
            run: list[str] = []
            for ch in t:
                if ch == ":" and len(segments) < 6:
                    if run:
                        segments[-1].append("".join(run))
                        run = []
                    segments.append([])
                else:
                    run.append(ch)
            if run:
                segments[-1].append("".join(run))
        else:
            segments[-1].append(t)
    out = []
    last = len(segments) - 1
    for i, seg in enumerate(segments):
        if i == 5:
            out.append(_glob_regex(tuple(seg)))
            continue
        parts = []
        for j, t in enumerate(seg):
            if t is STAR:
                trailing = i == last and j == len(seg) - 1
                parts.append(".*" if trailing else "[^:]*")
            elif t is QMARK:
                parts.append("[^:]")
            else:
                parts.append(re.escape(t))  # type: ignore[arg-type]
        out.append("".join(parts))
    return ":".join(out)


def arn_match(pattern: str, value: str, context: Context | None = None, *, variables: bool = True) -> bool:
    """Does the ARN ``value`` match the ARN ``pattern`` (Resource element, ArnLike)?"""
    tokens = resolve(tokenize(pattern, variables), context)
    return _compile(_arn_regex(tokens)).fullmatch(value) is not None


def glob_match(pattern: str, value: str, context: Context | None = None, *, ignore_case: bool = False,
               variables: bool = True) -> bool:
    """``StringLike``: ``*`` and ``?`` anywhere, over the whole string."""
    tokens = resolve(tokenize(pattern, variables), context)
    return _compile(_glob_regex(tokens), re.IGNORECASE if ignore_case else 0).fullmatch(value) is not None


def literal(pattern: str, context: Context | None = None, *, variables: bool = True) -> str:
    """``StringEquals``: the policy value with its variables substituted, wildcards literal."""
    tokens = resolve(tokenize(pattern, variables), context)
    return "".join("*" if t is STAR else "?" if t is QMARK else t for t in tokens)  # type: ignore[misc]


@lru_cache(maxsize=4096)
def _action_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(_glob_regex(tokenize(pattern, False)), re.IGNORECASE | re.DOTALL)


def action_match(pattern: str, action: str) -> bool:
    """``Action``/``NotAction``: service prefix and action name, case-insensitive, with wildcards."""
    return _action_regex(pattern).fullmatch(action) is not None
