"""Run one S3 event through the Lambda handler in a separate interpreter (the *local runner*).

No Lambda runtime exists on a workstation (design §7): the function runs python3.12+ on Amazon Linux
and its layer holds cp312 wheels. So the local runner imports the artifact's ``lake_etl`` code (the
project's ``lambda/`` folder, or an unpacked artifact) with this machine's interpreter and host
dependencies pinned to the same versions, in a child process with a fresh environment, and passes a
``FakeLambdaContext``. Its result says so, and so must anything that shows it.

``lakectl demo`` uses :func:`run_event`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakectl.errors import IncompleteError

NOTICE = (
    "ran the Lambda artifact's lake_etl code in a separate local interpreter (Python {py}) with host "
    "dependencies ({pins}), with a fake Lambda context; this is NOT the AWS Lambda runtime"
)


def pin_note(code_dir: str | os.PathLike[str] | None) -> str:
    """The host's pyarrow against the layer's pin (``<lambda>/requirements.txt``), said plainly."""
    import importlib.metadata
    import re

    try:
        host = importlib.metadata.version("pyarrow")
    except importlib.metadata.PackageNotFoundError:
        host = "not installed"
    req = Path(code_dir) / "requirements.txt" if code_dir is not None else None
    if req is None or not req.is_file():
        return f"pyarrow {host}"
    m = re.search(r"^\s*pyarrow\s*==\s*([^\s;#]+)", req.read_text(encoding="utf-8"), re.M)
    if m is None:
        return f"pyarrow {host}; {req.name} pins no pyarrow version"
    if m.group(1) == host:
        return f"pyarrow {host}, the version the layer pins"
    return (f"pyarrow {host}, but the layer pins {m.group(1)}: the Lambda may write other bytes; "
            f"install pyarrow=={m.group(1)} here")


@dataclass
class LocalRun:
    """What one local-runner invocation returned."""

    returncode: int
    result: dict[str, Any] | None  # the handler's {"files": [...]}, None when it raised
    logs: list[str] = field(default_factory=list)  # stderr lines: JSON log lines and the runner's notice
    notice: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.result is not None

    @property
    def log_records(self) -> list[dict[str, Any]]:
        """The handler's JSON log lines, parsed."""
        out = []
        for line in self.logs:
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out


def s3_event(bucket: str, keys: list[str], *, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """An S3 notification event (eventVersion 2.1) for ``keys``, URL-encoded as S3 sends them."""
    from urllib.parse import quote_plus

    records = []
    for key in keys:
        records.append({
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "eventTime": "1970-01-01T00:00:00.000Z",
            "eventName": event_name,
            "userIdentity": {"principalId": "AWS:LAKECTL-LOCAL"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {"x-amz-request-id": "LOCAL", "x-amz-id-2": "LOCAL"},
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "lakectl-local",
                "bucket": {
                    "name": bucket,
                    "ownerIdentity": {"principalId": "LAKECTL-LOCAL"},
                    "arn": f"arn:aws:s3:::{bucket}",
                },
                "object": {"key": quote_plus(key, safe="/"), "size": 0, "sequencer": "0"},
            },
        })
    return {"Records": records}


def run_event(
    event: dict[str, Any],
    *,
    curated_bucket: str,
    contracts_dir: str | os.PathLike[str],
    endpoint_url: str | None = None,
    code_dir: str | os.PathLike[str] | None = None,
    log_level: str = "INFO",
    timeout: float = 300,
) -> LocalRun:
    """Run ``python -m lake_etl.local_runner`` on ``event`` and return its result and log lines.

    ``code_dir`` is the folder holding the ``lake_etl`` package to run (the project's ``lambda/`` or
    an unpacked artifact); by default the ``lake_etl`` installed with lakectl. ``endpoint_url`` (or
    the inherited ``AWS_ENDPOINT_URL``) points boto3 at a moto server. Raises
    :class:`IncompleteError` when the child cannot be started or times out.
    """
    env = dict(os.environ)
    env["CURATED_BUCKET"] = curated_bucket
    env["CONTRACTS_DIR"] = str(Path(contracts_dir).resolve())
    env["LOG_LEVEL"] = log_level
    env["PYTHONUNBUFFERED"] = "1"
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if code_dir is not None:
        code = str(Path(code_dir).resolve())
        if not (Path(code) / "lake_etl" / "__init__.py").is_file():
            raise IncompleteError(f"{code} holds no lake_etl package to run")
        env["PYTHONPATH"] = code + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "lake_etl.local_runner"],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            cwd=str(Path(code_dir).resolve()) if code_dir is not None else None,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise IncompleteError(f"the local runner did not complete: {e}") from None
    result = None
    if proc.returncode == 0:
        try:
            result = json.loads(proc.stdout)
        except ValueError:
            result = None
    return LocalRun(
        returncode=proc.returncode,
        result=result,
        logs=proc.stderr.splitlines(),
        notice=NOTICE.format(py=sys.version.split()[0], pins=pin_note(code_dir)),
    )


__all__ = ["run_event", "s3_event", "LocalRun", "NOTICE"]
