"""The suite's self-check: run `rancher-contract test` against the reference server with and without
faults.

Used by tests/contract_suite (part of `make ci`) and bench/bench_suite.py. The fault names come from
the caller (`reference_server.faults.FAULTS`): the suite never imports the reference server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rancher_contract.contract_tests.runner import reference_server

__all__ = ["SuiteRun", "rules_named", "run_against_reference", "run_suite"]

RULE_RE = re.compile(r"^\s+rule: \[(?P<id>[0-9]\.[a-z0-9-]+)\]", re.MULTILINE)


@dataclass(frozen=True)
class SuiteRun:
    code: int
    output: str
    seconds: float

    @property
    def rules(self) -> list[str]:
        return rules_named(self.output)


def rules_named(output: str) -> list[str]:
    """The rule ids the failure summary names."""
    return sorted(set(RULE_RE.findall(output)))


def run_suite(
    url: str,
    access_key: str | None,
    secret_key: str | None,
    args: Sequence[str] = (),
    timeout: float = 300,
) -> SuiteRun:
    """`rancher-contract test --url URL ...` in a subprocess, as CI would run it."""
    command = [sys.executable, "-m", "rancher_contract", "test", "--url", url]
    if access_key is not None and secret_key is not None:
        command += ["--access-key", access_key, "--secret-key", secret_key]
    command += list(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RANCHER_")}
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env
    )
    return SuiteRun(done.returncode, done.stdout + done.stderr, time.monotonic() - started)


def run_against_reference(
    faults: Sequence[str] = (),
    args: Sequence[str] = (),
    transition_delay: float = 0.0,
    auth: bool = True,
) -> SuiteRun:
    """Start the reference server (with `faults`), run the suite against it, stop the server."""
    with reference_server(faults=faults, transition_delay=transition_delay, auth=auth) as (
        url,
        ak,
        sk,
    ):
        if not auth:
            return run_suite(url, None, None, ["--no-auth", *args])
        return run_suite(url, ak, sk, args)
