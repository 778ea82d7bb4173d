"""Contract section 6 (errors), one test per row; the validation rows of section 2."""

from __future__ import annotations

from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare
from rancher_contract.contract_tests.resources import spec_model
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec

ABSENT = "1c987654321000"  # an id no server has: the suite never mutates keys it did not create


PREFIX = unique_prefix()
REMOVED = load_spec().removed_states  # removed, purging, purged
NOT_FOUND = spec_model().errors.reason(404) or ""
NOT_ALLOWED = spec_model().errors.reason(405) or ""
declare(
    __name__,
    {
        "errors:key": Need("active", {"name": f"{PREFIX}err", "description": "d"}),
        "errors:readonly": Need("active", {"name": f"{PREFIX}ro"}),
        "errors:delete": Need("inactive", {"name": f"{PREFIX}del"}),
        "errors:removed": Need("removed", {"name": f"{PREFIX}gone"}),
    },
)


def same_state(before: str, after: str) -> bool:
    """PUT keeps the state: Rancher's updating-<state> is a transient form of the same state, and a
    removed key may get purged by itself (contract section 3).
    """
    if before == "removed":
        return after in REMOVED
    return after in {before, f"updating-{before}"}


@pytest.fixture(scope="module")
def key(key_pool: KeyPool) -> dict[str, Any]:
    """One active key for the tests that must leave it unchanged."""
    return key_pool.take("errors:key").key


@pytest.mark.contract("6.invalid-body")
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_malformed_json_is_400(api: Api, key: dict[str, Any], method: str) -> None:
    """§6: a malformed JSON body answers 400 InvalidBodyContent."""
    url = api.collection if method == "POST" else key["links"]["self"]
    for text in ('{"name": ', "{'name': 'x'}", "[1, 2"):
        reply = api.request(method, url, content=text)
        reply.expect_error("6.invalid-body", 400, "InvalidBodyContent")


@pytest.mark.contract("6.invalid-body")
@pytest.mark.usefixtures("auth_on")
def test_malformed_json_is_400_before_authentication(api: Api) -> None:
    """§6: InvalidBodyContent is checked before authentication: 400, not 401, without keys."""
    api.request("POST", api.collection, content='{"name": ', credentials=None).expect_error(
        "6.invalid-body", 400, "InvalidBodyContent"
    )


@pytest.mark.contract("2.writable-fields")
def test_unknown_and_read_only_fields_are_ignored(api: Api, prefix: str, key_pool: KeyPool) -> None:
    """§2/§6: unknown and read-only fields in a body are ignored and the request succeeds."""
    sent = {
        "name": f"{prefix}ro",
        "id": "1c987654320",
        "type": "foo",
        "kind": "notApiKey",
        "state": "inactive",
        "publicValue": "0123456789ABCDEF0123",
        "secretValue": "s" * 40,
        "accountId": "1a999",
        "uuid": "00000000-0000-4000-8000-000000000000",
        "created": "2001-01-01T00:00:00Z",
        "unknownField": {"x": 1},
    }
    created = api.create(sent).expect("2.writable-fields", 201).body
    problems = [
        f"{field} is {created[field]!r}"
        for field in ("id", "publicValue", "secretValue", "uuid", "created")
        if created[field] == sent[field]
    ]
    if created["name"] != sent["name"]:
        problems.append(f"name is {created['name']!r}")
    if created["state"] == "inactive":
        problems.append("state was taken from the body")
    if problems:
        raise ContractViolation(
            "2.writable-fields", "read-only fields were not ignored: " + "; ".join(problems)
        )
    key = key_pool.take("errors:readonly").key
    updated = api.put(key["links"]["self"], json={**sent, "name": f"{prefix}ro2"}).expect(
        "2.writable-fields", 200
    )
    body = updated.body
    if not same_state(key["state"], body["state"]):
        raise ContractViolation(
            "3.put-keeps-state", f"PUT moved the key from {key['state']!r} to {body['state']!r}"
        )
    if body["name"] != f"{prefix}ro2" or body["publicValue"] != key["publicValue"]:
        raise ContractViolation(
            "2.writable-fields",
            f"PUT with read-only fields changed them: {updated.exchange.summary()}",
        )


