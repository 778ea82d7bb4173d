"""Fixtures of the generator tests (the helpers live in gen_support.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from gen_support import FakeApiKeys, KeyAuthenticator, free_port

from rancher_contract.generated.server import ResourceBackends, create_app


@pytest.fixture
def fake() -> FakeApiKeys:
    return FakeApiKeys()


@pytest.fixture
def app(fake: FakeApiKeys) -> Any:
    return create_app(ResourceBackends(api_key=fake))


@pytest.fixture
def live_server(fake: FakeApiKeys) -> Iterator[str]:
    """The stub app with the fake backend, uvicorn on a free loopback port; yields the base URL."""
    app = create_app(ResourceBackends(api_key=fake), authenticator=KeyAuthenticator("AK", "SK"))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
