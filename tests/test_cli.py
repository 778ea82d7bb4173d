"""The `rancher-contract` command: usage and exit codes of the dispatcher."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rancher_contract import cli

CLI = Path(sys.executable).with_name("rancher-contract")


def test_no_arguments_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    out, err = capsys.readouterr()
    assert "usage: rancher-contract [--version] <command>" in out + err
    assert "lint-spec" in out + err


def test_an_unknown_command_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate"]) == 2
    out, err = capsys.readouterr()
    assert "unknown command 'frobnicate'" in err
    assert "usage: rancher-contract [--version] <command>" in err
    assert out == ""


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_exits_0_with_every_command(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([flag]) == 0
    out, _ = capsys.readouterr()
    for name in cli.SUBCOMMANDS:
        assert name in out


def test_the_installed_script() -> None:
    helped = subprocess.run([str(CLI), "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "usage:" in helped.stdout
    bare = subprocess.run([str(CLI)], capture_output=True, text=True, timeout=60)
    assert bare.returncode == 2 and "usage:" in bare.stdout + bare.stderr
    assert "Traceback" not in bare.stdout + bare.stderr


def test_lint_spec_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint-spec", "--help"]) == 0
    assert "usage: rancher-contract lint-spec" in capsys.readouterr().out


def test_lint_spec_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint-spec", "--no-such-option"]) == 2  # several paths are a spec set
    assert "usage: rancher-contract lint-spec" in capsys.readouterr().err


def test_version_and_paths(capsys: pytest.CaptureFixture[str]) -> None:
    from rancher_contract import __version__, paths

    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"rancher-contract {__version__}"
    assert cli.main(["paths", "schemathesis-config"]) == 0
    assert capsys.readouterr().out.strip() == str(paths.SCHEMATHESIS_CONFIG)
    assert cli.main(["paths"]) == 0
    listed = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert listed["spec"] == str(paths.DEFAULT_SPEC)
    assert listed["hooks"] == "rancher_contract.contract_tests.hooks"
