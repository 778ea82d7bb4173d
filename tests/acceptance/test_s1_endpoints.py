"""Contract section 1: endpoints, the type segment, action URLs, absolute URLs from the request
headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from ._support import (
    Api,
    assert_status,
    describe,
    id_number,
    query_of,
    unique,
)

# --- the endpoint table ---------------------------------------------------------------------------


def test_s1_list_is_200_collection(api: Api) -> None:
    response = api.client.get(api.collection)
    body = assert_status(response, 200)
    assert body["type"] == "collection", describe(response)
    assert body["resourceType"] == "apiKey", describe(response)


def test_s1_create_is_201_the_new_resource(api: Api) -> None:
    name = unique("s1-create")
    response = api.create_response({"name": name})
    body = assert_status(response, 201)
    assert body["type"] == "apiKey", describe(response)
    assert body["name"] == name, describe(response)
    id_number(body["id"])


def test_s1_read_is_200(api: Api) -> None:
    key = api.create(name=unique("s1-read"))
    response = api.client.get(api.url(key["id"]))
    body = assert_status(response, 200)
    assert body["id"] == key["id"], describe(response)
    assert body["type"] == "apiKey", describe(response)


def test_s1_update_is_200(api: Api) -> None:
    key = api.wait(api.create(name=unique("s1-update")))
    new_name = unique("s1-updated")
    response = api.client.put(api.url(key["id"]), json={"name": new_name})
    body = assert_status(response, 200)
    assert body["id"] == key["id"], describe(response)
    assert body["name"] == new_name, describe(response)


def test_s1_delete_is_200_the_resource_removing_or_removed(api: Api) -> None:
    key = api.new_inactive(unique("s1-delete"))
    response = api.client.delete(api.url(key["id"]))
    body = assert_status(response, 200)
    assert body["id"] == key["id"], describe(response)
    assert body["state"] in ("removing", "removed"), describe(response)


def test_s1_action_is_202_the_resource(api: Api) -> None:
    key = api.new_active(unique("s1-action"))
    response = api.client.post(api.url(key["id"]), params={"action": "deactivate"})
    body = assert_status(response, 202)
    assert body["id"] == key["id"], describe(response)
    assert body["type"] == "apiKey", describe(response)
    assert body["state"] in ("deactivating", "inactive"), describe(response)


def test_s1_api_root_links_every_collection(api: Api) -> None:
    response = api.client.get(api.base_url)
    body = assert_status(response, 200)
    links = body["links"]
    assert "schemas" in links, describe(response)
    assert "apiKeys" in links, describe(response)
    for rel, url in links.items():
        assert urlsplit(url).scheme in ("http", "https"), f"link {rel} is not absolute: {url}"
    for rel in ("self", "schemas", "apiKeys"):  # other links MAY exist (section 8): not followed
        followed = api.client.get(links[rel])
        assert followed.status_code == 200, f"link {rel}: {describe(followed)}"
    keys = api.client.get(links["apiKeys"]).json()
    assert keys["type"] == "collection" and keys["resourceType"] == "apiKey", keys
    schemas = api.client.get(links["schemas"]).json()
    assert schemas["type"] == "collection", schemas


@pytest.mark.parametrize("path", ["/schemas", "/schemas/apikey"])
def test_s1_schemas_are_200(api: Api, path: str) -> None:
    response = api.client.get(api.base_url + path)
    assert_status(response, 200)


# --- the type segment -----------------------------------------------------------------------------

SEGMENTS = ["apiKeys", "apikeys", "apiKey", "apikey", "APIKEYS", "ApiKey"]


@pytest.mark.parametrize("segment", SEGMENTS)
def test_s1_type_segment_case_insensitive_singular_or_plural(api: Api, segment: str) -> None:
    name = unique("s1-segment")
    created = api.client.post(f"{api.base_url}/{segment}", json={"name": name})
    key = assert_status(created, 201)
    listed = api.client.get(f"{api.base_url}/{segment}", params={"name": name})
    body = assert_status(listed, 200)
    assert body["resourceType"] == "apiKey", describe(listed)
    assert [item["id"] for item in body["data"]] == [key["id"]], describe(listed)
    read = api.client.get(f"{api.base_url}/{segment}/{key['id']}")
    assert assert_status(read, 200)["id"] == key["id"], describe(read)
    api.wait(key)
    updated = api.client.put(f"{api.base_url}/{segment}/{key['id']}", json={"description": segment})
    assert assert_status(updated, 200)["description"] == segment, describe(updated)
    acted = api.client.post(f"{api.base_url}/{segment}/{key['id']}?action=deactivate")
    assert_status(acted, 202)
    api.wait(key)
    deleted = api.client.delete(f"{api.base_url}/{segment}/{key['id']}")
    assert assert_status(deleted, 200)["state"] in ("removing", "removed"), describe(deleted)


# --- action URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("slash", [True, False], ids=["with-slash", "without-slash"])
def test_s1_action_accepted_with_and_without_slash_before_query(api: Api, slash: bool) -> None:
    key = api.new_active(unique("s1-slash"))
    response = api.client.post(api.action_url(key["id"], "deactivate", slash=slash))
    assert assert_status(response, 202)["state"] in ("deactivating", "inactive"), describe(response)
    assert api.wait(key)["state"] == "inactive"
    response = api.client.post(api.action_url(key["id"], "activate", slash=slash))
    assert assert_status(response, 202)["state"] in ("activating", "active"), describe(response)
    assert api.wait(key)["state"] == "active"


def test_s1_action_links_name_the_key_and_the_action(api: Api) -> None:
    key = api.create(name=unique("s1-links"))
    for state_key in (key, api.wait(key), api.new_inactive(unique("s1-links"))):
        assert state_key["actions"], state_key
        for name, url in state_key["actions"].items():
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https") and parts.netloc, url
            path = parts.path.rstrip("/")
            segment, _, key_id = path.rpartition("/")
            assert key_id == state_key["id"], url
            assert segment.lower().endswith("/v1/apikeys") or segment.lower().endswith(
                "/v1/apikey"
            ), url
            assert ("action", name) in query_of(url), url


def test_s1_links_followed_reach_the_same_key(api: Api) -> None:
    """Rancher emits lowercase links (`/v1/apikeys/1c5`); whatever a server emits must work."""
    key = api.wait(api.create(name=unique("s1-follow")))
    response = api.client.get(key["links"]["self"])
    assert assert_status(response, 200)["id"] == key["id"]
    collection = api.list({"name": key["name"]})
    response = api.client.get(collection["links"]["self"])
    assert assert_status(response, 200)["type"] == "collection"


# --- absolute URLs from Host / X-Forwarded-* ------------------------------------------------------


def _all_urls(body: Any) -> list[str]:
    """Every URL a response object carries: links, actions, sortLinks, pagination, sort.reverse."""
    urls: list[str] = []
    if isinstance(body, dict):
        for key in ("links", "actions", "sortLinks"):
            if isinstance(body.get(key), dict):
                urls.extend(v for v in body[key].values() if isinstance(v, str))
        pagination = body.get("pagination")
        if isinstance(pagination, dict) and pagination.get("next"):
            urls.append(pagination["next"])
        if isinstance(body.get("sort"), dict):
            urls.append(body["sort"]["reverse"])
        for item in body.get("data") or []:
            urls.extend(_all_urls(item))
    return urls


HEADER_CASES = {
    "host": ({"Host": "api.example.test:8123"}, "http://api.example.test:8123"),
    "host-no-port": ({"Host": "api.example.test"}, "http://api.example.test"),
    "forwarded-proto-and-host": (
        {
            "Host": "internal:9000",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "public.example.test",
        },
        "https://public.example.test",
    ),
    "forwarded-host-with-port": (
        {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example.test:8443"},
        "https://public.example.test:8443",
    ),
    "forwarded-proto-only": (
        {"Host": "api.example.test:8123", "X-Forwarded-Proto": "https"},
        "https://api.example.test:8123",
    ),
}


@pytest.mark.parametrize("case", list(HEADER_CASES))
def test_s1_urls_absolute_from_host_and_forwarded_headers(api: Api, case: str) -> None:
    headers, expected_root = HEADER_CASES[case]
    key = api.wait(api.create(name=unique("s1-host")))
    requests = [
        ("GET", api.base_url, None),
        ("GET", api.collection + f"?name={key['name']}&sort=name&limit=1", None),
        ("GET", api.url(key["id"]), None),
        ("PUT", api.url(key["id"]), {"description": case}),
        ("POST", api.collection, {"name": unique("s1-host")}),
        ("GET", api.base_url + "/schemas/apikey", None),
    ]
    for method, url, body in requests:
        response = api.client.request(method, url, headers=headers, json=body)
        assert response.status_code in (200, 201), describe(response)
        urls = _all_urls(response.json())
        assert urls, describe(response)
        for found in urls:
            assert found.startswith(expected_root + "/v1"), (
                f"{case}: {found!r} not built from the request headers ({expected_root}): "
                f"{describe(response)}"
            )
        assert response.headers.get("x-api-schemas") == expected_root + "/v1/schemas", (
            f"{case}: X-API-Schemas {response.headers.get('x-api-schemas')!r}"
        )


def test_s1_urls_absolute_from_the_real_host(api: Api) -> None:
    key = api.wait(api.create(name=unique("s1-real-host")))
    assert key["links"]["self"].startswith(api.root + "/v1/"), key["links"]
    for url in key["actions"].values():
        assert url.startswith(api.root + "/v1/"), url
