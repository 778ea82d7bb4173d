"""Response bodies checked with jsonschema against the spec's own JSON Schemas: what the schemas
state (types, patterns, enums, formats, required properties) is never re-written by hand.

`problems(type, body)` validates one resource of a spec resource type against its component schema;
`collection_problems(type, body)` a collection against the collection schema.

Every response of a run is validated (hundreds of resources per collection page), so a body is first
checked with jsonschema-rs (schemathesis's own validator, about fifty times faster); the Python
`jsonschema` package words what is wrong when a body fails.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]

from rancher_contract.contract_tests.resources import spec_model
from rancher_contract.paths import SPEC_DIR
from rancher_contract.specmodel import load_documents, spec_files

__all__ = ["collection_problems", "field_problems", "problems", "validator_for"]

_FORMATS = FormatChecker()


@cache
def _documents() -> dict[str, dict[str, Any]]:
    """The spec files of the set by display path."""
    return {doc.display_path: doc.document for doc in load_documents(spec_files(SPEC_DIR))}


def _root(schema_name: str, source: str) -> dict[str, Any]:
    document = _documents().get(source)
    if document is None:  # a model read from elsewhere: look the schema up in every file
        document = next(
            d
            for d in _documents().values()
            if schema_name in d.get("components", {}).get("schemas", {})
        )
    return {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}


@cache
def validator_for(schema_name: str, source: str) -> Draft202012Validator:
    """A validator for `#/components/schemas/<schema_name>` of the spec file `source`."""
    return Draft202012Validator(_root(schema_name, source), format_checker=_FORMATS)


@cache
def _fast(schema_name: str, source: str) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(_root(schema_name, source), validate_formats=True)


def _valid(schema_name: str, source: str, body: Any) -> bool:
    return bool(_fast(schema_name, source).is_valid(body))


def _errors(validator: Draft202012Validator, body: Any, limit: int = 5) -> list[tuple[str, str]]:
    found = []
    for error in sorted(
        validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        path = [str(p) for p in error.absolute_path]
        where = "/".join(path) or "(the body)"
        found.append((path[0] if path else "", f"{where}: {error.message[:200]}"))
        if len(found) >= limit:
            break
    return found


def _messages(validator: Draft202012Validator, body: Any) -> list[str]:
    return [message for _, message in _errors(validator, body)]


def field_problems(type_name: str, body: Any) -> list[tuple[str, str]]:
    """`problems` with the property each is about ("" for the body itself)."""
    resource = spec_model().resource(type_name)
    if resource is None or _valid(resource.schema_name, resource.source, body):
        return []
    return _errors(validator_for(resource.schema_name, resource.source), body)


def problems(type_name: str, body: Any) -> list[str]:
    """What the resource schema of `type_name` says is wrong with `body` (empty: nothing)."""
    resource = spec_model().resource(type_name)
    if resource is None or _valid(resource.schema_name, resource.source, body):
        return []
    return _messages(validator_for(resource.schema_name, resource.source), body)


def collection_problems(type_name: str, body: Any) -> list[str]:
    """The same for a collection of `type_name` (its envelope and every resource in it)."""
    resource = spec_model().resource(type_name)
    if resource is None or resource.collection_schema is None:
        return []
    if _valid(resource.collection_schema, resource.source, body):
        return []
    return _messages(validator_for(resource.collection_schema, resource.source), body)
