"""The app shell: shared options anywhere on the line, --version, light --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from lakectl import __version__
from lakectl.cli import app
from lakectl.cli._app import hoist_global_options

runner = CliRunner()
LAKECTL = Path(sys.prefix) / "bin" / "lakectl"


def test_hoist_moves_shared_options_to_the_front_keeping_the_rest_in_order() -> None:
    args = ["replay", "--raw", "r", "--json", "--project=p", "--curated", "c", "--stack", "s", "-v"]
    assert hoist_global_options(args) == [
        "--json", "--project=p", "--stack", "s", "-v", "replay", "--raw", "r", "--curated", "c",
    ]


def test_hoist_stops_at_double_dash() -> None:
    assert hoist_global_options(["x", "--", "--json"]) == ["x", "--", "--json"]


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"lakectl {__version__}"


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["no-such-command"])
    assert result.exit_code == 2


def test_help_imports_neither_boto3_nor_pyarrow() -> None:
    code = (
        "import sys\n"
        "from lakectl.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'pyarrow', 'hcl2', 'moto') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in out.stdout, out.stdout


def test_installed_binary_lists_commands_and_each_has_help() -> None:
    out = subprocess.run([str(LAKECTL), "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "Usage: lakectl" in out.stdout
    commands = out.stdout.split("Commands:", 1)[1].splitlines() if "Commands:" in out.stdout else []
    names = [line.split()[0] for line in commands if line.startswith("  ") and line.split()]
    for name in names:
        sub = subprocess.run([str(LAKECTL), name, "--help"], capture_output=True, text=True)
        assert sub.returncode == 0, (name, sub.stderr)
        assert f"lakectl {name}" in sub.stdout


def test_every_command_help_names_the_shared_options() -> None:
    for args in (["replay", "--help"], ["iam", "simulate", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "--project DIR" in result.output and "--json" in result.output


def test_stacked_verbose_flags_are_shared_options_too() -> None:
    assert hoist_global_options(["verify", "--curated", "x", "-vv"]) == ["-vv", "verify", "--curated", "x"]
