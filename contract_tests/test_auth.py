"""Contract section 4 (authentication) and the secret of section 2."""

from __future__ import annotations

from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api, Credentials
from rancher_contract.contract_tests.rules import ContractViolation

pytestmark = pytest.mark.usefixtures("auth_on")


def _urls(api: Api) -> list[str]:
    return [api.target.url, api.collection, f"{api.target.url}/schemas/apikey"]


@pytest.mark.contract("4.challenge")
def test_missing_credentials_are_401_with_challenge(api: Api) -> None:
    """§4: without credentials every request answers 401 Unauthorized with the Basic challenge."""
    api.links()
    for url in _urls(api):
        api.get(url, credentials=None).expect_error("4.challenge", 401, "Unauthorized")
    api.post(api.collection, json={}, credentials=None).expect_error(
        "4.challenge", 401, "Unauthorized"
    )


@pytest.mark.contract("4.challenge")
def test_wrong_credentials_are_401(api: Api) -> None:
    """§4: a wrong secret or an unknown access key answers 401."""
    assert api.bootstrap is not None
    wrong_secret = Credentials(
        api.bootstrap.access_key,
        api.bootstrap.secret_key[:-1] + ("x" if api.bootstrap.secret_key[-1] != "x" else "y"),
    )
    unknown = Credentials("0" * 20, "x" * 40)
    api.links()
    for creds in (wrong_secret, unknown):
        api.get(api.collection, credentials=creds).expect_error("4.challenge", 401, "Unauthorized")
    api.request(
        "GET", api.collection, headers={"Authorization": "Bearer abc"}, credentials=None
    ).expect_error("4.challenge", 401, "Unauthorized")


def _creds(created: dict[str, Any]) -> Credentials:
    return Credentials(created["publicValue"], created["secretValue"])


def _works(api: Api, creds: Credentials) -> bool:
    reply = api.get(api.collection, credentials=creds, params={"limit": "1"})
    reply.expect("4.active-only", 200, 401)
    return reply.status == 200


@pytest.mark.contract("4.active-only")
def test_key_authenticates_only_while_active(api: Api, prefix: str) -> None:
    """§4: a created key works with its secret; deactivated or removed it answers 401; activated it
    works.
    """
    created = api.create({"name": f"{prefix}auth"}).expect("1.success-status", 201).body
    creds = _creds(created)
    key = api.wait(created)
    if not _works(api, creds):
        raise ContractViolation(
            "4.active-only", f"the active key {key['id']} does not authenticate"
        )
    api.post(api.action_url(key, "deactivate")).expect("3.action-result", 202)
    key = api.wait(api.get(key["links"]["self"]).body)
    if _works(api, creds):
        raise ContractViolation(
            "4.active-only", f"the deactivated key {key['id']} ({key['state']}) still authenticates"
        )
    api.post(api.action_url(key, "activate")).expect("3.action-result", 202)
    key = api.wait(api.get(key["links"]["self"]).body)
    if not _works(api, creds):
        raise ContractViolation(
            "4.active-only", f"the re-activated key {key['id']} does not authenticate"
        )
    api.post(api.action_url(key, "deactivate")).expect("3.action-result", 202)
    key = api.wait(api.get(key["links"]["self"]).body)
    api.delete(key["links"]["self"]).expect("3.delete-removes", 200)
    key = api.wait(api.get(key["links"]["self"]).body)
    if _works(api, creds):
        raise ContractViolation("4.active-only", f"the removed key {key['id']} still authenticates")


@pytest.mark.contract("2.secret-hidden")
def test_secret_cannot_be_read_back(api: Api, prefix: str) -> None:
    """§2: the secret is never readable again: null in GET/list/PUT, and no filter on it finds the
    key.
    """
    created = api.create({"name": f"{prefix}secret"}).expect("1.success-status", 201).body
    secret = created["secretValue"]
    key = api.wait(
        created
    )  # every later response is checked for secretValue null (rule 2.secret-once)
    api.put(key["links"]["self"], json={"description": "x"}).expect("3.put-keeps-state", 200)
    for params in (
        {"secretValue": secret},
        {"secretValue_prefix": secret[:20]},
        {"secretValue_like": secret},
    ):
        reply = api.get(api.collection, params={"name": f"{prefix}secret", **params}).expect(
            "2.secret-hidden", 200
        )
        if any(item["id"] == key["id"] for item in reply.body["data"]):
            raise ContractViolation(
                "2.secret-hidden",
                f"filtering on the clear secret ({next(iter(params))}) finds the key",
            )
    if secret in api.get(key["links"]["self"]).exchange.text:
        raise ContractViolation("2.secret-hidden", "the secret appears in the body of a GET")
