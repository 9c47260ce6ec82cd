"""`lakectl iam simulate` end to end: real policy files, --json, exit codes, the installed binary."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lakectl.cli import app

runner = CliRunner()
LAKECTL = Path(sys.prefix) / "bin" / "lakectl"
A = "111122223333"
ROLE = f"arn:aws:iam::{A}:role/etl"
SESSION = f"arn:aws:sts::{A}:assumed-role/etl/run-1"
USER = f"arn:aws:iam::{A}:user/ana"


def write(path: Path, *statements: dict[str, Any], version: str = "2012-10-17") -> str:
    path.write_text(json.dumps({"Version": version, "Statement": list(statements)}))
    return str(path)


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, (result.output, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture
def identity(tmp_path: Path) -> str:
    return write(
        tmp_path / "identity.json",
        {
            "Sid": "ReadRaw",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::raw", "arn:aws:s3:::raw/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        },
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    )


def test_json_document_shape_allowed(identity: str) -> None:
    doc = run_json(
        "iam",
        "simulate",
        "--policy",
        identity,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::raw/2024/01/01/a.json",
        "--context",
        "aws:SecureTransport=true",
    )
    assert list(doc) == ["decision", "matched", "missing_context", "findings", "summary"]
    assert doc["decision"] == "allowed"
    assert doc["matched"] == [{"policy": identity, "statement": "ReadRaw"}]
    assert doc["missing_context"] == []
    assert doc["findings"] == []
    assert {k: doc["summary"][k] for k in ("errors", "warnings", "infos")} == {
        "errors": 0,
        "warnings": 0,
        "infos": 0,
    }
    assert doc["summary"]["policies"] == 1 and doc["summary"]["statements"] == 2


def test_implicit_deny_reports_missing_context(identity: str) -> None:
    doc = run_json(
        "iam",
        "simulate",
        "--policy",
        identity,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::raw/a.json",
    )
    assert doc["decision"] == "implicitDeny"
    assert doc["matched"] == []
    assert doc["missing_context"] == ["aws:SecureTransport"]


def test_explicit_deny_names_the_index_when_no_sid(identity: str) -> None:
    doc = run_json(
        "--json",
        "iam",
        "simulate",
        "--policy",
        identity,
        "--action",
        "s3:DeleteObject",
        "--resource",
        "arn:aws:s3:::raw/a.json",
    )
    assert doc["decision"] == "explicitDeny"
    assert doc["matched"] == [{"policy": identity, "statement": 1}]


def test_without_resource_the_resource_is_star(identity: str, tmp_path: Path) -> None:
    star = write(
        tmp_path / "star.json", {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
    )
    assert (
        run_json("iam", "simulate", "--policy", star, "--action", "s3:ListAllMyBuckets")["decision"]
        == "allowed"
    )
    doc = run_json(
        "iam",
        "simulate",
        "--policy",
        identity,
        "--action",
        "s3:GetObject",
        "--context",
        "aws:SecureTransport=true",
    )
    assert doc["decision"] == "implicitDeny" and doc["summary"]["resource"] == "*"


def test_repeated_context_key_gives_several_values(tmp_path: Path) -> None:
    p = write(
        tmp_path / "tags.json",
        {
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
        },
    )
    ok = run_json(
        "iam",
        "simulate",
        "--policy",
        p,
        "--action",
        "ec2:CreateTags",
        "--context",
        "aws:TagKeys=env",
        "--context",
        "aws:tagkeys=team",
    )
    assert ok["decision"] == "allowed"
    no = run_json(
        "iam",
        "simulate",
        "--policy",
        p,
        "--action",
        "ec2:CreateTags",
        "--context",
        "aws:TagKeys=env",
        "--context",
        "aws:TagKeys=owner",
    )
    assert no["decision"] == "implicitDeny"


def test_numeric_date_and_ip_context_values_are_parsed(tmp_path: Path) -> None:
    p = write(
        tmp_path / "typed.json",
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "*",
            "Condition": {
                "NumericLessThanEquals": {"s3:max-keys": "100"},
                "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            },
        },
    )
    base = [
        "iam",
        "simulate",
        "--policy",
        p,
        "--action",
        "s3:ListBucket",
        "--context",
        "aws:SourceIp=10.2.3.4",
        "--context",
        "aws:CurrentTime=2029-12-31T23:00:00Z",
    ]
    assert run_json(*base, "--context", "s3:max-keys=99")["decision"] == "allowed"
    assert run_json(*base, "--context", "s3:max-keys=101")["decision"] == "implicitDeny"


@pytest.mark.parametrize(
    ("principal", "expected"),
    [(ROLE, "implicitDeny"), (SESSION, "allowed"), (USER, "allowed")],
    ids=["role-arn-limited-by-boundary", "session-arn-not-limited", "user-arn-not-limited"],
)
def test_resource_policy_and_boundary_per_principal_case(
    tmp_path: Path, principal: str, expected: str
) -> None:
    bucket = write(
        tmp_path / "bucket.json",
        {
            "Sid": "Grant",
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::curated/*",
        },
    )
    boundary = write(
        tmp_path / "boundary.json", {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}
    )
    doc = run_json(
        "iam",
        "simulate",
        "--resource-policy",
        bucket,
        "--principal",
        principal,
        "--boundary",
        boundary,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::curated/t/part-0.parquet",
    )
    assert doc["decision"] == expected
    if expected == "allowed":
        assert doc["matched"] == [{"policy": bucket, "statement": "Grant"}]


def test_managed_policy_by_arn() -> None:
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    doc = run_json(
        "iam",
        "simulate",
        "--policy",
        arn,
        "--action",
        "logs:CreateLogStream",
        "--resource",
        f"arn:aws:logs:eu-west-1:{A}:log-group:/aws/lambda/etl:*",
    )
    assert doc["decision"] == "allowed"
    assert doc["matched"] == [{"policy": arn, "statement": 0}]


def test_user_principal_sets_username_for_variables(tmp_path: Path) -> None:
    p = write(
        tmp_path / "home.json",
        {
            "Sid": "Home",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::home/${aws:username}/*",
        },
    )
    args = [
        "iam",
        "simulate",
        "--policy",
        p,
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::home/ana/x",
    ]
    assert run_json(*args, "--principal", USER)["decision"] == "allowed"
    role = run_json(*args)  # the default principal is a role: no aws:username
    assert role["decision"] == "implicitDeny" and role["missing_context"] == ["aws:username"]


def test_human_output(identity: str) -> None:
    result = run(
        "iam",
        "simulate",
        "--policy",
        identity,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::raw/a.json",
    )
    assert result.exit_code == 0
    assert "implicitDeny" in result.stdout
    assert "aws:SecureTransport" in result.stdout
    result = run("iam", "simulate", "--policy", identity, "--action", "s3:DeleteObject")
    assert result.exit_code == 0
    assert "explicitDeny" in result.stdout and "statement #1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "MISSING.json", "--action", "s3:GetObject"], "MISSING.json: no such file"),
        (["--policy", "BAD.json", "--action", "s3:GetObject"], "not valid JSON"),
        (["--policy", "INVALID.json", "--action", "s3:GetObject"], "Effect must be"),
        (["--resource-policy", "GOOD.json", "--action", "s3:GetObject"], "needs --principal"),
        (["--policy", "GOOD.json", "--action", "s3:GetObject", "--context", "novalue"], "expected KEY=VALUE"),
        (["--policy", "GOOD.json", "--action", "s3:GetObject", "--context", "=v"], "expected KEY=VALUE"),
        (["--policy", "GOOD.json", "--action", "GetObject"], "expected SERVICE:ACTION"),
        (["--policy", "GOOD.json", "--action", "s3:GetObject", "--principal", "bob"], "not a principal"),
        (["--policy", "arn:aws:iam::aws:policy/Nope", "--action", "s3:GetObject"], "not shipped"),
        (["--boundary", "ID.json", "--action", "s3:GetObject"], "cannot have Principal"),
        (["--policy", "GOOD.json"], "Missing option '--action'"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "GOOD.json", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    write(tmp_path / "ID.json", {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    (tmp_path / "BAD.json").write_text("{")
    write(tmp_path / "INVALID.json", {"Effect": "Permit", "Action": "*", "Resource": "*"})
    result = run("iam", "simulate", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_installed_binary_json_and_fast_start(tmp_path: Path) -> None:
    p = write(tmp_path / "p.json", {"Sid": "S", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    cmd = [
        str(LAKECTL),
        "iam",
        "simulate",
        "--policy",
        p,
        "--action",
        "s3:GetObject",
        "--json",
        "--resource",
        "arn:aws:s3:::b/k",
    ]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the bytecode cache
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["matched"] == [{"policy": p, "statement": "S"}]
    assert out.stderr == ""
    # The budget is 300 ms on a quiet machine; allow headroom for a loaded CI runner.
    assert elapsed < 1.5, f"lakectl iam simulate took {elapsed:.2f}s"


def test_simulate_imports_no_heavy_modules(tmp_path: Path) -> None:
    p = write(tmp_path / "p.json", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    code = (
        "import sys\n"
        "from lakectl.cli import app\n"
        f"try:\n    app(['iam', 'simulate', '--policy', {p!r}, '--action', 's3:GetObject', '--json'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'pyarrow', 'hcl2', 'moto') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in out.stdout, out.stdout
