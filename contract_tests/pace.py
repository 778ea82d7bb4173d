"""The run's pace: a cap on the request rate (`--max-rps`, `RANCHER_MAX_RPS`) and the run's figures
(requests sent, transition waits that blocked the run one after another).

`install()` wraps the two transports every request of the run goes through: `httpx.Client.send`
(the suite's own client and checks) and `requests.Session.send` (schemathesis). The cap spaces the
start of requests at least 1/N s apart, across all threads, so no one-second window holds more than
N + 1 of them. `write_stats()` leaves the figures in a JSON file for `make bench`
(`--contract-stats PATH`, a pytest option of the suite).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["STATS", "RateLimiter", "Stats", "install", "limiter", "write_stats"]


@dataclass
class Stats:
    requests: int = 0
    serial_waits: int = 0  # waits for a transition that blocked the run (each one in series)
    keys_waited: int = 0  # keys those waits covered (several per wait when awaited together)
    wait_seconds: float = 0.0


STATS = Stats()
_LOCK = threading.Lock()


class RateLimiter:
    """Spaces request starts at least `1 / max_rps` seconds apart (no bursts)."""

    def __init__(self, max_rps: float | None) -> None:
        self.interval = 1.0 / max_rps if max_rps else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with _LOCK:
            STATS.requests += 1
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


_LIMITER = RateLimiter(None)
_INSTALLED = False


def limiter() -> RateLimiter:
    return _LIMITER


def install(max_rps: float | None) -> None:
    """Count (and, with `max_rps`, pace) every request this process sends through httpx or
    requests.
    """
    global _LIMITER, _INSTALLED
    _LIMITER = RateLimiter(max_rps)
    if _INSTALLED:
        return
    _INSTALLED = True
    import httpx
    import requests

    httpx_send = httpx.Client.send
    requests_send = requests.Session.send

    def paced_httpx_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> Any:
        _LIMITER.acquire()
        return httpx_send(self, request, **kwargs)

    def paced_requests_send(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        _LIMITER.acquire()
        return requests_send(self, request, **kwargs)

    httpx.Client.send = paced_httpx_send  # type: ignore[method-assign]
    requests.Session.send = paced_requests_send  # type: ignore[method-assign]


def record_wait(keys: int, seconds: float) -> None:
    """One wait that blocked the run (polled at least once) for `keys` keys."""
    with _LOCK:
        STATS.serial_waits += 1
        STATS.keys_waited += keys
        STATS.wait_seconds += seconds


def write_stats(path: str | Path) -> None:
    Path(path).write_text(json.dumps(asdict(STATS), indent=2) + "\n", encoding="utf-8")
