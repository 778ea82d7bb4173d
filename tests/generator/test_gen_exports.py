"""The public surface of the generated packages: `__all__` lists exactly the public names."""

from __future__ import annotations

import importlib
import inspect

import pytest

PACKAGES = [
    "generated",
    "generated.client",
    "generated.client.models",
    "generated.server",
    "generated.schemas",
]


def _defined_here(value: object) -> bool:
    """Classes and functions of the generated package (not what it imports from elsewhere)."""
    if inspect.isclass(value) or inspect.isfunction(value):
        return value.__module__.startswith("generated")
    kind = type(value).__module__
    return kind == "builtins" or kind.startswith("generated")


@pytest.mark.parametrize("name", PACKAGES)
def test_all_matches_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not inspect.ismodule(value)
        and attr != "annotations"
        and _defined_here(value)
    }
    assert exported == public
    assert len(exported) == len(module.__all__)


def test_server_interface_of_the_architecture() -> None:
    server = importlib.import_module("generated.server")
    for name in (
        "create_app",
        "ResourceBackends",
        "Authenticator",
        "ApiKeyBackend",
        "ApiKeyRecord",
        "ApiKeyCreateInput",
        "ApiKeyUpdateInput",
        "Filter",
        "CollectionQuery",
        "Page",
        "RancherError",
        "NotFoundError",
        "MethodNotAllowedError",
        "ActionNotAvailableError",
        "InvalidActionError",
        "ConflictError",
        "ValidationError",
        "API_KEY_LIFECYCLE",
        "ApiKeyState",
        "ApiKeyAction",
        "Transitioning",
        "API_KEY_FILTERS",
    ):
        assert hasattr(server, name), name
    signature = inspect.signature(server.create_app)
    assert list(signature.parameters) == ["backends", "authenticator", "max_body_bytes"]
    assert signature.parameters["max_body_bytes"].default == 1_048_576
    backend = server.ApiKeyBackend
    for method in (
        "list_api_keys",
        "create_api_key",
        "get_api_key",
        "update_api_key",
        "delete_api_key",
        "perform_api_key_action",
    ):
        assert callable(getattr(backend, method)), method
    errors = [server.NotFoundError(), server.MethodNotAllowedError(), server.ConflictError()]
    assert [(e.status, e.code, e.message) for e in errors] == [
        (404, "Not Found", "Not Found"),
        (405, "Method not allowed", "Method not allowed"),
        (409, "Conflict", "Conflict"),
    ]
    for error, code in (
        (server.ActionNotAvailableError(), "ActionNotAvailable"),
        (server.InvalidActionError(), "InvalidAction"),
    ):
        assert (error.status, error.code, error.field_name, error.message) == (
            422,
            code,
            "action",
            None,
        )
    validation = server.ValidationError("MaxLengthExceeded", "name")
    assert (validation.status, validation.field_name) == (422, "name")
