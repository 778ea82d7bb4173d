"""Building the spec model from a document, and from a set of spec files (a folder).

Tolerant by design: a value of the wrong shape reads as absent (the spec rules report it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rancher_contract.paths import SPEC_DIR
from rancher_contract.specmodel._document import SpecDocument, SpecLoadError, read_document
from rancher_contract.specmodel._model import (
    STORE_CLEAR,
    Action,
    Cascade,
    DeleteRule,
    ErrorCatalog,
    Field,
    Filter,
    Generated,
    Lifecycle,
    Limits,
    Link,
    Operation,
    Reference,
    Resource,
    RoleMethods,
    SchemaAction,
    SpecModel,
    Unique,
)
from rancher_contract.specmodel._pointer import MISSING, follow_refs, join
from rancher_contract.specmodel._vocabulary import (
    ENVELOPE_PROPERTIES,
    HTTP_METHODS,
    OPERATION_KINDS,
)

__all__ = [
    "SPEC_SUFFIX",
    "build_model",
    "load_documents",
    "load_model",
    "merge_models",
    "spec_files",
]

SPEC_SUFFIX = ".openapi.yaml"


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Reader:
    """One document: `$ref`-following lookups shared by the parts of the model."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        value, where = follow_refs(self.document, node, pointer)
        return (None if value is MISSING else value), where

    def branches(self, schema: Any, pointer: str) -> Iterator[tuple[dict[str, Any], str]]:
        """`schema` resolved, then its `allOf` members (recursively): the parts that all apply."""
        stack = [(schema, pointer)]
        seen: set[str] = set()
        while stack:
            node, at = self.resolve(*stack.pop())
            if not isinstance(node, dict) or at in seen:
                continue
            seen.add(at)
            yield node, at
            members = node.get("allOf")
            if isinstance(members, list):
                stack += [(m, join(at, "allOf", i)) for i, m in reversed(list(enumerate(members)))]

    def merged(self, schema: Any, pointer: str) -> dict[str, Any]:
        """The keywords of `schema` and its `allOf`/`$ref` parts (the outermost one wins)."""
        out: dict[str, Any] = {}
        for branch, _ in self.branches(schema, pointer):
            for key, value in branch.items():
                out.setdefault(key, value)
        return out

    def properties(self, schema: Any, pointer: str) -> dict[str, tuple[Any, str]]:
        found: dict[str, tuple[Any, str]] = {}
        for branch, at in self.branches(schema, pointer):
            for name, prop in _map(branch.get("properties")).items():
                found.setdefault(str(name), (prop, join(at, "properties", str(name))))
        return found

    def enum_of(self, schema: Any, pointer: str) -> tuple[str, ...] | None:
        for branch, _ in self.branches(schema, pointer):
            if isinstance(branch.get("enum"), list):
                return tuple(str(v) for v in branch["enum"] if v is not None)
            if "const" in branch and branch["const"] is not None:
                return (str(branch["const"]),)
        return None

    def operations(self) -> dict[str, tuple[str, str, dict[str, Any], str]]:
        """operationId -> (method, path, operation, pointer)."""
        found: dict[str, tuple[str, str, dict[str, Any], str]] = {}
        for path, item in _map(self.document.get("paths")).items():
            item, _ = self.resolve(item, join("/paths", str(path)))
            for method in HTTP_METHODS:
                op = _map(item).get(method)
                if isinstance(op, dict) and isinstance(op.get("operationId"), str):
                    where = join("/paths", str(path), method)
                    found.setdefault(op["operationId"], (method.upper(), str(path), op, where))
        return found

    def parameters(self, op: dict[str, Any], pointer: str) -> Iterator[tuple[dict[str, Any], str]]:
        for index, entry in enumerate(op.get("parameters") or []):
            param, at = self.resolve(entry, join(pointer, "parameters", index))
            if isinstance(param, dict):
                yield param, at


def _types(schema: dict[str, Any]) -> tuple[str, ...]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return (declared,)
    if isinstance(declared, list):
        return tuple(t for t in declared if isinstance(t, str))
    for key in ("oneOf", "anyOf"):
        members = schema.get(key)
        if isinstance(members, list):
            found: list[str] = []
            for member in members:
                found += _types(_map(member)) or ["object"]
            return tuple(dict.fromkeys(found))
    return ()