@pytest.mark.contract("2.writable-fields")
def test_empty_body_creates_a_key(api: Api) -> None:
    """§2: no field is required: {} creates a key."""
    api.post(api.collection, json={}).expect("2.writable-fields", 201)


@pytest.mark.contract("2.max-length")
@pytest.mark.parametrize(("field", "limit"), [("name", 255), ("description", 1024)])
def test_too_long_text_is_422(api: Api, key: dict[str, Any], field: str, limit: int) -> None:
    """§2/§6: over the maximum length is 422 MaxLengthExceeded with fieldName; at the maximum it is
    accepted.
    """
    api.create({field: "x" * (limit + 1)}).expect_error(
        "2.max-length", 422, "MaxLengthExceeded", field
    )
    api.put(key["links"]["self"], json={field: "y" * (limit + 1)}).expect_error(
        "2.max-length", 422, "MaxLengthExceeded", field
    )
    at_limit = api.create({field: "z" * limit}).expect("2.max-length", 201).body
    if at_limit[field] != "z" * limit:
        raise ContractViolation(
            "2.max-length", f"a {field} of exactly {limit} characters was not stored"
        )
    again = api.get(key["links"]["self"]).expect("2.max-length", 200).body
    if again[field] != key[field]:
        raise ContractViolation(
            "2.max-length", f"a rejected PUT changed {field} to {again[field]!r}"
        )


@pytest.mark.contract("2.invalid-format")
@pytest.mark.parametrize("value", [{"a": 1}, ["a"], []], ids=["object", "array", "empty-array"])
@pytest.mark.parametrize("field", ["name", "description"])
def test_object_or_array_for_text_is_422(
    api: Api, key: dict[str, Any], field: str, value: Any
) -> None:
    """§6: an object or array for a text field is 422 InvalidFormat with fieldName."""
    api.create({field: value}).expect_error("2.invalid-format", 422, "InvalidFormat", field)
    api.put(key["links"]["self"], json={field: value}).expect_error(
        "2.invalid-format", 422, "InvalidFormat", field
    )


@pytest.mark.contract("2.writable-fields")
@pytest.mark.parametrize("value", [5, 1.5, True], ids=["int", "float", "bool"])
def test_number_or_boolean_for_text_is_coerced_or_rejected(api: Api, value: Any) -> None:
    """§6/§8: a number or boolean for a text field may be coerced (201, text) or rejected (422)."""
    reply = api.create({"name": value}).expect("2.writable-fields", 201, 422)
    if reply.status == 422:
        reply.expect_error("2.writable-fields", 422, str(reply.body.get("code")), "name")
    elif not isinstance(reply.body["name"], str):
        raise ContractViolation(
            "2.writable-fields", f"name {value!r} was stored as {reply.body['name']!r}"
        )


@pytest.mark.contract("6.not-found")
def test_unknown_id_is_404(api: Api) -> None:
    """§6: GET, PUT, DELETE and an action on an unknown id answer 404 Not Found."""
    url = f"{api.collection.rstrip('/')}/{ABSENT}"
    api.get(url).expect_error("6.not-found", 404, NOT_FOUND)
    api.put(url, json={"name": "x"}).expect_error("6.not-found", 404, NOT_FOUND)
    api.delete(url).expect_error("6.not-found", 404, NOT_FOUND)
    api.post(f"{url}/?action=deactivate").expect_error("6.not-found", 404, NOT_FOUND)


@pytest.mark.contract("6.not-found")
def test_unknown_collection_is_404(api: Api) -> None:
    """§6: an unknown collection (/v1/foos) answers 404 Not Found."""
    api.get(f"{api.target.url}/foos").expect_error("6.not-found", 404, NOT_FOUND)


