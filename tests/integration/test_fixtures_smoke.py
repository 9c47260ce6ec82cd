"""The real parts the suite stands on are there and answer: moto over HTTP, the Terraform binary."""

from __future__ import annotations

import subprocess


def test_moto_server_answers_s3_over_http(aws: str) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=aws)
    s3.create_bucket(Bucket="smoke")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["smoke"]


def test_terraform_binary_runs(terraform_bin) -> None:
    out = subprocess.run([str(terraform_bin), "version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("Terraform v")