def _generated(raw: Any) -> Generated | None:
    spec = _map(raw)
    alphabet, length = _str(spec.get("alphabet")), _int(spec.get("length"))
    return Generated(alphabet, length) if alphabet and length and length > 0 else None


def _unique(raw: Any) -> Unique | None:
    if raw is True:
        raw = {}
    if not isinstance(raw, dict):
        return None
    return Unique(
        per=_strs(raw.get("per")),
        ignore_case=raw.get("ignoreCase") is True,
        among=_str(raw.get("among")) or "all",
        error=_str(raw.get("error")),
    )


def _reference(rancher_type: str | None, raw: Any) -> Reference | None:
    """`x-rancher-field.reference` on a field whose Rancher type is `reference[<type>]`."""
    if not isinstance(raw, dict) or not rancher_type:
        return None
    if not (rancher_type.startswith("reference[") and rancher_type.endswith("]")):
        return None
    cascade = _map(raw.get("cascade"))
    trigger = _str(cascade.get("trigger"))
    return Reference(
        type=rancher_type[len("reference[") : -1],
        must_resolve=raw.get("mustResolve") is True,
        error=_str(raw.get("error")),
        cascade=Cascade(trigger, _strs(cascade.get("run"))) if trigger else None,
    )


def _field(reader: _Reader, name: str, raw: Any, pointer: str, required: set[str]) -> Field:
    merged = reader.merged(raw, pointer)
    json_types = _types(merged)
    options = reader.enum_of(raw, pointer)
    xf = _map(merged.get("x-rancher-field"))
    rancher_type = _str(xf.get("type")) if xf else None
    wire_max, wire_min = _int(merged.get("maxLength")), _int(merged.get("minLength"))
    declared_max = _int(xf.get("maxLength")) if "maxLength" in xf else wire_max
    # gdapi renders minLength only where the schema declares one: never inferred from the wire
    declared_min = _int(xf.get("minLength"))
    description = _map(raw).get("description", merged.get("description"))
    return Field(
        name=name,
        pointer=pointer,
        json_types=json_types,
        format=_str(merged.get("format")),
        pattern=_str(merged.get("pattern")),
        min_length=wire_min,
        max_length=wire_max,
        options=options,
        default=merged.get("default"),
        description=str(description) if description else None,
        read_only=merged.get("readOnly") is True,
        in_every_response=name in required,
        rancher_type=rancher_type,
        create=xf.get("create") is True,
        update=xf.get("update") is True,
        required=xf.get("required") is True,
        nullable=xf.get("nullable") is True or "null" in json_types,
        read_on_create_only=xf.get("readOnCreateOnly") is True,
        declared_min_length=declared_min,
        declared_max_length=declared_max,
        generate=_generated(xf.get("generate")),
        store=_str(xf.get("store")) or STORE_CLEAR,
        unique=_unique(xf.get("unique")),
        reference=_reference(rancher_type, xf.get("reference")),
        basic_auth=_str(xf.get("basicAuth")),
    )


def _lifecycle(raw: Any, pointer: str) -> Lifecycle | None:
    if not isinstance(raw, dict):
        return None
    actions = tuple(
        Action(
            name=str(name),
            from_states=_strs(_map(spec).get("from")),
            through=_str(_map(spec).get("through")),
            to=_str(_map(spec).get("to")),
            description=str(_map(spec).get("description") or ""),
            pointer=join(pointer, "actions", str(name)),
        )
        for name, spec in _map(raw.get("actions")).items()
    )
    create = _map(raw.get("create"))
    delete = _map(raw.get("delete"))
    otherwise = _int(delete.get("otherwiseStatus"))
    return Lifecycle(
        states=_strs(raw.get("states")),
        transitioning_states=_strs(raw.get("transitioningStates")),
        create_through=_str(create.get("through")),
        create_to=_str(create.get("to")),
        actions=actions,
        actions_by_state=tuple(
            (str(state), _strs(names)) for state, names in _map(raw.get("actionsByState")).items()
        ),
        delete=DeleteRule(
            runs=_str(delete.get("runs")),
            already_done_states=_strs(delete.get("alreadyDoneStates")),
            otherwise_status=otherwise if otherwise is not None else 405,
        ),
        authenticates_in=_strs(raw.get("authenticatesIn")),
        updating=tuple((str(k), str(v)) for k, v in _map(raw.get("updating")).items()),
        hidden_from_list_when=_str(raw.get("hiddenFromListWhen")),
        pointer=pointer,
    )


