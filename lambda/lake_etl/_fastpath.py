"""A vectorised fast path for NDJSON (design §4: "only where it gives exactly the row path's rows,
errors and bytes").

The transform calls :func:`ndjson_lines` with each run of complete NDJSON lines (bytes, already
strict UTF-8, BOM dropped, lone surrogate escapes ruled out). Every line the fast path can vouch for becomes
an Arrow row; every other line goes, in its place, through the row path (``_Run._line_batch``,
:mod:`lake_etl._coerce`: the definition), so records, indices, errors, ``fields_ignored`` and the
Parquet bytes are those of the row path alone. None (nothing touched, the row path takes the whole
run) when the fast path cannot help. A line is vouched for only when:

- the text guards pass: the line is ``{...}`` (CRLF allowed; not blank, no lone CR); in a chunk
  with a line longer than :data:`_SHORT_LINE` bytes (only there can nesting be deep enough to
  crash Arrow's reader), and in a chunk whose first read fails, its brackets outside strings
  reduce to nothing within :data:`MAX_NESTING` rounds (:func:`_deep_lines`);
- the read's schema (the union of its lines') nests at most :data:`MAX_NESTING` levels, else the
  bracket reduction finds the deeper lines and they go to the row path;
- Arrow's reader (``pyarrow.json``, an explicit schema of the contract's source tree, unread fields
  inferred) takes it: it refuses wrong JSON kinds, duplicate keys on the paths read, out-of-range
  and non-integral integers, lone surrogates, malformed JSON. A refused line is found from the
  error's row number (reading on after it), or by halving when the error names no row;
- the whole read yields one row per line (no line with two values) and no NaN/Infinity anywhere;
- its values pass the row path's rules, checked with Arrow's compute kernels (:mod:`._arrowc`):
  non-nullable columns not null; doubles below 2^53 in magnitude (Arrow rounds larger integer
  literals); a 0.0 or -0.0 only when its line has no literal that may underflow or be the
  integer ``-0``; float32 neither subnormal nor a rounding tie (the row path decides ties on the
  literal); decimals, dates and timestamps by strict regexes (``match_substring_regex``), the
  calendar, fraction digits within the unit, UTC instants within 0001..9999, before Arrow's
  casts; arrays element by element.

Unread top-level keys are counted as the row path counts them: the inferred table's column names
are the keys of the lines it read. ``LAKE_ETL_FASTPATH=0`` turns the fast path off (read at each
call). stdlib + pyarrow only.
"""

from __future__ import annotations

import json
import os
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import Any
from weakref import WeakKeyDictionary

from .contract import Column, Contract, decimal_params

__all__ = [
    "ndjson_lines", "ndjson_submit", "ndjson_apply", "ndjson_warm_up", "chunk_arrays", "FastChunk",
    "STATS", "MAX_NESTING", "enabled",
]

MAX_NESTING = 32  # deeper text (anywhere in a line) goes to the row path
STATS = {"chunks": 0, "records": 0, "fallbacks": 0, "skipped": 0}  # for tests and the benchmark
_STATE: WeakKeyDictionary = WeakKeyDictionary()  # per transform run: see ndjson_lines

# ---- raw-text guards (bytes operations: C speed)
# everything but quotes, brackets, line feeds and the control characters JSON forbids raw
_NOT_STRUCTURE = bytes(range(256)).translate(
    None, b'"[]{}\n' + bytes([*range(0, 9), 11, 12, *range(14, 32)])
)
# a number with a 3-digit exponent, or a run of 16 zeros: it may underflow (Arrow gives 0.0 where the
# row path reports precision_loss). Searched in a copy with every digit made 0.
_DIGITS_TO_0 = bytes.maketrans(b"123456789", b"000000000")
_EXP3 = re.compile(rb"0[eE][-+]?000")
_INT_MINUS_0 = re.compile(rb"-0(?![0-9.eE])")
_EXP_ANY = re.compile(rb"0[eE][-+]?0")
_TWO53 = float(2**53)

# ---- value regexes (RE2 syntax, for pyarrow.compute)
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TS_CORE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_TS_TAIL = r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
_UNIT_DIGITS = {"ms": 3, "us": 6}

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
    read_schema: Any  # pyarrow.Schema of the source tree (decimals read as their string)
    columns: tuple[Column, ...]
    targets: tuple  # Arrow type per column
    # decimals sent as JSON numbers too: the same tree with scalar decimals read as decimal128 (Arrow
    # takes numbers and strings there, exactly on their text), and a regex finding the string values
    # of those keys that are not the row path's -?[0-9]+(\.[0-9]+)? (None: no such columns)
    read_schema_num: Any = None
    bad_dec_string: Any = None
    # a regex finding a contract key (at any depth) followed by a value of a JSON kind its read type
    # refuses: for dirty chunks, so one read finds most of what Arrow would refuse line by line
    wrong_kind: Any = None
    wrong_kind_num: Any = None  # the same with decimals read from numbers too
    dec_number: Any = None  # a regex finding a decimal's key followed by a number


_PLANS: dict[tuple, _Plan | None] = {}


def _read_type(type_str: str, numeric_decimals: bool = False):
    import pyarrow as pa

    if type_str.startswith("array<"):
        return pa.list_(_read_type(type_str[6:-1]))
    dp = decimal_params(type_str)
    if dp is not None and numeric_decimals:
        # room for the column's integer digits and one more (out_of_range is then found here), the
        # rest for fraction digits (precision_loss found here)
        return pa.decimal128(38, max(0, 37 - (dp[0] - dp[1])))
    return {
        "string": pa.string(),
        "boolean": pa.bool_(),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "float": pa.float64(),  # rounded to float32 here, with the row path's tie rule
    }.get(type_str, pa.string())  # decimal, date, timestamp: their text, validated here


