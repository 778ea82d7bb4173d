"""Memory of the reference server (`make bench`): RSS and open database files must stay flat.

`rancher-contract serve --db <file>` with its default options, over loopback:

1. RSS at start, then after 20,000 creates (`POST /v1/apiKeys`, 8 clients with keep-alive);
2. 5 bursts of 8 parallel clients (each: 5 pages of 3,000 keys, 20 GETs by id), each burst after an
   idle spell longer than the 10 s after which the server's thread pool retires idle threads (the
   spell that leaked a SQLite connection per thread before the backend owned a fixed pool).

After each burst: RSS (from /proc) and the number of descriptors open on the database files. The run
fails if RSS after the last burst exceeds RSS after the first by more than `MAX_RSS_GROWTH_MB`, or
if the database descriptors grew by more than 2.

Environment: BENCH_MEMORY_CREATES (default 20000), BENCH_IDLE_SECONDS (default 11),
BENCH_MEMORY_BURSTS (default 5).
Linux only (reads /proc); elsewhere it says so and passes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

__all__ = ["main"]

ACCESS_KEY = "BE4C4BE4C4BE4C4BE4C4"
SECRET_KEY = "benchbenchbenchbenchbenchbenchbenchbench"
CLIENTS = 8
BURSTS = int(os.environ.get("BENCH_MEMORY_BURSTS", "5"))
MAX_RSS_GROWTH_MB = 16.0


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _db_fds(pid: int, db: Path) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(db))
        except OSError:
            pass
    return count


def _start(db: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rancher_contract.reference_server",
            "--db",
            str(db),
            "--port",
            "0",
            "--access-key",
            ACCESS_KEY,
            "--secret-key",
            SECRET_KEY,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        line = process.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"API URL:\s+(\S+)", line)
        if match:
            return process, match.group(1)
        if not line or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the reference server did not start")


def _line(label: str, rss: float, fds: int) -> str:
    return f"  {label:<34} RSS {rss:7.1f} MB   db fds {fds}"


def _parallel(count: int, work: object) -> None:
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            work(number)  # type: ignore[operator]
        except BaseException as exc:  # reported after the join
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def main() -> int:
    if not Path("/proc/self/status").exists():
        print("memory benchmark: needs /proc (Linux); skipped")
        return 0
    creates = int(os.environ.get("BENCH_MEMORY_CREATES", "20000"))
    idle = float(os.environ.get("BENCH_IDLE_SECONDS", "11"))
    auth = (ACCESS_KEY, SECRET_KEY)
    print(
        f"reference server memory: serve --db <file> (default options), {creates:,} creates, "
        f"{BURSTS} bursts of {CLIENTS} clients after {idle:g} s idle each"
    )
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        db = Path(tmp) / "memory.sqlite3"
        process, url = _start(db)
        try:
            pid = process.pid
            print(_line("at start", _rss_mb(pid), _db_fds(pid, db)), flush=True)
            ids: list[str] = []

            def create(number: int) -> None:
                with httpx.Client(base_url=url, auth=auth, timeout=60) as http:
                    for step in range(creates // CLIENTS):
                        response = http.post("/apiKeys", json={"name": f"mem-{number}-{step}"})
                        response.raise_for_status()
                        if step % 100 == 0:
                            ids.append(response.json()["id"])

            started = time.perf_counter()
            _parallel(CLIENTS, create)
            took = time.perf_counter() - started
            label = f"after {creates:,} creates ({took:.0f} s)"
            print(_line(label, _rss_mb(pid), _db_fds(pid, db)), flush=True)

            def burst(number: int) -> None:
                with httpx.Client(base_url=url, auth=auth, timeout=60) as http:
                    for page in range(5):
                        http.get(
                            "/apiKeys", params={"limit": "3000", "marker": f"m{page * 3000}"}
                        ).raise_for_status()
                    for index in range(20):
                        http.get(f"/apiKeys/{ids[(number * 20 + index) % len(ids)]}")

            after: list[tuple[float, int]] = []
            for number in range(1, BURSTS + 1):
                time.sleep(idle)
                _parallel(CLIENTS, burst)
                after.append((_rss_mb(pid), _db_fds(pid, db)))
                print(_line(f"after idle + burst {number}", *after[-1]), flush=True)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    growth = after[-1][0] - after[0][0]
    print(
        f"  RSS from burst 1 to burst {BURSTS}: {growth:+.1f} MB (at most +{MAX_RSS_GROWTH_MB:g});"
        f" db fds {after[0][1]} -> {after[-1][1]} (at most +2)"
    )
    if growth > MAX_RSS_GROWTH_MB:
        failures.append(f"RSS grew {growth:.1f} MB over {BURSTS} idle-separated bursts")
    if after[-1][1] > after[0][1] + 2:
        failures.append(f"database descriptors grew from {after[0][1]} to {after[-1][1]}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
