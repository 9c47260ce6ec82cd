#!/usr/bin/env python3
"""ETL benchmark: lakectl's transform against pandas, DuckDB and pyarrow on the same nested NDJSON.

Run from the repository root (not part of CI; needs the ``bench`` extra: pandas, duckdb, psutil)::

    .venv/bin/python bench/etl.py [--records N] [--dirty-rate R] [--only lakectl,duckdb,...] [--gb-file]

Every tool runs in its own fresh subprocess on the same input file and writes the same target schema
to Parquet (snappy). Wall time is measured by the parent around the whole child process (interpreter
start, imports, read, coerce, write): that is the "whole process" number the targets are judged on.
Peak RSS is the child's own ``ru_maxrss`` (``os.wait4``), so each tool's number is its own.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = ("lakectl", "pandas", "duckdb", "pyarrow")
SOURCE_KEY = "uploads/bench/2026/11/27/bench.jsonl"

# Clean 100k nested records, whole process: lakectl >= 0.7x DuckDB, >= 10x pandas.
# Dirty (1%) reject_record: lakectl >= 5x pandas (with per-record error reporting).
# 1 GB NDJSON: lakectl peak RSS < 512 MiB.
TARGET_CLEAN = {"duckdb": 0.7, "pandas": 10.0}
TARGET_DIRTY = {"pandas": 5.0}
TARGET_GB_RSS_MIB = 512

# --------------------------------------------------------------------------------------------------
# The contract (design §4) and the generator


def contract_doc(on_error: str) -> dict:
    return {
        "dataset": "bench",
        "version": 1,
        "description": "ETL benchmark: nested NDJSON",
        "active": True,
        "on_error": on_error,
        "columns": [
            {"name": "id", "type": "bigint", "nullable": False},
            {"name": "user_name", "type": "string", "source": "user.name"},
            {"name": "user_email", "type": "string", "source": "user.email"},
            {"name": "city", "type": "string", "source": "user.address.city"},
            {"name": "zip", "type": "string", "source": "user.address.zip"},
            {"name": "ts", "type": "timestamp", "nullable": False},
            {"name": "score", "type": "double"},
            {"name": "amount", "type": "decimal(10,2)"},
            {"name": "tags", "type": "array<string>"},
            {"name": "active", "type": "boolean"},
            {"name": "signup", "type": "date"},
        ],
    }


# column name -> (source path, contract type); the anchors derive their reads from this
COLUMNS = [(c["name"], tuple(c.get("source", c["name"]).split(".")), c["type"]) for c in
           contract_doc("reject_file")["columns"]]

_FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tony",
          "Margaret", "John", "Leslie", "Niklaus", "Shafi", "Zoë", "Jürgen", "Åsa", "Chloé", "Ōta"]
_LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
         "Perlman", "Hoare", "Hamilton", "McCarthy", "Lamport", "Wirth", "Goldwasser", "Müller"]
_CITIES = ["Paris", "London", "Berlin", "Lisboa", "São Paulo", "Zürich", "Kraków", "Tokyo", "Austin",
           "Nairobi", "Montréal", "Oslo", "Reykjavík", "Seoul", "Lima", "Cork"]
_TAGS = ["new", "vip", "churn-risk", "beta", "mobile", "web", "eu", "us", "apac", "trial", "paid", "b2b"]
# Upper-case T and Z only: lower-case is valid RFC 3339 but pyarrow's and pandas' parsers refuse it.
_OFFSETS = ["Z", "+00:00", "+02:00", "-05:00", "+05:30", "-08:00", "+09:00"]
_DOMAINS = ["example.com", "example.org", "mail.test", "corp.example"]
_BASE = 1767225600  # 2026-01-01T00:00:00Z
_DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def _rfc3339(rng: random.Random) -> str:
    """A valid RFC 3339 date-time with an offset and a millisecond fraction (or none)."""
    secs = _BASE + rng.randrange(0, 300 * 86400)
    off = rng.choice(_OFFSETS)
    sign_min = 0
    if off != "Z":
        sign = 1 if off[0] == "+" else -1
        sign_min = sign * (int(off[1:3]) * 60 + int(off[4:6]))
    local = time.gmtime(secs + sign_min * 60)
    frac = "" if rng.random() < 0.2 else f".{rng.randrange(1000):03d}"
    return (f"{local.tm_year:04d}-{local.tm_mon:02d}-{local.tm_mday:02d}T"
            f"{local.tm_hour:02d}:{local.tm_min:02d}:{local.tm_sec:02d}{frac}{off}")


def _date(rng: random.Random) -> str:
    m = rng.randrange(1, 13)
    return f"{rng.randrange(2015, 2027):04d}-{m:02d}-{rng.randrange(1, _DAYS_IN_MONTH[m - 1] + 1):02d}"


def make_record(i: int, rng: random.Random) -> dict:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    rec: dict = {
        "id": i,
        "user": {
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}{i}@{rng.choice(_DOMAINS)}",
            "address": {"city": rng.choice(_CITIES), "zip": f"{rng.randrange(100000):05d}"},
        },
        "ts": _rfc3339(rng),
        "score": round(rng.uniform(-1000, 1000), rng.randrange(0, 7)),
        "amount": f"{rng.randrange(0, 10_000_000) / 100:.2f}" if rng.random() < 0.9 else
                  f"{rng.randrange(0, 100000)}",
        "tags": rng.sample(_TAGS, rng.randrange(0, 4)),
        "active": rng.random() < 0.7,
        "signup": _date(rng),
        "extra": {"source": rng.choice(["app", "web", "api"]), "n": rng.randrange(1000),
                  "flags": [rng.random() < 0.5 for _ in range(3)], "meta": {"v": 2, "k": "x" * 8}},
    }
    r = rng.random()
    if r < 0.03:
        rec["user"]["address"]["city"] = None  # nullable: null
    elif r < 0.05:
        del rec["score"]  # nullable: missing
    elif r < 0.06:
        rec["tags"] = ["a", None]  # null element
    return rec


# One wrong value per dirty record: (column, mutate(record)) -> the contract's error kind.
def _dirty(rec: dict, rng: random.Random) -> str:
    col = rng.choice([c for c, _, _ in COLUMNS])
    u = rec["user"]
    if col == "id":
        rec["id"] = f"{rec['id']}x"
    elif col == "user_name":
        u["name"] = 12345
    elif col == "user_email":
        u["email"] = True
    elif col == "city":
        u["address"]["city"] = ["Paris"]
    elif col == "zip":
        u["address"]["zip"] = 75001
    elif col == "ts":
        rec["ts"] = rng.choice(["2026-11-27 08:00:00", "2026-11-27T08:00:00", 1764230400])
    elif col == "score":
        rec["score"] = "high"
    elif col == "amount":
        rec["amount"] = rng.choice(["12.345", True, "1e3"])
    elif col == "tags":
        rec["tags"] = "a,b"
    elif col == "active":
        rec["active"] = "yes"
    elif col == "signup":
        rec["signup"] = rng.choice(["2026-02-30", "2026-1-5", 20260105])
    return col


def generate(path: Path, n: int | None, dirty_rate: float, seed: int, size_bytes: int | None = None) -> dict:
    """Write NDJSON to ``path`` (streamed): ``n`` records, or until ``size_bytes``. Returns stats."""
    rng = random.Random(seed)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    bad = 0
    written = 0
    i = 0
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as f:
        buf: list[str] = []
        while (n is not None and i < n) or (size_bytes is not None and written < size_bytes):
            rec = make_record(i, rng)
            if dirty_rate and rng.random() < dirty_rate:
                _dirty(rec, rng)
                bad += 1
            line = dumps(rec)
            buf.append(line)
            written += len(line) + 1  # close enough (non-ASCII counted as 1): only a stop criterion
            i += 1
            if len(buf) >= 4096:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    return {"records": i, "bad": bad, "bytes": path.stat().st_size}


# --------------------------------------------------------------------------------------------------
# Workers (each runs in a fresh subprocess: `etl.py --worker TOOL ...`)


def _write_parquet(table, out: str) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, out, compression="snappy", version="2.6", row_group_size=131072)


def _target_schema(contract_path: str):
    from lake_etl.contract import load_contract

    return load_contract(contract_path).arrow_schema()


def worker_lakectl(inp: str, contract_path: str, out: str) -> dict:
    from lake_etl.contract import load_contract
    from lake_etl.transform import transform

    contract = load_contract(contract_path)
    with open(inp, "rb") as src, open(out, "wb") as sink:
        res = transform(src, contract, SOURCE_KEY, sink)
    if not res.wrote_parquet:
        os.unlink(out)
    return {"records_in": res.records_in, "written": res.records_written, "errors": len(res.errors),
            "fastpath": os.environ.get("LAKE_ETL_FASTPATH", "1") != "0"}


def _pandas_frame(inp: str):
    import pandas as pd

    with open(inp, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f if line.strip()]
    # no max_level: pandas then takes its fast flattening path (with max_level it deep-copies records)
    df = pd.json_normalize(recs)  # user.address.city etc. (extra.* too, unread)
    cols = {}
    for name, src, _t in COLUMNS:
        key = ".".join(src)
        cols[name] = df[key] if key in df.columns else pd.Series([None] * len(df), dtype=object)
    return pd.DataFrame(cols), len(recs)


def worker_pandas(inp: str, contract_path: str, out: str, dirty: bool) -> dict:
    """json.loads + json_normalize + explicit coercion to the target types + to_parquet (pyarrow).

    Dirty mode: coercion with errors="coerce" plus strict type checks, reporting (record, column)
    for each value that fails, and dropping the bad records (reject_record).
    """
    import re
    from decimal import Decimal, InvalidOperation

    import pandas as pd
    import pyarrow as pa

    DEC_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
    schema = _target_schema(contract_path)
    df, n = _pandas_frame(inp)
    errors: list[tuple[int, str]] = []
    bad = pd.Series(False, index=df.index)

    def note(col: str, mask) -> None:
        nonlocal bad
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            errors.extend((int(r), col) for r in df.index[mask])
            bad |= mask

    def is_type(s, types):
        return s.map(lambda v: v is None or (isinstance(v, float) and v != v) or
                     (isinstance(v, types) and not (bool not in types and isinstance(v, bool))))

    def to_dec(v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise InvalidOperation
        if isinstance(v, str) and not DEC_RE.fullmatch(v):
            raise InvalidOperation
        d = Decimal(v if isinstance(v, str) else repr(v)).quantize(Decimal("0.01"))
        if d != Decimal(v if isinstance(v, str) else repr(v)) or len(d.as_tuple().digits) > 10:
            raise InvalidOperation
        return d

    def safe(fn):
        def g(v):
            try:
                return fn(v)
            except (InvalidOperation, ValueError, TypeError):
                return "__bad__"
        return g

    out_cols = {}
    for name, _src, typ in COLUMNS:
        s = df[name]
        present = s.notna()
        if typ == "bigint":
            if dirty:
                note(name, present & ~is_type(s, (int,)))
                s = s.where(is_type(s, (int,)))
            out_cols[name] = pd.to_numeric(s, errors="coerce" if dirty else "raise").astype("Int64")
        elif typ == "double":
            if dirty:
                note(name, present & ~is_type(s, (int, float)))
                s = s.where(is_type(s, (int, float)))
            out_cols[name] = pd.to_numeric(s, errors="coerce" if dirty else "raise").astype("float64")
        elif typ == "string":
            if dirty:
                note(name, present & ~is_type(s, (str,)))
                s = s.where(is_type(s, (str,)))
            out_cols[name] = s
        elif typ == "boolean":
            if dirty:
                note(name, present & ~is_type(s, (bool,)))
                s = s.where(is_type(s, (bool,)))
            out_cols[name] = s.astype("boolean")
        elif typ == "timestamp":
            if dirty:
                ok = is_type(s, (str,)) & s.str.match(r".*[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")
                s = s.where(ok.fillna(False).astype(bool))
            ts = pd.to_datetime(s, utc=True, format="ISO8601", errors="coerce" if dirty else "raise")
            if dirty:
                note(name, present & ts.isna())
            out_cols[name] = ts.dt.as_unit("ms")
        elif typ == "date":
            if dirty:
                ok = is_type(s, (str,)) & s.str.fullmatch(r"\d{4}-\d\d-\d\d")
                s = s.where(ok.fillna(False).astype(bool))
            d = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce" if dirty else "raise")
            if dirty:
                note(name, present & d.isna())
            out_cols[name] = d.dt.date
        elif typ.startswith("decimal"):
            d = s.map(safe(to_dec) if dirty else to_dec)
            if dirty:
                note(name, d.map(lambda v: isinstance(v, str)))
                d = d.map(lambda v: None if isinstance(v, str) else v)
            out_cols[name] = d
        elif typ == "array<string>":
            if dirty:
                ok = s.map(lambda v: v is None or (isinstance(v, float) and v != v) or
                           (isinstance(v, list) and all(e is None or isinstance(e, str) for e in v)))
                note(name, present & ~ok)
                s = s.where(ok)
            out_cols[name] = s.map(lambda v: None if isinstance(v, float) else v)
        else:
            raise SystemExit(f"pandas anchor: no coercion for {typ}")
    res = pd.DataFrame(out_cols)
    if dirty:
        res = res[~bad]
    table = pa.Table.from_pandas(res, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata(None)
    _write_parquet(table, out)
    return {"records_in": n, "written": table.num_rows, "errors": len(errors)}


def _duck_type(typ: str) -> str:
    m = {"bigint": "BIGINT", "string": "VARCHAR", "double": "DOUBLE", "boolean": "BOOLEAN",
         "timestamp": "TIMESTAMPTZ", "date": "DATE", "array<string>": "VARCHAR[]"}
    if typ in m:
        return m[typ]
    if typ.startswith("decimal("):
        return typ.upper()
    raise SystemExit(f"duckdb anchor: no type for {typ}")


def _nested_columns(to_type) -> dict:
    """Top-level key -> type string, building STRUCTs for nested sources (via to_type for leaves)."""
    tree: dict = {}
    for _name, src, typ in COLUMNS:
        node = tree
        for seg in src[:-1]:
            node = node.setdefault(seg, {})
        node[src[-1]] = typ
    return tree


def worker_duckdb(inp: str, contract_path: str, out: str, dirty: bool) -> dict:
    """read_json(columns={...}) with nested STRUCT types, select/cast -> Arrow -> pq.write_table."""
    import duckdb
    import pyarrow as pa

    schema = _target_schema(contract_path)

    def render(node) -> str:
        if isinstance(node, str):
            return _duck_type(node)
        return "STRUCT(" + ", ".join(f'"{k}" {render(v)}' for k, v in node.items()) + ")"

    tree = _nested_columns(None)
    cols = "{" + ", ".join(f"'{k}': '{render(v)}'" for k, v in tree.items()) + "}"
    select = ", ".join(
        ".".join(f'"{s}"' for s in src) + f' AS "{name}"' for name, src, _t in COLUMNS
    )
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    opts = "format='newline_delimited', ignore_errors=true" if dirty else "format='newline_delimited'"
    # ignore_errors nulls what does not convert; a non-nullable column that ends up null drops the row
    where = " AND ".join(f'"{f.name}" IS NOT NULL' for f in schema if not f.nullable)
    where = f" WHERE {where}" if dirty and where else ""
    rel = con.sql(f"SELECT * FROM (SELECT {select} FROM read_json('{inp}', {opts}, columns={cols})){where}")
    table = rel.fetch_arrow_table()
    table = pa.Table.from_arrays([table.column(f.name).cast(f.type) for f in schema], schema=schema)
    _write_parquet(table, out)
    return {"records_in": None, "written": table.num_rows, "errors": None}


def worker_pyarrow(inp: str, contract_path: str, out: str, dirty: bool) -> dict:
    """pyarrow.json.read_json with an explicit nested schema, flatten, cast, write."""
    import pyarrow as pa
    import pyarrow.json as pj

    schema = _target_schema(contract_path)

    def leaf(typ: str):
        if typ.startswith("decimal("):
            return pa.string()  # the JSON reader has no decimal-from-string; cast after
        if typ == "date":
            return pa.string()
        return schema.field([n for n, _s, t in COLUMNS if t == typ][0]).type

    def build(node):
        if isinstance(node, str):
            return leaf(node)
        return pa.struct([pa.field(k, build(v)) for k, v in node.items()])

    tree = _nested_columns(None)
    read_schema = pa.schema([pa.field(k, build(v)) for k, v in tree.items()])
    opts = pj.ParseOptions(explicit_schema=read_schema, unexpected_field_behavior="ignore")
    try:
        t = pj.read_json(inp, parse_options=opts, read_options=pj.ReadOptions(block_size=1 << 24))
    except pa.ArrowInvalid as e:
        # no record-level errors: one bad value fails the whole file
        return {"records_in": None, "written": 0, "errors": None, "failed": str(e)[:120]}
    arrays = []
    for f in schema:
        src = next(s for n, s, _t in COLUMNS if n == f.name)
        a = t.column(src[0])
        for seg in src[1:]:
            a = pa.chunked_array([c.field(seg) for c in a.chunks], type=a.type.field(seg).type)
        if pa.types.is_date32(f.type):
            a = a.cast(pa.timestamp("s")).cast(pa.date32())
        arrays.append(a.cast(f.type))
    table = pa.Table.from_arrays(arrays, schema=schema)
    _write_parquet(table, out)
    return {"records_in": None, "written": table.num_rows, "errors": None}


class _NoPandas:
    """A meta-path finder that makes pandas and numpy not installed (ModuleNotFoundError)."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("pandas", "numpy"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def run_worker(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    tool = args.worker
    if tool != "pandas":
        # As in the Lambda package (lambda/requirements.txt: pyarrow only): neither pandas nor numpy
        # is installed, for every tool but pandas (DuckDB and pyarrow need neither). Without this,
        # pyarrow's lazy pandas shim imports the bench extra's pandas (~0.3 s, ~60 MiB) on the first
        # pa.array()/compute call with a Python scalar, and `import pyarrow` imports numpy (~0.08 s,
        # ~0.13 s CPU with OpenBLAS's threads), in every pyarrow-based tool.
        sys.meta_path.insert(0, _NoPandas())
    if tool == "lakectl":
        res = worker_lakectl(args.input, args.contract, args.out)
    elif tool == "pandas":
        res = worker_pandas(args.input, args.contract, args.out, args.dirty)
    elif tool == "duckdb":
        res = worker_duckdb(args.input, args.contract, args.out, args.dirty)
    elif tool == "pyarrow":
        res = worker_pyarrow(args.input, args.contract, args.out, args.dirty)
    else:
        raise SystemExit(f"unknown tool {tool}")
    res["inproc_s"] = time.perf_counter() - t0
    res["peak_rss_kib"] = _vm_hwm_kib()
    sys.stdout.write(json.dumps(res) + "\n")


