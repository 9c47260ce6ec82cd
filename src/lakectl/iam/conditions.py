"""Condition operators, with IAM's missing-key, multivalue and set-operator semantics.

From "IAM JSON policy elements: Condition operators" and "Conditions with multiple context keys
or values" (IAM User Guide):

* a key absent from the request context makes a condition false -- except that a negated
  operator (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress`` ...) is then true, an
  ``...IfExists`` operator is then true, and ``Null`` tests exactly that absence;
* several values for one key are ORed; for a negated operator they are NORed (``StringNotEquals``
  with ``["a", "b"]`` = equal to neither);
* ``ForAllValues:`` is true when every request value matches some policy value (negated: matches
  none), and true on an absent or empty key; ``ForAnyValue:`` is true when some request value
  does, and false on an absent or empty key;
* policy variables are substituted in String, ARN and Bool values (not in Numeric, Date, IP,
  Binary, Null); a variable that cannot be resolved makes its value match nothing, and makes a
  negated condition false (the statement cannot apply).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING

from lakectl.iam.match import Unresolved, arn_match, glob_match, literal

if TYPE_CHECKING:
    from lakectl.iam.policy import ConditionClause

# base operator -> (positive counterpart, negated, policy variables allowed)
OPERATORS: dict[str, tuple[str, bool, bool]] = {
    "StringEquals": ("StringEquals", False, True),
    "StringNotEquals": ("StringEquals", True, True),
    "StringEqualsIgnoreCase": ("StringEqualsIgnoreCase", False, True),
    "StringNotEqualsIgnoreCase": ("StringEqualsIgnoreCase", True, True),
    "StringLike": ("StringLike", False, True),
    "StringNotLike": ("StringLike", True, True),
    "NumericEquals": ("NumericEquals", False, False),
    "NumericNotEquals": ("NumericEquals", True, False),
    "NumericLessThan": ("NumericLessThan", False, False),
    "NumericLessThanEquals": ("NumericLessThanEquals", False, False),
    "NumericGreaterThan": ("NumericGreaterThan", False, False),
    "NumericGreaterThanEquals": ("NumericGreaterThanEquals", False, False),
    "DateEquals": ("DateEquals", False, False),
    "DateNotEquals": ("DateEquals", True, False),
    "DateLessThan": ("DateLessThan", False, False),
    "DateLessThanEquals": ("DateLessThanEquals", False, False),
    "DateGreaterThan": ("DateGreaterThan", False, False),
    "DateGreaterThanEquals": ("DateGreaterThanEquals", False, False),
    "Bool": ("Bool", False, True),
    "BinaryEquals": ("BinaryEquals", False, False),
    "IpAddress": ("IpAddress", False, False),
    "NotIpAddress": ("IpAddress", True, False),
    "ArnEquals": ("ArnLike", False, True),
    "ArnLike": ("ArnLike", False, True),
    "ArnNotEquals": ("ArnLike", True, True),
    "ArnNotLike": ("ArnLike", True, True),
    "Null": ("Null", False, False),
}
_BY_LOWER = {k.lower(): k for k in OPERATORS}

Context = Mapping[str, Sequence[str]]


@lru_cache(maxsize=1024)
def parse_operator(op: str) -> tuple[str, str | None, bool] | None:
    """``"ForAnyValue:StringLikeIfExists"`` -> ``("StringLike", "ForAnyValue", True)``; None if unknown."""
    qualifier = None
    name = op
    if ":" in name:
        q, _, name = name.partition(":")
        ql = q.lower()
        if ql == "forallvalues":
            qualifier = "ForAllValues"
        elif ql == "foranyvalue":
            qualifier = "ForAnyValue"
        else:
            return None
    if_exists = False
    if name.lower().endswith("ifexists") and name.lower() != "ifexists":
        if_exists = True
        name = name[: -len("IfExists")]
    base = _BY_LOWER.get(name.lower())
    if base is None or (base == "Null" and if_exists):
        return None
    return base, qualifier, if_exists


# --- value parsing (cached: policy values repeat) ----------------------------------------------


@lru_cache(maxsize=4096)
def _number(s: str) -> Decimal | None:
    try:
        d = Decimal(s.strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


@lru_cache(maxsize=4096)
def parse_date(s: str) -> datetime | None:
    """ISO 8601 (W3C profiles) or epoch seconds; naive times are UTC."""
    t = s.strip()
    if not t:
        return None
    # W3C profiles "YYYY" and "YYYY-MM" (datetime.fromisoformat takes neither); four digits are a
    # year, not 1970-01-01T00:33:40 in epoch seconds.
    if len(t) == 4 and t.isdigit():
        t += "-01-01"
    elif len(t) == 7 and t[:4].isdigit() and t[4] == "-" and t[5:].isdigit():
        t += "-01"
    elif t.lstrip("-").replace(".", "", 1).isdigit():
        try:
            return datetime.fromtimestamp(float(t), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        d = datetime.fromisoformat(t.replace("z", "Z"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


@lru_cache(maxsize=1024)
def _network(s: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(s.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _address(s: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(s.strip())
    except ValueError:
        net = _network(s)  # a request value given as a one-address CIDR
        return net.network_address if net is not None and net.num_addresses == 1 else None


@lru_cache(maxsize=1024)
def _b64(s: str) -> bytes:
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return s.encode()


def _pair(base: str, request: str, policy: str, ctx: Context, variables: bool) -> bool:
    """Does one request value match one policy value under the positive operator ``base``?

    Raises :class:`Unresolved` when the policy value has a variable the context cannot fill.
    """
    if base == "StringEquals":
        return literal(policy, ctx, variables=variables) == request
    if base == "StringEqualsIgnoreCase":
        return literal(policy, ctx, variables=variables).casefold() == request.casefold()
    if base == "StringLike":
        return glob_match(policy, request, ctx, variables=variables)
    if base == "ArnLike":
        return arn_match(policy, request, ctx, variables=variables)
    if base == "Bool":
        return literal(policy, ctx, variables=variables).strip().lower() == request.strip().lower()
    if base.startswith("Numeric"):
        a, b = _number(request), _number(policy)
        if a is None or b is None:
            return False
        return _compare(base[len("Numeric"):], a, b)
    if base.startswith("Date"):
        a, b = parse_date(request), parse_date(policy)
        if a is None or b is None:
            return False
        return _compare(base[len("Date"):], a, b)
    if base == "IpAddress":
        addr, net = _address(request), _network(policy)
        return addr is not None and net is not None and addr.version == net.version and addr in net
    if base == "BinaryEquals":
        return _b64(request) == _b64(policy)
    raise AssertionError(base)


def _compare(how: str, a, b) -> bool:  # type: ignore[no-untyped-def]
    if how == "Equals":
        return a == b
    if how == "LessThan":
        return a < b
    if how == "LessThanEquals":
        return a <= b
    if how == "GreaterThan":
        return a > b
    if how == "GreaterThanEquals":
        return a >= b
    raise AssertionError(how)


def evaluate_clause(clause: ConditionClause, ctx: Context, variables: bool = True) -> bool:
    """Is one ``operator: {key: values}`` clause true for the request context ``ctx``?

    ``ctx`` maps lower-cased key names to their values (a list; an empty list counts as absent).
    ``variables`` is False for policies whose Version does not support policy variables.
    """
    present = ctx.get(clause.key_lower)
    if clause.qualifier is not None and present:
        # "If the key values in the request resolve to an empty data set (for example, an empty
        # string)": for a set operator an empty string is no value at all.
        present = [v for v in present if v != ""]
    absent = not present
    if clause.base == "Null":
        # "You can prevent missing context keys or context keys with empty values from evaluating to
        # true by including a Null condition operator ... with a value of false": a key whose only
        # values are empty strings is null.
        null = absent or all(v == "" for v in present or ())
        return any((v.strip().lower() == "true") == null for v in clause.values)

    positive, negated, allows_vars = OPERATORS[clause.base]
    if clause.qualifier == "ForAllValues" and absent:
        return True
    if absent:
        if clause.if_exists:
            return True
        if clause.qualifier == "ForAnyValue":
            return False
        return negated
    assert present is not None
    use_vars = variables and allows_vars

    def matches_any(request: str) -> bool | None:
        """Request value vs the policy values (OR); None when a negated test meets an unresolved variable."""
        hit = False
        for pv in clause.values:
            try:
                if _pair(positive, request, pv, ctx, use_vars):
                    hit = True
                    if not negated:
                        return True
            except Unresolved:
                if negated:
                    return None
        return hit

    results = []
    for rv in present:
        m = matches_any(rv)
        if m is None:
            return False
        results.append(not m if negated else m)
    if clause.qualifier == "ForAllValues":
        return all(results)
    if clause.qualifier == "ForAnyValue":
        return any(results)
    # No set operator: a positive operator matches when any request value matches (OR); a negated
    # one when no request value matches any policy value (NOR).
    return all(results) if negated else any(results)
