"""Contract section 4 (authentication) and the secret of section 2."""

from __future__ import annotations

import pytest

from rancher_contract.contract_tests.client import Api, Credentials, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare
from rancher_contract.contract_tests.resources import spec_model
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec

pytestmark = pytest.mark.usefixtures("auth_on")
UNAUTHORIZED = spec_model().errors.reason(401) or ""
PREFIX = unique_prefix()
NEEDS = {
    "auth:active": Need("active", {"name": f"{PREFIX}auth"}),
    "auth:inactive": Need("inactive", {"name": f"{PREFIX}auth-off"}),
    "auth:reactivated": Need("active", {"name": f"{PREFIX}auth-again"}, ("deactivate", "activate")),
    "auth:removed": Need("removed", {"name": f"{PREFIX}auth-gone"}),
    "auth:secret": Need("active", {"name": f"{PREFIX}secret"}),
}
declare(__name__, NEEDS)


def _urls(api: Api) -> list[str]:
    return [api.target.url, api.collection, f"{api.target.url}/schemas/{load_spec().type.lower()}"]


@pytest.mark.contract("4.challenge")
def test_missing_credentials_are_401_with_challenge(api: Api) -> None:
    """§4: without credentials every request answers 401 Unauthorized with the Basic challenge."""
    api.links()
    for url in _urls(api):
        api.get(url, credentials=None).expect_error("4.challenge", 401, UNAUTHORIZED)
    api.post(api.collection, json={}, credentials=None).expect_error(
        "4.challenge", 401, UNAUTHORIZED
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
        api.get(api.collection, credentials=creds).expect_error("4.challenge", 401, UNAUTHORIZED)
    api.request(
        "GET", api.collection, headers={"Authorization": "Bearer abc"}, credentials=None
    ).expect_error("4.challenge", 401, UNAUTHORIZED)


def _works(api: Api, creds: Credentials) -> bool:
    reply = api.get(api.collection, credentials=creds, params={"limit": "1"})
    reply.expect("4.active-only", 200, 401)
    return reply.status == 200


@pytest.mark.contract("4.active-only")
def test_key_authenticates_only_while_active(api: Api, key_pool: KeyPool) -> None:
    """§4: a created key works with its secret; deactivated or removed it answers 401; activated
    again it works.
    """
    for tag, works in (
        ("auth:active", True),
        ("auth:inactive", False),
        ("auth:reactivated", True),
        ("auth:removed", False),
    ):
        pool_key = key_pool.take(tag)
        if _works(api, pool_key.credentials) != works:
            state = pool_key.key["state"]
            raise ContractViolation(
                "4.active-only",
                f"the {state} key {pool_key.key['id']} (created, then "
                f"{', '.join(key_pool_path(tag)) or 'nothing else'}) "
                + ("does not authenticate" if works else "still authenticates"),
            )


def key_pool_path(tag: str) -> tuple[str, ...]:
    need = NEEDS[tag]
    return need.path if need.path is not None else load_spec().paths()[need.state]


@pytest.mark.contract("2.secret-hidden")
def test_secret_cannot_be_read_back(api: Api, key_pool: KeyPool) -> None:
    """§2: the secret is never readable again: null in GET/list/PUT, and no filter on it finds the
    key.
    """
    pool_key = key_pool.take("auth:secret")
    secret, key, prefix = pool_key.secret, pool_key.key, PREFIX
    # every later response is checked for secretValue null (rule 2.secret-once)
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
