"""Safe on a live server: every key a run creates carries the `rc-contract-` name prefix and is
deactivated and removed by the end of the run, also when the run fails or is interrupted.

Measured as an operator would: the number of active keys on the target before and after, and (from
the reference server's database, since the API hides removed keys) the names of every key stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests._checkout import REPO_ROOT
from tests.ship._support import (
    Server,
    active_keys,
    checkout_server,
    clean_env,
    keys_without_prefix,
    stored_keys,
)
from tests.ship.conftest import Installed, Serve


def _only_bootstrap_unlabelled(db: Path) -> None:
    assert keys_without_prefix(db) == [("bootstrap", "active")]


def _origin(url: str) -> str:
    return url.removesuffix("/v1")


def test_rancher_contract_test_leaves_no_active_key(
    installed: Installed, serve: Serve, tmp_path: Path
) -> None:
    db = tmp_path / "keys.sqlite"
    served = serve("--db", str(db))
    before = active_keys(served.url, served.access_key, served.secret_key)
    run = installed.run(
        "rancher-contract", "test", "--url", served.url,
        "--access-key", served.access_key, "--secret-key", served.secret_key,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert active_keys(served.url, served.access_key, served.secret_key) == before == 1
    assert stored_keys(db) > 50  # the run did create keys
    _only_bootstrap_unlabelled(db)


def test_a_failing_run_leaves_no_active_key(tmp_path: Path) -> None:
    db = tmp_path / "keys.sqlite"
    with checkout_server(db, "--fault", "put-changes-state") as server:
        before = active_keys(server.url, server.access_key, server.secret_key)
        run = subprocess.run(
            [sys.executable, "-m", "rancher_contract", "test", "--url", server.url,
             "--access-key", server.access_key, "--secret-key", server.secret_key,
             "--resource", "apiKey"],
            capture_output=True, text=True, env=clean_env(), cwd=REPO_ROOT, timeout=300,
            check=False,
        )  # fmt: skip
        assert run.returncode == 1, run.stdout + run.stderr
        assert active_keys(server.url, server.access_key, server.secret_key) == before
    _only_bootstrap_unlabelled(db)


def test_stock_schemathesis_from_the_checkout_root_leaves_no_active_key(tmp_path: Path) -> None:
    """The README's `schemathesis run spec/apikey.openapi.yaml --url ... -a AK:SK`."""
    db = tmp_path / "keys.sqlite"
    with checkout_server(db) as server:
        before = active_keys(server.url, server.access_key, server.secret_key)
        run = subprocess.run(
            [str(Path(sys.executable).with_name("schemathesis")), "run",
             "spec/apikey.openapi.yaml", "--url", _origin(server.url),
             "-a", f"{server.access_key}:{server.secret_key}"],
            capture_output=True, text=True, env=clean_env(), cwd=REPO_ROOT, timeout=600,
            check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr
        assert active_keys(server.url, server.access_key, server.secret_key) == before == 1
    assert stored_keys(db) > 20
    _only_bootstrap_unlabelled(db)


def test_stock_schemathesis_from_any_directory_leaves_no_active_key(
    installed: Installed, serve: Serve, tmp_path: Path
) -> None:
    """README's way from any directory with the installed package: the packaged config (which
    names the hooks) and spec, located by `rancher-contract paths`."""
    db = tmp_path / "keys.sqlite"
    served = serve("--db", str(db))
    before = active_keys(served.url, served.access_key, served.secret_key)
    script = (
        'schemathesis --config-file "$(rancher-contract paths schemathesis-config)" '
        'run "$(rancher-contract paths spec)" --url "$ORIGIN" -a "$AK:$SK"'
    )
    env = installed.env(
        {"ORIGIN": _origin(served.url), "AK": served.access_key, "SK": served.secret_key}
    )
    elsewhere = (
        tmp_path / "elsewhere"
    )  # stock schemathesis keeps its caches in the working directory
    elsewhere.mkdir()
    run = subprocess.run(
        ["bash", "-c", script], cwd=elsewhere, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert active_keys(served.url, served.access_key, served.secret_key) == before == 1
    assert stored_keys(db) > 20
    _only_bootstrap_unlabelled(db)


def _interrupt_mid_run(server: Server, progress_line: str) -> tuple[int, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "rancher_contract", "test", "--url", server.url,
         "--access-key", server.access_key, "--secret-key", server.secret_key,
         "--profile", "full"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=clean_env(),
        cwd=REPO_ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith(progress_line):
                os.kill(process.pid, signal.SIGINT)
                break
        else:
            raise AssertionError("the run ended before it could be interrupted:\n" + "".join(lines))
        rest, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, "".join(lines) + rest


def test_ctrl_c_mid_run_leaves_no_active_key(tmp_path: Path) -> None:
    """SIGINT while the collections' keys exist and the lifecycle machine runs: the keys go."""
    db = tmp_path / "keys.sqlite"
    with checkout_server(db, "--transition-delay", "0.05") as server:
        before = active_keys(server.url, server.access_key, server.secret_key)
        code, output = _interrupt_mid_run(server, "[20/")
        assert code == 130, output
        assert "Interrupted" in output
        assert active_keys(server.url, server.access_key, server.secret_key) == before == 1
    assert stored_keys(db) > 10
    _only_bootstrap_unlabelled(db)


def test_cleanup_waits_out_a_key_that_is_still_activating(tmp_path: Path) -> None:
    """A key caught mid-activation is active once it settles: it is deactivated, then deleted (here
    on a server that refuses to deactivate a key while it activates, as a Rancher may)."""
    import httpx

    from rancher_contract.contract_tests.client import remove_keys

    db = tmp_path / "keys.sqlite"
    faults = ["--transition-delay", "0.3", "--fault", "deactivate-refused-when-activating"]
    with checkout_server(db, *faults) as server:
        auth = (server.access_key, server.secret_key)
        with httpx.Client(auth=auth, timeout=15.0) as http:
            key = http.post(f"{server.url}/apiKeys", json={}).json()  # registering, no name
            self_link = key["links"]["self"]
            while http.get(self_link).json()["transitioning"] == "yes":
                pass
            deactivated = http.post(f"{self_link}/?action=deactivate").json()
            while deactivated["transitioning"] == "yes":
                deactivated = http.get(self_link).json()
            activating = http.post(f"{self_link}/?action=activate").json()
            assert (activating["state"], activating["transitioning"]) == ("activating", "yes")
            assert remove_keys(http, {key["id"]: self_link}, auth) == 1
            final = http.get(self_link).json()
        assert final["state"] in {"removing", "removed"}
        assert final["name"].startswith("rc-contract-")
        assert active_keys(server.url, server.access_key, server.secret_key) == 1