def _tree_schema(contract: Contract, numeric_decimals: bool):
    import pyarrow as pa

    tree: dict = {}
    for c in contract.columns:
        node = tree
        for seg in c.source[:-1]:
            nxt = node.setdefault(seg, {})
            if not isinstance(nxt, dict):
                raise _Doubt  # a path is both a leaf and an object
            node = nxt
        leaf = c.source[-1]
        rt = _read_type(c.type, numeric_decimals)
        if leaf in node and (isinstance(node[leaf], dict) or node[leaf] != rt):
            raise _Doubt  # one source read two ways
        node[leaf] = rt

    def build(n: dict):
        return [pa.field(k, pa.struct(build(v)) if isinstance(v, dict) else v) for k, v in n.items()]

    return pa.schema(build(tree))


# the first byte(s) a value of each kind may start with (null everywhere)
_KIND_STARTS = {"object": b"{n", "string": b'"n', "number": b"-0-9n", "boolean": b"tfn", "array": b"[n"}


def _kind(type_str: str) -> str:
    if type_str.startswith("array<"):
        return "array"
    if type_str in ("int", "bigint", "double", "float"):
        return "number"
    if type_str == "boolean":
        return "boolean"
    return "string"  # string, and decimal/date/timestamp read from their text


def _wrong_kind_re(contract: Contract, numeric_decimals: bool):
    """One regex: ``"key"`` then ``:`` then a first byte no value of that key may start with. A key
    read two ways (say ``a.id`` a number and ``b.id`` a string) takes both kinds. Hits are only
    suspects (a key of the same name elsewhere in a record may be anything): their lines go to
    the row path, which judges them; a hit is never needed for correctness."""
    kinds: dict[str, set[str]] = {}
    for c in contract.columns:
        for seg in c.source[:-1]:
            kinds.setdefault(seg, set()).add("object")
        k = _kind(c.type)
        if numeric_decimals and decimal_params(c.type) is not None:
            kinds.setdefault(c.source[-1], set()).update(("string", "number"))
        else:
            kinds.setdefault(c.source[-1], set()).add(k)
    by_starts: dict[bytes, list[str]] = {}
    for key, ks in kinds.items():
        starts = b"".join(sorted(_KIND_STARTS[k] for k in ks))
        by_starts.setdefault(starts, []).append(key)
    alts = []
    for starts, keys in sorted(by_starts.items()):
        raw = b"|".join(re.escape(json.dumps(k, ensure_ascii=False)[1:-1].encode()) for k in sorted(keys))
        alts.append(rb'"(?:' + raw + rb')"[ \t\r]*:[ \t\r]*[^ \t\r' + starts.replace(b"-0-9", b"0-9\\-")
                    + rb"]")
    return b"|".join(alts).decode()  # RE2 syntax too: run by pyarrow.compute (see _lines_matching)


def _plan(contract: Contract) -> _Plan | None:
    key = (contract.sha256, contract.columns)
    if key in _PLANS:
        return _PLANS[key]
    plan: _Plan | None
    try:
        plan = _Plan(
            read_schema=_tree_schema(contract, False),
            columns=contract.columns,
            targets=tuple(f.type for f in contract.arrow_schema()),
            wrong_kind=_wrong_kind_re(contract, False),
        )
        dec = [c for c in contract.columns if decimal_params(c.type) is not None]
        if dec and not any(c.type.startswith("array<decimal") for c in contract.columns):
            try:
                num = _tree_schema(contract, True)
            except _Doubt:
                num = None
            if num is not None:
                keys = sorted({c.source[-1] for c in dec})
                raw = b"|".join(re.escape(json.dumps(k, ensure_ascii=False)[1:-1].encode()) for k in keys)
                plan = _Plan(
                    read_schema=plan.read_schema,
                    columns=plan.columns,
                    targets=plan.targets,
                    wrong_kind=plan.wrong_kind,
                    wrong_kind_num=_wrong_kind_re(contract, True),
                    read_schema_num=num,
                    bad_dec_string=re.compile(
                        rb'"(?:' + raw + rb')"[ \t\r]*:[ \t\r]*"(?!-?[0-9]+(?:\.[0-9]+)?")'
                    ),
                    dec_number=re.compile(rb'"(?:' + raw + rb')"[ \t\r]*:[ \t\r]*[-0-9]'),
                )
    except _Doubt:
        plan = None
    _PLANS[key] = plan
    return plan


# --------------------------------------------------------------------------------------------------
# The chunk


# --------------------------------------------------------------------------------------------------
# Raw-text guards: each gives the lines (0-based) it cannot vouch for


def _line_of(starts: list[int], pos: int) -> int:
    return bisect_right(starts, pos) - 1


def _positions(data: bytes, needle: bytes):
    i = data.find(needle)
    while i >= 0:
        yield i
        i = data.find(needle, i + 1)


def _line_starts(lines: list[bytes]) -> list[int]:
    return [0, *accumulate(len(ln) + 1 for ln in lines[:-1])]


# Arrow's JSON reader survives a thousand levels of nesting but not ten thousand (it crashes the
# process); a line of at most this many bytes cannot nest deeper than half of it
_SHORT_LINE = 1024


def _suspects_text(data: bytes, lines: list[bytes]) -> set[int]:
    """Lines the raw-text guards reject before any read: not ``{...}`` (blank, leading blank, not an
    object, broken), a lone CR; and, when some line is longer than :data:`_SHORT_LINE` bytes (so
    nesting deep enough to crash Arrow's reader is possible), :func:`_deep_lines`. Shorter lines
    are read, and the read's schema tells how deep they nest (see :func:`_split`)."""
    bad = {i for i, ln in enumerate(lines) if ln[:1] != b"{" or ln[-1:] != b"}"}
    if bad and b"\r" in data:  # CRLF lines end in "}\r"; a CR anywhere else is a lone CR
        bad = {i for i in bad if not (lines[i][:1] == b"{" and lines[i][-2:] == b"}\r")}
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        bad.update(i for i, ln in enumerate(lines) if b"\r" in ln[:-1])
    if max(map(len, lines)) > _SHORT_LINE:
        bad |= _deep_lines(data, lines)
    return bad