def _operations(
    reader: _Reader, xr: dict[str, Any], index: dict[str, tuple[str, str, dict[str, Any], str]]
) -> tuple[Operation, ...]:
    found = []
    declared = _map(xr.get("operations"))
    for kind in OPERATION_KINDS:
        op_id = declared.get(kind)
        if not isinstance(op_id, str) or op_id not in index:
            continue
        method, path, op, where = index[op_id]
        statuses = sorted(
            int(code)
            for code in _map(op.get("responses"))
            if str(code).isdigit() and str(code).startswith("2")
        )
        found.append(Operation(kind, op_id, method, path, statuses[0] if statuses else 200, where))
    return tuple(found)


def _limits(
    reader: _Reader, list_op: Operation | None, index: dict[str, tuple[str, str, Any, str]]
) -> Limits | None:
    if list_op is None:
        return None
    _, _, op, where = index[list_op.operation_id]
    for param, at in reader.parameters(op, where):
        if param.get("name") == "limit" and param.get("in") == "query":
            schema = _map(param.get("schema"))
            default, maximum = _int(schema.get("default")), _int(schema.get("x-rancher-max"))
            if default is not None and maximum is not None:
                return Limits(default, maximum, join(at, "schema"))
    return None


def _resource(
    reader: _Reader,
    name: str,
    schema: dict[str, Any],
    index: dict[str, tuple[str, str, dict[str, Any], str]],
    source: str,
) -> Resource | None:
    pointer = join("/components/schemas", name)
    xr = _map(schema.get("x-rancher-resource"))
    rancher_type = _str(xr.get("type"))
    if not rancher_type:
        return None
    required = set(_strs(schema.get("required")))
    fields = tuple(
        _field(reader, prop_name, raw, at, required)
        for prop_name, (raw, at) in reader.properties(schema, pointer).items()
        if prop_name not in ENVELOPE_PROPERTIES
    )
    kind_field = next((f for f in fields if f.name == "kind"), None)
    operations = _operations(reader, xr, index)
    list_op = next((op for op in operations if op.kind == "list"), None)
    links = tuple(
        Link(str(link), _str(_map(spec).get("field")), _str(_map(spec).get("type")))
        for link, spec in _map(xr.get("links")).items()
        if link != "self"
    )
    filters = tuple(
        Filter(
            field=str(field),
            modifiers=_strs(_map(spec).get("modifiers")),
            hidden=_map(spec).get("hidden") is True,
            type=_str(_map(spec).get("type")),
            pointer=join(pointer, "x-rancher-filters", str(field)),
        )
        for field, spec in _map(schema.get("x-rancher-filters")).items()
    )
    roles = tuple(
        RoleMethods(
            str(role),
            _strs(_map(spec).get("collectionMethods")),
            _strs(_map(spec).get("resourceMethods")),
        )
        for role, spec in _map(xr.get("roles")).items()
    )
    return Resource(
        type=rancher_type,
        plural=_str(xr.get("pluralName")) or rancher_type + "s",
        base_type=_str(xr.get("baseType")) or rancher_type,
        kind=kind_field.options[0] if kind_field and kind_field.options else None,
        id_pattern=_str(xr.get("idPattern")),
        schema_name=name,
        description=str(schema.get("description") or ""),
        fields=fields,
        operations=operations,
        collection_methods=_strs(xr.get("collectionMethods")) or ("GET",),
        resource_methods=_strs(xr.get("resourceMethods")) or ("GET",),
        roles=roles,
        links=links,
        schema_actions=tuple(
            SchemaAction(str(action), _str(_map(spec).get("input")), _str(_map(spec).get("output")))
            for action, spec in sorted(_map(xr.get("schemaActions")).items())
        ),
        lifecycle=_lifecycle(
            schema.get("x-rancher-lifecycle"), join(pointer, "x-rancher-lifecycle")
        ),
        filters=filters,
        limits=_limits(reader, list_op, index),
        create_schema=_str(xr.get("createSchema")),
        update_schema=_str(xr.get("updateSchema")),
        collection_schema=_str(xr.get("collectionSchema")),
        source=source,
        pointer=pointer,
    )


