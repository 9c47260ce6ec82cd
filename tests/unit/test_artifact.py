"""lakectl build's core (lakectl.artifact): reproducible zips, the layer from wheels, the manifest and
the static checks of the artifact (handler, imports, compiled extensions, size).

Fast and offline except one test that downloads a tiny pure-Python wheel (six) from PyPI. The offline
layer tests feed a wheel built here with zipfile through the wheel cache, so pip (a real subprocess)
resolves it with --no-index and no network. pip is isolated from the machine's pip configuration.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import urllib.request
import zipfile
from pathlib import Path

import pytest

from lakectl import artifact
from lakectl.artifact import (
    build,
    check_extensions,
    check_handler,
    check_imports,
    parse_requirements,
    read_zip,
    unpack_wheels,
    write_zip,
)
from lakectl.errors import IncompleteError, UsageError

REPO = Path(__file__).resolve().parents[2]
UNREACHABLE_INDEX = "http://127.0.0.1:9/simple"  # the discard port: connection refused at once

HANDLER = '''"""handler."""
import json
import os

import boto3  # noqa: the runtime provides it

from lake_etl import transform
from .keys import route


def lambda_handler(event, context):
    return {"files": []}
'''


@pytest.fixture(autouse=True)
def _isolated_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """pip sees no machine config (extra indexes, find-links, constraints); the wheel cache is fresh."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "PIP_CONSTRAINT", "PIP_NO_INDEX"):
        monkeypatch.delenv(var, raising=False)
    cache_root = tmp_path / "cache"
    monkeypatch.setenv("LAKECTL_CACHE_DIR", str(cache_root))
    return cache_root / "wheels"


def make_project(root: Path, *, handler: str = HANDLER, requirements: str = "", extra: dict | None = None,
                 tf_handler: str | None = None) -> Path:
    """A small lake project: lambda/lake_etl (handler + modules), contracts, requirements."""
    pkg = root / "lambda" / "lake_etl"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "9.9.9"\n')
    (pkg / "handler.py").write_text(handler)
    (pkg / "transform.py").write_text(
        "import re\nfrom decimal import Decimal\n\ndef run():\n    import tinydep\n"
    )
    (pkg / "keys.py").write_text("def route(k):\n    return k\n")
    for name, text in (extra or {}).items():
        (pkg / name).write_text(text)
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00junk")
    (pkg / ".DS_Store").write_bytes(b"junk")
    (root / "lambda" / "requirements.txt").write_text(requirements)
    ds = root / "contracts" / "datasets" / "users"
    ds.mkdir(parents=True)
    (ds / "v1.json").write_text('{"dataset": "users", "version": 1, "columns": []}\n')
    if tf_handler is not None:
        (root / "terraform").mkdir()
        (root / "terraform" / "main.tf").write_text(
            'resource "aws_lambda_function" "this" {\n'
            '  function_name = "etl"\n'
            f'  handler       = "{tf_handler}"\n'
            '  runtime       = "python3.12"\n'
            '  role          = "arn:aws:iam::123456789012:role/etl"\n'
            "}\n"
        )
    return root


def make_wheel(directory: Path, name: str = "tinydep", version: str = "0.1.0",
               tag: str = "py3-none-any", extra: dict[str, bytes] | None = None) -> Path:
    """A minimal but proper wheel (dist-info METADATA/WHEEL/RECORD), written with zipfile."""
    directory.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{name}/__pycache__/__init__.cpython-312.pyc": b"\x00junk",
        f"{name}-{version}.data/purelib/{name}_extra.py": b"EXTRA = 1\n",
        f"{name}-{version}.data/scripts/{name}-cli": b"#!python\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
        **(extra or {}),
    }
    record = "".join(
        f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
        for n, d in files.items()
    ) + f"{dist}/RECORD,,\n"
    path = directory / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
        zf.writestr(f"{dist}/RECORD", record)
    return path


def codes(findings) -> list[str]:
    return sorted(f.code for f in findings)


# --------------------------------------------------------------------------------------------------
# function.zip


def test_code_zip_is_byte_identical_across_builds_and_mtimes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    first = build(project, layer=False, build_dir=tmp_path / "b1")
    for i, path in enumerate(sorted(project.rglob("*"))):
        os.utime(path, (1_000_000_000 + i * 3601, 1_700_000_000 - i * 7919))  # every mtime changes
    second = build(project, layer=False, build_dir=tmp_path / "b2")
    one = (tmp_path / "b1" / "function.zip").read_bytes()
    two = (tmp_path / "b2" / "function.zip").read_bytes()
    assert one == two
    assert first.artifacts[0].sha256 == second.artifacts[0].sha256 == hashlib.sha256(one).hexdigest()
    assert (tmp_path / "b1" / "manifest.json").read_text() == (tmp_path / "b2" / "manifest.json").read_text()


