"""The pytest plugin of rancher-contract (entry point `rancher_contract` in the group `pytest11`).

With the package installed, the contract suite runs inside any project's pytest session:

    pytest --rancher-url http://rancher:8080/v1 --rancher-access-key AK --rancher-secret-key SK

Each option also comes from its environment variable (`RANCHER_URL`, `RANCHER_ACCESS_KEY`,
`RANCHER_SECRET_KEY`, `RANCHER_PROFILE`, `RANCHER_AUTH=off`, `RANCHER_TRANSITION_TIMEOUT`,
`RANCHER_SEED`). Without a URL the plugin is inert: it registers its options and nothing else (no
test, no import of the suite, no warning). With one, the target is pre-checked (unreachable,
refused keys or not a Rancher apiKey API: pytest exits 2 with one line) and the suite's tests are
added to the session; they leave no key behind.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

__all__ = ["OPTIONS"]

# option (dest) -> (environment variable, help)
OPTIONS: dict[str, tuple[str, str]] = {
    "rancher_url": ("RANCHER_URL", "API base of the server to test, ending in /v1"),
    "rancher_access_key": ("RANCHER_ACCESS_KEY", "access key of an active API key"),
    "rancher_secret_key": ("RANCHER_SECRET_KEY", "its secret key"),
    "rancher_profile": ("RANCHER_PROFILE", "quick (default) or full"),
    "rancher_transition_timeout": (
        "RANCHER_TRANSITION_TIMEOUT",
        "seconds to wait for a transition (default 30)",
    ),
    "rancher_seed": ("RANCHER_SEED", "seed of hypothesis and schemathesis"),
    "rancher_resource": (
        "RANCHER_RESOURCES",
        "the resources of the spec set to test, comma-separated (default: all)",
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "rancher-contract", "the Rancher API contract suite (inert without --rancher-url)"
    )
    for dest, (env, text) in OPTIONS.items():
        if dest == "rancher_resource":  # repeatable, like `rancher-contract test --resource`
            group.addoption(
                "--rancher-resource",
                dest=dest,
                action="append",
                default=None,
                help=f"{text} (${env})",
            )
            continue
        group.addoption(
            "--" + dest.replace("_", "-"), dest=dest, default=None, help=f"{text} (${env})"
        )
    group.addoption(
        "--rancher-no-auth",
        dest="rancher_no_auth",
        action="store_true",
        default=False,
        help="the server has access control off ($RANCHER_AUTH=off)",
    )


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("rancher_url") or os.environ.get("RANCHER_URL"))


def pytest_configure(config: pytest.Config) -> None:
    if not _active(config):
        return
    import pytest

    from rancher_contract.contract_tests.target import Target, TargetError
    from rancher_contract.paths import SUITE_DIR

    for dest, (env, _) in OPTIONS.items():
        value = config.getoption(dest)
        if isinstance(value, list):
            value = ",".join(value)
        if value:
            os.environ[env] = str(value)
    if config.getoption("rancher_no_auth"):
        os.environ["RANCHER_AUTH"] = "off"
    from rancher_contract.contract_tests.resources import UnknownResourceError, selected_resources

    try:
        Target.from_env()
        selected_resources()
    except (TargetError, UnknownResourceError) as exc:
        raise pytest.UsageError(f"rancher-contract: {exc}") from None
    config.addinivalue_line("markers", "contract(rule_id, ...): the contract rules a test checks")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")
    config.args.append(str(SUITE_DIR))


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _active(session.config):
        return
    import pytest

    from rancher_contract.contract_tests.runner import UsageError, preflight
    from rancher_contract.contract_tests.target import Target

    try:
        preflight(Target.from_env())
    except UsageError as exc:
        pytest.exit(f"rancher-contract: {exc}", returncode=2)