def _errors(reader: _Reader) -> ErrorCatalog:
    for _, schema in _map(_map(reader.document.get("components")).get("schemas")).items():
        declared = _map(_map(schema).get("x-rancher-errors"))
        if declared:
            reasons = tuple(
                sorted(
                    (int(status), str(reason))
                    for status, reason in _map(declared.get("reasons")).items()
                    if str(status).isdigit() and isinstance(reason, str)
                )
            )
            codes = tuple(
                (str(code), number)
                for code, status in _map(declared.get("codes")).items()
                if (number := _int(status)) is not None
            )
            return ErrorCatalog(reasons, codes)
    return ErrorCatalog((), ())


def _challenge(reader: _Reader) -> str | None:
    header = _map(_map(reader.document.get("components")).get("headers")).get("WWW-Authenticate")
    header, _ = reader.resolve(header, "/components/headers/WWW-Authenticate")
    return _str(_map(_map(header).get("schema")).get("const"))


def build_model(document: dict[str, Any], *, source: str = "") -> SpecModel:
    """The model of one spec document (`source`: how to name the file in messages)."""
    reader = _Reader(document)
    index = reader.operations()
    schemas = _map(_map(document.get("components")).get("schemas"))
    resources = []
    for name, schema in schemas.items():
        if isinstance(schema, dict) and isinstance(schema.get("x-rancher-resource"), dict):
            resource = _resource(reader, str(name), schema, index, source)
            if resource is not None:
                resources.append(resource)
    servers = document.get("servers")
    base_url = "http://localhost:8080"
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        base_url = str(servers[0].get("url") or base_url).rstrip("/")
    return SpecModel(
        title=str(_map(document.get("info")).get("title") or ""),
        base_url=base_url,
        resources=tuple(sorted(resources, key=lambda r: r.type)),
        www_authenticate=_challenge(reader),
        errors=_errors(reader),
        sources=(source,) if source else (),
    )


def merge_models(models: Iterable[SpecModel]) -> SpecModel:
    """One model of several spec files: every resource; what the API shares from the first file
    that states it (the spec rules check that the files agree); the error catalogs united."""
    parts = list(models)
    if not parts:
        raise ValueError("no spec to merge")
    first = parts[0]
    reasons: dict[int, str] = {}
    codes: dict[str, int] = {}
    for part in parts:
        for status, reason in part.errors.reasons:
            reasons.setdefault(status, reason)
        for code, status in part.errors.codes:
            codes.setdefault(code, status)
    resources = [resource for part in parts for resource in part.resources]
    return SpecModel(
        title=first.title if len(parts) == 1 else "; ".join(p.title for p in parts if p.title),
        base_url=first.base_url,
        resources=tuple(sorted(resources, key=lambda r: r.type)),
        www_authenticate=next((p.www_authenticate for p in parts if p.www_authenticate), None),
        errors=ErrorCatalog(tuple(sorted(reasons.items())), tuple(codes.items())),
        sources=tuple(source for part in parts for source in part.sources),
    )


def spec_files(path: str | os.PathLike[str]) -> list[Path]:
    """The spec files `path` names: the file itself, or every `*.openapi.yaml` of a folder."""
    where = Path(path)
    if where.is_dir():
        return sorted(where.glob(f"*{SPEC_SUFFIX}"))
    return [where]


def load_documents(paths: Iterable[str | os.PathLike[str]]) -> list[SpecDocument]:
    """Every spec file that `paths` name (files, or folders of `*.openapi.yaml`), read."""
    return [read_document(file) for path in paths for file in spec_files(path)]


def load_model(*paths: str | os.PathLike[str]) -> SpecModel:
    """The model of the spec files (or folders of them) at `paths`; SpecLoadError if unreadable.

    With no path: the spec set that ships with the package (every resource).
    """
    if not paths:
        paths = (SPEC_DIR,)
    documents = load_documents(paths)
    if not documents:
        raise SpecLoadError(f"{', '.join(map(str, paths))}: no *{SPEC_SUFFIX} file")
    return merge_models(build_model(d.document, source=d.display_path) for d in documents)