def _deep_lines(data: bytes, lines: list[bytes]) -> set[int]:
    """Lines whose brackets outside strings do not reduce to nothing within MAX_NESTING rounds (too
    deep, unbalanced, a bracket inside a string, a raw control character: all kept in the reduced
    text). A handful of C-speed passes over the chunk."""
    t = data.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in data else data
    t = t.translate(None, _NOT_STRUCTURE)
    # drop the strings ('""' once their contents are gone): when every quote is in such a pair
    # (counted), deleting the quotes is the same and three times cheaper than replace
    t = t.translate(None, b'"') if t.count(b'"') == 2 * t.count(b'""') else t.replace(b'""', b"")
    for _ in range(MAX_NESTING):
        t2 = t.replace(b"{}", b"").replace(b"[]", b"")
        if len(t2) == len(t):
            break
        t = t2
    if t.count(b"\n") == len(t):
        return set()
    return {i for i, rest in enumerate(t.split(b"\n")) if rest}


def _type_depth(t) -> int:
    """Levels of nesting of an Arrow type as read from JSON: each struct or list is one."""
    import pyarrow as pa

    if pa.types.is_struct(t):
        return 1 + max((_type_depth(t.field(k).type) for k in range(t.num_fields)), default=0)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return 1 + _type_depth(t.value_type)
    return 0


def _lines_with(data: bytes, lines: list[bytes], needles: tuple[bytes, ...]) -> set[int]:
    hits = [pos for needle in needles for pos in _positions(data, needle)]
    if not hits:
        return set()
    starts = _line_starts(lines)
    return {_line_of(starts, h) for h in hits}


def _lines_matching(data: bytes, lines: list[bytes], pattern: str) -> list[int]:
    """The lines (0-based) in which the RE2 ``pattern`` matches: the chunk's bytes viewed as one
    Arrow string per line (no copy; each with its line break), searched by RE2 with the GIL
    released (Python's re is ten times slower at an alternation of keys)."""
    import pyarrow as pa

    from . import _arrowc as pc

    offsets = pa.array([*_line_starts(lines), len(data)], pa.int32())
    arr = pa.StringArray.from_buffers(len(lines), offsets.buffers()[1], pa.py_buffer(data))
    return pc.indices_nonzero(pc.match_substring_regex(arr, pattern)).to_pylist()


def _tiny_lines(data: bytes, lines: list[bytes]) -> set[int]:
    """Lines with a number that may underflow to 0.0 (a 3-digit exponent after a digit, or a run of
    16 zeros: Arrow reads 0.0 where the row path reports precision_loss), or with the integer
    literal -0 (Arrow reads -0.0, the row path 0.0)."""
    t = data.translate(_DIGITS_TO_0)
    hits = [m.start() for m in _EXP3.finditer(t)] if (b"0e" in t or b"0E" in t) else []
    hits.extend(_positions(t, b"0000000000000000"))
    if b"-0" in data:
        hits.extend(m.start() for m in _INT_MINUS_0.finditer(data))
    if not hits:
        return set()
    starts = _line_starts(lines)
    return {_line_of(starts, h) for h in hits}


