"""Every resource of the spec set, tested with the same kinds of checks and nothing written for one
resource: what each test expects is read from the spec model (`contract_tests/resources.py`).

The tests are parametrized by the `resource` fixture (the selected resources, `--resource`):
schema document (§7), lifecycle walk and the action x state matrix (§3), required fields, lengths,
references and create-only fields (§2, §6), filters (§5), read-on-create-only fields (§2), the
credentials a resource that authenticates nowhere must refuse (§4), and the removal of what
references a purged resource (§3).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rancher_contract.contract_tests.client import Api, Janitor, Recorder, Reply, unique_prefix
from rancher_contract.contract_tests.resources import (
    absent_id,
    create_body,
    credential_fields,
    path_to,
    reference_target,
    references_of,
    retire_all,
    sample_value,
    settled_paths,
    spec_model,
)
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.target import Target
from rancher_contract.specmodel import Field, Lifecycle, Resource

PREFIX = unique_prefix()


def _lifecycle(resource: Resource) -> Lifecycle:
    if resource.lifecycle is None:
        pytest.skip(f"{resource.type} has no x-rancher-lifecycle")
    return resource.lifecycle


class Maker:
    """Creates resources of any type from the spec model, their references first, and retires
    everything it created at the end of the session (referencing resources first, then what they
    reference: deactivated, removed, purged)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.created: list[tuple[str, str]] = []  # (type, links.self), in creation order
        self.shared: dict[str, str] = {}  # type -> id of a referenced resource the run shares

    def collection(self, resource: Resource) -> str:
        links = self.api.links()
        return links.get(resource.plural) or f"{self.api.target.url}/{resource.plural}"

    def remember(self, reply: Reply, type_name: str) -> None:
        body = reply.json
        if reply.status == 201 and isinstance(body, dict):
            url = (body.get("links") or {}).get("self")
            if isinstance(url, str):
                self.created.append((str(body.get("type") or type_name), url))

    def references(self, resource: Resource) -> dict[str, str]:
        """An id of each resource type `resource` references (created once, then shared)."""
        found: dict[str, str] = {}
        for _field, target in references_of(resource):
            if target.type not in self.shared:
                made = self.make(target, f"{PREFIX}ref-")
                self.shared[target.type] = str(made["id"])
            found[target.type] = self.shared[target.type]
        return found

    def body(self, resource: Resource, prefix: str = PREFIX, **override: Any) -> dict[str, Any]:
        body = create_body(resource, prefix, self.references(resource))
        body.update(override)
        return body

    def post(self, api: Api, resource: Resource, body: dict[str, Any]) -> Reply:
        reply = api.post(self.collection(resource), json=body)
        self.remember(reply, resource.type)
        return checked(reply, resource)

    def make(
        self, resource: Resource, prefix: str = PREFIX, api: Api | None = None, **override: Any
    ) -> dict[str, Any]:
        """A new resource, settled in the state a create leads to."""
        api = api or self.api
        reply = self.post(api, resource, self.body(resource, prefix, **override))
        created = reply.expect("1.success-status", 201).body
        return wait(api, resource, created)

    def clean(self) -> None:
        credentials = self.api.target.credentials
        timeout = min(self.api.target.transition_timeout, 10.0)
        model = spec_model()
        items = []
        for type_name, url in reversed(self.created):  # referencing resources first
            resource = model.resource(type_name)
            if resource is not None and resource.lifecycle is not None:
                items.append((url, resource.lifecycle))
        retire_all(self.api.http, items, credentials, timeout)
        self.created.clear()


@pytest.fixture(scope="session")
def maker(target: Target, http: httpx.Client, janitor: Janitor) -> Iterator[Maker]:
    api = Api(target, Recorder(), http=http)
    api.janitor = janitor
    made = Maker(api)
    try:
        yield made
    finally:
        made.clean()


