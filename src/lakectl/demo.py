"""``lakectl demo``: the embedded default, a local rehearsal of the whole data path (design §7).

Offline and under 30 s: function.zip built and checked (no layer: that needs PyPI) -> preflight ->
a moto server on 127.0.0.1 -> raw and curated buckets -> upload the bundled example files -> one S3
event per upload through the *local runner* (the Lambda's lake_etl code in a separate interpreter,
not the Lambda runtime) -> ``verify`` of the curated bucket -> the curated rows and the quarantine
reports. The server is always stopped, also on an error or Ctrl-C. Nothing is deployed, and the
output never says otherwise.

moto is in the ``local`` extra; without it the demo cannot run (IncompleteError, exit 3).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lakectl.errors import IncompleteError, LakectlError, UsageError
from lakectl.findings import Finding, summarize

RAW_BUCKET = "lakectl-demo-raw"
CURATED_BUCKET = "lakectl-demo-curated"
RAW_PREFIX = "uploads/"
REGION = "us-east-1"
SAMPLE_ROWS = 5
EVENT_WORKERS = 4

Progress = Callable[[str], None]


@dataclass
class Step:
    name: str
    status: str  # ok | skipped | failed
    detail: str


@dataclass
class DemoResult:
    steps: list[Step] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)  # {key, size, event_key}
    files: list[dict[str, Any]] = field(default_factory=list)  # the handler's per-file entries
    failed_events: list[dict[str, Any]] = field(default_factory=list)  # {key, returncode, log tail}
    findings: list[Finding] = field(default_factory=list)  # the artifact check's errors + verify's findings
    verify_summary: dict[str, Any] = field(default_factory=dict)
    tables: list[dict[str, Any]] = field(default_factory=list)  # {dataset, version, rows, files, ...}
    quarantine: list[dict[str, Any]] = field(default_factory=list)  # the reports, parsed
    preflight: dict[str, Any] | None = None
    endpoint: str | None = None
    server_stopped: bool = False
    runner_notice: str = ""
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        status = [f.get("status") for f in self.files]
        return summarize(
            self.findings,
            uploads=len(self.uploads),
            files=len(self.files),
            written=status.count("written"),
            quarantined=status.count("quarantined"),
            empty=status.count("empty"),
            failed=status.count("failed") + len(self.failed_events),
            rows=sum(t["rows"] for t in self.tables),
            quarantine_reports=len(self.quarantine),
            seconds=round(self.seconds, 2),
            deployed=False,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "summary": self.summary(),
            "steps": [asdict(s) for s in self.steps],
            "files": self.files,
            "failed_events": self.failed_events,
            "tables": self.tables,
            "quarantine": self.quarantine,
            "preflight": self.preflight,
            "uploads": self.uploads,
            "endpoint": self.endpoint,
            "server_stopped": self.server_stopped,
            "runner": self.runner_notice,
        }

    @property
    def exit_code(self) -> int:
        """0 when the rehearsal ran cleanly (its deliberate bad uploads are expected); 1 when it ran but
        the local runner failed on an event, a file ended ``failed``, or verify found errors in the
        curated output the ETL itself wrote."""
        s = self.summary()
        return 1 if (s["failed"] or s["errors"] or any(st.status == "failed" for st in self.steps)) else 0


# --------------------------------------------------------------------------------------------------
# Where things are


def examples_root(project: Path) -> Path:
    """The example uploads: ``<project>/examples/uploads``, else the shipped copy, else the checkout."""
    candidates = [project / "examples" / "uploads"]
    shipped = _shipped_root()
    if shipped is not None:
        candidates.append(shipped / "examples" / "uploads")
    candidates.append(_checkout_root() / "examples" / "uploads")
    for c in candidates:
        if c.is_dir():
            return c
    raise UsageError(
        "no example uploads found (looked in " + ", ".join(str(c) for c in candidates) + ")",
        hint="run lakectl demo in a lake project (lakectl new DIR) or pass --project DIR",
    )


def _checkout_root() -> Path:
    import lakectl

    return Path(lakectl.__file__).resolve().parents[2]


def _shipped_root() -> Path | None:
    """``lakectl.project.shipped_root()`` when it exists and finds the shipped project, else None."""
    try:
        from lakectl import project as _project
    except ImportError:
        return None
    shipped = getattr(_project, "shipped_root", None)
    if shipped is None:
        return None
    try:
        return Path(shipped())
    except (LakectlError, OSError):
        return None


def _shipped_stack(project: Path) -> Path:
    """The shipped stack (design §7: preflight runs on it), else the project's own."""
    shipped = _shipped_root()
    if shipped is not None and (shipped / "terraform").is_dir():
        return shipped / "terraform"
    for c in (project / "terraform", _checkout_root() / "terraform"):
        if c.is_dir():
            return c
    return project / "terraform"


