"""An offline IAM policy evaluator that follows AWS's documented evaluation logic (one account).

``policy`` parses documents, ``match`` does wildcards/ARNs/variables, ``conditions`` every condition
operator, ``evaluate`` the decision, ``managed`` the shipped AWS managed policies. Pure Python,
stdlib only: ``lakectl iam simulate`` must start fast.

Use from other checks (a policy's name is what ``matched`` reports: a file path, a managed policy
ARN, or a Terraform address)::

    from lakectl.iam import Request, evaluate, parse_policy, parse_principal

    role = parse_policy(document, "module.lambda.aws_iam_role_policy.this", "identity")
    d = evaluate(Request("s3:GetObject", "arn:aws:s3:::raw/k", parse_principal(role_arn),
                         {"aws:SecureTransport": ["true"]}), [role], bucket_policy, boundary)
    d.decision, d.to_json()
"""

from lakectl.iam.evaluate import (
    DEFAULT_PRINCIPAL,
    Decision,
    MatchedStatement,
    Principal,
    Request,
    evaluate,
    parse_principal,
)
from lakectl.iam.policy import Policy, PolicyError, Statement, load_policy, parse_policy

__all__ = [
    "DEFAULT_PRINCIPAL",
    "Decision",
    "MatchedStatement",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "Statement",
    "evaluate",
    "load_policy",
    "parse_policy",
    "parse_principal",
]
