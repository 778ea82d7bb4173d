"""Servers for the acceptance tests: a real uvicorn server on a free loopback port per module.

By default each module starts its own reference server (fresh in-memory database) through
`reference_server.testing.running_server`; nothing else of the server is imported, every check goes
over HTTP. Set ACCEPTANCE_URL (the `/v1` base URL), ACCEPTANCE_ACCESS_KEY and ACCEPTANCE_SECRET_KEY
to aim the tests that need no special server mode at another implementation instead. Set
ACCEPTANCE_FAULTS to a comma-separated list of `reference_server.faults` names to start every server
with those deliberate contract violations (a self-check of these tests: each fault should make some
test fail)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from ._support import ASYNC_DELAY, CLIENT_HEADERS, Api


def _external() -> Api | None:
    url = os.environ.get("ACCEPTANCE_URL")
    if not url:
        return None
    access, secret = (
        os.environ.get("ACCEPTANCE_ACCESS_KEY"),
        os.environ.get("ACCEPTANCE_SECRET_KEY"),
    )
    auth = (access, secret) if access and secret else None
    return Api(url.rstrip("/"), auth, httpx.Client(auth=auth, timeout=30, headers=CLIENT_HEADERS))


@contextmanager
def serve(**settings: Any) -> Iterator[Api]:
    """A fresh reference server with `settings`, and a client for it; both stopped after."""
    from rancher_contract.reference_server.testing import running_server  # only to start it

    faults = tuple(f for f in os.environ.get("ACCEPTANCE_FAULTS", "").split(",") if f)
    if faults:
        settings["faults"] = faults
    with (
        running_server(**settings) as server,
        httpx.Client(auth=server.auth, timeout=30, headers=CLIENT_HEADERS) as client,
    ):
        delayed = bool(settings.get("transition_delay"))
        yield Api(server.base_url, server.auth, client, delayed=delayed)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """Access control on, transitions done at once (transition delay 0)."""
    external = _external()
    if external is not None:
        with external.client:
            yield external
        return
    with serve(transition_delay=0) as running:
        yield running


@pytest.fixture(scope="module")
def async_api() -> Iterator[Api]:
    """Access control on, every transition takes ASYNC_DELAY seconds."""
    external = _external()
    if external is not None:
        with external.client:
            yield external
        return
    with serve(transition_delay=ASYNC_DELAY) as running:
        yield running


@pytest.fixture(scope="module")
def noauth_api() -> Iterator[Api]:
    """Access control off (`rancher-contract serve --no-auth`)."""
    if _external() is not None:
        pytest.skip("the access-control-off mode needs its own reference server")
    with serve(auth=False, transition_delay=0) as running:
        yield running


@pytest.fixture
def auth_on(api: Api) -> Api:
    if api.auth is None:
        pytest.skip("the server runs with access control off: no 401 checks")
    return api