def _vm_hwm_kib() -> int | None:
    """This process's own peak RSS (VmHWM of its address space). Not ru_maxrss: on Linux a child's
    ru_maxrss also counts the parent's resident memory at fork/vfork time, before exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------------------------------
# The parent: run each tool in a fresh subprocess, measure, compare, print


@dataclass
class Run:
    tool: str
    wall_s: float
    rss_mib: float
    cpu_s: float = float("nan")  # user + system CPU seconds of the child (all its threads)
    result: dict = field(default_factory=dict)
    failed: str | None = None


def run_tool_measured(tool: str, inp: Path, contract: Path, out: Path, dirty: bool,
                      env: dict | None = None) -> Run:
    """Run one tool in a fresh child process; wall time around the whole process, and the child's
    own peak RSS from ``os.wait4`` (so other children never mix in)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--input", str(inp),
           "--contract", str(contract), "--out", str(out)] + (["--dirty"] if dirty else [])
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, env={**os.environ, **(env or {})})
        _pid, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        ferr.seek(0)
        out_b, err_b = fout.read(), ferr.read()
    rss = ru.ru_maxrss / 1024  # KiB on Linux; an upper bound (see _vm_hwm_kib), used if the child died
    cpu = ru.ru_utime + ru.ru_stime
    if code != 0:
        tail = err_b.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {code}"]
        return Run(tool, wall, rss, cpu_s=cpu, failed=tail[0][:200])
    res = json.loads(out_b.decode().strip().splitlines()[-1])
    if res.get("peak_rss_kib"):
        rss = res["peak_rss_kib"] / 1024
    return Run(tool, wall, rss, cpu, res, failed=res.get("failed"))


