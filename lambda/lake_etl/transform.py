"""Raw JSON -> contract-checked Parquet, or a quarantine report (design §3 and §4).

Pipeline: raw bytes (hashed as stored) -> gunzip when the key ends in ``.gz`` -> strict UTF-8 (a BOM
at the start is dropped) -> format detection from the content -> records -> :func:`coerce_chunk`
(the coercion table) -> Arrow -> Parquet, streamed to the sink in row groups of 131,072 rows. NDJSON
stays bytes (checked as UTF-8, cut at line breaks, handed to the fast path as is); a top-level array
or a whole-file value is decoded to text.

Format detection: after leading JSON whitespace, a file starting with ``[`` must be one JSON value (an
array whose elements are the records, streamed element by element) or it is a file-level
``malformed_json``. Otherwise, when the first non-blank line is a JSON value on its own, the file is
one value per non-blank line (NDJSON, streamed in chunks). Otherwise the whole file must be one JSON
value (a pretty-printed object), else file-level ``malformed_json``. Memory does not grow with the
file in any of these (beyond the one record a whole-file value is).

The seam for a faster path is :func:`lake_etl._coerce.coerce_chunk` (records -> column lists + errors)
and ``_Run._add_batch`` (Arrow batches -> row groups of exactly ``ROW_GROUP_ROWS``, so the
bytes do not depend on how the input was chunked).

File-level errors, in precedence: ``bad_compression`` (the gzip stream does not decompress; checked
over the whole file), then ``encoding`` (invalid UTF-8 or a lone surrogate escape anywhere), then
``malformed_json``. A file-level error is the file's only error, ``records_in`` is None and nothing
is written.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import queue
import re
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, BinaryIO

from . import __version__
from ._coerce import ChunkColumns, coerce_chunk, describe, plan_columns
from ._fastpath import ndjson_apply, ndjson_submit, ndjson_warm_up
from ._jsonscan import JSONDecodeError, find_lone_surrogate, loads, scan_value
from .contract import Contract
from .keys import Unroutable

__all__ = ["FileResult", "transform", "quarantine_report", "unrouted_report", "ROW_GROUP_ROWS"]

ROW_GROUP_ROWS = 131_072
CHUNK_RECORDS = 16_384  # records coerced and converted to Arrow at a time
READ_BLOCK = 1 << 20  # raw bytes read at a time
FAST_BLOCKS = 4  # NDJSON lines go to the fast path in runs of about this many read blocks
GUNZIP_BLOCK = 1 << 20  # bound on the output of one decompression step
_JSON_WS = " \t\n\r"
_JSON_WS_B = b" \t\n\r"
_LINE_WS = " \t\r"
_BOM = "\ufeff"
_WS_MATCH = re.compile(r"[ \t\n\r]*").match

META_SOURCE_KEY = "lakectl.source_key"
META_SOURCE_SHA = "lakectl.source_sha256"
META_CONTRACT_SHA = "lakectl.contract_sha256"
META_VERSION = "lakectl.lake_etl_version"


@dataclass
class FileResult:
    records_in: int | None
    records_written: int
    errors: list[dict] = field(default_factory=list)  # {record, field, kind, message}
    fields_ignored: int = 0
    source_sha256: str = ""
    wrote_parquet: bool = False  # True iff a complete Parquet file was written to the sink


class _FileError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(kind, message)
        self.kind = kind
        self.message = message


# --------------------------------------------------------------------------------------------------
# Byte and text streams


class _Hasher:
    """SHA-256 of the raw bytes as stored; with two or more CPUs computed in a thread of its own
    (hashlib releases the GIL on big buffers), fed in order through a bounded queue."""

    def __init__(self) -> None:
        self.h = hashlib.sha256()
        self.q: queue.Queue | None = None
        self.t: threading.Thread | None = None
        if (os.cpu_count() or 1) >= 2:
            self.q = queue.Queue(maxsize=8)
            self.t = threading.Thread(target=self._loop, name="lake_etl_sha256", daemon=True)
            self.t.start()

    def _loop(self) -> None:
        q, h = self.q, self.h
        while (b := q.get()) is not None:
            h.update(b)

    def update(self, b) -> None:
        if self.q is None:
            self.h.update(b)
        else:
            self.q.put(b)

    def close(self) -> None:
        if self.t is not None:
            self.q.put(None)
            self.t.join()
            self.t = self.q = None

    def hexdigest(self) -> str:
        self.close()
        return self.h.hexdigest()


def _raw_blocks(src: BinaryIO | bytes | bytearray | memoryview, hasher) -> Iterator[bytes]:
    if isinstance(src, bytes | bytearray | memoryview):
        mv = memoryview(src)
        hasher.update(mv)
        for i in range(0, len(mv), READ_BLOCK):
            yield bytes(mv[i : i + READ_BLOCK])
        return
    while True:
        b = src.read(READ_BLOCK)
        if not b:
            return
        hasher.update(b)
        yield b


def _gunzip(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Decompress a gzip file: every member in turn; zero bytes padding the end are allowed (as gzip(1)
    allows them); anything else that does not decompress is ``bad_compression``."""

    def bad(why: str) -> _FileError:
        return _FileError(
            "bad_compression",
            f"the .gz file does not decompress ({why}); upload a complete gzip file, or drop .gz from "
            "the name if the file is not compressed",
        )

    d = zlib.decompressobj(31)
    members = 0
    padding = False
    seen_input = False
    for block in blocks:
        buf = block
        while buf:
            seen_input = True
            if d is None:  # between members
                if padding or buf[0] == 0:
                    stripped = buf.lstrip(b"\0")
                    padding = True
                    if stripped:
                        raise bad("bytes after zero padding at the end")
                    break
                d = zlib.decompressobj(31)
            try:
                out = d.decompress(buf, GUNZIP_BLOCK)
            except zlib.error as e:
                raise bad(str(e)) from None
            if out:
                yield out
            if d.eof:
                members += 1
                buf = d.unused_data
                d = None
            else:
                buf = d.unconsumed_tail
    if d is not None:
        try:
            out = d.flush()
        except zlib.error as e:  # pragma: no cover - flush reports no errors in practice
            raise bad(str(e)) from None
        if out:
            yield out
        if not d.eof:
            raise bad("the stream ends before its end marker" if seen_input else "the file is empty")
    if members == 0:  # pragma: no cover - covered by the branch above
        raise bad("no gzip member")


