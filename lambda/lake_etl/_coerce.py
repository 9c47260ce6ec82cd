"""The coercion table of design §4, column by column (the row path, which is the definition).

:func:`coerce_chunk` turns a chunk of parsed record objects into one Python list per contract column
(values already in the column's Arrow representation: ints for int/bigint/date/timestamp, floats,
``Decimal`` quantised to the scale, lists for arrays) plus the bad fields. It is the seam for a
faster path: anything that returns the same lists and errors for the same records may replace it.

Values come from :mod:`lake_etl._jsonscan`: integer literals are ``int``, literals with a fraction
or exponent are ``Decimal`` (their exact written value).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import struct
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ._jsonscan import depth_exceeds
from .contract import Column, Contract, decimal_params

__all__ = ["MAX_DEPTH", "Bad", "ColumnPlan", "plan_columns", "coerce_chunk", "describe"]

MAX_DEPTH = 64
TWO53 = 2**53
INT_RANGES = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_DAY_MIN = _dt.date(1, 1, 1).toordinal() - _EPOCH_ORDINAL
_DAY_MAX = _dt.date(9999, 12, 31).toordinal() - _EPOCH_ORDINAL
_SEC_MIN = _DAY_MIN * 86400
_SEC_END = (_DAY_MAX + 1) * 86400
_UNIT_DIGITS = {"ms": 3, "us": 6}

FIX = {
    "type_mismatch": "send the JSON type the column expects, or change the column's type in the contract",
    "out_of_range": "send a value in the column's range, or widen the column's type",
    "precision_loss": "send a value the column holds exactly, or widen the column's type",
    "bad_timestamp": "send an RFC 3339 date-time with an offset (2026-11-27T08:00:00Z)",
    "bad_date": "send a real calendar date as YYYY-MM-DD",
    "missing_required": "send a value, or make the column nullable in the contract",
    "too_deep": f"keep values the contract reads within {MAX_DEPTH} levels of nesting",
}


class Bad(Exception):
    """One bad value: ``kind`` is the error kind of design §3, ``detail`` says what is wrong."""

    def __init__(self, kind: str, detail: str):
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail


# --------------------------------------------------------------------------------------------------
# Describing values in messages (never recursive, never huge)


def describe(v: Any) -> str:
    t = type(v)
    if v is None:
        return "null"
    if t is bool:
        return "boolean " + ("true" if v else "false")
    if t is int:
        if v.bit_length() > 256:
            return f"number (an integer of about {int(v.bit_length() * 0.30103) + 1} digits)"
        return f"number {v}"
    if t is Decimal:
        if v and abs(v.adjusted()) > 10**15:
            return "number with an exponent beyond ±10^15"
        s = str(v)
        return "number " + (s if len(s) <= 40 else s[:37] + "...")
    if t is str:
        import json

        shown = v if len(v) <= 40 else v[:37] + "..."
        return "string " + json.dumps(shown, ensure_ascii=False)
    if t is list:
        return "an array" if v else "an empty array"
    if t is dict:
        return "an object" if v else "an empty object"
    return t.__name__


def _mismatch(expected: str, v: Any) -> Bad:
    if (type(v) is list or type(v) is dict) and depth_exceeds(v, MAX_DEPTH):
        return Bad("too_deep", f"the value nests deeper than {MAX_DEPTH} levels")
    return Bad("type_mismatch", f"expected {expected}, got {describe(v)}")


# --------------------------------------------------------------------------------------------------
# One converter per scalar type: value (not None) -> Arrow-ready Python value, or raise Bad


def _int_conv(type_str: str):
    lo, hi = INT_RANGES[type_str]

    def conv(v):
        t = type(v)
        if t is int:
            if lo <= v <= hi:
                return v
            raise Bad("out_of_range", f"{describe(v)} is outside the {type_str} range [{lo}, {hi}]")
        if t is Decimal:
            if v < lo or v > hi:
                raise Bad("out_of_range", f"{describe(v)} is outside the {type_str} range [{lo}, {hi}]")
            if v != v.to_integral_value():
                raise Bad("precision_loss", f"{describe(v)} has a fractional part; {type_str} holds integers")
            if abs(v) > TWO53:
                raise Bad(
                    "precision_loss",
                    f"{describe(v)} is written with a fraction or exponent and is above 2^53 in magnitude, "
                    "where such a literal may already be rounded; write it as an integer literal",
                )
            return int(v)
        raise _mismatch("an integer number", v)

    return conv


def _double_conv(v):
    t = type(v)
    if t is Decimal:
        f = float(v)
        if math.isinf(f):
            raise Bad("out_of_range", f"{describe(v)} is beyond the double range (about 1.8e308)")
        if f == 0.0 and v != 0:
            raise Bad("precision_loss", f"{describe(v)} is too small for a double and would become 0")
        return f
    if t is int:
        try:
            f = float(v)
        except OverflowError:
            raise Bad("out_of_range", f"{describe(v)} is beyond the double range (about 1.8e308)") from None
        if int(f) != v:
            raise Bad(
                "precision_loss",
                f"{describe(v)} has no exact double (the nearest is {f!r}); use a decimal or string column",
            )
        return f
    raise _mismatch("a number", v)


_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_FLT_MAX = _F32.unpack(_F32.pack(3.4028234663852886e38))[0]
_F32_OVERFLOW = 2.0**128 - 2.0**103  # the midpoint between FLT_MAX and the next (infinite) step


def _to_f32(d: float) -> float:
    try:
        return _F32.unpack(_F32.pack(d))[0]
    except OverflowError:  # rounds to infinity
        return math.copysign(math.inf, d)


def _float_conv(v):
    t = type(v)
    if t is not int and t is not Decimal:
        raise _mismatch("a number", v)
    try:
        d = float(v)
    except OverflowError:
        raise Bad("out_of_range", f"{describe(v)} is beyond the float range (about 3.4e38)") from None
    f = _to_f32(d) if not math.isinf(d) else d
    if f != d:
        # Round from the literal's exact value, not from the double: only a double lying exactly on a
        # float32 midpoint can differ, so decide those by comparing the exact value with the midpoint.
        if d == _F32_OVERFLOW or d == -_F32_OVERFLOW:
            if abs(Fraction(v)) < abs(Fraction(d)):
                f = math.copysign(_FLT_MAX, d)
        elif not math.isinf(f):
            if f == 0.0:
                other = math.copysign(2.0**-149, d)
            else:
                bits = _U32.unpack(_F32.pack(f))[0]
                other = _F32.unpack(_U32.pack(bits + 1 if abs(d) > abs(f) else bits - 1))[0]
            mid = (f + other) / 2
            if d == mid:
                exact = Fraction(v)
                if exact != Fraction(mid):
                    f = f if (exact < mid) == (f < mid) else other
    if math.isinf(f):
        raise Bad("out_of_range", f"{describe(v)} is beyond the float range (about 3.4e38)")
    if f == 0.0 and v != 0:
        raise Bad("precision_loss", f"{describe(v)} is too small for a float and would become 0")
    return f


_DEC_STR = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DEC_CTX = Context(prec=80)


def _decimal_conv(type_str: str):
    p, s = decimal_params(type_str)  # type: ignore[misc]
    quantum = Decimal(1).scaleb(-s)
    zero = Decimal(0).quantize(quantum)
    int_digits = p - s

    def conv(v):
        t = type(v)
        if t is Decimal:
            d = v
        elif t is int:
            if v.bit_length() > 200:
                raise Bad("out_of_range", f"{describe(v)} has more than {int_digits} integer digits")
            d = Decimal(v)
        elif t is str:
            if _DEC_STR.fullmatch(v) is None:
                raise Bad(
                    "type_mismatch",
                    f"expected a number or a numeric string like \"-12.50\", got {describe(v)}",
                )
            d = Decimal(v)
        else:
            raise _mismatch("a number or a numeric string", v)
        if d != 0 and d.adjusted() >= int_digits:
            raise Bad(
                "out_of_range",
                f"{describe(v)} has more than {int_digits} integer digits, which {type_str} holds",
            )
        try:
            q = d.quantize(quantum, context=_DEC_CTX)
        except InvalidOperation:
            raise Bad("out_of_range", f"{describe(v)} does not fit {type_str}") from None
        if q != d:
            raise Bad(
                "precision_loss",
                f"{describe(v)} has more than {s} fraction digits, which {type_str} holds without rounding",
            )
        return zero if q == 0 else q

    return conv


def _bool_conv(v):
    if type(v) is bool:
        return v
    raise _mismatch("true or false", v)


def _string_conv(v):
    if type(v) is str:
        return v
    raise _mismatch("a string", v)


_TS_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


@lru_cache(maxsize=8192)
def _day_number(ymd: str) -> int | None:
    """Days since 1970-01-01 of a YYYY-MM-DD string, None when it is no real date (years 1-9999)."""
    try:
        return _dt.date(int(ymd[0:4]), int(ymd[5:7]), int(ymd[8:10])).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def _second_of_day(hms: str) -> int | None:
    h, mn, sec = int(hms[0:2]), int(hms[3:5]), int(hms[6:8])
    if h > 23 or mn > 59 or sec > 59:
        return None
    return h * 3600 + mn * 60 + sec


@lru_cache(maxsize=1024)
def _offset_seconds(off: str) -> int | None:
    if off in ("Z", "z"):
        return 0
    oh, om = int(off[1:3]), int(off[4:6])
    if oh > 23 or om > 59:
        return None
    return (oh * 3600 + om * 60) * (1 if off[0] == "+" else -1)


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_conv(v):
    if type(v) is not str:
        raise _mismatch("a date string YYYY-MM-DD", v)
    if _DATE_RE.fullmatch(v) is None:
        raise Bad("bad_timestamp", f"{describe(v)} is not a date written YYYY-MM-DD")
    day = _day_number(v)
    if day is None:
        raise Bad("bad_timestamp", f"{describe(v)} is not a real calendar date (years 0001-9999)")
    return day


def _timestamp_conv(unit: str):
    digits = _UNIT_DIGITS[unit]
    scale = 10**digits

    def conv(v):
        if type(v) is not str:
            raise _mismatch("an RFC 3339 date-time string", v)
        m = _TS_RE.fullmatch(v)
        if m is None:
            raise Bad(
                "bad_timestamp",
                f"{describe(v)} is not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction] "
                "followed by Z or +HH:MM)",
            )
        ymd, hms, frac, offs = m.groups()
        day = _day_number(ymd)
        if day is None:
            raise Bad("bad_timestamp", f"{describe(v)} has no real calendar date (years 0001-9999)")
        tod = _second_of_day(hms)
        if tod is None:
            raise Bad("bad_timestamp", f"{describe(v)} has no real time of day (no hour 24, no leap second)")
        off = _offset_seconds(offs)
        if off is None:
            raise Bad("bad_timestamp", f"{describe(v)} has an impossible UTC offset")
        sub = 0
        if frac:
            if len(frac) > digits:
                kept, extra = frac[:digits], frac[digits:]
                if extra.strip("0"):
                    raise Bad(
                        "precision_loss",
                        f"{describe(v)} has non-zero digits finer than the column's unit ({unit})",
                    )
            else:
                kept = frac
            sub = int(kept.ljust(digits, "0"))
        secs = day * 86400 + tod - off
        if not (_SEC_MIN <= secs < _SEC_END):
            raise Bad("bad_timestamp", f"{describe(v)} is outside 0001-01-01..9999-12-31 once in UTC")
        return secs * scale + sub

    return conv


def scalar_converter(type_str: str, unit: str = "ms"):
    if type_str in INT_RANGES:
        return _int_conv(type_str)
    if type_str == "double":
        return _double_conv
    if type_str == "float":
        return _float_conv
    if type_str == "boolean":
        return _bool_conv
    if type_str == "string":
        return _string_conv
    if type_str == "date":
        return _date_conv
    if type_str == "timestamp":
        return _timestamp_conv(unit)
    if type_str.startswith("decimal("):
        return _decimal_conv(type_str)
    raise ValueError(f"no converter for {type_str!r}")  # pragma: no cover - contract validated


def _array_conv(elem_type: str, unit: str):
    elem = scalar_converter(elem_type, unit)

    def conv(v):
        if type(v) is not list:
            raise _mismatch(f"an array of {elem_type}", v)
        out = []
        append = out.append
        for j, e in enumerate(v):
            if e is None:
                append(None)
                continue
            try:
                append(elem(e))
            except Bad as b:
                if depth_exceeds(v, MAX_DEPTH):
                    raise Bad("too_deep", f"the value nests deeper than {MAX_DEPTH} levels") from None
                raise Bad(b.kind, f"element [{j}]: {b.detail}") from None
        return out

    return conv


# --------------------------------------------------------------------------------------------------
# Column plans and the chunk coercion


@dataclass(frozen=True)
class ColumnPlan:
    column: Column
    index: int
    conv: Any
    fast: str | None  # "str" | "bool" | "int" (values that pass a cheap check are kept as they are)
    lo: int = 0
    hi: int = 0

    @property
    def where(self) -> str:
        c = self.column
        src = c.source_path
        return f"column '{c.name}'" + ("" if src == c.name else f" (source '{src}')")


def plan_columns(contract: Contract) -> tuple[ColumnPlan, ...]:
    plans = []
    for i, c in enumerate(contract.columns):
        et = c.element_type
        conv = _array_conv(et, c.unit) if et else scalar_converter(c.type, c.unit)
        fast, lo, hi = None, 0, 0
        if c.type == "string":
            fast = "str"
        elif c.type == "boolean":
            fast = "bool"
        elif c.type in INT_RANGES:
            fast = "int"
            lo, hi = INT_RANGES[c.type]
        plans.append(ColumnPlan(c, i, conv, fast, lo, hi))
    return tuple(plans)


_PATH_BAD = object()


def _read_values(objs: list[dict], path: tuple[str, ...], errs: list, plan: ColumnPlan) -> list:
    if len(path) == 1:
        key = path[0]
        return [o.get(key) for o in objs]
    out = []
    last = path[-1]
    inner = path[:-1]
    for pos, o in enumerate(objs):
        cur: Any = o
        for j, seg in enumerate(inner):
            cur = cur.get(seg)
            if cur is None:
                break
            if type(cur) is not dict:
                where = ".".join(path[: j + 1])
                errs.append(
                    (
                        pos,
                        "type_mismatch",
                        f"'{where}' is {describe(cur)}, not an object, so '{plan.column.source_path}' "
                        "cannot be read (paths do not index into arrays)",
                    )
                )
                cur = _PATH_BAD
                break
        else:
            cur = cur.get(last)
        out.append(cur)
    return out


def coerce_column(plan: ColumnPlan, vals: list, errs: list) -> list:
    """Coerce one column's values in place where possible; append (pos, kind, detail) to ``errs``."""
    nullable = plan.column.nullable
    conv = plan.conv
    fast = plan.fast
    if fast == "str":
        todo = [i for i, v in enumerate(vals) if type(v) is not str]
        out = vals
    elif fast == "bool":
        todo = [i for i, v in enumerate(vals) if type(v) is not bool]
        out = vals
    elif fast == "int":
        lo, hi = plan.lo, plan.hi
        todo = [i for i, v in enumerate(vals) if type(v) is not int or v < lo or v > hi]
        out = vals
    else:
        todo = range(len(vals))
        out = [None] * len(vals)
    for i in todo:
        v = vals[i]
        if v is None:
            out[i] = None
            if not nullable:
                errs.append((i, "missing_required", "no value (missing or null) in a non-nullable column"))
            continue
        if v is _PATH_BAD:
            out[i] = None
            continue
        try:
            out[i] = conv(v)
        except Bad as b:
            out[i] = None
            errs.append((i, b.kind, b.detail))
    return out


@dataclass
class ChunkColumns:
    columns: list[list]  # one list per contract column, one value per input object
    bad: set[int]  # positions (in the chunk's objects) of records with at least one bad field
    errors: list[tuple[int, int, str, str]]  # (position, column index, kind, message), by position, column


def coerce_chunk(objs: list[dict], plans: tuple[ColumnPlan, ...]) -> ChunkColumns:
    columns = []
    errors: list[tuple[int, int, str, str]] = []
    for plan in plans:
        errs: list[tuple[int, str, str]] = []
        vals = _read_values(objs, plan.column.source, errs, plan)
        columns.append(coerce_column(plan, vals, errs))
        is_date = plan.column.type in ("date", "array<date>")
        for pos, kind, detail in errs:
            fix = FIX["bad_date" if (kind == "bad_timestamp" and is_date) else kind]
            errors.append((pos, plan.index, kind, f"{plan.where}: {detail}; {fix}"))
    errors.sort(key=lambda e: (e[0], e[1]))
    return ChunkColumns(columns=columns, bad={e[0] for e in errors}, errors=errors)
