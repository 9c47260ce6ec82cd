"""Terraform plans and states as one list of resource instances (design §6).

Reads what ``terraform show -json`` writes for a saved plan or a state, in every ``format_version``
(0.1, 0.2, 1.0, 1.1, 1.2, ...), and raw ``terraform.tfstate`` files of state format version 4. Raw
states of version 3 and older (Terraform < 0.12) are refused with a message that says what to do.

Every entry is a :class:`TfItem`: address, mode, type, name, module, index, the plan's actions (None
for a state), the values (``after`` for a plan), the attribute paths unknown until apply, and the
deposed key of a deposed object. Module and index are derived from the address when a format lacks
them (:func:`parse_address` handles quoted keys holding dots, brackets and escaped quotes).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakectl.errors import UsageError

ACTION_ORDER = ("create", "update", "replace", "delete", "read", "no-op")


@dataclass(frozen=True)
class Address:
    module: str | None
    mode: str
    type: str
    name: str
    index: int | str | None


@dataclass(frozen=True)
class TfItem:
    address: str
    mode: str
    type: str
    name: str
    module: str | None
    index: int | str | None
    actions: tuple[str, ...] | None
    values: dict[str, Any] | None
    unknowns: tuple[str, ...] = ()
    deposed: str | None = None

    @property
    def action(self) -> str | None:
        """One word for the plan's action list: create, update, replace, delete, read, no-op."""
        if self.actions is None:
            return None
        acts = list(self.actions)
        if set(acts) == {"create", "delete"}:
            return "replace"
        return acts[0] if len(acts) == 1 else "-".join(acts)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "address": self.address,
            "mode": self.mode,
            "type": self.type,
            "name": self.name,
            "module": self.module,
            "index": self.index,
            "actions": list(self.actions) if self.actions is not None else None,
        }
        if self.deposed is not None:
            d["deposed"] = self.deposed
        return d


@dataclass(frozen=True)
class TfDocument:
    kind: str  # "plan" | "state"
    format_version: str
    terraform_version: str | None
    source: str  # "show-json" | "raw-state"
    items: tuple[TfItem, ...]

    def summary(self) -> dict[str, int]:
        if self.kind == "plan":
            counts = Counter(i.action for i in self.items)
            out = {a: counts.get(a, 0) for a in ACTION_ORDER}
            out.update({a: n for a, n in counts.items() if a not in out and a is not None})
        else:
            counts = Counter(i.mode for i in self.items)
            out = {"managed": counts.get("managed", 0), "data": counts.get("data", 0)}
            out["deposed"] = sum(1 for i in self.items if i.deposed)
        out["resources"] = len(self.items)
        return out


# -- addresses ---------------------------------------------------------------------------------------
def _segments(address: str) -> list[tuple[str, int | str | None]]:
    out: list[tuple[str, int | str | None]] = []
    i, n = 0, len(address)
    while i < n:
        j = i
        while j < n and address[j] not in ".[":
            j += 1
        name = address[i:j]
        if not name:
            raise ValueError(f"bad address {address!r} at {i}")
        index: int | str | None = None
        if j < n and address[j] == "[":
            j += 1
            if j < n and address[j] == '"':
                k = j + 1
                while k < n and address[k] != '"':
                    k += 2 if address[k] == "\\" else 1
                if k >= n:
                    raise ValueError(f"unterminated key in address {address!r}")
                index = _unquote_key(address[j + 1 : k])
                j = k + 1
            else:
                k = address.index("]", j)
                index = int(address[j:k])
                j = k
            if j >= n or address[j] != "]":
                raise ValueError(f"bad index in address {address!r}")
            j += 1
        out.append((name, index))
        if j < n:
            if address[j] != ".":
                raise ValueError(f"bad address {address!r} at {j}")
            j += 1
        i = j
    return out


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote_key(body: str) -> str:
    """The text between the quotes of a string key, as Terraform quotes it (HCL, not JSON).

    Terraform writes backslash escapes (n, r, t, quote, backslash; uNNNN and UNNNNNNNN for unprintable
    characters; Terraform 0.12's Go quoting also xNN, a, b, f, v) and doubles a template introducer:
    ``$${`` and ``%%{`` stand for ``${`` and ``%{``.
    """
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\":
            e = body[i + 1 : i + 2]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
                continue
            width = {"x": 2, "u": 4, "U": 8}.get(e)
            digits = body[i + 2 : i + 2 + width] if width else ""
            if not width or len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError(f"bad escape {body[i : i + 2]!r} in key")
            out.append(chr(int(digits, 16)))
            i += 2 + width
            continue
        if c in "$%" and body[i + 1 : i + 3] == c + "{":
            out.append(c + "{")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _quote_key(key: str) -> str:
    """A string key quoted the way Terraform writes it in an address (the inverse of _unquote_key)."""
    out = ['"']
    for i, c in enumerate(key):
        if c in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[c])
        elif c in '"\\':
            out.append("\\" + c)
        elif c in "$%":
            out.append(c + c if key[i + 1 : i + 2] == "{" else c)
        elif not c.isprintable():
            out.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _fmt_index(index: int | str | None) -> str:
    if index is None:
        return ""
    if isinstance(index, int) and not isinstance(index, bool):
        return f"[{index}]"
    return "[" + _quote_key(str(index)) + "]"


