#!/usr/bin/env python3
"""Extract the AWS managed policy documents lakectl ships from moto's package data.

Source: moto (https://github.com/getmoto/moto) keeps a copy of every AWS managed policy, with its
default version id and dates, in ``moto/iam/aws_managed_policies.py`` (the JSON string
``aws_managed_policies_data``, refreshed by moto's ``make aws_managed_policies`` from the live
IAM API). lakectl ships a few of them so ``lakectl iam simulate`` can name a managed policy by ARN
offline. The moto version that was read is recorded in each written file (``source``).

Usage: .venv/bin/python scripts/extract_managed_policies.py [NAME ...]
Writes src/lakectl/data/managed_policies/<NAME>.json (sorted keys, two-space indent).
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

DEFAULT_NAMES = [
    "AWSGlueServiceRole",
    "AWSLambdaBasicExecutionRole",
    "AmazonAthenaFullAccess",
    "AmazonS3ReadOnlyAccess",
    # Commonly attached next to them in a serverless lake:
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AmazonS3FullAccess",
    "AdministratorAccess",
]
OUT = Path(__file__).resolve().parent.parent / "src" / "lakectl" / "data" / "managed_policies"


def main(argv: list[str]) -> int:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)
    names = argv or DEFAULT_NAMES
    OUT.mkdir(parents=True, exist_ok=True)
    source = f"moto {version('moto')}: moto/iam/aws_managed_policies.py"
    for name in names:
        if name not in data:
            print(f"error: {name} is not in moto's managed policy data", file=sys.stderr)
            return 2
        entry = data[name]
        path = entry.get("Path", "/")
        doc = {
            "PolicyName": name,
            "Arn": f"arn:aws:iam::aws:policy{path}{name}",
            "Path": path,
            "DefaultVersionId": entry["DefaultVersionId"],
            "CreateDate": entry.get("CreateDate"),
            "UpdateDate": entry.get("UpdateDate"),
            "source": source,
            "Document": entry["Document"],
        }
        target = OUT / f"{name}.json"
        target.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{doc['Arn']} {doc['DefaultVersionId']} -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