def checked(reply: Reply, resource: Resource) -> Reply:
    """The fields read on create only: null in every response but the create's and an action's
    (2.secret-once). (The client validates every response against the spec's JSON Schema.)"""
    body = reply.json
    if not (200 <= reply.status < 300 and isinstance(body, dict)):
        return reply
    if body.get("type") == "collection":
        items = [i for i in body.get("data") or [] if isinstance(i, dict)]
    else:
        items = [body]
    method = reply.exchange.method
    is_action = method == "POST" and "action=" in reply.exchange.url
    if method == "POST" and (is_action or reply.status == 201):
        return reply  # the create MAY echo what was sent (test below); an action MAY carry it
    for item in items:
        for field in resource.fields:
            if field.read_on_create_only and item.get(field.name) is not None:
                raise ContractViolation(
                    "2.secret-once",
                    f"{field.name} is readable in a {method} response of {resource.type} "
                    f"{item.get('id')}: {item.get(field.name)!r}\n  response: "
                    f"{reply.exchange.summary()}",
                )
    return reply


def wait(api: Api, resource: Resource, body: dict[str, Any]) -> dict[str, Any]:
    settled = api.wait(body)
    checked(api.get(settled["links"]["self"]).expect("3.transitions", 200), resource)
    return settled


def lifecycle_actions(body: dict[str, Any], lifecycle: Lifecycle) -> set[str]:
    return set(body.get("actions") or {}) & set(lifecycle.action_names)


def expect_actions(body: dict[str, Any], lifecycle: Lifecycle, resource: Resource) -> None:
    state = str(body.get("state"))
    expected = set(lifecycle.actions_in(state))
    got = lifecycle_actions(body, lifecycle)
    if got != expected:
        raise ContractViolation(
            "3.actions-map",
            f"{resource.type} {body.get('id')} in state {state!r} lists the lifecycle actions "
            f"{sorted(got)}, expected exactly {sorted(expected)}",
        )


# -- §7 the schema document ---------------------------------------------------------------------


@pytest.mark.contract("7.schema-document")
def test_schema_document_agrees_with_the_spec(api: Api, resource: Resource) -> None:
    """§7: GET /v1/schemas/<type>: resourceFields (type, create, update, required, nullable,
    lengths, options, readOnCreateOnly), collectionFilters, resourceActions, methods."""
    url = f"{api.links()['schemas'].rstrip('/')}/{resource.type.lower()}"
    doc = api.get(url).expect("7.schema-document", 200).body
    if doc.get("type") != "schema" or str(doc.get("id", "")).lower() != resource.type.lower():
        raise ContractViolation(
            "7.schema-document", f"GET {url} is not the {resource.type} schema: {doc.get('id')!r}"
        )
    fields = doc.get("resourceFields")
    if not isinstance(fields, dict):
        raise ContractViolation("7.schema-document", f"resourceFields is {fields!r}")
    found: list[str] = []
    for field in resource.fields:
        if not field.is_rancher_field:
            continue
        got = fields.get(field.name)
        if not isinstance(got, dict):
            found.append(f"{field.name}: missing")
            continue
        expected: dict[str, Any] = {
            "type": field.rancher_type,
            "create": field.create,
            "update": field.update,
        }
        if field.required:
            expected["required"] = True
        if field.nullable:
            expected["nullable"] = True
        if field.declared_max_length is not None:
            expected["maxLength"] = field.declared_max_length
        if field.declared_min_length is not None:
            expected["minLength"] = field.declared_min_length
        if field.read_on_create_only:
            expected["readOnCreateOnly"] = True
        for key, value in expected.items():
            if got.get(key) != value:
                found.append(f"{field.name}.{key} is {got.get(key)!r}, expected {value!r}")
        if field.rancher_type == "enum" and field.options is not None:
            options = got.get("options")
            if not isinstance(options, list) or set(options) != set(field.options):
                found.append(f"{field.name}.options is {options!r}, expected {list(field.options)}")
    filters = doc.get("collectionFilters")
    for wanted in resource.filters:
        modifiers = ((filters or {}).get(wanted.field) or {}).get("modifiers")
        if not isinstance(modifiers, list) or set(modifiers) != set(wanted.modifiers):
            found.append(
                f"collectionFilters.{wanted.field} is {modifiers!r}, "
                f"expected {list(wanted.modifiers)}"
            )
    actions = doc.get("resourceActions")
    lifecycle = resource.lifecycle
    if lifecycle is not None and (
        not isinstance(actions, dict) or set(lifecycle.action_names) - set(actions)
    ):
        found.append(f"resourceActions {sorted(actions or {})} lack {list(lifecycle.action_names)}")
    offered = {(tuple(sorted(c)), tuple(sorted(r))) for c, r in _role_methods(resource)}
    got_methods = (
        tuple(sorted(doc.get("collectionMethods") or [])),
        tuple(sorted(doc.get("resourceMethods") or [])),
    )
    if got_methods not in offered:
        found.append(
            f"collectionMethods/resourceMethods are {got_methods}, expected one of {offered}"
        )
    if found:
        raise ContractViolation("7.schema-document", f"{resource.type}: " + "; ".join(found))


