"""`running_server(**settings)`: a real reference server (uvicorn, loopback, free port) for tests.

    with running_server(transition_delay=0.2) as server:
        httpx.get(server.base_url + "/apiKeys", auth=(server.access_key, server.secret_key))

Defaults differ from `serve`: an in-memory database and a free port. Any `Settings` field may be
given.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from rancher_contract.reference_server._http import uvicorn_config
from rancher_contract.reference_server._secrets import new_public_value, new_secret
from rancher_contract.reference_server.app import build_server
from rancher_contract.reference_server.backend import SqliteApiKeyBackend
from rancher_contract.reference_server.settings import Settings
from rancher_contract.specmodel import SpecModel

__all__ = ["RunningServer", "running_server"]


@dataclass(frozen=True)
class RunningServer:
    base_url: str  # e.g. http://127.0.0.1:41234/v1
    access_key: str | None  # None with auth=False
    secret_key: str | None
    backend: SqliteApiKeyBackend
    settings: Settings
    uvicorn_server: Any = None  # the uvicorn.Server: its server_state has connections and tasks

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no connection is open and no request is running; False after `timeout`."""
        state = self.uvicorn_server.server_state
        deadline = time.monotonic() + timeout
        while state.connections or state.tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    @property
    def root_url(self) -> str:
        """The base URL without `/v1`."""
        return self.base_url[: -len("/v1")]

    @property
    def auth(self) -> tuple[str, str] | None:
        """(access key, secret key) for httpx/requests, or None with access control off."""
        if self.access_key is None or self.secret_key is None:
            return None
        return (self.access_key, self.secret_key)


@contextmanager
def running_server(
    *, model: SpecModel | None = None, stubs: ModuleType | None = None, **settings: Any
) -> Iterator[RunningServer]:
    """Start uvicorn in a thread on a free loopback port; stop it and close the database after."""
    import uvicorn

    settings.setdefault("db", ":memory:")
    settings.setdefault("port", 0)
    if settings.get("auth", True) and settings.get("access_key") is None:
        # A pair we know, so the caller always gets the secret (even for a file database reopened).
        settings.setdefault("secret_key", new_secret())
        settings["access_key"] = new_public_value()
    server = build_server(Settings(**settings), model=model, stubs=stubs)
    sock: socket.socket | None = None
    thread: threading.Thread | None = None
    uv: uvicorn.Server | None = None
    try:
        host = server.settings.host
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
        # and without it every keep-alive response waits ~40 ms for the peer's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((host, server.settings.port))
        sock.listen(128)
        port = sock.getsockname()[1]
        config = uvicorn_config(
            server.app,
            read_timeout=server.settings.read_timeout,
            write_timeout=server.settings.write_timeout,
        )
        uv = uvicorn.Server(config)
        thread = threading.Thread(
            target=uv.run, kwargs={"sockets": [sock]}, name=f"reference-server-{port}", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 15
        while not uv.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the reference server did not start")
            time.sleep(0.01)
        yield RunningServer(
            base_url=f"http://{host}:{port}/v1",
            access_key=server.access_key,
            secret_key=server.secret_key,
            backend=server.backend,
            settings=server.settings,
            uvicorn_server=uv,
        )
    finally:
        if uv is not None:
            uv.should_exit = True
        if thread is not None:
            thread.join(timeout=15)
        if sock is not None:
            sock.close()
        server.close()
