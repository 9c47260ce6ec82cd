"""Acceptance QA: transform-side bugs found on held-out inputs, kept as regression tests.

Each test states the rule it checks (design §3/§4, docs/data-contract.md). Fixed: the key patterns
anchored with `$`, which also matches before a trailing newline; they now end in `\\Z`.
"""

from __future__ import annotations

import pytest
from lake_etl.keys import RawKey, parse_raw_key


@pytest.mark.parametrize("key", [
    "uploads/probe/2026/03/14/x.json\n",
    "uploads/probe/2026/03/14/x.ndjson.gz\n",  # also routed as *not* gzip
])
def test_a_file_name_ending_in_a_newline_has_no_accepted_extension(key: str) -> None:
    # S3 keys may hold a newline (%0A in an event). "<file> ending in .json, .jsonl or .ndjson": this
    # one ends in "\n".
    got = parse_raw_key(key)
    assert not isinstance(got, RawKey), got
    assert got is not None and got.kind == "unroutable_key"


def test_date_segments_with_a_trailing_newline_are_not_dates() -> None:
    # "distinct raw keys never share an output key" (design §3): this key would write
    # datasets/probe/v<N>/dt=2026-03-14/x.json.parquet, the output of uploads/probe/2026/03/14/x.json.
    got = parse_raw_key("uploads/probe/2026\n/03/14/x.json")
    assert not isinstance(got, RawKey), got


def _timed_transform(data: bytes, fastpath: str) -> float:
    import io
    import json
    import os
    import time

    from lake_etl.contract import parse_contract
    from lake_etl.transform import transform

    contract = parse_contract(json.dumps({"dataset": "t", "version": 1,
                                          "columns": [{"name": "id", "type": "bigint"}]}).encode())
    old = os.environ.get("LAKE_ETL_FASTPATH")
    os.environ["LAKE_ETL_FASTPATH"] = fastpath
    try:
        best = float("inf")
        for _ in range(2):
            t = time.perf_counter()
            transform(data, contract, "uploads/t/2026/11/27/x.jsonl", io.BytesIO())
            best = min(best, time.perf_counter() - t)
        return best
    finally:
        if old is None:
            del os.environ["LAKE_ETL_FASTPATH"]
        else:
            os.environ["LAKE_ETL_FASTPATH"] = old


@pytest.mark.xfail(strict=True, reason="_fastpath: a field no column reads that changes JSON type between "
                                       "lines makes Arrow's inference fail; the chunk is retried and "
                                       "declined, ~10x slower than the row path alone")
def test_the_fast_path_costs_little_when_unread_fields_change_type() -> None:
    # Real feeds carry unread fields of varying type ("junk": 1 on one line, [1, "x"] on the next).
    # Measured on 100k such lines: 3.9 s with the fast path, 0.28 s with LAKE_ETL_FASTPATH=0. The
    # design admits a fast path "only where it gives exactly the row path's rows"; when it declines it
    # must not cost many times the row path. A generous bound, so the test is not timing-flaky.
    import json

    data = "".join(json.dumps({"id": i, "junk": [1, "x"] if i % 2 else 1}) + "\n"
                   for i in range(30_000)).encode()
    row = _timed_transform(data, "0")
    fast = _timed_transform(data, "1")
    assert fast <= 3 * row + 0.1, f"fast path {fast:.2f} s vs row path {row:.2f} s"
