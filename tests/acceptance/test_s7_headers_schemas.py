"""Contract section 7: Content-Type and X-API-Schemas on every response, the API root, the schema
documents, and Rancher's own generic clients (`gdapi-python`, `cattle`) driving the server
unmodified."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from ._support import (
    CONTENT_TYPE,
    Api,
    assert_status,
    describe,
    unique,
)

REFERENCE_SCHEMA = Path("/work/shared/reference/v1-schema-apikey-user.json")
REFERENCE_HOST = "http://RANCHER:8080"


def _every_kind_of_response(api: Api) -> list[httpx.Response]:
    key = api.create(name=unique("s7-every"))
    inactive = api.new_inactive(unique("s7-every"))
    responses = [
        api.client.get(api.base_url),
        api.client.get(api.base_url + "/schemas"),
        api.client.get(api.base_url + "/schemas/apikey"),
        api.client.get(api.collection),
        api.client.post(api.collection, json={"name": unique("s7-every")}),
        api.client.get(api.url(key["id"])),
        api.client.put(api.url(key["id"]), json={"description": "x"}),
        api.client.post(api.action_url(key["id"], "deactivate", slash=True)),
        api.client.delete(api.url(inactive["id"])),
        # errors
        api.client.get(api.url("1c999999")),
        api.client.get(api.base_url + "/foos"),
        api.client.delete(api.url(api.new_active(unique("s7-every"))["id"])),
        api.client.put(api.collection, json={}),
        api.client.request("PATCH", api.url(key["id"]), json={}),
        api.client.post(api.action_url(key["id"], "frobnicate")),
        api.client.post(api.action_url(inactive["id"], "deactivate")),
        api.create_response({"name": "n" * 300}),
        api.create_response({"name": ["x"]}),
        api.client.post(
            api.collection, content=b"{bad", headers={"Content-Type": "application/json"}
        ),
    ]
    if api.auth is not None:
        with api.with_auth(None) as anonymous:
            responses.append(anonymous.get(api.collection))
            responses.append(anonymous.post(api.collection, content=b"{bad"))
        with api.with_auth(("0" * 20, "0" * 40)) as wrong:
            responses.append(wrong.get(api.base_url))
    return responses


def test_s7_content_type_json_utf8_on_every_response(api: Api) -> None:
    for response in _every_kind_of_response(api):
        assert response.headers.get("content-type") == CONTENT_TYPE, (
            f"Content-Type {response.headers.get('content-type')!r}: {describe(response)}"
        )
        response.json()


def test_s7_x_api_schemas_on_every_response(api: Api) -> None:
    for response in _every_kind_of_response(api):
        assert response.headers.get("x-api-schemas") == api.base_url + "/schemas", (
            f"X-API-Schemas {response.headers.get('x-api-schemas')!r}: {describe(response)}"
        )


def test_s7_x_api_schemas_built_from_request_host(api: Api) -> None:
    headers = {"Host": "rancher.example.test:8080"}
    for response in (
        api.client.get(api.collection, headers=headers),
        api.client.get(api.url("1c999999"), headers=headers),
    ):
        assert (
            response.headers.get("x-api-schemas") == "http://rancher.example.test:8080/v1/schemas"
        ), describe(response)


def test_s7_x_api_schemas_leads_to_the_schemas(api: Api) -> None:
    root = api.client.get(api.base_url)
    schemas_url = root.headers["x-api-schemas"]
    body = assert_status(api.client.get(schemas_url), 200)
    assert body["type"] == "collection", body


def test_s7_api_root_links(api: Api) -> None:
    body = assert_status(api.client.get(api.base_url), 200)
    assert body["links"]["self"].rstrip("/") == api.base_url, body["links"]
    assert body["links"]["schemas"] == api.base_url + "/schemas", body["links"]
    assert body["links"]["apiKeys"].lower() == (api.base_url + "/apikeys").lower(), body["links"]


def _expected_schema(api: Api) -> dict[str, Any]:
    text = REFERENCE_SCHEMA.read_text(encoding="utf-8").replace(REFERENCE_HOST, api.root)
    expected: dict[str, Any] = json.loads(text)
    expected.pop("includeableLinks", None)
    return expected


def _without_includeable(schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    schema.pop("includeableLinks", None)
    return schema


def test_s7_schema_apikey_equals_reference_document(api: Api) -> None:
    response = api.client.get(api.base_url + "/schemas/apikey")
    body = assert_status(response, 200)
    expected = _expected_schema(api)
    actual = _without_includeable(body)
    if actual != expected:
        diffs = [
            f"{key}: expected {expected.get(key)!r}, got {actual.get(key)!r}"
            for key in sorted(set(expected) | set(actual))
            if expected.get(key) != actual.get(key)
        ]
        raise AssertionError(
            "GET /v1/schemas/apikey differs from the reference:\n" + "\n".join(diffs)
        )


def test_s7_schema_apikey_fields_filters_actions_methods(api: Api) -> None:
    body = assert_status(api.client.get(api.base_url + "/schemas/apikey"), 200)
    for name, definition in body["resourceFields"].items():
        for attribute in ("type", "create", "update"):
            assert attribute in definition, (name, definition)
    assert body["resourceFields"]["name"]["maxLength"] == 255
    assert body["resourceFields"]["description"]["maxLength"] == 1024
    assert body["resourceFields"]["secretValue"]["readOnCreateOnly"] is True
    assert set(body["resourceFields"]["state"]["options"]) >= {
        "active",
        "inactive",
        "removed",
        "purged",
    }
    assert body["collectionFilters"]["id"]["modifiers"] == [
        "eq",
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "null",
        "notnull",
    ]
    assert set(body["resourceActions"]) >= {"activate", "deactivate", "remove", "purge"}
    assert body["collectionMethods"] == ["GET", "POST"]
    assert body["resourceMethods"] == ["GET", "PUT", "DELETE"]
    collection = assert_status(api.client.get(body["links"]["collection"]), 200)
    assert collection["resourceType"] == "apiKey", collection


def test_s7_schemas_is_a_collection_of_schemas(api: Api) -> None:
    body = assert_status(api.client.get(api.base_url + "/schemas"), 200)
    assert body["type"] == "collection", body
    assert body["resourceType"] == "schema", body
    assert isinstance(body["data"], list) and body["data"], body
    for schema in body["data"]:
        assert schema["type"] == "schema", schema
        assert isinstance(schema["links"]["self"], str), schema
        followed = assert_status(api.client.get(schema["links"]["self"]), 200)
        assert followed["id"] == schema["id"], (schema["links"]["self"], followed["id"])
    by_id = {schema["id"]: schema for schema in body["data"]}
    assert "apiKey" in by_id, sorted(by_id)
    assert _without_includeable(by_id["apiKey"]) == _expected_schema(api)


# --- Rancher's generic clients --------------------------------------------------------------------


def test_s7_rancher_generic_clients_work_unmodified(api: Api) -> None:
    """cattle/gdapi: read X-API-Schemas from /v1, load the schemas, then follow links.collection,
    links.self and the action URLs, waiting on `transitioning`."""
    cattle = pytest.importorskip("cattle")
    access, secret = api.auth if api.auth is not None else (None, None)
    client = cattle.Client(url=api.base_url, access_key=access, secret_key=secret, cache=False)
    name = unique("s7-cattle")
    key = client.create_api_key(name=name, description="via cattle")
    assert key.secretValue and len(key.secretValue) == 40
    key = client.wait_success(key)
    assert key.state == "active"
    listed = client.list_api_key(name=name)
    assert [k.id for k in listed] == [key.id]
    key = client.update(key, description="renamed via cattle")
    assert key.description == "renamed via cattle"
    key = client.wait_success(key.deactivate())
    assert key.state == "inactive"
    key = client.wait_success(key.activate())
    assert key.state == "active"
    key = client.wait_success(key.deactivate())
    key = client.wait_success(client.delete(key))
    assert key.state == "removed"
    key = client.wait_success(key.purge())
    assert key.state == "purged"
    assert client.by_id_api_key(key.id).state == "purged"
