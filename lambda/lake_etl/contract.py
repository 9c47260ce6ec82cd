"""Dataset contracts (design §4): parse, validate, and map contract types to Arrow and Glue.

A contract file lives at ``contracts/datasets/<dataset>/v<N>.json``. This module is stdlib-only at
import time; pyarrow is imported inside :func:`arrow_type` / :meth:`Contract.arrow_schema`.

Every rule violation raises :class:`ContractError` whose message names the file, the field and how
to fix it. The CLI turns it into a usage error (exit 2); the Lambda handler lets it raise (a broken
deployment).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ContractError",
    "Column",
    "Contract",
    "parse_contract",
    "load_contract",
    "load_contracts",
    "arrow_type",
    "glue_type",
    "normalise_type",
    "SCALAR_TYPES",
    "ON_ERROR_MODES",
]

NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*\Z")
DATASET_RE = re.compile(r"^[a-z_][a-z0-9_]*\Z")
FILE_RE = re.compile(r"^v([1-9][0-9]*)\.json\Z")
_DECIMAL_RE = re.compile(r"^decimal\(([0-9]+),([0-9]+)\)\Z")
_ARRAY_RE = re.compile(r"^array<(.+)>\Z")

SCALAR_TYPES = ("string", "boolean", "int", "bigint", "float", "double", "date", "timestamp")
ON_ERROR_MODES = ("reject_file", "reject_record")
UNITS = ("ms", "us")
RESERVED_COLUMNS = ("dt",)
MAX_DECIMAL_PRECISION = 38

_TOP_KEYS = ("dataset", "version", "description", "active", "on_error", "columns")
_COLUMN_KEYS = ("name", "type", "nullable", "source", "unit", "description")


class ContractError(ValueError):
    """A contract file breaks a rule of design §4. The message names the file and field."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # normalised: "bigint", "decimal(10,2)", "array<string>"
    nullable: bool = True
    source: tuple[str, ...] = ()
    unit: str = "ms"  # timestamps (and array<timestamp>) only; "ms" otherwise

    @property
    def source_path(self) -> str:
        """The dotted source path as written (for messages)."""
        return ".".join(self.source)

    @property
    def element_type(self) -> str | None:
        """T for ``array<T>``, else None."""
        m = _ARRAY_RE.match(self.type)
        return m.group(1) if m else None


@dataclass(frozen=True)
class Contract:
    dataset: str
    version: int
    description: str
    active: bool
    on_error: str
    columns: tuple[Column, ...]
    sha256: str
    path: str | None = None

    def arrow_schema(self):  # -> pyarrow.Schema
        import pyarrow as pa

        return pa.schema(
            [pa.field(c.name, arrow_type(c.type, c.unit), nullable=c.nullable) for c in self.columns]
        )


# --------------------------------------------------------------------------------------------------
# The one type map


def normalise_type(type_str: str) -> str:
    """Lower-case and strip whitespace: ``"ARRAY< String >"`` -> ``"array<string>"``.

    Raises ValueError (without file context) for an unknown type.
    """
    if not isinstance(type_str, str):
        raise ValueError(f"type must be a string, got {_json_kind(type_str)}")
    t = re.sub(r"\s+", "", type_str).lower()
    m = _ARRAY_RE.match(t)
    if m:
        inner = m.group(1)
        if _ARRAY_RE.match(inner):
            raise ValueError(f"unknown type {type_str!r}: arrays of arrays are not supported")
        return f"array<{_normalise_scalar(inner, type_str)}>"
    return _normalise_scalar(t, type_str)


def _normalise_scalar(t: str, original: str) -> str:
    if t in SCALAR_TYPES:
        return t
    m = _DECIMAL_RE.match(t)
    if m:
        p, s = int(m.group(1)), int(m.group(2))
        if not 1 <= p <= MAX_DECIMAL_PRECISION:
            raise ValueError(f"type {original!r}: decimal precision must be 1..{MAX_DECIMAL_PRECISION}")
        if s > p:
            raise ValueError(f"type {original!r}: decimal scale must be 0..precision ({p})")
        return f"decimal({p},{s})"
    if t == "decimal":
        raise ValueError(f"type {original!r}: write decimal(p,s), e.g. decimal(10,2)")
    raise ValueError(
        f"unknown type {original!r}; use one of {', '.join(SCALAR_TYPES)}, decimal(p,s) or array<T> of those"
    )


