"""Every condition operator, with the missing-key, IfExists, set-operator and NOR rules."""

from __future__ import annotations

import pytest

from lakectl.iam.conditions import OPERATORS, evaluate_clause, parse_date, parse_operator
from lakectl.iam.policy import ConditionClause


def clause(op: str, key: str, *values: str) -> ConditionClause:
    parsed = parse_operator(op)
    assert parsed is not None, op
    base, qualifier, if_exists = parsed
    return ConditionClause(op, base, qualifier, if_exists, key, key.lower(), tuple(values))


def ev(op: str, values: tuple[str, ...] | str, request: list[str] | str | None, key: str = "k") -> bool:
    vals = (values,) if isinstance(values, str) else values
    ctx = {} if request is None else {key.lower(): [request] if isinstance(request, str) else request}
    return evaluate_clause(clause(op, key, *vals), ctx)


# (operator, policy values, request value(s), expected)
TABLE = [
    ("StringEquals", "abc", "abc", True),
    ("StringEquals", "abc", "ABC", False),
    ("StringEquals", "a*", "abc", False),
    ("StringEquals", "a*", "a*", True),
    ("StringNotEquals", "abc", "abd", True),
    ("StringNotEquals", ("a", "b"), "a", False),
    ("StringNotEquals", ("a", "b"), "c", True),
    ("StringEqualsIgnoreCase", "AbC", "aBc", True),
    ("StringNotEqualsIgnoreCase", "AbC", "abc", False),
    ("StringNotEqualsIgnoreCase", "AbC", "abd", True),
    ("StringLike", "a*c", "abbbc", True),
    ("StringLike", "a?c", "abbc", False),
    ("StringNotLike", "a*", "xyz", True),
    ("StringNotLike", ("x*", "a*"), "xyz", False),
    ("NumericEquals", "10", "10.0", True),
    ("NumericNotEquals", "10", "11", True),
    ("NumericNotEquals", ("10", "11"), "11", False),
    ("NumericLessThan", "10", "9", True),
    ("NumericLessThan", "10", "10", False),
    ("NumericLessThanEquals", "10", "10", True),
    ("NumericGreaterThan", "10", "10.5", True),
    ("NumericGreaterThanEquals", "10", "9.99", False),
    ("NumericEquals", "10", "ten", False),
    ("DateEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00+00:00", True),
    ("DateEquals", "2020-01-01T00:00:00Z", "1577836800", True),
    ("DateNotEquals", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", True),
    ("DateLessThan", "2020-01-01", "2019-12-31T23:59:59Z", True),
    ("DateLessThanEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
    ("DateGreaterThan", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", True),
    ("DateGreaterThanEquals", "2020-01-01T00:00:00Z", "2019-01-01T00:00:00Z", False),
    ("DateLessThan", "2020-01-01T00:00:00Z", "not a date", False),
    ("Bool", "true", "TRUE", True),
    ("Bool", "false", "true", False),
    ("BinaryEquals", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", True),
    ("BinaryEquals", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "QQ==", False),
    ("IpAddress", "203.0.113.0/24", "203.0.113.255", True),
    ("IpAddress", "203.0.113.7", "203.0.113.7", True),  # no prefix: /32
    ("IpAddress", "203.0.113.7", "203.0.113.8", False),
    ("IpAddress", "2001:DB8:1234:5678::/64", "2001:db8:1234:5678:ffff::1", True),
    ("IpAddress", "203.0.113.0/24", "2001:db8::1", False),
    ("NotIpAddress", ("10.0.0.0/8", "192.168.0.0/16"), "192.168.4.4", False),
    ("NotIpAddress", ("10.0.0.0/8", "192.168.0.0/16"), "172.16.0.1", True),
    ("ArnEquals", "arn:aws:sns:*:1:topic", "arn:aws:sns:us-east-1:1:topic", True),
    ("ArnLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", True),
    ("ArnNotEquals", "arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b", True),
    ("ArnNotLike", ("arn:aws:iam::1:role/a*",), "arn:aws:iam::1:role/admin", False),
    ("ArnLike", "arn:aws:s3:::bucket", "not-an-arn", False),
]


@pytest.mark.parametrize(("op", "values", "request_value", "expected"), TABLE)
def test_operator_table(op: str, values, request_value, expected: bool) -> None:  # type: ignore[no-untyped-def]
    assert ev(op, values, request_value) is expected


def test_every_operator_is_in_the_table() -> None:
    assert {row[0] for row in TABLE} >= set(OPERATORS) - {"Null"}


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("NumericLessThan", False),
        ("DateGreaterThan", False),
        ("Bool", False),
        ("BinaryEquals", False),
        ("IpAddress", False),
        ("ArnLike", False),
        # negated operators are true on a missing key
        ("StringNotEquals", True),
        ("StringNotLike", True),
        ("NumericNotEquals", True),
        ("DateNotEquals", True),
        ("NotIpAddress", True),
        ("ArnNotLike", True),
        # ...IfExists: true on a missing key, whatever the operator
        ("StringEqualsIfExists", True),
        ("NumericLessThanIfExists", True),
        ("StringNotEqualsIfExists", True),
        # set operators
        ("ForAllValues:StringEquals", True),
        ("ForAnyValue:StringEquals", False),
        ("ForAllValues:StringNotEquals", True),
        ("ForAnyValue:StringNotEquals", False),
        ("ForAnyValue:StringEqualsIfExists", True),
    ],
)
def test_missing_key(op: str, expected: bool) -> None:
    assert ev(op, "1", None) is expected


def test_empty_request_set_counts_as_missing() -> None:
    assert ev("ForAllValues:StringEquals", "a", []) is True
    assert ev("ForAnyValue:StringEquals", "a", []) is False
    # "an empty data set (for example, an empty string)"
    assert ev("ForAllValues:StringEquals", "a", [""]) is True
    assert ev("ForAnyValue:StringEquals", "a", [""]) is False
    # without a set operator an empty string is a value (s3:prefix "" lists the bucket root)
    assert ev("StringLike", ("",), "") is True


def test_if_exists_still_tests_a_present_key() -> None:
    assert ev("StringLikeIfExists", ("t2.*",), "m5.large") is False
    assert ev("StringLikeIfExists", ("t2.*",), "t2.micro") is True


def test_null_operator() -> None:
    assert ev("Null", "true", None) is True
    assert ev("Null", "true", "x") is False
    assert ev("Null", "false", "x") is True
    assert ev("Null", "false", None) is False
    assert ev("Null", "true", []) is True


def test_set_operators_with_negation() -> None:
    # ForAllValues:StringNotEquals: no request value is in the list
    assert ev("ForAllValues:StringNotEquals", ("a", "b"), ["c", "d"]) is True
    assert ev("ForAllValues:StringNotEquals", ("a", "b"), ["c", "a"]) is False
    # ForAnyValue:StringNotEquals: some request value is outside the list
    assert ev("ForAnyValue:StringNotEquals", ("a", "b"), ["a", "c"]) is True
    assert ev("ForAnyValue:StringNotEquals", ("a", "b"), ["a", "b"]) is False


def test_multivalued_request_without_set_operator() -> None:
    assert ev("StringEquals", ("a",), ["x", "a"]) is True  # any request value matches
    assert ev("StringNotEquals", ("a",), ["x", "a"]) is False  # NOR over every request value


def test_string_condition_with_variable() -> None:
    c = clause("StringLike", "s3:prefix", "home/${aws:username}/*")
    assert evaluate_clause(c, {"s3:prefix": ["home/ann/x"], "aws:username": ["ann"]})
    assert not evaluate_clause(c, {"s3:prefix": ["home/bob/x"], "aws:username": ["ann"]})
    assert not evaluate_clause(c, {"s3:prefix": ["home/ann/x"]})  # unresolved: no match
    # without Version 2012-10-17 the variable is literal text
    assert evaluate_clause(c, {"s3:prefix": ["home/${aws:username}/x"]}, variables=False)


def test_negated_condition_with_unresolved_variable_is_false() -> None:
    c = clause("StringNotEquals", "aws:PrincipalTag/owner", "${aws:username}")
    assert not evaluate_clause(c, {"aws:principaltag/owner": ["ann"]})
    assert evaluate_clause(c, {"aws:principaltag/owner": ["ann"], "aws:username": ["bob"]})


def test_numeric_and_date_take_no_variables() -> None:
    c = clause("NumericEquals", "n", "${aws:n}")
    assert not evaluate_clause(c, {"n": ["1"], "aws:n": ["1"]})


def test_parse_operator() -> None:
    assert parse_operator("ForAnyValue:StringLikeIfExists") == ("StringLike", "ForAnyValue", True)
    assert parse_operator("stringequals") == ("StringEquals", None, False)
    assert parse_operator("NullIfExists") is None
    assert parse_operator("Sometimes:StringEquals") is None
    assert parse_operator("StringMatches") is None


def test_parse_date_forms() -> None:
    assert parse_date("2020-01-01T00:00:00Z") == parse_date("1577836800")
    assert parse_date("2020-01-01") == parse_date("2020-01-01T00:00:00Z")
    assert parse_date("") is None
