"""Helpers of the spec-rule tests: the fixture files and the edits they describe."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from tests._checkout import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "speclint"
CLI = Path(sys.executable).with_name("rancher-contract")


def _segments(pointer: str) -> list[str]:
    assert pointer.startswith("/"), pointer
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")]


def apply_edit(document: Any, edit: dict[str, Any]) -> None:
    """One edit of a fixture: `{set: POINTER, value: V}` or `{delete: POINTER}`."""
    pointer = edit.get("set", edit.get("delete"))
    assert isinstance(pointer, str), f"an edit needs `set` or `delete`: {edit}"
    *parents, last = _segments(pointer)
    node = document
    for segment in parents:
        node = node[int(segment)] if isinstance(node, list) else node[segment]
    if "delete" in edit:
        if isinstance(node, list):
            del node[int(last)]
        else:
            assert last in node, f"nothing to delete at {pointer}"
            del node[last]
    elif isinstance(node, list):
        if last == "-":
            node.append(edit["value"])
        else:
            node[int(last)] = edit["value"]
    else:
        node[last] = edit["value"]


def load_fixture(path: Path) -> dict[str, Any]:
    """A fixture file: `description`, `edits` and the `expect`ed findings (rule and pointer)."""
    fixture: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"description", "edits", "expect"} <= set(fixture), path
    return fixture
