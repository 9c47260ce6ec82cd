"""JSON parsing for the transform: stdlib ``json`` first, an iterative parser when that cannot cope.

Both parsers accept exactly RFC 8259 JSON as CPython's C scanner does, with these choices:

- integer literals become ``int`` (exact), literals with a fraction or exponent become ``Decimal``
  (their exact written value; the coercion rules judge numbers on their literal);
- ``NaN``/``Infinity``/``-Infinity`` are rejected (``JSONDecodeError``);
- duplicate keys: the last one wins (plain ``dict`` assignment), no merging;
- only space, tab, LF and CR are whitespace.

``json.loads`` recurses and raises ``RecursionError`` on very deep input; it also refuses integer
literals longer than Python's int/str conversion limit. For such text :func:`loads` falls back to
:func:`iterparse`, which keeps an explicit stack and never recurses.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from json import JSONDecodeError

__all__ = [
    "JSONDecodeError",
    "loads",
    "scan_value",
    "iterparse",
    "iterparse_at",
    "depth_exceeds",
    "find_lone_surrogate",
]


def _reject_constant(name: str):
    raise JSONDecodeError(f"{name} is not JSON", name, 0)


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)
_scan_once = _DECODER.scan_once
_ws_match = json.decoder.WHITESPACE.match


def loads(s: str):
    """Parse one JSON text (surrounding JSON whitespace allowed). Raises JSONDecodeError.

    Same as ``json.JSONDecoder.decode`` (inlined: this runs once per NDJSON line)."""
    try:
        obj, end = _scan_once(s, _ws_match(s, 0).end())
    except StopIteration as e:
        raise JSONDecodeError("Expecting value", s, e.value) from None
    except JSONDecodeError:
        raise
    except (RecursionError, ValueError, ArithmeticError):
        # too deep for the recursive C scanner, an integer literal beyond the int/str limit, or an
        # exponent beyond what Decimal holds
        return iterparse(s)
    end = _ws_match(s, end).end()
    if end != len(s):
        raise JSONDecodeError("Extra data", s, end)
    return obj


# --------------------------------------------------------------------------------------------------
# The iterative parser

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_scanstring = json.decoder.scanstring
_INT_STR_LIMIT = 4000


_HUGE = Decimal("9E+999999999999999999")
_TINY = Decimal("1E-999999999999999999")


def _number(text: str) -> Decimal:
    """A literal with a fraction or exponent as its exact Decimal. An exponent beyond Decimal's limits
    (|exponent| > 10^18) is clamped to a stand-in of the same sign that is just as far out of every
    column's range (huge) or just as far below every precision (tiny, but not zero)."""
    try:
        return Decimal(text)
    except ArithmeticError:
        mant, _, exp = text.lower().partition("e")
        neg = mant.startswith("-")
        if Decimal(mant) == 0:
            return Decimal("-0" if neg else "0")
        out = _HUGE if not exp.startswith("-") else _TINY
        return out.copy_negate() if neg else out


def _int(text: str) -> int:
    if len(text) <= _INT_STR_LIMIT:
        return int(text)
    return int(Decimal(text))  # no int/str digit limit on this route


def iterparse(s: str, idx: int = 0):
    """Parse the whole of ``s`` as one JSON value without recursion."""
    val, i = iterparse_at(s, _WS.match(s, idx).end())
    i = _WS.match(s, i).end()
    if i != len(s):
        raise JSONDecodeError("Extra data", s, i)
    return val


def scan_value(s: str, idx: int):
    """Parse the one JSON value starting exactly at ``idx``: ``(value, end)``; what follows is not
    looked at. Raises JSONDecodeError (also when ``s`` ends inside the value)."""
    try:
        return _scan_once(s, idx)
    except StopIteration as e:
        raise JSONDecodeError("Expecting value", s, e.value) from None
    except JSONDecodeError:
        raise
    except (RecursionError, ValueError, ArithmeticError):
        return iterparse_at(s, idx)