@pytest.mark.contract("6.method-not-allowed")
def test_methods_not_offered_are_405(api: Api, key: dict[str, Any]) -> None:
    """§6: PUT/DELETE on the collection, POST on a resource without action, PATCH: 405 Method not
    allowed.
    """
    self_url = key["links"]["self"]
    api.put(api.collection, json={}).expect_error("6.method-not-allowed", 405, NOT_ALLOWED)
    api.delete(api.collection).expect_error("6.method-not-allowed", 405, NOT_ALLOWED)
    api.post(self_url, json={}).expect_error("6.method-not-allowed", 405, NOT_ALLOWED)
    api.request("PATCH", self_url, json={"name": "x"}).expect_error(
        "6.method-not-allowed", 405, NOT_ALLOWED
    )
    api.request("PATCH", api.collection, json={}).expect_error(
        "6.method-not-allowed", 405, NOT_ALLOWED
    )
    after = api.get(self_url).expect("6.method-not-allowed", 200).body
    if after["name"] != key["name"] or after["state"] != key["state"]:
        raise ContractViolation("6.method-not-allowed", "a request answered 405 changed the key")


@pytest.mark.contract("3.invalid-action")
def test_unknown_action_is_422_invalid_action(api: Api, key: dict[str, Any]) -> None:
    """§3/§6: an unknown action name answers 422 InvalidAction with fieldName 'action'."""
    reply = api.post(api.action_url(key, "explode"))
    reply.expect_error("3.invalid-action", 422, "InvalidAction", "action")


@pytest.mark.contract("3.action-not-available")
def test_action_not_valid_in_state_is_422(api: Api, key: dict[str, Any]) -> None:
    """§3/§6: an action not in the actions map is 422 ActionNotAvailable and changes nothing."""
    for action in ("activate", "remove", "purge"):
        api.post(api.action_url(key, action)).expect_error(
            "3.action-not-available", 422, "ActionNotAvailable", "action"
        )
    after = api.get(key["links"]["self"]).expect("3.action-not-available", 200).body
    if after["state"] != "active":
        raise ContractViolation(
            "3.action-not-available", f"a refused action moved the key to {after['state']!r}"
        )


@pytest.mark.contract("3.delete-active")
def test_delete_of_active_key_is_405(api: Api, key: dict[str, Any]) -> None:
    """§3/§6: DELETE of a key that is not deactivated answers 405 and changes nothing."""
    api.delete(key["links"]["self"]).expect_error("3.delete-active", 405, NOT_ALLOWED)
    after = api.get(key["links"]["self"]).expect("3.delete-active", 200).body
    if after["state"] != "active":
        raise ContractViolation(
            "3.delete-active", f"a refused DELETE moved the key to {after['state']!r}"
        )


@pytest.mark.contract("3.delete-removes", "3.removed-hidden")
def test_delete_of_deactivated_and_removed_keys(api: Api, prefix: str, key_pool: KeyPool) -> None:
    """§3: DELETE of an inactive key is 200 (removing/removed); the key stays readable; DELETE again
    is 200.
    """
    key = key_pool.take("errors:delete").key
    first = api.delete(key["links"]["self"]).expect("3.delete-removes", 200).body
    removal = load_spec().removal
    if first["state"] not in {removal.through, removal.done}:
        raise ContractViolation("3.delete-removes", f"DELETE answered state {first['state']!r}")
    now = api.get(key["links"]["self"]).expect("3.removed-hidden", 200).body
    if now["state"] in REMOVED and now["removed"] is None:
        raise ContractViolation(
            "3.removed-hidden", f"after DELETE the key is {now['state']!r} but removed is null"
        )
    # a key already removed (by the key pool: deactivate, remove): PUT works, DELETE again is 200
    removed = key_pool.take("errors:removed").key
    renamed = api.put(removed["links"]["self"], json={"name": f"{prefix}del2"}).expect(
        "3.put-keeps-state", 200
    )
    if (
        not same_state(removed["state"], renamed.body["state"])
        or renamed.body["name"] != f"{prefix}del2"
    ):
        raise ContractViolation(
            "3.put-keeps-state", f"PUT of a removed key: {renamed.exchange.summary()}"
        )
    again = api.delete(removed["links"]["self"]).expect("3.delete-removes", 200).body
    if again["state"] not in REMOVED:
        raise ContractViolation(
            "3.delete-removes", f"DELETE of a removed key answered state {again['state']!r}"
        )