def _has_nonfinite(arr) -> bool:
    """Any NaN or infinity among the float values anywhere in ``arr`` (structs and lists walked):
    Arrow's reader takes the NaN/Infinity tokens, which are not JSON."""
    import pyarrow as pa

    from . import _arrowc as pc

    if isinstance(arr, pa.ChunkedArray):
        return any(_has_nonfinite(c) for c in arr.chunks)
    t = arr.type
    if pa.types.is_floating(t):
        return arr.null_count < len(arr) and not pc.all(pc.is_finite(arr), skip_nulls=True).as_py()
    if pa.types.is_struct(t):
        return any(_has_nonfinite(arr.field(k)) for k in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _has_nonfinite(arr.values)
    return False


# --------------------------------------------------------------------------------------------------
# Arrow's reader over the lines not yet suspected

_ROW_RE = re.compile(r" in row (\d+)")
_BLOCK = 1 << 18
_PIECE = 128  # lines per read once a run has shown a refused line


def _read(data, schema, *, threads: bool = False, infer: bool = True):
    """One read with Arrow's JSON reader. ``threads``: blocks of ~256 KiB parsed on Arrow's CPU pool
    (row numbers in errors are then per block: only single-block reads are used to find lines)."""
    import pyarrow as pa
    import pyarrow.json as pj

    size = len(data)
    return pj.read_json(
        pa.BufferReader(data),
        read_options=pj.ReadOptions(
            use_threads=threads, block_size=max(_BLOCK, size // 4 + 64) if threads else size + 64
        ),
        parse_options=pj.ParseOptions(
            explicit_schema=schema,
            unexpected_field_behavior="infer" if infer else "ignore",
            newlines_in_values=False,
        ),
    )


def _scan(buf, starts: list[int], ends: list[int], lo: int, hi: int, schema, bad: set[int],
          budget: list[int], infer: bool) -> None:
    """Find the lines lo..hi-1 (contiguous, none suspected yet) that Arrow's reader refuses (added
    to ``bad``). A parse error names its row and parsing stops there: after the first one, the rest
    is read in pieces of :data:`_PIECE` lines (reading on after an error then costs one piece, not
    the rest of the run); a conversion error names no row: halve."""
    import pyarrow as pa

    pos = lo
    span = hi - lo
    while pos < hi:
        end = min(hi, pos + span)
        budget[0] -= 1
        if budget[0] < 0:
            raise _Doubt
        try:
            _read(buf.slice(starts[pos], ends[end - 1] - starts[pos]), schema, infer=infer)
            pos = end
            continue
        except pa.ArrowInvalid as e:
            m = _ROW_RE.search(str(e))
            if m is not None and pos + int(m.group(1)) < end:
                r = pos + int(m.group(1))
                bad.add(r)
                pos = r + 1
                span = _PIECE
                continue
        if end - pos == 1:
            bad.add(pos)
        else:
            mid = (pos + end) // 2
            _scan(buf, starts, ends, pos, mid, schema, bad, budget, infer)
            _scan(buf, starts, ends, mid, end, schema, bad, budget, infer)
        pos = end


# Thread pools, each made on first use (a list: empty until then, emptied in a forked child)
_POOL: list = []  # two threads scanning halves of a run (_scan_runs)
_SPLITTER: list = []  # one thread for the reads (_split_read; not _POOL: a read may use _POOL)
_CHECKER: list = []  # one thread for the checks (_split_check), after _SPLITTER's reads


def _executor(slot: list, workers: int, name: str):
    if not slot:
        from concurrent.futures import ThreadPoolExecutor

        slot.append(ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name))
    return slot[0]


def _forget_pools() -> None:
    """In a forked child (replay's process pool forks): the executors' threads did not come along,
    and work submitted to them would wait forever. New ones are made on first use."""
    _SPLITTER.clear()
    _CHECKER.clear()
    _POOL.clear()


os.register_at_fork(after_in_child=_forget_pools)


def _scan_runs(buf, starts: list[int], ends: list[int], runs: list[tuple[int, int]], schema,
               bad: set[int], budget: list[int], infer: bool) -> None:
    """:func:`_scan` over runs of lines; with two or more CPUs, the lines are cut in two halves
    scanned in two threads (Arrow's reader releases the GIL). Which lines are found does not depend
    on the cut: each line is judged by reads that hold it (and the chunk is read again whole after)."""
    total = sum(hi - lo for lo, hi in runs)
    if total < 2 * _PIECE or (os.cpu_count() or 1) < 2:
        for lo, hi in runs:
            _scan(buf, starts, ends, lo, hi, schema, bad, budget, infer)
        return
    halves: list[list[tuple[int, int]]] = [[], []]
    left = total // 2
    for lo, hi in runs:
        if left <= 0:
            halves[1].append((lo, hi))
        elif hi - lo <= left:
            halves[0].append((lo, hi))
            left -= hi - lo
        else:
            halves[0].append((lo, lo + left))
            halves[1].append((lo + left, hi))
            left = 0
    def job(part):
        for lo, hi in part:
            _scan(buf, starts, ends, lo, hi, schema, bad, budget, infer)

    pool = _executor(_POOL, 2, "lake_etl_scan")
    futures = [pool.submit(job, part) for part in halves]
    for f in futures:
        f.result()


# --------------------------------------------------------------------------------------------------
# Values: per row, is it exactly what the row path would accept, and its Arrow value


def _and(ok, more):
    from . import _arrowc as pc

    if more.null_count:
        more = pc.fill_null(more, True)  # null values are not this check's business
    return more if ok is None else pc.and_(ok, more)


def _days_ok(arr):
    """For "YYYY-MM-DD..." strings (format already checked): a real calendar date, years 0001-9999."""
    import pyarrow as pa

    from . import _arrowc as pc

    y = pc.cast(pc.utf8_slice_codeunits(arr, 0, 4), pa.int32())
    m = pc.cast(pc.utf8_slice_codeunits(arr, 5, 7), pa.int32())
    d = pc.cast(pc.utf8_slice_codeunits(arr, 8, 10), pa.int32())
    month_ok = pc.and_(pc.greater_equal(m, 1), pc.less_equal(m, 12))
    m_safe = pc.if_else(month_ok, m, 1)
    dim = pc.take(pa.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], pa.int32()), m_safe)

    def divisible(n):
        return pc.equal(pc.multiply(pc.divide(y, n), n), y)

    leap = pc.and_(divisible(4), pc.or_(pc.invert(divisible(100)), divisible(400)))
    dim = pc.add(dim, pc.cast(pc.and_(leap, pc.equal(m_safe, 2)), pa.int32()))
    return pc.and_(
        pc.and_(pc.greater_equal(y, 1), month_ok),
        pc.and_(pc.greater_equal(d, 1), pc.less_equal(d, dim)),
    )


