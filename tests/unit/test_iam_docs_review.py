"""An adversarial review of `lakectl iam simulate` against the AWS IAM User Guide.

Every case is independent of tests/unit/test_iam_aws_examples.py: its policies come from (or are the
smallest variation of) an example on the cited page, and ``expect`` is the outcome the page states or
that its stated rule decides (``note`` quotes or paraphrases it). Each case runs the whole path --
policy files written to tmp_path, the typer app through CliRunner, ``--json`` parsed -- so the CLI's
file loading, option parsing and JSON shape are checked along with the evaluator.

The second half checks the CLI's robustness on policy shapes and options that real files contain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lakectl.cli import app

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
EVAL = IAM + "reference_policies_evaluation-logic.html"
IN_ACCOUNT = IAM + "reference_policies_evaluation-logic_policy-eval-denyallow.html"
BOUNDARIES = IAM + "access_policies_boundaries.html"
PRINCIPAL = IAM + "reference_policies_elements_principal.html"
ACTION = IAM + "reference_policies_elements_action.html"
RESOURCE = IAM + "reference_policies_elements_resource.html"
NOTACTION = IAM + "reference_policies_elements_notaction.html"
NOTRESOURCE = IAM + "reference_policies_elements_notresource.html"
OPS = IAM + "reference_policies_elements_condition_operators.html"
MULTI = IAM + "reference_policies_condition-logic-multiple-context-keys-or-values.html"
SETS = IAM + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
MV_EXAMPLES = IAM + "reference_policies_condition_examples-multi-valued-context-keys.html"
SV_EXAMPLES = IAM + "reference_policies_condition_examples-single-valued-context-keys.html"
SET_OPS = IAM + "reference_policies_multi-value-conditions.html"
VARIABLES = IAM + "reference_policies_variables.html"
KEYS = IAM + "reference_policies_condition-keys.html"
DATES = IAM + "reference_policies_examples_aws-dates.html"
DENY_IP = IAM + "reference_policies_examples_aws_deny-ip.html"
REGION = IAM + "reference_policies_examples_aws_deny-requested-region.html"
MFA = IAM + "reference_policies_examples_aws_my-sec-creds-self-manage.html"
EC2_TAGS = IAM + "reference_policies_examples_ec2-start-stop-tags.html"
S3_HOME = IAM + "reference_policies_examples_s3_home-directory-console.html"

A = "111122223333"
USER_DAVID = f"arn:aws:iam::{A}:user/David"
ROLE = f"arn:aws:iam::{A}:role/Analyst"
SESSION = f"arn:aws:sts::{A}:assumed-role/Analyst/session-1"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    d: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        d = {"Version": version, **d}
    return d


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@dataclass
class Case:
    id: str
    url: str
    action: str
    expect: str
    resource: str = "*"
    identity: list[dict[str, Any]] = field(default_factory=list)
    resource_policy: dict[str, Any] | None = None
    boundary: dict[str, Any] | None = None
    principal: str | None = None
    context: dict[str, str | list[str]] = field(default_factory=dict)
    note: str = ""


CASES: list[Case] = []


def case(*args: Any, **kwargs: Any) -> None:
    CASES.append(Case(*args, **kwargs))


# --- Evaluation logic within one account ----------------------------------------------------------

case(
    "default-implicit-deny",
    EVAL,
    "s3:PutObject",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket/k",
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*"))],
    note="by default, all requests are implicitly denied; nothing allows PutObject",
)
case(
    "explicit-deny-beats-allow",
    EVAL,
    "s3:DeleteBucket",
    "explicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket",
    identity=[doc(allow("s3:*"), deny("s3:DeleteBucket", "arn:aws:s3:::*"))],
    note="an explicit deny in any policy overrides any allows",
)
case(
    "explicit-deny-in-a-second-policy",
    IN_ACCOUNT,
    "ec2:TerminateInstances",
    "explicitDeny",
    f"arn:aws:ec2:us-east-1:{A}:instance/i-0abc",
    identity=[ALLOW_ALL, doc(deny("ec2:TerminateInstances"))],
    note="the deny is found in one of the principal's identity-based policies: final decision Deny",
)
case(
    "no-policy-at-all",
    IN_ACCOUNT,
    "s3:ListBucket",
    "implicitDeny",
    "arn:aws:s3:::b",
    note="no identity-based, resource-based or boundary policy allows: implicit deny",
)
case(
    "boundary-limits-identity",
    BOUNDARIES,
    "iam:CreateUser",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    principal=f"arn:aws:iam::{A}:user/ShirleyRodriguez",
    identity=[doc(allow("iam:CreateUser"))],
    boundary=doc(allow(["s3:*", "cloudwatch:*", "ec2:*"])),
    note="the boundary allows only S3/CloudWatch/EC2: CreateUser is denied although her policy allows it",
)
case(
    "boundary-and-identity-both-allow",
    BOUNDARIES,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    principal=f"arn:aws:iam::{A}:user/ShirleyRodriguez",
    identity=[doc(allow("s3:GetObject"))],
    boundary=doc(allow(["s3:*", "cloudwatch:*", "ec2:*"])),
    note="effective permissions are the intersection of identity policy and boundary",
)
case(
    "boundary-alone-grants-nothing",
    BOUNDARIES,
    "ec2:DescribeInstances",
    "implicitDeny",
    principal=f"arn:aws:iam::{A}:user/ShirleyRodriguez",
    identity=[doc(allow("s3:GetObject"))],
    boundary=doc(allow(["s3:*", "cloudwatch:*", "ec2:*"])),
    note="a permissions boundary does not grant permissions on its own",
)
case(
    "boundary-explicit-deny",
    BOUNDARIES,
    "s3:DeleteBucket",
    "explicitDeny",
    "arn:aws:s3:::b",
    identity=[ALLOW_ALL],
    boundary=doc(allow("s3:*"), deny("s3:DeleteBucket")),
    note="an explicit deny in the boundary denies",
)
case(
    "resource-policy-grants-user-directly",
    IN_ACCOUNT,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    principal=USER_DAVID,
    resource_policy=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": USER_DAVID},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    note="within one account a resource-based policy that names the user allows without an identity policy",
)
case(
    "resource-policy-to-role-arn-limited-by-boundary",
    BOUNDARIES,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::b/k",
    principal=SESSION,
    resource_policy=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    boundary=doc(allow("ec2:*")),
    note="a resource-based policy naming the role ARN is limited by an implicit deny in the boundary",
)
case(
    "resource-policy-to-session-arn-not-limited-by-boundary",
    BOUNDARIES,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    principal=SESSION,
    resource_policy=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": SESSION},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    boundary=doc(allow("ec2:*")),
    note="naming the role session ARN: the boundary's implicit deny does not limit it",
)
case(
    "resource-policy-account-principal-delegates",
    PRINCIPAL,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::b/k",
    principal=USER_DAVID,
    resource_policy=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    note="an account principal delegates to the account: its identity-based policies must allow",
)
case(
    "resource-policy-account-principal-plus-identity",
    PRINCIPAL,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    principal=USER_DAVID,
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))],
    resource_policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    ),
    note="account id as principal, and the identity policy allows",
)
case(
    "resource-policy-deny-beats-identity-allow",
    IN_ACCOUNT,
    "s3:DeleteObject",
    "explicitDeny",
    "arn:aws:s3:::b/k",
    principal=ROLE,
    identity=[ALLOW_ALL],
    resource_policy=doc(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}
    ),
    note="an explicit deny in the resource-based policy denies",
)

# --- Action, Resource, NotAction, NotResource ----------------------------------------------------

case(
    "action-case-insensitive",
    ACTION,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    identity=[doc(allow("S3:getobject"))],
    note="action names are case-insensitive",
)
case(
    "action-wildcard-inside-name",
    OPS,
    "iam:ListAccessKeys",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[doc(allow("iam:*AccessKey*", f"arn:aws:iam::{A}:user/*"))],
    note="iam:*AccessKey* matches every access-key action",
)
case(
    "action-wildcard-inside-name-no-match",
    OPS,
    "iam:CreateUser",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[doc(allow("iam:*AccessKey*", f"arn:aws:iam::{A}:user/*"))],
)
case(
    "resource-wildcard-path",
    RESOURCE,
    "iam:GetUser",
    "allowed",
    f"arn:aws:iam::{A}:user/accounting/bob",
    identity=[doc(allow("iam:GetUser", f"arn:aws:iam::{A}:user/accounting/*"))],
    note="all IAM users whose path is /accounting",
)
case(
    "resource-wildcard-path-other",
    RESOURCE,
    "iam:GetUser",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/marketing/bob",
    identity=[doc(allow("iam:GetUser", f"arn:aws:iam::{A}:user/accounting/*"))],
)
case(
    "resource-question-mark-one-char",
    RESOURCE,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::logs-2024/a",
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::logs-202?/*"))],
    note="a question mark represents any single character",
)
case(
    "resource-question-mark-not-two-chars",
    RESOURCE,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::logs-20245/a",
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::logs-202?/*"))],
)
case(
    "resource-wildcard-inside-region-segment",
    RESOURCE,
    "sqs:SendMessage",
    "allowed",
    f"arn:aws:sqs:us-east-2:{A}:queue1",
    identity=[doc(allow("sqs:SendMessage", f"arn:aws:sqs:us-*:{A}:queue1"))],
    note="wildcards within any ARN segment",
)
case(
    "resource-wildcard-stays-in-its-segment",
    RESOURCE,
    "sqs:SendMessage",
    "implicitDeny",
    f"arn:aws:sqs:eu-west-1:{A}:queue1",
    identity=[doc(allow("sqs:SendMessage", f"arn:aws:sqs:us-*:{A}:queue1"))],
)
case(
    "resource-case-sensitive",
    RESOURCE,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::MyBucket/k",
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::mybucket/*"))],
    note="ARNs are case-sensitive (unlike action names)",
)
case(
    "notaction-allow-everything-but-iam",
    NOTACTION,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    identity=[doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
    note="allows every action in every service except IAM",
)
case(
    "notaction-allow-excludes-iam",
    NOTACTION,
    "iam:CreateUser",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
)
case(
    "notaction-allow-scoped-to-s3-resources",
    NOTACTION,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    identity=[doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"})],
    note="all S3 actions on any S3 resource except deleting a bucket",
)
case(
    "notaction-allow-not-deletebucket",
    NOTACTION,
    "s3:DeleteBucket",
    "implicitDeny",
    "arn:aws:s3:::b",
    identity=[doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"})],
)
case(
    "notaction-allow-not-other-services",
    NOTACTION,
    "ec2:TerminateInstances",
    "implicitDeny",
    f"arn:aws:ec2:us-east-1:{A}:instance/i-1",
    identity=[doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"})],
    note="other service actions are not applicable to the S3 resources",
)
case(
    "notaction-allow-not-listallmybuckets",
    NOTACTION,
    "s3:ListAllMyBuckets",
    "implicitDeny",
    "*",
    identity=[doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"})],
    note='ListAllMyBuckets requires the "*" resource, which arn:aws:s3:::* does not cover',
)
case(
    "notresource-deny-outside-payroll",
    NOTRESOURCE,
    "s3:GetObject",
    "explicitDeny",
    "arn:aws:s3:::HRBucket/Other/a.txt",
    identity=[
        doc(allow("s3:*")),
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            }
        ),
    ],
    note="explicitly denies access to all Amazon S3 resources other than the listed ones",
)
case(
    "notresource-deny-spares-payroll",
    NOTRESOURCE,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::HRBucket/Payroll/a.txt",
    identity=[
        doc(allow("s3:*")),
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            }
        ),
    ],
)
case(
    "notresource-deny-alone-grants-nothing",
    NOTRESOURCE,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::HRBucket/Payroll/a.txt",
    identity=[
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            }
        )
    ],
    note="this policy does not grant the user access to any resources",
)
case(
    "notresource-deny-other-service-untouched",
    NOTRESOURCE,
    "ec2:StartInstances",
    "allowed",
    f"arn:aws:ec2:us-east-1:{A}:instance/i-1",
    identity=[ALLOW_ALL, doc({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::HRBucket/*"})],
    note="the deny is for the services in the statement (its Action) only",
)
# "The asterisk (*) character can expand to replace everything within a segment, including characters
# like a forward slash (/)": the page lists the objects arn:aws:s3:::amzn-s3-demo-bucket/*/test/* covers.
for i, (key, expect) in enumerate(
    [
        ("1/test/object.jpg", "allowed"),
        ("1/2/test/object.jpg", "allowed"),
        ("1/2/test/3/object.jpg", "allowed"),
        ("1/2/3/test/4/object.jpg", "allowed"),
        ("1///test///object.jpg", "allowed"),
        ("1/test/.jpg", "allowed"),
        ("/test/object.jpg", "allowed"),
        ("1/test/", "allowed"),
        ("1-test/object.jpg", "implicitDeny"),
        ("test/object.jpg", "implicitDeny"),
        ("1/2/test.jpg", "implicitDeny"),
    ]
):
    case(
        f"resource-star-spans-slashes-{i}",
        RESOURCE,
        "s3:GetObject",
        expect,
        f"arn:aws:s3:::amzn-s3-demo-bucket/{key}",
        identity=[doc(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*"))],
        note="a / in a resource ARN is treated the same as any other valid character",
    )


# --- String, numeric, date, bool, binary, IP, ARN operators -------------------------------------

JOB = doc(
    allow(
        "iam:*AccessKey*",
        f"arn:aws:iam::{A}:user/*",
        Condition={"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
    )
)
case(
    "stringequals-tag-present",
    OPS,
    "iam:CreateAccessKey",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[JOB],
    context={"aws:PrincipalTag/job-category": "iamuser-admin"},
)
case(
    "stringequals-tag-missing",
    OPS,
    "iam:CreateAccessKey",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[JOB],
    note="a user without the tag: the condition returns false",
)
case(
    "stringequals-case-sensitive",
    OPS,
    "iam:CreateAccessKey",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[JOB],
    context={"aws:PrincipalTag/job-category": "IAMUser-Admin"},
    note="StringEquals: exact matching, case sensitive",
)
case(
    "stringequalsignorecase",
    OPS,
    "iam:CreateAccessKey",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[
        doc(
            allow(
                "iam:*AccessKey*",
                f"arn:aws:iam::{A}:user/*",
                Condition={"StringEqualsIgnoreCase": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
            )
        )
    ],
    context={"aws:PrincipalTag/job-category": "IAMUser-Admin"},
    note="exact matching, ignoring case",
)
case(
    "stringequals-wildcard-is-literal",
    OPS,
    "iam:CreateAccessKey",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[
        doc(
            allow(
                "iam:*AccessKey*",
                f"arn:aws:iam::{A}:user/*",
                Condition={"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-*"}},
            )
        )
    ],
    context={"aws:PrincipalTag/job-category": "iamuser-admin"},
    note="only StringLike takes wildcards: 'You must specify wildcards to achieve partial string matches'",
)
case(
    "condition-key-name-case-insensitive",
    VARIABLES,
    "iam:CreateAccessKey",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[JOB],
    context={"AWS:PRINCIPALTAG/JOB-CATEGORY": "iamuser-admin"},
    note="key names are case-insensitive: aws:CurrentTime is equivalent to AWS:currenttime",
)

HOME = doc(
    allow(["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "arn:aws:s3:::*"),
    allow(
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        Condition={"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
    ),
    allow(
        "s3:*",
        [
            "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}",
            "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
        ],
    ),
)
case(
    "home-list-own-prefix",
    OPS,
    "s3:ListBucket",
    "allowed",
    "arn:aws:s3:::amzn-s3-demo-bucket",
    principal=USER_DAVID,
    identity=[HOME],
    context={"s3:prefix": "home/David/"},
    note="allowed as long as s3:prefix matches one of the patterns",
)
case(
    "home-list-root-prefix-empty-string",
    OPS,
    "s3:ListBucket",
    "allowed",
    "arn:aws:s3:::amzn-s3-demo-bucket",
    principal=USER_DAVID,
    identity=[HOME],
    context={"s3:prefix": ""},
)
case(
    "home-list-other-users-prefix",
    OPS,
    "s3:ListBucket",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket",
    principal=USER_DAVID,
    identity=[HOME],
    context={"s3:prefix": "home/Bob/"},
)
case(
    "home-own-object",
    S3_HOME,
    "s3:PutObject",
    "allowed",
    "arn:aws:s3:::amzn-s3-demo-bucket/home/David/a.txt",
    principal=USER_DAVID,
    identity=[HOME],
)
case(
    "home-other-users-object",
    S3_HOME,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket/home/Bob/a.txt",
    principal=USER_DAVID,
    identity=[HOME],
)
case(
    "home-role-has-no-username",
    VARIABLES,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket/home/Analyst/a.txt",
    principal=ROLE,
    identity=[HOME],
    note="aws:username is not present for a role: the variable cannot be resolved",
)

MAXKEYS = doc(
    allow(
        "s3:ListBucket",
        "arn:aws:s3:::example_bucket",
        Condition={"NumericLessThanEquals": {"s3:max-keys": "10"}},
    )
)
case(
    "numeric-le-equal",
    OPS,
    "s3:ListBucket",
    "allowed",
    "arn:aws:s3:::example_bucket",
    identity=[MAXKEYS],
    context={"s3:max-keys": "10"},
    note="list up to 10 objects",
)
case(
    "numeric-le-greater",
    OPS,
    "s3:ListBucket",
    "implicitDeny",
    "arn:aws:s3:::example_bucket",
    identity=[MAXKEYS],
    context={"s3:max-keys": "11"},
)
case(
    "numeric-decimal",
    OPS,
    "s3:ListBucket",
    "allowed",
    "arn:aws:s3:::example_bucket",
    identity=[MAXKEYS],
    context={"s3:max-keys": "9.5"},
    note="integer or decimal value",
)
case(
    "numeric-json-number-in-policy",
    OPS,
    "s3:ListBucket",
    "implicitDeny",
    "arn:aws:s3:::example_bucket",
    identity=[
        doc(
            allow(
                "s3:ListBucket",
                "arn:aws:s3:::example_bucket",
                Condition={"NumericLessThan": {"s3:max-keys": 10.5}},
            )
        )
    ],
    context={"s3:max-keys": "10.50"},
)
case(
    "numeric-missing-key",
    OPS,
    "s3:ListBucket",
    "implicitDeny",
    "arn:aws:s3:::example_bucket",
    identity=[MAXKEYS],
    note="a key not in the request context: the values do not match",
)

TOKEN = doc(
    allow(
        "iam:*AccessKey*",
        f"arn:aws:iam::{A}:user/*",
        Condition={"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
    )
)
case(
    "date-token-issued-after",
    OPS,
    "iam:ListAccessKeys",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[TOKEN],
    context={"aws:TokenIssueTime": "2020-06-01T08:00:00Z"},
)
case(
    "date-token-epoch-context",
    OPS,
    "iam:ListAccessKeys",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[TOKEN],
    context={"aws:TokenIssueTime": "1590969600"},
    note="date/time values in ISO 8601 or epoch (UNIX) time",
)
case(
    "date-token-before",
    OPS,
    "iam:ListAccessKeys",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[TOKEN],
    context={"aws:TokenIssueTime": "2019-12-31T23:59:59Z"},
)
case(
    "date-token-missing-for-access-keys",
    OPS,
    "iam:ListAccessKeys",
    "implicitDeny",
    f"arn:aws:iam::{A}:user/x",
    principal=USER_DAVID,
    identity=[TOKEN],
    note="not present in requests made using access keys: the request is denied",
)

WINDOW = doc(
    allow(
        "ec2:*",
        "*",
        Condition={
            "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"},
        },
    )
)
case(
    "date-window-inside",
    DATES,
    "ec2:DescribeInstances",
    "allowed",
    identity=[WINDOW],
    context={"aws:CurrentTime": "2020-05-15T12:00:00Z"},
)
case(
    "date-window-after",
    DATES,
    "ec2:DescribeInstances",
    "implicitDeny",
    identity=[WINDOW],
    context={"aws:CurrentTime": "2020-07-01T00:00:00Z"},
)
case(
    "date-window-timezone-offset",
    DATES,
    "ec2:DescribeInstances",
    "allowed",
    identity=[WINDOW],
    context={"aws:CurrentTime": "2020-07-01T01:30:00+02:00"},
    note="W3C ISO 8601 with an offset: 2020-07-01T01:30+02:00 is 2020-06-30T23:30Z, inside the window",
)
case(
    "date-w3c-year-month",
    OPS,
    "ec2:DescribeInstances",
    "allowed",
    identity=[doc(allow("ec2:*", "*", Condition={"DateLessThan": {"aws:CurrentTime": "2020-07"}}))],
    context={"aws:CurrentTime": "2020-06-30T23:59:59Z"},
    note="W3C ISO 8601 profile YYYY-MM: 2020-07 is 2020-07-01T00:00:00Z",
)
case(
    "date-w3c-year",
    OPS,
    "ec2:DescribeInstances",
    "implicitDeny",
    identity=[doc(allow("ec2:*", "*", Condition={"DateGreaterThanEquals": {"aws:CurrentTime": "2021"}}))],
    context={"aws:CurrentTime": "2020-12-31T23:59:59Z"},
    note="W3C ISO 8601 profile YYYY",
)
case(
    "date-epoch-policy-value",
    OPS,
    "ec2:DescribeInstances",
    "allowed",
    identity=[doc(allow("ec2:*", "*", Condition={"DateLessThan": {"aws:EpochTime": "1593561599"}}))],
    context={"aws:EpochTime": "2020-05-15T12:00:00Z"},
    note="epoch in the policy, ISO in the request",
)

TLS = doc(
    allow("s3:*"),
    {
        "Sid": "BooleanExample",
        "Action": "s3:*",
        "Effect": "Deny",
        "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
)
case(
    "bool-deny-plain-http",
    OPS,
    "s3:GetObject",
    "explicitDeny",
    "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k",
    identity=[TLS],
    context={"aws:SecureTransport": "false"},
)
case(
    "bool-https-allowed",
    OPS,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k",
    identity=[TLS],
    context={"aws:SecureTransport": "true"},
)
case(
    "bool-json-boolean",
    OPS,
    "s3:GetObject",
    "explicitDeny",
    "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k",
    identity=[doc(allow("s3:*"), deny("s3:*", Condition={"Bool": {"aws:SecureTransport": False}}))],
    context={"aws:SecureTransport": "false"},
    note='JSON false reads as "false"',
)
case(
    "binaryequals",
    OPS,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    identity=[
        doc(allow("s3:GetObject", Condition={"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}))
    ],
    context={"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
)

NET = doc(
    allow(
        "someservice:*",
        "*",
        Condition={"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
    )
)
case(
    "ip-v4-in-range",
    OPS,
    "someservice:Act",
    "allowed",
    identity=[NET],
    context={"aws:SourceIp": "203.0.113.77"},
)
case(
    "ip-v4-out-of-range",
    OPS,
    "someservice:Act",
    "implicitDeny",
    identity=[NET],
    context={"aws:SourceIp": "198.51.100.1"},
)
case(
    "ip-v6-in-range-lowercase",
    OPS,
    "someservice:Act",
    "allowed",
    identity=[NET],
    context={"aws:SourceIp": "2001:db8:1234:5678:abcd::1"},
    note="mix IPv4 and IPv6 ranges",
)
case(
    "ip-v6-out-of-range",
    OPS,
    "someservice:Act",
    "implicitDeny",
    identity=[NET],
    context={"aws:SourceIp": "2001:db8:1234:5679::1"},
)
case(
    "ip-no-prefix-is-32",
    OPS,
    "someservice:Act",
    "implicitDeny",
    identity=[doc(allow("someservice:*", "*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.7"}}))],
    context={"aws:SourceIp": "203.0.113.8"},
    note="an IP address without a prefix uses /32",
)

SOURCE_IP = doc(
    ALLOW_ALL["Statement"][0],
    {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
            "Bool": {"aws:ViaAWSService": "false"},
        },
    },
)
case(
    "deny-ip-outside",
    DENY_IP,
    "s3:ListAllMyBuckets",
    "explicitDeny",
    identity=[SOURCE_IP],
    context={"aws:SourceIp": "198.51.100.7"},
    note="denies requests from outside the ranges; aws:ViaAWSService (always in the request context) is "
    "false for a direct call",
)
case(
    "deny-ip-inside",
    DENY_IP,
    "s3:ListAllMyBuckets",
    "allowed",
    identity=[SOURCE_IP],
    context={"aws:SourceIp": "192.0.2.10"},
)
case(
    "deny-ip-ipv6-source-is-outside",
    DENY_IP,
    "s3:ListAllMyBuckets",
    "explicitDeny",
    identity=[SOURCE_IP],
    context={"aws:SourceIp": "2001:db8::1"},
    note="an IPv6 address is in none of the IPv4 ranges",
)
case(
    "deny-ip-via-service",
    DENY_IP,
    "s3:ListAllMyBuckets",
    "allowed",
    identity=[SOURCE_IP],
    context={"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "true"},
    note="requests a service makes on the principal's behalf are not denied",
)

SOMESERVICE_VALUE = f"arn:aws:someservice:us-east-2:999999999999:store/abc:{A}:finance/document.txt"
case(
    "arnlike-matches-per-segment",
    OPS,
    "someservice:Act",
    "implicitDeny",
    identity=[
        doc(
            allow(
                "someservice:*",
                "*",
                Condition={"ArnLike": {"aws:SourceArn": f"arn:aws:someservice:*:{A}:finance/*"}},
            )
        )
    ],
    context={"aws:SourceArn": SOMESERVICE_VALUE},
    note="with ArnLike the match fails",
)
case(
    "stringlike-matches-across-colons",
    OPS,
    "someservice:Act",
    "allowed",
    identity=[
        doc(
            allow(
                "someservice:*",
                "*",
                Condition={"StringLike": {"aws:SourceArn": f"arn:aws:someservice:*:{A}:finance/*"}},
            )
        )
    ],
    context={"aws:SourceArn": SOMESERVICE_VALUE},
    note="with StringLike the match succeeds",
)

QUEUE = f"arn:aws:sqs:us-east-2:{A}:queue-1"
TOPIC = f"arn:aws:sns:us-east-2:{A}:topic-1"
SQS = doc(
    {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "SQS:SendMessage",
        "Resource": QUEUE,
        "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}},
    }
)
case(
    "arnequals-sourcearn-topic",
    OPS,
    "sqs:SendMessage",
    "allowed",
    QUEUE,
    principal="sns.amazonaws.com",
    resource_policy=SQS,
    context={"aws:SourceArn": TOPIC},
)
case(
    "arnequals-sourcearn-other-topic",
    OPS,
    "sqs:SendMessage",
    "implicitDeny",
    QUEUE,
    principal="sns.amazonaws.com",
    resource_policy=SQS,
    context={"aws:SourceArn": f"arn:aws:sns:us-east-2:{A}:topic-2"},
)
case(
    "arnequals-sourcearn-missing",
    OPS,
    "sqs:SendMessage",
    "implicitDeny",
    QUEUE,
    principal="sns.amazonaws.com",
    resource_policy=SQS,
    note="aws:SourceArn is present only when a service calls on the resource owner's behalf",
)
case(
    "arnlike-question-mark",
    OPS,
    "sqs:SendMessage",
    "allowed",
    QUEUE,
    principal="sns.amazonaws.com",
    resource_policy=doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:us-east-?:{A}:topic-*"}},
        }
    ),
    context={"aws:SourceArn": TOPIC},
)
case(
    "arnnotequals-missing-key-is-true",
    OPS,
    "sqs:SendMessage",
    "explicitDeny",
    QUEUE,
    principal=ROLE,
    identity=[ALLOW_ALL, doc(deny("sqs:*", Condition={"ArnNotEquals": {"aws:SourceArn": TOPIC}}))],
    note="a negated operator (ArnNotLike) with the key absent is true",
)

# --- IfExists and Null ------------------------------------------------------------------------------

RUN = doc(
    {
        "Sid": "RunInstance",
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
    }
)
case(
    "ifexists-key-absent",
    OPS,
    "ec2:RunInstances",
    "allowed",
    "arn:aws:ec2:us-east-1::image/ami-1",
    identity=[RUN],
    note="if the key is not present, evaluate the condition as true",
)
case(
    "ifexists-key-matches",
    OPS,
    "ec2:RunInstances",
    "allowed",
    identity=[RUN],
    context={"ec2:InstanceType": "t2.micro"},
)
case(
    "ifexists-key-does-not-match",
    OPS,
    "ec2:RunInstances",
    "implicitDeny",
    identity=[RUN],
    context={"ec2:InstanceType": "c5.large"},
)
case(
    "without-ifexists-key-absent",
    OPS,
    "ec2:RunInstances",
    "implicitDeny",
    identity=[
        doc(
            {
                "Sid": "THISPOLICYDOESNOTWORK",
                "Effect": "Allow",
                "Action": "ec2:RunInstances",
                "Resource": "*",
                "Condition": {"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
            }
        )
    ],
    note="resources without ec2:InstanceType fail the StringLike check",
)
case(
    "negated-ifexists-deny-missing-tag",
    OPS,
    "ec2:StopInstances",
    "explicitDeny",
    identity=[
        ALLOW_ALL,
        doc(deny("ec2:*", Condition={"StringNotEqualsIfExists": {"aws:ResourceTag/team": "blue"}})),
    ],
    note="Deny with StringNotEqualsIfExists: the request is still denied even if the tag is missing",
)
case(
    "null-true-no-temporary-credentials",
    OPS,
    "ec2:DescribeInstances",
    "allowed",
    principal=USER_DAVID,
    identity=[
        doc(
            {
                "Action": "ec2:*",
                "Effect": "Allow",
                "Resource": "*",
                "Condition": {"Null": {"aws:TokenIssueTime": "true"}},
            }
        )
    ],
    note="the user must not be using temporary credentials (the key must not exist)",
)
case(
    "null-true-with-temporary-credentials",
    OPS,
    "ec2:DescribeInstances",
    "implicitDeny",
    principal=SESSION,
    identity=[
        doc(
            {
                "Action": "ec2:*",
                "Effect": "Allow",
                "Resource": "*",
                "Condition": {"Null": {"aws:TokenIssueTime": True}},
            }
        )
    ],
    context={"aws:TokenIssueTime": "2024-01-01T00:00:00Z"},
)

MFA_DENY = doc(
    ALLOW_ALL["Statement"][0],
    {
        "Sid": "DenyAllExceptListedIfNoMFA",
        "Effect": "Deny",
        "NotAction": [
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:GetUser",
            "iam:ListMFADevices",
            "iam:ListVirtualMFADevices",
            "iam:ResyncMFADevice",
            "sts:GetSessionToken",
        ],
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    },
)
case(
    "mfa-boolifexists-long-term-keys-denied",
    MFA,
    "s3:ListAllMyBuckets",
    "explicitDeny",
    principal=USER_DAVID,
    identity=[MFA_DENY],
    note="long-term access keys: the key is absent, BoolIfExists is true, deny",
)
case(
    "mfa-boolifexists-mfa-false-denied",
    MFA,
    "s3:ListAllMyBuckets",
    "explicitDeny",
    principal=USER_DAVID,
    identity=[MFA_DENY],
    context={"aws:MultiFactorAuthPresent": "false"},
)
case(
    "mfa-boolifexists-mfa-true-allowed",
    MFA,
    "s3:ListAllMyBuckets",
    "allowed",
    principal=USER_DAVID,
    identity=[MFA_DENY],
    context={"aws:MultiFactorAuthPresent": "true"},
)
case(
    "mfa-notaction-listed-action-not-denied",
    MFA,
    "iam:EnableMFADevice",
    "allowed",
    f"arn:aws:iam::{A}:user/David",
    principal=USER_DAVID,
    identity=[MFA_DENY],
    note="the NotAction actions are not denied without MFA",
)
case(
    "mfa-plain-bool-missing-key-not-denied",
    KEYS,
    "s3:ListAllMyBuckets",
    "allowed",
    principal=USER_DAVID,
    identity=[ALLOW_ALL, doc(deny("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))],
    note="Bool without IfExists: the key is absent for long-term credentials, the deny does not apply",
)

REGION_DENY = doc(
    ALLOW_ALL["Statement"][0],
    {
        "Sid": "DenyAllOutsideRequestedRegions",
        "Effect": "Deny",
        "NotAction": ["cloudfront:*", "iam:*", "route53:*", "support:*", "sts:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}},
    },
)
case(
    "region-outside-denied",
    REGION,
    "ec2:RunInstances",
    "explicitDeny",
    identity=[REGION_DENY],
    context={"aws:RequestedRegion": "us-east-1"},
)
case(
    "region-inside-allowed",
    REGION,
    "ec2:RunInstances",
    "allowed",
    identity=[REGION_DENY],
    context={"aws:RequestedRegion": "eu-west-1"},
)
case(
    "region-global-service-exempt",
    REGION,
    "iam:CreateUser",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[REGION_DENY],
    context={"aws:RequestedRegion": "us-east-1"},
    note="global services listed in NotAction are not denied",
)
case(
    "region-value-case-sensitive",
    REGION,
    "ec2:RunInstances",
    "explicitDeny",
    identity=[REGION_DENY],
    context={"aws:RequestedRegion": "EU-WEST-1"},
    note="StringNotEquals is case-sensitive",
)

# --- Multiple keys and values; negated operators; set operators --------------------------------

MULTI_ALLOW = doc(
    allow(
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        Condition={
            "StringEquals": {
                "aws:PrincipalTag/department": ["finance", "hr", "legal"],
                "aws:PrincipalTag/role": ["audit", "security"],
            },
            "ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{A}:user/Ana", f"arn:aws:iam::{A}:user/Mary"]},
        },
    )
)
case(
    "multi-keys-and-values-or",
    MULTI,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::amzn-s3-demo-bucket/k",
    principal=f"arn:aws:iam::{A}:user/Mary",
    identity=[MULTI_ALLOW],
    context={"aws:PrincipalTag/department": "hr", "aws:PrincipalTag/role": "audit"},
    note="operators AND, keys AND, values OR",
)
case(
    "multi-keys-one-key-fails",
    MULTI,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket/k",
    principal=f"arn:aws:iam::{A}:user/Mary",
    identity=[MULTI_ALLOW],
    context={"aws:PrincipalTag/department": "hr", "aws:PrincipalTag/role": "dev"},
)
case(
    "multi-operator-fails",
    MULTI,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket/k",
    principal=f"arn:aws:iam::{A}:user/Bob",
    identity=[MULTI_ALLOW],
    context={"aws:PrincipalTag/department": "hr", "aws:PrincipalTag/role": "audit"},
)

NEG = doc(
    ALLOW_ALL["Statement"][0],
    deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalTag/department": ["finance", "hr", "legal"]}}),
)
case(
    "negated-nor-none-match",
    MULTI,
    "s3:GetObject",
    "explicitDeny",
    "arn:aws:s3:::b/k",
    identity=[NEG],
    context={"aws:PrincipalTag/department": "audit"},
    note="negated operator: values NOR",
)
case(
    "negated-nor-one-matches",
    MULTI,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    identity=[NEG],
    context={"aws:PrincipalTag/department": "hr"},
)
case(
    "negated-missing-key",
    MULTI,
    "s3:GetObject",
    "explicitDeny",
    "arn:aws:s3:::b/k",
    identity=[NEG],
    note="a negated operator on an absent key is true",
)

THREAD = f"arn:aws:dynamodb:us-east-2:{A}:table/Thread"
GET_ATTRS = doc(
    allow(
        "dynamodb:GetItem",
        THREAD,
        Condition={
            "ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}
        },
    )
)
case(
    "forallvalues-subset",
    SET_OPS,
    "dynamodb:GetItem",
    "allowed",
    THREAD,
    identity=[GET_ATTRS],
    context={"dynamodb:requestedAttributes": ["PostDateTime", "Message"]},
)
case(
    "forallvalues-one-outside",
    SET_OPS,
    "dynamodb:GetItem",
    "implicitDeny",
    THREAD,
    identity=[GET_ATTRS],
    context={"dynamodb:requestedAttributes": ["PostDateTime", "UserName"]},
    note="no match for UserName: the condition returns false",
)
case(
    "forallvalues-missing-key-true",
    SETS,
    "dynamodb:GetItem",
    "allowed",
    THREAD,
    identity=[GET_ATTRS],
    note="ForAllValues also returns true if there are no context keys in the request",
)
case(
    "forallvalues-empty-string-true",
    SET_OPS,
    "dynamodb:GetItem",
    "allowed",
    THREAD,
    identity=[GET_ATTRS],
    context={"dynamodb:requestedAttributes": ""},
    note="an empty data set (for example, an empty string): ForAllValues returns true",
)
case(
    "forallvalues-case-sensitive",
    SET_OPS,
    "dynamodb:GetItem",
    "implicitDeny",
    THREAD,
    identity=[GET_ATTRS],
    context={"dynamodb:requestedAttributes": ["postdatetime"]},
)

PUT_DENY = doc(
    allow("dynamodb:*", THREAD),
    deny(
        "dynamodb:PutItem",
        THREAD,
        Condition={"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}},
    ),
)
case(
    "foranyvalue-one-match-denies",
    SET_OPS,
    "dynamodb:PutItem",
    "explicitDeny",
    THREAD,
    identity=[PUT_DENY],
    context={"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]},
)
case(
    "foranyvalue-no-match",
    SET_OPS,
    "dynamodb:PutItem",
    "allowed",
    THREAD,
    identity=[PUT_DENY],
    context={"dynamodb:requestedAttributes": ["UserName"]},
)
case(
    "foranyvalue-missing-key-false",
    SETS,
    "dynamodb:PutItem",
    "allowed",
    THREAD,
    identity=[PUT_DENY],
    note="ForAnyValue returns false on an absent key",
)
case(
    "foranyvalue-empty-string-false",
    SET_OPS,
    "dynamodb:PutItem",
    "allowed",
    THREAD,
    identity=[PUT_DENY],
    context={"dynamodb:requestedAttributes": ""},
)

TAGS_DENY = doc(
    ALLOW_ALL["Statement"][0],
    {
        "Sid": "DenyRestrictedTags",
        "Effect": "Deny",
        "Action": ["iam:Tag*", "iam:UnTag*"],
        "Resource": ["*"],
        "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
    },
)
case(
    "forallvalues-notlike-key1",
    MV_EXAMPLES,
    "iam:TagUser",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[TAGS_DENY],
    context={"aws:TagKeys": "key1:legal"},
    note="no match: may be allowed",
)
case(
    "forallvalues-notlike-two-key1",
    MV_EXAMPLES,
    "iam:TagUser",
    "allowed",
    f"arn:aws:iam::{A}:user/x",
    identity=[TAGS_DENY],
    context={"aws:TagKeys": ["key1:hr", "key1:personnel"]},
)
case(
    "forallvalues-notlike-key2",
    MV_EXAMPLES,
    "iam:TagUser",
    "explicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[TAGS_DENY],
    context={"aws:TagKeys": "key2:audit"},
    note="match: denied",
)
case(
    "forallvalues-notlike-no-tagkeys",
    MV_EXAMPLES,
    "iam:UntagUser",
    "explicitDeny",
    f"arn:aws:iam::{A}:user/x",
    identity=[TAGS_DENY],
    note="no aws:TagKeys in the request context: match (denied)",
)

CREATE_TAGS = doc(
    allow(
        "ec2:CreateTags",
        Condition={
            "ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]},
            "Null": {"aws:TagKeys": "false"},
        },
    )
)
case(
    "forallvalues-allowed-keys",
    MV_EXAMPLES,
    "ec2:CreateTags",
    "allowed",
    identity=[CREATE_TAGS],
    context={"aws:TagKeys": ["environment", "cost-center"]},
)
case(
    "forallvalues-extra-key",
    MV_EXAMPLES,
    "ec2:CreateTags",
    "implicitDeny",
    identity=[CREATE_TAGS],
    context={"aws:TagKeys": ["environment", "owner"]},
)
case(
    "forallvalues-null-false-blocks-missing",
    MV_EXAMPLES,
    "ec2:CreateTags",
    "implicitDeny",
    identity=[CREATE_TAGS],
    note="a Null check with false keeps a missing key from evaluating to true",
)
case(
    "forallvalues-null-false-blocks-empty-value",
    MV_EXAMPLES,
    "ec2:CreateTags",
    "implicitDeny",
    identity=[CREATE_TAGS],
    context={"aws:TagKeys": ""},
    note="... or context keys with empty values: the Null check (false) fails on an empty value",
)

# --- Policy variables, ABAC -----------------------------------------------------------------------

case(
    "variable-username-in-resource",
    RESOURCE,
    "dynamodb:GetItem",
    "allowed",
    f"arn:aws:dynamodb:us-east-2:{A}:table/David",
    principal=USER_DAVID,
    identity=[doc(allow("dynamodb:*", f"arn:aws:dynamodb:us-east-2:{A}:table/${{aws:username}}"))],
)
case(
    "variable-username-other-table",
    RESOURCE,
    "dynamodb:GetItem",
    "implicitDeny",
    f"arn:aws:dynamodb:us-east-2:{A}:table/Alice",
    principal=USER_DAVID,
    identity=[doc(allow("dynamodb:*", f"arn:aws:dynamodb:us-east-2:{A}:table/${{aws:username}}"))],
)
case(
    "variable-username-from-context",
    VARIABLES,
    "sqs:CreateQueue",
    "allowed",
    f"arn:aws:sqs:us-east-2:{A}:David-queue",
    context={"aws:username": "David"},
    identity=[doc(allow("sqs:*", "arn:aws:sqs:us-east-2:*:${aws:username}-queue"))],
)
case(
    "variable-without-version-is-literal",
    VARIABLES,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::mybucket/David/a",
    principal=USER_DAVID,
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/*"), version=None)],
    note="without Version 2012-10-17 variables are treated as literal strings",
)
case(
    "variable-without-version-matches-literally",
    VARIABLES,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::mybucket/${aws:username}/a",
    principal=USER_DAVID,
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/*"), version="2008-10-17")],
)
case(
    "variable-default-value-used",
    VARIABLES,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/a",
    identity=[
        doc(
            allow(
                "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*"
            )
        )
    ],
    note="a default value in single quotes after a comma and space",
)
case(
    "variable-default-value-not-used-when-present",
    VARIABLES,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/a",
    context={"aws:PrincipalTag/team": "red"},
    identity=[
        doc(
            allow(
                "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*"
            )
        )
    ],
)
case(
    "variable-special-star-is-literal",
    VARIABLES,
    "s3:GetObject",
    "implicitDeny",
    "arn:aws:s3:::b/x/file",
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::b/${*}/file"))],
    note="${*} stands for a literal asterisk, not a wildcard",
)
case(
    "variable-special-star-matches-asterisk",
    VARIABLES,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/*/file",
    identity=[doc(allow("s3:GetObject", "arn:aws:s3:::b/${*}/file"))],
)
case(
    "variable-in-condition-value",
    VARIABLES,
    "sns:Subscribe",
    "allowed",
    f"arn:aws:sns:us-east-2:{A}:t",
    principal=f"arn:aws:iam::{A}:user/Bob",
    identity=[
        doc(
            allow(
                "sns:*",
                Condition={
                    "StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"},
                    "StringEquals": {"sns:Protocol": "https"},
                },
            )
        )
    ],
    context={"sns:Endpoint": "https://example.com/Bob/", "sns:Protocol": "https"},
)
case(
    "variable-in-condition-value-other-user",
    VARIABLES,
    "sns:Subscribe",
    "implicitDeny",
    f"arn:aws:sns:us-east-2:{A}:t",
    principal=f"arn:aws:iam::{A}:user/Bob",
    identity=[
        doc(
            allow(
                "sns:*",
                Condition={
                    "StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"},
                    "StringEquals": {"sns:Protocol": "https"},
                },
            )
        )
    ],
    context={"sns:Endpoint": "https://example.com/Alice/", "sns:Protocol": "https"},
)

ABAC = doc(
    allow(
        ["ec2:StartInstances", "ec2:StopInstances"],
        f"arn:aws:ec2:*:{A}:instance/*",
        Condition={"StringEquals": {"aws:ResourceTag/Project": "${aws:PrincipalTag/Project}"}},
    )
)
case(
    "abac-tags-equal",
    EC2_TAGS,
    "ec2:StartInstances",
    "allowed",
    f"arn:aws:ec2:us-east-1:{A}:instance/i-1",
    identity=[ABAC],
    context={"aws:ResourceTag/Project": "DataAnalytics", "aws:PrincipalTag/Project": "DataAnalytics"},
)
case(
    "abac-tags-differ",
    EC2_TAGS,
    "ec2:StopInstances",
    "implicitDeny",
    f"arn:aws:ec2:us-east-1:{A}:instance/i-1",
    identity=[ABAC],
    context={"aws:ResourceTag/Project": "Web", "aws:PrincipalTag/Project": "DataAnalytics"},
)
case(
    "abac-principal-tag-missing",
    EC2_TAGS,
    "ec2:StopInstances",
    "implicitDeny",
    f"arn:aws:ec2:us-east-1:{A}:instance/i-1",
    identity=[ABAC],
    context={"aws:ResourceTag/Project": "Web"},
    note="the variable cannot be resolved: the condition cannot match",
)

# --- Principal forms in resource-based policies --------------------------------------------------

for i, spec in enumerate(["*", {"AWS": "*"}]):
    case(
        f"principal-everyone-{i}",
        PRINCIPAL,
        "s3:GetObject",
        "allowed",
        "arn:aws:s3:::public/k",
        principal=USER_DAVID,
        resource_policy=doc(
            {
                "Effect": "Allow",
                "Principal": spec,
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::public/*",
            }
        ),
        note='"Principal": "*" and {"AWS": "*"} are equivalent',
    )


case(
    "resource-policy-to-user-not-limited-by-boundary",
    BOUNDARIES,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::b/k",
    principal=USER_DAVID,
    resource_policy=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": USER_DAVID},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    boundary=doc(allow("ec2:*")),
    note="an implicit deny in a boundary does not limit what a resource-based policy grants an IAM user",
)
case(
    "service-principal-only-through-resource-policy",
    PRINCIPAL,
    "s3:PutObject",
    "allowed",
    "arn:aws:s3:::logs/AWSLogs/k",
    principal="delivery.logs.amazonaws.com",
    resource_policy=doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::logs/AWSLogs/*",
        }
    ),
)

S3_PUBLIC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html"
PUBLIC_READ = doc(
    {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket/*"],
    }
)
case(
    "anonymous-public-read",
    S3_PUBLIC,
    "s3:GetObject",
    "allowed",
    "arn:aws:s3:::amzn-s3-demo-bucket/index.html",
    principal="*",
    resource_policy=PUBLIC_READ,
    note="read-only permission to anonymous users",
)
case(
    "anonymous-public-read-no-write",
    PRINCIPAL,
    "s3:PutObject",
    "implicitDeny",
    "arn:aws:s3:::amzn-s3-demo-bucket/index.html",
    principal="*",
    resource_policy=PUBLIC_READ,
)


# --- the runner ---------------------------------------------------------------------------------

runner = CliRunner()


def simulate(tmp_path: Path, c: Case) -> dict[str, Any]:
    args = ["iam", "simulate", "--action", c.action, "--resource", c.resource, "--json"]
    for i, d in enumerate(c.identity):
        p = tmp_path / f"identity{i}.json"
        p.write_text(json.dumps(d))
        args += ["--policy", str(p)]
    if c.resource_policy is not None:
        p = tmp_path / "resource.json"
        p.write_text(json.dumps(c.resource_policy))
        args += ["--resource-policy", str(p)]
    if c.boundary is not None:
        p = tmp_path / "boundary.json"
        p.write_text(json.dumps(c.boundary))
        args += ["--boundary", str(p)]
    if c.principal is not None:
        args += ["--principal", c.principal]
    for key, value in c.context.items():
        for v in [value] if isinstance(value, str) else value:
            args += ["--context", f"{key}={v}"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def case_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs-review")


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_documented_outcome(case_root: Path, c: Case) -> None:
    where = case_root / c.id
    where.mkdir()
    out = simulate(where, c)
    assert out["decision"] == c.expect, f"{c.url}: {c.note or c.id} -- {out['summary']['reason']}"
    if c.expect == "implicitDeny":
        assert out["matched"] == []
    else:
        assert out["matched"], "an allow or an explicit deny names the statements that decided it"


def test_table_shape() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.expect for c in CASES} == {"allowed", "explicitDeny", "implicitDeny"}
    assert all(c.url.startswith("https://docs.aws.amazon.com/") for c in CASES)


# --- CLI robustness: real policy files and options ------------------------------------------------


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["iam", "simulate", *args])


def decision(*args: str) -> str:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)["decision"]


def test_single_statement_object_and_action_string_or_list(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": allow("s3:GetObject", "arn:aws:s3:::b/*")})
    )
    many = tmp_path / "many.json"
    many.write_text(json.dumps(doc(allow(["s3:GetObject"], ["arn:aws:s3:::b/*"]))))
    for f in (one, many):
        assert (
            decision("--policy", str(f), "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k")
            == "allowed"
        )
        assert decision("--policy", str(f), "--action", "s3:PutObject", "--resource", "arn:aws:s3:::b/k") == (
            "implicitDeny"
        )


def test_policy_file_with_bom_and_crlf(tmp_path: Path) -> None:
    f = tmp_path / "bom.json"
    f.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(doc(allow("s3:GetObject")), indent=2).replace("\n", "\r\n").encode()
    )
    assert (
        decision("--policy", str(f), "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k")
        == "allowed"
    )


def test_condition_values_as_json_numbers_and_booleans(tmp_path: Path) -> None:
    f = tmp_path / "typed.json"
    f.write_text(
        json.dumps(
            doc(
                allow(
                    "s3:ListBucket",
                    Condition={
                        "NumericLessThanEquals": {"s3:max-keys": 10},
                        "NumericGreaterThan": {"s3:max-keys": [0.5]},
                        "Bool": {"aws:SecureTransport": True},
                        "Null": {"aws:TokenIssueTime": True},
                    },
                )
            )
        )
    )
    base = ["--policy", str(f), "--action", "s3:ListBucket", "--resource", "arn:aws:s3:::b"]
    assert (
        decision(*base, "--context", "s3:max-keys=10", "--context", "aws:SecureTransport=true") == "allowed"
    )
    assert decision(*base, "--context", "s3:max-keys=10", "--context", "aws:SecureTransport=false") == (
        "implicitDeny"
    )
    assert (
        decision(*base, "--context", "s3:max-keys=0", "--context", "aws:SecureTransport=true")
        == "implicitDeny"
    )


def test_context_keys_in_any_case_collect_values(tmp_path: Path) -> None:
    f = tmp_path / "tags.json"
    f.write_text(
        json.dumps(
            doc(
                allow(
                    "ec2:CreateTags",
                    Condition={
                        "ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]},
                        "Null": {"aws:TagKeys": "false"},
                    },
                )
            )
        )
    )
    base = ["--policy", str(f), "--action", "ec2:CreateTags"]
    assert decision(*base, "--context", "aws:TagKeys=env", "--context", "AWS:TAGKEYS=team") == "allowed"
    assert decision(*base, "--context", "aws:tagkeys=env", "--context", "Aws:TagKeys=owner") == "implicitDeny"


def test_context_value_containing_equals_signs(tmp_path: Path) -> None:
    f = tmp_path / "eq.json"
    f.write_text(
        json.dumps(
            doc(allow("s3:GetObject", Condition={"StringEquals": {"s3:ExistingObjectTag/q": "a=b=c"}}))
        )
    )
    base = ["--policy", str(f), "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"]
    assert decision(*base, "--context", "s3:ExistingObjectTag/q=a=b=c") == "allowed"
    assert decision(*base, "--context", "s3:ExistingObjectTag/q=a=b") == "implicitDeny"


def test_resource_arns_with_paths(tmp_path: Path) -> None:
    f = tmp_path / "path.json"
    f.write_text(json.dumps(doc(allow("iam:PassRole", f"arn:aws:iam::{A}:role/service-role/*"))))
    base = ["--policy", str(f), "--action", "iam:PassRole", "--resource"]
    assert decision(*base, f"arn:aws:iam::{A}:role/service-role/lambda/etl") == "allowed"
    assert decision(*base, f"arn:aws:iam::{A}:role/etl") == "implicitDeny"


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("[1]", [], "JSON object"),
        ('{"Statement": []}', [], "empty"),
        ("{bad", [], "not valid JSON"),
        (None, [], "no such file"),
        (
            json.dumps(doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})),
            [],
            "Principal",
        ),
        (
            json.dumps(doc(allow("s3:*", Condition={"StringEqualz": {"k": "v"}}))),
            [],
            "unknown condition operator",
        ),
        (json.dumps(doc(allow("s3:*", Condition={"StringEquals": {"k": {"x": 1}}}))), [], "condition values"),
        (json.dumps(doc({"Effect": "allow", "Action": "s3:*", "Resource": "*"})), [], "Effect"),
        (json.dumps(doc(allow("s3:*"))), ["--context", "aws:SourceIp"], "KEY=VALUE"),
        (json.dumps(doc(allow("s3:*"))), ["--context", "=x"], "KEY=VALUE"),
        (json.dumps(doc(allow("s3:*"))), ["--principal", "bob"], "--principal"),
    ],
)
def test_bad_input_is_a_clear_usage_error(
    tmp_path: Path, content: str | None, extra: list[str], message: str
) -> None:
    f = tmp_path / "policy.json"
    if content is not None:
        f.write_text(content)
    result = invoke("--policy", str(f), "--action", "s3:GetObject", *extra, "--json")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_action_and_missing_principal_are_usage_errors(tmp_path: Path) -> None:
    f = tmp_path / "bucket.json"
    f.write_text(json.dumps(doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})))
    for args in (["--action", "GetObject"], ["--action", "s3:GetObject", "--resource-policy", str(f)]):
        result = invoke(*args, "--json")
        assert result.exit_code == 2 and result.stderr.startswith("error: "), result.stderr


def test_single_evaluation_is_fast() -> None:
    import time

    from lakectl.iam import Request, evaluate, parse_policy, parse_principal

    policy = parse_policy(HOME, "home")
    request = Request(
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        parse_principal(USER_DAVID),
        {"s3:prefix": ["home/David/"]},
    )
    assert evaluate(request, [policy]).decision == "allowed"
    n = 300
    start = time.perf_counter()
    for _ in range(n):
        evaluate(request, [policy])
    assert (time.perf_counter() - start) / n < 0.001
