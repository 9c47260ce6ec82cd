"""A vectorised fast path for NDJSON chunks (design §4: "only where it gives exactly the row path's
rows, errors and bytes").

:func:`ndjson_lines` takes a run of complete NDJSON lines (already strict UTF-8, BOM dropped, lone
surrogate escapes ruled out by the transform) and either handles it whole, or returns None and
leaves it, untouched, to the row path (:mod:`lake_etl._coerce`, which is the definition). It handles
a chunk only when it can prove the row path would find no error in it and would build the same
values; then it reads the chunk with ``pyarrow.json`` (an explicit schema of the contract's source
paths) and validates and converts with ``pyarrow.compute``. Any doubt -> None:

- guards on the raw text first: ``NaN``/``Infinity`` anywhere; a raw control character; a lone CR;
  a blank line, or a line that does not start with ``{`` or does not end with ``}``; nesting
  deeper than :data:`MAX_NESTING` or a bracket inside a string (an exact bracket-depth check on the
  text, so Arrow's type inference never meets deep input); and, when a double/float column is read,
  a 3-digit exponent after a digit or a run of 16 zeros (a value that may underflow);
- then Arrow must parse every line as one object (it raises on type mismatches, duplicate keys
  along the paths read, non-objects, out-of-range integers, ``3.0`` for an int, lone surrogates);
  the row count must equal the number of lines (so no line holds two values);
- then every value is checked the way the row path would: non-nullable columns without nulls,
  doubles below 2^53 in magnitude (Arrow rounds larger integer literals) and no -0.0 (the integer
  literal ``-0`` is 0 for the row path),
  strict RFC 3339 / ``YYYY-MM-DD`` / decimal-string regexes (``pc.match_substring_regex``) before
  Arrow's casts (which must not raise), fraction digits within the unit, UTC instants within
  0001..9999, float32 rounding away from ties, underflow and overflow.

Unread top-level keys are counted as the row path counts them (``fields_ignored``): Arrow infers the
unread fields (that is why nesting depth is bounded first), and the table's column names are the
chunk's top-level keys.

``LAKE_ETL_FASTPATH=0`` in the environment turns the fast path off (read at each call).
stdlib + pyarrow only.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from typing import Any

from .contract import Column, Contract, decimal_params

__all__ = ["ndjson_lines", "chunk_arrays", "FastChunk", "STATS", "MAX_NESTING", "enabled"]

MAX_NESTING = 32  # deeper text (anywhere in a line) goes to the row path
STATS = {"chunks": 0, "records": 0, "fallbacks": 0}  # for tests and the benchmark

# ---- raw-text guards (bytes operations: C speed)
_CONTROLS = bytes(range(256)).translate(None, bytes([*range(0, 9), 11, 12, *range(14, 32)]))
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}\n')
# a number with a 3-digit exponent, or a run of 16 zeros: it may underflow (Arrow gives 0.0 where the
# row path reports precision_loss). Searched in a copy with every digit made 0.
_DIGITS_TO_0 = bytes.maketrans(b"123456789", b"000000000")
_EXP3 = re.compile(rb"0[eE][-+]?000")
_TWO53 = float(2**53)
_SIGN_BIT = 1 << 63

# ---- value regexes (RE2 syntax, for pyarrow.compute)
_DEC_RE = r"^-?[0-9]+(\.[0-9]+)?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TS_CORE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_TS_TAIL = r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
_UNIT_DIGITS = {"ms": 3, "us": 6}

_FLT_MAX = 3.4028234663852886e38
_FLT_MIN_NORMAL = 2.0**-126


def enabled() -> bool:
    return os.environ.get("LAKE_ETL_FASTPATH", "1") != "0"


class _Doubt(Exception):
    """The fast path cannot prove this chunk equal to the row path: hand it back."""


@dataclass
class FastChunk:
    records: int  # non-blank lines (each one object, none with an error)
    arrays: list  # one pyarrow Array per contract column, in the column's Arrow type
    keys: set[str]  # the top-level keys present in the chunk's records


# --------------------------------------------------------------------------------------------------
# Plans (per contract)


@dataclass(frozen=True)
class _Plan:
    read_schema: Any  # pyarrow.Schema of the source tree
    columns: tuple[Column, ...]
    targets: tuple  # Arrow type per column
    numeric_guard: bool  # a double/float (or array of them) column is read


_PLANS: dict[tuple, _Plan | None] = {}


def _read_type(type_str: str):
    import pyarrow as pa

    if type_str.startswith("array<"):
        return pa.list_(_read_type(type_str[6:-1]))
    return {
        "string": pa.string(),
        "boolean": pa.bool_(),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "float": pa.float64(),  # rounded to float32 here, with the row path's tie rule
    }.get(type_str, pa.string())  # decimal, date, timestamp: their text, validated here


def _plan(contract: Contract) -> _Plan | None:
    key = (contract.sha256, contract.columns)
    if key in _PLANS:
        return _PLANS[key]
    import pyarrow as pa

    tree: dict = {}
    plan: _Plan | None
    try:
        for c in contract.columns:
            node = tree
            for seg in c.source[:-1]:
                nxt = node.setdefault(seg, {})
                if not isinstance(nxt, dict):
                    raise _Doubt  # a path is both a leaf and an object
                node = nxt
            leaf = c.source[-1]
            rt = _read_type(c.type)
            if leaf in node and (isinstance(node[leaf], dict) or node[leaf] != rt):
                raise _Doubt  # one source read two ways
            node[leaf] = rt

        def build(n: dict):
            return [pa.field(k, pa.struct(build(v)) if isinstance(v, dict) else v) for k, v in n.items()]

        plan = _Plan(
            read_schema=pa.schema(build(tree)),
            columns=contract.columns,
            targets=tuple(f.type for f in contract.arrow_schema()),
            numeric_guard=any(c.type.replace("array<", "").rstrip(">") in ("double", "float")
                              for c in contract.columns),
        )
    except _Doubt:
        plan = None
    _PLANS[key] = plan
    return plan


# --------------------------------------------------------------------------------------------------
# The chunk


def _maybe_tiny(data: bytes) -> bool:
    if b"0000000000000000" in data:
        return True
    t = data.translate(_DIGITS_TO_0)
    return (b"0e" in t or b"0E" in t) and _EXP3.search(t) is not None


def _lines_ok(data: bytes) -> int:
    """The number of lines when every line is ``{...}`` (no blank line, no leading blank, CRLF or LF),
    with no NaN/Infinity, raw control character or lone CR anywhere; else 0."""
    if b"NaN" in data or b"Infinity" in data or data.translate(None, _CONTROLS):
        return 0
    lines = data.split(b"\n")
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return 0
        lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    for ln in lines:
        if not (ln.startswith(b"{") and ln.endswith(b"}")):
            return 0
    return len(lines)


def _structure_ok(data: bytes) -> bool:
    """Every bracket outside strings balanced per line, at most MAX_NESTING deep, no bracket inside a
    string. Exact for the text's JSON prefix, so Arrow never builds anything deeper."""
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    t = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in t:  # a string holds a bracket (or the quoting is off): no cheap proof
        return False
    for _ in range(MAX_NESTING):
        t2 = t.replace(b"{}", b"").replace(b"[]", b"")
        if len(t2) == len(t):
            break
        t = t2
    return t.count(b"\n") == len(t)