def iterparse_at(s: str, idx: int):
    """Parse the one JSON value starting exactly at ``idx`` without recursion: ``(value, end)``."""
    ws = _WS.match
    end = len(s)
    i = idx
    stack: list[list] = []  # [container, pending_key]

    def fail(msg: str, pos: int):
        raise JSONDecodeError(msg, s, min(pos, end))

    def key_at(pos: int) -> tuple[str, int]:
        if s[pos : pos + 1] != '"':
            fail("Expecting property name enclosed in double quotes", pos)
        k, pos = _scanstring(s, pos + 1, True)
        pos = ws(s, pos).end()
        if s[pos : pos + 1] != ":":
            fail("Expecting ':' delimiter", pos)
        return k, ws(s, pos + 1).end()

    while True:
        # ---- parse one value starting at i
        if i >= end:
            fail("Expecting value", i)
        c = s[i]
        if c == "{":
            i = ws(s, i + 1).end()
            if s[i : i + 1] == "}":
                val = {}
                i += 1
            else:
                k, i = key_at(i)
                stack.append([{}, k])
                continue
        elif c == "[":
            i = ws(s, i + 1).end()
            if s[i : i + 1] == "]":
                val = []
                i += 1
            else:
                stack.append([[], None])
                continue
        elif c == '"':
            val, i = _scanstring(s, i + 1, True)
        elif c == "n" and s.startswith("null", i):
            val, i = None, i + 4
        elif c == "t" and s.startswith("true", i):
            val, i = True, i + 4
        elif c == "f" and s.startswith("false", i):
            val, i = False, i + 5
        else:
            m = _NUMBER.match(s, i)
            if m is None:
                fail("Expecting value", i)
            intpart, frac, exp = m.groups()
            val = _number(m.group(0)) if (frac or exp) else _int(intpart)
            i = m.end()
        # ---- attach the finished value to its parents
        while True:
            if not stack:
                return val, i
            top = stack[-1]
            cont = top[0]
            if type(cont) is list:
                cont.append(val)
                closer = "]"
            else:
                cont[top[1]] = val
                closer = "}"
            i = ws(s, i).end()
            ch = s[i : i + 1]
            if ch == ",":
                i = ws(s, i + 1).end()
                if closer == "}":
                    top[1], i = key_at(i)
                break
            if ch == closer:
                i += 1
                val = cont
                stack.pop()
                continue
            fail(f"Expecting ',' delimiter or '{closer}'", i)


# --------------------------------------------------------------------------------------------------
# Depth and encoding checks


def depth_exceeds(value, limit: int) -> bool:
    """True when ``value`` nests deeper than ``limit`` levels.

    Depth counting: a scalar is 0, an array or object is 1 + the deepest of its members (an empty one
    is 1). So ``[[1]]`` has depth 2, and ``limit`` levels of arrays are allowed, ``limit + 1`` are not.
    Iterative, stops as soon as the limit is passed.
    """
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        t = type(v)
        if t is list:
            children = v
        elif t is dict:
            children = v.values()
        else:
            continue
        if d > limit:
            return True
        for ch in children:
            tc = type(ch)
            if tc is list or tc is dict:
                stack.append((ch, d + 1))
    return False


_SURR_QUICK = re.compile(r"\\u[dD][89a-fA-F]")
_SURR = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def find_lone_surrogate(text: str) -> str | None:
    """The first ``\\uD8xx``..``\\uDFxx`` escape in ``text`` that is not half of a high+low pair, or None.

    Such an escape names no Unicode character and cannot be encoded as UTF-8. A run of backslashes
    before ``u`` is an escape only when its length is odd (``\\\\ud800`` is an escaped backslash and
    plain text). Works on raw text, so it also finds escapes in lines that are not valid JSON.
    """
    if _SURR_QUICK.search(text) is None:
        return None
    pending_high: tuple[int, str] | None = None  # (end position, escape text)
    for m in _SURR.finditer(text):
        if len(m.group(1)) % 2 == 0:
            continue
        code = m.group(2).lower()
        is_low = code[1] in "cdef"
        start = m.end() - 6  # the escape's own backslash
        if pending_high is not None:
            hi_end, hi_text = pending_high
            pending_high = None
            if is_low and start == hi_end:
                continue  # a proper pair
            return hi_text
        if is_low:
            return "\\u" + m.group(2)
        pending_high = (m.end(), "\\u" + m.group(2))
    if pending_high is not None:
        return pending_high[1]
    return None
