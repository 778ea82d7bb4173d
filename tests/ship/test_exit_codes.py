"""`rancher-contract test` exit codes, measured against real servers over loopback: 0 conforms, 1
only for a broken contract rule, 2 bad arguments / unreachable target / refused keys / not a
Rancher apiKey API, 3 the suite itself could not run (with the cause in one line).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ship._support import (
    FAULTY_PLUGIN_DIR,
    Server,
    checkout_server,
    free_port,
    one_error_line,
    run_checkout_test,
    static_web_server,
)
from tests.ship.conftest import Installed, Serve


def test_exit_code_matrix_of_the_installed_tool(
    installed: Installed, serve: Serve, tmp_path: Path
) -> None:
    """The issue's matrix, from a directory that is not a checkout, with only the wheel."""
    ok = serve("--db", str(tmp_path / "ok.sqlite"))
    broken = serve("--db", str(tmp_path / "broken.sqlite"), "--fault", "secret-on-get")  # an alias
    # one resource: the exit codes do not depend on how many are tested
    keys = ["--access-key", ok.access_key, "--secret-key", ok.secret_key, "--resource", "apiKey"]
    with static_web_server(tmp_path / "www") as static_url:
        cases: dict[str, tuple[list[str], int]] = {
            "conforms": (["--url", ok.url, *keys], 0),
            "a rule broke": (
                ["--url", broken.url, "--access-key", broken.access_key,
                 "--secret-key", broken.secret_key, "--resource", "apiKey"],
                1,
            ),
            "python3 -m http.server": (["--url", static_url, *keys], 2),
            "closed port": (["--url", f"http://127.0.0.1:{free_port()}/v1", *keys], 2),
            "refused keys": (
                ["--url", ok.url, "--access-key", ok.access_key, "--secret-key", "x" * 40],
                2,
            ),
            "bad argument": (["--url", ok.url, *keys, "--profile", "fast"], 2),
            "unwritable report": (["--url", ok.url, *keys, "--junit-xml", "/proc/nope/x.xml"], 3),
        }  # fmt: skip
        runs = {
            name: installed.run("rancher-contract", "test", *args)
            for name, (args, _) in cases.items()
        }
    measured = {name: run.returncode for name, run in runs.items()}
    assert measured == {name: code for name, (_, code) in cases.items()}, {
        name: run.stdout[-2000:] + run.stderr for name, run in runs.items()
    }
    for name in ("python3 -m http.server", "closed port", "refused keys", "unwritable report"):
        stderr = [line for line in runs[name].stderr.splitlines() if line.strip()]
        assert len(stderr) == 1 and stderr[0].startswith("rancher-contract test: error: "), runs[
            name
        ].stderr
        assert "Traceback" not in runs[name].stdout + runs[name].stderr
    assert "is not a Rancher v1 API" in runs["python3 -m http.server"].stderr
    # the rerun hint repeats the URL, and no key appears anywhere in the output of a failing run
    failing = runs["a rule broke"].stdout + runs["a rule broke"].stderr
    assert (
        f"Rerun with: rancher-contract test --url {broken.url} --resource apiKey --seed " in failing
    )
    hint = next(line for line in failing.splitlines() if "Rerun with:" in line)
    assert broken.access_key not in hint and broken.secret_key not in hint
    assert broken.secret_key not in failing  # curl reproductions name $RANCHER_SECRET_KEY only


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with checkout_server(tmp_path_factory.mktemp("db") / "keys.sqlite") as running:
        yield running


def _faulty(server: Server, mode: str) -> tuple[int, str, str]:
    run = run_checkout_test(
        server,
        ["-k", "test_api", "--pytest-arg=-p", "--pytest-arg=rc_faults"],
        env={"RC_FAULT": mode, "PYTHONPATH": str(FAULTY_PLUGIN_DIR)},
    )
    return run.code, run.stdout, run.stderr


@pytest.mark.parametrize(
    ("mode", "cause"),
    [
        ("call-error", "KeyError: 'a bug in the suite'"),
        ("fixture-error", "(in setup) RuntimeError: the fixture crashed"),
        ("healthcheck", "FailedHealthCheck: Input generation is slow"),
        ("collect-error", "ImportError: cannot import name 'nothing' (injected)"),
    ],
)
def test_an_error_of_the_suite_is_3_never_1(server: Server, mode: str, cause: str) -> None:
    code, stdout, stderr = _faulty(server, mode)
    assert code == 3, stdout + stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("rancher-contract test: error: the suite could not run: ")
    assert cause in lines[0]
    assert "does not conform" not in stdout and "Broken contract rules" not in stdout


def test_a_broken_rule_is_1_even_beside_an_error_of_the_suite(server: Server) -> None:
    code, stdout, stderr = _faulty(server, "violation-and-error")
    assert code == 1, stdout + stderr
    assert "rule: [1.root-links]" in stdout
    assert "Errors of the suite" in stdout and "ZeroDivisionError" in stdout
    assert "The target does not conform: 1 of" in stdout


def test_a_json_api_that_is_not_rancher_is_2(tmp_path: Path) -> None:
    """A JSON server without Rancher's X-API-Schemas header and apiKey schema: 2 (pre-check)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": "ok", "path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        fake = Server(url, "A" * 20, "s" * 40, tmp_path / "none")
        run = run_checkout_test(fake)
    finally:
        httpd.shutdown()
    assert run.code == 2, run.output
    assert "is not a Rancher v1 API" in one_error_line(run)


def test_a_missing_file_of_the_installation_is_3(
    installed: Installed, serve: Serve, tmp_path: Path
) -> None:
    ok = serve("--db", str(tmp_path / "ok.sqlite"))
    config = installed.site_packages / "rancher_contract" / "schemathesis.toml"
    hidden = config.with_name("schemathesis.toml.hidden")
    config.rename(hidden)
    try:
        run = installed.run(
            "rancher-contract", "test", "--url", ok.url,
            "--access-key", ok.access_key, "--secret-key", ok.secret_key,
        )  # fmt: skip
    finally:
        hidden.rename(config)
    assert run.returncode == 3, run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "missing file" in lines[0] and "schemathesis.toml" in lines[0]
