"""Shared fixtures: the committed spec, and broken copies of it described by edit files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from rancher_contract.paths import DEFAULT_SPEC

from ._helpers import apply_edit


@pytest.fixture(scope="session")
def spec_document() -> dict[str, Any]:
    """The committed spec, parsed once (tests take deep copies)."""
    with DEFAULT_SPEC.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.safe_load(fh)
    return document


@pytest.fixture
def broken_spec(spec_document: dict[str, Any], tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write the spec with a fixture's edits applied to tmp_path; returns the file."""

    def write(fixture: dict[str, Any]) -> Path:
        document = copy.deepcopy(spec_document)
        for edit in fixture["edits"]:
            apply_edit(document, edit)
        path = tmp_path / "broken.openapi.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    return write
