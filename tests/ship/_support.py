"""Helpers of the ship tests (exit codes, cleanup, plugin, CI recipes, reports): real servers over
loopback and what a live server's operator would look at (active keys, their names)."""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests._checkout import REPO_ROOT

PREFIX = "rc-contract-"
FAULTY_PLUGIN_DIR = Path(__file__).with_name("plugins")


@dataclass(frozen=True)
class Server:
    url: str
    access_key: str
    secret_key: str
    db: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RANCHER_", "GITHUB_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@contextlib.contextmanager
def checkout_server(db: Path, *args: str) -> Iterator[Server]:
    """`rancher-contract serve` of the checkout on a free port with its database at `db`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rancher_contract", "serve", "--port", "0", "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
        cwd=REPO_ROOT,
    )
    try:
        values, _ = read_banner(process)
        yield Server(
            values["RANCHER_URL"], values["RANCHER_ACCESS_KEY"], values["RANCHER_SECRET_KEY"], db
        )
    finally:
        stop(process)


def read_banner(process: subprocess.Popen[str]) -> tuple[dict[str, str], str]:
    """What `serve` printed up to its `export RANCHER_URL=...` line: (the exported values, text).

    The rest of its output is drained in the background, so a chatty server never blocks."""
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("export RANCHER_URL="):
            break
    else:
        raise AssertionError("serve exited early:\n" + "".join(lines))
    threading.Thread(target=process.stdout.read, daemon=True).start()
    values = dict(part.split("=", 1) for part in lines[-1].split()[1:])
    return values, "".join(lines)


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def static_web_server(root: Path) -> Iterator[str]:
    """`python3 -m http.server` serving `root` on a free port: yields its /v1 URL."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text("<h1>not an API</h1>\n", encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1.0)
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise AssertionError("http.server did not start") from None
                threading.Event().wait(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=15)


def active_keys(url: str, access_key: str, secret_key: str) -> int:
    """How many keys the server lists as active (every page)."""
    count = 0
    next_url: str | None = f"{url}/apiKeys?state=active&limit=1000"
    with httpx.Client(auth=(access_key, secret_key), timeout=15.0) as http:
        while next_url:
            body = http.get(next_url).raise_for_status().json()
            count += len(body["data"])
            next_url = body["pagination"].get("next")
    return count


def keys_without_prefix(db: Path) -> list[tuple[str | None, str]]:
    """(name, state) of every stored key whose name lacks the run's prefix, removed ones too (read
    from the reference server's database: the API hides removed keys)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT name, state FROM api_key WHERE name IS NULL OR name NOT LIKE ? ORDER BY n",
            (PREFIX + "%",),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


def stored_keys(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM api_key").fetchone()[0])


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_checkout_test(
    server: Server | None,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    url: str | None = None,
) -> Run:
    """`python -m rancher_contract test --url ... ARGS` of the checkout, as CI would run it."""
    command = [sys.executable, "-m", "rancher_contract", "test"]
    if server is not None:
        command += ["--url", url or server.url]
        command += ["--access-key", server.access_key, "--secret-key", server.secret_key]
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=clean_env(env),
        cwd=REPO_ROOT,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def one_error_line(run: Run) -> str:
    """The run failed with exactly one line on stderr, `rancher-contract test: error: ...`."""
    assert "Traceback" not in run.output, run.output
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.output
    assert lines[0].startswith("rancher-contract test: error: "), run.output
    return lines[0]
