"""``lakectl build``: the Lambda artifact, reproducible (design §5, §7, §8).

Makes, under ``<project>/.lakectl/build`` (the stack's ``build_dir`` default):

``function.zip``   the ``lake_etl`` package (the project's ``lambda/lake_etl``, else the one shipped
                   with lakectl) and the project's ``contracts/`` beside it, so the handler's default
                   ``CONTRACTS_DIR`` (``<artifact root>/contracts``) holds them.
``layer.zip``      ``python/`` with the wheels of ``lambda/requirements.txt`` (every line pinned with
                   ``==``) for the function's runtime and architecture (``pip download --only-binary
                   :all: --platform manylinux_2_28_<arch> ...``), unpacked as an installer would.
``manifest.json``  sha256 and base64 sha256 (Lambda's ``CodeSha256``, Terraform's ``source_code_hash``)
                   and sizes of each zip, hashes of every input, runtime, architecture, versions.

Both zips are reproducible: entries sorted, timestamps 1980-01-01, mode 0644, deflate level 6, no
extra fields. Same inputs (and the same zlib) -> byte-identical zips, whatever the files' mtimes.
Downloaded wheels are cached in ``$LAKECTL_CACHE_DIR/wheels`` (default ``~/.cache/lakectl/wheels``);
a rebuild first resolves from the cache alone, so it needs no network.

Then the artifact is checked statically (a cp312 layer cannot be imported by this interpreter): the
Terraform ``handler`` names a module in the code zip that defines the callable (PKG101-103), every
import in ``lake_etl`` resolves to the stdlib, the code zip, the layer or the runtime's boto3
(PKG205), the layer's compiled extensions match the runtime and architecture (PKG206), and function
+ layer stay under Lambda's 250 MB unzipped limit (PKG207).

Codes (PKG101-103 are the same facts preflight reports against ``lambda/``, here proved on the zip):

* PKG101 error   the handler's module is not in function.zip (or the handler is not module.callable)
* PKG102 error   the module does not define the callable at top level
* PKG103 error   a module in function.zip does not parse
* PKG201 error   a requirements line is not pinned with ``==`` (the layer would not be reproducible)
* PKG202 error   a requirements line lakectl does not understand (``-r``, ``-e``, URLs, options)
* PKG203 error   pip found no wheel for the runtime and architecture (or the pin does not exist)
* PKG204 error   a wheel holds an unsafe path, or two wheels put different bytes at the same path
* PKG205 error   an import in lake_etl resolves nowhere in the artifact or the runtime
* PKG206 error   a compiled extension in the layer is for another Python or architecture
* PKG207 error   function + layer exceed 250 MB unzipped
* PKG208 warning runtime or architecture differ from the stack's function
* PKG209 warning the layer and the stack disagree (no layer.zip, but the stack publishes one)
* PKG210 warning a wheel in the layer comes from a dependency requirements.txt does not pin
* PKG211 warning a requirement carries an environment marker (pip evaluates it for this machine)
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lakectl.errors import IncompleteError, UsageError
from lakectl.findings import Finding, sort_findings, summarize

Progress = Callable[[str], None]

BUILD_DIR = Path(".lakectl") / "build"
FUNCTION_ZIP = "function.zip"
LAYER_ZIP = "layer.zip"
MANIFEST = "manifest.json"
DEFAULT_HANDLER = "lake_etl.handler.lambda_handler"
DEFAULT_RUNTIME = "python3.12"
DEFAULT_ARCHITECTURE = "x86_64"
RUNTIMES = ("python3.12", "python3.13")
ARCHITECTURES = ("x86_64", "arm64")
UNZIPPED_LIMIT = 262_144_000  # 250 MB: function + all its layers, unzipped (Lambda quota)

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o100644  # regular file, rw-r--r--
ZIP_LEVEL = 6
MANIFEST_FORMAT = 1

# The Lambda Python runtime provides boto3 (and what boto3 needs); the handler imports it.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"})
# Modules this interpreter's stdlib still has that the target runtime no longer ships.
_REMOVED = {
    "python3.12": {"distutils", "imp", "asynchat", "asyncore", "smtpd"},
    "python3.13": {
        "distutils", "imp", "asynchat", "asyncore", "smtpd", "aifc", "audioop", "cgi", "cgitb", "chunk",
        "crypt", "imghdr", "lib2to3", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes",
        "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
    },
}
_ELF_MACHINE = {"x86_64": 62, "arm64": 183}
_ELF_NAMES = {62: "x86_64", 183: "aarch64", 3: "i386", 40: "arm"}
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?\s*==\s*(?P<version>[^\s;*,]+)"
    r"\s*(?P<rest>(;.*)?)$"
)
_NETWORK_MARKERS = (
    "NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
    "Name or service not known", "nodename nor servname", "Network is unreachable", "ProxyError",
    "ConnectTimeoutError", "Read timed out", "Max retries exceeded", "Connection refused", "SSLError",
    "connection error", "ConnectionError",
)


# --------------------------------------------------------------------------------------------------
# Reproducible zips


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_zip(dest: Path, entries: dict[str, bytes] | Iterable[tuple[str, bytes]]) -> None:
    """Write ``entries`` (archive name -> bytes) as a reproducible zip: sorted names, fixed date, mode
    0644, deflate level 6, no directory entries, no extra fields. Written to a temporary file and
    moved into place, so a failed build never leaves half a zip."""
    items = sorted(dict(entries).items())
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in items:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so external_attr carries the mode
                info.external_attr = ZIP_MODE << 16
                zf.writestr(info, data, compresslevel=ZIP_LEVEL)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _skip(rel: PurePosixPath) -> bool:
    """Bytecode, caches and hidden files never go into an artifact (they differ between machines)."""
    return any(p == "__pycache__" or p.startswith(".") for p in rel.parts) or rel.suffix in (".pyc", ".pyo")


def tree_entries(root: Path, prefix: str) -> dict[str, bytes]:
    """Every file under ``root`` as ``prefix/<relative posix path>`` -> bytes (symlinks followed)."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if path.is_file() and not _skip(rel):
            out[f"{prefix}/{rel}"] = path.read_bytes()
    return out


