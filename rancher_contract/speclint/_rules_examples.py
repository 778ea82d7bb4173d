"""The rule on examples: each validates against its schema (JSON Schema Draft 2020-12)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import HTTP_METHODS, Node, SpecView
from rancher_contract.specmodel import MISSING, join

# A jsonschema validator; jsonschema ships no type stubs (and types-jsonschema is not a dependency).
Validator = Any

NAME = "example-valid"
_BASE = "urn:rancher-contract:spec"
_MAX_MESSAGE = 160


class _Examples:
    """Validates the examples of one document; validators are cached per schema pointer."""

    def __init__(self, view: SpecView) -> None:
        self.view = view
        self._validators: dict[str, Validator] = {}
        self._factory: Callable[[Node], Validator] | None = None
        self.done: set[str] = set()  # pointers of definition sites already checked
        self._unresolvable: type[Exception] = Exception

    def _make_factory(self) -> Callable[[Node], Validator]:
        # jsonschema is imported here, on the first example: importing it costs more than all
        # the rules together, and only this rule needs it.
        from referencing import Registry, Resource
        from referencing.exceptions import Unresolvable
        from referencing.jsonschema import DRAFT202012

        draft202012 = importlib.import_module("jsonschema").Draft202012Validator
        self._unresolvable = Unresolvable

        resource = Resource.from_contents(self.view.document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_BASE, resource)

        def make(schema: Node) -> Validator:
            # A $ref into the whole document, so that the schema's own local refs resolve.
            ref = {"$ref": f"{_BASE}#{quote(schema.pointer, safe='/~')}"}
            return draft202012(ref, registry=registry, format_checker=draft202012.FORMAT_CHECKER)

        return make

    def validator(self, schema: Node) -> Validator:
        if schema.pointer not in self._validators:
            if self._factory is None:
                self._factory = self._make_factory()
            self._validators[schema.pointer] = self._factory(schema)
        return self._validators[schema.pointer]

    def values(self, owner: Node) -> Iterator[tuple[Any, str, str | None]]:
        """(value, pointer of the value, referencing site or None) for `example` and `examples`."""
        if "example" in owner.as_dict():
            yield owner.as_dict()["example"], owner.child("example").pointer, None
        for _, entry in owner.child("examples").items():
            example = self.view.resolve(entry)
            if example is None or "value" not in example.as_dict():
                continue  # a broken $ref (reported by ref-resolves) or an externalValue
            site = entry.pointer if example.pointer != entry.pointer else None
            yield example.as_dict()["value"], example.child("value").pointer, site

    def check(self, owner: Node, schema: Node) -> Iterator[Finding]:
        """The examples of `owner` (a media type, parameter or header) against `schema`."""
        if schema.value is MISSING or self.view.resolve(schema) is None:
            return
        for value, pointer, site in self.values(owner):
            validator = self.validator(schema)
            try:
                errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path)))
            except self._unresolvable:
                return  # a broken $ref below the schema: ref-resolves reports it
            except Exception as exc:  # an unusable schema, e.g. a pattern that is no regex
                yield Finding(
                    NAME,
                    schema.pointer,
                    f"the example at {pointer} cannot be checked: the schema is invalid: {exc}",
                )
                return
            for error in errors:
                message = " ".join(error.message.split())
                if len(message) > _MAX_MESSAGE:
                    message = message[: _MAX_MESSAGE - 3] + "..."
                used = f" (used at {site})" if site else ""
                yield Finding(
                    NAME,
                    join(pointer, *map(str, error.absolute_path)),
                    f"the example does not match its schema: {message}{used}",
                )

    def content(self, owner: Node) -> Iterator[Finding]:
        for _, media in owner.child("content").items():
            yield from self.check(media, media.child("schema"))

    def parameter(self, param: Node) -> Iterator[Finding]:
        """A parameter or header object (inline, or the component itself)."""
        if param.pointer in self.done or "$ref" in param.as_dict():
            return
        self.done.add(param.pointer)
        yield from self.check(param, param.child("schema"))
        yield from self.content(param)

    def body(self, body: Node) -> Iterator[Finding]:
        """A request body or response object (inline, or the component itself)."""
        if body.pointer in self.done or "$ref" in body.as_dict():
            return
        self.done.add(body.pointer)
        yield from self.content(body)
        for _, header in body.child("headers").items():
            yield from self.parameter(header)


@rule(NAME)
def examples_valid(view: SpecView) -> Iterator[Finding]:
    """Every example (media types, `examples` refs, parameters, headers) matches its schema."""
    examples = _Examples(view)
    for _, item in view.root.child("paths").items():
        for param in item.child("parameters").elements():
            yield from examples.parameter(param)
        for method in HTTP_METHODS:
            op = item.child(method)
            for param in op.child("parameters").elements():
                yield from examples.parameter(param)
            yield from examples.body(op.child("requestBody"))
            for _, response in op.child("responses").items():
                yield from examples.body(response)
    components = view.root.child("components")
    for kind in ("parameters", "headers"):
        for _, node in components.child(kind).items():
            yield from examples.parameter(node)
    for kind in ("requestBodies", "responses"):
        for _, node in components.child(kind).items():
            yield from examples.body(node)
