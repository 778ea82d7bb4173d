"""Rancher's fixed vocabulary: the words a spec may use in its extensions, listed once.

Field types are gdapi-java's `FieldType` as cattle (Rancher 1.x) renders them in `/v1/schemas`:
the simple types, plus the parametrised `reference[type]`, `array[T]` and `map[T]`. The filter
modifiers are gdapi's `ConditionType` names as query suffixes (`name_prefix=...`).
"""

from __future__ import annotations

import re

__all__ = [
    "ENVELOPE_PROPERTIES",
    "FILTER_MODIFIERS",
    "HTTP_METHODS",
    "OPERATION_KINDS",
    "RANCHER_SIMPLE_TYPES",
    "TRANSITIONING_VALUES",
    "filter_parameter_name",
    "is_rancher_type",
]

RANCHER_SIMPLE_TYPES = frozenset(
    {
        "string",
        "password",
        "int",
        "float",
        "boolean",
        "date",
        "enum",
        "json",
        "blob",
        "dnsLabel",
        "dnsLabelRestricted",
        "hostname",
        "type",
    }
)
FILTER_MODIFIERS = (
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "prefix",
    "like",
    "notlike",
    "null",
    "notnull",
)
# The values of a resource's `transitioning` field.
TRANSITIONING_VALUES = ("yes", "no", "error")
# Rendered by a server from the resource's definition, not stored in a record.
ENVELOPE_PROPERTIES = ("type", "links", "actions", "baseType")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The operations `x-rancher-resource.operations` may name, in the order code lists them.
OPERATION_KINDS = ("list", "create", "get", "update", "delete", "action")

_COMPOUND = re.compile(r"^(reference|array|map)\[(.+)\]$")
_TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def is_rancher_type(text: object, type_names: frozenset[str] = frozenset()) -> bool:
    """Whether `text` is a Rancher field type: a simple one, `reference[t]` (any type name), or
    `array[T]`/`map[T]` of a Rancher type or of one of `type_names` (the spec's resource types)."""
    if not isinstance(text, str):
        return False
    if text in RANCHER_SIMPLE_TYPES:
        return True
    match = _COMPOUND.match(text)
    if match is None:
        return False
    kind, inner = match.groups()
    if kind == "reference":
        return _TYPE_NAME.match(inner) is not None
    return inner in type_names or is_rancher_type(inner, type_names)


def filter_parameter_name(field: str, modifier: str) -> str:
    """The query parameter Rancher reads for a filter: `field` for eq, else `field_modifier`."""
    return field if modifier == "eq" else f"{field}_{modifier}"
