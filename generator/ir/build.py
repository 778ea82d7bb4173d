"""Stage 2: build the IR from loaded specs; every problem is a `SpecError` with a JSON pointer.

What the spec says about Rancher (fields, lifecycle, filters, links, limits, the challenge) comes
from the spec model, which the spec rules validated: the builder does not check it again. It adds
what only code generation needs: Python names and types from the JSON Schemas, the client models,
and the operation shapes the stubs can route. Any component schema carrying `x-rancher-resource`
is a resource, whatever its name; several spec files give one API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from rancher_contract.specmodel import ENVELOPE_PROPERTIES, HTTP_METHODS, merge_models
from rancher_contract.specmodel import Field as ModelField
from rancher_contract.specmodel import Resource as ModelResource
from rancher_contract.specmodel import join as pointer_join

from ..errors import SpecError
from ..load import Spec, set_digest, set_label
from .model import (
    AnyType,
    Api,
    DictType,
    EnumDef,
    EnumMember,
    EnumType,
    Field,
    FieldKind,
    FilterDef,
    Lifecycle,
    LifecycleAction,
    LinkDef,
    ListType,
    Model,
    ModelProperty,
    ModelType,
    NullableType,
    Operation,
    OperationKind,
    PrimitiveType,
    RancherField,
    Resource,
    SchemaAction,
    TypeRef,
)
from .names import ClassName, ConstantName, PythonIdentifier

__all__ = ["build_api"]

_OPENAPI_TYPES = frozenset({"string", "integer", "number", "boolean", "object", "array", "null"})
_OP_SHAPE: dict[str, tuple[str, str]] = {  # kind -> (method, path kind)
    "list": ("GET", "collection"),
    "create": ("POST", "collection"),
    "get": ("GET", "item"),
    "update": ("PUT", "item"),
    "delete": ("DELETE", "item"),
    "action": ("POST", "item"),
}
_OP_ORDER: tuple[OperationKind, ...] = ("list", "create", "get", "update", "delete", "action")
_SHARED = "_shared"
# the status errors the generated stubs raise (their reasons come from x-rancher-errors)
_RUNTIME_STATUSES = (401, 404, 405, 409, 413, 500, 501)
_PRIMITIVE_KINDS: dict[str, tuple[FieldKind, str]] = {
    "str": ("string", "str"),
    "int": ("integer", "int"),
    "float": ("number", "float"),
    "bool": ("boolean", "bool"),
}


def _sans_extensions(schema: Any) -> Any:
    """A schema without its `x-` keys: what decides whether two files declare the same model."""
    if isinstance(schema, dict):
        return {k: _sans_extensions(v) for k, v in schema.items() if not str(k).startswith("x-")}
    if isinstance(schema, list):
        return [_sans_extensions(v) for v in schema]
    return schema


def _strs(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


class _Builder:
    """Carries the spec, the registries and the findings through one build (no global state)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.where = ""  # the prefix of finding pointers: the file, in a set of several
        self.findings: list[SpecError] = []
        self.models: dict[ClassName, tuple[str, list[ModelProperty], str]] = {}
        self.model_sources: dict[ClassName, tuple[Any, str]] = {}  # schema, file
        self.model_owners: dict[ClassName, set[str]] = {}
        self.extra_models: list[Model] = []
        self.enums: dict[ClassName, EnumDef] = {}
        self.operations: dict[str, tuple[str, str, dict[str, Any], str]] = {}

    def use(self, spec: Spec, where: str) -> None:
        """Build from `spec` from now on (the registries of models and enums are shared)."""
        self.spec, self.where = spec, where
        self.operations = {}
        self.index_operations()

    # --- findings ---
    def error(self, pointer: str, message: str) -> None:
        self.findings.append(SpecError(self.where + pointer, message, "error"))

    def warn(self, pointer: str, message: str) -> None:
        self.findings.append(SpecError(self.where + pointer, message, "warning"))

    # --- schema helpers ---
    def _single_ref(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        if "$ref" in schema:
            return schema
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            if "$ref" in all_of[0]:
                return all_of[0]
        return None

    def merged(self, schema: Any, pointer: str) -> tuple[dict[str, Any], str | None, str]:
        """The schema merged over its single `$ref`/`allOf` target; the target's component name."""
        if not isinstance(schema, dict):
            return {}, None, pointer
        ref_holder = self._single_ref(schema)
        if ref_holder is None:
            return schema, None, pointer
        target, target_pointer = self.spec.resolve(ref_holder, pointer)
        if not isinstance(target, dict):
            return schema, None, pointer
        name = None
        if target_pointer.startswith("/components/schemas/") and target_pointer.count("/") == 3:
            name = target_pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")
        deeper, deeper_name, deeper_pointer = self.merged(target, target_pointer)
        out = dict(deeper)
        out.update({k: v for k, v in schema.items() if k not in ("$ref", "allOf")})
        return out, deeper_name or name, deeper_pointer

    # --- types ---
    def type_of(self, raw: Any, pointer: str, hint: str, owner: str) -> TypeRef | None:
        schema, ref_name, target_pointer = self.merged(raw, pointer)
        if not isinstance(raw, dict):
            self.error(pointer, "a schema must be a mapping")
            return None
        for key in ("oneOf", "anyOf"):
            members = schema.get(key)
            if isinstance(members, list):
                nulls = [m for m in members if isinstance(m, dict) and m.get("type") == "null"]
                others = [(i, m) for i, m in enumerate(members) if m not in nulls]
                if len(others) == 1:
                    index, member = others[0]
                    inner = self.type_of(member, pointer_join(pointer, key, index), hint, owner)
                    if inner is None:
                        return None
                    return (
                        NullableType(inner)
                        if nulls and not isinstance(inner, NullableType)
                        else inner
                    )
                return AnyType()
        declared = schema.get("type")
        if declared is None:
            types: list[str] = []
        elif isinstance(declared, str):
            types = [declared]
        elif _strs(declared) is not None:
            types = list(declared)
        else:
            self.error(
                pointer_join(target_pointer, "type"),
                f"type must be a string or a list, not {declared!r}",
            )
            return None
        for name in types:
            if name not in _OPENAPI_TYPES:
                self.error(pointer_join(target_pointer, "type"), f"unknown type {name!r}")
                return None
        nullable = "null" in types
        concrete = [name for name in types if name != "null"]
        base = self._base_type(schema, concrete, target_pointer, ref_name or hint, owner)
        if base is None:
            return None
        return NullableType(base) if nullable else base

    def _base_type(
        self, schema: dict[str, Any], types: list[str], pointer: str, name: str, owner: str
    ) -> TypeRef | None:
        if len(types) > 1:
            return AnyType()
        kind = types[0] if types else None
        if "enum" in schema and kind in (None, "string"):
            return self._enum_type(schema, pointer, name)
        if kind is None:
            if "properties" in schema or "additionalProperties" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            elif isinstance(schema.get("const"), str):
                kind = "string"
            else:
                return AnyType()
        if kind == "string":
            return PrimitiveType("str")
        if kind == "integer":
            return PrimitiveType("int")
        if kind == "number":
            return PrimitiveType("float")
        if kind == "boolean":
            return PrimitiveType("bool")
        if kind == "array":
            items = schema.get("items")
            if items is None:
                return ListType(AnyType())
            item = self.type_of(items, pointer_join(pointer, "items"), name + "Item", owner)
            return None if item is None else ListType(item)
        return self._object_type(schema, pointer, name, owner)

    def _object_type(
        self, schema: dict[str, Any], pointer: str, name: str, owner: str
    ) -> TypeRef | None:
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            value = self.type_of(
                extra, pointer_join(pointer, "additionalProperties"), name + "Value", owner
            )
            if value is None:
                return None
            if not properties:
                return DictType(value)
            # a map that names some of its keys (links: `self` plus any other) stays a map
            prop_types = [
                self.type_of(sub, pointer_join(pointer, "properties", key), name, owner)
                for key, sub in properties.items()
            ]
            if all(t is not None and t.annotation == value.annotation for t in prop_types):
                return DictType(value)
        if not properties:
            return DictType(AnyType())
        if not isinstance(properties, dict):
            self.error(pointer_join(pointer, "properties"), "properties must be a mapping")
            return None
        class_name = ClassName(name)
        self.register_model(class_name, schema, pointer, owner)
        return ModelType(class_name)

    def _enum_type(self, schema: dict[str, Any], pointer: str, name: str) -> TypeRef | None:
        raw_values = schema["enum"]
        if not isinstance(raw_values, list) or not raw_values:
            self.error(pointer_join(pointer, "enum"), "enum must be a non-empty list")
            return None
        values: list[str] = []
        nullable = False
        for index, value in enumerate(raw_values):
            if value is None:
                nullable = True
            elif isinstance(value, str):
                values.append(value)
            else:
                self.error(
                    pointer_join(pointer, "enum", index),
                    f"enum value {value!r} is not a string"
                    " (YAML reads bare yes/no as booleans: quote it)",
                )
                return None
        enum = self.register_enum(
            ClassName(name), values, str(schema.get("description") or ""), pointer
        )
        if enum is None:
            return None
        result: TypeRef = EnumType(enum.class_name)
        return NullableType(result) if nullable else result

    def register_enum(
        self, class_name: ClassName, values: Iterable[str], description: str, pointer: str
    ) -> EnumDef | None:
        members: list[EnumMember] = []
        seen: set[str] = set()
        for value in values:
            member = ConstantName(value)
            if member in seen:
                self.error(
                    pointer, f"enum values {value!r} and another map to the same member {member}"
                )
                return None
            seen.add(member)
            members.append(EnumMember(member, value))
        enum = EnumDef(class_name, tuple(members), description, pointer)
        existing = self.enums.get(class_name)
        if existing is not None:
            if existing.values != enum.values:
                self.error(
                    pointer,
                    f"enum {class_name} is already defined at {existing.pointer} with other values",
                )
                return None
            return existing
        if class_name in self.models:
            self.error(pointer, f"{class_name} names both a model and an enum")
            return None
        self.enums[class_name] = enum
        return enum

    def register_model(
        self, class_name: ClassName, schema: dict[str, Any], pointer: str, owner: str
    ) -> None:
        self.model_owners.setdefault(class_name, set()).add(owner)
        if class_name in self.models:
            first, source = self.model_sources[class_name]
            if source != self.spec.display_path and _sans_extensions(first) != _sans_extensions(
                schema
            ):
                self.error(pointer, f"{class_name} differs from the schema so named in {source}")
            return
        self.model_sources[class_name] = (schema, self.spec.display_path)
        if class_name in self.enums:
            self.error(pointer, f"{class_name} names both a model and an enum")
            return
        props: list[ModelProperty] = []
        # registered before its properties, so that recursive schemas terminate
        self.models[class_name] = (str(schema.get("description") or ""), props, pointer)
        required = set(_strs(schema.get("required")) or [])
        seen: dict[str, str] = {}
        for wire, sub in schema["properties"].items():
            sub_pointer = pointer_join(pointer, "properties", wire)
            python_name = PythonIdentifier(wire)
            if python_name in seen:
                self.error(
                    sub_pointer, f"{wire!r} and {seen[python_name]!r} both become {python_name!r}"
                )
                continue
            seen[python_name] = wire
            prop_type = self.type_of(sub, sub_pointer, class_name + ClassName(wire), owner)
            if prop_type is None:
                continue
            description = sub.get("description") if isinstance(sub, dict) else None
            props.append(
                ModelProperty(
                    wire, python_name, prop_type, wire in required, description and str(description)
                )
            )

    # --- operations ---
    def index_operations(self) -> None:
        paths = self.spec.document.get("paths") or {}
        if not isinstance(paths, dict):
            self.error("/paths", "paths must be a mapping")
            return
        for path, item in paths.items():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict) and isinstance(op.get("operationId"), str):
                    where = pointer_join("/paths", path, method)
                    self.operations[op["operationId"]] = (method.upper(), path, op, where)

    def operation(
        self,
        kind: OperationKind,
        op_id: Any,
        pointer: str,
        py: PythonIdentifier,
        plural_py: PythonIdentifier,
    ) -> Operation | None:
        if not isinstance(op_id, str) or op_id not in self.operations:
            self.error(pointer, f"operation {op_id!r} is not an operationId under /paths")
            return None
        method, path, op, where = self.operations[op_id]
        expected_method, _ = _OP_SHAPE[kind]
        if method != expected_method:
            self.error(
                pointer, f"the {kind} operation {op_id!r} is {method}, expected {expected_method}"
            )
            return None
        statuses = sorted(
            int(code)
            for code in (op.get("responses") or {})
            if str(code).isdigit() and str(code).startswith("2")
        )
        python_name = {
            "list": "list_",
            "create": "create_",
            "get": "get_",
            "update": "update_",
            "delete": "delete_",
            "action": "perform_",
        }[kind]
        return Operation(
            kind=kind,
            operation_id=op_id,
            python_name=PythonIdentifier(
                python_name
                + (plural_py if kind == "list" else py)
                + ("_action" if kind == "action" else "")
            ),
            method=method,
            path=path,
            summary=str(op.get("summary") or ""),
            success_status=statuses[0] if statuses else 200,
            pointer=where,
        )

    # --- resources ---
    def resource(self, name: str, schema: dict[str, Any], pointer: str) -> Resource | None:
        xr_pointer = pointer_join(pointer, "x-rancher-resource")
        xr = schema["x-rancher-resource"]
        declared = next((r for r in self.spec.model.resources if r.schema_name == name), None)
        if not isinstance(xr, dict) or declared is None:
            self.error(xr_pointer, "x-rancher-resource must be a mapping with a `type`")
            return None
        rancher_type = declared.type
        plural = declared.plural
        class_name = ClassName(rancher_type)
        py = PythonIdentifier(rancher_type)
        plural_py = PythonIdentifier(str(plural))
        owner = str(py)
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            self.error(pointer_join(pointer, "properties"), "a resource schema needs properties")
            return None
        required = set(_strs(schema.get("required")) or [])

        fields: list[Field] = []
        client_types: dict[str, TypeRef] = {}
        seen: dict[str, str] = {}
        for wire, sub in properties.items():
            if wire in ENVELOPE_PROPERTIES:
                continue
            sub_pointer = pointer_join(pointer, "properties", wire)
            built = self.field(
                wire, sub, sub_pointer, wire in required, class_name, owner, declared.field(wire)
            )
            if built is None:
                continue
            field, client_type = built
            if field.python_name in seen:
                self.error(
                    sub_pointer,
                    f"{wire!r} and {seen[field.python_name]!r} both become {field.python_name!r}",
                )
                continue
            seen[field.python_name] = wire
            fields.append(field)
            client_types[wire] = client_type
        by_wire = {f.wire_name: f for f in fields}
        if "id" not in by_wire:
            self.error(pointer_join(pointer, "properties"), "a resource needs an `id` property")
            return None
        # dataclass order: fields without a default (required) first, in spec order
        fields.sort(key=lambda f: 0 if f.required else 1)

        operations: list[Operation] = []
        ops = xr.get("operations")
        if not isinstance(ops, dict):
            self.error(
                pointer_join(xr_pointer, "operations"), "x-rancher-resource.operations is required"
            )
            return None
        for kind in ops:
            if kind not in _OP_SHAPE:
                self.error(
                    pointer_join(xr_pointer, "operations", kind), f"unknown operation kind {kind!r}"
                )
        for kind in _OP_ORDER:
            if kind in ops:
                op = self.operation(
                    kind, ops[kind], pointer_join(xr_pointer, "operations", kind), py, plural_py
                )
                if op is not None:
                    operations.append(op)
        kinds = {op.kind for op in operations}
        for needed in ("list", "get"):
            if needed not in kinds and needed not in ops:
                self.error(
                    pointer_join(xr_pointer, "operations"),
                    f"a resource needs a {needed!r} operation",
                )
        list_op = next((op for op in operations if op.kind == "list"), None)
        get_op = next((op for op in operations if op.kind == "get"), None)
        if list_op is None or get_op is None:
            return None
        item_params = re.findall(r"\{([^}]+)\}", get_op.path)
        if not get_op.path.startswith(list_op.path + "/") or len(item_params) != 1:
            self.error(
                get_op.pointer,
                f"the item path {get_op.path!r} must be the collection path plus /{{id}}",
            )
            return None
        for op in operations:
            expected = list_op.path if _OP_SHAPE[op.kind][1] == "collection" else get_op.path
            if op.path != expected:
                self.error(
                    op.pointer, f"the {op.kind} operation must be on {expected!r}, not {op.path!r}"
                )

        lifecycle = self.lifecycle(declared, by_wire)
        limits = self.limits(declared, list_op)
        if lifecycle is None or limits is None:
            return None

        state_field = by_wire[lifecycle.state_field]
        state_enum = state_field.enum_class
        if state_enum is None:
            enum = self.register_enum(
                ClassName(class_name + "State"), lifecycle.states, "", pointer
            )
            state_enum = enum.class_name if enum else ClassName(class_name + "State")
        elif set(self.enums[state_enum].values) != set(lifecycle.states):
            self.warn(state_field.pointer, "the state enum and x-rancher-lifecycle.states differ")
        action_enum = self.register_enum(
            ClassName(class_name + "Action"),
            [action.name for action in lifecycle.actions],
            f"The lifecycle actions of {rancher_type}.",
            pointer_join(pointer, "x-rancher-lifecycle", "actions"),
        )

        # client models: the resource, its collection, request models with only the writable fields
        self.register_model(class_name, schema, pointer, owner)
        collection_model = self.collection_model(xr, xr_pointer, list_op, class_name, owner)
        create_model = self.request_model(
            xr.get("createSchema"),
            class_name + "Create",
            fields,
            client_types,
            "create",
            owner,
            pointer,
        )
        update_model = self.request_model(
            xr.get("updateSchema"),
            class_name + "Update",
            fields,
            client_types,
            "update",
            owner,
            pointer,
        )
        if action_enum is None or collection_model is None:
            return None

        return Resource(
            type=rancher_type,
            plural=str(plural),
            base_type=declared.base_type,
            description=str(schema.get("description") or ""),
            class_name=class_name,
            python_name=py,
            plural_python_name=plural_py,
            constant=ConstantName(rancher_type),
            fields=tuple(fields),
            operations=tuple(operations),
            collection_methods=declared.collection_methods,
            resource_methods=declared.resource_methods,
            links=self.links(declared, by_wire),
            schema_actions=self.schema_actions(declared),
            lifecycle=lifecycle,
            filters=self.filters(declared),
            state_enum=state_enum,
            action_enum=action_enum.class_name,
            response_model=class_name,
            create_model=create_model if "create" in kinds else None,
            update_model=update_model if "update" in kinds else None,
            collection_model=collection_model,
            default_limit=limits[0],
            max_limit=limits[1],
            collection_path=list_op.path,
            item_path=get_op.path,
            pointer=pointer,
            roles=tuple(
                (role.role, role.collection_methods, role.resource_methods)
                for role in declared.roles
            ),
        )

    def field(
        self,
        wire: str,
        raw: Any,
        pointer: str,
        required: bool,
        class_name: ClassName,
        owner: str,
        declared: ModelField | None,
    ) -> tuple[Field, TypeRef] | None:
        if not isinstance(raw, dict):
            self.error(pointer, "a property must be a mapping")
            return None
        client_type = self.type_of(raw, pointer, class_name + ClassName(wire), owner)
        if client_type is None:
            return None
        merged, _, _ = self.merged(raw, pointer)
        nullable = isinstance(client_type, NullableType)
        base = client_type.inner if isinstance(client_type, NullableType) else client_type
        kind: FieldKind
        enum_class: ClassName | None = None
        options: tuple[str, ...] | None = None
        if isinstance(base, EnumType):
            kind, server_type, enum_class = "string", "str", base.class_name
            options = self.enums[base.class_name].values
        elif isinstance(base, PrimitiveType):
            kind, server_type = _PRIMITIVE_KINDS[base.python]
        elif isinstance(base, ModelType | DictType):
            kind, server_type = "object", "dict[str, Any]"
        elif isinstance(base, ListType):
            kind, server_type = "array", "list[Any]"
        else:
            kind, server_type = "any", "Any"

        rancher: RancherField | None = None
        if declared is not None and declared.rancher_type is not None:
            rancher = RancherField(
                type=declared.rancher_type,
                create=declared.create,
                update=declared.update,
                nullable=declared.nullable or nullable,
                read_on_create_only=declared.read_on_create_only,
                max_length=declared.declared_max_length,
                options=options,
                required=declared.required,
                min_length=declared.declared_min_length,
            )
        max_length = merged.get("maxLength")
        min_length = merged.get("minLength")
        default = merged.get("default")
        description = raw.get("description")
        return (
            Field(
                wire_name=wire,
                python_name=PythonIdentifier(wire),
                kind=kind,
                server_type=server_type,
                nullable=nullable,
                required=required,
                create=rancher.create if rancher else False,
                update=rancher.update if rancher else False,
                read_on_create_only=rancher.read_on_create_only if rancher else False,
                max_length=max_length if isinstance(max_length, int) else None,
                min_length=min_length if isinstance(min_length, int) else None,
                enum_class=enum_class,
                options=options,
                default=None if default is None else json.dumps(default),
                description=str(description) if description else None,
                rancher=rancher,
                pointer=pointer,
            ),
            client_type,
        )

    def lifecycle(self, declared: ModelResource, fields: dict[str, Field]) -> Lifecycle | None:
        life = declared.lifecycle
        if life is None:
            self.error(
                pointer_join(declared.pointer, "x-rancher-lifecycle"),
                "a resource needs x-rancher-lifecycle (a mapping)",
            )
            return None
        if "state" not in fields:
            self.error(
                pointer_join(declared.pointer, "properties"),
                "a resource with a lifecycle needs a `state` property",
            )
            return None
        actions = {schema_action.name: schema_action for schema_action in declared.schema_actions}
        return Lifecycle(
            states=life.states,
            transitioning_states=life.transitioning_states,
            create_through=life.create_through or "",
            create_to=life.create_to or "",
            actions=tuple(
                LifecycleAction(
                    name=action.name,
                    member=ConstantName(action.name),
                    python_name=PythonIdentifier(action.name),
                    from_states=action.from_states,
                    through=action.through or "",
                    to=action.to or "",
                    description=action.description,
                    input=actions[action.name].input if action.name in actions else None,
                    output=actions[action.name].output if action.name in actions else None,
                )
                for action in life.actions
            ),
            actions_by_state=life.actions_by_state,
            delete_runs=life.delete.runs,
            delete_already_done_states=life.delete.already_done_states,
            delete_otherwise_status=life.delete.otherwise_status,
            authenticates_in=life.authenticates_in,
            hidden_from_list_when=life.hidden_from_list_when,
            state_field="state",
            transitioning_field="transitioning" if "transitioning" in fields else None,
        )

    @staticmethod
    def filters(declared: ModelResource) -> tuple[FilterDef, ...]:
        return tuple(FilterDef(f.field, f.modifiers, f.hidden) for f in declared.filters)

    @staticmethod
    def links(declared: ModelResource, fields: dict[str, Field]) -> tuple[LinkDef, ...]:
        return tuple(
            LinkDef(
                name=link.name,
                field=fields[link.field].python_name if link.field in fields else None,
                type=link.type,
            )
            for link in declared.links
        )

    @staticmethod
    def schema_actions(declared: ModelResource) -> tuple[SchemaAction, ...]:
        return tuple(SchemaAction(a.name, a.input, a.output) for a in declared.schema_actions)

    def collection_model(
        self,
        xr: dict[str, Any],
        xr_pointer: str,
        list_op: Operation,
        class_name: ClassName,
        owner: str,
    ) -> ClassName | None:
        components = self.spec.document.get("components", {}).get("schemas", {})
        name = xr.get("collectionSchema")
        if isinstance(name, str):
            if name not in components:
                self.error(
                    pointer_join(xr_pointer, "collectionSchema"),
                    f"no schema {name!r} in components",
                )
                return None
            schema_pointer = pointer_join("/components/schemas", name)
            schema = components[name]
        else:
            op = self.operations[list_op.operation_id][2]
            response = (op.get("responses") or {}).get(str(list_op.success_status))
            at = pointer_join(list_op.pointer, "responses", str(list_op.success_status))
            response, at = self.spec.resolve(response, at)
            content = ((response or {}).get("content") or {}).get("application/json") or {}
            schema, schema_pointer = self.spec.resolve(
                content.get("schema"), pointer_join(at, "content")
            )
            name = str(class_name) + "Collection"
            if not isinstance(schema, dict):
                self.error(at, "the list operation has no JSON response schema")
                return None
        if not isinstance(schema.get("properties"), dict):
            self.error(schema_pointer, "a collection schema needs properties")
            return None
        collection_name = ClassName(name)
        self.register_model(collection_name, schema, schema_pointer, owner)
        return collection_name

    def request_model(
        self,
        name: Any,
        fallback: str,
        fields: list[Field],
        client_types: dict[str, TypeRef],
        flag: str,
        owner: str,
        pointer: str,
    ) -> ClassName:
        class_name = ClassName(name if isinstance(name, str) else fallback)
        writable = [f for f in fields if (f.create if flag == "create" else f.update)]
        if isinstance(name, str):
            declared = self.spec.document.get("components", {}).get("schemas", {}).get(name)
            declared_props = set((declared or {}).get("properties") or {})
            if declared_props != {f.wire_name for f in writable}:
                self.warn(
                    pointer_join("/components/schemas", name),
                    f"its properties differ from the fields that x-rancher-field makes {flag}-able",
                )

        def must_give(field: Field) -> bool:
            return flag == "create" and field.rancher is not None and field.rancher.required

        order = {wire: index for index, wire in enumerate(client_types)}
        # the fields a create must give first: they take no default in the dataclass
        writable.sort(key=lambda f: (not must_give(f), order[f.wire_name]))
        props = tuple(
            ModelProperty(
                f.wire_name, f.python_name, client_types[f.wire_name], must_give(f), f.description
            )
            for f in writable
        )
        needed = [f"`{f.wire_name}`" for f in writable if must_give(f)]
        description = f"The {flag} body: only the fields a client may write; " + (
            f"{' and '.join(needed)} {'are' if len(needed) > 1 else 'is'} required."
            if needed
            else "an empty body is valid."
        )
        self.extra_models.append(Model(class_name, description, props, pointer, owner))
        self.model_owners.setdefault(class_name, set()).add(owner)
        return class_name

    def limits(self, declared: ModelResource, list_op: Operation) -> tuple[int, int] | None:
        if declared.limits is None:
            self.error(
                list_op.pointer,
                "the list operation needs a `limit` parameter with a default and x-rancher-max",
            )
            return None
        return declared.limits.default, declared.limits.maximum

    def error_model(self, resources: list[Resource]) -> ClassName | None:
        """The Rancher error schema: what the 404 of a get operation answers (else `Error`)."""
        for resource in resources:
            op = resource.operation("get")
            if op is None:
                continue
            raw = self.operations[op.operation_id][2]
            response = (raw.get("responses") or {}).get("404")
            if response is None:
                continue
            response, at = self.spec.resolve(response, pointer_join(op.pointer, "responses", "404"))
            content = ((response or {}).get("content") or {}).get("application/json") or {}
            merged, name, schema_pointer = self.merged(
                content.get("schema"), pointer_join(at, "content")
            )
            if name and isinstance(merged.get("properties"), dict):
                schema, _ = self.spec.resolve({"$ref": "#" + schema_pointer}, schema_pointer)
                self.register_model(ClassName(name), schema, schema_pointer, _SHARED)
                return ClassName(name)
        components = self.spec.document.get("components", {}).get("schemas", {})
        if isinstance(components.get("Error"), dict) and "properties" in components["Error"]:
            self.register_model(
                ClassName("Error"), components["Error"], "/components/schemas/Error", _SHARED
            )
            return ClassName("Error")
        self.error(
            "/components/schemas", "no Rancher error schema (the 404 response of a get operation)"
        )
        return None

    def finish_models(self) -> tuple[Model, ...]:
        models: dict[ClassName, Model] = {}
        for class_name, (description, props, pointer) in self.models.items():
            models[class_name] = Model(class_name, description, tuple(props), pointer, "")
        for model in self.extra_models:
            if model.class_name in models:
                self.error(
                    model.pointer, f"the request model {model.class_name} collides with a schema"
                )
            models[model.class_name] = model
        # a model reached from several resources (or the error) is shared, and all it references
        owners = {name: set(self.model_owners.get(name, set())) for name in models}
        changed = True
        while changed:
            changed = False
            for name, model in models.items():
                for referenced in model.referenced_models:
                    if not owners[name] <= owners[referenced]:
                        owners[referenced] |= owners[name]
                        changed = True
        out = []
        for name in sorted(models):
            owner_set = owners[name]
            module = next(iter(owner_set)) if len(owner_set) == 1 else _SHARED
            model = models[name]
            out.append(
                Model(model.class_name, model.description, model.properties, model.pointer, module)
            )
        return tuple(out)


