"""Contract section 1 (endpoints) and the headers of section 7."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from rancher_contract.contract_tests.client import Api, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare
from rancher_contract.contract_tests.resources import selected_resources
from rancher_contract.contract_tests.rules import ContractViolation

PREFIX = unique_prefix()
declare(
    __name__,
    {
        "api:slash": Need("active", {"name": f"{PREFIX}slash"}),
        "api:no-slash": Need("inactive", {"name": f"{PREFIX}no-slash"}),
    },
)


@pytest.mark.contract("1.root-links", "1.absolute-urls")
def test_root_links_to_every_collection(api: Api) -> None:
    """§1: GET /v1 answers 200 with absolute links to schemas and every collection of the spec
    set the run tests."""
    links = api.links()
    plurals = [r.plural for r in selected_resources()]
    for name in ("schemas", api.credential_plural, *plurals):
        if name not in links:
            raise ContractViolation("1.root-links", f"GET /v1 does not link to {name!r}")
        if not api.same_origin(links[name]) or not links[name].startswith(("http://", "https://")):
            raise ContractViolation("1.absolute-urls", f"root link {name!r} is {links[name]!r}")
    api.get(links[api.credential_plural]).expect("1.root-links", 200)
    api.get(links["schemas"]).expect("1.root-links", 200)


@pytest.mark.contract("1.success-status")
def test_documented_collection_path(api: Api) -> None:
    """§1: the server serves the documented /v1/apiKeys (GET 200, POST 201)."""
    api.get(f"{api.target.url}/apiKeys").expect("1.success-status", 200)
    api.post(f"{api.target.url}/apiKeys", json={}).expect("1.success-status", 201)


@pytest.mark.contract("1.type-segment")
def test_type_segment_is_case_insensitive_singular_or_plural(api: Api, prefix: str) -> None:
    """§1: apiKeys, apikeys and apiKey name the same collection and resource."""
    created = api.create({"name": f"{prefix}alias"}).expect("1.success-status", 201).body
    for segment in ("apiKeys", "apikeys", "apiKey", "APIKEYS"):
        listed = api.get(f"{api.target.url}/{segment}", params={"name": f"{prefix}alias"})
        listed.expect("1.type-segment", 200)
        if [item["id"] for item in listed.body["data"]] != [created["id"]]:
            raise ContractViolation(
                "1.type-segment", f"/v1/{segment} does not list key {created['id']}"
            )
        one = api.get(f"{api.target.url}/{segment}/{created['id']}").expect("1.type-segment", 200)
        if one.body["id"] != created["id"]:
            raise ContractViolation(
                "1.type-segment", f"/v1/{segment}/{created['id']} is another resource"
            )


@pytest.mark.contract("1.action-slash")
def test_action_with_and_without_slash(api: Api, key_pool: KeyPool) -> None:
    """§1: POST {self}/?action=deactivate and {self}?action=activate both work."""
    active = key_pool.take("api:slash").key
    inactive = key_pool.take("api:no-slash").key
    for key, url, states in (
        (
            active,
            f"{active['links']['self'].rstrip('/')}/?action=deactivate",
            ("deactivating", "inactive"),
        ),
        (
            inactive,
            f"{inactive['links']['self'].rstrip('/')}?action=activate",
            ("activating", "active"),
        ),
    ):
        body = api.post(url).expect("1.action-slash", 202).body
        if body["state"] not in states:
            raise ContractViolation(
                "3.action-result",
                f"POST {url} answered state {body['state']!r} for key {key['id']}",
            )
    # that they reach their done states is the action matrix's part (test_matrix.py)


@pytest.mark.contract("1.absolute-urls")
def test_links_are_built_from_the_request_host(api: Api, prefix: str) -> None:
    """§1: every URL in a response is absolute, on the host the client asked (no fixed host)."""
    key = api.create({"name": f"{prefix}host"}).expect("1.success-status", 201).body
    host = urlsplit(api.target.url).netloc
    urls = [*key["links"].values(), *key["actions"].values()]
    listed = api.get(api.collection, params={"name": f"{prefix}host"}).body
    urls += [listed["links"]["self"], *listed["sortLinks"].values()]
    bad = [u for u in urls if not api.same_origin(u)]
    if bad:
        raise ContractViolation("1.absolute-urls", f"URLs not on {host}: {bad[:3]}")


@pytest.mark.contract("7.headers")
def test_headers_on_success_and_errors(api: Api) -> None:
    """§7: Content-Type and X-API-Schemas on a success, a 404 and a 405 (checked everywhere)."""
    api.get(api.target.url).expect("7.headers", 200)
    api.get(f"{api.target.url}/apiKeys/1c987654321000").expect("6.not-found", 404)
    api.request("PUT", api.collection, json={}).expect("6.method-not-allowed", 405)
