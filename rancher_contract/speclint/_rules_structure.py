"""Rules on the document's structure: references, operation ids, the 401 responses."""

from __future__ import annotations

from collections.abc import Iterator

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import SpecView


@rule("ref-resolves")
def refs_resolve(view: SpecView) -> Iterator[Finding]:
    """Every `$ref` is local (`#/...`), names something that exists, and no chain of them loops."""
    found = []
    for pointer, ref in view.iter_refs():
        if not ref.startswith("#"):
            found.append(
                Finding("ref-resolves", pointer, f"{ref!r} is not a local reference ('#/...')")
            )
        elif view.target_of(ref) is None:
            found.append(Finding("ref-resolves", pointer, f"{ref!r} names nothing in the document"))
        elif _loops(view, ref):
            found.append(
                Finding("ref-resolves", pointer, f"{ref!r} is circular (a chain of $refs)")
            )
    yield from sorted(found, key=lambda f: f.pointer)


def _loops(view: SpecView, ref: str) -> bool:
    """Whether following `ref` comes back to a reference already followed (a broken link is not)."""
    seen = {ref}
    target = view.target_of(ref)
    while target is not None and isinstance(target.value, dict):
        nxt = target.value.get("$ref")
        if not isinstance(nxt, str):
            return False
        if nxt in seen:
            return True
        seen.add(nxt)
        target = view.target_of(nxt)
    return False


@rule("operation-id")
def operation_ids(view: SpecView) -> Iterator[Finding]:
    """Every operation has an operationId, and no two operations share one."""
    first: dict[str, str] = {}
    for op in view.operations:
        value = op.node.as_dict().get("operationId")
        if not isinstance(value, str) or not value:
            yield Finding("operation-id", op.node.pointer, f"{op.label} has no operationId")
        elif value in first:
            yield Finding(
                "operation-id",
                op.node.child("operationId").pointer,
                f"operationId {value!r} of {op.label} is already used by {first[value]}",
            )
        else:
            first[value] = op.label


@rule("unauthorized-response")
def unauthorized_documented(view: SpecView) -> Iterator[Finding]:
    """Every operation documents its 401 response (every request needs credentials)."""
    for op in view.operations:
        responses = op.node.child("responses")
        if "401" not in {str(code) for code in responses.as_dict()}:
            yield Finding(
                "unauthorized-response", responses.pointer, f"{op.label} documents no 401 response"
            )


@rule("resource-operations")
def resource_operations(view: SpecView) -> Iterator[Finding]:
    """The operations named in `x-rancher-resource.operations` exist."""
    for resource in view.resources:
        for role, op_id in resource.extension.child("operations").items():
            if not isinstance(op_id.value, str) or op_id.value not in view.operations_by_id:
                yield Finding(
                    "resource-operations",
                    op_id.pointer,
                    f"the {role} operation of {resource.name}, {op_id.value!r}, is no operationId",
                )