def _role_methods(resource: Resource) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [resource.methods_for(None)] + [resource.methods_for(r.role) for r in resource.roles]


# -- §3 the lifecycle --------------------------------------------------------------------------


def _check_state(api: Api, resource: Resource, body: dict[str, Any], lifecycle: Lifecycle) -> None:
    """In a settled state: the actions map, every other lifecycle action 422 ActionNotAvailable,
    an unknown action 422 InvalidAction, DELETE by the delete rule (not run here when it would
    change the state)."""
    expect_actions(body, lifecycle, resource)
    state = str(body["state"])
    allowed = set(lifecycle.actions_in(state))
    for action in lifecycle.action_names:
        if action in allowed:
            continue
        api.post(api.action_url(body, action)).expect_error(
            "3.action-not-available", 422, "ActionNotAvailable", "action"
        )
    api.post(api.action_url(body, "rcContractNoSuchAction")).expect_error(
        "3.invalid-action", 422, "InvalidAction", "action"
    )
    rule = lifecycle.delete
    runs = rule.runs
    if state not in rule.already_done_states and (runs is None or runs not in allowed):
        reply = api.delete(body["links"]["self"])
        reply.expect("3.delete-active", rule.otherwise_status)
    after = checked(api.get(body["links"]["self"]).expect("3.transitions", 200), resource).body
    if after.get("state") != state:
        raise ContractViolation(
            "3.action-not-available",
            f"{resource.type} {body['id']} went from {state!r} to {after.get('state')!r} after "
            "actions it does not offer",
        )


@pytest.mark.contract(
    "3.create-active", "3.action-result", "3.actions-map", "3.action-not-available",
    "3.invalid-action", "3.delete-active", "3.removed-hidden",
)  # fmt: skip
def test_lifecycle_walk_and_action_matrix(api: Api, maker: Maker, resource: Resource) -> None:
    """§3: a created resource reaches the create's done state; along the shortest path to every
    settled state each action answers 202 and reaches its done state; in each state the actions
    map is exactly the spec's, the other actions answer 422 ActionNotAvailable, and DELETE follows
    the delete rule; removed, it is hidden from the plain list but readable."""
    lifecycle = _lifecycle(resource)
    paths = settled_paths(lifecycle)
    pending = dict(paths)
    for goal in sorted(paths, key=lambda s: -len(paths[s])):
        if goal not in pending:
            continue
        reply = maker.post(api, resource, maker.body(resource))
        created = reply.expect("3.create-active", 201).body
        if created.get("state") not in {lifecycle.create_through, lifecycle.create_to}:
            raise ContractViolation(
                "3.create-active",
                f"a created {resource.type} is in {created.get('state')!r}, expected "
                f"{lifecycle.create_through!r} or {lifecycle.create_to!r}",
            )
        body = wait(api, resource, created)
        if body.get("state") != lifecycle.create_to:
            raise ContractViolation(
                "3.create-active",
                f"a created {resource.type} settled in {body.get('state')!r}, expected "
                f"{lifecycle.create_to!r}",
            )
        for step, action_name in enumerate((None, *paths[goal])):
            if action_name is not None:
                action = lifecycle.action(action_name)
                assert action is not None
                started = api.post(api.action_url(body, action_name)).expect("3.action-result", 202)
                checked(started, resource)
                body = wait(api, resource, started.body)
                if body.get("state") != action.to:
                    raise ContractViolation(
                        "3.action-result",
                        f"{action_name} took {resource.type} {body['id']} to "
                        f"{body.get('state')!r}, expected {action.to!r}",
                    )
            state = str(body["state"])
            if state in pending and paths[state] == paths[goal][:step]:
                pending.pop(state)
                _check_state(api, resource, body, lifecycle)
                _check_listing(api, maker, resource, body, lifecycle)


