"""Raw key routing and output keys (design §3, data layout).

Keys here are relative to the raw root (or the curated root) and already URL-decoded.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

__all__ = [
    "RawKey",
    "Unroutable",
    "parse_raw_key",
    "curated_key",
    "quarantine_key",
    "unrouted_key",
    "ACCEPTED_EXTENSIONS",
]

RAW_PREFIX = "uploads"
ACCEPTED_EXTENSIONS = (".json", ".jsonl", ".ndjson")
LAYOUT = "uploads/<dataset>/<YYYY>/<MM>/<DD>/<file>"
_EXT_RE = re.compile(r"\.(json|jsonl|ndjson)(\.gz)?\Z", re.IGNORECASE)
_Y = re.compile(r"^[0-9]{4}\Z")
_MD = re.compile(r"^[0-9]{2}\Z")


@dataclass(frozen=True)
class RawKey:
    key: str
    dataset: str
    dt: str  # "YYYY-MM-DD", the ingestion date from the key
    file: str  # the whole file name, extension included
    gzip: bool


@dataclass(frozen=True)
class Unroutable:
    key: str
    kind: str  # "unroutable_key" | "unknown_dataset"
    message: str


def _unroutable(key: str, why: str) -> Unroutable:
    return Unroutable(
        key=key,
        kind="unroutable_key",
        message=f"raw key {key!r} {why}; upload it as {LAYOUT} with <file> ending in "
        f".json, .jsonl or .ndjson (optionally .gz)",
    )


def parse_raw_key(key: str) -> RawKey | Unroutable | None:
    """Route a raw key. None for a folder marker (a key ending in ``/``).

    Dataset existence is not checked here (the caller turns an unknown dataset into
    ``Unroutable(kind="unknown_dataset")``).
    """
    if key.endswith("/"):
        return None
    parts = key.split("/")
    if parts[0] != RAW_PREFIX:
        return _unroutable(key, f"is outside {RAW_PREFIX}/")
    if len(parts) < 6:
        return _unroutable(key, "does not have the layout's six parts")
    if len(parts) > 6:
        return _unroutable(key, "has folders below the day")
    _, dataset, yyyy, mm, dd, file = parts
    if not dataset:
        return _unroutable(key, "has an empty dataset name")
    if not (_Y.match(yyyy) and _MD.match(mm) and _MD.match(dd)):
        return _unroutable(key, f"has no YYYY/MM/DD date ({yyyy}/{mm}/{dd})")
    try:
        day = _dt.date(int(yyyy), int(mm), int(dd))
    except ValueError:
        return _unroutable(key, f"has {yyyy}/{mm}/{dd}, which is not a calendar date")
    if not _EXT_RE.search(file):
        return _unroutable(key, f"has a file name {file!r} without an accepted extension")
    if file.startswith(("_", ".")):
        # Its output <file>.parquet would be a hidden file that Athena (and Glue) skip: rows nobody
        # could query. Report it instead.
        return _unroutable(key, f"has a file name {file!r} starting with '_' or '.', which Athena skips")
    return RawKey(
        key=key,
        dataset=dataset,
        dt=day.isoformat(),
        file=file,
        gzip=file.lower().endswith(".gz"),
    )


def curated_key(dataset: str, version: int, dt: str, file: str) -> str:
    return f"datasets/{dataset}/v{int(version)}/dt={dt}/{file}.parquet"


def quarantine_key(dataset: str, version: int, dt: str, file: str) -> str:
    return f"quarantine/{dataset}/v{int(version)}/dt={dt}/{file}.error.json"


def unrouted_key(raw_key: str) -> str:
    return f"quarantine/_unrouted/{raw_key}.error.json"
