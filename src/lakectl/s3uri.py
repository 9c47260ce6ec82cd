"""Where a bucket root lives: ``s3://bucket[/prefix]`` or a local directory that mirrors its keys.

Shared by ``replay`` and ``verify`` (design §3: ``--raw`` and ``--curated`` name a bucket root or a
local directory). Pure: no boto3 here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from lakectl.errors import UsageError

# S3 bucket naming rules (general purpose buckets): 3-63 chars, lower-case letters, digits, dots and
# hyphens, starting and ending with a letter or digit. Validated loosely beyond that (AWS decides).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]\Z")

S3Location = tuple[Literal["s3"], str, str]
LocalLocation = tuple[Literal["local"], Path]


def parse_location(uri: str, *, option: str = "location") -> S3Location | LocalLocation:
    """``s3://bucket`` / ``s3://bucket/prefix/`` -> ``("s3", bucket, prefix)``; a path -> ``("local", Path)``.

    ``prefix`` is ``""`` for a bucket root, otherwise it ends in ``/`` (``s3://b/some/root`` and
    ``s3://b/some/root/`` are the same root). Any other scheme (``s3a://``, ``https://``), an empty
    value or an invalid bucket name is a :class:`UsageError` (exit 2) naming ``option``.
    A local path is returned as given (``Path(uri)``, ``~`` expanded); whether it exists is the
    caller's business (a curated directory may be created, a raw directory must exist).
    """
    if uri is None or not str(uri).strip():
        raise UsageError(f"{option}: empty value; give s3://BUCKET or a local directory")
    uri = str(uri).strip()
    lowered = uri.lower()
    if lowered.startswith("s3://"):
        rest = uri[5:]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise UsageError(f"{option}: {uri!r} names no bucket; write s3://BUCKET or s3://BUCKET/PREFIX")
        if not _BUCKET.match(bucket) or ".." in bucket:
            raise UsageError(
                f"{option}: {bucket!r} is not a valid S3 bucket name (3-63 lower-case letters, digits, "
                "dots and hyphens)"
            )
        prefix = prefix.lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        if "//" in prefix:
            raise UsageError(f"{option}: {uri!r} has an empty path segment")
        return ("s3", bucket, prefix)
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*)://", uri)
    if m:
        raise UsageError(
            f"{option}: unsupported scheme {m.group(1)}:// in {uri!r}; give s3://BUCKET or a local directory"
        )
    return ("local", Path(uri).expanduser())


def format_location(loc: S3Location | LocalLocation) -> str:
    """The inverse of :func:`parse_location`, for messages."""
    if loc[0] == "s3":
        return f"s3://{loc[1]}/{loc[2]}"
    return str(loc[1])


__all__ = ["parse_location", "format_location", "S3Location", "LocalLocation"]
