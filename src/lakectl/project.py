"""The shipped lake project (stack, Lambda code, contracts, examples) and ``lakectl new``.

In a source checkout (and an editable install) the shipped project is the repository itself; a built
wheel carries a copy under ``lakectl/_bundle`` (made by setup.py), so there is one source of truth.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from lakectl.errors import UsageError

BUNDLED = ("terraform", "lambda", "contracts", "examples")
IGNORE = shutil.ignore_patterns(
    ".terraform",
    ".terraform.*",
    "*.tfstate",
    "*.tfstate.*",
    "*.tfplan",
    "terraform.tfvars",
    "*.auto.tfvars",
    "crash.log",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
)


def _is_project(root: Path) -> bool:
    return (root / "terraform" / "main.tf").is_file() and (root / "contracts").is_dir()


def shipped_root(module_file: Path | None = None) -> Path:
    """Where the shipped project lives: the repository root in a checkout, else the wheel's bundle.

    ``module_file`` stands for this module's path (tests use it to play an installed wheel).
    """
    here = (module_file or Path(__file__)).resolve()
    bundle = here.parent / "_bundle"
    if _is_project(bundle):  # an installed wheel
        return bundle
    checkout = here.parents[2]  # src/lakectl/project.py -> repository root
    if here.parent == checkout / "src" / "lakectl" and _is_project(checkout):
        return checkout
    raise UsageError(
        "the shipped lake project is not installed with lakectl (no lakectl/_bundle)",
        hint="reinstall lakectl from a wheel or a source checkout",
    )


def new_project(dest: Path, source: Path | None = None) -> list[str]:
    """Copy the shipped stack, Lambda code, contracts and examples into ``dest`` (absent or empty)."""
    src = source or shipped_root()
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()):
        raise UsageError(f"{dest} is not empty", hint="name a new or empty directory")
    copied = []
    dest.mkdir(parents=True, exist_ok=True)
    for name in BUNDLED:
        if (src / name).is_dir():
            shutil.copytree(src / name, dest / name, ignore=IGNORE)
            copied.append(name)
    return copied


def load_project_contracts(project: Path) -> dict[str, dict[int, Any]]:
    """``<project>/contracts`` through lake_etl's loader; a broken contract is a UsageError (exit 2)
    naming the file and field; no contracts at all is one too (a wrong --project)."""
    from lake_etl.contract import ContractError, load_contracts

    cdir = project / "contracts"
    if not cdir.is_dir():
        raise UsageError(
            f"no contracts folder at {cdir}",
            hint="run lakectl in a lake project (or pass --project DIR); contracts live in "
            "contracts/datasets/<dataset>/v<N>.json",
        )
    try:
        contracts = load_contracts(cdir)
    except ContractError as e:
        raise UsageError(str(e)) from None
    if not contracts:  # a wrong --project would otherwise route every key to _unrouted as unknown
        raise UsageError(
            f"no contracts under {cdir / 'datasets'}",
            hint="add contracts/datasets/<dataset>/v<N>.json, or pass --project DIR for the lake project",
        )
    return contracts


VERSION_RE = re.compile(r"^[vV]?([1-9][0-9]*)\Z")


def parse_contract_version(value: str | int | None) -> int | None:
    """``--contract-version``: ``"2"``, ``"v2"``, ``2`` -> 2; None -> None; anything else is a UsageError."""
    if value is None:
        return None
    m = VERSION_RE.match(str(value).strip())
    if not m:
        raise UsageError(f"--contract-version {value!r}: write N or vN, e.g. 2 or v2")
    return int(m.group(1))