# --------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Inputs:
    """Where the artifact's parts come from."""

    project: Path
    lake_etl: Path  # the package directory
    lake_etl_source: str  # "project" | "lakectl"
    contracts: Path
    requirements: Path | None  # None: no requirements file found

    @property
    def requirements_label(self) -> str:
        if self.requirements is None:
            return "requirements.txt"
        try:
            return self.requirements.relative_to(self.project).as_posix()
        except ValueError:
            return "lambda/requirements.txt (shipped with lakectl)"


def find_inputs(project: Path) -> Inputs:
    """The project's ``lambda/lake_etl`` (else the shipped one) and ``contracts/`` (required)."""
    project = project.resolve()
    own = project / "lambda"
    contracts = project / "contracts"
    has_own = (own / "lake_etl" / "__init__.py").is_file()
    if not (contracts / "datasets").is_dir():
        what = "no lambda/lake_etl and no contracts/datasets" if not has_own else "no contracts/datasets"
        raise UsageError(
            f"{project} is not a lake project: {what}",
            hint="run lakectl build in a lake project (lakectl new DIR) or pass --project DIR",
        )
    if has_own:
        req = own / "requirements.txt"
        return Inputs(project, own / "lake_etl", "project", contracts, req if req.is_file() else None)
    import lake_etl

    pkg = Path(lake_etl.__file__).resolve().parent
    req = _shipped_requirements()  # the shipped lake_etl's own pins (the repository's or the bundle's)
    return Inputs(project, pkg, "lakectl", contracts, req if req is not None and req.is_file() else None)


def _shipped_requirements() -> Path | None:
    try:
        from lakectl.project import shipped_root

        return shipped_root() / "lambda" / "requirements.txt"
    except Exception:  # noqa: BLE001 - no shipped project: no shipped requirements
        return None


@dataclass(frozen=True)
class Requirement:
    line: int
    text: str
    name: str  # normalised (PEP 503)
    version: str


def _bare_name(body: str) -> str:
    return re.split(r"[<>=!~;\[ ]", body, maxsplit=1)[0]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(text: str, label: str) -> tuple[list[Requirement], list[Finding]]:
    """Pinned requirements, and a finding for every line that is not ``name==version``."""
    reqs: list[Requirement] = []
    findings: list[Finding] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        while line.rstrip().endswith("\\") and i + 1 < len(lines):  # continuation
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        i += 1
        stripped = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not stripped:
            continue
        where = f"{label}:{start + 1}"
        body = re.split(r"\s+--hash[= ]", stripped)[0].strip()  # per-line hashes are fine
        if body.startswith("-") or "://" in body or body.startswith((".", "/")):
            findings.append(Finding(
                code="PKG202", severity="error", contract="transform", resource=where,
                message=f"unsupported requirements line {stripped!r}: lakectl build reads only "
                "'name==version' lines (no options, includes, editables or URLs)",
                fix=f"replace it in {label} with the pinned requirement(s), e.g. pyarrow==26.0.1",
            ))
            continue
        m = _PIN.match(body)
        if m is None:
            findings.append(Finding(
                code="PKG201", severity="error", contract="transform", resource=where,
                message=f"requirement {stripped!r} is not pinned with '==': the layer would change "
                "whenever a new release appears (not reproducible)",
                fix=f"pin it in {label} to one exact version, e.g. {_bare_name(body)}==<version>",
            ))
            continue
        if m["rest"].strip():
            findings.append(Finding(
                code="PKG211", severity="warning", contract="transform", resource=where,
                message=f"{stripped!r} carries an environment marker: pip evaluates it for this "
                f"machine's Python {sys.version_info.major}.{sys.version_info.minor}, not the Lambda runtime",
                fix=f"drop the marker from {label}: the layer is built for one runtime, list what it needs",
            ))
        reqs.append(Requirement(start + 1, body, normalise(m["name"]), m["version"]))
    return reqs, findings


# --------------------------------------------------------------------------------------------------
# Wheels: download (cached) and unpack


