"""Rules on `x-rancher-field`: the create/update flags and the Rancher field types."""

from __future__ import annotations

from collections.abc import Iterator

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import Node, Resource, SpecView
from rancher_contract.specmodel import is_rancher_type


def _body_schema(view: SpecView, resource: Resource, key: str) -> tuple[Node | None, list[Finding]]:
    name = resource.extension.child(key)
    schema = view.component_schema(name.value)
    if schema is None:
        message = f"{key} {name.value!r} of {resource.name} names no component schema"
        return None, [Finding("field-flags", name.pointer, message)]
    return schema, []


@rule("field-flags")
def field_flags(view: SpecView) -> Iterator[Finding]:
    """`x-rancher-field` create/update flags match the create/update schemas; types are known."""
    resource_types = frozenset(view.model.types)
    for resource in view.resources:
        props = view.properties(resource.schema)
        bodies: dict[str, dict[str, Node]] = {}
        body_names: dict[str, str] = {}
        for flag, key in (("create", "createSchema"), ("update", "updateSchema")):
            if key not in resource.extension.as_dict():
                continue
            schema, problems = _body_schema(view, resource, key)
            yield from problems
            if schema is not None:
                bodies[flag] = view.properties(schema)
                body_names[flag] = str(resource.extension.as_dict()[key])
        for name, prop in props.items():
            field = prop.child("x-rancher-field")
            if not isinstance(field.value, dict):
                for flag, body in bodies.items():
                    if name in body:
                        yield Finding(
                            "field-flags",
                            body[name].pointer,
                            f"{name} is in the {flag} body but {resource.name}.{name} has no "
                            f"x-rancher-field with {flag}: true",
                        )
                continue
            for flag, body in bodies.items():
                declared = field.value.get(flag)
                if declared not in (True, False):
                    yield Finding(
                        "field-flags", field.pointer, f"{name}: `{flag}` must be true or false"
                    )
                elif declared != (name in body):
                    where = "is" if name in body else "is not"
                    yield Finding(
                        "field-flags",
                        field.child(flag).pointer,
                        f"{name} has {flag}: {str(declared).lower()} but {where} a property of "
                        f"{body_names[flag]}",
                    )
            if not is_rancher_type(field.value.get("type"), resource_types):
                yield Finding(
                    "field-flags",
                    field.child("type").pointer,
                    f"{name}: {field.value.get('type')!r} is not a Rancher field type",
                )
        for flag, body in bodies.items():
            for name, prop in body.items():
                if name not in props:
                    yield Finding(
                        "field-flags",
                        prop.pointer,
                        f"{name} is in the {flag} body but is not a property of {resource.name}",
                    )
        for name, entry in resource.schema.child("x-rancher-filters").items():
            declared_type = entry.as_dict().get("type")
            if declared_type is not None and not is_rancher_type(declared_type, resource_types):
                yield Finding(
                    "field-flags",
                    entry.child("type").pointer,
                    f"filter {name}: {declared_type!r} is not a Rancher field type",
                )
