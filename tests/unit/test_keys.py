"""lake_etl.keys: raw key routing (design §3) and output keys."""

from __future__ import annotations

import pytest
from lake_etl.keys import RawKey, Unroutable, curated_key, parse_raw_key, quarantine_key, unrouted_key


@pytest.mark.parametrize(
    "key, dataset, dt, file, gz",
    [
        ("uploads/users/2026/11/27/a.json", "users", "2026-11-27", "a.json", False),
        ("uploads/users/2026/11/27/a.jsonl", "users", "2026-11-27", "a.jsonl", False),
        ("uploads/users/2024/02/29/b c.NDJSON", "users", "2024-02-29", "b c.NDJSON", False),
        ("uploads/ev/2026/01/05/x.json.gz", "ev", "2026-01-05", "x.json.gz", True),
        ("uploads/ev/2026/01/05/x.JSONL.GZ", "ev", "2026-01-05", "x.JSONL.GZ", True),
    ],
)
def test_routable(key, dataset, dt, file, gz):
    assert parse_raw_key(key) == RawKey(key=key, dataset=dataset, dt=dt, file=file, gzip=gz)


@pytest.mark.parametrize(
    "key",
    [
        "uploads/users/2026/02/30/a.json",  # not a calendar date
        "uploads/users/2026/13/01/a.json",
        "uploads/users/0000/01/01/a.json",
        "uploads/users/2026/1/05/a.json",  # not MM
        "uploads/users/2026/11/27/sub/a.json",  # folder below the day
        "uploads/users/2026/11/27/a.csv",
        "uploads/users/2026/11/27/a.json.zip",
        "uploads/users/2026/11/27/a.gz",
        "uploads/users/2026/11/a.json",
        "uploads//2026/11/27/a.json",
        "other/users/2026/11/27/a.json",
        "a.json",
    ],
)
def test_unroutable(key):
    r = parse_raw_key(key)
    assert isinstance(r, Unroutable)
    assert r.kind == "unroutable_key" and r.key == key
    assert key in r.message and "uploads/<dataset>/<YYYY>/<MM>/<DD>/<file>" in r.message


def test_folder_marker_ignored():
    assert parse_raw_key("uploads/users/2026/11/27/") is None
    assert parse_raw_key("uploads/") is None


def test_output_keys():
    assert (
        curated_key("users", 1, "2026-11-27", "a.jsonl.gz")
        == "datasets/users/v1/dt=2026-11-27/a.jsonl.gz.parquet"
    )
    assert (
        quarantine_key("users", 2, "2026-11-27", "a.json")
        == "quarantine/users/v2/dt=2026-11-27/a.json.error.json"
    )
    assert unrouted_key("uploads/x/y.csv") == "quarantine/_unrouted/uploads/x/y.csv.error.json"


def test_hidden_file_names_are_unroutable_since_athena_would_skip_their_output():
    from lake_etl.keys import Unroutable

    for name in ("_hidden.json", ".json", ".x.ndjson.gz"):
        got = parse_raw_key(f"uploads/users/2026/11/27/{name}")
        assert isinstance(got, Unroutable) and got.kind == "unroutable_key", name
        assert "Athena skips" in got.message