def cache_dir() -> Path:
    """``$LAKECTL_CACHE_DIR/wheels``, else ``$XDG_CACHE_HOME/lakectl/wheels``, else ``~/.cache/...``."""
    root = os.environ.get("LAKECTL_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "wheels"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "lakectl" / "wheels"


def pip_platform_args(runtime: str, architecture: str) -> list[str]:
    arch = "aarch64" if architecture == "arm64" else "x86_64"
    version = runtime.removeprefix("python")
    args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", version,
            "--abi", "cp" + version.replace(".", "")]
    for plat in (f"manylinux_2_28_{arch}", f"manylinux_2_17_{arch}", f"manylinux2014_{arch}"):
        args += ["--platform", plat]
    return args


class DownloadFailed(Exception):
    """pip ran and refused (no wheel, no such version): a finding, not an outage."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _run_pip(args: list[str], progress: Progress) -> tuple[int, list[str]]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pip", "download", "--progress-bar", "off", *args]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    except OSError as e:
        raise IncompleteError(f"could not run pip: {e}") from None
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        lines.append(line)
        if line.lstrip().startswith(("Collecting", "Downloading", "Saved", "File was already")):
            progress("build: pip: " + line.strip())
    return proc.wait(), lines


def download_wheels(
    reqs: list[Requirement], runtime: str, architecture: str, dest: Path, *,
    cache: Path | None = None, progress: Progress | None = None,
) -> list[Path]:
    """The wheels (dependencies included) for ``reqs`` on the target, copied into ``dest``.

    First from the cache alone (``--no-index --find-links``: a rebuild needs no network), else from
    the index (the cache still offered); new wheels are added to the cache. Raises DownloadFailed when
    pip found no wheel, IncompleteError when the index could not be reached.
    """
    say = progress or (lambda _m: None)
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    req_file = dest / "requirements.lock.txt"
    dest.mkdir(parents=True, exist_ok=True)
    req_file.write_text("".join(r.text + "\n" for r in reqs), encoding="utf-8")
    plat = pip_platform_args(runtime, architecture)
    common = ["-r", str(req_file), "-d", str(dest / "wheels"), *plat, "--find-links", str(cache)]
    have_cache = any(cache.glob("*.whl"))
    rc, out = (1, [])
    if have_cache:
        say(f"build: resolving {len(reqs)} requirement(s) from the wheel cache {cache}")
        rc, out = _run_pip([*common, "--no-index"], say)
    if rc != 0:
        shutil.rmtree(dest / "wheels", ignore_errors=True)
        say(f"build: downloading wheels for {runtime} {architecture} (cache: {cache})")
        rc, out = _run_pip([*common, "--retries", "2", "--timeout", "20"], say)
        if rc != 0:
            text = "\n".join(out)
            errors = [x.strip() for x in out if x.strip().startswith("ERROR:")]
            if any(m in text for m in _NETWORK_MARKERS):
                raise IncompleteError(
                    "could not download the layer's wheels: the package index is unreachable "
                    f"({_network_reason(out)})",
                    hint=f"connect to PyPI once (the wheels are then cached in {cache}), "
                    "or build with --no-layer",
                )
            raise DownloadFailed(errors[-1] if errors else (out[-1] if out else f"pip exited {rc}"))
    wheels = sorted((dest / "wheels").glob("*.whl"))
    for w in wheels:
        if not (cache / w.name).is_file():
            shutil.copy2(w, cache / w.name)
    return wheels


def _network_reason(lines: list[str]) -> str:
    """One line: the host pip could not reach, and why."""
    text = "\n".join(lines)
    host = re.search(r"host='([^']+)'", text)
    m = re.search(r"Failed to establish a new connection: ([^\"')]+)", text) or re.search(
        r"(Temporary failure in name resolution|Name or service not known|Network is unreachable|"
        r"Read timed out|Connection refused|ProxyError|SSLError|ConnectTimeoutError)", text)
    reason = m.group(1).strip() if m else "network error"
    return f"{host.group(1)}: {reason}" if host else reason


def wheel_name(path: Path) -> tuple[str, str]:
    """(normalised project name, version) from a wheel file name."""
    parts = path.name[:-4].split("-")
    return normalise(parts[0]), parts[1]


def unpack_wheels(wheels: Iterable[Path]) -> tuple[dict[str, bytes], list[Finding]]:
    """The layer's entries (``python/...``) from the wheels, as an installer lays them out:
    ``*.data/purelib`` and ``platlib`` go to the root, other ``.data`` dirs (scripts, headers) are left
    out; bytecode and ``__pycache__`` dropped; nothing else is removed."""
    out: dict[str, bytes] = {}
    origin: dict[str, str] = {}
    findings: list[Finding] = []
    for wheel in sorted(wheels, key=lambda p: p.name):
        with zipfile.ZipFile(wheel) as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                name = info.filename
                if name.endswith("/"):
                    continue
                rel = PurePosixPath(name)
                if rel.is_absolute() or ".." in rel.parts or "\\" in name:
                    findings.append(Finding(
                        code="PKG204", severity="error", contract="transform", resource=wheel.name,
                        message=f"wheel {wheel.name} holds an unsafe path {name!r}; it was left out",
                        fix="use a wheel from a trusted index",
                    ))
                    continue
                if rel.parts[0].endswith(".data"):
                    if len(rel.parts) < 3 or rel.parts[1] not in ("purelib", "platlib"):
                        continue
                    rel = PurePosixPath(*rel.parts[2:])
                if any(p == "__pycache__" for p in rel.parts) or rel.suffix in (".pyc", ".pyo"):
                    continue
                target = f"python/{rel}"
                data = zf.read(info)
                if target in out and out[target] != data:
                    findings.append(Finding(
                        code="PKG204", severity="error", contract="transform", resource=target,
                        message=f"{origin[target]} and {wheel.name} both install {rel} with different "
                        f"contents; {wheel.name} wins",
                        fix="drop one of the two distributions from requirements.txt",
                    ))
                out[target] = data
                origin[target] = wheel.name
    return out, findings


# --------------------------------------------------------------------------------------------------
# Checks on the artifact


def stack_function(stack: Path | None) -> dict[str, Any]:
    """The stack's Lambda function (handler, runtime, architecture, publishes a layer) when the stack
    reads; else ``handler`` from a plain text search of the ``.tf`` files; else nothing."""
    if stack is None or not stack.is_dir():
        return {}
    try:
        from lakectl.stack.loader import load_stack

        model = load_stack(stack)
        fns = [f for f in model.by_type("aws_lambda_function") if isinstance(f.values.get("handler"), str)]
        if fns:
            fn = fns[0]
            arch = fn.values.get("architectures")
            return {
                "handler": fn.values["handler"],
                "address": fn.address,
                "where": f"{fn.file}:{fn.line}",
                "runtime": fn.values.get("runtime") if isinstance(fn.values.get("runtime"), str) else None,
                "architecture": arch[0] if isinstance(arch, list) and arch and isinstance(arch[0], str)
                else None,
                "publishes_layer": bool(list(model.by_type("aws_lambda_layer_version"))),
            }
    except Exception:  # noqa: BLE001 - the stack is preflight's business; fall back to a text search
        pass
    for tf in sorted(stack.rglob("*.tf")):
        if ".terraform" in tf.parts:
            continue
        m = re.search(r'^\s*handler\s*=\s*"([^"$]+)"', tf.read_text(encoding="utf-8", errors="replace"), re.M)
        if m:
            return {"handler": m.group(1), "where": tf.relative_to(stack).as_posix()}
    return {}


def _defines(tree: ast.Module, name: str) -> bool:
    from lakectl.checks.handler import _defines as defines

    return defines(tree, name)


def check_handler(
    code: dict[str, bytes], handler: str, address: str | None = "module.lambda.aws_lambda_function.this"
) -> list[Finding]:
    """PKG101-103: ``handler`` names a module in the code zip that defines the callable."""
    module, _, func = handler.rpartition(".")

    def finding(code_: str, message: str) -> Finding:
        return Finding(
            code=code_, severity="error", contract="transform", resource=FUNCTION_ZIP,
            address=address,
            message=message,
            fix='set handler = "lake_etl.handler.lambda_handler" (design §3) in '
            "terraform/modules/lambda/main.tf, or add the callable to lambda/lake_etl/",
        )

    if not module or not func:
        return [finding("PKG101", f"handler {handler!r} is not <module>.<callable>")]
    rel = module.replace(".", "/")
    candidates = [f"{rel}.py", f"{rel}/__init__.py"]
    name = next((c for c in candidates if c in code), None)
    if name is None:
        return [finding("PKG101", f"handler {handler!r}: function.zip holds no {candidates[0]} or "
                                  f"{candidates[1]}")]
    try:
        tree = ast.parse(code[name], filename=name)
    except (SyntaxError, ValueError) as e:
        return [finding("PKG103", f"{name} in function.zip does not parse: {e}")]
    if not _defines(tree, func):
        return [finding("PKG102", f"handler {handler!r}: {name} in function.zip defines no top-level "
                                  f"{func!r}")]
    return []


def _optional(node: ast.Try) -> bool:
    """A ``try`` whose handlers catch ImportError (or broader): its imports are optional."""
    for h in node.handlers:
        names = [h.type] if not isinstance(h.type, ast.Tuple) else list(h.type.elts)
        if h.type is None or any(
            isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
            for n in names
        ):
            return True
    return False


def iter_imports(tree: ast.AST) -> Iterable[tuple[int, str, int, list[str]]]:
    """``(line, module, level, names)`` of every import that runs (module level or in functions),
    leaving out ``if TYPE_CHECKING:`` blocks and ``try`` blocks that catch ImportError."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Try) and _optional(node):
            stack.extend(node.handlers + node.orelse + node.finalbody)
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, 0, []
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, node.module or "", node.level, [a.name for a in node.names]
        stack.extend(ast.iter_child_nodes(node))


