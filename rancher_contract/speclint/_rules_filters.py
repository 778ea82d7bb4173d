"""The rule on filters: `x-rancher-filters` on a resource, `x-rancher-filter` on parameters."""

from __future__ import annotations

from collections.abc import Iterator

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import Resource, SpecView
from rancher_contract.specmodel import FILTER_MODIFIERS
from rancher_contract.specmodel import filter_parameter_name as parameter_name

NAME = "filter-params"


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@rule(NAME)
def filter_params(view: SpecView) -> Iterator[Finding]:
    """Filter parameters name declared filter fields and modifiers, and every pair has one."""
    list_ops: dict[str, Resource] = {}
    for resource in view.resources:
        op_id = resource.extension.child("operations", "list").value
        if isinstance(op_id, str):
            list_ops[op_id] = resource

    # the declarations on each resource
    for resource in view.resources:
        props = view.properties(resource.schema)
        for field, entry in resource.schema.child("x-rancher-filters").items():
            if field not in props and entry.as_dict().get("hidden") is not True:
                yield Finding(
                    NAME,
                    entry.pointer,
                    f"filter field {field!r} is not a property of {resource.name} "
                    "and is not declared hidden: true",
                )
            for item in entry.child("modifiers").elements():
                if item.value not in FILTER_MODIFIERS:
                    yield Finding(NAME, item.pointer, f"{item.value!r} is not a filter modifier")

    # the parameters of every operation
    for op in view.operations:
        owner = list_ops.get(op.operation_id or "")
        filters = owner.schema.child("x-rancher-filters") if owner else None
        declared = filters.as_dict() if filters else {}
        covered: set[tuple[str, str]] = set()
        for param in view.parameters(op):
            ext = param.node.child("x-rancher-filter")
            if "x-rancher-filter" not in param.node.as_dict():
                continue
            if owner is None:
                yield Finding(
                    NAME,
                    ext.pointer,
                    f"a filter on {op.label}, which is no resource's list operation",
                )
                continue
            if param.location != "query":
                yield Finding(NAME, param.node.child("in").pointer, "a filter is a query parameter")
            field_name, modifier = ext.as_dict().get("field"), ext.as_dict().get("modifier")
            if not isinstance(field_name, str) or field_name not in declared:
                yield Finding(
                    NAME,
                    ext.child("field").pointer,
                    f"{field_name!r} is not declared in x-rancher-filters of {owner.name}",
                )
                continue
            allowed = filters.child(field_name, "modifiers").value if filters else None
            if not isinstance(modifier, str) or modifier not in _strings(allowed):
                yield Finding(
                    NAME,
                    ext.child("modifier").pointer,
                    f"modifier {modifier!r} is not allowed for {field_name}",
                )
                continue
            if param.name != parameter_name(field_name, modifier):
                yield Finding(
                    NAME,
                    param.node.child("name").pointer,
                    f"the {field_name} {modifier} filter must be called "
                    f"{parameter_name(field_name, modifier)!r}, not {param.name!r}",
                )
            if (field_name, modifier) in covered:
                yield Finding(
                    NAME, ext.pointer, f"a second parameter filters {field_name} {modifier}"
                )
            covered.add((field_name, modifier))
        # completeness: every declared field x modifier has its parameter
        if owner is not None and filters is not None:
            for field_name, entry in filters.items():
                for item in entry.child("modifiers").elements():
                    if isinstance(item.value, str) and (field_name, item.value) not in covered:
                        yield Finding(
                            NAME,
                            item.pointer,
                            f"{op.operation_id} has no parameter "
                            f"{parameter_name(field_name, item.value)!r} "
                            f"filtering {field_name} {item.value}",
                        )
