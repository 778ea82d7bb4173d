"""The intermediate model: frozen dataclasses holding Python-ready facts; templates only walk these.

One class per kind of type (`PrimitiveType`, `EnumType`, `ModelType`, `ListType`, `DictType`,
`AnyType`, `NullableType`); each names the macro file that renders it (`template`) and knows
its annotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .names import ClassName, ConstantName, PythonIdentifier

__all__ = [
    "AnyType",
    "Api",
    "DictType",
    "EnumDef",
    "EnumMember",
    "EnumType",
    "Field",
    "FieldKind",
    "FilterDef",
    "Lifecycle",
    "LifecycleAction",
    "LinkDef",
    "ListType",
    "Model",
    "ModelProperty",
    "ModelType",
    "NullableType",
    "Operation",
    "OperationKind",
    "PrimitiveType",
    "RancherField",
    "Resource",
    "SchemaAction",
    "TypeRef",
]

OperationKind = Literal["list", "create", "get", "update", "delete", "action"]
FieldKind = Literal["string", "integer", "number", "boolean", "object", "array", "any"]


@dataclass(frozen=True)
class PrimitiveType:
    python: Literal["str", "int", "float", "bool"]
    template: str = "primitive"

    @property
    def annotation(self) -> str:
        return self.python


@dataclass(frozen=True)
class EnumType:
    class_name: ClassName
    template: str = "enum"

    @property
    def annotation(self) -> str:
        # tolerant: a value the spec does not list (a newer server) stays a plain str
        return f"{self.class_name} | str"


@dataclass(frozen=True)
class ModelType:
    class_name: ClassName
    template: str = "model"

    @property
    def annotation(self) -> str:
        return self.class_name


@dataclass(frozen=True)
class ListType:
    item: TypeRef
    template: str = "list"

    @property
    def annotation(self) -> str:
        return f"list[{self.item.annotation}]"


@dataclass(frozen=True)
class DictType:
    value: TypeRef
    template: str = "dict"

    @property
    def annotation(self) -> str:
        return f"dict[str, {self.value.annotation}]"


@dataclass(frozen=True)
class AnyType:
    template: str = "any"

    @property
    def annotation(self) -> str:
        return "Any"


@dataclass(frozen=True)
class NullableType:
    inner: TypeRef
    template: str = "nullable"

    @property
    def annotation(self) -> str:
        return f"{self.inner.annotation} | None"


TypeRef = PrimitiveType | EnumType | ModelType | ListType | DictType | AnyType | NullableType


@dataclass(frozen=True)
class EnumMember:
    name: ConstantName
    value: str


@dataclass(frozen=True)
class EnumDef:
    class_name: ClassName
    members: tuple[EnumMember, ...]
    description: str
    pointer: str

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(member.value for member in self.members)


@dataclass(frozen=True)
class ModelProperty:
    wire_name: str
    python_name: PythonIdentifier
    type: TypeRef
    required: bool
    description: str | None

    @property
    def annotation(self) -> str:
        """The dataclass annotation: properties that may be absent also take `Unset`."""
        return self.type.annotation if self.required else f"{self.type.annotation} | Unset"


@dataclass(frozen=True)
class Model:
    """A client model: a component schema (or the request model of a resource)."""

    class_name: ClassName
    description: str
    properties: tuple[ModelProperty, ...]
    pointer: str
    module: str  # the models module it is written to (a resource's module, or "_shared")

    @property
    def referenced_models(self) -> tuple[ClassName, ...]:
        found: set[ClassName] = set()
        for prop in self.properties:
            _collect(prop.type, found, ModelType)
        return tuple(sorted(found))

    @property
    def referenced_enums(self) -> tuple[ClassName, ...]:
        found: set[ClassName] = set()
        for prop in self.properties:
            _collect(prop.type, found, EnumType)
        return tuple(sorted(found))

    @property
    def uses_any(self) -> bool:
        return any(_has_any(prop.type) for prop in self.properties)


def _collect(type_: TypeRef, found: set[ClassName], kind: type[ModelType] | type[EnumType]) -> None:
    if isinstance(type_, kind):
        found.add(type_.class_name)
    elif isinstance(type_, ListType):
        _collect(type_.item, found, kind)
    elif isinstance(type_, DictType):
        _collect(type_.value, found, kind)
    elif isinstance(type_, NullableType):
        _collect(type_.inner, found, kind)


def _has_any(type_: TypeRef) -> bool:
    if isinstance(type_, AnyType):
        return True
    if isinstance(type_, ListType):
        return _has_any(type_.item)
    if isinstance(type_, DictType):
        return _has_any(type_.value)
    if isinstance(type_, NullableType):
        return _has_any(type_.inner)
    return False


@dataclass(frozen=True)
class RancherField:
    """What `x-rancher-field` declares, as the Rancher schema document shows it."""

    type: str
    create: bool
    update: bool
    nullable: bool
    read_on_create_only: bool
    max_length: int | None
    options: tuple[str, ...] | None
    required: bool = False  # a create must give it (shown only when true)
    min_length: int | None = None  # shown only when declared


@dataclass(frozen=True)
class Field:
    """A non-envelope property of a resource: a record field of the server and a wire field."""

    wire_name: str
    python_name: PythonIdentifier
    kind: FieldKind
    server_type: (
        str  # the record's annotation without None: str, int, float, bool, dict[str, Any], ...
    )
    nullable: bool  # the wire value may be null
    required: bool  # in the schema's `required`: rendered even when null
    create: bool
    update: bool
    read_on_create_only: bool
    max_length: int | None  # the wire limit (OpenAPI maxLength), enforced on writes
    min_length: int | None
    enum_class: ClassName | None
    options: tuple[str, ...] | None
    default: str | None  # the OpenAPI default, as JSON text
    description: str | None
    rancher: (
        RancherField | None
    )  # None: not a resource field of the Rancher schema (e.g. createdTS)
    pointer: str

    @property
    def record_annotation(self) -> str:
        return (
            f"{self.server_type} | None" if self.nullable or not self.required else self.server_type
        )


@dataclass(frozen=True)
class Operation:
    kind: OperationKind
    operation_id: str
    python_name: PythonIdentifier  # the backend method: list_api_keys, create_api_key, ...
    method: str
    path: str
    summary: str
    success_status: int
    pointer: str


@dataclass(frozen=True)
class LifecycleAction:
    name: str
    member: ConstantName
    python_name: PythonIdentifier
    from_states: tuple[str, ...]
    through: str
    to: str
    description: str
    input: str | None
    output: str | None


@dataclass(frozen=True)
class Lifecycle:
    states: tuple[str, ...]
    transitioning_states: tuple[str, ...]
    create_through: str
    create_to: str
    actions: tuple[LifecycleAction, ...]
    actions_by_state: tuple[tuple[str, tuple[str, ...]], ...]
    delete_runs: str | None
    delete_already_done_states: tuple[str, ...]
    delete_otherwise_status: int
    authenticates_in: tuple[str, ...]
    hidden_from_list_when: str | None
    state_field: str  # wire name of the state field
    transitioning_field: str | None


@dataclass(frozen=True)
class FilterDef:
    wire_name: str
    modifiers: tuple[str, ...]
    hidden: bool


@dataclass(frozen=True)
class LinkDef:
    name: str
    field: PythonIdentifier | None  # shown only when this record field is set
    type: str | None


@dataclass(frozen=True)
class SchemaAction:
    name: str
    input: str | None
    output: str | None


@dataclass(frozen=True)
class Resource:
    type: str  # the Rancher type, `apiKey`
    plural: str  # `apiKeys`
    base_type: str
    description: str
    class_name: ClassName  # ApiKey
    python_name: PythonIdentifier  # api_key
    plural_python_name: PythonIdentifier  # api_keys
    constant: ConstantName  # API_KEY
    fields: tuple[Field, ...]  # record order: required first, then the optional ones
    operations: tuple[Operation, ...]
    collection_methods: tuple[str, ...]
    resource_methods: tuple[str, ...]
    links: tuple[LinkDef, ...]  # without `self`
    schema_actions: tuple[SchemaAction, ...]
    lifecycle: Lifecycle
    filters: tuple[FilterDef, ...]
    state_enum: ClassName
    action_enum: ClassName
    response_model: ClassName
    create_model: ClassName | None
    update_model: ClassName | None
    collection_model: ClassName
    default_limit: int
    max_limit: int
    collection_path: str
    item_path: str
    pointer: str
    # (role, collection methods, resource methods) where a Rancher role is offered fewer methods
    roles: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()

    def operation(self, kind: OperationKind) -> Operation | None:
        for op in self.operations:
            if op.kind == kind:
                return op
        return None

    @property
    def operation_kinds(self) -> tuple[str, ...]:
        return tuple(op.kind for op in self.operations)

    @property
    def create_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.create)

    @property
    def create_required_fields(self) -> tuple[Field, ...]:
        """The fields a create must give (x-rancher-field.required), in record order."""
        return tuple(f for f in self.create_fields if f.rancher is not None and f.rancher.required)

    @property
    def update_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.update)

    @property
    def rancher_fields(self) -> tuple[Field, ...]:
        return tuple(
            sorted((f for f in self.fields if f.rancher is not None), key=lambda f: f.wire_name)
        )

    @property
    def url_segment(self) -> str:
        """How Rancher writes the collection in links: the plural, lower-cased (`apikeys`)."""
        return self.plural.lower()

    @property
    def aliases(self) -> tuple[str, ...]:
        """The type segments that name the collection, lower-cased (matched case-insensitively)."""
        return tuple(sorted({self.plural.lower(), self.type.lower()}))


@dataclass(frozen=True)
class Api:
    title: str
    spec_path: str
    spec_sha256: str
    base_url: str  # servers[0].url: the host written into the schema documents
    resources: tuple[Resource, ...]
    models: tuple[Model, ...]
    enums: tuple[EnumDef, ...]  # every enum, sorted by name
    error_model: ClassName
    generator_version: str
    www_authenticate: str  # the Basic challenge of a 401
    error_reasons: tuple[tuple[int, str], ...] = ()  # status -> reason (x-rancher-errors)

    def reason(self, status: int) -> str:
        """The reason of a status error (x-rancher-errors): its code and message."""
        return dict(self.error_reasons)[status]

    @property
    def model_modules(self) -> tuple[str, ...]:
        return tuple(sorted({model.module for model in self.models}))

    def model_module(self, class_name: str) -> str:
        for model in self.models:
            if model.class_name == class_name:
                return model.module
        raise KeyError(class_name)

    def module_enums(self, module: str) -> tuple[ClassName, ...]:
        """The enums the models of a module use."""
        found: set[ClassName] = set()
        for model in self.models_in(module):
            found.update(model.referenced_enums)
        return tuple(sorted(found))

    def module_imports(self, module: str) -> tuple[tuple[str, tuple[ClassName, ...]], ...]:
        """The models a module uses from other model modules: (module, names), sorted."""
        own = {model.class_name for model in self.models_in(module)}
        by_module: dict[str, set[ClassName]] = {}
        for model in self.models_in(module):
            for name in model.referenced_models:
                if name not in own:
                    by_module.setdefault(self.model_module(name), set()).add(name)
        return tuple((mod, tuple(sorted(names))) for mod, names in sorted(by_module.items()))

    def models_in(self, module: str) -> tuple[Model, ...]:
        return tuple(model for model in self.models if model.module == module)

    def enum(self, name: str) -> EnumDef:
        for enum in self.enums:
            if enum.class_name == name:
                return enum
        raise KeyError(name)
