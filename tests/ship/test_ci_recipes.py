"""The CI recipes, run locally the way their CI would run them: the shell steps of the GitHub
composite action (`action.yml`) and the script of the GitLab template
(`ci/gitlab/rancher-contract.gitlab-ci.yml`), against the reference server of the installed wheel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests._checkout import REPO_ROOT
from tests.ship._support import active_keys, clean_env
from tests.ship.conftest import Installed, Serve

ACTION = REPO_ROOT / "action.yml"
GITLAB = REPO_ROOT / "ci" / "gitlab" / "rancher-contract.gitlab-ci.yml"
EXPRESSION = re.compile(r"\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")


@pytest.fixture(scope="module")
def tool_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where both recipes keep the tool's venv (the second run finds it installed)."""
    return tmp_path_factory.mktemp("ci-tool")


def _ci_env(extra: Mapping[str, str]) -> dict[str, str]:
    # the recipes' plumbing is under test, not the suite's reach: one resource (every resource is
    # run by test_wheel and the self-check) keeps these runs short
    env = clean_env(
        {"PIP_CONSTRAINT": str(REPO_ROOT / "constraints.txt"), "RANCHER_RESOURCES": "apiKey"}
    )
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env


def _junit_tests(path: Path) -> int:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    return sum(int(s.get("tests", "0")) for s in suites)


def _evaluate(value: str, context: Mapping[str, str]) -> str:
    """The `${{ ... }}` expressions the action uses (inputs.*, github.action_path, runner.temp)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in context:
            raise AssertionError(f"action.yml uses an expression the test does not know: {name}")
        return context[name]

    return EXPRESSION.sub(one, value)


def test_github_action_steps(
    installed: Installed, serve: Serve, tmp_path: Path, tool_dir: Path
) -> None:
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert {"url", "access-key", "secret-key", "profile"} <= set(action["inputs"])
    served = serve("--db", str(tmp_path / "keys.sqlite"))
    given = {
        "url": served.url,
        "access-key": served.access_key,
        "secret-key": served.secret_key,
        "profile": "quick",
        "package": str(installed.wheel),  # the default installs the action's checkout
        "python": sys.executable,
    }
    context = {
        f"inputs.{name}": str(given.get(name, spec.get("default", "")))
        for name, spec in action["inputs"].items()
    }
    context |= {"github.action_path": str(REPO_ROOT), "runner.temp": str(tool_dir)}
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    summary = tmp_path / "step-summary.md"
    before = active_keys(served.url, served.access_key, served.secret_key)
    for step in action["runs"]["steps"]:
        assert "uses" not in step and step["shell"] == "bash", step
        assert "${{" not in step["run"], "inputs reach the scripts through env: only"
        env = _ci_env(
            {
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION_PATH": str(REPO_ROOT),
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_STEP_SUMMARY": str(summary),
                "RUNNER_TEMP": str(tool_dir),
            }
        )
        env.update({k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()})
        script = tmp_path / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{step['name']}:\n{done.stdout[-3000:]}\n{done.stderr}"
    assert _junit_tests(workspace / context["inputs.junit-xml"]) >= 50
    assert (workspace / context["inputs.report-html"]).read_text().startswith("<!DOCTYPE html>")
    job_summary = summary.read_text(encoding="utf-8")
    assert "Rancher contract report" in job_summary and "The target conforms" in job_summary
    assert active_keys(served.url, served.access_key, served.secret_key) == before


def test_gitlab_template_script(
    installed: Installed, serve: Serve, tmp_path: Path, tool_dir: Path
) -> None:
    template: dict[str, Any] = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    job = template[".rancher-contract"]
    assert template["rancher-contract"]["extends"] == ".rancher-contract"
    assert job["artifacts"]["reports"]["junit"] == "$RANCHER_CONTRACT_REPORTS/junit.xml"
    served = serve("--db", str(tmp_path / "keys.sqlite"))
    project = tmp_path / "project"
    project.mkdir()
    variables = {str(k): str(v) for k, v in template.get("variables", {}).items()}
    env = _ci_env(
        {
            **variables,
            "CI": "true",
            "CI_PROJECT_DIR": str(project),
            "RANCHER_URL": served.url,
            "RANCHER_ACCESS_KEY": served.access_key,
            "RANCHER_SECRET_KEY": served.secret_key,
            "RANCHER_CONTRACT_PACKAGE": str(installed.wheel),
            "RANCHER_CONTRACT_VENV": str(tool_dir / "rancher-contract-venv"),
        }
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    before = active_keys(served.url, served.access_key, served.secret_key)
    script = "set -eo pipefail\n" + "\n".join(str(line) for line in job["script"]) + "\n"
    done = subprocess.run(
        ["bash", "-c", script], cwd=project, env=env, capture_output=True, text=True,
        timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    reports = project / variables["RANCHER_CONTRACT_REPORTS"]
    assert _junit_tests(reports / "junit.xml") >= 50
    assert "The target conforms" in (reports / "report.md").read_text(encoding="utf-8")
    assert (reports / "report.html").is_file()
    assert active_keys(served.url, served.access_key, served.secret_key) == before
