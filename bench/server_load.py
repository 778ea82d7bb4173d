"""HTTP load over loopback for the server benchmark: wrk if installed, else Python threads."""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["LoadResult", "measure"]


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    seconds: float
    rps: float
    median_ms: float
    p99_ms: float
    errors: int  # non-2xx answers and socket errors


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> LoadResult:
    args = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout
    requests = int(re.search(r"(\d+) requests in ([0-9.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    median = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    return LoadResult("wrk", requests, seconds, rps, median, p99, errors)


def _python(url: str, headers: dict[str, str], seconds: float, connections: int) -> LoadResult:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    median = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
    return LoadResult(
        "python", len(latencies), elapsed, len(latencies) / elapsed, median, p99, errors[0]
    )


def measure(
    url: str, headers: dict[str, str], *, seconds: float = 4.0, connections: int = 8
) -> LoadResult:
    """Closed-loop GET load on one URL for about `seconds` (after a short warm-up)."""
    run = _wrk if shutil.which("wrk") else _python
    run(
        url, headers, 1.0, connections
    )  # warm-up: connections, caches, the JIT-less interpreter's dicts
    return run(url, headers, seconds, connections)
