"""AWS managed policies shipped as data (src/lakectl/data/managed_policies/*.json).

Taken from moto's copy of the AWS managed policies by scripts/extract_managed_policies.py; each
file records the policy ARN, its default version id and the source it was read from.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from lakectl.iam.policy import PolicyError

MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


@lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    """ARN -> the shipped file's JSON (lazily, once)."""
    out: dict[str, Any] = {}
    folder = resources.files("lakectl") / "data" / "managed_policies"
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            doc = json.loads(entry.read_text(encoding="utf-8"))
            out[doc["Arn"]] = doc
    return out


def shipped() -> list[str]:
    """The ARNs of the shipped managed policies, sorted."""
    return sorted(_index())


def managed_policy(arn: str) -> dict[str, Any]:
    """The shipped entry (PolicyName, Arn, DefaultVersionId, Document, ...) for ``arn``."""
    entry = _index().get(arn)
    if entry is None:
        if not arn.startswith(MANAGED_PREFIX):
            raise PolicyError(f"{arn!r} is not an AWS managed policy ARN ({MANAGED_PREFIX}...); "
                              "give customer managed policies as files")
        raise PolicyError("this AWS managed policy is not shipped with lakectl; shipped: "
                          + ", ".join(shipped()))
    return entry


def managed_policy_document(arn: str) -> dict[str, Any]:
    return managed_policy(arn)["Document"]