def _check_listing(
    api: Api, maker: Maker, resource: Resource, body: dict[str, Any], lifecycle: Lifecycle
) -> None:
    """The plain list shows the resource unless the spec hides it in this state."""
    listed = checked(
        api.get(maker.collection(resource), params={"id": str(body["id"])}).expect("5.filter", 200),
        resource,
    ).body
    ids = [item.get("id") for item in listed.get("data") or [] if isinstance(item, dict)]
    hidden = bool(lifecycle.hidden_from_list_when) and body.get("removed") is not None
    if hidden and body["id"] in ids:
        raise ContractViolation(
            "3.removed-hidden",
            f"{resource.type} {body['id']} in {body.get('state')!r} is listed",
        )
    if not hidden and ids != [body["id"]]:
        raise ContractViolation(
            "5.filter", f"id={body['id']} listed {ids}, expected the {resource.type} itself"
        )


# -- §2/§6 fields --------------------------------------------------------------------------------


@pytest.mark.contract("2.required")
def test_required_fields_and_nulls(api: Api, maker: Maker, resource: Resource) -> None:
    """§2/§6: a create without a required field answers 422 MissingRequired naming it; null for a
    field that may not be null answers 422 NotNullable (create, and update where writable)."""
    if resource.operation("create") is None:
        pytest.skip(f"{resource.type} has no create")
    base = maker.body(resource)
    for field in resource.required_fields:
        body = {k: v for k, v in base.items() if k != field.name}
        checked(maker.post(api, resource, body), resource).expect_error(
            "2.required", 422, "MissingRequired", field.name
        )
    if resource.required_fields:
        reply = maker.post(api, resource, {})
        names = {f.name for f in resource.required_fields}
        reply.expect_error("2.required", 422, "MissingRequired")
        if reply.body.get("fieldName") not in names:
            raise ContractViolation(
                "2.required",
                f"{{}} named {reply.body.get('fieldName')!r}, not one of {sorted(names)}",
            )
    for field in resource.create_fields:
        if field.wire_nullable:
            continue
        maker.post(api, resource, {**base, field.name: None}).expect_error(
            "2.required", 422, "NotNullable", field.name
        )
    updatable = [f for f in resource.update_fields if not f.wire_nullable]
    if updatable:
        made = maker.make(resource, api=api)
        for field in updatable:
            api.put(made["links"]["self"], json={field.name: None}).expect_error(
                "2.required", 422, "NotNullable", field.name
            )


def _text_fields(fields: tuple[Field, ...]) -> list[Field]:
    return [
        f
        for f in fields
        if set(f.json_types) - {"null"} == {"string"}
        and not f.options
        and not f.pattern
        and reference_target(f) is None
    ]


@pytest.mark.contract("2.max-length")
def test_lengths(api: Api, maker: Maker, resource: Resource) -> None:
    """§2/§6: a text over its maximum length answers 422 MaxLengthExceeded, under its minimum
    422 MinLengthExceeded, with fieldName (create and update)."""
    base = maker.body(resource)
    made: dict[str, Any] | None = None
    for field in _text_fields(resource.create_fields + resource.update_fields):
        cases = []
        if field.max_length is not None:
            cases.append(("x" * (field.max_length + 1), "MaxLengthExceeded"))
        if field.min_length:
            cases.append(("x" * (field.min_length - 1), "MinLengthExceeded"))
        for value, code in cases:
            if field.create:
                maker.post(api, resource, {**base, field.name: value}).expect_error(
                    "2.max-length", 422, code, field.name
                )
            if field.update:
                made = made or maker.make(resource, api=api)
                api.put(made["links"]["self"], json={field.name: value}).expect_error(
                    "2.max-length", 422, code, field.name
                )


@pytest.mark.contract("2.reference")
def test_references_must_exist(api: Api, maker: Maker, resource: Resource) -> None:
    """§6: a reference to an id no resource of that type has answers 422 InvalidReference naming
    the field."""
    refs = [
        (field, target)
        for field, target in references_of(resource)
        if field.reference is not None and field.reference.must_resolve
    ]
    if not refs:
        pytest.skip(f"{resource.type} has no reference that must resolve")
    for field, target in refs:
        assert field.reference is not None
        code = field.reference.error or "InvalidReference"
        body = maker.body(resource, **{field.name: absent_id(target)})
        maker.post(api, resource, body).expect_error("2.reference", 422, code, field.name)