def stdlib_names(runtime: str) -> frozenset[str]:
    return frozenset(sys.stdlib_module_names) - _REMOVED.get(runtime, set())


def layer_top_level(layer: Iterable[str]) -> set[str]:
    """Importable top-level names: ``python/<pkg>/``, ``python/<mod>.py``, ``python/<mod>.*.so``."""
    names: set[str] = set()
    for entry in layer:
        parts = PurePosixPath(entry).parts
        if len(parts) < 2 or parts[0] != "python":
            continue
        if len(parts) > 2:
            if not parts[1].endswith((".dist-info", ".data")):
                names.add(parts[1])
        elif parts[1].endswith(".py"):
            names.add(parts[1][:-3])
        elif parts[1].endswith((".so", ".pyd")):
            names.add(parts[1].split(".", 1)[0])
    return names


def _module_exists(code: dict[str, bytes], dotted: str) -> bool:
    rel = dotted.replace(".", "/")
    return f"{rel}.py" in code or f"{rel}/__init__.py" in code or any(
        n.startswith(f"{rel}.") and n.endswith(".so") for n in code
    )


def check_imports(
    code: dict[str, bytes], layer: Iterable[str], runtime: str, *, layer_known: bool = True,
    package: str = "lake_etl",
) -> tuple[list[Finding], int]:
    """PKG205 for each import in ``package`` that resolves nowhere; PKG103 for a module that does not
    parse. Returns the findings and the number of imports checked. With ``layer_known`` False (an
    external layer), third-party imports cannot be proved and are not reported."""
    std = stdlib_names(runtime)
    in_layer = layer_top_level(layer)
    code_top = {PurePosixPath(n).parts[0].removesuffix(".py") for n in code}
    findings: list[Finding] = []
    checked = 0
    for name in sorted(n for n in code if n.startswith(f"{package}/") and n.endswith(".py")):
        try:
            tree = ast.parse(code[name], filename=name)
        except (SyntaxError, ValueError) as e:
            findings.append(Finding(
                code="PKG103", severity="error", contract="transform", resource=f"{FUNCTION_ZIP}:{name}",
                message=f"{name} in function.zip does not parse: {e}",
                fix=f"fix the syntax of lambda/{name} (Lambda would fail importing it)",
            ))
            continue
        pkg_parts = PurePosixPath(name).parent.parts
        for line, module, level, names in iter_imports(tree):
            checked += 1
            if level:
                base = list(pkg_parts[: len(pkg_parts) - (level - 1)]) if level - 1 <= len(pkg_parts) else []
                target = ".".join(base + ([module] if module else []))
                ok = bool(base) and (
                    _module_exists(code, target) if module
                    else all(_module_exists(code, f"{target}.{n}") or _module_exists(code, target)
                             for n in names)
                )
                shown = "." * level + module
            else:
                top = module.split(".")[0]
                shown = module
                if top in code_top:
                    ok = _module_exists(code, module) or (
                        bool(names) and _module_exists(code, module.rsplit(".", 1)[0])
                    )
                else:
                    ok = top in std or top in in_layer or top in RUNTIME_PROVIDED or (
                        not layer_known and top not in std
                    )
            if not ok:
                where = "the stdlib, function.zip, the layer's python/ or the runtime's boto3"
                findings.append(Finding(
                    code="PKG205", severity="error", contract="transform",
                    resource=f"{FUNCTION_ZIP}:{name}:{line}",
                    message=f"{name}:{line} imports {shown!r}, which is in none of {where}: the "
                    "function would fail with ImportError",
                    fix=f"add the distribution providing {shown.lstrip('.').split('.')[0] or shown!r} "
                    "pinned with == to lambda/requirements.txt, or remove the import",
                ))
    return findings, checked


