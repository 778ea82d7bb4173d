"""Contract section 7: the Rancher schema document of apiKey agrees with the spec."""

from __future__ import annotations

from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec


def _schema_document(api: Api) -> dict[str, Any]:
    url = f"{api.links()['schemas'].rstrip('/')}/apikey"
    doc = api.get(url).expect("7.schema-document", 200).body
    if doc.get("type") != "schema" or str(doc.get("id", "")).lower() != "apikey":
        raise ContractViolation(
            "7.schema-document", f"GET {url} is not the apiKey schema: id {doc.get('id')!r}"
        )
    return doc


def _expected_nullable(prop: dict[str, Any]) -> bool | None:
    rancher = prop.get("x-rancher-field", {})
    if "nullable" in rancher:
        return bool(rancher["nullable"])
    types = prop.get("type")
    return isinstance(types, list) and "null" in types


@pytest.mark.contract("7.schema-document")
def test_resource_fields_agree_with_the_spec(api: Api) -> None:
    """§7: resourceFields carry each field's type, create/update flags, maxLength, options,
    readOnCreateOnly.
    """
    spec = load_spec()
    fields = _schema_document(api).get("resourceFields")
    if not isinstance(fields, dict):
        raise ContractViolation("7.schema-document", f"resourceFields is {fields!r}")
    problems = []
    for name, prop in spec.properties.items():
        rancher = prop.get("x-rancher-field")
        if rancher is None:
            continue
        got = fields.get(name)
        if not isinstance(got, dict):
            problems.append(f"{name}: missing")
            continue
        for flag in ("type", "create", "update"):
            if got.get(flag) != rancher[flag]:
                problems.append(f"{name}.{flag} is {got.get(flag)!r}, expected {rancher[flag]!r}")
        limit = spec.max_length(name)
        if limit is not None and got.get("maxLength") != limit:
            problems.append(f"{name}.maxLength is {got.get('maxLength')!r}, expected {limit}")
        nullable = _expected_nullable(prop)
        if nullable and got.get("nullable") is not True:
            problems.append(f"{name}.nullable is {got.get('nullable')!r}, expected true")
        if rancher.get("readOnCreateOnly") and got.get("readOnCreateOnly") is not True:
            problems.append(
                f"{name}.readOnCreateOnly is {got.get('readOnCreateOnly')!r}, expected true"
            )
    for name, enum_name in (("state", "ApiKeyState"), ("transitioning", "Transitioning")):
        expected = set(spec.raw["components"]["schemas"][enum_name]["enum"])
        options = (fields.get(name) or {}).get("options")
        if not isinstance(options, list) or set(options) != expected:
            problems.append(f"{name}.options is {options!r}, expected {sorted(expected)}")
    if problems:
        raise ContractViolation("7.schema-document", "; ".join(problems))


@pytest.mark.contract("7.schema-document")
def test_filters_actions_and_methods_agree_with_the_spec(api: Api) -> None:
    """§7: collectionFilters and modifiers, resourceActions, collectionMethods, resourceMethods."""
    spec = load_spec()
    doc = _schema_document(api)
    problems = []
    filters = doc.get("collectionFilters")
    if not isinstance(filters, dict):
        problems.append(f"collectionFilters is {filters!r}")
    else:
        for field, modifiers in spec.filters.items():
            got = (filters.get(field) or {}).get("modifiers")
            if not isinstance(got, list) or set(got) != set(modifiers):
                problems.append(
                    f"collectionFilters.{field} modifiers are {got!r}, expected {sorted(modifiers)}"
                )
    actions = doc.get("resourceActions")
    if not isinstance(actions, dict) or not spec.lifecycle_actions <= set(actions):
        problems.append(
            f"resourceActions {sorted(actions or {})} lack {sorted(spec.lifecycle_actions)}"
        )
    for key, expected in (
        ("collectionMethods", spec.collection_methods),
        ("resourceMethods", spec.resource_methods),
    ):
        got = doc.get(key)
        if not isinstance(got, list) or set(got) != set(expected):
            problems.append(f"{key} is {got!r}, expected {list(expected)}")
    if problems:
        raise ContractViolation("7.schema-document", "; ".join(problems))


@pytest.mark.contract("7.schema-document")
def test_schema_links_and_collection(api: Api) -> None:
    """§7: links.collection is the apiKey collection; GET /v1/schemas lists the apiKey schema."""
    doc = _schema_document(api)
    collection = (doc.get("links") or {}).get("collection")
    if not isinstance(collection, str):
        raise ContractViolation("7.schema-document", f"links.collection is {collection!r}")
    listed = api.get(collection, params={"limit": "1"}).expect("7.schema-document", 200).body
    if listed.get("resourceType") != "apiKey":
        raise ContractViolation(
            "7.schema-document", f"links.collection {collection} is not the apiKey collection"
        )
    schemas = api.get(api.links()["schemas"]).expect("7.schema-document", 200).body
    ids = [
        str(item.get("id", "")).lower()
        for item in schemas.get("data", [])
        if isinstance(item, dict)
    ]
    if schemas.get("type") != "collection" or "apikey" not in ids:
        raise ContractViolation(
            "7.schema-document", f"GET /v1/schemas does not list apiKey (ids {ids[:10]})"
        )
    again = (
        api.get(f"{api.links()['schemas'].rstrip('/')}/apiKey")
        .expect("7.schema-document", 200)
        .body
    )
    if str(again.get("id", "")).lower() != "apikey":
        raise ContractViolation(
            "7.schema-document", "GET /v1/schemas/apiKey is not the apiKey schema"
        )
