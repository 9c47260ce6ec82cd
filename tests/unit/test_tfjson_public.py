"""`lakectl show --json` on real plan/state documents from public repositories (held-out acceptance).

The fixtures (tests/fixtures/tfjson/public, sources in its README) are read twice: by ``lakectl show``
and by the small reference reader below, written from the documented formats only (Terraform's
"JSON Output Format" page for ``show -json``; the v4 state file layout), sharing no code with
lakectl.stack.tfjson. Every address, mode, type, name, module, index and action list must agree.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lakectl.cli import app
from lakectl.stack.tfjson import make_address, parse_address

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "tfjson" / "public"
DOCS = sorted(p for p in PUBLIC.iterdir() if p.name != "README.md")
REFUSED = {"tf-roundtrip-v3-simple.tfstate"}


def show(*args: str):
    return CliRunner().invoke(app, ["show", *args], terminal_width=200)


# -- the reference reader ----------------------------------------------------------------------------
def _ref_key(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    assert all(c.isprintable() and c not in '"\\' for c in key) and "${" not in key, "fixture key too hard"
    return f'["{key}"]'


def _ref_entry(r: dict[str, Any], module: str | None, actions: list[str] | None) -> dict[str, Any]:
    return {
        "address": r["address"],
        "mode": r["mode"],
        "type": r["type"],
        "name": r["name"],
        "module": module,
        "index": r.get("index"),
        "actions": actions,
    }


def _ref_module(m: dict[str, Any]) -> list[dict[str, Any]]:
    out = [_ref_entry(r, m.get("address"), None) for r in m.get("resources", [])]
    for child in m.get("child_modules", []):
        out += _ref_module(child)
    return out


def reference(doc: dict[str, Any]) -> dict[str, Any]:
    if "format_version" not in doc:  # a raw state file, version 4
        rows = []
        for r in doc.get("resources", []):
            for inst in r["instances"]:
                mod = r.get("module")
                addr = (f"{mod}." if mod else "") + ("data." if r["mode"] == "data" else "")
                addr += f"{r['type']}.{r['name']}{_ref_key(inst.get('index_key'))}"
                rows.append(
                    {
                        "address": addr,
                        "mode": r["mode"],
                        "type": r["type"],
                        "name": r["name"],
                        "module": mod,
                        "index": inst.get("index_key"),
                        "actions": None,
                    }
                )
        return {"kind": "state", "format_version": str(doc["version"]), "resources": rows}
    if "values" in doc or not {"resource_changes", "planned_values", "output_changes"} & set(doc):
        rows = _ref_module((doc.get("values") or {}).get("root_module") or {})
        return {"kind": "state", "format_version": doc["format_version"], "resources": rows}
    rows = [
        _ref_entry(rc, rc.get("module_address"), rc["change"]["actions"])
        for rc in doc.get("resource_changes", [])
    ]
    return {"kind": "plan", "format_version": doc["format_version"], "resources": rows}


# -- tests -------------------------------------------------------------------------------------------
def test_the_corpus_is_varied() -> None:
    kinds = {json.loads(p.read_text()).get("format_version", "raw") for p in DOCS}
    assert {"0.1", "0.2", "1.0", "1.1", "1.2", "raw"} <= kinds
    assert len(DOCS) >= 15


@pytest.mark.parametrize("path", [p for p in DOCS if p.name not in REFUSED], ids=lambda p: p.name)
def test_show_agrees_with_the_reference_reader(path: Path) -> None:
    result = show(str(path), "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    want = reference(json.loads(path.read_text()))
    assert got["kind"] == want["kind"]
    assert got["format_version"] == want["format_version"]
    fields = ("address", "mode", "type", "name", "module", "index", "actions")
    assert [{k: r[k] for k in fields} for r in got["resources"]] == want["resources"]
    assert got["summary"]["resources"] == len(want["resources"])
    # the module/index lakectl reports are the ones its own address parser reads back
    for r in got["resources"]:
        a = parse_address(r["address"])
        assert (a.module, a.mode, a.type, a.name, a.index) == (
            r["module"],
            r["mode"],
            r["type"],
            r["name"],
            r["index"],
        )


@pytest.mark.parametrize(
    ("name", "address", "module", "index", "actions"),
    [
        ("tfjson-basic-plan-0.1.json", "data.null_data_source.baz", None, None, ["read"]),
        ("tfjson-basic-plan-0.1.json", "null_resource.baz[2]", None, 2, ["create"]),
        (
            "tfjson-deep_module-plan-0.1.json",
            "module.foo.module.bar.null_resource.baz",
            "module.foo.module.bar",
            None,
            ["create"],
        ),
        ("tfjson-action_reason-plan-1.2.json", "null_resource.example", None, None, ["delete", "create"]),
        ("tf-show-json-basic-delete-0.2.json", "test_instance.test-delete", None, None, ["delete"]),
        (
            "tfjson-has_checks-state-1.0.json",
            'module.files.local_file.foo["file1.txt"]',
            "module.files",
            "file1.txt",
            None,
        ),
        ("tf-roundtrip-v4-modules.tfstate", 'module.modB.null_resource.bar["b"]', "module.modB", "b", None),
        (
            "ghsearch-apigw-foreach-raw-v4-1.9.tfstate",
            'aws_api_gateway_method.method["get_session"]',
            None,
            "get_session",
            None,
        ),
    ],
)
def test_known_entries(name: str, address: str, module: str | None, index: Any, actions: Any) -> None:
    doc = json.loads(show(str(PUBLIC / name), "--json").stdout)
    [entry] = [r for r in doc["resources"] if r["address"] == address]
    assert (entry["module"], entry["index"], entry["actions"]) == (module, index, actions)


def test_drift_and_output_only_plans_list_resource_changes_only() -> None:
    drift = json.loads(show(str(PUBLIC / "tf-show-json-drift-1.0.json"), "--json").stdout)
    assert [r["address"] for r in drift["resources"]] == [
        "test_instance.no_refresh",
        "test_instance.should_refresh",
    ]
    outputs = json.loads(show(str(PUBLIC / "tf-show-json-unknown-output-1.1.json"), "--json").stdout)
    assert outputs["kind"] == "plan" and outputs["resources"] == []
    empty = json.loads(show(str(PUBLIC / "tf-show-json-state-empty-1.0.json"), "--json").stdout)
    assert empty["kind"] == "state" and empty["resources"] == []


def test_raw_v3_state_is_refused() -> None:
    result = show(str(PUBLIC / "tf-roundtrip-v3-simple.tfstate"), "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "version 3" in result.stderr and "Traceback" not in result.output


def test_human_output_of_every_public_document(tmp_path: Path) -> None:
    for path in DOCS:
        result = show(str(path))
        assert result.exit_code == (2 if path.name in REFUSED else 0), (path.name, result.output)


# -- files that are not plans or states ---------------------------------------------------------------
def _zip_plan(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("tfplan", b"\x00binary")


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("empty.json", lambda p: p.write_bytes(b""), "is empty"),
        ("blank.json", lambda p: p.write_bytes(b" \n"), "is empty"),
        ("notes.txt", lambda p: p.write_text("resource_changes: none\n"), "is not JSON"),
        (
            "package.json",
            lambda p: p.write_text('{"name": "x", "version": "1.0.0"}'),
            "not a Terraform plan or state",
        ),
        ("list.json", lambda p: p.write_text("[]"), "not a Terraform plan or state"),
        ("null.json", lambda p: p.write_text("null"), "not a Terraform plan or state"),
        ("future.json", lambda p: p.write_text('{"format_version": "2.0"}'), "newer than lakectl knows"),
        ("bad.json", lambda p: p.write_text('{"format_version": "x"}'), "unknown format_version"),
        ("v5.tfstate", lambda p: p.write_text('{"version": 5, "resources": []}'), "newer than lakectl knows"),
        ("adir", lambda p: p.mkdir(), "cannot read"),
        ("missing.json", lambda p: None, "cannot read"),
        ("binary.bin", lambda p: p.write_bytes(b"\xff\xfe\x00\x01"), "terraform show -json"),
        ("tfplan", _zip_plan, "terraform show -json"),
        ("plan.tfplan", _zip_plan, "binary plan file"),
    ],
)
def test_unusable_input_exits_2_with_a_message(tmp_path: Path, name: str, make, message: str) -> None:
    path = tmp_path / name
    make(path)
    result = show(str(path), "--json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_binary_plan_message_names_the_command(tmp_path: Path) -> None:
    path = tmp_path / "tfplan"
    _zip_plan(path)
    result = show(str(path))
    assert f"terraform show -json {path} > plan.json" in result.stderr


# -- string keys as Terraform writes them --------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "written"),
    [
        ("a.b", '["a.b"]'),
        ('k["q"].z', '["k[\\"q\\"].z"]'),
        ("${var.x}", '["$${var.x}"]'),
        ("%{ if }", '["%%{ if }"]'),
        ("$5 and 100%", '["$5 and 100%"]'),
        ("line\nbreak\ttab", '["line\\nbreak\\ttab"]'),
        ("back\\slash", '["back\\\\slash"]'),
        ("\x01", '["\\u0001"]'),
        ("naïve", '["naïve"]'),
    ],
)
def test_string_keys_round_trip_in_terraform_quoting(key: str, written: str) -> None:
    address = make_address('module.m["x.y"]', "data", "aws_t", "n", key)
    assert address == f'module.m["x.y"].data.aws_t.n{written}'
    parsed = parse_address(address)
    assert (parsed.module, parsed.mode, parsed.type, parsed.name, parsed.index) == (
        'module.m["x.y"]',
        "data",
        "aws_t",
        "n",
        key,
    )


def test_raw_state_address_escapes_a_template_key(tmp_path: Path) -> None:
    state = {
        "version": 4,
        "resources": [
            {
                "mode": "managed",
                "type": "aws_s3_object",
                "name": "o",
                "module": 'module.m["a.b"]',
                "each": "map",
                "instances": [{"index_key": '${x}.["y"]', "attributes": {}}],
            }
        ],
    }
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(state))
    [r] = json.loads(show(str(path), "--json").stdout)["resources"]
    assert r["address"] == 'module.m["a.b"].aws_s3_object.o["$${x}.[\\"y\\"]"]'
    assert r["index"] == '${x}.["y"]' and r["module"] == 'module.m["a.b"]'


def test_plan_without_index_fields_reads_them_from_the_address(tmp_path: Path) -> None:
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": 'module.a["$${k}"].aws_x.y["$${v}"]', "change": {"actions": ["no-op"]}},
            {"address": "module.a[0].data.aws_z.w[3]", "change": {"actions": ["read"]}},
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    rows = json.loads(show(str(path), "--json").stdout)["resources"]
    assert [(r["module"], r["mode"], r["type"], r["name"], r["index"]) for r in rows] == [
        ('module.a["$${k}"]', "managed", "aws_x", "y", "${v}"),
        ("module.a[0]", "data", "aws_z", "w", 3),
    ]


def test_human_output_prints_keys_that_look_like_markup(tmp_path: Path) -> None:
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": 'aws_x.y["[bold]red[/bold]"]', "change": {"actions": ["create"]}},
            {"address": 'module.m["[/]"].aws_x.z["[link=x]"]', "change": {"actions": ["delete"]}},
        ],
    }
    path = tmp_path / "plan[1].json"
    path.write_text(json.dumps(doc))
    result = show(str(path))
    assert result.exit_code == 0, result.output
    for text in ('aws_x.y["[bold]red[/bold]"]', 'module.m["[/]"]', '["[link=x]"]', "plan[1].json"):
        assert text in result.stdout


KEYS = Path(__file__).resolve().parents[1] / "fixtures" / "tfjson" / "keys"
KEY_VALUES = ["${x}", "%{y}", "[/]", 'a"b', "a.b[0]", "b\\s", "naïve", "tab\there"]


@pytest.mark.parametrize("version", ["tf1.0.3", "tf1.11.4"])
@pytest.mark.parametrize("kind", ["-plan.json", "-state.json", ".tfstate"])
def test_keys_terraform_quotes_read_back(version: str, kind: str) -> None:
    rows = json.loads(show(str(KEYS / f"{version}{kind}"), "--json").stdout)["resources"]
    keyed = [r for r in rows if r["name"] == "k"]
    assert sorted(r["index"] for r in keyed) == sorted(KEY_VALUES)
    modules = sorted({r["module"] for r in rows if r["name"] == "c"})
    assert modules == ['module.m["q\\"q"]', 'module.m["x.y"]']
    for r in rows:
        a = parse_address(r["address"])
        assert (a.module, a.mode, a.type, a.name, a.index) == (
            r["module"],
            r["mode"],
            r["type"],
            r["name"],
            r["index"],
        )


def test_raw_state_addresses_are_terraforms_own() -> None:
    def addresses(name: str) -> list[str]:
        return sorted(r["address"] for r in json.loads(show(str(KEYS / name), "--json").stdout)["resources"])

    assert (
        addresses("tf1.11.4.tfstate") == addresses("tf1.11.4-state.json") == addresses("tf1.11.4-plan.json")
    )
    assert 'null_resource.k["$${x}"]' in addresses("tf1.11.4.tfstate")


@pytest.mark.parametrize("version", ["tf1.0.3", "tf1.11.4"])
def test_create_before_destroy_replacement(version: str) -> None:
    doc = json.loads(show(str(KEYS / f"{version}-cbd-plan.json"), "--json").stdout)
    [r] = doc["resources"]
    assert r["address"] == 'module.m["a.b"].null_resource.d' and r["module"] == 'module.m["a.b"]'
    assert r["actions"] == ["create", "delete"] and r["index"] is None
    assert doc["summary"]["replace"] == 1 and doc["summary"]["create"] == 0


@pytest.mark.parametrize(
    "doc",
    [
        {"format_version": "1.2", "resource_changes": "x"},
        {"format_version": "1.2", "resource_changes": [1]},
        {"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": {"actions": [1]}}]},
        {
            "format_version": "1.2",
            "resource_changes": [{"address": "a.b[x]", "change": {"actions": ["create"]}}],
        },
        {"format_version": "1.0", "values": []},
        {"format_version": "1.0", "values": {"root_module": {"resources": "x"}}},
        {"format_version": "1.0", "values": {"root_module": {"child_modules": [5]}}},
        {"format_version": "1.0", "provider_schemas": {}},
        {"format_version": "1.0", "valid": True, "diagnostics": []},
        {"version": 4, "resources": [5]},
        {"version": 4, "resources": [{"mode": "managed", "type": "a", "name": "b", "instances": "x"}]},
        {
            "version": 4,
            "resources": [{"mode": "managed", "type": "a", "name": "b", "instances": [{"index_key": [1]}]}],
        },
        {
            "version": 4,
            "resources": [{"mode": "managed", "type": "a", "name": "b", "module": 5, "instances": [{}]}],
        },
    ],
)
def test_malformed_documents_exit_2_without_a_traceback(tmp_path: Path, doc: dict) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    result = show(str(path), "--json")
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