_EXT_TAG = re.compile(r"\.(?P<impl>cpython|pypy)-?(?P<ver>\d+)[a-z]*-(?P<plat>[^.]+)\.so$")


def check_extensions(layer: dict[str, bytes], runtime: str, architecture: str) -> tuple[list[Finding], int]:
    """PKG206: every shared object in the layer is an ELF for the architecture, and every tagged
    extension module is for the runtime's CPython (``cpython-312``); ``.pyd``/Mach-O are wrong."""
    want_ver = runtime.removeprefix("python").replace(".", "")
    want_machine = _ELF_MACHINE[architecture]
    gnu_arch = "aarch64" if architecture == "arm64" else "x86_64"
    bad_by: dict[tuple[str, str], list[str]] = {}  # (top-level dir, why) -> entries: one finding each
    checked = 0

    def bad(entry: str, why: str) -> None:
        parts = PurePosixPath(entry).parts
        bad_by.setdefault(("/".join(parts[:2]), why), []).append(entry)

    for entry in sorted(layer):
        base = PurePosixPath(entry).name
        if base.endswith((".pyd", ".dylib")):
            checked += 1
            bad(entry, "a Windows or macOS binary")
            continue
        if not (base.endswith(".so") or ".so." in base):
            continue
        checked += 1
        m = _EXT_TAG.search(base)
        if m and (m["impl"] != "cpython" or m["ver"] != want_ver or not m["plat"].startswith(gnu_arch)):
            bad(entry, f"built for {m['impl']}-{m['ver']} {m['plat']}, not cpython-{want_ver} {gnu_arch}")
            continue
        head = layer[entry][:20]
        if head[:4] != b"\x7fELF":
            bad(entry, "not an ELF shared object (not a Linux binary)")
            continue
        endian = "little" if head[5:6] == b"\x01" else "big"
        machine = int.from_bytes(head[18:20], endian)
        if machine != want_machine:
            bad(entry, f"an ELF for {_ELF_NAMES.get(machine, f'machine {machine}')}, not {gnu_arch}")
    findings = []
    for (top, why), entries in sorted(bad_by.items()):
        more = f" (and {len(entries) - 1} more shared objects under {top}/)" if len(entries) > 1 else ""
        findings.append(Finding(
            code="PKG206", severity="error", contract="transform", resource=f"{LAYER_ZIP}:{entries[0]}",
            message=f"{entries[0]}{more}: {why}; Lambda {runtime} on {architecture} cannot load it",
            fix=f"lakectl build --runtime {runtime} --architecture {architecture} (wheels for the "
            "function's runtime), and remove hand-built wheels for another target from the cache",
        ))
    return findings, checked


