"""Contract section 4 (authentication) and the secret of section 2, for each selected resource of
the spec set (the `resource` fixture): 401 on its URLs without or with wrong credentials; for an
API credential (`Spec.is_credential`), in which of its states its own values authenticate; for a
resource with fields read on create only, that they are never read back."""

from __future__ import annotations

from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api, Credentials, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare_each
from rancher_contract.contract_tests.resources import credential_fields, sample_value, spec_model
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import Spec
from rancher_contract.specmodel import STORE_SALTED_HASH, Field, Resource

UNAUTHORIZED = spec_model().errors.reason(401) or ""
PREFIX = unique_prefix()
ROUND_TRIP = "round-trip"
WRITTEN: dict[
    str, dict[str, Any]
] = {}  # type -> the values sent for its fields read on create only


def _secret_fields(resource: Resource) -> list[Field]:
    """The fields read on create only (an API key's secretValue)."""
    return [f for f in resource.fields if f.read_on_create_only]


def _named(resource: Resource, label: str) -> dict[str, Any]:
    field = resource.field("name")
    return {"name": f"{PREFIX}{label}"} if field is not None and field.create else {}


def _needs(spec: Spec) -> dict[str, Need]:
    resource = spec.resource
    needs: dict[str, Need] = {}
    if spec.is_credential:
        # one per settled state a client can bring it to, and one that went there and back
        for state in spec.paths():
            needs[f"auth:{state}"] = Need(state, _named(resource, f"auth-{state}"))
        trip = spec.round_trip()
        if trip:
            needs[f"auth:{ROUND_TRIP}"] = Need(
                spec.create_done, _named(resource, "auth-again"), trip
            )
    secrets = _secret_fields(resource)
    if secrets:
        # the written ones get a value the test knows; the generated ones come in the create
        written = {f.name: sample_value(f, PREFIX) for f in secrets if f.create}
        WRITTEN[resource.type] = written
        needs["auth:secret"] = Need(spec.create_done, {**written, **_named(resource, "secret")})
    return needs


declare_each(__name__, _needs)


def _urls(api: Api, resource: Resource) -> list[str]:
    return [
        api.target.url,
        api.collection_of(resource),
        f"{api.target.url}/schemas/{resource.type.lower()}",
    ]


@pytest.mark.contract("4.challenge")
@pytest.mark.usefixtures("auth_on")
def test_missing_credentials_are_401_with_challenge(api: Api, resource: Resource) -> None:
    """§4: without credentials every request answers 401 Unauthorized with the Basic challenge
    (the API root, the resource's collection and schema, a create)."""
    api.links()
    for url in _urls(api, resource):
        api.get(url, credentials=None).expect_error("4.challenge", 401, UNAUTHORIZED)
    if "POST" in resource.methods_for(None)[0]:
        api.post(api.collection_of(resource), json={}, credentials=None).expect_error(
            "4.challenge", 401, UNAUTHORIZED
        )


@pytest.mark.contract("4.challenge")
@pytest.mark.usefixtures("auth_on")
def test_wrong_credentials_are_401(api: Api, resource: Resource) -> None:
    """§4: a wrong secret, an unknown access key or another scheme answers 401 (the resource's
    collection and schema)."""
    assert api.bootstrap is not None
    wrong_secret = Credentials(
        api.bootstrap.access_key,
        api.bootstrap.secret_key[:-1] + ("x" if api.bootstrap.secret_key[-1] != "x" else "y"),
    )
    unknown = Credentials("0" * 20, "x" * 40)
    api.links()
    for url in _urls(api, resource)[1:]:
        for creds in (wrong_secret, unknown):
            api.get(url, credentials=creds).expect_error("4.challenge", 401, UNAUTHORIZED)
    api.request(
        "GET",
        api.collection_of(resource),
        headers={"Authorization": "Bearer abc"},
        credentials=None,
    ).expect_error("4.challenge", 401, UNAUTHORIZED)


def _works(api: Api, resource: Resource, creds: Credentials) -> bool:
    reply = api.get(api.collection_of(resource), credentials=creds, params={"limit": "1"})
    reply.expect("4.active-only", 200, 401)
    return reply.status == 200