def _contracts_dir(project: Path, examples: Path) -> Path:
    for c in (project / "contracts", examples.parent.parent / "contracts", _checkout_root() / "contracts"):
        if (c / "datasets").is_dir():
            return c
    raise UsageError(f"no contracts folder at {project / 'contracts'}", hint="pass --project DIR")


def _code_dir(project: Path) -> Path | None:
    """The project's own ``lambda/`` when it holds lake_etl (design §2), else the installed lake_etl."""
    lam = project / "lambda"
    return lam if (lam / "lake_etl" / "__init__.py").is_file() else None


# --------------------------------------------------------------------------------------------------
# The moto server and an environment that can only reach it


@contextmanager
def _env(values: dict[str, str | None]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class MotoServer:
    """A ``ThreadedMotoServer`` on 127.0.0.1 and a free port; :meth:`stop` also closes the socket."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise IncompleteError(
                "lakectl demo needs moto (the local AWS stand-in), which is not installed",
                hint="install lakectl[local]: pip install 'lakectl[local]'",
            ) from None
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint: str | None = None
        self.stopped = False

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        if self.stopped:
            return
        try:
            self._server.stop()
        finally:
            inner = getattr(self._server, "_server", None)
            if inner is not None:
                inner.server_close()  # shutdown() leaves the listening socket open
            self.stopped = True


def _clients(endpoint: str) -> tuple[Any, Any]:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    cfg = Config(retries={"max_attempts": 2, "mode": "standard"}, max_pool_connections=16)
    return (
        session.client("s3", endpoint_url=endpoint, config=cfg),
        session.client("glue", endpoint_url=endpoint, config=cfg),
    )


# --------------------------------------------------------------------------------------------------
# The rehearsal


def _artifact_step(result: DemoResult, project: Path, stack: Path | None, say: Progress) -> None:
    """Build function.zip (code + contracts) into a temporary folder and run the handler checks on it.

    The dependency layer needs PyPI (pyarrow for the Lambda's runtime), so the offline demo does not
    build it, and it never touches the project's own .lakectl/build.
    """
    import tempfile

    from lakectl.artifact import build
    from lakectl.errors import LakectlError

    say("demo: building the function artifact (code + contracts; the layer needs PyPI: lakectl build)")
    with tempfile.TemporaryDirectory(prefix="lakectl-demo-build-") as tmp:
        try:
            built = build(project, stack=stack, layer=False, build_dir=Path(tmp))
        except LakectlError as e:
            result.steps.append(Step("artifact build", "failed", f"function.zip: {e.message}"))
            return
    errors = [f for f in built.findings if f.severity == "error"]
    fn = next((a for a in built.artifacts if a.name == "function.zip"), None)
    detail = (
        f"function.zip {fn.size} bytes, sha256 {fn.sha256[:12]}..., handler {built.handler}: "
        f"{len(errors)} errors; layer not built offline (run lakectl build)"
        if fn
        else "function.zip was not built"
    )
    result.steps.append(Step("artifact build", "failed" if errors or fn is None else "ok", detail))
    result.findings.extend(errors)


def run_demo(
    project: Path, *, stack: Path | None = None, progress: Progress | None = None, verbose: bool = False
) -> DemoResult:
    """Run the rehearsal; raises IncompleteError (exit 3) when it cannot run (no moto, server fails)."""
    say = progress or (lambda _m: None)
    started = time.perf_counter()
    result = DemoResult()
    examples = examples_root(project)
    contracts_dir = _contracts_dir(project, examples)

    from lake_etl.contract import ContractError, load_contracts

    try:  # a broken contract fails every event: say so now, not after the rehearsal (exit 2)
        load_contracts(contracts_dir)
    except ContractError as e:
        raise UsageError(str(e)) from None
    # the artifact of the code the rehearsal runs: the lake project that holds these contracts
    _artifact_step(result, contracts_dir.parent, stack, say)

    _preflight_step(result, project, stack or _shipped_stack(project), say)

    server = MotoServer()  # raises before anything starts when moto is missing
    import logging

    werkzeug = logging.getLogger("werkzeug")  # moto's request log: one stderr line per request
    saved_level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)
    fake = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": None,
        "AWS_SECURITY_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    }
    try:
        with _env(fake):
            try:
                endpoint = server.start()
            except OSError as e:
                raise IncompleteError(f"could not start the moto server: {e}") from None
            result.endpoint = endpoint
            result.steps.append(Step("moto server", "ok", f"local AWS stand-in at {endpoint} (not AWS)"))
            say(f"demo: moto server at {endpoint}")
            with _env({"AWS_ENDPOINT_URL": endpoint}):
                _rehearse(result, examples, contracts_dir, project, endpoint, say, verbose)
    finally:
        server.stop()
        werkzeug.setLevel(saved_level)
        result.server_stopped = server.stopped
        say("demo: moto server stopped")
    result.steps.append(Step("stop server", "ok", f"moto server at {result.endpoint} stopped"))
    result.seconds = time.perf_counter() - started
    return result


def _preflight_step(result: DemoResult, project: Path, stack: Path, say: Progress) -> None:
    try:
        from lakectl.preflight import run_preflight
    except ImportError:
        result.steps.append(
            Step("preflight", "skipped", "lakectl.preflight is not available in this version")
        )
        return
    if not stack.is_dir():
        result.steps.append(Step("preflight", "skipped", f"no Terraform stack at {stack}"))
        return
    say(f"demo: preflight on {stack}")
    try:
        findings = run_preflight(project, stack)
    except Exception as e:  # the demo reports preflight, it does not depend on it
        result.steps.append(Step("preflight", "failed", f"preflight could not run: {e}"))
        return
    counts = summarize(findings)
    result.preflight = {"stack": str(stack), **counts, "codes": sorted({f.code for f in findings})}
    result.steps.append(Step(
        "preflight", "ok",
        f"{stack}: {counts['errors']} errors, {counts['warnings']} warnings, {counts['infos']} infos "
        "(shown, not gating the demo; run lakectl preflight for details)",
    ))


def _rehearse(
    result: DemoResult,
    examples: Path,
    contracts_dir: Path,
    project: Path,
    endpoint: str,
    say: Progress,
    verbose: bool = False,
) -> None:
    from lake_etl.contract import ContractError, load_contracts

    from lakectl import localrun
    from lakectl.verify import verify

    s3, _glue = _clients(endpoint)
    for b in (RAW_BUCKET, CURATED_BUCKET):
        s3.create_bucket(Bucket=b)
    result.steps.append(Step("buckets", "ok", f"created s3://{RAW_BUCKET} and s3://{CURATED_BUCKET} in moto"))

    # Upload every example file, keys relative to examples/uploads under the raw layout's prefix.
    files = sorted(p for p in examples.rglob("*") if p.is_file() and not p.name.startswith("."))
    uploads: list[tuple[str, dict[str, Any]]] = []
    for p in files:
        key = RAW_PREFIX + p.relative_to(examples).as_posix()
        body = p.read_bytes()
        resp = s3.put_object(Bucket=RAW_BUCKET, Key=key, Body=body)
        event = localrun.s3_event(RAW_BUCKET, [key])
        obj = event["Records"][0]["s3"]["object"]
        obj["size"] = len(body)
        obj["eTag"] = str(resp.get("ETag", "")).strip('"')
        if resp.get("VersionId"):
            obj["versionId"] = resp["VersionId"]
        uploads.append((key, event))
        result.uploads.append({"key": key, "size": len(body), "event_key": obj["key"]})
    result.steps.append(Step("upload", "ok", f"{len(uploads)} example files from {examples} to s3://{RAW_BUCKET}"))
    say(f"demo: uploaded {len(uploads)} example files")

    # One S3 event per upload through the local runner (a separate interpreter each).
    code_dir = _code_dir(project)
    say(f"demo: running {len(uploads)} S3 events through the local runner (separate interpreters)")

    def run(item: tuple[str, dict[str, Any]]) -> tuple[str, Any]:
        key, event = item
        return key, localrun.run_event(
            event, curated_bucket=CURATED_BUCKET, contracts_dir=contracts_dir, endpoint_url=endpoint,
            code_dir=code_dir, timeout=120,
        )

    with ThreadPoolExecutor(max_workers=EVENT_WORKERS) as pool:
        runs = list(pool.map(run, uploads))
    for key, lr in runs:
        result.runner_notice = lr.notice or result.runner_notice
        if verbose:
            for line in lr.logs:
                say(f"  [{key}] {line}")
        if lr.ok:
            result.files.extend(lr.result.get("files", []))
        else:
            result.failed_events.append({
                "key": key, "returncode": lr.returncode, "log_tail": lr.logs[-15:],
            })
    result.files.sort(key=lambda f: (str(f.get("source")), f.get("version") or 0))
    ok_events = len(runs) - len(result.failed_events)
    result.steps.append(Step(
        "local runner", "ok" if not result.failed_events else "failed",
        f"{ok_events} of {len(runs)} events handled by lake_etl.handler.lambda_handler: "
        + (result.runner_notice or "a separate local interpreter, not the AWS Lambda runtime"),
    ))

    # Verify what the ETL wrote.
    try:
        contracts = load_contracts(contracts_dir)
    except ContractError as e:
        raise UsageError(str(e)) from None
    say("demo: verifying the curated bucket (Parquet footers vs contracts)")
    report = verify(f"s3://{CURATED_BUCKET}", contracts, s3_client=s3)
    result.findings.extend(report.findings)
    result.verify_summary = report.summary()
    vs = result.verify_summary
    result.steps.append(Step(
        "verify", "ok" if vs["errors"] == 0 else "failed",
        f"{vs['files']} Parquet files, {vs['rows']} rows: {vs['errors']} errors, {vs['warnings']} warnings",
    ))

    result.tables = _read_tables(s3, contracts)
    result.quarantine = _read_quarantine(s3)
    result.steps.append(Step(
        "read back", "ok",
        f"{len(result.tables)} tables, {sum(t['rows'] for t in result.tables)} rows; "
        f"{len(result.quarantine)} quarantine reports",
    ))


def _list(s3: Any, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=CURATED_BUCKET, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return sorted(keys)


def _jsonable(v: Any) -> Any:
    import datetime as _dt
    import decimal

    if isinstance(v, _dt.datetime):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def _read_tables(s3: Any, contracts: dict[str, dict[int, Any]]) -> list[dict[str, Any]]:
    """Read the curated Parquet back (the demo's files are small): rows and the first rows per table."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    out = []
    for d in sorted(contracts):
        for v in sorted(contracts[d]):
            keys = [k for k in _list(s3, f"datasets/{d}/v{v}/") if k.endswith(".parquet")]
            tables = []
            for k in keys:
                body = s3.get_object(Bucket=CURATED_BUCKET, Key=k)["Body"].read()
                tables.append(pq.read_table(io.BytesIO(body)).replace_schema_metadata(None))
            if tables:
                t = pa.concat_tables(tables)
                head = t.slice(0, SAMPLE_ROWS).to_pylist()
                sample = [{c: _jsonable(val) for c, val in row.items()} for row in head]
                columns = t.schema.names
            else:
                t, sample, columns = None, [], [c.name for c in contracts[d][v].columns]
            out.append({
                "dataset": d, "version": v, "rows": t.num_rows if t is not None else 0, "files": len(keys),
                "columns": columns, "sample": sample,
            })
    return out


def _read_quarantine(s3: Any) -> list[dict[str, Any]]:
    out = []
    for k in _list(s3, "quarantine/"):
        if not k.endswith(".error.json"):
            continue
        body = s3.get_object(Bucket=CURATED_BUCKET, Key=k)["Body"].read()
        try:
            rep = json.loads(body)
        except ValueError:
            rep = {"unreadable": True}
        out.append({
            "key": k,
            "source": rep.get("source"),
            "dataset": rep.get("dataset"),
            "version": rep.get("version"),
            "records_in": rep.get("records_in"),
            "records_written": rep.get("records_written"),
            "errors": [
                {x: e.get(x) for x in ("record", "field", "kind", "message")}
                for e in rep.get("errors") or [] if isinstance(e, dict)
            ],
        })
    return sorted(out, key=lambda r: (str(r["source"]), r["version"] or 0, r["key"]))


__all__ = ["run_demo", "DemoResult", "Step", "MotoServer", "examples_root", "RAW_BUCKET", "CURATED_BUCKET"]
