"""Each rule rejects a broken copy of the spec, at the expected pointer, and no other rule fires."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rancher_contract.speclint import RULES, Finding, SpecView, check_rules, load_spec, rule

from ._helpers import FIXTURES, load_fixture

FIXTURE_FILES = sorted(FIXTURES.glob("*.yaml"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_broken_copy_is_rejected(path: Path, broken_spec: Callable[[dict[str, Any]], Path]) -> None:
    fixture = load_fixture(path)
    findings = check_rules(load_spec(broken_spec(fixture)))
    got = sorted((f.rule, f.pointer) for f in findings)
    expected = sorted((e["rule"], e["pointer"]) for e in fixture["expect"])
    assert got == expected, "\n".join(f.format() for f in findings)
    assert all(f.level == "error" and f.message for f in findings)


def test_every_rule_has_a_broken_copy() -> None:
    covered = {e["rule"] for p in FIXTURE_FILES for e in load_fixture(p)["expect"]}
    assert set(RULES) - covered == set()


def test_every_rule_says_what_it_guards() -> None:
    for name, func in RULES.items():
        doc = (func.__doc__ or "").strip()
        assert doc and "\n" not in doc, f"rule {name} needs a one-line docstring"


def test_the_registry_refuses_a_duplicate_name() -> None:
    with pytest.raises(ValueError, match="duplicate"):

        @rule(next(iter(RULES)))
        def again(view: SpecView) -> Any:
            """A second rule under a taken name."""
            yield from ()


def test_only_runs_the_named_rules(spec_document: dict[str, Any]) -> None:
    document = copy.deepcopy(spec_document)
    del document["paths"]["/v1"]["get"]["operationId"]
    del document["paths"]["/v1"]["get"]["responses"]["401"]
    assert {f.rule for f in check_rules(document)} == {"operation-id", "unauthorized-response"}
    assert {f.rule for f in check_rules(document, only={"operation-id"})} == {"operation-id"}


def test_a_broken_ref_inside_a_rule_input_is_a_finding_not_a_crash(
    spec_document: dict[str, Any],
) -> None:
    document = copy.deepcopy(spec_document)
    schemas = document["components"]["schemas"]
    schemas["ApiKey"]["properties"]["state"]["allOf"][0]["$ref"] = "#/components/schemas/Nope"
    document["components"]["links"]["GetApiKey"] = {"$ref": "#/components/links/Nope"}
    document["paths"]["/v1/apiKeys"]["get"]["parameters"][0] = {"$ref": "#/nope/~1x"}
    findings = check_rules(document)
    assert not [f for f in findings if "crashed" in f.message], findings
    refs = {f.pointer for f in findings if f.rule == "ref-resolves"}
    assert refs == {
        "/components/schemas/ApiKey/properties/state/allOf/0/$ref",
        "/components/links/GetApiKey/$ref",
        "/paths/~1v1~1apiKeys/get/parameters/0/$ref",
    }
    assert (
        Finding(
            "lifecycle",
            "/components/schemas/ApiKey/properties/state",
            "ApiKey has no `state` property with an enum",
        )
        in findings
    )


def test_a_cyclic_ref_does_not_hang() -> None:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "components": {
            "schemas": {
                "A": {"$ref": "#/components/schemas/B"},
                "B": {"$ref": "#/components/schemas/A"},
                "R": {
                    "allOf": [{"$ref": "#/components/schemas/A"}],
                    "x-rancher-resource": {"type": "r"},
                    "x-rancher-lifecycle": {"states": []},
                },
            }
        },
    }
    findings = check_rules(document)
    assert not [f for f in findings if "crashed" in f.message], findings


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"paths": [], "components": []},
        {"paths": {"/x": {"get": {"responses": []}}}},
        {"paths": {"/x": {"get": None, "parameters": [None, 3, {"$ref": 5}]}}},
        {
            "components": {
                "schemas": {
                    "R": {
                        "x-rancher-resource": {"operations": []},
                        "x-rancher-lifecycle": [],
                        "x-rancher-filters": [],
                    }
                }
            }
        },
        {
            "components": {
                "schemas": {
                    "R": {
                        "x-rancher-resource": {"createSchema": ["x"]},
                        "properties": {"a": {"x-rancher-field": "x"}},
                        "x-rancher-lifecycle": {"states": "abc", "actions": {"a": None}},
                    }
                }
            }
        },
        {
            "components": {
                "links": {"L": {"operationId": ["x"], "parameters": {"a": {"b": 1}}}},
                "responses": {"R": {"content": {"a/b": {"example": 1}}}},
            }
        },
        {
            "paths": {
                "/x": {
                    "get": {
                        "responses": {
                            "200": {
                                "content": {
                                    "a/b": {
                                        "schema": {"type": "string", "pattern": "("},
                                        "examples": {"e": {"value": "x"}},
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ],
)
def test_malformed_documents_give_findings_not_crashes(document: dict[str, Any]) -> None:
    findings = check_rules(document)
    assert not [f for f in findings if "crashed" in f.message], findings
