"""Contract section 6 (errors), one test per row; the validation rows of section 2.

Every test runs for each selected resource of the spec set (the `resource` fixture): the fields it
writes, their lengths, the states, actions and methods it expects are read from the spec model.
"""

from __future__ import annotations

from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare_each
from rancher_contract.contract_tests.resources import (
    absent_id,
    create_body,
    reference_target,
    references_in,
    sample_value,
    spec_model,
)
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import Spec
from rancher_contract.specmodel import Field, Resource

PREFIX = unique_prefix()
NOT_FOUND = spec_model().errors.reason(404) or ""
NOT_ALLOWED = spec_model().errors.reason(405) or ""
PAST = "2001-01-01T00:00:00Z"  # a date-time no resource of a run is created or removed at
NIL_UUID = "00000000-0000-4000-8000-000000000000"


def _named(resource: Resource, label: str) -> dict[str, Any]:
    """A name under this module's prefix, when the resource has a writable one."""
    field = resource.field("name")
    return {"name": f"{PREFIX}{label}"} if field is not None and field.create else {}


def _needs(spec: Spec) -> dict[str, Need]:
    resource = spec.resource
    # the unchanged resource carries a value in every optional text field, so that a rejected
    # write that clears one shows
    filled = {
        f.name: sample_value(f, PREFIX)
        for f in text_fields(resource)
        if f.create and not f.required and not f.read_on_create_only
    }
    return {
        "errors:key": Need(spec.create_done, {**filled, **_named(resource, "err")}),
        "errors:readonly": Need(spec.create_done, _named(resource, "ro")),
        "errors:delete": Need(spec.deletable_state, _named(resource, "del")),
        "errors:removed": Need(spec.removal.done, _named(resource, "gone")),
    }


def text_fields(resource: Resource) -> list[Field]:
    """The free text fields a client writes (no enum, pattern or reference), in schema order."""
    return [
        f
        for f in resource.fields
        if (f.create or f.update)
        and set(f.json_types) - {"null"} == {"string"}
        and not f.options
        and not f.pattern
        and reference_target(f) is None
    ]


def _renamable(resource: Resource) -> Field | None:
    """The text field a test renames to see a PUT stored (`name` where there is one)."""
    fields = [f for f in text_fields(resource) if f.update and not f.read_on_create_only]
    return next((f for f in fields if f.name == "name"), fields[0] if fields else None)


def _text(field: Field, text: str) -> str:
    return text[: field.max_length] if field.max_length is not None else text


declare_each(__name__, _needs)


@pytest.fixture(scope="module")
def key(key_pool: KeyPool, resource: Resource) -> dict[str, Any]:
    """One resource in the create's state for the tests that must leave it unchanged."""
    return key_pool.take("errors:key", resource.type).key