def _check(ok) -> None:
    """``ok`` is a boolean Array (nulls = not applicable): all must be true."""
    import pyarrow.compute as pc

    if ok.null_count == len(ok):
        return
    if not pc.all(ok, skip_nulls=True).as_py():
        raise _Doubt


def _scalar(arr, type_str: str, unit: str, target):
    """Validate and convert the values of one scalar type (nulls stay null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if type_str in ("double", "float") and arr.null_count < len(arr):
        # integer literals above 2^53 are rounded by Arrow (the row path reports precision_loss), and
        # the integer literal -0 becomes -0.0 (the row path: 0.0): no |value| >= 2^53, no -0.0
        _check(pc.less(pc.abs(arr), _TWO53))
        _check(pc.not_equal(arr.view(pa.uint64()), pa.scalar(_SIGN_BIT, pa.uint64())))
    if type_str in _AS_READ:
        return arr if arr.type == target else arr.cast(target)
    if type_str == "float":
        if arr.null_count < len(arr):
            a = pc.abs(arr)
            _check(pc.less_equal(a, _FLT_MAX))
            _check(pc.or_(pc.equal(a, 0.0), pc.greater_equal(a, _FLT_MIN_NORMAL)))
            # a double exactly halfway between two float32s: the row path decides on the literal
            bits = arr.view(pa.uint64())
            low = pc.bit_wise_and(bits, pa.scalar((1 << 29) - 1, pa.uint64()))
            _check(pc.not_equal(low, pa.scalar(1 << 28, pa.uint64())))
        return pc.cast(arr, pa.float32(), safe=False)
    if type_str.startswith("decimal("):
        _check(pc.match_substring_regex(arr, _DEC_RE))
        p, s = decimal_params(type_str)  # type: ignore[misc]
        return arr.cast(pa.decimal128(p, s))  # raises (-> doubt) on rounding or too many digits
    if type_str == "date":
        _check(pc.match_substring_regex(arr, _DATE_RE))
        return arr.cast(pa.date32())  # raises on 2026-02-30, year 0
    if type_str == "timestamp":
        d = _UNIT_DIGITS[unit]
        _check(pc.match_substring_regex(arr, _TS_CORE + rf"(\.[0-9]{{1,{d}}}0*)?" + _TS_TAIL))
        if pc.any(pc.match_substring_regex(arr, r"[tz]")).as_py():
            arr = pc.ascii_upper(arr)
        if pc.any(pc.match_substring_regex(arr, rf"\.[0-9]{{{d}}}0")).as_py():
            arr = pc.replace_substring_regex(arr, rf"(\.[0-9]{{{d}}})0+", r"\1")
        out = arr.cast(pa.timestamp(unit, tz="UTC"))
        if out.null_count < len(out):
            mm = pc.min_max(out.cast(pa.int64()))
            scale = 10**d
            if mm["min"].as_py() < -62135596800 * scale or mm["max"].as_py() >= 253402300800 * scale:
                raise _Doubt  # outside 0001-01-01..9999-12-31 in UTC
        return out
    raise _Doubt  # pragma: no cover - every contract type is handled above


_AS_READ = ("string", "boolean", "int", "bigint", "double")  # Arrow's reader already checked them


def _column(arr, col: Column, target):
    import pyarrow as pa

    if not col.nullable and arr.null_count:
        raise _Doubt  # missing_required
    et = col.element_type
    if et is None:
        out = _scalar(arr, col.type, col.unit, target)
    elif et in _AS_READ:
        out = arr
    else:
        values = _scalar(arr.values, et, col.unit, target.value_type)
        out = pa.ListArray.from_arrays(arr.offsets, values, mask=arr.is_null() if arr.null_count else None)
    if out.type != target:
        out = out.cast(target)
    return out


def chunk_arrays(data: bytes, contract: Contract) -> FastChunk | None:
    """The fast path on complete NDJSON lines (UTF-8 bytes, no BOM): the chunk's columns, or None."""
    plan = _plan(contract)
    if plan is None or not data:
        return None
    records = _lines_ok(data)
    if not records:
        return None
    if plan.numeric_guard and _maybe_tiny(data):
        return None
    if not _structure_ok(data):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    try:
        table = pj.read_json(
            io.BytesIO(data),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 64),
            parse_options=pj.ParseOptions(
                explicit_schema=plan.read_schema,
                unexpected_field_behavior="infer",
                newlines_in_values=False,
            ),
        )
        if table.num_rows != records:
            return None
        table = table.combine_chunks()
        arrays = []
        for col, target in zip(plan.columns, plan.targets, strict=True):
            arr = table.column(col.source[0]).chunk(0)
            for seg in col.source[1:]:
                arr = pc.struct_field(arr, seg)
            arrays.append(_column(arr, col, target))
    except (_Doubt, pa.ArrowException, ValueError, TypeError, KeyError, OverflowError):
        return None
    return FastChunk(records=records, arrays=arrays, keys=set(table.column_names))


