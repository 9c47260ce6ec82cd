"""AWS's policy evaluation logic for a request within one account.

Order (IAM User Guide, "Policy evaluation logic"):

1. an explicit ``Deny`` in any applicable policy (identity-based, resource-based, permissions
   boundary) decides: ``explicitDeny``;
2. a resource-based policy ``Allow`` that names the requesting principal directly -- an IAM user
   ARN, an assumed-role *session* ARN, a federated-user session ARN, or ``"*"`` -- allows on its
   own: neither an implicit deny in the identity-based policies nor one in a permissions boundary
   limits it;
3. a resource-based policy ``Allow`` that names the *role* ARN (for a role or one of its sessions)
   allows unless a permissions boundary does not allow the request;
4. a resource-based ``Allow`` that names only the account (``"123456789012"``, ``...:root``)
   delegates to the account's identity-based policies and grants nothing by itself;
5. otherwise an identity-based ``Allow`` is needed, and, when there is a permissions boundary, a
   boundary ``Allow`` too;
6. anything else: ``implicitDeny``.

The account root user is allowed everything that no explicit deny denies. A service principal
(``s3.amazonaws.com``) has no identity-based policies: only a resource-based policy can allow it.
Not covered: SCPs, RCPs, session policies, cross-account requests, KMS key policies and role trust
policies (which must allow explicitly).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from lakectl.iam.conditions import evaluate_clause
from lakectl.iam.match import Unresolved, action_match, arn_match
from lakectl.iam.policy import Policy, Statement

DEFAULT_PRINCIPAL = "arn:aws:iam::123456789012:role/lakectl-simulated-role"
DecisionName = Literal["allowed", "explicitDeny", "implicitDeny"]
PrincipalKind = Literal["user", "role", "assumed-role", "federated-user", "root", "service", "anonymous"]

_IAM = re.compile(r"^arn:(?P<part>[^:]+):iam::(?P<acct>\d{12}):(?P<type>user|role)/(?P<path>(?:[^/]+/)*)"
                  r"(?P<name>[^/]+)$")
_ROOT = re.compile(r"^arn:(?P<part>[^:]+):iam::(?P<acct>\d{12}):root$")
_STS_ROLE = re.compile(r"^arn:(?P<part>[^:]+):sts::(?P<acct>\d{12}):assumed-role/(?P<role>[^/]+)/"
                       r"(?P<session>[^/]+)$")
_STS_FED = re.compile(r"^arn:(?P<part>[^:]+):sts::(?P<acct>\d{12}):federated-user/(?P<name>[^/]+)$")
_SERVICE = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")


@dataclass(frozen=True)
class Principal:
    """Who makes the request, and the ARNs a resource-based policy can name it by."""

    arn: str
    kind: PrincipalKind
    account: str | None
    partition: str = "aws"
    name: str | None = None          # user name, role name, session name, service name
    role_arn: str | None = None      # for a role or one of its sessions
    direct: tuple[str, ...] = ()     # ARNs that a resource-based policy grants to directly

    @property
    def root_arn(self) -> str | None:
        return f"arn:{self.partition}:iam::{self.account}:root" if self.account else None

    @property
    def identities(self) -> tuple[str, ...]:
        """Every identity of the request's principal chain (NotPrincipal must exclude all of them)."""
        ids = list(self.direct)
        for extra in (self.role_arn, self.root_arn):
            if extra and extra not in ids:
                ids.append(extra)
        return tuple(ids)

    def context(self) -> dict[str, list[str]]:
        """The global context keys AWS derives from the principal (lower-cased names)."""
        ctx: dict[str, list[str]] = {}
        if self.kind == "anonymous":
            return ctx
        if self.kind == "service":
            ctx["aws:principalservicename"] = [self.arn]
            ctx["aws:principalisawsservice"] = ["true"]
            return ctx
        ctx["aws:principalisawsservice"] = ["false"]
        # "always included in the request context": the simulated request is the principal's own
        # call, not one a service makes on its behalf (AWS's deny-by-SourceIp example relies on it).
        ctx["aws:viaawsservice"] = ["false"]
        ctx["aws:principalaccount"] = [self.account or ""]
        ptype = {"user": "User", "role": "AssumedRole", "assumed-role": "AssumedRole",
                 "federated-user": "FederatedUser", "root": "Account"}[self.kind]
        ctx["aws:principaltype"] = [ptype]
        if self.kind in ("role", "assumed-role"):
            ctx["aws:principalarn"] = [self.role_arn or self.arn]
        else:
            ctx["aws:principalarn"] = [self.arn]
        if self.kind == "user" and self.name:
            ctx["aws:username"] = [self.name]
        if self.kind == "root" and self.account:
            ctx["aws:userid"] = [self.account]
        return ctx


