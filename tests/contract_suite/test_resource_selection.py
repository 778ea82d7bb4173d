"""The suite tests the resources of the spec set: `--resource NAME` selects (default: all), the
create bodies, references and cleanup order come from the spec model, and a target that does not
serve a selected resource is told in one line (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rancher_contract.contract_tests.resources import (
    UnknownResourceError,
    absent_id,
    create_body,
    creation_order,
    parse_resources,
    path_to,
    references_of,
    settled_paths,
    spec_model,
)
from rancher_contract.contract_tests.runner import main
from rancher_contract.contract_tests.selfcheck import run_suite
from rancher_contract.specmodel import load_model
from tests.contract_suite.test_selfcheck import rancher_like


def test_the_default_selection_is_every_resource_of_the_spec_set() -> None:
    assert parse_resources([]) == spec_model().types
    assert parse_resources([""]) == spec_model().types
    assert set(spec_model().types) >= {"apiKey", "registryCredential"}


def test_names_are_read_in_any_case_singular_or_plural_and_comma_separated() -> None:
    assert parse_resources(["APIKEY"]) == ("apiKey",)
    assert parse_resources(["registryCredentials,apikey", "apiKey"]) == (
        "registryCredential",
        "apiKey",
    )


def test_an_unknown_resource_is_refused() -> None:
    with pytest.raises(UnknownResourceError, match="unknown resource 'nope'"):
        parse_resources(["nope"])


def test_unknown_resource_exits_2_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--resource", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown resource 'nope'" in err[0], err


def test_create_bodies_fill_required_fields_and_references() -> None:
    credential = spec_model().resource("registryCredential")
    assert credential is not None
    refs = references_of(credential)
    assert [(f.name, t.type) for f, t in refs] == [("registryId", "registry")]
    body = create_body(credential, "rc-contract-t-", {"registry": "1sp7"})
    assert body["registryId"] == "1sp7"
    assert body["name"].startswith("rc-contract-t-")
    assert isinstance(body["email"], str) and body["email"]
    # referenced resources are created first (and retired last)
    assert creation_order(["registryCredential"]) == ("registry", "registryCredential")
    assert absent_id(refs[0][1]) == "1sp987654321000"


def test_lifecycle_paths_come_from_the_spec() -> None:
    registry = spec_model().resource("registry")
    assert registry is not None and registry.lifecycle is not None
    lifecycle = registry.lifecycle
    paths = settled_paths(lifecycle)
    assert paths["purged"] == ("deactivate", "remove", "purge")
    assert path_to(lifecycle, "active", ("purged",)) == ("deactivate", "remove", "purge")
    assert path_to(lifecycle, "purged", ("purged",)) == ()


def test_a_new_lifecycle_action_reaches_the_suite(tmp_path: Path) -> None:
    """Adding an action to a copy of the spec changes the paths the suite walks, with no code."""
    from rancher_contract.paths import SPEC_DIR

    source = (SPEC_DIR / "apikey.openapi.yaml").read_text(encoding="utf-8")
    changed = source.replace(
        "        actionsByState:\n          requested:",
        "          archive:\n            from: [inactive]\n            through: archiving\n"
        "            to: archived\n        actionsByState:\n          requested:",
        1,
    )
    assert changed != source
    changed = changed.replace("states: [requested,", "states: [archived, archiving, requested,", 1)
    path = tmp_path / "apikey.openapi.yaml"
    path.write_text(changed, encoding="utf-8")
    resource = load_model(path).resource("apiKey")
    assert resource is not None and resource.lifecycle is not None
    assert settled_paths(resource.lifecycle)["archived"] == ("deactivate", "archive")


def test_a_target_that_does_not_serve_a_resource_exits_2_in_one_line() -> None:
    with rancher_like() as (url, access_key, secret_key):
        run = run_suite(url, access_key, secret_key, ["--resource", "registryCredential"])
    assert run.code == 2, run.output[-2000:]
    lines = [line for line in run.output.splitlines() if "error:" in line]
    assert len(lines) == 1, run.output
    assert re.search(r"does not serve registryCredential .*404.*--resource", lines[0]), lines[0]
