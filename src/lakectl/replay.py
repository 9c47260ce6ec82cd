"""``lakectl replay``: run raw uploads through the very code the Lambda runs, idempotently.

Lists the raw root (``s3://bucket[/prefix]`` or a local directory mirroring one), selects keys
(``--dataset``, ``--since/--until`` on the key's date, ``--contract-version``) and hands each key to
:func:`lake_etl.process.process_key` - the Lambda's own core - in a pool of workers. What is already up
to date (the curated Parquet footer's ``lakectl.*`` provenance, the quarantine report's fields, or
for an ``empty`` outcome the manifest under ``_lakectl/replay/``) is ``skipped`` and not rewritten,
so a second run changes no byte. ``--force`` rewrites anyway; ``--dry-run`` writes nothing.

Finding codes (stable):

======  ========  =========  =======================================================================
code    severity  contract   meaning
======  ========  =========  =======================================================================
RPL001  error     transform  a file (for one contract version) is quarantined: bad records or file
RPL002  error     transform  a raw key could not be routed (outside the layout, or unknown dataset)
RPL003  error     transform  a file failed: an infrastructure error reading raw or writing curated
======  ========  =========  =======================================================================

Exit codes: 0; 1 when any selected file is quarantined (now, or by an earlier run whose output was
skipped as up to date); 3 when any file failed; 2 for bad flags, URIs or contracts.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shlex
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakectl.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, IncompleteError, UsageError
from lakectl.findings import Finding, sort_findings, summarize
from lakectl.project import load_project_contracts, parse_contract_version
from lakectl.s3uri import format_location, parse_location

_DAY_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
STATUSES = ("written", "skipped", "quarantined", "empty", "failed", "planned")
# The per-file fields of design §6, then replay's additions (errors: count; quarantine: report key).
ENTRY_FIELDS = ("source", "version", "status", "output", "records_in", "records_written", "fields_ignored",
                "dataset", "errors", "quarantine")


# ----------------------------------------------------------------------------------------- options


def parse_day(value: str | None, option: str) -> str | None:
    """``YYYY-MM-DD`` (a real calendar date) -> the same string; None -> None; else UsageError."""
    if value is None:
        return None
    v = value.strip()
    try:
        if not _DAY_RE.match(v):
            raise ValueError
        return _dt.date.fromisoformat(v).isoformat()
    except ValueError:
        raise UsageError(f"{option} {value!r}: write a calendar date as YYYY-MM-DD") from None


@dataclass
class ReplayOptions:
    raw: str
    curated: str
    project: Path = Path(".")
    dataset: str | None = None
    contract_version: int | None = None
    since: str | None = None
    until: str | None = None
    workers: int | None = None
    dry_run: bool = False
    force: bool = False
    executor: str = "auto"  # "auto" | "process" | "thread" | "inline"


@dataclass
class ReplayReport:
    raw: str
    curated: str
    files: list[dict[str, Any]]
    findings: list[Finding]
    workers: int
    executor: str
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f["status"] == status)

    def summary(self) -> dict[str, Any]:
        return summarize(
            self.findings,
            files=len(self.files),
            **{s: self.count(s) for s in STATUSES},
            records_in=sum(f["records_in"] or 0 for f in self.files),
            records_written=sum(f["records_written"] or 0 for f in self.files),
        )

    @property
    def exit_code(self) -> int:
        if any(f["status"] == "failed" for f in self.files):
            return EXIT_INCOMPLETE
        if any(f.severity == "error" for f in self.findings):
            return EXIT_FINDINGS
        return EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "curated": self.curated,
            "dry_run": self.dry_run,
            "files": self.files,
            "findings": [f.to_json() for f in self.findings],
            "summary": self.summary(),
        }


# ------------------------------------------------------------------------------------------ stores


def _s3_client(workers: int = 10) -> Any:
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=max(10, workers + 2))
    return boto3.client("s3", config=cfg)


def open_store(uri: str, option: str, *, must_exist: bool, client: Any = None) -> Any:
    """A :class:`lake_etl.stores.Store` for ``uri``. A local raw root must exist; a curated one is made."""
    from lake_etl.stores import LocalStore, S3Store

    loc = parse_location(uri, option=option)
    if loc[0] == "local":
        root = loc[1]
        if root.exists() and not root.is_dir():
            raise UsageError(f"{option} {root}: not a directory (give s3://BUCKET or a local directory)")
        if must_exist and not root.is_dir():
            raise UsageError(f"{option} {root}: no such directory (give s3://BUCKET or a local directory)")
        return LocalStore(root)
    _, bucket, prefix = loc
    return S3Store(client if client is not None else _s3_client(), bucket, prefix)


def _check_s3(store: Any, option: str) -> None:
    """Reach the bucket once up front: a missing bucket is exit 2, anything else AWS says is exit 3."""
    from lake_etl.stores import S3Store

    if not isinstance(store, S3Store):
        return
    try:
        store.client.head_bucket(Bucket=store.bucket)
    except Exception as e:
        raise _aws_error(e, f"{option} s3://{store.bucket}") from None


def _aws_error(e: BaseException, what: str) -> Exception:
    code = str(getattr(e, "response", {}).get("Error", {}).get("Code", "")) if hasattr(e, "response") else ""
    if code in ("NoSuchBucket", "404", "NotFound"):
        return UsageError(f"{what}: the bucket does not exist")
    if code:
        return IncompleteError(f"{what}: {code}: {e}")
    return IncompleteError(f"{what}: cannot reach S3: {e}")


# --------------------------------------------------------------------------------------------- work

# Per-process (or, with threads, shared) state of the workers: set once by _init_worker.
_W: dict[str, Any] = {}


def _init_worker(
    raw_spec: tuple[str, ...], curated_spec: tuple[str, ...], contracts: Any, version: int | None,
    skip_current: bool, dry_run: bool, workers: int, known: frozenset[str] | None = None,
) -> None:
    from lake_etl.stores import store_from_spec

    def factory() -> Any:
        return _s3_client(workers)

    client = None

    def shared() -> Any:  # one client per worker process, shared by its raw and curated stores
        nonlocal client
        if client is None:
            client = factory()
        return client

    _W.update(
        raw=store_from_spec(raw_spec, shared), curated=store_from_spec(curated_spec, shared),
        contracts=contracts, version=version, skip_current=skip_current, dry_run=dry_run, known=known,
    )


def _versions_for(key: str, contracts: Any, version: int | None) -> list[int | None]:
    from lake_etl import keys
    from lake_etl.process import route, select_versions

    routed = route(key, contracts)
    if isinstance(routed, keys.RawKey):
        return [c.version for c in select_versions(contracts, routed.dataset, version)]
    return [None]


def _work(key: str) -> list[dict[str, Any]]:
    """Process one raw key in a worker; an infrastructure error becomes ``failed`` entries."""
    from lake_etl.process import process_key

    try:
        return process_key(
            _W["raw"], _W["curated"], key, _W["contracts"], version=_W["version"],
            skip_current=_W["skip_current"], dry_run=_W["dry_run"], manifests=True, known=_W["known"],
        )
    except Exception as e:  # infrastructure (or a transform bug): report, never abort the whole replay
        message = f"{type(e).__name__}: {e}".strip()
        return [
            {"source": key, "version": v, "status": "failed", "output": None, "records_in": None,
             "records_written": None, "fields_ignored": None, "dataset": None, "errors": 0,
             "quarantine": None, "message": message}
            for v in _versions_for(key, _W["contracts"], _W["version"])
        ]


# ---------------------------------------------------------------------------------------- selection


def select_keys(
    all_keys: Iterable[str],
    contracts: Any,
    *,
    dataset: str | None,
    version: int | None,
    since: str | None,
    until: str | None,
) -> list[str]:
    """The raw keys this replay processes (design §5).

    Routed keys: their dataset matches ``--dataset``, their key date lies in ``[since, until]`` and
    their dataset has the named version (when one is named). Unroutable keys (outside the layout,
    unknown dataset) only without a date filter; with ``--dataset`` only those under
    ``uploads/<dataset>/``. Folder markers never.
    """
    from lake_etl import keys
    from lake_etl.process import route

    chosen = []
    for key in all_keys:
        routed = route(key, contracts)
        if routed is None:
            continue
        if isinstance(routed, keys.Unroutable):
            if since or until:
                continue
            if dataset is not None and key.split("/")[:2] != ["uploads", dataset]:
                continue
            chosen.append(key)
            continue
        if dataset is not None and routed.dataset != dataset:
            continue
        if (since and routed.dt < since) or (until and routed.dt > until):
            continue
        if version is not None and version not in contracts.get(routed.dataset, {}):
            continue
        chosen.append(key)
    return chosen


def _check_selection(contracts: Any, dataset: str | None, version: int | None) -> None:
    if dataset is not None and dataset not in contracts:
        known = ", ".join(sorted(contracts)) or "none"
        raise UsageError(f"--dataset {dataset!r}: no contract for it (known datasets: {known})")
    if version is not None:
        having = [d for d in ([dataset] if dataset else sorted(contracts)) if version in contracts[d]]
        if not having:
            where = f"dataset {dataset!r}" if dataset else "any dataset"
            raise UsageError(
                f"--contract-version {version}: no contracts/datasets/*/v{version}.json for {where}"
            )


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


# -------------------------------------------------------------------------------------------- replay


def replay(opts: ReplayOptions, progress: Callable[[int, int], None] | None = None) -> ReplayReport:
    """Run the replay; ``progress(done, total)`` is called as keys complete."""
    contracts = load_project_contracts(opts.project)
    _check_selection(contracts, opts.dataset, opts.contract_version)
    if opts.since and opts.until and opts.since > opts.until:
        raise UsageError(f"--since {opts.since} is after --until {opts.until}")
    workers = opts.workers if opts.workers is not None else default_workers()
    if workers < 1:
        raise UsageError(f"--workers {workers}: give at least 1")
    raw_loc = parse_location(opts.raw, option="--raw")
    cur_loc = parse_location(opts.curated, option="--curated")
    if _same_root(raw_loc, cur_loc):
        raise UsageError("--raw and --curated name the same place; the curated root must be another bucket "
                         "or directory (replay never writes in raw)")
    client = _s3_client(workers) if "s3" in (raw_loc[0], cur_loc[0]) else None
    raw = open_store(opts.raw, "--raw", must_exist=True, client=client)
    curated = open_store(opts.curated, "--curated", must_exist=False, client=client)
    _check_s3(raw, "--raw")
    _check_s3(curated, "--curated")
    try:
        all_keys = list(raw.list(""))
    except Exception as e:
        raise _aws_error(e, f"--raw {format_location(raw_loc)}") from None
    selected = select_keys(all_keys, contracts, dataset=opts.dataset, version=opts.contract_version,
                           since=opts.since, until=opts.until)

    known = _list_outputs(curated) if not opts.force else None
    args = (raw.spec(), curated.spec(), contracts, opts.contract_version, not opts.force, opts.dry_run,
            workers, known)
    mode = opts.executor
    if mode == "auto":
        # Measured (docs/replay.md): the transform is CPU-bound Python, so processes scale with cores
        # where threads do not; below a handful of files the pool costs more than it saves.
        mode = "inline" if workers == 1 or len(selected) < 4 else "process"
    entries: list[dict[str, Any]] = []
    total = len(selected)
    if mode == "inline":
        if progress:
            progress(0, total)
        _init_worker(*args)
        for i, key in enumerate(selected, 1):
            entries.extend(_work(key))
            if progress:
                progress(i, total)
    else:
        pool: Executor
        if mode == "process":
            import multiprocessing

            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_init_worker, initargs=args)
        else:
            _init_worker(*args)
            pool = ThreadPoolExecutor(max_workers=workers)
        with pool:
            futures = [pool.submit(_work, key) for key in selected]
            if progress:  # only now: the workers are forked, so no progress thread is copied into them
                progress(0, total)
            for i, fut in enumerate(as_completed(futures), 1):
                entries.extend(fut.result())
                if progress:
                    progress(i, total)
    files = sorted((_public(e) for e in entries),
                   key=lambda e: (e["source"], -1 if e["version"] is None else e["version"]))
    report = ReplayReport(
        raw=format_location(raw_loc), curated=format_location(cur_loc), files=files,
        findings=[], workers=workers, executor=mode, dry_run=opts.dry_run,
    )
    report.findings = sort_findings(_findings(report, curated, opts, contracts))
    if not selected:
        report.notes.append("no raw key matched the selection")
    return report


def _list_outputs(curated: Any) -> frozenset[str]:
    """Every curated key a skip check may ask about, listed once (a request saved per absent key)."""
    from lake_etl.process import MANIFEST_PREFIX

    try:
        return frozenset(k for prefix in ("datasets/", "quarantine/", MANIFEST_PREFIX)
                         for k in curated.list(prefix))
    except Exception as e:
        raise _aws_error(e, f"--curated {curated.uri()}") from None


def _same_root(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "s3":
        return a[1] == b[1] and (a[2].startswith(b[2]) or b[2].startswith(a[2]))
    pa, pb = Path(a[1]).resolve(), Path(b[1]).resolve()
    return pa == pb or pa in pb.parents or pb in pa.parents


def _public(e: dict[str, Any]) -> dict[str, Any]:
    out = {k: e.get(k) for k in ENTRY_FIELDS}
    if e.get("message"):
        out["message"] = e["message"]
    return out


def _findings(report: ReplayReport, curated: Any, opts: ReplayOptions, contracts: Any) -> list[Finding]:
    findings: list[Finding] = []
    raw_arg = shlex.quote(opts.raw)
    cur_arg = shlex.quote(opts.curated)
    for e in report.files:
        src = e["source"]
        if e["status"] == "failed":
            findings.append(Finding(
                code="RPL003", severity="error", contract="transform",
                resource=src, message=f"{src}: could not be processed: {e.get('message', 'unknown error')}",
                fix=(f"check access to the raw and curated locations, then re-run `lakectl replay "
                     f"--raw {raw_arg} --curated {cur_arg}`; files already up to date are skipped"),
            ))
            continue
        if e["status"] == "planned" and e["version"] is None:
            findings.append(Finding(
                code="RPL004", severity="warning", contract="transform", resource=src,
                message=f"{src}: raw key not routable; without --dry-run it gets an unrouted report",
                fix="upload it as uploads/<dataset>/<YYYY>/<MM>/<DD>/<name>.json|.jsonl|.ndjson "
                    "(optionally .gz) under a dataset that has an active contract",
            ))
            continue
        if not e["quarantine"]:
            continue
        rep = curated.uri(e["quarantine"])
        when = " (by an earlier run; the report is up to date)" if e["status"] == "skipped" else ""
        if e["version"] is None:
            parts = src.split("/")
            if len(parts) >= 2 and parts[0] == "uploads" and parts[1] and e.get("dataset") is None \
                    and _looks_routed_but_unknown(src):
                fix = (f"add contracts/datasets/{parts[1]}/v1.json for dataset {parts[1]!r} (then apply "
                       f"the stack so its Glue table exists, and replay), or upload the file under a "
                       f"dataset that has a contract")
            else:
                fix = ("upload the file again as "
                       "uploads/<dataset>/<YYYY>/<MM>/<DD>/<name>.json|.jsonl|.ndjson (optionally .gz), "
                       "then replay it; the report explains what is wrong with this key")
            findings.append(Finding(
                code="RPL002", severity="error", contract="transform", resource=rep,
                message=f"{src}: raw key not routed{when}; see the report {rep}", fix=fix,
            ))
            continue
        written = e["records_written"] or 0
        nxt = max(contracts.get(e["dataset"], {e["version"]: None})) + 1
        counts = (f"{e['errors']} error(s); {written} of {e['records_in']} records written"
                  if e["records_in"] is not None else f"{e['errors']} file-level error(s); nothing written")
        findings.append(Finding(
            code="RPL001", severity="error", contract="transform", resource=rep,
            message=f"{src} (v{e['version']}) quarantined{when}: {counts}",
            fix=(f"read {rep} (each error names the record and field); upload a corrected file under a "
                 f"new key (raw is never overwritten) or, if the data is right and the contract wrong, add "
                 f"contracts/datasets/{e['dataset']}/v{nxt}.json, apply the stack (its Glue table), and run "
                 f"`lakectl replay --raw {raw_arg} --curated {cur_arg} --dataset {e['dataset']} "
                 f"--contract-version {nxt}`"),
        ))
    return findings


def _looks_routed_but_unknown(key: str) -> bool:
    from lake_etl import keys

    return isinstance(keys.parse_raw_key(key), keys.RawKey)


__all__ = [
    "ReplayOptions",
    "ReplayReport",
    "replay",
    "select_keys",
    "parse_contract_version",
    "parse_day",
    "open_store",
    "default_workers",
]
