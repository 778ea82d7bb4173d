"""Contract section 6: the error object and every row of the error table."""

from __future__ import annotations

import threading

import httpx
import pytest

from ._support import (
    ERROR_KEYS,
    Api,
    assert_error,
    assert_status,
    describe,
    unique,
)

MALFORMED_BODIES = [
    b"{bad",
    b'{"name": "x"',
    b"not json at all",
    b'{"name": "x",}',
    b"\xff\xfe\x00",
]


# --- the error object -----------------------------------------------------------------------------


def test_s6_error_object_shape(api: Api) -> None:
    key = api.new_active(unique("s6-shape"))
    responses = [
        api.client.get(api.url("1c999999")),
        api.client.get(api.base_url + "/foos"),
        api.delete(key),
        api.client.post(api.action_url(key["id"], "activate")),
        api.client.post(api.action_url(key["id"], "explode")),
        api.create_response({"name": "a" * 256}),
        api.client.post(
            api.collection, content=b"{bad", headers={"Content-Type": "application/json"}
        ),
    ]
    for response in responses:
        assert 400 <= response.status_code < 500, describe(response)
        body = response.json()
        missing = [k for k in ERROR_KEYS if k not in body]
        assert not missing, f"error lacks {missing}: {describe(response)}"
        assert body["type"] == "error" and body["baseType"] == "error", describe(response)
        assert body["links"] == {} and body["actions"] == {}, describe(response)
        assert body["status"] == response.status_code, describe(response)
        assert isinstance(body["code"], str) and body["code"], describe(response)
        if response.status_code == 422:
            assert isinstance(body.get("fieldName"), str), describe(response)
            assert body["message"] is None, describe(response)


@pytest.mark.parametrize(
    ("status", "reason"),
    [(401, "Unauthorized"), (404, "Not Found"), (405, "Method not allowed")],
)
def test_s6_status_errors_use_reason_as_code_and_message(
    api: Api, status: int, reason: str
) -> None:
    if status == 401:
        if api.auth is None:
            pytest.skip("access control off")
        with api.with_auth(None) as client:
            response = client.get(api.collection)
    elif status == 404:
        response = api.client.get(api.url("1c999999"))
    else:
        response = api.client.request("PATCH", api.collection, json={})
    body = assert_error(response, status, reason)
    assert body["code"] == body["message"] == reason, describe(response)


# --- malformed JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", MALFORMED_BODIES, ids=["brace", "unterminated", "text", "trailing-comma", "bytes"]
)
def test_s6_malformed_json_is_400_invalid_body_content(api: Api, body: bytes) -> None:
    key = api.new_active(unique("s6-malformed"))
    for method, url in (("POST", api.collection), ("PUT", api.url(key["id"]))):
        response = api.client.request(
            method, url, content=body, headers={"Content-Type": "application/json"}
        )
        assert_error(response, 400, "InvalidBodyContent")
    assert api.get(key)["name"] == key["name"]


@pytest.mark.parametrize("credentials", ["none", "wrong"])
def test_s6_malformed_json_checked_before_authentication(api: Api, credentials: str) -> None:
    if api.auth is None:
        pytest.skip("access control off")
    key = api.new_active(unique("s6-before-auth"))
    auth = None if credentials == "none" else (key["publicValue"], "B" * 40)
    with api.with_auth(auth) as client:
        for method, url in (("POST", api.collection), ("PUT", api.url(key["id"]))):
            response = client.request(
                method, url, content=b"{bad", headers={"Content-Type": "application/json"}
            )
            assert_error(response, 400, "InvalidBodyContent")
        # and a well-formed body with the same credentials is 401
        assert client.post(api.collection, json={}).status_code == 401


# --- body fields ----------------------------------------------------------------------------------


def test_s6_unknown_or_read_only_field_ignored_request_succeeds(api: Api) -> None:
    created = api.create_response(
        {"name": unique("s6-ignored"), "bogus": 1, "state": "purged", "id": "1c1"}
    )
    key = assert_status(created, 201)
    assert key["state"] in ("registering", "active"), key
    key = api.wait(key)
    updated = api.put(key, {"bogus": 1, "publicValue": "0" * 20, "kind": "x", "description": "ok"})
    body = assert_status(updated, 200)
    assert body["publicValue"] == key["publicValue"] and body["kind"] == "apiKey", body
    assert body["description"] == "ok", body


@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("method", ["create", "update"])
def test_s6_too_long_is_422_max_length_exceeded(api: Api, field: str, method: str) -> None:
    too_long = "x" * (256 if field == "name" else 1025)
    if method == "create":
        response = api.create_response({field: too_long})
    else:
        key = api.new_active(unique("s6-long"))
        response = api.put(key, {field: too_long})
        assert api.get(key)[field] == key[field], "a refused update changed the key"
    assert_error(response, 422, "MaxLengthExceeded", field_name=field)


