"""Contract section 1 (endpoints) and the headers of section 7, for each selected resource of the
spec set (the `resource` fixture); the API root's links once."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from rancher_contract.contract_tests.client import Api, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare_each
from rancher_contract.contract_tests.resources import (
    absent_id,
    create_body,
    references_in,
    references_of,
    selected_resources,
)
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import Spec
from rancher_contract.specmodel import Resource

PREFIX = unique_prefix()


def _round_trip(spec: Spec) -> tuple[str, str] | None:
    """The first two actions of the spec's round trip (deactivate, activate), or None."""
    trip = spec.round_trip()
    return (trip[0], trip[1]) if len(trip) >= 2 else None


def _needs(spec: Spec) -> dict[str, Need]:
    named = (field := spec.resource.field("name")) is not None and field.create
    needs = {
        "api:slash": Need(spec.create_done, {"name": f"{PREFIX}slash"} if named else {}),
    }
    trip = _round_trip(spec)
    if trip is not None:
        needs["api:no-slash"] = Need(
            spec.actions[trip[0]].done, {"name": f"{PREFIX}no-slash"} if named else {}
        )
    return needs


declare_each(__name__, _needs)


def _body(
    resource: Resource, prefix: str, request: pytest.FixtureRequest, name: str | None = None
) -> dict[str, Any]:
    """A create body: the resources it references are those of a pool resource (the pool is set
    up only for a resource that references another)."""
    references: dict[str, str] = {}
    if references_of(resource):
        pool: KeyPool = request.getfixturevalue("key_pool")
        references = references_in(resource, pool.take("api:slash", resource.type).key)
    return create_body(resource, prefix, references, name=name)


def _narrowing(resource: Resource, name: str, item: dict[str, Any]) -> dict[str, str]:
    """A filter that lists `item` alone: its name under the run's prefix, else its id."""
    if resource.filter("name") is not None and resource.field("name") is not None:
        return {"name": name}
    return {"id": str(item["id"])}


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
    for name in (api.credential_plural, *plurals):
        api.get(links[name]).expect("1.root-links", 200)
    api.get(links["schemas"]).expect("1.root-links", 200)


@pytest.mark.contract("1.success-status")
def test_documented_collection_path(
    api: Api, resource: Resource, prefix: str, request: pytest.FixtureRequest
) -> None:
    """§1: the server serves the documented collection path, /v1/<plural> (GET 200, POST 201)."""
    listing = resource.operation("list")
    if listing is None:
        pytest.skip(f"{resource.type} has no list")
    url = f"{api.target.url}/{listing.path.rstrip('/').rsplit('/', 1)[-1]}"
    api.get(url).expect("1.success-status", 200)
    if resource.operation("create") is not None and "POST" in resource.methods_for(None)[0]:
        body = {} if not resource.required_fields else _body(resource, prefix, request)
        api.post(url, json=body).expect("1.success-status", 201)


@pytest.mark.contract("1.type-segment")
def test_type_segment_is_case_insensitive_singular_or_plural(
    api: Api, resource: Resource, prefix: str, request: pytest.FixtureRequest
) -> None:
    """§1: the plural, the plural in lower and upper case and the type (apiKeys, apikeys, APIKEYS,
    apiKey) name the same collection and resource."""
    name = f"{prefix}alias"
    created = (
        api.create(_body(resource, prefix, request, name=name), resource)
        .expect("1.success-status", 201)
        .body
    )
    segments = dict.fromkeys(
        (resource.plural, resource.plural.lower(), resource.type, resource.plural.upper())
    )
    for segment in segments:
        listed = api.get(
            f"{api.target.url}/{segment}", params=_narrowing(resource, name, created)
        ).expect("1.type-segment", 200)
        if [item["id"] for item in listed.body["data"]] != [created["id"]]:
            raise ContractViolation(
                "1.type-segment", f"/v1/{segment} does not list {resource.type} {created['id']}"
            )
        one = api.get(f"{api.target.url}/{segment}/{created['id']}").expect("1.type-segment", 200)
        if one.body["id"] != created["id"]:
            raise ContractViolation(
                "1.type-segment", f"/v1/{segment}/{created['id']} is another resource"
            )


@pytest.mark.contract("1.action-slash")
def test_action_with_and_without_slash(
    api: Api, resource: Resource, spec: Spec, key_pool: KeyPool
) -> None:
    """§1: POST {self}/?action=<name> and {self}?action=<name> both work (deactivate with the
    slash, activate again without)."""
    trip = _round_trip(spec)
    if trip is None:
        pytest.skip(f"{resource.type} has no action that leaves the create's state and returns")
    first = key_pool.take("api:slash", resource.type).key
    second = key_pool.take("api:no-slash", resource.type).key
    for item, action, slash in ((first, trip[0], "/"), (second, trip[1], "")):
        url = f"{item['links']['self'].rstrip('/')}{slash}?action={action}"
        rule = spec.actions[action]
        body = api.post(url).expect("1.action-slash", 202).body
        if body["state"] not in (rule.through, rule.done):
            raise ContractViolation(
                "3.action-result",
                f"POST {url} answered state {body['state']!r} for {resource.type} {item['id']}",
            )
    # that they reach their done states is the action matrix's part (test_matrix.py)


@pytest.mark.contract("1.absolute-urls")
def test_links_are_built_from_the_request_host(
    api: Api, resource: Resource, prefix: str, request: pytest.FixtureRequest
) -> None:
    """§1: every URL in a response is absolute, on the host the client asked (no fixed host)."""
    name = f"{prefix}host"
    created = (
        api.create(_body(resource, prefix, request, name=name), resource)
        .expect("1.success-status", 201)
        .body
    )
    host = urlsplit(api.target.url).netloc
    urls = [*created["links"].values(), *created["actions"].values()]
    listed = api.get(api.collection_of(resource), params=_narrowing(resource, name, created)).body
    urls += [listed["links"]["self"], *listed["sortLinks"].values()]
    bad = [u for u in urls if not api.same_origin(u)]
    if bad:
        raise ContractViolation("1.absolute-urls", f"URLs not on {host}: {bad[:3]}")


@pytest.mark.contract("7.headers")
def test_headers_on_success_and_errors(api: Api, resource: Resource) -> None:
    """§7: Content-Type and X-API-Schemas on a success, a 404 and a 405 (checked everywhere)."""
    api.get(api.target.url).expect("7.headers", 200)
    collection = api.collection_of(resource)
    api.get(f"{collection.rstrip('/')}/{absent_id(resource)}").expect("6.not-found", 404)
    offered = resource.methods_for(None)[0]
    method = next((m for m in ("PUT", "DELETE", "PATCH") if m not in offered), None)
    if method is not None:
        api.request(method, collection, json={}).expect("6.method-not-allowed", 405)