def decimal_params(type_str: str) -> tuple[int, int] | None:
    m = _DECIMAL_RE.match(type_str)
    return (int(m.group(1)), int(m.group(2))) if m else None


def arrow_type(type_str: str, unit: str = "ms"):  # -> pyarrow.DataType
    """THE mapping from a contract type to its Arrow type (writer, Glue checks and verify use it)."""
    import pyarrow as pa

    t = normalise_type(type_str)
    m = _ARRAY_RE.match(t)
    if m:
        return pa.list_(arrow_type(m.group(1), unit))
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    simple = {
        "string": pa.string(),
        "boolean": pa.bool_(),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "float": pa.float32(),
        "double": pa.float64(),
        "date": pa.date32(),
    }
    if t in simple:
        return simple[t]
    if t == "timestamp":
        return pa.timestamp(unit, tz="UTC")
    p, s = decimal_params(t)  # type: ignore[misc]
    return pa.decimal128(p, s)


def glue_type(type_str: str) -> str:
    """The Glue/Athena column type: the normalised contract type (the contract uses Glue's names)."""
    return normalise_type(type_str)


# --------------------------------------------------------------------------------------------------
# Parsing and validation


def _json_kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def parse_contract(data: bytes, name: str = "<contract>") -> Contract:
    """Parse and validate one contract file's bytes. ``name`` is the file path (used in messages, and
    when it ends in ``v<N>.json`` the ``version`` must be N)."""

    def err(field: str | None, msg: str) -> ContractError:
        where = f"{name}: {field}: " if field else f"{name}: "
        return ContractError(where + msg)

    if isinstance(data, str):
        data = data.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise err(None, f"not UTF-8 ({e}); save the file as UTF-8") from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise err(None, f"not valid JSON ({e}); fix the JSON syntax") from None
    if not isinstance(doc, dict):
        raise err(None, f"must be a JSON object, got {_json_kind(doc)}")

    unknown = sorted(set(doc) - set(_TOP_KEYS))
    if unknown:
        raise err(unknown[0], f"unknown key; a contract has only the keys {', '.join(_TOP_KEYS)}")

    # dataset
    if "dataset" not in doc:
        raise err("dataset", "missing; add \"dataset\": \"<name>\" (the folder name under datasets/)")
    dataset = doc["dataset"]
    if not isinstance(dataset, str) or not DATASET_RE.match(dataset):
        raise err(
            "dataset", f"{dataset!r} must be a string matching {DATASET_RE.pattern} (lower-case, as Glue)"
        )

    # version
    if "version" not in doc:
        raise err("version", "missing; add \"version\": N matching the file name v<N>.json")
    version = doc["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise err("version", f"must be a positive integer, got {json.dumps(version)}")
    base = os.path.basename(str(name))
    fm = FILE_RE.match(base)
    if fm and int(fm.group(1)) != version:
        raise err("version", f"is {version} but the file is named {base}; make them agree")

    description = doc.get("description", "")
    if not isinstance(description, str):
        raise err("description", f"must be a string, got {_json_kind(description)}")
    active = doc.get("active", True)
    if not isinstance(active, bool):
        raise err("active", f"must be true or false, got {json.dumps(active)}")
    on_error = doc.get("on_error", "reject_file")
    if on_error not in ON_ERROR_MODES:
        raise err("on_error", f"must be one of {', '.join(ON_ERROR_MODES)}, got {json.dumps(on_error)}")

    cols_doc = doc.get("columns")
    if not isinstance(cols_doc, list) or not cols_doc:
        raise err("columns", "must be a non-empty array of column objects")
    columns: list[Column] = []
    seen: set[str] = set()
    for i, c in enumerate(cols_doc):
        where = f"columns[{i}]"
        if not isinstance(c, dict):
            raise err(where, f"must be an object, got {_json_kind(c)}")
        cname = c.get("name")
        if isinstance(cname, str):
            where = f"columns[{i}] ({cname})"
        unknown = sorted(set(c) - set(_COLUMN_KEYS))
        if unknown:
            raise err(f"{where}.{unknown[0]}", f"unknown key; a column has only {', '.join(_COLUMN_KEYS)}")
        if not isinstance(cname, str) or not NAME_RE.match(cname):
            raise err(
                f"{where}.name",
                f"{json.dumps(cname)} must match {NAME_RE.pattern} (Glue and Athena use lower-case names)",
            )
        if cname in RESERVED_COLUMNS:
            raise err(f"{where}.name", "'dt' is reserved for the partition; rename the column")
        if cname in seen:
            raise err(f"{where}.name", f"duplicate column name {cname!r}")
        seen.add(cname)
        if "type" not in c:
            raise err(f"{where}.type", "missing; e.g. \"type\": \"string\"")
        try:
            ctype = normalise_type(c["type"])
        except ValueError as e:
            raise err(f"{where}.type", str(e)) from None
        nullable = c.get("nullable", True)
        if not isinstance(nullable, bool):
            raise err(f"{where}.nullable", f"must be true or false, got {json.dumps(nullable)}")
        src = c.get("source", cname)
        if not isinstance(src, str) or not src:
            raise err(f"{where}.source", f"must be a non-empty dotted path string, got {json.dumps(src)}")
        segs = tuple(src.split("."))
        if any(s == "" for s in segs):
            raise err(f"{where}.source", f"{src!r} has an empty segment; write keys separated by single dots")
        is_ts = ctype in ("timestamp", "array<timestamp>")
        if "unit" in c:
            if not is_ts:
                raise err(f"{where}.unit", "only timestamp columns take a unit; remove it")
            if c["unit"] not in UNITS:
                raise err(f"{where}.unit", f"must be \"ms\" or \"us\", got {json.dumps(c['unit'])}")
        unit = c.get("unit", "ms")
        columns.append(Column(name=cname, type=ctype, nullable=nullable, source=segs, unit=unit))

    return Contract(
        dataset=dataset,
        version=version,
        description=description,
        active=active,
        on_error=on_error,
        columns=tuple(columns),
        sha256=sha,
        path=None if name == "<contract>" else str(name),
    )


def load_contract(path: str | os.PathLike[str]) -> Contract:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ContractError(f"{p}: cannot read the contract ({e.strerror or e})") from None
    return parse_contract(data, str(p))


def _contract_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(folder dataset name, file) for every contract file under ``<root>/datasets/`` in sorted order."""
    ds_root = root / "datasets"
    if not ds_root.is_dir():
        return
    for ds_dir in sorted(ds_root.iterdir()):
        if not ds_dir.is_dir() or ds_dir.name.startswith((".", "_")):
            continue
        for f in sorted(ds_dir.iterdir()):
            if not f.name.startswith((".", "_")) and f.name.endswith(".json"):
                yield ds_dir.name, f


def _load_file(folder: str, f: Path) -> Contract:
    if not FILE_RE.match(f.name):
        raise ContractError(f"{f}: a contract file must be named v<N>.json (e.g. v1.json)")
    c = load_contract(f)
    if c.dataset != folder:
        raise ContractError(f"{f}: dataset: is {c.dataset!r} but the folder is {folder!r}; make them agree")
    return c


def load_contracts(contracts_dir: str | os.PathLike[str]) -> dict[str, dict[int, Contract]]:
    """Every contract under ``<contracts_dir>/datasets/<dataset>/v<N>.json``: dataset -> version -> Contract.

    The folder name must equal the contract's ``dataset`` and N its ``version``. A missing
    ``contracts_dir`` is an error; one without ``datasets/`` holds no contracts. The first broken
    contract raises :class:`ContractError`; :func:`contract_errors` lists them all.
    """
    root = Path(contracts_dir)
    if not root.is_dir():
        raise ContractError(f"{root}: contracts folder not found (it holds datasets/<dataset>/v<N>.json)")
    out: dict[str, dict[int, Contract]] = {}
    for folder, f in _contract_files(root):
        c = _load_file(folder, f)
        out.setdefault(c.dataset, {})[c.version] = c
    return out


def contract_errors(contracts_dir: str | os.PathLike[str]) -> list[tuple[Path, ContractError]]:
    """Every broken contract file under ``contracts_dir`` with its error (checks report them all)."""
    errors = []
    for folder, f in _contract_files(Path(contracts_dir)):
        try:
            _load_file(folder, f)
        except ContractError as e:
            errors.append((f, e))
    return errors