@pytest.mark.parametrize(
    "value",
    [{"a": 1}, {}, [], ["x"], [1, 2]],
    ids=["object", "empty-object", "empty-array", "array", "numbers"],
)
@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("method", ["create", "update"])
def test_s6_object_or_array_for_text_field_is_422_invalid_format(
    api: Api, field: str, method: str, value: object
) -> None:
    if method == "create":
        response = api.create_response({field: value})
    else:
        key = api.new_active(unique("s6-format"))
        response = api.put(key, {field: value})
    assert_error(response, 422, "InvalidFormat", field_name=field)


@pytest.mark.parametrize(
    "value", [42, 3.5, True, False, 0], ids=["int", "float", "true", "false", "zero"]
)
@pytest.mark.parametrize("method", ["create", "update"])
def test_s6_number_or_boolean_for_text_field_coerced_or_rejected(
    api: Api, method: str, value: object
) -> None:
    """Rancher coerces to text; a server MAY coerce or reject: both are accepted here."""
    if method == "create":
        response = api.create_response({"name": value})
        ok = 201
    else:
        key = api.new_active(unique("s6-coerce"))
        response = api.put(key, {"name": value})
        ok = 200
    assert response.status_code in (ok, 422), describe(response)
    if response.status_code == 422:
        assert_error(response, 422, response.json()["code"], field_name="name")
    else:
        name = response.json()["name"]
        assert isinstance(name, str), f"accepted but not coerced to text: {describe(response)}"


# --- unknown ids and collections ------------------------------------------------------------------

UNKNOWN_IDS = ["1c999999", "1c0", "1a1", "nonsense", "1c", "1cabc", "1c99999999999999999999999999"]


@pytest.mark.parametrize("key_id", UNKNOWN_IDS)
def test_s6_unknown_id_is_404_not_found(api: Api, key_id: str) -> None:
    for method, url, body in (
        ("GET", api.url(key_id), None),
        ("PUT", api.url(key_id), {"name": "x"}),
        ("DELETE", api.url(key_id), None),
        ("POST", api.action_url(key_id, "deactivate"), None),
        ("POST", api.action_url(key_id, "purge", slash=True), None),
    ):
        assert_error(api.client.request(method, url, json=body), 404, "Not Found")


@pytest.mark.parametrize("path", ["/foos", "/foos/1c1", "/apiKeysx", "/apiKeyss/1c1"])
def test_s6_unknown_collection_is_404_not_found(api: Api, path: str) -> None:
    for method in ("GET", "POST"):
        response = api.client.request(
            method, api.base_url + path, json={} if method == "POST" else None
        )
        assert_error(response, 404, "Not Found")


# --- actions --------------------------------------------------------------------------------------


def test_s6_action_not_valid_in_current_state_is_422_action_not_available(api: Api) -> None:
    key = api.new_active(unique("s6-not-available"))
    for action in ("activate", "remove", "purge"):
        response = api.client.post(api.action_url(key["id"], action))
        assert_error(response, 422, "ActionNotAvailable", field_name="action")


def test_s6_unknown_action_name_is_422_invalid_action(api: Api) -> None:
    key = api.new_active(unique("s6-invalid-action"))
    response = api.client.post(api.action_url(key["id"], "frobnicate"))
    assert_error(response, 422, "InvalidAction", field_name="action")


def test_s6_delete_of_key_not_deactivated_is_405(api: Api) -> None:
    key = api.new_active(unique("s6-delete-active"))
    assert_error(api.delete(key), 405, "Method not allowed")
    assert api.get(key)["state"] == "active"


# --- methods not offered --------------------------------------------------------------------------


def test_s6_put_on_collection_is_405(api: Api) -> None:
    assert_error(api.client.put(api.collection, json={"name": "x"}), 405, "Method not allowed")


def test_s6_delete_on_collection_is_405(api: Api) -> None:
    key = api.new_active(unique("s6-delete-collection"))
    assert_error(api.client.delete(api.collection), 405, "Method not allowed")
    assert api.get(key)["state"] == "active"


@pytest.mark.parametrize("slash", [False, True])
def test_s6_post_on_resource_without_action_is_405(api: Api, slash: bool) -> None:
    key = api.new_active(unique("s6-post-resource"))
    url = api.url(key["id"]) + ("/" if slash else "")
    assert_error(api.client.post(url, json={"name": "x"}), 405, "Method not allowed")
    assert api.get(key)["name"] == key["name"]


@pytest.mark.parametrize("target", ["collection", "resource"])
def test_s6_patch_is_405(api: Api, target: str) -> None:
    key = api.new_active(unique("s6-patch"))
    url = api.collection if target == "collection" else api.url(key["id"])
    assert_error(api.client.request("PATCH", url, json={"name": "x"}), 405, "Method not allowed")
    assert api.get(key)["name"] == key["name"]


# --- credentials ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["missing", "wrong", "inactive", "removed"])
def test_s6_missing_wrong_inactive_or_removed_credentials_is_401(api: Api, case: str) -> None:
    if api.auth is None:
        pytest.skip("access control off")
    key = api.new_active(unique("s6-401"))
    credentials: tuple[str, str] | None = (key["publicValue"], key["_secret"])
    if case == "missing":
        credentials = None
    elif case == "wrong":
        credentials = (key["publicValue"], key["_secret"][::-1])
    elif case == "inactive":
        api.do(key, "deactivate")
    else:
        api.do(api.do(key, "deactivate"), "remove")
    with api.with_auth(credentials) as client:
        assert_error(client.get(api.collection), 401, "Unauthorized")