@pytest.mark.contract("4.active-only")
@pytest.mark.usefixtures("auth_on")
def test_credential_authenticates_only_in_its_states(
    api: Api, resource: Resource, spec: Spec, key_pool: KeyPool
) -> None:
    """§4: an API credential's own values authenticate exactly in the lifecycle's
    `authenticatesIn` states (a key: active; deactivated, removed or purged it answers 401;
    activated again it works)."""
    if not spec.is_credential:
        pytest.skip(f"{resource.type} authenticates in no state (test_resources.py checks 401)")
    cases = [(f"auth:{state}", path) for state, path in spec.paths().items()]
    if spec.round_trip():
        cases.append((f"auth:{ROUND_TRIP}", spec.round_trip()))
    for tag, path in cases:
        pool_key = key_pool.take(tag, resource.type)
        state = pool_key.key["state"]
        works = state in spec.authenticates_in
        if _works(api, resource, pool_key.credentials) != works:
            raise ContractViolation(
                "4.active-only",
                f"the {state} {resource.type} {pool_key.key['id']} (created, then "
                f"{', '.join(path) or 'nothing else'}) "
                + ("does not authenticate" if works else "still authenticates"),
            )


def _filters_on(spec: Spec, field: Field, secret: str) -> list[dict[str, str]]:
    """The filters on the field that the spec offers, each given the clear secret."""
    modifiers = spec.filters.get(field.name, ())
    found = []
    if "eq" in modifiers:
        found.append({field.name: secret})
    if "prefix" in modifiers:
        found.append({f"{field.name}_prefix": secret[: max(1, len(secret) // 2)]})
    if "like" in modifiers:
        found.append({f"{field.name}_like": secret})
    return found


@pytest.mark.contract("2.secret-hidden")
def test_secret_cannot_be_read_back(
    api: Api, resource: Resource, spec: Spec, key_pool: KeyPool
) -> None:
    """§2: a field read on create only (the secret) is never readable again: null in GET, list
    and PUT, its clear value nowhere in a GET body; for one stored as a salted hash, no filter on
    the clear value finds the resource (one stored in clear MAY be filterable)."""
    fields = _secret_fields(resource)
    if not fields:
        pytest.skip(f"{resource.type} has no field read on create only")
    pool_key = key_pool.take("auth:secret", resource.type)
    item = pool_key.key
    url = item["links"]["self"]
    named = resource.filter("name") is not None and "name" in _named(resource, "secret")
    narrowing = {"name": f"{PREFIX}secret"} if named else {"id": str(item["id"])}
    secrets: dict[str, str] = {}
    password = (credential_fields(resource) or ("", ""))[1]
    for field in fields:
        if field.create:
            value: Any = WRITTEN[resource.type][field.name]
        elif field.name == password:
            value = pool_key.secret  # the create response's (the pool reads it there)
        else:
            continue  # a generated value the pool does not keep
        if not isinstance(value, str):
            raise ContractViolation(
                "2.secret-once",
                f"the create response of {resource.type} {item['id']} has {field.name} "
                f"{value!r}, not the generated value",
            )
        secrets[field.name] = value
    # every later response is checked for these fields being null (rule 2.secret-once)
    other = next(
        (
            f
            for f in resource.update_fields
            if set(f.json_types) - {"null"} == {"string"}
            and not f.read_on_create_only
            and not f.options
            and not f.pattern
            and f.name not in narrowing
        ),
        None,
    )
    if resource.operation("update") is not None and other is not None:
        api.put(url, json={other.name: "x"}).expect("3.put-keeps-state", 200)
    for field in fields:
        if field.store != STORE_SALTED_HASH:
            continue
        for params in _filters_on(spec, field, secrets[field.name]):
            reply = api.get(api.collection_of(resource), params={**narrowing, **params})
            if any(
                i.get("id") == item["id"] for i in reply.expect("2.secret-hidden", 200).body["data"]
            ):
                raise ContractViolation(
                    "2.secret-hidden",
                    f"filtering on the clear {field.name} ({next(iter(params))}) finds "
                    f"{resource.type} {item['id']}",
                )
    shown = [
        api.get(url).exchange.text,
        api.get(api.collection_of(resource), params={"id": str(item["id"])}).exchange.text,
    ]
    for name, secret in secrets.items():
        if any(secret in text for text in shown):
            raise ContractViolation(
                "2.secret-hidden", f"the clear {name} appears in the body of a GET"
            )
