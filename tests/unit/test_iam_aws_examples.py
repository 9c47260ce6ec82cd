"""The evaluator against the examples in AWS's IAM documentation.

Each case takes its policies from an AWS documentation page (placeholders such as ACCOUNT-ID filled
with 111122223333 or 123456789012) and asserts the outcome that page states. ``url`` names the page.
Where a page shows a policy without stating every request's outcome, the request chosen is one the
page's text decides (quoted or paraphrased in ``note``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from lakectl.iam import Request, evaluate, parse_policy, parse_principal

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
EVAL = IAM + "reference_policies_evaluation-logic.html"
INTERPLAY = IAM + "reference_policies_evaluation-logic.html#AccessPolicyLanguage_Interplay"
DENYALLOW = IAM + "reference_policies_evaluation-logic_policy-eval-denyallow.html"
BOUNDARIES = IAM + "access_policies_boundaries.html"
PRINCIPAL = IAM + "reference_policies_elements_principal.html"
NOTPRINCIPAL = IAM + "reference_policies_elements_notprincipal.html"
NOTACTION = IAM + "reference_policies_elements_notaction.html"
NOTRESOURCE = IAM + "reference_policies_elements_notresource.html"
RESOURCE = IAM + "reference_policies_elements_resource.html"
ACTION = IAM + "reference_policies_elements_action.html"
CONDITION = IAM + "reference_policies_elements_condition.html"
OPERATORS = IAM + "reference_policies_elements_condition_operators.html"
MULTI = IAM + "reference_policies_condition-logic-multiple-context-keys-or-values.html"
SETS = IAM + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
MULTI_DDB = IAM + "reference_policies_multi-value-conditions.html"
VARIABLES = IAM + "reference_policies_variables.html"
MANAGE_TAGS = IAM + "reference_policies_examples_iam-manage-tags.html"
ADD_TAG = IAM + "reference_policies_examples_iam-add-tag.html"
DATES = IAM + "reference_policies_examples_aws-dates.html"
DENY_IP = IAM + "reference_policies_examples_aws_deny-ip.html"
DENY_REGION = IAM + "reference_policies_examples_aws_deny-requested-region.html"
LAMBDA_RBP = "https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html"
S3_EXAMPLES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html"

A = "111122223333"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def doc(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def user(name: str, account: str = A) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


@dataclass
class Case:
    id: str
    url: str
    action: str
    resource: str = "*"
    identity: list[dict[str, Any]] = field(default_factory=list)
    resource_policy: dict[str, Any] | None = None
    boundary: dict[str, Any] | None = None
    principal: str = f"arn:aws:iam::{A}:role/ExampleRole"
    context: dict[str, Any] = field(default_factory=dict)
    expect: str = "allowed"
    matched: list[tuple[str, str | int]] | None = None  # (policy name, Sid or index)
    missing: list[str] | None = None
    note: str = ""


# --- Policy evaluation logic ----------------------------------------------------------------------

CARLOS = doc(
    {
        "Sid": "AllowS3ListRead",
        "Effect": "Allow",
        "Action": [
            "s3:GetBucketLocation",
            "s3:GetAccountPublicAccessBlock",
            "s3:ListAccessPoints",
            "s3:ListAllMyBuckets",
        ],
        "Resource": "arn:aws:s3:::*",
    },
    {
        "Sid": "AllowS3Self",
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    },
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
)
CARLOS_BUCKET = doc(
    {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:user/carlossalazar"},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    }
)
CARLOS_ARN = "arn:aws:iam::123456789012:user/carlossalazar"
GET_LIST_DENY_REPORTS = doc(
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
)

CASES: list[Case] = [
    Case(
        "carlos-logs-bucket-explicit-deny",
        EVAL,
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar-logs/file.txt",
        identity=[CARLOS],
        principal=CARLOS_ARN,
        expect="explicitDeny",
        matched=[("identity0", "DenyS3Logs")],
        note="the identity-based policy explicitly denies Carlos access to any S3 bucket used for logging",
    ),
    Case(
        "carlos-own-bucket-both-allow",
        EVAL,
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar/file.txt",
        identity=[CARLOS],
        resource_policy=CARLOS_BUCKET,
        principal=CARLOS_ARN,
        matched=[("identity0", "AllowS3Self"), ("resource", 0)],
        note="both the identity-based policy and the resource-based policy allow the request",
    ),
    Case(
        "carlos-only-bucket-policy-allows",
        EVAL,
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar/file.txt",
        resource_policy=CARLOS_BUCKET,
        principal=CARLOS_ARN,
        matched=[("resource", 0)],
        note="if one of the policy types allows the request and the other doesn't, it is still allowed",
    ),
    Case(
        "carlos-only-identity-allows",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::carlossalazar/file.txt",
        identity=[CARLOS],
        principal=CARLOS_ARN,
        matched=[("identity0", "AllowS3Self")],
    ),
    Case(
        "carlos-list-read-any-bucket",
        EVAL,
        "s3:GetBucketLocation",
        "arn:aws:s3:::some-bucket",
        identity=[CARLOS],
        principal=CARLOS_ARN,
        matched=[("identity0", "AllowS3ListRead")],
    ),
    Case(
        "carlos-bucket-policy-does-not-cover-other-user",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::carlossalazar/file.txt",
        resource_policy=CARLOS_BUCKET,
        principal="arn:aws:iam::123456789012:user/someoneelse",
        expect="implicitDeny",
        note="this policy specifies that only the carlossalazar user can access the bucket",
    ),
    Case(
        "interplay-get-allowed",
        INTERPLAY,
        "iam:GetUser",
        identity=[GET_LIST_DENY_REPORTS],
        matched=[("identity0", "AllowGetList")],
    ),
    Case(
        "interplay-create-policy-implicit-deny",
        INTERPLAY,
        "iam:CreatePolicy",
        identity=[GET_LIST_DENY_REPORTS],
        expect="implicitDeny",
        note="all other actions in IAM, such as iam:CreatePolicy, are implicitly denied",
    ),
    Case(
        "interplay-report-explicit-deny",
        INTERPLAY,
        "iam:GetOrganizationsAccessReport",
        identity=[GET_LIST_DENY_REPORTS],
        expect="explicitDeny",
        matched=[("identity0", "DenyReports")],
    ),
    Case(
        "interplay-report-deny-beats-added-allow",
        INTERPLAY,
        "iam:GenerateCredentialReport",
        identity=[
            GET_LIST_DENY_REPORTS,
            doc({"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"}),
        ],
        expect="explicitDeny",
        matched=[("identity0", "DenyReports")],
        note="report-related requests are still denied because of this explicit deny",
    ),
    Case(
        "no-policies-implicit-deny",
        DENYALLOW,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        expect="implicitDeny",
        note="by default, all requests are implicitly denied",
    ),
    Case(
        "root-user-full-access",
        DENYALLOW,
        "iam:CreateUser",
        principal=f"arn:aws:iam::{A}:root",
        note="with the exception of the AWS account root user, which has full access",
    ),
    Case(
        "root-user-explicit-deny-in-resource-policy",
        DENYALLOW,
        "s3:DeleteBucket",
        "arn:aws:s3:::b",
        resource_policy=doc(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::b"}
        ),
        principal=f"arn:aws:iam::{A}:root",
        expect="explicitDeny",
        note="an explicit deny in any policy overrides any allows",
    ),
]

# --- Permissions boundaries -----------------------------------------------------------------------

SHIRLEY_BOUNDARY = doc({"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"})
SHIRLEY = user("ShirleyRodriguez")
XCOMPANY = doc(
    {
        "Sid": "ServiceBoundaries",
        "Effect": "Allow",
        "Action": ["s3:*", "cloudwatch:*", "ec2:*", "dynamodb:*"],
        "Resource": "*",
    },
    {
        "Sid": "AllowIAMConsoleForCredentials",
        "Effect": "Allow",
        "Action": ["iam:ListUsers", "iam:GetAccountPasswordPolicy"],
        "Resource": "*",
    },
    {
        "Sid": "AllowManageOwnPasswordAndAccessKeys",
        "Effect": "Allow",
        "Action": [
            "iam:*AccessKey*",
            "iam:ChangePassword",
            "iam:GetUser",
            "iam:*ServiceSpecificCredential*",
            "iam:*SigningCertificate*",
        ],
        "Resource": ["arn:aws:iam::*:user/${aws:username}"],
    },
    {
        "Sid": "DenyS3Logs",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
    },
    {
        "Sid": "DenyEC2Production",
        "Effect": "Deny",
        "Action": "ec2:*",
        "Resource": "arn:aws:ec2:*:*:instance/i-1234567890abcdef0",
    },
)
DELEGATED_BOUNDARY = doc(
    {
        "Sid": "CreateOrChangeOnlyWithBoundary",
        "Effect": "Allow",
        "Action": [
            "iam:CreateUser",
            "iam:DeleteUserPolicy",
            "iam:AttachUserPolicy",
            "iam:DetachUserPolicy",
            "iam:PutUserPermissionsBoundary",
        ],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"iam:PermissionsBoundary": f"arn:aws:iam::{A}:policy/XCompanyBoundaries"}
        },
    },
    {
        "Sid": "CloudWatchAndOtherIAMTasks",
        "Effect": "Allow",
        "Action": [
            "cloudwatch:*",
            "iam:GetUser",
            "iam:ListUsers",
            "iam:DeleteUser",
            "iam:UpdateUser",
            "iam:CreateAccessKey",
            "iam:*Group*",
            "iam:CreatePolicy",
        ],
        "Resource": "*",
    },
    {
        "Sid": "NoBoundaryUserDelete",
        "Effect": "Deny",
        "Action": "iam:DeleteUserPermissionsBoundary",
        "Resource": "*",
    },
)
DELEGATED_PERMISSIONS = doc({"Sid": "IAM", "Effect": "Allow", "Action": "iam:*", "Resource": "*"})
ZHANG = user("Zhang")

CASES += [
    Case(
        "boundary-blocks-identity-allow",
        BOUNDARIES,
        "iam:CreateUser",
        identity=[doc({"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"})],
        boundary=SHIRLEY_BOUNDARY,
        principal=SHIRLEY,
        expect="implicitDeny",
        note="if Shirley tries to create a user, the operation fails",
    ),
    Case(
        "boundary-and-identity-allow",
        BOUNDARIES,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})],
        boundary=SHIRLEY_BOUNDARY,
        principal=SHIRLEY,
        matched=[("identity0", 0), ("boundary", 0)],
        note="add a permissions policy with actions in Amazon S3 ... to allow Shirley",
    ),
    Case(
        "boundary-grants-nothing-alone",
        BOUNDARIES,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        boundary=SHIRLEY_BOUNDARY,
        principal=SHIRLEY,
        expect="implicitDeny",
        note="it limits the user's permissions but does not provide permissions on its own",
    ),
    Case(
        "boundary-deny-s3-logs",
        BOUNDARIES,
        "s3:GetObject",
        "arn:aws:s3:::logs/2024/x.log",
        identity=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        boundary=XCOMPANY,
        principal=user("newuser"),
        expect="explicitDeny",
        matched=[("boundary", "DenyS3Logs")],
    ),
    Case(
        "boundary-deny-ec2-production",
        BOUNDARIES,
        "ec2:StopInstances",
        f"arn:aws:ec2:us-east-1:{A}:instance/i-1234567890abcdef0",
        identity=[doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})],
        boundary=XCOMPANY,
        principal=user("newuser"),
        expect="explicitDeny",
        matched=[("boundary", "DenyEC2Production")],
    ),
    Case(
        "boundary-own-access-key-variable",
        BOUNDARIES,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/newuser",
        identity=[doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})],
        boundary=XCOMPANY,
        principal=user("newuser"),
        matched=[("identity0", 0), ("boundary", "AllowManageOwnPasswordAndAccessKeys")],
        note="the statement allows the users manage only their own console password and access keys",
    ),
    Case(
        "boundary-other-users-access-key",
        BOUNDARIES,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/Maria",
        identity=[doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})],
        boundary=XCOMPANY,
        principal=user("newuser"),
        expect="implicitDeny",
    ),
    Case(
        "delegated-create-user-with-boundary",
        BOUNDARIES,
        "iam:CreateUser",
        f"arn:aws:iam::{A}:user/newuser",
        identity=[DELEGATED_PERMISSIONS],
        boundary=DELEGATED_BOUNDARY,
        principal=ZHANG,
        context={"iam:PermissionsBoundary": f"arn:aws:iam::{A}:policy/XCompanyBoundaries"},
        matched=[("identity0", "IAM"), ("boundary", "CreateOrChangeOnlyWithBoundary")],
        note="allows Zhang to create IAM users but only if he uses the XCompanyBoundaries policy",
    ),
    Case(
        "delegated-create-user-without-boundary",
        BOUNDARIES,
        "iam:CreateUser",
        f"arn:aws:iam::{A}:user/newuser",
        identity=[DELEGATED_PERMISSIONS],
        boundary=DELEGATED_BOUNDARY,
        principal=ZHANG,
        expect="implicitDeny",
        missing=["iam:PermissionsBoundary"],
    ),
    Case(
        "delegated-create-user-other-boundary",
        BOUNDARIES,
        "iam:CreateUser",
        f"arn:aws:iam::{A}:user/newuser",
        identity=[DELEGATED_PERMISSIONS],
        boundary=DELEGATED_BOUNDARY,
        principal=ZHANG,
        context={"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"},
        expect="implicitDeny",
        missing=[],
    ),
    Case(
        "delegated-cannot-delete-boundary",
        BOUNDARIES,
        "iam:DeleteUserPermissionsBoundary",
        f"arn:aws:iam::{A}:user/Zhang",
        identity=[DELEGATED_PERMISSIONS],
        boundary=DELEGATED_BOUNDARY,
        principal=ZHANG,
        expect="explicitDeny",
        matched=[("boundary", "NoBoundaryUserDelete")],
    ),
]

# --- Resource-based policies vs identity-based policies and boundaries (same account) -------------

ONLY_CALLER_IDENTITY = doc({"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"})
ROLE = f"arn:aws:iam::{A}:role/examplerole"
SESSION = f"arn:aws:sts::{A}:assumed-role/examplerole/examplerolesessionname"
EXAMPLE_USER = user("exampleuser")


def bucket_policy_for(principal: dict[str, Any] | str, **extra: Any) -> dict[str, Any]:
    return doc(
        {
            "Sid": "Grant",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::example-bucket/*",
            **extra,
        }
    )


CASES += [
    Case(
        "rbp-role-arn-limited-by-boundary",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": ROLE}),
        boundary=ONLY_CALLER_IDENTITY,
        principal=ROLE,
        expect="implicitDeny",
        note="resource-based policies that grant permissions to an IAM role ARN are limited by an implicit "
        "deny in a permissions boundary",
    ),
    Case(
        "rbp-role-arn-session-limited-by-boundary",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": ROLE}),
        boundary=ONLY_CALLER_IDENTITY,
        principal=SESSION,
        expect="implicitDeny",
        note="the grant names the role ARN, not the session ARN",
    ),
    Case(
        "rbp-session-arn-not-limited-by-boundary",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": SESSION}),
        boundary=ONLY_CALLER_IDENTITY,
        principal=SESSION,
        matched=[("resource", "Grant")],
        note="permissions granted directly to a session are not limited by an implicit deny in an "
        "identity-based policy, a permissions boundary, or session policy",
    ),
    Case(
        "rbp-user-arn-not-limited-by-boundary",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": EXAMPLE_USER}),
        boundary=ONLY_CALLER_IDENTITY,
        principal=EXAMPLE_USER,
        matched=[("resource", "Grant")],
        note="resource-based policies that grant permissions to an IAM user ARN are not limited by an "
        "implicit deny in an identity-based policy or permissions boundary",
    ),
    Case(
        "rbp-role-arn-without-boundary-needs-no-identity-policy",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": ROLE}),
        principal=SESSION,
        matched=[("resource", "Grant")],
        note="an Allow in a resource-based policy can result in Allow even with an implicit deny in an "
        "identity-based policy",
    ),
    Case(
        "rbp-role-arn-with-boundary-allowing",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": ROLE}),
        boundary=doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        principal=ROLE,
        matched=[("resource", "Grant"), ("boundary", 0)],
    ),
    Case(
        "rbp-wildcard-principal-with-principalarn-not-limited",
        PRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for("*", Condition={"ArnEquals": {"aws:PrincipalArn": ROLE}}),
        boundary=ONLY_CALLER_IDENTITY,
        principal=SESSION,
        matched=[("resource", "Grant")],
        note="permissions boundaries do not limit permissions granted using aws:PrincipalArn with a "
        "wildcard (*) in the Principal element",
    ),
    Case(
        "rbp-account-principal-delegates",
        PRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": A}),
        principal=EXAMPLE_USER,
        expect="implicitDeny",
        note="specifying an account delegates authority to the account; an administrator must then grant "
        "access to an identity",
    ),
    Case(
        "rbp-account-principal-plus-identity",
        PRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        identity=[
            doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*"})
        ],
        resource_policy=bucket_policy_for({"AWS": f"arn:aws:iam::{A}:root"}),
        principal=EXAMPLE_USER,
        matched=[("identity0", 0)],
    ),
    Case(
        "rbp-deny-overrides-identity-allow",
        EVAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        identity=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        resource_policy=doc(
            {
                "Sid": "DenyAll",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::example-bucket/*",
            }
        ),
        principal=EXAMPLE_USER,
        expect="explicitDeny",
        matched=[("resource", "DenyAll")],
        note="an explicit deny in either of these policies overrides the allow",
    ),
    Case(
        "rbp-principal-is-case-sensitive",
        PRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        resource_policy=bucket_policy_for({"AWS": user("ExampleUser")}),
        principal=EXAMPLE_USER,
        expect="implicitDeny",
        note="in a Principal element, the user name part of the ARN is case sensitive",
    ),
    Case(
        "s3-public-read-bucket-policy",
        S3_EXAMPLES,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/index.html",
        resource_policy=doc(
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": ["arn:aws:s3:::example-bucket/*"],
            }
        ),
        principal=EXAMPLE_USER,
        matched=[("resource", "PublicRead")],
    ),
    Case(
        "s3-deny-insecure-transport",
        S3_EXAMPLES,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/k",
        identity=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        resource_policy=doc(
            {
                "Sid": "RestrictToTLSRequestsOnly",
                "Action": "s3:*",
                "Effect": "Deny",
                "Resource": ["arn:aws:s3:::example-bucket", "arn:aws:s3:::example-bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Principal": "*",
            }
        ),
        principal=EXAMPLE_USER,
        context={"aws:SecureTransport": "false"},
        expect="explicitDeny",
        matched=[("resource", "RestrictToTLSRequestsOnly")],
    ),
]

# --- NotPrincipal -----------------------------------------------------------------------------------

BOB_DENY = doc(
    {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
    }
)
AUDIT_DENY = doc(
    {
        "Effect": "Deny",
        "NotPrincipal": {
            "AWS": [
                "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
                "arn:aws:iam::444455556666:role/cross-account-read-only-role",
                "arn:aws:iam::444455556666:root",
            ]
        },
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::Bucket_AccountAudit", "arn:aws:s3:::Bucket_AccountAudit/*"],
    }
)
S3_READ = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})

CASES += [
    Case(
        "notprincipal-bob-not-denied",
        NOTPRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::BUCKETNAME/k",
        identity=[S3_READ],
        resource_policy=BOB_DENY,
        principal=user("Bob", "444455556666"),
        matched=[("identity0", 0)],
        note="all principals except the user named Bob are explicitly denied; another statement must allow",
    ),
    Case(
        "notprincipal-bob-needs-an-allow",
        NOTPRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::BUCKETNAME/k",
        resource_policy=BOB_DENY,
        principal=user("Bob", "444455556666"),
        expect="implicitDeny",
        note="this example by itself does not grant access to Bob",
    ),
    Case(
        "notprincipal-others-denied",
        NOTPRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::BUCKETNAME/k",
        identity=[S3_READ],
        resource_policy=BOB_DENY,
        principal=user("Alice", "444455556666"),
        expect="explicitDeny",
        matched=[("resource", 0)],
    ),
    Case(
        "notprincipal-without-account-denies-bob",
        NOTPRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::BUCKETNAME/k",
        identity=[S3_READ],
        resource_policy=doc(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:user/Bob"},
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::BUCKETNAME/*",
            }
        ),
        principal=user("Bob", "444455556666"),
        expect="explicitDeny",
        note="if NotPrincipal contained only Bob's ARN, the policy might explicitly deny Bob's account",
    ),
    Case(
        "notprincipal-session-not-denied",
        NOTPRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::Bucket_AccountAudit/k",
        identity=[S3_READ],
        resource_policy=AUDIT_DENY,
        principal="arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
        matched=[("identity0", 0)],
    ),
    Case(
        "notprincipal-other-session-denied",
        NOTPRINCIPAL,
        "s3:GetObject",
        "arn:aws:s3:::Bucket_AccountAudit/k",
        identity=[S3_READ],
        resource_policy=AUDIT_DENY,
        principal="arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/someone-else",
        expect="explicitDeny",
        note="principals must always name a specific session",
    ),
    Case(
        "notprincipal-deny-with-boundary-always-denies",
        BOUNDARIES,
        "s3:GetObject",
        "arn:aws:s3:::BUCKETNAME/k",
        identity=[S3_READ],
        resource_policy=BOB_DENY,
        boundary=S3_READ,
        principal=user("Bob", "444455556666"),
        expect="explicitDeny",
        note="NotPrincipal with Deny will always deny any IAM principal that has a permissions boundary",
    ),
]

# --- NotAction, NotResource, Resource and Action wildcards ----------------------------------------------

NOT_DELETE_BUCKET = doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"})
NOT_IAM = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
MFA_DENY = doc(
    {
        "Sid": "DenyAllUsersNotUsingMFA",
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }
)
REGION_DENY = doc(
    {
        "Sid": "DenyAllOutsideRequestedRegions",
        "Effect": "Deny",
        "NotAction": ["cloudfront:*", "iam:*", "route53:*", "support:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}},
    }
)
HR_PAYROLL = doc(
    {
        "Effect": "Deny",
        "Action": "s3:*",
        "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
    }
)

CASES += [
    Case(
        "notaction-allow-all-s3-but-delete-bucket",
        NOTACTION,
        "s3:GetObject",
        "arn:aws:s3:::any-bucket/k",
        identity=[NOT_DELETE_BUCKET],
    ),
    Case(
        "notaction-delete-bucket-not-allowed",
        NOTACTION,
        "s3:DeleteBucket",
        "arn:aws:s3:::any-bucket",
        identity=[NOT_DELETE_BUCKET],
        expect="implicitDeny",
    ),
    Case(
        "notaction-scoped-by-resource",
        NOTACTION,
        "ec2:TerminateInstances",
        f"arn:aws:ec2:us-east-1:{A}:instance/i-0abc",
        identity=[NOT_DELETE_BUCKET],
        expect="implicitDeny",
        note="this policy does not allow actions in other services: they are not applicable to S3 resources",
    ),
    Case(
        "notaction-list-all-buckets-needs-star-resource",
        NOTACTION,
        "s3:ListAllMyBuckets",
        "*",
        identity=[NOT_DELETE_BUCKET],
        expect="implicitDeny",
        note="does not allow ListAllMyBuckets, because that action requires the * resource",
    ),
    Case(
        "notaction-everything-but-iam",
        NOTACTION,
        "dynamodb:GetItem",
        f"arn:aws:dynamodb:us-east-1:{A}:table/t",
        identity=[NOT_IAM],
    ),
    Case("notaction-iam-not-allowed", NOTACTION, "iam:CreateUser", identity=[NOT_IAM], expect="implicitDeny"),
    Case(
        "notaction-deny-without-mfa",
        NOTACTION,
        "ec2:RunInstances",
        identity=[ALLOW_ALL, MFA_DENY],
        context={"aws:MultiFactorAuthPresent": "false"},
        expect="explicitDeny",
        matched=[("identity1", "DenyAllUsersNotUsingMFA")],
    ),
    Case(
        "notaction-mfa-present-not-denied",
        NOTACTION,
        "ec2:RunInstances",
        identity=[ALLOW_ALL, MFA_DENY],
        context={"aws:MultiFactorAuthPresent": "true"},
        note="if the user is signed in with MFA, the Condition test fails and the Deny has no effect",
    ),
    Case(
        "notaction-mfa-key-absent-boolifexists-denies",
        OPERATORS,
        "ec2:RunInstances",
        identity=[ALLOW_ALL, MFA_DENY],
        expect="explicitDeny",
        note="...IfExists: if the key is not present, evaluate the condition element as true",
    ),
    Case(
        "notaction-mfa-deny-spares-iam",
        NOTACTION,
        "iam:ChangePassword",
        identity=[ALLOW_ALL, MFA_DENY],
        context={"aws:MultiFactorAuthPresent": "false"},
        note="it would only explicitly deny all other actions except IAM actions",
    ),
    Case(
        "deny-outside-regions",
        DENY_REGION,
        "ec2:RunInstances",
        identity=[ALLOW_ALL, REGION_DENY],
        context={"aws:RequestedRegion": "us-east-1"},
        expect="explicitDeny",
        matched=[("identity1", "DenyAllOutsideRequestedRegions")],
    ),
    Case(
        "deny-outside-regions-eu-west-1-ok",
        DENY_REGION,
        "ec2:RunInstances",
        identity=[ALLOW_ALL, REGION_DENY],
        context={"aws:RequestedRegion": "eu-west-1"},
        matched=[("identity0", 0)],
    ),
    Case(
        "deny-outside-regions-global-service-ok",
        DENY_REGION,
        "iam:ListUsers",
        identity=[ALLOW_ALL, REGION_DENY],
        context={"aws:RequestedRegion": "us-east-1"},
    ),
    Case(
        "notresource-payroll-allowed",
        NOTRESOURCE,
        "s3:GetObject",
        "arn:aws:s3:::HRBucket/Payroll/jan.csv",
        identity=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), HR_PAYROLL],
    ),
    Case(
        "notresource-other-folder-denied",
        NOTRESOURCE,
        "s3:GetObject",
        "arn:aws:s3:::HRBucket/Other/x",
        identity=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), HR_PAYROLL],
        expect="explicitDeny",
        matched=[("identity1", 0)],
    ),
    Case(
        "notresource-deny-grants-nothing",
        NOTRESOURCE,
        "s3:GetObject",
        "arn:aws:s3:::HRBucket/Payroll/jan.csv",
        identity=[HR_PAYROLL],
        expect="implicitDeny",
        note="this policy does not grant the user access to any resources",
    ),
    Case(
        "resource-path-wildcard",
        RESOURCE,
        "iam:GetUser",
        f"arn:aws:iam::{A}:user/accounting/bob",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:GetUser",
                    "Resource": f"arn:aws:iam::{A}:user/accounting/*",
                }
            )
        ],
    ),
    Case(
        "resource-path-wildcard-other-path",
        RESOURCE,
        "iam:GetUser",
        f"arn:aws:iam::{A}:user/engineering/bob",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:GetUser",
                    "Resource": f"arn:aws:iam::{A}:user/accounting/*",
                }
            )
        ],
        expect="implicitDeny",
    ),
    Case(
        "resource-user-name-case-sensitive",
        RESOURCE,
        "iam:GetUser",
        f"arn:aws:iam::{A}:user/bob",
        identity=[
            doc({"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::{A}:user/Bob"})
        ],
        expect="implicitDeny",
        note="in the Resource element, the IAM user name is case sensitive",
    ),
    Case(
        "resource-trailing-star-spans-colons",
        RESOURCE,
        "logs:PutLogEvents",
        f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/etl:log-stream:2024/01/01",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "logs:PutLogEvents",
                    "Resource": f"arn:aws:logs:us-east-1:{A}:log-group:*",
                }
            )
        ],
        note="if * is the last character of a resource ARN segment, it can expand beyond colon boundaries",
    ),
    Case(
        "resource-star-in-region-segment",
        RESOURCE,
        "dynamodb:GetItem",
        f"arn:aws:dynamodb:eu-west-1:{A}:table/books_table",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:GetItem",
                    "Resource": f"arn:aws:dynamodb:*:{A}:table/books_table",
                }
            )
        ],
    ),
    Case(
        "resource-two-tables",
        RESOURCE,
        "dynamodb:GetItem",
        f"arn:aws:dynamodb:us-east-2:{A}:table/magazines_table",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:*",
                    "Resource": [
                        f"arn:aws:dynamodb:us-east-2:{A}:table/books_table",
                        f"arn:aws:dynamodb:us-east-2:{A}:table/magazines_table",
                    ],
                }
            )
        ],
    ),
    Case(
        "action-case-insensitive",
        ACTION,
        "IAM:listaccesskeys",
        identity=[doc({"Effect": "Allow", "Action": "iam:ListAccessKeys", "Resource": "*"})],
        note="the prefix and the action name are case insensitive",
    ),
    Case(
        "action-wildcard-inside-name",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:*AccessKey*",
                    "Resource": f"arn:aws:iam::{A}:user/*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
                }
            )
        ],
        context={"aws:PrincipalTag/job-category": "iamuser-admin"},
    ),
    Case(
        "principal-tag-missing",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:*AccessKey*",
                    "Resource": f"arn:aws:iam::{A}:user/*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
                }
            )
        ],
        expect="implicitDeny",
        missing=["aws:PrincipalTag/job-category"],
        note="if a user without the tag attempts to view or edit an access key, the condition returns false",
    ),
]

# --- Condition operators -------------------------------------------------------------------------

HOME_DIR = doc(
    {
        "Effect": "Allow",
        "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
        "Resource": "arn:aws:s3:::*",
    },
    {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::BUCKET-NAME",
        "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
    },
    {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": [
            "arn:aws:s3:::BUCKET-NAME/home/${aws:username}",
            "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*",
        ],
    },
)
MAX_KEYS = doc(
    {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::example_bucket",
        "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}},
    }
)
TOKEN_2020 = doc(
    {
        "Effect": "Allow",
        "Action": "iam:*AccessKey*",
        "Resource": f"arn:aws:iam::{A}:user/*",
        "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
    }
)
BINARY = doc(
    {
        "Effect": "Allow",
        "Action": "someservice:Do",
        "Resource": "*",
        "Condition": {"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
    }
)
IP_V4 = doc(
    {
        "Effect": "Allow",
        "Action": "iam:*AccessKey*",
        "Resource": f"arn:aws:iam::{A}:user/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    }
)
IP_MIXED = doc(
    {
        "Effect": "Allow",
        "Action": "someservice:*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
    }
)
SQS_FROM_SNS = doc(
    {
        "Effect": "Allow",
        "Principal": {"AWS": "123456789012"},
        "Action": "SQS:SendMessage",
        "Resource": "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID",
        "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}},
    }
)
ARN_PATTERN = "arn:aws:someservice:*:111122223333:finance/*"
ARN_VALUE = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
RUN_IF_EXISTS = doc(
    {
        "Sid": "RunInstance",
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
    },
    {
        "Sid": "DescribeActions",
        "Effect": "Allow",
        "Action": ["ec2:DescribeImages", "ec2:DescribeInstances"],
        "Resource": "*",
    },
)
RUN_NOT_WORKING = doc(
    {
        "Sid": "THISPOLICYDOESNOTWORK",
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
    }
)
NO_TEMP_CREDS = doc(
    {
        "Action": "ec2:*",
        "Effect": "Allow",
        "Resource": "*",
        "Condition": {"Null": {"aws:TokenIssueTime": "true"}},
    }
)
DAVID = user("David")

CASES += [
    Case(
        "stringlike-home-prefix-own",
        OPERATORS,
        "s3:ListBucket",
        "arn:aws:s3:::BUCKET-NAME",
        identity=[HOME_DIR],
        principal=DAVID,
        context={"s3:prefix": "home/David/"},
        matched=[("identity0", 1)],
    ),
    Case(
        "stringlike-home-prefix-root-listing",
        OPERATORS,
        "s3:ListBucket",
        "arn:aws:s3:::BUCKET-NAME",
        identity=[HOME_DIR],
        principal=DAVID,
        context={"s3:prefix": ""},
    ),
    Case(
        "stringlike-home-prefix-other-user",
        OPERATORS,
        "s3:ListBucket",
        "arn:aws:s3:::BUCKET-NAME",
        identity=[HOME_DIR],
        principal=DAVID,
        context={"s3:prefix": "home/Bob/"},
        expect="implicitDeny",
    ),
    Case(
        "variable-home-object-own",
        OPERATORS,
        "s3:PutObject",
        "arn:aws:s3:::BUCKET-NAME/home/David/notes.txt",
        identity=[HOME_DIR],
        principal=DAVID,
        matched=[("identity0", 2)],
    ),
    Case(
        "variable-home-object-other",
        OPERATORS,
        "s3:PutObject",
        "arn:aws:s3:::BUCKET-NAME/home/Bob/notes.txt",
        identity=[HOME_DIR],
        principal=DAVID,
        expect="implicitDeny",
    ),
    Case(
        "numeric-max-keys-within",
        OPERATORS,
        "s3:ListBucket",
        "arn:aws:s3:::example_bucket",
        identity=[MAX_KEYS],
        context={"s3:max-keys": "10"},
    ),
    Case(
        "numeric-max-keys-over",
        OPERATORS,
        "s3:ListBucket",
        "arn:aws:s3:::example_bucket",
        identity=[MAX_KEYS],
        context={"s3:max-keys": "11"},
        expect="implicitDeny",
    ),
    Case(
        "date-token-issued-2020",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TOKEN_2020],
        context={"aws:TokenIssueTime": "2020-06-01T12:00:00Z"},
    ),
    Case(
        "date-token-issued-2019",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TOKEN_2020],
        context={"aws:TokenIssueTime": "2019-12-31T23:59:59Z"},
        expect="implicitDeny",
    ),
    Case(
        "date-token-absent-access-keys",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TOKEN_2020],
        principal=user("bob"),
        expect="implicitDeny",
        missing=["aws:TokenIssueTime"],
        note="the key is not present in requests made using access keys; the request is denied",
    ),
    Case(
        "bool-secure-transport-true",
        OPERATORS,
        "s3:GetObject",
        "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k",
        identity=[
            ALLOW_ALL,
            doc(
                {
                    "Sid": "BooleanExample",
                    "Action": "s3:*",
                    "Effect": "Deny",
                    "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ),
        ],
        context={"aws:SecureTransport": "true"},
    ),
    Case(
        "bool-secure-transport-false",
        OPERATORS,
        "s3:GetObject",
        "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k",
        identity=[
            ALLOW_ALL,
            doc(
                {
                    "Sid": "BooleanExample",
                    "Action": "s3:*",
                    "Effect": "Deny",
                    "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": False}},
                }
            ),
        ],
        context={"aws:SecureTransport": "false"},
        expect="explicitDeny",
        matched=[("identity1", "BooleanExample")],
    ),
    Case(
        "binary-equals-match",
        OPERATORS,
        "someservice:Do",
        identity=[BINARY],
        context={"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
    ),
    Case(
        "binary-equals-differs",
        OPERATORS,
        "someservice:Do",
        identity=[BINARY],
        context={"key": "T3RoZXJWYWx1ZQ=="},
        expect="implicitDeny",
    ),
    Case(
        "ip-in-range",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[IP_V4],
        context={"aws:SourceIp": "203.0.113.77"},
    ),
    Case(
        "ip-out-of-range",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[IP_V4],
        context={"aws:SourceIp": "198.51.100.1"},
        expect="implicitDeny",
    ),
    Case(
        "ip-absent-vpc-endpoint",
        OPERATORS,
        "iam:CreateAccessKey",
        f"arn:aws:iam::{A}:user/bob",
        identity=[IP_V4],
        expect="implicitDeny",
        missing=["aws:SourceIp"],
        note="when the requester uses a VPC endpoint the key is absent and the condition returns false",
    ),
    Case(
        "ip-mixed-v6",
        OPERATORS,
        "someservice:Get",
        identity=[IP_MIXED],
        context={"aws:SourceIp": "2001:db8:1234:5678::abcd"},
    ),
    Case(
        "ip-mixed-v6-outside",
        OPERATORS,
        "someservice:Get",
        identity=[IP_MIXED],
        context={"aws:SourceIp": "2001:db8:1234:9999::1"},
        expect="implicitDeny",
    ),
    Case(
        "arn-equals-user-calls-directly",
        OPERATORS,
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID",
        resource_policy=SQS_FROM_SNS,
        principal="arn:aws:iam::123456789012:user/alice",
        expect="implicitDeny",
        missing=["aws:SourceArn"],
        note="if an IAM user attempts to perform this operation directly, the condition returns false",
    ),
    Case(
        "stringlike-spans-arn-segments",
        OPERATORS,
        "someservice:Get",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "someservice:Get",
                    "Resource": "*",
                    "Condition": {"StringLike": {"aws:SourceArn": ARN_PATTERN}},
                }
            )
        ],
        context={"aws:SourceArn": ARN_VALUE},
        note="with a StringLike condition, the match succeeds",
    ),
    Case(
        "arnlike-stays-in-segment",
        OPERATORS,
        "someservice:Get",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "someservice:Get",
                    "Resource": "*",
                    "Condition": {"ArnLike": {"aws:SourceArn": ARN_PATTERN}},
                }
            )
        ],
        context={"aws:SourceArn": ARN_VALUE},
        expect="implicitDeny",
        note="with an ArnLike condition, which matches elements between colons, the match fails",
    ),
    Case(
        "ifexists-no-key-on-image",
        OPERATORS,
        "ec2:RunInstances",
        "arn:aws:ec2:us-east-1::image/ami-1",
        identity=[RUN_IF_EXISTS],
        matched=[("identity0", "RunInstance")],
    ),
    Case(
        "ifexists-key-present-t2",
        OPERATORS,
        "ec2:RunInstances",
        f"arn:aws:ec2:us-east-1:{A}:instance/*",
        identity=[RUN_IF_EXISTS],
        context={"ec2:InstanceType": "t2.micro"},
    ),
    Case(
        "ifexists-key-present-m5",
        OPERATORS,
        "ec2:RunInstances",
        f"arn:aws:ec2:us-east-1:{A}:instance/*",
        identity=[RUN_IF_EXISTS],
        context={"ec2:InstanceType": "m5.large"},
        expect="implicitDeny",
    ),
    Case(
        "without-ifexists-fails-on-image",
        OPERATORS,
        "ec2:RunInstances",
        "arn:aws:ec2:us-east-1::image/ami-1",
        identity=[RUN_NOT_WORKING],
        expect="implicitDeny",
        missing=["ec2:InstanceType"],
        note="these additional resources do not have the ec2:InstanceType key, so the StringLike check fails",
    ),
    Case(
        "null-no-temporary-credentials",
        OPERATORS,
        "ec2:DescribeInstances",
        identity=[NO_TEMP_CREDS],
        principal=user("bob"),
    ),
    Case(
        "null-temporary-credentials-refused",
        OPERATORS,
        "ec2:DescribeInstances",
        identity=[NO_TEMP_CREDS],
        context={"aws:TokenIssueTime": "2024-01-01T00:00:00Z"},
        expect="implicitDeny",
    ),
    Case(
        "negated-operator-true-on-missing-key",
        OPERATORS,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[
            ALLOW_ALL,
            doc(
                {
                    "Sid": "DenyOtherVpces",
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"StringNotLike": {"aws:SourceVpce": "vpce-1a2b*"}},
                }
            ),
        ],
        expect="explicitDeny",
        matched=[("identity1", "DenyOtherVpces")],
        note="if the condition requires the key is not matched (StringNotLike) and the key is not present, "
        "the condition is true",
    ),
    Case(
        "condition-value-case-sensitive",
        CONDITION,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:username": "john"}},
                }
            )
        ],
        principal=user("John"),
        expect="implicitDeny",
        note="only requests made by john match. Users named John are denied access",
    ),
    Case(
        "condition-value-exact-user",
        CONDITION,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:username": "john"}},
                }
            )
        ],
        principal=user("john"),
    ),
    Case(
        "context-key-names-case-insensitive",
        CONDITION,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"AWS:SourceIp": "203.0.113.0/24"}},
                }
            )
        ],
        context={"aws:SourceIP": "203.0.113.9"},
        note="including the aws:SourceIP context key is equivalent to testing for AWS:SourceIp",
    ),
]

# --- Multiple keys and values, set operators ------------------------------------------------------

DDB_ALLOW = doc(
    {
        "Effect": "Allow",
        "Action": "dynamodb:GetItem",
        "Resource": f"arn:aws:dynamodb:us-east-1:{A}:table/Thread",
        "Condition": {
            "ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}
        },
    }
)
DDB_DENY = doc(
    {
        "Effect": "Deny",
        "Action": "dynamodb:PutItem",
        "Resource": f"arn:aws:dynamodb:us-east-1:{A}:table/Thread",
        "Condition": {"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}},
    }
)
THREAD = f"arn:aws:dynamodb:us-east-1:{A}:table/Thread"
TAG_DEPARTMENT = doc(
    {
        "Effect": "Allow",
        "Action": ["iam:TagUser", "iam:TagRole", "iam:UntagUser", "iam:UntagRole"],
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}},
    }
)
TAG_MANAGER = doc(
    {
        "Sid": "ListTagsForAllUsers",
        "Effect": "Allow",
        "Action": ["iam:ListUserTags", "iam:ListUsers"],
        "Resource": "*",
    },
    {
        "Sid": "TagManagerWithSpecificDepartment",
        "Effect": "Allow",
        "Action": "iam:TagUser",
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "iam:ResourceTag/JobFunction": "Manager",
                "aws:RequestTag/Department": ["Marketing", "Development", "QualityAssurance"],
            },
            "ForAllValues:StringEquals": {"aws:TagKeys": "Department"},
        },
    },
)
TEAM_BUCKET = doc(
    {
        "Sid": "ExamplePolicy",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
        "Condition": {
            "StringEquals": {
                "aws:PrincipalTag/department": ["finance", "hr", "legal"],
                "aws:PrincipalTag/role": ["audit", "security"],
            },
            "ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{A}:user/Ana", f"arn:aws:iam::{A}:role/team-*"]},
        },
    }
)
DEPT_DENY = doc(
    {
        "Sid": "DenyOutsideDepartments",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/department": ["finance", "hr", "legal"]}},
    }
)
TAGKEYS_ANY = doc(
    {
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
    }
)
TAGKEYS_ALL = doc(
    {
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
    }
)

CASES += [
    Case(
        "forallvalues-all-requested-listed",
        MULTI_DDB,
        "dynamodb:GetItem",
        THREAD,
        identity=[DDB_ALLOW],
        context={"dynamodb:requestedAttributes": ["PostDateTime", "Message"]},
    ),
    Case(
        "forallvalues-one-not-listed",
        MULTI_DDB,
        "dynamodb:GetItem",
        THREAD,
        identity=[DDB_ALLOW],
        context={"dynamodb:requestedAttributes": ["PostDateTime", "UserName"]},
        expect="implicitDeny",
        note="there's no match for UserName, so the condition operator returns false",
    ),
    Case(
        "forallvalues-empty-request-is-true",
        MULTI_DDB,
        "dynamodb:GetItem",
        THREAD,
        identity=[DDB_ALLOW],
        note="if the key values in the request resolve to an empty data set, ForAllValues returns true",
    ),
    Case(
        "foranyvalue-deny-one-match",
        MULTI_DDB,
        "dynamodb:PutItem",
        THREAD,
        identity=[ALLOW_ALL, DDB_DENY],
        context={"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]},
        expect="explicitDeny",
        matched=[("identity1", 0)],
    ),
    Case(
        "foranyvalue-deny-no-match",
        MULTI_DDB,
        "dynamodb:PutItem",
        THREAD,
        identity=[ALLOW_ALL, DDB_DENY],
        context={"dynamodb:requestedAttributes": ["UserName"]},
        note="the condition returns false, so the Deny is also false",
    ),
    Case(
        "foranyvalue-empty-request-is-false",
        MULTI_DDB,
        "dynamodb:PutItem",
        THREAD,
        identity=[ALLOW_ALL, DDB_DENY],
        note="ForAnyValue returns false on an empty data set",
    ),
    Case(
        "forallvalues-tagkeys-only-department",
        MANAGE_TAGS,
        "iam:TagUser",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TAG_DEPARTMENT],
        context={"aws:TagKeys": ["Department"]},
    ),
    Case(
        "forallvalues-tagkeys-extra-key",
        MANAGE_TAGS,
        "iam:TagUser",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TAG_DEPARTMENT],
        context={"aws:TagKeys": ["Department", "Team"]},
        expect="implicitDeny",
    ),
    Case(
        "add-tag-manager-allowed",
        ADD_TAG,
        "iam:TagUser",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TAG_MANAGER],
        context={
            "iam:ResourceTag/JobFunction": "Manager",
            "aws:RequestTag/Department": "Development",
            "aws:TagKeys": ["Department"],
        },
        matched=[("identity0", "TagManagerWithSpecificDepartment")],
    ),
    Case(
        "add-tag-department-not-listed",
        ADD_TAG,
        "iam:TagUser",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TAG_MANAGER],
        context={
            "iam:ResourceTag/JobFunction": "Manager",
            "aws:RequestTag/Department": "Sales",
            "aws:TagKeys": ["Department"],
        },
        expect="implicitDeny",
    ),
    Case(
        "add-tag-user-not-a-manager",
        ADD_TAG,
        "iam:TagUser",
        f"arn:aws:iam::{A}:user/bob",
        identity=[TAG_MANAGER],
        context={"aws:RequestTag/Department": "Marketing", "aws:TagKeys": ["Department"]},
        expect="implicitDeny",
        missing=["iam:ResourceTag/JobFunction"],
        note="the user to be tagged must already have the JobFunction=Manager tag",
    ),
    Case(
        "multi-keys-and-values-or-all-true",
        MULTI,
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        identity=[doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"})],
        resource_policy=TEAM_BUCKET,
        principal=user("Ana"),
        context={"aws:PrincipalTag/department": "hr", "aws:PrincipalTag/role": "audit"},
    ),
    Case(
        "multi-keys-one-key-missing",
        MULTI,
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "*",
                    "Condition": TEAM_BUCKET["Statement"][0]["Condition"],
                }
            )
        ],
        principal=user("Ana"),
        context={"aws:PrincipalTag/department": "hr"},
        expect="implicitDeny",
        missing=["aws:PrincipalTag/role"],
        note="all context keys in a condition element block must resolve to true",
    ),
    Case(
        "multi-keys-arn-not-listed",
        MULTI,
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "*",
                    "Condition": TEAM_BUCKET["Statement"][0]["Condition"],
                }
            )
        ],
        principal=user("Mateo"),
        context={"aws:PrincipalTag/department": "hr", "aws:PrincipalTag/role": "audit"},
        expect="implicitDeny",
    ),
    Case(
        "negated-multi-values-nor-listed",
        MULTI,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[ALLOW_ALL, DEPT_DENY],
        context={"aws:PrincipalTag/department": "hr"},
        note="a negated operator with several values: logical NOR, so hr (listed) does not match",
    ),
    Case(
        "negated-multi-values-nor-unlisted",
        MULTI,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[ALLOW_ALL, DEPT_DENY],
        context={"aws:PrincipalTag/department": "marketing"},
        expect="explicitDeny",
        matched=[("identity1", "DenyOutsideDepartments")],
    ),
    Case(
        "negated-multi-values-key-missing",
        MULTI,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[ALLOW_ALL, DEPT_DENY],
        expect="explicitDeny",
        missing=["aws:PrincipalTag/department"],
    ),
    Case(
        "foranyvalue-tagkeys-one-matches",
        SETS,
        "ec2:CreateTags",
        identity=[TAGKEYS_ANY],
        context={"aws:TagKeys": ["environment", "webserver"]},
    ),
    Case(
        "foranyvalue-tagkeys-none-matches",
        SETS,
        "ec2:CreateTags",
        identity=[TAGKEYS_ANY],
        context={"aws:TagKeys": ["webserver"]},
        expect="implicitDeny",
    ),
    Case("foranyvalue-tagkeys-absent", SETS, "ec2:CreateTags", identity=[TAGKEYS_ANY], expect="implicitDeny"),
    Case(
        "forallvalues-tagkeys-subset",
        SETS,
        "ec2:CreateTags",
        identity=[TAGKEYS_ALL],
        context={"aws:TagKeys": ["cost-center"]},
    ),
    Case(
        "forallvalues-tagkeys-absent-is-true",
        SETS,
        "ec2:CreateTags",
        identity=[TAGKEYS_ALL],
        note="ForAllValues also returns true if there are no context keys in the request",
    ),
    Case(
        "forallvalues-tagkeys-outside",
        SETS,
        "ec2:CreateTags",
        identity=[TAGKEYS_ALL],
        context={"aws:TagKeys": ["environment", "owner"]},
        expect="implicitDeny",
    ),
]

# --- Policy variables -------------------------------------------------------------------------------

MYBUCKET = doc(
    {
        "Action": ["s3:ListBucket"],
        "Effect": "Allow",
        "Resource": ["arn:aws:s3:::mybucket"],
        "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}},
    },
    {
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Effect": "Allow",
        "Resource": ["arn:aws:s3:::mybucket/${aws:username}/*"],
    },
)
QUEUES = doc(
    {"Sid": "ListForConsole", "Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"},
    {
        "Sid": "AllQueueActions",
        "Effect": "Allow",
        "Action": "sqs:*",
        "Resource": "arn:aws:sqs:us-east-2:*:${aws:username}-queue",
    },
)

CASES += [
    Case(
        "variable-username-own-prefix",
        VARIABLES,
        "s3:GetObject",
        "arn:aws:s3:::mybucket/David/a.txt",
        identity=[MYBUCKET],
        principal=DAVID,
        matched=[("identity0", 1)],
    ),
    Case(
        "variable-username-other-prefix",
        VARIABLES,
        "s3:GetObject",
        "arn:aws:s3:::mybucket/Adele/a.txt",
        identity=[MYBUCKET],
        principal=DAVID,
        expect="implicitDeny",
    ),
    Case(
        "variable-username-list-condition",
        VARIABLES,
        "s3:ListBucket",
        "arn:aws:s3:::mybucket",
        identity=[MYBUCKET],
        principal=DAVID,
        context={"s3:prefix": "David/photos/"},
    ),
    Case(
        "variable-missing-for-role",
        VARIABLES,
        "s3:GetObject",
        "arn:aws:s3:::mybucket/David/a.txt",
        identity=[MYBUCKET],
        principal=ROLE,
        expect="implicitDeny",
        missing=["aws:username"],
        note="aws:username is not present for a role; any attempt to match it fails",
    ),
    Case(
        "variable-queue-name",
        VARIABLES,
        "sqs:SendMessage",
        f"arn:aws:sqs:us-east-2:{A}:Alice-queue",
        identity=[QUEUES],
        principal=user("Alice"),
        matched=[("identity0", "AllQueueActions")],
    ),
    Case(
        "variable-queue-other-region",
        VARIABLES,
        "sqs:SendMessage",
        f"arn:aws:sqs:us-west-2:{A}:Alice-queue",
        identity=[QUEUES],
        principal=user("Alice"),
        expect="implicitDeny",
    ),
    Case(
        "variable-principal-tag-in-resource",
        VARIABLES,
        "s3:GetObject",
        "arn:aws:s3:::bucket/finance",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": ["arn:aws:s3:::bucket/${aws:PrincipalTag/department}"],
                }
            )
        ],
        context={"aws:PrincipalTag/department": "finance"},
    ),
    Case(
        "variable-tag-condition-values",
        VARIABLES,
        "iam:GetUser",
        f"arn:aws:iam::{A}:user/x",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": ["iam:*user*"],
                    "Resource": "*",
                    "Condition": {"StringLike": {"iam:ResourceTag/costCenter": ["12345", "67890"]}},
                }
            )
        ],
        context={"iam:ResourceTag/costCenter": "67890"},
    ),
    Case(
        "variable-tag-condition-other-value",
        VARIABLES,
        "iam:GetUser",
        f"arn:aws:iam::{A}:user/x",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": ["iam:*user*"],
                    "Resource": "*",
                    "Condition": {"StringLike": {"iam:ResourceTag/costCenter": ["12345", "67890"]}},
                }
            )
        ],
        context={"iam:ResourceTag/costCenter": "11111"},
        expect="implicitDeny",
        note="if the tag has no value, or has any other value, then the request fails",
    ),
    Case(
        "variable-default-value",
        VARIABLES,
        "s3:GetObject",
        "arn:aws:s3:::bucket/k",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:Resource": "arn:aws:s3:::/bucket/${aws:userid, 'anonymous'}"}
                    },
                }
            )
        ],
        context={"aws:Resource": "arn:aws:s3:::/bucket/anonymous"},
        note="anonymous users will not populate ${aws:userid}; the default value is used",
    ),
    Case(
        "variable-special-star-is-literal",
        VARIABLES,
        "s3:ListBucket",
        "arn:aws:s3:::b",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "*",
                    "Condition": {"StringLike": {"s3:prefix": "reports${*}/"}},
                }
            )
        ],
        context={"s3:prefix": "reports*/"},
        note="${*} - use where you need an * (asterisk) character",
    ),
    Case(
        "variable-special-star-not-a-wildcard",
        VARIABLES,
        "s3:ListBucket",
        "arn:aws:s3:::b",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "*",
                    "Condition": {"StringLike": {"s3:prefix": "reports${*}/"}},
                }
            )
        ],
        context={"s3:prefix": "reports2024/"},
        expect="implicitDeny",
    ),
    Case(
        "variable-literal-without-version",
        VARIABLES,
        "s3:GetObject",
        "arn:aws:s3:::mybucket/David/a.txt",
        identity=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::mybucket/${aws:username}/*",
                },
                version="2008-10-17",
            )
        ],
        principal=DAVID,
        expect="implicitDeny",
        note="without Version 2012-10-17, variables like ${aws:username} are treated as literal strings",
    ),
]

# --- Dates, IP deny, Lambda function policy ------------------------------------------------------

DATE_WINDOW = doc(
    {
        "Effect": "Allow",
        "Action": "service-prefix:action-name",
        "Resource": "*",
        "Condition": {
            "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"},
        },
    }
)
IP_DENY = doc(
    {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
            "Bool": {"aws:ViaAWSService": "false"},
        },
    }
)
LAMBDA_POLICY = doc(
    {
        "Sid": "lambda-allow-s3-my-function",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:us-east-2:123456789012:function:my-function",
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "123456789012"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"},
        },
    }
)
MY_FUNCTION = "arn:aws:lambda:us-east-2:123456789012:function:my-function"

CASES += [
    Case(
        "date-window-inside",
        DATES,
        "service-prefix:action-name",
        identity=[DATE_WINDOW],
        context={"aws:CurrentTime": "2020-05-15T10:00:00Z"},
    ),
    Case(
        "date-window-after",
        DATES,
        "service-prefix:action-name",
        identity=[DATE_WINDOW],
        context={"aws:CurrentTime": "2020-07-01T00:00:00Z"},
        expect="implicitDeny",
    ),
    Case(
        "date-window-epoch",
        OPERATORS,
        "service-prefix:action-name",
        identity=[DATE_WINDOW],
        context={"aws:CurrentTime": "1588000000"},
        note="date values in ISO 8601 or epoch (UNIX) time",
    ),
    Case(
        "deny-ip-outside-ranges",
        DENY_IP,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[ALLOW_ALL, IP_DENY],
        context={"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "false"},
        expect="explicitDeny",
    ),
    Case(
        "deny-ip-inside-range",
        DENY_IP,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[ALLOW_ALL, IP_DENY],
        context={"aws:SourceIp": "192.0.2.10", "aws:ViaAWSService": "false"},
    ),
    Case(
        "deny-ip-via-aws-service",
        DENY_IP,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        identity=[ALLOW_ALL, IP_DENY],
        context={"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "true"},
        note="requests an AWS service makes on the principal's behalf are not denied",
    ),
    Case(
        "lambda-s3-invoke-allowed",
        LAMBDA_RBP,
        "lambda:InvokeFunction",
        MY_FUNCTION,
        resource_policy=LAMBDA_POLICY,
        principal="s3.amazonaws.com",
        context={"aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"},
        matched=[("resource", "lambda-allow-s3-my-function")],
    ),
    Case(
        "lambda-s3-invoke-other-bucket",
        LAMBDA_RBP,
        "lambda:InvokeFunction",
        MY_FUNCTION,
        resource_policy=LAMBDA_POLICY,
        principal="s3.amazonaws.com",
        context={"aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:s3:::other-bucket"},
        expect="implicitDeny",
    ),
    Case(
        "lambda-other-service-not-named",
        LAMBDA_RBP,
        "lambda:InvokeFunction",
        MY_FUNCTION,
        resource_policy=LAMBDA_POLICY,
        principal="sns.amazonaws.com",
        context={"aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"},
        expect="implicitDeny",
    ),
]


def _run(case: Case):  # type: ignore[no-untyped-def]
    identity = [parse_policy(d, f"identity{i}", "identity") for i, d in enumerate(case.identity)]
    rp = parse_policy(case.resource_policy, "resource", "resource") if case.resource_policy else None
    bd = parse_policy(case.boundary, "boundary", "boundary") if case.boundary else None
    ctx = {k: ([v] if isinstance(v, str) else list(v)) for k, v in case.context.items()}
    request = Request(case.action, case.resource, parse_principal(case.principal), ctx)
    return evaluate(request, identity, rp, bd, now=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_aws_documented_outcome(case: Case) -> None:
    assert case.url.startswith("https://docs.aws.amazon.com/")
    result = _run(case)
    assert result.decision == case.expect, f"{case.url}: {case.note or case.id} -- {result.reason}"
    if case.matched is not None:
        assert [(m.policy, m.statement) for m in result.matched] == case.matched
    if case.missing is not None:
        assert list(result.missing_context) == case.missing


def test_the_table_is_large_and_ids_unique() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.expect for c in CASES} == {"allowed", "explicitDeny", "implicitDeny"}
