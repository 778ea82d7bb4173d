"""The tool as users get it: the wheel built from this checkout, installed into a fresh virtual
environment, run from a temporary directory that is not a checkout.

Building and installing takes a while (dependencies come from pip's cache), so one installation
serves the whole session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._checkout import REPO_ROOT
from tests.ship._support import read_banner, stop


@dataclass(frozen=True)
class Installed:
    """A venv holding only the wheel and its runtime dependencies, and a clean home for it."""

    venv: Path
    wheel: Path
    home: Path  # HOME of the commands: per-user directories land here, not in the real home
    workdir: Path  # an empty directory outside the checkout, the commands' working directory

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def site_packages(self) -> Path:
        return next((self.venv / "lib").glob("python3*/site-packages"))

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            # nothing of the caller's target, per-user directories, Python or CI runner (a real
            # Actions runner's GITHUB_STEP_SUMMARY would get the tests' summaries)
            if not key.startswith(("RANCHER_", "XDG_", "PYTHON", "VIRTUAL_ENV", "GITHUB_"))
        }
        env.update(
            HOME=str(self.home),
            PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command of the venv (`rancher-contract`, `schemathesis`, `pytest`, ...)."""
        command = [str(self.bin / args[0]), *args[1:]]
        return subprocess.run(
            command,
            cwd=cwd or self.workdir,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def popen(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.workdir,
            env=self.env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _check(command: list[str], **kwargs: object) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    _check(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(dist), str(REPO_ROOT)],
    )  # fmt: skip
    wheel = next(dist.glob("rancher_contract-*.whl"))
    venv = root / "venv"
    _check([sys.executable, "-m", "venv", str(venv)])
    # constraints.txt keeps the dependency versions the ones CI tested with; nothing of the dev
    # extras is installed.
    _check(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "-c", str(REPO_ROOT / "constraints.txt"), str(wheel)],
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    home = root / "home"
    workdir = root / "work"
    home.mkdir()
    workdir.mkdir()
    return Installed(venv=venv, wheel=wheel, home=home, workdir=workdir)


@dataclass(frozen=True)
class Served:
    url: str
    access_key: str
    secret_key: str
    output: str


Serve = Callable[..., Served]


@pytest.fixture
def serve(installed: Installed) -> Iterator[Serve]:
    """Start the installed `rancher-contract serve ARGS`; stopped at the end of the test."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str, env: Mapping[str, str] | None = None) -> Served:
        process = installed.popen("rancher-contract", "serve", "--port", "0", *args, env=env)
        processes.append(process)
        values, output = read_banner(process)
        return Served(
            url=values["RANCHER_URL"],
            access_key=values.get("RANCHER_ACCESS_KEY", ""),
            secret_key=values.get("RANCHER_SECRET_KEY", ""),
            output=output,
        )

    yield start
    for process in processes:
        stop(process)