def build_api(specs: Sequence[Spec], generator_version: str) -> tuple[Api | None, list[SpecError]]:
    """Build the IR of one spec or a set; None and the findings when the specs have errors."""
    builder = _Builder(specs[0])
    resources: list[Resource] = []
    error_model: ClassName | None = None
    for spec in specs:
        builder.use(spec, f"{spec.path}#" if len(specs) > 1 else "")
        components = spec.document.get("components")
        schemas = components.get("schemas") if isinstance(components, dict) else None
        if not isinstance(schemas, dict):
            builder.error("/components/schemas", "the spec has no component schemas")
            continue
        found: list[Resource] = []
        for name, schema in schemas.items():
            if isinstance(schema, dict) and "x-rancher-resource" in schema:
                resource = builder.resource(
                    str(name), schema, pointer_join("/components/schemas", str(name))
                )
                if resource is not None:
                    found.append(resource)
        if not found and not any(f.level == "error" for f in builder.findings):
            builder.error("/components/schemas", "no schema carries x-rancher-resource")
        if found and error_model is None:
            error_model = builder.error_model(found)
        resources += found
    seen: dict[str, Resource] = {}
    for resource in resources:
        for key in (*resource.aliases, resource.python_name):
            other = seen.get(key)
            if other is not None and other is not resource:
                builder.error(
                    resource.pointer, f"{resource.type!r} and {other.type!r} share the name {key!r}"
                )
            seen[key] = resource
    resources.sort(key=lambda r: r.type)
    model = merge_models(spec.model for spec in specs)
    builder.use(specs[0], "")
    if model.www_authenticate is None:
        builder.error("/components/headers/WWW-Authenticate", "no Basic challenge (a const)")
    missing = [s for s in _RUNTIME_STATUSES if model.errors.reason(s) is None]
    if missing:
        builder.error(
            "/components/schemas",
            f"x-rancher-errors gives no reason for {', '.join(map(str, missing))}",
        )
    models = builder.finish_models()
    if (
        any(f.level == "error" for f in builder.findings)
        or error_model is None
        or model.www_authenticate is None
    ):
        return None, builder.findings
    api = Api(
        title=specs[0].model.title,
        spec_path=set_label(specs),
        spec_sha256=set_digest(specs),
        base_url=model.base_url,
        resources=tuple(resources),
        models=models,
        enums=tuple(builder.enums[name] for name in sorted(builder.enums)),
        error_model=error_model,
        generator_version=generator_version,
        www_authenticate=model.www_authenticate,
        error_reasons=model.errors.reasons,
    )
    return api, builder.findings