def _utf8_error(pos: int) -> _FileError:
    return _FileError(
        "encoding",
        f"the file is not UTF-8: invalid byte at offset {max(pos, 0)} of the (decompressed) "
        "content; save or export it as UTF-8",
    )


def _last_char_start(b: bytes) -> int:
    """Where an incomplete character at the end of ``b`` may start (len(b) when its last byte is
    ASCII): the last byte that is not a continuation byte, within the last four."""
    n = len(b)
    for i in range(n - 1, max(n - 4, 0) - 1, -1):
        c = b[i]
        if c < 0x80:
            return i + 1
        if c >= 0xC0:
            return i
    return max(n - 4, 0)


def _utf8_ok(b: bytes) -> bool:
    """``b`` is complete, valid UTF-8 (Arrow's validator: SIMD speed; Python's strict decoder
    decides whenever it says no)."""
    if b.isascii():
        return True
    import pyarrow as pa

    off = pa.array([0, len(b)], pa.int32()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.utf8(), 1, [None, off, pa.py_buffer(b)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _decode(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Strict UTF-8, checked block by block as the blocks arrive; yields the bytes (a BOM at the very
    start dropped). Invalid UTF-8 is a file-level ``encoding`` error at the first invalid byte, as
    Python's incremental strict decoder finds it (an incomplete character at the end of a block
    waits for the next one)."""
    offset = 0  # bytes before ``held``
    held = b""  # an incomplete character at the end of the bytes so far
    lead = b""  # the first bytes, held until it is known whether they start with a BOM
    started = False
    for b in blocks:
        chunk = held + b if held else b
        cut = _last_char_start(chunk)
        if _utf8_ok(chunk[:cut]):
            tail = chunk[cut:]
            try:
                consumed = codecs.utf_8_decode(tail, "strict", False)[1] if tail else 0
            except UnicodeDecodeError:
                consumed = -1
        else:
            consumed = -1
        if consumed >= 0:
            new_held = chunk[cut + consumed :]
        else:
            try:
                new_held = chunk[codecs.utf_8_decode(chunk, "strict", False)[1] :]
            except UnicodeDecodeError as e:
                raise _utf8_error(offset + e.start) from None
        offset += len(chunk) - len(new_held)
        held = new_held
        if not started:
            lead += b
            if len(lead) < 3:
                continue
            started = True
            b = lead[3:] if lead.startswith(b"\xef\xbb\xbf") else lead
            lead = b""
            if not b:
                continue
        yield b
    if held:
        raise _FileError(
            "encoding", "the file is not UTF-8: it ends inside a multi-byte character; save it as UTF-8"
        )
    if lead:  # fewer than 3 bytes in all: no BOM
        yield lead


def _as_text(head: bytes, blocks: Iterable[bytes]) -> tuple[str, Iterator[str]]:
    """The text of ``head``, and an iterator over the text of ``blocks`` (bytes already checked by
    :func:`_decode`)."""
    dec = codecs.getincrementaldecoder("utf-8")("strict")

    def rest() -> Iterator[str]:
        for b in blocks:
            text = dec.decode(b)
            if text:
                yield text
        dec.decode(b"", final=True)

    return dec.decode(head), rest()


_SURR_QUICK_B = re.compile(rb"\\u[dD][89a-fA-F]")


def _check_surrogates(text: str) -> None:
    esc = find_lone_surrogate(text)
    if esc is not None:
        raise _FileError(
            "encoding",
            f"the JSON escape {esc} is a lone UTF-16 surrogate, which is no character and cannot be UTF-8; "
            "escape characters outside the BMP as a high+low surrogate pair, or write them as UTF-8",
        )


def _check_surrogates_bytes(data: bytes) -> None:
    if b"\\" in data and _SURR_QUICK_B.search(data) is not None:
        _check_surrogates(data.decode("utf-8"))


def _segments(blocks: Iterable, nl: Any = b"\n") -> Iterator:
    """Re-cut blocks (bytes, or text with ``nl="\n"``) at line breaks: each piece is whole lines
    (without the last line break), the final piece is what follows the last one. A JSON string or
    escape never spans a line break, and a line break is never inside a multi-byte character."""
    carry: list = []
    empty = nl[:0]
    for block in blocks:
        cut = block.rfind(nl)
        if cut < 0:
            carry.append(block)
            continue
        if carry:
            carry.append(block)
            block = empty.join(carry)
            cut = block.rfind(nl)
            carry = []
        rest = block[cut + 1 :]
        if rest:
            carry.append(rest)
        yield block[:cut]
    if carry:
        yield empty.join(carry)


def _check_surrogates_stream(blocks: Iterable[str]) -> None:
    for text in _segments(blocks, "\n"):
        _check_surrogates(text)


_BROKEN_ARRAY = (
    "it starts with '[' but is not one JSON value ({where}); a top-level array loads whole or not at "
    "all: fix or complete the array"
)
_NOT_ONE_VALUE = (
    "it is not one JSON value ({where}) and its first non-blank line is not a JSON value on its own; "
    "send one JSON object, an array of objects, or one object per line"
)


class _TextBuffer:
    """Incremental parsing of one JSON value that may span the whole file, over a stream of text
    blocks: values are parsed from a buffer that grows (geometrically, so a big value costs linear
    time) only while the text so far could still be the start of a valid value, and that drops what
    is done. A lone surrogate escape anywhere takes precedence over a syntax error."""

    def __init__(self, head: str, pos: int, it: Iterator[str], why: str):
        self.buf = head
        self.pos = pos
        self.it = it
        self.why = why
        self.eof = False
        self.dropped_lines = 0  # line breaks in text already dropped (for messages)

    def grow(self) -> bool:
        if self.eof:
            return False
        want = max(len(self.buf) - self.pos, READ_BLOCK)
        parts = [self.buf]
        got = 0
        for block in self.it:
            parts.append(block)
            got += len(block)
            if got >= want:
                break
        else:
            self.eof = True
        if got:
            self.buf = "".join(parts)
        return got > 0

    def skip_ws(self) -> None:
        while True:
            self.pos = _WS_MATCH(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self.grow():
                return

    def peek(self) -> str:
        if self.pos >= len(self.buf):
            raise self.malformed("Expecting ',' delimiter or ']'", self.pos)
        return self.buf[self.pos]

    def at_end(self) -> bool:
        self.skip_ws()
        return self.pos >= len(self.buf)

    def value(self) -> Any:
        """The JSON value at pos (after whitespace); pos moves past it."""
        self.skip_ws()
        while True:
            buf, pos = self.buf, self.pos
            if pos >= len(buf) and not self.grow():
                raise self.malformed("Expecting value", pos)
            try:
                val, end = scan_value(buf, pos)
            except JSONDecodeError as e:
                # an error well before the end of the text so far cannot be mended by more text;
                # an unterminated string or escape, or one near the end, may be
                definitive = e.pos < len(buf) - 8 and "Unterminated" not in e.msg and "escape" not in e.msg
                if not definitive and self.grow():
                    continue
                raise self.malformed(e.msg, e.pos) from None
            if end + 8 > len(buf) and self.grow():  # a number may go on in the next block
                continue
            self.pos = end
            return val

    def drop_done(self) -> None:
        """Forget the text before pos (an element boundary) once it is big, checking it first."""
        if self.pos > READ_BLOCK:
            _check_surrogates(self.buf[: self.pos])
            self.dropped_lines += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos :]
            self.pos = 0

    def check_rest(self) -> None:
        _check_surrogates(self.buf)

    def malformed(self, msg: str, at: int) -> _FileError:
        line = self.dropped_lines + self.buf.count("\n", 0, at) + 1
        col = at - self.buf.rfind("\n", 0, at)
        _check_surrogates_stream(chain((self.buf,), self.it))  # encoding anywhere takes precedence
        where = f"{msg} at line {line} column {col}"
        return _FileError("malformed_json", "the file is not JSON: " + self.why.format(where=where))


# --------------------------------------------------------------------------------------------------
# The run over one file


class _Run:
    def __init__(self, contract: Contract, source_key: str, sink: BinaryIO):
        self.contract = contract
        self.source_key = source_key
        self.sink = sink
        self.plans = plan_columns(contract)
        self.read_tops = {c.source[0] for c in contract.columns}
        self.reject_file = contract.on_error == "reject_file"
        self.n = 0  # records seen
        self.lines_seen = 0  # physical lines (NDJSON), for messages
        self.good = 0  # records that passed
        self.errors: list[dict] = []
        self.keys: set[str] = set()
        self.writer = None
        self._wq: queue.Queue | None = None  # row groups for the writer thread (see _write)
        self._wt: threading.Thread | None = None
        self._werr: BaseException | None = None
        self.schema = contract.arrow_schema()
        self.pending: list = []  # RecordBatches not yet written
        self.pending_rows = 0
        self.failed = False  # reject_file and an error seen: nothing more is built
        self.metadata: dict[str, str] = {}
        # a chunk being collected
        self.objs: list[dict] = []
        self.obj_idx: list[int] = []
        self.rec_errs: list[tuple[int, str, str]] = []

    # ---- format detection

    def run(self, blocks: Iterator[bytes]) -> None:
        it = iter(blocks)
        parts: list[bytes] = []
        j = -1
        for block in it:
            parts.append(block)
            k = len(block) - len(block.lstrip(_JSON_WS_B))
            if k < len(block):
                j = sum(len(p) for p in parts[:-1]) + k
                break
        head = b"".join(parts)
        if j < 0:
            return  # empty, or JSON whitespace only: zero records
        # (before j: ASCII whitespace only, so j is also the position in the text)
        if head[j : j + 1] == b"[":
            return self._array(*_as_text(head, it), j)
        # the first non-blank line: read on until its end
        nl = head.find(b"\n", j)
        if nl < 0:
            parts = [head]
            for nxt in it:
                parts.append(nxt)
                if b"\n" in nxt:
                    break
            head = b"".join(parts)
            nl = head.find(b"\n", j)
        first = head[j:] if nl < 0 else head[j:nl]
        try:
            loads(first.decode("utf-8"))
        except JSONDecodeError:
            return self._whole(*_as_text(head, it), j)
        self._lines(chain((head,), it))

    # ---- one JSON value

    def _whole(self, head: str, it: Iterator[str], start: int) -> None:
        """A file whose first non-blank line is not a JSON value: the whole file must be one value (a
        pretty-printed object, or a scalar record), else it is a file-level ``malformed_json``. The text
        is read only as far as needed to see that: a broken big file is not loaded whole."""
        tb = _TextBuffer(head, start, it, _NOT_ONE_VALUE)
        value = tb.value()
        if not tb.at_end():
            raise tb.malformed("Extra data", tb.pos)
        tb.check_rest()
        del tb
        self._record(value)
        self._flush()

    # ---- a top-level array, streamed element by element

    def _array(self, head: str, it: Iterator[str], start: int) -> None:
        """A file starting with ``[``: each element is a record, parsed and coerced as the text streams
        in (memory does not grow with the file). If the file turns out not to be one JSON value, it is
        a file-level ``malformed_json`` and whatever went to the sink is discarded."""
        tb = _TextBuffer(head, start + 1, it, _BROKEN_ARRAY)
        tb.skip_ws()
        if tb.peek() == "]":
            tb.pos += 1
        else:
            while True:
                self._record(tb.value())
                tb.skip_ws()
                c = tb.peek()
                if c == "]":
                    tb.pos += 1
                    break
                if c != ",":
                    raise tb.malformed("Expecting ',' delimiter", tb.pos)
                tb.pos += 1
                tb.skip_ws()
                tb.drop_done()
        if not tb.at_end():
            raise tb.malformed("Extra data", tb.pos)
        tb.check_rest()
        self._flush()

    # ---- one value per non-blank line

    def _lines(self, blocks: Iterable[bytes]) -> None:
        # runs of whole lines of about FAST_BLOCKS read blocks go to the fast path at a time (each
        # Arrow read has a fixed cost); each piece is checked for lone surrogates as it comes
        # and the fast path works on one run (in a thread of its own) while the next run is read and
        # cut, and the one before is applied: runs are applied strictly in order
        # The first run is one read block: the fast path's thread starts on it sooner.
        ndjson_warm_up(self)
        want = READ_BLOCK
        run: list[bytes] = []
        size = 0
        started = None  # (data, handle) of the run the fast path is working on
        for data in _segments(blocks):
            _check_surrogates_bytes(data)
            run.append(data)
            size += len(data) + 1
            if size >= want:
                started = self._line_run(b"\n".join(run), started)
                run, size = [], 0
                want = FAST_BLOCKS * READ_BLOCK
        if run:
            started = self._line_run(b"\n".join(run), started)
        if started is not None:
            self._line_run_apply(*started)
        self._flush()

    def _line_run(self, data: bytes, before: tuple | None) -> tuple:
        """Start ``data`` on the fast path, then apply the run ``before`` it; the new run's
        (data, handle) to apply next."""
        handle = ndjson_submit(self, data)  # vectorised fast path (lake_etl._fastpath)
        if before is not None:
            self._line_run_apply(*before)
        return data, handle

    def _line_run_apply(self, data: bytes, handle) -> None:
        if handle is None or ndjson_apply(self, data, handle) is None:  # else the row path:
            self._line_batch(data.decode("utf-8").split("\n"))

    def _line_batch(self, lines: list[str]) -> None:
        first_line = self.lines_seen + 1
        self.lines_seen += len(lines)
        for k, line in enumerate(lines):
            if not line.strip(_LINE_WS):
                continue
            idx = self.n
            self.n += 1
            self._line_record(line, first_line + k, idx)
            if len(self.objs) + len(self.rec_errs) >= CHUNK_RECORDS:
                self._flush()

    def _line_record(self, line: str, line_no: int, idx: int) -> bool:
        """One non-blank NDJSON line as record ``idx``: collected (True) when it is an object, else
        its record error noted."""
        try:
            v = loads(line)
        except JSONDecodeError as e:
            self.rec_errs.append(
                (
                    idx,
                    "malformed_json",
                    f"line {line_no} is not one JSON value ({e.msg} at column {e.colno}); "
                    "each non-blank line must hold exactly one JSON object",
                )
            )
            return False
        if type(v) is not dict:
            self.rec_errs.append((idx, "not_an_object", _not_object(v)))
            return False
        self.objs.append(v)
        self.obj_idx.append(idx)
        return True

    def _judge_lines(self, items: list[tuple[int, int, bytes]]):
        """The row path for scattered lines, all at once: ``items`` are (line number, record index,
        text) of non-blank lines, in order. Errors and keys are noted as :meth:`_line_batch` and
        :meth:`_flush` note them; the counts of records are the caller's. Returns the RecordBatch
        of the good records (None: none, or the run failed) and the positions (in ``items``) of its
        rows."""
        assert not self.objs and not self.rec_errs  # flushed by the caller: records stay in order
        pos = [k for k, (line_no, idx, raw) in enumerate(items)
               if self._line_record(raw.decode("utf-8"), line_no, idx)]
        batch, keep = self._judge()
        return batch, [pos[p] for p in keep]

    def _record(self, v: Any) -> None:
        idx = self.n
        self.n += 1
        if type(v) is dict:
            self.objs.append(v)
            self.obj_idx.append(idx)
        else:
            self.rec_errs.append((idx, "not_an_object", _not_object(v)))
        if len(self.objs) + len(self.rec_errs) >= CHUNK_RECORDS:
            self._flush()

    # ---- a chunk of records -> errors + Arrow

    def _flush(self) -> None:
        batch, _keep = self._judge()
        if batch is not None:
            self._add_batch(batch)

    def _judge(self):
        """Coerce the records collected so far: their errors noted (in record order), keys noted,
        counts kept; the good records' RecordBatch and their positions among the records
        collected (None and []: none, or the run failed)."""
        objs, obj_idx, rec_errs = self.objs, self.obj_idx, self.rec_errs
        if not objs and not rec_errs:
            return None, []
        self.objs, self.obj_idx, self.rec_errs = [], [], []
        for o in objs:
            self.keys.update(o)
        chunk: ChunkColumns = coerce_chunk(objs, self.plans)
        errs = [(i, -1, None, kind, msg) for i, kind, msg in rec_errs]
        names = [p.column.name for p in self.plans]
        errs.extend((obj_idx[pos], ci, names[ci], kind, msg) for pos, ci, kind, msg in chunk.errors)
        errs.sort(key=lambda e: (e[0], e[1]))
        self.errors.extend({"record": r, "field": f, "kind": k, "message": m} for r, _, f, k, m in errs)
        n_good = len(objs) - len(chunk.bad)
        self.good += n_good
        if self.reject_file and self.errors:
            self.failed = True
            self.pending, self.pending_rows = [], 0
        if self.failed or n_good == 0:
            return None, []
        import pyarrow as pa

        cols = chunk.columns
        if chunk.bad:
            keep = [p for p in range(len(objs)) if p not in chunk.bad]
            cols = [[c[p] for p in keep] for c in cols]
        else:
            keep = list(range(len(objs)))
        arrays = [pa.array(c, type=f.type) for c, f in zip(cols, self.schema, strict=True)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema), keep

    def _add_batch(self, batch) -> None:
        import pyarrow as pa

        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        while self.pending_rows >= ROW_GROUP_ROWS:
            table = pa.Table.from_batches(self.pending, schema=self.schema)
            self._write(table.slice(0, ROW_GROUP_ROWS))
            rest = table.slice(ROW_GROUP_ROWS)
            self.pending = rest.combine_chunks().to_batches() if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def _write(self, table) -> None:
        """Write one row group. With two or more CPUs, row groups are written by one writer thread
        (fed in order through a queue of one; pyarrow releases the GIL), while the next rows are
        parsed: the same writes in the same order, so the same bytes."""
        if self._wq is None and self._wt is None and (os.cpu_count() or 1) >= 2:
            self._wq = queue.Queue(maxsize=1)
            self._wt = threading.Thread(target=self._writer_loop, name="lake_etl_writer", daemon=True)
            self._wt.start()
        if self._wq is None:
            self._write_now(table)
            return
        if self._werr is not None:
            self._join_writer()  # raises the writer's error here
        self._wq.put(table)

    def _write_now(self, table) -> None:
        if self.writer is None:
            self.writer = open_parquet_writer(self.sink, self.schema, _dictionary_columns(table))
        self.writer.write_table(table.combine_chunks(), row_group_size=ROW_GROUP_ROWS)

    def _writer_loop(self) -> None:
        wq = self._wq
        while True:
            table = wq.get()
            if table is None:
                return
            if self._werr is None:
                try:
                    self._write_now(table)
                except BaseException as e:  # noqa: BLE001 - handed to the run's thread
                    self._werr = e

    def _join_writer(self) -> None:
        """Wait until every row group handed to the writer thread is written; its error, if any,
        is raised here."""
        if self._wt is not None:
            self._wq.put(None)
            self._wt.join()
        self._wt = None
        self._wq = None
        if self._werr is not None:
            err, self._werr = self._werr, None
            raise err

    def finish(self) -> bool:
        """Write what is pending; True when a complete Parquet file is in the sink."""
        import pyarrow as pa

        if not self.failed and self.pending_rows:
            self._write(pa.Table.from_batches(self.pending, schema=self.schema))
        self.pending, self.pending_rows = [], 0
        self._join_writer()
        if self.writer is not None and not self.failed:
            self.writer.add_key_value_metadata(self.metadata)
        self.close()
        return not self.failed and self.good > 0

    def close(self) -> None:
        try:
            self._join_writer()
        except BaseException:  # noqa: BLE001 - the run failed already: nothing of the sink is used
            pass
        if self.writer is not None:
            w, self.writer = self.writer, None
            w.close()


def open_parquet_writer(sink: BinaryIO, schema, use_dictionary):
    """``pyarrow.parquet.ParquetWriter(sink, schema, compression="snappy", version="2.6",
    write_statistics=True, use_dictionary=...)``, every other setting at that class's default,
    built on ``pyarrow._parquet`` directly: importing pyarrow.parquet imports pyarrow.fs and ssl
    (~20 ms per cold start) that writing to a file object never uses. The bytes are the same
    (tests/unit/test_writer_dictionary.py compares them)."""
    from pyarrow import _parquet

    return _parquet.ParquetWriter(
        sink,
        schema,
        version="2.6",
        compression="snappy",
        use_dictionary=use_dictionary,
        write_statistics=True,
        use_deprecated_int96_timestamps=False,
        compression_level=None,
        use_byte_stream_split=False,
        column_encoding=None,
        writer_engine_version="V2",
        data_page_version="1.0",
        use_compliant_nested_type=True,
        encryption_properties=None,
        write_batch_size=None,
        dictionary_pagesize_limit=None,
        store_schema=True,
        write_page_index=False,
        write_page_checksum=False,
        sorting_columns=None,
        store_decimal_as_integer=False,
        write_time_adjusted_to_utc=False,
        max_rows_per_page=None,
        bloom_filter_options=None,
        use_content_defined_chunking=False,
    )


DICT_SAMPLE = 4096  # rows of the first row group looked at per column


def _dictionary_columns(table) -> list[str]:
    """The Parquet leaf columns to dictionary-encode: those whose first :data:`DICT_SAMPLE` values
    (of the file's first row group; a list's elements) repeat, at most half of them distinct.
    Arrow's writer would otherwise try a dictionary on every column and give up only after 1 MiB
    of distinct values, on ids, timestamps, e-mail addresses: slower, and a larger file (their
    first values dictionary-encoded for nothing). Decided from the rows alone: the same bytes
    whichever way they were read. Columns with no values yet keep the dictionary."""
    import pyarrow as pa

    from . import _arrowc as pc

    names = []
    for fld in table.schema:
        col = table.column(fld.name).slice(0, DICT_SAMPLE)
        path = fld.name
        if pa.types.is_list(fld.type):
            col = pa.chunked_array(
                [pc.list_flatten(c) for c in col.chunks], type=fld.type.value_type
            )
            path = f"{fld.name}.list.element"
        present = len(col) - col.null_count
        if present == 0 or pc.count_distinct(col).as_py() * 2 <= present:
            names.append(path)
    return names


def _not_object(v: Any) -> str:
    return (
        f"the record is {describe(v)}, not a JSON object; every record must be an object whose keys "
        "the contract's columns read"
    )


# --------------------------------------------------------------------------------------------------
# Public API


_POOL_CHOSEN: list[bool] = []


def _choose_memory_pool() -> None:
    """Once per process, when pyarrow was imported before lake_etl (so the environment variable
    lake_etl sets came too late, see lake_etl/__init__.py) and the user chose no pool: pyarrow's
    own calls use jemalloc from here on (Arrow's C++ internals keep the pool chosen at load)."""
    if _POOL_CHOSEN:
        return
    _POOL_CHOSEN.append(True)
    import pyarrow as pa

    from . import _POOL_SET_HERE

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") and not _POOL_SET_HERE:
        return  # the user's choice
    if pa.default_memory_pool().backend_name == "jemalloc":
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowException):  # a build without jemalloc: keep the default
        pass


def transform(
    src: BinaryIO | bytes,
    contract: Contract,
    source_key: str,
    sink: BinaryIO,
    *,
    gzip: bool | None = None,
) -> FileResult:
    """Transform one raw file under one contract, streaming Parquet to ``sink``.

    ``sink`` holds a complete Parquet file only when ``wrote_parquet`` is True; otherwise the caller
    discards whatever is in it. ``gzip`` defaults to ``source_key`` ending in ``.gz`` (any case).
    """
    if gzip is None:
        gzip = source_key.lower().endswith(".gz")
    _choose_memory_pool()
    run = _Run(contract, source_key, sink)
    hasher = _Hasher()
    raw = _raw_blocks(src, hasher)
    blocks = _gunzip(raw) if gzip else raw
    try:
        run.run(_decode(blocks))
        # drain what detection did not need (the hash covers every byte)
        for _ in blocks:
            pass
    except _FileError as e:
        err = e
        if e.kind != "bad_compression":
            try:
                for _ in blocks:  # a later bad gzip stream takes precedence
                    pass
            except _FileError as e2:
                err = e2
        for _ in raw:
            pass
        run.failed = True
        run.close()
        return FileResult(
            records_in=None,
            records_written=0,
            errors=[{"record": None, "field": None, "kind": err.kind, "message": err.message}],
            fields_ignored=0,
            source_sha256=hasher.hexdigest(),
            wrote_parquet=False,
        )
    except BaseException:
        run.failed = True
        run.close()
        hasher.close()
        raise
    sha = hasher.hexdigest()
    # Provenance goes into the footer's key-value metadata, written at close: the source hash is only
    # known once the whole input has been read.
    run.metadata = {
        META_SOURCE_KEY: source_key,
        META_SOURCE_SHA: sha,
        META_CONTRACT_SHA: contract.sha256,
        META_VERSION: __version__,
    }
    wrote = run.finish()
    written = 0 if (run.reject_file and run.errors) else run.good
    return FileResult(
        records_in=run.n,
        records_written=written,
        errors=run.errors,
        fields_ignored=len(run.keys - run.read_tops),
        source_sha256=sha,
        wrote_parquet=wrote,
    )


def _dumps(doc: dict) -> bytes:
    return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def quarantine_report(result: FileResult, *, source_key: str, contract: Contract | None) -> bytes:
    """The quarantine report of design §3: sorted keys, 2-space indent, UTF-8 unescaped, one newline."""
    return _dumps(
        {
            "source": source_key,
            "source_sha256": result.source_sha256,
            "dataset": contract.dataset if contract else None,
            "version": contract.version if contract else None,
            "contract_sha256": contract.sha256 if contract else None,
            "lake_etl_version": __version__,
            "records_in": result.records_in if contract else None,
            "records_written": result.records_written,
            "errors": [
                {"record": e["record"], "field": e["field"], "kind": e["kind"], "message": e["message"]}
                for e in result.errors
            ],
        }
    )


def unrouted_report(unroutable: Unroutable, source_sha256: str) -> bytes:
    result = FileResult(
        records_in=None,
        records_written=0,
        errors=[{"record": None, "field": None, "kind": unroutable.kind, "message": unroutable.message}],
        source_sha256=source_sha256,
    )
    return quarantine_report(result, source_key=unroutable.key, contract=None)
