"""A broken spec: exit code 2, a message naming the place (JSON pointer), the output untouched."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from gen_support import SPEC

from rancher_contract.generator.cli import main

BASE: dict[str, Any] = yaml.load(SPEC.read_bytes(), Loader=yaml.CSafeLoader)
API_KEY = ("components", "schemas", "ApiKey")


def _at(document: dict[str, Any], *path: str) -> Any:
    node: Any = document
    for key in path:
        node = node[key]
    return node


def unknown_field_type(doc: dict[str, Any]) -> str:
    _at(doc, *API_KEY, "properties", "name", "x-rancher-field")["type"] = "frobnicate"
    return "/components/schemas/ApiKey/properties/name/x-rancher-field/type"


def unknown_openapi_type(doc: dict[str, Any]) -> str:
    _at(doc, *API_KEY, "properties", "kind")["type"] = "text"
    return "/components/schemas/ApiKey/properties/kind/type"


def lifecycle_unknown_state(doc: dict[str, Any]) -> str:
    _at(doc, *API_KEY, "x-rancher-lifecycle", "actions", "activate")["to"] = "flying"
    return "/components/schemas/ApiKey/x-rancher-lifecycle/actions/activate/to"


def actions_by_state_unknown_state(doc: dict[str, Any]) -> str:
    _at(doc, *API_KEY, "x-rancher-lifecycle", "actionsByState")["hovering"] = []
    return "/components/schemas/ApiKey/x-rancher-lifecycle/actionsByState/hovering"


def broken_ref(doc: dict[str, Any]) -> str:
    response = _at(doc, "paths", "/v1/apiKeys", "get", "responses", "200")
    response["content"]["application/json"]["schema"]["$ref"] = "#/components/schemas/Nope"
    return "/paths/~1v1~1apiKeys/get/responses/200/content/application~1json/schema/$ref"


def unknown_operation(doc: dict[str, Any]) -> str:
    _at(doc, *API_KEY, "x-rancher-resource", "operations")["get"] = "noSuchOperation"
    return "/components/schemas/ApiKey/x-rancher-resource/operations/get"


def filter_on_unknown_field(doc: dict[str, Any]) -> str:
    _at(doc, *API_KEY, "x-rancher-filters")["colour"] = {"modifiers": ["eq"]}
    return "/components/schemas/ApiKey/x-rancher-filters/colour"


BREAKAGES: list[Callable[[dict[str, Any]], str]] = [
    unknown_field_type,
    unknown_openapi_type,
    lifecycle_unknown_state,
    actions_by_state_unknown_state,
    broken_ref,
    unknown_operation,
    filter_on_unknown_field,
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.__name__)
def test_spec_errors_exit_2_and_leave_the_output_untouched(
    breakage: Callable[[dict[str, Any]], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = copy.deepcopy(BASE)
    pointer = breakage(document)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous output\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())

    assert main(["--spec", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {pointer}:" in err, err
    assert "left untouched" in err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "previous output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary folder left

    assert main(["--spec", str(spec), "--out", str(out), "--check"]) == 2


def test_unreadable_and_invalid_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [\n", encoding="utf-8")
    assert main(["--spec", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()
    assert "not valid YAML" in capsys.readouterr().err


def test_bad_arguments_exit_2() -> None:
    assert main(["--no-such-option"]) == 2
