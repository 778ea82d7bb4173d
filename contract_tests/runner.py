"""`rancher-contract test`: run the contract suite against a server, with exit codes and a failure
summary.

Exit codes (a CI can act on each):

- 0 the target conforms;
- 1 it does not: at least one contract rule broke (the summary names each broken rule and its
  reproduction as curl commands). Nothing else is ever 1;
- 2 bad arguments, an unreachable target, refused keys, a target that is not a Rancher v1 API or
  does not serve a selected resource (the pre-check: `GET {url}` and `GET {url}/schemas/<type>` of
  each resource `--resource` selects, default every one of the spec set, answer JSON objects with
  Rancher's `X-API-Schemas` header and the resource's schema; a 404 means not served), or a
  selection that runs no test;
- 3 the suite itself could not run: a missing file of the installation, a report path that cannot
  be written, a collection error, or an error inside the suite (a crashed fixture, an exception
  that is not a contract violation, a hypothesis health check); the cause is printed in one line;
- 130 interrupted (Ctrl-C), after the keys the run created were removed.

Without a URL the reference server is started on a free port (and stopped at the end) and tested.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import random
import secrets
import shlex
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

from rancher_contract.contract_tests import report as run_report
from rancher_contract.contract_tests.resources import (
    RESOURCES_ENV,
    UnknownResourceError,
    parse_resources,
    selected_resources,
)
from rancher_contract.contract_tests.rules import RULES
from rancher_contract.contract_tests.target import Target, TargetError
from rancher_contract.paths import DEFAULT_SPEC, SCHEMATHESIS_CONFIG, SUITE_DIR, SUITE_PYTEST_INI

__all__ = ["EXIT_INTERRUPTED", "SuiteError", "UsageError", "main", "preflight", "reference_server"]

EXIT_INTERRUPTED = 130

SERVER_START_TIMEOUT = 30.0


class UsageError(Exception):
    """Wrong arguments, an unreachable target or refused keys: exit 2 with one line."""


class SuiteError(Exception):
    """The suite itself cannot run (a missing file, an unwritable report): exit 3 with one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rancher-contract test",
        description=(
            "Run the contract suite (every resource of the spec set, or those of --resource) "
            "against a server (default: the embedded reference server)."
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
    parser.add_argument(
        "--report-html", metavar="PATH", help="write a self-contained HTML report of the rules"
    )
    parser.add_argument(
        "--report-md",
        metavar="PATH",
        help="write the report as Markdown (also appended to $GITHUB_STEP_SUMMARY when set)",
    )
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
        "--resource",
        action="append",
        default=[],
        metavar="NAME",
        help="test this resource of the spec set (repeatable; default: every resource; "
        "$RANCHER_RESOURCES)",
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


def preflight(target: Target, resources: Sequence[str] | None = None) -> None:
    """Exit-2 conditions: the target does not answer, it refuses the bootstrap keys, it is not a
    Rancher v1 API (a static web server, another API), or it does not serve a selected resource
    (`resources`, default: the selection of $RANCHER_RESOURCES): its schema answers 404."""
    if resources is None:
        resources = [r.type for r in selected_resources()]
    response = _get(target, target.url)
    if response.status_code == 401:
        if target.auth:
            raise UsageError(
                f"{target.url} refused the access key {target.access_key} (401 Unauthorized)"
            )
        raise UsageError(f"{target.url} requires credentials (401) but RANCHER_AUTH=off was given")
    not_rancher = f"{target.url} is not a Rancher v1 API"
    if _json_object(response) is None:
        raise UsageError(f"{not_rancher}: GET {target.url} answered {_what(response)}")
    served: list[str] = []
    missing: list[tuple[str, str]] = []
    for type_name in resources:
        schema_url = f"{target.url}/schemas/{type_name.lower()}"
        schema = _get(target, schema_url)
        if schema.status_code == 404:
            missing.append((type_name, schema_url))
            continue
        document = _json_object(schema)
        if document is None:
            raise UsageError(f"{not_rancher}: GET {schema_url} answered {_what(schema)}")
        if "x-api-schemas" not in response.headers and "x-api-schemas" not in schema.headers:
            raise UsageError(f"{not_rancher}: no X-API-Schemas header on GET {target.url}")
        same = str(document.get("id", "")).lower() == type_name.lower()
        if not same and "resourceFields" not in document:
            raise UsageError(f"{not_rancher}: GET {schema_url} is not the {type_name} schema")
        served.append(type_name)
    if missing:
        names = ", ".join(name for name, _ in missing)
        hint = (
            "choose what it serves with " + " ".join(f"--resource {n}" for n in served)
            if served
            else "choose what it serves with --resource NAME"
        )
        raise UsageError(
            f"{target.url} does not serve {names} (GET {missing[0][1]} answered 404); {hint}"
        )


def _get(target: Target, url: str) -> httpx.Response:
    try:
        return httpx.get(url, auth=target.credentials, timeout=10.0)
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot reach {target.url}: {type(exc).__name__}: {exc}") from None


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _what(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "no Content-Type").split(";")[0]
    return f"{response.status_code} {kind}, not a Rancher JSON object"


def _check_installation() -> None:
    """Exit 3 before anything runs when a file of the installation is missing."""
    for path in (SUITE_PYTEST_INI, DEFAULT_SPEC, SCHEMATHESIS_CONFIG):
        if not path.is_file():
            raise SuiteError(f"missing file {path}: the installation is incomplete (reinstall)")


def _check_writable(path_text: str | None, option: str) -> None:
    """Exit 3 before the suite runs when a report cannot be written (not after minutes of tests)."""
    if not path_text:
        return
    path = Path(path_text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with path.open("a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        raise SuiteError(f"cannot write {option} {path}: {exc.strerror or exc}") from None


@dataclass
class Failure:
    nodeid: str
    rules: list[str]
    message: str
    reproduce: str
    violation: bool = True  # False: an error of the suite (exit 3), not a broken rule (exit 1)


@dataclass(eq=False)
class Progress:
    """A pytest plugin: one progress line per test, then the failures by contract rule."""

    out: IO[str]
    total: int = 0
    done: int = 0
    passed: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # collection and internal errors, one line each
    interrupted: bool = False
    _failed_ids: set[str] = field(default_factory=set)
    _skipped_ids: set[str] = field(default_factory=set)
    _passed_ids: set[str] = field(default_factory=set)
    _claimed: dict[str, frozenset[str]] = field(default_factory=dict)

    _sections: dict[str, str] = field(default_factory=dict)

    def pytest_collection_finish(self, session: Any) -> None:
        self.total = len(session.items)
        for item in session.items:
            marker = item.get_closest_marker("contract")
            if marker is not None and marker.args and marker.args[0] in RULES:
                self._sections[item.nodeid] = RULES[marker.args[0]].section.split(" ", 1)[0]
            self._claimed[item.nodeid] = run_report.claimed_rules(item)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.errors.append(f"cannot collect {report.nodeid or 'the suite'}: {_cause(report)}")

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        if excinfo.type.__name__ == "Interrupted":
            return  # pytest stopped after collection errors, which pytest_collectreport recorded
        if excinfo.errisinstance(KeyboardInterrupt):
            self.interrupted = True
        else:  # pytest.exit()
            self.errors.append(f"the suite stopped: {excinfo.value}")

    def pytest_internalerror(self, excrepr: Any, excinfo: Any) -> None:
        self.errors.append(f"internal error: {excinfo.typename}: {excinfo.value}")

    def pytest_runtest_logreport(self, report: Any) -> None:
        nodeid = str(report.nodeid)
        if report.failed and nodeid not in self._failed_ids:
            self._failed_ids.add(nodeid)
            props = dict(report.user_properties)
            rules = [str(v) for k, v in report.user_properties if k == "contract_rule"]
            violation = props.get("violation") == "1"
            message = str(props.get("failure", "")) or _cause(report)
            if not violation and report.when != "call":
                message = f"(in {report.when}) {message}"
            self.failures.append(
                Failure(nodeid, rules, message, str(props.get("reproduce", "")), violation)
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
            self._passed_ids.add(nodeid)

    @property
    def violations(self) -> list[Failure]:
        return [f for f in self.failures if f.violation]

    def suite_errors(self) -> list[str]:
        """One line per error of the suite (not of the target)."""
        lines = list(self.errors)
        for failure in self.failures:
            if not failure.violation:
                first = next((x for x in failure.message.splitlines() if x.strip()), "")
                lines.append(f"{_short(failure.nodeid)}: {first.strip()}")
        return lines

    def results(self) -> tuple[run_report.ItemResult, ...]:
        results = []
        for nodeid, rules in self._claimed.items():
            if nodeid in self._failed_ids:
                outcome = "failed"
            elif nodeid in self._skipped_ids:
                outcome = "skipped"
            elif nodeid in self._passed_ids:
                outcome = "passed"
            else:
                continue  # not run (deselected, -x, interrupted)
            results.append(run_report.ItemResult(nodeid, outcome, rules))
        return tuple(results)


def _cause(report: Any) -> str:
    """The last line of a pytest report's error text: the exception and its message."""
    text = str(getattr(report, "longreprtext", "") or report.longrepr or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    return (errors[-1] if errors else lines[-1] if lines else "unknown error")[:300]


def _short(nodeid: str) -> str:
    path, _, name = nodeid.partition("::")
    return f"{Path(path).stem.removeprefix('test_')}::{name}"


def _summary(progress: Progress, out: IO[str]) -> None:
    violations = progress.violations
    if violations:
        print(
            f"\nThe target does not conform: {len(violations)} of {progress.total} tests failed.\n",
            file=out,
        )
        by_rule: dict[str, list[str]] = {}
        for failure in violations:
            for rule in failure.rules:
                by_rule.setdefault(rule, []).append(failure.nodeid)
        print("Broken contract rules:", file=out)
        for rule, nodeids in by_rule.items():
            print(f"  {rule}\n      in {', '.join(_short(n) for n in nodeids)}", file=out)
        for number, failure in enumerate(violations, 1):
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
    errors = [f for f in progress.failures if not f.violation]
    if errors:
        print("\nErrors of the suite (not of the target; no contract rule is concerned):", file=out)
        for failure in errors:
            print(f"\n- {_short(failure.nodeid)}", file=out)
            for line in failure.message.strip().splitlines()[-20:]:
                print(f"   {line}", file=out)
        print(file=out)


@dataclass
class Outcome:
    """What `rancher-contract test` tells the caller: the exit code and its one-line reason."""

    code: int
    verdict: str
    error: str | None = None  # printed to stderr as `rancher-contract test: error: ...`


def _outcome(code: int, progress: Progress, args: argparse.Namespace) -> Outcome:
    counts = (
        f"{progress.passed} passed, {len(progress.failures)} failed, {progress.skipped} skipped"
    )
    if progress.interrupted:
        return Outcome(EXIT_INTERRUPTED, f"Interrupted ({counts} so far)")
    if progress.violations:
        return Outcome(1, "The target does not conform")
    errors = progress.suite_errors()
    if code == 5 and not errors:
        return Outcome(2, "Nothing was checked", "pytest collected no tests: nothing was checked")
    if code == 4 and not errors:
        cause = "pytest refused its arguments"
        if args.keyword or args.pytest_arg:
            return Outcome(2, "Nothing was checked", f"{cause} (check -k)")
        return Outcome(3, "The suite could not run", cause)
    if errors or code != 0:
        cause = errors[0] if errors else f"pytest exit code {code}"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        return Outcome(3, "The suite could not run", f"the suite could not run: {cause}{more}")
    if progress.passed == 0:
        return Outcome(2, "Nothing was checked", f"no test passed ({counts}); nothing was checked")
    return Outcome(0, "The target conforms")


def _rerun_hint(target: Target, given: bool, args: argparse.Namespace, seed: int) -> str:
    """The command that repeats the run: the URL and the seed, never the keys."""
    words = ["rancher-contract", "test"]
    if given:
        words += ["--url", target.url]
    if target.profile != "quick":
        words += ["--profile", target.profile]
    for name in args.resource:
        words += ["--resource", shlex.quote(name)]
    if args.keyword:
        words += ["-k", shlex.quote(args.keyword)]
    return " ".join([*words, "--seed", str(seed)])


def _write_reports(run: run_report.RunInfo, args: argparse.Namespace, out: IO[str]) -> None:
    if args.report_html:
        Path(args.report_html).write_text(run_report.render_html(run), encoding="utf-8")
        print(f"HTML report: {args.report_html}", file=out)
    markdown = None
    if args.report_md:
        markdown = run_report.render_markdown(run)
        Path(args.report_md).write_text(markdown, encoding="utf-8")
        print(f"Markdown report: {args.report_md}", file=out)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        markdown = markdown or run_report.render_markdown(run)
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(markdown + "\n")
        except OSError as exc:
            print(f"warning: cannot append to $GITHUB_STEP_SUMMARY: {exc}", file=sys.stderr)


def _run_suite(
    target: Target, args: argparse.Namespace, seed: int, out: IO[str], given: bool = True
) -> int:
    import pytest

    env = {
        "RANCHER_URL": target.url,
        "RANCHER_AUTH": "on" if target.auth else "off",
        "RANCHER_TRANSITION_TIMEOUT": str(target.transition_timeout),
        "RANCHER_PROFILE": target.profile,
        "RANCHER_SEED": str(seed),
        "RANCHER_MAX_RPS": "" if target.max_rps is None else str(target.max_rps),
        RESOURCES_ENV: ",".join(getattr(args, "resources", ())),
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
        # the pytest plugin of this package (pytest11) would add the suite a second time
        "-p", "no:rancher_contract",
        f"--hypothesis-seed={seed}",
    ]  # fmt: skip
    if args.exitfirst:
        pytest_args.append("-x")
    if args.junit_xml:
        pytest_args.append(f"--junit-xml={args.junit_xml}")
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    pytest_args += args.pytest_arg
    progress = Progress(out)
    started_at = datetime.datetime.now(datetime.UTC)
    started = time.monotonic()
    code = int(pytest.main(pytest_args, plugins=[progress]))
    elapsed = time.monotonic() - started
    _summary(progress, out)
    outcome = _outcome(code, progress, args)
    counts = (
        f"{progress.passed} passed, {len(progress.failures)} failed, {progress.skipped} skipped"
    )
    if outcome.code == 0:
        print(f"The target conforms: {counts} in {elapsed:.1f} s (seed {seed}).", file=out)
    elif outcome.code == 1:
        hint = _rerun_hint(target, given, args, seed)
        print(f"{counts} in {elapsed:.1f} s. Rerun with: {hint}", file=out)
    elif outcome.code == EXIT_INTERRUPTED:
        print(f"Interrupted: {counts} in {elapsed:.1f} s.", file=out)
    if progress.total or progress.failures:
        run = run_report.RunInfo(
            target=target.url,
            profile=target.profile,
            seed=seed,
            started=started_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            duration=elapsed,
            exit_code=outcome.code,
            verdict=outcome.verdict,
            tests=progress.results(),
            failures=tuple(
                run_report.FailureInfo(
                    f.nodeid,
                    tuple(sorted(run_report.rule_ids_in(" ".join(f.rules)))),
                    f.message,
                    f.reproduce,
                    f.violation,
                )
                for f in progress.failures
            ),
            errors=tuple(progress.errors),
        )
        try:
            _write_reports(run, args, out)
        except OSError as exc:
            raise SuiteError(f"cannot write the report: {exc}") from None
    if outcome.error:
        print(f"rancher-contract test: error: {outcome.error}", file=sys.stderr)
    return outcome.code


def main(argv: Sequence[str] | None = None) -> int:
    out = sys.stdout
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        _check_installation()
        _check_writable(args.junit_xml, "the JUnit report")
        _check_writable(args.report_html, "the HTML report")
        _check_writable(args.report_md, "the Markdown report")
        try:
            args.resources = parse_resources(args.resource or [os.environ.get(RESOURCES_ENV, "")])
        except UnknownResourceError as exc:
            raise UsageError(str(exc)) from None
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
            preflight(target, args.resources)
            if given:
                print(f"target: {target.url}", file=stream, flush=True)
            seed = args.seed if args.seed is not None else random.randrange(1 << 32)
            print(
                f"profile: {target.profile}, seed: {seed}, access control: "
                f"{'on' if target.auth else 'off'}",
                file=stream,
                flush=True,
            )
            return _run_suite(target, args, seed, stream, given)
    except UsageError as exc:
        print(f"rancher-contract test: error: {exc}", file=sys.stderr)
        return 2
    except SuiteError as exc:
        print(f"rancher-contract test: error: {exc}", file=sys.stderr)
        return 3
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print("rancher-contract test: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _has_fileno(stream: IO[str]) -> bool:
    try:
        stream.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    return True
