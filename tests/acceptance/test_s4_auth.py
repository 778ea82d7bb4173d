"""Contract section 4: HTTP Basic authentication with access key / secret key, and the
access-control-off mode."""

from __future__ import annotations

import base64
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ._support import (
    ASYNC_DELAY,
    WWW_AUTHENTICATE,
    Api,
    assert_error,
    assert_status,
    unique,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def _endpoints(api: Api, key_id: str) -> list[tuple[str, str, dict[str, object] | None]]:
    return [
        ("GET", api.base_url, None),
        ("GET", api.base_url + "/schemas", None),
        ("GET", api.base_url + "/schemas/apikey", None),
        ("GET", api.collection, None),
        ("POST", api.collection, {"name": "unauthenticated"}),
        ("GET", api.url(key_id), None),
        ("PUT", api.url(key_id), {"name": "unauthenticated"}),
        ("DELETE", api.url(key_id), None),
        ("POST", api.action_url(key_id, "deactivate", slash=True), None),
        ("GET", api.url("1c999999"), None),
        ("GET", api.base_url + "/foos", None),
    ]


def _assert_401(response: httpx.Response) -> None:
    assert_error(response, 401, "Unauthorized")
    assert response.headers.get("www-authenticate") == WWW_AUTHENTICATE, (
        f"WWW-Authenticate {response.headers.get('www-authenticate')!r}"
    )


def test_s4_basic_auth_access_key_and_secret_key_authenticate(auth_on: Api) -> None:
    assert auth_on.auth is not None
    with auth_on.with_auth(auth_on.auth) as client:
        assert_status(client.get(auth_on.collection), 200)
        assert_status(client.get(auth_on.base_url), 200)


def test_s4_missing_credentials_is_401_with_www_authenticate(auth_on: Api) -> None:
    key = auth_on.new_active(unique("s4-missing"))
    with auth_on.with_auth(None) as client:
        for method, url, body in _endpoints(auth_on, key["id"]):
            _assert_401(client.request(method, url, json=body))
    after = auth_on.get(key)
    assert after["state"] == "active" and after["name"] == key["name"], (
        "an unauthenticated call acted"
    )


@pytest.mark.parametrize(
    "wrong", ["wrong-secret", "unknown-access-key", "swapped", "empty-password"]
)
def test_s4_wrong_credentials_is_401_with_www_authenticate(auth_on: Api, wrong: str) -> None:
    key = auth_on.new_active(unique("s4-wrong"))
    access, secret = key["publicValue"], key["_secret"]
    credentials = {
        "wrong-secret": (access, "A" * 40),
        "unknown-access-key": ("0" * 20, secret),
        "swapped": (secret, access),
        "empty-password": (access, ""),
    }[wrong]
    with auth_on.with_auth(credentials) as client:
        for method, url, body in _endpoints(auth_on, key["id"]):
            _assert_401(client.request(method, url, json=body))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abcdef",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic",
        "Digest username=x",
    ],
)
def test_s4_malformed_authorization_is_401(auth_on: Api, header: str) -> None:
    with auth_on.with_auth(None) as client:
        _assert_401(client.get(auth_on.collection, headers={"Authorization": header}))


def test_s4_created_key_authenticates_with_secret_from_create_response(auth_on: Api) -> None:
    created = auth_on.create(name=unique("s4-created"))
    key = auth_on.wait(created)
    assert key["state"] == "active"
    with auth_on.with_auth((created["publicValue"], created["secretValue"])) as client:
        listed = assert_status(client.get(auth_on.collection, params={"name": key["name"]}), 200)
        assert [item["id"] for item in listed["data"]] == [key["id"]]
        assert_status(client.post(auth_on.collection, json={"name": unique("s4-by-new-key")}), 201)


def test_s4_deactivated_key_is_401_and_authenticates_again_after_activate(auth_on: Api) -> None:
    key = auth_on.new_active(unique("s4-deactivate"))
    credentials = (key["publicValue"], key["_secret"])
    with auth_on.with_auth(credentials) as client:
        assert_status(client.get(auth_on.collection), 200)
        inactive = auth_on.do(key, "deactivate")
        assert inactive["state"] == "inactive"
        _assert_401(client.get(auth_on.collection))
        _assert_401(client.get(auth_on.url(key["id"])))
        active = auth_on.do(inactive, "activate")
        assert active["state"] == "active"
        assert_status(client.get(auth_on.collection), 200)


@pytest.mark.parametrize("state", ["removed", "purged"])
def test_s4_removed_key_is_401(auth_on: Api, state: str) -> None:
    key = auth_on.new_active(unique(f"s4-{state}"))
    credentials = (key["publicValue"], key["_secret"])
    current = auth_on.do(auth_on.do(key, "deactivate"), "remove")
    if state == "purged":
        current = auth_on.do(current, "purge")
    assert current["state"] == state
    with auth_on.with_auth(credentials) as client:
        _assert_401(client.get(auth_on.collection))