def parse_principal(value: str) -> Principal:
    """An IAM user/role ARN, an assumed-role or federated-user session ARN, an account (root), or a
    service principal such as ``lambda.amazonaws.com``. Raises ValueError for anything else."""
    v = value.strip()
    if v in ("*", "anonymous"):
        # An unsigned request: only a resource-based policy naming "*" ({"AWS": "*"}) can allow it.
        return Principal("*", "anonymous", None, "aws", None, None, ("*",))
    if re.fullmatch(r"\d{12}", v):
        v = f"arn:aws:iam::{v}:root"
    if m := _IAM.match(v):
        kind: PrincipalKind = "user" if m["type"] == "user" else "role"
        if kind == "user":
            return Principal(v, "user", m["acct"], m["part"], m["name"], None, (v,))
        return Principal(v, "role", m["acct"], m["part"], m["name"], v, ())
    if m := _STS_ROLE.match(v):
        role_arn = f"arn:{m['part']}:iam::{m['acct']}:role/{m['role']}"
        return Principal(v, "assumed-role", m["acct"], m["part"], m["session"], role_arn, (v,))
    if m := _STS_FED.match(v):
        return Principal(v, "federated-user", m["acct"], m["part"], m["name"], None, (v,))
    if m := _ROOT.match(v):
        return Principal(v, "root", m["acct"], m["part"], None, None, (v,))
    if _SERVICE.match(v.lower()):
        return Principal(v.lower(), "service", None, "aws", v.lower(), None, (v.lower(),))
    raise ValueError(
        f"{value!r} is not a principal: use an IAM user or role ARN (arn:aws:iam::ACCOUNT:role/NAME), "
        "a role session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a federated user ARN, "
        "an account id or root ARN, a service principal (lambda.amazonaws.com), or * (anonymous)"
    )


@dataclass(frozen=True)
class Request:
    action: str
    resource: str = "*"
    principal: Principal = field(default_factory=lambda: parse_principal(DEFAULT_PRINCIPAL))
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchedStatement:
    policy: str
    statement: str | int
    effect: str
    kind: str  # identity | resource | boundary

    def to_json(self) -> dict[str, str | int]:
        return {"policy": self.policy, "statement": self.statement}


@dataclass(frozen=True)
class Decision:
    decision: DecisionName
    matched: tuple[MatchedStatement, ...]
    missing_context: tuple[str, ...]
    reason: str

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"

    def to_json(self) -> dict[str, object]:
        """The design's ``iam simulate`` fields: decision, matched [{policy, statement}], missing_context."""
        return {
            "decision": self.decision,
            "matched": [m.to_json() for m in self.matched],
            "missing_context": list(self.missing_context),
        }


