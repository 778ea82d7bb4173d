"""A read-only view of a spec for the rules: local `$ref` resolution and the lookups they share.

Every lookup tolerates a malformed document (a list where a mapping belongs, a missing key): the
OpenAPI validator reports those, the rules only skip what they cannot read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from rancher_contract.specmodel import (
    HTTP_METHODS,
    MISSING,
    SpecModel,
    build_model,
    follow_refs,
    join,
    lookup,
    split,
)

__all__ = ["HTTP_METHODS", "Node", "Operation", "Parameter", "Resource", "SpecView"]


@dataclass(frozen=True)
class Node:
    """A value of the document and the JSON pointer where it is written."""

    value: Any
    pointer: str

    def as_dict(self) -> dict[str, Any]:
        """The value if it is a mapping, else an empty one."""
        return self.value if isinstance(self.value, dict) else {}

    def child(self, *segments: str | int) -> Node:
        """The node at `segments` below this one (value MISSING when absent)."""
        value = self.value
        for segment in segments:
            if isinstance(value, dict):
                value = value.get(segment, MISSING)
            elif isinstance(value, list) and isinstance(segment, int) and segment < len(value):
                value = value[segment]
            else:
                value = MISSING
        return Node(value, join(self.pointer, *segments))

    def items(self) -> Iterator[tuple[str, Node]]:
        """(key, child) for every entry of a mapping value, keys as strings."""
        for key, value in self.as_dict().items():
            yield str(key), Node(value, join(self.pointer, str(key)))

    def elements(self) -> Iterator[Node]:
        """Every element of a list value, with its pointer."""
        if isinstance(self.value, list):
            for index, value in enumerate(self.value):
                yield Node(value, join(self.pointer, index))


@dataclass(frozen=True)
class Operation:
    """An operation (`paths/{path}/{method}`) with its path item."""

    path: str
    method: str
    node: Node
    path_item: Node

    @property
    def operation_id(self) -> str | None:
        """The operationId, when it is a string."""
        value = self.node.as_dict().get("operationId")
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        """`METHOD /path`, as people (and schemathesis) name operations."""
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class Parameter:
    """A resolved parameter: where it is written and where it is used."""

    name: str
    location: str
    node: Node  # the resolved parameter object
    used_at: str  # the pointer of the entry in the `parameters` list (the `$ref` or the object)


@dataclass(frozen=True)
class Resource:
    """A resource schema: a component schema carrying `x-rancher-resource`."""

    name: str
    schema: Node

    @property
    def extension(self) -> Node:
        """The `x-rancher-resource` node."""
        return self.schema.child("x-rancher-resource")


class SpecView:
    """The document plus cached lookups; built once per `check_rules` call."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.root = Node(document, "")
        self._ref_cache: dict[str, Node | None] = {}

    @cached_property
    def model(self) -> SpecModel:
        """The spec model of the document: the facts the rules check, read once."""
        return build_model(self.document)

    # --- references -------------------------------------------------------------------------

    def target_of(self, ref: str) -> Node | None:
        """The node a local `#/...` reference names (one step), or None when it names nothing."""
        if ref in self._ref_cache:
            return self._ref_cache[ref]
        found: Node | None = None
        if ref == "#" or ref.startswith("#/"):
            pointer = ref[1:]
            try:
                value = lookup(self.document, split(pointer))
            except ValueError:
                value = MISSING
            if value is not MISSING:
                found = Node(value, pointer)
        self._ref_cache[ref] = found
        return found

    def resolve(self, node: Node) -> Node | None:
        """`node` with any chain of `$ref`s followed; None when a reference is broken or cyclic."""
        value, pointer = follow_refs(self.document, node.value, node.pointer)
        return None if value is MISSING else Node(value, pointer)

    def resolved(self, node: Node) -> Node:
        """Like resolve(), but a broken reference gives an empty node (the ref rule reports it)."""
        found = self.resolve(node)
        return found if found is not None else Node(MISSING, node.pointer)

    def iter_refs(self) -> Iterator[tuple[str, str]]:
        """(pointer of the `$ref` key, reference) for every `$ref` string in the document."""
        stack: list[tuple[Any, str]] = [(self.document, "")]
        while stack:
            value, pointer = stack.pop()
            if isinstance(value, dict):
                ref = value.get("$ref")
                if isinstance(ref, str):
                    yield join(pointer, "$ref"), ref
                for key, child in value.items():
                    if isinstance(child, dict | list):
                        stack.append((child, join(pointer, str(key))))
            elif isinstance(value, list):
                for index, child in enumerate(value):
                    if isinstance(child, dict | list):
                        stack.append((child, join(pointer, index)))

    # --- operations and parameters ----------------------------------------------------------

    @cached_property
    def operations(self) -> list[Operation]:
        """Every operation, in document order."""
        found = []
        for path, item in self.root.child("paths").items():
            path_item = self.resolved(item)
            for method in HTTP_METHODS:
                op = path_item.child(method)
                if isinstance(op.value, dict):
                    found.append(Operation(path, method, op, path_item))
        return found

    @cached_property
    def operations_by_id(self) -> dict[str, Operation]:
        """operationId -> the first operation carrying it."""
        by_id: dict[str, Operation] = {}
        for op in self.operations:
            if op.operation_id is not None:
                by_id.setdefault(op.operation_id, op)
        return by_id

    def parameters(self, op: Operation) -> list[Parameter]:
        """The operation's parameters, path-level ones included (an operation-level one wins)."""
        by_key: dict[tuple[str, str], Parameter] = {}
        for owner in (op.path_item, op.node):
            for entry in owner.child("parameters").elements():
                param = self.resolved(entry)
                name, location = param.as_dict().get("name"), param.as_dict().get("in")
                if isinstance(name, str) and isinstance(location, str):
                    by_key[(location, name)] = Parameter(name, location, param, entry.pointer)
        return list(by_key.values())

    # --- schemas ----------------------------------------------------------------------------

    @cached_property
    def resources(self) -> list[Resource]:
        """Every component schema carrying `x-rancher-resource`."""
        return [
            Resource(name, schema)
            for name, schema in self.root.child("components", "schemas").items()
            if isinstance(schema.as_dict().get("x-rancher-resource"), dict)
        ]

    def schema_branches(self, schema: Node) -> Iterator[Node]:
        """`schema` resolved, then (recursively) its `allOf` members: the parts that all apply."""
        stack = [schema]
        seen: set[str] = set()
        while stack:
            node = self.resolve(stack.pop())
            if node is None or node.pointer in seen or not isinstance(node.value, dict):
                continue
            seen.add(node.pointer)
            yield node
            stack.extend(reversed(list(node.child("allOf").elements())))

    def properties(self, schema: Node) -> dict[str, Node]:
        """Declared properties of `schema`, through `$ref` and `allOf` (first declaration wins)."""
        found: dict[str, Node] = {}
        for branch in self.schema_branches(schema):
            for name, prop in branch.child("properties").items():
                found.setdefault(name, prop)
        return found

    def enum_of(self, schema: Node) -> list[Any] | None:
        """The allowed values of `schema` (`enum` or `const`, through `$ref`/`allOf`), or None."""
        for branch in self.schema_branches(schema):
            value = branch.as_dict()
            if isinstance(value.get("enum"), list):
                return list(value["enum"])
            if "const" in value:
                return [value["const"]]
        return None

    def component_schema(self, name: object) -> Node | None:
        """The component schema called `name`, or None."""
        if not isinstance(name, str):
            return None
        node = self.root.child("components", "schemas", name)
        return node if isinstance(node.value, dict) else None
