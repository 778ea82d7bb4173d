"""What the spec tells a backend about its fields: generated values, storage, uniqueness,
references and their cascade, HTTP Basic roles, and how resources share storage."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from rancher_contract.paths import SPEC_DIR
from rancher_contract.specmodel import (
    STORE_CLEAR,
    STORE_SALTED_HASH,
    Cascade,
    Generated,
    Reference,
    Unique,
    build_model,
    load_model,
)

MODEL = load_model()


def _document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((SPEC_DIR / name).read_text(encoding="utf-8"))
    return loaded


def test_api_key_values_are_generated_and_its_secret_hashed() -> None:
    api_key = MODEL.resource("apiKey")
    assert api_key is not None
    public, secret = api_key.field("publicValue"), api_key.field("secretValue")
    assert public is not None and secret is not None
    assert public.generate == Generated("0123456789ABCDEF", 20)
    assert public.store == STORE_CLEAR and public.unique == Unique((), False, "all", None)
    assert secret.generate is not None and secret.generate.length == 40
    assert len(set(secret.generate.alphabet)) == 62 and secret.store == STORE_SALTED_HASH
    assert api_key.basic_auth_fields == (public, secret)


def test_registry_credential_values_are_the_clients() -> None:
    credential = MODEL.resource("registryCredential")
    assert credential is not None
    for name in ("publicValue", "secretValue", "email"):
        field = credential.field(name)
        assert field is not None
        assert (field.generate, field.store, field.unique) == (None, STORE_CLEAR, None)
    # its lifecycle authenticates nowhere: no API credential, whatever its fields say
    assert credential.basic_auth_fields is None


def test_the_registry_reference_and_its_cascade() -> None:
    credential = MODEL.resource("registryCredential")
    assert credential is not None
    field = credential.field("registryId")
    assert field is not None
    assert field.reference == Reference(
        "registry", True, "InvalidReference", Cascade("purge", ("deactivate", "remove"))
    )
    assert MODEL.referrers("registry") == ((credential, field),)
    assert MODEL.referrers("apiKey") == ()
    # accountId is a reference type without x-rancher-field.reference: nothing to resolve
    account = credential.field("accountId")
    assert account is not None and account.reference is None


def test_server_address_is_unique_per_environment() -> None:
    registry = MODEL.resource("registries")
    assert registry is not None
    address = registry.field("serverAddress")
    assert address is not None
    assert address.unique == Unique(("accountId",), True, "notRemoved", "ServerAddressUsed")
    assert MODEL.errors.status_of("ServerAddressUsed") == 400
    assert (address.create, address.update, address.required, address.min_length) == (
        True,
        False,
        True,
        1,
    )
    assert registry.lifecycle is not None
    assert registry.lifecycle.actions_in("removed") == ("purge", "restore")
    # restore brings a registry back: restoring is no removed state
    assert registry.lifecycle.removed_states == ("removed", "purging", "purged")
    restore = registry.lifecycle.action("restore")
    assert restore is not None and (restore.through, restore.to) == ("restoring", "inactive")


def test_ids_and_shared_storage() -> None:
    api_key, credential, registry = (
        MODEL.resource(name) for name in ("apiKey", "registryCredential", "registry")
    )
    assert api_key is not None and credential is not None and registry is not None
    assert (api_key.id_prefix, credential.id_prefix, registry.id_prefix) == ("1c", "1c", "1sp")
    assert MODEL.sharing_base_type(credential) == (api_key, credential)
    assert MODEL.sharing_base_type(registry) == (registry,)


def test_malformed_extensions_read_as_absent() -> None:
    document = _document("registrycredential.openapi.yaml")
    broken = copy.deepcopy(document)
    props = broken["components"]["schemas"]["RegistryCredential"]["properties"]
    props["registryId"]["x-rancher-field"]["reference"] = "yes"
    props["email"]["x-rancher-field"]["generate"] = {"alphabet": "ab", "length": 0}
    props["email"]["x-rancher-field"]["unique"] = True  # shorthand: unique among all, no code
    props["name"]["x-rancher-field"]["reference"] = {"mustResolve": True}  # not a reference type
    broken["components"]["schemas"]["RegistryCredential"]["x-rancher-resource"]["idPattern"] = "x"
    resource = build_model(broken).resource("registryCredential")
    assert resource is not None
    fields = {name: resource.field(name) for name in ("registryId", "email", "name")}
    assert all(field is not None for field in fields.values())
    registry_id, email, name = fields["registryId"], fields["email"], fields["name"]
    assert registry_id is not None and registry_id.reference is None
    assert email is not None and email.generate is None
    assert email.unique == Unique((), False, "all", None)
    assert name is not None and name.reference is None
    assert resource.id_prefix is None
