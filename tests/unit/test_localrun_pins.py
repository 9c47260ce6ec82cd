"""The local runner says which pyarrow it ran with and whether the layer pins the same one."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from lakectl.localrun import pin_note

HOST = importlib.metadata.version("pyarrow")


def test_same_pin_is_said_to_match(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(f"# layer\npyarrow=={HOST}\n")
    assert pin_note(tmp_path) == f"pyarrow {HOST}, the version the layer pins"


def test_another_pin_is_called_out(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("pyarrow==15.0.0\n")
    note = pin_note(tmp_path)
    assert "but the layer pins 15.0.0" in note and "install pyarrow==15.0.0" in note


def test_the_shipped_lambda_pins_the_host_version() -> None:
    shipped = Path(__file__).resolve().parents[2] / "lambda"
    assert pin_note(shipped).endswith("the version the layer pins")
