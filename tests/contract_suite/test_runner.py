"""`rancher-contract test`: exit codes, the one-line errors, the JUnit report, the output
(snapshot).
"""

from __future__ import annotations

import os
import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rancher_contract.contract_tests.runner import reference_server
from rancher_contract.contract_tests.selfcheck import SuiteRun, run_suite

SNAPSHOTS = Path(__file__).with_name("snapshots")
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _one_line_error(run: SuiteRun) -> str:
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert run.code == 2, run.output
    assert "Traceback" not in run.output, run.output
    assert len(lines) == 1, run.output
    assert lines[0].startswith("rancher-contract test: error: "), run.output
    return lines[0]


def test_unreachable_url_exits_2_with_one_line() -> None:
    run = run_suite(f"http://127.0.0.1:{_free_port()}/v1", "0" * 20, "s" * 40)
    assert "cannot reach" in _one_line_error(run)


def test_refused_keys_exit_2_with_one_line(reference: tuple[str, str, str]) -> None:
    url, access_key, _ = reference
    run = run_suite(url, access_key, "x" * 40)
    assert "refused the access key" in _one_line_error(run)


@pytest.mark.parametrize(
    "args",
    [["--profile", "fast"], ["--seed", "abc"], ["--bogus"], ["--transition-timeout", "-1"]],
    ids=["profile", "seed", "unknown-option", "timeout"],
)
def test_bad_arguments_exit_2_with_one_line(
    reference: tuple[str, str, str], args: list[str]
) -> None:
    url, access_key, secret_key = reference
    _one_line_error(run_suite(url, access_key, secret_key, args))


@pytest.mark.parametrize(
    "url", ["ftp://example.com/v1", "http://127.0.0.1:1/api"], ids=["scheme", "no-v1"]
)
def test_bad_url_exits_2_with_one_line(url: str) -> None:
    _one_line_error(run_suite(url, "0" * 20, "s" * 40))


def test_pytest_exit_5_is_not_success(reference: tuple[str, str, str]) -> None:
    """A selection that collects no test is an error (2), never a pass."""
    url, access_key, secret_key = reference
    run = run_suite(url, access_key, secret_key, ["-k", "no_test_is_named_like_this"])
    assert run.code == 2, run.output
    assert "no tests" in run.output


def test_junit_report_is_written(reference: tuple[str, str, str], tmp_path: Path) -> None:
    url, access_key, secret_key = reference
    report = tmp_path / "reports" / "contract.xml"
    run = run_suite(url, access_key, secret_key, ["-k", "test_api", "--junit-xml", str(report)])
    assert run.code == 0, run.output
    suite = ET.parse(report).getroot()
    suites = [suite] if suite.tag == "testsuite" else list(suite)
    assert sum(int(s.get("tests", "0")) for s in suites) >= 5
    assert all(int(s.get("failures", "0")) == 0 for s in suites)


def _scrub(text: str) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"seed:? \d+", "seed N", text)
    text = re.sub(r"--seed \d+", "--seed N", text)
    text = re.sub(r"\d+\.\d+ s\b", "T s", text)
    text = re.sub(r"\b1c\d+\b", "1cN", text)
    text = re.sub(r"rc-contract-[0-9a-f]{10}-", "rc-contract-PREFIX-", text)
    text = re.sub(r'"(id|uuid)": ?"[0-9a-f-]{36}"', r'"\1": "UUID"', text)
    text = re.sub(r"[0-9A-F]{20}", "ACCESSKEY", text)
    text = re.sub(r"[0-9A-Za-z]{40}", "SECRET", text)
    text = re.sub(r'"created": ?"[^"]+"', '"created": "DATE"', text)
    text = re.sub(r'"createdTS": ?\d+', '"createdTS": 0', text)
    return text


def _snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"output differs from {path} (UPDATE_SNAPSHOTS=1 to accept)"
    )


def test_output_snapshot_of_a_passing_run(reference: tuple[str, str, str]) -> None:
    url, access_key, secret_key = reference
    run = run_suite(
        url, access_key, secret_key, ["-k", "test_api or test_unknown_collection", "--seed", "7"]
    )
    assert run.code == 0, run.output
    _snapshot("pass", _scrub(run.output))


def test_output_snapshot_of_a_failing_run() -> None:
    """The summary names the rule, the failing test and the request chain as curl commands."""
    with reference_server(faults=["create-answers-200"]) as (url, access_key, secret_key):
        run = run_suite(
            url,
            access_key,
            secret_key,
            ["-k", "test_documented_collection_path", "--seed", "7", "--resource", "apiKey"],
        )
    assert run.code == 1, run.output
    assert "[1.success-status]" in run.output
    assert 'curl -sS -i -X POST -u "$RANCHER_ACCESS_KEY:$RANCHER_SECRET_KEY"' in run.output
    _snapshot("fail", _scrub(run.output))
