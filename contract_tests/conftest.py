"""Fixtures of the contract suite and the report of a failure: the broken rule and its curl
reproduction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase
from schemathesis.core.failures import Failure as SchemathesisFailure

from rancher_contract.contract_tests import hooks, pace, pool
from rancher_contract.contract_tests.checks import STOCK_CHECK_RULES, RancherFailure
from rancher_contract.contract_tests.client import Api, Janitor, Recorder, unique_prefix
from rancher_contract.contract_tests.resources import selected_resources
from rancher_contract.contract_tests.rules import RULES, ContractViolation, Rule
from rancher_contract.contract_tests.spec import Spec, load_spec
from rancher_contract.contract_tests.target import Target, TargetError, parse_max_rps
from rancher_contract.paths import cache_dir
from rancher_contract.specmodel import Resource

RECORDER = pytest.StashKey[Recorder]()

PROFILES: dict[str, dict[str, Any]] = {
    # max_examples of the lifecycle machine and of schemathesis's fuzzing phase, steps per machine
    # run
    # shrink: whether hypothesis minimises a failing lifecycle (minutes against a live server; full
    # only)
    "quick": {"machine_examples": 6, "machine_steps": 14, "fuzz_examples": 6, "shrink": False},
    "full": {"machine_examples": 80, "machine_steps": 30, "fuzz_examples": 120, "shrink": True},
}


def profile() -> dict[str, Any]:
    return PROFILES[os.environ.get("RANCHER_PROFILE", "quick").strip().lower() or "quick"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--contract-stats",
        metavar="PATH",
        default=None,
        help="write the run's figures (requests, transition waits in series) to PATH as JSON",
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--contract-stats", None)
    if path:
        pace.write_stats(path)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The `resource` fixture: each selected resource of the spec set (`--resource`, default all),
    one module scope per resource."""
    if "resource" in metafunc.fixturenames:
        chosen = selected_resources()
        metafunc.parametrize("resource", chosen, ids=[r.type for r in chosen], scope="module")


