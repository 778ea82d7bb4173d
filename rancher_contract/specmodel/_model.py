"""The spec model: what the spec says, as frozen dataclasses every part of the project reads.

The model is built from a document without judging it (`speclint` does that): a value of the
wrong shape reads as absent, so that a broken spec still gives a model the rules can point into.
Every element keeps the JSON pointer of its declaration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Action",
    "Cascade",
    "DeleteRule",
    "ErrorCatalog",
    "Field",
    "Filter",
    "Generated",
    "Lifecycle",
    "Limits",
    "Link",
    "Operation",
    "Reference",
    "Resource",
    "RoleMethods",
    "SchemaAction",
    "SpecModel",
    "Unique",
]

# How a field's value is stored (`x-rancher-field.store`): as given, or only a salted hash of it.
STORE_CLEAR = "clear"
STORE_SALTED_HASH = "saltedHash"


@dataclass(frozen=True)
class Generated:
    """`x-rancher-field.generate`: the server draws the value, `length` characters of `alphabet`
    (a create never takes it from the client)."""

    alphabet: str
    length: int


@dataclass(frozen=True)
class Unique:
    """`x-rancher-field.unique`: no two resources of the type share the value.

    `per`: the fields that scope it (`accountId`: per environment); `ignore_case`: compared
    case-insensitively; `among`: `all` resources or only those `notRemoved`; `error`: the code a
    duplicate written by a client answers (its status from `x-rancher-errors`); None for a
    generated value (the server draws again).
    """

    per: tuple[str, ...]
    ignore_case: bool
    among: str
    error: str | None


@dataclass(frozen=True)
class Cascade:
    """`x-rancher-field.reference.cascade`: when the referenced resource runs the lifecycle action
    `trigger`, each referrer runs the lifecycle actions `run` in turn (each where its state offers
    it)."""

    trigger: str
    run: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    """`x-rancher-field.reference` on a field of Rancher type `reference[<type>]`."""

    type: str  # the referenced Rancher type
    must_resolve: bool  # a written value must name a resource of that type (same account)
    error: str | None  # the code of a value that does not resolve (422 InvalidReference)
    cascade: Cascade | None


@dataclass(frozen=True)
class Field:
    """A non-envelope property of a resource schema (`x-rancher-field` gives the Rancher side)."""

    name: str  # the wire name, e.g. "publicValue"
    pointer: str
    json_types: tuple[str, ...]  # the OpenAPI types, "null" included when the wire may carry null
    format: str | None
    pattern: str | None
    min_length: int | None  # the wire limits (OpenAPI), enforced on writes
    max_length: int | None
    options: tuple[str, ...] | None  # the enum values (through $ref/allOf), None when free
    default: object | None
    description: str | None
    read_only: bool
    in_every_response: bool  # listed in the schema's `required`: rendered even when null
    rancher_type: str | None  # None: not a Rancher resource field (e.g. createdTS)
    create: bool
    update: bool
    required: bool  # Rancher's `required`: a create must give it (422 MissingRequired)
    nullable: bool  # Rancher's declaration (x-rancher-field.nullable, or a null wire type)
    read_on_create_only: bool
    # what the Rancher schema document declares: x-rancher-field's minLength (never the wire's);
    # x-rancher-field's maxLength, else the wire's
    declared_min_length: int | None
    declared_max_length: int | None
    # how the backend produces and keeps the value (see the dataclasses above)
    generate: Generated | None = None
    store: str = STORE_CLEAR
    unique: Unique | None = None
    reference: Reference | None = None
    basic_auth: str | None = None  # "username" / "password": its part of HTTP Basic credentials

    @property
    def wire_nullable(self) -> bool:
        """Whether the wire value may be null."""
        return "null" in self.json_types

    @property
    def is_rancher_field(self) -> bool:
        return self.rancher_type is not None


@dataclass(frozen=True)
class Action:
    """A lifecycle action: where it may start, the transitioning state, the done state."""

    name: str
    from_states: tuple[str, ...]
    through: str | None
    to: str | None
    description: str
    pointer: str


@dataclass(frozen=True)
class DeleteRule:
    """What DELETE does: the action it runs, the states where it is already done, else a status."""

    runs: str | None
    already_done_states: tuple[str, ...]
    otherwise_status: int


@dataclass(frozen=True)
class Lifecycle:
    """`x-rancher-lifecycle`."""

    states: tuple[str, ...]
    transitioning_states: tuple[str, ...]
    create_through: str | None
    create_to: str | None
    actions: tuple[Action, ...]
    actions_by_state: tuple[tuple[str, tuple[str, ...]], ...]
    delete: DeleteRule
    authenticates_in: tuple[str, ...]  # empty: the resource is no API credential
    # settled state -> the transient state a PUT may show while it updates (Rancher's
    # `updating-active`); the resource settles back in the same state
    updating: tuple[tuple[str, str], ...]
    hidden_from_list_when: str | None  # e.g. "removedSet": the plain list hides such resources
    pointer: str

    @property
    def action_names(self) -> tuple[str, ...]:
        return tuple(action.name for action in self.actions)

    def action(self, name: str) -> Action | None:
        return next((action for action in self.actions if action.name == name), None)

    def actions_in(self, state: str) -> tuple[str, ...]:
        """The lifecycle actions offered in `state` (its `actions` map), in spec order."""
        return dict(self.actions_by_state).get(state, ())

    def update_forms(self, state: str) -> tuple[str, ...]:
        """The states a PUT may answer for a resource in `state`: the state itself and its
        `updating` form, if the spec declares one."""
        form = dict(self.updating).get(state)
        return (state, form) if form else (state,)

    def settles_from_update(self, state: str) -> str | None:
        """The settled state whose `updating` form `state` is, or None."""
        return next((settled for settled, form in self.updating if form == state), None)

    def is_transitioning(self, state: str) -> bool:
        return state in self.transitioning_states

    @property
    def settled_states(self) -> tuple[str, ...]:
        return tuple(s for s in self.states if s not in self.transitioning_states)

    @property
    def removed_states(self) -> tuple[str, ...]:
        """The states in which the resource counts as removed: the delete action's done state
        and every state reachable from it (and the delete rule's already-done states), except
        through an action that leads back to where the delete action may start again (`restore`:
        `removed` -> `restoring` -> `inactive` brings the resource back)."""
        found: list[str] = list(self.delete.already_done_states)
        runs = self.action(self.delete.runs) if self.delete.runs else None
        frontier = [runs.to] if runs is not None and runs.to else []
        deletable = set(runs.from_states) if runs is not None else set()
        while frontier:
            state = frontier.pop()
            if state in found:
                continue
            found.append(state)
            for action in self.actions:
                if state in action.from_states and action.to not in deletable:
                    frontier += [s for s in (action.through, action.to) if s]
        return tuple(s for s in self.states if s in found)


@dataclass(frozen=True)
class Filter:
    """A collection filter (`x-rancher-filters`): a field and the modifiers allowed on it."""

    field: str
    modifiers: tuple[str, ...]
    hidden: bool  # a column Rancher filters on that is no resource field
    type: str | None  # the Rancher type of a hidden column
    pointer: str


@dataclass(frozen=True)
class Link:
    """A link a resource serves (`x-rancher-resource.links`), shown when `field` is set."""

    name: str
    field: str | None
    type: str | None


@dataclass(frozen=True)
class SchemaAction:
    """A `resourceActions` entry of the Rancher schema document."""

    name: str
    input: str | None
    output: str | None


@dataclass(frozen=True)
class RoleMethods:
    """The methods a Rancher role is offered (`x-rancher-resource.roles`)."""

    role: str
    collection_methods: tuple[str, ...]
    resource_methods: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    """An operation that serves a resource (`x-rancher-resource.operations`)."""

    kind: str  # list, create, get, update, delete, action
    operation_id: str
    method: str  # upper case
    path: str
    success_status: int  # the lowest 2xx it documents
    pointer: str


@dataclass(frozen=True)
class Limits:
    """Pagination: the page size when none is asked for, and the largest one served."""

    default: int
    maximum: int
    pointer: str  # the `limit` parameter's schema


@dataclass(frozen=True)
class Resource:
    """A component schema carrying `x-rancher-resource`."""

    type: str  # the Rancher type, "apiKey"
    plural: str  # "apiKeys"
    base_type: str
    kind: str | None  # the `kind` the server forces, when the schema fixes it
    id_pattern: str | None
    schema_name: str  # the component schema, "ApiKey"
    description: str
    fields: tuple[Field, ...]
    operations: tuple[Operation, ...]
    collection_methods: tuple[str, ...]
    resource_methods: tuple[str, ...]
    roles: tuple[RoleMethods, ...]
    links: tuple[Link, ...]  # without `self`
    schema_actions: tuple[SchemaAction, ...]
    lifecycle: Lifecycle | None
    filters: tuple[Filter, ...]
    limits: Limits | None
    create_schema: str | None
    update_schema: str | None
    collection_schema: str | None
    source: str  # the spec file it was declared in (its display path)
    pointer: str

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def id_prefix(self) -> str | None:
        """The letters of the id before its number (`1c` of `^1c[0-9]+$`), from `idPattern`."""
        match = re.fullmatch(r"\^([0-9A-Za-z]+)\[0-9\]\+\$", self.id_pattern or "")
        return match.group(1) if match else None

    @property
    def basic_auth_fields(self) -> tuple[Field, Field] | None:
        """(username, password) fields when the resource is an API credential, else None."""
        if self.lifecycle is None or not self.lifecycle.authenticates_in:
            return None
        user = next((f for f in self.fields if f.basic_auth == "username"), None)
        password = next((f for f in self.fields if f.basic_auth == "password"), None)
        return (user, password) if user is not None and password is not None else None

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.field == name), None)

    def operation(self, kind: str) -> Operation | None:
        return next((op for op in self.operations if op.kind == kind), None)

    def methods_for(self, role: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(collection methods, resource methods) offered to `role` (None: the default ones)."""
        for entry in self.roles:
            if entry.role == role:
                return entry.collection_methods, entry.resource_methods
        return self.collection_methods, self.resource_methods

    @property
    def create_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.create)

    @property
    def update_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.update)

    @property
    def required_fields(self) -> tuple[Field, ...]:
        """The fields a create must give, in the schema's order (Rancher names the first one)."""
        return tuple(f for f in self.fields if f.required)

    @property
    def url_segment(self) -> str:
        """How Rancher writes the collection in links: the plural, lower-cased (`apikeys`)."""
        return self.plural.lower()


