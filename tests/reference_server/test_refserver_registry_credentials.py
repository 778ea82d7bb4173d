"""registryCredential and the registry it references, served by the generic backend: a real server
over loopback, requests as a client sends them (contract: registrycredential-contract.md)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import cattle
import httpx
import pytest
from refserver_support import unique

from rancher_contract.reference_server.testing import RunningServer, running_server

RC = "/registryCredentials"
REG = "/registries"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, auth=server.auth, timeout=30) as client:
        yield client


def settled(http: httpx.Client, url: str) -> dict[str, Any]:
    """GET until the resource leaves its transitioning state (transitions are lazy: at once)."""
    for _ in range(50):
        body: dict[str, Any] = http.get(url).json()
        if body["transitioning"] == "no":
            return body
        time.sleep(0.02)
    raise AssertionError(f"{url} still transitioning")


def new_registry(http: httpx.Client, address: str | None = None) -> dict[str, Any]:
    response = http.post(REG, json={"serverAddress": address or unique("reg") + ".example"})
    assert response.status_code == 201, response.text
    return settled(http, response.json()["links"]["self"])


def new_credential(http: httpx.Client, registry_id: str, **fields: Any) -> dict[str, Any]:
    body = {"registryId": registry_id, "email": "ci@example.com", **fields}
    response = http.post(RC, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def error(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error" and body["code"] == code, body
    if field is not None:
        assert body.get("fieldName") == field, body


# -- create / read / update / delete / actions -----------------------------------------------------


def test_the_lifecycle_of_a_credential(http: httpx.Client) -> None:
    registry = new_registry(http)
    created = new_credential(
        http, registry["id"], name="pull", publicValue="puller", secretValue="s3cr3t"
    )
    assert created["type"] == created["kind"] == "registryCredential"
    assert created["baseType"] == "credential" and created["id"].startswith("1c")
    assert created["registryId"] == registry["id"] and created["email"] == "ci@example.com"
    assert created["publicValue"] == "puller"  # written by the client, not generated
    assert created["secretValue"] in ("s3cr3t", None)  # the create MAY echo it
    assert created["state"] == "registering"
    url = created["links"]["self"]
    assert url.endswith(f"/v1/registrycredentials/{created['id']}")
    active = settled(http, url)
    assert active["state"] == "active" and active["secretValue"] is None
    assert active["links"]["registry"].endswith(f"/v1/registrycredentials/{created['id']}/registry")
    assert set(active["actions"]) == {"deactivate"}
    error(http.delete(url), 405, "Method not allowed")  # active: deactivate first
    inactive = http.post(active["actions"]["deactivate"])
    assert inactive.status_code == 202 and inactive.json()["secretValue"] is None
    inactive_body = settled(http, url)
    assert inactive_body["state"] == "inactive"
    # PUT in any state; never changes the state
    put = http.put(url, json={"publicValue": "p2", "email": "new@example.com", "secretValue": "x"})
    assert put.status_code == 200
    assert put.json()["publicValue"] == "p2" and put.json()["email"] == "new@example.com"
    assert put.json()["secretValue"] is None and put.json()["state"] == "inactive"
    deleted = http.delete(url)
    assert deleted.status_code == 200 and deleted.json()["secretValue"] is None
    assert settled(http, url)["state"] == "removed"
    assert created["id"] not in [c["id"] for c in http.get(RC).json()["data"]]  # hidden
    purged = http.post(url + "?action=purge")
    assert purged.status_code == 202
    assert settled(http, url)["state"] == "purged"
    error(http.post(url + "?action=activate"), 422, "ActionNotAvailable", "action")
    error(http.post(url + "?action=fly"), 422, "InvalidAction", "action")


def test_secret_value_is_null_on_get_list_put_and_delete(http: httpx.Client) -> None:
    registry = new_registry(http)
    created = new_credential(http, registry["id"], publicValue="u", secretValue="hidden-value")
    url = created["links"]["self"]
    assert http.get(url).json()["secretValue"] is None
    listed = http.get(RC, params={"registryId": registry["id"]}).json()["data"]
    assert [c["secretValue"] for c in listed] == [None]
    assert http.put(url, json={"name": "n"}).json()["secretValue"] is None
    settled(http, url)
    http.post(url + "?action=deactivate")
    settled(http, url)
    assert http.delete(url).json()["secretValue"] is None


# -- validation ------------------------------------------------------------------------------------


def test_required_fields_answer_missing_required(http: httpx.Client) -> None:
    registry = new_registry(http)
    response = http.post(RC, json={})
    error(response, 422, "MissingRequired")
    assert response.json()["fieldName"] in ("registryId", "email")
    error(http.post(RC, json={"email": "a@b"}), 422, "MissingRequired", "registryId")
    error(http.post(RC, json={"registryId": registry["id"]}), 422, "MissingRequired", "email")
    error(http.post(REG, json={"name": "x"}), 422, "MissingRequired", "serverAddress")


@pytest.mark.parametrize("value", ["1sp999999", "nonsense", 5, "1c1", "1SP"])
def test_a_registry_id_that_does_not_resolve_is_invalid_reference(
    http: httpx.Client, value: Any
) -> None:
    error(
        http.post(RC, json={"registryId": value, "email": "a@b"}),
        422,
        "InvalidReference",
        "registryId",
    )


def test_another_kinds_id_is_no_registry(http: httpx.Client) -> None:
    registry = new_registry(http)
    credential = new_credential(http, registry["id"])
    # a credential's own number written with the registry prefix names no registry of that number
    number = int(credential["id"][2:])
    if number != int(registry["id"][3:]):
        error(
            http.post(RC, json={"registryId": f"1sp{number}", "email": "a@b"}),
            422,
            "InvalidReference",
            "registryId",
        )


def test_null_and_empty_values(http: httpx.Client) -> None:
    registry = new_registry(http)
    missing = {"registryId": None, "email": "a@b"}
    error(http.post(RC, json=missing), 422, "NotNullable", "registryId")
    error(
        http.post(RC, json={"registryId": registry["id"], "email": None}),
        422,
        "NotNullable",
        "email",
    )
    error(
        http.post(RC, json={"registryId": registry["id"], "email": ""}),
        422,
        "MinLengthExceeded",
        "email",
    )
    credential = new_credential(http, registry["id"])
    url = credential["links"]["self"]
    error(http.put(url, json={"email": None}), 422, "NotNullable", "email")
    error(http.put(url, json={"email": ""}), 422, "MinLengthExceeded", "email")
    error(
        http.post(RC, json={"registryId": registry["id"], "email": "a", "secretValue": "x" * 4097}),
        422,
        "MaxLengthExceeded",
        "secretValue",
    )
    error(http.post(REG, json={"serverAddress": ""}), 422, "MinLengthExceeded", "serverAddress")


def test_registry_id_is_ignored_on_put(http: httpx.Client) -> None:
    first, second = new_registry(http), new_registry(http)
    credential = new_credential(http, first["id"])
    put = http.put(credential["links"]["self"], json={"registryId": second["id"], "name": "n"})
    assert put.status_code == 200 and put.json()["registryId"] == first["id"]
    assert put.json()["name"] == "n"
    # and on a registry, serverAddress is create-only
    put = http.put(first["links"]["self"], json={"serverAddress": "other.example"})
    assert put.status_code == 200 and put.json()["serverAddress"] == first["serverAddress"]


# -- collections -----------------------------------------------------------------------------------


def test_the_registry_id_filter_works_and_email_is_no_filter(http: httpx.Client) -> None:
    first, second = new_registry(http), new_registry(http)
    a = new_credential(http, first["id"], email="a@example.com")
    b = new_credential(http, first["id"], email="b@example.com")
    c = new_credential(http, second["id"], email="a@example.com")
    ids = [x["id"] for x in http.get(RC, params={"registryId": first["id"]}).json()["data"]]
    assert ids == [a["id"], b["id"]]
    ids = [x["id"] for x in http.get(RC, params={"registryId": second["id"]}).json()["data"]]
    assert ids == [c["id"]]
    by_email = http.get(RC, params={"email": "a@example.com"}).json()
    assert {a["id"], b["id"], c["id"]} <= {x["id"] for x in by_email["data"]}  # ignored
    assert http.get(RC, params={"sort": "email"}).json()["sort"] is None


def test_by_id_lookups_are_kind_checked(http: httpx.Client) -> None:
    registry = new_registry(http)
    credential = new_credential(http, registry["id"])
    key = http.post("/apiKeys", json={"name": unique("k")}).json()
    # one id sequence: the two kinds' ids interleave
    assert int(key["id"][2:]) > int(credential["id"][2:])
    error(http.get(f"/apiKeys/{credential['id']}"), 404, "Not Found")
    error(http.get(f"{RC}/{key['id']}"), 404, "Not Found")
    error(http.put(f"{RC}/{key['id']}", json={"name": "x"}), 404, "Not Found")
    error(http.delete(f"/apiKeys/{credential['id']}"), 404, "Not Found")
    error(http.post(f"{RC}/{key['id']}?action=deactivate"), 404, "Not Found")
    assert key["id"] not in [x["id"] for x in http.get(RC, params={"limit": 3000}).json()["data"]]
    listed_keys = http.get("/apiKeys", params={"limit": 3000}).json()["data"]
    assert credential["id"] not in [x["id"] for x in listed_keys]
    error(http.get(f"{REG}/{credential['id']}"), 404, "Not Found")


# -- the registry: unique address, lifecycle, cascade ----------------------------------------------


def test_server_address_is_unique_case_insensitively_among_registries_not_removed(
    http: httpx.Client,
) -> None:
    address = unique("dup") + ".example"
    registry = new_registry(http, address)
    error(http.post(REG, json={"serverAddress": address.upper()}), 400, "ServerAddressUsed")
    url = registry["links"]["self"]
    assert http.post(url + "?action=deactivate").status_code == 202
    settled(http, url)
    assert http.delete(url).status_code == 200
    assert settled(http, url)["state"] == "removed"
    again = http.post(REG, json={"serverAddress": address})  # removed: the address is free
    assert again.status_code == 201, again.text


def test_a_registry_is_restored(http: httpx.Client) -> None:
    registry = new_registry(http)
    url = registry["links"]["self"]
    error(http.delete(url), 405, "Method not allowed")  # active
    http.post(url + "?action=deactivate")
    settled(http, url)
    http.delete(url)
    removed = settled(http, url)
    assert removed["state"] == "removed" and removed["removed"] is not None
    assert set(removed["actions"]) == {"purge", "restore"}
    assert http.post(url + "?action=restore").json()["state"] == "restoring"
    restored = settled(http, url)
    assert restored["state"] == "inactive" and restored["removed"] is None
    assert registry["id"] in [r["id"] for r in http.get(REG, params={"limit": 3000}).json()["data"]]


def test_purging_a_registry_removes_its_credentials(http: httpx.Client) -> None:
    registry, other = new_registry(http), new_registry(http)
    active = new_credential(http, registry["id"])
    settled(http, active["links"]["self"])
    inactive = new_credential(http, registry["id"])
    http.post(inactive["links"]["self"] + "?action=deactivate")
    elsewhere = new_credential(http, other["id"])
    url = registry["links"]["self"]
    http.post(url + "?action=deactivate")
    settled(http, url)
    http.delete(url)
    settled(http, url)
    # removing the registry alone does not touch its credentials
    assert settled(http, active["links"]["self"])["state"] == "active"
    assert http.post(url + "?action=purge").status_code == 202
    assert settled(http, url)["state"] == "purged"
    for credential in (active, inactive):
        assert settled(http, credential["links"]["self"])["state"] == "removed"
    assert settled(http, elsewhere["links"]["self"])["state"] == "active"


# -- authentication --------------------------------------------------------------------------------


def test_a_credentials_own_values_never_authenticate(
    server: RunningServer, http: httpx.Client
) -> None:
    registry = new_registry(http)
    credential = new_credential(http, registry["id"], publicValue="user1", secretValue="pass1")
    assert settled(http, credential["links"]["self"])["state"] == "active"
    token = base64.b64encode(b"user1:pass1").decode()
    with httpx.Client(base_url=server.base_url, timeout=30) as anonymous:
        for path in ("/apiKeys", RC, REG):
            response = anonymous.get(path, headers={"Authorization": f"Basic {token}"})
            error(response, 401, "Unauthorized")


def test_the_cattle_client_works_with_registry_credentials(server: RunningServer) -> None:
    client = cattle.Client(
        url=server.base_url,
        access_key=server.access_key,
        secret_key=server.secret_key,
        cache=False,
    )
    registry = client.wait_success(client.create_registry(serverAddress=unique("c") + ".example"))
    assert registry.state == "active" and registry.id.startswith("1sp")
    credential = client.create_registryCredential(
        registryId=registry.id, email="c@example.com", publicValue="u", secretValue="p"
    )
    credential = client.wait_success(credential)
    assert credential.state == "active" and credential.secretValue is None
    assert credential.registryId == registry.id
    assert [c.id for c in client.list_registryCredential(registryId=registry.id)] == [credential.id]
    credential = client.wait_success(credential.deactivate())
    credential = client.wait_success(client.delete(credential))
    assert credential.state == "removed"
