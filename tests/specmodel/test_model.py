"""The spec model read from the committed spec, from a folder, and from broken documents."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rancher_contract import specmodel
from rancher_contract.paths import DEFAULT_SPEC, SPEC_DIR
from rancher_contract.specmodel import SpecLoadError, build_model, load_model

DOCUMENT: dict[str, Any] = yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8"))


def test_the_api_key_resource() -> None:
    model = load_model(DEFAULT_SPEC)
    assert model.sources == ("spec/apikey.openapi.yaml",)
    api_key = model.resource("apikeys")
    assert api_key is not None and api_key is model.resource("apiKey")
    assert (api_key.type, api_key.plural, api_key.base_type, api_key.kind) == (
        "apiKey",
        "apiKeys",
        "credential",
        "apiKey",
    )
    assert [f.name for f in api_key.create_fields] == ["name", "description"]
    assert api_key.required_fields == ()
    secret = api_key.field("secretValue")
    assert secret is not None and secret.read_on_create_only and secret.rancher_type == "password"
    assert (secret.max_length, secret.declared_max_length) == (None, 4096)
    created_ts = api_key.field("createdTS")
    assert created_ts is not None and not created_ts.is_rancher_field
    assert api_key.limits is not None
    assert (api_key.limits.default, api_key.limits.maximum) == (100, 3000)
    registry = api_key.filter("registryId")
    assert registry is not None and registry.hidden and registry.type == "reference[registry]"
    assert [link.name for link in api_key.links] == ["account"]
    assert api_key.methods_for("user") == (("GET", "POST"), ("GET", "PUT", "DELETE"))


def test_the_lifecycle() -> None:
    api_key = load_model(DEFAULT_SPEC).resource("apiKey")
    assert api_key is not None and api_key.lifecycle is not None
    life = api_key.lifecycle
    assert (life.create_through, life.create_to) == ("registering", "active")
    assert life.actions_in("inactive") == ("activate", "remove")
    assert life.actions_in("nowhere") == ()
    remove = life.action("remove")
    assert remove is not None and (remove.through, remove.to) == ("removing", "removed")
    assert life.delete.runs == "remove" and life.delete.otherwise_status == 405
    assert life.authenticates_in == ("active",)
    assert life.hidden_from_list_when == "removedSet"
    assert life.removed_states == ("removed", "purging", "purged")
    assert "active" in life.settled_states and "removing" not in life.settled_states


def test_what_the_api_shares() -> None:
    model = load_model(DEFAULT_SPEC)
    assert model.realm == "Enter API access key and secret key as username and password"
    assert model.errors.reason(405) == "Method not allowed"
    assert model.errors.status_of("InvalidBodyContent") == 400
    assert "ActionNotAvailable" in model.errors.validation_codes
    assert model.base_url == "http://localhost:8080"


def test_a_folder_is_a_spec_set() -> None:
    model = load_model(SPEC_DIR)
    files = sorted(p.name for p in SPEC_DIR.glob("*.openapi.yaml"))
    assert model.sources == tuple(f"spec/{name}" for name in files)
    assert len(model.resources) == len(files)
    assert list(model.types) == sorted(model.types)
    assert load_model() == model


def test_json_and_a_copy_read_the_same(tmp_path: Path) -> None:
    copy_path = tmp_path / "api.json"
    copy_path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    from_json = load_model(copy_path)
    assert from_json.resources == tuple(
        r.__class__(**{**r.__dict__, "source": "api.json"})
        for r in load_model(DEFAULT_SPEC).resources
    )


def test_an_added_action_is_in_the_model() -> None:
    document = copy.deepcopy(DOCUMENT)
    life = document["components"]["schemas"]["ApiKey"]["x-rancher-lifecycle"]
    life["actions"]["restore"] = {"from": ["removed"], "through": "removing", "to": "inactive"}
    life["actionsByState"]["removed"].append("restore")
    resource = build_model(document).resources[0]
    assert resource.lifecycle is not None
    assert resource.lifecycle.actions_in("removed") == ("purge", "restore")


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"components": []},
        {"components": {"schemas": {"X": {"x-rancher-resource": {"type": "x"}}}}},
        {
            "components": {
                "schemas": {
                    "X": {
                        "x-rancher-resource": {"type": "x", "operations": {"list": 5}},
                        "x-rancher-lifecycle": {"states": "no", "actions": [1], "delete": 3},
                        "x-rancher-filters": {"id": "eq"},
                        "properties": {"id": {"$ref": "#/nowhere"}, "a": {"allOf": 7}},
                    }
                }
            },
            "paths": {"/x": {"get": {"operationId": 3}}},
        },
    ],
)
def test_a_broken_document_still_gives_a_model(document: dict[str, Any]) -> None:
    model = build_model(document)
    for resource in model.resources:
        assert resource.type == "x" and resource.limits is None


def test_unreadable_specs(tmp_path: Path) -> None:
    with pytest.raises(SpecLoadError, match="no such file"):
        load_model(tmp_path / "missing.openapi.yaml")
    with pytest.raises(SpecLoadError, match=r"no \*\.openapi\.yaml file"):
        load_model(tmp_path)
    bad = tmp_path / "bad.openapi.yaml"
    bad.write_text("a: [\n", encoding="utf-8")
    with pytest.raises(SpecLoadError, match="YAML syntax error"):
        load_model(tmp_path)


def test_the_public_names() -> None:
    public = {name for name in vars(specmodel) if not name.startswith("_")}
    assert set(specmodel.__all__) <= public
    assert {"load_model", "SpecModel", "FILTER_MODIFIERS", "is_rancher_type"} <= set(
        specmodel.__all__
    )


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("string", True),
        ("password", True),
        ("float", True),
        ("dnsLabel", True),
        ("reference[account]", True),
        ("array[string]", True),
        ("map[reference[account]]", True),
        ("array[apiKey]", True),  # a type of the spec
        ("array[frob]", False),
        ("reference[]", False),
        ("text", False),
        ("schema", False),
        (None, False),
    ],
)
def test_rancher_types(text: object, valid: bool) -> None:
    assert specmodel.is_rancher_type(text, frozenset({"apiKey"})) is valid


def test_the_registry_credential_resource() -> None:
    model = load_model(SPEC_DIR)
    rc = model.resource("registrycredentials")
    assert rc is not None and rc.source == "spec/registrycredential.openapi.yaml"
    assert [f.name for f in rc.required_fields] == ["registryId", "email"]
    registry_id, email = rc.field("registryId"), rc.field("email")
    assert registry_id is not None and email is not None
    assert registry_id.create and not registry_id.update and not registry_id.nullable
    assert registry_id.rancher_type == "reference[registry]"
    assert (email.min_length, email.declared_min_length, email.max_length) == (1, 1, None)
    secret = rc.field("secretValue")
    assert secret is not None and secret.create and secret.update and secret.read_on_create_only
    assert rc.methods_for(None) == (("GET", "POST"), ("GET", "PUT", "DELETE"))
    assert rc.methods_for("user") == (("GET",), ("GET",))
    assert [link.name for link in rc.links] == ["account", "registry"]
    registry_filter = rc.filter("registryId")
    assert registry_filter is not None and not registry_filter.hidden
    assert rc.filter("email") is None
    assert rc.lifecycle is not None and rc.lifecycle.authenticates_in == ()
    api_key = model.resource("apiKey")
    assert api_key is not None and api_key.lifecycle is not None
    assert rc.lifecycle.actions_by_state == api_key.lifecycle.actions_by_state


def test_a_set_unites_the_error_catalogs() -> None:
    alone = load_model(DEFAULT_SPEC).errors
    united = load_model(SPEC_DIR).errors
    assert alone.status_of("InvalidReference") is None
    assert united.status_of("InvalidReference") == 422
    assert set(alone.codes) <= set(united.codes)
    assert united.reasons == alone.reasons
