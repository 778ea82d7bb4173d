"""Specs for the generic-generator test: the apiKey spec plus a small `fooBar` resource."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from gen_support import SPEC

STATES = ["registering", "activating", "active", "deactivating", "inactive", "removing", "removed"]
LIFECYCLE: dict[str, Any] = {
    "states": STATES,
    "transitioningStates": ["registering", "activating", "deactivating", "removing"],
    "create": {"through": "registering", "to": "active"},
    "actions": {
        "activate": {"from": ["inactive"], "through": "activating", "to": "active"},
        "deactivate": {
            "from": ["active", "registering"],
            "through": "deactivating",
            "to": "inactive",
        },
        "remove": {"from": ["inactive"], "through": "removing", "to": "removed"},
    },
    "actionsByState": {
        "registering": ["deactivate"],
        "activating": [],
        "active": ["deactivate"],
        "deactivating": [],
        "inactive": ["activate", "remove"],
        "removing": [],
        "removed": [],
    },
}
FILTERS: dict[str, list[str]] = {"id": ["eq", "ne"], "name": ["eq", "prefix"], "state": ["eq"]}
UNAUTHORIZED = {"401": {"$ref": "#/components/responses/Unauthorized"}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], status: str, description: str) -> dict[str, Any]:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def foo_bar_schema() -> dict[str, Any]:
    ro = {"create": False, "update": False}
    return {
        "type": "object",
        "description": "A small resource in the apiKey style, to show the generator is generic.",
        "required": [
            "id",
            "type",
            "links",
            "actions",
            "baseType",
            "name",
            "count",
            "state",
            "transitioning",
        ],
        "properties": {
            "id": {"type": "string", "readOnly": True, "x-rancher-field": {"type": "int", **ro}},
            "type": {"type": "string", "const": "fooBar", "readOnly": True},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
            "actions": {"type": "object", "additionalProperties": {"type": "string"}},
            "baseType": {"type": "string", "const": "fooBar", "readOnly": True},
            "name": {
                "type": ["string", "null"],
                "maxLength": 64,
                "x-rancher-field": {"type": "string", "create": True, "update": True},
            },
            "count": {
                "type": "integer",
                "default": 1,
                "x-rancher-field": {"type": "int", "create": True, "update": True},
            },
            "enabled": {
                "type": ["boolean", "null"],
                "x-rancher-field": {"type": "boolean", "create": True, "update": False},
            },
            "labels": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "x-rancher-field": {"type": "map[string]", "create": True, "update": True},
            },
            "state": {
                "type": "string",
                "readOnly": True,
                "enum": STATES,
                "x-rancher-field": {"type": "enum", **ro},
            },
            "transitioning": {
                "allOf": [_ref("Transitioning")],
                "readOnly": True,
                "x-rancher-field": {"type": "enum", **ro},
            },
            "for": {"type": ["string", "null"], "x-rancher-field": {"type": "string", **ro}},
        },
        "additionalProperties": True,
        "x-rancher-resource": {
            "type": "fooBar",
            "pluralName": "fooBars",
            "baseType": "fooBar",
            "operations": {
                "list": "listFooBars",
                "create": "createFooBar",
                "get": "getFooBar",
                "update": "updateFooBar",
                "action": "actionFooBar",
            },
            "collectionMethods": ["GET", "POST"],
            "resourceMethods": ["GET", "PUT"],
            "links": {"self": {}},
            "schemaActions": {"activate": {"input": None, "output": "fooBar"}},
        },
        "x-rancher-lifecycle": LIFECYCLE,
        "x-rancher-filters": {name: {"modifiers": mods} for name, mods in FILTERS.items()},
    }


def two_resource_spec() -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(yaml.load(SPEC.read_bytes(), Loader=yaml.CSafeLoader))
    schemas = document["components"]["schemas"]
    schemas["FooBar"] = foo_bar_schema()
    collection = copy.deepcopy(schemas["ApiKeyCollection"])
    collection["properties"]["resourceType"]["const"] = "fooBar"
    collection["properties"]["data"]["items"] = _ref("FooBar")
    collection.pop("x-rancher-collection-of", None)
    schemas["FooBarCollection"] = collection
    error = {"description": "Not Found", "content": {"application/json": {"schema": _ref("Error")}}}
    item_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    action_param = {
        "name": "action",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "enum": ["activate", "deactivate", "remove"]},
    }
    filter_params = [
        {
            "name": field if modifier == "eq" else f"{field}_{modifier}",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "x-rancher-filter": {"field": field, "modifier": modifier},
        }
        for field, modifiers in FILTERS.items()
        for modifier in modifiers
    ]
    document["paths"]["/v1/fooBars"] = {
        "get": {
            "operationId": "listFooBars",
            "parameters": [{"$ref": "#/components/parameters/limit"}, *filter_params],
            "responses": _json(_ref("FooBarCollection"), "200", "A collection"),
        },
        "post": {"operationId": "createFooBar", "responses": _json(_ref("FooBar"), "201", "Made")},
    }
    document["paths"]["/v1/fooBars/{id}"] = {
        "parameters": [item_param],
        "get": {
            "operationId": "getFooBar",
            "responses": {**_json(_ref("FooBar"), "200", "One"), "404": error},
        },
        "put": {"operationId": "updateFooBar", "responses": _json(_ref("FooBar"), "200", "Done")},
        "post": {
            "operationId": "actionFooBar",
            "parameters": [action_param],
            "responses": _json(_ref("FooBar"), "202", "Started"),
        },
    }
    for item in (document["paths"]["/v1/fooBars"], document["paths"]["/v1/fooBars/{id}"]):
        for method, op in item.items():
            if method != "parameters":
                op["responses"].update(UNAUTHORIZED)
    document["components"]["schemas"]["ApiRoot"]["properties"]["links"]["properties"]["fooBars"] = {
        "type": "string"
    }
    return document