@pytest.mark.contract("2.create-only")
def test_create_only_fields_keep_their_value(api: Api, maker: Maker, resource: Resource) -> None:
    """§2: a field written on create only is ignored in a PUT body: 200, the value unchanged."""
    fields = [f for f in resource.create_fields if not f.update]
    if not fields or resource.operation("update") is None:
        pytest.skip(f"{resource.type} has no create-only field")
    made = maker.make(resource, api=api)
    for field in fields:
        target = reference_target(field)
        other_type = spec_model().resource(target) if target else None
        value = absent_id(other_type) if other_type else sample_value(field, PREFIX)
        reply = checked(
            api.put(made["links"]["self"], json={field.name: value}).expect("2.create-only", 200),
            resource,
        )
        again = checked(api.get(made["links"]["self"]).expect("2.create-only", 200), resource)
        for seen in (reply.body, again.body):
            if seen.get(field.name) != made.get(field.name):
                raise ContractViolation(
                    "2.create-only",
                    f"PUT {{{field.name!r}: {value!r}}} changed {resource.type} {made['id']}'s "
                    f"{field.name} from {made.get(field.name)!r} to {seen.get(field.name)!r}",
                )


@pytest.mark.contract("2.secret-once")
def test_read_on_create_only_fields(api: Api, maker: Maker, resource: Resource) -> None:
    """§2: a field read on create only that the client writes: the create response carries the
    value sent or null; GET, list, PUT and DELETE show null (`checked` on every response)."""
    fields = [f for f in resource.create_fields if f.read_on_create_only]
    if not fields:
        pytest.skip(f"{resource.type} has no writable read-on-create-only field")
    sent = {f.name: sample_value(f, PREFIX) for f in fields}
    reply = maker.post(api, resource, maker.body(resource, **sent)).expect("2.secret-once", 201)
    for name, value in sent.items():
        if reply.body.get(name) not in (None, value):
            raise ContractViolation(
                "2.secret-once",
                f"the create response has {name} {reply.body.get(name)!r}, neither the value "
                f"sent ({value!r}) nor null",
            )
    made = wait(api, resource, reply.body)
    url = made["links"]["self"]
    checked(api.get(maker.collection(resource), params={"id": made["id"]}), resource)
    if resource.operation("update") is not None:
        update = {f.name: sample_value(f, PREFIX) for f in fields if f.update}
        checked(api.put(url, json=update).expect("2.secret-once", 200), resource)


# -- §5 filters ---------------------------------------------------------------------------------


def _other(value: Any, field: Field, resource: Resource) -> str | None:
    """Another valid value of the field's form, that the resource does not have (None: none)."""
    if field.options:
        return next((option for option in field.options if option != value), None)
    if field.format == "date-time":
        return "2001-01-01T00:00:00Z" if value != "2001-01-01T00:00:00Z" else None
    if field.name == "id" or reference_target(field) is not None:
        return f"{value}987654321"  # an id of the same form that nothing has
    return f"{value}x"


@pytest.mark.contract("5.filter", "5.filter-ignored")
def test_filters_of_the_spec(api: Api, maker: Maker, resource: Resource) -> None:
    """§5: each filter of the spec on a resource field selects by its value (eq): the resource
    itself with its own value, nothing with another; a writable field that is no filter is
    ignored, and sorting by it too (sort null)."""
    if resource.operation("list") is None:
        pytest.skip(f"{resource.type} has no list")
    made = maker.make(resource, api=api)
    url = maker.collection(resource)
    ours = str(made["id"])

    def listed(params: dict[str, str]) -> list[Any]:
        reply = checked(api.get(url, params=params).expect("5.filter", 200), resource)
        return [i.get("id") for i in reply.body.get("data") or [] if isinstance(i, dict)]

    for wanted in resource.filters:
        field = resource.field(wanted.field)
        value = made.get(wanted.field)
        if (
            wanted.hidden
            or field is None
            or field.read_on_create_only
            or "eq" not in wanted.modifiers
            or not isinstance(value, str)
        ):
            continue
        base = {} if wanted.field == "id" else {"id": ours}
        if (got := listed({**base, wanted.field: value})) != [ours]:
            raise ContractViolation(
                "5.filter", f"{wanted.field}={value} (id={ours}) listed {got}, expected [{ours}]"
            )
        other = _other(value, field, resource)
        if wanted.field == "kind" and resource.kind is not None:
            other = None  # a server MAY replace any kind condition with the kind it forces
        if other is not None and (got := listed({**base, wanted.field: other})):
            raise ContractViolation(
                "5.filter", f"{wanted.field}={other} (id={ours}) listed {got}, expected none"
            )
    filters = {f.field for f in resource.filters}
    for field in resource.create_fields:
        if field.name in filters or not isinstance(made.get(field.name), str):
            continue
        other = _other(made[field.name], field, resource) or ""
        if (got := listed({"id": ours, field.name: other})) != [ours]:
            raise ContractViolation(
                "5.filter-ignored",
                f"{field.name} is no filter, yet {field.name}={other} (id={ours}) listed {got}",
            )
        reply = checked(api.get(url, params={"sort": field.name}).expect("5.sort", 200), resource)
        if reply.body.get("sort") is not None:
            raise ContractViolation(
                "5.filter-ignored",
                f"{field.name} is no filter, yet sort={field.name} gave sort "
                f"{reply.body.get('sort')!r}, expected null",
            )