@dataclass(frozen=True)
class ErrorCatalog:
    """`x-rancher-errors` on the error schema: the reason of each status error (used as its code
    and message) and the status of each error code the contract fixes."""

    reasons: tuple[tuple[int, str], ...]  # (status, reason), by status
    codes: tuple[tuple[str, int], ...]  # (code, status), in spec order

    def reason(self, status: int) -> str | None:
        return dict(self.reasons).get(status)

    def status_of(self, code: str) -> int | None:
        return dict(self.codes).get(code)

    @property
    def validation_codes(self) -> tuple[str, ...]:
        """The 422 codes."""
        return tuple(code for code, status in self.codes if status == 422)


@dataclass(frozen=True)
class SpecModel:
    """One spec file, or a set of them (a folder): every resource, and what the API shares."""

    title: str
    base_url: str  # servers[0].url, without a trailing slash
    resources: tuple[Resource, ...]  # sorted by type
    www_authenticate: str | None  # the Basic challenge of a 401 (components/headers)
    errors: ErrorCatalog
    sources: tuple[str, ...]  # the display paths of the spec files

    def resource(self, type_name: str) -> Resource | None:
        """The resource of that Rancher type (case-insensitive; the plural works too)."""
        wanted = type_name.lower()
        for resource in self.resources:
            if wanted in (resource.type.lower(), resource.plural.lower()):
                return resource
        return None

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(resource.type for resource in self.resources)

    def referrers(self, type_name: str) -> tuple[tuple[Resource, Field], ...]:
        """Every (resource, field) whose `x-rancher-field.reference` names `type_name`."""
        return tuple(
            (resource, field)
            for resource in self.resources
            for field in resource.fields
            if field.reference is not None and field.reference.type == type_name
        )

    def sharing_base_type(self, resource: Resource) -> tuple[Resource, ...]:
        """The resources stored with `resource` (one base type: one table, one id sequence)."""
        return tuple(r for r in self.resources if r.base_type == resource.base_type)

    @property
    def realm(self) -> str | None:
        """The realm of the Basic challenge."""
        text = self.www_authenticate or ""
        marker = 'realm="'
        if marker not in text:
            return None
        return text.split(marker, 1)[1].rsplit('"', 1)[0]
