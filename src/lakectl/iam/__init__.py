"""An offline IAM policy evaluator that follows AWS's documented evaluation logic (one account).

``policy`` parses documents, ``match`` does wildcards/ARNs/variables, ``conditions`` every condition
operator, ``evaluate`` the decision, ``managed`` the shipped AWS managed policies. Pure Python,
stdlib only: ``lakectl iam simulate`` must start fast.
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