# -- §4 resources that are no API credential -----------------------------------------------------


@pytest.mark.contract("4.not-a-credential")
@pytest.mark.usefixtures("auth_on")
def test_no_api_credential(api: Api, maker: Maker, resource: Resource) -> None:
    """§4: a resource whose lifecycle authenticates in no state: HTTP Basic with its own
    publicValue/secretValue answers 401."""
    lifecycle = _lifecycle(resource)
    names = credential_fields(resource)
    pair = [resource.field(name) for name in names or ()]
    if lifecycle.authenticates_in or not pair or not all(f and f.create for f in pair):
        pytest.skip(f"{resource.type} is an API credential, or has no credential values to write")
    values = [sample_value(f, PREFIX) for f in pair if f is not None]
    maker.make(resource, api=api, **{f.name: v for f, v in zip(pair, values, strict=True) if f})
    creds = (str(values[0]), str(values[1]))
    for url in (api.target.url, maker.collection(resource)):
        reply = api.get(url, credentials=False, headers=_basic(*creds))
        reply.expect_error("4.not-a-credential", 401, spec_model().errors.reason(401) or "")


def _basic(user: str, password: str) -> dict[str, str]:
    import base64

    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


# -- §3 what references a purged resource --------------------------------------------------------


@pytest.mark.contract("3.cascade")
def test_cascade_from_a_referenced_resource(api: Api, maker: Maker, resource: Resource) -> None:
    """§3: when the resource a reference field points at runs the cascade's trigger action, the
    referencing resource runs the cascade's actions (polled within the transition timeout)."""
    lifecycle = _lifecycle(resource)
    cascades = [
        (field, target, field.reference.cascade)
        for field, target in references_of(resource)
        if field.reference is not None and field.reference.cascade is not None
    ]
    if not cascades:
        pytest.skip(f"{resource.type} has no reference with a cascade")
    for field, target, cascade in cascades:
        if target.lifecycle is None or not cascade.run:
            continue
        trigger = target.lifecycle.action(cascade.trigger)
        last = lifecycle.action(cascade.run[-1])
        if trigger is None or last is None:
            continue
        parent = maker.make(target, f"{PREFIX}parent-", api=api)
        child = maker.make(resource, api=api, **{field.name: parent["id"]})
        plan = path_to(target.lifecycle, str(parent["state"]), trigger.from_states)
        for step in (*(plan or ()), cascade.trigger):
            started = api.post(api.action_url(parent, step)).expect("3.action-result", 202)
            parent = wait(api, target, started.body)
        removed = set(lifecycle.removed_states)
        goal = removed if last.to in removed else {last.to}  # a removed one may be purged next
        deadline = time.monotonic() + api.target.transition_timeout
        while True:
            body = checked(api.get(child["links"]["self"]).expect("3.cascade", 200), resource).body
            state = body.get("state")
            if state in goal and body.get("transitioning") != "yes":
                break
            if time.monotonic() > deadline:
                raise ContractViolation(
                    "3.cascade",
                    f"{target.type} {parent['id']} ran {cascade.trigger}, yet {resource.type} "
                    f"{child['id']} (its {field.name}) is {state!r} after "
                    f"{api.target.transition_timeout:g} s, expected {last.to!r} "
                    f"(by {', '.join(cascade.run)})",
                )
            time.sleep(0.1)