def build_context(request: Request, now: datetime | None = None) -> dict[str, list[str]]:
    """The request context: keys derived from the principal and the clock, then the caller's keys
    (which win). Key names are case-insensitive, so they are stored lower-cased."""
    ctx = request.principal.context()
    t = now or datetime.now(UTC)
    ctx["aws:currenttime"] = [t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
    ctx["aws:epochtime"] = [str(int(t.timestamp()))]
    for k, v in request.context.items():
        ctx[k.lower()] = [v] if isinstance(v, str) else list(v)
    return ctx


_RANK = {None: 0, "account": 1, "role": 2, "direct": 3}


def _role_key(arn: str | None) -> str | None:
    """A role ARN without its path: role names are unique in an account whatever the path, and a
    session ARN (``assumed-role/NAME/SESSION``) does not carry the path."""
    if arn is None:
        return None
    m = _IAM.match(arn)
    if m is None or m["type"] != "role":
        return arn
    return f"arn:{m['part']}:iam::{m['acct']}:role/{m['name']}"


def _principal_strength(spec: Mapping[str, Sequence[str]], p: Principal) -> str | None:
    """How a Principal element names ``p``: "direct", "role", "account", or None (not at all)."""
    best: str | None = None
    for typ, values in spec.items():
        for v in values:
            s: str | None = None
            if typ == "*" or (typ == "AWS" and v == "*"):
                s = "direct"
            elif typ == "AWS":
                arn = f"arn:{p.partition}:iam::{v}:root" if re.fullmatch(r"\d{12}", v) else v
                if arn in p.direct:
                    s = "direct"
                elif p.role_arn is not None and _role_key(arn) == _role_key(p.role_arn):
                    s = "role"
                elif p.root_arn is not None and arn == p.root_arn:
                    s = "account"
            elif typ == "Service":
                s = "direct" if p.kind == "service" and v.lower() == p.arn else None
            elif typ == "Federated":
                s = "direct" if v == p.arn else None
            if _RANK[s] > _RANK[best]:
                best = s
    return best


def _not_principal_applies(spec: Mapping[str, Sequence[str]], p: Principal, has_boundary: bool) -> bool:
    """A NotPrincipal statement applies unless every identity of the principal chain is excluded.

    IAM User Guide (permissions boundaries): a NotPrincipal ``Deny`` always applies to an IAM
    principal that has a permissions boundary, whatever NotPrincipal lists.
    """
    if has_boundary and p.kind in ("user", "role", "assumed-role", "federated-user"):
        return True
    if "*" in spec or "*" in spec.get("AWS", ()):
        return False
    listed: set[str | None] = set()
    for v in spec.get("AWS", ()):
        listed.add(f"arn:{p.partition}:iam::{v}:root" if re.fullmatch(r"\d{12}", v) else _role_key(v))
    listed.update(s.lower() for s in spec.get("Service", ()))
    listed.update(spec.get("Federated", ()))
    return not all(_role_key(i) in listed for i in p.identities)


@dataclass
class _Scan:
    applies: bool
    targeted: bool  # action, principal and resource matched (or the resource failed on a variable)
    strength: str | None = None


def _scan(st: Statement, policy: Policy, req: Request, ctx: Mapping[str, Sequence[str]],
          has_boundary: bool) -> _Scan:
    # Action / NotAction
    if st.actions is not None:
        if not any(action_match(a, req.action) for a in st.actions):
            return _Scan(False, False)
    elif st.not_actions is not None and any(action_match(a, req.action) for a in st.not_actions):
        return _Scan(False, False)
    # Principal / NotPrincipal (resource-based policies)
    strength: str | None = "identity"
    if st.principal is not None:
        strength = _principal_strength(st.principal, req.principal)
        if strength is None:
            return _Scan(False, False)
    elif st.not_principal is not None:
        if not _not_principal_applies(st.not_principal, req.principal, has_boundary):
            return _Scan(False, False)
        strength = "direct"
    # Resource / NotResource
    variables = policy.variables
    unresolved = False

    def res_match(pattern: str) -> bool:
        nonlocal unresolved
        try:
            return arn_match(pattern, req.resource, ctx, variables=variables)
        except Unresolved:
            unresolved = True
            return False

    if st.resources is not None:
        ok = any(res_match(r) for r in st.resources)
    elif st.not_resources is not None:
        # A NotResource entry whose variable cannot be resolved cannot be excluded: the statement
        # does not apply ("if AWS cannot resolve a variable, this might cause the entire statement
        # to be invalid").
        hits = [res_match(r) for r in st.not_resources]
        ok = not any(hits) and not unresolved
    else:
        ok = True
    if not ok:
        return _Scan(False, unresolved, strength)
    # Condition: every clause (operators AND, keys AND)
    applies = all(evaluate_clause(c, ctx, variables) for c in st.conditions)
    return _Scan(applies, True, strength)


def evaluate(
    request: Request,
    identity_policies: Iterable[Policy] = (),
    resource_policy: Policy | None = None,
    boundary: Policy | None = None,
    *,
    now: datetime | None = None,
) -> Decision:
    """Evaluate one request against the policies, as AWS does within one account."""
    ctx = build_context(request, now)
    p = request.principal
    has_boundary = boundary is not None
    identity = [] if p.kind in ("service", "root", "anonymous") else list(identity_policies)
    boundaries = [boundary] if boundary is not None and p.kind not in ("service", "root", "anonymous") else []

    denies: list[MatchedStatement] = []
    id_allows: list[MatchedStatement] = []
    bd_allows: list[MatchedStatement] = []
    rp_direct: list[MatchedStatement] = []
    rp_role: list[MatchedStatement] = []
    missing: dict[str, str] = {}

    groups: list[tuple[Policy, str]] = [(pol, "identity") for pol in identity]
    if resource_policy is not None:
        groups.append((resource_policy, "resource"))
    groups.extend((pol, "boundary") for pol in boundaries)

    for pol, kind in groups:
        for st in pol.statements:
            scan = _scan(st, pol, request, ctx, has_boundary)
            if scan.targeted:
                for key in st.referenced_keys:
                    if not ctx.get(key.lower()):
                        missing.setdefault(key.lower(), key)
            if not scan.applies:
                continue
            m = MatchedStatement(pol.name, st.ident, st.effect, kind)
            if st.effect == "Deny":
                denies.append(m)
            elif kind == "identity":
                id_allows.append(m)
            elif kind == "boundary":
                bd_allows.append(m)
            elif scan.strength == "direct":
                rp_direct.append(m)
            elif scan.strength == "role":
                rp_role.append(m)
            # strength "account": delegation to the account's identity-based policies, no grant

    missing_keys = tuple(missing.values())
    if denies:
        return Decision("explicitDeny", tuple(denies), missing_keys, "an explicit Deny applies")
    if p.kind == "root":
        return Decision("allowed", (), missing_keys, "the account root user is allowed what no Deny denies")

    boundary_ok = not has_boundary or bool(bd_allows)
    identity_path = bool(id_allows) and boundary_ok
    role_path = bool(rp_role) and boundary_ok
    direct_path = bool(rp_direct)
    if identity_path or role_path or direct_path:
        matched: list[MatchedStatement] = []
        reasons = []
        if identity_path:
            matched += id_allows
            reasons.append("an identity-based policy allows")
        if direct_path or role_path:
            matched += rp_direct + (rp_role if role_path else [])
            reasons.append("the resource-based policy allows the principal")
        if has_boundary and (identity_path or role_path):
            matched += bd_allows
            reasons.append("the permissions boundary allows")
        return Decision("allowed", tuple(matched), missing_keys, "; ".join(reasons))

    if has_boundary and not bd_allows and (id_allows or rp_role):
        reason = "the permissions boundary does not allow the request (an implicit deny)"
    elif p.kind == "service":
        reason = "no resource-based policy statement allows this service principal"
    else:
        reason = "no identity-based or resource-based policy statement allows the request"
    return Decision("implicitDeny", (), missing_keys, reason)
