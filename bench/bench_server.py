"""Benchmark of the reference server (`make bench`): requests/s and median latency over loopback.

Two requests, each at 1,000 and at 100,000 keys in the database (seeded in bulk through the backend,
not over HTTP): GET of one key by id, and a filtered, sorted list page
(`state=active&name_prefix=bench-0&sort=name&order=desc&limit=100`). The baseline, side by side in
the same run: Prism's mock server (`@stoplight/prism-cli`, installed into .cache/prism by npm)
serving the same spec. The list must be served from indexes: its median latency at 100,000 keys may
be at most twice that at 1,000 (the run fails otherwise).

Environment: BENCH_SECONDS (per run, default 3; best of 2), BENCH_CONNECTIONS (default 8),
BENCH_NO_PRISM=1.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.server_load import LoadResult, measure
from rancher_contract.paths import DEFAULT_SPEC, cache_dir

__all__ = ["main"]

SIZES = (1_000, 100_000)
PRISM_VERSION = "5.16.0"
REPO_ROOT = Path(__file__).resolve().parent.parent
PRISM_DIR = cache_dir() / "prism"
ACCESS_KEY = "BE4C4BE4C4BE4C4BE4C4"
SECRET_KEY = "benchbenchbenchbenchbenchbenchbenchbench"
LIST_QUERY = "state=active&name_prefix=bench-0&sort=name&order=desc&limit=100"
MAX_LIST_SLOWDOWN = 2.0


def _auth_headers() -> dict[str, str]:
    token = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(path: Path, count: int) -> str:
    """Fill a database with `count` keys (bootstrap key first); the id of one in the middle."""
    from rancher_contract.reference_server.backend import SqliteApiKeyBackend

    backend = SqliteApiKeyBackend(str(path))
    try:
        backend.ensure_bootstrap_key(ACCESS_KEY, SECRET_KEY)
        backend.seed(count - 1, name_prefix="bench-")
    finally:
        backend.close()
    return f"1c{count // 2}"


def _wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answers at {url}") from None
            time.sleep(0.2)


@contextmanager
def _process(args: list[str], url: str, **kwargs: object) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, **kwargs)  # type: ignore[call-overload]
    try:
        _wait_http(url)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _reference_server(db: Path) -> Iterator[str]:
    port = _free_port()
    args = [
        sys.executable,
        "-m",
        "rancher_contract.reference_server",
        "--db",
        str(db),
        "--port",
        str(port),
        "--access-key",
        ACCESS_KEY,
        "--secret-key",
        SECRET_KEY,
    ]
    base = f"http://127.0.0.1:{port}/v1"
    with _process(args, base, cwd=REPO_ROOT, stdout=subprocess.DEVNULL):
        yield base


def _prism_binary() -> Path | None:
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    if not shutil.which("npm"):
        return None
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    print(f"installing @stoplight/prism-cli@{PRISM_VERSION} into {PRISM_DIR} ...", flush=True)
    result = subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(PRISM_DIR),
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        print(f"npm install failed: {result.stderr.strip()[-500:]}", flush=True)
        return None
    return binary if binary.exists() else None


@contextmanager
def _prism() -> Iterator[str | None]:
    binary = None if os.environ.get("BENCH_NO_PRISM") else _prism_binary()
    if binary is None:
        yield None
        return
    port = _free_port()
    args = [str(binary), "mock", str(DEFAULT_SPEC), "-p", str(port), "-h", "127.0.0.1"]
    base = f"http://127.0.0.1:{port}/v1"
    with _process(args, base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        yield base


def _line(label: str, result: LoadResult) -> str:
    errors = f"  ({result.errors} errors)" if result.errors else ""
    return (
        f"  {label:<34} {result.rps:>9.0f} req/s   median {result.median_ms:>8.2f} ms"
        f"   p99 {result.p99_ms:>8.2f} ms{errors}"
    )


def main() -> int:
    seconds = float(os.environ.get("BENCH_SECONDS", "3"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "8"))
    headers = _auth_headers()
    tool = "wrk" if shutil.which("wrk") else "python threads (install wrk for better figures)"
    print(
        f"reference server vs Prism mock, loopback, {connections} connections, "
        f"best of 2 runs of {seconds:g} s each, load: {tool}"
    )
    results: dict[tuple[str, int], LoadResult] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        for size in SIZES:
            db = Path(tmp) / f"keys-{size}.sqlite3"
            started = time.perf_counter()
            key_id = _seed(db, size)
            print(f"{size:,} keys (seeded in {time.perf_counter() - started:.1f} s):", flush=True)
            with _reference_server(db) as base:
                for label, url in (
                    ("GET /v1/apiKeys/{id}", f"{base}/apiKeys/{key_id}"),
                    ("GET /v1/apiKeys?filter&sort", f"{base}/apiKeys?{LIST_QUERY}"),
                ):
                    check = httpx.get(url, headers=headers, timeout=10)
                    if check.status_code != 200:
                        failures.append(f"{label} at {size}: HTTP {check.status_code}")
                    result = measure(url, headers, seconds=seconds, connections=connections)
                    results[(label, size)] = result
                    print(_line(label, result), flush=True)
    with _prism() as prism:
        if prism is None:
            print("Prism: not available (npm missing or install failed); no baseline")
        else:
            print("Prism mock (same spec, examples only, no storage):", flush=True)
            for label, url in (
                ("GET /v1/apiKeys/{id}", f"{prism}/apiKeys/1c12"),
                ("GET /v1/apiKeys?filter&sort", f"{prism}/apiKeys?{LIST_QUERY}"),
            ):
                result = measure(url, headers, seconds=seconds, connections=connections)
                results[(label, 0)] = result
                print(_line(label, result), flush=True)
    print("ratios:")
    small, large = SIZES
    for label in ("GET /v1/apiKeys/{id}", "GET /v1/apiKeys?filter&sort"):
        a, b = results[(label, small)], results[(label, large)]
        slowdown = b.median_ms / a.median_ms
        print(
            f"  {label:<34} median at {large:,} / at {small:,}: {slowdown:.2f}x;"
            f" req/s {b.rps / a.rps:.2f}x"
        )
        if "filter" in label and slowdown > MAX_LIST_SLOWDOWN:
            failures.append(
                f"list median latency grew {slowdown:.2f}x from {small:,} to {large:,} keys"
            )
        prism = results.get((label, 0))
        if prism:
            print(
                f"  {'':<34} reference server ({small:,} keys) / Prism: "
                f"{a.rps / prism.rps:.2f}x req/s,"
                f" median {a.median_ms / prism.median_ms:.2f}x"
            )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
