"""Robustness: fuzzing (no 5xx), concurrent transitions, durability across `kill -9`."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from refserver_support import unique

from rancher_contract.generated.server import API_KEY_LIFECYCLE
from rancher_contract.paths import DEFAULT_SPEC
from rancher_contract.reference_server.testing import RunningServer, running_server

ST = Path(sys.executable).parent / "st"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "content_type_conformance",
        "response_headers_conformance",
    ]
)
REMOVED_SET = {"removed", "purging", "purged"}


def _schemathesis(server: RunningServer, tmp_path: Path, phases: str, max_time: int) -> None:
    args = [
        str(ST),
        "run",
        str(DEFAULT_SPEC),
        "--url",
        server.root_url,
        "--phases",
        phases,
        "--checks",
        CHECKS,
        "--max-time",
        str(max_time),
        "-n",
        "40",
        "--generation-database",
        "none",
    ]
    if server.auth:
        args += ["-a", ":".join(server.auth)]
    # run outside the repository so that no project schemathesis.toml or hooks apply: stock checks
    # only
    result = subprocess.run(
        args, cwd=tmp_path, capture_output=True, text=True, timeout=max_time + 120
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_fuzzing_all_phases_finds_no_server_error(tmp_path: Path) -> None:
    # Access control off: the fuzzer may deactivate any key (ids are guessable) without locking
    # itself out.
    with running_server(auth=False, db=str(tmp_path / "fuzz.sqlite3")) as server:
        _schemathesis(server, tmp_path, "examples,coverage,fuzzing,stateful", 30)


def test_fuzzing_with_access_control_on(tmp_path: Path) -> None:
    with running_server() as server:
        _schemathesis(server, tmp_path, "examples,coverage,fuzzing", 12)


def test_oversized_bodies_answer_413_with_a_rancher_error() -> None:
    with running_server(max_body_bytes=1000) as server:
        for body in (b"{" + b" " * 2000 + b"}", b'{"name": "' + b"x" * 5000 + b'"}'):
            response = httpx.post(f"{server.base_url}/apiKeys", content=body, auth=server.auth)
            assert response.status_code == 413
            error = response.json()
            assert (error["type"], error["status"], error["baseType"]) == ("error", 413, "error")
            assert response.headers["x-api-schemas"].endswith("/v1/schemas")

        def chunks() -> Any:
            for _ in range(50):
                yield b" " * 100

        streamed = httpx.put(f"{server.base_url}/apiKeys/1c1", content=chunks(), auth=server.auth)
        assert streamed.status_code == 413  # no Content-Length: counted while reading


def _valid_state(key: dict[str, Any]) -> None:
    state = key["state"]
    assert state in API_KEY_LIFECYCLE.states
    assert key["transitioning"] == (
        "yes" if state in API_KEY_LIFECYCLE.transitioning_states else "no"
    )
    assert set(key["actions"]) == set(API_KEY_LIFECYCLE.actions_by_state[state])
    assert (key["removed"] is not None) == (state in REMOVED_SET), key


def test_concurrent_transitions_keep_the_lifecycle_and_every_acknowledged_write(
    tmp_path: Path,
) -> None:
    with running_server(db=str(tmp_path / "race.sqlite3"), transition_delay=0.005) as server:
        with httpx.Client(base_url=server.base_url, auth=server.auth, timeout=60) as setup:
            shared = [
                setup.post("/apiKeys", json={"name": unique("shared")}).json()["id"]
                for _ in range(5)
            ]
        created: list[str] = []
        shared_names: dict[str, set[str]] = {k: set() for k in shared}
        owned_last: dict[str, str] = {}
        problems: list[str] = []
        lock = threading.Lock()

        def worker(number: int) -> None:
            rng = random.Random(number)
            with httpx.Client(base_url=server.base_url, auth=server.auth, timeout=60) as http:
                own = http.post("/apiKeys", json={"name": f"own-{number}-0"}).json()["id"]
                with lock:
                    created.append(own)
                    owned_last[own] = f"own-{number}-0"
                for step in range(25):
                    key = rng.choice(shared)
                    op = rng.choice(
                        [
                            "activate",
                            "deactivate",
                            "remove",
                            "purge",
                            "delete",
                            "put",
                            "put-own",
                            "create",
                        ]
                    )
                    if op == "create":
                        r = http.post("/apiKeys", json={"name": f"made-{number}-{step}"})
                    elif op == "delete":
                        r = http.delete(f"/apiKeys/{key}")
                    elif op in ("put", "put-own"):
                        target = own if op == "put-own" else key
                        value = f"v-{number}-{step}"
                        r = http.put(f"/apiKeys/{target}", json={"name": value})
                    else:
                        r = http.post(f"/apiKeys/{key}", params={"action": op})
                    body = r.json()
                    with lock:
                        if r.status_code >= 500 or r.status_code not in (
                            200,
                            201,
                            202,
                            405,
                            409,
                            422,
                        ):
                            problems.append(f"{op}: {r.status_code} {r.text}")
                            continue
                        if r.status_code == 422 and body["code"] != "ActionNotAvailable":
                            problems.append(f"{op}: {r.text}")
                        if r.status_code >= 300:
                            continue
                        try:
                            _valid_state(body)
                        except AssertionError as exc:
                            problems.append(f"{op}: invalid {exc} {body}")
                        if op == "create":
                            created.append(body["id"])
                        elif op == "put":
                            shared_names[key].add(value)
                        elif op == "put-own":
                            owned_last[own] = value
                        elif op == "delete" and body["state"] not in ("removing", *REMOVED_SET):
                            problems.append(f"delete answered {body['state']}")
                        elif op in API_KEY_LIFECYCLE.actions:
                            step_ = API_KEY_LIFECYCLE.actions[op]
                            if body["state"] not in (step_.through, step_.to):
                                problems.append(f"{op} answered {body['state']}")

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not problems, problems[:10]
        time.sleep(0.05)
        with httpx.Client(base_url=server.base_url, auth=server.auth, timeout=60) as http:
            for key_id in created + shared:
                response = http.get(f"/apiKeys/{key_id}")
                assert response.status_code == 200, key_id
                _valid_state(response.json())
            for key_id, value in owned_last.items():
                assert http.get(f"/apiKeys/{key_id}").json()["name"] == value
            for key_id, values in shared_names.items():
                if values:
                    assert http.get(f"/apiKeys/{key_id}").json()["name"] in values


def _start(db: Path, access: str, secret: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rancher_contract.reference_server",
            "--port",
            "0",
            "--db",
            str(db),
            "--access-key",
            access,
            "--secret-key",
            secret,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 30
    while True:
        line = process.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"API URL:\s+(\S+)", line)
        if match:
            return process, match.group(1)
        assert line and time.monotonic() < deadline, "the server did not start"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_during_a_write_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "durable.sqlite3"
    access, secret = "D0D0D0D0D0D0D0D0D0D0", "k" * 40
    process, url = _start(db, access, secret)
    acked: dict[
        str, set[str]
    ] = {}  # key id -> the values it may show: last acknowledged + one in flight
    lock = threading.Lock()
    stop = threading.Event()

    def writer(number: int) -> None:
        with httpx.Client(base_url=url, auth=(access, secret), timeout=5) as http:
            step = 0
            mine: str | None = None
            while not stop.is_set():
                step += 1
                value = f"w{number}-{step}"
                try:
                    if mine is None or step % 3 == 0:
                        r = http.post("/apiKeys", json={"name": value})
                        if r.status_code == 201:
                            mine = r.json()["id"]
                            with lock:
                                acked[mine] = {value}
                    else:
                        with lock:
                            acked[mine].add(value)  # in flight: may or may not have committed
                        r = http.put(f"/apiKeys/{mine}", json={"name": value})
                        if r.status_code == 200:
                            with lock:
                                acked[mine] = {value}
                except httpx.HTTPError:
                    return  # the server is gone

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    os.kill(process.pid, signal.SIGKILL)  # mid-load: no shutdown, no checkpoint
    process.communicate()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acked) > 10
    process, url = _start(db, access, secret)
    try:
        with httpx.Client(base_url=url, auth=(access, secret), timeout=10) as http:
            for key_id, values in acked.items():
                response = http.get(f"/apiKeys/{key_id}")
                assert response.status_code == 200, key_id
                assert response.json()["name"] in values, (key_id, values)
    finally:
        process.terminate()
        process.communicate(timeout=15)