# --------------------------------------------------------------------------------------------------
# The seam in lake_etl.transform


def ndjson_lines(run: Any, text: str) -> bool | None:
    """Handle the complete lines ``text`` for the transform's run, or return None (row path).

    On success: the run's pending row-path records are flushed first (order and errors stay as the
    row path has them), then the chunk's records are counted, its keys noted and its rows added as
    one RecordBatch exactly as ``_Run._add`` adds the row path's.
    """
    if not enabled():
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # pragma: no cover - the transform rejects lone surrogates first
        return None
    chunk = chunk_arrays(data, run.contract)
    if chunk is None:
        STATS["fallbacks"] += 1
        return None
    STATS["chunks"] += 1
    STATS["records"] += chunk.records
    import pyarrow as pa

    from .transform import ROW_GROUP_ROWS

    run._flush()
    run.n += chunk.records
    run.good += chunk.records
    run.keys.update(chunk.keys)
    if run.failed:
        return True
    batch = pa.RecordBatch.from_arrays(chunk.arrays, schema=run.schema)
    run.pending.append(batch)
    run.pending_rows += batch.num_rows
    while run.pending_rows >= ROW_GROUP_ROWS:
        table = pa.Table.from_batches(run.pending, schema=run.schema)
        run._write(table.slice(0, ROW_GROUP_ROWS))
        rest = table.slice(ROW_GROUP_ROWS)
        run.pending = rest.combine_chunks().to_batches() if rest.num_rows else []
        run.pending_rows = rest.num_rows
    return True
