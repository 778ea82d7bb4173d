"""Rules on what `x-rancher-field` tells a backend: generated, stored, unique, referenced values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import Node, SpecView
from rancher_contract.specmodel import MISSING, STORE_CLEAR, STORE_SALTED_HASH

_RULE = "field-backend"
_AMONG = ("all", "notRemoved")
_BASIC_AUTH = ("username", "password")


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _codes(view: SpecView) -> frozenset[str]:
    return frozenset(code for code, _ in view.model.errors.codes)


def _error_code(view: SpecView, node: Node, name: str) -> Iterator[Finding]:
    code = node.value
    if code is not MISSING and code is not None and code not in _codes(view):
        yield Finding(
            _RULE, node.pointer, f"{name}: error {code!r} is not a code of x-rancher-errors"
        )


def _check_field(
    view: SpecView, name: str, field: Node, props: dict[str, Node], actions: frozenset[str]
) -> Iterator[Finding]:
    spec = field.as_dict()
    if "generate" in spec:
        generate = field.child("generate").as_dict()
        if not _is_text(generate.get("alphabet")) or not _is_count(generate.get("length")):
            yield Finding(
                _RULE,
                field.child("generate").pointer,
                f"{name}: generate needs a non-empty `alphabet` and a positive `length`",
            )
    if "store" in spec and spec["store"] not in (STORE_CLEAR, STORE_SALTED_HASH):
        yield Finding(
            _RULE,
            field.child("store").pointer,
            f"{name}: store must be {STORE_CLEAR} or {STORE_SALTED_HASH}",
        )
    if "basicAuth" in spec and spec["basicAuth"] not in _BASIC_AUTH:
        yield Finding(
            _RULE, field.child("basicAuth").pointer, f"{name}: basicAuth must be username/password"
        )
    unique = field.child("unique")
    if "unique" in spec and unique.value is not True:
        entry = unique.as_dict()
        if not entry or entry.get("among", "all") not in _AMONG:
            yield Finding(
                _RULE, unique.pointer, f"{name}: unique is true or a mapping (among: {_AMONG})"
            )
        for index, other in enumerate(entry.get("per") or []):
            if other not in props:
                yield Finding(
                    _RULE,
                    unique.child("per", index).pointer,
                    f"{name}: unique per {other!r}, which is no property of the resource",
                )
        yield from _error_code(view, unique.child("error"), name)
    reference = field.child("reference")
    if "reference" in spec:
        entry = reference.as_dict()
        declared = spec.get("type")
        if not entry or not (isinstance(declared, str) and declared.startswith("reference[")):
            yield Finding(
                _RULE,
                reference.pointer,
                f"{name}: reference is a mapping, on a field of type reference[<type>]",
            )
        yield from _error_code(view, reference.child("error"), name)
        cascade = reference.child("cascade")
        if "cascade" in entry:
            run = cascade.as_dict().get("run")
            if not _is_text(cascade.as_dict().get("trigger")) or not isinstance(run, list):
                yield Finding(
                    _RULE, cascade.pointer, f"{name}: cascade needs a `trigger` and a `run` list"
                )
            for index, action in enumerate(run if isinstance(run, list) else []):
                if action not in actions:
                    yield Finding(
                        _RULE,
                        cascade.child("run", index).pointer,
                        f"{name}: cascade runs {action!r}, which is no lifecycle action here",
                    )


@rule(_RULE)
def field_backend(view: SpecView) -> Iterator[Finding]:
    """`x-rancher-field` generate/store/unique/reference/basicAuth are well formed."""
    for resource in view.resources:
        model = view.model.resource(str(resource.extension.as_dict().get("type")))
        life = model.lifecycle if model is not None else None
        actions = frozenset(life.action_names) if life is not None else frozenset()
        props = view.properties(resource.schema)
        for name, prop in props.items():
            field = prop.child("x-rancher-field")
            if isinstance(field.value, dict):
                yield from _check_field(view, name, field, props, actions)