@pytest.hookimpl(trylast=True)  # after `-k`/`-m` deselection: the pool prepares what remains
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests without a `resource` fixture are those of the API credential resource (the
    bootstrap keys' type, contract_tests/spec.py): they run when it is selected. The key pool
    prepares only the keys of the modules whose tests remain."""
    from rancher_contract.contract_tests.spec import credential_resource

    if credential_resource().type not in {r.type for r in selected_resources()}:

        def per_resource(item: pytest.Item) -> bool:
            # a `selected_resources` test covers the selection by itself (test_schemathesis)
            return "resource" in getattr(item, "fixturenames", ()) or bool(
                item.get_closest_marker("selected_resources")
            )

        dropped = [i for i in items if not per_resource(i)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if per_resource(i)]
    pool.select_modules(
        {item.module.__name__ for item in items if isinstance(item, pytest.Function)}
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        max_rps = parse_max_rps(os.environ.get("RANCHER_MAX_RPS", ""))
    except TargetError as exc:
        pytest.exit(f"contract suite: {exc}", returncode=2)
    pace.install(max_rps)
    config.addinivalue_line("markers", "contract(rule_id, ...): the contract rules a test checks")
    config.addinivalue_line(
        "markers", "selected_resources: the test covers the selected resources by itself"
    )
    # Hypothesis keeps its files under ./.hypothesis by default: the user's directory stays clean.
    set_hypothesis_home_dir(cache_dir() / "hypothesis-home")
    settings.register_profile(
        "rancher-contract",
        database=DirectoryBasedExampleDatabase(str(cache_dir() / "hypothesis")),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
        print_blob=False,
    )
    settings.load_profile("rancher-contract")
    seed = os.environ.get("RANCHER_SEED", "").strip()
    if seed and getattr(config.option, "hypothesis_seed", None) is None:
        config.option.hypothesis_seed = int(seed)


@pytest.fixture(scope="session")
def target() -> Target:
    try:
        return Target.from_env()
    except TargetError as exc:
        pytest.exit(f"contract suite: {exc}", returncode=2)


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(15.0), follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="session", autouse=True)
def janitor(target: Target, http: httpx.Client) -> Iterator[Janitor]:
    """Removes every key the session created (the suite's and schemathesis's) when it ends, also
    when it fails or is interrupted. Autouse: set up before the first test, whichever it is."""
    janitor = Janitor()
    try:
        yield janitor
    finally:
        janitor.clean(Api(target, http=http))
        hooks.clean_up_created(target.transition_timeout)


@pytest.fixture
def api(
    target: Target, http: httpx.Client, janitor: Janitor, request: pytest.FixtureRequest
) -> Api:
    """A client whose requests are recorded for this test's failure report."""
    recorder = Recorder()
    request.node.stash[RECORDER] = recorder
    client = Api(target, recorder, http=http)
    client.janitor = janitor
    return client


@pytest.fixture(scope="session")
def key_pool(target: Target, http: httpx.Client, janitor: Janitor) -> pool.KeyPool:
    """The keys the selected modules declared, brought to their states together (contract_tests/
    pool.py)."""
    api = Api(target, Recorder(), http=http)
    api.janitor = janitor
    keys = pool.KeyPool(api)
    keys.prepare(pool.planned())
    return keys


@pytest.fixture(scope="module")
def spec(resource: Resource) -> Spec:
    """The lifecycle and collection views of the module's `resource` (contract_tests/spec.py)."""
    if resource.lifecycle is None:
        pytest.skip(f"{resource.type} has no x-rancher-lifecycle")
    return load_spec(resource.type)


@pytest.fixture
def prefix() -> str:
    return unique_prefix()


@pytest.fixture
def auth_on(target: Target) -> None:
    if not target.auth:
        pytest.skip("RANCHER_AUTH=off: the server has access control off")


def _rules_of(exc: BaseException) -> list[Rule]:
    if isinstance(exc, ContractViolation):
        return [exc.rule]
    if isinstance(exc, RancherFailure):
        return [RULES[exc.rule_id]]
    if isinstance(exc, BaseExceptionGroup):
        return [r for sub in exc.exceptions for r in _rules_of(sub)]
    checks = getattr(type(exc), "checks", ())
    return [RULES[STOCK_CHECK_RULES[name]] for name in checks if name in STOCK_CHECK_RULES]


def is_violation(exc: BaseException) -> bool:
    """A contract rule broke: a ContractViolation, a failed schemathesis check (stock or Rancher),
    or a group (hypothesis, schemathesis) holding one. Anything else is an error of the suite."""
    if isinstance(exc, ContractViolation | SchemathesisFailure):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(is_violation(sub) for sub in exc.exceptions)
    return bool(_rules_of(exc))


def rules_of(item: pytest.Item, exc: BaseException | None) -> list[Rule]:
    found = _rules_of(exc) if exc is not None else []
    if not found:
        for marker in item.iter_markers("contract"):
            found += [RULES[rule_id] for rule_id in marker.args]
    unique: dict[str, Rule] = {r.id: r for r in found}
    return list(unique.values())


def describe(exc: BaseException) -> str:
    """What went wrong, in a few lines: the violation, or the schemathesis report, plus hypothesis's
    notes.
    """
    if isinstance(exc, ContractViolation):
        text = exc.detail
    elif isinstance(exc, AssertionError | BaseExceptionGroup):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    notes = [str(n) for n in getattr(exc, "__notes__", []) if str(n).strip()]
    if notes:
        text += "\nsteps (hypothesis's minimal example):\n" + "\n".join(notes)
    return text


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if not report.failed:
        return
    exc = call.excinfo.value if call.excinfo is not None else None
    if exc is not None and is_violation(exc):
        # only a broken rule fails the target (exit 1); any other exception is an error of the
        # suite (exit 3), and names no rule
        report.user_properties.append(("violation", "1"))
        for found in rules_of(item, exc):
            report.user_properties.append(("contract_rule", str(found)))
    if exc is not None:
        report.user_properties.append(("failure", describe(exc)))
    recorder = item.stash.get(RECORDER, None)
    if recorder is not None and recorder.exchanges:
        lines = recorder.curl_lines()
        report.user_properties.append(("reproduce", "\n".join(lines)))
        report.sections.append(("reproduce with curl", "\n".join(lines)))
