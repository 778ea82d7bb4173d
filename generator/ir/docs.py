"""The documentation page of a resource (the form of Rancher's v1.2 API docs), from the IR."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .model import Field, Resource

__all__ = ["COMMON_FIELDS", "DocsOperation", "DocsPage", "docs_page"]

# Rancher's docs list these once, on the "common resource fields" page, not in each resource's table
COMMON_FIELDS = frozenset(
    {
        "accountId",
        "created",
        "createdTS",
        "data",
        "kind",
        "removeTime",
        "removed",
        "removedTS",
        "state",
        "transitioning",
        "transitioningMessage",
        "transitioningProgress",
        "uuid",
    }
)
_EXAMPLES = {
    "string": "string",
    "integer": 0,
    "number": 0.0,
    "boolean": False,
    "object": {},
    "array": [],
}
_TITLES = {"list": "List", "create": "Create", "get": "Get", "update": "Update", "delete": "Delete"}


@dataclass(frozen=True)
class DocsOperation:
    anchor: str
    title: str
    method: str
    path: str  # with ${ID}
    body: str | None  # the JSON body, tab-indented like Rancher's pages


@dataclass(frozen=True)
class DocsPage:
    table_fields: tuple[Field, ...]
    notes: dict[str, str]
    operations: tuple[DocsOperation, ...]
    item_path: str


def _body(fields: tuple[Field, ...]) -> str:
    example = {
        f.wire_name: _EXAMPLES.get(f.kind, "string")
        for f in sorted(fields, key=lambda f: f.wire_name)
    }
    return json.dumps(example, indent="\t")


def docs_page(resource: Resource) -> DocsPage:
    table = tuple(f for f in resource.rancher_fields if f.wire_name not in COMMON_FIELDS)
    notes = {f.wire_name: (f.description or "").strip().rstrip(".") for f in table}
    item_path = resource.item_path.split("{")[0] + "${ID}"
    operations = []
    for op in resource.operations:
        if op.kind == "action":
            continue
        path = resource.collection_path if op.kind in ("list", "create") else item_path
        body = None
        if op.kind == "create":
            body = _body(resource.create_fields)
        elif op.kind == "update":
            body = _body(resource.update_fields)
        operations.append(DocsOperation(op.kind, _TITLES[op.kind], op.method, path, body))
    return DocsPage(table, notes, tuple(operations), item_path)