def test_s4_only_active_key_authenticates_not_while_deactivating(async_api: Api) -> None:
    if async_api.auth is None:
        pytest.skip("access control off")
    key = async_api.new_active(unique("s4-deactivating"))
    credentials = (key["publicValue"], key["_secret"])
    with async_api.with_auth(credentials) as client:
        started = time.monotonic()
        body = assert_status(async_api.act(key, "deactivate"), 202)
        if body["state"] != "deactivating":
            pytest.skip("the server completed deactivate at once (MAY)")
        response = client.get(async_api.collection)
        if time.monotonic() - started >= ASYNC_DELAY * 0.8:
            pytest.skip("too slow to ask while the key was deactivating")
        _assert_401(response)
        async_api.wait(key)


def test_s4_only_active_key_authenticates_not_while_registering(async_api: Api) -> None:
    if async_api.auth is None:
        pytest.skip("access control off")
    started = time.monotonic()
    created = async_api.create(name=unique("s4-registering"))
    if created["state"] != "registering":
        pytest.skip("the server completed the create transition at once (MAY)")
    with async_api.with_auth((created["publicValue"], created["secretValue"])) as client:
        response = client.get(async_api.collection)
        if time.monotonic() - started >= ASYNC_DELAY * 0.8:
            pytest.skip("too slow to ask while the key was registering")
        _assert_401(response)
        assert async_api.wait(created)["state"] == "active"
        assert_status(client.get(async_api.collection), 200)


def test_s4_no_auth_mode_every_request_runs_without_credentials(noauth_api: Api) -> None:
    assert noauth_api.auth is None
    with noauth_api.with_auth(None) as client:
        assert_status(client.get(noauth_api.base_url), 200)
        assert_status(client.get(noauth_api.base_url + "/schemas/apikey"), 200)
        created = assert_status(
            client.post(noauth_api.collection, json={"name": unique("s4-off")}), 201
        )
        listed = assert_status(
            client.get(noauth_api.collection, params={"name": created["name"]}), 200
        )
        assert [item["id"] for item in listed["data"]] == [created["id"]]
        key = noauth_api.wait(created)
        assert_status(client.put(key["links"]["self"], json={"description": "off"}), 200)
        assert_status(client.post(key["actions"]["deactivate"]), 202)
        noauth_api.wait(key)
        assert_status(client.delete(key["links"]["self"]), 200)
        assert "www-authenticate" not in client.get(noauth_api.collection).headers


# --- `rancher-contract serve` as a process --------------------------------------------------------


@contextmanager
def _serve_process(*args: str) -> Iterator[str]:
    """`rancher-contract serve --port 0 --db :memory: ARGS`; yields its /v1 URL; stopped after."""
    command = [
        sys.executable,
        "-m",
        "rancher_contract.reference_server",
        "--port",
        "0",
        "--db",
        ":memory:",
        *args,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("ACCEPTANCE_FAULTS", None)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:  # a thread: select() on a buffered pipe misses lines already read
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        url = None
        seen: list[str] = []
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if process.poll() is not None and lines.empty():
                    break
                continue
            seen.append(line)
            match = re.search(r"API URL:\s*(http://\S+/v1)", line)
            url = match.group(1) if match else None
        assert url, f"serve did not announce its URL: {''.join(seen)}"
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_s4_serve_no_auth_every_request_runs_as_admin() -> None:
    if os.environ.get("ACCEPTANCE_URL"):
        pytest.skip("checks the reference server's own process")
    with (
        _serve_process("--no-auth") as url,
        httpx.Client(timeout=30, headers={"Connection": "close"}) as client,
    ):
        assert_status(client.get(url), 200)
        created = assert_status(client.post(url + "/apiKeys", json={"name": "off"}), 201)
        assert_status(client.get(created["links"]["self"]), 200)
        assert "www-authenticate" not in client.get(url + "/apiKeys").headers


def test_s4_serve_with_keys_needs_credentials() -> None:
    if os.environ.get("ACCEPTANCE_URL"):
        pytest.skip("checks the reference server's own process")
    access, secret = "0123456789ABCDEF0123", "s" * 20 + "S" * 20
    args = ("--access-key", access, "--secret-key", secret)
    with (
        _serve_process(*args) as url,
        httpx.Client(timeout=30, headers={"Connection": "close"}) as client,
    ):
        _assert_401(client.get(url + "/apiKeys"))
        assert_status(client.get(url + "/apiKeys", auth=(access, secret)), 200)
        _assert_401(client.get(url + "/apiKeys", auth=(access, "x" * 40)))
