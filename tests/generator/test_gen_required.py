"""What the spec requires on create reaches the stubs: registryCredential's `registryId` and
`email` (x-rancher-field.required), checked before the backend is called."""

from __future__ import annotations

from typing import Any

import pytest
from gen_support import TestClient

from rancher_contract.generated import server


class _Backend:
    """Records the creates that reach it; answers each with 404 (only the call matters)."""

    def __init__(self) -> None:
        self.creates: list[Any] = []

    def create_registry_credential(self, data: Any) -> Any:
        self.creates.append(data)
        raise server.NotFoundError()


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "MissingRequired", "registryId"),  # Rancher names the first in its schema order
        ({"email": "ci@example.com"}, "MissingRequired", "registryId"),
        ({"registryId": "1sp1"}, "MissingRequired", "email"),
        ({"registryId": "1sp1", "email": ""}, "MinLengthExceeded", "email"),
        ({"registryId": None, "email": "x"}, "NotNullable", "registryId"),
        (
            {"registryId": "1sp1", "email": "x", "publicValue": "u" * 4097},
            "MaxLengthExceeded",
            "publicValue",
        ),
    ],
)
def test_invalid_creates_are_422_before_the_backend(
    body: dict[str, Any], code: str, field: str
) -> None:
    backend = _Backend()
    app = server.create_app(server.ResourceBackends(registry_credential=backend))
    with TestClient(app) as client:
        reply = client.post("/v1/registryCredentials", json=body)
    assert (reply.status_code, reply.json()["code"], reply.json()["fieldName"]) == (
        422,
        code,
        field,
    )
    assert backend.creates == []


def test_a_complete_create_reaches_the_backend_with_the_values_as_given() -> None:
    backend = _Backend()
    app = server.create_app(server.ResourceBackends(registry_credential=backend))
    body = {"registryId": "1sp1", "email": "x", "publicValue": "u", "secretValue": "s", "kind": "k"}
    with TestClient(app) as client:
        assert client.post("/v1/registryCredentials", json=body).status_code == 404
    (data,) = backend.creates
    assert (data.registry_id, data.email, data.public_value, data.secret_value) == (
        "1sp1",
        "x",
        "u",
        "s",
    )
    assert data.fields_set == frozenset({"registryId", "email", "publicValue", "secretValue"})


def test_api_key_creates_need_nothing() -> None:
    spec = server.API_KEY_SPEC
    assert not any(field.create_required for field in spec.fields)
    assert [f.wire_name for f in server.REGISTRY_CREDENTIAL_SPEC.fields if f.create_required] == [
        "registryId",
        "email",
    ]


def test_the_client_create_model_requires_what_the_spec_requires() -> None:
    import inspect

    from rancher_contract.generated.client import (
        ApiKeyCreate,
        RegistryCredentialCreate,
        RegistryCredentialResource,
    )

    with pytest.raises(TypeError):
        RegistryCredentialCreate()  # type: ignore[call-arg]
    body = RegistryCredentialCreate(registry_id="1sp1", email="x").to_dict()
    assert body == {"registryId": "1sp1", "email": "x"}
    assert ApiKeyCreate().to_dict() == {}  # apiKey: an empty body is valid
    data = inspect.signature(RegistryCredentialResource.create).parameters["data"]
    assert data.default is inspect.Parameter.empty