def best(runs: list[Run]) -> Run:
    """The fastest of a tool's runs (the worst peak RSS of them)."""
    ok = [r for r in runs if not r.failed]
    if not ok:
        return runs[0]
    fastest = min(ok, key=lambda r: r.wall_s)
    fastest.rss_mib = max(r.rss_mib for r in ok)
    return fastest


def same_rows(a: Path, b: Path) -> str:
    """Do two Parquet files hold the same rows (values and types, ignoring metadata)?"""
    import pyarrow.parquet as pq

    if not a.exists() or not b.exists():
        return "-"
    ta, tb = pq.read_table(a), pq.read_table(b)
    ta, tb = ta.replace_schema_metadata(None), tb.replace_schema_metadata(None)
    if ta.num_rows != tb.num_rows:
        return f"no ({ta.num_rows} vs {tb.num_rows} rows)"
    if ta.schema != tb.schema:
        return "no (schema)"
    for name in ta.column_names:
        if not ta.column(name).equals(tb.column(name)):
            return f"no ({name})"
    return "yes"


NOTES_DIRTY = {
    "duckdb": "no record-level errors (ignore_errors drops/nulls silently)",
    "pyarrow": "no record-level errors (one bad value fails the file)",
}


def bench_mode(label: str, workdir: Path, n: int, dirty_rate: float, tools: list[str], repeat: int,
               seed: int) -> list[tuple[str, float, float, str]]:
    dirty = dirty_rate > 0
    inp = workdir / f"{label}.jsonl"
    contract = workdir / f"{label}-contract" / "v1.json"
    contract.parent.mkdir(parents=True, exist_ok=True)
    contract.write_text(json.dumps(contract_doc("reject_record" if dirty else "reject_file"), indent=2))
    t0 = time.perf_counter()
    st = generate(inp, n, dirty_rate, seed)
    print(f"\n== {label}: {st['records']:,} records, {st['bad']:,} bad, {st['bytes'] / 2**20:.1f} MiB "
          f"(generated in {time.perf_counter() - t0:.1f} s) ==", file=sys.stderr)
    # (name, tool, env): lakectl's row path too, to show the fast path's gain and compare bytes
    entries = [(t, t, None) for t in tools]
    if "lakectl" in tools and os.environ.get("LAKE_ETL_FASTPATH") != "0":
        entries.append(("lakectl (row path)", "lakectl", {"LAKE_ETL_FASTPATH": "0"}))
    outs = {name: workdir / f"{label}-{name.replace(' (row path)', '-rowpath')}.parquet"
            for name, _t, _e in entries}
    for o in outs.values():
        o.unlink(missing_ok=True)
    # round robin, so that load from other processes falls on every tool alike
    all_runs: dict[str, list[Run]] = {name: [] for name, _t, _e in entries}
    for rep in range(repeat):
        for name, tool, env in entries:
            r = run_tool_measured(tool, inp, contract, outs[name], dirty, env)
            all_runs[name].append(r)
            print(f"   {rep + 1}/{repeat} {name:20s} "
                  f"{'FAILED: ' + r.failed if r.failed else f'{r.wall_s:.2f} s'}", file=sys.stderr)
    runs: dict[str, Run] = {}
    for name, _t, _e in entries:
        runs[name] = best(all_runs[name])
        runs[name].tool = name
    rp = runs.get("lakectl (row path)")
    if rp is not None and not rp.failed:
        a, b = outs["lakectl"], outs["lakectl (row path)"]
        rp.result["bytes_equal"] = a.exists() and b.exists() and a.read_bytes() == b.read_bytes()
    n_total = st["records"]
    lk = runs.get("lakectl")
    lk_rps = n_total / lk.wall_s if lk and not lk.failed else None
    print(f"\n{label}: {n_total:,} records ({st['bad']:,} bad), {st['bytes'] / 2**20:.1f} MiB NDJSON; "
          f"best of {repeat}; wall = whole child process")
    hdr = (f"{'tool':20s} {'records/s':>10s} {'wall s':>7s} {'in-proc s':>9s} {'cpu s':>6s} "
           f"{'peak RSS MiB':>12s} {'written':>8s} {'errors':>7s} {'lakectl ratio':>13s}  "
           "same rows as lakectl / note")
    print(hdr)
    print("-" * len(hdr))
    checks: list[tuple[str, float, float, str]] = []
    targets = TARGET_DIRTY if dirty else TARGET_CLEAN
    for tool, r in runs.items():
        if r.failed:
            why = NOTES_DIRTY[tool] + ": " if dirty and tool in NOTES_DIRTY else "FAILED: "
            print(f"{tool:20s} {'-':>10s} {r.wall_s:7.2f} {'-':>9s} {r.cpu_s:6.2f} {r.rss_mib:12.0f} "
                  f"{'-':>8s} {'-':>7s} {'-':>13s}  {why}{r.failed}")
            continue
        rps = n_total / r.wall_s
        ratio = f"{lk_rps / rps:.2f}x" if lk_rps and tool != "lakectl" else "-"
        errs = r.result.get("errors")
        note = ""
        if tool in ("pandas", "duckdb", "pyarrow"):
            note = same_rows(workdir / f"{label}-lakectl.parquet", workdir / f"{label}-{tool}.parquet")
        if tool == "lakectl (row path)":
            note = "byte-identical to fast path" if r.result.get("bytes_equal") else "BYTES DIFFER"
        if dirty and tool in NOTES_DIRTY:
            note = (note + "; " if note else "") + NOTES_DIRTY[tool]
        errs_s = "-" if errs is None else f"{errs:,d}"
        print(f"{tool:20s} {rps:10,.0f} {r.wall_s:7.2f} {r.result.get('inproc_s', 0):9.2f} {r.cpu_s:6.2f} "
              f"{r.rss_mib:12.0f} "
              f"{r.result.get('written', 0):8,d} {errs_s:>7s} {ratio:>13s}  {note}")
        if tool in targets and lk_rps:
            checks.append((f"{label}: lakectl vs {tool}", lk_rps / rps, targets[tool], "x"))
    for tool in targets:
        if tool not in runs or runs[tool].failed or not lk_rps:
            checks.append((f"{label}: lakectl vs {tool}", float("nan"), targets[tool], "x"))
    return checks


