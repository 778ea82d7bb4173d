"""`rancher-contract lint-spec`: output format and exit codes, never a traceback."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rancher_contract.speclint import cli

from ._helpers import CLI, FIXTURES, load_fixture


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "lint-spec", *args], capture_output=True, text=True, timeout=60
    )


def test_malformed_yaml_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("openapi: 3.1.0\npaths:\n  /v1: {get: [\n", encoding="utf-8")
    result = _run(str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and ":4:1:" in lines[0] and "YAML" in lines[0]


def test_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    result = _run(str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [f"lint-spec: {path}: no such file"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the document is empty, not a mapping"),
        ("- a\n- b\n", "the document is a list, not a mapping"),
        ("a: [1\n", "YAML syntax error"),
        ("\tkey: value\n", "YAML syntax error"),
    ],
)
def test_unusable_documents_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(content, encoding="utf-8")
    assert cli.main([str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and expected in err, err


def test_a_directory_and_binary_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(tmp_path)]) == 2
    binary = tmp_path / "spec.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert cli.main([str(binary)]) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 2, err


def test_findings_are_printed_one_per_line_and_exit_1(
    broken_spec: Callable[[dict[str, Any]], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = load_fixture(FIXTURES / "filter-modifier.yaml")
    assert cli.main([str(broken_spec(fixture))]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    *lines, summary = out.splitlines()
    assert lines == [
        "error  filter-params  /components/parameters/filter_state_ne/x-rancher-filter/modifier  "
        "modifier 'like' is not allowed for state",
        "error  filter-params  /components/schemas/ApiKey/x-rancher-filters/state/modifiers/1  "
        "listApiKeys has no parameter 'state_ne' filtering state ne",
    ]
    assert "failed: 2 error(s), 0 warning(s)" in summary


def test_openapi_errors_are_findings_too(
    broken_spec: Callable[[dict[str, Any]], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    edits = {"edits": [{"set": "/components/parameters/sort/in", "value": "body"}]}
    assert cli.main([str(broken_spec(edits))]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith("error  openapi  /components/parameters/sort/in  "), out


def test_default_path_is_the_committed_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    assert "apikey.openapi.yaml: ok" in capsys.readouterr().out


def test_a_folder_is_linted_file_by_file(tmp_path: Path) -> None:
    from rancher_contract.paths import SPEC_DIR

    result = _run(str(SPEC_DIR))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    names = sorted(p.name for p in SPEC_DIR.glob("*.openapi.yaml"))
    assert len(lines) == len(names) >= 2  # one summary line per file, no finding
    assert all(f"{name}: ok: 0 error(s)" in line for name, line in zip(names, lines, strict=True))


def test_a_resource_type_declared_twice_in_a_set_is_an_error(tmp_path: Path) -> None:
    from rancher_contract.paths import DEFAULT_SPEC

    for name in ("a.openapi.yaml", "b.openapi.yaml"):
        (tmp_path / name).write_bytes(DEFAULT_SPEC.read_bytes())
    result = _run(str(tmp_path))
    assert result.returncode == 1
    assert (
        "spec-set  /components/schemas/ApiKey  the resource type 'apiKey' is already declared"
        in (result.stdout)
    )
    assert result.stdout.count(": ok: ") == 1 and ": failed: 1 error(s)" in result.stdout


def test_a_folder_without_specs_exits_2(tmp_path: Path) -> None:
    result = _run(str(tmp_path))
    assert result.returncode == 2
    assert "no *.openapi.yaml file" in result.stderr


def test_a_shared_schema_that_differs_in_a_set_is_an_error(tmp_path: Path) -> None:
    import yaml

    from rancher_contract.paths import SPEC_DIR

    for source in SPEC_DIR.glob("*.openapi.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    path = tmp_path / "registrycredential.openapi.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["components"]["schemas"]["Pagination"]["properties"]["limit"]["maximum"] = 5000
    document["components"]["schemas"]["Error"]["x-rancher-errors"]["codes"]["Extra"] = 422
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    result = _run(str(tmp_path))
    assert result.returncode == 1
    findings = [line for line in result.stdout.splitlines() if line.startswith("error")]
    assert len(findings) == 1, result.stdout  # x- keys may differ
    assert "spec-set  /components/schemas/Pagination  the schema Pagination differs" in findings[0]
