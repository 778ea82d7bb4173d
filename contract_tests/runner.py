"""`rancher-contract test`: run the contract suite against a server, with exit codes and a failure
summary.

Exit codes: 0 the target conforms; 1 it does not (the summary names each broken rule and its
reproduction as curl commands); 2 the target is unreachable, the bootstrap keys are refused, or the
arguments are wrong. Without a URL the reference server is started on a free port (and stopped at
the end) and tested.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn

import httpx

from rancher_contract.contract_tests.rules import RULES
from rancher_contract.contract_tests.target import Target, TargetError
from rancher_contract.paths import SUITE_DIR, SUITE_PYTEST_INI

__all__ = ["UsageError", "main", "reference_server"]

SERVER_START_TIMEOUT = 30.0


class UsageError(Exception):
    """Wrong arguments, an unreachable target or refused keys: exit 2 with one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rancher-contract test",
        description=(
            "Run the apiKey contract suite against a server (default: the embedded "
            "reference server)."
        ),
    )
    parser.add_argument(
        "--url",
        help="the API base, ending in /v1 (default: $RANCHER_URL, else the reference server)",
    )
    parser.add_argument(
        "--access-key", help="access key of an active key (default: $RANCHER_ACCESS_KEY)"
    )
    parser.add_argument("--secret-key", help="its secret key (default: $RANCHER_SECRET_KEY)")
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="the server has access control off (RANCHER_AUTH=off)",
    )
    parser.add_argument(
        "--profile", choices=["quick", "full"], default=None, help="quick (default) or full"
    )
    parser.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report")
    parser.add_argument("--exitfirst", "-x", action="store_true", help="stop at the first failure")
    parser.add_argument(
        "--seed", type=int, help="seed of hypothesis and schemathesis (repeats a run)"
    )
    parser.add_argument(
        "--transition-timeout", type=float, help="seconds to wait for a transition (default 30)"
    )
    parser.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="run only the tests matching EXPR (pytest -k)"
    )
    parser.add_argument(
        "--max-rps",
        type=float,
        metavar="N",
        help="send at most N requests per second over the whole run (default: no cap; "
        "$RANCHER_MAX_RPS)",
    )
    parser.add_argument(
        "--pytest-arg", action="append", default=[], metavar="ARG", help=argparse.SUPPRESS
    )
    return parser


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def reference_server(
    out: IO[str] | None = None,
    *,
    faults: Sequence[str] = (),
    transition_delay: float = 0.0,
    auth: bool = True,
) -> Iterator[tuple[str, str, str]]:
    """Start `rancher-contract serve` on a free port with fresh keys; yield (url, access key, secret
    key).

    With `auth=False` the server runs with access control off (the keys are then not used).
    """
    access_key = secrets.token_hex(10).upper()
    alphabet = string.ascii_letters + string.digits
    secret_key = "".join(secrets.choice(alphabet) for _ in range(40))
    workdir = Path(tempfile.mkdtemp(prefix="rancher-contract-"))
    port = _free_port()
    log = (workdir / "server.log").open("w+", encoding="utf-8")
    command = [
        sys.executable, "-m", "rancher_contract", "serve",
        "--host", "127.0.0.1", "--port", str(port),
        "--db", str(workdir / "apikeys.sqlite"),
    ]  # fmt: skip
    command += ["--access-key", access_key, "--secret-key", secret_key] if auth else ["--no-auth"]
    if transition_delay:
        command += ["--transition-delay", str(transition_delay)]
    for fault in faults:
        command += ["--fault", fault]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                log.seek(0)
                lines = [line.strip() for line in log.read().splitlines() if line.strip()]
                last = lines[-1] if lines else f"exit code {process.returncode}"
                raise UsageError(f"the reference server did not start: {last}")
            try:
                httpx.get(url, timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise UsageError(
                        f"the reference server did not answer on {url} within "
                        f"{SERVER_START_TIMEOUT:g} s"
                    ) from None
                time.sleep(0.1)
        if out is not None:
            print(f"target: the reference server at {url}", file=out, flush=True)
        yield url, access_key, secret_key
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _preflight(target: Target) -> None:
    """Exit-2 conditions: the target does not answer, or it refuses the bootstrap keys."""
    try:
        response = httpx.get(target.url, auth=target.credentials, timeout=10.0)
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot reach {target.url}: {type(exc).__name__}: {exc}") from None
    if response.status_code == 401:
        if target.auth:
            raise UsageError(
                f"{target.url} refused the access key {target.access_key} (401 Unauthorized)"
            )
        raise UsageError(f"{target.url} requires credentials (401) but RANCHER_AUTH=off was given")


@dataclass
class Failure:
    nodeid: str
    rules: list[str]
    message: str
    reproduce: str


@dataclass
class Progress:
    """A pytest plugin: one progress line per test, then the failures by contract rule."""

    out: IO[str]
    total: int = 0
    done: int = 0
    passed: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    _failed_ids: set[str] = field(default_factory=set)
    _skipped_ids: set[str] = field(default_factory=set)

    _sections: dict[str, str] = field(default_factory=dict)

    def pytest_collection_finish(self, session: Any) -> None:
        self.total = len(session.items)
        for item in session.items:
            marker = item.get_closest_marker("contract")
            if marker is not None and marker.args and marker.args[0] in RULES:
                self._sections[item.nodeid] = RULES[marker.args[0]].section.split(" ", 1)[0]

    def pytest_runtest_logreport(self, report: Any) -> None:
        nodeid = str(report.nodeid)
        if report.failed and nodeid not in self._failed_ids:
            self._failed_ids.add(nodeid)
            props = dict(report.user_properties)
            rules = [str(v) for k, v in report.user_properties if k == "contract_rule"]
            self.failures.append(
                Failure(
                    nodeid, rules, str(props.get("failure", "")), str(props.get("reproduce", ""))
                )
            )
        if report.when == "teardown":
            self.done += 1
            if nodeid in self._failed_ids:
                outcome = "FAILED"
            elif nodeid in self._skipped_ids:
                outcome = "skipped"
            else:
                outcome = "ok"
            section = self._sections.get(nodeid, "§?")
            print(
                f"[{self.done}/{self.total}] {section} {_short(nodeid)} ... {outcome}",
                file=self.out,
                flush=True,
            )
        elif report.skipped:
            self.skipped += 1
            self._skipped_ids.add(nodeid)
        elif report.when == "call" and report.passed:
            self.passed += 1


def _short(nodeid: str) -> str:
    path, _, name = nodeid.partition("::")
    return f"{Path(path).stem.removeprefix('test_')}::{name}"


def _summary(progress: Progress, out: IO[str]) -> None:
    if not progress.failures:
        return
    print(
        f"\nThe target does not conform: {len(progress.failures)} of {progress.total} tests "
        "failed.\n",
        file=out,
    )
    by_rule: dict[str, list[str]] = {}
    for failure in progress.failures:
        for rule in failure.rules or ["(no contract rule: an error in the suite or the target)"]:
            by_rule.setdefault(rule, []).append(failure.nodeid)
    print("Broken contract rules:", file=out)
    for rule, nodeids in by_rule.items():
        print(f"  {rule}\n      in {', '.join(_short(n) for n in nodeids)}", file=out)
    for number, failure in enumerate(progress.failures, 1):
        print(f"\n{number}) {_short(failure.nodeid)}", file=out)
        for rule in failure.rules:
            print(f"   rule: {rule}", file=out)
        message = failure.message.strip().splitlines()
        for line in message[:40]:
            print(f"   {line}", file=out)
        if len(message) > 40:
            print(f"   ... ({len(message) - 40} more lines)", file=out)
        if failure.reproduce:
            print("   reproduce (the request chain, oldest first):", file=out)
            for line in failure.reproduce.splitlines():
                print(f"     {line}", file=out)
    print(file=out)


def _run_suite(target: Target, args: argparse.Namespace, seed: int, out: IO[str]) -> int:
    import pytest

    env = {
        "RANCHER_URL": target.url,
        "RANCHER_AUTH": "on" if target.auth else "off",
        "RANCHER_TRANSITION_TIMEOUT": str(target.transition_timeout),
        "RANCHER_PROFILE": target.profile,
        "RANCHER_SEED": str(seed),
        "RANCHER_MAX_RPS": "" if target.max_rps is None else str(target.max_rps),
    }
    if target.credentials:
        env["RANCHER_ACCESS_KEY"], env["RANCHER_SECRET_KEY"] = target.credentials
    os.environ.update(env)
    pytest_args = [
        str(SUITE_DIR),
        "-c", str(SUITE_PYTEST_INI),
        "--rootdir", str(SUITE_DIR.parent),
        "-p", "no:terminal",
        "-p", "no:cacheprovider",
        f"--hypothesis-seed={seed}",
    ]  # fmt: skip
    if args.exitfirst:
        pytest_args.append("-x")
    if args.junit_xml:
        Path(args.junit_xml).parent.mkdir(parents=True, exist_ok=True)
        pytest_args.append(f"--junit-xml={args.junit_xml}")
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    pytest_args += args.pytest_arg
    progress = Progress(out)
    started = time.monotonic()
    code = int(pytest.main(pytest_args, plugins=[progress]))
    elapsed = time.monotonic() - started
    _summary(progress, out)
    counts = (
        f"{progress.passed} passed, {len(progress.failures)} failed, {progress.skipped} skipped"
    )
    if code == 0 and progress.passed == 0:
        print(f"error: no test passed ({counts}); nothing was checked", file=out)
        return 2
    if code == 0:
        print(f"The target conforms: {counts} in {elapsed:.1f} s (seed {seed}).", file=out)
        return 0
    if code == 1:
        print(
            f"{counts} in {elapsed:.1f} s. Rerun with: rancher-contract test --seed {seed}",
            file=out,
        )
        return 1
    if code == 5:
        print("error: pytest collected no tests (exit 5): nothing was checked", file=out)
        return 2
    print(f"error: the suite did not run to completion (pytest exit {code})", file=out)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    out = sys.stdout
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        # a stdout of its own: pytest captures file descriptor 1 while tests run
        stream = os.fdopen(os.dup(out.fileno()), "w", buffering=1) if _has_fileno(out) else out
        with contextlib.ExitStack() as stack:
            if stream is not out:
                stack.callback(stream.close)
            env = dict(os.environ)
            url = args.url or env.get("RANCHER_URL")
            if args.access_key:
                env["RANCHER_ACCESS_KEY"] = args.access_key
            if args.secret_key:
                env["RANCHER_SECRET_KEY"] = args.secret_key
            if args.no_auth:
                env["RANCHER_AUTH"] = "off"
            if args.profile:
                env["RANCHER_PROFILE"] = args.profile
            if args.transition_timeout is not None:
                env["RANCHER_TRANSITION_TIMEOUT"] = str(args.transition_timeout)
            if args.max_rps is not None:
                env["RANCHER_MAX_RPS"] = str(args.max_rps)
            if not url:
                if args.access_key or args.secret_key:
                    raise UsageError("--access-key/--secret-key need --url (or RANCHER_URL)")
                url, env["RANCHER_ACCESS_KEY"], env["RANCHER_SECRET_KEY"] = stack.enter_context(
                    reference_server(stream)
                )
                env["RANCHER_AUTH"] = "on"
            given = bool(args.url or os.environ.get("RANCHER_URL"))
            env["RANCHER_URL"] = url
            try:
                target = Target.from_env(env)
            except TargetError as exc:
                raise UsageError(str(exc)) from None
            _preflight(target)
            if given:
                print(f"target: {target.url}", file=stream, flush=True)
            seed = args.seed if args.seed is not None else random.randrange(1 << 32)
            print(
                f"profile: {target.profile}, seed: {seed}, access control: "
                f"{'on' if target.auth else 'off'}",
                file=stream,
                flush=True,
            )
            return _run_suite(target, args, seed, stream)
    except UsageError as exc:
        print(f"rancher-contract test: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print("rancher-contract test: interrupted", file=sys.stderr)
        return 2


def _has_fileno(stream: IO[str]) -> bool:
    try:
        stream.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    return True