def parse_address(address: str) -> Address:
    """``module.a["x"].module.b[0].aws_s3_bucket.this["k.e y"]`` -> module, mode, type, name, index."""
    try:
        segs = _segments(address)
    except (ValueError, json.JSONDecodeError) as e:
        raise UsageError(f"cannot parse resource address {address!r}: {e}") from None
    modules: list[str] = []
    i = 0
    while i + 1 < len(segs) and segs[i][0] == "module" and segs[i][1] is None:
        name, idx = segs[i + 1]
        modules.append(f"module.{name}{_fmt_index(idx)}")
        i += 2
    rest = segs[i:]
    mode = "managed"
    if rest and rest[0] == ("data", None) and len(rest) == 3:
        mode = "data"
        rest = rest[1:]
    if len(rest) != 2 or rest[0][1] is not None:
        raise UsageError(f"cannot parse resource address {address!r}: expected [module.X.]TYPE.NAME[KEY]")
    return Address(".".join(modules) or None, mode, rest[0][0], rest[1][0], rest[1][1])


def make_address(module: str | None, mode: str, type_: str, name: str, index: int | str | None) -> str:
    prefix = f"{module}." if module else ""
    return f"{prefix}{'data.' if mode == 'data' else ''}{type_}.{name}{_fmt_index(index)}"


def _unknown_paths(tree: Any, prefix: str = "") -> Iterator[str]:
    if tree is True:
        yield prefix or "*"
    elif isinstance(tree, dict):
        for k in sorted(tree):
            yield from _unknown_paths(tree[k], f"{prefix}.{k}" if prefix else k)
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _unknown_paths(v, f"{prefix}[{i}]")


