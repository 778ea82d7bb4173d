"""A pytest plugin that breaks the contract suite itself (not the target), loaded into
`rancher-contract test` with `--pytest-arg=-p --pytest-arg=rc_faults` and chosen by `RC_FAULT`:

- call-error: the first test raises an exception that is not a contract violation;
- fixture-error: a fixture every test uses crashes;
- healthcheck: hypothesis reports a failed health check;
- collect-error: test_api.py cannot be collected;
- violation-and-error: the first test breaks a rule (a real ContractViolation), the second crashes.

Each must end in exit 3 (the suite could not run), never 1, except the last (a rule broke: 1).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MODE = os.environ.get("RC_FAULT", "")
_seen: list[str] = []


@pytest.fixture(autouse=True)
def _crashing_fixture() -> Iterator[None]:
    if MODE == "fixture-error":
        raise RuntimeError("the fixture crashed")
    yield


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _seen.append(item.nodeid)
    first = len(_seen) == 1
    if MODE == "call-error" and first:
        raise KeyError("a bug in the suite")
    if MODE == "healthcheck" and first:
        from hypothesis.errors import FailedHealthCheck

        raise FailedHealthCheck("Input generation is slow (a health check of hypothesis)")
    if MODE == "violation-and-error":
        from rancher_contract.contract_tests.rules import ContractViolation

        if first:
            raise ContractViolation("1.root-links", "GET /v1 links are {} (injected)")
        if len(_seen) == 2:
            raise ZeroDivisionError("a bug in the suite")


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> Any:
    if MODE == "collect-error" and module_path.name == "test_api.py":
        raise ImportError("cannot import name 'nothing' (injected)")
    return None
