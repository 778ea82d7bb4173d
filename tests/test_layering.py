"""The import table of ARCHITECTURE.md ("Who may import whom"), enforced on the source tree.

Imports are read with `ast` (never executed): `import x`, `from x import y` (relative ones
resolved), imports under `if TYPE_CHECKING:` too, and `importlib.import_module("x")` /
`__import__("x")` with a constant name.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._checkout import REPO_ROOT

PROJECT = frozenset(
    {
        "rancher_contract",
        "generator",
        "generated",
        "reference_server",
        "contract_tests",
        "bench",
        "tests",
    }
)
STDLIB = frozenset(sys.stdlib_module_names)
# Folders at the top of the repository that the wheel installs as rancher_contract.<folder>
# (rancher_contract/ holds links to them). The table speaks of the folders.
SUBPACKAGES = frozenset({"generator", "generated", "reference_server", "contract_tests"})


@dataclass(frozen=True)
class Layer:
    """What the files of one top-level package may import."""

    package: str
    project: tuple[str, ...]  # project modules it may import (each with its submodules)
    third_party: tuple[str, ...] | None = None  # None: any third-party library
    forbidden_third_party: tuple[tuple[str, str], ...] = ()  # (sub-package, library) pairs
    check_dynamic: bool = True  # also read importlib.import_module("...") calls


# The foundation: every part that reads the spec may import these (generated/ stays standalone).
FOUNDATION = ("rancher_contract.paths", "rancher_contract.specmodel")

LAYERS = {
    layer.package: layer
    for layer in (
        Layer(
            "generator",
            ("generator", *FOUNDATION, "rancher_contract.speclint"),
            forbidden_third_party=(("generator.ir", "jinja2"),),
        ),
        Layer(
            "generated",
            ("generated",),
            third_party=("httpx", "starlette", "anyio", "typing_extensions"),
        ),
        Layer("reference_server", ("reference_server", "generated", *FOUNDATION)),
        Layer("contract_tests", ("contract_tests", "generated.client", *FOUNDATION)),
        # The CLI dispatches by module name (importlib with a variable), never by a static import.
        Layer("rancher_contract", ("rancher_contract",), check_dynamic=False),
        # The spec model reads the spec and nothing else of the project.
        Layer(
            "rancher_contract/specmodel",
            FOUNDATION,
            third_party=("yaml", "platformdirs"),
        ),
    )
}


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path, *, dynamic: bool = True) -> Iterator[tuple[int, list[str]]]:
    """(line, candidate module names) per import in `path`; any candidate being allowed suffices.

    `from a import b` yields [a.b, a]: `b` may be a submodule (then a.b is what is imported) or a
    name defined in `a`.
    """
    module = _module_name(root, path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, [alias.name]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                yield node.lineno, [f"{base}.{alias.name}" if base else alias.name, base]
        elif dynamic and isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            if name in {"import_module", "__import__"} and isinstance(arg, ast.Constant):
                if isinstance(arg.value, str) and not arg.value.startswith("."):
                    yield node.lineno, [arg.value]


def _folder_name(module: str) -> str:
    """`rancher_contract.generator.ir` -> `generator.ir`: the folder the table speaks of."""
    head, _, rest = module.partition(".")
    if head == "rancher_contract" and rest.split(".")[0] in SUBPACKAGES:
        return rest
    return module


def _violation(layer: Layer, module: str, candidates: list[str]) -> str | None:
    """Why importing `candidates` from `module` breaks the table, or None."""
    candidates = [_folder_name(c) for c in candidates]
    first = candidates[0]
    top = first.split(".")[0]
    if top in PROJECT:
        if any(_within(c, layer.project) for c in candidates if c):
            return None
        return f"imports {first} ({layer.package}/ may import only {', '.join(layer.project)})"
    for sub_package, library in layer.forbidden_third_party:
        if _within(module, (sub_package,)) and top == library:
            return f"imports {first} ({sub_package.replace('.', '/')}/ never imports {library})"
    if top in STDLIB or layer.third_party is None or top in layer.third_party:
        return None
    return f"imports {first} ({layer.package}/ may import only {', '.join(layer.third_party)})"


def check_layering(root: Path, packages: list[str] | None = None) -> list[str]:
    """Every import under `root` that breaks the table, as `path:line: message`."""
    problems = []
    for name in packages or list(LAYERS):
        layer = LAYERS[name]
        for path in sorted((root / name).rglob("*.py")):
            module = _module_name(root, path)
            for line, candidates in imports_of(root, path, dynamic=layer.check_dynamic):
                problem = _violation(layer, module, candidates)
                if problem is not None:
                    problems.append(f"{path.relative_to(root).as_posix()}:{line}: {problem}")
    return problems


@pytest.mark.parametrize("package", list(LAYERS))
def test_the_tree_follows_the_import_table(package: str) -> None:
    folder = REPO_ROOT / package
    if not folder.is_dir() or not any(folder.rglob("*.py")):
        pytest.skip(f"{package}/ has no Python files yet")
    assert check_layering(REPO_ROOT, [package]) == []


def test_shipped_code_imports_the_subpackages_by_their_installed_name() -> None:
    # The wheel installs only `rancher_contract`: `import generator` works in a checkout (the
    # folder is on sys.path) and nowhere else.
    problems = []
    for folder in sorted(SUBPACKAGES | {"rancher_contract"}):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                else:
                    continue
                problems += [
                    f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {name}"
                    for name in names
                    if name.split(".")[0] in SUBPACKAGES
                ]
    assert problems == []


# --- the checker itself, on a tiny fake tree -----------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


ALLOWED = {
    "generator/__init__.py": "",
    "generator/load.py": (
        "import yaml\n"
        "from rancher_contract import paths\n"
        "from rancher_contract.speclint import check_rules\n"
        "from rancher_contract.specmodel import load_model\n"
    ),
    "rancher_contract/specmodel/_build.py": (
        "import yaml\nfrom rancher_contract.paths import SPEC_DIR\nfrom . import _model\n"
    ),
    "generator/ir/__init__.py": "from ..load import x\nfrom . import model\nimport dataclasses\n",
    "generator/render.py": "import jinja2\nfrom rancher_contract.generator.ir import model\n",
    "generated/client/__init__.py": (
        "import httpx\nfrom .models import ApiKey\nfrom generated.client import api\n"
    ),
    "generated/server/app.py": "from starlette.applications import Starlette\nimport json\n",
    "reference_server/db.py": (
        "import sqlite3\n"
        "from generated.server import create_app\n"
        "from rancher_contract.paths import CACHE_DIR\n"
        "from rancher_contract.specmodel import load_model\n"
    ),
    "contract_tests/runner.py": (
        "import subprocess\n"
        "from generated.client import models\n"
        "from rancher_contract.specmodel import Lifecycle\n"
        "import schemathesis\n"
        "CMD = ['python', '-m', 'reference_server']\n"
    ),
    "rancher_contract/cli.py": (
        "import importlib\n"
        "module = importlib.import_module(name)\n"
        "importlib.import_module('generator.cli')\n"
    ),
}


def test_the_checker_accepts_what_the_table_allows(tmp_path: Path) -> None:
    assert check_layering(_tree(tmp_path, ALLOWED)) == []


@pytest.mark.parametrize(
    ("path", "source", "message"),
    [
        ("generator/x.py", "import generated.client\n", "imports generated.client (generator/"),
        (
            "generator/x.py",
            "import rancher_contract.generated.client\n",
            "imports generated.client (generator/",
        ),
        ("generator/x.py", "from reference_server import db\n", "imports reference_server.db"),
        ("generator/x.py", "from rancher_contract import cli\n", "imports rancher_contract.cli"),
        ("generator/ir/x.py", "import jinja2\n", "generator/ir/ never imports jinja2"),
        ("generator/ir/x.py", "from jinja2 import Environment\n", "never imports jinja2"),
        ("generated/x.py", "from generator import render\n", "imports generator.render"),
        ("generated/x.py", "import rancher_contract.paths\n", "imports rancher_contract.paths"),
        ("generated/x.py", "import yaml\n", "imports yaml (generated/ may import only httpx"),
        ("generated/a/b.py", "from ... import generator\n", "imports generator"),
        ("reference_server/x.py", "import contract_tests.checks\n", "imports contract_tests"),
        ("reference_server/x.py", "from generator.ir import model\n", "imports generator.ir.model"),
        ("contract_tests/x.py", "import reference_server\n", "imports reference_server ("),
        ("contract_tests/x.py", "from generated.server import create_app\n", "generated.server"),
        (
            "contract_tests/x.py",
            "import importlib\nimportlib.import_module('reference_server.app')\n",
            "imports reference_server.app",
        ),
        (
            "contract_tests/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from reference_server import db\n",
            "imports reference_server.db",
        ),
        ("rancher_contract/x.py", "from generator import cli\n", "imports generator.cli"),
        (
            "rancher_contract/specmodel/x.py",
            "from rancher_contract.speclint import rule\n",
            "imports rancher_contract.speclint.rule (rancher_contract/specmodel/ may",
        ),
        ("rancher_contract/specmodel/x.py", "import jinja2\n", "imports jinja2 ("),
        ("generated/x.py", "from rancher_contract.specmodel import load_model\n", "imports"),
    ],
)
def test_the_checker_reports_a_broken_rule(
    tmp_path: Path, path: str, source: str, message: str
) -> None:
    problems = check_layering(_tree(tmp_path, {path: source}))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:") and message in problems[0], problems[0]
