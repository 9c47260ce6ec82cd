"""Process one raw object against the dataset contracts: the core shared by the Lambda and replay.

For a raw key (relative to the raw root, URL-decoded) :func:`process_key`

1. routes it (:func:`lake_etl.keys.parse_raw_key`). A folder marker is ignored; a key outside the
   layout, or whose dataset has no contract, gets an unrouted report at
   ``quarantine/_unrouted/<key>.error.json`` (dataset, version, contract_sha256, records_in null);
2. for every *active* contract version of its dataset (or the one version named) transforms the
   raw bytes into a temporary file, then writes the curated Parquet and/or the quarantine report and
   removes the stale counterpart (design §3):

   ============================  =======================  ==============================
   outcome                       writes                   deletes
   ============================  =======================  ==============================
   passes (no errors)            curated Parquet          old quarantine report
   fails (errors, no Parquet)    quarantine report        old curated Parquet
   zero records, no errors       nothing                  both (the file has nothing to show)
   reject_record, some bad       Parquet and report       nothing: both stand
   ============================  =======================  ==============================

   Any outcome for a routed key also deletes an old unrouted report of that key (a contract for its
   dataset was added since). New objects are written before stale ones are deleted. Versions not
   processed (inactive, or not named) are left as they are. Nothing is ever deleted in raw.

It returns one entry per (raw file, version) in replay's per-file shape (design §6) plus what the
handler's log line needs. ``replay`` adds two things the Lambda does not do: skipping what is up to
date (:func:`current_outcome`, decided from the outputs themselves) and a small manifest per
(file, version) under ``_lakectl/replay/`` (the only record of an ``empty`` outcome).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Container, Mapping
from typing import IO, Any

import lake_etl
from lake_etl import keys
from lake_etl.contract import Contract
from lake_etl.stores import RangeFile, Store

_CHUNK = 1024 * 1024
_SPOOL_MAX = 8 * 1024 * 1024

MANIFEST_PREFIX = "_lakectl/replay/"

# Entry statuses (design §6).
WRITTEN = "written"
SKIPPED = "skipped"
QUARANTINED = "quarantined"
EMPTY = "empty"
FAILED = "failed"
PLANNED = "planned"

Contracts = Mapping[str, Mapping[int, Contract]]


def select_versions(contracts: Contracts, dataset: str, version: int | None = None) -> list[Contract]:
    """The contract versions a raw file of ``dataset`` is written for: every active one, or ``version``.

    A named version is used even when inactive; a named version the dataset lacks gives ``[]``.
    """
    versions = contracts.get(dataset, {})
    if version is not None:
        return [versions[version]] if version in versions else []
    return [c for _, c in sorted(versions.items()) if c.active]


def manifest_key(dataset: str, version: int, dt: str, file: str) -> str:
    """Replay's bookkeeping for one (file, version): outside every table prefix (design §3)."""
    return f"{MANIFEST_PREFIX}{dataset}/v{int(version)}/dt={dt}/{file}.json"


def route(key: str, contracts: Contracts) -> keys.RawKey | keys.Unroutable | None:
    """``parse_raw_key`` plus the dataset check: an unknown dataset is ``Unroutable("unknown_dataset")``."""
    rk = keys.parse_raw_key(key)
    if isinstance(rk, keys.RawKey) and rk.dataset not in contracts:
        known = ", ".join(sorted(contracts)) or "none"
        return keys.Unroutable(
            key=key,
            kind="unknown_dataset",
            message=(
                f"dataset {rk.dataset!r} has no contract (known: {known}); add "
                f"contracts/datasets/{rk.dataset}/v1.json or upload under a known dataset"
            ),
        )
    return rk


# ------------------------------------------------------------------------------------------ raw bytes


