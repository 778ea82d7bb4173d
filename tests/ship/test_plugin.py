"""The pytest plugin (entry point `pytest11`): with the wheel installed, `pytest --rancher-url ...`
in a user's own project runs the contract suite; without a URL it adds nothing at all."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ship._support import active_keys, free_port
from tests.ship.conftest import Installed, Serve

PROBE = """
import sys


def pytest_sessionfinish(session):
    loaded = sorted(m for m in sys.modules if m.startswith("rancher_contract"))
    with open("loaded.txt", "w") as fh:
        fh.write("\\n".join(loaded))
"""


def _project(tmp_path: Path, name: str, with_test: bool = False) -> Path:
    project = tmp_path / name
    project.mkdir()
    if with_test:
        (project / "test_mine.py").write_text("def test_mine():\n    assert True\n")
    return project


def _passed(output: str) -> int:
    found = re.search(r"(\d+) passed", output)
    return int(found.group(1)) if found else 0


def test_inert_without_a_url(installed: Installed, tmp_path: Path) -> None:
    project = _project(tmp_path, "empty")
    (project / "conftest.py").write_text(PROBE)
    run = installed.run("pytest", "-W", "error", "-p", "no:cacheprovider", cwd=project)
    assert run.returncode == 5, run.stdout + run.stderr  # no tests collected
    assert "no tests ran" in run.stdout
    assert "warning" not in (run.stdout + run.stderr).lower()
    loaded = (project / "loaded.txt").read_text().split()
    # the option registration only: not the suite, its fixtures, httpx clients or the spec
    assert set(loaded) <= {
        "rancher_contract",
        "rancher_contract.contract_tests",
        "rancher_contract.contract_tests.plugin",
    }, loaded
    assert "rancher_contract.contract_tests.plugin" in loaded  # it is installed, and inert
    listed = installed.run("pytest", "--help", cwd=project).stdout
    for option in ("--rancher-url", "--rancher-access-key", "--rancher-secret-key"):
        assert option in listed


def test_runs_the_suite_in_a_users_project(
    installed: Installed, serve: Serve, tmp_path: Path
) -> None:
    served = serve("--db", str(tmp_path / "keys.sqlite"))
    project = _project(tmp_path, "project", with_test=True)
    before = active_keys(served.url, served.access_key, served.secret_key)
    run = installed.run(
        "pytest", "-q", "-p", "no:cacheprovider",
        "--rancher-url", served.url,
        "--rancher-access-key", served.access_key,
        "--rancher-secret-key", served.secret_key,
        "--rancher-resource", "apiKey",
        cwd=project,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert _passed(run.stdout) >= 51, run.stdout[-2000:]  # the suite (>= 50) and the user's test
    assert active_keys(served.url, served.access_key, served.secret_key) == before


def test_options_from_the_environment(installed: Installed, serve: Serve, tmp_path: Path) -> None:
    served = serve("--db", str(tmp_path / "keys.sqlite"))
    project = _project(tmp_path, "project")
    env = {
        "RANCHER_URL": served.url,
        "RANCHER_ACCESS_KEY": served.access_key,
        "RANCHER_SECRET_KEY": served.secret_key,
    }
    run = installed.run(
        "pytest", "-q", "-p", "no:cacheprovider", "-k", "test_api", cwd=project, env=env
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert _passed(run.stdout) >= 5, run.stdout


def test_an_unreachable_url_stops_the_session_with_2(installed: Installed, tmp_path: Path) -> None:
    project = _project(tmp_path, "project")
    url = f"http://127.0.0.1:{free_port()}/v1"
    run = installed.run(
        "pytest", "-q", "--rancher-url", url, "--rancher-access-key", "A" * 20,
        "--rancher-secret-key", "s" * 40, cwd=project,
    )  # fmt: skip
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"rancher-contract: cannot reach {url}" in run.stdout + run.stderr