def bench_gb(workdir: Path, size_bytes: int, seed: int) -> list[tuple[str, float, float, str]]:
    inp = workdir / "gb.jsonl"
    contract = workdir / "gb-contract" / "v1.json"
    contract.parent.mkdir(parents=True, exist_ok=True)
    contract.write_text(json.dumps(contract_doc("reject_file"), indent=2))
    t0 = time.perf_counter()
    st = generate(inp, None, 0.0, seed, size_bytes=size_bytes)
    print(f"\n== gb: {st['records']:,} records, {st['bytes'] / 2**20:.0f} MiB "
          f"(generated in {time.perf_counter() - t0:.0f} s) ==", file=sys.stderr)
    out = workdir / "gb-lakectl.parquet"
    r = run_tool_measured("lakectl", inp, contract, out, False)
    print(f"\n{st['bytes'] / 2**30:.2f} GiB NDJSON ({st['records']:,} records), lakectl transform, "
          "one process")
    if r.failed:
        print(f"lakectl FAILED after {r.wall_s:.1f} s, peak RSS {r.rss_mib:.0f} MiB: {r.failed}")
        return [("1 GB NDJSON: peak RSS MiB", float("nan"), TARGET_GB_RSS_MIB, "<")]
    print(f"wall {r.wall_s:.1f} s, {st['records'] / r.wall_s:,.0f} records/s, "
          f"{st['bytes'] / 2**20 / r.wall_s:.1f} MiB/s, peak RSS {r.rss_mib:.0f} MiB, "
          f"written {r.result.get('written', 0):,}, Parquet {out.stat().st_size / 2**20:.0f} MiB")
    out.unlink(missing_ok=True)
    inp.unlink(missing_ok=True)
    return [("1 GB NDJSON: peak RSS MiB", r.rss_mib, TARGET_GB_RSS_MIB, "<")]


