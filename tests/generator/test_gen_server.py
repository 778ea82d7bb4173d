"""The generated Starlette stubs through TestClient: routing, parsing, rendering, errors."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from gen_support import FakeApiKeys, KeyAuthenticator, TestClient

from rancher_contract.generated.server import (
    API_KEY_FILTERS,
    API_KEY_SPEC,
    ApiKeyAction,
    ApiKeyState,
    CollectionQuery,
    ConflictError,
    Filter,
    ResourceBackends,
    Transitioning,
    create_app,
)
from rancher_contract.generated.server._runtime import parse_query

CHALLENGE = 'Basic realm="Enter API access key and secret key as username and password"'
ERROR_KEYS = {"id", "type", "links", "actions", "status", "code", "message", "detail", "baseType"}


def client_for(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def assert_error(response: Any, status: int, code: str, field_name: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert ERROR_KEYS <= body.keys()
    assert body["type"] == "error" and body["baseType"] == "error"
    assert body["status"] == status and body["code"] == code
    assert body["links"] == {} and body["actions"] == {}
    if status == 422:
        assert body["message"] is None
    if field_name is None:
        assert "fieldName" not in body
    else:
        assert body["fieldName"] == field_name
    assert_headers(response)


def assert_headers(response: Any, base: str = "http://testserver") -> None:
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-api-schemas"] == f"{base}/v1/schemas"


# --- no backend -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/apiKeys"),
        ("POST", "/v1/apiKeys"),
        ("GET", "/v1/apiKeys/1c1"),
        ("PUT", "/v1/apiKeys/1c1"),
        ("DELETE", "/v1/apiKeys/1c1"),
        ("POST", "/v1/apiKeys/1c1?action=activate"),
        ("GET", "/v1/registryCredentials"),
        ("POST", "/v1/registryCredentials"),
        ("DELETE", "/v1/registrycredentials/1c1"),
    ],
)
def test_every_resource_operation_is_501_without_backend(method: str, path: str) -> None:
    response = client_for(create_app()).request(method, path)
    assert_error(response, 501, "Not Implemented")


def test_root_and_schemas_work_without_backend() -> None:
    client = client_for(create_app())
    root = client.get("/v1")
    assert root.status_code == 200
    assert root.json()["links"] == {
        "self": "http://testserver/v1",
        "schemas": "http://testserver/v1/schemas",
        "apiKeys": "http://testserver/v1/apikeys",
        "registries": "http://testserver/v1/registries",
        "registryCredentials": "http://testserver/v1/registrycredentials",
    }
    assert_headers(root)
    schemas = client.get("/v1/schemas").json()
    assert schemas["type"] == "collection" and schemas["resourceType"] == "schema"
    assert [doc["id"] for doc in schemas["data"]] == ["apiKey", "registry", "registryCredential"]
    for path in ("/v1/schemas/apikey", "/v1/schemas/apiKey", "/v1/schemas/APIKEY/"):
        doc = client.get(path, headers={"Host": "rancher.example:8080"}).json()
        assert doc["links"] == {
            "self": "http://rancher.example:8080/v1/schemas/apikey",
            "collection": "http://rancher.example:8080/v1/apikeys",
        }
    assert_error(client.get("/v1/schemas/nope"), 404, "Not Found")


# --- routing ----------------------------------------------------------------------------------
@pytest.mark.parametrize("segment", ["apiKeys", "apikeys", "apiKey", "APIKEYS", "apikey"])
def test_type_segment_is_case_insensitive_singular_or_plural(
    app: Any, fake: FakeApiKeys, segment: str
) -> None:
    client = client_for(app)
    created = client.post(f"/v1/{segment}", json={"name": "a"})
    assert created.status_code == 201
    key = created.json()["id"]
    assert client.get(f"/v1/{segment}/{key}").status_code == 200
    assert client.get(f"/v1/{segment}").status_code == 200


def test_action_with_and_without_slash(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    key = client.post("/v1/apiKeys", json={}).json()["id"]
    first = client.post(f"/v1/apiKeys/{key}/?action=deactivate")
    assert first.status_code == 202 and first.json()["state"] == "inactive"
    second = client.post(f"/v1/apiKeys/{key}?action=activate")
    assert second.status_code == 202 and second.json()["state"] == "active"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/apiKeys"),
        ("DELETE", "/v1/apiKeys"),
        ("PATCH", "/v1/apiKeys"),
        ("PATCH", "/v1/apiKeys/1c1"),
        ("POST", "/v1/apiKeys/1c1"),
        ("POST", "/v1/apiKeys/1c1/"),
        ("PATCH", "/v1"),
        ("POST", "/v1/schemas"),
    ],
)
def test_methods_not_offered_are_405(app: Any, method: str, path: str) -> None:
    assert_error(client_for(app).request(method, path), 405, "Method not allowed")


@pytest.mark.parametrize("path", ["/v1/foos", "/v1/foos/1", "/v2", "/", "/v1/apiKeys/1c1/extra"])
def test_unknown_paths_are_404(app: Any, path: str) -> None:
    assert_error(client_for(app).get(path), 404, "Not Found")


# --- rendering ------------------------------------------------------------------------------------
def test_create_renders_the_resource_with_the_secret_once(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    created = client.post("/v1/apiKeys", json={"name": "ci", "description": "d"})
    assert created.status_code == 201
    body = created.json()
    key = body["id"]
    assert body["type"] == "apiKey" and body["baseType"] == "credential"
    assert body["secretValue"] == "S" * 40
    assert body["links"] == {
        "self": f"http://testserver/v1/apikeys/{key}",
        "account": f"http://testserver/v1/apikeys/{key}/account",
    }
    assert body["actions"] == {
        "deactivate": f"http://testserver/v1/apikeys/{key}/?action=deactivate"
    }
    assert body["removed"] is None and "removedTS" not in body
    assert body["transitioningMessage"] is None
    assert_headers(created)
    # every later response hides it, even when the backend hands it out again
    fake.records[key] = fake.records[key].__class__(
        **{**vars(fake.records[key]), "secret_value": "x"}
    )
    assert client.get(f"/v1/apiKeys/{key}").json()["secretValue"] is None
    assert client.put(f"/v1/apiKeys/{key}", json={}).json()["secretValue"] is None
    listed = client.get("/v1/apiKeys").json()["data"]
    assert [item["secretValue"] for item in listed] == [None]
    deactivated = client.post(f"/v1/apiKeys/{key}?action=deactivate").json()
    assert deactivated["secretValue"] is None
    assert client.delete(f"/v1/apiKeys/{key}").json()["secretValue"] is None


def test_account_link_only_when_account_is_set(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    key = client.post("/v1/apiKeys", json={}).json()["id"]
    fake.records[key] = fake.records[key].__class__(
        **{**vars(fake.records[key]), "account_id": None}
    )
    body = client.get(f"/v1/apiKeys/{key}").json()
    assert set(body["links"]) == {"self"} and body["accountId"] is None


def test_actions_map_follows_the_state(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    key = client.post("/v1/apiKeys", json={}).json()["id"]
    expected = {
        "active": {"deactivate"},
        "inactive": {"activate", "remove"},
        "removed": {"purge"},
        "registering": {"activate", "deactivate", "remove"},
        "purged": set(),
    }
    for state, actions in expected.items():
        fake.records[key] = fake.records[key].__class__(
            **{**vars(fake.records[key]), "state": state}
        )
        body = client.get(f"/v1/apiKeys/{key}").json()
        assert set(body["actions"]) == actions
        for name, url in body["actions"].items():
            assert url == f"http://testserver/v1/apikeys/{key}/?action={name}"


def test_removed_ts_rendered_once_set(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    key = client.post("/v1/apiKeys", json={}).json()["id"]
    client.post(f"/v1/apiKeys/{key}?action=deactivate")
    removed = client.delete(f"/v1/apiKeys/{key}")
    assert removed.status_code == 200
    assert removed.json()["state"] == "removed" and removed.json()["removedTS"] == 1484992800000


def test_links_follow_forwarded_headers(app: Any) -> None:
    client = client_for(app)
    headers = {
        "Host": "internal:8000",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "rancher.example.com",
        "X-Forwarded-Port": "8443",
    }
    response = client.post("/v1/apiKeys", json={}, headers=headers)
    assert response.json()["links"]["self"].startswith(
        "https://rancher.example.com:8443/v1/apikeys/"
    )
    assert_headers(response, "https://rancher.example.com:8443")
    plain = client.get("/v1", headers={"Host": "h:9"}).json()
    assert plain["links"]["self"] == "http://h:9/v1"
    default_port = client.get(
        "/v1", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"}
    )
    assert default_port.json()["links"]["self"] == "https://testserver/v1"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Proto": "javascript"},
        {"X-Forwarded-Host": 'evil/"<>'},
        {"X-Forwarded-Port": "80; drop"},
    ],
)
def test_implausible_forwarded_headers_are_not_copied_into_links(
    app: Any, headers: dict[str, str]
) -> None:
    response = client_for(app).get("/v1", headers={"Host": "h:9", **headers})
    assert response.json()["links"]["self"] == "http://h:9/v1"


def test_forwarded_proto_is_case_insensitive(app: Any) -> None:
    response = client_for(app).get("/v1", headers={"Host": "h", "X-Forwarded-Proto": "HTTPS"})
    assert response.json()["links"]["self"] == "https://h/v1"


# --- bodies ------------------------------------------------------------------------------------
def test_unknown_and_read_only_fields_are_dropped(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    sent = {"name": "n", "publicValue": "X", "state": "removed", "id": "1c99", "foo": 1}
    body = client.post("/v1/apiKeys", json=sent).json()
    assert body["name"] == "n" and body["id"] != "1c99" and body["state"] == "active"


def test_empty_body_creates(app: Any) -> None:
    response = client_for(app).post("/v1/apiKeys", content=b"")
    assert response.status_code == 201 and response.json()["name"] is None


def test_fields_set_reaches_the_backend(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    key = client.post("/v1/apiKeys", json={"name": "a", "description": "d"}).json()["id"]
    body = client.put(f"/v1/apiKeys/{key}", json={"name": None}).json()
    assert body["name"] is None and body["description"] == "d"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"name": "x" * 256}, "MaxLengthExceeded", "name"),
        ({"description": "x" * 1025}, "MaxLengthExceeded", "description"),
        ({"name": {"a": 1}}, "InvalidFormat", "name"),
        ({"description": [1]}, "InvalidFormat", "description"),
    ],
)
def test_validation_errors_are_422(app: Any, payload: Any, code: str, field: str) -> None:
    client = client_for(app)
    assert_error(client.post("/v1/apiKeys", json=payload), 422, code, field)
    key = client.post("/v1/apiKeys", json={}).json()["id"]
    assert_error(client.put(f"/v1/apiKeys/{key}", json=payload), 422, code, field)


def test_limits_are_inclusive(app: Any) -> None:
    body = client_for(app).post("/v1/apiKeys", json={"name": "x" * 255, "description": "y" * 1024})
    assert body.status_code == 201


@pytest.mark.parametrize(("value", "text"), [(12, "12"), (True, "true"), (1.5, "1.5")])
def test_numbers_and_booleans_are_coerced_to_text(app: Any, value: Any, text: str) -> None:
    body = client_for(app).post("/v1/apiKeys", json={"name": value}).json()
    assert body["name"] == text


@pytest.mark.parametrize(
    "raw",
    [b"{bad", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"name": ' + b"[" * 30000 + b"]" * 30000 + b"}"],
    ids=["syntax", "array", "string", "not-utf8", "too-deep"],
)
def test_malformed_json_is_400_before_authentication(fake: FakeApiKeys, raw: bytes) -> None:
    app = create_app(ResourceBackends(api_key=fake), authenticator=KeyAuthenticator("AK", "SK"))
    response = client_for(app).post("/v1/apiKeys", content=raw)
    assert_error(response, 400, "InvalidBodyContent")
    assert not fake.records


def test_large_bodies_are_413(fake: FakeApiKeys) -> None:
    app = create_app(ResourceBackends(api_key=fake), max_body_bytes=64)
    client = client_for(app)
    response = client.post("/v1/apiKeys", json={"description": "x" * 100})
    assert_error(response, 413, "Request Entity Too Large")
    assert client.post("/v1/apiKeys", json={"description": "x" * 10}).status_code == 201


# --- authentication ------------------------------------------------------------------------------
def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        _basic("AK", "wrong"),
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer x"},
        {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()},
    ],
)
@pytest.mark.parametrize("path", ["/v1", "/v1/apiKeys", "/v1/schemas/apikey", "/v1/nope"])
def test_missing_or_wrong_credentials_are_401(
    fake: FakeApiKeys, headers: dict[str, str], path: str
) -> None:
    app = create_app(ResourceBackends(api_key=fake), authenticator=KeyAuthenticator("AK", "SK"))
    response = client_for(app).get(path, headers=headers)
    assert_error(response, 401, "Unauthorized")
    assert response.json()["message"] == "Unauthorized"
    assert response.headers["www-authenticate"] == CHALLENGE


def test_right_credentials_pass(fake: FakeApiKeys) -> None:
    app = create_app(ResourceBackends(api_key=fake), authenticator=KeyAuthenticator("AK", "SK"))
    assert client_for(app).get("/v1/apiKeys", headers=_basic("AK", "SK")).status_code == 200


# --- errors from the backend ----------------------------------------------------------------------
def test_backend_errors_render_as_rancher_errors(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    key = client.post("/v1/apiKeys", json={}).json()["id"]
    assert_error(client.get("/v1/apiKeys/1c999"), 404, "Not Found")
    assert_error(client.put("/v1/apiKeys/1c999", json={}), 404, "Not Found")
    assert_error(client.delete("/v1/apiKeys/1c999"), 404, "Not Found")
    assert_error(client.post("/v1/apiKeys/1c999?action=activate"), 404, "Not Found")
    assert_error(client.delete(f"/v1/apiKeys/{key}"), 405, "Method not allowed")
    assert_error(
        client.post(f"/v1/apiKeys/{key}?action=activate"), 422, "ActionNotAvailable", "action"
    )
    assert_error(client.post(f"/v1/apiKeys/{key}?action=fly"), 422, "InvalidAction", "action")
    assert_error(client.post(f"/v1/apiKeys/{key}?action=update"), 422, "InvalidAction", "action")
    fake.fail_with = ConflictError()
    assert_error(client.get(f"/v1/apiKeys/{key}"), 409, "Conflict")


def test_other_exceptions_are_500_rancher_errors(app: Any, fake: FakeApiKeys) -> None:
    fake.fail_with = RuntimeError("boom")
    response = client_for(app).get("/v1/apiKeys")
    assert_error(response, 500, "Internal Server Error")
    assert "boom" not in response.text


# --- collections ---------------------------------------------------------------------------------
def test_collection_envelope(app: Any, fake: FakeApiKeys) -> None:
    client = client_for(app)
    for index in range(3):
        client.post("/v1/apiKeys", json={"name": f"k{index}"})
    response = client.get("/v1/apiKeys?limit=2&name_prefix=k&sort=name&order=desc&bogus=1")
    body = response.json()
    assert_headers(response)
    assert set(body) == {
        "type",
        "resourceType",
        "links",
        "createTypes",
        "actions",
        "data",
        "sortLinks",
        "pagination",
        "sort",
        "filters",
        "createDefaults",
    }
    assert body["type"] == "collection" and body["resourceType"] == "apiKey"
    assert body["createTypes"] == {} and body["actions"] == {} and body["createDefaults"] == {}
    assert body["links"]["self"].startswith("http://testserver/v1/apikeys?")
    assert len(body["data"]) == 2
    assert set(body["sortLinks"]) == set(API_KEY_FILTERS)
    pagination = body["pagination"]
    assert pagination["first"] is None and pagination["previous"] is None
    assert (
        pagination["total"] is None and pagination["limit"] == 2 and pagination["partial"] is True
    )
    next_query = dict(parse_qsl(urlsplit(pagination["next"]).query))
    assert next_query["marker"] == "m2" and next_query["limit"] == "2"
    assert next_query["name_prefix"] == "k"
    assert body["sort"]["name"] == "name" and body["sort"]["order"] == "desc"
    assert dict(parse_qsl(urlsplit(body["sort"]["reverse"]).query))["order"] == "asc"
    assert set(body["filters"]) == set(API_KEY_FILTERS)
    assert body["filters"]["name"] == [{"modifier": "prefix", "value": "k"}]
    assert body["filters"]["state"] is None
    last = client.get(pagination["next"]).json()
    assert len(last["data"]) == 1 and last["pagination"]["next"] is None
    assert last["pagination"]["partial"] is False


def test_unsorted_collection_has_null_sort(app: Any) -> None:
    body = client_for(app).get("/v1/apiKeys?sort=nope").json()
    assert body["sort"] is None and body["pagination"]["limit"] == 100


def _query(*pairs: tuple[str, str]) -> CollectionQuery:
    return parse_query(API_KEY_SPEC, list(pairs))


def test_query_parsing() -> None:
    assert _query() == CollectionQuery((), None, "asc", 100, 0)
    assert _query(("name", "a")).filters == (Filter("name", "eq", "a"),)
    assert _query(("publicValue_prefix", "AB")).filters == (Filter("publicValue", "prefix", "AB"),)
    # repeated filters are kept (AND), unknown params and unsupported modifiers ignored
    repeated = _query(("name_ne", "a"), ("name_ne", "b"), ("state_like", "x"), ("foo", "1"))
    assert repeated.filters == (Filter("name", "ne", "a"), Filter("name", "ne", "b"))
    assert _query(("removeTime_lt", "x")).filters == (Filter("removeTime", "lt", "x"),)
    assert _query(("name_eq", "a")).filters == (Filter("name", "eq", "a"),)
    assert _query(("sort", "name")).sort == "name"
    assert _query(("sort", "nope")).sort is None
    assert _query(("order", "desc")).order == "desc"
    assert _query(("order", "sideways")).order == "asc"
    assert _query(("limit", "5")).limit == 5
    assert _query(("limit", "0")).limit == 3000
    assert _query(("limit", "-3")).limit == 3000
    assert _query(("limit", "99999")).limit == 3000
    assert _query(("limit", "abc")).limit == 100
    assert _query(("marker", "m40")).offset == 40
    assert _query(("marker", "garbage")).offset == 0
    assert (
        _query(("marker", "m" + "9" * 5000)).offset == 2**62
    )  # past any table, and no int() error
    assert _query(("limit", "9" * 5000)).limit == 3000


def test_backend_receives_the_typed_query(app: Any, fake: FakeApiKeys) -> None:
    client_for(app).get("/v1/apiKeys?id_gt=1c3&limit=7&marker=m7&sort=created")
    assert fake.queries[-1] == CollectionQuery((Filter("id", "gt", "1c3"),), "created", "asc", 7, 7)


def test_enums_and_tables_from_the_spec() -> None:
    assert list(ApiKeyAction) == ["activate", "deactivate", "remove", "purge"]
    assert "updating-active" in list(ApiKeyState)
    assert list(Transitioning) == ["yes", "no", "error"]
    assert API_KEY_FILTERS["accountId"] == ("eq", "ne", "null", "notnull")
    assert json.loads(json.dumps(API_KEY_SPEC.lifecycle.actions_for("inactive"))) == [
        "activate",
        "remove",
    ]