def test_code_zip_holds_lake_etl_and_contracts_beside_it_and_nothing_else(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    build(project, layer=False)
    path = project / ".lakectl" / "build" / "function.zip"  # the stack's build_dir default
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert names == [
        "contracts/datasets/users/v1.json",
        "lake_etl/__init__.py", "lake_etl/handler.py", "lake_etl/keys.py", "lake_etl/transform.py",
    ]
    for i in infos:
        assert i.date_time == (1980, 1, 1, 0, 0, 0)
        assert i.external_attr >> 16 == 0o100644
        assert i.extra == b""
        assert i.compress_type == zipfile.ZIP_DEFLATED
    # the handler's default CONTRACTS_DIR is <artifact root>/contracts: lake_etl's parent + contracts
    assert read_zip(path)["contracts/datasets/users/v1.json"].startswith(b'{"dataset": "users"')


def test_write_zip_ignores_input_order(tmp_path: Path) -> None:
    entries = {"b/x.py": b"1", "a.py": b"2" * 1000, "a/z.txt": b""}
    write_zip(tmp_path / "1.zip", entries)
    write_zip(tmp_path / "2.zip", list(reversed(list(entries.items()))))
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()


def test_without_lambda_dir_the_shipped_lake_etl_is_packed(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(REPO / "contracts", project / "contracts")
    result = build(project, layer=False, stack=tmp_path / "no-stack")
    code = read_zip(project / ".lakectl" / "build" / "function.zip")
    assert "lake_etl/handler.py" in code and "contracts/datasets/users/v1.json" in code
    assert result.manifest["lake_etl_source"] == "lakectl"
    assert not result.findings, result.findings


def test_not_a_lake_project_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a lake project"):
        build(tmp_path, layer=False)
    with pytest.raises(UsageError, match="--runtime"):
        build(make_project(tmp_path / "p"), runtime="python3.9")


# --------------------------------------------------------------------------------------------------
# The handler and import checks


def test_handler_check_catches_a_wrong_module_name_from_the_stack(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", tf_handler="lake_etl.handlers.lambda_handler")
    result = build(project, layer=False)
    assert codes(result.findings) == ["PKG101"]
    assert "lake_etl/handlers.py" in result.findings[0].message
    assert result.handler == "lake_etl.handlers.lambda_handler"


def test_handler_check_catches_a_missing_callable(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", handler="def handle(event, context):\n    return {}\n")
    result = build(project, layer=False)
    assert codes(result.findings) == ["PKG102"]
    assert "'lambda_handler'" in result.findings[0].message


def test_check_handler_on_zip_entries() -> None:
    code = {"lake_etl/__init__.py": b"", "lake_etl/handler.py": b"from x import lambda_handler\n"}
    assert check_handler(code, "lake_etl.handler.lambda_handler") == []
    assert codes(check_handler(code, "lambda_handler")) == ["PKG101"]
    assert codes(check_handler({"lake_etl/handler.py": b"def (:\n"}, "lake_etl.handler.f")) == ["PKG103"]


def test_import_check_catches_a_module_not_in_the_layer(tmp_path: Path) -> None:
    code = {
        "lake_etl/__init__.py": b"",
        "lake_etl/handler.py": HANDLER.encode(),
        "lake_etl/keys.py": b"",
        "lake_etl/transform.py": b"import pandas as pd\nimport pyarrow.parquet as pq\n",
        "lake_etl/opt.py": b"try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
                           b"from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_stubs\n",
        "lake_etl/rel.py": b"from .missing import x\nfrom . import keys\n",
    }
    layer = ["python/pyarrow/__init__.py", "python/pyarrow-26.0.1.dist-info/METADATA"]
    findings, checked = check_imports(code, layer, "python3.12")
    assert checked >= 9
    msgs = sorted(f.message for f in findings)
    assert codes(findings) == ["PKG205", "PKG205"]
    assert "'pandas'" in msgs[1] and "lake_etl/transform.py:1" in msgs[1]
    assert "'.missing'" in msgs[0]
    # stdlib modules the target runtime no longer has are not resolved by this interpreter's list
    gone, _ = check_imports({"lake_etl/a.py": b"import asyncore\n"}, [], "python3.12")
    assert codes(gone) == ["PKG205"]
    # without a layer of our own (--no-layer), third-party imports cannot be proved: not reported
    unproved, _ = check_imports(code, [], "python3.12", layer_known=False)
    assert [f.message.split(" imports ")[1].split(",")[0] for f in unproved] == ["'.missing'"]


def test_build_reports_an_import_the_built_layer_lacks(tmp_path: Path, _isolated_pip: Path) -> None:
    make_wheel(_isolated_pip)
    handler = HANDLER + "\nimport pandas\n"
    project = make_project(tmp_path / "p", handler=handler, requirements="tinydep==0.1.0\n")
    result = build(project)
    assert codes(result.findings) == ["PKG205"]
    assert "'pandas'" in result.findings[0].message
    assert result.findings[0].resource == f"function.zip:lake_etl/handler.py:{handler.count(chr(10))}"


# --------------------------------------------------------------------------------------------------
# layer.zip


def test_layer_from_a_cached_local_wheel_offline_and_reproducible(
    tmp_path: Path, _isolated_pip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_wheel(_isolated_pip)
    monkeypatch.setenv("PIP_INDEX_URL", UNREACHABLE_INDEX)  # any network use would fail the build
    project = make_project(tmp_path / "p", requirements="# deps\ntinydep==0.1.0  # pinned\n")
    first = build(project, build_dir=tmp_path / "b1")
    assert first.findings == [], first.findings
    layer = read_zip(tmp_path / "b1" / "layer.zip")
    assert sorted(layer) == [
        "python/tinydep-0.1.0.dist-info/METADATA", "python/tinydep-0.1.0.dist-info/RECORD",
        "python/tinydep-0.1.0.dist-info/WHEEL", "python/tinydep/__init__.py", "python/tinydep_extra.py",
    ]
    second = build(project, build_dir=tmp_path / "b2")
    assert (tmp_path / "b1" / "layer.zip").read_bytes() == (tmp_path / "b2" / "layer.zip").read_bytes()
    assert [a.sha256 for a in first.artifacts] == [a.sha256 for a in second.artifacts]
    m = json.loads((tmp_path / "b1" / "manifest.json").read_text())
    data = (tmp_path / "b1" / "layer.zip").read_bytes()
    assert m["artifacts"]["layer.zip"]["sha256"] == hashlib.sha256(data).hexdigest()
    b64 = base64.b64encode(hashlib.sha256(data).digest()).decode()  # Terraform's filebase64sha256
    assert m["artifacts"]["layer.zip"]["base64_sha256"] == b64
    assert m["layer"]["requirements"] == ["tinydep==0.1.0"]
    assert m["inputs"]["requirements"]["sha256"] == hashlib.sha256(
        (project / "lambda" / "requirements.txt").read_bytes()).hexdigest()
    assert m["lake_etl_version"] == "9.9.9" and m["runtime"] == "python3.12" and m["architecture"] == "x86_64"
    assert list(m) == sorted(m)  # sorted keys, and no clock anywhere
    assert "time" not in json.dumps(m).lower().replace("runtime", "")


def test_unpinned_and_unsupported_requirements_are_findings_and_no_layer_is_left(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", requirements="pyarrow>=20\n-r other.txt\nsix==1.*\n")
    stale = project / ".lakectl" / "build" / "layer.zip"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    result = build(project)
    assert codes(result.findings) == ["PKG201", "PKG201", "PKG202"]
    assert {f.resource for f in result.findings} == {
        "lambda/requirements.txt:1", "lambda/requirements.txt:2", "lambda/requirements.txt:3"}
    assert not stale.exists()  # never deploy a layer that is not this build's
    assert (project / ".lakectl" / "build" / "function.zip").is_file()


@pytest.mark.parametrize(
    ("text", "pinned", "bad"),
    [
        ("pyarrow==26.0.1\n", ["pyarrow"], []),
        ("Py_Arrow[s3] == 26.0.1 ; python_version >= '3.12'\n", ["py-arrow"], ["PKG211"]),
        ("six==1.16.0 \\\n    --hash=sha256:abc\n", ["six"], []),
        ("pyarrow\n", [], ["PKG201"]),
        ("pyarrow~=26.0\n", [], ["PKG201"]),
        ("--index-url https://x\n", [], ["PKG202"]),
        ("https://x/pyarrow.whl\n", [], ["PKG202"]),
        ("\n# only a comment\n", [], []),
    ],
)
def test_parse_requirements(text: str, pinned: list[str], bad: list[str]) -> None:
    reqs, findings = parse_requirements(text, "lambda/requirements.txt")
    assert [r.name for r in reqs] == pinned
    assert codes(findings) == bad


def test_unpack_wheels_maps_data_dirs_and_rejects_unsafe_paths(tmp_path: Path) -> None:
    good = make_wheel(tmp_path / "w")
    evil = make_wheel(tmp_path / "w", name="evil", extra={"../escape.py": b"x"})
    clash = make_wheel(tmp_path / "w", name="clash", extra={"tinydep/__init__.py": b"OTHER = 1\n"})
    entries, findings = unpack_wheels([good, evil])
    assert "python/tinydep_extra.py" in entries and "python/evil/__init__.py" in entries
    assert not any("scripts" in n or "__pycache__" in n or "escape" in n for n in entries)
    assert codes(findings) == ["PKG204"]
    _, findings = unpack_wheels([good, clash])
    assert codes(findings) == ["PKG204"] and "tinydep/__init__.py" in findings[0].message


ELF_X86 = b"\x7fELF\x02\x01\x01" + b"\x00" * 11 + (62).to_bytes(2, "little") + b"\x00" * 40
ELF_ARM = b"\x7fELF\x02\x01\x01" + b"\x00" * 11 + (183).to_bytes(2, "little") + b"\x00" * 40


def test_extension_check_wants_cpython_312_and_the_architecture() -> None:
    ok = {
        "python/pyarrow/lib.cpython-312-x86_64-linux-gnu.so": ELF_X86,
        "python/pyarrow/libarrow.so.2600": ELF_X86,
        "python/fast/_x.abi3.so": ELF_X86,
        "python/pyarrow/__init__.py": b"",
    }
    findings, checked = check_extensions(ok, "python3.12", "x86_64")
    assert findings == [] and checked == 3
    bad = {
        "python/a/m.cpython-311-x86_64-linux-gnu.so": ELF_X86,  # another CPython
        "python/b/m.cpython-312-aarch64-linux-gnu.so": ELF_ARM,  # another architecture (tag)
        "python/c/libz.so.1": ELF_ARM,  # another architecture (ELF header)
        "python/d/m.cpython-312-darwin.so": b"\xcf\xfa\xed\xfe" + b"\x00" * 20,  # macOS
        "python/e/m.pyd": b"MZ",
    }
    findings, _ = check_extensions(bad, "python3.12", "x86_64")
    assert codes(findings) == ["PKG206"] * 5
    arm = {"python/b/m.cpython-312-aarch64-linux-gnu.so": ELF_ARM, "python/b/libx.so.1": ELF_ARM}
    assert check_extensions(arm, "python3.12", "arm64")[0] == []
    # one finding per package and reason, not one per file
    grouped, _ = check_extensions({**arm, "python/b/n.cpython-312-aarch64-linux-gnu.so": ELF_ARM},
                                  "python3.12", "x86_64")
    assert len(grouped) == 2  # the two tagged modules together, the library by its ELF header
    assert "(and 1 more shared objects under python/b/)" in grouped[1].message


def test_size_over_the_lambda_limit_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(artifact, "UNZIPPED_LIMIT", 100)
    result = build(make_project(tmp_path / "p"), layer=False)
    assert codes(result.findings) == ["PKG207"]
    assert result.summary()["built"] is False


def test_no_network_and_no_cache_is_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", UNREACHABLE_INDEX)
    project = make_project(tmp_path / "p", requirements="tinydep==0.1.0\n")
    build(project, layer=False)
    out = project / ".lakectl" / "build"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (project / "lambda" / "lake_etl" / "keys.py").write_text("CHANGED = 1\n")
    with pytest.raises(IncompleteError, match="unreachable") as e:
        build(project)
    assert "127.0.0.1" in e.value.message
    # nothing was written: the previous build (zip and manifest) stays whole and consistent
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _pypi_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/simple/six/", timeout=5).close()
        return True
    except OSError:
        return False


def test_layer_from_pypi_tiny_pure_python_requirement(tmp_path: Path, _isolated_pip: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if not _pypi_reachable():
        pytest.skip("needs https://pypi.org to download six==1.16.0 (a 11 kB wheel); PyPI is unreachable")
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.org/simple")
    project = make_project(tmp_path / "p", requirements="six==1.16.0\n",
                           handler=HANDLER.replace("import json", "import six"))
    (project / "lambda" / "lake_etl" / "transform.py").write_text("import six.moves\n")
    progress: list[str] = []
    first = build(project, build_dir=tmp_path / "b1", progress=progress.append)
    assert first.findings == [], first.findings
    assert any("Downloading six" in p or "Saved" in p for p in progress)
    assert "python/six.py" in read_zip(tmp_path / "b1" / "layer.zip")
    assert (_isolated_pip / "six-1.16.0-py2.py3-none-any.whl").is_file()  # cached for an offline rebuild
    monkeypatch.setenv("PIP_INDEX_URL", UNREACHABLE_INDEX)
    second = build(project, build_dir=tmp_path / "b2")
    assert (tmp_path / "b1" / "layer.zip").read_bytes() == (tmp_path / "b2" / "layer.zip").read_bytes()
    assert first.manifest == second.manifest