def precompile_lake_etl() -> None:
    """Byte-compile lake_etl as installing a wheel does (pip writes the .pyc files of DuckDB's and
    pyarrow's Python modules at install time). An editable install compiles on first import, but
    not where PYTHONDONTWRITEBYTECODE is set (as on this machine): then every lakectl worker would
    compile ~3,000 lines of source (~30 ms) that no other tool compiles. Python reads existing .pyc
    files whatever that variable says."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("lake_etl")
    for d in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(d, quiet=1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=100_000, help="records per run (default 100000)")
    p.add_argument("--dirty-rate", type=float, default=0.01, help="share of bad records in dirty mode")
    p.add_argument("--only", action="append", default=[],
                   help=f"tools to run (repeat or comma-separate): {', '.join(TOOLS)}; "
                        "or modes: clean, dirty")
    p.add_argument("--gb-file", action="store_true", help="also run lakectl on a ~1 GB NDJSON file")
    p.add_argument("--gb-bytes", type=int, default=10**9, help=argparse.SUPPRESS)
    p.add_argument("--repeat", type=int, default=5,
                   help="runs per tool, taking turns; the fastest counts (default 5)")
    p.add_argument("--seed", type=int, default=20261127)
    p.add_argument("--workdir", help="keep inputs and outputs here (default: a temp dir, removed)")
    # worker mode (internal)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--input", help=argparse.SUPPRESS)
    p.add_argument("--contract", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--dirty", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0

    only = [x.strip() for o in args.only for x in o.split(",") if x.strip()]
    bad = [x for x in only if x not in (*TOOLS, "clean", "dirty", "gb")]
    if bad:
        p.error(f"--only: unknown {', '.join(bad)}; choose from {', '.join(TOOLS)}, clean, dirty, gb")
    tools = [t for t in TOOLS if t in only] or list(TOOLS)
    modes = [m for m in ("clean", "dirty") if m in only] or ["clean", "dirty"]
    if "gb" in only and not [m for m in only if m in ("clean", "dirty")]:
        modes = []
    gb = args.gb_file or "gb" in only

    precompile_lake_etl()
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="lakectl-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        mem = "? RAM"
    print(f"machine: {os.cpu_count()} cores, {mem}, Python {sys.version.split()[0]}")
    checks: list[tuple[str, float, float, str]] = []
    try:
        if "clean" in modes:
            checks += bench_mode("clean", workdir, args.records, 0.0, tools, args.repeat, args.seed)
        if "dirty" in modes:
            checks += bench_mode("dirty", workdir, args.records, args.dirty_rate, tools, args.repeat,
                                 args.seed)
        if gb:
            checks += bench_gb(workdir, args.gb_bytes, args.seed)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    if checks:
        print("\ntargets")
        failed = 0
        for name, measured, target, op in checks:
            if measured != measured:  # NaN: not measured
                verdict = "n/a"
            elif op == "x":
                verdict = "PASS" if measured >= target else "FAIL"
            else:
                verdict = "PASS" if measured < target else "FAIL"
            failed += verdict != "PASS"
            m = "-" if measured != measured else (f"{measured:.2f}x" if op == "x" else f"{measured:.0f}")
            t = f">= {target}x" if op == "x" else f"< {target}"
            print(f"  {name:32s} measured {m:>9s}  target {t:>8s}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
