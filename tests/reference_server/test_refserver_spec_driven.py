"""The spec drives the server: a lifecycle action added to a copy of the spec is served (stubs
generated from the copy, the backend driven by its model) with no change to the server's code."""

from __future__ import annotations

import copy
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from rancher_contract.generator.cli import main as generate
from rancher_contract.paths import DEFAULT_SPEC
from rancher_contract.reference_server.testing import RunningServer, running_server
from rancher_contract.specmodel import build_model

BASE: dict[str, Any] = yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8"))


def _with_restore(document: dict[str, Any]) -> dict[str, Any]:
    """apiKey plus `restore`: removed -> (updating-inactive) -> inactive, as the spec states it."""
    doc = copy.deepcopy(document)
    schemas = doc["components"]["schemas"]
    life = schemas["ApiKey"]["x-rancher-lifecycle"]
    life["actions"]["restore"] = {
        "from": ["removed"],
        "through": "updating-inactive",
        "to": "inactive",
    }
    life["actionsByState"]["removed"] = ["purge", "restore"]
    schemas["ApiKey"]["x-rancher-resource"]["schemaActions"]["restore"] = {
        "input": None,
        "output": "credential",
    }
    schemas["ApiKeyActionName"]["enum"].append("restore")
    schemas["ApiKeyActions"]["propertyNames"]["enum"].append("restore")
    return doc


def _served(document: dict[str, Any], parent: Path, name: str) -> tuple[Any, ModuleType]:
    spec = parent / f"{name}.openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    assert generate(["--spec", str(spec), "--out", str(parent / name)]) == 0
    if str(parent) not in sys.path:
        sys.path.insert(0, str(parent))
    importlib.invalidate_caches()
    return build_model(document), importlib.import_module(f"{name}.server")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    parent = tmp_path_factory.mktemp("spec_driven_server")
    found: dict[str, RunningServer] = {}
    base_model, base_stubs = _served(BASE, parent, "rc_server_base")
    restore_model, restore_stubs = _served(_with_restore(BASE), parent, "rc_server_restore")
    with (
        running_server(model=base_model, stubs=base_stubs) as base,
        running_server(model=restore_model, stubs=restore_stubs) as restore,
    ):
        found["base"], found["restore"] = base, restore
        yield found


def _removed_key(server: RunningServer) -> tuple[httpx.Client, str]:
    http = httpx.Client(base_url=server.base_url, auth=server.auth, timeout=30)
    key = http.post("/apiKeys", json={"name": "spec-driven"}).json()
    url = key["links"]["self"]
    http.get(url)  # the create settles (no delay)
    assert http.post(url, params={"action": "deactivate"}).status_code == 202
    http.get(url)
    assert http.delete(url).status_code == 200
    assert http.get(url).json()["state"] == "removed"
    return http, url


def test_the_added_action_is_served(servers: dict[str, RunningServer]) -> None:
    http, url = _removed_key(servers["restore"])
    try:
        assert set(http.get(url).json()["actions"]) == {"purge", "restore"}
        restoring = http.post(url, params={"action": "restore"})
        assert restoring.status_code == 202, restoring.text
        assert restoring.json()["state"] == "updating-inactive"
        restored = http.get(url).json()
        assert restored["state"] == "inactive" and restored["removed"] is None
        # back in the list (no removed date), and deletable again
        listed = http.get("/apiKeys", params={"limit": 3000}).json()["data"]
        assert restored["id"] in [k["id"] for k in listed]
        assert http.delete(url).status_code == 200
    finally:
        http.close()


def test_without_it_the_action_is_unknown(servers: dict[str, RunningServer]) -> None:
    http, url = _removed_key(servers["base"])
    try:
        assert set(http.get(url).json()["actions"]) == {"purge"}
        response = http.post(url, params={"action": "restore"})
        assert response.status_code == 422 and response.json()["code"] == "InvalidAction"
    finally:
        http.close()
