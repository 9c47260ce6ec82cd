"""Decision logic details: principals, derived context, matched statements, missing keys, speed."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from lakectl.iam import Request, evaluate, load_policy, parse_policy, parse_principal
from lakectl.iam.evaluate import build_context

A = "111122223333"


def pol(*statements, name: str = "p", kind: str = "identity"):  # type: ignore[no-untyped-def]
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arn", "kind", "role_arn", "name"),
    [
        (f"arn:aws:iam::{A}:user/division/alice", "user", None, "alice"),
        (f"arn:aws:iam::{A}:role/service-role/etl", "role", f"arn:aws:iam::{A}:role/service-role/etl", "etl"),
        (
            f"arn:aws:sts::{A}:assumed-role/etl/session-1",
            "assumed-role",
            f"arn:aws:iam::{A}:role/etl",
            "session-1",
        ),
        (f"arn:aws:sts::{A}:federated-user/bob", "federated-user", None, "bob"),
        (f"arn:aws:iam::{A}:root", "root", None, None),
        (A, "root", None, None),
        ("lambda.amazonaws.com", "service", None, "lambda.amazonaws.com"),
    ],
)
def test_parse_principal(arn: str, kind: str, role_arn: str | None, name: str | None) -> None:
    p = parse_principal(arn)
    assert (p.kind, p.role_arn, p.name) == (kind, role_arn, name)


@pytest.mark.parametrize("bad", ["alice", "arn:aws:s3:::bucket", "arn:aws:iam::12:user/x", ""])
def test_parse_principal_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="not a principal"):
        parse_principal(bad)


def test_context_derived_from_principal_and_overridable() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    ctx = build_context(
        Request("s3:GetObject", principal=parse_principal(f"arn:aws:iam::{A}:user/alice")), now
    )
    assert ctx["aws:username"] == ["alice"]
    assert ctx["aws:principalarn"] == [f"arn:aws:iam::{A}:user/alice"]
    assert ctx["aws:principalaccount"] == [A]
    assert ctx["aws:principaltype"] == ["User"]
    assert ctx["aws:currenttime"] == ["2024-05-01T12:00:00Z"]
    assert ctx["aws:epochtime"] == [str(int(now.timestamp()))]
    session = parse_principal(f"arn:aws:sts::{A}:assumed-role/etl/s1")
    ctx = build_context(Request("s3:GetObject", principal=session, context={"AWS:UserName": ["x"]}), now)
    assert ctx["aws:principalarn"] == [f"arn:aws:iam::{A}:role/etl"]
    assert ctx["aws:principaltype"] == ["AssumedRole"]
    assert ctx["aws:username"] == ["x"]  # the caller's keys win, names case-insensitive


def test_matched_lists_every_allowing_statement_in_policy_order() -> None:
    p1 = pol({"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}, name="one.json")
    p2 = pol(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
        name="two.json",
    )
    d = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [p1, p2])
    assert d.decision == "allowed"
    assert [m.to_json() for m in d.matched] == [
        {"policy": "one.json", "statement": "A"},
        {"policy": "two.json", "statement": 0},
    ]


def test_explicit_deny_lists_only_denying_statements() -> None:
    p = pol(
        {"Sid": "Allow", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "D1", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
        {"Sid": "D2", "Effect": "Deny", "NotAction": "ec2:*", "Resource": "arn:aws:s3:::b"},
    )
    d = evaluate(Request("s3:DeleteBucket", "arn:aws:s3:::b"), [p])
    assert d.decision == "explicitDeny"
    assert [m.statement for m in d.matched] == ["D1", "D2"]


def test_missing_context_only_from_statements_whose_target_matched() -> None:
    p = pol(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                "Bool": {"aws:SecureTransport": "true"},
            },
        },
        {
            "Effect": "Allow",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:Region": "eu-west-1"}},
        },
    )
    d = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", context={"aws:securetransport": ["true"]}), [p])
    assert d.decision == "implicitDeny"
    assert d.missing_context == ("aws:SourceIp",)


def test_missing_context_includes_unresolved_resource_variables() -> None:
    p = pol(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}
    )
    d = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/red/k"), [p])
    assert d.decision == "implicitDeny" and d.missing_context == ("aws:PrincipalTag/team",)
    d = evaluate(
        Request("s3:GetObject", "arn:aws:s3:::b/red/k", context={"aws:PrincipalTag/team": ["red"]}), [p]
    )
    assert d.decision == "allowed" and d.missing_context == ()


def test_not_resource_with_unresolved_variable_does_not_apply() -> None:
    deny = pol(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::home/${aws:username}/*"},
    )
    d = evaluate(Request("s3:GetObject", "arn:aws:s3:::home/x/k"), [deny])
    assert d.decision == "allowed"
    d = evaluate(
        Request("s3:GetObject", "arn:aws:s3:::home/x/k", parse_principal(f"arn:aws:iam::{A}:user/y")), [deny]
    )
    assert d.decision == "explicitDeny"


def test_service_principal_ignores_identity_policies() -> None:
    allow_all = pol({"Effect": "Allow", "Action": "*", "Resource": "*"})
    d = evaluate(Request("lambda:InvokeFunction", "*", parse_principal("s3.amazonaws.com")), [allow_all])
    assert d.decision == "implicitDeny" and "service principal" in d.reason


def test_boundary_reason_is_reported() -> None:
    allow = pol({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    boundary = pol({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}, name="b", kind="boundary")
    d = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [allow], None, boundary)
    assert d.decision == "implicitDeny" and "permissions boundary" in d.reason


def test_managed_policies_evaluate() -> None:
    s3_read = load_policy("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    logs = load_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::any/k"), [s3_read]).allowed
    assert not evaluate(Request("s3:PutObject", "arn:aws:s3:::any/k"), [s3_read]).allowed
    assert evaluate(
        Request("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/f:*"), [logs]
    ).allowed
    glue = load_policy("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole")
    assert evaluate(Request("glue:GetTable", f"arn:aws:glue:us-east-1:{A}:table/db/t"), [glue]).allowed
    athena = load_policy("arn:aws:iam::aws:policy/AmazonAthenaFullAccess")
    assert evaluate(
        Request("athena:StartQueryExecution", f"arn:aws:athena:us-east-1:{A}:workgroup/primary"), [athena]
    ).allowed


def test_single_evaluation_is_under_a_millisecond() -> None:
    identity = [
        load_policy(a)
        for a in (
            "arn:aws:iam::aws:policy/AmazonAthenaFullAccess",
            "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        )
    ]
    boundary = pol(
        {"Effect": "Allow", "Action": ["s3:*", "glue:*", "athena:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*"},
        name="b",
        kind="boundary",
    )
    rp = pol(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:user/ana"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::data/${aws:username}/*",
            "Condition": {
                "StringEquals": {"aws:PrincipalTag/team": ["a", "b"]},
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            },
        },
        name="r",
        kind="resource",
    )
    req = Request(
        "s3:GetObject",
        "arn:aws:s3:::data/ana/k",
        parse_principal(f"arn:aws:iam::{A}:user/ana"),
        {"aws:PrincipalTag/team": ["a"], "aws:SourceIp": ["10.1.2.3"]},
    )
    assert evaluate(req, identity, rp, boundary).allowed
    n = 500
    start = time.perf_counter()
    for _ in range(n):
        evaluate(req, identity, rp, boundary)
    per_call = (time.perf_counter() - start) / n
    assert per_call < 0.001, f"{per_call * 1e6:.0f} us per evaluation"


def test_role_path_does_not_hide_a_session_from_a_role_grant() -> None:
    rp = pol(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:role/service-role/etl"},
            "Action": "s3:GetObject",
            "Resource": "*",
        },
        name="r",
        kind="resource",
    )
    session = parse_principal(f"arn:aws:sts::{A}:assumed-role/etl/run-1")
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", session), [], rp).allowed
    other = parse_principal(f"arn:aws:sts::{A}:assumed-role/etl2/run-1")
    assert not evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", other), [], rp).allowed


def test_not_principal_role_with_path_excludes_its_sessions() -> None:
    allow = pol({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    rp = pol(
        {
            "Effect": "Deny",
            "NotPrincipal": {
                "AWS": [
                    f"arn:aws:sts::{A}:assumed-role/etl/run-1",
                    f"arn:aws:iam::{A}:role/service-role/etl",
                    A,
                ]
            },
            "Action": "s3:*",
            "Resource": "*",
        },
        name="r",
        kind="resource",
    )
    session = parse_principal(f"arn:aws:sts::{A}:assumed-role/etl/run-1")
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", session), [allow], rp).allowed


def test_policy_file_with_byte_order_mark(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bom.json"
    f.write_bytes(
        b"\xef\xbb\xbf" + b'{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", '
        b'"Resource": "*"}}'
    )
    assert load_policy(str(f)).statements[0].effect == "Allow"
