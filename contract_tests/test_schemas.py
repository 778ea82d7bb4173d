"""Contract section 7: the schema document of each selected resource of the spec set links to its
collection, and /v1/schemas lists it. What a schema document declares is checked against the spec
by `test_resources.py::test_schema_document_agrees_with_the_spec`."""

from __future__ import annotations

from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.specmodel import Resource


def _schema_document(api: Api, type_name: str) -> dict[str, Any]:
    url = f"{api.links()['schemas'].rstrip('/')}/{type_name.lower()}"
    doc = api.get(url).expect("7.schema-document", 200).body
    if doc.get("type") != "schema" or str(doc.get("id", "")).lower() != type_name.lower():
        raise ContractViolation(
            "7.schema-document", f"GET {url} is not the {type_name} schema: id {doc.get('id')!r}"
        )
    return doc


@pytest.mark.contract("7.schema-document")
def test_schema_links_and_collection(api: Api, resource: Resource) -> None:
    """§7: links.collection is the resource's collection; GET /v1/schemas lists its schema; the
    type's own spelling names it too."""
    type_name = resource.type
    doc = _schema_document(api, type_name)
    collection = (doc.get("links") or {}).get("collection")
    if not isinstance(collection, str):
        raise ContractViolation("7.schema-document", f"links.collection is {collection!r}")
    listed = api.get(collection, params={"limit": "1"}).expect("7.schema-document", 200).body
    if listed.get("resourceType") != type_name:
        raise ContractViolation(
            "7.schema-document",
            f"links.collection {collection} is not the {type_name} collection",
        )
    schemas = api.get(api.links()["schemas"]).expect("7.schema-document", 200).body
    ids = [
        str(item.get("id", "")).lower()
        for item in schemas.get("data", [])
        if isinstance(item, dict)
    ]
    if schemas.get("type") != "collection" or type_name.lower() not in ids:
        raise ContractViolation(
            "7.schema-document", f"GET /v1/schemas does not list {type_name} (ids {ids[:10]})"
        )
    again = (
        api.get(f"{api.links()['schemas'].rstrip('/')}/{type_name}")
        .expect("7.schema-document", 200)
        .body
    )
    if str(again.get("id", "")).lower() != type_name.lower():
        raise ContractViolation(
            "7.schema-document", f"GET /v1/schemas/{type_name} is not the {type_name} schema"
        )
