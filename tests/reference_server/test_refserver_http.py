"""The contract end to end, over HTTP through the generated stubs, against a real uvicorn server."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
from refserver_support import unique

from rancher_contract.reference_server.testing import RunningServer, running_server

REALM = 'Basic realm="Enter API access key and secret key as username and password"'


def wait(http: httpx.Client, key: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        key = http.get(key["links"]["self"]).json()
        if key["transitioning"] != "yes":
            return key
        assert time.monotonic() < deadline, f"{key['id']} stuck in {key['state']}"
        time.sleep(0.02)


def new_key(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/apiKeys", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def action(http: httpx.Client, key: dict[str, Any], name: str) -> httpx.Response:
    return http.post(f"/apiKeys/{key['id']}", params={"action": name})


def assert_error(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-api-schemas"].endswith("/v1/schemas")
    body: dict[str, Any] = response.json()
    assert body["type"] == "error" and body["baseType"] == "error"
    assert (body["status"], body["code"]) == (status, code)
    assert body["links"] == {} and body["actions"] == {} and "id" in body and "detail" in body
    if field is not None:
        assert body["fieldName"] == field and body["message"] is None
    else:
        assert body["message"] == code
    return body


def test_create_read_and_the_fields(http: httpx.Client, server: RunningServer) -> None:
    name = unique("create")
    response = http.post(
        "/apiKeys",
        json={
            "name": name,
            "description": "d",
            "state": "inactive",
            "publicValue": "X",
            "kind": "nope",
            "id": "1c999",
            "junk": 1,
        },
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-api-schemas"] == f"{server.root_url}/v1/schemas"
    key = response.json()
    assert (key["type"], key["baseType"], key["kind"]) == ("apiKey", "credential", "apiKey")
    assert (key["state"], key["transitioning"], key["transitioningMessage"]) == (
        "registering",
        "yes",
        "In Progress",
    )
    assert set(key["actions"]) == {"activate", "deactivate", "remove"}
    assert key["actions"]["remove"] == f"{server.root_url}/v1/apikeys/{key['id']}/?action=remove"
    assert key["links"]["self"] == f"{server.root_url}/v1/apikeys/{key['id']}"
    assert re.fullmatch(r"1c[0-9]+", key["id"]) and re.fullmatch(
        r"[0-9A-F]{20}", key["publicValue"]
    )
    assert len(key["secretValue"]) == 40 and uuid.UUID(key["uuid"]).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", key["created"])
    assert key["createdTS"] % 1000 == 0 and abs(key["createdTS"] / 1000 - time.time()) < 60
    assert (
        key["accountId"] is None and key["removed"] is None and key["transitioningProgress"] is None
    )
    assert (key["name"], key["description"]) == (name, "d")
    done = wait(http, key)
    assert (done["state"], done["transitioning"], done["transitioningMessage"]) == (
        "active",
        "no",
        None,
    )
    assert done["secretValue"] is None and set(done["actions"]) == {"deactivate"}
    assert new_key(http)["name"] is None  # {} creates a key
    assert http.post("/apiKeys", content=b"").status_code == 201


def test_type_segment_variants(http: httpx.Client) -> None:
    key = new_key(http)
    for segment in ("apiKeys", "apikeys", "apiKey", "APIKEYS"):
        assert http.get(f"/{segment}/{key['id']}").status_code == 200
        assert http.get(f"/{segment}").status_code == 200
    assert action(http, wait(http, key), "deactivate").status_code == 202
    assert http.post(f"/apikeys/{key['id']}/", params={"action": "activate"}).status_code in (
        202,
        422,
    )


def test_actions_and_delete(http: httpx.Client, server: RunningServer) -> None:
    key = wait(http, new_key(http, name=unique("life")))
    assert_error(action(http, key, "activate"), 422, "ActionNotAvailable", "action")
    assert_error(action(http, key, "purge"), 422, "ActionNotAvailable", "action")
    assert_error(action(http, key, "explode"), 422, "InvalidAction", "action")
    assert_error(http.delete(key["links"]["self"]), 405, "Method not allowed")
    assert wait(http, key)["state"] == "active"
    response = action(http, key, "deactivate")
    assert response.status_code == 202 and response.json()["state"] == "deactivating"
    assert response.json()["transitioning"] == "yes"
    key = wait(http, key)
    assert key["state"] == "inactive" and set(key["actions"]) == {"activate", "remove"}
    response = http.delete(key["links"]["self"])
    assert response.status_code == 200 and response.json()["state"] in ("removing", "removed")
    key = wait(http, key)
    assert key["state"] == "removed" and key["removed"] and isinstance(key["removedTS"], int)
    assert set(key["actions"]) == {"purge"}
    assert http.delete(key["links"]["self"]).json() == key  # already removed: 200 unchanged
    listed = http.get("/apiKeys", params={"name": key["name"]}).json()["data"]
    assert listed == []
    purged = action(http, key, "purge")
    assert purged.status_code == 202 and purged.json()["state"] == "purging"
    key = wait(http, key)
    assert key["state"] == "purged" and key["actions"] == {} and key["removed"]
    assert http.delete(key["links"]["self"]).status_code == 200
    for method, path in (
        ("GET", "/apiKeys/1c999999"),
        ("PUT", "/apiKeys/1c999999"),
        ("DELETE", "/apiKeys/1c999999"),
        ("GET", "/foos"),
        ("GET", "/apiKeys/nonsense"),
    ):
        assert_error(http.request(method, path, json={}), 404, "Not Found")
    assert_error(http.post("/apiKeys/1c999999", params={"action": "deactivate"}), 404, "Not Found")


def test_update(http: httpx.Client) -> None:
    key = wait(http, new_key(http, name="before", description="kept"))
    response = http.put(
        key["links"]["self"], json={"name": "after", "state": "inactive", "secretValue": "x"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["state"], body["secretValue"]) == (
        "after",
        "kept",
        "active",
        None,
    )
    assert http.put(key["links"]["self"], json={"description": None}).json()["description"] is None
    action(http, key, "deactivate")
    key = wait(http, key)
    assert http.put(key["links"]["self"], json={"name": "x"}).json()["state"] == "inactive"
    assert_error(
        http.put(key["links"]["self"], json={"name": "n" * 256}), 422, "MaxLengthExceeded", "name"
    )
    assert_error(
        http.put(key["links"]["self"], json={"description": "d" * 1025}),
        422,
        "MaxLengthExceeded",
        "description",
    )
    assert_error(http.post("/apiKeys", json={"name": {"a": 1}}), 422, "InvalidFormat", "name")
    assert_error(http.post("/apiKeys", json={"name": ["a"]}), 422, "InvalidFormat", "name")
    assert_error(
        http.post(
            "/apiKeys", content=b'{"name": "\\ud800"}', headers={"content-type": "application/json"}
        ),
        422,
        "InvalidFormat",
        "name",
    )
    assert (
        http.post("/apiKeys", json={"name": "n" * 255, "description": "d" * 1024}).status_code
        == 201
    )


def test_errors_and_headers(http: httpx.Client, server: RunningServer) -> None:
    response = httpx.post(
        f"{server.base_url}/apiKeys", content=b"{not json"
    )  # no credentials: 400 first
    assert response.status_code == 400 and response.json()["code"] == "InvalidBodyContent"
    assert_error(http.request("PATCH", "/apiKeys/1c1", json={}), 405, "Method not allowed")
    assert_error(http.put("/apiKeys", json={}), 405, "Method not allowed")
    assert_error(http.delete("/apiKeys"), 405, "Method not allowed")
    assert_error(http.post("/apiKeys/1c1", json={}), 405, "Method not allowed")
    big = http.post(
        "/apiKeys", content=b'{"name": "' + b"x" * (server.settings.max_body_bytes + 10) + b'"}'
    )
    assert big.status_code == 413 and big.json()["type"] == "error" and big.json()["status"] == 413
    root = http.get("")
    assert root.status_code == 200 and {"self", "schemas", "apiKeys"} <= set(root.json()["links"])
    schema = http.get("/schemas/apikey").json()
    assert schema["collectionMethods"] == ["GET", "POST"] and schema["resourceMethods"] == [
        "GET",
        "PUT",
        "DELETE",
    ]
    assert http.get("/schemas").json()["type"] == "collection"


def test_authentication(server: RunningServer, http: httpx.Client) -> None:
    url = f"{server.base_url}/apiKeys"
    for auth in (None, ("0" * 20, "x" * 40), (server.access_key or "", "wrong")):
        response = httpx.get(url, auth=auth)
        assert_error(response, 401, "Unauthorized")
        assert response.headers["www-authenticate"] == REALM
    assert httpx.get(url, headers={"Authorization": "Basic !!!"}).status_code == 401
    assert httpx.get(server.base_url, headers={"Authorization": "Bearer x"}).status_code == 401
    key = new_key(http)
    mine = (key["publicValue"], key["secretValue"])
    key = wait(http, key)
    assert httpx.get(url, auth=mine).status_code == 200
    action(http, key, "deactivate")
    wait(http, key)
    assert httpx.get(url, auth=mine).status_code == 401
    action(http, key, "activate")
    wait(http, key)
    assert httpx.get(url, auth=mine).status_code == 200
    action(http, key, "deactivate")
    http.delete(wait(http, key)["links"]["self"])
    wait(http, key)
    assert httpx.get(url, auth=mine).status_code == 401


def test_a_key_in_a_transition_does_not_authenticate() -> None:
    with (
        running_server(transition_delay=0.5) as slow,
        httpx.Client(base_url=slow.base_url, auth=slow.auth) as http,
    ):
        key = new_key(http)
        mine = (key["publicValue"], key["secretValue"])
        assert httpx.get(slow.base_url, auth=mine).status_code == 401  # registering
        assert http.get(key["links"]["self"]).json()["state"] == "registering"
        key = wait(http, key)
        assert key["state"] == "active" and httpx.get(slow.base_url, auth=mine).status_code == 200
        response = action(http, key, "deactivate")
        assert response.json()["state"] == "deactivating"
        assert_error(action(http, key, "deactivate"), 422, "ActionNotAvailable", "action")
        assert_error(http.delete(key["links"]["self"]), 405, "Method not allowed")


def test_collection_envelope_filters_sort_and_pages(
    http: httpx.Client, server: RunningServer
) -> None:
    prefix = unique("page")
    made = [new_key(http, name=f"{prefix}-{i % 4}", description=f"{i}") for i in range(11)]
    params = {"name_prefix": prefix, "sort": "name", "order": "desc", "limit": "3", "junk": "1"}
    first = http.get("/apiKeys", params=params)
    assert first.status_code == 200
    page = first.json()
    assert (page["type"], page["resourceType"]) == ("collection", "apiKey")
    assert page["createTypes"] == {} and page["actions"] == {} and page["createDefaults"] == {}
    assert (
        page["sort"]["name"] == "name"
        and page["sort"]["order"] == "desc"
        and "order=asc" in page["sort"]["reverse"]
    )
    assert (
        page["filters"]["name"] == [{"modifier": "prefix", "value": prefix}]
        and page["filters"]["state"] is None
    )
    assert (
        {"registryId", "removeTime", "id", "publicValue"}
        <= set(page["filters"])
        <= set(page["sortLinks"]) | {""}
    )
    assert page["pagination"]["partial"] is True and page["pagination"]["limit"] == 3
    seen = [k["id"] for k in page["data"]]
    while page["pagination"]["next"]:
        page = http.get(page["pagination"]["next"]).json()
        seen += [k["id"] for k in page["data"]]
    assert page["pagination"]["partial"] is False
    expected = [
        k["id"] for k in sorted(made, key=lambda k: (k["name"], int(k["id"][2:])), reverse=True)
    ]
    assert seen == expected
    ids = sorted(int(k["id"][2:]) for k in made)
    got = http.get(
        "/apiKeys", params={"name_prefix": prefix, "id_gt": f"1c{ids[5]}", "limit": "x"}
    ).json()
    assert [int(k["id"][2:]) for k in got["data"]] == ids[6:] and got["pagination"]["limit"] == 100
    assert http.get("/apiKeys", params={"limit": "99999"}).json()["pagination"]["limit"] == 3000
    assert http.get("/apiKeys", params={"limit": "-1"}).json()["pagination"]["limit"] == 3000
    assert http.get("/apiKeys", params={"sort": "nope"}).json()["sort"] is None
    assert (
        http.get("/apiKeys", params={"sort": "name", "order": "sideways"}).json()["sort"]["order"]
        == "asc"
    )
    like = http.get(
        "/apiKeys", params={"name_like": f"{prefix}-_", "description_notlike": "1%"}
    ).json()["data"]
    assert sorted(k["description"] for k in like) == sorted(
        str(i) for i in range(11) if not str(i).startswith("1")
    )
    assert (
        http.get("/apiKeys", params={"name": f"{prefix}-1", "name_ne": f"{prefix}-1"}).json()[
            "data"
        ]
        == []
    )
    assert (
        len(
            http.get("/apiKeys", params={"name_prefix": prefix, "registryId_null": ""}).json()[
                "data"
            ]
        )
        == 11
    )
    assert (
        http.get("/apiKeys", params={"name_prefix": prefix, "removeTime_notnull": "1"}).json()[
            "data"
        ]
        == []
    )
    assert (
        http.get("/apiKeys", params={"name_prefix": prefix, "accountId_ne": "1a5"}).json()["data"]
        == []
    )


def test_no_auth_mode() -> None:
    with running_server(auth=False) as open_server:
        assert open_server.access_key is None
        assert httpx.get(f"{open_server.base_url}/apiKeys").status_code == 200
        assert httpx.post(f"{open_server.base_url}/apiKeys", json={}).status_code == 201


def test_forwarded_headers_build_the_links(http: httpx.Client) -> None:
    key = new_key(http)
    body = http.get(
        f"/apiKeys/{key['id']}",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rancher.example"},
    ).json()
    assert body["links"]["self"] == f"https://rancher.example/v1/apikeys/{key['id']}"


def test_inputs_the_stubs_alone_answer_500_for(http: httpx.Client, server: RunningServer) -> None:
    """Worked around in reference_server.app (see _StubWorkarounds); no 5xx for any input."""
    deep = httpx.post(f"{server.base_url}/apiKeys", content=b"[" * 30000)  # no credentials
    assert deep.status_code == 400 and deep.json()["code"] == "InvalidBodyContent"
    nested = http.post("/apiKeys", content=b'{"name": ' + b"[" * 30000 + b"]" * 30000 + b"}")
    assert nested.status_code in (400, 413)
    assert http.put("/apiKeys/1c1", content=b"{" * 20000).status_code == 400
    page = http.get("/apiKeys", params={"marker": "m" + "9" * 5000})
    assert page.status_code == 200 and page.json()["data"] == []
    for name in ("id_lt", "created", "removed_gte"):
        assert http.get("/apiKeys", params={name: "1c" + "9" * 5000}).status_code == 200
    assert http.get("/apiKeys/1c" + "9" * 5000).status_code == 404


def test_build_app_in_process() -> None:
    """`build_app(settings)`: the whole server as an ASGI app (no socket), for ASGITransport."""
    import asyncio

    from rancher_contract.reference_server.app import build_app
    from rancher_contract.reference_server.settings import Settings

    access, secret = "ABCDEF0123456789ABCD", "x" * 40
    app = build_app(Settings(db=":memory:", access_key=access, secret_key=secret))

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rancher.test") as client:
            assert (await client.get("/v1/apiKeys")).status_code == 401
            created = await client.post("/v1/apiKeys", json={"name": "asgi"}, auth=(access, secret))
            assert created.status_code == 201
            assert created.json()["links"]["self"].startswith("http://rancher.test/v1/apikeys/")

    asyncio.run(scenario())