def _scalar(arr, type_str: str, unit: str, target):
    """(ok, out): ``ok`` a boolean Array (False: the row path must judge this row) or None for all
    fine; ``out`` the values in ``target``'s type (rows not ok hold nulls or garbage)."""
    import pyarrow as pa

    from . import _arrowc as pc

    ok = None
    if arr.null_count == len(arr):
        return None, pa.nulls(len(arr), target)
    if type_str in ("double", "float"):
        # integer literals above 2^53 are rounded by Arrow (the row path reports precision_loss)
        ok = _and(ok, pc.less(pc.abs(arr), _TWO53))
    if type_str in _AS_READ:
        return ok, (arr if arr.type == target else pc.cast(arr, target))
    if type_str == "float":
        # |value| < 2^53 (above) keeps it far below FLT_MAX; float32 subnormals and underflow: row path
        a = pc.abs(arr)
        ok = _and(ok, pc.or_(pc.equal(a, 0.0), pc.greater_equal(a, _FLT_MIN_NORMAL)))
        # a double exactly halfway between two float32s: the row path decides on the literal
        low = pc.bit_wise_and(arr.view(pa.uint64()), pa.scalar((1 << 29) - 1, pa.uint64()))
        ok = _and(ok, pc.not_equal(low, pa.scalar(1 << 28, pa.uint64())))
        return ok, pc.cast(arr, pa.float32(), safe=False)
    if type_str.startswith("decimal(") and pa.types.is_decimal(arr.type):
        # read from a number or a string (strings not of the row path's form were sent to it):
        # the value must need no more than s fraction digits and fewer than p-s integer digits
        p, s = decimal_params(type_str)  # type: ignore[misc]
        ok = _and(ok, pc.equal(pc.round(arr, ndigits=s), arr))
        if p - s < 38:
            limit = pa.scalar(Decimal(10) ** (p - s), arr.type)
            ok = _and(ok, pc.less(pc.abs(arr), limit))
        return ok, pc.cast(pc.if_else(ok, arr, None), target)
    if type_str.startswith("decimal("):
        p, s = decimal_params(type_str)  # type: ignore[misc]
        k = p - s
        # the row path's -?[0-9]+(\.[0-9]+)? with at most p-s integer digits after leading zeros and
        # fraction digits beyond s only zeros (it judges the value: "1.230" fits decimal(p,2))
        whole = rf"(0+|0*[1-9][0-9]{{0,{k - 1}}})" if k else "0+"
        frac = rf"(\.[0-9]{{1,{s}}}0*)?" if s else r"(\.0+)?"
        ok = _and(ok, pc.match_substring_regex(arr, "^-?" + whole + frac + "$"))
        ok = _and(ok, pc.less_equal(pc.utf8_length(arr), 40))  # Arrow's parser: at most 38 digits
    elif type_str == "date":
        ok = _and(ok, pc.match_substring_regex(arr, _DATE_RE))
    elif type_str == "timestamp":
        d = _UNIT_DIGITS[unit]
        ok = _and(ok, pc.match_substring_regex(arr, _TS_CORE + rf"(\.[0-9]{{1,{d}}}0*)?" + _TS_TAIL))
    else:  # pragma: no cover - every contract type is handled
        raise _Doubt
    if type_str in ("date", "timestamp"):
        # Arrow's casts check the calendar (2026-02-30 raises) but take year 0000 (the row path does
        # not: dates here, timestamps by the range check below). A cast that raises: find the rows.
        if type_str == "date":
            ok = _and(ok, pc.invert(pc.starts_with(arr, "0000")))
        arr = pc.if_else(ok, arr, None)
        if type_str == "timestamp":
            if pc.any(pc.match_substring_regex(arr, r"[tz]")).as_py():
                arr = pc.ascii_upper(arr)
            if pc.any(pc.match_substring_regex(arr, rf"\.[0-9]{{{d}}}0")).as_py():
                arr = pc.replace_substring_regex(arr, rf"(\.[0-9]{{{d}}})0+", r"\1")
        target_type = pa.date32() if type_str == "date" else pa.timestamp(unit, tz="UTC")
        try:
            out = pc.cast(arr, target_type)
        except pa.ArrowInvalid:
            days = pc.fill_null(_days_ok(pc.if_else(ok, arr, "0001-01-01")), True)
            ok = pc.and_(ok, days)
            arr = pc.if_else(days, arr, None)
            out = pc.cast(arr, target_type)
        if type_str == "date":
            return ok, out
        scale = 10**d
        v = pc.cast(out, pa.int64())
        in_range = pc.and_(pc.greater_equal(v, -62135596800 * scale), pc.less(v, 253402300800 * scale))
        return _and(ok, in_range), out  # outside 0001-01-01..9999-12-31 once in UTC: row path
    # decimal
    p, s = decimal_params(type_str)  # type: ignore[misc]
    return ok, pc.cast(pc.if_else(ok, arr, None), pa.decimal128(p, s))


_AS_READ = ("string", "boolean", "int", "bigint", "double")  # Arrow's reader already checked them


def _column(arr, col: Column, target):
    """(ok, out, zero) for one contract column: see :func:`_scalar`; ``zero`` (double and float
    columns) marks the rows holding a 0.0 or -0.0 (judged on the text by :func:`_split`), or None."""
    import pyarrow as pa

    from . import _arrowc as pc

    ok = None
    zero = None
    if not col.nullable and arr.null_count:
        ok = pc.is_valid(arr)  # missing_required: the row path reports it
    et = col.element_type
    if et is None:
        e_ok, out = _scalar(arr, col.type, col.unit, target)
        if e_ok is not None:
            ok = _and(ok, e_ok)
        if col.type in ("double", "float") and arr.null_count < len(arr):
            zero = pc.fill_null(pc.equal(arr, 0.0), False)  # 0.0 and -0.0
    elif et in _AS_READ and et != "double":
        out = arr
    else:
        # normalised: the flat values and fresh offsets (null lists hold no values)
        values = pc.list_flatten(arr)
        lengths = pc.fill_null(pc.list_value_length(arr), 0)
        offsets = pa.concat_arrays(
            [pa.array([0], pa.int32()), pc.cast(pc.cumulative_sum(lengths), pa.int32())]
        )
        e_ok, new_values = _scalar(values, et, col.unit, target.value_type)
        rows = pa.array(range(len(arr)), pa.int64())
        if e_ok is not None and not pc.all(e_ok).as_py():
            # a list is ok when all its elements are
            bad_lists = pc.take(pc.list_parent_indices(arr), pc.indices_nonzero(pc.invert(e_ok)))
            ok = _and(ok, pc.invert(pc.is_in(rows, value_set=bad_lists)))
        if et in ("double", "float") and values.null_count < len(values):
            zeros = pc.indices_nonzero(pc.fill_null(pc.equal(values, 0.0), False))
            if len(zeros):
                zero = pc.is_in(rows, value_set=pc.take(pc.list_parent_indices(arr), zeros))
        out = pa.ListArray.from_arrays(offsets, new_values, mask=pc.is_null(arr) if arr.null_count else None)
    if out.type != target:
        out = pc.cast(out, target)
    return ok, out, zero


# --------------------------------------------------------------------------------------------------
# A chunk


@dataclass
class _Split:
    lines: list[bytes]  # the chunk's lines as given (CR kept)
    fast: list[int]  # line index of each fast row, ascending
    arrays: list  # per contract column, one value per fast row
    keys: set[str]  # top-level keys of the fast rows' records
    slow: list[int]  # the other lines (for the row path), ascending
    numeric: bool = False  # decimals were read from numbers too


