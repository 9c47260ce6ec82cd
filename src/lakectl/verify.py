"""``lakectl verify``: the curated Parquet vs its dataset contract (and vs the Glue table).

Reads only Parquet footers (:mod:`lakectl.parquet_footer`: three small ranged reads per object, never
the data) and compares every object under ``datasets/<dataset>/v<N>/`` with the contract's Arrow
schema (``lake_etl.contract``: the one type map the writer uses). It also reports what Athena would
trip over: objects under a table prefix that are not ``dt=YYYY-MM-DD/<name>.parquet``, a curated file
whose quarantine report says the same file wrote nothing (a stale pair), and, as warnings, missing
provenance and files written under another revision of the contract.

Finding codes (stable):

======  ========  =========  ==========================================================================
code    severity  contract   meaning
======  ========  =========  ==========================================================================
VER001  error     transform  object is not a readable Parquet file (random bytes, truncated, encrypted)
VER002  error     query      stray object under a table prefix: Athena reads it as table data
VER003  warning   query      hidden stray object (``_`` / ``.`` name) under a table prefix
VER004  error     transform  columns missing from / extra in the file
VER005  error     transform  same columns, different order
VER006  error     transform  a column's type differs (timestamp unit and time zone included)
VER007  error     transform  a non-nullable contract column is optional in the file
VER008  warning   transform  a nullable contract column is required in the file
VER009  error     transform  stale pair: curated file beside a quarantine report that wrote nothing
VER010  warning   transform  provenance metadata (``lakectl.*``) missing
VER011  warning   transform  written under another revision of the contract (contract_sha256 differs)
VER012  error     catalog    Glue table columns / partition keys / location differ from the contract
VER013  warning   catalog    no Glue table for the dataset version in the named database
VER014  warning   catalog    Glue check skipped: AWS not reachable
VER015  info      transform  no Parquet files under the dataset version's prefix
VER016  warning   transform  a folder under ``datasets/`` that no contract describes
======  ========  =========  ==========================================================================

boto3 and pyarrow are imported inside functions.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shlex
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lakectl.errors import IncompleteError, UsageError
from lakectl.findings import Finding, sort_findings, summarize
from lakectl.parquet_footer import FooterError, local_reader, read_footer, s3_reader
from lakectl.project import VERSION_RE, parse_contract_version
from lakectl.s3uri import parse_location

PROVENANCE_KEYS = (
    "lakectl.source_key",
    "lakectl.source_sha256",
    "lakectl.contract_sha256",
    "lakectl.lake_etl_version",
)
_DT_RE = re.compile(r"^dt=([0-9]{4}-[0-9]{2}-[0-9]{2})\Z")
_PARQUET = ".parquet"
_WORKERS = 16

Progress = Callable[[str], None]


# --------------------------------------------------------------------------------------------------
# Report


@dataclass
class TableStat:
    """What verify saw under one dataset version's prefix."""

    dataset: str
    version: int
    prefix: str
    objects: int = 0
    files: int = 0  # Parquet files whose footer was read
    rows: int = 0
    errors: int = 0
    warnings: int = 0


