"""The wheel, installed into a clean venv and run from a directory that is not a checkout."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import tarfile
from pathlib import Path

from rancher_contract import __version__
from tests._checkout import REPO_ROOT
from tests.ship.conftest import Installed, Serve


def test_the_wheel_installs_one_import_namespace(installed: Installed) -> None:
    dist_info = next(installed.site_packages.glob("rancher_contract-*.dist-info"))
    record = (dist_info / "RECORD").read_text(encoding="utf-8").splitlines()
    tops = {line.split(",")[0].split("/")[0] for line in record}
    # Scripts are recorded as ../../../bin/<name>; every importable file is under rancher_contract/.
    assert tops - {".."} == {"rancher_contract", dist_info.name}, sorted(tops)
    probe = installed.run(
        "python", "-c", "import generator, generated, reference_server, contract_tests"
    )
    assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr


def test_the_wheel_holds_no_dev_tool_as_a_runtime_dependency(installed: Installed) -> None:
    listed = installed.run("python", "-m", "pip", "list", "--format=freeze").stdout.lower()
    for dev_tool in ("mypy", "cattle", "gdapi-python", "openapi-python-client", "pytest-xdist"):
        assert f"{dev_tool}==" not in listed


def test_version_and_paths(installed: Installed) -> None:
    result = installed.run("rancher-contract", "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"rancher-contract {__version__}")
    spec = Path(installed.run("rancher-contract", "paths", "spec").stdout.strip())
    config = Path(installed.run("rancher-contract", "paths", "schemathesis-config").stdout.strip())
    for path in (spec, config):
        assert path.is_file() and path.is_relative_to(installed.site_packages), path
    assert spec.read_bytes() == (REPO_ROOT / "spec" / "apikey.openapi.yaml").read_bytes()


def test_lint_spec_and_generate_from_anywhere(installed: Installed, tmp_path: Path) -> None:
    lint = installed.run("rancher-contract", "lint-spec")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    spec = tmp_path / "spec"  # a copy of the spec set: every resource, as generated/ is made
    spec.mkdir()
    for source in sorted((REPO_ROOT / "spec").glob("*.openapi.yaml")):
        (spec / source.name).write_bytes(source.read_bytes())
    assert installed.run("rancher-contract", "lint-spec", str(spec)).returncode == 0
    out = tmp_path / "out"
    result = installed.run("rancher-contract", "generate", "--spec", str(spec), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    # Same spec, same bytes: the installed templates and formatter give the committed output.
    compared = filecmp.dircmp(out, REPO_ROOT / "generated", ignore=["__pycache__"])
    assert not compared.left_only and not compared.right_only and not compared.diff_files
    for sub in compared.subdirs.values():
        assert not sub.left_only and not sub.right_only and not sub.diff_files, sub.report()


def test_serve_keeps_its_database_in_the_user_data_directory(
    installed: Installed, serve: Serve
) -> None:
    before = {p for p in installed.site_packages.rglob("*") if "__pycache__" not in p.parts}
    served = serve()
    line = next(x for x in served.output.splitlines() if x.strip().startswith("database:"))
    db = Path(line.split(":", 1)[1].strip())
    assert db.is_relative_to(installed.home), served.output
    assert db.exists()
    after = {p for p in installed.site_packages.rglob("*") if "__pycache__" not in p.parts}
    assert after == before


def test_the_suite_passes_a_reference_server_from_a_temp_dir(
    installed: Installed, serve: Serve, tmp_path: Path
) -> None:
    served = serve("--db", str(tmp_path / "keys.db"))
    # one resource here; every resource against the embedded server below
    result = installed.run(
        "rancher-contract", "test", "--url", served.url,
        "--access-key", served.access_key, "--secret-key", served.secret_key,
        "--resource", "apiKey",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "The target conforms" in result.stdout
    assert not any(installed.workdir.iterdir()), list(installed.workdir.iterdir())


def test_the_suite_against_the_embedded_server(installed: Installed) -> None:
    result = installed.run("rancher-contract", "test")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "The target conforms" in result.stdout


def test_the_module_entry_point(installed: Installed) -> None:
    result = installed.run("python", "-m", "rancher_contract", "--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_pipx_install_from_the_checkout(installed: Installed, tmp_path: Path) -> None:
    pipx = Path(sys.executable).with_name("pipx")
    env = installed.env(
        {
            "PIPX_HOME": str(tmp_path / "pipx"),
            "PIPX_BIN_DIR": str(tmp_path / "bin"),
            "PIPX_MAN_DIR": str(tmp_path / "man"),
        }
    )
    pip_args = f"--pip-args=-c {REPO_ROOT / 'constraints.txt'}"
    result = subprocess.run(
        [str(pipx), "install", pip_args, str(REPO_ROOT)],
        cwd=installed.workdir, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    command = tmp_path / "bin" / "rancher-contract"
    version = subprocess.run(
        [str(command), "--version"], cwd=installed.workdir, env=env, capture_output=True, text=True
    )
    assert version.stdout.strip() == f"rancher-contract {__version__}"
    spec = subprocess.run(
        [str(command), "paths", "spec"], cwd=installed.workdir, env=env, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    assert Path(spec).is_file() and Path(spec).is_relative_to(tmp_path / "pipx"), spec


def test_the_sdist_carries_the_package_data(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; "
         f"print(build_meta.build_sdist({str(tmp_path)!r}))"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    with tarfile.open(tmp_path / build.stdout.strip().splitlines()[-1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for data in (
        "rancher_contract/spec/apikey.openapi.yaml",
        "rancher_contract/schemathesis.toml",
        "rancher_contract/contract_tests/pytest.ini",
        "rancher_contract/generator/templates/server/_runtime.py.jinja",
        "rancher_contract/generated/schemas/apiKey.json",
    ):
        assert data in names, data
