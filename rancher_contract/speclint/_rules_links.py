"""The rule on OpenAPI links: targets, parameters, constants and `$response.body` expressions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import Node, Operation, Parameter, SpecView
from rancher_contract.specmodel import split

NAME = "link-targets"
LOCATIONS = ("path", "query", "header", "cookie")
# OpenAPI runtime expressions (3.1, "Runtime Expressions"): the forms a link may use.
_EXPRESSION = re.compile(
    r"^\$(url|method|statusCode"
    r"|request\.(path|query|header)\.[^\s]+|request\.body(#.*)?"
    r"|response\.header\.[^\s]+|response\.body(#.*)?)$"
)


def _target(view: SpecView, link: Node) -> tuple[Operation | None, Finding | None]:
    data = link.as_dict()
    if "operationId" in data:
        op_id = data["operationId"]
        op = view.operations_by_id.get(op_id) if isinstance(op_id, str) else None
        if op is None:
            message = f"operationId {data['operationId']!r} names no operation"
            return None, Finding(NAME, link.child("operationId").pointer, message)
        return op, None
    if "operationRef" in data:
        ref = data["operationRef"]
        target = view.target_of(ref) if isinstance(ref, str) else None
        for op in view.operations:
            if target is not None and op.node.pointer == target.pointer:
                return op, None
        message = f"operationRef {ref!r} names no operation of this document"
        return None, Finding(NAME, link.child("operationRef").pointer, message)
    return None, Finding(NAME, link.pointer, "the link names no operationId or operationRef")


def _match(params: list[Parameter], key: str) -> Parameter | None:
    location, dot, name = key.partition(".")
    if dot and location in LOCATIONS:
        return next((p for p in params if p.location == location and p.name == name), None)
    return next((p for p in params if p.name == key), None)


def _check_link(view: SpecView, link: Node) -> Iterator[Finding]:
    """Checks that do not depend on the response the link hangs on."""
    op, problem = _target(view, link)
    if problem is not None:
        yield problem
    params = view.parameters(op) if op is not None else []
    supplied: set[tuple[str, str]] = set()
    for key, value in link.child("parameters").items():
        param = _match(params, key)
        if param is not None:
            supplied.add((param.location, param.name))
        if op is not None and param is None:
            yield Finding(NAME, value.pointer, f"{op.operation_id} has no parameter {key!r}")
        if isinstance(value.value, str) and value.value.startswith("$"):
            if not _EXPRESSION.match(value.value):
                message = f"{value.value!r} is not a runtime expression"
                yield Finding(NAME, value.pointer, message)
            continue
        if op is None or param is None or (isinstance(value.value, str) and "{$" in value.value):
            continue
        enum = view.enum_of(param.node.child("schema"))
        if enum is not None and value.value not in enum:
            yield Finding(
                NAME,
                value.pointer,
                f"{value.value!r} is not in the enum of {op.operation_id}'s {param.name}: "
                + ", ".join(map(str, enum)),
            )
    for param in params:
        if param.location == "path" and (param.location, param.name) not in supplied:
            yield Finding(
                NAME,
                link.child("parameters").pointer,
                f"the link gives no value for {op.operation_id if op else '?'}'s path parameter "
                f"{param.name!r}",
            )


def _body_schema(view: SpecView, response: Node) -> Node | None:
    for _, media in view.resolved(response).child("content").items():
        if "schema" in media.as_dict():
            return media.child("schema")
    return None


def _missing_property(view: SpecView, schema: Node, pointer: str) -> str | None:
    """The first segment of `pointer` that `schema` declares no property for, or None."""
    current: Node | None = schema
    for segment in split(pointer):
        if current is None:
            return segment
        branches: list[Node] = []
        for branch in view.schema_branches(current):
            branches.append(branch)
            for key in ("oneOf", "anyOf"):
                for member in branch.child(key).elements():
                    branches.extend(view.schema_branches(member))
        nxt: Node | None = None
        for branch in branches:
            props = branch.child("properties").as_dict()
            if segment in props:
                nxt = branch.child("properties", segment)
                break
            if segment.isdigit() and "items" in branch.as_dict():
                nxt = branch.child("items")
                break
        if nxt is None:
            return segment
        current = nxt
    return None


def _check_expressions(view: SpecView, response: Node, site: Node, link: Node) -> Iterator[Finding]:
    """`$response.body#/...` expressions name properties of the response's body schema."""
    values: list[tuple[str, Any, str]] = [
        (key, value.value, value.pointer) for key, value in link.child("parameters").items()
    ]
    body = link.child("requestBody")
    if isinstance(body.value, str):
        values.append(("requestBody", body.value, body.pointer))
    for key, value, pointer in values:
        if not isinstance(value, str) or not value.startswith("$response.body"):
            continue
        inline = site.pointer == link.pointer
        where = pointer if inline else site.pointer
        key = key if inline else f"{link.pointer.rsplit('/', 1)[-1]} {key}"
        _, _, body_pointer = value.partition("#")
        schema = _body_schema(view, response)
        if schema is None:
            yield Finding(NAME, where, f"{key}: {value} but the response has no body schema")
            continue
        try:
            missing = _missing_property(view, schema, body_pointer)
        except ValueError:
            yield Finding(NAME, where, f"{key}: {value!r} has no valid JSON pointer")
            continue
        if missing is not None:
            yield Finding(
                NAME,
                where,
                f"{key}: {value} names {missing!r}, which is no property of the response schema",
            )


@rule(NAME)
def link_targets(view: SpecView) -> Iterator[Finding]:
    """Links target existing operations, with real parameters, enum values and body properties."""
    responses: dict[str, Node] = {}
    for op in view.operations:
        for _, response in op.node.child("responses").items():
            resolved = view.resolve(response)
            if resolved is not None:
                responses.setdefault(resolved.pointer, resolved)
    for _, response in view.root.child("components", "responses").items():
        responses.setdefault(response.pointer, response)
    for response in responses.values():
        for _, site in response.child("links").items():
            link = view.resolve(site)
            if link is None or not isinstance(link.value, dict):
                continue
            yield from _check_link(view, link)
            yield from _check_expressions(view, response, site, link)
    for _, link in view.root.child("components", "links").items():
        yield from _check_link(view, link)
