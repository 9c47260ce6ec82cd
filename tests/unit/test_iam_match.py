"""Wildcards, ARN segments and policy variables (lakectl.iam.match)."""

from __future__ import annotations

import pytest

from lakectl.iam.match import (
    Unresolved,
    action_match,
    arn_match,
    glob_match,
    literal,
    tokenize,
    variable_keys,
)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("s3:getobject", "S3:GETOBJECT", True),
        ("s3:Get*", "s3:GetObjectVersion", True),
        ("s3:Get*", "s3:PutObject", False),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Get?bject", "s3:Getbject", False),
        ("*", "anything:AtAll", True),
        ("s3:*", "s3express:CreateSession", False),
        ("iam:*AccessKey*", "iam:UpdateAccessKey", True),
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert action_match(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "arn:aws:s3:::b/k", True),
        ("*", "*", True),
        ("arn:aws:s3:::b/*", "*", False),  # a literal "*" request resource is only matched by "*"
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::B/a", False),  # case-sensitive
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/key:with:colons", True),
        ("arn:aws:s3:::b?", "arn:aws:s3:::b1", True),
        ("arn:aws:s3:::b?", "arn:aws:s3:::b12", False),
        ("arn:aws:lambda:*:*:function:etl*", "arn:aws:lambda:eu-west-1:1:function:etl:live", True),
        ("arn:aws:logs:*:*:*", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", True),
        ("arn:aws:sqs:*:111122223333:q", "arn:aws:sqs:us-east-1:999999999999:x:111122223333:q", False),
        ("arn:aws:ec2:*", "arn:aws:ec2:us-east-1:1:instance/i-1", True),  # trailing * spans colons
        ("arn:aws:ec2:us-*", "arn:aws:ec2:us-east-1:1:instance/i-1", True),
        ("arn:aws:ec2:eu-*", "arn:aws:ec2:us-east-1:1:instance/i-1", False),
        ("arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/x", True),
        ("arn:aws:iam::1111*:role/x", "arn:aws:iam::111122223333:role/x", True),
        ("arn:aws:s3:::b", "arn:aws:s3:::b/k", False),
    ],
)
def test_arn_matching(pattern: str, value: str, expected: bool) -> None:
    assert arn_match(pattern, value) is expected


def test_string_like_spans_segments_where_arn_like_does_not() -> None:
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    assert glob_match(pattern, value)
    assert not arn_match(pattern, value)


def test_variables_are_substituted_literally() -> None:
    ctx = {"aws:username": ["a*b"]}
    assert arn_match("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/a*b/k", ctx)
    assert not arn_match("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/axxb/k", ctx)


def test_variable_names_are_case_insensitive_and_defaults_apply() -> None:
    assert literal("${AWS:UserName}", {"aws:username": ["ann"]}) == "ann"
    assert literal("x-${aws:userid, 'anonymous'}", {}) == "x-anonymous"
    assert literal("x-${aws:userid,'anon'}", {"aws:userid": ["AIDA1"]}) == "x-AIDA1"


def test_unresolved_variable_raises_with_the_key_as_written() -> None:
    with pytest.raises(Unresolved) as e:
        literal("${aws:PrincipalTag/Team}", {})
    assert e.value.key == "aws:PrincipalTag/Team"


def test_multivalued_key_is_not_a_variable() -> None:
    with pytest.raises(Unresolved):
        literal("${aws:TagKeys}", {"aws:tagkeys": ["a", "b"]})


def test_fixed_variables_give_literal_characters() -> None:
    assert literal("${*}${?}${$}") == "*?$"
    assert glob_match("a${?}", "a?")
    assert not glob_match("a${?}", "ab")
    assert glob_match("a?", "ab")


def test_variables_off_leave_text_literal() -> None:
    assert literal("${aws:username}", {}, variables=False) == "${aws:username}"
    assert tokenize("${aws:username}", False) == ("${aws:username}",)


def test_variable_keys_lists_references() -> None:
    assert variable_keys("arn:aws:s3:::b/${aws:username}/${aws:PrincipalTag/x, 'd'}/${*}") == [
        "aws:username",
        "aws:PrincipalTag/x",
    ]
