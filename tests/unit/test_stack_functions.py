"""Every supported function and expression form, evaluated from a fixture stack (model_functions).

Expected values are Terraform's (checked by hand against Terraform 1.x semantics): ``10 / 4`` is 2.5,
``1 == "1"`` is false, ``toset`` sorts strings, ``jsonencode`` escapes ``<`` and ``>`` as Go does,
``$${...}`` is a literal, and apply-time values stay symbolic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lakectl.stack.loader import load_stack
from lakectl.stack.values import Template, Unknown, render

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stacks" / "model_functions"

EXPECTED = {
    "f_jsonencode": '{"a":"\\u003cx\\u003e","b":[1,2.5,true,null]}',
    "f_jsondecode": {"k": [1, 2]},
    "f_file": '{"name": "a", "n": 1}\n',
    "f_fileset": ["a.json", "sub/b.json"],
    "f_docs": ["a", "b"],
    "f_format": 'a-007-3.14-"q"-true-%',
    "f_merge": {"a": 1, "b": 3},
    "f_concat": [1, 2, 3],
    "f_lookup": [1, 0],
    "f_try": ["fallback", 1],
    "f_can": [True, False],
    "f_replace": ["a-b-c", "version-12"],
    "f_basename": "z.json",
    "f_dirname": "/x/y",
    "f_trimsuffix": "file",
    "f_trimprefix": "int>",
    "f_flatten": [1, 2, 3],
    "f_length": [3, 2, 1],
    "f_keys": ["a", "b"],
    "f_values": [2, 1],
    "f_tolist": ["a", "b"],
    "f_toset": ["a", "b"],
    "f_tomap": {"a": "x"},
    "f_tostring": ["12", "true", "1.5"],
    "f_tonumber": 42,
    "f_lower_upper": ["lake", "LAKE"],
    "f_join_split": ["a/b", ["x", "y", "z"]],
    "f_contains": [True, False],
    "f_coalesce": "first",
    "f_distinct": [1, 2, 3],
    "f_element": ["b", "b"],
    "f_substr": ["ell", "llo"],
    "f_starts_ends": [True, False],
    "f_regex": [["users", "12"], {"d": "users"}, "12"],
    "f_regexall": ["1", "22", "333"],
    "f_sort": ["a", "b", "c"],
    "f_zipmap": {"a": 1, "b": 2},
    "f_abspath": "/etc",
    "f_pathexpand": "/no/tilde",
    "f_sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "f_md5": "900150983cd24fb0d6963f7d28e17f72",
    "f_base64": ["bGFrZQ==", "lake"],
    "f_min_max": [1, 3],
    "f_range": [[0, 1, 2], [1, 2, 3], [0, 5]],
    "f_setproduct": [["a", 1], ["a", 2], ["b", 1], ["b", 2]],
    "f_one": [None, "x"],
    "f_alltrue": [True, False, True, False],
    "f_templatefile": "hello lake!\n",
    "f_formatdate": "2024-03-05 07:08",
    "f_compact": ["a", "b"],
    "f_reverse": [3, 2, 1],
    "f_slice": ["b", "c"],
    "f_setunion": ["a", "b"],
    "f_sum": 6.5,
    "f_index": 1,
    "f_strings": ["Hello Lake", "x", "x", "x", "cba"],
    "f_numbers": [2, 2, 1, 1024, -1, 255],
    "f_filehash": "8d702ee3c7d24dd2f23c1f3f1d55d4a035af43e5b1e80409a20a6fd20fc3b4b3",
    "e_arith": [7, 9, 2.5, 1, -5, 4],
    "e_compare": [True, False, True, False, True, True],
    "e_conditional": ["yes", "no", 2],
    "e_for_list": ["0=a", "2=c"],
    "e_for_map": {"B": 20, "C": 30},
    "e_for_group": {"a": ["a1", "a2"], "b": ["b1"]},
    "e_splat": [1, 2],
    "e_index": 20,
    "e_heredoc": "name: Lake\n  indented ${literal}\n",
    "e_interp": "x2y",
    "e_escape": 'tab\tquote" backslash\\ ${not}',
    "e_unknown": "arn:${data.aws_partition.current.partition}:iam::"
    "${data.aws_caller_identity.current.account_id}:root",
    "e_policy": '{"Resource":"arn:${data.aws_partition.current.partition}:s3:::b"}',
    "e_short": True,
    "e_directives": "0:a,1:b",
    "e_quoted_dir": "long\tLake!",
    "e_expand": [9, {"a": 1, "b": 2}, [1, 2, 3], [[1]]],
}


@pytest.fixture(scope="module")
def local_values() -> dict:
    return load_stack(FIXTURE).root.locals


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_local_evaluates_as_terraform_does(local_values: dict, name: str) -> None:
    assert render(local_values[name]) == EXPECTED[name]


def test_apply_time_values_stay_symbolic_with_their_origin(local_values: dict) -> None:
    value = local_values["e_unknown"]
    assert isinstance(value, Template)
    assert value.unknowns == (
        Unknown("data.aws_partition.current.partition"),
        Unknown("data.aws_caller_identity.current.account_id"),
    )


def test_assumed_values_make_apply_time_values_known() -> None:
    stack = load_stack(FIXTURE, assume={"account_id": "123456789012", "partition": "aws"})
    assert stack.root.locals["e_unknown"] == "arn:aws:iam::123456789012:root"
    assert stack.root.locals["e_policy"] == '{"Resource":"arn:aws:s3:::b"}'