def _prepare(data: bytes) -> tuple[list[bytes], set[int]]:
    """The chunk's lines and the lines the text guards reject (bytes operations only: they hold the
    GIL, so with a thread for :func:`_split` they run in the transform's own thread meanwhile)."""
    lines = data.split(b"\n")
    return lines, _suspects_text(data, lines)


def _split(data: bytes, plan: _Plan, *, max_suspects: float = 0.25, numeric_hint: bool = False,
           prepared: tuple[list[bytes], set[int]] | None = None) -> _Split | None:
    """:func:`_split_read` then :func:`_split_check`: the fast path's verdict on a chunk."""
    return _split_check(
        _split_read(data, plan, max_suspects=max_suspects, numeric_hint=numeric_hint,
                    prepared=prepared),
        plan,
    )


def _split_read(data: bytes, plan: _Plan, *, max_suspects: float = 0.25, numeric_hint: bool = False,
                prepared: tuple[list[bytes], set[int]] | None = None) -> _Read | None:
    """The chunk's lines Arrow's reader takes (text guards, prefilters, reads that find refused
    lines), read into one table; None: the row path takes the chunk."""
    import pyarrow as pa


    lines, bad = prepared if prepared is not None else _prepare(data)
    n = len(lines)
    limit = max(16.0, n * max_suspects)  # lines Arrow must not read: beyond this, decline the chunk
    # decimals sent as numbers: read from numbers and strings alike (slower than reading their
    # strings: only when a decimal's key is followed by a number here), unless a \u escape could
    # spell a decimal's key. The regex that tells costs a pass over the text: it runs when the last
    # chunk had such numbers (``numeric_hint``), or once a read with the strings' schema has failed.
    numeric = False
    kinds_checked = False

    def go_numeric() -> bool:
        nonlocal numeric
        if numeric or plan.read_schema_num is None or plan.dec_number.search(data) is None:
            return False
        if b"\\u" in data:
            return False
        numeric = True
        # strings not of the row path's decimal form; and numbers with an exponent anywhere (Arrow's
        # decimal parser turns 1e-93 into 0 and 1e37 into garbage, silently)
        hits = [m.start() for m in plan.bad_dec_string.finditer(data)] if b'"' in data else []
        t = data.translate(_DIGITS_TO_0)
        if b"0e" in t or b"0E" in t:
            hits.extend(m.start() for m in _EXP_ANY.finditer(t))
        if hits:
            starts = _line_starts(lines)
            bad.update(_line_of(starts, h) for h in hits)
        return True

    if numeric_hint:
        go_numeric()
    # Arrow reads to find refused lines (each about 0.2 ms + its text): the row path takes ~70 ms a
    # MiB, and a chunk the fast path gives up on must not cost much more than that
    budget = [16 + len(data) // 8192]
    table = None
    try:
        attempt = -1
        while attempt < 5:
            attempt += 1
            if len(bad) > limit:
                return None
            good = [i for i in range(n) if i not in bad] if bad else list(range(n))
            if not good:
                return None
            good_data = b"\n".join([lines[i] for i in good]) if bad else data
            before = len(bad)
            try:
                table = _read(good_data, plan.read_schema_num if numeric else plan.read_schema,
                              threads=True)
            except pa.ArrowInvalid:
                if attempt == 0 and go_numeric():
                    attempt -= 1  # read again as the first attempt, decimals from numbers too
                    continue
                if attempt == 0 and not kinds_checked:
                    # a dirty chunk: the lines whose contract keys hold values of a wrong kind (one
                    # regex pass), and those the bracket reduction rejects (deep, unbalanced, a raw
                    # control character; short lines skipped it before the read) leave before
                    # Arrow's reader is asked line by line
                    kinds_checked = True
                    before_kinds = len(bad)
                    bad.update(_lines_matching(
                        data, lines, plan.wrong_kind_num if numeric else plan.wrong_kind
                    ))
                    if max(map(len, lines)) <= _SHORT_LINE:
                        bad |= _deep_lines(data, lines)
                    if len(bad) > before_kinds:
                        attempt -= 1  # read again as the first attempt, without them
                        continue
                schema = plan.read_schema_num if numeric else plan.read_schema
                # find the lines Arrow refuses: runs of contiguous lines, read as slices of the chunk
                table = None
                buf = pa.py_buffer(data)
                starts = _line_starts(lines)
                ends = [st + len(ln) for st, ln in zip(starts, lines, strict=True)]
                runs = []
                lo = 0
                while lo < n:
                    if lo in bad:
                        lo += 1
                        continue
                    hi = lo
                    while hi < n and hi not in bad:
                        hi += 1
                    runs.append((lo, hi))
                    lo = hi
                # first without inferring the unread fields (cheaper); a type clash between
                # unread values then fails the next read: infer from then on, briefly (a file
                # whose unread fields keep changing type is the row path's)
                if attempt > 0:
                    budget[0] = min(budget[0], 16)
                _scan_runs(buf, starts, ends, runs, schema, bad, budget, attempt > 0)
            else:
                if table.num_rows != len(good):  # a line with two values: "}{", "} {", ...
                    bad |= _lines_with(data, lines, (b"}{", b"} {", b"}\t{", b"}\r{"))
                elif any(_has_nonfinite(c) for c in table.columns):  # NaN, Infinity
                    bad |= _lines_with(data, lines, (b"NaN", b"Infinity"))
                elif 1 + max((_type_depth(f.type) for f in table.schema), default=0) > MAX_NESTING:
                    # some line nests deeper than the fast path vouches for (the schema read is the
                    # union of the lines'): find them on the text
                    bad |= _deep_lines(data, lines)
                else:
                    break
            if len(bad) == before and not (table is None and attempt == 0):
                return None  # no progress (after an inferring scan, when the read failed)
        else:
            return None
    except (_Doubt, pa.ArrowException, ValueError, TypeError, KeyError, OverflowError, IndexError):
        return None
    return _Read(data=data, lines=lines, bad=bad, good=good, table=table, numeric=numeric)


@dataclass
class _Read:
    """What :func:`_split_read` leaves for :func:`_split_check`."""

    data: bytes
    lines: list[bytes]
    bad: set[int]  # lines not read
    good: list[int]  # the lines read, one table row each
    table: Any
    numeric: bool


def _split_check(r: _Read | None, plan: _Plan) -> _Split | None:
    """The read rows' values against the row path's rules (see the module's docstring): the
    chunk's fast rows as Arrow arrays, the other lines for the row path."""
    if r is None:
        return None
    import pyarrow as pa

    from . import _arrowc as pc

    data, lines, bad, good, table, numeric = r.data, r.lines, r.bad, r.good, r.table, r.numeric
    try:
        tops: dict[str, Any] = {}  # the read columns as one chunk each (unread ones not copied)

        def top(name: str):
            if name not in tops:
                chunks = table.column(name).chunks
                tops[name] = chunks[0] if len(chunks) == 1 else pa.concat_arrays(chunks)
            return tops[name]

        ok = None
        zero = None
        arrays = []
        for col, target in zip(plan.columns, plan.targets, strict=True):
            arr = top(col.source[0])
            for seg in col.source[1:]:
                arr = pc.struct_field(arr, seg)
            c_ok, out, c_zero = _column(arr, col, target)
            if c_ok is not None:
                ok = c_ok if ok is None else pc.and_(ok, c_ok)
            if c_zero is not None:
                zero = c_zero if zero is None else pc.or_(zero, c_zero)
            arrays.append(out)
        if zero is not None and pc.any(zero).as_py():
            # a 0.0 may come from a literal that underflows (the row path: precision_loss), a -0.0
            # from the integer literal -0 (the row path: 0.0)
            zrows = pc.indices_nonzero(zero).to_pylist()
            if len(zrows) * 8 < len(good):  # few: only their lines (no match spans a line break)
                tiny_rows = [k for k in zrows if _tiny_lines(lines[good[k]], [lines[good[k]]])]
                if tiny_rows:
                    mask = [False] * len(good)
                    for k in tiny_rows:
                        mask[k] = True
                    not_ok = pa.array(mask, pa.bool_())
                    ok = pc.invert(not_ok) if ok is None else pc.and_(ok, pc.invert(not_ok))
            else:
                tiny = _tiny_lines(data, lines)
                if tiny:
                    in_tiny = pa.array([i in tiny for i in good], pa.bool_())
                    not_ok = pc.and_(zero, in_tiny)
                    ok = pc.invert(not_ok) if ok is None else pc.and_(ok, pc.invert(not_ok))
    except (_Doubt, pa.ArrowException, ValueError, TypeError, KeyError, OverflowError, IndexError):
        return None
    keys = set(table.column_names)
    slow = bad
    if ok is not None and not pc.all(ok).as_py():
        # rows the row path must judge: it notes their keys itself, so the table's keys still hold
        keep = pc.indices_nonzero(ok)
        arrays = [pc.take(a, keep) for a in arrays]
        slow = bad | {good[i] for i in pc.indices_nonzero(pc.invert(ok)).to_pylist()}
        good = [good[i] for i in keep.to_pylist()]
    return _Split(lines=lines, fast=good, arrays=arrays, keys=keys, slow=sorted(slow), numeric=numeric)


def chunk_arrays(data: bytes, contract: Contract) -> FastChunk | None:
    """The fast path on complete NDJSON lines (UTF-8 bytes, no BOM), all or nothing: the chunk's
    columns when every line is vouched for, else None."""
    plan = _plan(contract)
    if plan is None or not data:
        return None
    sp = _split(data, plan, max_suspects=0.0)
    if sp is None or len(sp.fast) != len(sp.lines):
        return None
    return FastChunk(records=len(sp.fast), arrays=sp.arrays, keys=sp.keys)


# --------------------------------------------------------------------------------------------------
# The seam in lake_etl.transform


def ndjson_lines(run: Any, data: bytes) -> bool | None:
    """Handle the complete lines ``data`` (UTF-8) for the transform's run, or return None (row path).

    Lines the fast path vouches for become Arrow rows; the others go, in their place, through the
    row path (``run._line_batch``). Before each fast run of rows, the run's pending row-path records
    are flushed, so rows, record indices and errors come in input order exactly as the row path
    alone gives them; fast rows are added as RecordBatches through ``_Run._add_batch``, as the row
    path's are.
    The same as :func:`ndjson_submit` and then :func:`ndjson_apply`.
    """
    handle = ndjson_submit(run, data)
    return None if handle is None else ndjson_apply(run, data, handle)


class _Ready:
    """A result already computed (one CPU: no thread), shaped like a Future."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def done(self) -> bool:
        return True


def _read_or_none(data: bytes, plan: _Plan, numeric_hint: bool, prepared) -> _Read | None:
    try:  # pure: touches nothing of the run
        return _split_read(data, plan, numeric_hint=numeric_hint, prepared=prepared)
    except Exception:  # noqa: BLE001 - any doubt, including a fault of this module: the row path
        return None


def _check_or_none(read, plan: _Plan) -> _Split | None:
    try:  # pure: touches nothing of the run
        return _split_check(read.result(), plan)
    except Exception:  # noqa: BLE001 - as in _read_or_none
        return None


def _import_readers() -> None:
    import pyarrow as pa
    import pyarrow._compute  # noqa: F401
    import pyarrow.json  # noqa: F401

    pa.array([0])  # the first conversion from Python values sets up pyarrow's datetime helpers

    from . import _arrowc  # noqa: F401


def ndjson_warm_up(run: Any) -> None:
    """NDJSON is coming: with two or more CPUs, import what the fast path uses in the fast path's
    thread now, while the transform reads and cuts the first lines (~30 ms of imports off the
    critical path; the writer's pyarrow._parquet is imported while the transform waits for the
    first run, see :func:`ndjson_apply`). Nothing of the run is touched."""
    if enabled() and (os.cpu_count() or 1) >= 2 and _plan(run.contract) is not None:
        _executor(_SPLITTER, 1, "lake_etl_fast").submit(_import_readers)


def ndjson_submit(run: Any, data: bytes) -> Any | None:
    """Start the fast path on the complete lines ``data``: a handle for :func:`ndjson_apply`, or
    None when the row path takes them (fast path off or unable, or skipping after declines). With
    two or more CPUs the work runs in a thread of its own (pure: it touches nothing of the run), so
    the transform reads and cuts the next lines, or applies the previous ones, meanwhile; handles
    must be applied in the order they were made."""
    if not enabled():
        return None
    plan = _plan(run.contract)
    if plan is None or not data:
        return None
    # a file the fast path keeps giving up on (say, unread fields that change type, or decimals sent
    # as numbers) costs little more than the row path: after each run it declines, skip 1, 3, 7, ...
    # (at most 63) runs before trying again
    # [runs still to skip, declines in a row, the last run had decimals sent as numbers]
    state = _STATE.setdefault(run, [0, 0, False])
    if state[0]:
        state[0] -= 1
        STATS["skipped"] += 1
        return None
    if (os.cpu_count() or 1) < 2:
        return _Ready(_check_or_none(_Ready(_read_or_none(data, plan, state[2], None)), plan))
    try:
        prepared = _prepare(data)  # here, while the thread reads and checks the run before
    except Exception:  # noqa: BLE001 - as in _read_or_none
        return None
    # three stages, each in order: the read of this run in one thread while the run before is
    # checked in another and the one before that applied here
    read = _executor(_SPLITTER, 1, "lake_etl_fast").submit(_read_or_none, data, plan, state[2], prepared)
    return _executor(_CHECKER, 1, "lake_etl_check").submit(_check_or_none, read, plan)


def _apply_at_once(run: Any, sp: _Split) -> None:
    """The chunk's lines for the row path judged together (one coercion, not one per run of them),
    then its rows, fast and slow, added in line order as one batch: the same records, indices,
    errors, line numbers and rows as run by run."""
    import pyarrow as pa

    from . import _arrowc as pc

    lines, slow, fast = sp.lines, sp.slow, sp.fast
    run._flush()  # records collected before this chunk come first
    first_line = run.lines_seen + 1
    base = run.n
    items = []  # (line number, record index, text) of the non-blank slow lines
    item_line = []  # their line indices
    blanks = 0
    for i in slow:
        ln = lines[i]
        if not ln.strip(b" \t\r"):  # a blank line is no record (as _line_batch judges it)
            blanks += 1
            continue
        items.append((first_line + i, base + i - blanks, ln))
        item_line.append(i)
    batch, rows = run._judge_lines(items) if items else (None, [])
    run.n = base + len(lines) - blanks
    run.good += len(fast)
    run.lines_seen += len(lines)
    if run.failed:
        return
    fast_batch = pa.RecordBatch.from_arrays(sp.arrays, schema=run.schema)
    if batch is None or not rows:
        if fast_batch.num_rows:
            run._add_batch(fast_batch)
        return
    # interleave: each good slow row goes before the first fast row of a later line
    order: list[int] = []
    prev = 0
    for r, k in enumerate(rows):
        c = bisect_right(fast, item_line[k])
        order.extend(range(prev, c))
        order.append(len(fast) + r)
        prev = c
    order.extend(range(prev, len(fast)))
    table = pc.take(pa.Table.from_batches([fast_batch, batch]), pa.array(order, pa.int64()))
    for b in table.combine_chunks().to_batches():
        run._add_batch(b)


def ndjson_apply(run: Any, data: bytes, handle: Any) -> bool | None:
    """Apply the fast path's result for ``data`` (see :func:`ndjson_lines`), or return None: the
    row path must take the lines (nothing of the run was touched)."""
    if "pyarrow._parquet" not in sys.modules and not handle.done():
        import pyarrow._parquet  # noqa: F401 - the writer's, imported while the result is awaited
    sp = handle.result()
    state = _STATE.setdefault(run, [0, 0, False])
    if sp is not None:
        state[2] = sp.numeric
    if sp is None or not sp.fast:
        STATS["fallbacks"] += 1
        state[1] += 1
        state[0] = min(2 ** state[1], 64) - 1
        return None
    state[1] = 0
    STATS["chunks"] += 1
    STATS["records"] += len(sp.fast)
    import pyarrow as pa

    from .transform import CHUNK_RECORDS

    lines, slow = sp.lines, sp.slow
    run.keys.update(sp.keys)
    n = len(lines)
    if len(slow) <= CHUNK_RECORDS:
        _apply_at_once(run, sp)
        return True
    # many lines for the row path: run by run, as the row path alone would take them
    i = 0  # next line
    j0 = 0  # next fast row
    s = 0  # next slow line: slow[s]
    while i < n:
        if s == len(slow) or slow[s] > i:
            # lines i .. the next slow line (exclusive) are fast rows j0 .. j0 + k - 1
            k = (slow[s] if s < len(slow) else n) - i
            run._flush()
            run.n += k
            run.good += k
            run.lines_seen += k  # physical lines, for the row path's messages
            i += k
            j0 += k
            if run.failed:
                continue
            run._add_batch(pa.RecordBatch.from_arrays(
                [a.slice(j0 - k, k) for a in sp.arrays], schema=run.schema
            ))
        else:
            end = i
            while s < len(slow) and slow[s] == end:  # a run of slow lines
                s += 1
                end += 1
            run._line_batch([ln.decode("utf-8") for ln in lines[i:end]])
            i = end
    return True