class RawFile:
    """The raw object's bytes, readable several times (once per version), and their sha256.

    A seekable source (a local file) is hashed in one pass and rewound; a stream (an S3 body) is
    copied once into a spooled temporary file (memory up to 8 MiB, then disk) while hashed.
    """

    def __init__(self, store: Store, key: str) -> None:
        self.key = key
        src = store.open(key)
        h = hashlib.sha256()
        size = 0
        try:
            seekable = False
            try:
                seekable = src.seekable()
            except (AttributeError, OSError, ValueError):
                seekable = False
            if seekable:
                self._f: IO[bytes] = src
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    size += len(chunk)
            else:
                spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)
                try:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        size += len(chunk)
                        spool.write(chunk)
                finally:
                    src.close()
                self._f = spool  # type: ignore[assignment]
        except BaseException:
            src.close()
            raise
        self.sha256 = h.hexdigest()
        self.size = size

    def reader(self) -> IO[bytes]:
        self._f.seek(0)
        return self._f

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> RawFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------- what already stands


def parquet_provenance(store: Store, key: str) -> dict[str, Any] | None:
    """The provenance metadata and row count of a curated Parquet, read from its footer only.

    None when the object is absent; ``{"valid": False}`` when it is not a readable Parquet file.
    """
    import pyarrow.parquet as pq

    from lake_etl.stores import ObjectMissing

    try:
        f = RangeFile(store, key)
    except ObjectMissing:
        return None
    try:
        md = pq.read_metadata(f)
    except Exception:  # not Parquet (or truncated): stale, rewrite it
        return {"valid": False}
    kv = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in (md.metadata or {}).items()}
    return {
        "valid": True,
        "num_rows": md.num_rows,
        "source_key": kv.get("lakectl.source_key"),
        "source_sha256": kv.get("lakectl.source_sha256"),
        "contract_sha256": kv.get("lakectl.contract_sha256"),
        "lake_etl_version": kv.get("lakectl.lake_etl_version"),
    }


def _read_json(store: Store, key: str) -> dict[str, Any] | None:
    """A small JSON object, None when absent; ``{}`` when it is not a JSON object (stale)."""
    from lake_etl.stores import ObjectMissing

    try:
        data = store.read_bytes(key)
    except ObjectMissing:
        return None
    try:
        doc = json.loads(data)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _matches(doc: Mapping[str, Any], source: str, source_sha256: str, contract: Contract) -> bool:
    return (
        doc.get("source_sha256") == source_sha256
        and doc.get("contract_sha256") == contract.sha256
        and doc.get("lake_etl_version") == lake_etl.__version__
        and doc.get("source_key", doc.get("source")) == source
    )


def current_outcome(
    curated: Store,
    rk: keys.RawKey,
    contract: Contract,
    source_sha256: str,
    known: Container[str] | None = None,
) -> dict[str, Any] | None:
    """What replay would write for (rk, contract) if it already stands in ``curated``, else None.

    Up to date means: every output that stands carries this raw file's sha256, this contract's sha256
    and this lake_etl version (the Parquet footer's ``lakectl.*`` metadata, the report's fields); the
    outputs that stand are the ones the outcome needs (a matching manifest says which; without one,
    e.g. for outputs the Lambda wrote, any consistent set of outputs does); no unrouted report of the
    key remains. An ``empty`` outcome has no output, so only its manifest can show it is current.

    ``known`` (the curated keys listed once by the caller) spares a request for every key not in it.
    """

    def absent(key: str) -> bool:
        return known is not None and key not in known

    ckey = keys.curated_key(rk.dataset, contract.version, rk.dt, rk.file)
    qkey = keys.quarantine_key(rk.dataset, contract.version, rk.dt, rk.file)
    mkey = manifest_key(rk.dataset, contract.version, rk.dt, rk.file)
    m = None if absent(mkey) else _read_json(curated, mkey)
    if m is not None and not _matches(m, rk.key, source_sha256, contract):
        m = None
    p = None if absent(ckey) else parquet_provenance(curated, ckey)
    if p is not None and not (p["valid"] and _matches(p, rk.key, source_sha256, contract)):
        return None
    q = None if absent(qkey) else _read_json(curated, qkey)
    if q is not None and not _matches(q, rk.key, source_sha256, contract):
        return None
    if p is not None and q is not None and q.get("records_written") != p["num_rows"]:
        return None
    if m is not None:
        want_p = (m.get("records_written") or 0) > 0
        want_q = (m.get("errors") or 0) > 0
        if (p is not None) != want_p or (q is not None) != want_q:
            return None
    elif p is None and q is None:
        return None
    ukey = keys.unrouted_key(rk.key)
    if not absent(ukey) and curated.exists(ukey):
        return None
    errors = q.get("errors") if q is not None else []
    if m is not None:
        records_in = m.get("records_in")
    elif q is not None:
        records_in = q.get("records_in")
    else:
        records_in = p["num_rows"] if p is not None else 0
    return {
        "output": ckey if p is not None else (qkey if q is not None else None),
        "quarantine": qkey if q is not None else None,
        "records_in": records_in,
        "records_written": p["num_rows"] if p is not None else 0,
        "fields_ignored": m.get("fields_ignored") if m is not None else None,
        "errors": len(errors) if isinstance(errors, list) else 0,
    }


