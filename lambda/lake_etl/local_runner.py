"""Run ``lambda_handler`` on an S3 event in this interpreter: ``python -m lake_etl.local_runner``.

There is no Lambda runtime on a workstation (the function runs python3.12+ on Amazon Linux; the
machine may run another CPython), so this runs the artifact's code with the *host's* dependencies,
pinned to the same versions, in a separate interpreter, with :class:`FakeLambdaContext` standing in
for the runtime's context object. It says so on stderr.

    python -m lake_etl.local_runner [--event FILE] < event.json

Reads one S3 notification event (JSON) from ``--event FILE`` or stdin, prints the handler's result
(``{"files": [...]}``) as one JSON document on stdout; the handler's log lines go to stderr here so
stdout holds only the result. Configuration comes from the environment exactly as in Lambda
(``CURATED_BUCKET``, ``CONTRACTS_DIR``, ``LOG_LEVEL``, ``AWS_ENDPOINT_URL``). Exit 0 when the handler
returned, 1 when it raised (the traceback is printed, as Lambda would record it), 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field

NOTICE = (
    "local runner: ran the artifact's lake_etl code with this machine's Python {py} and host "
    "dependencies (pyarrow {pa}), NOT the AWS Lambda runtime; context is a FakeLambdaContext"
)


@dataclass
class FakeLambdaContext:
    """A stand-in for the Lambda runtime's context object (no Lambda runtime exists here)."""

    function_name: str = "lake-etl-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:lake-etl-local"
    aws_request_id: str = field(default_factory=lambda: f"local-{uuid.uuid4()}")
    log_group_name: str = "/aws/lambda/lake-etl-local"
    log_stream_name: str = "local"
    timeout_ms: int = 900_000
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.timeout_ms - (time.monotonic() - self._started) * 1000))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lake_etl.local_runner", description=__doc__.split("\n")[0])
    ap.add_argument("--event", help="the S3 event JSON file (default: stdin)")
    ap.add_argument("--request-id", help="the fake context's aws_request_id")
    args = ap.parse_args(argv)
    try:
        text = open(args.event, encoding="utf-8").read() if args.event else sys.stdin.read()
        event = json.loads(text)
    except (OSError, ValueError) as e:
        print(f"error: cannot read the event: {e}", file=sys.stderr)
        return 2

    import pyarrow

    from lake_etl import handler

    print(NOTICE.format(py=sys.version.split()[0], pa=pyarrow.__version__), file=sys.stderr)
    ctx = FakeLambdaContext(**({"aws_request_id": args.request_id} if args.request_id else {}))
    # The handler logs to stdout (CloudWatch); here its log lines go to stderr so that stdout carries
    # only the result document.
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        result = handler.lambda_handler(event, ctx)
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout = out
    out.write(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