# --------------------------------------------------------------------------------------------------
# The build


@dataclass
class Artifact:
    name: str
    path: Path
    sha256: str
    base64_sha256: str
    size: int
    unzipped_size: int
    files: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "path": str(self.path), "sha256": self.sha256,
            "base64_sha256": self.base64_sha256, "size": self.size, "unzipped_size": self.unzipped_size,
            "files": self.files,
        }


@dataclass
class BuildResult:
    build_dir: Path
    runtime: str
    architecture: str
    handler: str
    handler_source: str
    artifacts: list[Artifact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)  # {name, status, detail}
    manifest: dict[str, Any] = field(default_factory=dict)
    manifest_path: Path | None = None

    def summary(self) -> dict[str, Any]:
        return summarize(
            self.findings, artifacts=len(self.artifacts),
            unzipped_size=sum(a.unzipped_size for a in self.artifacts),
            built=not any(f.severity == "error" for f in self.findings),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in sort_findings(self.findings)],
            "summary": self.summary(),
            "artifacts": [a.to_json() for a in self.artifacts],
            "build_dir": str(self.build_dir),
            "manifest": str(self.manifest_path) if self.manifest_path else None,
            "runtime": self.runtime,
            "architecture": self.architecture,
            "handler": self.handler,
            "checks": self.checks,
        }


def _artifact(name: str, path: Path, entries: dict[str, bytes]) -> Artifact:
    data = path.read_bytes()
    digest = hashlib.sha256(data).digest()
    return Artifact(
        name=name, path=path, sha256=digest.hex(), base64_sha256=base64.b64encode(digest).decode(),
        size=len(data), unzipped_size=sum(len(v) for v in entries.values()), files=len(entries),
    )


def code_entries(inputs: Inputs) -> dict[str, bytes]:
    """function.zip's entries: ``lake_etl/...`` and ``contracts/...`` side by side."""
    return {**tree_entries(inputs.lake_etl, "lake_etl"), **tree_entries(inputs.contracts, "contracts")}


def _version_of(code: dict[str, bytes]) -> str | None:
    src = code.get("lake_etl/__init__.py", b"").decode("utf-8", "replace")
    m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", src, re.M)
    return m.group(1) if m else None


def req_findings_any(findings: list[Finding]) -> bool:
    return any(f.code in ("PKG201", "PKG202", "PKG203") for f in findings)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


@dataclass
class _Layer:
    """What the layer step made: entries for layer.zip (empty: no layer), and what it found."""

    entries: dict[str, bytes] = field(default_factory=dict)
    wheels: list[dict[str, Any]] = field(default_factory=list)  # {file, sha256}
    reqs: list[Requirement] = field(default_factory=list)
    req_hash: str | None = None
    findings: list[Finding] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=dict)


