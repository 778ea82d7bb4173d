"""The generated Rancher-native schema document against the real server's document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests._checkout import REPO_ROOT

# a copy of /work/shared/reference/v1-schema-apikey-user.json (what a real server answers)
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "v1-schema-apikey-user.json"
SHARED = Path("/work/shared/reference/v1-schema-apikey-user.json")
GENERATED = REPO_ROOT / "generated" / "schemas" / "apiKey.json"


def _rehost(value: Any, old: str, new: str) -> Any:
    return json.loads(json.dumps(value).replace(old, new))


def _reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    if SHARED.exists():  # the copy is faithful
        assert json.loads(SHARED.read_text(encoding="utf-8")) == data
    return data


def test_schema_document_equals_the_reference() -> None:
    generated = json.loads(GENERATED.read_text(encoding="utf-8"))
    expected = _rehost(_reference(), "http://RANCHER:8080", "http://localhost:8080")
    # the one allowed difference: only the links the spec declares (other than self)
    assert expected["includeableLinks"] == ["images", "instances", "account"]
    expected["includeableLinks"] = ["account"]
    assert generated == expected


def test_state_options_are_sorted_and_nullable_omitted() -> None:
    fields = json.loads(GENERATED.read_text(encoding="utf-8"))["resourceFields"]
    assert fields["state"]["options"] == sorted(fields["state"]["options"])
    assert fields["transitioning"]["options"] == ["yes", "no", "error"]
    assert "nullable" not in fields["state"] and "nullable" not in fields["transitioning"]
    assert "createdTS" not in fields and "type" not in fields


# --- registryCredential: role-dependent methods (the `user` role is offered GET only) ---
RC_REFERENCE = REFERENCE.with_name("v1-schema-registrycredential-user.json")
RC_SHARED = Path("/work/shared/reference/v1-schema-registrycredential-user.json")
RC_DIR = REPO_ROOT / "generated" / "schemas"


def _rc_reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RC_REFERENCE.read_text(encoding="utf-8"))
    if RC_SHARED.exists():  # the copy is faithful
        assert json.loads(RC_SHARED.read_text(encoding="utf-8")) == data
    return _rehost(data, "http://RANCHER:8080", "http://localhost:8080")


def test_registry_credential_user_document_equals_the_reference() -> None:
    generated = json.loads((RC_DIR / "registryCredential.user.json").read_text(encoding="utf-8"))
    expected = _rc_reference()
    assert expected["includeableLinks"] == ["images", "instances", "account", "registry"]
    expected["includeableLinks"] = ["account", "registry"]
    assert generated == expected


def test_registry_credential_environment_document_differs_only_in_methods() -> None:
    generated = json.loads((RC_DIR / "registryCredential.json").read_text(encoding="utf-8"))
    expected = _rc_reference()
    expected["includeableLinks"] = ["account", "registry"]
    expected["collectionMethods"] = ["GET", "POST"]
    expected["resourceMethods"] = ["GET", "PUT", "DELETE"]
    assert generated == expected


def test_required_and_min_length_are_rendered_only_when_declared() -> None:
    fields = json.loads((RC_DIR / "registryCredential.json").read_text(encoding="utf-8"))[
        "resourceFields"
    ]
    assert fields["email"]["required"] is True and fields["email"]["minLength"] == 1
    assert fields["registryId"]["required"] is True and "minLength" not in fields["registryId"]
    assert "required" not in fields["name"] and "minLength" not in fields["secretValue"]


def test_load_schema_documents_by_role() -> None:
    from rancher_contract.generated.schemas import load_schema_documents

    default, user = load_schema_documents(), load_schema_documents("user")
    assert default["registryCredential"]["collectionMethods"] == ["GET", "POST"]
    assert user["registryCredential"]["collectionMethods"] == ["GET"]
    assert user["apiKey"] == default["apiKey"]  # no role entry: the resource's own document
