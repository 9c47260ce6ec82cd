"""Read a Parquet file's footer (its metadata) without reading its data.

A Parquet file ends with ``<footer (thrift FileMetaData)> <footer length: uint32 LE> "PAR1"`` and
starts with ``"PAR1"``. :func:`read_footer` asks a range reader for the last 8 bytes, then for the
footer, then for the first 4 bytes, and hands pyarrow a synthetic file ``PAR1 + footer + tail`` to
parse: three small reads per file, whatever its size (for S3: three ranged GETs, never the object).

pyarrow is imported inside the functions (``lakectl --help`` stays light).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

MAGIC = b"PAR1"
ENCRYPTED_MAGIC = b"PARE"
MIN_SIZE = 12  # "PAR1" + footer length + "PAR1" with an empty footer (and then still not valid)

RangeReader = Callable[[int, int], bytes]
"""``read(start, length) -> bytes``: exactly ``length`` bytes from offset ``start``."""


class FooterError(ValueError):
    """The object is not a readable Parquet file; the message says why (for a finding)."""


def read_footer(read: RangeReader, size: int, *, check_header: bool = True) -> Any:
    """The ``pyarrow.parquet.FileMetaData`` of a Parquet object of ``size`` bytes, read through ``read``.

    Raises :class:`FooterError` for anything that is not a complete, unencrypted Parquet file: too small,
    no magic at either end, a footer length beyond the object, a footer pyarrow cannot parse.
    Errors of ``read`` itself (network, permissions) propagate unchanged.
    """
    if size < MIN_SIZE:
        raise FooterError(f"{size} bytes: too small to be a Parquet file (no footer)")
    tail = read(size - 8, 8)
    if len(tail) != 8:
        raise FooterError(f"short read of the last 8 bytes ({len(tail)} bytes)")
    if tail[4:] == ENCRYPTED_MAGIC:
        raise FooterError("encrypted Parquet footer (PARE): cannot be checked, and Athena cannot read it")
    if tail[4:] != MAGIC:
        raise FooterError("no Parquet magic 'PAR1' at the end: not a Parquet file, or truncated")
    (length,) = struct.unpack("<I", tail[:4])
    if length == 0 or length > size - MIN_SIZE:
        raise FooterError(
            f"footer length {length} does not fit in a {size}-byte object: corrupt or truncated"
        )
    footer = read(size - 8 - length, length)
    if len(footer) != length:
        raise FooterError(f"short read of the footer ({len(footer)} of {length} bytes)")
    if check_header:
        head = read(0, 4)
        if head != MAGIC:
            raise FooterError("no Parquet magic 'PAR1' at the start: not a Parquet file, or corrupt")
    return parse_footer(footer + tail)


def parse_footer(footer_and_tail: bytes) -> Any:
    """Parse ``footer + length + "PAR1"`` (the end of a Parquet file) into ``FileMetaData``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(pa.BufferReader(MAGIC + footer_and_tail))
    except (OSError, pa.ArrowException, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise FooterError(f"unreadable Parquet footer: {first}") from None


def local_reader(path: str) -> tuple[RangeReader, int]:
    """A range reader over a local file (opened per read: no handle is kept) and the file's size."""
    import os

    size = os.path.getsize(path)

    def read(start: int, length: int) -> bytes:
        with open(path, "rb") as f:
            f.seek(start)
            return f.read(length)

    return read, size


def s3_reader(client: Any, bucket: str, key: str, size: int, *, etag: str | None = None) -> RangeReader:
    """A range reader over one S3 object: each call is one ``GetObject`` with a ``Range`` header.

    With ``etag`` every read carries ``If-Match``, so the pieces come from one version of the object
    (an object rewritten between reads fails with 412 instead of mixing two files).
    """

    def read(start: int, length: int) -> bytes:
        rng = f"bytes={start}-{start + length - 1}"
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key, "Range": rng}
        if etag:
            kwargs["IfMatch"] = etag
        resp = client.get_object(**kwargs)
        body = resp["Body"]
        try:
            return body.read()
        finally:
            body.close()

    return read


__all__ = ["FooterError", "RangeReader", "read_footer", "parse_footer", "local_reader", "s3_reader"]
