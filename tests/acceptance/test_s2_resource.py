"""Contract section 2: the resource, field by field, and what create and update accept."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from ._support import (
    DATE_RE,
    ID_RE,
    PUBLIC_VALUE_RE,
    RESOURCE_FIELDS,
    STATES,
    TRANSITIONING_STATES,
    UUID4_RE,
    Api,
    assert_error,
    assert_status,
    describe,
    epoch_ms,
    unique,
)


@pytest.fixture(scope="module")
def views(api: Api) -> dict[str, dict[str, Any]]:
    """One key as every kind of response shows it: create, GET, list, PUT, action, DELETE."""
    name = unique("s2-views")
    out: dict[str, dict[str, Any]] = {}
    out["create"] = api.create(name=name)
    out["get"] = api.wait(out["create"])
    out["list"] = api.list({"name": name})["data"][0]
    out["put"] = assert_status(api.put(out["get"], {"description": "put"}), 200)
    out["action"] = assert_status(api.act(out["get"], "deactivate"), 202)
    api.wait(out["get"])
    out["delete"] = assert_status(api.delete(out["get"]), 200)
    out["removed"] = api.wait(out["get"])
    return out


VIEWS = ["create", "get", "list", "put", "action", "delete", "removed"]


@pytest.mark.parametrize("view", VIEWS)
def test_s2_resource_carries_id_type_links_actions_basetype(
    views: dict[str, Any], view: str
) -> None:
    resource = views[view]
    for field in ("id", "type", "links", "actions", "baseType"):
        assert field in resource, f"{view}: no {field!r} in {resource}"
    assert isinstance(resource["links"], dict) and isinstance(resource["actions"], dict), resource


@pytest.mark.parametrize("view", VIEWS)
def test_s2_null_fields_present_not_omitted(views: dict[str, Any], view: str) -> None:
    resource = views[view]
    missing = [field for field in RESOURCE_FIELDS if field not in resource]
    assert not missing, f"{view}: fields omitted {missing}: {resource}"


def test_s2_null_fields_present_on_a_bare_key(api: Api) -> None:
    created = api.create()
    for resource in (created, api.wait(created)):
        for field in ("name", "description", "transitioningProgress", "removed"):
            assert field in resource, f"{field} omitted: {resource}"
        assert resource["name"] is None and resource["description"] is None, resource
        assert resource["removed"] is None, resource


@pytest.mark.parametrize("view", VIEWS)
def test_s2_id_is_1c_n_string(views: dict[str, Any], view: str) -> None:
    assert isinstance(views[view]["id"], str) and ID_RE.match(views[view]["id"]), views[view]
    assert views[view]["id"] == views["create"]["id"]


@pytest.mark.parametrize("view", VIEWS)
def test_s2_type_apikey_basetype_credential_kind_apikey(views: dict[str, Any], view: str) -> None:
    resource = views[view]
    assert resource["type"] == "apiKey", resource
    assert resource["baseType"] == "credential", resource
    assert resource["kind"] == "apiKey", resource


@pytest.mark.parametrize("view", VIEWS)
def test_s2_links_self_is_the_resources_own_url(api: Api, views: dict[str, Any], view: str) -> None:
    resource = views[view]
    self_url = resource["links"]["self"]
    assert isinstance(self_url, str) and self_url.startswith(("http://", "https://")), resource
    assert self_url.rstrip("/").rsplit("/", 1)[1] == resource["id"], self_url
    followed = api.client.get(self_url)
    assert assert_status(followed, 200)["id"] == resource["id"], describe(followed)


@pytest.mark.parametrize("view", VIEWS)
def test_s2_links_account_when_account_id_set(views: dict[str, Any], view: str) -> None:
    resource = views[view]
    assert resource["accountId"] is None or isinstance(resource["accountId"], str), resource
    if resource["accountId"] is not None:
        assert isinstance(resource["links"].get("account"), str), resource


def test_s2_name_and_description_written_on_create_and_update(api: Api) -> None:
    name, description = unique("s2-write"), "first description"
    created = api.create(name=name, description=description)
    assert (created["name"], created["description"]) == (name, description)
    key = api.wait(created)
    assert (key["name"], key["description"]) == (name, description)
    updated = assert_status(api.put(key, {"name": name + "-2", "description": "second"}), 200)
    assert (updated["name"], updated["description"]) == (name + "-2", "second")
    reread = api.get(key)
    assert (reread["name"], reread["description"]) == (name + "-2", "second")


def test_s2_name_and_description_nullable(api: Api) -> None:
    key = api.wait(api.create(name=unique("s2-null"), description="d"))
    updated = assert_status(api.put(key, {"name": None, "description": None}), 200)
    assert updated["name"] is None and updated["description"] is None, updated
    reread = api.get(key)
    assert reread["name"] is None and reread["description"] is None, reread
    created = api.create(name=None, description=None)
    assert created["name"] is None and created["description"] is None, created


def test_s2_account_id_string_or_null(views: dict[str, Any]) -> None:
    for resource in views.values():
        assert resource["accountId"] is None or isinstance(resource["accountId"], str), resource


def test_s2_public_value_20_hex_generated_and_unique(api: Api) -> None:
    keys = [api.create(name=unique("s2-pv")) for _ in range(8)]
    values = [key["publicValue"] for key in keys]
    for value in values:
        assert isinstance(value, str) and PUBLIC_VALUE_RE.match(value), value
    assert len(set(values)) == len(values), values
    every = [item["publicValue"] for item in api.list_all()]
    assert len(set(every)) == len(every), "publicValue repeated in the collection"


def test_s2_ids_and_public_values_unique_under_concurrent_creates(api: Api) -> None:
    prefix = unique("s2-concurrent")
    created: list[dict[str, Any]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with api.with_auth(api.auth) as client:
            for i in range(5):
                response = client.post(api.collection, json={"name": f"{prefix}-{n}-{i}"})
                body = assert_status(response, 201)
                with lock:
                    created.append(body)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(created) == 30
    assert len({k["id"] for k in created}) == 30, "an id was given twice"
    assert len({k["publicValue"] for k in created}) == 30, "a publicValue was given twice"
    listed = api.list_all([("name_prefix", prefix)])
    assert sorted(k["id"] for k in listed) == sorted(k["id"] for k in created)


def test_s2_secret_value_40_chars_only_in_create_response(views: dict[str, Any]) -> None:
    secret = views["create"]["secretValue"]
    assert isinstance(secret, str) and len(secret) == 40, views["create"]
    for view in ("get", "list", "put", "action", "delete", "removed"):
        assert views[view]["secretValue"] is None, f"{view} shows the secret: {views[view]}"


def test_s2_secret_value_differs_per_key(api: Api) -> None:
    secrets = [api.create()["secretValue"] for _ in range(5)]
    assert all(isinstance(s, str) and len(s) == 40 for s in secrets), secrets
    assert len(set(secrets)) == len(secrets), secrets


def test_s2_secret_cannot_be_read_back(api: Api) -> None:
    """Stored hashed: not in any later response, and no filter finds the key by its clear secret."""
    name = unique("s2-hashed")
    created = api.create(name=name)
    secret = created["secretValue"]
    key = api.wait(created)
    for response in (
        api.client.get(key["links"]["self"]),
        api.client.get(api.collection, params={"name": name}),
        api.client.get(api.collection),
    ):
        assert secret not in response.text, f"the secret is readable: {describe(response)}"
    for params in ({"secretValue": secret}, {"secretValue_prefix": secret[:12]}):
        found = api.list({**params, "name": name})
        assert found["data"] == [], f"the clear secret matches a filter {params}: {found['data']}"


@pytest.mark.parametrize("view", VIEWS)
def test_s2_state_is_one_of_the_12(views: dict[str, Any], view: str) -> None:
    assert views[view]["state"] in STATES, views[view]


@pytest.mark.parametrize("view", VIEWS)
def test_s2_transitioning_yes_while_transitioning_else_no(views: dict[str, Any], view: str) -> None:
    resource = views[view]
    if resource["state"] in TRANSITIONING_STATES:
        assert resource["transitioning"] in ("yes", "error"), resource
    else:
        assert resource["transitioning"] in ("no", "error"), resource


@pytest.mark.parametrize("view", VIEWS)
def test_s2_transitioning_message_while_transitioning_else_null(
    views: dict[str, Any], view: str
) -> None:
    resource = views[view]
    if resource["transitioning"] == "yes":
        assert (
            isinstance(resource["transitioningMessage"], str) and resource["transitioningMessage"]
        ), resource
    elif resource["transitioning"] == "no":
        assert resource["transitioningMessage"] is None, resource


@pytest.mark.parametrize("view", VIEWS)
def test_s2_transitioning_progress_integer_or_null(views: dict[str, Any], view: str) -> None:
    progress = views[view]["transitioningProgress"]
    assert progress is None or (isinstance(progress, int) and not isinstance(progress, bool)), (
        views[view]
    )


def test_s2_uuid_is_random_v4(api: Api, views: dict[str, Any]) -> None:
    uuids = {view: resource["uuid"] for view, resource in views.items()}
    assert len(set(uuids.values())) == 1, uuids
    value = views["create"]["uuid"]
    assert isinstance(value, str) and UUID4_RE.match(value), value
    assert uuid.UUID(value).version == 4, value
    others = [api.create()["uuid"] for _ in range(5)]
    assert len({value, *others}) == 6, others


def test_s2_created_second_precision_utc_and_created_ts_in_ms(api: Api) -> None:
    before = int(time.time())
    created = api.create(name=unique("s2-created"))
    after = int(time.time()) + 1
    for resource in (created, api.wait(created)):
        assert isinstance(resource["created"], str) and DATE_RE.match(resource["created"]), resource
        ms = epoch_ms(resource["created"])
        assert before - 5 <= ms // 1000 <= after + 5, (
            f"created {resource['created']} is not now in UTC"
        )
        ts = resource["createdTS"]
        assert isinstance(ts, int) and not isinstance(ts, bool), resource
        assert ts == ms, f"createdTS {ts} != created {resource['created']} in ms ({ms})"
    assert created["created"] == api.get(created)["created"]


def test_s2_removed_null_until_removed_then_set_with_removed_ts(api: Api) -> None:
    key = api.new_active(unique("s2-removed"))
    assert key["removed"] is None, key
    inactive = api.do(key, "deactivate")
    assert inactive["removed"] is None, inactive
    before = int(time.time())
    removed = api.do(inactive, "remove")
    after = int(time.time()) + 1
    assert isinstance(removed["removed"], str) and DATE_RE.match(removed["removed"]), removed
    ms = epoch_ms(removed["removed"])
    assert before - 5 <= ms // 1000 <= after + 5, removed
    assert "removedTS" in removed, f"removedTS does not appear once removed is set: {removed}"
    assert removed["removedTS"] == ms, removed
    purged = api.do(removed, "purge")
    assert purged["removed"] == removed["removed"] and purged["removedTS"] == ms, purged


# --- what create and update accept ----------------------------------------------------------------

READ_ONLY_BODY: dict[str, Any] = {
    "id": "1c999999",
    "type": "credential",
    "baseType": "apiKey",
    "kind": "notApiKey",
    "accountId": "1a999999",
    "publicValue": "0123456789ABCDEF0123",
    "secretValue": "x" * 40,
    "state": "inactive",
    "transitioning": "error",
    "transitioningMessage": "forced",
    "transitioningProgress": 50,
    "uuid": "00000000-0000-4000-8000-000000000000",
    "created": "2001-01-01T00:00:00Z",
    "createdTS": 978307200000,
    "removed": "2001-01-01T00:00:00Z",
    "removedTS": 978307200000,
    "links": {"self": "http://evil.example/x"},
    "actions": {"purge": "http://evil.example/y"},
    "unknownField": "ignored",
    "anotherOne": {"nested": [1, 2]},
}


def _assert_read_only_ignored(resource: dict[str, Any], reference: dict[str, Any]) -> None:
    assert resource["id"] != READ_ONLY_BODY["id"], resource
    assert resource["type"] == "apiKey" and resource["baseType"] == "credential", resource
    assert resource["kind"] == "apiKey", resource
    assert resource["accountId"] == reference["accountId"], resource
    assert resource["publicValue"] != READ_ONLY_BODY["publicValue"], resource
    assert resource["secretValue"] != READ_ONLY_BODY["secretValue"], resource
    assert resource["uuid"] != READ_ONLY_BODY["uuid"], resource
    assert resource["created"] != READ_ONLY_BODY["created"], resource
    assert resource["removed"] is None, resource
    assert resource["transitioningProgress"] != 50, resource
    assert "evil.example" not in str(resource["links"]) + str(resource["actions"]), resource
    assert "unknownField" not in resource and "anotherOne" not in resource, resource


def test_s2_read_only_and_unknown_fields_ignored_on_create(api: Api) -> None:
    control = api.wait(api.create(name=unique("s2-control")))
    name = unique("s2-ro-create")
    response = api.create_response({**READ_ONLY_BODY, "name": name})
    created = assert_status(response, 201)
    assert created["name"] == name, created
    assert created["state"] in ("registering", "active"), created
    _assert_read_only_ignored(created, control)
    key = api.wait(created)
    assert key["state"] == "active", key
    _assert_read_only_ignored(key, control)
    if api.auth is not None:
        with api.with_auth((created["publicValue"], READ_ONLY_BODY["secretValue"])) as other:
            assert other.get(api.collection).status_code == 401, (
                "the client-sent secret authenticates"
            )
        with api.with_auth((created["publicValue"], created["secretValue"])) as other:
            assert other.get(api.collection).status_code == 200


def test_s2_read_only_and_unknown_fields_ignored_on_update(api: Api) -> None:
    key = api.new_active(unique("s2-ro-update"))
    name = unique("s2-ro-updated")
    response = api.put(key, {**READ_ONLY_BODY, "name": name})
    updated = assert_status(response, 200)
    assert updated["name"] == name, updated
    for resource in (updated, api.get(key)):
        assert resource["id"] == key["id"], resource
        assert resource["state"] == "active", resource
        for field in (
            "publicValue",
            "uuid",
            "created",
            "createdTS",
            "accountId",
            "kind",
            "removed",
        ):
            assert resource[field] == key[field], f"{field} changed by PUT: {resource}"
        assert resource["secretValue"] is None, resource
        assert "unknownField" not in resource, resource


def test_s2_empty_body_creates_a_key(api: Api) -> None:
    response = api.client.post(api.collection, json={})
    created = assert_status(response, 201)
    assert created["type"] == "apiKey" and created["name"] is None, created
    assert isinstance(created["secretValue"], str) and len(created["secretValue"]) == 40, created
    assert api.wait(created)["state"] == "active"


@pytest.mark.parametrize(("field", "limit"), [("name", 255), ("description", 1024)])
def test_s2_max_length_accepted_on_create_and_update(api: Api, field: str, limit: int) -> None:
    created = api.create(**{field: "a" * limit})
    assert created[field] == "a" * limit
    key = api.wait(created)
    updated = assert_status(api.put(key, {field: "b" * limit}), 200)
    assert updated[field] == "b" * limit
    # characters, not bytes
    wide = api.create(**{field: "\u00e9" * limit})
    assert wide[field] == "\u00e9" * limit


@pytest.mark.parametrize(("field", "limit"), [("name", 255), ("description", 1024)])
def test_s2_over_max_length_is_422_max_length_exceeded_on_create(
    api: Api, field: str, limit: int
) -> None:
    marker = unique("s2-long")
    body = {field: "a" * (limit + 1)}
    if field == "description":
        body["name"] = marker
    response = api.create_response(body)
    assert_error(response, 422, "MaxLengthExceeded", field_name=field)
    if field == "description":
        assert api.list({"name": marker})["data"] == [], "the rejected key was created"


@pytest.mark.parametrize(("field", "limit"), [("name", 255), ("description", 1024)])
def test_s2_over_max_length_is_422_max_length_exceeded_on_update(
    api: Api, field: str, limit: int
) -> None:
    key = api.new_active(unique("s2-long-put"))
    response = api.put(key, {field: "a" * (limit + 1)})
    assert_error(response, 422, "MaxLengthExceeded", field_name=field)