def _layer_inputs(inputs: Inputs, runtime: str, architecture: str, cache: Path | None,
                  say: Progress) -> _Layer:
    """Parse requirements.txt, resolve and unpack its wheels: layer.zip's entries, nothing written."""
    label = inputs.requirements_label
    if inputs.requirements is None:
        raise UsageError(
            f"no lambda/requirements.txt in {inputs.project} for the layer",
            hint="add it (pinned with ==), or build with --no-layer when the stack uses lambda_layer_arn",
        )
    raw = inputs.requirements.read_bytes()
    lay = _Layer(req_hash=sha256_hex(raw))
    lay.reqs, lay.findings = parse_requirements(raw.decode("utf-8", "replace"), label)
    if any(f.severity == "error" for f in lay.findings):
        lay.check = {"name": "layer", "status": "failed",
                     "detail": f"not built: {label} has unpinned or unsupported lines"}
        return lay
    if not lay.reqs:
        lay.check = {"name": "layer", "status": "skipped", "detail": f"{label} lists no requirements"}
        return lay
    with tempfile.TemporaryDirectory(prefix="lakectl-build-") as tmp:
        try:
            wheels = download_wheels(lay.reqs, runtime, architecture, Path(tmp), cache=cache, progress=say)
        except DownloadFailed as e:
            lay.findings.append(Finding(
                code="PKG203", severity="error", contract="transform", resource=label,
                message=f"no wheels for {runtime} on {architecture} (manylinux_2_28/2_17): {e.reason}",
                fix="pin versions that publish manylinux wheels for the runtime and architecture "
                f"(lakectl build never compiles), or put a wheel built for them in {cache or cache_dir()}",
            ))
            lay.check = {"name": "layer", "status": "failed", "detail": e.reason}
            return lay
        lay.entries, unpack_findings = unpack_wheels(wheels)
        lay.findings += unpack_findings
        pinned = {r.name for r in lay.reqs}
        for w in wheels:
            name, version = wheel_name(w)
            lay.wheels.append({"file": w.name, "sha256": sha256_hex(w.read_bytes())})
            if name not in pinned:
                lay.findings.append(Finding(
                    code="PKG210", severity="warning", contract="transform", resource=w.name,
                    message=f"{name}=={version} is in the layer as a dependency that {label} does not "
                    "pin: a later build may resolve another version",
                    fix=f"add {name}=={version} to {label}",
                ))
    lay.check = {"name": "layer", "status": "ok", "detail": ", ".join(
        "==".join(wheel_name(Path(w["file"]))) for w in lay.wheels) + f" for {runtime} {architecture}"}
    return lay


