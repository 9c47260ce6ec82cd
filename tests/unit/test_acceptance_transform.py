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
