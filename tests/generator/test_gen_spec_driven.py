"""The spec drives the output: a lifecycle action added to a copy of the spec reaches the client,
the enums, the server's lifecycle and the schema document, with no change to the generator."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from gen_support import SPEC, generate_package, import_package

BASE: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def _with_restore(document: dict[str, Any]) -> dict[str, Any]:
    """apiKey plus `restore`: removed -> (updating-inactive) -> inactive, as the spec states it."""
    doc = copy.deepcopy(document)
    schemas = doc["components"]["schemas"]
    api_key = schemas["ApiKey"]
    life = api_key["x-rancher-lifecycle"]
    life["actions"]["restore"] = {
        "from": ["removed"],
        "through": "updating-inactive",
        "to": "inactive",
        "description": "Bring a removed key back, inactive.",
    }
    life["actionsByState"]["removed"] = ["purge", "restore"]
    api_key["x-rancher-resource"]["schemaActions"]["restore"] = {
        "input": None,
        "output": "credential",
    }
    schemas["ApiKeyActionName"]["enum"].append("restore")
    schemas["ApiKeyActions"]["propertyNames"]["enum"].append("restore")
    return doc


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    parent = tmp_path_factory.mktemp("spec_driven")
    names = []
    for label, document in (("base", BASE), ("restore", _with_restore(BASE))):
        spec = parent / f"{label}.openapi.json"
        spec.write_text(json.dumps(document), encoding="utf-8")
        code, _, name = generate_package(spec, parent)
        assert code == 0
        names.append(name)
    return parent, names[0], names[1]


def test_the_action_reaches_every_output(packages: tuple[Path, str, str]) -> None:
    parent, base, restore = packages
    before, after = parent / base, parent / restore

    enums = import_package(parent, restore, "_enums")
    assert enums.ApiKeyAction.RESTORE == "restore"
    assert not hasattr(import_package(parent, base, "_enums").ApiKeyAction, "RESTORE")

    client = (after / "client" / "_api_key.py").read_text(encoding="utf-8")
    assert "def restore(self, resource: ApiKey | str) -> ApiKey:" in client
    assert "async def restore(" in client
    assert "def restore(" not in (before / "client" / "_api_key.py").read_text(encoding="utf-8")

    server = import_package(parent, restore, "server")
    lifecycle = server.API_KEY_LIFECYCLE
    assert list(lifecycle.actions_for("removed")) == ["purge", "restore"]
    assert list(
        import_package(parent, base, "server").API_KEY_LIFECYCLE.actions_for("removed")
    ) == ["purge"]

    schema = json.loads((after / "schemas" / "apiKey.json").read_text(encoding="utf-8"))
    assert schema["resourceActions"]["restore"] == {"input": None, "output": "credential"}
    assert "restore" in (after / "docs" / "apiKey.md").read_text(encoding="utf-8")


def test_the_stubs_route_the_new_action(packages: tuple[Path, str, str]) -> None:
    from gen_support import TestClient

    parent, base, restore = packages
    transition = import_package(parent, restore, "server").API_KEY_LIFECYCLE.actions["restore"]
    assert (tuple(transition.from_states), transition.through, transition.to) == (
        ("removed",),
        "updating-inactive",
        "inactive",
    )
    statuses, calls = {}, []
    for name in (base, restore):
        server = import_package(parent, name, "server")

        class Backend:
            """Every call is recorded and answered 404: only whether the stub calls matters."""

            def __init__(self, not_found: type[Exception]) -> None:
                self.not_found = not_found

            def __getattr__(self, method: str) -> Any:
                def call(*args: Any) -> Any:
                    calls.append((method, *map(str, args)))
                    raise self.not_found()

                return call

        app = server.create_app(server.ResourceBackends(api_key=Backend(server.NotFoundError)))
        with TestClient(app) as client:
            statuses[name] = client.post("/v1/apiKeys/1c1?action=restore").status_code
    # an unknown action before (422 InvalidAction); now one that reaches the backend
    assert statuses == {base: 422, restore: 404}
    assert calls == [("perform_api_key_action", "1c1", "restore")]
