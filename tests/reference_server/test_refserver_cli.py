"""`rancher-contract serve` / `python -m reference_server` as a user runs it: a real process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """Start the server on a free port; yield what it printed; SIGTERM it after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rancher_contract.reference_server", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while not any(line.startswith("export RANCHER_URL=") for line in lines):
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line or process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            lines.append(line)
        text = "".join(lines)
        found = {
            "url": re.search(r"API URL:\s+(\S+)", text).group(1),  # type: ignore[union-attr]
            "access": (re.search(r"access key:\s+(\S+)", text) or re.search("()", "")).group(1),  # type: ignore[union-attr]
            "secret": (re.search(r"secret key:\s+(\S+)", text) or re.search("()", "")).group(1),  # type: ignore[union-attr]
            "text": text,
        }
        yield found
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=15)  # waits, and closes the pipes
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "rancher-contract"), "serve", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "http"], "--port"),
        (["--transition-delay", "-1"], "--transition-delay"),
        (["--transition-delay", "nan"], "--transition-delay"),
        (["--read-timeout", "0"], "--read-timeout"),
        (["--write-timeout", "nan"], "--write-timeout"),
        (["--access-key", "0123456789ABCDEF0123"], "--secret-key"),
        (["--access-key", "short", "--secret-key", "x" * 40], "--access-key"),
        (["--access-key", "0123456789ABCDEF0123", "--secret-key", "short"], "--secret-key"),
        (["--db", "/nonexistent-dir/sub/keys.sqlite3"], "database"),
        (["--db", "/"], "database"),
        (["--fault", "no-such-fault"], "fault"),
        (["--frobnicate"], "frobnicate"),
        (["--host", "192.0.2.1", "--db", ":memory:"], "cannot listen"),  # not on this machine
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args: list[str], needle: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.stderr, (
        result.stderr
    )
    assert lines[0].startswith("rancher-contract serve: error:")


def test_a_database_that_is_not_one(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 200)
    result = run_cli("--db", str(junk))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        result = run_cli("--db", ":memory:", "--port", str(taken.getsockname()[1]))
    assert (
        result.returncode == 2
        and "cannot listen" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_help() -> None:
    result = run_cli("--help")
    assert result.returncode == 0 and "--transition-delay" in result.stdout


def test_serve_prints_the_url_and_keys_and_a_restart_keeps_them(tmp_path: Path) -> None:
    db = str(tmp_path / "keys.sqlite3")
    with serve("--db", db) as first:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", first["url"])
        assert re.fullmatch(r"[0-9A-F]{20}", first["access"]) and len(first["secret"]) == 40
        auth = (first["access"], first["secret"])
        made = httpx.post(f"{first['url']}/apiKeys", json={"name": "survivor"}, auth=auth).json()
        assert httpx.get(first["url"], auth=auth).status_code == 200
    with serve("--db", db) as second:
        assert (second["access"], second["secret"]) == (first["access"], first["secret"])
        assert (
            httpx.get(f"{second['url']}/apiKeys/{made['id']}", auth=auth).json()["name"]
            == "survivor"
        )
        bootstrap = httpx.get(
            f"{second['url']}/apiKeys", params={"publicValue": first["access"]}, auth=auth
        ).json()["data"]
        assert len(bootstrap) == 1 and bootstrap[0]["state"] == "active"  # an ordinary apiKey row
    data = b"".join(
        p.read_bytes()
        for p in tmp_path.iterdir()
        if p.name.startswith("keys.sqlite3") and not p.name.endswith(".json")
    )
    assert first["access"].encode() in data and first["secret"].encode() not in data
    assert made["secretValue"].encode() not in data
    assert oct(os.stat(db + ".bootstrap.json").st_mode & 0o777) == "0o600"


def test_given_keys_no_auth_delay_and_the_dispatcher(tmp_path: Path) -> None:
    access, secret = "0123456789ABCDEF0123", "s3cr3t" * 6 + "abcd"
    with serve(
        "--db",
        ":memory:",
        "--access-key",
        access,
        "--secret-key",
        secret,
        "--transition-delay",
        "0.5",
    ) as given:
        assert (given["access"], given["secret"]) == (access, secret)
        created = httpx.post(f"{given['url']}/apiKeys", json={}, auth=(access, secret)).json()
        time.sleep(0.1)
        assert httpx.get(f"{given['url']}/apiKeys/{created['id']}", auth=(access, secret)).json()[
            "state"
        ] == ("registering")
    with serve("--db", ":memory:", "--no-auth") as open_server:
        assert "access control: off" in open_server["text"]
        assert httpx.get(f"{open_server['url']}/apiKeys").status_code == 200
    # rancher-contract serve dispatches to reference_server.cli
    result = run_cli("--port", "-5")
    assert result.returncode == 2 and "rancher-contract serve: error:" in result.stderr


def test_the_cattle_scenario_against_rancher_contract_serve(tmp_path: Path) -> None:
    """The issue's 'done' check: `serve` started as a user does, Rancher's client against it."""
    import cattle

    process = subprocess.Popen(
        [
            str(BIN / "rancher-contract"),
            "serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "k.sqlite3"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        text = ""
        while "export RANCHER_URL=" not in text:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line, "serve did not start"
            text += line
        url = re.search(r"API URL:\s+(\S+)", text).group(1)  # type: ignore[union-attr]
        access = re.search(r"access key:\s+(\S+)", text).group(1)  # type: ignore[union-attr]
        secret = re.search(r"secret key:\s+(\S+)", text).group(1)  # type: ignore[union-attr]
        client = cattle.Client(url=url, access_key=access, secret_key=secret, cache=False)
        key = client.wait_success(client.create_apiKey(name="scenario"))
        assert key.state == "active"
        key = client.wait_success(key.deactivate())
        assert key.state == "inactive"
        key = client.wait_success(client.delete(key))
        assert key.state == "removed"
        assert len(client.list_apiKey(name="scenario").data) == 0
        assert client.by_id_apiKey(key.id).state == "removed"
    finally:
        process.terminate()
        process.communicate(timeout=15)