# -- documents -----------------------------------------------------------------------------------------
def load_tfjson(path: Path | str) -> TfDocument:
    """Read a plan or state JSON file, or a raw ``terraform.tfstate`` (exit 2 when it is neither)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {p}: {e.strerror or e}") from None
    if data[:2] == b"PK":
        raise UsageError(
            f"{p} is a binary plan file",
            hint=f"run `terraform show -json {p} > plan.json` and pass plan.json",
        )
    hint = "pass `terraform show -json PLANFILE > plan.json` (or `terraform show -json` for the state)"
    if not data.strip():
        raise UsageError(f"{p} is empty", hint=hint)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(
            f"{p} is not JSON (binary content; a saved plan?)",
            hint=f"run `terraform show -json {p} > plan.json` and pass plan.json",
        ) from None
    except json.JSONDecodeError as e:
        raise UsageError(f"{p} is not JSON: {e}", hint=hint) from None
    return parse_tfjson(doc, str(p))


def parse_tfjson(doc: Any, name: str = "document") -> TfDocument:
    """A plan or state document (already decoded); a malformed one is a usage error, never a crash."""
    try:
        return _parse(doc, name)
    except (AttributeError, TypeError, KeyError, ValueError) as e:
        raise UsageError(
            f"{name}: not a well-formed Terraform plan or state ({type(e).__name__}: {e})"
        ) from None


def _parse(doc: Any, name: str) -> TfDocument:
    if not isinstance(doc, dict):
        raise UsageError(f"{name}: not a Terraform plan or state (expected a JSON object)")
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and "format_version" not in doc:
        return _raw_state(doc, name)
    if "format_version" not in doc:
        raise UsageError(
            f"{name}: not a Terraform plan or state (no format_version, no state version)",
            hint="pass the output of `terraform show -json [PLAN]` or a terraform.tfstate file",
        )
    fv = str(doc["format_version"])
    try:
        major = int(fv.split(".")[0])
    except ValueError:
        raise UsageError(f"{name}: unknown format_version {fv!r}") from None
    if major > 1:
        raise UsageError(f"{name}: format_version {fv} is newer than lakectl knows (0.x and 1.x)")
    tf_version = doc.get("terraform_version")
    if _is_plan(doc):
        items = tuple(_plan_items(doc, name))
        return TfDocument("plan", fv, tf_version, "show-json", items)
    other = sorted(set(doc) - _STATE_KEYS)
    if "values" not in doc and other:
        # e.g. `terraform providers schema -json` or `terraform validate -json`: format_version, no state
        raise UsageError(
            f"{name}: not a Terraform plan or state (it has {', '.join(other[:3])})",
            hint="pass `terraform show -json PLANFILE > plan.json` (or `terraform show -json` for the state)",
        )
    values = doc.get("values")
    if values is not None and not isinstance(values, dict):
        raise UsageError(f"{name}: values is not an object")
    items = tuple(_state_module((values or {}).get("root_module") or {}, name))
    return TfDocument("state", fv, tf_version, "show-json", items)


_PLAN_KEYS = (
    "planned_values",
    "resource_changes",
    "resource_drift",
    "output_changes",
    "prior_state",
    "configuration",
    "relevant_attributes",
    "applyable",
    "complete",
    "errored",
)


# What `terraform show -json` writes for a state (an empty state has format_version alone).
_STATE_KEYS = frozenset({"format_version", "terraform_version", "values", "checks"})


def _is_plan(doc: dict[str, Any]) -> bool:
    return any(k in doc for k in _PLAN_KEYS)


def _item_address(entry: dict[str, Any], name: str) -> Address:
    addr = entry.get("address")
    if not isinstance(addr, str):
        raise UsageError(f"{name}: a resource entry has no address")
    parsed = parse_address(addr)
    module = entry.get("module_address", parsed.module)
    return Address(
        module or None,
        entry.get("mode", parsed.mode),
        entry.get("type", parsed.type),
        entry.get("name", parsed.name),
        entry["index"] if "index" in entry else parsed.index,
    )


def _plan_items(doc: dict[str, Any], name: str) -> Iterator[TfItem]:
    for rc in doc.get("resource_changes") or []:
        a = _item_address(rc, name)
        change = rc.get("change") or {}
        actions = change.get("actions")
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise UsageError(f"{name}: {rc.get('address')}: change.actions is missing or not a list of words")
        after = change.get("after")
        yield TfItem(
            address=rc["address"],
            mode=a.mode,
            type=a.type,
            name=a.name,
            module=a.module,
            index=a.index,
            actions=tuple(actions),
            values=after if isinstance(after, dict) else None,
            unknowns=tuple(_unknown_paths(change.get("after_unknown") or {})),
            deposed=rc.get("deposed"),
        )


def _state_module(module: dict[str, Any], name: str) -> Iterator[TfItem]:
    for r in module.get("resources") or []:
        a = _item_address(r, name)
        if a.module is None and module.get("address"):
            a = Address(module["address"], a.mode, a.type, a.name, a.index)
        yield TfItem(
            address=r["address"],
            mode=a.mode,
            type=a.type,
            name=a.name,
            module=a.module,
            index=a.index,
            actions=None,
            values=r.get("values"),
            deposed=r.get("deposed_key"),
        )
    for child in module.get("child_modules") or []:
        yield from _state_module(child, name)


def _raw_state(doc: dict[str, Any], name: str) -> TfDocument:
    version = doc["version"]
    if version < 4:
        raise UsageError(
            f"{name}: state format version {version} is from Terraform < 0.12; run `terraform show -json` "
            "with the Terraform that wrote it, or upgrade the state"
        )
    if version > 4:
        raise UsageError(f"{name}: state format version {version} is newer than lakectl knows (4)")
    items: list[TfItem] = []
    for r in doc.get("resources") or []:
        try:
            module = r.get("module") or None
            mode, type_, rname = r["mode"], r["type"], r["name"]
        except KeyError as e:
            raise UsageError(f"{name}: a resource has no {e.args[0]!r}") from None
        if module is not None and not isinstance(module, str):
            raise UsageError(f"{name}: {type_}.{rname}: module is not an address")
        for inst in r.get("instances") or []:
            index = inst.get("index_key")
            if not (index is None or isinstance(index, str) or type(index) is int):
                raise UsageError(
                    f"{name}: {type_}.{rname}: index_key {index!r} is neither a number nor a string"
                )
            address = make_address(module, mode, type_, rname, index)
            items.append(
                TfItem(
                    address=address,
                    mode=mode,
                    type=type_,
                    name=rname,
                    module=module,
                    index=index,
                    actions=None,
                    values=inst.get("attributes"),
                    deposed=inst.get("deposed"),
                )
            )
    return TfDocument("state", str(version), doc.get("terraform_version"), "raw-state", tuple(items))
