"""Plans and states of every format version, normalised to one list of resource instances."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakectl.errors import UsageError
from lakectl.stack.tfjson import load_tfjson, make_address, parse_address

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "tfjson"


@pytest.mark.parametrize(
    ("address", "module", "mode", "type_", "name", "index"),
    [
        ("aws_s3_bucket.raw", None, "managed", "aws_s3_bucket", "raw", None),
        ("data.aws_region.current", None, "data", "aws_region", "current", None),
        ("aws_s3_bucket.data[3]", None, "managed", "aws_s3_bucket", "data", 3),
        (
            'module.a["x"].module.b[0].aws_s3_bucket.this["k.e y"]',
            'module.a["x"].module.b[0]',
            "managed",
            "aws_s3_bucket",
            "this",
            "k.e y",
        ),
        (
            'module.m.data.aws_iam_policy_document.p["a]b[c"]',
            "module.m",
            "data",
            "aws_iam_policy_document",
            "p",
            "a]b[c",
        ),
        ('aws_sqs_queue.q["say \\"hi\\""]', None, "managed", "aws_sqs_queue", "q", 'say "hi"'),
        ("module.data.aws_s3_bucket.data", "module.data", "managed", "aws_s3_bucket", "data", None),
    ],
)
def test_parse_address(address: str, module, mode, type_, name, index) -> None:
    a = parse_address(address)
    assert (a.module, a.mode, a.type, a.name, a.index) == (module, mode, type_, name, index)
    assert make_address(a.module, a.mode, a.type, a.name, a.index) == address


@pytest.mark.parametrize("bad", ["aws_s3_bucket", 'aws_s3_bucket.x["open', "a.b.c.d", "module.x", "x[1].y"])
def test_bad_address_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_address(bad)


def test_plan_0_1_derives_module_and_index_from_the_address() -> None:
    doc = load_tfjson(FIX / "plan-0.1.json")
    assert (doc.kind, doc.format_version, doc.terraform_version) == ("plan", "0.1", "0.12.31")
    items = {i.address: i for i in doc.items}
    crawler = items['module.glue.aws_glue_crawler.this["users_v1"]']
    assert (crawler.module, crawler.index, crawler.actions, crawler.action) == (
        "module.glue",
        "users_v1",
        ("delete", "create"),
        "replace",
    )
    role = items['module.a["x.y"].module.b[0].aws_iam_role.this[2]']
    assert (role.module, role.index, role.action) == ('module.a["x.y"].module.b[0]', 2, "update")
    assert role.unknowns == ("tags_all.a",)
    assert items["aws_s3_bucket.raw"].unknowns == ("arn", "id")
    assert items["aws_s3_bucket.raw"].values == {"bucket": "lake-raw"}


def test_plan_0_2_counts_every_action() -> None:
    doc = load_tfjson(FIX / "plan-0.2.json")
    s = doc.summary()
    assert (s["read"], s["no-op"], s["delete"], s["create"], s["resources"]) == (1, 1, 1, 0, 3)
    assert [i.mode for i in doc.items] == ["data", "managed", "managed"]


def test_plan_1_2_keeps_the_deposed_object_as_its_own_entry() -> None:
    doc = load_tfjson(FIX / "plan-1.2-deposed.json")
    fn = [i for i in doc.items if i.address == "module.lambda.aws_lambda_function.this"]
    assert [(i.deposed, i.action) for i in fn] == [(None, "replace"), ("00000001", "delete")]
    assert fn[1].to_json()["deposed"] == "00000001"
    assert "deposed" not in fn[0].to_json()
    bucket = doc.items[2]
    assert (bucket.index, bucket.module) == ("a]b", None)


def test_state_1_1_walks_child_modules_recursively() -> None:
    doc = load_tfjson(FIX / "state-1.1.json")
    assert doc.kind == "state"
    got = [(i.address, i.module, i.index, i.mode, i.deposed) for i in doc.items]
    assert got == [
        ("aws_s3_bucket.raw", None, None, "managed", None),
        ("aws_s3_bucket.raw", None, None, "managed", "a1b2c3d4"),
        ('module.glue.aws_glue_catalog_table.this["users_v1"]', "module.glue", "users_v1", "managed", None),
        (
            "module.glue.module.inner[1].data.aws_region.current",
            "module.glue.module.inner[1]",
            None,
            "data",
            None,
        ),
    ]
    assert doc.summary()["deposed"] == 1


def test_empty_state_has_no_resources() -> None:
    doc = load_tfjson(FIX / "state-empty-1.0.json")
    assert (doc.kind, doc.items) == ("state", ())


def test_raw_state_v4_with_each_and_deposed() -> None:
    doc = load_tfjson(FIX / "raw-v4-each.tfstate")
    assert (doc.kind, doc.format_version, doc.source) == ("state", "4", "raw-state")
    got = [(i.address, i.module, i.index, i.deposed) for i in doc.items]
    assert got == [
        ('module.glue.aws_glue_crawler.this["events_v1"]', "module.glue", "events_v1", None),
        ('module.glue.aws_glue_crawler.this["users \\"v1\\""]', "module.glue", 'users "v1"', None),
        ("aws_s3_bucket.data[0]", None, 0, None),
        ("aws_s3_bucket.data[0]", None, 0, "deadbeef"),
        ("data.aws_partition.current", None, None, None),
    ]
    assert doc.items[0].values == {"id": "lake-events-v1"}


def test_raw_state_v3_is_refused_with_what_to_do() -> None:
    with pytest.raises(UsageError) as e:
        load_tfjson(FIX / "raw-v3.tfstate")
    assert e.value.exit_code == 2
    assert "state format version 3 is from Terraform < 0.12" in e.value.message
    assert "terraform show -json" in e.value.message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("not-terraform.json", "not a Terraform plan or state"),
        ("garbage.txt", "is not JSON"),
        ("absent.json", "cannot read"),
    ],
)
def test_unreadable_documents_are_usage_errors(name: str, text: str) -> None:
    with pytest.raises(UsageError, match=text):
        load_tfjson(FIX / name)


def test_newer_format_versions_are_refused_not_misread(tmp_path: Path) -> None:
    p = tmp_path / "plan.json"
    p.write_text('{"format_version": "2.0", "resource_changes": []}')
    with pytest.raises(UsageError, match="newer"):
        load_tfjson(p)
