"""The Rancher-native schema document of a resource (`GET /v1/schemas/{type}`), from the IR."""

from __future__ import annotations

from typing import Any

from .model import Api, Resource

__all__ = ["schema_document"]


def schema_document(api: Api, resource: Resource, role: str | None = None) -> dict[str, Any]:
    """What a Rancher server answers at `/v1/schemas/{type}`, written for `api.base_url`.

    Only properties carrying `x-rancher-field` are resource fields. `nullable`, `required` and
    `minLength` are present only when set (gdapi's rendering; Rancher omits `nullable` for `state`
    and `transitioning`). The options of the state field are sorted, as cattle lists the states
    of its state set; other enums keep the spec's order. `role` names a Rancher role the spec
    offers other methods (`x-rancher-resource.roles`); None: the resource's own methods.
    """
    states = set(resource.lifecycle.states)
    fields: dict[str, Any] = {}
    for field in resource.rancher_fields:
        declared = field.rancher
        assert declared is not None
        entry: dict[str, Any] = {
            "type": declared.type,
            "description": None,
            "create": declared.create,
            "update": declared.update,
        }
        if declared.nullable:
            entry["nullable"] = True
        entry["readOnCreateOnly"] = declared.read_on_create_only
        if declared.required:
            entry["required"] = True
        if declared.min_length is not None:
            entry["minLength"] = declared.min_length
        if declared.max_length is not None:
            entry["maxLength"] = declared.max_length
        if declared.options is not None:
            options = list(declared.options)
            entry["options"] = sorted(options) if set(options) == states else options
        fields[field.wire_name] = entry
    base = api.base_url
    collection_methods, resource_methods = resource.collection_methods, resource.resource_methods
    for name, collection, item in resource.roles:
        if name == role:
            collection_methods, resource_methods = collection, item
    return {
        "id": resource.type,
        "type": "schema",
        "links": {
            "self": f"{base}/v1/schemas/{resource.type.lower()}",
            "collection": f"{base}/v1/{resource.url_segment}",
        },
        "actions": {},
        "pluralName": resource.plural,
        "resourceFields": fields,
        "collectionFilters": {
            flt.wire_name: {"modifiers": list(flt.modifiers)}
            for flt in sorted(resource.filters, key=lambda f: f.wire_name)
        },
        "includeableLinks": [link.name for link in resource.links],
        "resourceActions": {
            action.name: {"input": action.input, "output": action.output}
            for action in resource.schema_actions
        },
        "collectionActions": {},
        "collectionFields": {},
        "collectionMethods": list(collection_methods),
        "resourceMethods": list(resource_methods),
        "baseType": "schema",
    }