def build(
    project: Path,
    *,
    stack: Path | None = None,
    runtime: str | None = None,
    architecture: str | None = None,
    layer: bool = True,
    build_dir: Path | None = None,
    cache: Path | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build function.zip (+ layer.zip) and manifest.json, then check them. Raises UsageError (exit 2)
    for a directory that is no lake project or a bad option, IncompleteError (exit 3) when the wheels
    cannot be downloaded; everything else is a finding."""
    say = progress or (lambda _m: None)
    if runtime is not None and runtime not in RUNTIMES:
        raise UsageError(f"--runtime {runtime!r}: expected one of {', '.join(RUNTIMES)}")
    if architecture is not None and architecture not in ARCHITECTURES:
        raise UsageError(f"--architecture {architecture!r}: expected one of {', '.join(ARCHITECTURES)}")
    inputs = find_inputs(project)
    out = (build_dir or inputs.project / BUILD_DIR).resolve()
    fn = stack_function(stack if stack is not None else inputs.project / "terraform")
    findings: list[Finding] = []

    runtime_src = "--runtime" if runtime else ("the stack" if fn.get("runtime") in RUNTIMES else "default")
    arch_src = "--architecture" if architecture else (
        "the stack" if fn.get("architecture") in ARCHITECTURES else "default")
    runtime = runtime or (fn["runtime"] if fn.get("runtime") in RUNTIMES else DEFAULT_RUNTIME)
    architecture = architecture or (
        fn["architecture"] if fn.get("architecture") in ARCHITECTURES else DEFAULT_ARCHITECTURE)
    for what, mine, theirs in (("runtime", runtime, fn.get("runtime")),
                               ("architecture", architecture, fn.get("architecture"))):
        if theirs and theirs != mine:
            findings.append(Finding(
                code="PKG208", severity="warning", contract="transform", address=fn.get("address"),
                resource=LAYER_ZIP,
                message=f"built for {what} {mine}, but the stack's function uses {theirs} "
                f"({fn.get('where')}): the layer would not load there",
                fix=f"lakectl build --{what} {theirs}, or set lambda_{what} = \"{mine}\" in terraform.tfvars",
            ))
    handler = fn.get("handler") or DEFAULT_HANDLER
    result = BuildResult(
        build_dir=out, runtime=runtime, architecture=architecture, handler=handler,
        handler_source=f"the stack ({fn['where']})" if fn.get("where") else "default",
    )
    result.checks.append({"name": "target", "status": "ok",
                          "detail": f"{runtime} ({runtime_src}), {architecture} ({arch_src})"})

    # Everything that can fail runs before anything is written: an error leaves the previous build
    # (zips and manifest) as it was, consistent.
    code = code_entries(inputs)
    lay = _layer_inputs(inputs, runtime, architecture, cache, say) if layer else _Layer()
    findings += lay.findings
    layer_entries = lay.entries
    reqs = lay.reqs
    if layer:
        result.checks.append(lay.check)
    else:
        result.checks.append({"name": "layer", "status": "skipped",
                              "detail": "--no-layer: the function's dependencies come from another "
                              "layer (lambda_layer_arn)"})
        if fn.get("publishes_layer"):
            findings.append(Finding(
                code="PKG209", severity="warning", contract="transform",
                address="module.lambda.aws_lambda_layer_version.this[0]", resource=LAYER_ZIP,
                message="built with --no-layer, but the stack publishes build_dir/layer.zip "
                "(lambda_layer_arn is null): terraform plan will fail with 'no file exists'",
                fix="set lambda_layer_arn in terraform.tfvars (e.g. AWS's AWSSDKPandas layer), or build "
                "without --no-layer",
            ))

    say(f"build: function.zip from {inputs.lake_etl} ({inputs.lake_etl_source}) and {inputs.contracts}")
    write_zip(out / FUNCTION_ZIP, code)
    result.artifacts.append(_artifact(FUNCTION_ZIP, out / FUNCTION_ZIP, code))
    if layer_entries:
        say(f"build: layer.zip from {len(lay.wheels)} wheel(s)")
        write_zip(out / LAYER_ZIP, layer_entries)
        result.artifacts.append(_artifact(LAYER_ZIP, out / LAYER_ZIP, layer_entries))
    else:
        (out / LAYER_ZIP).unlink(missing_ok=True)  # a stale layer.zip must not be deployed with this build

    # checks on the artifact
    hf = check_handler(code, handler, fn.get("address", "module.lambda.aws_lambda_function.this"))
    findings += hf
    result.checks.append({"name": "handler", "status": "failed" if hf else "ok",
                          "detail": f"{handler} from {result.handler_source}"
                          + ("" if hf else ": module in function.zip defines the callable")})
    # Third-party imports are proved against a layer this build made (or an empty one: nothing listed);
    # with --no-layer or a failed layer they cannot be, and a failed layer has its own finding.
    layer_known = bool(layer_entries) or (layer and not reqs and not req_findings_any(findings))
    imf, n_imports = check_imports(code, layer_entries, runtime, layer_known=layer_known)
    findings += imf
    result.checks.append({
        "name": "imports", "status": "failed" if imf else "ok",
        "detail": f"{n_imports} imports in lake_etl checked against the stdlib, function.zip, "
        + ("the layer and the runtime's boto3" if layer_known
           else "the runtime's boto3 (third-party ones not proved: no layer.zip)")
        + (f"; {len(imf)} resolve nowhere" if imf else ""),
    })
    if layer_entries:
        exf, n_ext = check_extensions(layer_entries, runtime, architecture)
        findings += exf
        result.checks.append({"name": "extensions", "status": "failed" if exf else "ok",
                              "detail": f"{n_ext} shared objects checked for cpython-"
                              f"{runtime.removeprefix('python').replace('.', '')} {architecture}"})
    total = sum(a.unzipped_size for a in result.artifacts)
    if total > UNZIPPED_LIMIT:
        findings.append(Finding(
            code="PKG207", severity="error", contract="transform", resource=str(out),
            message=f"function + layer are {_mb(total)} unzipped, over Lambda's 250 MB limit "
            f"({UNZIPPED_LIMIT} bytes)",
            fix="trim lambda/requirements.txt, or build with --no-layer and set lambda_layer_arn "
            "(e.g. AWS's AWSSDKPandas layer)",
        ))
    result.checks.append({"name": "size", "status": "failed" if total > UNZIPPED_LIMIT else "ok",
                          "detail": f"{_mb(total)} unzipped of 250 MB"
                          + ("" if layer_entries else " (no layer.zip; another layer is not counted)")})

    # manifest.json
    pyarrow_version = next((wheel_name(Path(w["file"]))[1] for w in lay.wheels
                            if wheel_name(Path(w["file"]))[0] == "pyarrow"), None)
    if pyarrow_version is None:
        pyarrow_version = next((r.version for r in reqs if r.name == "pyarrow"), None)
    lake_files = {k: sha256_hex(v) for k, v in code.items() if k.startswith("lake_etl/")}
    contract_files = {k: sha256_hex(v) for k, v in code.items() if k.startswith("contracts/")}
    from lakectl import __version__

    result.findings = sort_findings(findings)
    manifest = {
        "format": MANIFEST_FORMAT,
        "artifacts": {
            a.name: {k: v for k, v in a.to_json().items() if k not in ("name", "path")}
            for a in result.artifacts
        },
        "runtime": runtime,
        "architecture": architecture,
        "handler": handler,
        "lake_etl_version": _version_of(code),
        "lake_etl_source": inputs.lake_etl_source,
        "pyarrow_version": pyarrow_version,
        "lakectl_version": __version__,
        "zlib_version": zlib.ZLIB_RUNTIME_VERSION,
        "layer": None if not layer else {
            "requirements": [r.text for r in reqs],
            "wheels": sorted(lay.wheels, key=lambda w: w["file"]),
        },
        "inputs": {
            "requirements": None if lay.req_hash is None else {
                "path": inputs.requirements_label, "sha256": lay.req_hash},
            "lake_etl": dict(sorted(lake_files.items())),
            "contracts": dict(sorted(contract_files.items())),
        },
        "errors": sum(f.severity == "error" for f in findings),
    }
    result.manifest = manifest
    result.manifest_path = out / MANIFEST
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    tmp_manifest = out / f".{MANIFEST}.tmp"
    tmp_manifest.write_text(text, encoding="utf-8")
    os.replace(tmp_manifest, out / MANIFEST)
    return result


def read_zip(path: Path) -> dict[str, bytes]:
    """A zip's files as name -> bytes (directories left out)."""
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.filename.endswith("/")}


__all__ = [
    "BuildResult", "Artifact", "build", "write_zip", "parse_requirements", "unpack_wheels",
    "check_handler", "check_imports", "check_extensions", "download_wheels", "cache_dir", "read_zip",
]
