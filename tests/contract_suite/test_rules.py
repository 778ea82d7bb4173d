"""Unit tests of the suite's rule functions (validate, hooks), without a server.

Rancher's latitudes are accepted, each fault of a resource is rejected with its rule.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from rancher_contract.contract_tests.hooks import _absent
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec
from rancher_contract.contract_tests.validate import Exchange, origin_of, validate_exchange

BASE = "http://rancher:8080/v1"
RESOURCE: dict[str, Any] = {
    "id": "1c12",
    "type": "apiKey",
    "links": {
        "self": "http://rancher:8080/v1/apikeys/1c12",
        "account": "http://rancher:8080/v1/apikeys/1c12/account",
    },
    "actions": {
        "deactivate": "http://rancher:8080/v1/apikeys/1c12/?action=deactivate",
        "update": "http://rancher:8080/v1/apikeys/1c12/?action=update",
    },
    "baseType": "credential",
    "name": "ci",
    "description": None,
    "accountId": "1a5",
    "kind": "apiKey",
    "publicValue": "8B4D2A1E7C9F30A6B5D1",
    "secretValue": None,
    "state": "active",
    "transitioning": "no",
    "transitioningMessage": None,
    "transitioningProgress": None,
    "uuid": "3f8b2c1d-6e4a-4b7f-9c2d-1a5e8f0b7c3d",
    "created": "2017-01-20T10:00:00Z",
    "createdTS": 1484906400123,
    "removed": None,
    "extraField": {"anything": True},
}
HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "x-api-schemas": "http://rancher:8080/v1/schemas",
}


def _exchange(
    body: Any,
    *,
    method: str = "GET",
    url: str = f"{BASE}/apikeys/1c12",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Exchange:
    # Rancher escapes slashes; the suite compares parsed JSON
    text = json.dumps(body).replace("/", "\\/")
    return Exchange(method=method, url=url, status=status, headers=headers or HEADERS, text=text)


def test_a_rancher_resource_passes() -> None:
    validate_exchange(_exchange(RESOURCE), BASE)


def test_a_created_key_shows_its_secret_once() -> None:
    created = {**RESOURCE, "secretValue": "s" * 40, "state": "registering", "transitioning": "yes"}
    created["actions"] = {
        a: f"{BASE}/apikeys/1c12/?action={a}" for a in ("activate", "deactivate", "remove")
    }
    validate_exchange(_exchange(created, method="POST", url=f"{BASE}/apiKeys", status=201), BASE)
    with pytest.raises(ContractViolation, match=r"2\.secret-once"):
        validate_exchange(_exchange(created, method="GET"), BASE)


def test_an_action_response_may_carry_the_stored_hash_never_the_secret() -> None:
    """§8: an action (a POST) may show the stored hash in secretValue; the clear secret never."""
    secret = "k" * 40
    created = {**RESOURCE, "id": "1c77", "secretValue": secret}
    created["links"] = {"self": f"{BASE}/apikeys/1c77"}
    created["actions"] = {"deactivate": f"{BASE}/apikeys/1c77/?action=deactivate"}
    validate_exchange(_exchange(created, method="POST", url=f"{BASE}/apiKeys", status=201), BASE)
    acted = {**created, "state": "inactive", "actions": {}, "secretValue": "ab12:" + "f" * 64}
    acted["actions"] = {a: f"{BASE}/apikeys/1c77/?action={a}" for a in ("activate", "remove")}
    action_url = f"{BASE}/apikeys/1c77/?action=deactivate"
    validate_exchange(_exchange(acted, method="POST", url=action_url, status=202), BASE)
    with pytest.raises(ContractViolation, match=r"2\.secret-once"):
        validate_exchange(
            _exchange({**acted, "secretValue": secret}, method="POST", url=action_url, status=202),
            BASE,
        )
    for method, status in (("GET", 200), ("PUT", 200), ("DELETE", 200)):
        with pytest.raises(ContractViolation, match=r"2\.secret-once"):
            validate_exchange(
                _exchange(acted, method=method, url=f"{BASE}/apikeys/1c77", status=status), BASE
            )


def test_exact_action_states_come_from_the_spec() -> None:
    """§3: the states whose actions map is fixed are derived from x-rancher-lifecycle: the settled
    states a client reaches and the create's state (the contract's list of five).
    """
    spec = load_spec()
    assert spec.exact_action_states == {"active", "inactive", "removed", "registering", "purged"}
    assert spec.expected_actions("deactivating") is None
    assert spec.optional_actions == {"update", "create"}


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"actions": {"deactivate": f"{BASE}/apikeys/1c12/?action=deactivate",
                      "activate": f"{BASE}/apikeys/1c12/?action=activate"}}, "3.actions-map"),
        ({"links": {"self": "/v1/apikeys/1c12"}}, "1.absolute-urls"),
        ({"links": {"self": f"{BASE}/apikeys/1c13"}}, "2.links-self"),
        ({"createdTS": 1484906400}, "2.resource-shape"),
        ({"state": "deactivating", "transitioning": "no"}, "2.resource-shape"),
        ({"publicValue": "8b4d2a1e7c9f30a6b5d1"}, "2.generated-values"),
        ({"removed": "2017-01-20T10:00:00Z"}, "2.resource-shape"),
    ],
)  # fmt: skip
def test_a_broken_resource_fails(change: dict[str, Any], rule: str) -> None:
    broken = {**copy.deepcopy(RESOURCE), **change}
    with pytest.raises(ContractViolation) as info:
        validate_exchange(_exchange(broken), BASE)
    assert info.value.rule.id == rule


def test_null_fields_must_be_present() -> None:
    broken = {k: v for k, v in RESOURCE.items() if v is not None}
    with pytest.raises(ContractViolation, match=r"2\.resource-shape"):
        validate_exchange(_exchange(broken), BASE)


def test_headers_are_required_on_errors() -> None:
    error = {
        "id": "x", "type": "error", "links": {}, "actions": {}, "status": 404, "code": "Not Found",
        "message": "Not Found", "detail": None, "baseType": "error",
    }  # fmt: skip
    validate_exchange(_exchange(error, status=404), BASE)
    with pytest.raises(ContractViolation, match=r"7\.headers"):
        validate_exchange(
            _exchange(error, status=404, headers={"content-type": "application/json"}), BASE
        )
    with pytest.raises(ContractViolation, match=r"6\.error-object"):
        validate_exchange(_exchange({**error, "code": "NotFound"}, status=404), BASE)


def test_default_ports_are_the_same_origin() -> None:
    assert origin_of("http://h/v1") == origin_of("http://H:80/v1/schemas")
    assert origin_of("https://h/v1") != origin_of("http://h/v1")


def test_foreign_ids_are_sent_to_an_absent_key() -> None:
    assert _absent("1c1") == "1c9876543000001"
    assert _absent("1c1234567890") == "1c9876543567890"