# ---------------------------------------------------------------------------------------- processing


def _entry(
    source: str,
    dataset: str | None,
    version: int | None,
    status: str,
    *,
    output: str | None = None,
    quarantine: str | None = None,
    records_in: int | None = None,
    records_written: int | None = None,
    fields_ignored: int | None = None,
    errors: int = 0,
    started: float | None = None,
) -> dict[str, Any]:
    return {
        "source": source,
        "dataset": dataset,
        "version": version,
        "status": status,
        "output": output,
        "quarantine": quarantine,
        "records_in": records_in,
        "records_written": records_written,
        "fields_ignored": fields_ignored,
        "errors": errors,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else 0.0,
    }


def _process_unroutable(
    raw: Store,
    curated: Store,
    unroutable: keys.Unroutable,
    *,
    skip_current: bool,
    dry_run: bool,
    known: Container[str] | None = None,
) -> dict[str, Any]:
    from lake_etl import transform

    started = time.perf_counter()
    ukey = keys.unrouted_key(unroutable.key)
    with RawFile(raw, unroutable.key) as rf:
        report = transform.unrouted_report(unroutable, rf.sha256)
    common = {"output": ukey, "quarantine": ukey, "records_in": None, "records_written": 0, "errors": 1}
    if skip_current and not (known is not None and ukey not in known):
        from lake_etl.stores import ObjectMissing

        try:
            if curated.read_bytes(ukey) == report:
                return _entry(unroutable.key, None, None, SKIPPED, started=started, **common)
        except ObjectMissing:
            pass
    if dry_run:
        return _entry(unroutable.key, None, None, PLANNED, output=ukey, started=started)
    curated.put_bytes(ukey, report)
    return _entry(unroutable.key, None, None, QUARANTINED, started=started, **common)


