"""The generator is generic: a second resource in the same style gets the same outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gen_specs import two_resource_spec
from gen_support import TestClient, generate_package, import_package


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    parent = tmp_path_factory.mktemp("generic")
    spec = parent / "two.json"
    spec.write_text(json.dumps(two_resource_spec()), encoding="utf-8")
    code, _, name = generate_package(spec, parent)
    assert code == 0
    return parent, name


def test_both_resources_get_every_output(two: tuple[Path, str]) -> None:
    parent, name = two
    out = parent / name
    for path in (
        "server/_api_key.py",
        "server/_foo_bar.py",
        "client/_api_key.py",
        "client/_foo_bar.py",
        "client/models/api_key.py",
        "client/models/foo_bar.py",
        "client/models/_shared.py",
        "schemas/apiKey.json",
        "schemas/fooBar.json",
        "docs/apiKey.md",
        "docs/fooBar.md",
    ):
        assert (out / path).is_file(), path
    doc = json.loads((out / "schemas" / "fooBar.json").read_text(encoding="utf-8"))
    assert doc["id"] == "fooBar" and doc["pluralName"] == "fooBars"
    assert doc["links"]["collection"] == "http://localhost:8080/v1/foobars"
    assert doc["resourceFields"]["count"] == {
        "type": "int",
        "description": None,
        "create": True,
        "update": True,
        "readOnCreateOnly": False,
    }
    assert doc["resourceFields"]["labels"]["type"] == "map[string]"
    assert doc["resourceMethods"] == ["GET", "PUT"]
    assert doc["includeableLinks"] == []


def test_generated_code_imports_and_serves_both(two: tuple[Path, str]) -> None:
    parent, name = two
    server = import_package(parent, name, "server")
    client_models = import_package(parent, name, "client")
    backends = server.ResourceBackends()
    assert backends.api_key is None and backends.foo_bar is None
    assert hasattr(server.FooBarBackend, "list_foo_bars")
    assert not hasattr(server.FooBarBackend, "delete_foo_bar")
    assert {f.name for f in __import__("dataclasses").fields(server.FooBarCreateInput)} == {
        "name",
        "count",
        "enabled",
        "labels",
        "fields_set",
    }
    assert server.FooBarRecord.__dataclass_fields__["for_"].type == "str | None"
    app = TestClient(server.create_app(), raise_server_exceptions=False)
    assert app.get("/v1").json()["links"]["fooBars"] == "http://testserver/v1/foobars"
    assert app.get("/v1/foobar").status_code == 501
    assert app.delete("/v1/fooBars/1").status_code == 405
    assert app.get("/v1/schemas/FOOBAR").json()["id"] == "fooBar"
    assert app.get("/v1/apikeys").status_code == 501
    foo = client_models.FooBar.from_dict(
        {
            "id": "1",
            "type": "fooBar",
            "links": {},
            "actions": {},
            "baseType": "fooBar",
            "name": None,
            "count": 3,
            "state": "active",
            "transitioning": "no",
            "for": "x",
        }
    )
    assert foo.for_ == "x" and foo.to_dict()["for"] == "x"
    assert client_models.FooBarCreate(count=2, enabled=None).to_dict() == {
        "count": 2,
        "enabled": None,
    }


def test_fake_foo_bar_backend_end_to_end(two: tuple[Path, str]) -> None:
    parent, name = two
    server = import_package(parent, name, "server")

    class Fake:
        def __init__(self) -> None:
            self.rows: dict[str, Any] = {}

        def list_foo_bars(self, query: Any) -> Any:
            return server.Page(list(self.rows.values()))

        def create_foo_bar(self, data: Any) -> Any:
            row = server.FooBarRecord(
                id=str(len(self.rows) + 1),
                name=data.name,
                count=data.count or 1,
                enabled=data.enabled,
                labels=data.labels,
                state="active",
                transitioning="no",
                for_=None,
            )
            self.rows[row.id] = row
            return row

        def get_foo_bar(self, id: str) -> Any:
            return self.rows.get(id)

        def update_foo_bar(self, id: str, data: Any) -> Any:
            return self.rows.get(id)

        def perform_foo_bar_action(self, id: str, action: Any) -> Any:
            return self.rows[id]

    app = TestClient(server.create_app(server.ResourceBackends(foo_bar=Fake())))
    made = app.post("/v1/fooBars", json={"name": "f", "count": "7", "enabled": True, "labels": {}})
    assert made.status_code == 201, made.text
    assert made.json()["count"] == 7 and made.json()["actions"] == {
        "deactivate": "http://testserver/v1/foobars/1/?action=deactivate"
    }
    assert set(made.json()["links"]) == {"self"}
    bad = app.post("/v1/fooBars", json={"count": "many"})
    assert bad.status_code == 422 and bad.json()["fieldName"] == "count"
    assert app.post("/v1/fooBars", json={"labels": "x"}).json()["code"] == "InvalidFormat"
    assert app.post("/v1/fooBars/1?action=purge").json()["code"] == "InvalidAction"
    listed = app.get("/v1/fooBars?name_prefix=f&state_ne=x").json()
    assert set(listed["filters"]) == {"id", "name", "state"}
    assert listed["filters"]["state"] is None and listed["filters"]["name"][0]["value"] == "f"


def test_generated_code_is_mypy_strict_clean(two: tuple[Path, str]) -> None:
    parent, name = two
    mypy = str(Path(sys.executable).with_name("mypy"))
    done = subprocess.run(
        [mypy, "--strict", "--no-incremental", "--cache-dir", "/dev/null", name],
        cwd=parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
