"""`rancher-contract test --max-rps N`: the whole run sends at most about N requests a second.

The requests are counted where a server sees them: a small recording proxy in front of the reference
server (links are built from the Host header, so every request the suite follows goes through it).
The bounds are generous (N + 3 in any one-second window); nothing is timed beyond that.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from rancher_contract.contract_tests.runner import reference_server
from rancher_contract.contract_tests.selfcheck import run_suite

MAX_RPS = 8
SELECTION = ["-k", "test_api", "--seed", "20261201", "--resource", "apiKey"]


class _Recorder:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    def add(self) -> None:
        with self.lock:
            self.times.append(time.monotonic())

    def busiest_second(self) -> int:
        """The most requests that arrived within any one-second window."""
        times = sorted(self.times)
        return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


@contextmanager
def recording_proxy(upstream: str) -> Iterator[tuple[str, _Recorder]]:
    """An HTTP proxy on a free loopback port that forwards to `upstream` (an origin) and records
    when each request arrives; yields (its origin, the recorder).
    """
    recorder = _Recorder()
    client = httpx.Client(base_url=upstream, timeout=30.0)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            recorder.add()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
            answer = client.request(self.command, self.path, content=body, headers=headers)
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()
        client.close()


def test_max_rps_caps_the_request_rate_of_the_whole_run() -> None:
    with (
        reference_server() as (url, access_key, secret_key),
        recording_proxy(url.removesuffix("/v1")) as (origin, recorder),
    ):
        run = run_suite(
            f"{origin}/v1", access_key, secret_key, [*SELECTION, "--max-rps", str(MAX_RPS)]
        )
    assert run.code == 0, run.output[-3000:]
    assert len(recorder.times) > 3 * MAX_RPS, "too few requests to say anything"
    assert recorder.busiest_second() <= MAX_RPS + 3, (
        f"{recorder.busiest_second()} requests in one second with --max-rps {MAX_RPS}"
    )


def test_max_rps_must_be_a_positive_number() -> None:
    run = run_suite("http://127.0.0.1:9/v1", "0" * 20, "s" * 40, ["--max-rps", "0"])
    assert run.code == 2, run.output
    assert "RANCHER_MAX_RPS" in run.output or "max-rps" in run.output, run.output
