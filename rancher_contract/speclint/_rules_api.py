"""Rules on what the spec model reads besides resources and lifecycles: page limits, the Basic
challenge, the error catalog, required fields and the methods of each role."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import SpecView
from rancher_contract.specmodel import MISSING, join

_CHALLENGE = re.compile(r'^Basic realm="[^"]+"$')
# The status errors every server answers (the rest of the catalog is up to the spec).
_NEEDED_REASONS = (401, 404, 405, 409)
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})


@rule("collection-limits")
def collection_limits(view: SpecView) -> Iterator[Finding]:
    """Every list operation has a `limit` parameter with an integer default and `x-rancher-max`."""
    for resource in view.model.resources:
        list_op = resource.operation("list")
        if list_op is None:
            continue
        limits = resource.limits
        if limits is None:
            yield Finding(
                "collection-limits",
                list_op.pointer,
                f"{list_op.operation_id} has no `limit` query parameter whose schema has an "
                "integer `default` and `x-rancher-max`",
            )
        elif not 1 <= limits.default <= limits.maximum:
            yield Finding(
                "collection-limits",
                limits.pointer,
                f"the default page size {limits.default} is not within 1..{limits.maximum}",
            )


@rule("basic-challenge")
def basic_challenge(view: SpecView) -> Iterator[Finding]:
    """`components/headers/WWW-Authenticate` fixes the Basic challenge (`const`) with its realm."""
    challenge = view.model.www_authenticate
    if challenge is None or not _CHALLENGE.match(challenge):
        yield Finding(
            "basic-challenge",
            "/components/headers/WWW-Authenticate",
            'no WWW-Authenticate header whose schema is a const `Basic realm="..."`'
            + (f" (found {challenge!r})" if challenge is not None else ""),
        )


@rule("error-catalog")
def error_catalog(view: SpecView) -> Iterator[Finding]:
    """The error schema's `x-rancher-errors` gives the status reasons and the codes' statuses."""
    owners = [
        name
        for name, schema in view.root.child("components", "schemas").items()
        if "x-rancher-errors" in schema.as_dict()
    ]
    if len(owners) != 1:
        where = "/components/schemas"
        yield Finding(
            "error-catalog",
            where,
            f"exactly one schema (the error object) must carry x-rancher-errors, not {len(owners)}",
        )
        return
    node = view.root.child("components", "schemas", owners[0], "x-rancher-errors")
    for status, reason in node.child("reasons").items():
        if not (status.isdigit() and 400 <= int(status) <= 599) or not isinstance(
            reason.value, str
        ):
            yield Finding(
                "error-catalog", reason.pointer, "a reason is an error status -> its text"
            )
    missing = [s for s in _NEEDED_REASONS if view.model.errors.reason(s) is None]
    if missing:
        yield Finding(
            "error-catalog",
            node.child("reasons").pointer,
            f"no reason for {', '.join(map(str, missing))}",
        )
    for code, entry in node.child("codes").items():
        value = entry.value
        if not isinstance(value, int) or isinstance(value, bool) or not 400 <= value <= 599:
            yield Finding("error-catalog", entry.pointer, f"{code}: the status must be 4xx/5xx")


@rule("required-fields")
def required_fields(view: SpecView) -> Iterator[Finding]:
    """A field is `x-rancher-field.required` iff it is create-able and required by createSchema."""
    for raw in view.resources:
        for name, prop in view.properties(raw.schema).items():
            declared = prop.child("x-rancher-field", "required")
            if declared.value is not MISSING and not isinstance(declared.value, bool):
                yield Finding(
                    "required-fields", declared.pointer, f"{name}: `required` must be true or false"
                )
    for resource in view.model.resources:
        body = view.component_schema(resource.create_schema)
        listed = body.as_dict().get("required") if body is not None else None
        in_body = {v for v in listed if isinstance(v, str)} if isinstance(listed, list) else set()
        for field in resource.fields:
            if field.required and not field.create:
                yield Finding(
                    "required-fields",
                    join(field.pointer, "x-rancher-field", "required"),
                    f"{field.name} is required but not create-able",
                )
            if body is not None and field.required != (field.name in in_body):
                where = "is" if field.name in in_body else "is not"
                yield Finding(
                    "required-fields",
                    join(field.pointer, "x-rancher-field"),
                    f"{field.name} has required: {str(field.required).lower()} but {where} in "
                    f"the `required` of {resource.create_schema}",
                )


@rule("role-methods")
def role_methods(view: SpecView) -> Iterator[Finding]:
    """The methods of the resource and of each role are HTTP methods; a role gets no more."""
    for resource in view.model.resources:
        extension = join(resource.pointer, "x-rancher-resource")
        default = (resource.collection_methods, resource.resource_methods)
        for role in (None, *(entry.role for entry in resource.roles)):
            where = extension if role is None else join(extension, "roles", role)
            for index, (key, methods) in enumerate(
                zip(
                    ("collectionMethods", "resourceMethods"),
                    resource.methods_for(role),
                    strict=True,
                )
            ):
                unknown = sorted(set(methods) - _METHODS)
                extra = sorted(set(methods) - set(default[index]))
                if unknown:
                    yield Finding("role-methods", join(where, key), f"unknown methods {unknown}")
                elif extra:
                    yield Finding(
                        "role-methods",
                        join(where, key),
                        f"the {role} role gets {extra}, which the resource does not offer",
                    )
