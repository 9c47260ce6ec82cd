"""Policy documents: normalisation, refusal of what IAM refuses, shipped managed policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakectl.iam.managed import managed_policy, shipped
from lakectl.iam.policy import PolicyError, load_policy, parse_policy

REQUIRED_MANAGED = [
    "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AmazonAthenaFullAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
]


def test_single_statement_and_single_values_are_normalised() -> None:
    p = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"s3:max-keys": 5}},
            },
        },
        "p.json",
    )
    (st,) = p.statements
    assert st.actions == ("s3:GetObject",)
    assert st.resources == ("*",)
    assert [c.values for c in st.conditions] == [("true",), ("5",)]
    assert st.ident == 0
    assert p.variables is True


def test_sid_is_the_statement_identity_and_keys_are_collected() -> None:
    p = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "One",
                    "Effect": "Deny",
                    "NotAction": "iam:*",
                    "NotResource": "arn:aws:s3:::${aws:username}",
                },
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {
                        "StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*", "S3:Prefix": "x"}
                    },
                },
            ],
        },
        "p.json",
    )
    assert [s.ident for s in p.statements] == ["One", 1]
    assert p.statements[0].referenced_keys == ("aws:username",)
    assert p.statements[1].referenced_keys == ("s3:prefix", "aws:PrincipalTag/team")


def test_old_version_turns_variables_off() -> None:
    p = parse_policy(
        {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "p"
    )
    assert p.variables is False
    p = parse_policy({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "p")
    assert p.variables is False


@pytest.mark.parametrize(
    ("document", "kind", "message"),
    [
        ([], "identity", "JSON object"),
        ({"Version": "2012-10-17"}, "identity", "no Statement"),
        ({"Statement": []}, "identity", "empty"),
        ({"Version": "2020-01-01", "Statement": [{}]}, "identity", "Version"),
        ({"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}, "identity", "Effect"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "identity", "Action or NotAction"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "x:y", "Resource": "*"}]},
            "identity",
            "Action or NotAction",
        ),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}, "identity", "Resource or NotResource"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]},
            "identity",
            "not an action",
        ),
        ({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "identity", "non-empty list"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}]},
            "identity",
            "cannot have Principal",
        ),
        ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "resource", "needs Principal"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"Group": "x"}}]},
            "resource",
            "unknown principal type",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Conditions": {}}]},
            "identity",
            "unknown element",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"StringMatches": {"k": "v"}},
                    }
                ]
            },
            "identity",
            "unknown condition operator",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"k": {"nested": 1}}},
                    }
                ]
            },
            "identity",
            "condition values",
        ),
        (
            {
                "Statement": [
                    {
                        "Sid": "S",
                        "Effect": "Allow",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"NullIfExists": {"k": "true"}},
                    }
                ]
            },
            "identity",
            "Statement 'S'",
        ),
    ],
)
def test_invalid_documents_are_refused(document, kind: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyError) as e:
        parse_policy(document, "p.json", kind)  # type: ignore[arg-type]
    assert message in str(e.value)


def test_resource_policy_may_omit_resource() -> None:
    p = parse_policy(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}, "t", "resource"
    )
    assert p.statements[0].resources is None and p.statements[0].principal == {"*": ("*",)}


def test_load_policy_from_file_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "p.json"
    good.write_text(
        json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        )
    )
    assert load_policy(str(good)).name == str(good)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(PolicyError, match="not valid JSON"):
        load_policy(str(bad))
    with pytest.raises(PolicyError, match="no such file"):
        load_policy(str(tmp_path / "missing.json"))
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(str(tmp_path))


def test_required_managed_policies_are_shipped_with_versions() -> None:
    arns = shipped()
    for arn in REQUIRED_MANAGED:
        assert arn in arns
        entry = managed_policy(arn)
        assert entry["DefaultVersionId"].startswith("v")
        assert entry["source"].startswith("moto ")
        p = load_policy(arn)
        assert p.name == arn and p.statements


def test_unknown_managed_policy_is_refused_with_the_list() -> None:
    with pytest.raises(PolicyError, match="not shipped"):
        load_policy("arn:aws:iam::aws:policy/NoSuchPolicy")
    with pytest.raises(PolicyError, match="not an AWS managed policy"):
        load_policy("arn:aws:iam::123456789012:policy/mine")


def test_shipped_documents_match_moto() -> None:
    """The data files are what scripts/extract_managed_policies.py takes from moto (the dev dependency)."""
    moto = pytest.importorskip(
        "moto.iam.aws_managed_policies", reason="moto ships the AWS managed policy data"
    )
    data = json.loads(moto.aws_managed_policies_data)
    compared = 0
    for arn in REQUIRED_MANAGED:
        entry = managed_policy(arn)
        name = entry["PolicyName"]
        if data[name]["DefaultVersionId"] == entry["DefaultVersionId"]:
            assert data[name]["Document"] == entry["Document"]
            compared += 1
    # a newer moto may carry newer versions (then re-run the script); at least one must still compare
    assert compared >= 1, "every shipped version differs from moto's: run scripts/extract_managed_policies.py"
