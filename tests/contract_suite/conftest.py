"""Fixtures of the contract suite's own tests: a reference server shared by the runner tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rancher_contract.contract_tests.runner import reference_server


@pytest.fixture(scope="session")
def reference() -> Iterator[tuple[str, str, str]]:
    """(url, access key, secret key) of a reference server started for these tests."""
    with reference_server() as running:
        yield running