def _manifest(rk: keys.RawKey, source_sha256: str, contract: Contract, e: Mapping[str, Any]) -> bytes:
    doc = {
        "source": rk.key,
        "source_sha256": source_sha256,
        "contract_sha256": contract.sha256,
        "lake_etl_version": lake_etl.__version__,
        "dataset": rk.dataset,
        "version": contract.version,
        "status": e["status"],
        "records_in": e["records_in"],
        "records_written": e["records_written"],
        "fields_ignored": e["fields_ignored"],
        "errors": e["errors"],
    }
    return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _process_version(
    rf: RawFile,
    curated: Store,
    rk: keys.RawKey,
    contract: Contract,
    *,
    skip_current: bool,
    dry_run: bool,
    manifests: bool,
    known: Container[str] | None = None,
) -> dict[str, Any]:
    from lake_etl import transform

    started = time.perf_counter()
    ckey = keys.curated_key(rk.dataset, contract.version, rk.dt, rk.file)
    qkey = keys.quarantine_key(rk.dataset, contract.version, rk.dt, rk.file)
    if skip_current:
        cur = current_outcome(curated, rk, contract, rf.sha256, known)
        if cur is not None:
            return _entry(rk.key, rk.dataset, contract.version, SKIPPED, started=started, **cur)
    if dry_run:
        return _entry(rk.key, rk.dataset, contract.version, PLANNED, output=ckey, started=started)

    with tempfile.TemporaryFile() as sink:
        result = transform.transform(rf.reader(), contract, rk.key, sink, gzip=rk.gzip)
        errors = len(result.errors)
        if result.wrote_parquet:
            sink.flush()
            sink.seek(0)
            curated.put_file(ckey, sink)
    if errors:
        report = transform.quarantine_report(result, source_key=rk.key, contract=contract)
        curated.put_bytes(qkey, report)
        if not result.wrote_parquet:
            curated.delete(ckey)  # fails: the old curated object is stale
        status = QUARANTINED
    elif result.wrote_parquet:
        curated.delete(qkey)  # passes: the old quarantine report is stale
        status = WRITTEN
    elif not result.records_in:
        curated.delete(ckey)  # zero records: nothing to show, neither side stands
        curated.delete(qkey)
        status = EMPTY
    else:  # records but neither Parquet nor errors: a transform bug, never silently drop records
        raise RuntimeError(
            f"transform of {rk.key} (v{contract.version}) read {result.records_in} records, "
            "wrote no Parquet and reported no error"
        )
    entry = _entry(
        rk.key,
        rk.dataset,
        contract.version,
        status,
        output=ckey if result.wrote_parquet else (qkey if errors else None),
        quarantine=qkey if errors else None,
        records_in=result.records_in,
        records_written=result.records_written,
        fields_ignored=result.fields_ignored,
        errors=errors,
        started=started,
    )
    if manifests:
        curated.put_bytes(manifest_key(rk.dataset, contract.version, rk.dt, rk.file),
                          _manifest(rk, rf.sha256, contract, entry))
    return entry


def process_key(
    raw: Store,
    curated: Store,
    key: str,
    contracts: Contracts,
    *,
    version: int | None = None,
    skip_current: bool = False,
    dry_run: bool = False,
    manifests: bool = False,
    known: Container[str] | None = None,
) -> list[dict[str, Any]]:
    """Process raw ``key`` for every active contract version (or ``version``); one entry per version.

    ``skip_current`` (replay without ``--force``) reports what is already up to date as ``skipped``
    and writes nothing for it; ``dry_run`` writes nothing at all (``planned``); ``manifests`` keeps
    replay's bookkeeping under ``_lakectl/replay/``; ``known`` is the set of curated keys replay
    listed up front (skip checks then ask only about keys that exist). The Lambda uses none of them.

    Raises :class:`lake_etl.stores.ObjectMissing` when the raw object does not exist, and lets every
    other store error propagate (infrastructure). Bad data never raises: it is quarantined.
    """
    routed = route(key, contracts)
    if routed is None:
        return []
    if isinstance(routed, keys.Unroutable):
        return [_process_unroutable(raw, curated, routed, skip_current=skip_current, dry_run=dry_run,
                                    known=known)]
    chosen = select_versions(contracts, routed.dataset, version)
    if not chosen and version is None:  # every version inactive: report it, never drop the upload
        inactive = ", ".join(f"v{n}" for n in sorted(contracts[routed.dataset]))
        return [_process_unroutable(raw, curated, keys.Unroutable(
            key=key, kind="unknown_dataset",
            message=(f"dataset {routed.dataset!r} has no active contract version ({inactive} inactive); set "
                     f'"active": true on the version to write, or replay with --contract-version N'),
        ), skip_current=skip_current, dry_run=dry_run, known=known)]
    if not chosen:
        return []
    entries: list[dict[str, Any]] = []
    with RawFile(raw, key) as rf:
        for contract in chosen:
            entries.append(
                _process_version(
                    rf, curated, routed, contract,
                    skip_current=skip_current, dry_run=dry_run, manifests=manifests, known=known,
                )
            )
    if not dry_run and any(e["status"] != SKIPPED for e in entries):
        curated.delete(keys.unrouted_key(key))  # its dataset has a contract now
    return entries


__all__ = [
    "process_key",
    "route",
    "select_versions",
    "current_outcome",
    "parquet_provenance",
    "manifest_key",
    "RawFile",
    "WRITTEN",
    "SKIPPED",
    "QUARANTINED",
    "EMPTY",
    "FAILED",
    "PLANNED",
]
