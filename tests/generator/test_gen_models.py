"""The generated client models: round trips, unknown fields, request models (writable only)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rancher_contract.generated.client import (
    UNSET,
    ApiKey,
    ApiKeyCollection,
    ApiKeyCreate,
    ApiKeyState,
    ApiKeyUpdate,
    Error,
    Transitioning,
)

KEY: dict[str, Any] = {
    "id": "1c12",
    "type": "apiKey",
    "links": {"self": "http://h/v1/apikeys/1c12", "account": "http://h/v1/apikeys/1c12/account"},
    "actions": {"deactivate": "http://h/v1/apikeys/1c12/?action=deactivate"},
    "baseType": "credential",
    "name": "ci",
    "description": None,
    "accountId": "1a5",
    "kind": "apiKey",
    "publicValue": "8B4D2A1E7C9F30A6B5D1",
    "secretValue": None,
    "state": "active",
    "transitioning": "no",
    "transitioningMessage": None,
    "transitioningProgress": None,
    "uuid": "3f8b2c1d-6e4a-4b7f-9c2d-1a5e8f0b7c3d",
    "created": "2017-01-20T10:00:00Z",
    "createdTS": 1484906400000,
    "removed": None,
}


def test_resource_round_trip() -> None:
    key = ApiKey.from_dict(KEY)
    assert key.to_dict() == KEY
    assert key.state is ApiKeyState.ACTIVE and key.transitioning is Transitioning.NO
    assert key.public_value == "8B4D2A1E7C9F30A6B5D1" and key.created_ts == 1484906400000
    assert key.removed_ts is UNSET and "removedTS" not in key.to_dict()


def test_unknown_fields_and_values_are_kept() -> None:
    data = {**KEY, "removedTS": None, "state": "erroring", "extra": {"a": [1]}, "data": {}}
    key = ApiKey.from_dict(data)
    assert key.state == "erroring" and not isinstance(key.state, ApiKeyState)
    assert key.additional_properties == {"extra": {"a": [1]}, "data": {}}
    assert key.removed_ts is None
    assert key.to_dict() == data


def test_missing_required_field_is_a_value_error() -> None:
    data = dict(KEY)
    del data["publicValue"]
    with pytest.raises(ValueError, match="publicValue"):
        ApiKey.from_dict(data)


def test_collection_and_error_round_trip() -> None:
    collection = {
        "type": "collection",
        "resourceType": "apiKey",
        "links": {"self": "http://h/v1/apikeys"},
        "createTypes": {},
        "actions": {},
        "data": [KEY],
        "sortLinks": {"name": "http://h/v1/apikeys?sort=name"},
        "pagination": {
            "first": None,
            "previous": None,
            "next": "http://h/v1/apikeys?marker=m1",
            "limit": 1,
            "total": None,
            "partial": True,
        },
        "sort": {"name": "name", "order": "asc", "reverse": "http://h/v1/apikeys?order=desc"},
        "filters": {"name": [{"modifier": "eq", "value": "ci"}], "state": None},
        "createDefaults": {},
    }
    parsed = ApiKeyCollection.from_dict(collection)
    assert parsed.to_dict() == collection
    assert parsed.data[0].id == "1c12" and parsed.pagination.next is not None
    assert parsed.sort is not None and parsed.sort.order == "asc"
    assert ApiKeyCollection.from_dict({**collection, "sort": None}).sort is None
    error = {
        "id": "x",
        "type": "error",
        "links": {},
        "actions": {},
        "status": 422,
        "code": "MaxLengthExceeded",
        "message": None,
        "detail": None,
        "fieldName": "name",
        "baseType": "error",
    }
    parsed_error = Error.from_dict(error)
    assert parsed_error.field_name == "name" and parsed_error.to_dict() == error
    without = {k: v for k, v in error.items() if k != "fieldName"}
    assert Error.from_dict(without).field_name is UNSET


@pytest.mark.parametrize("model", [ApiKeyCreate, ApiKeyUpdate])
def test_request_models_hold_only_the_writable_fields(model: type[Any]) -> None:
    names = {f.name for f in dataclasses.fields(model)} - {"additional_properties"}
    assert names == {"name", "description"}
    assert model().to_dict() == {}
    assert model(name=None).to_dict() == {"name": None}
    assert model.from_dict({"name": "n", "state": "x"}).to_dict() == {"name": "n", "state": "x"}


def test_read_only_fields_are_absent_from_request_models() -> None:
    with pytest.raises(TypeError):
        ApiKeyCreate(public_value="x")  # type: ignore[call-arg]