@dataclass
class VerifyReport:
    curated: str
    findings: list[Finding] = field(default_factory=list)
    tables: list[TableStat] = field(default_factory=list)
    # (dataset, version) -> that table's findings (for rendering; not part of the JSON)
    by_table: dict[tuple[str, int], list[Finding]] = field(default_factory=dict)

    @property
    def files_checked(self) -> int:
        return sum(t.files for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def summary(self) -> dict[str, Any]:
        return summarize(
            self.findings,
            files=self.files_checked,
            rows=self.rows,
            objects=sum(t.objects for t in self.tables),
            tables=len(self.tables),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "curated": self.curated,
            "findings": [f.to_json() for f in self.findings],
            "summary": self.summary(),
            "tables": [asdict(t) for t in self.tables],
        }


# --------------------------------------------------------------------------------------------------
# Stores: a local directory mirroring the bucket's keys, or an S3 bucket (root)


@dataclass(frozen=True)
class _Obj:
    key: str  # relative to the curated root
    size: int
    etag: str | None = None


class _LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = str(root)

    def list(self, prefix: str) -> list[_Obj]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        out: list[_Obj] = []
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                p = Path(dirpath) / name
                try:
                    size = p.stat().st_size
                except OSError:
                    continue
                out.append(_Obj(p.relative_to(self.root).as_posix(), size))
        return sorted(out, key=lambda o: o.key)

    def subdirs(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir())

    def reader(self, obj: _Obj):
        return local_reader(str(self.root / obj.key))[0]

    def read_small(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except OSError:
            return None

    def resource(self, key: str) -> str:
        return str(self.root / key)

    def rm(self, key: str, *, recursive: bool = False) -> str:
        return ("rm -r " if recursive else "rm ") + shlex.quote(str(self.root / key))

    def table_location(self, prefix: str) -> str | None:
        return None


class _S3Store:
    def __init__(self, client: Any, bucket: str, root: str) -> None:
        self.client = client
        self.bucket = bucket
        self.root = root  # "" or ends with "/"
        self.uri = f"s3://{bucket}" + (f"/{root}" if root else "")

    def list(self, prefix: str) -> list[_Obj]:
        out: list[_Obj] = []
        with _s3_errors(self.uri):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.root + prefix
            )
            for page in pages:
                for o in page.get("Contents", []):
                    out.append(_Obj(o["Key"][len(self.root):], int(o["Size"]), o.get("ETag")))
        return sorted(out, key=lambda o: o.key)

    def subdirs(self, prefix: str) -> list[str]:
        out: list[str] = []
        with _s3_errors(self.uri):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.root + prefix, Delimiter="/"
            )
            for page in pages:
                for cp in page.get("CommonPrefixes", []):
                    out.append(cp["Prefix"][len(self.root) + len(prefix):].rstrip("/"))
        return sorted(out)

    def reader(self, obj: _Obj):
        return s3_reader(self.client, self.bucket, self.root + obj.key, obj.size, etag=obj.etag)

    def read_small(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        with _s3_errors(self.uri):
            try:
                resp = self.client.get_object(Bucket=self.bucket, Key=self.root + key)
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            return resp["Body"].read()

    def resource(self, key: str) -> str:
        return f"{self.bucket}/{self.root}{key}"

    def rm(self, key: str, *, recursive: bool = False) -> str:
        flag = "--recursive " if recursive else ""
        return f"aws s3 rm {flag}{shlex.quote(f's3://{self.bucket}/{self.root}{key}')}"

    def table_location(self, prefix: str) -> str | None:
        return f"s3://{self.bucket}/{self.root}{prefix}"


class _s3_errors:
    """Map boto errors that mean "could not reach / not allowed" to IncompleteError (exit 3)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def __enter__(self) -> None:
        return None

    def __exit__(self, etype: Any, e: BaseException | None, tb: Any) -> bool:
        if e is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(e, ClientError):
            code = e.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                raise UsageError(f"--curated {self.uri}: the bucket does not exist") from None
            raise IncompleteError(f"cannot read {self.uri}: {code or e}") from None
        if isinstance(e, BotoCoreError):
            raise IncompleteError(f"cannot reach S3 for {self.uri}: {e}") from None
        return False


def _s3_client(service: str = "s3") -> Any:
    import boto3
    from botocore.config import Config

    cfg = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"},
                 max_pool_connections=_WORKERS)
    return boto3.client(service, config=cfg)


def open_store(curated: str, *, s3_client: Any = None) -> _LocalStore | _S3Store:
    loc = parse_location(curated, option="--curated")
    if loc[0] == "local":
        root = loc[1]
        if not root.is_dir():
            raise UsageError(f"--curated {root}: no such directory (give s3://BUCKET or a local directory)")
        return _LocalStore(root)
    _, bucket, prefix = loc
    return _S3Store(s3_client or _s3_client(), bucket, prefix)


# --------------------------------------------------------------------------------------------------
# Pure comparisons


def _describe(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_timestamp(t):
        return f"timestamp (unit {t.unit}, time zone {t.tz or 'none'})"
    return str(t)


def compare_schema(expected: Any, actual: Any) -> list[tuple[str, str, str]]:
    """Compare a file's Arrow schema with the contract's: ``[(code, severity, message)]``.

    Names and order (VER004/VER005), types including timestamp unit and time zone (VER006), and
    nullability (VER007: a non-nullable contract column must be required; VER008: the reverse).
    """
    import pyarrow as pa

    out: list[tuple[str, str, str]] = []
    exp_names = list(expected.names)
    act_names = list(actual.names)
    missing = [n for n in exp_names if n not in act_names]
    extra = [n for n in act_names if n not in exp_names]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("not in the contract " + ", ".join(extra))
        out.append(("VER004", "error", "columns differ from the contract: " + "; ".join(parts)))
    common_exp = [n for n in exp_names if n in act_names]
    common_act = [n for n in act_names if n in exp_names]
    if common_exp != common_act:
        out.append((
            "VER005", "error",
            f"column order differs: file has {', '.join(common_act)}; contract has {', '.join(common_exp)}",
        ))
    type_msgs: list[str] = []
    required_msgs: list[str] = []
    optional_msgs: list[str] = []
    for name in common_exp:
        ef = expected.field(name)
        af = actual.field(name)
        et, at = ef.type, af.type
        if not _same_type(et, at):
            if pa.types.is_timestamp(et) and pa.types.is_timestamp(at):
                what = []
                if et.unit != at.unit:
                    what.append(f"unit {at.unit} instead of {et.unit}")
                if (et.tz or None) != (at.tz or None):
                    what.append(f"time zone {at.tz or 'none'} instead of {et.tz or 'none'}")
                type_msgs.append(f"{name}: timestamp {' and '.join(what)}")
            else:
                type_msgs.append(f"{name}: {_describe(at)} in the file, the contract wants {_describe(et)}")
        if not ef.nullable and af.nullable:
            required_msgs.append(name)
        elif ef.nullable and not af.nullable:
            optional_msgs.append(name)
    if type_msgs:
        out.append(("VER006", "error", "column types differ from the contract: " + "; ".join(type_msgs)))
    if required_msgs:
        out.append((
            "VER007", "error",
            "non-nullable contract column(s) stored as optional (nullable) fields: "
            + ", ".join(required_msgs),
        ))
    if optional_msgs:
        out.append((
            "VER008", "warning",
            "nullable contract column(s) stored as required fields (readers cope; the writer did not use "
            "the contract's schema): " + ", ".join(optional_msgs),
        ))
    return out


def _same_type(a: Any, b: Any) -> bool:
    """Arrow type equality; list item names (``item`` / ``element``) do not matter, item nullability does."""
    import pyarrow as pa

    if pa.types.is_list(a) and pa.types.is_list(b):
        return a.value_field.nullable == b.value_field.nullable and _same_type(a.value_type, b.value_type)
    return a == b


def classify_key(rel: str) -> str:
    """A key relative to a table prefix: ``"parquet"`` (``dt=YYYY-MM-DD/<name>.parquet``),
    ``"marker"`` (a folder marker, ignored), ``"hidden"`` (a stray whose name starts with ``_`` or
    ``.``) or ``"stray"``."""
    if rel.endswith("/"):
        return "marker"
    parts = rel.split("/")
    name = parts[-1]
    if name.startswith(("_", ".")):
        return "hidden"
    if len(parts) != 2 or not name.endswith(_PARQUET) or len(name) == len(_PARQUET):
        return "stray"
    m = _DT_RE.match(parts[0])
    if not m:
        return "stray"
    try:
        _dt.date.fromisoformat(m.group(1))
    except ValueError:
        return "stray"
    return "parquet"


# --------------------------------------------------------------------------------------------------
# The check


def select_contracts(
    contracts: dict[str, dict[int, Any]], dataset: str | None, version: int | None
) -> list[Any]:
    """The contracts to check, sorted by dataset then version; unknown names are a UsageError."""
    if dataset is not None and dataset not in contracts:
        known = ", ".join(sorted(contracts)) or "none"
        raise UsageError(f"--dataset {dataset}: no contract for it (datasets with contracts: {known})")
    chosen = []
    for d in sorted(contracts):
        if dataset is not None and d != dataset:
            continue
        for v in sorted(contracts[d]):
            if version is None or v == version:
                chosen.append(contracts[d][v])
    if version is not None and not chosen:
        where = f"dataset {dataset}" if dataset else "any dataset"
        raise UsageError(f"--contract-version {version}: no contract v{version} for {where}")
    if not chosen:
        raise UsageError("no dataset contracts found (contracts/datasets/<dataset>/v<N>.json)")
    return chosen


def verify(
    curated: str,
    contracts: dict[str, dict[int, Any]],
    *,
    dataset: str | None = None,
    version: int | str | None = None,
    glue_database: str | None = None,
    s3_client: Any = None,
    glue_client: Any = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Check the curated bucket (or directory) ``curated`` against ``contracts`` (dataset -> version ->
    ``lake_etl.contract.Contract``). Raises UsageError (exit 2) / IncompleteError (exit 3)."""
    chosen = select_contracts(contracts, dataset, parse_contract_version(version))
    store = open_store(curated, s3_client=s3_client)
    report = VerifyReport(curated=store.uri)
    say = progress or (lambda _m: None)
    glue = _GlueCheck(glue_database, glue_client) if glue_database else None
    for contract in chosen:
        say(f"verify: {contract.dataset} v{contract.version} under {store.uri}")
        stat, findings = _check_table(store, contract, curated)
        if glue is not None:
            findings.extend(glue.check(contract, store.table_location(stat.prefix)))
        stat.errors = sum(f.severity == "error" for f in findings)
        stat.warnings = sum(f.severity == "warning" for f in findings)
        report.tables.append(stat)
        report.findings.extend(findings)
        report.by_table[(contract.dataset, contract.version)] = sort_findings(findings)
    if dataset is None and version is None:
        report.findings.extend(_uncontracted(store, contracts))
    report.findings = sort_findings(report.findings)
    return report


def _uncontracted(store: _LocalStore | _S3Store, contracts: dict[str, dict[int, Any]]) -> list[Finding]:
    """VER016: folders under ``datasets/`` that no contract file describes (no table reads them)."""
    out: list[Finding] = []
    for d in store.subdirs("datasets/"):
        versions = [None] if d not in contracts else [
            v for v in store.subdirs(f"datasets/{d}/")
            if not (VERSION_RE.match(v) and v.startswith("v") and int(v[1:]) in contracts[d])
        ]
        for v in versions:
            prefix = f"datasets/{d}/" + (f"{v}/" if v else "")
            out.append(Finding(
                code="VER016", severity="warning", contract="transform", resource=store.resource(prefix),
                message=(
                    f"{prefix}: no contract file describes it (contracts/datasets/{d}/"
                    f"{v + '.json' if v and v.startswith('v') else '<vN>.json'} is missing), so no Glue "
                    "table reads it: left over from a removed contract, or written by another project"
                ),
                fix=f"restore the contract, or remove the data: {store.rm(prefix, recursive=True)}",
            ))
    return out


def _replay_fix(curated: str, contract: Any, dts: Iterable[str] = ()) -> str:
    dts = sorted(set(dts))
    window = f" --since {dts[0]} --until {dts[-1]}" if dts else ""
    raw = "s3://RAW_BUCKET" if curated.lower().startswith("s3://") else "RAW_DIR"
    return (
        f"lakectl replay --raw {raw} --curated {curated} --dataset {contract.dataset} "
        f"--contract-version {contract.version}{window} --force"
    )


def _check_table(
    store: _LocalStore | _S3Store, contract: Any, curated: str
) -> tuple[TableStat, list[Finding]]:
    prefix = f"datasets/{contract.dataset}/v{contract.version}/"
    stat = TableStat(dataset=contract.dataset, version=contract.version, prefix=prefix)
    findings: list[Finding] = []
    objects = store.list(prefix)
    stat.objects = len(objects)
    parquet: list[_Obj] = []
    for obj in objects:
        rel = obj.key[len(prefix):]
        kind = classify_key(rel)
        if kind == "parquet":
            parquet.append(obj)
        elif kind == "hidden":
            findings.append(Finding(
                code="VER003", severity="warning", contract="query", resource=store.resource(obj.key),
                message=(
                    f"{obj.key}: a hidden object inside the table prefix of {contract.dataset} "
                    f"v{contract.version}; Athena skips names starting with _ or ., but tools that list "
                    "the prefix (crawlers, Spark, replay) may not: bookkeeping belongs outside datasets/"
                ),
                fix=store.rm(obj.key),
            ))
        elif kind == "stray":
            findings.append(Finding(
                code="VER002", severity="error", contract="query", resource=store.resource(obj.key),
                message=(
                    f"{obj.key}: not dt=YYYY-MM-DD/<name>.parquet, yet inside the table prefix of "
                    f"{contract.dataset} v{contract.version}: Athena reads every object there, so "
                    "queries on the table fail or return garbage"
                ),
                fix=store.rm(obj.key),
            ))
    expected = contract.arrow_schema()

    def footer(obj: _Obj) -> tuple[_Obj, Any]:
        try:
            return obj, read_footer(store.reader(obj), obj.size)
        except FooterError as e:
            return obj, e

    if isinstance(store, _S3Store) and len(parquet) > 1:
        with ThreadPoolExecutor(max_workers=min(_WORKERS, len(parquet))) as pool:
            with _s3_errors(store.uri):
                results = list(pool.map(footer, parquet))
    elif isinstance(store, _S3Store):
        with _s3_errors(store.uri):
            results = [footer(o) for o in parquet]
    else:
        results = [footer(o) for o in parquet]

    # Quarantine twins: one listing of the version's quarantine prefix.
    q_prefix = f"quarantine/{contract.dataset}/v{contract.version}/"
    q_keys = {o.key for o in store.list(q_prefix)} if parquet else set()

    for obj, md in results:
        dt = obj.key[len(prefix):].split("/")[0][3:]
        resource = store.resource(obj.key)
        if isinstance(md, FooterError):
            findings.append(Finding(
                code="VER001", severity="error", contract="transform", resource=resource,
                message=f"{obj.key}: not a readable Parquet file ({md}); Athena fails on the whole table",
                fix=f"{store.rm(obj.key)}; then {_replay_fix(curated, contract, [dt])}",
            ))
            continue
        stat.files += 1
        stat.rows += md.num_rows
        try:
            actual = md.schema.to_arrow_schema()
        except Exception as e:  # a footer pyarrow parses but cannot map to Arrow
            findings.append(Finding(
                code="VER001", severity="error", contract="transform", resource=resource,
                message=f"{obj.key}: Parquet schema cannot be mapped to Arrow ({e})",
                fix=f"{store.rm(obj.key)}; then {_replay_fix(curated, contract, [dt])}",
            ))
            continue
        for code, severity, msg in compare_schema(expected, actual):
            findings.append(Finding(
                code=code, severity=severity, contract="transform", resource=resource,  # type: ignore[arg-type]
                message=f"{obj.key}: {msg} (contract {contract.dataset} v{contract.version})",
                fix=(
                    "rewrite it from the raw file with the current contract: "
                    + _replay_fix(curated, contract, [dt])
                ),
            ))
        meta = {
            k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in (md.metadata or {}).items()
        }
        missing = [k for k in PROVENANCE_KEYS if not meta.get(k)]
        if missing:
            findings.append(Finding(
                code="VER010", severity="warning", contract="transform", resource=resource,
                message=(
                    f"{obj.key}: provenance metadata missing ({', '.join(missing)}): not written by "
                    "lake_etl, so it cannot be traced to its raw file"
                ),
                fix="rewrite it with lake_etl: " + _replay_fix(curated, contract, [dt]),
            ))
        sha = meta.get("lakectl.contract_sha256")
        if sha and sha != contract.sha256:
            findings.append(Finding(
                code="VER011", severity="warning", contract="transform", resource=resource,
                message=(
                    f"{obj.key}: written under another revision of contract {contract.dataset} "
                    f"v{contract.version} (contract_sha256 {sha[:12]}..., current {contract.sha256[:12]}...)"
                ),
                fix="rewrite it with the current contract: " + _replay_fix(curated, contract, [dt]),
            ))
        name = obj.key.rsplit("/", 1)[1][: -len(_PARQUET)]
        twin = f"{q_prefix}dt={dt}/{name}.error.json"
        if twin in q_keys:
            finding = _stale_pair(store, contract, curated, obj.key, twin, dt)
            if finding is not None:
                findings.append(finding)

    if not parquet:
        findings.append(Finding(
            code="VER015", severity="info", contract="transform",
            resource=store.resource(prefix),
            message=(
                f"no Parquet files under {prefix}: nothing to check for {contract.dataset} "
                f"v{contract.version}"
            ),
            fix=None,
        ))
    return stat, findings


def _stale_pair(
    store: _LocalStore | _S3Store, contract: Any, curated: str, key: str, twin: str, dt: str
) -> Finding | None:
    data = store.read_small(twin)
    if data is None:
        return None
    try:
        rep = json.loads(data)
    except ValueError:
        return None
    if not isinstance(rep, dict) or rep.get("records_written") != 0:
        return None  # reject_record: a partial write beside its report is expected
    source = rep.get("source")
    return Finding(
        code="VER009", severity="error", contract="transform", resource=store.resource(key),
        message=(
            f"{key}: stale pair: its quarantine report {twin} says this file wrote nothing"
            + (f" (source {source})" if source else "")
            + ", yet the Parquet file is still there and Athena reads it; one of the two is left over "
            "from an earlier run"
        ),
        fix="rewrite both sides from the raw file: " + _replay_fix(curated, contract, [dt]),
    )


class _GlueCheck:
    """Compare the Glue table ``<database>.<dataset>_v<N>`` with the contract (when AWS answers)."""

    def __init__(self, database: str, client: Any = None) -> None:
        self.database = database
        self.client = client
        self.unreachable: str | None = None
        self.reported = False

    def check(self, contract: Any, location: str | None) -> list[Finding]:
        from botocore.exceptions import BotoCoreError, ClientError
        from lake_etl.contract import glue_type

        table = f"{contract.dataset}_v{contract.version}"
        address = f'module.glue.aws_glue_catalog_table.this["{table}"]'
        resource = f"{self.database}.{table}"
        if self.unreachable is None:
            try:
                if self.client is None:
                    self.client = _s3_client("glue")
                resp = self.client.get_table(DatabaseName=self.database, Name=table)
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                if code == "EntityNotFoundException":
                    return [Finding(
                        code="VER013", severity="warning", contract="catalog", address=address,
                        resource=resource,
                        message=f"no Glue table {table} in database {self.database} for {contract.dataset} "
                        f"v{contract.version}: Athena cannot query it",
                        fix="the table comes from the glue module: `terraform -chdir=terraform plan "
                        "-out tfplan` then `terraform -chdir=terraform apply tfplan` "
                        f"(check --glue-database {self.database} is the stack's database)",
                    )]
                self.unreachable = f"{code or e}"
            except BotoCoreError as e:
                self.unreachable = str(e)
            else:
                return self._compare(resp["Table"], contract, glue_type, location, address, resource)
        if self.reported:
            return []
        self.reported = True
        return [Finding(
            code="VER014", severity="warning", contract="catalog", address=None, resource=self.database,
            message=f"Glue check skipped: cannot read database {self.database} ({self.unreachable})",
            fix="check the credentials and region (AWS_PROFILE, AWS_REGION), or drop --glue-database",
        )]

    @staticmethod
    def _compare(
        table: dict[str, Any],
        contract: Any,
        glue_type: Any,
        location: str | None,
        address: str,
        resource: str,
    ) -> list[Finding]:
        sd = table.get("StorageDescriptor") or {}

        def norm(t: str) -> str:
            return re.sub(r"\s+", "", str(t)).lower()

        actual = [(c.get("Name", "").lower(), norm(c.get("Type", ""))) for c in sd.get("Columns") or []]
        expected = [(c.name, norm(glue_type(c.type))) for c in contract.columns]
        problems: list[str] = []
        if actual != expected:
            a_map, e_map = dict(actual), dict(expected)
            missing = [n for n, _ in expected if n not in a_map]
            extra = [n for n, _ in actual if n not in e_map]
            types = [f"{n} {a_map[n]} (contract {t})" for n, t in expected if n in a_map and a_map[n] != t]
            if missing:
                problems.append("missing " + ", ".join(missing))
            if extra:
                problems.append("not in the contract " + ", ".join(extra))
            if types:
                problems.append("types " + "; ".join(types))
            if not (missing or extra or types):
                problems.append("column order " + ", ".join(n for n, _ in actual))
        parts = [
            (p.get("Name", "").lower(), norm(p.get("Type", ""))) for p in table.get("PartitionKeys") or []
        ]
        if parts != [("dt", "string")]:
            got = ", ".join(f"{n} {t}" for n, t in parts) or "none"
            problems.append(f"partition keys {got} (expected dt string)")
        if location is not None:
            got = str(sd.get("Location", "")).rstrip("/")
            if got != location.rstrip("/"):
                problems.append(f"location {got or 'none'} (expected {location})")
        if not problems:
            return []
        return [Finding(
            code="VER012", severity="error", contract="catalog", address=address, resource=resource,
            message=f"Glue table {resource} differs from contract {contract.dataset} v{contract.version}: "
            + "; ".join(problems),
            fix=(
                "Terraform builds the table from contracts/datasets/"
                f"{contract.dataset}/v{contract.version}.json: `terraform -chdir=terraform plan -out tfplan` "
                "then `terraform -chdir=terraform apply tfplan` put it back (a console edit or a crawler "
                "changed it)"
            ),
        )]


__all__ = [
    "VerifyReport",
    "TableStat",
    "verify",
    "compare_schema",
    "classify_key",
    "select_contracts",
    "open_store",
    "PROVENANCE_KEYS",
]