def _body(resource: Resource, key: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A valid create body (a fresh one each time: unique values stay unique), the references
    those of `key`, with `fields` on top."""
    body = create_body(resource, unique_prefix(), references_in(resource, key))
    return {**body, **fields}


def _offers(resource: Resource, method: str, *, collection: bool) -> bool:
    collection_methods, resource_methods = resource.methods_for(None)
    return method in (collection_methods if collection else resource_methods)


@pytest.mark.contract("6.invalid-body")
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_malformed_json_is_400(
    api: Api, resource: Resource, key: dict[str, Any], method: str
) -> None:
    """§6: a malformed JSON body answers 400 InvalidBodyContent."""
    if not _offers(resource, method, collection=method == "POST"):
        pytest.skip(f"{resource.type} offers no {method} there")
    url = api.collection_of(resource) if method == "POST" else key["links"]["self"]
    for text in ('{"name": ', "{'name': 'x'}", "[1, 2"):
        reply = api.request(method, url, content=text)
        reply.expect_error("6.invalid-body", 400, "InvalidBodyContent")


@pytest.mark.contract("6.invalid-body")
@pytest.mark.usefixtures("auth_on")
def test_malformed_json_is_400_before_authentication(api: Api, resource: Resource) -> None:
    """§6: InvalidBodyContent is checked before authentication: 400, not 401, without keys."""
    if not _offers(resource, "POST", collection=True):
        pytest.skip(f"{resource.type} offers no create")
    api.request(
        "POST", api.collection_of(resource), content='{"name": ', credentials=None
    ).expect_error("6.invalid-body", 400, "InvalidBodyContent")


def _read_only_value(field: Field, resource: Resource, spec: Spec) -> tuple[Any, bool]:
    """A value of a valid form for a read-only field, and whether a server that took it from the
    body would show it (no server gives a new resource that id, date, uuid or state)."""
    if field.name == "id":
        return absent_id(resource), True
    if field.generate is not None:
        alphabet = field.generate.alphabet
        return (alphabet * (field.generate.length // len(alphabet) + 1))[
            : field.generate.length
        ], True
    if field.name == "state" and spec.idle_state in (field.options or ()):
        return spec.idle_state, True  # a created resource is never there
    if field.format == "uuid":
        return NIL_UUID, True
    if field.format == "date-time":
        return PAST, True
    target = reference_target(field)
    if target is not None:
        other = spec_model().resource(target)
        return absent_id(other if other is not None else resource), False
    if field.name == "kind" and resource.kind is not None:
        return f"not{resource.kind[:1].upper()}{resource.kind[1:]}", False
    if field.options:
        return field.options[-1], False
    types = set(field.json_types) - {"null"}
    if "integer" in types or "number" in types:
        return 1, False
    if "boolean" in types:
        return True, False
    if "array" in types:
        return [f"{PREFIX}{field.name}"], False
    return f"{PREFIX}{field.name}", False


def _read_only_body(resource: Resource, spec: Spec) -> tuple[dict[str, Any], set[str]]:
    """Every read-only field (one a create does not write) with a value of its form, an unknown
    field and a foreign type; and the fields whose value tells whether the server took it."""
    sent: dict[str, Any] = {"type": "foo", "unknownField": {"x": 1}}
    telling: set[str] = set()
    for field in resource.fields:
        if field.create:
            continue
        sent[field.name], tells = _read_only_value(field, resource, spec)
        if tells:
            telling.add(field.name)
    return sent, telling


@pytest.mark.contract("2.writable-fields")
def test_unknown_and_read_only_fields_are_ignored(
    api: Api, resource: Resource, spec: Spec, key: dict[str, Any], key_pool: KeyPool
) -> None:
    """§2/§6: unknown and read-only fields in a body are ignored and the request succeeds."""
    if resource.operation("create") is None:
        pytest.skip(f"{resource.type} has no create")
    read_only, telling = _read_only_body(resource, spec)
    body = _body(resource, key, **_named(resource, "ro"))
    written = dict(body)
    created = api.create({**body, **read_only}, resource).expect("2.writable-fields", 201).body
    problems = [
        f"{name} is {created.get(name)!r}"
        for name in sorted(telling)
        if name != "state" and created.get(name) == read_only[name]
    ]
    for name, value in written.items():
        field = resource.field(name)
        if field is not None and not field.read_on_create_only and created.get(name) != value:
            problems.append(f"{name} is {created.get(name)!r}, not the {value!r} sent")
    if "state" in telling and created.get("state") == read_only["state"]:
        problems.append("state was taken from the body")
    if problems:
        raise ContractViolation(
            "2.writable-fields", "read-only fields were not ignored: " + "; ".join(problems)
        )
    renamed = _renamable(resource)
    if resource.operation("update") is None or renamed is None:
        return
    before = key_pool.take("errors:readonly", resource.type).key
    new = _text(renamed, f"{PREFIX}ro2")
    updated = api.put(before["links"]["self"], json={**read_only, renamed.name: new}).expect(
        "2.writable-fields", 200
    )
    after = updated.body
    if after["state"] not in spec.update_forms(before["state"]):
        raise ContractViolation(
            "3.put-keeps-state",
            f"PUT moved the {resource.type} from {before['state']!r} to {after['state']!r}",
        )
    changed = [
        name
        for name in sorted(telling - {"state"})
        if not _read_on_create_only(resource, name) and after.get(name) != before.get(name)
    ]
    if after.get(renamed.name) != new or changed:
        raise ContractViolation(
            "2.writable-fields",
            f"PUT with read-only fields changed them ({', '.join(changed) or renamed.name}): "
            f"{updated.exchange.summary()}",
        )


def _read_on_create_only(resource: Resource, name: str) -> bool:
    field = resource.field(name)
    return field is not None and field.read_on_create_only


@pytest.mark.contract("2.writable-fields")
def test_empty_body_creates_a_resource(api: Api, resource: Resource) -> None:
    """§2: where no field is required, {} creates a resource (a required field's absence is
    test_resources.py's MissingRequired)."""
    if resource.operation("create") is None:
        pytest.skip(f"{resource.type} has no create")
    if resource.required_fields:
        pytest.skip(f"{resource.type} requires {[f.name for f in resource.required_fields]}")
    api.post(api.collection_of(resource), json={}).expect("2.writable-fields", 201)


@pytest.mark.contract("2.max-length")
def test_too_long_text_is_422(api: Api, resource: Resource, key: dict[str, Any]) -> None:
    """§2/§6: over the maximum length is 422 MaxLengthExceeded with fieldName (create and PUT, a
    rejected PUT changes nothing); at the maximum it is accepted and stored."""
    fields = [f for f in text_fields(resource) if f.max_length is not None]
    if not fields:
        pytest.skip(f"{resource.type} has no text field with a maximum length")
    for field in fields:
        limit = field.max_length
        assert limit is not None
        if field.create:
            too_long = _body(resource, key, **{field.name: "x" * (limit + 1)})
            api.create(too_long, resource).expect_error(
                "2.max-length", 422, "MaxLengthExceeded", field.name
            )
        if field.update:
            api.put(key["links"]["self"], json={field.name: "y" * (limit + 1)}).expect_error(
                "2.max-length", 422, "MaxLengthExceeded", field.name
            )
        if field.create:
            at_limit = api.create(_body(resource, key, **{field.name: "z" * limit}), resource)
            stored = at_limit.expect("2.max-length", 201).body
            if not field.read_on_create_only and stored.get(field.name) != "z" * limit:
                raise ContractViolation(
                    "2.max-length", f"a {field.name} of exactly {limit} characters was not stored"
                )
        if field.update and not field.read_on_create_only:
            again = api.get(key["links"]["self"]).expect("2.max-length", 200).body
            if again.get(field.name) != key.get(field.name):
                raise ContractViolation(
                    "2.max-length",
                    f"a rejected PUT changed {field.name} to {again.get(field.name)!r}",
                )


@pytest.mark.contract("2.invalid-format")
@pytest.mark.parametrize("value", [{"a": 1}, ["a"], []], ids=["object", "array", "empty-array"])
def test_object_or_array_for_text_is_422(
    api: Api, resource: Resource, key: dict[str, Any], value: Any
) -> None:
    """§6: an object or array for a text field is 422 InvalidFormat with fieldName (create and
    PUT, for every text field the client writes)."""
    fields = text_fields(resource)
    if not fields:
        pytest.skip(f"{resource.type} has no text field")
    for field in fields:
        if field.create:
            api.create(_body(resource, key, **{field.name: value}), resource).expect_error(
                "2.invalid-format", 422, "InvalidFormat", field.name
            )
        if field.update:
            api.put(key["links"]["self"], json={field.name: value}).expect_error(
                "2.invalid-format", 422, "InvalidFormat", field.name
            )


@pytest.mark.contract("2.writable-fields")
@pytest.mark.parametrize("value", [5, 1.5, True], ids=["int", "float", "bool"])
def test_number_or_boolean_for_text_is_coerced_or_rejected(
    api: Api, resource: Resource, key: dict[str, Any], value: Any
) -> None:
    """§6/§8: a number or boolean for a text field may be coerced (201, text) or rejected (422)."""
    fields = [f for f in text_fields(resource) if f.create and not f.read_on_create_only]
    field = next((f for f in fields if f.name == "name"), fields[0] if fields else None)
    if field is None:
        pytest.skip(f"{resource.type} has no text field a create writes")
    reply = api.create(_body(resource, key, **{field.name: value}), resource)
    reply.expect("2.writable-fields", 201, 422)
    if reply.status == 422:
        reply.expect_error("2.writable-fields", 422, str(reply.body.get("code")), field.name)
    elif not isinstance(reply.body.get(field.name), str):
        raise ContractViolation(
            "2.writable-fields",
            f"{field.name} {value!r} was stored as {reply.body.get(field.name)!r}",
        )


@pytest.mark.contract("6.not-found")
def test_unknown_id_is_404(api: Api, resource: Resource, spec: Spec) -> None:
    """§6: GET, PUT, DELETE and an action on an unknown id answer 404 Not Found."""
    url = f"{api.collection_of(resource).rstrip('/')}/{absent_id(resource)}"
    api.get(url).expect_error("6.not-found", 404, NOT_FOUND)
    if _offers(resource, "PUT", collection=False):
        renamed = _renamable(resource)
        body = {renamed.name: "x"} if renamed is not None else {}
        api.put(url, json=body).expect_error("6.not-found", 404, NOT_FOUND)
    if _offers(resource, "DELETE", collection=False):
        api.delete(url).expect_error("6.not-found", 404, NOT_FOUND)
    lifecycle = spec.lifecycle
    action = (lifecycle.actions_in(spec.create_done) or lifecycle.action_names)[0]
    api.post(f"{url}/?action={action}").expect_error("6.not-found", 404, NOT_FOUND)


@pytest.mark.contract("6.not-found")
def test_unknown_collection_is_404(api: Api) -> None:
    """§6: an unknown collection (/v1/foos) answers 404 Not Found."""
    api.get(f"{api.target.url}/foos").expect_error("6.not-found", 404, NOT_FOUND)


@pytest.mark.contract("6.method-not-allowed")
def test_methods_not_offered_are_405(api: Api, resource: Resource, key: dict[str, Any]) -> None:
    """§6: a method the resource does not offer (PUT/DELETE/PATCH on the collection, POST without
    an action and PATCH on a resource) answers 405 Method not allowed and changes nothing."""
    self_url = key["links"]["self"]
    collection = api.collection_of(resource)
    for method in ("PUT", "DELETE", "PATCH"):
        if not _offers(resource, method, collection=True):
            api.request(method, collection, json={}).expect_error(
                "6.method-not-allowed", 405, NOT_ALLOWED
            )
    renamed = _renamable(resource)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        if not _offers(resource, method, collection=False):
            body = {renamed.name: "x"} if renamed is not None and method != "POST" else {}
            api.request(method, self_url, json=body).expect_error(
                "6.method-not-allowed", 405, NOT_ALLOWED
            )
    after = api.get(self_url).expect("6.method-not-allowed", 200).body
    fields = [renamed.name] if renamed is not None else []
    if any(after.get(f) != key.get(f) for f in (*fields, "state")):
        raise ContractViolation(
            "6.method-not-allowed", f"a request answered 405 changed the {resource.type}"
        )


@pytest.mark.contract("3.invalid-action")
def test_unknown_action_is_422_invalid_action(api: Api, key: dict[str, Any]) -> None:
    """§3/§6: an unknown action name answers 422 InvalidAction with fieldName 'action'."""
    reply = api.post(api.action_url(key, "explode"))
    reply.expect_error("3.invalid-action", 422, "InvalidAction", "action")


@pytest.mark.contract("3.action-not-available")
def test_action_not_valid_in_state_is_422(api: Api, spec: Spec, key: dict[str, Any]) -> None:
    """§3/§6: an action not in the actions map is 422 ActionNotAvailable and changes nothing."""
    state = key["state"]
    offered = spec.lifecycle.actions_in(state)
    refused = [a for a in spec.lifecycle.action_names if a not in offered]
    if not refused:
        pytest.skip(f"every lifecycle action is offered in {state!r}")
    for action in refused:
        api.post(api.action_url(key, action)).expect_error(
            "3.action-not-available", 422, "ActionNotAvailable", "action"
        )
    after = api.get(key["links"]["self"]).expect("3.action-not-available", 200).body
    if after["state"] != state:
        raise ContractViolation(
            "3.action-not-available", f"a refused action moved the resource to {after['state']!r}"
        )


@pytest.mark.contract("3.delete-active")
def test_delete_where_the_lifecycle_refuses_it(
    api: Api, resource: Resource, spec: Spec, key: dict[str, Any]
) -> None:
    """§3/§6: DELETE of a resource in the create's state, where the action DELETE runs cannot
    start (an active key), answers the delete rule's status (405) and changes nothing."""
    state = key["state"]
    rule = spec.lifecycle.delete
    if state in rule.already_done_states or spec.removal.name in spec.lifecycle.actions_in(state):
        pytest.skip(f"DELETE of a {resource.type} in {state!r} runs {spec.removal.name}")
    status = rule.otherwise_status
    reason = spec_model().errors.reason(status) or ""
    api.delete(key["links"]["self"]).expect_error("3.delete-active", status, reason)
    after = api.get(key["links"]["self"]).expect("3.delete-active", 200).body
    if after["state"] != state:
        raise ContractViolation(
            "3.delete-active", f"a refused DELETE moved the resource to {after['state']!r}"
        )


@pytest.mark.contract("3.delete-removes", "3.removed-hidden")
def test_delete_runs_the_removal_and_repeats(
    api: Api, resource: Resource, spec: Spec, key_pool: KeyPool
) -> None:
    """§3: DELETE where the removal can start (inactive) is 200 (removing/removed); the resource
    stays readable with its removed date; a removed one takes a PUT and DELETE again is 200."""
    removal = spec.removal
    item = key_pool.take("errors:delete", resource.type).key
    first = api.delete(item["links"]["self"]).expect("3.delete-removes", 200).body
    if first["state"] not in {removal.through, removal.done}:
        raise ContractViolation("3.delete-removes", f"DELETE answered state {first['state']!r}")
    now = api.get(item["links"]["self"]).expect("3.removed-hidden", 200).body
    if resource.field("removed") is not None:
        if now["state"] in spec.removed_states and now.get("removed") is None:
            raise ContractViolation(
                "3.removed-hidden",
                f"after DELETE the {resource.type} is {now['state']!r} but removed is null",
            )
    # one already removed (by the key pool: its removal path): PUT works, DELETE again is 200
    removed = key_pool.take("errors:removed", resource.type).key
    renamed = _renamable(resource)
    if resource.operation("update") is not None and renamed is not None:
        new = _text(renamed, f"{PREFIX}del2")
        reply = api.put(removed["links"]["self"], json={renamed.name: new})
        body = reply.expect("3.put-keeps-state", 200).body
        if (
            body["state"] not in spec.update_forms(removed["state"])
            or body.get(renamed.name) != new
        ):
            raise ContractViolation(
                "3.put-keeps-state",
                f"PUT of a removed {resource.type}: {reply.exchange.summary()}",
            )
    again = api.delete(removed["links"]["self"]).expect("3.delete-removes", 200).body
    if again["state"] not in spec.removed_states:
        raise ContractViolation(
            "3.delete-removes",
            f"DELETE of a removed {resource.type} answered state {again['state']!r}",
        )
