"""The Lambda entry point, ``lake_etl.handler.lambda_handler``: S3 event -> process -> S3, JSON logs.

Configuration (environment, read and validated once at cold start):

``CURATED_BUCKET``  required: the bucket curated Parquet and quarantine reports go to.
``CONTRACTS_DIR``   optional: the folder holding ``datasets/<dataset>/v<N>.json``. Default: the
                    ``contracts/`` folder packed beside the ``lake_etl`` package in the artifact
                    (``<artifact root>/contracts``, i.e. ``Path(lake_etl.__file__).parent.parent /
                    "contracts"``). In a source checkout that would be ``lambda/contracts``, which
                    does not exist: set ``CONTRACTS_DIR`` to the project's ``contracts/`` there.
``LOG_LEVEL``       optional, default ``INFO``.
``AWS_ENDPOINT_URL`` honoured by boto3 itself (moto server, LocalStack).

Behaviour (design §3): 1..n records per event; keys are URL-decoded (``unquote_plus``);
``s3:TestEvent``, events other than ``ObjectCreated:*`` and records from the curated bucket itself (a
notification loop) are acknowledged, logged and ignored; the raw bucket comes from each record.
Bad data never raises (it is quarantined). AWS errors reading raw or writing curated raise, so Lambda
retries and the on-failure destination keeps the event, except a raw object that no longer exists
(logged, skipped). An invalid contract raises (the deployment is broken). One JSON log line per
(file, version) on stdout.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import lake_etl
from lake_etl.contract import Contract, load_contracts
from lake_etl.process import process_key
from lake_etl.stores import ObjectMissing, S3Store

logger = logging.getLogger("lake_etl")

_config: dict[str, Any] | None = None
_s3_client: Any = None


def default_contracts_dir() -> Path:
    """``contracts/`` beside the ``lake_etl`` package: where ``lakectl build`` packs them."""
    return Path(lake_etl.__file__).resolve().parent.parent / "contracts"


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record to the *current* ``sys.stdout`` (CloudWatch in Lambda; redirectable locally)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _setup_logging(level: str) -> None:
    name = level.strip().upper()
    logger.setLevel(name if name in logging.getLevelNamesMapping() else "INFO")
    if not logger.handlers:
        h = _StdoutHandler()
        h.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(h)
        logger.propagate = False


def load_config() -> dict[str, Any]:
    """Read and validate the environment (once per cold start); raise on a broken deployment."""
    global _config
    if _config is None:
        _setup_logging(os.environ.get("LOG_LEVEL", "INFO"))
        bucket = os.environ.get("CURATED_BUCKET", "").strip()
        if not bucket:
            raise RuntimeError(
                "CURATED_BUCKET is not set: the function's environment must name the curated bucket"
            )
        contracts_dir = Path(os.environ.get("CONTRACTS_DIR") or default_contracts_dir())
        contracts: dict[str, dict[int, Contract]] = load_contracts(contracts_dir)  # ContractError raises
        if not contracts:
            raise RuntimeError(f"no contracts under {contracts_dir}/datasets: nothing could be routed")
        _config = {"curated_bucket": bucket, "contracts_dir": str(contracts_dir), "contracts": contracts}
    return _config


def s3_client() -> Any:
    """One boto3 S3 client per execution environment, created on first use (never at import)."""
    global _s3_client
    if _s3_client is None:
        import boto3

        _s3_client = boto3.client("s3")
    return _s3_client


def reset() -> None:
    """Forget the cached configuration and client (tests; a new environment in the local runner)."""
    global _config, _s3_client
    _config = None
    _s3_client = None


def _log(doc: dict[str, Any], level: int = logging.INFO) -> None:
    logger.log(level, json.dumps(doc, sort_keys=True, ensure_ascii=False))


_LOG_FIELDS = ("source", "dataset", "version", "status", "records_in", "records_written", "errors",
               "fields_ignored", "duration_ms", "output", "quarantine")


# Every per-file log line carries every field (design §3): lines for a file that was not processed
# (gone since the event, a folder marker) hold nulls and zeros, so a log query never misses a key.
_NO_FILE = {"dataset": None, "version": None, "records_in": None, "records_written": 0, "errors": 0,
            "fields_ignored": None, "output": None, "quarantine": None}


def _obj(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def object_created(event: Any, request_id: str | None = None) -> list[tuple[str, str]]:
    """``(raw bucket, URL-decoded key)`` of every ``ObjectCreated:*`` record; everything else is logged
    and ignored (``s3:TestEvent``, ``ObjectRemoved:*``, records without a bucket or key)."""
    if not isinstance(event, dict):
        _log({"message": "ignored: the event is not a JSON object", "request_id": request_id})
        return []
    if event.get("Event") == "s3:TestEvent":
        _log({"message": "ignored s3:TestEvent", "bucket": event.get("Bucket"), "request_id": request_id})
        return []
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        _log({"message": "ignored: not an S3 notification event (no Records list)", "request_id": request_id})
        return []
    out = []
    for record in records:
        # Shapes other than an S3 notification record are logged and ignored, never raised on: a
        # retry could not make them valid.
        record = record if isinstance(record, dict) else {}
        name = str(record.get("eventName", ""))
        s3 = _obj(record.get("s3"))
        bucket = _obj(s3.get("bucket")).get("name")
        raw_key = _obj(s3.get("object")).get("key")
        if not name.startswith("ObjectCreated:") or not isinstance(bucket, str) or not bucket \
                or not isinstance(raw_key, str):
            _log({"message": f"ignored event {name or '<none>'}", "bucket": bucket, "key": raw_key,
                  "request_id": request_id})
            continue
        out.append((bucket, unquote_plus(raw_key)))  # S3 sends keys URL-encoded, "+" for a space
    return out


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle an S3 notification event; return ``{"files": [...]}`` (replay's per-file entries)."""
    cfg = load_config()
    request_id = getattr(context, "aws_request_id", None)
    curated = S3Store(s3_client(), cfg["curated_bucket"])
    files: list[dict[str, Any]] = []
    for bucket, key in object_created(event, request_id):
        started = time.perf_counter()
        if bucket == cfg["curated_bucket"]:
            # A notification on the curated bucket would feed the function its own reports, forever.
            _log({**_NO_FILE, "source": key, "bucket": bucket, "status": "ignored", "request_id": request_id,
                  "message": "the event comes from the curated bucket (CURATED_BUCKET): not a raw upload; "
                             "notify the function from the raw bucket only", "duration_ms": 0.0},
                 logging.WARNING)
            continue
        try:
            entries = process_key(S3Store(s3_client(), bucket), curated, key, cfg["contracts"])
        except ObjectMissing:  # deleted since the event was sent: nothing to do, nothing to retry
            _log({**_NO_FILE, "source": key, "bucket": bucket, "status": "missing", "request_id": request_id,
                  "message": "the raw object no longer exists; skipped",
                  "duration_ms": round((time.perf_counter() - started) * 1000, 1)}, logging.WARNING)
            continue
        if not entries:
            _log({**_NO_FILE, "source": key, "bucket": bucket, "status": "ignored", "request_id": request_id,
                  "message": "folder marker (a key ending in /): not an upload",
                  "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        for e in entries:
            _log({**{k: e.get(k) for k in _LOG_FIELDS}, "bucket": bucket, "request_id": request_id},
                 logging.WARNING if e["status"] == "quarantined" else logging.INFO)
            files.append({k: v for k, v in e.items() if k != "duration_ms"})
    return {"files": files}


__all__ = ["lambda_handler", "object_created", "load_config", "default_contracts_dir", "reset", "s3_client"]