# --- never 5xx ------------------------------------------------------------------------------------


def test_s6_never_5xx_on_client_input(api: Api) -> None:
    key = api.new_active(unique("s6-5xx"))
    self_url = api.url(key["id"])
    requests: list[tuple[str, str, dict[str, object]]] = [
        ("GET", api.collection, {"params": {"limit": "99999999999999999999999"}}),
        ("GET", api.collection, {"params": {"limit": "-99999999999999999999999"}}),
        ("GET", api.collection, {"params": {"marker": "bogus"}}),
        ("GET", api.collection, {"params": {"marker": "m-5"}}),
        ("GET", api.collection, {"params": {"marker": "m99999999999999999999999"}}),
        ("GET", api.collection, {"params": {"id_lt": "abc"}}),
        ("GET", api.collection, {"params": {"id": "1c99999999999999999999999999"}}),
        ("GET", api.collection, {"params": {"created_lt": "not-a-date"}}),
        ("GET", api.collection, {"params": {"created": "2017-13-45T99:99:99Z"}}),
        ("GET", api.collection, {"params": {"removed_gt": "yesterday"}}),
        ("GET", api.collection, {"params": {"name_like": "%%%___\\"}}),
        ("GET", api.collection, {"params": {"name": "\x00"}}),
        ("GET", api.collection, {"params": {"sort": "", "order": ""}}),
        ("GET", api.collection, {"params": {"sort": "name; DROP TABLE x"}}),
        ("GET", api.collection, {"params": {"name_like": "' OR 1=1 --"}}),
        (
            "POST",
            api.collection,
            {"content": b"[]", "headers": {"Content-Type": "application/json"}},
        ),
        (
            "POST",
            api.collection,
            {"content": b'"text"', "headers": {"Content-Type": "application/json"}},
        ),
        (
            "POST",
            api.collection,
            {"content": b"null", "headers": {"Content-Type": "application/json"}},
        ),
        (
            "POST",
            api.collection,
            {"content": b"42", "headers": {"Content-Type": "application/json"}},
        ),
        (
            "POST",
            api.collection,
            {"content": b'{"name": "x"}', "headers": {"Content-Type": "text/plain"}},
        ),
        ("POST", api.collection, {"content": b"[" * 5000 + b"]" * 5000}),
        ("POST", api.collection, {"json": {"name": "\ud7ff\ue000 \u0000"}}),
        ("PUT", self_url, {"content": b"[1]", "headers": {"Content-Type": "application/json"}}),
        ("PUT", self_url, {"json": {"name": {"deep": [{"deeper": None}]}}}),
        ("POST", self_url + "?action=", {}),
        ("POST", self_url + "?action=deactivate&action=activate", {}),
        ("GET", api.base_url + "/schemas/nonexistent", {}),
        ("GET", api.base_url + "/apiKeys/" + "9" * 500, {}),
    ]
    for method, url, kw in requests:
        response = api.client.request(method, url, **kw)  # type: ignore[arg-type]
        assert response.status_code < 500, describe(response)


# --- concurrent changes ---------------------------------------------------------------------------


def test_s6_concurrent_changes_of_one_key_answer_success_409_or_422(api: Api) -> None:
    """Many clients change one key at once: each request succeeds, or answers 409 Conflict (or 422
    ActionNotAvailable when another change got there first); never 5xx; the key ends in a done
    state."""
    key = api.new_active(unique("s6-concurrent"))
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with api.with_auth(api.auth) as client:
            for i in range(6):
                if (n + i) % 3 == 0:
                    response = client.put(api.url(key["id"]), json={"description": f"w{n}-{i}"})
                else:
                    action = "deactivate" if (n + i) % 3 == 1 else "activate"
                    response = client.post(api.action_url(key["id"], action))
                with lock:
                    results.append(response)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 36
    for response in results:
        status = response.status_code
        assert status in (200, 202, 409, 422), describe(response)
        if status == 409:
            assert_error(response, 409, "Conflict")
        elif status == 422:
            assert_error(response, 422, "ActionNotAvailable", field_name="action")
    final = api.wait(key)
    assert final["state"] in ("active", "inactive"), final


# --- bodies of any size get a JSON answer ---------------------------------------------------------


def test_s6_large_body_answered_with_json_never_5xx(api: Api) -> None:
    for size in (20_000, 2_000_000):
        body = {"name": unique("s6-large"), "padding": "p" * size}
        response = api.create_response(body)
        assert response.status_code < 500, describe(response)
        if response.status_code >= 400:
            error = response.json()
            missing = [k for k in ERROR_KEYS if k not in error]
            assert not missing and error["type"] == "error", describe(response)
            assert error["status"] == response.status_code, describe(response)
        else:
            assert response.status_code == 201, describe(response)
