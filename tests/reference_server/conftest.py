"""Fixtures of the reference-server tests: backends on a fake clock, and credentials helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from refserver_support import FakeClock

from rancher_contract.reference_server.backend import SqliteApiKeyBackend
from rancher_contract.reference_server.testing import RunningServer, running_server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "file"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[SqliteApiKeyBackend]:
    path = ":memory:" if request.param == "memory" else str(tmp_path / "keys.sqlite3")
    b = SqliteApiKeyBackend(path, clock=clock)
    yield b
    b.close()


@pytest.fixture
def file_backend(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteApiKeyBackend]:
    b = SqliteApiKeyBackend(str(tmp_path / "keys.sqlite3"), clock=clock)
    yield b
    b.close()


@pytest.fixture
def slow_backend(clock: FakeClock) -> Iterator[SqliteApiKeyBackend]:
    """Transitions take 10 s of the fake clock."""
    b = SqliteApiKeyBackend(":memory:", transition_delay=10, clock=clock)
    yield b
    b.close()


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """One real server (uvicorn on a free loopback port, in-memory database) per test module."""
    with running_server() as running:
        yield running


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, auth=server.auth, timeout=30) as client:
        yield client
